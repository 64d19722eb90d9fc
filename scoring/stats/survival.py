"""Kaplan-Meier survival of right-censored times, as tidy frames.

A subject's time runs from its start to its event or, when the event has not (yet) happened, to
the day it stops being observed: it is *censored* then, and counts as at risk up to that day only.
The estimate and its Greenwood intervals are scipy's (``scipy.stats.ecdf`` on
``scipy.stats.CensoredData``); this module lays them out one row per distinct time, with the
numbers at risk and the events, for charts and evidence tables.

Nothing here knows what the subjects are; :mod:`scoring.agency.retention` makes clients and
placements into times and events.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["CI_METHODS", "CiMethod", "kaplan_meier", "survival_curves"]

CiMethod = Literal["linear", "log-log"]
CI_METHODS: tuple[str, ...] = ("linear", "log-log")


def kaplan_meier(t_days: ArrayLike, event: ArrayLike, confidence: float = 0.95,
                 ci_method: CiMethod = "log-log") -> pd.DataFrame:
    """Kaplan-Meier estimate of one group of right-censored times, with pointwise intervals.

    Parameters
    ----------
    t_days : array-like of int, shape (n,)
        Whole days from each subject's start to its event or censoring.
    event : array-like of bool, shape (n,)
        True where the time is an event, False where the subject was censored then.
    confidence : float, default 0.95
        Pointwise confidence level.
    ci_method : {'log-log', 'linear'}, default 'log-log'
        Greenwood variance on the log(-log S) scale (stays inside [0, 1]) or on S itself.

    Returns
    -------
    pandas.DataFrame
        ``t_days``, ``survival``, ``ci_low``, ``ci_high``, ``at_risk``, ``events``: one row per
        distinct time, with a leading ``t_days = 0`` row when nothing happens at 0.

    Notes
    -----
    See :func:`survival_curves`.

    Examples
    --------
    >>> kaplan_meier([1, 2, 3], [True, False, True])["survival"].round(4).tolist()
    [1.0, 0.6667, 0.6667, 0.0]
    """
    if ci_method not in CI_METHODS:
        raise ValueError(f"ci_method must be one of {CI_METHODS}, got {ci_method!r}")
    t_days = np.asarray(t_days, dtype="int64").reshape(-1)
    event = np.asarray(event, dtype=bool).reshape(-1)
    if t_days.shape != event.shape:
        raise ValueError(f"t_days has {t_days.size} values, event {event.size}")
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
    """Kaplan-Meier survival (for the agency: still a client, still placed) by group, as a tidy frame.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        One row per subject with ``t_days`` (whole days to the event or censoring), ``event``
        (bool) and the ``by`` column, e.g. :func:`scoring.agency.retention.client_outcomes`.
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

    References
    ----------
    .. [1] Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations.
       Journal of the American Statistical Association, 53(282), 457-481.
    .. [2] Greenwood, M. (1926). The natural duration of cancer. Reports on Public Health and Medical
       Subjects, 33, 1-26 (the variance behind the intervals).

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
        curve = kaplan_meier(t_days, event, confidence, ci_method)
        curves.append(curve.assign(cohort=label))
    if not curves:
        return pd.DataFrame(columns=columns)
    return pd.concat(curves, ignore_index=True)[columns]
