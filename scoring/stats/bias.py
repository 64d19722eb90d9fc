"""Bias (interaction) terms of a many-facet model: does a reviewer rate one group unlike their own average?

After the rating-scale many-facet model of :mod:`scoring.stats.severity` is fitted, every measure is
held fixed (anchored) at its estimate: each application's skill ``B_a``, each dimension's difficulty
``D_d``, each reviewer's overall severity ``C_r`` and the Andrich thresholds ``F_k``. For a *cell*
(say, one reviewer's ratings of candidates of one self-identified group, or of that group on one
dimension) one more parameter, the bias term ``b_c``, is added to every rating ``i`` in the cell,

.. math::

    \\log \\frac{P_{ik}}{P_{i(k-1)}} = B_a - D_d - C_r - b_c - F_k,

and estimated by maximum likelihood with everything else fixed, as in the bias/interaction analysis
of Linacre's FACETS. Its score equation says that the cell's observed raw score equals its expected
score,

.. math::

    \\sum_{i \\in c} x_i = \\sum_{i \\in c} E_i(b_c),

which Newton-Raphson solves (``b <- b + (sum E_i - sum x_i) / sum W_i``, ``W_i`` the model variance of
rating ``i``), all cells at once. ``b_c`` is in logits, positive when the reviewer is *harsher* on the
cell than their overall severity (the sign of a severity). Its model standard error is
``1 / sqrt(sum W_i)`` at the estimate; by default it is widened by ``sqrt(max(1, infit))``, the cell's
information-weighted mean-square (Linacre's "real" S.E.), so that a reviewer noisier than the model
expects is not read as biased. ``t = b_c / SE`` is read against Student's t with
``count - 1`` degrees of freedom (FACETS' convention) for a two-sided p-value, and the same size in
rating points, the one a person reads, is the cell's mean observed rating minus its mean expected
rating without the bias term ("Obs-Exp Average"). Because the expected score at ``b_c`` equals the
observed one, that difference is the bias term carried onto the rating scale; its interval is the
t interval of ``b_c`` carried over the same way.

Which fit values are anchored: the joint maximum-likelihood estimates, i.e. a
:class:`~scoring.stats.severity.SeverityFit`'s logits divided by its ``bias_factor`` (Wright's
correction is applied to the reported logits of that fit; the uncorrected joint values are those that
reproduce every element's raw score, so residuals from them sum to zero over each element). The bias
term and its SE are multiplied back by ``bias_factor`` to sit on the fit's reported scale; ``t`` and
``p`` are unaffected. Ratings of an element set aside as extreme in the fit (an all-1 or all-5
application or reviewer) are left out: their anchored value is a convention, not an estimate. A cell
whose ratings are all at the bottom (or all at the top) is estimated against a raw score moved
:data:`~scoring.stats.severity.EXTREME_SCORE_CORRECTION` points inward, and marked ``extreme``.

Everything but the bias term is taken as known, so the standard error is conditional on the anchors:
it leaves out their own uncertainty, which the fit's other ratings make small. The anchored measures
have also absorbed a little of any real bias (an application's measure moves by about the biased
rating's share of its ratings), so a bias term is slightly smaller than the bias planted in a
simulation. ``bench/sim_bias.py`` measures both effects: the power to find a planted bias, and how
often the test rejects where nothing is planted. In its 200 replications of the agency's design the
uncorrected test rejects 3.1% of unbiased cells at 0.05 (t statistics spread 0.90, not 1: conservative),
a planted term is estimated about a tenth too small, and after the correction 1.5% of unbiased panels
raise any flag (``docs/fairness.md`` has the table).

Many cells are tested at once, so each cell's p-value is corrected for the number of cells judged
(:func:`adjusted_p_values`, Benjamini-Hochberg by default, or Holm) before it is flagged. Cells with
fewer than ``min_ratings`` ratings are not judged: no t, no p, no flag ("too few to judge").

References
----------
Linacre, J. M. (2024). *A User's Guide to FACETS: Rasch-Model Computer Programs*. Winsteps.com.
"Table 13: Bias/Interaction report" (bias size in logits, model S.E., t with d.f. = count - 1,
Obs-Exp Average in rating points).

Linacre, J. M. (1989). *Many-Facet Rasch Measurement*. Chicago: MESA Press.

Myford, C. M., & Wolfe, E. W. (2003). Detecting and measuring rater effects using many-facet Rasch
measurement: Part I. *Journal of Applied Measurement*, 4(4), 386-422 (rater-by-examinee-group
interactions as differential rater functioning).

Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and powerful
approach to multiple testing. *Journal of the Royal Statistical Society B*, 57(1), 289-300.

Benjamini, Y., & Yekutieli, D. (2001). The control of the false discovery rate in multiple testing
under dependency. *Annals of Statistics*, 29(4), 1165-1188 (positively dependent tests).

Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of
Statistics*, 6(2), 65-70.

Examples
--------
One reviewer rating two applications whose anchored measures make every category equally likely
(``eta = 0``, thresholds 0): the expected rating is 3, and with observed ratings of 2 and 2 the cell
is one point below it.

>>> cells = bias_from_anchors([0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [2, 2], ["a", "a"], min_ratings=2)
>>> row = cells.iloc[0]
>>> round(float(row["observed"]), 2), round(float(row["expected"]), 2), round(float(row["difference"]), 2)
(2.0, 3.0, -1.0)
>>> bool(row["bias"] > 0)
True
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from scoring.domain.ratings import RATING_MAX, RATING_MIN
from scoring.stats.severity import (
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    EXTREME_SCORE_CORRECTION,
    MAX_STEP,
    REQUIRED_COLUMNS,
    SeverityFit,
)

__all__ = [
    "ALPHA",
    "CELL_COLUMNS",
    "CORRECTIONS",
    "Correction",
    "DEFAULT_MIN_RATINGS",
    "STANDARD_ERRORS",
    "StandardError",
    "adjusted_p_values",
    "bias_analysis",
    "bias_from_anchors",
    "bias_terms",
    "flag_cells",
]

Correction = Literal["benjamini-hochberg", "holm"]
StandardError = Literal["real", "model"]

STANDARD_ERRORS: Final[tuple[str, ...]] = ("real", "model")
"""The standard errors a bias term can be tested with (see :func:`bias_from_anchors`)."""

ALPHA: Final[float] = 0.05
"""Level at which a corrected p-value flags a cell."""

DEFAULT_MIN_RATINGS: Final[int] = 30
"""Fewest ratings a cell needs to be judged (callers pass the agency's own minimum)."""

CELL_COLUMNS: Final[tuple[str, ...]] = (
    "ratings", "observed", "expected", "difference", "difference_low", "difference_high",
    "bias", "se", "t", "df", "p_value", "judged", "extreme", "infit_mnsq",
)
"""Columns :func:`bias_terms` adds after the cell's own columns."""

_N_STEPS: Final[int] = RATING_MAX - RATING_MIN
_STEPS: Final[NDArray[np.float64]] = np.arange(_N_STEPS + 1, dtype=np.float64)
_TINY: Final[float] = 1e-12
_ETA_CLIP: Final[float] = 40.0  # logits; keeps exp(4 eta) finite, probabilities saturate long before
_Vec = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Multiple comparisons
# --------------------------------------------------------------------------------------------


def _benjamini_hochberg(p: _Vec) -> _Vec:
    """Step-up adjusted p-values: ``min over j >= i of m p_(j) / j``, capped at 1 (p sorted ascending)."""
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _holm(p: _Vec) -> _Vec:
    """Step-down adjusted p-values: ``max over j <= i of (m - j + 1) p_(j)``, capped at 1."""
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(p[order] * (m - np.arange(m)), 1.0)
    out = np.empty(m)
    out[order] = np.maximum.accumulate(scaled)
    return out


CORRECTIONS: Final = {"benjamini-hochberg": _benjamini_hochberg, "holm": _holm}
"""Correction name -> adjusting function."""


def adjusted_p_values(p_values: ArrayLike, method: Correction = "benjamini-hochberg") -> _Vec:
    """p-values corrected for the number of tests, so each can be compared with the level itself.

    Parameters
    ----------
    p_values : array_like
        One p-value per test; ``NaN`` marks a cell not tested (too few ratings), which stays ``NaN``
        and is not counted among the tests.
    method : {"benjamini-hochberg", "holm"}
        ``"benjamini-hochberg"`` (default) controls the false discovery rate, the expected share of
        false flags among the flags (Benjamini & Hochberg 1995); ``"holm"`` controls the chance of
        any false flag at all (Holm 1979). Where nothing is biased the two are the same promise.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, between the raw ones and 1.

    Notes
    -----
    The audit uses Benjamini-Hochberg: it tests every reviewer against every group (and dimension),
    hundreds to thousands of cells of which few, if any, are biased, and a flag asks a person to look
    again, not to sanction. When no cell is biased the false discovery rate equals the chance of any
    flag, so at 0.05 an unbiased panel raises a flag at most 5% of the time, as with Holm; when several
    cells are biased (one reviewer marking a group down on several dimensions) Benjamini-Hochberg keeps
    its power where Holm, whose bar for the first flag is 0.05 divided by the number of cells, loses it.
    The cells overlap (a reviewer x group cell holds its reviewer x group x dimension cells), so their
    tests are positively dependent, under which the procedure keeps its promise (Benjamini & Yekutieli
    2001).

    Examples
    --------
    Benjamini and Hochberg's worked example (1995, section 3.2): of 15 p-values the four smallest
    are discoveries at 0.05.

    >>> p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
    ...      0.4262, 0.5719, 0.6528, 0.7590, 1.0000]
    >>> int((adjusted_p_values(p) <= 0.05).sum())
    4
    >>> adjusted_p_values([0.01, 0.04, 0.03], "holm").round(2).tolist()
    [0.03, 0.06, 0.06]
    >>> adjusted_p_values([0.01, float("nan")]).tolist()
    [0.01, nan]
    """
    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r}; valid: {', '.join(CORRECTIONS)}")
    p = np.asarray(p_values, dtype=np.float64).reshape(-1)
    tested = ~np.isnan(p)
    if np.any((p[tested] < 0) | (p[tested] > 1)):
        raise ValueError("p-values must lie between 0 and 1")
    out = np.full(p.shape, np.nan)
    if tested.any():
        out[tested] = CORRECTIONS[method](p[tested])
    return out


# --------------------------------------------------------------------------------------------
# The bias term of each cell
# --------------------------------------------------------------------------------------------


def _category_constants(thresholds: NDArray[np.float64]) -> NDArray[np.float64]:
    """``exp(-(F_1 + ... + F_k))`` for k = 0..m, per row of thresholds: category ``k`` of a rating at
    ``eta`` has weight ``c_k exp(k eta)``."""
    cum = np.concatenate([np.zeros(thresholds.shape[:-1] + (1,)), np.cumsum(thresholds, axis=-1)], axis=-1)
    return np.exp(-cum)


def _moments(eta: _Vec, constants: NDArray[np.float64]) -> tuple[_Vec, _Vec]:
    """Model mean (on the 0..m step scale) and variance ``W`` of a rating at each ``eta``, from the
    :func:`_category_constants` of its thresholds (one exponential per rating)."""
    z = np.exp(np.clip(eta, -_ETA_CLIP, _ETA_CLIP))
    zk = np.ones_like(z)
    s0, s1, s2 = np.zeros_like(z), np.zeros_like(z), np.zeros_like(z)
    for k in range(_N_STEPS + 1):
        term = constants[..., k] * zk
        s0 += term
        s1 += k * term
        s2 += (k * k) * term
        zk *= z
    mean = s1 / s0
    return mean, np.maximum(s2 / s0 - mean * mean, _TINY)


def _cell_mean(cell: NDArray[np.intp], values: _Vec, count: _Vec) -> _Vec:
    return np.bincount(cell, weights=values, minlength=count.size) / count


def bias_from_anchors(
    eta: ArrayLike,
    thresholds: ArrayLike,
    ratings: ArrayLike,
    cells: ArrayLike,
    *,
    min_ratings: int = DEFAULT_MIN_RATINGS,
    standard_error: StandardError = "real",
    extreme_correction: float = EXTREME_SCORE_CORRECTION,
    scale: ArrayLike = 1.0,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> pd.DataFrame:
    """The bias term of each cell, every other measure anchored: the estimating core of :func:`bias_terms`.

    Parameters
    ----------
    eta : array_like
        Per rating, the anchored ``B_a - D_d - C_r`` (logits).
    thresholds : array_like
        The anchored Andrich thresholds ``F_2..F_5`` (logits): one set for all ratings, or one row per
        rating (ratings anchored to different fits, such as two stages').
    ratings : array_like
        Per rating, the rating (integers 1-5).
    cells : array_like
        Per rating, the label of its cell (any hashable); cells are returned sorted by label.
    min_ratings : int
        A cell with fewer ratings is not judged: its ``t``, ``df`` and ``p_value`` are ``NaN``.
    standard_error : {"real", "model"}
        ``"model"``: ``1 / sqrt(sum W_i)``, right when the ratings vary as the model expects.
        ``"real"`` (default): the model SE times ``sqrt(max(1, infit))``, with ``infit`` the cell's
        information-weighted mean-square at its bias term (Linacre's "real" S.E., which allows for
        ratings noisier than the model expects, such as an erratic reviewer's, and never shrinks the
        model SE).
    extreme_correction : float
        Rating points by which an all-bottom or all-top cell's raw score is moved inward.
    scale : float or array_like
        Multiplies the bias term and its SE (a fit's ``bias_factor``; per rating, the cell's mean is
        used); ``t`` does not change.
    tol, max_iter : float, int
        Newton-Raphson stops when no cell's term moves by ``tol`` logits, or after ``max_iter`` steps.

    Returns
    -------
    pandas.DataFrame
        One row per cell, indexed by its label: ``ratings`` (count), ``observed`` and ``expected``
        (mean rating, the latter with no bias term), ``difference`` (observed - expected, rating
        points), ``difference_low`` and ``difference_high`` (95% t interval carried onto the rating
        scale), ``bias`` (logits, positive = harsher), ``se``, ``t``, ``df`` (count - 1),
        ``p_value`` (two-sided), ``judged``, ``extreme`` and ``infit_mnsq`` (the cell's, at its bias
        term: ``sum (x_i - E_i)^2 / sum W_i``).

    Raises
    ------
    ValueError
        Inputs of different lengths, ratings outside 1-5, an unknown standard error, or
        ``min_ratings`` below 2.

    Examples
    --------
    Ten ratings averaging 3, the middle of the scale, where every rating is anchored at ``eta = ln 2``
    with thresholds 0: the bias term that brings the expectation down to 3 is ``ln 2`` itself, and
    the model variance at ``eta = 0`` (every category equally likely) is 2, so the SE is
    ``1 / sqrt(10 * 2)``.

    >>> cell = bias_from_anchors(np.full(10, np.log(2)), [0, 0, 0, 0], [1, 5] * 5, ["c"] * 10,
    ...                          min_ratings=10, standard_error="model").iloc[0]
    >>> round(float(cell["bias"]), 6) == round(float(np.log(2)), 6), round(float(cell["se"]) ** -2, 6)
    (True, 20.0)
    >>> round(float(cell["difference"]), 4)   # 3 - 4.1613, the expected rating at eta = ln 2
    -1.1613
    """
    eta_ = np.asarray(eta, dtype=np.float64).reshape(-1)
    tau = np.asarray(thresholds, dtype=np.float64)
    x = np.asarray(ratings, dtype=np.float64).reshape(-1)
    labels = pd.Series(np.asarray(cells, dtype=object).reshape(-1))
    if not (eta_.size == x.size == labels.size):
        raise ValueError(f"eta, ratings and cells must have one entry per rating; got {eta_.size}, {x.size} "
                         f"and {labels.size}")
    if tau.shape not in ((_N_STEPS,), (x.size, _N_STEPS)):
        raise ValueError(f"thresholds must hold {_N_STEPS} values, or {_N_STEPS} per rating; got shape {tau.shape}")
    if not np.all(np.isin(x, np.arange(RATING_MIN, RATING_MAX + 1))):
        raise ValueError(f"ratings must be integers from {RATING_MIN} to {RATING_MAX}")
    if min_ratings < 2:
        raise ValueError(f"min_ratings must be at least 2 (a t-test needs a degree of freedom), got {min_ratings}")
    if standard_error not in STANDARD_ERRORS:
        raise ValueError(f"unknown standard error {standard_error!r}; valid: {', '.join(STANDARD_ERRORS)}")
    codes, uniques = pd.factorize(labels, sort=True)
    cell = codes.astype(np.intp)
    n_cells = len(uniques)
    steps = x - RATING_MIN
    constants = _category_constants(tau)

    count = np.bincount(cell, minlength=n_cells).astype(np.float64)
    score = np.bincount(cell, weights=steps, minlength=n_cells)
    low, high = score <= 0, score >= count * _N_STEPS
    target = np.where(low, extreme_correction, np.where(high, count * _N_STEPS - extreme_correction, score))

    # Newton-Raphson on every cell's score equation at once: sum E_i(b) = the cell's raw score.
    b = np.zeros(n_cells)
    for _ in range(max_iter):
        mean, var = _moments(eta_ - b[cell], constants)
        expected = np.bincount(cell, weights=mean, minlength=n_cells)
        info = np.bincount(cell, weights=var, minlength=n_cells)
        step = np.clip((expected - target) / np.maximum(info, _TINY), -MAX_STEP, MAX_STEP)
        b += step
        if np.max(np.abs(step), initial=0.0) < tol:
            break
    mean, var = _moments(eta_ - b[cell], constants)
    info = np.maximum(np.bincount(cell, weights=var, minlength=n_cells), _TINY)
    infit = np.bincount(cell, weights=(steps - mean) ** 2, minlength=n_cells) / info
    se = 1.0 / np.sqrt(info)
    if standard_error == "real":
        se = se * np.sqrt(np.maximum(infit, 1.0))

    expected_mean = _cell_mean(cell, _moments(eta_, constants)[0], count)
    judged = count >= min_ratings
    dof = np.maximum(count - 1, 1)
    t = np.where(judged, b / se, np.nan)
    p = np.where(judged, 2.0 * stats.t.sf(np.abs(np.nan_to_num(t)), dof), np.nan)
    q = stats.t.ppf(0.975, dof)
    # A harsher bias (larger b) lowers the expected rating, so the interval's ends swap.
    lowest = _cell_mean(cell, _moments(eta_ - (b + q * se)[cell], constants)[0], count) - expected_mean
    highest = _cell_mean(cell, _moments(eta_ - (b - q * se)[cell], constants)[0], count) - expected_mean
    factor = _cell_mean(cell, np.broadcast_to(np.asarray(scale, dtype=np.float64), x.shape).copy(), count)
    return pd.DataFrame(
        {
            "ratings": count.astype(np.int64),
            "observed": RATING_MIN + score / count,
            "expected": RATING_MIN + expected_mean,
            "difference": score / count - expected_mean,
            "difference_low": lowest,
            "difference_high": highest,
            "bias": b * factor,
            "se": se * factor,
            "t": t,
            "df": np.where(judged, count - 1, np.nan),
            "p_value": p,
            "judged": judged,
            "extreme": low | high,
            "infit_mnsq": infit,
        },
        index=pd.Index(uniques, name="cell"),
    )


def _anchors(rows: pd.DataFrame, fit: SeverityFit) -> tuple[_Vec, NDArray[np.float64], NDArray[np.bool_]]:
    """Per rating: the anchored ``eta`` and thresholds on the fit's joint (uncorrected) scale, and whether
    neither its application nor its reviewer was set aside as extreme."""
    positions = []
    for column, table in (("application_id", fit.applications), ("reviewer_id", fit.reviewers),
                          ("dimension_id", fit.dimensions)):
        where = table.index.get_indexer(rows[column])
        if np.any(where < 0):
            raise ValueError(f"{int((where < 0).sum())} rating(s) have a {column.removesuffix('_id')} the fit "
                             "does not know: fit the model on the ratings analysed")
        positions.append(where)
    a, r, d = positions
    factor = fit.bias_factor
    eta = (fit.applications["measure"].to_numpy(dtype=np.float64)[a]
           - fit.dimensions["difficulty"].to_numpy(dtype=np.float64)[d]
           - fit.reviewers["severity"].to_numpy(dtype=np.float64)[r]) / factor
    tau = np.broadcast_to(fit.thresholds.to_numpy(dtype=np.float64) / factor, (len(rows), _N_STEPS))
    regular = ~(fit.applications["extreme"].to_numpy(dtype=bool)[a] | fit.reviewers["extreme"].to_numpy(dtype=bool)[r])
    return eta, tau, regular


def bias_terms(
    ratings: pd.DataFrame,
    fit: SeverityFit | Mapping[Hashable, SeverityFit],
    cells: Sequence[str],
    *,
    fitted_by: str | None = None,
    min_ratings: int = DEFAULT_MIN_RATINGS,
    standard_error: StandardError = "real",
    extreme_correction: float = EXTREME_SCORE_CORRECTION,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> pd.DataFrame:
    """Each cell's bias term against the anchored measures of ``fit`` (FACETS' bias/interaction analysis).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long format as for :func:`scoring.stats.severity.fit_severity` (``application_id``,
        ``reviewer_id``, ``dimension_id``, ``rating``), normally the very ratings ``fit`` was fitted
        to, plus the columns named in ``cells``. A row with a missing value in any of them belongs to
        no cell and is left out; so are the ratings of elements ``fit`` set aside as extreme.
    fit : SeverityFit or mapping of them
        The fitted many-facet model whose measures are anchored; or, with ``fitted_by``, one fit per
        value of that column (e.g. one per stage, whose measures and thresholds differ): each rating
        is then anchored in its own fit, and a cell's single bias term spans them.
    cells : sequence of str
        The columns whose combinations form the cells, e.g. ``("reviewer_id", "group")`` or
        ``("reviewer_id", "group", "dimension_id")``.
    fitted_by : str, optional
        The column naming each rating's fit, when ``fit`` is a mapping.
    min_ratings : int
        Fewest ratings for a cell to be judged.
    standard_error, extreme_correction, tol, max_iter
        As for :func:`bias_from_anchors`.

    Returns
    -------
    pandas.DataFrame
        The ``cells`` columns, then :data:`CELL_COLUMNS` (see :func:`bias_from_anchors`), one row per
        cell present, sorted by the cell columns. Uncorrected p-values: see :func:`bias_analysis`.

    Raises
    ------
    ValueError
        A missing column, no cell column, a mapping of fits without ``fitted_by`` (or a rating whose
        fit it lacks), or a rating whose application, reviewer or dimension its fit does not know.

    Examples
    --------
    >>> from scoring.stats.severity import fit_severity
    >>> rng = np.random.default_rng(3)
    >>> rows = pd.DataFrame({"application_id": np.repeat(np.arange(200), 4),
    ...                      "reviewer_id": np.tile([1, 2, 3, 4], 200), "dimension_id": 1,
    ...                      "group": np.repeat(np.where(np.arange(200) % 2, "A", "B"), 4)})
    >>> rows["rating"] = np.clip(np.repeat(rng.integers(1, 6, 200), 4) + rng.integers(-1, 2, 800), 1, 5)
    >>> cells = bias_terms(rows, fit_severity(rows, {1: 1.0}), ["reviewer_id", "group"])
    >>> cells[["reviewer_id", "group"]].values.tolist()[:3]
    [[1, 'A'], [1, 'B'], [2, 'A']]
    """
    columns = list(cells)
    if not columns:
        raise ValueError("cells must name at least one column")
    needed = [*REQUIRED_COLUMNS, *columns, *([fitted_by] if fitted_by else [])]
    missing = [c for c in needed if c not in ratings.columns]
    if missing:
        raise ValueError(f"ratings is missing column(s) {', '.join(missing)}")
    rows = ratings.dropna(subset=columns)
    if isinstance(fit, SeverityFit):
        eta, tau, regular = _anchors(rows, fit)
        scale = np.full(len(rows), fit.bias_factor)
    else:
        if fitted_by is None:
            raise ValueError("several fits need fitted_by, the column that says which fit a rating belongs to")
        unknown = sorted(set(rows[fitted_by].unique()) - set(fit))
        if unknown:
            raise ValueError(f"no fit for {fitted_by} {', '.join(map(str, unknown))}")
        eta, scale = np.empty(len(rows)), np.empty(len(rows))
        tau = np.empty((len(rows), _N_STEPS))
        regular = np.zeros(len(rows), dtype=bool)
        for key, part in rows.groupby(fitted_by, sort=False).indices.items():
            eta[part], tau[part], regular[part] = _anchors(rows.iloc[part], fit[key])
            scale[part] = fit[key].bias_factor
    keys = rows.loc[regular, columns]
    if keys.empty:
        return pd.DataFrame(columns=[*columns, *CELL_COLUMNS])
    grouped = keys.groupby(columns, sort=True)
    table = bias_from_anchors(
        eta[regular], tau[regular], rows["rating"].to_numpy(dtype=np.float64)[regular], grouped.ngroup().to_numpy(),
        min_ratings=min_ratings, standard_error=standard_error, extreme_correction=extreme_correction,
        scale=scale[regular], tol=tol, max_iter=max_iter,
    )
    # ngroup numbers the cells in the order of the sorted groups, which is the order of their index
    named = grouped.size().index.to_frame(index=False)
    return pd.concat([named, table.reset_index(drop=True)], axis=1)


def bias_analysis(
    ratings: pd.DataFrame,
    fit: SeverityFit | Mapping[Hashable, SeverityFit],
    cells: Sequence[str],
    *,
    fitted_by: str | None = None,
    min_ratings: int = DEFAULT_MIN_RATINGS,
    standard_error: StandardError = "real",
    alpha: float = ALPHA,
    correction: Correction = "benjamini-hochberg",
) -> pd.DataFrame:
    """:func:`bias_terms` with each judged cell's p-value corrected over all judged cells, and flagged.

    Parameters
    ----------
    ratings, fit, cells, fitted_by, min_ratings, standard_error
        As for :func:`bias_terms`.
    alpha : float
        A cell is flagged when its corrected p-value is below this.
    correction : {"benjamini-hochberg", "holm"}
        See :func:`adjusted_p_values` for the choice.

    Returns
    -------
    pandas.DataFrame
        :func:`bias_terms`' columns plus ``p_adjusted`` and ``flagged`` (bool; never for a cell not
        judged).
    """
    table = bias_terms(ratings, fit, cells, fitted_by=fitted_by, min_ratings=min_ratings,
                       standard_error=standard_error)
    return flag_cells(table, alpha=alpha, correction=correction)


def flag_cells(table: pd.DataFrame, *, alpha: float = ALPHA, correction: Correction = "benjamini-hochberg"
               ) -> pd.DataFrame:
    """``table`` (cells of :func:`bias_terms`, possibly of several calls, one family of tests) with
    ``p_adjusted`` (over all its judged cells) and ``flagged`` (``p_adjusted`` below ``alpha``)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha}")
    out = table.copy()
    out["p_adjusted"] = adjusted_p_values(out["p_value"].to_numpy(dtype=np.float64), correction)
    out["flagged"] = (out["p_adjusted"] < alpha).to_numpy(dtype=bool)
    return out
