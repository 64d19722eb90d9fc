"""Certification by reference candidates: how closely a reviewer scores an exercise's expert references.

A calibration exercise may carry expert reference ratings (one per reference application and dimension,
or "not assessed"). A reviewer's accuracy is measured against them on the pairs both rated:

* the quadratic-weighted Cohen's kappa (Cohen 1968) of the reviewer against the experts on the 1-5
  scale, through :func:`scoring.stats.agreement.cohen_kappa`;
* the mean absolute difference in rating points.

Both per dimension and over all dimensions together, each with the number of pairs it rests on. An admin
may set a passing bar (:class:`PassingBar`); a reviewer who has not met it over one exercise is offered
no live candidates. The newest exercise in which the reviewer's accuracy can be judged decides.

Nothing here reads a database or draws anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from scoring.domain.dimensions import DIMENSIONS
from scoring.domain.ratings import LEVELS, RATING_MAX, RATING_MIN
from scoring.domain.thresholds import MIN_REFERENCE_RATINGS, TOO_FEW
from scoring.stats.agreement import cohen_kappa

__all__ = ["ACCURACY_COLUMNS", "ALL_DIMENSIONS", "DEFAULT_BAR", "FAILED", "NOT_ASSESSED", "PASSED",
           "Certification", "PassingBar", "ReferenceRow", "accuracy", "bar_problems", "bar_text", "certification",
           "held_message", "parse_reference_rows", "verdict"]

#: The dimension id under which :func:`accuracy` reports all dimensions together.
ALL_DIMENSIONS: Final = 0
#: A reviewer's verdict against the bar, in words.
PASSED: Final = "passed"
FAILED: Final = "below the bar"
#: How a reference that gives no rating is written in an uploaded file or the entry grid.
NOT_ASSESSED: Final = "not assessed"
#: Columns of :func:`accuracy`.
ACCURACY_COLUMNS: Final = ("reviewer_id", "dimension_id", "rated", "kappa", "mad", "judged")
_DIMENSION_IDS: Final = {d.code: d.id for d in DIMENSIONS}
_DIMENSION_BY_NAME: Final = {d.name.lower(): d.id for d in DIMENSIONS}


@dataclass(frozen=True)
class PassingBar:
    """What a reviewer must show against the references: both at once.

    Attributes
    ----------
    min_kappa : float
        Lowest quadratic-weighted kappa over all dimensions together (-1 to 1).
    max_mad : float
        Highest mean absolute difference from the references, rating points (0 to 4).
    """

    min_kappa: float
    max_mad: float


#: What the admin form proposes: kappa 0.6, the lower edge of Landis and Koch's (1977) "substantial" band
#: (0.61) rounded, and on average no more than three quarters of a rubric step from the experts.
DEFAULT_BAR: Final = PassingBar(0.6, 0.75)


def bar_problems(min_kappa: object, max_mad: object) -> list[str]:
    """Why a proposed bar cannot be stored, field by field (empty when it can).

    Examples
    --------
    >>> bar_problems(0.6, 0.75)
    []
    >>> for problem in bar_problems(1.5, -1):
    ...     print(problem)
    minimum kappa: must be above -1 and at most 1, got 1.5
    maximum difference: must be from 0 to 4 rating points, got -1
    """
    problems = []
    kappa = _number(min_kappa)
    if kappa is None or not -1 < kappa <= 1:
        problems.append(f"minimum kappa: must be above -1 and at most 1, got {min_kappa}")
    mad = _number(max_mad)
    if mad is None or not 0 <= mad <= RATING_MAX - RATING_MIN:
        problems.append(f"maximum difference: must be from 0 to {RATING_MAX - RATING_MIN} rating points, got {max_mad}")
    return problems


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def bar_text(bar: PassingBar) -> str:
    """The bar as the queue and the pages say it.

    Examples
    --------
    >>> print(bar_text(PassingBar(0.6, 0.75)))  # doctest: +NORMALIZE_WHITESPACE
    a weighted kappa of at least 0.60 and a mean difference of at most 0.75 rating points from the experts,
    over at least 20 rated reference dimensions
    """
    return (f"a weighted kappa of at least {bar.min_kappa:.2f} and a mean difference of at most {bar.max_mad:.2f} "
            f"rating points from the experts, over at least {int(MIN_REFERENCE_RATINGS.value)} rated reference "
            "dimensions")


def accuracy(ratings: pd.DataFrame, references: pd.DataFrame) -> pd.DataFrame:
    """Each reviewer's accuracy against the reference ratings, per dimension and over all of them.

    Parameters
    ----------
    ratings : pandas.DataFrame
        The reviewers' ratings of the references: ``reviewer_id``, ``application_id``, ``dimension_id``,
        ``rating`` (1-5).
    references : pandas.DataFrame
        The experts' ratings: ``application_id``, ``dimension_id``, ``rating`` (1-5, or missing where
        the reference is "not assessed", which then takes no part).

    Returns
    -------
    pandas.DataFrame
        :data:`ACCURACY_COLUMNS`, one row per reviewer and dimension they rated against a reference, plus
        one with dimension :data:`ALL_DIMENSIONS` over every pair: ``rated`` pairs, ``kappa`` (quadratic
        weights over the 1-5 scale; missing when both sides used one and the same level), ``mad`` (rating
        points) and ``judged`` (``rated`` reaches :data:`MIN_REFERENCE_RATINGS`).

    Notes
    -----
    Pooling the dimensions into one kappa treats every reference-dimension as a unit; the per-dimension
    rows show where a reviewer stands apart.

    Examples
    --------
    >>> ratings = pd.DataFrame({"reviewer_id": 7, "application_id": [1, 2, 3], "dimension_id": 1,
    ...                         "rating": [2, 3, 5]})
    >>> references = pd.DataFrame({"application_id": [1, 2, 3], "dimension_id": 1, "rating": [2, 4, 5]})
    >>> accuracy(ratings, references)[["dimension_id", "rated", "mad"]].round(3).to_dict("list")
    {'dimension_id': [0, 1], 'rated': [3, 3], 'mad': [0.333, 0.333]}
    """
    kept = references.dropna(subset=["rating"])[["application_id", "dimension_id", "rating"]]
    pairs = ratings[["reviewer_id", "application_id", "dimension_id", "rating"]].merge(
        kept, on=["application_id", "dimension_id"], suffixes=("", "_reference"))
    rows = []
    for reviewer_id, mine in pairs.groupby("reviewer_id", sort=True):
        rows.append(_row(int(reviewer_id), ALL_DIMENSIONS, mine))
        for dimension_id, one in mine.groupby("dimension_id", sort=True):
            rows.append(_row(int(reviewer_id), int(dimension_id), one))
    frame = pd.DataFrame(rows, columns=list(ACCURACY_COLUMNS))
    return frame.astype({"reviewer_id": "int64", "dimension_id": "int64", "rated": "int64", "kappa": "float64",
                         "mad": "float64", "judged": "bool"})


def _row(reviewer_id: int, dimension_id: int, pairs: pd.DataFrame) -> tuple:
    own = pairs["rating"].to_numpy(dtype=np.float64)
    expert = pairs["rating_reference"].to_numpy(dtype=np.float64)
    kappa = cohen_kappa(own, expert, weights="quadratic", categories=LEVELS)
    mad = float(np.abs(own - expert).mean())
    return reviewer_id, dimension_id, len(pairs), kappa, mad, len(pairs) >= MIN_REFERENCE_RATINGS.value


def verdict(rated: int, kappa: float, mad: float, bar: PassingBar) -> str:
    """:data:`PASSED`, :data:`FAILED`, or :data:`TOO_FEW` (fewer than :data:`MIN_REFERENCE_RATINGS` pairs,
    or a kappa that does not exist because both sides used one level only).

    Examples
    --------
    >>> bar = PassingBar(0.6, 0.75)
    >>> verdict(25, 0.7, 0.5, bar), verdict(25, 0.7, 0.9, bar), verdict(25, 0.5, 0.5, bar), verdict(5, 0.9, 0.1, bar)
    ('passed', 'below the bar', 'below the bar', 'too few to judge')
    """
    if rated < MIN_REFERENCE_RATINGS.value or kappa is None or math.isnan(kappa):
        return TOO_FEW
    return PASSED if kappa >= bar.min_kappa and mad <= bar.max_mad else FAILED


@dataclass(frozen=True)
class Certification:
    """Where one reviewer stands against the passing bar.

    Attributes
    ----------
    bar : PassingBar or None
        The bar in force; None when an admin requires none.
    decided_by : str or None
        Name of the exercise whose result decides (the newest one with a judged result), if any.
    rated, kappa, mad : int, float, float
        That result (0 and ``nan`` without one).
    pending : str or None
        Name of an exercise with references the reviewer still has to score, if any (the newest).
    pending_items : int
        How many of its references are still awaited from the reviewer.
    """

    bar: PassingBar | None
    decided_by: str | None = None
    rated: int = 0
    kappa: float = float("nan")
    mad: float = float("nan")
    pending: str | None = None
    pending_items: int = 0

    @property
    def verdict(self) -> str:
        """:data:`PASSED`, :data:`FAILED` or :data:`TOO_FEW` against the bar (:data:`PASSED` with no bar)."""
        if self.bar is None:
            return PASSED
        if self.decided_by is None:
            return TOO_FEW
        return verdict(self.rated, self.kappa, self.mad, self.bar)

    @property
    def may_score_live(self) -> bool:
        """Whether live candidates may be offered: no bar, or the bar met."""
        return self.verdict == PASSED


def certification(results: pd.DataFrame, pending: pd.DataFrame, bar: PassingBar | None) -> Certification:
    """One reviewer's standing, from their overall results and what they still owe.

    Parameters
    ----------
    results : pandas.DataFrame
        The reviewer's overall accuracy per exercise with references: ``name``, ``created_at``, ``rated``,
        ``kappa``, ``mad`` (dimension :data:`ALL_DIMENSIONS` of :func:`accuracy`).
    pending : pandas.DataFrame
        Exercises with references where the reviewer has references still to score: ``name``,
        ``created_at``, ``awaited``.
    bar : PassingBar or None
        The bar in force.

    Returns
    -------
    Certification
        Decided by the newest exercise whose result is judged (enough pairs and a kappa).

    Examples
    --------
    >>> bar = PassingBar(0.6, 0.75)
    >>> results = pd.DataFrame({"name": ["May", "June"], "created_at": pd.to_datetime(["2026-05-01", "2026-06-01"]),
    ...                         "rated": [25, 4], "kappa": [0.8, 0.1], "mad": [0.4, 2.0]})
    >>> none = pd.DataFrame(columns=["name", "created_at", "awaited"])
    >>> status = certification(results, none, bar)
    >>> status.decided_by, status.verdict, status.may_score_live
    ('May', 'passed', True)
    """
    if bar is None:
        return Certification(None)
    judged = results[[verdict(int(r.rated), float(r.kappa), float(r.mad), bar) != TOO_FEW
                      for r in results.itertuples()]] if not results.empty else results
    owed = pending.sort_values("created_at", ascending=False) if not pending.empty else pending
    name = str(owed.iloc[0]["name"]) if len(owed) else None
    awaited = int(owed.iloc[0]["awaited"]) if len(owed) else 0
    if judged.empty:
        return Certification(bar, pending=name, pending_items=awaited)
    newest = judged.sort_values("created_at").iloc[-1]
    return Certification(bar, decided_by=str(newest["name"]), rated=int(newest["rated"]),
                         kappa=float(newest["kappa"]), mad=float(newest["mad"]), pending=name, pending_items=awaited)


def held_message(status: Certification, held: int) -> str:
    """What the score-entry queue tells a reviewer whose live candidates are held ("" when none are).

    Examples
    --------
    >>> status = Certification(PassingBar(0.6, 0.75), pending="Autumn references", pending_items=6)
    >>> print(held_message(status, 3))  # doctest: +NORMALIZE_WHITESPACE
    3 live candidates are held until you pass the reference check. Score the reference candidates in exercise
    "Autumn references" (6 left); you need a weighted kappa of at least 0.60 and a mean difference of at most
    0.75 rating points from the experts, over at least 20 rated reference dimensions, to pass.
    """
    if status.may_score_live or status.bar is None:
        return ""
    count = f"{held} live candidate{' is' if held == 1 else 's are'}" if held else "Live candidates are"
    opening = f"{count} held until you pass the reference check."
    need = f"you need {bar_text(status.bar)}, to pass."
    if status.pending:
        left = f"{status.pending_items} left"
        return f'{opening} Score the reference candidates in exercise "{status.pending}" ({left}); {need}'
    if status.decided_by is not None:
        return (f'{opening} In exercise "{status.decided_by}" your weighted kappa was {status.kappa:.2f} and your '
                f"mean difference {status.mad:.2f} rating points over {status.rated} rated reference dimensions, "
                f"below the bar of {bar_text(status.bar)}. Ask an admin for a new calibration exercise to try "
                "again.")
    return (f"{opening} No calibration exercise with reference ratings is waiting for you: ask an admin to assign "
            f"you one; {need}")


@dataclass(frozen=True)
class ReferenceRow:
    """One reference rating as it will be stored: ``rating`` None when not assessed, with its reason."""

    application_id: int
    dimension_id: int
    rating: int | None
    reason: str | None


def parse_reference_rows(rows: Sequence[Mapping[str, object]], applications: Mapping[str, int]
                         ) -> tuple[list[ReferenceRow], list[str]]:
    """Check reference rows as entered or uploaded; every problem named by row, field and reason.

    Parameters
    ----------
    rows : sequence of mappings
        Each with ``application`` (a reference application's id as people see it, a key of
        ``applications``), ``dimension`` (its code or name), ``rating`` (1-5, or "not assessed") and,
        for "not assessed", ``reason``. Rows are numbered from 1, as in a file under its header.
    applications : mapping
        The exercise's references: the id people see -> application id.

    Returns
    -------
    (rows, problems)
        The rows to store, and the problems; store nothing unless ``problems`` is empty.

    Examples
    --------
    >>> parse_reference_rows([{"application": "A-1", "dimension": "Monitoring", "rating": 6}], {"A-1": 11})[1]
    ['row 1, rating: must be a whole number from 1 to 5 or "not assessed", got 6']
    """
    parsed: list[ReferenceRow] = []
    problems: list[str] = []
    seen: dict[tuple[int, int], int] = {}
    for number, row in enumerate(rows, start=1):
        here: list[str] = []
        application = str(row.get("application") or "").strip()
        application_id = applications.get(application)
        if application_id is None:
            here.append(f"row {number}, application: {application or 'empty'} is not a reference of this exercise")
        dimension = str(row.get("dimension") or "").strip()
        dimension_id = _DIMENSION_IDS.get(dimension.lower()) or _DIMENSION_BY_NAME.get(dimension.lower())
        if dimension_id is None:
            here.append(f"row {number}, dimension: {dimension or 'empty'} is not one of "
                        f"{', '.join(d.name for d in DIMENSIONS)}")
        rating, reason = _rating(row.get("rating")), str(row.get("reason") or "").strip()
        if rating is False:
            here.append(f'row {number}, rating: must be a whole number from 1 to 5 or "{NOT_ASSESSED}", '
                        f"got {row.get('rating')}")
        elif rating is None and not reason:
            here.append(f"row {number}, reason: a reference marked {NOT_ASSESSED} needs the reason")
        if application_id is not None and dimension_id is not None:
            key = (application_id, dimension_id)
            if key in seen:
                here.append(f"row {number}, dimension: {application} already has a rating for {dimension} "
                            f"(row {seen[key]})")
            seen.setdefault(key, number)
        if here:
            problems.extend(here)
        elif application_id is not None and dimension_id is not None and rating is not False:
            parsed.append(ReferenceRow(application_id, dimension_id, rating, None if rating is not None else reason))
    return parsed, problems


def _rating(value: object) -> int | None | bool:
    """A rating 1-5, None for not assessed, False for anything else."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == NOT_ASSESSED:
            return None
        value = text
    if value is None or (isinstance(value, float) and math.isnan(value)) or isinstance(value, bool):
        return False
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return int(number) if number.is_integer() and RATING_MIN <= number <= RATING_MAX else False
