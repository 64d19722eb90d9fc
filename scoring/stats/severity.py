"""Reviewer severity, dimension difficulty and candidate skill on one logit scale.

Every rating is modelled with a rating-scale many-facet Rasch model: the
application's skill, the dimension's difficulty and the reviewer's severity
combine additively on the log-odds scale of moving one step up the 1-5 rubric,

.. math::

    \\log \\frac{P_{ardk}}{P_{ard(k-1)}} = B_a - D_d - C_r - F_k,
    \\qquad k = 2, \\dots, 5,

where ``P_ardk`` is the probability that reviewer ``r`` rates application
``a`` on dimension ``d`` in category ``k``; ``B_a`` is the application's
measure (skill), ``D_d`` the dimension's difficulty, ``C_r`` the reviewer's
severity (positive = harsher) and ``F_k`` the Andrich threshold between
categories ``k - 1`` and ``k``, shared by all dimensions and reviewers.

Identification: reviewer severities sum to zero (so severity 0 is the average
reviewer; the rare reviewer with only all-1 or all-5 ratings is left out of
that average, see below), dimension difficulties sum to zero and the
thresholds sum to zero; application measures are then free.  Severities are
only comparable within a connected network of applications and reviewers
(``SeverityFit.n_subsets`` reports how many there are).

Estimation is joint maximum likelihood (JMLE) with Newton-Raphson steps,
vectorised over the sparse design with :func:`numpy.bincount`; nothing loops
over ratings in Python.  One iteration updates, in turn, the application
measures, the reviewer severities, the dimension difficulties (each a
one-dimensional Newton step per element, recomputing the expected scores
between facets) and the four thresholds (a joint 4 x 4 Newton step), then
re-centres.  Any single step is capped at :data:`MAX_STEP` logits.

Convergence criterion: the largest absolute change of any parameter (measure,
severity, difficulty or threshold) during one full iteration is below ``tol``
logits (default :data:`DEFAULT_TOL`, 1e-4, about 1 % of the standard error of a
reviewer with 10,000 ratings).  Since a Newton step is the score residual
divided by the information, each element's observed raw score then matches its
model-expected score (the JMLE estimating equation) to within about ``tol``
times its information.  ``converged`` is False if ``max_iter`` is reached first.

Extreme scores: an element whose ratings are all at the bottom (all 1s) or all
at the top (all 5s) of the scale has no finite maximum-likelihood estimate.
Such elements (in practice, applications) are set aside, together with their
ratings, while the other elements are estimated (repeating the check, since
setting ratings aside can make another element extreme).  They are then
estimated with every other parameter held fixed, against a raw score moved
:data:`EXTREME_SCORE_CORRECTION` = 0.3 score points inward from the extreme
(Linacre's extreme-score adjustment, as used by Winsteps and Facets).  Their
ratings do not enter anyone's fit statistics.

Fit: with ``E`` and ``W`` the model expectation and variance of a rating ``x``,
the outfit mean-square is the unweighted mean of ``(x - E)^2 / W`` and the
infit mean-square is the information-weighted ``sum (x - E)^2 / sum W`` over an
element's ratings.  Both have expectation 1.  Reviewers are flagged from their
infit mean-square against :data:`FIT_BAND`.

Bias correction: joint maximum likelihood estimates the application measures
alongside everything else, from the 10-15 ratings each application has, and
that small-sample error spreads every facet outward (the Neyman-Scott
problem).  How far depends on the ratings per *application*, not per reviewer:
however many ratings a reviewer has, each of their comparisons runs through an
application measure estimated from ``L`` ratings.  Simulating this model
(``bench/sim_severity.py``: 500 candidates, 12 reviewers, five dimensions, 200
replications) the slope of estimated on true severity is about 1.09 with 2-3
reviewers a candidate (``L`` = 10-15), 1.06, 1.04 and 1.02 with 4, 6 and 12
(``L`` = 20, 30, 60): ``L / (L - 1)``, with dimension difficulties, thresholds
and measures alike.  Every reported logit is therefore multiplied by Wright's
factor ``(L - 1) / L`` (Wright & Douglas 1977; the ``STBIAS`` correction of
Winsteps and Facets), generalised to unequal ``L`` as ``1 - 1 / L-bar`` with
``1 / L-bar`` the mean over the ratings of one over their application's
rating count, i.e. ``1 - applications / ratings`` among the non-extreme
ones (``SeverityFit.bias_factor``).  In the simulation this brings the slopes
to 1.000-1.015 in every design.  Fair scores are computed before the
correction, from the joint estimates, which reproduce each application's raw
score; in the simulation they are unbiased as they are (slope 0.997 on the
true fair scores; from the corrected logits they would be 1.7% too narrow).

Standard errors: the reviewers' and dimensions' come from the joint
information of all parameters with the application measures profiled out
(see :func:`_profiled_variances`), so they allow for the measures, the other
facets and the thresholds being estimated too; taking all of those as known
(``1 / sqrt(sum W)``) gives SEs about 1.2 times too small with 2-3 reviewers
a candidate.  In the simulation, after the bias correction, 95%
intervals cover the true severity 95% of the time (the harshest and softest
reviewers included) and the drift z-scores of :func:`drift_flags` have a
standard deviation of 0.96-0.99 where nobody drifted.  They are the SEs of the
joint estimates and are not multiplied by the correction factor: the joint
estimates spread about ``L / (L - 1)`` times wider than the corrected ones
around their (inflated) centre, and the profiled information, evaluated at the
joint estimates, already describes the corrected ones' spread.

References
----------
Linacre, J. M. (1989). *Many-Facet Rasch Measurement*. Chicago: MESA Press.

Wright, B. D., & Douglas, G. A. (1977). Best procedures for sample-free item
analysis. *Applied Psychological Measurement*, 1(2), 281-295.  The
unconditional (joint) estimates are too wide by about ``L / (L - 1)``.

Cox, D. R., & Reid, N. (1987). Parameter orthogonality and approximate
conditional inference. *Journal of the Royal Statistical Society B*, 49(1),
1-39.  Nuisance parameters profiled out of the information matrix.

Wright, B. D., & Masters, G. N. (1982). *Rating Scale Analysis*. Chicago:
MESA Press.

Linacre, J. M. (2002). What do infit and outfit, mean-square and standardized
mean? *Rasch Measurement Transactions*, 16(2), 878.  Mean-squares of 0.5-1.5
are productive for measurement; values near 1.0 are expected.

Myford, C. M., & Wolfe, E. W. (2003, 2004). Detecting and measuring rater
effects using many-facet Rasch measurement, Parts I and II.  *Journal of
Applied Measurement*, 4(4), 386-422 and 5(2), 189-227.  Severity/leniency,
central tendency (muted, low fit) and randomness (noisy, high fit).

Examples
--------
>>> round(expected_rating(0.0, [0.0, 0.0, 0.0, 0.0]), 4)
3.0
>>> round(expected_rating(float(np.log(2.0)), [0.0, 0.0, 0.0, 0.0]), 4)
4.1613
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import bmat, coo_matrix, csc_matrix, csr_matrix, diags
from scipy.sparse.csgraph import connected_components

from scoring.domain.ratings import RATING_MAX, RATING_MIN
from scoring.domain.thresholds import DRIFT_MIN_Z as DRIFT_MIN_Z_THRESHOLD
from scoring.domain.thresholds import SEVERITY_DRIFT
from scoring.stats.messages import plain_list

__all__ = [
    "DEFAULT_MAX_ITER",
    "DEFAULT_TOL",
    "DRIFT_MIN_Z",
    "DRIFT_THRESHOLD",
    "EXTREME_SCORE_CORRECTION",
    "FIT_BAND",
    "MAX_STEP",
    "MIN_BIAS_FACTOR",
    "RATING_MAX",
    "RATING_MIN",
    "REQUIRED_COLUMNS",
    "FitBand",
    "SeverityFit",
    "category_probabilities",
    "drift_flags",
    "expected_rating",
    "fit_severity",
    "severity_by_period",
]

# --------------------------------------------------------------------------------------------
# Module data: every threshold used for a decision is declared here, once.
# --------------------------------------------------------------------------------------------

_N_STEPS: Final[int] = RATING_MAX - RATING_MIN  # number of Andrich thresholds

REQUIRED_COLUMNS: Final[tuple[str, ...]] = ("application_id", "reviewer_id", "dimension_id", "rating")
"""Columns the long-format ratings table must have (others are ignored)."""


@dataclass(frozen=True)
class FitBand:
    """Mean-square band inside which a reviewer's ratings are considered productive.

    Attributes
    ----------
    too_predictable_below : float
        Infit mean-square below this is flagged ``"too predictable"`` (muted,
        overfitting: e.g. central tendency or halo, ratings that vary less than
        the model expects).
    erratic_above : float
        Infit mean-square above this is flagged ``"erratic"`` (noisy,
        underfitting: ratings that vary more than the model expects).
    min_ratings : int
        Mean-squares from fewer (non-extreme) ratings than this are too unstable
        to flag; such reviewers get no flag.
    source : str
        Where the numbers come from.
    """

    too_predictable_below: float = 0.5
    erratic_above: float = 1.5
    min_ratings: int = 20
    source: str = (
        "Linacre (2002), Rasch Measurement Transactions 16(2):878: mean-squares 0.5-1.5 are "
        "productive for measurement, > 1.5 noisy/erratic, < 0.5 overly predictable (muted); "
        "rater interpretation per Myford & Wolfe (2003, 2004)."
    )


FIT_BAND: Final[FitBand] = FitBand()
"""The band applied to reviewers' infit mean-squares."""

EXTREME_SCORE_CORRECTION: Final[float] = 0.3
"""Score points by which an all-minimum or all-maximum raw score is moved inward (Linacre)."""

DEFAULT_TOL: Final[float] = 1e-4
"""Convergence: largest parameter change (logits) in one iteration."""

DEFAULT_MAX_ITER: Final[int] = 200
"""Iteration cap for the joint estimation."""

MIN_BIAS_FACTOR: Final[float] = 0.5
"""Floor of the bias-correction factor: below it (fewer than two ratings per application on
average) the correction's first-order approximation no longer holds."""

MAX_STEP: Final[float] = 1.0
"""Largest Newton step (logits) applied to any one parameter per iteration."""

DRIFT_THRESHOLD: Final[float] = SEVERITY_DRIFT.value
"""Severity drift (logits) from a reviewer's own baseline that is flagged by default.

Half a logit, a rule of thumb in Rasch practice for a bias that matters; the
agency decides it in :data:`scoring.domain.thresholds.SEVERITY_DRIFT`.
"""

DRIFT_MIN_Z: Final[float] = DRIFT_MIN_Z_THRESHOLD.value
"""A drift is only flagged if it is also this many standard errors from the baseline
(:data:`scoring.domain.thresholds.DRIFT_MIN_Z`)."""

_Vec = NDArray[np.float64]

_Z95: Final[float] = 1.959963984540054  # two-sided 95% normal quantile
_ETA_CLIP: Final[float] = 40.0  # logits; keeps exp() finite, probabilities saturate long before
_TINY: Final[float] = 1e-12
_DENSE_BLOCK: Final[int] = 600  # a connected block of the variance system up to this size is inverted densely
_DENSE_CELLS: Final[int] = 4_000_000  # information entries are summed in a dense count up to this many cells


# --------------------------------------------------------------------------------------------
# Result type
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeverityFit:
    """Result of :func:`fit_severity`.

    Attributes
    ----------
    reviewers : pandas.DataFrame
        Indexed by ``reviewer_id``: ``severity`` (logits, positive = harsher, mean
        0 over reviewers), ``se``, ``ci_low``, ``ci_high`` (95 %), ``infit_mnsq``,
        ``outfit_mnsq``, ``n_ratings``, ``raw_mean``, ``extreme`` (bool) and
        ``flag`` (``"erratic"``, ``"too predictable"`` or ``""``, see
        :data:`FIT_BAND`).
    dimensions : pandas.DataFrame
        Indexed by ``dimension_id``: ``difficulty`` (logits, mean 0), ``se``,
        ``infit_mnsq``, ``outfit_mnsq``, ``n_ratings``, ``raw_mean``, ``weight``.
    applications : pandas.DataFrame
        Indexed by ``application_id``: ``measure`` (skill, logits), ``se``,
        ``n_ratings``, ``raw_mean``, ``extreme`` (bool: all 1s or all 5s,
        estimated with the 0.3 score-point correction), ``infit_mnsq``,
        ``outfit_mnsq``, one ``fair_score_<dimension_id>`` column per dimension
        (expected 1-5 rating from a reviewer of severity 0) and
        ``fair_weighted`` (weights-sum of the fair scores).
    thresholds : pandas.Series
        Andrich thresholds ``F_k`` (logits, sum 0), indexed by the upper
        category ``k`` = 2..5.
    weights : Mapping[Hashable, float]
        The dimension weights used for ``fair_weighted``.
    iterations : int
        Iterations of the main joint estimation.
    converged : bool
        Whether the main and the extreme-score estimations met ``tol``.
    max_change : float
        Largest parameter change (logits) in the last main iteration.
    tol : float
        The convergence tolerance used.
    n_ratings : int
        Ratings used.
    n_subsets : int
        Connected subsets of the application-reviewer network.  Above 1,
        severities (and measures) are not comparable across subsets.
    bias_factor : float
        The factor every reported logit (measure, severity, difficulty,
        threshold) and its standard error was multiplied by to remove the
        joint-estimation bias (1.0 without the correction); dividing by it
        gives the raw joint maximum-likelihood estimates.
    """

    reviewers: pd.DataFrame
    dimensions: pd.DataFrame
    applications: pd.DataFrame
    thresholds: pd.Series
    weights: Mapping[Hashable, float]
    iterations: int
    converged: bool
    max_change: float
    tol: float
    n_ratings: int
    n_subsets: int
    bias_factor: float = 1.0

    @property
    def fair_scores(self) -> pd.DataFrame:
        """Fair per-dimension scores, one row per application, one column per dimension id."""
        dims = self.dimensions.index
        out = self.applications[[_fair_column(d) for d in dims]].copy()
        out.columns = dims
        return out


def _fair_column(dimension_id: Hashable) -> str:
    return f"fair_score_{dimension_id}"


# --------------------------------------------------------------------------------------------
# Model primitives
# --------------------------------------------------------------------------------------------


def _category_terms(eta: NDArray[np.float64], thresholds: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """Unnormalised category weights ``exp(k*eta - sum_{j<=k} F_j)`` for k = 0..m.

    Computed as ``c_k * z**k`` with ``z = exp(eta)``: one exponential per rating.
    """
    cum = np.concatenate(([0.0], np.cumsum(thresholds)))
    c = np.exp(-cum)
    z = np.exp(np.clip(eta, -_ETA_CLIP, _ETA_CLIP))
    terms = []
    zk = np.ones_like(z)
    for k in range(len(c)):
        terms.append(c[k] * zk)
        if k + 1 < len(c):
            zk = zk * z
    return terms


def _moments(eta: _Vec, thresholds: _Vec) -> tuple[_Vec, _Vec]:
    """Model mean and variance of the rating (on the 0..m step scale) at each ``eta``."""
    terms = _category_terms(eta, thresholds)
    s0 = np.zeros_like(eta)
    s1 = np.zeros_like(eta)
    s2 = np.zeros_like(eta)
    for k, t in enumerate(terms):
        s0 += t
        if k:
            s1 += k * t
            s2 += (k * k) * t
    mean = s1 / s0
    var = np.maximum(s2 / s0 - mean * mean, _TINY)
    return mean, var


def category_probabilities(eta: ArrayLike, thresholds: ArrayLike) -> NDArray[np.float64]:
    """Category probabilities of the rating-scale model.

    Parameters
    ----------
    eta : array_like
        ``B_a - D_d - C_r`` in logits, any shape.
    thresholds : array_like
        Andrich thresholds ``F_2..F_5`` (logits).

    Returns
    -------
    numpy.ndarray
        Shape ``eta.shape + (len(thresholds) + 1,)``; the last axis is the
        rating ``RATING_MIN .. RATING_MAX`` and sums to 1.

    Examples
    --------
    >>> category_probabilities(0.0, [0.0, 0.0, 0.0, 0.0]).round(2).tolist()
    [0.2, 0.2, 0.2, 0.2, 0.2]
    """
    e = np.asarray(eta, dtype=np.float64)
    flat = e.reshape(-1)
    terms = np.stack(_category_terms(flat, np.asarray(thresholds, dtype=np.float64)), axis=-1)
    probs = terms / terms.sum(axis=-1, keepdims=True)
    return probs.reshape(e.shape + (probs.shape[-1],))


def expected_rating(eta: ArrayLike, thresholds: ArrayLike) -> NDArray[np.float64] | float:
    """Model-expected rating on the original 1-5 scale.

    ``E = RATING_MIN + sum_k k * P_k(eta)`` with ``k`` counting steps above the
    bottom category.  With ``eta = B_a - D_d`` (severity 0) this is the fair
    score of application ``a`` on dimension ``d``.

    Parameters
    ----------
    eta : array_like
        Logits ``B_a - D_d - C_r``.
    thresholds : array_like
        Andrich thresholds (logits).

    Returns
    -------
    float or numpy.ndarray
        Same shape as ``eta``.

    Examples
    --------
    With all thresholds at 0 and ``eta = ln 2`` the category weights are
    1, 2, 4, 8, 16, so ``E = 1 + (2 + 8 + 24 + 64) / 31``:

    >>> round(expected_rating(float(np.log(2.0)), [0, 0, 0, 0]), 6) == round(1 + 98 / 31, 6)
    True
    """
    e = np.asarray(eta, dtype=np.float64)
    mean, _ = _moments(e.reshape(-1), np.asarray(thresholds, dtype=np.float64))
    out = RATING_MIN + mean.reshape(e.shape)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------


def _as_frame(ratings: pd.DataFrame | Mapping[str, ArrayLike], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    df = ratings if isinstance(ratings, pd.DataFrame) else pd.DataFrame(dict(ratings))
    missing = [c for c in REQUIRED_COLUMNS + extra if c not in df.columns]
    if missing:
        raise ValueError(f"ratings is missing column(s) {plain_list(missing)}")
    return df


def _steps(rating: pd.Series) -> NDArray[np.float64]:
    """Ratings as steps above the bottom category (0..m), validated."""
    if rating.isna().any():
        raise ValueError("ratings contain missing values")
    values = rating.to_numpy(dtype=np.float64)
    if not np.all(np.isin(values, np.arange(RATING_MIN, RATING_MAX + 1))):
        raise ValueError(f"ratings must be integers from {RATING_MIN} to {RATING_MAX}")
    return values - RATING_MIN


def _codes(column: pd.Series) -> tuple[NDArray[np.intp], pd.Index]:
    if column.isna().any():
        raise ValueError(f"column {column.name!r} has missing ids")
    codes, uniques = pd.factorize(column, sort=True)
    return codes.astype(np.intp, copy=False), pd.Index(uniques, name=column.name)


def _validated_weights(weights: Mapping[Hashable, float], dims: pd.Index) -> dict[Hashable, float]:
    w = {k: float(v) for k, v in weights.items()}
    if any(v < 0 or not np.isfinite(v) for v in w.values()):
        raise ValueError("dimension weights must be finite and non-negative")
    if abs(sum(w.values()) - 1.0) > 1e-6:
        raise ValueError(f"dimension weights must sum to 1, got {sum(w.values())!r}")
    known = set(dims.tolist())
    missing = [d for d in dims if d not in w]
    if missing:
        raise ValueError(f"no weight for dimension(s) {plain_list(missing)}")
    unrated = [k for k, v in w.items() if k not in known and v > 0]
    if unrated:
        raise ValueError(f"dimension(s) {plain_list(unrated)} have weight but no ratings")
    return {d: w[d] for d in dims}


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------


def _extreme_adjusted(score: _Vec, count: _Vec, correction: float) -> _Vec:
    """Raw scores with all-minimum / all-maximum scores moved ``correction`` points inward."""
    top = count * _N_STEPS
    out = score.copy()
    low = (count > 0) & (score <= 0)
    high = (count > 0) & (score >= top)
    out[low] = correction
    out[high] = top[high] - correction
    return out


def _core_mask(
    idx: tuple[NDArray[np.intp], ...], sizes: tuple[int, ...], x: NDArray[np.float64], free: tuple[bool, ...]
) -> tuple[NDArray[np.bool_], list[NDArray[np.bool_]]]:
    """Ratings and elements left after repeatedly setting aside extreme elements.

    Only facets marked ``free`` (not anchored) are checked for extreme scores.
    Returns the mask of remaining ratings and, per facet, which elements still
    have ratings in it (the "core" estimated in the first stage).
    """
    active = np.ones(x.shape[0], dtype=bool)
    extreme = [np.zeros(n, dtype=bool) for n in sizes]
    changed = True
    while changed:
        changed = False
        for f, (ix, n) in enumerate(zip(idx, sizes, strict=True)):
            if not free[f]:
                continue
            cnt = np.bincount(ix[active], minlength=n)
            sc = np.bincount(ix[active], weights=x[active], minlength=n)
            new = (cnt > 0) & ((sc <= 0) | (sc >= cnt * _N_STEPS)) & ~extreme[f]
            if new.any():
                extreme[f] |= new
                active &= ~new[ix]
                changed = True
    core = [np.bincount(ix[active], minlength=n) > 0 for ix, n in zip(idx, sizes, strict=True)]
    return active, core


def _threshold_step(eta: _Vec, tau: _Vec, n_ge: _Vec) -> _Vec:
    """Joint Newton step for the Andrich thresholds (before re-centring)."""
    terms = _category_terms(eta, tau)
    s0 = terms[0].copy()
    for t in terms[1:]:
        s0 += t
    # S[:, j-1] = P(X >= j), j = 1..m
    tail = np.empty((eta.shape[0], _N_STEPS))
    acc = np.zeros_like(eta)
    for j in range(_N_STEPS, 0, -1):
        acc += terms[j]
        tail[:, j - 1] = acc / s0
    col = tail.sum(axis=0)
    grad = col - n_ge  # d logL / d F_j
    steps = np.arange(_N_STEPS)
    cov = col[np.maximum.outer(steps, steps)] - tail.T @ tail  # = -Hessian
    step = np.linalg.solve(cov, grad)
    big = np.max(np.abs(step))
    if big > MAX_STEP:
        step *= MAX_STEP / big
    return step


def _jmle(
    a: NDArray[np.intp],
    r: NDArray[np.intp],
    d: NDArray[np.intp],
    x: NDArray[np.float64],
    params: list[NDArray[np.float64]],
    tau: NDArray[np.float64],
    free: list[NDArray[np.bool_]],
    targets: list[NDArray[np.float64]],
    *,
    fit_thresholds: bool,
    centre: tuple[int, ...],
    max_iter: int,
    tol: float,
) -> tuple[NDArray[np.float64], int, bool, float]:
    """Gauss-Seidel Newton-Raphson JMLE over the given ratings; updates ``params`` in place.

    ``params`` = [B, C, D]; ``eta = B[a] - D[d] - C[r]``.  ``centre`` lists the
    facets (1 = reviewers, 2 = dimensions) whose free elements are kept at mean
    0; estimated thresholds are always kept at mean 0.  Returns the (possibly
    updated) thresholds, iterations, converged flag and last change.
    """
    B, C, D = params
    idx = (a, r, d)
    signs = (1.0, -1.0, -1.0)  # d eta / d parameter
    n_ge = np.array([np.count_nonzero(x >= j) for j in range(1, _N_STEPS + 1)], dtype=np.float64)
    change = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        before = [p.copy() for p in params] + [tau.copy()]
        for f in range(3):
            if not free[f].any():
                continue
            mean, var = _moments(B[a] - D[d] - C[r], tau)
            n = params[f].shape[0]
            expected = np.bincount(idx[f], weights=mean, minlength=n)
            info = np.bincount(idx[f], weights=var, minlength=n)
            step = signs[f] * (targets[f] - expected) / np.maximum(info, _TINY)
            params[f] += np.where(free[f], np.clip(step, -MAX_STEP, MAX_STEP), 0.0)
        if fit_thresholds:
            tau = tau + _threshold_step(B[a] - D[d] - C[r], tau, n_ge)
        # Each shift is absorbed by the application measures, leaving every eta unchanged.
        for f in centre:
            if free[f].any():
                m = params[f][free[f]].mean()
                params[f][free[f]] -= m
                B -= m
        if fit_thresholds:
            m = tau.mean()
            tau = tau - m
            B -= m
        change = max(
            float(np.max(np.abs(p - q), initial=0.0)) for p, q in zip(params + [tau], before, strict=True)
        )
        if change < tol:
            return tau, it, True, change
    return tau, it, False, change


def _tail_probabilities(eta: _Vec, tau: _Vec) -> NDArray[np.float64]:
    """``P(X >= j)`` for j = 1..m (rows) at each ``eta`` (columns): shape (m, n)."""
    terms = _category_terms(eta, tau)
    total = terms[0].copy()
    for t in terms[1:]:
        total += t
    tail = np.empty((_N_STEPS, eta.shape[0]))
    acc = np.zeros_like(eta)
    for j in range(_N_STEPS, 0, -1):
        acc += terms[j]
        np.divide(acc, total, out=tail[j - 1])
    return tail


def _profiled_variances(
    idx: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]],
    sizes: tuple[int, int, int],
    eta: _Vec,
    tau: _Vec,
    free: list[NDArray[np.bool_]],
    *,
    fit_thresholds: bool,
    centre: tuple[int, ...],
    groups: NDArray[np.intp] | None = None,
) -> list[_Vec]:
    """Sampling variances of the free reviewer and dimension parameters, measures profiled out.

    One rating is an exponential family in the natural parameters ``lambda_j = eta - F_j`` with
    sufficient statistics ``u_j = [x >= j]``, so its Fisher information in the ``lambda_j`` is the
    covariance matrix of the ``u_j``.  Each parameter moves every ``lambda_j`` by +1 (a measure) or
    -1 (a severity, a difficulty), or its own ``lambda_k`` by -1 (threshold ``F_k``), which gives
    the joint information of all parameters as sums over the ratings.  The application measures
    are estimated too, not known: their block of the information is diagonal, so profiling them
    out leaves the Schur complement ``M = I_tt - I_tb I_bb^-1 I_bt`` for the other parameters
    (Cox & Reid 1987).  The sum-to-zero constraints of :func:`_jmle` enter through the bordered
    (Lagrangian) system ``[[M, A'], [A, 0]]``, whose inverse's top-left block is the covariance of
    the constrained estimates.  Only elements marked ``free`` are included, with the ratings passed
    (those they were estimated from).  Returns a variance per element of each facet, NaN where
    not estimated here (facet 0 is always NaN).

    ``groups`` (a period per reviewer element, from :func:`severity_by_period`) makes the
    variances conditional on the other periods: entries of ``M`` between elements of different
    periods are dropped and each period's elements get a sum-to-zero row of their own.  Months
    are linked only by the few applications rated across a month's end, so the unconditional
    inverse carries each month's origin as a large, nearly free direction, which the joint
    estimation does not move along (it keeps each month's origin where the full fit put it).
    """
    a, r, d = idx
    tail = _tail_probabilities(eta, tau)
    # Cov(u_i, u_k) = P(X >= max(i, k)) - P(X >= i) P(X >= k); summed over i it is Cov(x, u_k).
    tail_sum = tail.sum(axis=0)
    cov_x = np.empty_like(tail)  # (m, n): row k is Cov(x, u_k)
    beyond = np.zeros_like(tail_sum)  # sum over i > k of P(X >= i)
    for k in range(_N_STEPS - 1, -1, -1):
        cov_x[k] = (k + 1) * tail[k] + beyond - tail[k] * tail_sum  # sum_i P(X >= max(i, k)) - ...
        beyond += tail[k]
    var_x = cov_x.sum(axis=0)

    cols = []
    offset = 0
    for f in (1, 2):
        pos = np.full(sizes[f], -1, dtype=np.intp)
        n_f = int(free[f].sum())
        pos[free[f]] = offset + np.arange(n_f)
        offset += n_f
        cols.append(pos)
    first_tau = offset
    n_tau = _N_STEPS if fit_thresholds else 0
    p = offset + n_tau
    out = [np.full(n, np.nan) for n in sizes]
    if p == 0:
        return out

    rows: list[NDArray[np.intp]] = []
    cols_: list[NDArray[np.intp]] = []
    vals: list[_Vec] = []

    def add(i: NDArray[np.intp], j: NDArray[np.intp], v: _Vec, shape: tuple[int, int]) -> None:
        """Entries ``(i, j, v)``; summed per cell first when the matrix is small enough to count in."""
        if shape[0] * shape[1] <= _DENSE_CELLS:
            summed = _weighted_count(i.astype(np.intp) * shape[1] + j, v, shape[0] * shape[1])
            cells = np.flatnonzero(summed)
            i, j, v = cells // shape[1], cells % shape[1], summed[cells]
        rows.append(i)
        cols_.append(j)
        vals.append(v)

    def matrix(shape: tuple[int, int]) -> csr_matrix:
        out_ = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols_))), shape=shape)
        rows.clear()
        cols_.clear()
        vals.clear()
        return out_.tocsr()

    square = (p, p)
    per_rating = [cols[0][r], cols[1][d]]
    for ci in per_rating:
        for cj in per_rating:
            both = (ci >= 0) & (cj >= 0)
            add(ci[both], cj[both], var_x[both], square)  # severity/difficulty pairs: +Var(x)
        own = ci >= 0
        for k in range(n_tau):  # with threshold k: +Cov(x, u_k)
            column = _weighted_count(ci[own], cov_x[k][own], p)
            nz = np.flatnonzero(column)
            add(nz, np.full(nz.size, first_tau + k), column[nz], square)
            add(np.full(nz.size, first_tau + k), nz, column[nz], square)
    if n_tau:
        steps = np.arange(_N_STEPS)
        sigma = tail.sum(axis=1)[np.maximum.outer(steps, steps)] - tail @ tail.T
        grid = first_tau + steps
        add(np.repeat(grid, n_tau), np.tile(grid, n_tau), sigma.reshape(-1), square)
    info = matrix(square)

    if free[0].any():
        # Measures with the others: the negative of the entries above (their derivative is +1).
        info_b = np.bincount(a, weights=var_x, minlength=sizes[0])
        keep = free[0] & (info_b > _TINY)
        tall = (sizes[0], p)
        for ci in per_rating:
            own = (ci >= 0) & keep[a]
            add(a[own], ci[own], -var_x[own], tall)
        for k in range(n_tau):
            per_application = _weighted_count(a, cov_x[k], sizes[0])
            rated = np.flatnonzero(keep)
            add(rated, np.full(rated.size, first_tau + k), -per_application[rated], tall)
        cross = matrix(tall)
        inv_b = np.where(keep, 1.0 / np.maximum(info_b, _TINY), 0.0)
        info = (info - cross.T @ diags(inv_b) @ cross).tocsr()

    # One sum-to-zero row per centred block; the reviewers' one per connected part of the
    # application-reviewer network, since each part's origin is pinned on its own (and, with
    # ``groups``, one per period within a part).
    parts = _reviewer_parts(a, r, sizes, free[1])
    if groups is not None:
        element_group = np.full(p, -1, dtype=np.intp)
        element_group[cols[0][free[1]]] = groups[free[1]]
        info = info.tocoo()
        same = (element_group[info.row] == element_group[info.col]) | (element_group[info.row] < 0) | (
            element_group[info.col] < 0)
        info = coo_matrix((info.data[same], (info.row[same], info.col[same])), shape=info.shape).tocsr()
        parts = [part[groups[part] == g] for part in parts for g in np.unique(groups[part])]
    border = [cols[0][part] for part in parts] if 1 in centre else []
    if 2 in centre and free[2].any():
        border.append(cols[1][free[2]])
    if n_tau:
        border.append(first_tau + np.arange(n_tau))
    n_c = len(border)
    if n_c:
        b_rows = np.concatenate([np.full(ix.size, i) for i, ix in enumerate(border)])
        b_cols = np.concatenate(border)
        constraint = coo_matrix((np.ones(b_rows.size), (b_rows, b_cols)), shape=(n_c, p))
        system = bmat([[info, constraint.T], [constraint, None]], format="csc")
    else:
        system = info.tocsc()
    diag = _inverse_diagonal(system, p)
    if diag is None:
        # A disconnected design leaves directions no constraint pins down: fall back to each
        # element's own profiled information, which ignores the other elements' uncertainty.
        diag = 1.0 / np.maximum(info.diagonal(), _TINY)
    for f in (1, 2):
        out[f][free[f]] = diag[cols[f - 1][free[f]]]
    return out


def _reviewer_parts(
    a: NDArray[np.intp], r: NDArray[np.intp], sizes: tuple[int, int, int], free: NDArray[np.bool_]
) -> list[NDArray[np.intp]]:
    """The free reviewer elements of each connected part of the application-reviewer network."""
    graph = coo_matrix((np.ones(a.size), (a, sizes[0] + r)), shape=(sizes[0] + sizes[1],) * 2)
    _, labels = connected_components(graph, directed=False)
    element_labels = labels[sizes[0]:]
    elements = np.flatnonzero(free)
    return [elements[element_labels[elements] == lab] for lab in np.unique(element_labels[elements])]


def _inverse_diagonal(system: csc_matrix, p: int) -> _Vec | None:
    """The first ``p`` diagonal entries of ``system``'s inverse, or None if it is singular.

    The system falls apart into independent blocks wherever the network does (reviewer-months of
    different months rarely share an application): each connected block is inverted on its own.
    A block of more than :data:`_DENSE_BLOCK` elements (a fit of that many reviewers) gets each
    element's conditional variance instead, the inverse of its own diagonal entry (see
    :func:`_profiled_variances`), where the exact inverse would cost seconds.
    """
    n_blocks, labels = connected_components(system, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_blocks + 1))
    full = np.empty(system.shape[0])
    csr = system.tocsr()
    for b in range(n_blocks):
        members = order[bounds[b]:bounds[b + 1]]
        block = csr[members][:, members]
        try:
            if members.size <= _DENSE_BLOCK:
                full[members] = np.diag(np.linalg.inv(block.toarray()))
            else:
                own = block.diagonal()
                full[members] = np.where(own > _TINY, 1.0 / np.maximum(own, _TINY), np.nan)
        except np.linalg.LinAlgError:
            return None
    diag = full[:p]
    if not np.all(np.isfinite(diag)) or np.any(diag < -1e-9):
        return None
    return np.maximum(diag, 0.0)


@dataclass(frozen=True)
class _Estimates:
    params: list[NDArray[np.float64]]  # [B, C, D]
    thresholds: NDArray[np.float64]
    active: NDArray[np.bool_]
    core: list[NDArray[np.bool_]]
    counts: list[NDArray[np.float64]]
    scores: list[NDArray[np.float64]]
    se: list[NDArray[np.float64]]
    infit: list[NDArray[np.float64]]
    outfit: list[NDArray[np.float64]]
    n_fit: list[NDArray[np.intp]]
    iterations: int
    converged: bool
    change: float


def _weighted_count(index: NDArray[np.intp], weights: NDArray[np.float64], size: int) -> NDArray[np.float64]:
    """The sum of ``weights`` per value of ``index`` (0 to ``size`` - 1), as floats."""
    return np.bincount(index, weights=weights, minlength=size).astype(np.float64, copy=False)


def _logit_start(adjusted: NDArray[np.float64], count: NDArray[np.float64]) -> NDArray[np.float64]:
    p = np.clip(adjusted / np.maximum(count * _N_STEPS, 1.0), 0.02, 0.98)
    return np.log(p / (1.0 - p))


def _estimate(
    idx: tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]],
    sizes: tuple[int, int, int],
    x: NDArray[np.float64],
    start: list[NDArray[np.float64]],
    tau: NDArray[np.float64],
    *,
    free: tuple[bool, bool, bool],
    fit_thresholds: bool,
    centre: tuple[int, ...],
    extreme_correction: float,
    tol: float,
    max_iter: int,
    variance_groups: NDArray[np.intp] | None = None,
) -> _Estimates:
    """Two-stage JMLE: non-extreme elements first, then the set-aside extreme ones.

    Facets with ``free[f]`` False keep their ``start`` values (anchors).  ``variance_groups`` as
    ``groups`` of :func:`_profiled_variances`.
    """
    a, r, d = idx
    active, core = _core_mask(idx, sizes, x, free)
    counts = [np.bincount(ix, minlength=n).astype(np.float64) for ix, n in zip(idx, sizes, strict=True)]
    scores = [_weighted_count(ix, x, n) for ix, n in zip(idx, sizes, strict=True)]
    adjusted = [_extreme_adjusted(sc, c, extreme_correction) for sc, c in zip(scores, counts, strict=True)]
    params = [p.astype(np.float64, copy=True) for p in start]
    core_free = [c & f for c, f in zip(core, free, strict=True)]
    rest_free = [~c & (n > 0) & f for c, n, f in zip(core, counts, free, strict=True)]

    iterations, converged, change = 0, True, 0.0
    if active.any():
        targets = [
            _weighted_count(ix[active], x[active], n) for ix, n in zip(idx, sizes, strict=True)
        ]
        tau, iterations, converged, change = _jmle(
            a[active], r[active], d[active], x[active], params, tau, core_free, targets,
            fit_thresholds=fit_thresholds, centre=centre, max_iter=max_iter, tol=tol,
        )
    rest = ~active
    if rest.any() and any(f.any() for f in rest_free):
        _, _, ok, _ = _jmle(
            a[rest], r[rest], d[rest], x[rest], params, tau, rest_free, adjusted,
            fit_thresholds=False, centre=(), max_iter=max_iter, tol=tol,
        )
        converged = converged and ok

    B, C, D = params
    mean, var = _moments(B[a] - D[d] - C[r], tau)
    resid2 = (x - mean) ** 2
    profiled = [np.full(n, np.nan) for n in sizes]
    if active.any():
        profiled = _profiled_variances(
            (a[active], r[active], d[active]), sizes, (B[a] - D[d] - C[r])[active], tau, core_free,
            fit_thresholds=fit_thresholds, centre=centre, groups=variance_groups,
        )
    se, infit, outfit, n_fit = [], [], [], []
    for f, (ix, n) in enumerate(zip(idx, sizes, strict=True)):
        # information from the ratings the element was estimated from
        info = np.where(
            core[f],
            np.bincount(ix[active], weights=var[active], minlength=n),
            np.bincount(ix, weights=var, minlength=n),
        )
        own = 1.0 / np.sqrt(np.maximum(info, _TINY))
        se.append(np.where(np.isnan(profiled[f]), own, np.sqrt(profiled[f])))
        i_f, o_f = _fit_stats(ix[active], n, resid2[active], var[active])
        infit.append(i_f)
        outfit.append(o_f)
        n_fit.append(np.bincount(ix[active], minlength=n))
    return _Estimates(params, tau, active, core, counts, scores, se, infit, outfit, n_fit,
                      iterations, bool(converged), float(change))


def _fit_stats(
    ix: NDArray[np.intp], n: int, resid2: NDArray[np.float64], var: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    cnt = np.bincount(ix, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        infit = np.bincount(ix, weights=resid2, minlength=n) / np.bincount(ix, weights=var, minlength=n)
        outfit = np.bincount(ix, weights=resid2 / var, minlength=n) / cnt
    infit[cnt == 0] = np.nan
    outfit[cnt == 0] = np.nan
    return infit, outfit


def _reviewer_flags(infit: _Vec, n_fit: NDArray[np.intp], band: FitBand) -> NDArray[np.object_]:
    flag = np.full(infit.shape[0], "", dtype=object)
    enough = n_fit >= band.min_ratings
    flag[enough & (infit > band.erratic_above)] = "erratic"
    flag[enough & (infit < band.too_predictable_below)] = "too predictable"
    return flag


def _n_subsets(a: NDArray[np.intp], r: NDArray[np.intp], n_a: int, n_r: int) -> int:
    if a.size == 0:
        return 0
    graph = coo_matrix((np.ones(a.size), (a, n_a + r)), shape=(n_a + n_r, n_a + n_r))
    _, labels = connected_components(graph, directed=False)
    used = np.zeros(n_a + n_r, dtype=bool)
    used[a] = True
    used[n_a + r] = True
    return int(np.unique(labels[used]).size)


def fit_severity(
    ratings: pd.DataFrame | Mapping[str, ArrayLike],
    weights: Mapping[Hashable, float],
    *,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    extreme_correction: float = EXTREME_SCORE_CORRECTION,
    fit_band: FitBand = FIT_BAND,
    bias_correction: bool = True,
) -> SeverityFit:
    """Fit the rating-scale many-facet Rasch model to long-format ratings.

    The model (see the module docstring) is

    ``log(P_k / P_{k-1}) = B_a - D_d - C_r - F_k``,

    application skill ``B_a``, dimension difficulty ``D_d``, reviewer severity
    ``C_r`` and Andrich thresholds ``F_k``, estimated by joint maximum
    likelihood with vectorised Newton-Raphson steps.

    Parameters
    ----------
    ratings : pandas.DataFrame or mapping of arrays
        Long format, one row per rating, with columns ``application_id``,
        ``reviewer_id``, ``dimension_id`` and ``rating`` (integer 1-5).  Other
        columns are ignored.  Row order does not matter (ids are sorted).
    weights : mapping
        ``dimension_id -> fraction``; non-negative, summing to 1, with an entry
        for every rated dimension.  Used for ``fair_weighted``.
    tol : float
        Convergence: stop when no parameter changes by ``tol`` logits or more
        in one iteration.
    max_iter : int
        Iteration cap; ``converged`` is False if it is reached.
    extreme_correction : float
        Score points by which all-1 / all-5 raw scores are moved inward before
        those elements are estimated.
    fit_band : FitBand
        Mean-square band for the reviewers' ``flag``.
    bias_correction : bool
        Multiply the reported logits by Wright's factor (default); False gives
        the raw joint maximum-likelihood estimates.

    Returns
    -------
    SeverityFit

    Raises
    ------
    ValueError
        On missing columns or values, ratings outside 1-5, invalid weights, or
        when a rating category is never used by the non-extreme ratings (its
        threshold would be infinite).

    Notes
    -----
    Reported logits are the joint estimates times ``bias_factor`` (Wright's
    ``(L - 1) / L``, see the module docstring); ``bias_correction=False``
    reports the joint estimates themselves.  The reviewers' and dimensions'
    standard errors come from the information matrix with the application
    measures profiled out (the other parameters estimated, not known); the
    applications' are model SEs, ``1 / sqrt(sum W)`` over their ratings
    (``W`` the model variance of a rating), as are those of elements set aside
    as extreme.  The fair score of application ``a`` on dimension ``d`` is
    ``RATING_MIN + sum_k k P_k(B_a - D_d)`` from the joint estimates: the
    expected rating from a reviewer of severity 0, the average reviewer.

    Examples
    --------
    Reviewer 2 rates the same work one point lower than reviewer 1:

    >>> rows = [(a, rv, dim, min(5, max(1, 1 + (a + dim) % 5 - (rv == 2))))
    ...         for a in range(12) for rv in (1, 2) for dim in (1, 2)]
    >>> df = pd.DataFrame(rows, columns=["application_id", "reviewer_id", "dimension_id", "rating"])
    >>> fit = fit_severity(df, {1: 0.5, 2: 0.5})
    >>> bool(fit.reviewers.loc[2, "severity"] > 0 > fit.reviewers.loc[1, "severity"])
    True
    >>> fit.converged
    True
    """
    df = _as_frame(ratings)
    x = _steps(df["rating"])
    a, app_ids = _codes(df["application_id"])
    r, rev_ids = _codes(df["reviewer_id"])
    d, dim_ids = _codes(df["dimension_id"])
    w = _validated_weights(weights, dim_ids)
    sizes = (len(app_ids), len(rev_ids), len(dim_ids))
    idx = (a, r, d)

    active, core = _core_mask(idx, sizes, x, (True, True, True))
    used = np.bincount(x[active].astype(np.intp), minlength=_N_STEPS + 1)
    if active.any() and np.any(used == 0):
        empty = [RATING_MIN + int(k) for k in np.flatnonzero(used == 0)]
        which = f"category {empty[0]} is" if len(empty) == 1 else f"categories {plain_list(empty)} are"
        raise ValueError(
            f"rating {which} never used (outside extreme scores), so the thresholds cannot be estimated"
        )

    # Starting values: log-odds of each element's mean step; thresholds from category counts.
    start = []
    for f, (ix, n) in enumerate(zip(idx, sizes, strict=True)):
        cnt = np.bincount(ix, minlength=n).astype(np.float64)
        adj = _extreme_adjusted(_weighted_count(ix, x, n), cnt, extreme_correction)
        lo = _logit_start(adj, cnt)
        start.append(lo if f == 0 else -(lo - (lo[core[f]].mean() if core[f].any() else 0.0)))
    tau0 = np.log(np.maximum(used[:-1], 0.5) / np.maximum(used[1:], 0.5))
    est = _estimate(
        idx, sizes, x, start, tau0 - tau0.mean(),
        free=(True, True, True), fit_thresholds=True, centre=(1, 2),
        extreme_correction=extreme_correction, tol=tol, max_iter=max_iter,
    )
    factor = _wright_factor(est.core[0], est.active) if bias_correction else 1.0
    B, C, D = est.params
    tau = est.thresholds
    # Fair scores come from the joint estimates as they are: those reproduce every application's
    # observed raw score, while the corrected logits are the better estimates of the parameters.
    fair = np.asarray(expected_rating(B[:, None] - D[None, :], tau)).reshape(sizes[0], sizes[2])
    B, C, D, tau = B * factor, C * factor, D * factor, tau * factor
    counts, scores = est.counts, est.scores
    se = est.se
    infit, outfit, n_fit = est.infit, est.outfit, est.n_fit
    core = est.core

    with np.errstate(invalid="ignore", divide="ignore"):
        raw_mean = [RATING_MIN + s / c for s, c in zip(scores, counts, strict=True)]

    reviewers = pd.DataFrame(
        {
            "severity": C,
            "se": se[1],
            "ci_low": C - _Z95 * se[1],
            "ci_high": C + _Z95 * se[1],
            "infit_mnsq": infit[1],
            "outfit_mnsq": outfit[1],
            "n_ratings": counts[1].astype(np.int64),
            "raw_mean": raw_mean[1],
            "extreme": ~core[1],
            "flag": _reviewer_flags(infit[1], n_fit[1], fit_band),
        },
        index=rev_ids,
    )
    dimensions = pd.DataFrame(
        {
            "difficulty": D,
            "se": se[2],
            "infit_mnsq": infit[2],
            "outfit_mnsq": outfit[2],
            "n_ratings": counts[2].astype(np.int64),
            "raw_mean": raw_mean[2],
            "weight": [w[k] for k in dim_ids],
        },
        index=dim_ids,
    )
    applications = pd.DataFrame(
        {
            "measure": B,
            "se": se[0],
            "n_ratings": counts[0].astype(np.int64),
            "raw_mean": raw_mean[0],
            "extreme": ~core[0],
            "infit_mnsq": infit[0],
            "outfit_mnsq": outfit[0],
        },
        index=app_ids,
    )
    for j, dim in enumerate(dim_ids):
        applications[_fair_column(dim)] = fair[:, j]
    applications["fair_weighted"] = fair @ np.array([w[k] for k in dim_ids])

    return SeverityFit(
        reviewers=reviewers,
        dimensions=dimensions,
        applications=applications,
        thresholds=pd.Series(
            tau, index=pd.Index(range(RATING_MIN + 1, RATING_MAX + 1), name="category"), name="threshold"
        ),
        weights=MappingProxyType(w),
        iterations=est.iterations,
        converged=est.converged,
        max_change=est.change,
        tol=float(tol),
        n_ratings=int(x.shape[0]),
        n_subsets=_n_subsets(a[est.active], r[est.active], sizes[0], sizes[1]),
        bias_factor=factor,
    )


def _wright_factor(core_applications: NDArray[np.bool_], active: NDArray[np.bool_]) -> float:
    """Wright's ``(L - 1) / L`` with ``1 / L`` the mean, over the ratings, of 1 / (the ratings of
    that rating's application): ``1 - applications / ratings`` among the non-extreme ones."""
    n_ratings = int(active.sum())
    if n_ratings == 0:
        return 1.0
    return max(1.0 - int(core_applications.sum()) / n_ratings, MIN_BIAS_FACTOR)


# --------------------------------------------------------------------------------------------
# Severity over time
# --------------------------------------------------------------------------------------------


def severity_by_period(
    ratings: pd.DataFrame,
    fit: SeverityFit,
    *,
    time_column: str = "submitted_at",
    freq: str | None = "M",
    reestimate_applications: bool = True,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    extreme_correction: float = EXTREME_SCORE_CORRECTION,
) -> pd.DataFrame:
    """Each reviewer's severity per period, on the scale of a full fit.

    Every reviewer-period pair is treated as a rater element of its own,
    ``C_rp``, in the model of :func:`fit_severity`; dimension difficulties and
    thresholds are anchored at their values in ``fit``.

    * ``reestimate_applications=True`` (default): application measures are
      re-estimated jointly with the ``C_rp`` (one more JMLE run over the
      ratings).  A reviewer who drifts in some months is then not mistaken for
      a change in the applications they rated.
    * ``reestimate_applications=False``: application measures are also
      anchored from ``fit`` and only the ``C_rp`` are estimated, one
      independent Newton-Raphson per pair (faster).  Rows of applications not
      in ``fit`` are dropped.  Because the anchored measures already absorbed
      part of any drift, month-to-month changes are understated (by roughly
      the reviewer's share of each application's ratings).

    Severities are then shifted so that the mean over reviewers of each
    reviewer's mean period severity is 0, the average-reviewer origin of
    ``fit``; a reviewer whose severity never changed has period severities
    scattered around their ``fit.reviewers["severity"]``.  All-1 / all-5
    reviewer-periods get the 0.3 score-point extreme adjustment.  Rows whose
    dimension is not in ``fit`` are dropped.

    Parameters
    ----------
    ratings : pandas.DataFrame
        The long-format ratings (as for :func:`fit_severity`) plus
        ``time_column``.
    fit : SeverityFit
        The anchoring fit, normally on the same ratings.
    time_column : str
        Column holding the time of each rating, or the period label itself.
    freq : str or None
        Pandas period frequency (``"M"`` = calendar month) applied to
        ``time_column``; ``None`` uses its values as period labels as they are.
    reestimate_applications : bool
        See above.
    tol, max_iter : float, int
        Convergence tolerance (largest change, logits) and iteration cap.
    extreme_correction : float
        Score-point adjustment for extreme scores.

    Returns
    -------
    pandas.DataFrame
        One row per reviewer and period, sorted by both: ``reviewer_id``,
        ``period``, ``severity``, ``se``, ``ci_low``, ``ci_high``,
        ``infit_mnsq``, ``outfit_mnsq``, ``n_ratings``, ``extreme``.
    """
    columns = ["reviewer_id", "period", "severity", "se", "ci_low", "ci_high",
               "infit_mnsq", "outfit_mnsq", "n_ratings", "extreme"]
    df = _as_frame(ratings, (time_column,))
    d_pos = fit.dimensions.index.get_indexer(df["dimension_id"])
    keep = d_pos >= 0
    if not reestimate_applications:
        keep &= fit.applications.index.get_indexer(df["application_id"]) >= 0
    df = df.loc[keep]
    if df.empty:
        return pd.DataFrame(columns=columns)
    d_pos = fit.dimensions.index.get_indexer(df["dimension_id"]).astype(np.intp)
    x = _steps(df["rating"])
    period = pd.to_datetime(df[time_column]).dt.to_period(freq) if freq is not None else df[time_column]
    r_code, r_ids = _codes(df["reviewer_id"])
    p_code, p_ids = _codes(period.rename("period"))
    g_code, g = np.unique(r_code * len(p_ids) + p_code, return_inverse=True)
    g = g.reshape(-1).astype(np.intp)
    g_rev = g_code // len(p_ids)
    a, app_ids = _codes(df["application_id"])
    sizes = (len(app_ids), g_code.size, len(fit.dimensions))

    # The joint estimation runs on the raw (uncorrected) scale of ``fit``; its results are then
    # corrected by the same factor as ``fit`` itself.
    factor = fit.bias_factor
    anchored_b = fit.applications["measure"].reindex(app_ids).to_numpy(dtype=np.float64) / factor
    cnt_a = np.bincount(a, minlength=sizes[0]).astype(np.float64)
    adj_a = _extreme_adjusted(_weighted_count(a, x, sizes[0]), cnt_a, extreme_correction)
    b0 = np.where(np.isnan(anchored_b), _logit_start(adj_a, cnt_a), anchored_b)
    c0 = fit.reviewers["severity"].reindex(r_ids).fillna(0.0).to_numpy(dtype=np.float64)[g_rev] / factor
    d0 = fit.dimensions["difficulty"].to_numpy(dtype=np.float64) / factor
    est = _estimate(
        (a, g, d_pos), sizes, x, [b0, c0, d0], fit.thresholds.to_numpy(dtype=np.float64) / factor,
        free=(reestimate_applications, True, False), fit_thresholds=False,
        centre=(1,) if reestimate_applications else (), variance_groups=(g_code % len(p_ids)).astype(np.intp),
        extreme_correction=extreme_correction, tol=tol, max_iter=max_iter,
    )
    sev = est.params[1] * factor
    if reestimate_applications:
        # Origin: the average reviewer (each reviewer's periods averaged first) has severity 0.
        per_reviewer = pd.Series(sev).groupby(g_rev).mean()
        sev = sev - per_reviewer.mean()
    se = est.se[1]
    extreme = ~est.core[1]
    return pd.DataFrame(
        {
            "reviewer_id": r_ids[g_rev],
            "period": p_ids[g_code % len(p_ids)],
            "severity": sev,
            "se": se,
            "ci_low": sev - _Z95 * se,
            "ci_high": sev + _Z95 * se,
            "infit_mnsq": est.infit[1],
            "outfit_mnsq": est.outfit[1],
            "n_ratings": est.counts[1].astype(np.int64),
            "extreme": extreme,
        },
        columns=columns,
    )


def drift_flags(
    series: pd.DataFrame | pd.Series,
    threshold: float = DRIFT_THRESHOLD,
    *,
    baseline_periods: int | None = 3,
    min_z: float = DRIFT_MIN_Z,
) -> pd.DataFrame:
    """Flag reviewer-periods whose severity has moved away from the reviewer's own baseline.

    The baseline of a reviewer is the precision-weighted mean severity
    (weights ``1 / se**2``; plain mean without ``se``) of their first
    ``baseline_periods`` periods, or of all their periods if that is None.
    A period is flagged when ``|severity - baseline| > threshold`` and, if
    standard errors are given, the difference is at least ``min_z`` of its
    standard error ``sqrt(se**2 + se_baseline**2)``.  Periods inside the
    baseline window are never flagged (unless ``baseline_periods`` is None).

    Parameters
    ----------
    series : pandas.DataFrame or pandas.Series
        The output of :func:`severity_by_period` (columns ``reviewer_id``,
        ``period``, ``severity`` and optionally ``se``), or a Series of
        severities indexed by (``reviewer_id``, ``period``).
    threshold : float
        Logits; default :data:`DRIFT_THRESHOLD`.
    baseline_periods : int or None
        Length of the baseline window.
    min_z : float
        Minimum standardized drift; default :data:`DRIFT_MIN_Z`.

    Returns
    -------
    pandas.DataFrame
        The input rows sorted by reviewer and period, with ``baseline``,
        ``drift`` (severity - baseline, positive = harsher), ``z``,
        ``in_baseline``, ``flag`` (bool) and ``direction`` (``"harsher"``,
        ``"softer"`` or ``""``).

    Examples
    --------
    >>> s = pd.Series([0.1, 0.0, 0.1, 0.2, 0.9],
    ...               index=pd.MultiIndex.from_product([["ann"], [1, 2, 3, 4, 5]],
    ...                                                names=["reviewer_id", "period"]),
    ...               name="severity")
    >>> drift_flags(s, baseline_periods=3)["direction"].tolist()
    ['', '', '', '', 'harsher']
    """
    if isinstance(series, pd.Series):
        df = series.rename("severity").reset_index()
        if list(df.columns[:2]) != ["reviewer_id", "period"]:
            df.columns = ["reviewer_id", "period", "severity"]
    else:
        df = series.copy()
    for col in ("reviewer_id", "period", "severity"):
        if col not in df.columns:
            raise ValueError(f"drift_flags needs a {col!r} column")
    if baseline_periods is not None and baseline_periods < 1:
        raise ValueError("baseline_periods must be at least 1 (or None)")
    df = df.sort_values(["reviewer_id", "period"], kind="stable").reset_index(drop=True)
    has_se = "se" in df.columns
    se = df["se"].to_numpy(dtype=np.float64) if has_se else np.ones(len(df))
    rank = df.groupby("reviewer_id", sort=False).cumcount().to_numpy()
    in_base = np.ones(len(df), dtype=bool) if baseline_periods is None else rank < baseline_periods
    wts = pd.Series(np.where(in_base, 1.0 / np.maximum(se, _TINY) ** 2, 0.0), index=df.index)
    sev = df["severity"].astype(np.float64)
    grp = df["reviewer_id"]
    wsum = wts.groupby(grp, sort=False).transform("sum")
    baseline = (wts * sev).groupby(grp, sort=False).transform("sum") / wsum
    drift = sev - baseline
    if has_se:
        z = drift / np.sqrt(se**2 + 1.0 / wsum)
        significant = np.abs(z) >= min_z
    else:
        z = pd.Series(np.nan, index=df.index)
        significant = pd.Series(True, index=df.index)
    flag = (np.abs(drift) > threshold) & significant
    if baseline_periods is not None:
        flag &= ~in_base
    df["baseline"] = baseline
    df["drift"] = drift
    df["z"] = z
    df["in_baseline"] = in_base
    df["flag"] = flag.astype(bool)
    df["direction"] = np.where(df["flag"], np.where(drift > 0, "harsher", "softer"), "")
    return df
