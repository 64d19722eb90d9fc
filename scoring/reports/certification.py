"""The certification part of the calibration and admin pages: reviewers' accuracy against an exercise's
expert reference ratings, the grid and file those ratings are entered through, and the passing bar in words.

The pages draw; the columns, words, verdicts and the reading of an uploaded file come from here.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

from scoring.agency.access import Account
from scoring.agency.certification import (
    ALL_DIMENSIONS,
    DEFAULT_BAR,
    NOT_ASSESSED,
    PassingBar,
    bar_text,
    verdict,
)
from scoring.domain.dimensions import DIMENSIONS
from scoring.domain.ratings import LEVELS
from scoring.domain.thresholds import MIN_REFERENCE_RATINGS, TOO_FEW
from scoring.store import calibration_exercises, certification
from scoring.store.db import Database

__all__ = ["DEFAULT_BAR", "GRID_CHOICES", "MIN_REFERENCE_RATINGS", "REASON_COLUMN", "TOO_FEW", "UPLOAD_COLUMNS",
           "AccuracyReport", "PassingBar", "accuracy_report", "bar_text", "bar_words", "dimension_names",
           "reference_grid", "result_help", "rows_from_file", "rows_from_grid"]

#: What a cell of the reference grid may hold: a level 1-5 or "not assessed" (empty: not entered).
GRID_CHOICES: Final = (*(str(level) for level in LEVELS), NOT_ASSESSED)
#: The grid's column for why a reference's "not assessed" cells were not assessed.
REASON_COLUMN: Final = "Why not assessed"
#: The columns an uploaded reference file has (a header row, then one row per reference and dimension).
UPLOAD_COLUMNS: Final = ("application", "dimension", "rating", "reason")
_NAMES: Final = {d.id: d.name for d in DIMENSIONS}
_NO_BAR: Final = "no bar set"


def bar_words(bar: PassingBar | None) -> str:
    """The bar in force as the admin and calibration pages state it.

    Examples
    --------
    >>> bar_words(None)
    'No passing accuracy is required: every reviewer is offered live candidates.'
    """
    if bar is None:
        return "No passing accuracy is required: every reviewer is offered live candidates."
    return (f"Reviewers are offered live candidates once, in one calibration exercise, they have shown "
            f"{bar_text(bar)}; until then they are offered only exercises.")


@dataclass(frozen=True)
class AccuracyReport:
    """Reviewers' accuracy against one exercise's reference ratings.

    Attributes
    ----------
    references : int
        Reference ratings entered (the "not assessed" ones included).
    overall : pandas.DataFrame
        One row per reviewer: ``Reviewer``, ``Result`` (against the bar), ``Rated``, ``Weighted kappa``,
        ``Mean difference``, and ``judged``.
    by_dimension : pandas.DataFrame
        One row per reviewer and dimension: ``Reviewer``, ``Dimension``, ``Rated``, ``Weighted kappa``,
        ``Mean difference``, ``judged``.
    bar : PassingBar or None
        The bar in force.
    """

    references: int
    overall: pd.DataFrame
    by_dimension: pd.DataFrame
    bar: PassingBar | None


_FIGURES: Final = {"rated": "Rated", "kappa": "Weighted kappa", "mad": "Mean difference"}


def accuracy_report(db: Database, actor: Account, set_id: int) -> AccuracyReport:
    """What the exercise's accuracy section shows (needs ``read_calibration``)."""
    refs = certification.references(db, actor, set_id)
    result = certification.exercise_accuracy(db, actor, set_id)
    bar = certification.passing_bar(db, actor)
    result["Reviewer"] = result["reviewer"].fillna("")
    overall = result[result["dimension_id"] == ALL_DIMENSIONS].copy()
    overall["Result"] = [_NO_BAR if bar is None else verdict(int(r.rated), float(r.kappa), float(r.mad), bar)
                         for r in overall.itertuples()]
    overall = overall.rename(columns=_FIGURES).sort_values(["Weighted kappa", "Reviewer"], ascending=[False, True])
    detail = result[result["dimension_id"] != ALL_DIMENSIONS].copy()
    detail["Dimension"] = detail["dimension_id"].map(_NAMES)
    detail = detail.rename(columns=_FIGURES).sort_values(["Reviewer", "dimension_id"])
    return AccuracyReport(
        references=len(refs),
        overall=overall[["Reviewer", "Result", *_FIGURES.values(), "judged"]].reset_index(drop=True),
        by_dimension=detail[["Reviewer", "Dimension", *_FIGURES.values(), "judged"]].reset_index(drop=True),
        bar=bar)


def reference_grid(db: Database, actor: Account, set_id: int) -> pd.DataFrame:
    """The exercise's references as the entry grid shows them: ``Application``, ``Candidate``, one column
    per dimension name holding a :data:`GRID_CHOICES` value or nothing, and :data:`REASON_COLUMN`."""
    items = calibration_exercises.exercise_items(db, actor, set_id)
    refs = certification.references(db, actor, set_id)
    grid = pd.DataFrame({"Application": items["application"].astype(str),
                         "Candidate": items["candidate"].astype(str)})
    for dimension_id, name in _NAMES.items():
        mine = refs[refs["dimension_id"] == dimension_id]
        cells = {str(r.application): (NOT_ASSESSED if pd.isna(r.rating) else str(int(r.rating)))
                 for r in mine.itertuples()}
        grid[name] = pd.Series([cells.get(a) for a in grid["Application"]], index=grid.index, dtype=object)
    reasons = refs.dropna(subset=["not_assessed_reason"]).groupby("application")["not_assessed_reason"].first()
    grid[REASON_COLUMN] = [str(reasons.get(a, "")) for a in grid["Application"]]
    return grid


def rows_from_grid(grid: pd.DataFrame) -> list[dict[str, object]]:
    """The filled cells of an edited :func:`reference_grid`, as rows to store (empty cells are skipped).

    Examples
    --------
    >>> grid = pd.DataFrame({"Application": ["A-1"], "Candidate": ["Ana"], "Monitoring": ["4"],
    ...                      "Governance": [NOT_ASSESSED], "Automation": [None], REASON_COLUMN: ["no repo"]})
    >>> rows_from_grid(grid)  # doctest: +NORMALIZE_WHITESPACE
    [{'application': 'A-1', 'dimension': 'Monitoring', 'rating': '4', 'reason': ''},
     {'application': 'A-1', 'dimension': 'Governance', 'rating': 'not assessed', 'reason': 'no repo'}]
    """
    rows: list[dict[str, object]] = []
    for _, line in grid.iterrows():
        reason = "" if pd.isna(line.get(REASON_COLUMN)) else str(line.get(REASON_COLUMN)).strip()
        for name in _NAMES.values():
            value = line.get(name)
            if value is None or pd.isna(value) or str(value).strip() == "":
                continue
            rows.append({"application": line["Application"], "dimension": name, "rating": str(value),
                         "reason": reason if str(value) == NOT_ASSESSED else ""})
    return rows


def rows_from_file(content: bytes) -> tuple[list[dict[str, object]], list[str]]:
    """An uploaded CSV of reference ratings (:data:`UPLOAD_COLUMNS`, ``reason`` optional) as rows, or the
    problems that stop it being read.

    Examples
    --------
    >>> rows_from_file(b"application,dimension,rating\\nA-1,monitoring,4\\n")
    ([{'application': 'A-1', 'dimension': 'monitoring', 'rating': '4', 'reason': ''}], [])
    >>> print(rows_from_file(b"app,dim\\nA-1,monitoring\\n")[1][0])  # doctest: +NORMALIZE_WHITESPACE
    the file needs the columns application, dimension, rating (and reason for not assessed);
    missing: application, dimension, rating
    """
    try:
        frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as problem:
        return [], [f"the file is not a readable CSV file ({problem})"]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in UPLOAD_COLUMNS[:3] if c not in frame.columns]
    if missing:
        return [], [f"the file needs the columns {', '.join(UPLOAD_COLUMNS[:3])} (and reason for not assessed); "
                    f"missing: {', '.join(missing)}"]
    if "reason" not in frame.columns:
        frame["reason"] = ""
    return [{column: str(value).strip() for column, value in zip(UPLOAD_COLUMNS, line)}
            for line in frame[list(UPLOAD_COLUMNS)].itertuples(index=False)], []


def result_help(bar: PassingBar | None) -> str:
    """What the Result column means, for its header's help."""
    base = (f"\"{TOO_FEW}\" under {int(MIN_REFERENCE_RATINGS.value)} rated reference dimensions. ")
    return base + ("No bar is set." if bar is None else f"The bar: {bar_text(bar)}.")


def dimension_names() -> Mapping[int, str]:
    """Dimension ids and the names the grid heads its columns with."""
    return dict(_NAMES)
