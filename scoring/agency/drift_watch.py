"""The drift watch: each reviewer's severity on each dimension, month by month, on an EWMA chart.

Where :func:`scoring.agency.calibration.severity_drift` compares a reviewer's whole-scorecard severity
each month with a threshold, the watch charts it per dimension and accumulates evidence over months:

1. :func:`dimension_severity_by_month` estimates a severity for every reviewer, dimension and month
   from the many-facet Rasch model (:func:`scoring.stats.severity.severity_by_period` with each
   reviewer-dimension as a rater element of its own, dimension difficulties and thresholds anchored
   at the whole fit), with its standard error, and measures it against that month's average
   reviewer on that dimension (:func:`scoring.agency.calibration.centre_by_period`).
2. :func:`watch` measures each month against the reviewer's own baseline on the dimension (the
   precision-weighted mean of their first :data:`WATCH_BASELINE_MONTHS` months with at least
   :data:`WATCH_MIN_RATINGS` ratings), in standard errors, and charts the later months with the EWMA
   of :mod:`scoring.stats.control_charts` (design :data:`scoring.stats.control_charts.EWMA_DESIGN`),
   its limits allowing for the baseline being an estimate too.
3. :func:`invitations` lists who crossed a limit in the last :data:`RECENT_MONTHS` months, for the next
   calibration session; :func:`new_crossings` what crossed since an earlier look, for the digest.

Why months: in the demo a reviewer submits about 34 take-home and 73 interview scorecards a month
(median; a tenth of reviewer-months under 25 and 61), one rating per dimension each, so most
reviewer-dimension-months clear the 20-rating minimum and give a standard error near 0.3 logits. A
quarter would be three times as precise but would tell of a drift up to three months later; the
EWMA already pools the months, weighting the newest most.

Nothing here reads a database or draws anything.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from scoring.agency.calibration import centre_by_period
from scoring.domain.thresholds import DRIFT_BASELINE_MONTHS, MIN_MONTH_RATINGS, Threshold
from scoring.stats.control_charts import EWMA_DESIGN, EwmaDesign, chart_arrays, standardized
from scoring.stats.severity import DEFAULT_TOL, SeverityFit, severity_by_period

__all__ = [
    "HARSHER",
    "RECENT_MONTHS",
    "SOFTER",
    "WATCH_BASELINE_MONTHS",
    "WATCH_COLUMNS",
    "WATCH_MIN_RATINGS",
    "WATCH_THRESHOLDS",
    "dimension_severity_by_month",
    "invitation_words",
    "invitations",
    "new_crossings",
    "watch",
    "with_invitations",
]

HARSHER: Final = "harsher"
SOFTER: Final = "softer"

WATCH_BASELINE_MONTHS: Final = int(DRIFT_BASELINE_MONTHS.value)
"""A reviewer's first months on a dimension (with enough ratings) form the chart's baseline: the same
count as the monthly severity drift."""

WATCH_MIN_RATINGS: Final = int(MIN_MONTH_RATINGS.value)
"""A reviewer-dimension-month with fewer ratings is not charted (its point is skipped)."""

RECENT_MONTHS: Final = Threshold(
    "Drift watch: recent crossings", 3, "months",
    "A reviewer whose EWMA chart on a dimension crossed a control limit in the last this many months of "
    "the chosen period is invited to the next calibration session.",
    "Agency policy: a quarter, the time between calibration sessions; an older crossing has either "
    "been discussed or the chart has come back inside its limits.")

EWMA_THRESHOLD: Final = Threshold(
    "Drift watch: EWMA weight and limit width", EWMA_DESIGN.width, "standard deviations of the EWMA",
    f"Each month's severity on a dimension, minus the reviewer's baseline on it, in standard errors, is "
    f"smoothed with weight {EWMA_DESIGN.lam:g} for the newest month; the chart crosses at "
    f"{EWMA_DESIGN.width:g} of the smoothed value's standard deviations (exact, time-varying limits, "
    f"widened for the baseline's own error). In control, a false crossing comes about once in "
    f"{EWMA_DESIGN.arl_in_control:.0f} months per chart; a shift of two standard errors is caught in about "
    f"{dict(EWMA_DESIGN.arl_shifted)[2.0]:g} months.",
    EWMA_DESIGN.source)

WATCH_THRESHOLDS: Final[tuple[Threshold, ...]] = (EWMA_THRESHOLD, RECENT_MONTHS)
"""The watch's numbers, for the calibration page's table of thresholds."""

WATCH_COLUMNS: Final = ["reviewer_id", "dimension_id", "month", "severity", "se", "n_ratings", "charted",
                        "in_baseline", "baseline", "baseline_se", "z", "statistic", "limit", "crossed",
                        "direction"]
"""The columns of :func:`watch`."""

_SEVERITY_COLUMNS: Final = ["reviewer_id", "dimension_id", "month", "severity", "se", "ci_low", "ci_high",
                            "n_ratings"]
_Z95: Final = 1.959963984540054          # two-sided 95% normal quantile
_KEY_STRIDE: Final = 16    # reviewer_id * 16 + dimension_id: one rater element per reviewer-dimension


def dimension_severity_by_month(ratings: pd.DataFrame, fit: SeverityFit, *, tol: float = DEFAULT_TOL,
                                min_ratings: int = WATCH_MIN_RATINGS) -> pd.DataFrame:
    """Each reviewer's severity on each dimension, month by month, against that month's average reviewer.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Live ratings: ``application_id``, ``reviewer_id``, ``dimension_id`` (below 16), ``rating`` and
        ``month`` (any day of the month).
    fit : SeverityFit
        The whole fit of these ratings (:func:`scoring.stats.severity.fit_severity`): dimension
        difficulties and thresholds are anchored at its values.
    tol : float
        Convergence tolerance of the monthly estimation (logits).
    min_ratings : int
        Reviewer-dimension-months with at least this many ratings form each month's average
        reviewer on the dimension (:func:`scoring.agency.calibration.centre_by_period`).

    Returns
    -------
    pandas.DataFrame
        One row per reviewer, dimension and month with ratings: ``reviewer_id``, ``dimension_id``,
        ``month`` (first day, a timestamp), ``severity`` (logits, positive = harsher than that month's
        average reviewer on the dimension), ``se`` (the "real" standard error, see Notes), ``ci_low``,
        ``ci_high`` (95%), ``n_ratings``.

    Notes
    -----
    Every reviewer-dimension-month is a rater element ``C_rdm`` of the rating-scale model, with the
    applications re-estimated, so a reviewer who drifts on one dimension is not mistaken for a change
    in the candidates they rated. A shift of every reviewer on a dimension in one month cannot be told
    from that month's candidates being stronger or weaker on it, so each dimension-month's average
    reviewer is fixed at 0; the standard errors are the model's, before that centring.

    Where a reviewer's ratings on a dimension in a month vary more than the model expects (infit
    mean-square above 1, as Governance's do, whose anchors leave most to judgement), the model's
    standard error is too small and their months would scatter past it; the error used is then the
    model's times the square root of the infit mean-square, the "real" standard error of Linacre's
    Winsteps and Facets (``REALSE=``; J. M. Linacre, *A User's Guide to Winsteps*, "Standard errors:
    model and real").
    """
    if ratings.empty:
        return pd.DataFrame(columns=_SEVERITY_COLUMNS)
    if int(ratings["dimension_id"].max()) >= _KEY_STRIDE:
        raise ValueError(f"dimension ids must be below {_KEY_STRIDE}")
    keyed = ratings.assign(reviewer_id=ratings["reviewer_id"].astype(np.int64) * _KEY_STRIDE
                           + ratings["dimension_id"].astype(np.int64))
    periods = severity_by_period(keyed, fit, time_column="month", freq="M", tol=tol)
    if periods.empty:
        return pd.DataFrame(columns=_SEVERITY_COLUMNS)
    key = periods["reviewer_id"].astype(np.int64)
    # Linacre's "real" standard error: the model's, widened by the square root of an infit mean-square above 1.
    widen = np.sqrt(np.maximum(periods["infit_mnsq"].to_numpy(dtype=np.float64), 1.0))
    se = periods["se"].to_numpy(dtype=np.float64) * np.where(np.isfinite(widen), widen, 1.0)
    periods = periods.assign(reviewer_id=key // _KEY_STRIDE, dimension_id=key % _KEY_STRIDE, se=se,
                             ci_low=periods["severity"] - _Z95 * se, ci_high=periods["severity"] + _Z95 * se)
    centred = pd.concat([centre_by_period(part, min_ratings) for _, part in periods.groupby("dimension_id")],
                        ignore_index=True)
    centred["month"] = centred["period"].dt.to_timestamp()
    return (centred.sort_values(["reviewer_id", "dimension_id", "month"], kind="stable")
            .reset_index(drop=True)[_SEVERITY_COLUMNS])


def _one_chart(severity: np.ndarray, se: np.ndarray, n_ratings: np.ndarray, design: EwmaDesign,
               baseline_months: int, min_ratings: int) -> tuple[np.ndarray, ...]:
    """:func:`watch` for one reviewer and dimension, months in order: ``charted``, ``in_baseline``,
    ``baseline``, ``baseline_se``, ``z``, ``statistic``, ``limit``, ``crossed`` as arrays."""
    n = severity.size
    usable = (n_ratings >= min_ratings) & np.isfinite(se) & (se > 0) & np.isfinite(severity)
    in_baseline = usable & (np.cumsum(usable) <= baseline_months)
    after = usable & ~in_baseline
    nan = np.full(n, np.nan)
    if not after.any():
        return after, in_baseline, nan, nan, nan, nan, nan, np.zeros(n, dtype=np.int64)
    weights = 1.0 / se[in_baseline] ** 2
    baseline = float(np.sum(weights * severity[in_baseline]) / weights.sum())
    baseline_se = float(1.0 / np.sqrt(weights.sum()))
    z = np.where(after, standardized(severity, np.where(usable, se, np.nan), baseline), np.nan)
    first = int(np.argmax(after))
    statistic, limit, crossed = nan.copy(), nan.copy(), np.zeros(n, dtype=np.int64)
    statistic[first:], limit[first:], crossed[first:] = chart_arrays(
        z[first:], design.lam, design.width, se=se[first:], baseline_se=baseline_se)
    statistic[~after] = np.nan
    return (after, in_baseline, np.full(n, baseline), np.full(n, baseline_se), z, statistic, limit, crossed)


def watch(periods: pd.DataFrame, design: EwmaDesign = EWMA_DESIGN, *,
          baseline_months: int = WATCH_BASELINE_MONTHS, min_ratings: int = WATCH_MIN_RATINGS) -> pd.DataFrame:
    """An EWMA chart per reviewer and dimension of their monthly severity against their own baseline.

    Parameters
    ----------
    periods : pandas.DataFrame
        :func:`dimension_severity_by_month` (``reviewer_id``, ``dimension_id``, ``month``,
        ``severity``, ``se``, ``n_ratings``).
    design : EwmaDesign
        ``lambda`` and ``L`` (default :data:`scoring.stats.control_charts.EWMA_DESIGN`).
    baseline_months : int
        The reviewer's first months on the dimension with at least ``min_ratings`` ratings form the
        baseline; they are not charted.
    min_ratings : int
        A month with fewer ratings is skipped: no point, the chart carries over.

    Returns
    -------
    pandas.DataFrame
        :data:`WATCH_COLUMNS`, one row per reviewer, dimension and month, sorted so: ``charted``
        (a point of the chart), ``in_baseline``, ``baseline`` (logits) and ``baseline_se``, ``z``
        (``(severity - baseline) / se``), ``statistic`` (the EWMA of ``z``), ``limit`` (its control
        limit, +/-), ``crossed`` (+1, -1 or 0) and ``direction`` (:data:`HARSHER`, :data:`SOFTER` or
        ``""``). A reviewer-dimension with no more usable months than the baseline has no chart.

    Examples
    --------
    >>> months = pd.date_range("2026-01-01", periods=6, freq="MS")
    >>> periods = pd.DataFrame({"reviewer_id": 7, "dimension_id": 2, "month": months,
    ...                         "severity": [0.0, 0.1, -0.1, 0.0, 1.3, 1.5], "se": 0.25, "n_ratings": 30})
    >>> watch(periods)["direction"].tolist()
    ['', '', '', '', 'harsher', 'harsher']
    """
    if baseline_months < 1:
        raise ValueError(f"baseline_months must be at least 1; got {baseline_months}")
    missing = {"reviewer_id", "dimension_id", "month", "severity", "se", "n_ratings"} - set(periods.columns)
    if missing:
        raise ValueError(f"watch needs the column(s) {', '.join(sorted(missing))}")
    if periods.empty:
        return pd.DataFrame(columns=WATCH_COLUMNS)
    out = periods.sort_values(["reviewer_id", "dimension_id", "month"], kind="stable").reset_index(drop=True)
    keys = out[["reviewer_id", "dimension_id"]].to_numpy()
    starts = np.flatnonzero(np.concatenate(([True], (keys[1:] != keys[:-1]).any(axis=1))))
    ends = np.append(starts[1:], len(out))
    severity = out["severity"].to_numpy(dtype=np.float64)
    se = out["se"].to_numpy(dtype=np.float64)
    n_ratings = out["n_ratings"].to_numpy(dtype=np.float64)
    parts = [_one_chart(severity[a:b], se[a:b], n_ratings[a:b], design, baseline_months, min_ratings)
             for a, b in zip(starts, ends, strict=True)]
    names = ["charted", "in_baseline", "baseline", "baseline_se", "z", "statistic", "limit", "crossed"]
    for i, name in enumerate(names):
        out[name] = np.concatenate([part[i] for part in parts])
    out["direction"] = np.where(out["crossed"] > 0, HARSHER, np.where(out["crossed"] < 0, SOFTER, ""))
    return out[WATCH_COLUMNS]


def invitations(charts: pd.DataFrame, last_month: object, recent: int = int(RECENT_MONTHS.value)) -> pd.DataFrame:
    """Reviewer-dimensions whose chart crossed a limit in the ``recent`` months up to ``last_month``.

    Parameters
    ----------
    charts : pandas.DataFrame
        :func:`watch`.
    last_month : date-like
        The newest month of the period watched.
    recent : int
        How many months, ``last_month`` included, count as recent.

    Returns
    -------
    pandas.DataFrame
        One row per reviewer and dimension that crossed: ``reviewer_id``, ``dimension_id``, ``month``
        (the newest crossing), ``direction`` of that crossing, ``statistic`` and ``limit`` there,
        ``months_crossed`` (recent months beyond a limit); largest ``statistic / limit`` first.

    Examples
    --------
    >>> charts = pd.DataFrame({"reviewer_id": [1, 1, 2], "dimension_id": [3, 3, 1],
    ...                        "month": pd.to_datetime(["2026-05-01", "2026-06-01", "2026-02-01"]),
    ...                        "statistic": [0.9, 1.1, -0.9], "limit": [0.8, 0.8, 0.8], "crossed": [1, 1, -1],
    ...                        "direction": ["harsher", "harsher", "softer"]})
    >>> invitations(charts, "2026-06-15")[["reviewer_id", "month", "months_crossed"]].values.tolist()
    [[1, Timestamp('2026-06-01 00:00:00'), 2]]
    """
    columns = ["reviewer_id", "dimension_id", "month", "direction", "statistic", "limit", "months_crossed"]
    if recent < 1:
        raise ValueError(f"recent must be at least 1 month; got {recent}")
    newest = pd.Timestamp(last_month).to_period("M")
    earliest = (newest - (recent - 1)).to_timestamp()
    hits = charts[(charts["crossed"] != 0) & (pd.to_datetime(charts["month"]) >= earliest)
                  & (pd.to_datetime(charts["month"]) <= newest.to_timestamp())]
    if hits.empty:
        return pd.DataFrame(columns=columns)
    hits = hits.sort_values(["reviewer_id", "dimension_id", "month"], kind="stable")
    grouped = hits.groupby(["reviewer_id", "dimension_id"], sort=False)
    latest = grouped.tail(1).set_index(["reviewer_id", "dimension_id"])
    latest["months_crossed"] = grouped.size()
    out = latest.reset_index()[columns]
    order = (out["statistic"].abs() / out["limit"]).sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def new_crossings(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """The crossings of the charts ``now`` that the charts ``before`` did not have.

    A crossing is a (reviewer, dimension, month, direction); a month that crossed before keeps its
    crossing when more ratings arrive and is not repeated, and a month that crosses the other way is new.

    Examples
    --------
    >>> row = {"reviewer_id": 1, "dimension_id": 2, "month": pd.Timestamp("2026-06-01"), "crossed": 1,
    ...        "direction": "harsher"}
    >>> now = pd.DataFrame([row, {**row, "month": pd.Timestamp("2026-07-01")}])
    >>> new_crossings(now, now.iloc[:1])["month"].dt.strftime("%b %Y").tolist()
    ['Jul 2026']
    """
    key = ["reviewer_id", "dimension_id", "month", "direction"]
    crossed = now[now["crossed"] != 0]
    if before.empty:
        return crossed.reset_index(drop=True)
    seen = set(before.loc[before["crossed"] != 0, key].itertuples(index=False, name=None))
    keep = [k not in seen for k in crossed[key].itertuples(index=False, name=None)]
    return crossed[keep].reset_index(drop=True)


def invitation_words(invited: pd.DataFrame, dimension_names: dict[int, str]) -> dict[int, str]:
    """Reviewer -> why the drift watch invites them, e.g. "harsher on Monitoring (Sep 2026)".

    ``invited`` is :func:`invitations`; a reviewer with several dimensions gets them all, in its order.

    Examples
    --------
    >>> invited = pd.DataFrame({"reviewer_id": [4, 4], "dimension_id": [3, 5], "direction": ["harsher", "softer"],
    ...                         "month": pd.to_datetime(["2026-09-01", "2026-08-01"])})
    >>> invitation_words(invited, {3: "Monitoring", 5: "Governance"})
    {4: 'harsher on Monitoring (Sep 2026), softer on Governance (Aug 2026)'}
    """
    words: dict[int, list[str]] = {}
    for row in invited.itertuples():
        name = dimension_names.get(int(row.dimension_id), f"dimension {int(row.dimension_id)}")
        words.setdefault(int(row.reviewer_id), []).append(
            f"{row.direction} on {name} ({pd.Timestamp(row.month):%b %Y})")
    return {reviewer: ", ".join(parts) for reviewer, parts in words.items()}


def with_invitations(session: pd.DataFrame, invited: pd.DataFrame, reviewers: pd.DataFrame,
                     dimension_names: dict[int, str]) -> pd.DataFrame:
    """The calibration session list with the drift watch's invitations as one more reason.

    Parameters
    ----------
    session : pandas.DataFrame
        :func:`scoring.agency.calibration.session_list`.
    invited : pandas.DataFrame
        :func:`invitations`.
    reviewers : pandas.DataFrame
        ``reviewer_id``, ``reviewer`` (name), ``severity`` and ``mad`` of every reviewer, for those
        the watch adds to the list.
    dimension_names : dict
        Dimension id -> name.

    Returns
    -------
    pandas.DataFrame
        ``session`` with a boolean ``drift_watch`` column; an invited reviewer already on the list gets
        the reason added (and one more in ``n_reasons``), one who was not joins it; most reasons first,
        then the largest severity.
    """
    out = session.assign(drift_watch=False)
    words = invitation_words(invited, dimension_names)
    if not words:
        return out
    reason = "EWMA chart of severity crossed a control limit in the last {months}: {what}"
    months = f"{int(RECENT_MONTHS.value)} months"
    listed = set(out["reviewer_id"].astype(int)) if len(out) else set()
    for reviewer_id, what in words.items():
        text = reason.format(months=months, what=what)
        if reviewer_id in listed:
            at = out.index[out["reviewer_id"].astype(int) == reviewer_id]
            out.loc[at, "reasons"] = out.loc[at, "reasons"] + "; " + text
            out.loc[at, "n_reasons"] = out.loc[at, "n_reasons"] + 1
            out.loc[at, "drift_watch"] = True
            continue
        known = reviewers[reviewers["reviewer_id"].astype(int) == reviewer_id]
        first = known.iloc[0] if len(known) else None
        row: dict[str, object] = {column: False for column in ("fit", "harsh", "lenient", "severity_drift",
                                                               "agreement_drift", "low_agreement")}
        row.update(reviewer_id=reviewer_id, reviewer=None if first is None else first["reviewer"], reasons=text,
                   n_reasons=1, severity=np.nan if first is None else first["severity"],
                   mad=np.nan if first is None else first["mad"], drift_watch=True)
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True) if len(out) else pd.DataFrame([row])
    out = out.reindex(columns=[*session.columns, "drift_watch"]) if len(session.columns) else out
    order = out.assign(size=pd.to_numeric(out["severity"], errors="coerce").abs().fillna(0.0)).sort_values(
        ["n_reasons", "size"], ascending=[False, False], kind="stable")
    return order.drop(columns="size").reset_index(drop=True)
