"""The calibration report for hiring leads: agreement, pairwise kappa, severity, drift, exercises.

:func:`calibration_report` covers live scoring under a :class:`CalibrationFilter`, and
:func:`calibration_drift` its months (severity and agreement drift, the drift watch and the next
session's list), apart because only the tabs that show them need their monthly model fits;
:func:`exercise_report` covers one calibration exercise, a fully crossed set of reference
applications scored by every reviewer. Both read through :mod:`scoring.store.ratings` and
:mod:`scoring.store.calibration_exercises` and compute with :mod:`scoring.stats.agreement`,
:mod:`scoring.stats.severity` and :mod:`scoring.agency.calibration`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from scoring.agency import calibration as rules
from scoring.agency import drift_watch
from scoring.agency.access import Account

# The page states these beside its figures; it reads them here, with the report.
from scoring.agency.calibration import BOOTSTRAP_RESAMPLES as BOOTSTRAP_RESAMPLES
from scoring.agency.calibration import LIVE_ICC_FORM as LIVE_ICC_FORM
from scoring.agency.calibration import pick_reference as pick_reference
from scoring.domain.ratings import LEVELS
from scoring.domain.stages import Stage
from scoring.domain.thresholds import AGREEMENT_DRIFT as AGREEMENT_DRIFT
from scoring.domain.thresholds import DRIFT_BASELINE_MONTHS as DRIFT_BASELINE_MONTHS
from scoring.domain.thresholds import DRIFT_PERSISTENCE as DRIFT_PERSISTENCE
from scoring.domain.thresholds import LIVE_ICC_SLOTS as LIVE_ICC_SLOTS
from scoring.domain.thresholds import LOW_AGREEMENT_MARGIN as LOW_AGREEMENT_MARGIN
from scoring.domain.thresholds import MIN_AGREEMENT_UNITS as MIN_AGREEMENT_UNITS
from scoring.domain.thresholds import MIN_COMPARED_RATINGS as MIN_COMPARED_RATINGS
from scoring.domain.thresholds import MIN_MONTH_RATINGS as MIN_MONTH_RATINGS
from scoring.domain.thresholds import MIN_SHARED_RATINGS as MIN_SHARED_RATINGS
from scoring.domain.thresholds import NOTABLE_MOVE as NOTABLE_MOVE
from scoring.domain.thresholds import SEVERITY_MARGIN as SEVERITY_MARGIN
from scoring.domain.thresholds import TOO_FEW as TOO_FEW
from scoring.reports.candidate import profile_link
from scoring.stats.agreement import (
    ALPHA_BANDS as ALPHA_BANDS,
)
from scoring.stats.agreement import (
    ALPHA_BANDS_SOURCE,
    IccForm,
    bootstrap_alpha,
    icc,
    krippendorff_alpha,
    krippendorff_band,
    percent_agreement,
)
from scoring.stats.control_charts import EWMA_DESIGN
from scoring.stats.severity import DRIFT_MIN_Z as DRIFT_MIN_Z
from scoring.stats.severity import DRIFT_THRESHOLD as DRIFT_THRESHOLD
from scoring.stats.severity import FIT_BAND as FIT_BAND
from scoring.stats.severity import SeverityFit, fit_severity, severity_by_period
from scoring.store import accounts, applications
from scoring.store import calibration_exercises as exercise_store
from scoring.store import ratings as store
from scoring.store import weights as weight_store
from scoring.store.db import Database
from scoring.store.ratings import CalibrationFilter

TOP_MOVERS = 15
NO_ESTIMATE = "no estimate"
DEFAULT_MONTHS = 12
"""The page opens on the last twelve months with ratings: a year of work per reviewer, short
enough for the severity fits to finish in a few seconds on the full demo."""
#: The stages whose scorecards are calibrated, as the page names them, take-home first.
STAGE_LABELS: dict[int, str] = {int(s): f"{s.label} (stage {int(s)})"
                                for s in (Stage.TAKE_HOME, Stage.INCIDENT_INTERVIEW)}

AGREEMENT_COLUMNS = ["dimension_id", "dimension", "ratings", "units", "pairable", "alpha", "alpha_low",
                     "alpha_high", "band", "icc_form", "icc", "icc_low", "icc_high", "icc_units", "icc_raters",
                     "exact", "within_one", "pairs", "judged"]
REVIEWER_COLUMNS = ["reviewer_id", "reviewer", "severity", "se", "ci_low", "ci_high", "infit_mnsq", "outfit_mnsq",
                    "flag", "n_ratings", "raw_mean", "compared", "mad", "bias", "within_one", "peers_judged"]
WATCH_COLUMNS = ["reviewer", "dimension", *drift_watch.WATCH_COLUMNS]
INVITATION_COLUMNS = ["reviewer_id", "reviewer", "dimension_id", "dimension", "month", "direction", "months_crossed",
                      "statistic", "limit"]
RECENT_MONTHS = drift_watch.RECENT_MONTHS
#: The drift watch's EWMA design (weight, limit width, run lengths, source), stated on the page.
WATCH_DESIGN = EWMA_DESIGN
MONTHLY_COLUMNS = ["reviewer_id", "reviewer", "month", "severity", "se", "ci_low", "ci_high", "n_ratings",
                   "baseline", "drift", "z", "severity_flag", "direction", "compared", "mad", "mad_se",
                   "within_one", "agreement_baseline", "agreement_drift", "agreement_z", "agreement_flag"]


@dataclass(frozen=True)
class CalibrationReport:
    """What the calibration page shows for live scoring under one filter.

    Attributes
    ----------
    chosen : CalibrationFilter
        The filter the figures cover.
    n_ratings, n_applications, n_reviewers : int
        Size of the filtered live data.
    dimensions : pandas.DataFrame
        ``dimension_id``, ``code``, ``name`` of the chosen dimensions.
    weights : dict
        ``dimension_id -> fraction`` from the newest weight version, renormalised over the chosen
        dimensions; ``weights_version`` names that version.
    agreement : pandas.DataFrame
        One row per dimension (:data:`AGREEMENT_COLUMNS`): Krippendorff's alpha (ordinal) with its
        bootstrap 95% interval and band, the live ICC (:data:`rules.LIVE_ICC_FORM`) with its
        interval, exact and within-one agreement, over ``pairable`` applications (rated by at least
        two reviewers) and ``pairs`` rating pairs; ``judged`` is False below
        :data:`MIN_AGREEMENT_UNITS` pairable applications, and ``band`` then reads :data:`TOO_FEW`.
    kappa : pandas.DataFrame
        Every reviewer pair: ``reviewer_a``, ``reviewer_b``, names, ``shared``, ``kappa``
        (NaN below :data:`rules.MIN_SHARED_RATINGS`).
    kappa_shared : pandas.DataFrame
        The shared ratings of every pair, laid out as ``kappa_matrix`` (0 where a pair shares none).
    kappa_matrix : pandas.DataFrame
        The same kappas as a symmetric reviewer x reviewer table (labels as index and columns),
        reviewers ordered by severity.
    reviewers : pandas.DataFrame
        One row per reviewer (:data:`REVIEWER_COLUMNS`), sorted by severity: severity (logits,
        positive = harsher) with its 95% interval, fit statistics and flag, and distance from peers
        over ``compared`` ratings (``peers_judged`` False below :data:`MIN_COMPARED_RATINGS`).
    distribution : pandas.DataFrame
        ``reviewer_id``, ``reviewer``, ``rating``, ``count``, ``share``; ``reviewer_id`` 0 is all
        reviewers together.
    ranking : pandas.DataFrame
        :func:`rules.rank_changes` of raw weighted consensus vs fair score, by application.
    ranking_summary : dict
        :func:`rules.ranking_summary` of ``ranking``.
    movers : pandas.DataFrame
        The :data:`TOP_MOVERS` applications whose rank moves most, with their references and ``candidate_link``.
    severity_note : str
        How the severity fit went (converged, connected subsets), or why there is none.
    """

    chosen: CalibrationFilter
    n_ratings: int
    n_applications: int
    n_reviewers: int
    dimensions: pd.DataFrame
    weights: dict
    weights_version: str
    agreement: pd.DataFrame
    kappa: pd.DataFrame
    kappa_matrix: pd.DataFrame
    reviewers: pd.DataFrame
    distribution: pd.DataFrame
    ranking: pd.DataFrame
    ranking_summary: dict
    movers: pd.DataFrame
    severity_note: str
    alpha_source: str = ALPHA_BANDS_SOURCE
    thresholds: pd.DataFrame = field(default_factory=lambda: threshold_table())
    kappa_shared: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class DriftReport:
    """The calibration page's months under one filter: what changed over time, and who to call.

    Attributes
    ----------
    monthly : pandas.DataFrame
        Reviewer-months (:data:`MONTHLY_COLUMNS`): severity and its drift flag, distance from peers
        and its drift flag.
    watch : pandas.DataFrame
        The drift watch (:data:`WATCH_COLUMNS`): per reviewer, dimension and month, the severity on that
        dimension against that month's average reviewer, the reviewer's baseline, the EWMA and its
        control limit, and whether it crossed (:func:`scoring.agency.drift_watch.watch`), with the
        ``reviewer`` and ``dimension`` names.
    invitations : pandas.DataFrame
        Who crossed a limit in the last :data:`RECENT_MONTHS` months, per reviewer and dimension
        (:data:`INVITATION_COLUMNS`), newest crossing's month and direction.
    session : pandas.DataFrame
        :func:`rules.session_list`: who should join the next calibration session and why, with the
        drift watch's invitations as one more reason (``drift_watch``,
        :func:`scoring.agency.drift_watch.with_invitations`).
    """

    monthly: pd.DataFrame
    watch: pd.DataFrame
    invitations: pd.DataFrame
    session: pd.DataFrame


@dataclass(frozen=True)
class _LiveFit:
    """The live ratings under a filter (each with its ``deviation`` from peers) and their severity fit."""

    ratings: pd.DataFrame
    labels: dict[int, str]
    dimensions: pd.DataFrame
    weights: dict
    weights_version: str
    fit: SeverityFit | None
    #: One row per reviewer (:data:`REVIEWER_COLUMNS`), sorted by severity; empty without ratings.
    reviewers: pd.DataFrame
    severity_note: str


def threshold_table() -> pd.DataFrame:
    """The calibration thresholds (:func:`rules.threshold_table`) and the drift watch's, with sources."""
    watch_rows = pd.DataFrame([(t.name, t.value, t.unit, t.meaning, t.source) for t in drift_watch.WATCH_THRESHOLDS],
                              columns=["threshold", "value", "unit", "meaning", "source"])
    return pd.concat([rules.threshold_table(), watch_rows], ignore_index=True)


def default_filter(first: date | None, last: date | None, stage_id: int = 3,
                   months: int = DEFAULT_MONTHS) -> CalibrationFilter:
    """The filter the page opens on: one stage, every dimension, the last ``months`` months up to
    ``last`` (the newest month with ratings), by submission month."""
    if last is None:
        return CalibrationFilter(stage_id=stage_id)
    start = (pd.Timestamp(last) - pd.DateOffset(months=months - 1)).date()
    if first is not None:
        start = max(start, first)
    return CalibrationFilter(stage_id=stage_id, first_month=start, last_month=last)


def reviewer_labels(names: pd.DataFrame) -> dict[int, str]:
    """Reviewer id -> display name, with the id added where two reviewers share a name."""
    counts = names["display_name"].value_counts()
    return {int(r.reviewer_id): (f"{r.display_name} (#{r.reviewer_id})" if counts[r.display_name] > 1
                                 else str(r.display_name)) for r in names.itertuples()}


def band_of(alpha: float, units: int | None = None) -> str:
    """Krippendorff's band, :data:`NO_ESTIMATE` when alpha is undefined, or :data:`TOO_FEW` when it
    rests on fewer than :data:`MIN_AGREEMENT_UNITS` pairable ``units``.

    Examples
    --------
    >>> band_of(0.85, 120), band_of(0.85, 12), band_of(float("nan"), 12)
    ('reliable', 'too few to judge', 'no estimate')
    """
    if not np.isfinite(alpha):
        return NO_ESTIMATE
    if units is not None and not judged_units(units):
        return TOO_FEW
    return krippendorff_band(alpha)


def judged_units(units: int) -> bool:
    """Whether an agreement figure over ``units`` pairable applications is judged
    (:data:`MIN_AGREEMENT_UNITS`)."""
    return int(units) >= MIN_AGREEMENT_UNITS.value


def rating_pairs(matrix: np.ndarray) -> int:
    """Pairs of ratings of the same unit in a (raters, units) matrix: m (m - 1) / 2 for a unit rated m times.

    Examples
    --------
    >>> rating_pairs(np.array([[1, 2, np.nan], [1, np.nan, np.nan], [2, 3, 4.0]]))
    4
    """
    if matrix.size == 0:
        return 0
    counts = (~np.isnan(matrix)).sum(axis=0)
    return int((counts * (counts - 1) // 2).sum())


def live_agreement(ratings: pd.DataFrame, dimensions: pd.DataFrame) -> pd.DataFrame:
    """Agreement per dimension on live ratings sorted by application, dimension and time.

    Each dimension's ratings form a (rating slot, application) matrix (:func:`rules.slot_matrix`):
    alpha, its bootstrap interval and percent agreement on every slot; ICC(1,1) on the first
    :data:`rules.LIVE_ICC_SLOTS` slots.
    """
    rows = []
    for dim in dimensions.itertuples():
        part = ratings[ratings["dimension_id"] == dim.dimension_id]
        matrix = rules.slot_matrix(part["application_id"].to_numpy(), part["rating"].to_numpy())
        rows.append(_agreement_row(dim.dimension_id, dim.name, matrix, len(part), rules.LIVE_ICC_FORM,
                                   matrix[: int(rules.LIVE_ICC_SLOTS.value)]))
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def _agreement_row(dimension_id: int, name: str, matrix: np.ndarray, n_ratings: int, form: IccForm,
                   icc_matrix: np.ndarray) -> tuple:
    pairable = int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum())
    if pairable == 0:
        nan = float("nan")
        return (dimension_id, name, n_ratings, matrix.shape[1], 0, nan, nan, nan, NO_ESTIMATE, form,
                nan, nan, nan, 0, icc_matrix.shape[0], nan, nan, 0, False)
    alpha = krippendorff_alpha(matrix, "ordinal")
    low, high = bootstrap_alpha(matrix, "ordinal", n_boot=rules.BOOTSTRAP_RESAMPLES, seed=rules.BOOTSTRAP_SEED)
    result = icc(icc_matrix, form) if icc_matrix.shape[0] >= 2 else None
    return (dimension_id, name, n_ratings, matrix.shape[1], pairable, alpha, low, high, band_of(alpha, pairable), form,
            *((result.value, result.ci_low, result.ci_high, result.n_units, result.n_raters) if result
              else (float("nan"), float("nan"), float("nan"), 0, icc_matrix.shape[0])),
            percent_agreement(matrix, 0), percent_agreement(matrix, 1), rating_pairs(matrix), judged_units(pairable))


def _peer_deviation(ratings: pd.DataFrame) -> np.ndarray:
    """Each rating minus the other reviewers' mean on the same application and dimension."""
    # Dimension ids run 1-5, so application * 8 + dimension is one key per application-dimension.
    unit = ratings["application_id"].to_numpy(dtype=np.int64) * 8 + ratings["dimension_id"].to_numpy(dtype=np.int64)
    return rules.leave_one_out_deviation(unit, ratings["rating"].to_numpy())


def rating_distribution(ratings: pd.DataFrame, labels: dict[int, str]) -> pd.DataFrame:
    """Count and share of each rating 1-5 per reviewer, plus all reviewers as ``reviewer_id`` 0."""
    categories = list(LEVELS)
    counts = pd.crosstab(ratings["reviewer_id"], ratings["rating"]).reindex(columns=categories, fill_value=0)
    counts.loc[0] = counts.sum(axis=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    long = counts.stack().rename("count").to_frame().join(shares.stack().rename("share")).reset_index()
    long.columns = ["reviewer_id", "rating", "count", "share"]
    long["reviewer"] = long["reviewer_id"].map(lambda r: "All reviewers" if r == 0 else labels.get(int(r), str(r)))
    return long[["reviewer_id", "reviewer", "rating", "count", "share"]]


def _kappa_matrix(kappa: pd.DataFrame, order: list[int], labels: dict[int, str],
                  column: str = "kappa") -> pd.DataFrame:
    """``column`` of every reviewer pair as a symmetric reviewer x reviewer table (NaN where unknown)."""
    position = {reviewer: i for i, reviewer in enumerate(order)}
    values = np.full((len(order), len(order)), np.nan)
    known = kappa.dropna(subset=[column])
    known = known[known["reviewer_a"].isin(position) & known["reviewer_b"].isin(position)]
    first = known["reviewer_a"].map(position).to_numpy(dtype=np.intp)
    second = known["reviewer_b"].map(position).to_numpy(dtype=np.intp)
    values[first, second] = known[column].to_numpy(dtype=np.float64)
    values[second, first] = known[column].to_numpy(dtype=np.float64)
    names = [labels.get(r, str(r)) for r in order]
    return pd.DataFrame(values, index=names, columns=names)


def _empty_report(chosen: CalibrationFilter, dimensions: pd.DataFrame, weights: dict, version: str,
                  note: str) -> CalibrationReport:
    return CalibrationReport(
        chosen=chosen, n_ratings=0, n_applications=0, n_reviewers=0, dimensions=dimensions, weights=weights,
        weights_version=version, agreement=pd.DataFrame(columns=AGREEMENT_COLUMNS),
        kappa=pd.DataFrame(columns=["reviewer_a", "reviewer_b", "name_a", "name_b", "shared", "kappa"]),
        kappa_matrix=pd.DataFrame(), reviewers=pd.DataFrame(columns=REVIEWER_COLUMNS),
        distribution=pd.DataFrame(columns=["reviewer_id", "reviewer", "rating", "count", "share"]),
        ranking=pd.DataFrame(), ranking_summary=rules.ranking_summary(pd.DataFrame()), movers=pd.DataFrame(),
        severity_note=note)


def calibration_report(db: Database, actor: Account, chosen: CalibrationFilter) -> CalibrationReport:
    """Agreement, pairwise kappa, severity and the ranking with severity removed, for live scoring.

    Parameters
    ----------
    db : Database
    actor : Account
        Needs ``read_calibration``.
    chosen : CalibrationFilter
        Stage, dimensions and month range.

    Returns
    -------
    CalibrationReport
    """
    live = _live_fit(db, actor, chosen)
    ratings, labels, reviewers = live.ratings, live.labels, live.reviewers
    if ratings.empty:
        return _empty_report(chosen, live.dimensions, live.weights, live.weights_version, live.severity_note)
    order = reviewers["reviewer_id"].astype(int).tolist()
    kappa = rules.pair_kappas(store.rating_pairs(db, actor, chosen))
    kappa["name_a"] = kappa["reviewer_a"].map(labels)
    kappa["name_b"] = kappa["reviewer_b"].map(labels)
    kappa = kappa[["reviewer_a", "reviewer_b", "name_a", "name_b", "shared", "kappa"]]
    ranking, movers = _ranking(db, actor, ratings, live.fit, live.weights)
    return CalibrationReport(
        chosen=chosen, n_ratings=len(ratings), n_applications=int(ratings["application_id"].nunique()),
        n_reviewers=int(ratings["reviewer_id"].nunique()), dimensions=live.dimensions, weights=live.weights,
        weights_version=live.weights_version, agreement=live_agreement(ratings, live.dimensions), kappa=kappa,
        kappa_matrix=_kappa_matrix(kappa, order, labels), reviewers=reviewers,
        kappa_shared=_kappa_matrix(kappa, order, labels, "shared").fillna(0).astype(int),
        distribution=rating_distribution(ratings, labels), ranking=ranking,
        ranking_summary=rules.ranking_summary(ranking), movers=movers, severity_note=live.severity_note)


def calibration_drift(db: Database, actor: Account, chosen: CalibrationFilter) -> DriftReport:
    """Month-by-month severity and agreement, the drift watch and the next session's list for live scoring.

    Apart from :func:`calibration_report` because their monthly model fits take longer than the rest of
    it together, and only the tabs that show them need them.

    Parameters
    ----------
    db : Database
    actor : Account
        Needs ``read_calibration``.
    chosen : CalibrationFilter
        Stage, dimensions and month range.

    Returns
    -------
    DriftReport
    """
    live = _live_fit(db, actor, chosen)
    if live.ratings.empty:
        return DriftReport(monthly=pd.DataFrame(columns=MONTHLY_COLUMNS), watch=pd.DataFrame(columns=WATCH_COLUMNS),
                           invitations=pd.DataFrame(columns=INVITATION_COLUMNS),
                           session=rules.session_list(pd.DataFrame(), pd.DataFrame()))
    monthly = _monthly(live.ratings, live.fit, live.labels)
    # A distance from peers over too few compared ratings is no reason to call a reviewer to a session.
    judged = live.reviewers.assign(mad=live.reviewers["mad"].where(live.reviewers["peers_judged"]))
    watch, invited = drift_watch_of(live.ratings, live.fit, live.labels, live.dimensions)
    session = drift_watch.with_invitations(rules.session_list(judged, monthly), invited, judged,
                                           dict(zip(live.dimensions["dimension_id"].astype(int),
                                                    live.dimensions["name"])))
    return DriftReport(monthly=monthly, watch=watch, invitations=invited, session=session)


def _live_fit(db: Database, actor: Account, chosen: CalibrationFilter) -> _LiveFit:
    """The live ratings under ``chosen``, the weights over its dimensions, and the severity fit of both."""
    ratings = store.live_ratings(db, actor, chosen)
    labels = reviewer_labels(accounts.reviewers(db, actor))
    every = store.dimensions(db, actor)
    dimensions = every[every["dimension_id"].isin(chosen.dimensions)].reset_index(drop=True)
    newest = weight_store.newest(db, actor)
    weights = rules.weight_fractions(dict(zip(newest["dimension_id"].astype(int), newest["weight_pct"])),
                                     list(chosen.dimensions))
    version = (f"version {int(newest['version_id'].iloc[0])}, in force from "
               f"{pd.Timestamp(newest['effective_from'].iloc[0]):%d %b %Y}")
    if ratings.empty:
        return _LiveFit(ratings, labels, dimensions, weights, version, None,
                        pd.DataFrame(columns=REVIEWER_COLUMNS), "No live ratings match the filter.")
    ratings = ratings.assign(deviation=_peer_deviation(ratings))
    peers = rules.deviation_summary(ratings, ["reviewer_id"])
    fit: SeverityFit | None = None
    try:
        fit = fit_severity(ratings, weights, tol=rules.SEVERITY_TOL)
    except ValueError as problem:
        note = f"Severity could not be estimated on these ratings: {problem}."
    if fit is not None:
        note = (f"Many-facet Rasch fit on {fit.n_ratings:,} ratings: "
                f"{'converged' if fit.converged else 'did NOT converge'} in {fit.iterations} iterations"
                + ("" if fit.n_subsets <= 1 else
                   f"; the reviewer network falls into {fit.n_subsets} disconnected subsets, so severities "
                   "are comparable only within a subset") + ".")
        reviewers = fit.reviewers.rename_axis("reviewer_id").reset_index()
    else:
        reviewers = pd.DataFrame({"reviewer_id": sorted(ratings["reviewer_id"].unique())})
        for column in REVIEWER_COLUMNS[2:11]:
            reviewers[column] = "" if column == "flag" else np.nan
    reviewers = reviewers.merge(peers, on="reviewer_id", how="left")
    reviewers["peers_judged"] = reviewers["compared"].fillna(0) >= MIN_COMPARED_RATINGS.value
    reviewers["reviewer"] = reviewers["reviewer_id"].map(labels)
    reviewers = reviewers.sort_values(["severity", "reviewer_id"]).reset_index(drop=True)[REVIEWER_COLUMNS]
    return _LiveFit(ratings, labels, dimensions, weights, version, fit, reviewers, note)


def drift_watch_of(ratings: pd.DataFrame, fit: SeverityFit | None, labels: dict[int, str],
                   dimensions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The drift watch's charts (:data:`WATCH_COLUMNS`) and invitations (:data:`INVITATION_COLUMNS`) of
    live ratings, the recent months counted back from the newest month with ratings; empty without a fit."""
    if fit is None or ratings.empty:
        return pd.DataFrame(columns=WATCH_COLUMNS), pd.DataFrame(columns=INVITATION_COLUMNS)
    names = dict(zip(dimensions["dimension_id"].astype(int), dimensions["name"]))
    try:
        charts = drift_watch.watch(drift_watch.dimension_severity_by_month(ratings, fit, tol=rules.SEVERITY_TOL))
    except ValueError:      # ratings the monthly model cannot measure: no charts, as without a fit
        return pd.DataFrame(columns=WATCH_COLUMNS), pd.DataFrame(columns=INVITATION_COLUMNS)
    charts["reviewer"] = charts["reviewer_id"].map(labels)
    charts["dimension"] = charts["dimension_id"].map(names)
    invited = drift_watch.invitations(charts, pd.to_datetime(ratings["month"]).max())
    invited["reviewer"] = invited["reviewer_id"].map(labels)
    invited["dimension"] = invited["dimension_id"].map(names)
    return charts[WATCH_COLUMNS], invited[INVITATION_COLUMNS]


def _monthly(ratings: pd.DataFrame, fit: SeverityFit | None, labels: dict[int, str]) -> pd.DataFrame:
    """Reviewer-months: severity with its drift flag, distance from peers with its drift flag."""
    agreement = rules.agreement_drift(rules.deviation_summary(ratings, ["reviewer_id", "month"]))
    agreement["month"] = pd.to_datetime(agreement["month"])
    if fit is not None:
        periods = severity_by_period(ratings, fit, time_column="month", freq="M", tol=rules.SEVERITY_TOL)
        severity = rules.severity_drift(periods)
        severity["month"] = severity["period"].dt.to_timestamp()
        severity = severity.rename(columns={"flag": "severity_flag"}).drop(
            columns=["period", "infit_mnsq", "outfit_mnsq", "extreme", "in_baseline", "period_mean"])
        monthly = severity.merge(agreement, on=["reviewer_id", "month"], how="outer")
    else:
        monthly = agreement.assign(**{c: np.nan for c in ("severity", "se", "ci_low", "ci_high", "n_ratings",
                                                           "baseline", "drift", "z")},
                                   severity_flag=False, direction="")
    monthly["severity_flag"] = monthly["severity_flag"].fillna(False).astype(bool)
    monthly["agreement_flag"] = monthly["agreement_flag"].fillna(False).astype(bool)
    monthly["direction"] = monthly["direction"].fillna("")
    monthly["reviewer"] = monthly["reviewer_id"].map(labels)
    return monthly.sort_values(["reviewer_id", "month"]).reset_index(drop=True)[MONTHLY_COLUMNS]


def _ranking(db: Database, actor: Account, ratings: pd.DataFrame, fit: SeverityFit | None, weights: dict
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw weighted consensus vs fair score: every application's rank shift and the top movers."""
    if fit is None:
        return pd.DataFrame(), pd.DataFrame()
    raw = rules.weighted_consensus(ratings, weights)
    ranking = rules.rank_changes(raw, fit.applications["fair_weighted"]).rename_axis("application_id")
    ranking = ranking.reset_index()
    top = ranking.reindex(ranking["shift"].abs().sort_values(ascending=False, kind="stable").index)
    top = top.head(TOP_MOVERS)
    movers = top.merge(applications.labels(db, actor, top["application_id"].tolist()), on="application_id",
                       how="left")
    movers["candidate_link"] = movers["candidate_ref"].map(profile_link)
    return ranking, movers


# ------------------------------------------------------------------------------------------------
# Calibration exercises
# ------------------------------------------------------------------------------------------------

EXERCISE_FORMS: tuple[IccForm, IccForm] = ("ICC(2,1)", "ICC(3,1)")
EXERCISE_AGREEMENT_COLUMNS = ["dimension_id", "dimension", "ratings", "units", "raters", "alpha", "alpha_low",
                              "alpha_high", "band", "complete_raters", "icc2", "icc2_low", "icc2_high", "icc3",
                              "icc3_low", "icc3_high", "exact", "within_one", "pairable", "pairs", "judged"]


@dataclass(frozen=True)
class ExerciseReport:
    """What the calibration page shows for one calibration exercise.

    Attributes
    ----------
    exercise : pandas.Series
        The set: ``set_id``, ``name``, ``stage_id``, ``items``, ``created_at``, ``created_by``,
        ``expected``, ``submitted``, ``scored_before``, ``scored_since``, ``awaited``,
        ``awaited_from``, ``due_on`` (:func:`scoring.store.calibration_exercises.exercises`).
    items : pandas.DataFrame
        The reference applications with their candidate and ``candidate_link``, the address of the
        candidate's profile.
    progress : pandas.DataFrame
        Per assigned reviewer: ``assigned``, ``submitted``, ``scored_before``, ``scored_since``,
        ``awaited``, ``due_on``, ``active``.
    agreement : pandas.DataFrame
        One row per dimension (:data:`EXERCISE_AGREEMENT_COLUMNS`): alpha over every rating with
        its bootstrap interval and band; ICC(2,1) and ICC(3,1) with intervals over the reviewers
        who have scored every item (``complete_raters``); exact and within-one agreement; over
        ``pairable`` references rated by at least two reviewers and ``pairs`` rating pairs, ``judged``
        False below :data:`MIN_AGREEMENT_UNITS` (``band`` then reads :data:`TOO_FEW`).
    distances : pandas.DataFrame
        Per reviewer and dimension: ``compared``, ``mad`` (mean absolute difference from the
        leave-one-out mean of the other reviewers), ``bias`` (signed, positive = more lenient),
        ``within_one``; dimension ``0`` is all dimensions together; ``judged`` False below
        :data:`MIN_COMPARED_RATINGS` compared ratings.
    consensus : pandas.DataFrame
        Per item and dimension: ``application``, ``dimension``, ``mean``, ``sd``, ``raters``: the
        reference ratings to discuss.
    has_results : bool
        Whether two reviewers have scored the same reference for the exercise (not in live work
        before it): until then the exercise has no agreement figures of its own.
    """

    exercise: pd.Series
    items: pd.DataFrame
    progress: pd.DataFrame
    agreement: pd.DataFrame
    distances: pd.DataFrame
    consensus: pd.DataFrame
    has_results: bool = False
    alpha_source: str = ALPHA_BANDS_SOURCE


def reviewer_matrix(ratings: pd.DataFrame) -> pd.DataFrame:
    """The (reviewers, applications) reliability matrix of one dimension's ratings, NaN where unrated."""
    return ratings.pivot_table(index="reviewer_id", columns="application_id", values="rating", aggfunc="first")


def exercise_agreement(ratings: pd.DataFrame, dimensions: pd.DataFrame) -> pd.DataFrame:
    """Alpha, ICC(2,1), ICC(3,1) and percent agreement per dimension on a fully crossed exercise."""
    rows = []
    nan = float("nan")
    for dim in dimensions.itertuples():
        part = ratings[ratings["dimension_id"] == dim.dimension_id]
        table = reviewer_matrix(part)
        matrix = table.to_numpy(dtype=np.float64)
        pairable = int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum()) if matrix.size else 0
        if matrix.shape[0] < 2 or pairable == 0:
            rows.append((dim.dimension_id, dim.name, len(part), matrix.shape[1] if matrix.ndim == 2 else 0,
                         matrix.shape[0], nan, nan, nan, NO_ESTIMATE, 0, nan, nan, nan, nan, nan, nan, nan, nan,
                         pairable, rating_pairs(matrix), False))
            continue
        alpha = krippendorff_alpha(matrix, "ordinal")
        low, high = bootstrap_alpha(matrix, "ordinal", n_boot=rules.BOOTSTRAP_RESAMPLES, seed=rules.BOOTSTRAP_SEED)
        complete = matrix[~np.isnan(matrix).any(axis=1)]
        if complete.shape[0] >= 2:
            two, three = (icc(complete, form) for form in EXERCISE_FORMS)
            icc_values = (two.value, two.ci_low, two.ci_high, three.value, three.ci_low, three.ci_high)
        else:
            icc_values = (nan,) * 6
        rows.append((dim.dimension_id, dim.name, len(part), matrix.shape[1], matrix.shape[0], alpha, low, high,
                     band_of(alpha, pairable), complete.shape[0], *icc_values, percent_agreement(matrix, 0),
                     percent_agreement(matrix, 1), pairable, rating_pairs(matrix), judged_units(pairable)))
    return pd.DataFrame(rows, columns=EXERCISE_AGREEMENT_COLUMNS)


def exercise_distances(ratings: pd.DataFrame, labels: dict[int, str], dimensions: pd.DataFrame) -> pd.DataFrame:
    """Each reviewer's distance from the others' mean, per dimension and over all dimensions (0)."""
    scored = ratings.assign(deviation=_peer_deviation(ratings))
    per_dimension = rules.deviation_summary(scored, ["reviewer_id", "dimension_id"])
    overall = rules.deviation_summary(scored, ["reviewer_id"]).assign(dimension_id=0)
    out = pd.concat([per_dimension, overall], ignore_index=True)
    names = {0: "All dimensions", **dict(zip(dimensions["dimension_id"], dimensions["name"]))}
    out["dimension"] = out["dimension_id"].map(names)
    out["reviewer"] = out["reviewer_id"].map(labels)
    out["judged"] = out["compared"] >= MIN_COMPARED_RATINGS.value
    return out.sort_values(["dimension_id", "mad"], ascending=[True, False]).reset_index(drop=True)[
        ["reviewer_id", "reviewer", "dimension_id", "dimension", "compared", "mad", "bias", "within_one", "judged"]]


def exercise_report(db: Database, actor: Account, set_id: int) -> ExerciseReport:
    """Agreement and each reviewer's distance from consensus on one calibration exercise.

    Parameters
    ----------
    db : Database
    actor : Account
        Needs ``read_calibration``.
    set_id : int
        The calibration set.

    Returns
    -------
    ExerciseReport

    Raises
    ------
    ValueError
        No set ``set_id``.
    """
    sets = exercise_store.exercises(db, actor)
    chosen = sets[sets["set_id"] == set_id]
    if chosen.empty:
        raise ValueError(f"no calibration exercise {set_id}")
    labels = reviewer_labels(accounts.reviewers(db, actor))
    dimensions = store.dimensions(db, actor)
    ratings = exercise_store.exercise_ratings(db, actor, set_id)
    progress = exercise_store.exercise_progress(db, actor, set_id)
    progress["reviewer"] = progress["reviewer_id"].map(labels).fillna(progress["display_name"])
    items = exercise_store.exercise_items(db, actor, set_id)
    items["candidate_link"] = items["candidate_ref"].map(profile_link)
    consensus = (ratings.groupby(["application_id", "dimension_id"])["rating"]
                 .agg(mean="mean", sd="std", raters="size").reset_index())
    consensus["dimension"] = consensus["dimension_id"].map(dict(zip(dimensions["dimension_id"], dimensions["name"])))
    consensus["application"] = consensus["application_id"].map(dict(zip(items["application_id"],
                                                                         items["application"])))
    return ExerciseReport(
        exercise=chosen.iloc[0], items=items, progress=progress,
        agreement=exercise_agreement(ratings, dimensions),
        distances=exercise_distances(ratings, labels, dimensions) if not ratings.empty else pd.DataFrame(
            columns=["reviewer_id", "reviewer", "dimension_id", "dimension", "compared", "mad", "bias",
                     "within_one", "judged"]),
        consensus=consensus[["application_id", "application", "dimension_id", "dimension", "mean", "sd", "raters"]],
        has_results=has_exercise_results(ratings))


def has_exercise_results(ratings: pd.DataFrame) -> bool:
    """Whether two reviewers rated the same reference for the exercise itself.

    ``ratings`` are :func:`scoring.store.calibration_exercises.exercise_ratings`; the ratings made in
    live work before the exercise existed do not count, so a new exercise has no results.
    """
    own = ratings[ratings["for_exercise"].astype(bool)]
    return bool(own.groupby("application_id")["reviewer_id"].nunique().ge(2).any())


def awaited_text(progress: pd.DataFrame) -> str:
    """Who still owes scorecards of an exercise, most owed first, as ``Name (3), Other (1)``.

    Examples
    --------
    >>> awaited_text(pd.DataFrame({"reviewer": ["Ana", "Bo", "Cy"], "awaited": [1, 3, 0],
    ...                            "active": [True, True, True]}))
    'Bo (3), Ana (1)'
    """
    owing = progress[progress["awaited"] > 0].sort_values(["awaited", "reviewer"], ascending=[False, True])
    return ", ".join(f"{row.reviewer} ({int(row.awaited)}{'' if row.active else ', no longer active'})"
                     for row in owing.itertuples())


def alpha_bands_text() -> str:
    """The bands of Krippendorff's alpha in words, highest first.

    Examples
    --------
    >>> alpha_bands_text()
    'reliable from 0.800, tentative from 0.667, unreliable below'
    """
    return ", ".join(f"{band} from {low:.3f}" if np.isfinite(low) else f"{band} below" for low, band in ALPHA_BANDS)


def reviewers_done(progress: pd.DataFrame) -> int:
    """How many reviewers of an exercise (:attr:`ExerciseReport.progress`) owe no scorecard."""
    return int((progress["awaited"] == 0).sum())
