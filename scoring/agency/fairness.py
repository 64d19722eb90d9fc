"""Adverse impact per stage: whether the agency's stages and its scorecard select every group alike.

For each stage and self-identified group (:mod:`scoring.domain.self_identification`), the selection rate,
and the impact ratio against the group with the highest rate (the four-fifths rule), with its Katz
interval and Fisher's exact test (:func:`scoring.stats.impact.impact_ratio`):

* at a stage, selected means passed, out of the applications decided (the pass rate's counting in
  ``DESIGN.md``: open decisions count neither way);
* for the weighted score (Local Law 144's "scoring rate"), selected means scoring above the median of
  every complete score at that stage, out of the complete scores.

A group with fewer than :data:`~scoring.domain.self_identification.MIN_GROUP_SIZE` decided, or under
:data:`~scoring.domain.self_identification.MIN_GROUP_SHARE` of a stage's stated decisions, is "too few to
judge" and shows no ratio, and cannot be the reference. Candidates who preferred not to say, or gave
no answer, are counted apart ("not stated") and never compared: they are not a group. Pure functions
over the counts :mod:`scoring.store.self_identification` returns; no candidate is ever seen here.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from scoring.domain.self_identification import (
    CATEGORIES,
    MIN_GROUP_SHARE,
    MIN_GROUP_SIZE,
    NO_ANSWER_LABEL,
    PREFER_NOT_TO_SAY,
    RACE_ETHNICITY,
    SEX,
)
from scoring.stats.impact import FOUR_FIFTHS, impact_ratio

__all__ = ["GROUPINGS", "IMPACT_COLUMNS", "VERDICTS", "Grouping", "group_labels", "impact_table",
           "scoring_impact", "stage_impact"]

Grouping = Literal["sex", "race_ethnicity", "sex_and_race"]
#: How groups are formed -> words shown to people. "sex_and_race" crosses both (Local Law 144 asks for
#: the intersectional categories as well).
GROUPINGS: dict[str, str] = {"sex": "Sex", "race_ethnicity": "Race/ethnicity",
                             "sex_and_race": "Sex and race/ethnicity"}

REFERENCE = "Highest rate (reference)"
BELOW = "Below four-fifths"
AT_OR_ABOVE = "Four-fifths or above"
TOO_FEW = "Too few to judge"
NOT_STATED = "Not stated (not compared)"
NONE_SELECTED = "No group large enough was selected"
#: Every verdict a row can carry.
VERDICTS = (REFERENCE, BELOW, AT_OR_ABOVE, TOO_FEW, NOT_STATED, NONE_SELECTED)

#: Columns of :func:`impact_table`.
IMPACT_COLUMNS = ("stage_id", "group", "stated", "total", "selected", "rate", "ratio", "ratio_low",
                  "ratio_high", "p_value", "verdict")


def group_labels(frame: pd.DataFrame, grouping: Grouping) -> pd.DataFrame:
    """The group each row of ``frame`` counts under: ``group`` (words) and ``stated`` (a category, not
    "prefer not to say" nor no answer).

    Parameters
    ----------
    frame : pandas.DataFrame
        With ``sex`` and ``race_ethnicity`` codes (missing: no answer).
    grouping : {"sex", "race_ethnicity", "sex_and_race"}

    Examples
    --------
    >>> rows = pd.DataFrame({"sex": ["female", None, "male"],
    ...                      "race_ethnicity": ["asian", None, "prefer_not_to_say"]})
    >>> group_labels(rows, "sex_and_race")[["group", "stated"]].values.tolist()
    [['Female, Asian', True], ['No answer', False], ['Male, Prefer not to say', False]]
    """
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}; valid: {', '.join(GROUPINGS)}")
    attributes = ("sex", "race_ethnicity") if grouping == "sex_and_race" else (grouping,)
    answered = np.ones(len(frame), dtype=bool)
    stated = np.ones(len(frame), dtype=bool)
    words = []
    for attribute in attributes:
        codes = frame[attribute]
        answered &= codes.notna().to_numpy()
        stated &= (codes.notna() & (codes != PREFER_NOT_TO_SAY)).to_numpy()
        words.append(codes.map(lambda code, a=attribute: CATEGORIES[a].get(code, "")).fillna(""))
    label = words[0] if len(words) == 1 else words[0] + ", " + words[1]
    out = frame.copy()
    out["group"] = np.where(answered, label, NO_ANSWER_LABEL)
    out["stated"] = stated
    return out


def _order(grouping: Grouping) -> list[str]:
    """Groups in the order of the declared categories, then the unstated ones."""
    if grouping == "sex":
        stated = [w for c, w in SEX.items() if c != PREFER_NOT_TO_SAY]
    elif grouping == "race_ethnicity":
        stated = [w for c, w in RACE_ETHNICITY.items() if c != PREFER_NOT_TO_SAY]
    else:
        stated = [f"{s}, {r}" for cs, s in SEX.items() for cr, r in RACE_ETHNICITY.items()
                  if PREFER_NOT_TO_SAY not in (cs, cr)]
    return stated


def impact_table(counts: pd.DataFrame, grouping: Grouping, total: str, selected: str,
                 min_size: int = MIN_GROUP_SIZE, confidence: float = 0.95,
                 min_share: float = MIN_GROUP_SHARE) -> pd.DataFrame:
    """Per stage and group: selection rate, impact ratio against the highest-rate group, interval, p-value.

    Parameters
    ----------
    counts : pandas.DataFrame
        ``stage_id``, ``sex``, ``race_ethnicity`` and the two count columns named by ``total`` and
        ``selected``; several rows of one group are added up.
    grouping : {"sex", "race_ethnicity", "sex_and_race"}
    total, selected : str
        Column names of the denominator and of those selected.
    min_size : int
        A stated group with fewer than this in ``total`` is "too few to judge": no ratio, and never
        the reference.
    confidence : float
        Level of the ratio's interval.
    min_share : float
        A stated group with less than this share of the stage's stated ``total`` is "too few to judge"
        as well.

    Returns
    -------
    pandas.DataFrame
        :data:`IMPACT_COLUMNS`: one row per stage and group present, stated groups first in the
        categories' order, then those not stated. ``rate`` is missing for no group; ``ratio``,
        ``ratio_low``, ``ratio_high`` and ``p_value`` only for a stated group large enough (the
        reference's ratio is 1 and its p-value 1), and ``verdict`` one of :data:`VERDICTS`.

    Examples
    --------
    >>> counts = pd.DataFrame({"stage_id": [3, 3, 3], "sex": ["female", "male", None],
    ...                        "race_ethnicity": [None, None, None],
    ...                        "decided": [100, 100, 7], "passed": [45, 60, 3]})
    >>> table = impact_table(counts, "sex", "decided", "passed")
    >>> for row in table.itertuples():
    ...     print(row.group, round(row.ratio, 2), row.verdict)
    Female 0.75 Below four-fifths
    Male 1.0 Highest rate (reference)
    No answer nan Not stated (not compared)
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    if not 0 <= min_share < 1:
        raise ValueError(f"min_share must be at least 0 and below 1, got {min_share}")
    labelled = group_labels(counts, grouping)
    summed = (labelled.groupby(["stage_id", "group", "stated"], as_index=False)[[total, selected]].sum()
              .rename(columns={total: "total", selected: "selected"}))
    order = {word: i for i, word in enumerate(_order(grouping))}
    summed["order"] = [order.get(group, len(order)) if stated else len(order) + 1 + (group == NO_ANSWER_LABEL)
                       for group, stated in zip(summed["group"], summed["stated"])]
    rows = []
    for stage_id, stage in summed.sort_values(["stage_id", "order", "group"]).groupby("stage_id", sort=True):
        smallest = max(min_size, min_share * stage.loc[stage["stated"], "total"].sum())
        judged = stage[stage["stated"] & (stage["total"] >= smallest)]
        rates = judged["selected"] / judged["total"]
        reference = judged.loc[rates.idxmax()] if len(judged) and rates.max() > 0 else None
        for row in stage.itertuples(index=False):
            n, k = int(row.total), int(row.selected)
            out = {"stage_id": int(stage_id), "group": row.group, "stated": bool(row.stated), "total": n,
                   "selected": k, "rate": k / n if n else np.nan, "ratio": np.nan, "ratio_low": np.nan,
                   "ratio_high": np.nan, "p_value": np.nan}
            if not row.stated:
                out["verdict"] = NOT_STATED
            elif n < smallest:
                out["verdict"] = TOO_FEW
            elif reference is None:
                out["verdict"] = NONE_SELECTED
            else:
                result = impact_ratio(k, n, int(reference["selected"]), int(reference["total"]), confidence)
                is_reference = row.group == reference["group"]
                out.update(ratio=result.ratio, ratio_low=result.low, ratio_high=result.high, p_value=result.p_value)
                out["verdict"] = (REFERENCE if is_reference else BELOW if result.ratio < FOUR_FIFTHS
                                  else AT_OR_ABOVE)
            rows.append(out)
    return pd.DataFrame(rows, columns=list(IMPACT_COLUMNS))


def stage_impact(stage_counts: pd.DataFrame, grouping: Grouping, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`impact_table` of :func:`scoring.store.self_identification.stage_counts`: passed of decided."""
    return impact_table(stage_counts, grouping, "decided", "passed", min_size)


def scoring_impact(scoring_counts: pd.DataFrame, grouping: Grouping, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`impact_table` of :func:`scoring.store.self_identification.scoring_counts`: above the median of
    the scored; the stage's ``median_score`` is kept as a column."""
    table = impact_table(scoring_counts, grouping, "scored", "above_median", min_size)
    medians = scoring_counts.groupby("stage_id")["median_score"].first()
    table.insert(1, "median_score", table["stage_id"].map(medians))
    return table
