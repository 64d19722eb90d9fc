"""Predictive validity of the scorecard: do take-home scores separate good outcomes from bad ones?

Three outcomes are checked (:data:`OUTCOMES`), each a 0/1 label known only for some applications:

* **client acceptance**: the client accepted the candidate from the shortlist (stage 4 'pass'),
  among shortlisted applications whose client has decided;
* **retention past 90 days**: the placed engineer was still in post 90 days after the first day,
  among placements whose 90 days have elapsed (right-censored placements are left out and counted,
  as in :func:`scoring.agency.retention.placement_outcomes`);
* **replacement under the guarantee**: the placement ended 'not_a_fit', among placements at least
  :data:`REPLACEMENT_FOLLOW_UP_DAYS` days past their first day.

Each predictor (a weighted score, a dimension mean, the severity-adjusted fair score) is judged by
its **AUC**, the probability that an application with the good outcome scored higher than one with
the bad outcome (ties count one half), with a DeLong interval; and by the **outcome rate per score
band** (:data:`SCORE_BANDS`) with Wilson intervals. Every figure carries the number of cases behind
it, and a figure resting on fewer cases than :data:`FLOOR` is returned as NaN with the reason.

:func:`suggest_weights` fits an L2-regularised logistic regression of an outcome on the five
dimension means, turns its coefficients into percentage weights and compares, on the same
held-out halves of the data (50 random stratified splits, the weights refitted on the other half
each time), the AUC of the suggested weights' score with the current weights' score: DeLong's
paired test within each split, the splits combined by twice the median p-value (Meinshausen, Meier
& Bühlmann 2009), which stays valid however the splits depend on each other. A suggestion counts as
an improvement only when the lower bound of that difference is above zero.

Range restriction: outcomes exist only for applications that passed the take-home and were
shortlisted (and, for the placement outcomes, were hired). Within that narrow, high-scoring group a
score's AUC understates what the score does across all candidates scored; :func:`range_restriction`
measures how narrow the group is.

Inputs are plain arrays: ``score`` (n,) of floats, ``good`` (n,) of 0/1 with 1 the good outcome;
NaN marks an application without that outcome or score and is dropped, and counted.

The statistics themselves (AUC, DeLong's interval and test, Hanley & McNeil's standard error, the
bootstrap, the ROC curve, range restriction) are generic, in :mod:`scoring.stats.discrimination`,
with their references; this module holds the agency's outcomes, floors, bands and weight model.

References
----------
.. [1] Peduzzi, P., Concato, J., Kemper, E., Holford, T. R., & Feinstein, A. R. (1996). A
   simulation study of the number of events per variable in logistic regression analysis.
   Journal of Clinical Epidemiology, 49(12), 1373-1379.
.. [2] Obuchowski, N. A., & Lieber, M. L. (1998). Confidence intervals for the receiver operating
   characteristic area in studies with small samples. Academic Radiology, 5(8), 561-571.
.. [3] Meinshausen, N., Meier, L., & Bühlmann, P. (2009). p-values for high-dimensional regression.
   Journal of the American Statistical Association, 104(488), 1671-1681.
.. [4] Nadeau, C., & Bengio, Y. (2003). Inference for the generalization error. Machine Learning,
   52(3), 239-281.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from scipy.stats import rankdata

from scoring.agency.retention import placement_outcomes
from scoring.domain.dimensions import DIMENSION_CODES
from scoring.domain.promises import PLACEMENT_HORIZON, PLACEMENT_LOST_REASONS
from scoring.domain.ratings import RATING_MAX, RATING_MIN
from scoring.domain.stages import Stage
from scoring.stats.discrimination import (
    CONFIDENCE,
    AucEstimate,
    auc_interval,
    compare_aucs,
)
from scoring.stats.discrimination import binary_labels as _as_labels
from scoring.stats.discrimination import complete_cases as _complete
from scoring.stats.intervals import wilson_interval
from scoring.stats.resampling import aggregate_splits

__all__ = [
    "FLOOR",
    "MODEL",
    "OUTCOMES",
    "OUTCOME_BY_KEY",
    "REPLACEMENT_FOLLOW_UP_DAYS",
    "SCORED_STAGE",
    "SCORE_BANDS",
    "SCORE_BANDS_SOURCE",
    "Floor",
    "ModelSettings",
    "Outcome",
    "ScoreBand",
    "WeightSuggestion",
    "band_rates",
    "discrimination",
    "discrimination_by_group",
    "floor_reason",
    "good_outcome",
    "implied_weights",
    "outcome_labels",
    "restricted_validity",
    "suggest_weights",
    "thorndike_case_ii",
    "threshold_table",
]

FloatArray = NDArray[np.float64]

_NEWTON_MAX_ITER: Final[int] = 50
_NEWTON_TOL: Final[float] = 1e-8  # largest coefficient change of the last Newton step

# ------------------------------------------------------------------------------------------------
# Module data: every number a figure or a decision turns on is declared here, once.
# ------------------------------------------------------------------------------------------------

SCORED_STAGE: Final[int] = Stage.TAKE_HOME
"""The stage whose ratings are validated: the take-home assessment, the last scored stage before
the client shortlist and so the score closest to the outcomes."""

# CONFIDENCE (0.95), the two-sided level of every interval, is the statistics' default
# (scoring.stats.discrimination.CONFIDENCE), imported above.


@dataclass(frozen=True)
class Floor:
    """The fewest cases a figure may rest on; below it the figure is NaN with a reason.

    Attributes
    ----------
    min_cases : int
        Applications with a known outcome behind an AUC, or inside one score band.
    min_per_class : int
        Applications with the good and with the bad outcome, each, behind an AUC.
    source : str
        Where the numbers come from.
    """

    min_cases: int = 30
    min_per_class: int = 5
    source: str = (
        "Agency policy. The DeLong interval is a large-sample normal approximation whose coverage "
        "falls below nominal with few cases or few cases of one class (Obuchowski & Lieber 1998, "
        "Academic Radiology 5:561); 30 cases is the usual rule of thumb for a normal approximation "
        "to a proportion, and 5 per class keeps the AUC from resting on a handful of comparisons."
    )


FLOOR: Final[Floor] = Floor()


@dataclass(frozen=True)
class ScoreBand:
    """A half-open interval ``[low, high)`` of the 1-5 score scale."""

    label: str
    low: float
    high: float


SCORE_BANDS: Final[tuple[ScoreBand, ...]] = (
    ScoreBand("below 3", -np.inf, 3.0),
    ScoreBand("3 to 3.5", 3.0, 3.5),
    ScoreBand("3.5 to 4", 3.5, 4.0),
    ScoreBand("4 to 4.5", 4.0, 4.5),
    ScoreBand("4.5 and above", 4.5, np.inf),
)
SCORE_BANDS_SOURCE: Final[str] = (
    "Agency choice: half-point steps of the 1-5 rubric above its midpoint 3 (level 3 = solid but "
    "partial evidence), everything under the midpoint in one band."
)

REPLACEMENT_FOLLOW_UP_DAYS: Final[int] = PLACEMENT_HORIZON.length
"""A placement counts for the replacement outcome once it is this many days past its first day:
the same 90 days as the retention outcome, so that recent placements, which have had no time to
fail, do not dilute the comparison."""


@dataclass(frozen=True)
class ModelSettings:
    """How :func:`suggest_weights` fits and cross-validates the outcome model.

    Attributes
    ----------
    splits : int
        Random stratified splits of the comparison with the current weights: each refits the
        weights on one part and compares them with the current weights on the held-out part.
    holdout_share : float
        Share of the cases held out in each split.
    inner_folds : int
        Stratified folds inside each training set that pick the regularisation strength.
    c_grid : tuple of float
        Inverse L2 strengths tried (scikit-learn's ``C``) on standardised dimension means.
    seed : int
        Seed of the fold assignment, so the same data always gives the same suggestion.
    min_events_per_variable : int
        Fewest cases of the rarer outcome class per dimension before a model is fitted.
    weight_step_pct : float
        Suggested weights are rounded to multiples of this (largest-remainder rounding, so they
        still sum to 100).
    source : str
    """

    splits: int = 50
    holdout_share: float = 0.5
    inner_folds: int = 3
    c_grid: tuple[float, ...] = (0.001, 0.01, 0.1, 1.0, 10.0)
    seed: int = 20_250_101
    min_events_per_variable: int = 10
    weight_step_pct: float = 1.0
    source: str = (
        "10 events per variable: Peduzzi et al. (1996), J Clin Epidemiol 49:1373, below which "
        "logistic coefficients are biased and their signs unreliable. Held-out halves combined by "
        "twice the median p-value: Meinshausen, Meier & Bühlmann (2009), JASA 104:1671, valid under "
        "any dependence between the splits; they split in halves too. 50 splits and a five-point "
        "grid of C (1e-3 to 10) are agency choices that keep the fit near a second."
    )


MODEL: Final[ModelSettings] = ModelSettings()


@dataclass(frozen=True)
class Outcome:
    """One outcome the scores are validated against.

    Attributes
    ----------
    key : str
        Column name of the 0/1 label made by :func:`outcome_labels`.
    label : str
        Short name for the page.
    event : str
        What a 1 means.
    population : str
        Which applications have this outcome, and which are left out.
    event_is_good : bool
        Whether the event is the good outcome (acceptance, retention) or the bad one
        (replacement). AUCs are always oriented so that above 0.5 means higher scores go with the
        good outcome.
    rate_label : str
        Name of the event's rate, for score-band charts.
    restricted_to : str
        Which candidates can have this outcome at all: the range restriction in words.
    """

    key: str
    label: str
    event: str
    population: str
    event_is_good: bool
    rate_label: str
    restricted_to: str


_HIRED = "passed the take-home, were shortlisted and were hired"
OUTCOMES: Final[tuple[Outcome, ...]] = (
    Outcome("accepted", "Client acceptance",
            "the client accepted the candidate from the shortlist",
            "Shortlisted applications whose client has decided; those still awaiting the client's "
            "decision are left out and counted.", True,
            "Acceptance rate", "passed the take-home and were shortlisted"),
    Outcome("retained", f"Retention past {PLACEMENT_HORIZON}",
            f"the placed engineer was still in post {PLACEMENT_HORIZON} after the first day",
            f"Placements whose first {PLACEMENT_HORIZON.length} days have elapsed. Ends for "
            f"{' or '.join(r.replace('_', ' ') for r in PLACEMENT_LOST_REASONS)} within that time are losses; "
            "younger placements, and those that ended earlier for another reason (the client churned, "
            "the engagement completed), are right-censored: left out and counted.", True,
            f"Retained at {PLACEMENT_HORIZON}", _HIRED),
    Outcome("replaced", "Replacement under the guarantee",
            "the placement ended as not a fit and fell under the zero-cost replacement guarantee",
            f"Placements at least {REPLACEMENT_FOLLOW_UP_DAYS} days past their first day; younger "
            "placements are left out and counted.", False,
            "Replacement rate", _HIRED),
)
OUTCOME_BY_KEY: Final[dict[str, Outcome]] = {o.key: o for o in OUTCOMES}


def threshold_table() -> pd.DataFrame:
    """Every threshold of this module with its value and source, for the page."""
    rows = [
        ("Minimum cases behind a figure", FLOOR.min_cases, "applications", FLOOR.source),
        ("Minimum cases of each outcome behind an AUC", FLOOR.min_per_class, "applications", FLOOR.source),
        ("Score bands", ", ".join(b.label for b in SCORE_BANDS), f"{RATING_MIN}-{RATING_MAX} score",
         SCORE_BANDS_SOURCE),
        ("Interval level", CONFIDENCE, "two-sided", "DeLong (1988) for AUCs, Wilson (1927) for rates."),
        ("Events per dimension before a weight model", MODEL.min_events_per_variable, "cases of the rarer class",
         MODEL.source),
        ("Held-out comparisons", MODEL.splits, f"stratified splits, {MODEL.holdout_share:.0%} held out",
         MODEL.source),
        ("Replacement follow-up", REPLACEMENT_FOLLOW_UP_DAYS, "days since the first day",
         "The retention horizon of scoring.agency.retention (PLACEMENT_HORIZON)."),
    ]
    return pd.DataFrame(rows, columns=["threshold", "value", "unit", "source"]).astype({"value": str})


# ------------------------------------------------------------------------------------------------
# Figures with a floor
# ------------------------------------------------------------------------------------------------


def floor_reason(n_good: int, n_bad: int, floor: Floor = FLOOR) -> str:
    """Why an AUC on these cases is not shown, or ``""`` when it is.

    Examples
    --------
    >>> floor_reason(40, 3)
    'only 3 bad outcomes; at least 5 of each are needed'
    >>> floor_reason(12, 10)
    'only 22 cases with an outcome; at least 30 are needed'
    >>> floor_reason(25, 25)
    ''
    """
    if n_good + n_bad < floor.min_cases:
        return f"only {_count(n_good + n_bad, 'case')} with an outcome; at least {floor.min_cases} are needed"
    for count, kind in ((n_good, "good"), (n_bad, "bad")):
        if count < floor.min_per_class:
            return f"only {_count(count, kind + ' outcome')}; at least {floor.min_per_class} of each are needed"
    return ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def discrimination(score: ArrayLike, good: ArrayLike, floor: Floor = FLOOR,
                   confidence: float = CONFIDENCE) -> AucEstimate:
    """:func:`auc_interval` with the floor applied: NaN and a reason below it.

    Examples
    --------
    >>> discrimination([1, 2, 3], [0, 1, 1]).reason
    'only 3 cases with an outcome; at least 30 are needed'
    """
    values = np.asarray(score, dtype=np.float64).reshape(1, -1)
    data, labels = _complete(values, _as_labels(good, values.shape[1]))
    n_good = int(labels.sum())
    n_bad = int(labels.size - n_good)
    reason = floor_reason(n_good, n_bad, floor)
    if reason:
        nan = float("nan")
        return AucEstimate(nan, nan, nan, nan, n_good + n_bad, n_good, n_bad, reason)
    return auc_interval(data[0], labels.astype(float), confidence)


def discrimination_by_group(frame: pd.DataFrame, group: str, score: str, good: str,
                            floor: Floor = FLOOR, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """:func:`discrimination` within each value of ``group`` (a reviewer, say).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``n``, ``n_good``, ``n_bad``, ``auc``, ``se``, ``ci_low``, ``ci_high``,
        ``reason``; one row per group value.
    """
    columns = [group, "n", "n_good", "n_bad", "auc", "se", "ci_low", "ci_high", "reason"]
    rows = []
    for key, part in frame.groupby(group, sort=True):
        est = discrimination(part[score].to_numpy(float), part[good].to_numpy(float), floor, confidence)
        rows.append((key, est.n, est.n_good, est.n_bad, est.auc, est.se, est.ci_low, est.ci_high, est.reason))
    return pd.DataFrame(rows, columns=columns)


def band_rates(score: ArrayLike, event: ArrayLike, bands: Sequence[ScoreBand] = SCORE_BANDS,
               floor: Floor = FLOOR, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Rate of the outcome's event in each score band, with a Wilson interval.

    Parameters
    ----------
    score : array-like of float, shape (n,)
        On the 1-5 scale.
    event : array-like, shape (n,)
        1 if the outcome's event happened (accepted, retained, replaced), 0 if not, NaN if unknown.
    bands : sequence of ScoreBand
        Half-open ``[low, high)`` intervals covering the scale.
    floor : Floor
        A band with fewer than ``floor.min_cases`` cases gets NaN rate and a reason.

    Returns
    -------
    pandas.DataFrame
        ``band``, ``low``, ``high``, ``cases``, ``events``, ``rate``, ``ci_low``, ``ci_high``,
        ``reason``; one row per band, in order.

    Examples
    --------
    >>> table = band_rates([3.2] * 40 + [4.6] * 10, [1] * 20 + [0] * 20 + [1] * 10)
    >>> table[["band", "cases", "events", "rate"]].iloc[[1, 4]].to_numpy().tolist()
    [['3 to 3.5', 40, 20, 0.5], ['4.5 and above', 10, 10, nan]]
    """
    x = np.asarray(score, dtype=np.float64).reshape(-1)
    y = _as_labels(event, x.size)
    keep = np.isfinite(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    rows = []
    for band in bands:
        inside = (x >= band.low) & (x < band.high)
        cases, events = int(inside.sum()), int(y[inside].sum())
        reason = "" if cases >= floor.min_cases else \
            f"only {_count(cases, 'case')} in this band; at least {floor.min_cases} are needed"
        if reason:
            rate = low = high = float("nan")
        else:
            rate = events / cases
            low, high = (float(v) for v in wilson_interval(events, cases, confidence))
        rows.append((band.label, band.low, band.high, cases, events, rate, low, high, reason))
    return pd.DataFrame(rows, columns=["band", "low", "high", "cases", "events", "rate", "ci_low", "ci_high",
                                       "reason"])


def thorndike_case_ii(r: float, u: float) -> float:
    """A correlation observed in a range-restricted group, corrected to the unrestricted group.

    Parameters
    ----------
    r : float
        The correlation between predictor and criterion observed in the selected group, in [-1, 1].
    u : float
        The ratio ``SD_restricted / SD_unrestricted`` of the predictor's standard deviations, in
        (0, 1]; 1 means no restriction.

    Returns
    -------
    float
        The estimated correlation across the whole unrestricted group, with the sign of ``r``;
        NaN when ``r`` or ``u`` is NaN.

    Raises
    ------
    ValueError
        ``r`` outside [-1, 1] or ``u`` not positive.

    Notes
    -----
    Thorndike's (1949) case II, for explicit selection on the predictor. With ``U = 1 / u``,

    .. math:: r_c = \\frac{r U}{\\sqrt{1 + r^2 (U^2 - 1)}} = \\frac{r}{\\sqrt{u^2 + r^2 (1 - u^2)}}.

    It is exact when (a) people were selected directly on the predictor and on nothing else
    correlated with the criterion, (b) the criterion's regression on the predictor is linear and
    (c) homoscedastic, so selection changes the predictor's spread but not the slope or the scatter
    around the line. Where selection also rested on other things (an interview, the client's
    choice), the selection is indirect and case II under-corrects (Hunter, Schmidt & Le 2006).
    The shrinkage is not a simple factor: only for small ``r`` is ``r_c`` close to ``r / u``.

    References
    ----------
    .. [1] Thorndike, R. L. (1949). Personnel selection: test and measurement techniques. Wiley.
    .. [2] Sackett, P. R., & Yang, H. (2000). Correction for range restriction: an expanded
       typology. Journal of Applied Psychology, 85(1), 112-118.
    .. [3] Hunter, J. E., Schmidt, F. L., & Le, H. (2006). Implications of direct and indirect range
       restriction for meta-analysis methods and findings. Journal of Applied Psychology, 91(3), 594-612.

    Examples
    --------
    A correlation of 0.30 in a group whose predictor SD is half the applicants' (U = 2):
    0.30 * 2 / sqrt(1 + 0.09 * 3) = 0.60 / sqrt(1.27).

    >>> round(thorndike_case_ii(0.30, 0.5), 4)
    0.5324
    >>> thorndike_case_ii(0.30, 1.0), thorndike_case_ii(-1.0, 0.4)
    (0.3, -1.0)
    """
    if np.isnan(r) or np.isnan(u):
        return float("nan")
    if not -1.0 <= r <= 1.0:
        raise ValueError(f"a correlation must lie between -1 and 1, got {float(r):g}")
    if u <= 0:
        raise ValueError(f"the SD ratio u must be above 0, got {float(u):g}")
    return float(r / np.sqrt(u * u + r * r * (1.0 - u * u)))


def restricted_validity(score: ArrayLike, good: ArrayLike, u: float,
                        floor: Floor = FLOOR) -> dict[str, float | int | str]:
    """The score's point-biserial correlation with the outcome where it is known, and corrected.

    Parameters
    ----------
    score : array-like of float, shape (n,)
        Scores of the applications with an outcome, or NaN.
    good : array-like, shape (n,)
        1 for the good outcome, 0 for the bad one, NaN for none; only cases with both a score and
        an outcome count.
    u : float
        ``SD_restricted / SD_unrestricted`` of the score (``ratio`` of
        :func:`scoring.stats.discrimination.range_restriction`).
    floor : Floor
        Below :func:`floor_reason`'s floor both correlations are NaN, with the reason.

    Returns
    -------
    dict
        ``n``, ``n_good``, ``n_bad``, ``r_observed`` (Pearson's correlation of score and 0/1
        outcome: the point-biserial correlation), ``r_corrected`` (:func:`thorndike_case_ii`),
        ``u`` and ``reason`` (``""`` when shown).

    Examples
    --------
    >>> out = restricted_validity([3.0] * 20 + [4.0] * 20, [0] * 15 + [1] * 5 + [0] * 5 + [1] * 15, 0.5)
    >>> out["n"], round(out["r_observed"], 3), round(out["r_corrected"], 3)
    (40, 0.5, 0.756)
    """
    x = np.asarray(score, dtype=np.float64).reshape(-1)
    y = _as_labels(good, x.size)
    keep = np.isfinite(x) & ~np.isnan(y)
    x, y = x[keep], y[keep]
    n_good = int(y.sum())
    n_bad = int(y.size - n_good)
    reason = floor_reason(n_good, n_bad, floor)
    nan = float("nan")
    r = nan
    if not reason:
        if np.ptp(x) == 0:
            reason = "every score with an outcome is the same"
        else:
            r = float(np.corrcoef(x, y)[0, 1])
    corrected = thorndike_case_ii(r, u) if np.isfinite(r) and np.isfinite(u) and u > 0 else nan
    return {"n": int(y.size), "n_good": n_good, "n_bad": n_bad, "r_observed": r, "r_corrected": corrected,
            "u": float(u), "reason": reason}


# ------------------------------------------------------------------------------------------------
# Outcomes and the population they cover
# ------------------------------------------------------------------------------------------------

OUTCOME_INPUT_COLUMNS: Final[tuple[str, ...]] = (
    "application_id", "shortlisted_on", "client_decision", "placement_id", "first_day", "ended_on",
    "end_reason")


def outcome_labels(applications: pd.DataFrame, as_of) -> pd.DataFrame:
    """Each application's outcomes as 1 / 0 / NaN, with a status saying why NaN.

    Parameters
    ----------
    applications : pandas.DataFrame
        One row per application with :data:`OUTCOME_INPUT_COLUMNS`: ``shortlisted_on`` (stage-4
        entry date or missing), ``client_decision`` ('pass', 'fail' or missing while open), and the
        application's placement if any (``placement_id``, ``first_day``, ``ended_on``,
        ``end_reason``). Other columns pass through.
    as_of : date-like
        Observation date: later ends are not yet known.

    Returns
    -------
    pandas.DataFrame
        The input plus, for each outcome of :data:`OUTCOMES`, ``<key>`` (1 the event happened,
        0 it did not, NaN no outcome) and ``<key>_status`` (a short word for the page and the
        evidence file).

    Examples
    --------
    >>> apps = pd.DataFrame({
    ...     "application_id": [1, 2, 3, 4],
    ...     "shortlisted_on": pd.to_datetime([None, "2025-01-05", "2025-01-05", "2025-06-01"]),
    ...     "client_decision": [None, "fail", "pass", "pass"],
    ...     "placement_id": [None, None, 10, 11],
    ...     "first_day": pd.to_datetime([None, None, "2025-02-01", "2025-06-20"]),
    ...     "ended_on": pd.to_datetime([None, None, "2025-03-01", None]),
    ...     "end_reason": [None, None, "not_a_fit", None]})
    >>> out = outcome_labels(apps, "2025-07-01")
    >>> out[["accepted", "retained", "replaced"]].to_numpy().tolist()
    [[nan, nan, nan], [0.0, nan, nan], [1.0, 0.0, 1.0], [1.0, nan, nan]]
    >>> out["retained_status"].tolist()
    ['not placed', 'not placed', 'lost', 'under 90 days so far']
    """
    missing = [c for c in OUTCOME_INPUT_COLUMNS if c not in applications.columns]
    if missing:
        raise ValueError(f"applications lacks column(s) {missing}")
    as_of = pd.Timestamp(as_of)
    out = applications.copy()
    nan = np.nan

    shortlisted = out["shortlisted_on"].notna()
    decision = out["client_decision"]
    out["accepted"] = np.select([decision.eq("pass"), decision.eq("fail")], [1.0, 0.0], nan)
    out["accepted_status"] = np.select(
        [decision.eq("pass"), decision.eq("fail"), shortlisted],
        ["accepted", "not accepted", "client has not decided"], "not shortlisted")

    placed = out["placement_id"].notna()
    first_day = pd.to_datetime(out["first_day"])
    started = placed & (first_day <= as_of)
    retained = pd.Series(nan, index=out.index)
    retained_status = pd.Series(np.where(placed, "not started", "not placed"), index=out.index, dtype=object)
    if started.any():
        rows = out.loc[started, ["placement_id", "first_day", "ended_on", "end_reason"]].copy()
        rows["first_day"] = pd.to_datetime(rows["first_day"])
        rows["ended_on"] = pd.to_datetime(rows["ended_on"])
        judged = placement_outcomes(rows.reset_index(names="_row"), as_of).set_index("_row")
        ended_early = judged["stop"] < as_of
        status = np.select(
            [judged["outcome"].eq("retained"), judged["outcome"].eq("lost"), ended_early],
            ["retained", "lost", f"ended within {PLACEMENT_HORIZON} for another reason"],
            f"under {PLACEMENT_HORIZON} so far")
        retained.loc[judged.index] = np.select([judged["outcome"].eq("retained"), judged["outcome"].eq("lost")],
                                               [1.0, 0.0], nan)
        retained_status.loc[judged.index] = status
    out["retained"] = retained.to_numpy()
    out["retained_status"] = retained_status.to_numpy()

    ended = pd.to_datetime(out["ended_on"])
    misfit = out["end_reason"].eq("not_a_fit") & ended.notna() & (ended <= as_of)
    followed = started & (first_day <= as_of - pd.Timedelta(days=REPLACEMENT_FOLLOW_UP_DAYS))
    out["replaced"] = np.where(followed, misfit.astype(float), nan)
    out["replaced_status"] = np.select(
        [followed & misfit, followed, started, placed],
        ["replaced", "not replaced", f"under {REPLACEMENT_FOLLOW_UP_DAYS} days in post", "not started"],
        "not placed")
    return out


def good_outcome(labels: pd.DataFrame, outcome: Outcome) -> pd.Series:
    """The outcome as 1 = good, 0 = bad, NaN = none (the replacement event is the bad outcome)."""
    event = labels[outcome.key].astype(float)
    return event if outcome.event_is_good else 1.0 - event


# ------------------------------------------------------------------------------------------------
# Weights fitted to an outcome
# ------------------------------------------------------------------------------------------------


def implied_weights(coefficients: ArrayLike, step_pct: float = MODEL.weight_step_pct
                    ) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Percentage weights from per-dimension coefficients on the raw 1-5 scale.

    Negative coefficients are clipped to 0 (a scorecard weight cannot reward a lower rating);
    the rest are normalised to sum to 100 and rounded to multiples of ``step_pct`` by largest
    remainder, so the rounded weights still sum to exactly 100.

    Returns
    -------
    weights_pct : numpy.ndarray
        NaN everywhere when no coefficient is positive.
    clipped : numpy.ndarray of bool
        Which coefficients were negative and set to 0.

    Examples
    --------
    >>> pct, clipped = implied_weights([0.5, 0.3, -0.1, 0.2, 0.0])
    >>> pct.tolist(), clipped.tolist()
    ([50.0, 30.0, 0.0, 20.0, 0.0], [False, False, True, False, False])
    >>> implied_weights([1, 1, 1])[0].tolist()
    [34.0, 33.0, 33.0]
    """
    beta = np.asarray(coefficients, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(beta)):
        raise ValueError("coefficients must be finite")
    units = 100.0 / step_pct
    if step_pct <= 0 or abs(units - round(units)) > 1e-9:
        raise ValueError(f"step_pct must divide 100, got {step_pct}")
    clipped = beta < 0
    positive = np.where(clipped, 0.0, beta)
    if positive.sum() <= 0:
        return np.full(beta.shape, np.nan), clipped
    raw = positive / positive.sum() * round(units)
    whole = np.floor(raw + 1e-9)
    short = int(round(units - whole.sum()))
    order = np.argsort(-(raw - whole), kind="stable")
    whole[order[:short]] += 1
    return whole * step_pct, clipped


@dataclass(frozen=True)
class WeightSuggestion:
    """Weights fitted to one outcome, and whether they beat the current weights out of sample.

    Attributes
    ----------
    outcome : str
        Key of the outcome.
    n, n_good, n_bad : int
        Complete cases the model saw.
    reason : str
        Why there is no suggestion (too few cases, no positive coefficient), else ``""``.
    current_pct, suggested_pct : dict
        Dimension code -> percent. ``suggested_pct`` is empty without a suggestion.
    coefficients : pandas.DataFrame
        Per dimension: ``coef_standardised`` (log-odds per standard deviation of the dimension
        mean), ``coef_raw`` (per rating point), ``clipped`` (negative, set to 0), ``current_pct``,
        ``suggested_pct``.
    c : float
        Regularisation chosen by the inner cross-validation of the final fit.
    auc_current, auc_suggested : float
        Mean held-out AUC, over the splits, of the current weights' score and of the suggested
        weights' score (the latter refitted on each split's other part).
    difference, se, ci_low, ci_high, p_value : float
        ``auc_suggested - auc_current`` (the mean of ``fold_differences``); ``se`` the median of
        the splits' DeLong standard errors; the interval and the two-sided p-value combine the
        splits (:func:`scoring.stats.resampling.aggregate_splits`), so the interval is not
        centred on the difference.
    fold_differences : tuple of float
        The difference on each split's held-out part (``settings.splits`` values).
    is_improvement : bool
        True only when ``ci_low > 0``.
    """

    outcome: str
    n: int
    n_good: int
    n_bad: int
    reason: str
    current_pct: dict
    suggested_pct: dict = field(default_factory=dict)
    coefficients: pd.DataFrame = field(default_factory=pd.DataFrame)
    c: float = float("nan")
    auc_current: float = float("nan")
    auc_suggested: float = float("nan")
    difference: float = float("nan")
    se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    p_value: float = float("nan")
    fold_differences: tuple = ()
    is_improvement: bool = False


def _rank_auc(score: FloatArray, y: NDArray[np.int_]) -> float:
    """AUC from midranks (ties count one half); ``y`` holds both classes."""
    ranks = rankdata(score)
    m = int(y.sum())
    n = y.size - m
    return float((ranks[y == 1].sum() - m * (m + 1) / 2) / (m * n))


def _logistic_path(z: FloatArray, y: NDArray[np.int_], grid: Sequence[float]) -> FloatArray:
    """L2-penalised logistic coefficients (no intercept in the result) for each ``C`` of ``grid``.

    Minimises ``C * sum(log loss) + ||beta||^2 / 2`` with an unpenalised intercept, scikit-learn's
    ``LogisticRegression`` objective, by exact Newton steps started from the previous ``C``'s
    solution (``grid`` ascending); with five features each step is a 6 x 6 solve.
    """
    design = np.column_stack([np.ones(z.shape[0]), z])
    penalty = np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    beta = np.zeros(design.shape[1])
    out = np.empty((len(grid), z.shape[1]))
    for i, c in enumerate(grid):
        for _ in range(_NEWTON_MAX_ITER):
            mu = expit(design @ beta)
            grad = c * design.T @ (mu - y) + penalty @ beta
            hess = c * (design.T * (mu * (1.0 - mu))) @ design + penalty
            step = np.linalg.solve(hess, grad)
            beta = beta - step
            if np.max(np.abs(step)) < _NEWTON_TOL:
                break
        out[i] = beta[1:]
    return out


def _fit_coefficients(x: FloatArray, y: NDArray[np.int_], settings: ModelSettings
                      ) -> tuple[FloatArray, FloatArray, float]:
    """Standardised L2 logistic coefficients, the raw-scale ones, and the C chosen by inner CV.

    Each ``C`` of ``settings.c_grid`` is scored by its mean held-out AUC over
    ``settings.inner_folds`` stratified folds of ``(x, y)``; the best (on a tie, the stronger
    penalty) is refitted on all of ``(x, y)``. A grid of one ``C`` is used as it is.
    """
    from sklearn.model_selection import StratifiedKFold

    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = (x - x.mean(axis=0)) / scale
    inner = StratifiedKFold(settings.inner_folds, shuffle=True, random_state=settings.seed)
    grid = sorted(settings.c_grid)
    areas = np.zeros(len(grid))
    used = 0
    for train, test in inner.split(z, y) if len(grid) > 1 else ():
        if 0 < y[test].sum() < test.size:
            path = _logistic_path(z[train], y[train], grid)
            areas += [_rank_auc(z[test] @ coef, y[test]) for coef in path]
            used += 1
    best = grid[int(np.argmax(areas))] if used else grid[0]
    standardised = _logistic_path(z, y, [best])[0]
    return standardised, standardised / scale, float(best)


def suggest_weights(means: pd.DataFrame, good: ArrayLike, current_pct: Mapping[str, float],
                    settings: ModelSettings = MODEL, confidence: float = CONFIDENCE,
                    outcome: str = "") -> WeightSuggestion:
    """Fit the outcome on the five dimension means and judge the weights it implies out of sample.

    Parameters
    ----------
    means : pandas.DataFrame
        One row per application, one column per dimension code of
        :data:`scoring.domain.dimensions.DIMENSION_CODES` (mean rating across reviewers, 1-5). Rows with a
        missing dimension are dropped.
    good : array-like, shape (n,)
        1 good outcome, 0 bad, NaN none (dropped).
    current_pct : mapping
        Dimension code -> percent of the current (newest) weight version.
    settings : ModelSettings
    confidence : float
    outcome : str
        Key of the outcome, carried into the result.

    Returns
    -------
    WeightSuggestion

    Notes
    -----
    The model is :math:`\\operatorname{logit} P(\\text{good}) = \\beta_0 + \\sum_d \\beta_d z_d`
    with :math:`z_d = (\\bar r_d - \\mu_d) / \\sigma_d`, fitted by scikit-learn with an L2 penalty
    whose strength is chosen by stratified cross-validation on AUC (``solver="newton-cholesky"``:
    exact Newton steps, fast with five features). A weighted score
    :math:`S = \\sum_d w_d \\bar r_d` ranks cases as the model does when
    :math:`w_d \\propto \\beta_d / \\sigma_d`; those raw-scale coefficients, negatives clipped at 0,
    normalised to 100 % (:func:`implied_weights`) are the suggestion.

    The comparison refits the whole procedure (including the choice of penalty) on one part of
    each of ``settings.splits`` random stratified splits and compares, on the held-out part, the
    AUC of the weights obtained with the AUC of the current weights by DeLong's paired test: valid
    given the refitted weights, since the held-out cases played no part in them. The splits are
    combined by :func:`scoring.stats.resampling.aggregate_splits` (twice the median p-value,
    Meinshausen, Meier & Bühlmann 2009), valid whatever their dependence. ``is_improvement``
    requires the combined interval's lower bound above zero, a one-sided test at 2.5 %: a gain
    that might be nothing is never called an improvement. Two simpler comparisons claim too much
    on outcomes unrelated to the scores (``bench/sim_weights.py``): DeLong's test on pooled
    out-of-fold scores treats the fitted weights as fixed, and Nadeau & Bengio's (2003) corrected
    repeated cross-validation t-test assumes a correlation between folds that weights fitted to
    noise exceed; both called about 4-5 % of such suggestions an improvement, against 2.5 %.

    The logistic fits are exact Newton solutions of scikit-learn's ``LogisticRegression``
    objective (:func:`_logistic_path`), about a millisecond each, since the comparison makes
    several hundred of them.
    """
    codes = list(DIMENSION_CODES)
    missing = [c for c in codes if c not in means.columns]
    if missing:
        raise ValueError(f"means lacks dimension column(s) {missing}")
    unknown = sorted(set(current_pct) - set(codes))
    if unknown or any(c not in current_pct for c in codes):
        raise ValueError(f"current_pct must give a percent for exactly {codes}")
    x_all = means[codes].to_numpy(dtype=np.float64)
    y_all = _as_labels(good, x_all.shape[0])
    keep = np.all(np.isfinite(x_all), axis=1) & ~np.isnan(y_all)
    x, y = x_all[keep], y_all[keep].astype(int)
    n_good, n_bad = int(y.sum()), int(y.size - y.sum())
    current = {c: float(current_pct[c]) for c in codes}
    w_current = np.array([current[c] for c in codes]) / 100.0
    needed = settings.min_events_per_variable * len(codes)
    suggestion = partial(WeightSuggestion, outcome=outcome, n=int(y.size), n_good=n_good, n_bad=n_bad,
                         current_pct=current)
    if min(n_good, n_bad) < needed:
        rarer = "good" if n_good < n_bad else "bad"
        return suggestion(reason=(
            f"only {_count(min(n_good, n_bad), rarer + ' outcome')}; a model of {len(codes)} dimensions needs at least "
            f"{needed} ({settings.min_events_per_variable} per dimension)"))

    standardised, raw, c = _fit_coefficients(x, y, settings)
    pct, clipped = implied_weights(raw, settings.weight_step_pct)
    table = pd.DataFrame({"dimension": codes, "coef_standardised": standardised, "coef_raw": raw,
                          "clipped": clipped, "current_pct": w_current * 100, "suggested_pct": pct})
    if np.all(np.isnan(pct)):
        return suggestion(coefficients=table, c=c, reason=(
            "no dimension mean is positively associated with the good outcome, so no weights follow"))

    from sklearn.model_selection import StratifiedShuffleSplit

    current_score = x @ w_current
    # Each split's interval at 1 - alpha/2, as aggregate_splits combines them.
    split_level = 1.0 - (1.0 - confidence) / 2.0
    splitter = StratifiedShuffleSplit(settings.splits, test_size=settings.holdout_share, random_state=settings.seed)
    differences, ses, suggested_areas, current_areas = [], [], [], []
    for train, test in splitter.split(x, y):
        _, split_raw, _ = _fit_coefficients(x[train], y[train], settings)
        split_pct, _ = implied_weights(split_raw, settings.weight_step_pct)
        split_w = w_current if np.all(np.isnan(split_pct)) else split_pct / 100.0
        comparison = compare_aucs(x[test] @ split_w, current_score[test], y[test], split_level)
        suggested_areas.append(comparison.auc_a)
        current_areas.append(comparison.auc_b)
        differences.append(comparison.difference)
        ses.append(comparison.se)
    combined = aggregate_splits(differences, ses, confidence)
    return suggestion(
        reason="", suggested_pct={code: float(p) for code, p in zip(codes, pct)}, coefficients=table,
        c=c, auc_current=float(np.mean(current_areas)), auc_suggested=float(np.mean(suggested_areas)),
        difference=combined.difference, se=combined.se, ci_low=combined.ci_low, ci_high=combined.ci_high,
        p_value=combined.p_value, fold_differences=tuple(float(d) for d in differences),
        is_improvement=bool(np.isfinite(combined.ci_low) and combined.ci_low > 0))
