"""Confidence intervals for proportions (pass rates, shares within a promise, retention shares).

One interval is used everywhere a share is shown: the Wilson score interval. Unlike the textbook
Wald interval it never leaves [0, 1], it is not degenerate at 0 or n successes, and its coverage
stays close to the nominal level for the small counts a single reviewer or month produces.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm


def critical_value(confidence: float) -> float:
    """The two-sided standard-normal quantile ``z`` of a ``confidence`` level: every normal-theory
    interval of the statistics (Wilson, DeLong, Katz) takes it from here.

    Raises
    ------
    ValueError
        ``confidence`` not strictly between 0 and 1.

    Examples
    --------
    >>> round(critical_value(0.95), 4), round(critical_value(0.90), 4)
    (1.96, 1.6449)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {float(confidence):g}")
    return float(norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion, element-wise over arrays.

    Parameters
    ----------
    successes : array-like of int
        Number of successes ``x`` (passes, searches on time, clients retained). ``NaN`` allowed.
    trials : array-like of int
        Number of trials ``n``, broadcast against ``successes``. ``n == 0`` gives ``NaN`` bounds.
    confidence : float, default 0.95
        Two-sided confidence level, strictly between 0 and 1.

    Returns
    -------
    (low, high) : tuple of numpy.ndarray of float
        Lower and upper bounds, of the broadcast shape of the inputs (0-d for scalars), within
        [0, 1].

    Raises
    ------
    ValueError
        If a count is negative, a success count exceeds its trials, or ``confidence`` is not in
        (0, 1).

    Notes
    -----
    With :math:`\\hat p = x / n` and :math:`z` the standard-normal quantile at
    :math:`1 - (1 - \\text{confidence}) / 2`, the interval is the set of :math:`p` for which the
    score test does not reject:

    .. math::

        \\frac{x + z^2/2}{n + z^2} \\pm \\frac{z}{n + z^2}\\sqrt{\\frac{x (n - x)}{n} + \\frac{z^2}{4}}

    It equals ``statsmodels.stats.proportion.proportion_confint(method="wilson")``; it is method 3
    ("score method without continuity correction") of Newcombe (1998).

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. Journal of the American Statistical Association, 22(158), 209-212.
    .. [2] Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
       comparison of seven methods. Statistics in Medicine, 17(8), 857-872. Table I.

    Examples
    --------
    Newcombe (1998), Table I, example (a), 81 successes out of 263: 0.2553 to 0.3662.

    >>> low, high = wilson_interval(81, 263)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)

    Vectorised, with an empty group:

    >>> low, high = wilson_interval([0, 1, 0], [20, 29, 0])
    >>> np.round(low, 4).tolist(), np.round(high, 4).tolist()
    ([0.0, 0.0061, nan], [0.1611, 0.1718, nan])
    """
    z = critical_value(confidence)
    x, n = np.broadcast_arrays(np.asarray(successes, dtype=float), np.asarray(trials, dtype=float))
    with np.errstate(invalid="ignore"):
        if np.any(x < 0) or np.any(n < 0):
            raise ValueError("successes and trials must be non-negative")
        if np.any(x > n):
            raise ValueError("successes must not exceed trials")
        usable = n > 0  # False for n == 0 and for NaN
        n_safe = np.where(usable, n, 1.0)
        z2 = z * z
        centre = (x + z2 / 2.0) / (n_safe + z2)
        half = z / (n_safe + z2) * np.sqrt(x * (n_safe - x) / n_safe + z2 / 4.0)
    # At x = 0 (x = n) the lower (upper) bound is exactly 0 (1); set it so rounding cannot show
    # a tiny non-zero value.
    low = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return np.where(usable, low, np.nan), np.where(usable, high, np.nan)
