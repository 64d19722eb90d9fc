"""How good a set of probability forecasts was, once the outcomes are known.

Two checks of forecasts of a yes/no event: the Brier score (one number: the mean squared distance
between each forecast and what happened) and a calibration table (forecasts grouped by size, each
group's mean forecast beside the share of events observed in it, each with its interval). Nothing here
knows what was forecast; :mod:`scoring.agency.risk` forecasts breaches of the agency's promises.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from scoring.stats.intervals import wilson_interval

__all__ = ["brier_score", "calibration_table"]


def _checked(forecast: ArrayLike, outcome: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(forecast, dtype=float).reshape(-1)
    y = np.asarray(outcome, dtype=float).reshape(-1)
    if p.shape != y.shape:
        raise ValueError(f"forecast has {p.size} values, outcome {y.size}")
    if np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise ValueError("every forecast must be a probability between 0 and 1")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("every outcome must be 0 or 1 (False or True)")
    return p, y


def brier_score(forecast: ArrayLike, outcome: ArrayLike) -> float:
    """Mean squared difference between forecast probabilities and what happened (0 or 1).

    Parameters
    ----------
    forecast : array-like of float, shape (n,)
        Forecast probability of the event, each in [0, 1].
    outcome : array-like of bool, shape (n,)
        Whether the event happened.

    Returns
    -------
    float
        :math:`\\frac{1}{n} \\sum_i (p_i - y_i)^2`, from 0 (certain and right every time) to 1
        (certain and wrong every time); ``NaN`` for no forecasts. Always forecasting the observed
        share :math:`\\bar y` scores :math:`\\bar y (1 - \\bar y)`: a useful forecast scores less.

    References
    ----------
    .. [1] Brier, G. W. (1950). Verification of forecasts expressed in terms of probability.
       Monthly Weather Review, 78(1), 1-3.

    Examples
    --------
    >>> round(brier_score([0.9, 0.2, 0.5], [True, False, True]), 4)  # (0.01 + 0.04 + 0.25) / 3
    0.1
    """
    p, y = _checked(forecast, outcome)
    return float(np.mean((p - y) ** 2)) if p.size else float("nan")


def calibration_table(forecast: ArrayLike, outcome: ArrayLike, bins: int = 10,
                      confidence: float = 0.95, clusters: ArrayLike | None = None,
                      forecast_se: ArrayLike | None = None) -> pd.DataFrame:
    """Forecasts in ``bins`` groups of equal size by rank, each group's mean forecast against the
    share of events observed in it.

    Parameters
    ----------
    forecast : array-like of float, shape (n,)
        Forecast probabilities, each in [0, 1].
    outcome : array-like of bool, shape (n,)
        Whether the event happened.
    bins : int, default 10
        Number of groups (10: deciles). Forecasts are ranked (ties in input order) and cut into
        groups whose sizes differ by at most one.
    confidence : float, default 0.95
        Level of the Wilson interval of each observed share.
    clusters : array-like, shape (n,), optional
        The subject each forecast is about, when a subject is forecast several times and all its
        forecasts share one outcome. Each group's interval then counts Kish's effective sample size
        instead of its forecasts (see Notes).
    forecast_se : array-like of float, shape (n,), optional
        The standard error of each forecast, when the forecasts are themselves estimates (from a sample of
        past cases): how far each could be from the probability it estimates. Each group's mean forecast
        then has an interval too, and the two are compared (see Notes). Without it the forecasts are taken
        as exact.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty group: ``bin`` (1 for the smallest forecasts), ``n``, ``low`` and
        ``high`` (the smallest and largest forecast in it), ``predicted`` (mean forecast),
        ``events``, ``observed`` (``events / n``), ``effective_n`` (``n`` without ``clusters``),
        ``ci_low`` and ``ci_high`` (the observed share's interval), ``spread`` (the mean forecast's standard
        error: the mean of ``forecast_se`` in the group, 0 without it), ``predicted_low`` and
        ``predicted_high`` (``predicted`` plus or minus ``z`` times ``spread``, within 0-1) and ``agrees``
        (predicted and observed do not differ beyond their combined uncertainty; without ``forecast_se``:
        ``predicted`` inside the observed share's interval).

    Notes
    -----
    A well calibrated forecaster's events happen as often as it said: ``observed`` close to
    ``predicted`` in every group (the reliability diagram of Murphy & Winkler). The Wilson interval
    treats the forecasts of a group as independent. Forecasts of one subject sharing its outcome are
    not: with :math:`m_j` forecasts of subject :math:`j` in a group, the interval is taken at Kish's
    effective size :math:`n_\\text{eff} = (\\sum_j m_j)^2 / \\sum_j m_j^2` (the design effect of
    clusters whose members agree completely), with the observed share unchanged.

    A forecast estimated from a sample is off by its own sampling error, and ranking forecasts into
    groups sorts by that error too: the lowest group gathers the forecasts that came out too low by
    chance, the highest those too high, so even forecasts right on average look miscalibrated at both
    ends when they are taken as exact. With ``forecast_se`` the comparison counts both errors: a group
    agrees when :math:`|\\text{observed} - \\text{predicted}|` is within
    :math:`\\sqrt{h^2 + (z \\cdot \\text{spread})^2}`, with :math:`h` the Wilson half-width on the side of
    the observed share the mean forecast lies on (two estimates compared, each with its own error).
    ``spread`` is the mean of the group's standard errors, not that mean divided by the square root of
    their number: forecasts made from nearly the same history share most of their error, so it does not
    average out within a group.

    References
    ----------
    .. [1] Murphy, A. H., & Winkler, R. L. (1977). Reliability of subjective probability forecasts of
       precipitation and temperature. Journal of the Royal Statistical Society C, 26(1), 41-47.
    .. [2] Kish, L. (1965). Survey Sampling. Wiley (effective sample size, section 8.2).
    .. [3] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
       JASA, 22(158), 209-212.
    .. [4] Bröcker, J., & Smith, L. A. (2007). Increasing the reliability of reliability diagrams.
       Weather and Forecasting, 22(3), 651-661 (what sampling does to a reliability diagram).

    Examples
    --------
    >>> table = calibration_table([0.1, 0.1, 0.2, 0.8, 0.9, 0.9], [0, 0, 1, 1, 1, 1], bins=2)
    >>> table[["bin", "n", "predicted", "observed"]].round(3).values.tolist()
    [[1.0, 3.0, 0.133, 0.333], [2.0, 3.0, 0.867, 1.0]]
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    p, y = _checked(forecast, outcome)
    columns = ["bin", "n", "low", "high", "predicted", "events", "observed", "effective_n", "ci_low", "ci_high",
               "spread", "predicted_low", "predicted_high", "agrees"]
    if not p.size:
        return pd.DataFrame(columns=columns)
    rank = np.empty(p.size, dtype=int)
    rank[np.argsort(p, kind="stable")] = np.arange(p.size)
    se = np.zeros(p.size) if forecast_se is None else np.asarray(forecast_se, dtype=float).reshape(-1)
    if se.shape != p.shape:
        raise ValueError(f"forecast_se has {se.size} values, forecast {p.size}")
    if np.isnan(se).any() or (se < 0).any():
        raise ValueError("every forecast_se must be a standard error: 0 or more")
    frame = pd.DataFrame({"bin": rank * bins // p.size + 1, "p": p, "y": y, "se": se})
    table = frame.groupby("bin").agg(n=("p", "size"), low=("p", "min"), high=("p", "max"),
                                     predicted=("p", "mean"), events=("y", "sum"),
                                     spread=("se", "mean")).reset_index()
    table["events"] = table["events"].astype(int)
    table["observed"] = table["events"] / table["n"]
    if clusters is None:
        table["effective_n"] = table["n"].astype(float)
    else:
        ids = np.asarray(clusters).reshape(-1)
        if ids.shape != p.shape:
            raise ValueError(f"clusters has {ids.size} values, forecast {p.size}")
        sizes = frame.assign(cluster=ids).groupby(["bin", "cluster"]).size()
        squares = (sizes ** 2).groupby(level="bin").sum()
        table["effective_n"] = (table["n"] ** 2 / table["bin"].map(squares)).to_numpy(float)
    low, high = wilson_interval(table["observed"].to_numpy() * table["effective_n"].to_numpy(),
                                table["effective_n"].to_numpy(), confidence)
    table["ci_low"], table["ci_high"] = low, high
    reach = float(stats.norm.ppf(0.5 + confidence / 2)) * table["spread"]
    table["predicted_low"] = (table["predicted"] - reach).clip(lower=0.0)
    table["predicted_high"] = (table["predicted"] + reach).clip(upper=1.0)
    observed = table["observed"]
    below = np.hypot(observed - table["ci_low"], reach)       # for a forecast under the observed share
    above = np.hypot(table["ci_high"] - observed, reach)
    table["agrees"] = (table["predicted"] >= observed - below) & (table["predicted"] <= observed + above)
    return table[columns]
