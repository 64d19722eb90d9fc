"""The fairness report for auditors: adverse impact per stage and for the weighted score.

:func:`fairness_report` reads the counts of :mod:`scoring.store.self_identification` (per stage and
group, never a candidate) and computes every figure with :mod:`scoring.agency.fairness`: at each stage
the pass rate of every group, its impact ratio against the highest-rate group with the Katz interval and
Fisher's exact test, and the same for the weighted score's "scoring rate" (the share scoring above the
stage's median, as New York City's Local Law 144 asks of tools that score candidates). Groups smaller
than the stated minimum are "too few to judge". Only auditors and admins may ask
(``read_fairness``; the counts need ``read_self_identification`` as well).

It also holds, in ``reviewer_bias``, every reviewer's difference towards every group, over all dimensions
and on each (:mod:`scoring.agency.group_bias`: the many-facet model's bias terms, FACETS-style, corrected
for the number of reviewer-group cells tested), a table in people's words.

:func:`to_json` writes the report as ``scorecard report fairness`` prints it: the same bytes from the
same data.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from scoring.agency import fairness, group_bias
from scoring.agency.access import Account
from scoring.domain.dimensions import DIMENSIONS
from scoring.domain.self_identification import MIN_GROUP_SHARE, MIN_GROUP_SIZE
from scoring.domain.stages import Stage
from scoring.domain.thresholds import MIN_BIAS_RATINGS
from scoring.stats.impact import FOUR_FIFTHS
from scoring.store import self_identification as store
from scoring.store.authorization import authorize
from scoring.store.db import Database

__all__ = ["ALL_DIMENSIONS", "BELOW", "BIAS_COLUMNS", "BIAS_EXPLANATION", "BIAS_FLAGGED", "COUNTING", "FairnessReport",
           "GROUPINGS", "Grouping", "TOO_FEW", "fairness_report", "to_json", "too_few_rule"]

GROUPINGS = fairness.GROUPINGS
Grouping = fairness.Grouping
#: The words a row's reading may take that the page names (from scoring.agency.fairness).
BELOW = fairness.BELOW
TOO_FEW = fairness.TOO_FEW
#: How the counting is done, said wherever the figures are shown or exported.
COUNTING = (
    "A stage's selection rate is passed of decided (open decisions count neither way) among the decisions "
    "taken in the period, as known at the end of the audit date. The scoring rate is the share of complete "
    "weighted scores (the weights in force when the application entered the stage) above the median of every "
    "complete score at that stage in the period. A group's impact ratio is its rate over the highest rate among "
    f"the groups with at least the minimum number of decisions; below {FOUR_FIFTHS:.0%} of that rate (the "
    "four-fifths rule, 29 CFR 1607.4(D)) it is marked. The interval is the Katz log interval (95%), the p-value "
    "Fisher's exact test (two-sided). Candidates who preferred not to say or gave no answer are counted "
    "but never compared. Self-identification is never used by any score.")

#: The reviewer x group table: JSON key -> the column's name in people's words, in the order shown.
BIAS_COLUMNS: dict[str, str] = {
    "reviewer": "Reviewer", "group": "Group", "dimension": "Dimension", "ratings": "Ratings",
    "observed": "Mean rating given", "expected": "Mean rating expected",
    "difference": "Difference (rating points)", "difference_low": "95% low", "difference_high": "95% high",
    "bias": "Bias (logits)", "se": "Standard error (logits)", "t": "t", "p_value": "p-value",
    "p_adjusted": "p after correction", "verdict": "Reading",
}
#: The readings of a flagged row (the others: no clear difference, too few to judge).
BIAS_FLAGGED = (group_bias.LOWER, group_bias.HIGHER)
ALL_DIMENSIONS = "All dimensions"
BIAS_TITLE = "Reviewers who score one group differently"
BIAS_EXPLANATION = (
    "For each reviewer and each group, over all dimensions and on each one: the reviewer's mean rating of that "
    "group's candidates against the rating the many-facet model expected from this reviewer for these "
    "candidates (their skill measured from all their ratings, by every reviewer, and the reviewer's own "
    "severity towards everyone). A negative difference means the reviewer rates the group lower than they rate "
    "comparable candidates of other groups. The interval is 95%; the p-value is the t-test of the bias term "
    "(FACETS' bias/interaction analysis, degrees of freedom the ratings less one), corrected with "
    "Benjamini-Hochberg for the number of reviewer-group cells tested, so that where no reviewer is biased a "
    "flag appears in at most 1 audit in 20. Ratings of both scored stages count, each against its own stage's "
    "model; ratings submitted in the period, calibration exercises left out. A cell with fewer than "
    "{min_ratings} ratings is \"too few to judge\"; candidates who did not state a group form none.")


def too_few_rule(min_size: int) -> str:
    """The sentence that says which groups are too few to judge.

    Examples
    --------
    >>> too_few_rule(30)[:52]
    'A group with fewer than 30 decisions, or under 2% of'
    """
    return (f"A group with fewer than {min_size} decisions, or under {MIN_GROUP_SHARE:.0%} of the decisions of "
            "candidates who stated a group, is too few to judge.")


def _bias_table(result: group_bias.GroupBias, names: pd.DataFrame) -> pd.DataFrame:
    """:class:`~scoring.agency.group_bias.GroupBias` cells with names and words, columns in people's words, the
    smallest corrected p-value first."""
    cells = result.cells
    label = dict(zip(names["reviewer_id"].astype(int), names["display_name"]))
    dimension = {d.id: d.name for d in DIMENSIONS}
    table = pd.DataFrame({
        "reviewer": [label.get(int(r), f"Reviewer {int(r)}") for r in cells["reviewer_id"]],
        "group": cells["group"].astype(str),
        "dimension": [ALL_DIMENSIONS if pd.isna(d) else dimension.get(int(d), str(d)) for d in cells["dimension_id"]],
        **{key: cells[key] for key in ("ratings", "observed", "expected", "difference", "difference_low",
                                       "difference_high", "bias", "se", "t", "p_value", "p_adjusted", "verdict")},
    })
    table["ratings"] = table["ratings"].astype("int64")
    for key in ("observed", "expected", "difference", "difference_low", "difference_high", "bias", "se", "t",
                "p_value", "p_adjusted"):
        table[key] = table[key].astype("float64")
    # The likeliest bias first, cells too small to judge last: a person reads the top of a long list.
    table = table.sort_values(["p_adjusted", "reviewer", "group", "dimension"], na_position="last", kind="stable")
    table = table.rename(columns=BIAS_COLUMNS)[list(BIAS_COLUMNS.values())].reset_index(drop=True)
    table.attrs["title"] = BIAS_TITLE
    table.attrs["explanation"] = BIAS_EXPLANATION.format(min_ratings=result.min_ratings)
    return table


@dataclass(frozen=True)
class FairnessReport:
    """Adverse impact per stage (``stages``) and for the weighted score (``scoring``), as of a date.

    Both tables are :func:`scoring.agency.fairness.impact_table`'s, with the stage's name in ``stage``
    (``scoring`` also has the stage's ``median_score``). ``reviewer_bias`` is every reviewer's difference
    towards every group (:data:`BIAS_COLUMNS`, in people's words; flagged rows first, their reading one of
    :data:`BIAS_FLAGGED`), and ``bias_notes`` says which stage's ratings could not be modelled, if any.
    """

    as_of: date
    start: date | None
    end: date | None
    grouping: str
    min_size: int
    stages: pd.DataFrame
    scoring: pd.DataFrame
    reviewer_bias: pd.DataFrame
    bias_notes: tuple[str, ...] = ()
    bias_min_ratings: int = int(MIN_BIAS_RATINGS.value)

    @property
    def bias_flagged(self) -> pd.DataFrame:
        """Rows of ``reviewer_bias`` flagged after the correction."""
        return self.reviewer_bias[self.reviewer_bias[BIAS_COLUMNS["verdict"]].isin(BIAS_FLAGGED)]

    @property
    def flagged(self) -> pd.DataFrame:
        """Rows of either table below four-fifths, with ``measure`` ('stage' or 'score') and ``significant``
        (Fisher's p below :data:`scoring.agency.group_bias.ALPHA`: a gap chance is unlikely to explain)."""
        parts = [table[table["verdict"] == fairness.BELOW].assign(measure=measure)
                 for measure, table in (("stage", self.stages), ("score", self.scoring))]
        parts = [part.assign(significant=part["p_value"] < group_bias.ALPHA) for part in parts]
        return pd.concat(parts, ignore_index=True)


def _named(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table.insert(1, "stage", [Stage(int(s)).label for s in table["stage_id"]])
    return table


def fairness_report(db: Database, actor: Account, as_of: date, start: date | None = None, end: date | None = None,
                    grouping: fairness.Grouping = "sex", min_size: int = MIN_GROUP_SIZE) -> FairnessReport:
    """Adverse impact per stage and for the weighted score, as of ``as_of``, over decisions (entries, for the
    score) within ``start``-``end``, by ``grouping`` ('sex', 'race_ethnicity' or 'sex_and_race').

    Raises
    ------
    PermissionDenied
        ``actor`` is not an auditor or an admin (or its session has ended): nothing is read.
    ValueError
        ``start`` after ``end``, an unknown grouping, or a minimum below 1.
    """
    authorize(db, actor, "read_fairness")
    if start is not None and end is not None and start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}; valid: {', '.join(GROUPINGS)}")
    stages = fairness.stage_impact(store.stage_counts(db, actor, as_of, start, end), grouping, min_size)
    scores = fairness.scoring_impact(store.scoring_counts(db, actor, as_of, start, end), grouping, min_size)
    bias = group_bias.reviewer_group_bias(store.group_ratings(db, actor, as_of, start, end), grouping)
    return FairnessReport(as_of, start, end, grouping, min_size, _named(stages), _named(scores),
                          _bias_table(bias, store.reviewer_names(db, actor)), bias.notes, bias.min_ratings)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, float):
        return round(value, 6)
    return value


def _rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{column: _plain(value) for column, value in row.items()} for row in table.to_dict("records")]


def to_json(report: FairnessReport) -> bytes:
    """The report as JSON: its date, period, grouping, minimum, counting rules, both tables' rows, and the
    reviewer x group differences (``reviewer_bias``, keyed as :data:`BIAS_COLUMNS`, with their method).

    Missing figures (no ratio for a group too small, or not stated) are ``null``; numbers are rounded to
    six decimals, so the same data gives the same bytes.
    """
    document = {
        "report": "fairness", "as_of": report.as_of.isoformat(),
        "from": report.start.isoformat() if report.start else None,
        "to": report.end.isoformat() if report.end else None,
        "grouping": report.grouping, "grouping_label": GROUPINGS[report.grouping],
        "min_group_size": report.min_size, "min_group_share": MIN_GROUP_SHARE, "four_fifths": FOUR_FIFTHS,
        "counting": COUNTING,
        "stages": _rows(report.stages), "scoring_rate": _rows(report.scoring),
        "reviewer_bias_method": {
            "explanation": BIAS_EXPLANATION.format(min_ratings=report.bias_min_ratings),
            "min_ratings": report.bias_min_ratings, "correction": "Benjamini-Hochberg", "alpha": group_bias.ALPHA,
            "notes": list(report.bias_notes)},
        "reviewer_bias": _rows(report.reviewer_bias.rename(columns={v: k for k, v in BIAS_COLUMNS.items()})),
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
