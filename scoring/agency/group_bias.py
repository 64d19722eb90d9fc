"""Reviewers who score one self-identified group differently from how they score everyone else.

Each scored stage's live ratings of the period are fitted with the many-facet model
(:func:`scoring.stats.severity.fit_severity`: each application's skill, each dimension's difficulty,
each reviewer's overall severity), and then, with all of those held fixed, every reviewer gets a bias
term towards every stated group (:mod:`scoring.stats.bias`, FACETS' bias/interaction analysis): over
all five dimensions, and on each dimension alone, since a reviewer may mark a group down on one thing
only. A rating is anchored in its own stage's fit, and a reviewer's term towards a group spans both
scored stages: the question is about the reviewer, and it needs every rating they gave that group.

The difference a person reads is in rating points: the reviewer's mean rating of the group's candidates
minus what the model expected of those candidates from that reviewer, given the candidates' skill from
all their ratings and the reviewer's own severity towards everyone. A difference is judged only over
:data:`~scoring.domain.thresholds.MIN_BIAS_RATINGS` ratings or more, and flagged when its p-value,
corrected with Benjamini-Hochberg over every cell judged (:func:`scoring.stats.bias.adjusted_p_values`
says why that correction), is below :data:`ALPHA`. Candidates who preferred not to say or gave no answer
are in the model (their ratings place reviewers and dimensions like any other) but form no group.

Pure: it takes the ratings :func:`scoring.store.self_identification.group_ratings` returns (applications
by a key made up for the read, never an id) and returns figures per reviewer, group and dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from scoring.agency.fairness import TOO_FEW, Grouping, group_labels
from scoring.domain.stages import Stage
from scoring.domain.thresholds import MIN_BIAS_RATINGS
from scoring.stats.bias import ALPHA, CELL_COLUMNS, Correction, bias_terms, flag_cells
from scoring.stats.severity import fit_severity

__all__ = ["ALPHA", "BIAS_COLUMNS", "CORRECTION", "GroupBias", "HIGHER", "LOWER", "NO_CLEAR_DIFFERENCE", "TOO_FEW",
           "VERDICTS", "reviewer_group_bias"]

LOWER = "Scores this group lower"
HIGHER = "Scores this group higher"
NO_CLEAR_DIFFERENCE = "No clear difference"
#: Every reading a cell can carry.
VERDICTS: Final = (LOWER, HIGHER, NO_CLEAR_DIFFERENCE, TOO_FEW)

CORRECTION: Final[Correction] = "benjamini-hochberg"
"""The multiple-comparison correction the audit applies (see :func:`scoring.stats.bias.adjusted_p_values`)."""

SEVERITY_TOL: Final[float] = 1e-3
"""Convergence of the model fits (logits), as on the calibration page."""

#: Columns of :attr:`GroupBias.cells`; ``dimension_id`` is missing for a reviewer's term over all dimensions.
BIAS_COLUMNS: Final = ("reviewer_id", "group", "dimension_id", *CELL_COLUMNS, "p_adjusted", "flagged", "verdict")


@dataclass(frozen=True)
class GroupBias:
    """Every reviewer's bias term towards every stated group, overall and per dimension.

    Attributes
    ----------
    cells : pandas.DataFrame
        :data:`BIAS_COLUMNS`, flagged cells first (lowest p-value first), then the other judged ones,
        then those with too few ratings. ``difference`` is in rating points (negative: the reviewer
        rates the group lower than expected), ``bias`` in logits (positive: harsher), ``p_adjusted``
        the Benjamini-Hochberg p-value over every judged cell, ``verdict`` one of :data:`VERDICTS`.
    notes : tuple of str
        Stages whose ratings could not be fitted, and why.
    min_ratings : int
        The fewest ratings a cell was judged on.
    alpha : float
        The level a corrected p-value is flagged below.
    """

    cells: pd.DataFrame
    notes: tuple[str, ...] = ()
    min_ratings: int = int(MIN_BIAS_RATINGS.value)
    alpha: float = ALPHA
    correction: str = CORRECTION


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=list(BIAS_COLUMNS))


def reviewer_group_bias(ratings: pd.DataFrame, grouping: Grouping, *, min_ratings: int = int(MIN_BIAS_RATINGS.value),
                        alpha: float = ALPHA) -> GroupBias:
    """Each reviewer's bias term towards each stated group, over all dimensions and on each one.

    Parameters
    ----------
    ratings : pandas.DataFrame
        One row per live rating: ``stage_id``, ``application_key``, ``reviewer_id``, ``dimension_id``,
        ``rating`` (1-5), ``sex``, ``race_ethnicity`` (missing: no answer), as
        :func:`scoring.store.self_identification.group_ratings` returns them.
    grouping : {"sex", "race_ethnicity", "sex_and_race"}
    min_ratings : int
        Fewest ratings for a cell to be judged.
    alpha : float
        Level of the corrected p-value below which a cell is flagged.

    Returns
    -------
    GroupBias

    Examples
    --------
    >>> reviewer_group_bias(pd.DataFrame(columns=["stage_id", "application_key", "reviewer_id", "dimension_id",
    ...                                           "rating", "sex", "race_ethnicity"]), "sex").cells.empty
    True
    """
    if ratings.empty:
        return GroupBias(_empty(), min_ratings=min_ratings, alpha=alpha)
    rows = ratings.rename(columns={"application_key": "application_id"})
    # Label each combination of answers once (a few dozen), not each of the hundreds of thousands of ratings.
    answers = ["sex", "race_ethnicity"]
    labelled = group_labels(rows[answers].drop_duplicates(), grouping)
    labelled["group"] = labelled["group"].where(labelled["stated"])
    rows = rows.merge(labelled[[*answers, "group"]], on=answers, how="left", validate="many_to_one")
    fits, notes = {}, []
    for stage_id, part in rows.groupby("stage_id", sort=True):
        dimensions = sorted(part["dimension_id"].unique())
        try:
            fits[stage_id] = fit_severity(part, {d: 1 / len(dimensions) for d in dimensions}, tol=SEVERITY_TOL)
        except ValueError as problem:
            notes.append(f"{Stage(int(stage_id)).label}: the model could not be fitted to its ratings ({problem}), "
                         "so they are left out.")
    rows = rows[rows["stage_id"].isin(list(fits))]
    if rows.empty or not rows["group"].notna().any():
        return GroupBias(_empty(), tuple(notes), min_ratings, alpha)
    levels = [("reviewer_id", "group"), ("reviewer_id", "group", "dimension_id")]
    parts = [bias_terms(rows, fits, list(cells), fitted_by="stage_id", min_ratings=min_ratings) for cells in levels]
    parts[0]["dimension_id"] = pd.NA
    cells = flag_cells(pd.concat(parts, ignore_index=True), alpha=alpha, correction=CORRECTION)
    cells["dimension_id"] = cells["dimension_id"].astype("Int64")
    cells["verdict"] = np.select(
        [~cells["judged"].astype(bool), cells["flagged"] & (cells["difference"] < 0), cells["flagged"]],
        [TOO_FEW, LOWER, HIGHER], NO_CLEAR_DIFFERENCE)
    order = np.where(cells["flagged"], 0, np.where(cells["judged"].astype(bool), 1, 2))
    cells = (cells.assign(_order=order, _p=cells["p_value"].fillna(1.0))
             .sort_values(["_order", "_p", "reviewer_id", "group"], kind="stable")
             .drop(columns=["_order", "_p"]).reset_index(drop=True))
    return GroupBias(cells[list(BIAS_COLUMNS)], tuple(notes), min_ratings, alpha)
