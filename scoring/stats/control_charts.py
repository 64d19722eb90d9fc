"""Exponentially weighted moving average (EWMA) control charts of standardized estimates.

A series of estimates ``x_1, x_2, ...`` (for instance one reviewer's severity on one dimension, month
by month) is watched for a move away from a baseline ``b``. Each estimate is standardized by its own
standard error,

.. math::

    z_t = \\frac{x_t - b}{s_t},

and the chart follows their exponentially weighted moving average, started at the target 0,

.. math::

    E_t = \\lambda z_t + (1 - \\lambda) E_{t-1}, \\qquad E_0 = 0,

so ``E_t = sum_j w_tj z_j`` with ``w_tj = lambda (1 - lambda)^(t - j)``. While nothing has moved, the
``z_t`` are independent standard normal and ``E_t`` has variance ``lambda / (2 - lambda) (1 - (1 -
lambda)^(2t))``; the chart crosses a limit at period ``t`` when

.. math::

    |E_t| > L \\sqrt{\\frac{\\lambda}{2 - \\lambda}\\left(1 - (1 - \\lambda)^{2t}\\right)},

the exact, time-varying limits of Roberts (1959) and Lucas & Saccucci (1990), narrower in the first
periods than the asymptotic ``L sqrt(lambda / (2 - lambda))``. A positive crossing means the estimates
moved above the baseline (for a severity: harsher), a negative one below.

An estimated baseline: when ``b`` is itself an estimate with standard error ``s_b`` (the mean of a
reviewer's first months, say), its error ``u = b - mu`` enters every ``z_t`` alike, as ``-u / s_t``;
the in-control variance of ``E_t`` is then

.. math::

    V_t = \\sum_j w_{tj}^2 + s_b^2 \\Big(\\sum_j \\frac{w_{tj}}{s_j}\\Big)^2,

and the limits are ``L sqrt(V_t)``. With ``s_b = 0`` (a known baseline) this is the formula above
exactly. Leaving the second term out would treat a baseline from three months as if it were known and
multiply false alarms many times over (Jones, Champ & Rigdon 2001 show how much an estimated in-control
mean shortens the in-control run length of an EWMA chart).

Periods without an estimate (``NaN``: too few ratings that month) are skipped: the statistic and the
period count ``t`` stay where they were, and the period has no point and no limit.

Design: :data:`EWMA_DESIGN`, ``lambda = 0.2`` and ``L = 2.962``, whose in-control average run length is
500 periods (Lucas & Saccucci 1990, Table 3) with a known baseline and the asymptotic limits;
:func:`ewma_arl` reproduces that figure by the Markov-chain method of Brook & Evans (1972), which
Lucas & Saccucci used, and computes it for the exact limits too (:data:`EWMA_DESIGN` states both).

References
----------
Roberts, S. W. (1959). Control chart tests based on geometric moving averages. *Technometrics*, 1(3),
239-250.

Lucas, J. M., & Saccucci, M. S. (1990). Exponentially weighted moving average control schemes:
properties and enhancements. *Technometrics*, 32(1), 1-12. Table 3: average run lengths of EWMA
schemes; ``lambda = 0.2``, ``L = 2.962`` gives 500 in control and 41.8, 10.5 and 3.7 after a shift of
0.5, 1 and 2 standard deviations.

Brook, D., & Evans, D. A. (1972). An approach to the probability distribution of CUSUM run length.
*Biometrika*, 59(3), 539-549. Run lengths from a Markov chain on a discretised statistic.

Jones, L. A., Champ, C. W., & Rigdon, S. E. (2001). The performance of exponentially weighted moving
average charts with estimated parameters. *Technometrics*, 43(2), 156-167.

Montgomery, D. C. (2019). *Introduction to Statistical Quality Control*, 8th ed., section 9.2: the
EWMA chart, its exact limits, and ``lambda`` between 0.05 and 0.25 for detecting small shifts.

Examples
--------
>>> round(float(ewma_limit(1, 0.2, 3.0)[0]), 4)          # 3 * sqrt(0.2 / 1.8 * (1 - 0.64))
0.6
>>> chart = ewma_chart([0.0, 2.0, 3.0, 3.0], lam=0.2, width=3.0)
>>> chart["statistic"].round(3).tolist()
[0.0, 0.4, 0.92, 1.336]
>>> chart["crossed"].tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

__all__ = [
    "EWMA_DESIGN",
    "EwmaDesign",
    "chart_arrays",
    "ewma",
    "ewma_arl",
    "ewma_chart",
    "ewma_limit",
    "ewma_variance",
    "standardized",
]

_Vec = NDArray[np.float64]


@dataclass(frozen=True)
class EwmaDesign:
    """The smoothing constant and limit width of an EWMA chart, with its in-control run length.

    Attributes
    ----------
    lam : float
        Weight ``lambda`` of the newest period (0 < lambda <= 1).
    width : float
        ``L``: the limits sit ``L`` standard deviations of the statistic from the target.
    arl_in_control : float
        Average run length without any change, asymptotic limits, known baseline: periods until a
        false crossing, as published.
    arl_exact_limits : float
        The same with the exact (narrower early) limits, from :func:`ewma_arl` (Brook & Evans
        1972 Markov chain); a little shorter.
    arl_shifted : tuple of (float, float)
        Published run lengths after a sustained shift: (shift in standard errors, periods).
    source : str
        Where the numbers come from.
    """

    lam: float
    width: float
    arl_in_control: float
    arl_exact_limits: float
    arl_shifted: tuple[tuple[float, float], ...]
    source: str


EWMA_DESIGN: Final[EwmaDesign] = EwmaDesign(
    lam=0.2, width=2.962, arl_in_control=500.0, arl_exact_limits=494.0,
    arl_shifted=((0.5, 41.8), (1.0, 10.5), (2.0, 3.7)),
    source=("Lucas & Saccucci (1990), Technometrics 32(1):1-12, Table 3: lambda 0.2 with L 2.962 runs 500 "
            "periods in control (asymptotic limits) and 41.8, 10.5 and 3.7 periods after a shift of 0.5, 1 and "
            "2 standard errors; lambda 0.05-0.25 suits small shifts (Montgomery 2019, section 9.2). With the "
            "exact limits of Roberts (1959) the in-control run is about 494 periods (Brook & Evans 1972 Markov "
            "chain)."))
"""The design the drift watch uses: a false crossing about once in 40 years of monthly points per
chart, and a shift of two standard errors caught in about four months."""


def _check_design(lam: float, width: float) -> None:
    if not 0.0 < lam <= 1.0:
        raise ValueError(f"lam must be in (0, 1]; got {lam}")
    if not width > 0.0:
        raise ValueError(f"width (L) must be positive; got {width}")


def ewma_limit(t: ArrayLike, lam: float = EWMA_DESIGN.lam, width: float = EWMA_DESIGN.width) -> _Vec:
    """The exact control limit of an EWMA of standard normal values after ``t`` periods.

    Parameters
    ----------
    t : array_like of int
        Periods charted so far (1 for the first).
    lam, width : float
        ``lambda`` and ``L``.

    Returns
    -------
    numpy.ndarray
        ``L * sqrt(lambda / (2 - lambda) * (1 - (1 - lambda)^(2t)))``, in units of the standardized
        values; the chart crosses where ``|E_t|`` exceeds it.

    Examples
    --------
    >>> ewma_limit([1, 2, 1000], 0.2, 3.0).round(4).tolist()
    [0.6, 0.7684, 1.0]
    """
    _check_design(lam, width)
    periods = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if (periods < 1).any():
        raise ValueError("t counts charted periods and starts at 1")
    return np.asarray(width * np.sqrt(lam / (2.0 - lam) * (1.0 - (1.0 - lam) ** (2.0 * periods))), dtype=np.float64)


def standardized(estimate: ArrayLike, se: ArrayLike, baseline: float) -> _Vec:
    """``(estimate - baseline) / se``: each estimate's distance from the baseline in its own standard errors.

    A missing estimate or a standard error that is missing or not positive gives ``NaN`` (no point).

    Examples
    --------
    >>> standardized([0.5, 0.1, np.nan], [0.25, 0.0, 0.2], 0.0).tolist()
    [2.0, nan, nan]
    """
    x = np.asarray(estimate, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    if x.shape != s.shape:
        raise ValueError(f"estimate and se must have one shape; got {x.shape} and {s.shape}")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(s) & (s > 0), (x - float(baseline)) / s, np.nan)


def ewma(z: ArrayLike, lam: float = EWMA_DESIGN.lam, start: float = 0.0) -> _Vec:
    """The EWMA ``E_t = lambda z_t + (1 - lambda) E_(t-1)`` from ``E_0 = start``, carried over ``NaN`` values.

    Examples
    --------
    >>> ewma([1.0, np.nan, 1.0], 0.5).tolist()
    [0.5, 0.5, 0.75]
    """
    _check_design(lam, 1.0)
    values = np.asarray(z, dtype=np.float64)
    out = np.empty(values.shape, dtype=np.float64)
    level = float(start)
    for i, value in enumerate(values):
        if np.isfinite(value):
            level = lam * value + (1.0 - lam) * level
        out[i] = level
    return out


def ewma_variance(se: ArrayLike, lam: float = EWMA_DESIGN.lam, baseline_se: float = 0.0) -> _Vec:
    """In-control variance of the EWMA of standardized estimates, period by period.

    Parameters
    ----------
    se : array_like
        The standard error of each period's estimate; ``NaN`` for a period without one (skipped).
    lam : float
        ``lambda``.
    baseline_se : float
        Standard error of the baseline the estimates are measured from; 0 for a known baseline.

    Returns
    -------
    numpy.ndarray
        ``V_t = sum_j w_tj^2 + baseline_se^2 (sum_j w_tj / se_j)^2`` over the periods charted so far
        (``w_tj = lambda (1 - lambda)^(t - j)``); ``NaN`` at skipped periods. With ``baseline_se`` 0
        it is ``lambda / (2 - lambda) (1 - (1 - lambda)^(2t))``.

    Examples
    --------
    >>> ewma_variance([0.3, np.nan, 0.3], 0.2).round(4).tolist()
    [0.04, nan, 0.0656]
    >>> ewma_variance([0.3, 0.3], 0.2, baseline_se=0.3).round(4).tolist()   # + (0.2)^2, then + (0.36)^2
    [0.08, 0.1952]
    """
    _check_design(lam, 1.0)
    s = np.asarray(se, dtype=np.float64)
    if baseline_se < 0 or not np.isfinite(baseline_se):
        raise ValueError(f"baseline_se must be a finite number >= 0; got {baseline_se}")
    out = np.full(s.shape, np.nan)
    squares = 0.0   # sum_j w_tj^2
    shared = 0.0    # sum_j w_tj / se_j
    for i, value in enumerate(s):
        if not (np.isfinite(value) and value > 0):
            continue
        squares = lam**2 + (1.0 - lam) ** 2 * squares
        shared = lam / value + (1.0 - lam) * shared
        out[i] = squares + baseline_se**2 * shared**2
    return out


def ewma_chart(z: ArrayLike, lam: float = EWMA_DESIGN.lam, width: float = EWMA_DESIGN.width, *,
               se: ArrayLike | None = None, baseline_se: float = 0.0) -> pd.DataFrame:
    """An EWMA chart of standardized values: the statistic, its limit and where it crosses.

    Parameters
    ----------
    z : array_like
        Standardized values in time order (:func:`standardized`); ``NaN`` for a period without one.
    lam, width : float
        ``lambda`` and ``L`` (default :data:`EWMA_DESIGN`).
    se : array_like, optional
        The estimates' standard errors, needed only with ``baseline_se`` (same shape as ``z``).
    baseline_se : float
        Standard error of the baseline (0: known; then the limits are :func:`ewma_limit`).

    Returns
    -------
    pandas.DataFrame
        One row per period: ``z``, ``t`` (periods charted so far; 0 before the first),
        ``statistic`` (``E_t``), ``limit`` (``L sqrt(V_t)``; ``NaN`` at a skipped period) and
        ``crossed`` (+1 above the upper limit, -1 below the lower one, 0 otherwise or skipped).

    Examples
    --------
    >>> ewma_chart([np.nan, -4.0], lam=0.5, width=1.0)[["t", "statistic", "crossed"]].values.tolist()
    [[0.0, 0.0, 0.0], [1.0, -2.0, -1.0]]
    """
    values = np.asarray(z, dtype=np.float64)
    statistic, limit, crossed = chart_arrays(values, lam, width, se=se, baseline_se=baseline_se)
    return pd.DataFrame({"z": values, "t": np.cumsum(np.isfinite(values)).astype(np.float64),
                         "statistic": statistic, "limit": limit, "crossed": crossed})


def chart_arrays(z: ArrayLike, lam: float = EWMA_DESIGN.lam, width: float = EWMA_DESIGN.width, *,
                 se: ArrayLike | None = None, baseline_se: float = 0.0) -> tuple[_Vec, _Vec, NDArray[np.int64]]:
    """:func:`ewma_chart` as three arrays (``statistic``, ``limit``, ``crossed``), for charting many
    short series quickly."""
    _check_design(lam, width)
    values = np.asarray(z, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"z must be one-dimensional; got shape {values.shape}")
    present = np.isfinite(values)
    if baseline_se:
        if se is None:
            raise ValueError("an estimated baseline (baseline_se > 0) needs the estimates' se")
        errors = np.asarray(se, dtype=np.float64)
        if errors.shape != values.shape:
            raise ValueError(f"z and se must have one shape; got {values.shape} and {errors.shape}")
        variance = ewma_variance(np.where(present, errors, np.nan), lam, baseline_se)
    else:
        variance = ewma_variance(np.where(present, 1.0, np.nan), lam)
    statistic = ewma(values, lam)
    limit = width * np.sqrt(variance)
    crossed = np.where(present & (statistic > limit), 1, np.where(present & (statistic < -limit), -1, 0))
    return statistic, limit, crossed.astype(np.int64)


def _transitions(centres: _Vec, cell: float, lam: float, shift: float) -> _Vec:
    """Brook-Evans transition matrix: from state ``i`` (at ``centres[i]``) to cell ``j`` in one step."""
    upper = (centres[None, :] + cell / 2.0 - (1.0 - lam) * centres[:, None]) / lam - shift
    lower = (centres[None, :] - cell / 2.0 - (1.0 - lam) * centres[:, None]) / lam - shift
    return np.asarray(norm.cdf(upper) - norm.cdf(lower), dtype=np.float64)


def ewma_arl(lam: float = EWMA_DESIGN.lam, width: float = EWMA_DESIGN.width, shift: float = 0.0, *,
             exact_limits: bool = False, states: int = 401) -> float:
    """Average run length of a two-sided EWMA chart of unit-variance normal values, by a Markov chain.

    Parameters
    ----------
    lam, width : float
        ``lambda`` and ``L``.
    shift : float
        Sustained shift of the mean of the values, in their standard deviations (0: in control).
    exact_limits : bool
        False: the asymptotic limits ``+/- L sqrt(lambda / (2 - lambda))`` from the first period,
        as Lucas & Saccucci (1990) tabulate; True: the exact, narrower early limits of
        :func:`ewma_limit`.
    states : int
        Cells the in-limit interval is cut into (odd, so 0 is a cell's centre); 401 gives the
        published values to about 0.1%.

    Returns
    -------
    float
        Expected periods until the first crossing, the statistic starting at 0.

    Notes
    -----
    The interval between the asymptotic limits is cut into ``states`` cells; the statistic moves
    from cell ``i`` (at its centre ``c_i``) into cell ``j`` with probability
    ``Phi((c_j + w/2 - (1 - lambda) c_i) / lambda - shift) - Phi((c_j - w/2 - (1 - lambda) c_i) / lambda - shift)``
    and is absorbed outside (Brook & Evans 1972). With ``Q`` those probabilities the run lengths
    from every cell are ``(I - Q)^-1 1``. With the exact limits the first periods are stepped one by
    one, dropping the cells beyond that period's limit, until the limit equals the asymptotic one to
    1e-12, and the rest is the stationary chain.

    Examples
    --------
    >>> round(ewma_arl(0.2, 2.962))          # Lucas & Saccucci (1990), Table 3: 500
    500
    """
    _check_design(lam, width)
    if states < 3 or states % 2 == 0:
        raise ValueError(f"states must be an odd number of at least 3; got {states}")
    half = width * np.sqrt(lam / (2.0 - lam))
    cell = 2.0 * half / states
    centres = -half + cell * (np.arange(states) + 0.5)
    q = _transitions(centres, cell, lam, shift)
    from_each = np.linalg.solve(np.eye(states) - q, np.ones(states))
    middle = states // 2
    if not exact_limits:
        return float(1.0 + q[middle] @ from_each)
    # Step the first periods one by one: the statistic after period t lies in a cell whose centre is inside
    # that period's limit, or the chart has crossed.
    steps = int(np.ceil(np.log(1e-12) / (2.0 * np.log1p(-lam)))) if lam < 1.0 else 1
    expected = 0.0
    mass = np.zeros(states)
    mass[middle] = 1.0
    for t in range(1, steps + 1):
        expected += float(mass.sum())                    # the chart runs period t if still in control
        mass = mass @ q
        inside = np.abs(centres) <= float(ewma_limit(t, lam, width)[0])
        mass = np.where(inside, mass, 0.0)
    return float(expected + mass @ from_each)
