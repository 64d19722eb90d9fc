"""Reviewer calibration: its thresholds, declared once as data, and small pure helpers over arrays.

The statistics themselves live in :mod:`scoring.stats.agreement` (alpha, ICC, kappa, percent agreement)
and :mod:`scoring.stats.severity` (the many-facet Rasch model); this module holds what turns live
scoring data into their inputs and their outputs into decisions:

* :func:`slot_matrix` lays ratings out as a (rating slot, units) reliability matrix;
* :func:`leave_one_out_deviation` measures each rating against the mean of the others on the
  same unit, the basis of a reviewer's agreement with their peers;
* :func:`weighted_consensus`, :func:`rank_changes` compare the ranking of candidates before and
  after reviewer severity is removed;
* :func:`pair_kappas`, :func:`agreement_drift` and :func:`session_list` apply the thresholds of
  :data:`scoring.domain.thresholds.CALIBRATION_THRESHOLDS`.

Nothing here reads a database or draws anything.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from scoring.agency.scorecard import weighted_total
from scoring.domain.ratings import LEVELS
from scoring.domain.thresholds import (
    AGREEMENT_DRIFT,
    CALIBRATION_THRESHOLDS,
    DRIFT_BASELINE_MONTHS,
    DRIFT_PERSISTENCE,
    LIVE_ICC_SLOTS,
    LOW_AGREEMENT_MARGIN,
    MIN_MONTH_RATINGS,
    MIN_SHARED_RATINGS,
    NOTABLE_MOVE,
    SEVERITY_DRIFT,
    SEVERITY_MARGIN,
    Threshold,
)
from scoring.domain.thresholds import DRIFT_MIN_Z as DRIFT_MIN_Z_THRESHOLD
from scoring.stats.agreement import ALPHA_BANDS, ALPHA_BANDS_SOURCE, cohen_kappa_of_tables
from scoring.stats.messages import plain_list
from scoring.stats.severity import FIT_BAND, drift_flags

__all__ = [
    "AGREEMENT_DRIFT",
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "DRIFT_BASELINE_MONTHS",
    "DRIFT_PERSISTENCE",
    "LIVE_ICC_FORM",
    "LIVE_ICC_SLOTS",
    "LOW_AGREEMENT_MARGIN",
    "MIN_MONTH_RATINGS",
    "MIN_SHARED_RATINGS",
    "NOTABLE_MOVE",
    "SEVERITY_MARGIN",
    "SEVERITY_TOL",
    "Threshold",
    "agreement_drift",
    "centre_by_period",
    "deviation_summary",
    "leave_one_out_deviation",
    "pair_kappas",
    "pick_reference",
    "rank_changes",
    "ranking_summary",
    "severity_drift",
    "session_list",
    "slot_matrix",
    "threshold_table",
    "weight_fractions",
    "weighted_consensus",
]

FloatArray = npt.NDArray[np.float64]



LIVE_ICC_FORM: Final = "ICC(1,1)"
"""Live scoring is sparse (2-3 of many reviewers per application): a one-way random model."""


BOOTSTRAP_RESAMPLES: Final = 1000
"""Resamples for percentile bootstrap intervals (Efron & Tibshirani 1993 advise at least 1,000)."""

BOOTSTRAP_SEED: Final = 0
"""Seed of the bootstrap: the same data always show the same interval."""

SEVERITY_TOL: Final = 1e-3
"""Convergence tolerance (logits) of the severity fits here, looser than the library's default to
keep the page fast. On the full demo the reviewers' severities then differ from a 1e-4 fit by under
0.001 logits (their standard errors are ~0.02), and the monthly severities, once centred on each
month's average reviewer (:func:`centre_by_period`), by under 0.005 logits (standard errors
>= 0.07); the slowly converging direction of the monthly fit is exactly the one centring removes."""


def threshold_table() -> pd.DataFrame:
    """Every threshold the calibration page applies, its own and the library's, with sources.

    Returns
    -------
    pandas.DataFrame
        Columns ``threshold``, ``value``, ``unit``, ``meaning``, ``source``.
    """
    alpha_rows = [
        Threshold(f"Krippendorff's alpha: {band}", low if np.isfinite(low) else float("nan"), "alpha",
                  f"alpha >= {low:.3f} is {band}" if np.isfinite(low) else f"alpha below the bands above is {band}",
                  ALPHA_BANDS_SOURCE)
        for low, band in ALPHA_BANDS]
    fit_rows = [
        Threshold("Infit mean-square: erratic above", FIT_BAND.erratic_above, "mean-square",
                  "Ratings vary more than the model expects (noisy).", FIT_BAND.source),
        Threshold("Infit mean-square: too predictable below", FIT_BAND.too_predictable_below, "mean-square",
                  "Ratings vary less than the model expects (muted, central tendency).", FIT_BAND.source),
        Threshold("Ratings needed for a fit flag", FIT_BAND.min_ratings, "ratings",
                  "Fewer ratings give mean-squares too unstable to flag.", FIT_BAND.source),
        SEVERITY_DRIFT,
        DRIFT_MIN_Z_THRESHOLD,
    ]
    rows = [*alpha_rows, *fit_rows, *CALIBRATION_THRESHOLDS]
    return pd.DataFrame([(t.name, t.value, t.unit, t.meaning, t.source) for t in rows],
                        columns=["threshold", "value", "unit", "meaning", "source"])


# ------------------------------------------------------------------------------------------------
# Reliability matrices from long data
# ------------------------------------------------------------------------------------------------


def slot_matrix(units: ArrayLike, ratings: ArrayLike, n_slots: int | None = None,
                min_slots: int = 2) -> FloatArray:
    """Lay ratings out as a (rating slot, units) reliability matrix.

    Parameters
    ----------
    units : array_like, shape (n,)
        The unit (e.g. application) of each rating.
    ratings : array_like, shape (n,)
        The ratings, in the order that should fill the slots within each unit (e.g. by
        submission time).
    n_slots : int, optional
        Keep only the first ``n_slots`` ratings of each unit; default: as many slots as the unit
        with most ratings needs.
    min_slots : int, default 2
        Pad with empty slots up to this many rows, so the matrix is a valid input to the
        agreement statistics even when no unit has two ratings.

    Returns
    -------
    numpy.ndarray, shape (slots, units)
        Row ``s`` holds each unit's ``s``-th rating, ``np.nan`` where a unit has fewer. Units are
        in order of first appearance.

    Notes
    -----
    Krippendorff's alpha and percent agreement depend only on which values each unit received,
    not on who gave them, so on this compact matrix they equal their values on the (reviewers,
    units) matrix, which is mostly empty when each unit is rated by 2-3 of many reviewers. Taking
    the first two slots gives the (units x 2) table of a one-way random ICC.

    Examples
    --------
    >>> slot_matrix([7, 7, 9, 7], [4, 5, 2, 3]).tolist()
    [[4.0, 2.0], [5.0, nan], [3.0, nan]]
    >>> slot_matrix([7, 7, 9, 7], [4, 5, 2, 3], n_slots=2).tolist()
    [[4.0, 2.0], [5.0, nan]]
    """
    unit_array = np.asarray(units)
    values = np.asarray(ratings, dtype=np.float64)
    if unit_array.shape != values.shape or values.ndim != 1:
        raise ValueError(f"units and ratings must be 1-D of one length; got {unit_array.shape} and {values.shape}")
    if n_slots is not None and n_slots < 1:
        raise ValueError(f"n_slots must be at least 1; got {n_slots}")
    codes, uniques = pd.factorize(unit_array, sort=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(uniques))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    slot = np.empty(values.size, dtype=np.intp)
    slot[order] = np.arange(values.size) - np.repeat(starts, counts)
    rows = int(counts.max()) if counts.size else 0
    if n_slots is not None:
        rows = min(rows, n_slots)
    matrix = np.full((max(rows, min_slots), len(uniques)), np.nan)
    kept = slot < rows
    matrix[slot[kept], codes[kept]] = values[kept]
    return matrix


def leave_one_out_deviation(units: ArrayLike, ratings: ArrayLike) -> FloatArray:
    """Each rating minus the mean of the other ratings of the same unit.

    Parameters
    ----------
    units : array_like, shape (n,)
        The unit of each rating, e.g. an (application, dimension) code.
    ratings : array_like, shape (n,)
        The ratings.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``x_i - mean(x_j : j != i, same unit)``; positive means the rating is above its peers
        (more lenient). ``np.nan`` for a rating that is alone on its unit.

    Notes
    -----
    With ``S`` the sum and ``m`` the number of ratings of a unit, the others' mean is
    ``(S - x_i) / (m - 1)``; one pass of :func:`numpy.bincount` gives every ``S`` and ``m``.

    Examples
    --------
    >>> leave_one_out_deviation(["a", "a", "a", "b"], [2, 4, 3, 5]).tolist()
    [-1.5, 1.5, 0.0, nan]
    """
    codes, _ = pd.factorize(np.asarray(units), sort=False)
    values = np.asarray(ratings, dtype=np.float64)
    if codes.shape != values.shape:
        raise ValueError(f"units and ratings must have one length; got {codes.shape} and {values.shape}")
    total = np.bincount(codes, weights=values)
    count = np.bincount(codes).astype(np.float64)
    others = count[codes] - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        peer_mean = (total[codes] - values) / others
    return np.where(others > 0, values - peer_mean, np.nan)


def deviation_summary(frame: pd.DataFrame, by: Sequence[str], column: str = "deviation") -> pd.DataFrame:
    """Summarise leave-one-out deviations per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        Holds the ``by`` columns and ``column`` (deviations, ``NaN`` where a rating had no peer).
    by : sequence of str
        Grouping columns, e.g. ``["reviewer_id"]`` or ``["reviewer_id", "month"]``.
    column : str
        The deviation column.

    Returns
    -------
    pandas.DataFrame
        One row per group with ``compared`` (ratings that had a peer), ``mad`` (mean absolute
        deviation, rating points), ``mad_se`` (its standard error, ``sd / sqrt(n)``), ``bias``
        (mean signed deviation: positive = more lenient than peers) and ``within_one`` (share
        within one rating point of the peers' mean).
    """
    rated = frame.loc[frame[column].notna(), [*by, column]]
    gap = rated[column].abs()
    groups = rated.assign(gap=gap, within=(gap <= 1.0 + 1e-9).astype(float)).groupby(list(by), sort=True)
    summary = pd.DataFrame({
        "compared": groups["gap"].size(),
        "mad": groups["gap"].mean(),
        "mad_se": groups["gap"].std(ddof=1) / np.sqrt(groups["gap"].size()),
        "bias": groups[column].mean(),
        "within_one": groups["within"].mean(),
    })
    return summary.reset_index()


# ------------------------------------------------------------------------------------------------
# Weights, consensus and ranking
# ------------------------------------------------------------------------------------------------


def weight_fractions(weights_pct: Mapping[Hashable, float], dimensions: Sequence[Hashable]) -> dict[Hashable, float]:
    """Percent weights of ``dimensions`` as fractions summing to 1 over just those dimensions.

    Examples
    --------
    >>> weight_fractions({1: 25, 2: 25, 3: 20, 4: 20, 5: 10}, [3, 5])
    {3: 0.6666666666666666, 5: 0.3333333333333333}
    """
    missing = [d for d in dimensions if d not in weights_pct]
    if missing:
        raise ValueError(f"no weight for dimension(s) {plain_list(missing)}")
    total = float(sum(weights_pct[d] for d in dimensions))
    if not total > 0:
        raise ValueError(f"the chosen dimensions {plain_list(dimensions)} carry no weight")
    return {d: float(weights_pct[d]) / total for d in dimensions}


def weighted_consensus(ratings: pd.DataFrame, weights: Mapping[Hashable, float]) -> pd.Series:
    """Raw weighted consensus of each application: the weights-sum of per-dimension mean ratings.

    Parameters
    ----------
    ratings : pandas.DataFrame
        ``application_id``, ``dimension_id``, ``rating``.
    weights : mapping
        ``dimension_id -> fraction`` summing to 1.

    Returns
    -------
    pandas.Series
        Indexed by ``application_id``; only applications with a rating on every weighted
        dimension (an incomplete one is never ranked against complete ones). A missing rating
        (NaN, a dimension marked not assessed) is no rating: it never counts as zero.

    Examples
    --------
    >>> frame = pd.DataFrame({"application_id": [1, 1, 1, 2], "dimension_id": [1, 1, 2, 1],
    ...                       "rating": [4, 2, 5, 5]})
    >>> weighted_consensus(frame, {1: 0.5, 2: 0.5}).to_dict()
    {1: 4.0}
    """
    means = ratings.groupby(["application_id", "dimension_id"])["rating"].mean().unstack("dimension_id")
    dims = list(weights)
    means = means.reindex(columns=dims).dropna()    # incomplete: never ranked against complete ones
    return pd.Series(weighted_total(means.to_numpy(), np.array([weights[d] for d in dims], dtype=np.float64)),
                     index=means.index, name="raw")


def rank_changes(raw: pd.Series, fair: pd.Series) -> pd.DataFrame:
    """How each application's rank moves from raw consensus to severity-adjusted fair score.

    Parameters
    ----------
    raw, fair : pandas.Series
        Scores on the 1-5 scale indexed by application; only applications in both are ranked.

    Returns
    -------
    pandas.DataFrame
        Indexed by application: ``raw``, ``fair``, ``raw_rank`` and ``fair_rank`` (1 = best;
        tied scores share their mean rank), ``shift`` (``raw_rank - fair_rank``: positive =
        moves up once severity is removed), and ``raw_percentile``, ``fair_percentile`` (share
        of the others ranked below, in percent) and ``percentile_shift`` (fair - raw).

    Examples
    --------
    >>> changes = rank_changes(pd.Series({1: 4.0, 2: 3.0, 3: 2.0}), pd.Series({1: 3.1, 2: 3.3, 3: 2.0}))
    >>> changes["shift"].tolist()
    [-1.0, 1.0, 0.0]
    """
    both = pd.concat([raw.rename("raw"), fair.rename("fair")], axis=1, join="inner").astype(float)
    n = len(both)
    both["raw_rank"] = both["raw"].rank(ascending=False, method="average")
    both["fair_rank"] = both["fair"].rank(ascending=False, method="average")
    both["shift"] = both["raw_rank"] - both["fair_rank"]
    scale = 100.0 / max(n - 1, 1)
    both["raw_percentile"] = (n - both["raw_rank"]) * scale
    both["fair_percentile"] = (n - both["fair_rank"]) * scale
    both["percentile_shift"] = both["fair_percentile"] - both["raw_percentile"]
    return both


def ranking_summary(ranking: pd.DataFrame, notable: float = NOTABLE_MOVE.value) -> dict[str, float]:
    """How much removing severity reorders candidates, in four numbers.

    Parameters
    ----------
    ranking : pandas.DataFrame
        :func:`rank_changes` output.
    notable : float
        Percentile points of movement counted as notable.

    Returns
    -------
    dict
        ``ranked`` (applications), ``spearman`` (rank correlation of raw and fair scores),
        ``median_move`` (median absolute percentile shift) and ``share_notable`` (share moving
        more than ``notable`` percentile points); NaN where undefined.
    """
    n = len(ranking)
    if n < 2:
        return {"ranked": float(n), "spearman": float("nan"), "median_move": float("nan"),
                "share_notable": float("nan")}
    rho = stats.spearmanr(ranking["raw"].to_numpy(), ranking["fair"].to_numpy()).statistic
    move = ranking["percentile_shift"].abs()
    return {"ranked": float(n), "spearman": float(rho), "median_move": float(move.median()),
            "share_notable": float((move > notable).mean())}


# ------------------------------------------------------------------------------------------------
# Pairwise kappa
# ------------------------------------------------------------------------------------------------


def pair_kappas(pairs: pd.DataFrame, min_shared: int = int(MIN_SHARED_RATINGS.value)) -> pd.DataFrame:
    """Quadratic-weighted kappa for every reviewer pair with enough shared ratings.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Contingency counts: ``reviewer_a``, ``reviewer_b``, ``rating_a``, ``rating_b``, ``pairs``
        (how many application-dimensions the two rated with those values).
    min_shared : int
        Pairs with fewer shared ratings get ``kappa`` NaN.

    Returns
    -------
    pandas.DataFrame
        One row per pair, ordered by ``reviewer_a`` then ``reviewer_b``: ``shared`` and ``kappa``
        (:func:`scoring.stats.agreement.cohen_kappa_of_tables`, quadratic weights, categories 1-5).

    Examples
    --------
    >>> counts = pd.DataFrame({"reviewer_a": [1, 1], "reviewer_b": [2, 2], "rating_a": [2, 4],
    ...                        "rating_b": [2, 4], "pairs": [20, 15]})
    >>> pair_kappas(counts).to_dict("records")
    [{'reviewer_a': 1, 'reviewer_b': 2, 'shared': 35, 'kappa': 1.0}]
    """
    columns = ["reviewer_a", "reviewer_b", "shared", "kappa"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    table = pairs.sort_values(["reviewer_a", "reviewer_b"], kind="stable")
    first = table["reviewer_a"].to_numpy()
    second = table["reviewer_b"].to_numpy()
    counts = table["pairs"].to_numpy(dtype=np.int64)
    rating_a = table["rating_a"].to_numpy(dtype=np.float64)
    rating_b = table["rating_b"].to_numpy(dtype=np.float64)
    new_pair = np.concatenate(([True], (first[1:] != first[:-1]) | (second[1:] != second[:-1])))
    starts = np.flatnonzero(new_pair)
    shared = np.add.reduceat(counts, starts)
    scale = np.asarray(LEVELS, dtype=np.float64)
    outside = ~np.isin(rating_a, scale) | ~np.isin(rating_b, scale)
    if outside.any():
        raise ValueError(f"ratings outside the scale {list(LEVELS)}: "
                         f"{sorted(set(rating_a[outside]) | set(rating_b[outside]))}")
    tables = np.zeros((starts.size, scale.size, scale.size))
    np.add.at(tables, (np.cumsum(new_pair) - 1, np.searchsorted(scale, rating_a), np.searchsorted(scale, rating_b)),
              counts)
    kappas = np.where(shared >= min_shared, cohen_kappa_of_tables(tables, weights="quadratic"), np.nan)
    return pd.DataFrame({"reviewer_a": first[starts], "reviewer_b": second[starts], "shared": shared,
                         "kappa": kappas}, columns=columns)


# ------------------------------------------------------------------------------------------------
# Drift and the calibration session
# ------------------------------------------------------------------------------------------------


def centre_by_period(periods: pd.DataFrame, min_ratings: int = int(MIN_MONTH_RATINGS.value)) -> pd.DataFrame:
    """Express each period's severities relative to the average reviewer of that period.

    Parameters
    ----------
    periods : pandas.DataFrame
        :func:`scoring.stats.severity.severity_by_period` output (``period``, ``severity``, ``ci_low``,
        ``ci_high``, ``n_ratings``).
    min_ratings : int
        Only reviewer-periods with at least this many ratings form a period's average (all of
        that period's reviewers when none has that many).

    Returns
    -------
    pandas.DataFrame
        The input with ``severity``, ``ci_low`` and ``ci_high`` shifted by minus the period's
        mean severity, and that mean as ``period_mean``.

    Notes
    -----
    An application is scored within a day or two, so nearly all its ratings fall in one month.
    When application measures are re-estimated per period, a shift of every reviewer's severity
    in a month is then indistinguishable from a shift of that month's candidates: the model
    leaves it almost unidentified and the estimation lands anywhere along it. Fixing each month's
    average reviewer at zero, as the whole fit fixes the overall average reviewer at zero, removes
    that direction; drift then means moving away from the other reviewers.

    Examples
    --------
    >>> frame = pd.DataFrame({"reviewer_id": [1, 2, 1, 2], "period": [1, 1, 2, 2],
    ...                       "severity": [0.5, 0.1, 1.0, 0.0], "ci_low": 0.0, "ci_high": 1.0,
    ...                       "n_ratings": [30, 30, 30, 30]})
    >>> centre_by_period(frame)["severity"].round(2).tolist()
    [0.2, -0.2, 0.5, -0.5]
    """
    if periods.empty:
        return periods.assign(period_mean=pd.Series(dtype=float))
    enough = periods["n_ratings"] >= min_ratings
    by_period = periods.groupby("period")["severity"]
    well_measured = periods["severity"].where(enough).groupby(periods["period"]).transform("mean")
    shift = well_measured.fillna(by_period.transform("mean"))
    out = periods.copy()
    for column in ("severity", "ci_low", "ci_high"):
        out[column] = out[column] - shift
    out["period_mean"] = shift
    return out


def severity_drift(periods: pd.DataFrame, threshold: float = SEVERITY_DRIFT.value,
                   baseline_periods: int = int(DRIFT_BASELINE_MONTHS.value),
                   min_ratings: int = int(MIN_MONTH_RATINGS.value),
                   min_z: float = DRIFT_MIN_Z_THRESHOLD.value) -> pd.DataFrame:
    """Flag reviewer-months whose severity moved away from the reviewer's own baseline.

    Parameters
    ----------
    periods : pandas.DataFrame
        :func:`scoring.stats.severity.severity_by_period` output.
    threshold : float
        Logits of movement that is flagged (default :data:`scoring.domain.thresholds.SEVERITY_DRIFT`).
    baseline_periods : int
        The reviewer's first months with at least ``min_ratings`` ratings form the baseline.
    min_ratings : int
        Months with fewer ratings are kept but neither flagged nor part of a baseline.
    min_z : float
        The movement must also be this many standard errors.

    Returns
    -------
    pandas.DataFrame
        :func:`centre_by_period` of the input, sorted by reviewer and period, with the columns
        of :func:`scoring.stats.severity.drift_flags` (``baseline``, ``drift``, ``z``, ``in_baseline``,
        ``flag``, ``direction``); NaN and unflagged for the months with too few ratings.
    """
    centred = centre_by_period(periods, min_ratings)
    enough = centred["n_ratings"] >= min_ratings
    flagged = drift_flags(centred[enough], threshold, baseline_periods=baseline_periods, min_z=min_z)
    rest = centred[~enough].assign(baseline=np.nan, drift=np.nan, z=np.nan, in_baseline=False, flag=False,
                                   direction="")
    out = pd.concat([flagged, rest], ignore_index=True) if len(rest) else flagged
    out["flag"] = out["flag"].astype(bool)
    out["in_baseline"] = out["in_baseline"].astype(bool)
    return out.sort_values(["reviewer_id", "period"], kind="stable").reset_index(drop=True)


def agreement_drift(monthly: pd.DataFrame, threshold: float = AGREEMENT_DRIFT.value,
                    baseline_periods: int = int(DRIFT_BASELINE_MONTHS.value),
                    min_compared: int = int(MIN_MONTH_RATINGS.value),
                    min_z: float = DRIFT_MIN_Z_THRESHOLD.value) -> pd.DataFrame:
    """Flag reviewer-months whose distance from peers grew past ``threshold`` over their baseline.

    Parameters
    ----------
    monthly : pandas.DataFrame
        :func:`deviation_summary` by ``reviewer_id`` and ``month``.
    threshold : float
        Rating points of growth in ``mad`` that is flagged.
    baseline_periods : int
        The reviewer's first months with at least ``min_compared`` compared ratings form the
        baseline; they are never flagged.
    min_compared : int
        Months with fewer compared ratings are kept but neither flagged nor part of a baseline.
    min_z : float
        The growth must also be this many standard errors.

    Returns
    -------
    pandas.DataFrame
        The input sorted by reviewer and month with ``agreement_baseline``, ``agreement_drift``
        (``mad`` minus baseline, positive = further from peers), ``agreement_z`` and
        ``agreement_flag``.

    Notes
    -----
    The baseline and z-test are those of :func:`scoring.stats.severity.drift_flags` applied to ``mad``
    with its standard error; only growth (worse agreement) is flagged.
    """
    added = {"agreement_baseline": np.nan, "agreement_drift": np.nan, "agreement_z": np.nan,
             "agreement_flag": False}
    enough = monthly["compared"] >= min_compared
    rest = monthly[~enough].assign(**added)
    if not enough.any():
        return rest.astype({"agreement_flag": bool}).sort_values(["reviewer_id", "month"]).reset_index(drop=True)
    usable = monthly[enough].rename(columns={"month": "period", "mad": "severity", "mad_se": "se"})
    flagged = drift_flags(usable, threshold, baseline_periods=baseline_periods, min_z=min_z)
    flagged = flagged.rename(columns={"period": "month", "severity": "mad", "se": "mad_se",
                                      "baseline": "agreement_baseline", "drift": "agreement_drift",
                                      "z": "agreement_z"})
    flagged["agreement_flag"] = (flagged["flag"] & (flagged["agreement_drift"] > 0)).astype(bool)
    flagged = flagged.drop(columns=["flag", "direction", "in_baseline"])
    out = pd.concat([flagged, rest], ignore_index=True) if len(rest) else flagged
    out["agreement_flag"] = out["agreement_flag"].astype(bool)
    return out.sort_values(["reviewer_id", "month"], kind="stable").reset_index(drop=True)


def session_list(reviewers: pd.DataFrame, monthly: pd.DataFrame,
                 severity_margin: float = SEVERITY_MARGIN.value,
                 agreement_margin: float = LOW_AGREEMENT_MARGIN.value,
                 persistence: int = int(DRIFT_PERSISTENCE.value)) -> pd.DataFrame:
    """Who should join the next calibration session, and why.

    Parameters
    ----------
    reviewers : pandas.DataFrame
        One row per reviewer with ``reviewer_id``, ``reviewer`` (name), ``severity``, ``ci_low``,
        ``ci_high``, ``infit_mnsq``, ``flag`` (fit flag) and ``mad`` (distance from peers).
    monthly : pandas.DataFrame
        Reviewer-months with ``reviewer_id``, ``month``, ``severity_flag``, ``direction`` and
        ``agreement_flag``.
    severity_margin : float
        Logits the 95% severity interval must clear zero by.
    agreement_margin : float
        Rating points above the panel's median ``mad`` that count as low agreement.
    persistence : int
        Flagged months (severity: in one direction) needed for a drift reason.

    Returns
    -------
    pandas.DataFrame
        ``reviewer_id``, ``reviewer``, ``reasons`` (readable, ``"; "``-separated), ``n_reasons``,
        one boolean column per reason (``fit``, ``harsh``, ``lenient``, ``severity_drift``,
        ``agreement_drift``, ``low_agreement``), ``severity`` and ``mad``; reviewers with at
        least one reason, most reasons first.
    """
    columns = ["reviewer_id", "reviewer", "reasons", "n_reasons", "fit", "harsh", "lenient",
               "severity_drift", "agreement_drift", "low_agreement", "severity", "mad"]
    if reviewers.empty:
        return pd.DataFrame(columns=columns)
    table = reviewers.set_index("reviewer_id")
    median_mad = float(table["mad"].median())
    sev_months = _flagged_months(monthly, "severity_flag", persistence)
    agr_months = _flagged_months(monthly, "agreement_flag", persistence)
    rows = []
    for reviewer_id, row in table.iterrows():
        reasons, marks = [], dict.fromkeys(columns[4:10], False)
        if row["flag"]:
            marks["fit"] = True
            reasons.append(f"{row['flag']} ratings (infit mean-square {row['infit_mnsq']:.2f}, productive band "
                           f"{FIT_BAND.too_predictable_below}-{FIT_BAND.erratic_above})")
        if row["ci_low"] > severity_margin:
            marks["harsh"] = True
            reasons.append(f"harsher than the average reviewer (severity {row['severity']:+.2f} logits, "
                           f"95% interval {row['ci_low']:+.2f} to {row['ci_high']:+.2f}, beyond +{severity_margin})")
        elif row["ci_high"] < -severity_margin:
            marks["lenient"] = True
            reasons.append(f"softer than the average reviewer (severity {row['severity']:+.2f} logits, "
                           f"95% interval {row['ci_low']:+.2f} to {row['ci_high']:+.2f}, beyond -{severity_margin})")
        if reviewer_id in sev_months:
            marks["severity_drift"] = True
            reasons.append(f"severity drifted {sev_months[reviewer_id]}")
        if reviewer_id in agr_months:
            marks["agreement_drift"] = True
            reasons.append(f"agreement with peers worsened {agr_months[reviewer_id]}")
        if pd.notna(row["mad"]) and row["mad"] > median_mad + agreement_margin:
            marks["low_agreement"] = True
            reasons.append(f"far from peers ({row['mad']:.2f} rating points on average vs the panel's median "
                           f"{median_mad:.2f})")
        if reasons:
            rows.append((reviewer_id, row["reviewer"], "; ".join(reasons), len(reasons), *marks.values(),
                         row["severity"], row["mad"]))
    out = pd.DataFrame(rows, columns=columns)
    if out.empty:
        return out
    order = out.assign(size=out["severity"].abs()).sort_values(["n_reasons", "size"], ascending=[False, False])
    return order.drop(columns="size").reset_index(drop=True)


def _flagged_months(monthly: pd.DataFrame, column: str, persistence: int) -> dict[Hashable, str]:
    """Reviewer -> their flagged months in words, for reviewers with ``persistence`` or more of them
    (severity: counted per direction), e.g. "harsher in Mar 2026, Apr 2026"."""
    if monthly.empty or column not in monthly:
        return {}
    hits = monthly[monthly[column].astype(bool)].sort_values(["reviewer_id", "month"])
    directions = hits["direction"] if column == "severity_flag" and "direction" in hits else [""] * len(hits)
    months: dict[tuple[Hashable, str], list[str]] = {}
    for reviewer_id, month, direction in zip(hits["reviewer_id"], hits["month"], directions):
        months.setdefault((reviewer_id, direction), []).append(pd.Timestamp(month).strftime("%b %Y"))
    words: dict[Hashable, list[str]] = {}
    for (reviewer_id, direction), labels in months.items():
        if len(labels) < persistence:
            continue
        listed = ", ".join(labels) if len(labels) <= 4 else f"{len(labels)} months, {labels[0]} to {labels[-1]}"
        words.setdefault(reviewer_id, []).append(f"{direction} in {listed}" if direction else f"in {listed}")
    return {reviewer_id: "; ".join(parts) for reviewer_id, parts in words.items()}


def pick_reference(application_ids: Sequence[int], n: int, seed: int) -> list[int]:
    """Draw ``n`` distinct reference applications at random, reproducibly from ``seed``.

    Examples
    --------
    >>> pick_reference(range(100), 3, seed=1) == pick_reference(range(100), 3, seed=1)
    True
    >>> len(pick_reference([5, 6], 10, seed=0))
    2
    """
    pool = np.unique(np.asarray(list(application_ids), dtype=np.int64))
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n}")
    chosen = np.random.default_rng(seed).choice(pool, size=min(n, pool.size), replace=False)
    return sorted(int(i) for i in chosen)
