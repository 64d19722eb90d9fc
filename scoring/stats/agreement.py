"""Inter-rater agreement statistics for reviewer calibration.

Every function takes a *reliability matrix*: an array-like of shape
``(raters, units)`` -- one row per reviewer, one column per candidate (or
whatever is being rated) -- holding numeric ratings, with ``np.nan`` where a
reviewer did not rate a unit. Two-rater statistics (:func:`cohen_kappa`) take
the two rows separately.

Conventions shared by all functions:

* Malformed input (wrong shape, non-numeric or infinite ratings, an unknown
  option, a rating outside the declared ``categories``) raises ``ValueError``
  with a message that says what was expected.
* Data that carry no information about agreement -- no unit with two ratings,
  or no variation at all, so that chance agreement is perfect -- give
  ``nan`` instead of an exception, so a dashboard can show "no estimate".
* Weighted coefficients treat the ordered categories as equally spaced steps:
  category ``i`` and ``j`` are ``|i - j|`` steps apart, whatever their values.

Each function's docstring gives the formula, the interpretation bands and the
publications it follows, and its example reproduces a published worked
example where one exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike
from scipy import stats

from scoring.stats.messages import plain

__all__ = [
    "ALPHA_BANDS",
    "ALPHA_BANDS_SOURCE",
    "ICCResult",
    "IccForm",
    "Level",
    "Weights",
    "bootstrap_alpha",
    "cohen_kappa",
    "cohen_kappa_of_tables",
    "fleiss_kappa",
    "gwet_ac",
    "icc",
    "krippendorff_alpha",
    "krippendorff_band",
    "percent_agreement",
]

_T = TypeVar("_T")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
IccForm = Literal["ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"]
Weights = Literal["linear", "quadratic"] | None

# Reliability bands for Krippendorff's alpha, highest first: rely on data with
# alpha >= .800, draw only tentative conclusions from .667 <= alpha < .800, and
# discard data below .667.
ALPHA_BANDS: Final[tuple[tuple[float, str], ...]] = (
    (0.800, "reliable"),
    (0.667, "tentative"),
    (-np.inf, "unreliable"),
)
ALPHA_BANDS_SOURCE: Final = "Krippendorff (2004), Content Analysis, 2nd ed., p. 241"

# Confidence level of the intervals reported by :func:`icc`.
ICC_CONFIDENCE: Final = 0.95

# Largest span of integer ratings indexed by direct offset instead of sorting.
_DENSE_SPAN: Final = 1 << 16

# Largest number of unit draws held in memory at once by :func:`bootstrap_alpha`.
_BOOTSTRAP_BLOCK: Final = 1 << 22

# Slack for comparing rating differences with a tolerance in floating point.
_TOLERANCE_SLACK: Final = 1e-9


# --------------------------------------------------------------------------
# Input checks shared by all statistics
# --------------------------------------------------------------------------


def _reliability_matrix(reliability_data: ArrayLike) -> FloatArray:
    """Return the ratings as a float array of shape (raters, units), checked."""
    try:
        data = np.asarray(reliability_data, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "reliability_data must hold numeric ratings, with np.nan for a missing "
            f"rating; it could not be read as numbers ({error})"
        ) from None
    if data.ndim != 2:
        raise ValueError(
            "reliability_data must be 2-D with shape (raters, units); "
            f"got an array of shape {data.shape}"
        )
    n_raters, n_units = data.shape
    if n_raters < 2:
        raise ValueError(
            f"reliability_data needs at least 2 raters (rows); got {n_raters}"
        )
    if n_units < 1:
        raise ValueError("reliability_data needs at least 1 unit (column); got 0")
    if np.isinf(data).any():
        raise ValueError(
            "reliability_data contains infinite values; use np.nan for a missing rating"
        )
    return data


def _resolve(option: object, table: dict[object, _T], name: str) -> _T:
    """Look ``option`` up in ``table``, naming the valid choices if it is absent."""
    try:
        return table[option]
    except (KeyError, TypeError):
        valid = ", ".join(repr(key) for key in table)
        raise ValueError(f"unknown {name} {plain(option)}; valid values are {valid}") from None


def _rating_scale(observed: FloatArray, categories: ArrayLike | None) -> FloatArray:
    """Sorted categories of the rating scale, checked against the observed ratings."""
    if categories is None:
        return np.unique(observed)
    try:
        scale = np.asarray(categories, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"categories must be a 1-D sequence of numbers; got {plain(categories)}"
        ) from None
    if scale.ndim != 1 or scale.size == 0:
        raise ValueError(
            f"categories must be a non-empty 1-D sequence of numbers; got {plain(categories)}"
        )
    if not np.isfinite(scale).all():
        raise ValueError(f"categories must be finite numbers; got {scale.tolist()}")
    unique = np.unique(scale)
    if unique.size != scale.size:
        raise ValueError(f"categories must not repeat a value; got {scale.tolist()}")
    outside = np.setdiff1d(observed, unique)
    if outside.size:
        raise ValueError(
            f"ratings {outside.tolist()} are not among the categories {unique.tolist()}"
        )
    return unique


def _value_index(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values in ascending order, and each rating's position among them.

    Integer ratings in a modest span (the usual case: a 1-5 scale) are indexed
    by offset in linear time; anything else falls back to sorting.
    """
    if values.size:
        low, high = values.min(), values.max()
        if high - low < _DENSE_SPAN and np.array_equal(values, np.floor(values)):
            offsets = (values - low).astype(np.intp)
            present = np.bincount(offsets) > 0
            position = np.cumsum(present) - 1
            return low + np.flatnonzero(present), position[offsets]
    distinct, position = np.unique(values, return_inverse=True)
    return distinct, position.reshape(-1)


def _counts_per_unit(
    data: FloatArray, positions: IntArray, rated: npt.NDArray[np.bool_], n_values: int
) -> IntArray:
    """n_uc: how many raters gave unit ``u`` the value with index ``c``.

    ``positions`` lists the value index of each rating in ``data[rated]`` order.
    """
    n_units = data.shape[1]
    unit_of_rating = np.nonzero(rated)[1]
    flat = np.bincount(unit_of_rating * n_values + positions, minlength=n_units * n_values)
    return flat.reshape(n_units, n_values)


def _category_counts(
    data: FloatArray, categories: ArrayLike | None
) -> tuple[IntArray, FloatArray]:
    """r_ik, the number of raters who put unit ``i`` in category ``k``, and the scale."""
    rated = ~np.isnan(data)
    ratings = data[rated]
    scale = _rating_scale(ratings, categories)
    positions = np.searchsorted(scale, ratings)
    return _counts_per_unit(data, positions, rated, scale.size), scale


# --------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------


def _coincidences(n_uc: IntArray) -> FloatArray:
    """Coincidence matrix o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1).

    ``n_uc`` holds the value counts of pairable units only (m_u >= 2).
    """
    m_u = n_uc.sum(axis=1)
    per_pair = n_uc / (m_u - 1.0)[:, None]
    return per_pair.T @ n_uc - np.diag(per_pair.sum(axis=0))


def _nominal_difference(values: FloatArray, n_c: FloatArray) -> FloatArray:
    """delta^2_ck = 0 if c = k else 1."""
    return 1.0 - np.eye(values.size)


def _ordinal_difference(values: FloatArray, n_c: FloatArray) -> FloatArray:
    """delta^2_ck = (sum_{g=c}^{k} n_g - (n_c + n_k) / 2)^2.

    The bracket equals r_k - r_c with the mid-rank r_c = sum_{g<=c} n_g - n_c / 2,
    which is how it is evaluated here (also for a stack of marginals).
    """
    mid_rank = np.cumsum(n_c, axis=-1) - n_c / 2.0
    return (mid_rank[..., None, :] - mid_rank[..., :, None]) ** 2


def _interval_difference(values: FloatArray, n_c: FloatArray) -> FloatArray:
    """delta^2_ck = (c - k)^2."""
    return (values[:, None] - values[None, :]) ** 2


def _ratio_difference(values: FloatArray, n_c: FloatArray) -> FloatArray:
    """delta^2_ck = ((c - k) / (c + k))^2, taken as 0 where c = k = 0."""
    total = values[:, None] + values[None, :]
    gap = values[:, None] - values[None, :]
    quotient = np.divide(gap, total, out=np.zeros_like(gap), where=total != 0)
    return quotient**2


_DIFFERENCE_FUNCTIONS: Final[dict[object, Callable[[FloatArray, FloatArray], FloatArray]]] = {
    "nominal": _nominal_difference,
    "ordinal": _ordinal_difference,
    "interval": _interval_difference,
    "ratio": _ratio_difference,
}


def _observed_disagreement(o: FloatArray, delta2: FloatArray, n: FloatArray) -> FloatArray:
    """D_o = (1 / n) sum_c sum_k o_ck delta^2_ck."""
    return (o * delta2).sum(axis=(-2, -1)) / n


def _expected_disagreement(n_c: FloatArray, delta2: FloatArray, n: FloatArray) -> FloatArray:
    """D_e = 1 / (n (n - 1)) sum_c sum_k n_c n_k delta^2_ck."""
    e = n_c[..., :, None] * n_c[..., None, :]
    return (e * delta2).sum(axis=(-2, -1)) / (n * (n - 1.0))


def _alpha_from_coincidences(
    o: FloatArray, values: FloatArray, difference: Callable[[FloatArray, FloatArray], FloatArray]
) -> FloatArray:
    """alpha = 1 - D_o / D_e for one coincidence matrix or a stack of them."""
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    delta2 = difference(values, n_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_o = _observed_disagreement(o, delta2, n)
        d_e = _expected_disagreement(n_c, delta2, n)
        return np.where(d_e > 0, 1.0 - d_o / d_e, np.nan)


def _pairable_counts(data: FloatArray, level: object) -> tuple[IntArray, FloatArray]:
    """Value counts of the units with at least two ratings, and the value index."""
    rated = ~np.isnan(data)
    values, positions = _value_index(data[rated])
    if level == "ratio" and values.size and values[0] < 0:
        raise ValueError(
            "level='ratio' needs non-negative ratings (a ratio scale has an absolute "
            f"zero); got a minimum of {values[0]}"
        )
    n_uc = _counts_per_unit(data, positions, rated, values.size)
    pairable = rated.sum(axis=0) >= 2
    return n_uc[pairable], values


def krippendorff_alpha(reliability_data: ArrayLike, level: Level = "ordinal") -> float:
    r"""Krippendorff's alpha reliability coefficient.

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        Numeric ratings, ``np.nan`` where a rater did not rate a unit.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement; selects the difference function delta^2.

    Returns
    -------
    float
        Alpha; 1 is perfect reliability, 0 is agreement at chance level.
        ``nan`` when no unit has two ratings or the pairable values show no
        variation at all.

    Notes
    -----
    Units with fewer than two ratings carry no pairable values and are left
    out. From the values of the remaining units the coincidence matrix

    .. math:: o_{ck} = \sum_u \frac{n_{uc} n_{uk} - [c = k]\, n_{uc}}{m_u - 1}

    is formed, with marginals :math:`n_c = \sum_k o_{ck}` and total
    :math:`n = \sum_c n_c`. Then

    .. math:: \alpha = 1 - \frac{D_o}{D_e}
              = 1 - (n - 1) \frac{\sum_{c,k} o_{ck}\, \delta^2_{ck}}
                                  {\sum_{c,k} n_c n_k\, \delta^2_{ck}}

    with the difference functions nominal ``[c != k]``, interval
    ``(c - k)^2``, ratio ``((c - k) / (c + k))^2`` and ordinal
    ``(sum_{g=c}^{k} n_g - (n_c + n_k) / 2)^2``, the last built on the
    marginal sums rather than on the values themselves.

    Interpretation (Krippendorff 2004, p. 241): alpha >= .800 reliable,
    .667 <= alpha < .800 tentative conclusions only, below .667 unreliable;
    see :func:`krippendorff_band`.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Krippendorff, K. (2004). Content Analysis, 2nd ed., ch. 11.

    Examples
    --------
    The 4 observers x 12 units example with missing data of Krippendorff
    (2011):

    >>> nan = np.nan
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> for level in ("nominal", "ordinal", "interval", "ratio"):
    ...     print(level, round(krippendorff_alpha(data, level), 3))
    nominal 0.743
    ordinal 0.815
    interval 0.849
    ratio 0.797
    """
    difference = _resolve(level, _DIFFERENCE_FUNCTIONS, "level")
    data = _reliability_matrix(reliability_data)
    n_uc, values = _pairable_counts(data, level)
    if n_uc.shape[0] == 0:
        return float("nan")
    return float(_alpha_from_coincidences(_coincidences(n_uc), values, difference))


def _resampled_coincidences(
    rng: np.random.Generator, contribution: FloatArray, frequency: np.ndarray, n_resamples: int
) -> FloatArray:
    """Coincidence matrices of resamples of units, drawn with replacement.

    Units with the same value counts contribute the same share of o_ck, so units are grouped
    into distinct patterns: ``contribution[p]`` is one unit of pattern p's share and
    ``frequency[p]`` how many units have it. Drawing n units uniformly with replacement draws
    the patterns from a multinomial with probabilities ``frequency / n``; a resample's o_ck is
    the sum of the shares weighted by those counts.
    """
    n_patterns, n_values, _ = contribution.shape
    n_units = int(frequency.sum())
    times_drawn = rng.multinomial(n_units, frequency / n_units, size=n_resamples)
    o = times_drawn @ contribution.reshape(n_patterns, -1)
    return o.reshape(n_resamples, n_values, n_values)


def bootstrap_alpha(
    reliability_data: ArrayLike,
    level: Level = "ordinal",
    n_boot: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval for Krippendorff's alpha, resampling units.

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        Numeric ratings, ``np.nan`` where a rater did not rate a unit.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "ordinal"
        Level of measurement, as in :func:`krippendorff_alpha`.
    n_boot : int, default 1000
        Number of bootstrap resamples.
    seed : int or None, default 0
        Seed of the random generator; the same seed gives the same interval,
        None draws fresh entropy.
    confidence : float, default 0.95
        Coverage of the interval, strictly between 0 and 1.

    Returns
    -------
    (float, float)
        Lower and upper percentile bounds; ``(nan, nan)`` when alpha is
        undefined in every resample.

    Notes
    -----
    Each resample draws as many pairable units (units with at least two
    ratings) as the data hold, with replacement. A unit's contribution to the
    coincidence matrix, ``(n_uc n_uk - [c = k] n_uc) / (m_u - 1)``, is computed
    once per distinct pattern of value counts; a resample's matrix is then the
    sum of these contributions weighted by how often each pattern was drawn
    (a multinomial draw, equivalent to drawing units with replacement), and D_o, D_e and alpha follow from it as
    in :func:`krippendorff_alpha` (for the ordinal level with the resample's own
    marginals). Resamples without variation, where alpha is undefined, are left
    out of the percentiles. The interval reflects sampling of units only, not
    of raters.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap,
    ch. 13 (percentile intervals).

    Examples
    --------
    >>> nan = np.nan
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> low, high = bootstrap_alpha(data, "interval", seed=7)
    >>> low <= krippendorff_alpha(data, "interval") <= high <= 1.0
    True
    >>> bootstrap_alpha(data, "interval", seed=7) == (low, high)
    True
    """
    difference = _resolve(level, _DIFFERENCE_FUNCTIONS, "level")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer; got {plain(n_boot)}")
    if not (isinstance(confidence, (int, float)) and 0.0 < confidence < 1.0):
        raise ValueError(
            f"confidence must be a number strictly between 0 and 1; got {plain(confidence)}"
        )
    data = _reliability_matrix(reliability_data)
    n_uc, values = _pairable_counts(data, level)
    n_units, n_values = n_uc.shape
    if n_units == 0:
        return float("nan"), float("nan")

    patterns, frequency = np.unique(n_uc, axis=0, return_counts=True)
    m_p = patterns.sum(axis=1)
    diagonal = np.eye(n_values)
    contribution = (patterns[:, :, None] * patterns[:, None, :] - patterns[:, :, None] * diagonal) / (
        m_p - 1.0
    )[:, None, None]

    rng = np.random.default_rng(seed)
    block = max(1, _BOOTSTRAP_BLOCK // len(patterns))  # resamples drawn at once
    alphas = np.concatenate(
        [
            _alpha_from_coincidences(
                _resampled_coincidences(rng, contribution, frequency, min(block, n_boot - start)),
                values,
                difference,
            )
            for start in range(0, n_boot, block)
        ]
    )
    alphas = alphas[np.isfinite(alphas)]
    if alphas.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(alphas, [tail, 1.0 - tail])
    return float(low), float(high)


def krippendorff_band(alpha: float) -> str:
    """Krippendorff's reliability band for an alpha value.

    Parameters
    ----------
    alpha : float
        A Krippendorff's alpha, at most 1.

    Returns
    -------
    str
        "reliable" (alpha >= .800), "tentative" (.667 <= alpha < .800) or
        "unreliable" (alpha < .667).

    Notes
    -----
    The thresholds are :data:`ALPHA_BANDS`, from Krippendorff (2004), Content
    Analysis, 2nd ed., p. 241: rely on variables with alpha >= .800, consider
    variables with .667 <= alpha < .800 only for tentative conclusions.
    They are conventions for the cost of drawing wrong conclusions, not
    statistical tests; with few units read them together with
    :func:`bootstrap_alpha`.

    References
    ----------
    Krippendorff, K. (2004). Content Analysis: An Introduction to Its
    Methodology, 2nd ed. Sage, p. 241.

    Examples
    --------
    >>> krippendorff_band(0.815), krippendorff_band(0.743), krippendorff_band(0.5)
    ('reliable', 'tentative', 'unreliable')
    """
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"alpha must be a number; got {plain(alpha)}") from None
    if np.isnan(value):
        raise ValueError(
            "alpha is nan (no pairable ratings or no variation), which has no reliability band"
        )
    if value > 1.0 + 1e-12:
        raise ValueError(f"alpha cannot exceed 1; got {value}")
    for threshold, band in ALPHA_BANDS:
        if value >= threshold:
            return band
    raise AssertionError("unreachable: the last band has no lower bound")


# --------------------------------------------------------------------------
# Intraclass correlation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ICCResult:
    """An intraclass correlation with its 95% confidence interval and F test.

    Attributes
    ----------
    form : str
        Shrout and Fleiss form, e.g. "ICC(2,1)".
    value : float
        The coefficient.
    ci_low, ci_high : float
        95% confidence interval (McGraw and Wong 1996).
    f : float
        F statistic of the test that the coefficient is zero.
    df1, df2 : int
        Numerator and denominator degrees of freedom of ``f``.
    p : float
        One-sided p-value of the F test.
    n_units, n_raters : int
        Units rated by every rater (the units used), and raters.
    """

    form: str
    value: float
    ci_low: float
    ci_high: float
    f: float
    df1: int
    df2: int
    p: float
    n_units: int
    n_raters: int


@dataclass(frozen=True)
class _MeanSquares:
    """Two-way ANOVA mean squares of Shrout and Fleiss (1979), Table 1."""

    bms: float  # between targets
    wms: float  # within targets
    jms: float  # between judges
    ems: float  # residual
    n: int  # targets
    k: int  # judges


def _mean_squares(ratings: FloatArray) -> _MeanSquares:
    """BMS, WMS, JMS and EMS of a complete (targets, judges) rating table."""
    n, k = ratings.shape
    grand_mean = ratings.mean()
    ss_targets = k * ((ratings.mean(axis=1) - grand_mean) ** 2).sum()
    ss_judges = n * ((ratings.mean(axis=0) - grand_mean) ** 2).sum()
    ss_total = ((ratings - grand_mean) ** 2).sum()
    ss_within = ss_total - ss_targets
    ss_error = ss_within - ss_judges
    return _MeanSquares(
        bms=ss_targets / (n - 1),
        wms=ss_within / (n * (k - 1)),
        jms=ss_judges / (k - 1),
        ems=ss_error / ((n - 1) * (k - 1)),
        n=n,
        k=k,
    )


def _spearman_brown(rho: float, k: int) -> float:
    """Reliability of the mean of k ratings: k rho / (1 + (k - 1) rho)."""
    return k * rho / (1.0 + (k - 1) * rho)


def _single_rater_icc(case: int, ms: _MeanSquares) -> float:
    """ICC(1,1), ICC(2,1) or ICC(3,1) of Shrout and Fleiss (1979)."""
    bms, wms, jms, ems, n, k = ms.bms, ms.wms, ms.jms, ms.ems, ms.n, ms.k
    if case == 1:
        return (bms - wms) / (bms + (k - 1) * wms)
    if case == 2:
        return (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
    return (bms - ems) / (bms + (k - 1) * ems)


def _f_test(case: int, ms: _MeanSquares) -> tuple[float, int, int]:
    """F = BMS / WMS (case 1) or BMS / EMS (cases 2 and 3), with its df."""
    if case == 1:
        return ms.bms / ms.wms, ms.n - 1, ms.n * (ms.k - 1)
    return ms.bms / ms.ems, ms.n - 1, (ms.n - 1) * (ms.k - 1)


def _single_rater_interval(
    case: int, ms: _MeanSquares, f: float, df1: int, df2: int
) -> tuple[float, float]:
    """Confidence bounds of the single-rater ICC (McGraw and Wong 1996, Table 7)."""
    tail = 1.0 - (1.0 - ICC_CONFIDENCE) / 2.0
    k, n = ms.k, ms.n
    if case in (1, 3):
        f_low = f / stats.f.ppf(tail, df1, df2)
        f_high = f * stats.f.ppf(tail, df2, df1)
        # (F - 1) / (F + k - 1), written so that F = inf (no error) gives 1.
        return 1.0 - k / (f_low + k - 1), 1.0 - k / (f_high + k - 1)
    # Case 2: Satterthwaite degrees of freedom v for the denominator.
    rho = _single_rater_icc(2, ms)
    f_j = ms.jms / ms.ems
    a = n * (1 + (k - 1) * rho) - k * rho
    v = df2 * (k * rho * f_j + a) ** 2 / (df1 * (k * rho * f_j) ** 2 + a**2)
    f_star = stats.f.ppf(tail, df1, v)
    f_star2 = stats.f.ppf(tail, v, df1)
    spread = k * ms.jms + (k * n - k - n) * ms.ems
    low = n * (ms.bms - f_star * ms.ems) / (f_star * spread + n * ms.bms)
    high = n * (f_star2 * ms.bms - ms.ems) / (spread + n * f_star2 * ms.bms)
    return low, high


# form -> (Shrout and Fleiss case, averaged over the k raters?)
_ICC_FORMS: Final[dict[object, tuple[int, bool]]] = {
    "ICC(1,1)": (1, False),
    "ICC(2,1)": (2, False),
    "ICC(3,1)": (3, False),
    "ICC(1,k)": (1, True),
    "ICC(2,k)": (2, True),
    "ICC(3,k)": (3, True),
}


def icc(reliability_data: ArrayLike, form: IccForm = "ICC(2,1)") -> ICCResult:
    """Intraclass correlation of Shrout and Fleiss (1979).

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        Numeric ratings, ``np.nan`` where a rater did not rate a unit. Only
        units rated by every rater are used.
    form : {"ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"}
        Case 1: each unit rated by a different random set of raters (one-way
        random). Case 2: the same raters, seen as a random sample (two-way
        random, absolute agreement). Case 3: the same, fixed raters (two-way
        mixed, consistency). "1" is the reliability of a single rater, "k" of
        the mean of the k raters.

    Returns
    -------
    ICCResult
        Coefficient, 95% confidence interval, F test (f, df1, df2, p) and the
        numbers of units and raters used. All statistics are ``nan`` when
        fewer than two units were rated by every rater.

    Notes
    -----
    With n units and k raters, BMS, WMS, JMS and EMS are the between-units,
    within-units, between-raters and residual mean squares. Then

    ======== ==========================================================
    ICC(1,1) (BMS - WMS) / (BMS + (k - 1) WMS)
    ICC(2,1) (BMS - EMS) / (BMS + (k - 1) EMS + k (JMS - EMS) / n)
    ICC(3,1) (BMS - EMS) / (BMS + (k - 1) EMS)
    ICC(1,k) (BMS - WMS) / BMS
    ICC(2,k) (BMS - EMS) / (BMS + (JMS - EMS) / n)
    ICC(3,k) (BMS - EMS) / BMS
    ======== ==========================================================

    and each "k" form is the Spearman-Brown step-up ``k r / (1 + (k - 1) r)``
    of its "1" form, which also carries the confidence bounds over. The F
    test is BMS / WMS on (n - 1, n (k - 1)) df for case 1 and BMS / EMS on
    (n - 1, (n - 1)(k - 1)) df for cases 2 and 3; the intervals are those of
    McGraw and Wong (1996), with a Satterthwaite approximation for case 2.
    Without residual variance (EMS = 0) F is infinite; the case-2 interval
    is then undefined and reported as ``nan``.

    Interpretation (Koo and Li 2016): below .50 poor, .50 to .75 moderate,
    .75 to .90 good, above .90 excellent -- judged on the confidence
    interval rather than on the point value alone.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
    assessing rater reliability. Psychological Bulletin, 86(2), 420-428.
    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some
    intraclass correlation coefficients. Psychological Methods, 1(1), 30-46.
    Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
    intraclass correlation coefficients for reliability research. Journal of
    Chiropractic Medicine, 15(2), 155-163.

    Examples
    --------
    Table 2 of Shrout and Fleiss (1979): 6 targets rated by 4 judges (rows
    here are judges):

    >>> judges = [[9, 6, 8, 7, 10, 6],
    ...           [2, 1, 4, 1, 5, 2],
    ...           [5, 3, 6, 2, 6, 4],
    ...           [8, 2, 8, 6, 9, 7]]
    >>> for form in ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"):
    ...     print(form, round(icc(judges, form).value, 2))
    ICC(1,1) 0.17
    ICC(2,1) 0.29
    ICC(3,1) 0.71
    ICC(1,k) 0.44
    ICC(2,k) 0.62
    ICC(3,k) 0.91
    """
    case, averaged = _resolve(form, _ICC_FORMS, "form")
    data = _reliability_matrix(reliability_data)
    complete = ~np.isnan(data).any(axis=0)
    ratings = data[:, complete].T
    n, k = ratings.shape
    if n < 2:
        nan = float("nan")
        return ICCResult(str(form), nan, nan, nan, nan, max(n - 1, 0), 0, nan, n, k)

    with np.errstate(divide="ignore", invalid="ignore"):
        ms = _mean_squares(ratings)
        value = _single_rater_icc(case, ms)
        f, df1, df2 = _f_test(case, ms)
        low, high = _single_rater_interval(case, ms, f, df1, df2)
        if averaged:
            value, low, high = (_spearman_brown(r, k) for r in (value, low, high))
        p = stats.f.sf(f, df1, df2)
    return ICCResult(
        form=str(form),
        value=float(value),
        ci_low=float(low),
        ci_high=float(high),
        f=float(f),
        df1=int(df1),
        df2=int(df2),
        p=float(p),
        n_units=int(n),
        n_raters=int(k),
    )


# --------------------------------------------------------------------------
# Kappa-type coefficients
# --------------------------------------------------------------------------


def _identity_weights(q: int) -> FloatArray:
    return np.eye(q)


def _linear_weights(q: int) -> FloatArray:
    steps = np.arange(q)
    return 1.0 - np.abs(steps[:, None] - steps[None, :]) / max(q - 1, 1)


def _quadratic_weights(q: int) -> FloatArray:
    steps = np.arange(q)
    return 1.0 - (steps[:, None] - steps[None, :]) ** 2 / max(q - 1, 1) ** 2


# Agreement weights w_kl (1 on the diagonal) over q ordered categories.
_WEIGHT_FUNCTIONS: Final[dict[object, Callable[[int], FloatArray]]] = {
    None: _identity_weights,
    "linear": _linear_weights,
    "quadratic": _quadratic_weights,
}


def _rater_vector(ratings: ArrayLike, name: str) -> FloatArray:
    try:
        vector = np.asarray(ratings, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a 1-D sequence of numeric ratings with np.nan for missing"
        ) from None
    if vector.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got an array of shape {vector.shape}")
    if np.isinf(vector).any():
        raise ValueError(f"{name} contains infinite values; use np.nan for a missing rating")
    return vector


def cohen_kappa(
    rater_a: ArrayLike,
    rater_b: ArrayLike,
    weights: Weights = None,
    categories: ArrayLike | None = None,
) -> float:
    r"""Cohen's kappa for two raters, unweighted or weighted.

    Parameters
    ----------
    rater_a, rater_b : array_like, shape (units,)
        The two raters' ratings of the same units, ``np.nan`` for missing.
        Units that either rater left unrated are dropped.
    weights : {None, "linear", "quadratic"}, default None
        None for Cohen's (1960) kappa; "linear" (Cicchetti-Allison) or
        "quadratic" (Fleiss-Cohen) agreement weights for Cohen's (1968)
        weighted kappa.
    categories : array_like, optional
        The rating scale, e.g. ``[1, 2, 3, 4, 5]``. Defaults to the values
        observed. It matters for weighted kappa when a category inside the
        range went unused, as the weights count steps between categories.

    Returns
    -------
    float
        Kappa, or ``nan`` when no unit has both ratings or chance agreement is
        already perfect (both raters used one and the same category).

    Notes
    -----
    With p_ij the share of units that rater A put in category i and rater B
    in category j, p_i. and p_.j the margins, and agreement weights
    w_ij = 1 - |i - j| / (q - 1) (linear), 1 - (i - j)^2 / (q - 1)^2
    (quadratic) or [i = j] (unweighted):

    .. math:: \kappa_w = \frac{p_o - p_e}{1 - p_e}, \quad
              p_o = \sum_{ij} w_{ij} p_{ij}, \quad
              p_e = \sum_{ij} w_{ij} p_{i.} p_{.j}

    Interpretation (Landis and Koch 1977): below 0 poor, .00-.20 slight,
    .21-.40 fair, .41-.60 moderate, .61-.80 substantial, .81-1.00 almost
    perfect.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales.
    Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70(4), 213-220.
    Fleiss, J. L., & Cohen, J. (1973). The equivalence of weighted kappa and
    the intraclass correlation coefficient as measures of reliability.
    Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement
    for categorical data. Biometrics, 33(1), 159-174.

    Examples
    --------
    The 100 abstracted pregnancies (Ectopic, AIU, NIU) of Gwet (2014),
    distributed as ``cont3x3abstractors`` with the irrCAC package:

    >>> table = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    >>> first, second = np.divmod(np.repeat(np.arange(9), table.ravel()), 3)
    >>> round(cohen_kappa(first, second), 4)
    0.7964
    >>> round(cohen_kappa(first, second, weights="quadratic"), 4)
    0.8922
    """
    weight_function = _resolve(weights, _WEIGHT_FUNCTIONS, "weights")
    a = _rater_vector(rater_a, "rater_a")
    b = _rater_vector(rater_b, "rater_b")
    if a.shape != b.shape:
        raise ValueError(
            f"rater_a and rater_b must rate the same units; got {a.size} and {b.size} ratings"
        )
    both = ~(np.isnan(a) | np.isnan(b))
    a, b = a[both], b[both]
    scale = _rating_scale(np.concatenate([a, b]), categories)
    if a.size == 0:
        return float("nan")
    q = scale.size
    i, j = np.searchsorted(scale, a), np.searchsorted(scale, b)
    counts = np.bincount(i * q + j, minlength=q * q).reshape(q, q).astype(np.float64)
    return float(_table_kappas(counts, weight_function))


def cohen_kappa_of_tables(tables: ArrayLike, weights: Weights = None) -> FloatArray:
    r"""Cohen's kappa of many rater pairs at once, each given as its contingency table.

    The same statistic as :func:`cohen_kappa`, for pairs whose ratings are already
    counted: the calibration page's kappa of every reviewer pair is one call
    instead of one per pair.

    Parameters
    ----------
    tables : array_like, shape (..., q, q)
        Counts of units by rater A's category (row) and rater B's (column), over
        the same ordered rating scale of q categories (for weighted kappa,
        categories nobody used keep their row and column of zeros, as they count
        steps between categories).
    weights : {None, "linear", "quadratic"}, default None
        As for :func:`cohen_kappa`.

    Returns
    -------
    numpy.ndarray, shape (...)
        Kappa of each table; ``nan`` for an empty table or one whose chance
        agreement is already perfect.

    Notes
    -----
    With each table's shares p_ij = n_ij / n, kappa is (p_o - p_e) / (1 - p_e)
    with p_o = sum_ij w_ij p_ij and p_e = sum_ij w_ij p_i. p_.j (Cohen 1960, 1968).

    Examples
    --------
    The 100 abstracted pregnancies of Gwet (2014), as in :func:`cohen_kappa`, and
    the same table with its raters swapped:

    >>> table = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    >>> cohen_kappa_of_tables(np.stack([table, table.T]), weights="quadratic").round(4)
    array([0.8922, 0.8922])
    """
    weight_function = _resolve(weights, _WEIGHT_FUNCTIONS, "weights")
    try:
        counts = np.asarray(tables, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"tables must be counts; got {plain(tables)}") from None
    if counts.ndim < 2 or counts.shape[-1] != counts.shape[-2] or counts.shape[-1] == 0:
        raise ValueError(
            f"tables must be square in their last two axes; got shape {counts.shape}"
        )
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("tables must hold finite, non-negative counts")
    return _table_kappas(counts, weight_function)


def _table_kappas(
    counts: FloatArray, weight_function: Callable[[int], FloatArray]
) -> FloatArray:
    """Kappa of each (q, q) table of ``counts`` (the last two axes), nan where undefined."""
    q = counts.shape[-1]
    n = counts.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / n[..., None, None]
        w = weight_function(q)
        p_o = (w * p).sum(axis=(-2, -1))
        p_e = np.einsum("ij,...i,...j->...", w, p.sum(axis=-1), p.sum(axis=-2))
        kappa = (p_o - p_e) / (1.0 - p_e)
    undefined = (n == 0) | np.isclose(p_e, 1.0, rtol=0.0, atol=1e-12)
    return np.where(undefined, np.nan, kappa)


def fleiss_kappa(reliability_data: ArrayLike, categories: ArrayLike | None = None) -> float:
    r"""Fleiss' kappa for many raters, with Gwet's generalisation to missing ratings.

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        Numeric ratings treated as nominal categories, ``np.nan`` for missing.
    categories : array_like, optional
        The rating scale; only checked against the ratings here, as categories
        that nobody used do not change Fleiss' kappa.

    Returns
    -------
    float
        Kappa, or ``nan`` when no unit has two ratings or every rating falls in
        one category.

    Notes
    -----
    With r_ik the number of raters who put unit i in category k and
    r_i = sum_k r_ik:

    .. math:: \kappa = \frac{\bar P - \bar P_e}{1 - \bar P_e}, \quad
              \bar P = \frac{1}{n'} \sum_{i: r_i \ge 2}
                        \sum_k \frac{r_{ik} (r_{ik} - 1)}{r_i (r_i - 1)}, \quad
              \bar P_e = \sum_k \pi_k^2, \quad
              \pi_k = \frac{1}{n} \sum_{i: r_i \ge 1} \frac{r_{ik}}{r_i}

    where n' counts the units with at least two ratings and n those with at
    least one. Fleiss (1971) assumes every unit has the same number of
    ratings; then this is exactly his kappa (P-bar is the mean of his P_i and
    pi_k his p_j). Unequal numbers of ratings are handled as in Gwet (2014),
    the generalisation implemented by the irrCAC package as
    ``fleiss.kappa.raw``: agreement is averaged over the units that can show
    agreement, category shares over the units rated at all.

    Interpretation: as for Cohen's kappa (Landis and Koch 1977).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many
    raters. Psychological Bulletin, 76(5), 378-382.
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.

    Examples
    --------
    Fleiss (1971): 30 patients, each diagnosed by 6 psychiatrists into 5
    categories (one string of diagnoses per patient):

    >>> patients = '''444444 222555 233335 555555 222444 113333 333355 113334
    ...               114444 555555 144444 124444 222333 144444 224445 333335
    ...               111455 111112 224444 133555 555555 244444 224555 114444
    ...               144445 222224 111155 224444 133333 555555'''
    >>> ratings = np.array([[int(d) for d in p] for p in patients.split()]).T
    >>> ratings.shape
    (6, 30)
    >>> round(fleiss_kappa(ratings), 3)
    0.43
    """
    data = _reliability_matrix(reliability_data)
    r_ik, _ = _category_counts(data, categories)
    r_i = r_ik.sum(axis=1)
    rated, pairable = r_i >= 1, r_i >= 2
    if not pairable.any():
        return float("nan")

    agreement = (r_ik * (r_ik - 1)).sum(axis=1)[pairable] / (r_i * (r_i - 1))[pairable]
    p_bar = agreement.mean()
    pi_k = (r_ik[rated] / r_i[rated, None]).mean(axis=0)
    p_e_bar = (pi_k**2).sum()
    if np.isclose(p_e_bar, 1.0, rtol=0.0, atol=1e-12):
        return float("nan")
    return float((p_bar - p_e_bar) / (1.0 - p_e_bar))


def gwet_ac(
    reliability_data: ArrayLike,
    weights: Weights = None,
    categories: ArrayLike | None = None,
) -> float:
    r"""Gwet's AC1 (unweighted) or AC2 (weighted) for many raters.

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        Numeric ratings, ``np.nan`` for missing.
    weights : {None, "linear", "quadratic"}, default None
        None for AC1; "linear" or "quadratic" agreement weights for AC2.
    categories : array_like, optional
        The rating scale, e.g. ``[1, 2, 3, 4, 5]``. Defaults to the values
        observed. Unlike kappa, AC1/AC2 depend on the number of categories q
        through the chance term, so fix it when some category went unused.

    Returns
    -------
    float
        AC1/AC2, or ``nan`` when no unit has two ratings or the scale has a
        single category.

    Notes
    -----
    With r_ik the number of raters who put unit i in category k, r_i their
    sum, agreement weights w_kl (as in :func:`cohen_kappa`) and
    r*_ik = sum_l w_kl r_il (Gwet 2014):

    .. math:: AC = \frac{p_a - p_e}{1 - p_e}, \quad
              p_a = \frac{1}{n'} \sum_{i: r_i \ge 2} \sum_k
                    \frac{r_{ik} (r^*_{ik} - 1)}{r_i (r_i - 1)}, \quad
              p_e = \frac{T_w}{q (q - 1)} \sum_k \pi_k (1 - \pi_k)

    with pi_k = (1/n) sum_{i: r_i >= 1} r_ik / r_i, T_w = sum_kl w_kl, n' the
    units with at least two ratings and n those with at least one. Without
    weights T_w = q and this is AC1 (Gwet 2008). AC1 stays stable when one
    category dominates, where kappa-type coefficients collapse (the
    "paradoxes" of high agreement with low kappa).

    Interpretation: Gwet (2014) benchmarks the coefficient on the Landis and
    Koch (1977) scale after accounting for its standard error.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in
    the presence of high agreement. British Journal of Mathematical and
    Statistical Psychology, 61(1), 29-48.
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.

    Examples
    --------
    The 4 raters x 12 units example with missing ratings of Gwet (2014),
    distributed as ``cac.raw4raters`` with the irrCAC package (rows here are
    raters):

    >>> nan = np.nan
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(gwet_ac(data), 5)
    0.77544
    >>> round(gwet_ac(data, weights="quadratic"), 3)
    0.914
    """
    weight_function = _resolve(weights, _WEIGHT_FUNCTIONS, "weights")
    data = _reliability_matrix(reliability_data)
    r_ik, scale = _category_counts(data, categories)
    q = scale.size
    r_i = r_ik.sum(axis=1)
    rated, pairable = r_i >= 1, r_i >= 2
    if not pairable.any() or q < 2:
        return float("nan")

    w = weight_function(q)
    r_star = r_ik @ w.T
    p_a = ((r_ik * (r_star - 1)).sum(axis=1)[pairable] / (r_i * (r_i - 1))[pairable]).mean()
    pi_k = (r_ik[rated] / r_i[rated, None]).mean(axis=0)
    t_w = w.sum()
    p_e = t_w / (q * (q - 1)) * (pi_k * (1 - pi_k)).sum()
    return float((p_a - p_e) / (1 - p_e))


def percent_agreement(reliability_data: ArrayLike, tolerance: float = 0) -> float:
    """Share of rater pairs, within units, whose ratings differ by at most ``tolerance``.

    Parameters
    ----------
    reliability_data : array_like, shape (raters, units)
        Numeric ratings, ``np.nan`` for missing.
    tolerance : float, default 0
        Largest difference still counted as agreement: 0 for exact agreement,
        1 for "within one point" on a 1-5 scale.

    Returns
    -------
    float
        Agreeing pairs / all pairs, pooled over units; ``nan`` when no unit
        has two ratings.

    Notes
    -----
    Every unordered pair of raters who both rated a unit is one pair; a unit
    rated by m raters contributes m (m - 1) / 2 pairs, so units with more
    ratings weigh more. Percent agreement is not corrected for chance: on a
    scale where raters favour one or two values it is high even for raters
    who rate independently. Report it next to a chance-corrected coefficient.

    References
    ----------
    Krippendorff, K. (2004). Reliability in content analysis: some common
    misconceptions and recommendations. Human Communication Research, 30(3),
    411-433.
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.

    Examples
    --------
    The 4 observers x 12 units example of Krippendorff (2011), exactly and
    within one point:

    >>> nan = np.nan
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(percent_agreement(data), 3), round(percent_agreement(data, tolerance=1), 3)
    (0.782, 0.945)
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.number)):
        raise ValueError(f"tolerance must be a non-negative number; got {plain(tolerance)}")
    if not tolerance >= 0 or np.isinf(tolerance):
        raise ValueError(f"tolerance must be a finite non-negative number; got {plain(tolerance)}")
    data = _reliability_matrix(reliability_data)
    n_raters = data.shape[0]
    agreeing = pairs = 0
    for first in range(n_raters - 1):
        gaps = np.abs(data[first + 1 :] - data[first])
        both = ~np.isnan(gaps)
        pairs += int(both.sum())
        agreeing += int((gaps[both] <= tolerance + _TOLERANCE_SLACK).sum())
    if pairs == 0:
        return float("nan")
    return agreeing / pairs
