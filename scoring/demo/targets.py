"""What the demo agency should look like: each figure a page shows of it, with a tolerance and a source.

The demo is the agency a newcomer meets first, so it should be the seed's agency working as
promised, with a handful of misses to find, a rubric reviewers mostly agree on, a few reviewers for
calibration to catch and scores that relate to outcomes. Each :class:`Target` states one figure the
way a page computes it; ``tests/demo/test_targets.py`` builds a demo and computes every figure with
the product's own functions (the ops, calibration and validity reports).

Sources: the agency seed (F5 Hiring Solutions, MLOps hiring guide) for the promises, and issue 15,
point 6 ("the demo tells the seed's story") for how the demo should read. The parameters that give
these figures are in :mod:`scoring.demo.generator` and :mod:`scoring.demo.pipeline`.

Examples
--------
>>> TARGETS["first_day_mean"].holds(27.2)
True
>>> TARGETS["first_day_mean"].low, TARGETS["first_day_mean"].high
(25.0, 30.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["FAIRNESS_ISSUE", "HOLDS_FROM_CANDIDATES", "ISSUE", "SEED", "TARGETS", "Target"]

SEED = "agency seed (F5 Hiring Solutions, MLOps hiring guide)"
ISSUE = "issue 15, point 6: the demo tells the seed's story"
FAIRNESS_ISSUE = "issue 21, point 1: the demo plants unfairness for the fairness page to find"

HOLDS_FROM_CANDIDATES = 20_000
"""The smallest demo (candidates) the targets are checked at; the default demo (85,500) is larger.
Smaller demos hold too few clients, replacements and reviewers for some figures to settle."""


@dataclass(frozen=True)
class Target:
    """One figure of the demo agency and how far from it the demo may land.

    Attributes
    ----------
    key : str
        Stable name, used by the test that measures it.
    name : str
        What the figure is, in words.
    figure : float
        The intended value.
    tolerance : float
        How far either way the demo may land: it holds within ``figure +/- tolerance``.
    unit : str
        The figure's unit.
    measured : str
        Which page figure it is and how the product computes it.
    source : str
        Why this figure: the seed, the issue, or both.
    """

    key: str
    name: str
    figure: float
    tolerance: float
    unit: str
    measured: str
    source: str

    @property
    def low(self) -> float:
        return round(self.figure - self.tolerance, 10)

    @property
    def high(self) -> float:
        return round(self.figure + self.tolerance, 10)

    def holds(self, value: float) -> bool:
        """Whether ``value`` lies within the tolerance (ends included)."""
        return self.low <= value <= self.high


_OPS = "ops page, all searches, as of the demo's date: scoring.reports.ops.ops_report headline"
_CALIBRATION = ("calibration page as it opens (scoring.reports.calibration.default_filter: the last 12 months "
                "with ratings), for each scored stage: scoring.reports.calibration.calibration_report")
_FAIRNESS = ("fairness page as it opens (decisions of the last 365 days, as of the demo's date): "
             "scoring.reports.fairness.fairness_report, stage table")
_VALIDITY = ("validity page, all searches, as of the demo's date: scoring.reports.validity.validity_report, AUC "
             "of the take-home score under the weights in force")

TARGETS: Mapping[str, Target] = MappingProxyType({t.key: t for t in (
    Target("shortlist_within_limit", "Searches with a shortlist within 14 business days", 0.95, 0.04,
           "share of counted searches", f"{_OPS}, promise 'shortlist_time'",
           f"{SEED}: a shortlist within 7-14 business days; {ISSUE}: above 90%, a handful of breaches to find"),
    Target("shortlist_median_days", "Median business days to a delivered shortlist", 7.5, 1.5, "business days",
           f"{_OPS}: shortlist summary 'median_days' (scoring.agency.sla.shortlist_summary)",
           f"{SEED}: 7 business days is the target, 14 the limit"),
    Target("shortlist_size", "Shortlists of 2-3 candidates", 0.95, 0.03, "share of delivered shortlists",
           f"{_OPS}, promise 'shortlist_size'",
           f"{SEED}: 2-3 candidates per search; {ISSUE}: most promises met, a handful of breaches"),
    Target("first_day_mean", "Mean days from a search opening to the engineer's first day", 27.5, 2.5,
           "calendar days", f"{_OPS}, promise 'first_day' (original placements, from the search opening)",
           f"{SEED}: the first day within 30 days on average; {ISSUE}: about 25-30 days"),
    Target("replacement_kept", "Replacements within 14 days at zero cost", 0.93, 0.06, "share of counted replacements",
           f"{_OPS}, promise 'replacement'",
           f"{SEED}: a replacement within 7-14 days at zero cost, anytime; {ISSUE}: most of them"),
    Target("client_retention", "Clients continuing beyond their first 3 months", 0.96, 0.02,
           "share of clients with a known outcome", f"{_OPS}, promise 'client_retention'",
           f"{SEED}: 95% client retention past the first 3 months; {ISSUE}: about 95%"),
    Target("dimension_alpha", "Krippendorff's alpha of every dimension but Governance", 0.70, 0.10,
           "alpha (ordinal)", f"{_CALIBRATION}: agreement 'alpha' per dimension",
           f"{ISSUE}: alpha about 0.6-0.8, the range a working anchored rubric reaches"),
    Target("governance_alpha", "Krippendorff's alpha of Governance, the dimension calibration flags", 0.50, 0.10,
           "alpha (ordinal)",
           f"{_CALIBRATION}: agreement 'alpha' of Governance, below the tentative band (0.667) so the page "
           "marks it unreliable",
           f"{ISSUE}: one dimension with lower agreement for calibration to flag"),
    Target("session_reviewers", "Reviewers the calibration page asks to the next session", 3, 0, "reviewers",
           f"{_CALIBRATION}: the session list (scoring.agency.calibration.session_list); they are the demo's "
           "lenient, drifting and erratic reviewers (scoring.demo.generator.standout_reviewers)",
           f"{ISSUE}: two or three visibly lenient, severe or erratic reviewers that the calibration page finds"),
    Target("auc_accepted", "AUC of the take-home score for the client's acceptance", 0.65, 0.07, "AUC",
           f"{_VALIDITY}, outcome 'accepted'",
           f"{ISSUE}: the validity page still has something to show; a useful, imperfect screen"),
    Target("auc_retained", "AUC of the take-home score for retention past 90 days", 0.72, 0.10, "AUC",
           f"{_VALIDITY}, outcome 'retained'",
           f"{ISSUE}: the validity page still has something to show; a useful, imperfect screen"),
    Target("auc_replaced", "AUC of the take-home score for no replacement under the guarantee", 0.75, 0.10, "AUC",
           f"{_VALIDITY}, outcome 'replaced'",
           f"{ISSUE}: the validity page still has something to show; a useful, imperfect screen"),
    Target("take_home_impact_ratio", "Impact ratio of women at the take-home, against men", 0.75, 0.06,
           "ratio of pass rates", f"{_FAIRNESS}: stage 'Take-home assessment', group 'Female', grouped by sex",
           f"{FAIRNESS_ISSUE}: one stage with an impact ratio near 0.75, below the four-fifths rule"),
    Target("reviewer_group_gap", "The biased reviewer's Model Deployment gap for Hispanic or Latino candidates, "
           "beyond their peers' gap", -0.45, 0.15, "rating points",
           "scoring.store.self_identification.reviewer_group_ratings, both scored stages, the last 365 days: "
           "the reviewer's mean Deployment rating of Hispanic or Latino candidates minus that of the other stated "
           "groups, less the same difference over every other reviewer (scoring.demo.generator.biased_reviewer)",
           f"{FAIRNESS_ISSUE}: one reviewer who marks one group down by about half a rating point on one dimension"),
)})
"""Every target, in the order the pages show their figures (ops, calibration, validity, fairness)."""
