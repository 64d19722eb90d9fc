"""Discrimination of a score between two outcomes: the AUC, its DeLong interval and comparison.

Generic statistics over plain arrays: ``score`` (n,) of floats, higher meaning a better predicted
outcome, and ``good`` (n,) of 1 (good outcome), 0 (bad outcome) or NaN (no outcome); a case with a
missing score or label is dropped. :mod:`scoring.agency.validity` applies them to the scorecard and
the agency's outcomes, with its floors.

References
----------
.. [1] DeLong, E. R., DeLong, D. M., & Clarke-Pearson, D. L. (1988). Comparing the areas under two
   or more correlated receiver operating characteristic curves: a nonparametric approach.
   Biometrics, 44(3), 837-845.
.. [2] Sun, X., & Xu, W. (2014). Fast implementation of DeLong's algorithm for comparing the areas
   under correlated receiver operating characteristic curves. IEEE Signal Processing Letters,
   21(11), 1389-1393.
.. [3] Hanley, J. A., & McNeil, B. J. (1982). The meaning and use of the area under a receiver
   operating characteristic (ROC) curve. Radiology, 143(1), 29-36.
.. [4] Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall
   (percentile intervals).
.. [5] Thorndike, R. L. (1949). Personnel Selection: Test and Measurement Techniques. New York:
   Wiley. (Range restriction in selected samples.)

Examples
--------
Hanley & McNeil (1982), Table I: ratings of 109 CT images on a five-point scale, 58 truly normal
and 51 truly abnormal. Their Table II gives the area as 0.8932 with standard error 0.0320.

>>> normal = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2])
>>> abnormal = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33])
>>> score = np.r_[normal, abnormal]
>>> good = np.r_[np.zeros(58), np.ones(51)]
>>> round(auc(score, good), 4), round(hanley_mcneil_se(score, good), 4)
(0.8932, 0.032)
>>> est = auc_interval(score, good)
>>> round(est.se, 4), round(est.ci_low, 4), round(est.ci_high, 4)
(0.0307, 0.833, 0.9534)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm, rankdata

from scoring.stats.intervals import critical_value

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "CONFIDENCE",
    "AucComparison",
    "AucEstimate",
    "auc",
    "auc_interval",
    "binary_labels",
    "bootstrap_auc_interval",
    "compare_aucs",
    "complete_cases",
    "delong_covariance",
    "hanley_mcneil_se",
    "range_restriction",
    "roc_points",
]

FloatArray = NDArray[np.float64]

CONFIDENCE: Final[float] = 0.95
"""Default two-sided level of the intervals."""

BOOTSTRAP_RESAMPLES: Final[int] = 2_000
"""Default resamples of :func:`bootstrap_auc_interval` (Efron & Tibshirani 1993 advise at least 1,000)."""

BOOTSTRAP_SEED: Final[int] = 20_250_101
"""Default seed of :func:`bootstrap_auc_interval`: the same data always give the same interval."""


# ------------------------------------------------------------------------------------------------
# Input checks
# ------------------------------------------------------------------------------------------------


def binary_labels(good: ArrayLike, n: int | None = None) -> FloatArray:
    """Outcome labels as floats, checked: 1 good, 0 bad, NaN none; ``n`` is the number of scores.

    Examples
    --------
    >>> binary_labels([1, 0, None]).tolist()
    [1.0, 0.0, nan]
    """
    y = np.asarray(good, dtype=np.float64).reshape(-1)
    if n is not None and y.shape[0] != n:
        raise ValueError(f"good has {y.shape[0]} values but there are {n} scores")
    known = y[~np.isnan(y)]
    if not np.all((known == 0) | (known == 1)):
        raise ValueError("good must hold 0 (bad outcome), 1 (good outcome) or NaN (no outcome)")
    return y


def complete_cases(scores: FloatArray, good: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Drop the cases with a missing label or any missing score; return scores and 0/1 labels."""
    keep = ~np.isnan(good) & np.all(np.isfinite(scores), axis=0)
    return scores[:, keep], good[keep].astype(bool)


def _two_classes(labels: NDArray[np.bool_]) -> tuple[int, int]:
    n_good = int(labels.sum())
    n_bad = int(labels.size - n_good)
    if n_good == 0 or n_bad == 0:
        raise ValueError(f"an AUC needs both outcomes; got {n_good} good and {n_bad} bad")
    return n_good, n_bad


# ------------------------------------------------------------------------------------------------
# The AUC and DeLong's covariance
# ------------------------------------------------------------------------------------------------


def _structural_components(scores: FloatArray, labels: NDArray[np.bool_]
                           ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """DeLong's placement values by midranks (Sun & Xu 2014).

    With ``m`` good and ``n`` bad cases, ``T_z`` the midranks of a predictor over all cases,
    ``T_x`` over the good cases only and ``T_y`` over the bad ones only:

    ``V10_i = (T_z_i - T_x_i) / n``       share of bad cases a good case ``i`` beats,
    ``V01_j = 1 - (T_z_j - T_y_j) / m``   share of good cases that beat a bad case ``j``,

    ties counting one half; the AUC is the mean of either.
    """
    good, bad = scores[:, labels], scores[:, ~labels]
    m, n = good.shape[1], bad.shape[1]
    t_z = rankdata(scores, axis=1)
    t_x = rankdata(good, axis=1)
    t_y = rankdata(bad, axis=1)
    v10 = (t_z[:, labels] - t_x) / n
    v01 = 1.0 - (t_z[:, ~labels] - t_y) / m
    theta = (t_z[:, labels].sum(axis=1) - m * (m + 1) / 2.0) / (m * n)
    return theta, v10, v01


def auc(score: ArrayLike, good: ArrayLike) -> float:
    """Area under the ROC curve: the Mann-Whitney probability that a good case outscores a bad one.

    Parameters
    ----------
    score : array-like of float, shape (n,)
        Higher = predicted better. NaN cases are dropped.
    good : array-like, shape (n,)
        1 for the good outcome, 0 for the bad one, NaN for no outcome (dropped).

    Returns
    -------
    float

    Notes
    -----
    .. math:: \\hat\\theta = \\frac{1}{mn} \\sum_{i=1}^{m} \\sum_{j=1}^{n} \\psi(X_i, Y_j), \\qquad
              \\psi(x, y) = 1 \\text{ if } x > y,\\ \\tfrac12 \\text{ if } x = y,\\ 0 \\text{ if } x < y

    over the ``m`` good cases ``X`` and ``n`` bad cases ``Y`` (Hanley & McNeil 1982, eq. 1);
    computed from midranks in ``O((m + n) log(m + n))``. 0.5 is no discrimination, 1 perfect.

    Examples
    --------
    >>> auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    """
    values = np.asarray(score, dtype=np.float64).reshape(1, -1)
    scores, labels = complete_cases(values, binary_labels(good, values.shape[1]))
    _two_classes(labels)
    return float(_structural_components(scores, labels)[0][0])


def delong_covariance(scores: ArrayLike, good: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """AUCs of ``k`` predictors on the same cases and DeLong's estimate of their covariance.

    Parameters
    ----------
    scores : array-like of float, shape (k, n) or (n,)
        One row per predictor, one column per case. A case missing any predictor is dropped, so
        all AUCs rest on the same cases.
    good : array-like, shape (n,)
        1 good outcome, 0 bad, NaN none.

    Returns
    -------
    aucs : numpy.ndarray, shape (k,)
    covariance : numpy.ndarray, shape (k, k)

    Notes
    -----
    With the placement values ``V10`` (one per good case) and ``V01`` (one per bad case) of
    :func:`_structural_components`, DeLong et al. (1988, eqs. 4-5) estimate

    .. math:: S = \\frac{1}{m} S_{10} + \\frac{1}{n} S_{01}, \\qquad
              [S_{10}]_{rs} = \\frac{1}{m - 1} \\sum_i (V^r_{10}(X_i) - \\hat\\theta^r)
                                                     (V^s_{10}(X_i) - \\hat\\theta^s)

    and likewise :math:`S_{01}` over the bad cases. Midranks give every placement value in
    ``O(k (m + n) log(m + n))`` instead of the ``O(k m n)`` of the pairwise kernel
    (Sun & Xu 2014).
    """
    values = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    data, labels = complete_cases(values, binary_labels(good, values.shape[1]))
    m, n = _two_classes(labels)
    theta, v10, v01 = _structural_components(data, labels)
    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((len(theta), len(theta)))
    s01 = np.atleast_2d(np.cov(v01)) if n > 1 else np.zeros((len(theta), len(theta)))
    return theta, s10 / m + s01 / n


@dataclass(frozen=True)
class AucEstimate:
    """An AUC with its DeLong standard error and interval, and the cases behind it.

    ``auc`` and the interval are NaN when the cases fall under the floor; ``reason`` says why.
    """

    auc: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_good: int
    n_bad: int
    reason: str = ""

    @property
    def shown(self) -> bool:
        return not self.reason


def auc_interval(score: ArrayLike, good: ArrayLike, confidence: float = CONFIDENCE) -> AucEstimate:
    """The AUC with DeLong's standard error and a normal-approximation interval.

    Parameters
    ----------
    score, good : array-like, shape (n,)
        As in :func:`auc`.
    confidence : float
        Two-sided level.

    Returns
    -------
    AucEstimate
        No floor is applied here (see :func:`discrimination`).

    Notes
    -----
    :math:`\\hat\\theta \\pm z_{1 - \\alpha/2} \\sqrt{S}` with :math:`S` from
    :func:`delong_covariance`, clipped to [0, 1]. The interval contains 0.5 when the score does
    not discriminate detectably.

    Examples
    --------
    Hanley & McNeil (1982) Table I (see the module docstring): DeLong's standard error is 0.0307,
    slightly below the 0.0320 of Hanley & McNeil's own formula for the same data.

    >>> normal = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2])
    >>> abnormal = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33])
    >>> est = auc_interval(np.r_[normal, abnormal], np.r_[np.zeros(58), np.ones(51)])
    >>> round(est.auc, 4), round(est.se, 4), est.n_good, est.n_bad
    (0.8932, 0.0307, 51, 58)
    """
    z = critical_value(confidence)
    values = np.asarray(score, dtype=np.float64).reshape(1, -1)
    data, labels = complete_cases(values, binary_labels(good, values.shape[1]))
    m, n = _two_classes(labels)
    theta, cov = delong_covariance(data, labels.astype(float))
    se = float(np.sqrt(max(cov[0, 0], 0.0)))
    value = float(theta[0])
    return AucEstimate(auc=value, se=se, ci_low=max(0.0, value - z * se), ci_high=min(1.0, value + z * se),
                       n=m + n, n_good=m, n_bad=n)


@dataclass(frozen=True)
class AucComparison:
    """The difference ``auc_a - auc_b`` of two predictors on the same cases (DeLong's test)."""

    auc_a: float
    auc_b: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    n: int
    n_good: int
    n_bad: int


def compare_aucs(score_a: ArrayLike, score_b: ArrayLike, good: ArrayLike,
                 confidence: float = CONFIDENCE) -> AucComparison:
    """DeLong's test and interval for the difference of two correlated AUCs.

    Parameters
    ----------
    score_a, score_b : array-like of float, shape (n,)
        Two predictors of the same cases.
    good : array-like, shape (n,)
        1 good outcome, 0 bad, NaN none.
    confidence : float
        Two-sided level of the interval.

    Returns
    -------
    AucComparison

    Notes
    -----
    With the contrast :math:`L = (1, -1)` and :math:`S` from :func:`delong_covariance`,

    .. math:: z = \\frac{\\hat\\theta_a - \\hat\\theta_b}{\\sqrt{L S L^\\top}}
              = \\frac{\\hat\\theta_a - \\hat\\theta_b}{\\sqrt{S_{aa} + S_{bb} - 2 S_{ab}}}

    is asymptotically standard normal under equal areas (DeLong et al. 1988, eq. 6). Because the
    two scores rank the same cases, their AUCs are positively correlated and the difference is
    far more precise than two separate intervals suggest.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> good = rng.random(400) < 0.5
    >>> strong = good + rng.normal(0, 1, 400)
    >>> weak = good + rng.normal(0, 3, 400)
    >>> result = compare_aucs(strong, weak, good)
    >>> result.difference > 0, result.ci_low > 0
    (True, True)
    """
    z_crit = critical_value(confidence)
    a = np.asarray(score_a, dtype=np.float64).reshape(-1)
    b = np.asarray(score_b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"score_a has {a.size} values, score_b {b.size}")
    data, labels = complete_cases(np.vstack([a, b]), binary_labels(good, a.size))
    m, n = _two_classes(labels)
    theta, cov = delong_covariance(data, labels.astype(float))
    variance = float(cov[0, 0] + cov[1, 1] - 2.0 * cov[0, 1])
    se = float(np.sqrt(max(variance, 0.0)))
    difference = float(theta[0] - theta[1])
    if se > 0:
        z = difference / se
        p_value = float(2.0 * norm.sf(abs(z)))
    elif difference == 0:  # the same ranking of every case: nothing to test
        z, p_value = 0.0, 1.0
    else:  # a difference with no variance at all (degenerate placements)
        z, p_value = float(np.sign(difference) * np.inf), 0.0
    return AucComparison(auc_a=float(theta[0]), auc_b=float(theta[1]), difference=difference, se=se,
                         ci_low=difference - z_crit * se, ci_high=difference + z_crit * se, z=float(z),
                         p_value=p_value, n=m + n, n_good=m, n_bad=n)


def hanley_mcneil_se(score: ArrayLike, good: ArrayLike) -> float:
    """Standard error of the AUC by Hanley & McNeil's (1982) formula with observed Q1 and Q2.

    A cross-check of :func:`auc_interval`: asymptotically the same quantity as DeLong's, computed
    as in Hanley & McNeil's Table II.

    Notes
    -----
    .. math:: SE^2 = \\frac{\\theta(1 - \\theta) + (m - 1)(Q_1 - \\theta^2) + (n - 1)(Q_2 - \\theta^2)}{mn}

    with ``m`` good and ``n`` bad cases, :math:`Q_1` the probability that two good cases both
    outscore one bad case and :math:`Q_2` that one good case outscores two bad ones. Counting a
    tie with one of the pair as 1/2 and a tie with both as 1/3, for a bad case with ``a`` good
    cases above it and ``t`` level with it, the share of pairs is ``(a^2 + a t + t^2 / 3) / m^2``
    (and symmetrically for :math:`Q_2`).

    Examples
    --------
    >>> normal = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2])
    >>> abnormal = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33])
    >>> round(hanley_mcneil_se(np.r_[normal, abnormal], np.r_[np.zeros(58), np.ones(51)]), 4)
    0.032
    """
    values = np.asarray(score, dtype=np.float64).reshape(1, -1)
    data, labels = complete_cases(values, binary_labels(good, values.shape[1]))
    m, n = _two_classes(labels)
    x, y = np.sort(data[0, labels]), np.sort(data[0, ~labels])
    theta = float(_structural_components(data, labels)[0][0])
    # For each bad case: good cases above it and level with it.
    above = m - np.searchsorted(x, y, side="right")
    level = np.searchsorted(x, y, side="right") - np.searchsorted(x, y, side="left")
    q1 = float(np.sum(above**2 + above * level + level**2 / 3.0)) / (n * m**2)
    # For each good case: bad cases below it and level with it.
    below = np.searchsorted(y, x, side="left")
    tied = np.searchsorted(y, x, side="right") - below
    q2 = float(np.sum(below**2 + below * tied + tied**2 / 3.0)) / (m * n**2)
    variance = (theta * (1 - theta) + (m - 1) * (q1 - theta**2) + (n - 1) * (q2 - theta**2)) / (m * n)
    return float(np.sqrt(max(variance, 0.0)))


def bootstrap_auc_interval(score: ArrayLike, good: ArrayLike, other: ArrayLike | None = None, *,
                           n_boot: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED,
                           confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of an AUC, or of ``AUC(score) - AUC(other)`` when paired.

    Good and bad cases are resampled separately (a stratified bootstrap keeps ``m`` and ``n``
    fixed, as DeLong's variance does); a paired difference resamples the same cases for both
    scores. A cross-check of :func:`auc_interval` and :func:`compare_aucs` that assumes no normal
    approximation.

    Returns
    -------
    (low, high) : tuple of float
    """
    critical_value(confidence)
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, got {n_boot}")
    rows = [np.asarray(score, dtype=np.float64).reshape(-1)]
    if other is not None:
        rows.append(np.asarray(other, dtype=np.float64).reshape(-1))
        if rows[1].shape != rows[0].shape:
            raise ValueError("score and other must have the same length")
    data, labels = complete_cases(np.vstack(rows), binary_labels(good, rows[0].size))
    m, n = _two_classes(labels)
    rng = np.random.default_rng(seed)
    good_idx, bad_idx = np.flatnonzero(labels), np.flatnonzero(~labels)
    stats = np.empty(n_boot)
    chunk = max(1, 2_000_000 // max(m + n, 1))
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        pick = np.hstack([rng.choice(good_idx, (size, m)), rng.choice(bad_idx, (size, n))])
        areas = []
        for row in data:
            resampled = row[pick]
            ranks = rankdata(resampled, axis=1)
            areas.append((ranks[:, :m].sum(axis=1) - m * (m + 1) / 2.0) / (m * n))
        stats[start:start + size] = areas[0] - areas[1] if other is not None else areas[0]
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [tail, 1.0 - tail])
    return float(low), float(high)



def roc_points(score: ArrayLike, good: ArrayLike) -> pd.DataFrame:
    """The empirical ROC curve: ``fpr`` (bad cases at or above a cut) against ``tpr`` (good ones).

    One point per distinct score, from (0, 0) to (1, 1); the trapezoidal area under these points
    equals :func:`auc`.

    Examples
    --------
    >>> roc_points([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).to_dict("list")
    {'threshold': [inf, 0.8, 0.4, 0.35, 0.1], 'fpr': [0.0, 0.0, 0.5, 0.5, 1.0], 'tpr': [0.0, 0.5, 0.5, 1.0, 1.0]}
    """
    values = np.asarray(score, dtype=np.float64).reshape(1, -1)
    data, labels = complete_cases(values, binary_labels(good, values.shape[1]))
    m, n = _two_classes(labels)
    order = np.argsort(-data[0], kind="stable")
    x, y = data[0][order], labels[order]
    last_of_level = np.r_[np.flatnonzero(np.diff(x) != 0), x.size - 1]
    tp = np.cumsum(y)[last_of_level]
    fp = np.cumsum(~y)[last_of_level]
    return pd.DataFrame({"threshold": np.r_[np.inf, x[last_of_level]],
                         "fpr": np.r_[0.0, fp / n], "tpr": np.r_[0.0, tp / m]})



def range_restriction(score: ArrayLike, has_outcome: ArrayLike) -> dict[str, float]:
    """How narrow the scores with an outcome are, compared with every score at the stage.

    Returns
    -------
    dict
        ``scored`` (finite scores), ``with_outcome``, ``share`` (with_outcome / scored), ``sd_all``,
        ``sd_outcome``, ``ratio`` (``sd_outcome / sd_all``, Thorndike's ``u``; 1 = no
        restriction), ``min_outcome`` and ``median_all`` / ``median_outcome``.

    Notes
    -----
    A correlation ``r`` observed in a sample whose predictor SD is ``u`` times that of the
    population corresponds to ``r / sqrt(u^2 + r^2 (1 - u^2))`` in the population when the selection
    was on the predictor alone (Thorndike 1949, case II); only for small ``r`` is that close to
    ``r / u``. An AUC shrinks toward 0.5 in the same way.
    Figures here describe the selected group only.

    Examples
    --------
    >>> r = range_restriction([1, 2, 3, 4, 5, 4.5, 5], [0, 0, 0, 0, 1, 1, 1])
    >>> r["scored"], r["with_outcome"], round(r["ratio"], 2)
    (7, 3, 0.19)
    """
    x = np.asarray(score, dtype=np.float64).reshape(-1)
    flag = np.asarray(has_outcome, dtype=bool).reshape(-1)
    if flag.shape != x.shape:
        raise ValueError("score and has_outcome must have the same length")
    ok = np.isfinite(x)
    every, chosen = x[ok], x[ok & flag]
    nan = float("nan")
    sd_all = float(np.std(every, ddof=1)) if every.size > 1 else nan
    sd_outcome = float(np.std(chosen, ddof=1)) if chosen.size > 1 else nan
    return {
        "scored": int(every.size), "with_outcome": int(chosen.size),
        "share": chosen.size / every.size if every.size else nan,
        "sd_all": sd_all, "sd_outcome": sd_outcome,
        "ratio": sd_outcome / sd_all if sd_all and np.isfinite(sd_all) and sd_all > 0 else nan,
        "min_outcome": float(chosen.min()) if chosen.size else nan,
        "median_all": float(np.median(every)) if every.size else nan,
        "median_outcome": float(np.median(chosen)) if chosen.size else nan,
    }
