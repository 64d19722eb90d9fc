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

import numpy as np
import pandas as pd

from scoring.domain.promises import CLIENT_HORIZON, PLACEMENT_HORIZON, PLACEMENT_LOST_REASONS, Horizon
from scoring.stats.intervals import wilson_interval


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}")


def _horizon_end(horizon: Horizon, start: pd.Series) -> pd.Series:
    """The last day of the horizon for each start date (calendar months roll like dates)."""
    if horizon.unit == "months":
        return start + pd.DateOffset(months=horizon.length)
    return start + pd.Timedelta(days=horizon.length)


def _outcomes(frame: pd.DataFrame, start: pd.Series, end: pd.Series, event_end: pd.Series,
              horizon: Horizon, as_of) -> pd.DataFrame:
    """Shared core: ``end`` is when the subject ended (or NaT), ``event_end`` whether that end is
    the event; ends after ``as_of`` are not yet known and treated as no end."""
    as_of = pd.Timestamp(as_of)
    known_end = end.notna() & (end <= as_of)
    stop = end.where(known_end, as_of)
    out = frame.assign(
        cohort=start.dt.to_period("Q").astype(str),
        mark=_horizon_end(horizon, start),
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
    horizon : Horizon, default :data:`scoring.domain.promises.CLIENT_HORIZON` (3 calendar months)

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
    """Each placement's retention outcome at the horizon from its first day, censored at ``as_of``.

    Parameters
    ----------
    placements : pandas.DataFrame
        ``placement_id``, ``first_day``, ``ended_on``, ``end_reason``; other columns pass through.
    as_of : date-like
        Observation date; placements not started by then are dropped.
    horizon : Horizon, default :data:`scoring.domain.promises.PLACEMENT_HORIZON` (90 days)
    lost_reasons : tuple of str, default :data:`scoring.domain.promises.PLACEMENT_LOST_REASONS`
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
