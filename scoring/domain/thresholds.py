"""The numbers the agency's calibration decisions turn on, each with its unit, meaning and source.

These are the agency's choices (policy, design or reporting choices), declared once and shown on the
calibration page beside the figures they decide. Published defaults of the generic statistics (the
Landis-Koch and Krippendorff bands, Linacre's fit band) stay with those statistics in
``scoring.stats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["AGREEMENT_DRIFT", "CALIBRATION_THRESHOLDS", "DRIFT_BASELINE_MONTHS", "DRIFT_MIN_Z",
           "DRIFT_PERSISTENCE", "LIVE_ICC_SLOTS", "LOW_AGREEMENT_MARGIN", "MIN_AGREEMENT_UNITS",
           "MIN_BIAS_RATINGS", "MIN_COMPARED_RATINGS", "MIN_MONTH_RATINGS", "MIN_REFERENCE_RATINGS",
           "MIN_SHARED_RATINGS", "NOTABLE_MOVE", "SEVERITY_DRIFT", "SEVERITY_MARGIN", "TOO_FEW", "Threshold"]


@dataclass(frozen=True)
class Threshold:
    """One number a calibration decision turns on, with what it means and where it comes from.

    Attributes
    ----------
    name : str
        Short name shown on the page.
    value : float
        The number.
    unit : str
        Its unit (logits, rating points, paired ratings, ...).
    meaning : str
        What happens at this value.
    source : str
        The publication or policy it rests on.
    """

    name: str
    value: float
    unit: str
    meaning: str
    source: str


SEVERITY_DRIFT: Final = Threshold(
    "Severity drift", 0.5, "logits",
    "A month whose severity moved more than this from the reviewer's own baseline (and by enough "
    "standard errors, see the minimum z) is flagged.",
    "Half a logit, a common rule of thumb in Rasch practice for a bias (differential functioning) large "
    "enough to matter; agency policy.")

DRIFT_MIN_Z: Final = Threshold(
    "Drift: standard errors from the baseline", 1.96, "standard errors",
    "A severity or agreement drift is flagged only when it is also this many standard errors from the "
    "reviewer's baseline, so a noisy month is not mistaken for a change.",
    "Agency policy: the two-sided 95% normal quantile.")

MIN_SHARED_RATINGS: Final = Threshold(
    "Shared ratings for a pairwise kappa", 30, "paired ratings (application x dimension)",
    "Two reviewers get a weighted kappa only when they rated at least this many of the same "
    "application-dimensions; fewer leave its interval too wide to compare reviewers.",
    "Agency policy; with n = 30 pairs the large-sample standard error of kappa is about 0.15-0.18 "
    "(Fleiss, Cohen & Everitt 1969), already as wide as a Landis-Koch band.")

TOO_FEW: Final = "too few to judge"
"""What a figure below its minimum count says in place of a confident number."""

MIN_AGREEMENT_UNITS: Final = Threshold(
    "Applications for an agreement figure", 30, "applications rated by at least two reviewers",
    "A dimension's alpha, ICC and exact and within-one agreement are judged only when at least this many "
    f"applications (references, in an exercise) have two or more ratings of it; below, they are greyed and "
    f"read \"{TOO_FEW}\".",
    "Koo & Li (2016, Journal of Chiropractic Medicine 15:155) advise at least 30 heterogeneous subjects for a "
    "reliability study; with 30 units an ICC near 0.7 still has a 95% interval about 0.4 wide, as wide as "
    "two Krippendorff bands.")

SEVERITY_MARGIN: Final = Threshold(
    "Severity clear of zero by", 0.5, "logits",
    "A reviewer whose whole 95% severity interval lies beyond +/- this value rates systematically "
    "harsher or softer than the average reviewer and joins the next calibration session.",
    f"Half a logit (about 0.4-0.5 rubric points mid-scale), the size the severity drift threshold "
    f"({SEVERITY_DRIFT.value:g} logits) already treats as a bias that matters; agency policy.")

LOW_AGREEMENT_MARGIN: Final = Threshold(
    "Distance from peers above the panel median by", 0.2, "rating points",
    "A reviewer whose mean absolute distance from the other reviewers' mean on the same "
    "application and dimension exceeds the median reviewer's by more than this agrees poorly "
    "with peers.",
    "Agency policy: a fifth of a rubric step on average, about a quarter of the typical distance "
    "between two reviewers in the demo data.")

MIN_COMPARED_RATINGS: Final = Threshold(
    "Compared ratings for a distance from peers", 30, "ratings with a peer rating",
    "A reviewer's distance from peers, leniency and within-one share are judged only over at least this "
    f"many of their ratings that another reviewer also rated; below, they are greyed and read \"{TOO_FEW}\" "
    "and never put the reviewer in a calibration session.",
    f"Agency policy: in the demo data a rating's distance from its peers' mean has an SD of about 0.6 rating "
    f"points, so 30 ratings give "
    f"a 95% interval of about +/-0.2, the size of the low-agreement margin ({LOW_AGREEMENT_MARGIN.value:g} "
    "rating points); the same count as a pairwise kappa.")

AGREEMENT_DRIFT: Final = Threshold(
    "Agreement drift", 0.25, "rating points",
    "A reviewer-month whose distance from peers grew by more than this over the reviewer's own "
    f"baseline (and by at least {DRIFT_MIN_Z.value:g} standard errors) is flagged.",
    "Agency policy, read the same way as the severity drift (own baseline, size and significance both "
    "required).")

MIN_MONTH_RATINGS: Final = Threshold(
    "Ratings in a month for a drift flag", 20, "ratings",
    "A reviewer-month with fewer ratings (for agreement: fewer ratings that have a peer rating) is "
    "shown but never flagged; a month estimate from one or two scorecards is mostly noise.",
    "Agency policy: four complete scorecards.")

DRIFT_BASELINE_MONTHS: Final = Threshold(
    "Baseline months", 3, "months",
    "A reviewer's baseline severity and agreement are those of their first months in the chosen "
    "period; those months are never flagged.",
    "Default of scoring.stats.severity.drift_flags.")

DRIFT_PERSISTENCE: Final = Threshold(
    "Flagged months for a drift reason", 2, "months",
    "A reviewer joins the calibration session for drift only when at least this many months are flagged "
    "(for severity: in the same direction); single flagged months stay visible on the monthly chart.",
    "Agency policy: monthly severities scatter about 1.25 times more than their model standard errors in "
    "the demo data, so one flagged month out of twelve is often noise.")

LIVE_ICC_SLOTS: Final = Threshold(
    "Rating slots for the live ICC", 2, "ratings per application",
    "Live ICC(1,1) uses the first two submitted ratings of each application and dimension, so "
    "every double-scored application counts; a third slot would keep only the ~30% of "
    "applications that had three reviewers.",
    "Design choice; Shrout & Fleiss (1979), case 1: each target rated by a different set of "
    "judges drawn at random.")

NOTABLE_MOVE: Final = Threshold(
    "Notable rank move", 10, "percentile points",
    "A candidate whose percentile rank changes by more than this once severity is removed counts as "
    "a notable move in the ranking summary.",
    "Reporting choice: a tenth of the field, enough to cross a typical shortlist cut.")

MIN_REFERENCE_RATINGS: Final = Threshold(
    "Rated references for a certification verdict", 20, "reference ratings (reference x dimension)",
    "A reviewer's accuracy against an exercise's expert reference ratings decides whether they pass only when "
    "they and the experts both rated at least this many reference-dimensions; below, it reads "
    f"\"{TOO_FEW}\" and the reviewer has not passed yet.",
    "Agency policy: four complete reference scorecards; with 20 pairs a mean absolute difference near 0.7 "
    "rating points has a standard error of about 0.1, small beside the bar it is held to.")

MIN_BIAS_RATINGS: Final = Threshold(
    "Ratings for a reviewer-group difference", 30, "ratings (of one reviewer, of one group's candidates)",
    "A reviewer's difference from their own average towards one self-identified group (on all dimensions, or "
    "on one) is tested only over at least this many of their ratings of that group's candidates; below, it "
    f"reads \"{TOO_FEW}\" and is never flagged.",
    "Agency policy: the t-test of a bias term is a large-sample approximation (Linacre, FACETS, Table 13); "
    "with 30 ratings its standard error is about 0.15-0.2 logits, so only a difference of about half a rating "
    "point could be told from chance; the same count as a group's minimum for an impact ratio.")

CALIBRATION_THRESHOLDS: Final[tuple[Threshold, ...]] = (
    MIN_AGREEMENT_UNITS, MIN_SHARED_RATINGS, MIN_COMPARED_RATINGS, SEVERITY_MARGIN, LOW_AGREEMENT_MARGIN,
    AGREEMENT_DRIFT, MIN_MONTH_RATINGS,
    DRIFT_BASELINE_MONTHS, DRIFT_PERSISTENCE, LIVE_ICC_SLOTS, NOTABLE_MOVE, MIN_REFERENCE_RATINGS,
)
"""The calibration page's own thresholds, in the order it shows them (the drift size and minimum z
are shown with the library's fit band)."""
