"""Retention of clients (past their first 3 months) and of placements (at 90 days).

Both are time-to-event questions with right-censoring: a client signed six weeks before the as-of
date has neither stayed past 3 months nor left. Such a client is *censored*: left out of the
retention share (and counted separately), and carried in the Kaplan-Meier curves only while it is
observed.

Outcome per subject, with ``stop`` the day observation ends (the event, an end that is not an
event, or ``as_of``, whichever is first) and ``mark`` the end of the horizon:

* ``lost``: the event happened on or before ``mark``;
* ``retained``: still observed after ``mark`` (``stop > mark``);
* ``censored``: anything else (too young, or ended for a reason that is not the event).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from scoring.stats.intervals import wilson_interval

CiMethod = Literal["linear", "log-log"]
CI_METHODS: tuple[str, ...] = ("linear", "log-log")


@dataclass(frozen=True)
class Horizon:
    """How long a subject must stay to count as retained, and where the figure comes from."""

    key: str
    label: str
    length: int
    unit: Literal["months", "days"]
    source: str

    def mark(self, start: pd.Series) -> pd.Series:
        """The last day of the horizon for each start date (calendar months roll like dates)."""
        if self.unit == "months":
            return start + pd.DateOffset(months=self.length)
        return start + pd.Timedelta(days=self.length)


CLIENT_HORIZON = Horizon(
    "client_3_months", "client continues beyond its first 3 months", 3, "months",
    "Agency seed (F5 Hiring Solutions MLOps hiring guide): 95% client retention, measured as "
    "clients who continue beyond the first 3 months.",
)
PLACEMENT_HORIZON = Horizon(
    "placement_90_days", "placed engineer still in post 90 days after the first day", 90, "days",
    "No figure in the seeds; the quality signal behind the zero-cost replacement guarantee.",
)
#: End reasons that count as losing a placement; 'completed' and 'client_churned' ends censor it.
PLACEMENT_LOST_REASONS: tuple[str, ...] = ("not_a_fit", "engineer_left")

OUTCOME_COLUMNS = ("cohort", "mark", "stop", "t_days", "event", "outcome")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}")


def _outcomes(frame: pd.DataFrame, start: pd.Series, end: pd.Series, event_end: pd.Series,
              horizon: Horizon, as_of) -> pd.DataFrame:
    """Shared core: ``end`` is when the subject ended (or NaT), ``event_end`` whether that end is
    the event; ends after ``as_of`` are not yet known and treated as no end."""
    as_of = pd.Timestamp(as_of)
    known_end = end.notna() & (end <= as_of)
    stop = end.where(known_end, as_of)
    out = frame.assign(
        cohort=start.dt.to_period("Q").astype(str),
        mark=horizon.mark(start),
        stop=stop,
        t_days=(stop - start).dt.days.astype("int64"),
        event=(known_end & event_end).astype(bool),
    )
    lost = out["event"] & (out["stop"] <= out["mark"])
    retained = out["stop"] > out["mark"]
    out["outcome"] = np.select([lost, retained], ["lost", "retained"], "censored")
    return out[start <= as_of].reset_index(drop=True)


def client_outcomes(clients: pd.DataFrame, as_of, horizon: Horizon = CLIENT_HORIZON) -> pd.DataFrame:
    """Each client's retention outcome past its first months, right-censored at ``as_of``.

    Parameters
    ----------
    clients : pandas.DataFrame
        ``client_id``, ``signed_on``, ``churned_on`` (missing while active); other columns pass
        through.
    as_of : date-like
        Observation date. Clients signed after it are dropped; churn after it is not yet known.
    horizon : Horizon, default :data:`CLIENT_HORIZON` (3 calendar months)

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``cohort`` (quarter of ``signed_on``, e.g. '2025Q1'), ``mark``
        (``signed_on`` + horizon), ``stop`` (churn date or ``as_of``), ``t_days``
        (``stop - signed_on`` in days), ``event`` (churned by ``as_of``) and ``outcome``
        ('retained', 'lost' or 'censored').

    Examples
    --------
    >>> clients = pd.DataFrame({
    ...     "client_id": [1, 2, 3],
    ...     "signed_on": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-05-15"]),
    ...     "churned_on": pd.to_datetime(["2025-02-10", None, None]),
    ... })
    >>> client_outcomes(clients, "2025-06-30")["outcome"].tolist()
    ['lost', 'retained', 'censored']
    """
    _require(clients, ("client_id", "signed_on", "churned_on"), "clients")
    start = pd.to_datetime(clients["signed_on"])
    end = pd.to_datetime(clients["churned_on"])
    return _outcomes(clients, start, end, pd.Series(True, index=clients.index), horizon, as_of)


def placement_outcomes(
    placements: pd.DataFrame,
    as_of,
    horizon: Horizon = PLACEMENT_HORIZON,
    lost_reasons: tuple[str, ...] = PLACEMENT_LOST_REASONS,
) -> pd.DataFrame:
    """Each placement's retention outcome at 90 days from its first day, censored at ``as_of``.

    Parameters
    ----------
    placements : pandas.DataFrame
        ``placement_id``, ``first_day``, ``ended_on``, ``end_reason``; other columns pass through.
    as_of : date-like
        Observation date; placements not started by then are dropped.
    horizon : Horizon, default :data:`PLACEMENT_HORIZON` (90 days)
    lost_reasons : tuple of str, default :data:`PLACEMENT_LOST_REASONS`
        End reasons that are the event; an end for any other reason censors the placement.

    Returns
    -------
    pandas.DataFrame
        As :func:`client_outcomes`, with ``cohort`` the quarter of ``first_day``.

    Examples
    --------
    >>> placements = pd.DataFrame({
    ...     "placement_id": [1, 2, 3],
    ...     "first_day": pd.to_datetime(["2025-01-01"] * 3),
    ...     "ended_on": pd.to_datetime(["2025-02-01", "2025-02-01", None]),
    ...     "end_reason": ["not_a_fit", "completed", None],
    ... })
    >>> placement_outcomes(placements, "2025-06-30")["outcome"].tolist()
    ['lost', 'censored', 'retained']
    """
    _require(placements, ("placement_id", "first_day", "ended_on", "end_reason"), "placements")
    start = pd.to_datetime(placements["first_day"])
    end = pd.to_datetime(placements["ended_on"])
    is_event = placements["end_reason"].isin(lost_reasons)
    return _outcomes(placements, start, end, is_event, horizon, as_of)


def retention_share(outcomes: pd.DataFrame, by: str | list[str] | None = None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Share retained among subjects whose outcome is known, with a Wilson interval.

    ``share = retained / (retained + lost)``; censored subjects are counted in ``censored`` and
    excluded from the share.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``retained``, ``lost``, ``censored``, ``share``, ``ci_low``,
        ``ci_high`` (``NaN`` share and bounds where nothing is known yet). One row without ``by``.

    Examples
    --------
    >>> outcomes = pd.DataFrame({"outcome": ["retained"] * 19 + ["lost", "censored"]})
    >>> row = retention_share(outcomes).iloc[0]
    >>> int(row["retained"]), int(row["lost"]), int(row["censored"]), float(row["share"])
    (19, 1, 1, 0.95)
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    flags = pd.DataFrame({kind: outcomes["outcome"].eq(kind) for kind in ("retained", "lost", "censored")})
    if keys:
        counts = flags.groupby([outcomes[k] for k in keys], dropna=False, sort=True).sum()
    else:
        counts = flags.sum().to_frame().T
    counts = counts.astype("int64")
    known = counts["retained"] + counts["lost"]
    counts["share"] = counts["retained"] / known.where(known > 0)
    counts["ci_low"], counts["ci_high"] = wilson_interval(counts["retained"], known, confidence)
    return counts.reset_index(drop=not keys)


def _curve(t_days: np.ndarray, event: np.ndarray, confidence: float, ci_method: str) -> pd.DataFrame:
    """Kaplan-Meier estimate of one group, with a leading t = 0 row when nothing happens at 0."""
    data = stats.CensoredData(uncensored=t_days[event], right=t_days[~event])
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined where S is 0 or 1: set below
        band = sf.confidence_interval(confidence_level=confidence, method=ci_method)
    times = sf.quantiles
    survival = sf.probabilities
    low, high = band.low.probabilities.copy(), band.high.probabilities.copy()
    flat = (survival == 1.0) | (survival == 0.0)  # no spread: variance is zero at S = 1 and S = 0
    low[flat], high[flat] = survival[flat], survival[flat]
    days = times.astype("int64")
    curve = pd.DataFrame({"t_days": days, "survival": survival, "ci_low": low, "ci_high": high})
    curve["at_risk"] = len(t_days) - np.searchsorted(np.sort(t_days), days, side="left")  # t_days >= t
    curve["events"] = np.bincount(t_days[event], minlength=days.max() + 1)[days]
    if days[0] > 0:
        start = {"t_days": 0, "survival": 1.0, "ci_low": 1.0, "ci_high": 1.0,
                 "at_risk": len(t_days), "events": 0}
        curve = pd.concat([pd.DataFrame([start]), curve], ignore_index=True)
    return curve


def survival_curves(
    outcomes: pd.DataFrame,
    by: str | None = "cohort",
    confidence: float = 0.95,
    ci_method: CiMethod = "log-log",
) -> pd.DataFrame:
    """Kaplan-Meier survival (still a client / still placed) by cohort, as a tidy frame.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        From :func:`client_outcomes` or :func:`placement_outcomes` (columns ``t_days``, ``event``
        and the ``by`` column).
    by : str or None, default 'cohort'
        Column naming the curves; ``None`` gives one curve labelled 'all'.
    confidence : float, default 0.95
        Pointwise confidence level.
    ci_method : {'log-log', 'linear'}, default 'log-log'
        Greenwood variance on the log(-log S) scale (stays inside [0, 1]) or on S itself.

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``t_days``, ``survival``, ``ci_low``, ``ci_high``, ``at_risk`` (subjects with
        ``t_days >= t``), ``events`` (events at ``t``): one row per distinct time, event or
        censoring, plus a first row at ``t_days = 0``. Survival is a step function, right-continuous.

    Notes
    -----
    :math:`\\hat S(t) = \\prod_{t_i \\le t} (1 - d_i / n_i)` with :math:`d_i` events and
    :math:`n_i` at risk at :math:`t_i`; a subject censored at :math:`t_i` is still at risk there
    (Kaplan & Meier, 1958, JASA 53:457-481). Computed by ``scipy.stats.ecdf`` on
    ``scipy.stats.CensoredData`` (right-censored). Where :math:`\\hat S` is 1 or 0 the interval is
    that point. :math:`\\hat S(90)` of placements estimates the 90-day retention share without
    dropping young placements.

    Examples
    --------
    >>> outcomes = pd.DataFrame({"t_days": [1, 2, 3], "event": [True, False, True]})
    >>> curve = survival_curves(outcomes, by=None)
    >>> curve["t_days"].tolist(), curve["survival"].round(4).tolist(), curve["at_risk"].tolist()
    ([0, 1, 2, 3], [1.0, 0.6667, 0.6667, 0.0], [3, 3, 2, 1])
    """
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method must be one of {CI_METHODS}, got {ci_method!r}")
    labels = outcomes[by] if by is not None else pd.Series("all", index=outcomes.index)
    columns = ["cohort", "t_days", "survival", "ci_low", "ci_high", "at_risk", "events"]
    curves = []
    for label, rows in outcomes.groupby(labels, sort=True).groups.items():
        group = outcomes.loc[rows]
        t_days, event = group["t_days"].to_numpy("int64"), group["event"].to_numpy(bool)
        curve = _curve(t_days, event, confidence, ci_method)
        curves.append(curve.assign(cohort=label))
    if not curves:
        return pd.DataFrame(columns=columns)
    return pd.concat(curves, ignore_index=True)[columns]
