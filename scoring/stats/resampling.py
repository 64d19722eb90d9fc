"""Inference from repeated random splits: one test per split, combined so the error rate holds.

When a model is fitted on one part of the data and judged on the other, the judgement of one
split is a valid test given the fitted model (the held-out cases played no part in the fit), but
it depends on the luck of the split. Repeating the split and averaging does not help the error
rate: the splits reuse the same cases, their results are correlated in ways no formula from
inside the resampling captures (Bengio & Grandvalet 2004), and the usual corrections (Nadeau &
Bengio 2003) assume a correlation that a model fitted to noise can exceed. Meinshausen, Meier &
Bühlmann (2009) combine the splits' p-values instead: twice their median is a valid p-value
whatever the dependence between the splits.

References
----------
Meinshausen, N., Meier, L., & Bühlmann, P. (2009). p-values for high-dimensional regression.
*Journal of the American Statistical Association*, 104(488), 1671-1681.  Theorem 3.1: for any
``gamma`` in (0, 1), ``min(1, q_gamma(p_s / gamma))`` is a valid p-value; ``gamma = 1/2`` gives
twice the median.

Bengio, Y., & Grandvalet, Y. (2004). No unbiased estimator of the variance of K-fold
cross-validation. *Journal of Machine Learning Research*, 5, 1089-1105.

Nadeau, C., & Bengio, Y. (2003). Inference for the generalization error. *Machine Learning*, 52(3),
239-281.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from scoring.stats.discrimination import CONFIDENCE

__all__ = ["SplitAggregate", "aggregate_splits"]


@dataclass(frozen=True)
class SplitAggregate:
    """Result of :func:`aggregate_splits`.

    Attributes
    ----------
    difference : float
        Mean of the splits' differences (a point estimate; the interval is not centred on it).
    ci_low, ci_high : float
        Median of the splits' lower and upper bounds at level ``1 - (1 - confidence) / 2``.
    p_value : float
        ``min(1, 2 * median)`` of the splits' two-sided p-values.
    se : float
        Median of the splits' standard errors (each split's own precision, for reference).
    splits : int
        Splits combined.
    """

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    se: float
    splits: int


def aggregate_splits(differences: ArrayLike, standard_errors: ArrayLike,
                     confidence: float = CONFIDENCE) -> SplitAggregate:
    """Combine per-split normal estimates of one difference into a valid interval and p-value.

    Parameters
    ----------
    differences : array-like of float, shape (s,)
        The difference measured on each split's held-out part.
    standard_errors : array-like of float, shape (s,)
        Its standard error within that split, given the model fitted on the split's other part.
    confidence : float
        Two-sided level of the combined interval.

    Returns
    -------
    SplitAggregate

    Notes
    -----
    Split ``s`` gives the two-sided p-value ``p_s(delta) = 2 (1 - Phi(|d_s - delta| / se_s))`` for
    the hypothesis that the difference is ``delta``. With ``alpha = 1 - confidence``, the combined
    test ``min(1, 2 median_s p_s(delta)) <= alpha`` has level ``alpha`` (Meinshausen et al. 2009,
    Theorem 3.1 with gamma = 1/2). It keeps ``delta`` only when at least half of the splits' own
    ``1 - alpha / 2`` intervals contain it, and the set of such ``delta`` lies inside
    ``[median of lower bounds, median of upper bounds]``, the interval returned: it covers the
    true difference at least ``confidence`` of the time. A lower bound above zero is therefore a
    one-sided test at ``alpha / 2`` that the difference is positive. The price of validity under
    any dependence is power: the factor 2 and the held-out share make it conservative.

    A split with a zero standard error and a zero difference (the same ranking of every case) has
    p-value 1 and the interval [0, 0].

    Examples
    --------
    Three splits, all clearly positive:

    >>> out = aggregate_splits([0.05, 0.04, 0.06], [0.01, 0.01, 0.01])
    >>> round(out.ci_low, 4), round(out.ci_high, 4), out.p_value < 0.001
    (0.0276, 0.0724, True)
    """
    d = np.asarray(differences, dtype=np.float64).reshape(-1)
    se = np.asarray(standard_errors, dtype=np.float64).reshape(-1)
    if d.shape != se.shape:
        raise ValueError(f"{d.size} differences but {se.size} standard errors")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    keep = np.isfinite(d) & np.isfinite(se) & (se >= 0)
    d, se = d[keep], se[keep]
    nan = float("nan")
    if d.size == 0:
        return SplitAggregate(nan, nan, nan, nan, nan, 0)
    alpha = 1.0 - confidence
    z = float(norm.ppf(1.0 - alpha / 4.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2.0 * norm.sf(np.abs(d) / se), np.where(d == 0, 1.0, 0.0))
    return SplitAggregate(
        difference=float(d.mean()), ci_low=float(np.median(d - z * se)), ci_high=float(np.median(d + z * se)),
        p_value=float(min(1.0, 2.0 * np.median(p))), se=float(np.median(se)), splits=int(d.size))
