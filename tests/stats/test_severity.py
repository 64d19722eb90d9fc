"""Tests for scoring.stats.severity on data generated from a planted truth."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError, dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.stats import spearmanr

from scoring.stats.severity import (
    DRIFT_THRESHOLD,
    EXTREME_SCORE_CORRECTION,
    FIT_BAND,
    SeverityFit,
    category_probabilities,
    drift_flags,
    expected_rating,
    fit_severity,
    severity_by_period,
)

WEIGHTS = {1: 0.25, 2: 0.25, 3: 0.20, 4: 0.20, 5: 0.10}
DIFFICULTY = np.array([-0.5, 0.3, 0.0, 0.4, -0.2])  # sums to 0
THRESHOLDS = np.array([-2.0, -0.7, 0.7, 2.0])  # sums to 0
N_APPS, N_REVIEWERS, PER_APP = 400, 20, 3
ERRATIC, CENTRAL = 4, 11  # reviewer ids with planted misbehaviour


@dataclass(frozen=True)
class Planted:
    ratings: pd.DataFrame
    skill: np.ndarray  # per application id 0..N_APPS-1
    severity: np.ndarray  # per reviewer id 0..N_REVIEWERS-1


def _draw(eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    probs = category_probabilities(eta, THRESHOLDS)
    u = rng.random(eta.shape[0])
    return np.minimum((probs.cumsum(axis=1) < u[:, None]).sum(axis=1), 4) + 1


def _planted_severities(n: int) -> np.ndarray:
    """-1..1 logits, with the harshest and softest reviewer clearly apart from the rest."""
    return np.concatenate(([-1.0], np.linspace(-0.6, 0.6, n - 2), [1.0]))


def simulate(
    seed: int,
    n_apps: int = N_APPS,
    n_reviewers: int = N_REVIEWERS,
    per_app: int = PER_APP,
    skill_sd: float = 0.8,
    erratic: int | None = ERRATIC,
    central: int | None = CENTRAL,
) -> Planted:
    """Ratings from the rating-scale model with known skills, difficulties and severities.

    Reviewers have unequal workloads (selection probability rising 1:3 with the
    reviewer id) so that standard errors can be compared with counts.  The
    erratic reviewer rates uniformly at random; the central one rates 3
    nineteen times in twenty and otherwise 2 or 4.
    """
    rng = np.random.default_rng(seed)
    skill = rng.normal(0.0, skill_sd, n_apps)
    # The erratic and central reviewers ignore severity; they get 0 and the others -1..1.
    severity = np.zeros(n_reviewers)
    ordinary = [i for i in range(n_reviewers) if i not in (erratic, central)]
    severity[ordinary] = rng.permutation(_planted_severities(len(ordinary)))
    load = np.linspace(1.0, 3.0, n_reviewers)
    chosen = np.array([rng.choice(n_reviewers, per_app, replace=False, p=load / load.sum()) for _ in range(n_apps)])
    a = np.repeat(np.arange(n_apps), per_app * 5)
    r = np.repeat(chosen.reshape(-1), 5)
    d = np.tile(np.arange(5), n_apps * per_app)
    x = _draw(skill[a] - DIFFICULTY[d] - severity[r], rng)
    if erratic is not None:
        m = r == erratic
        x[m] = rng.integers(1, 6, m.sum())
    if central is not None:
        m = r == central
        x[m] = np.where(rng.random(m.sum()) < 0.95, 3, rng.choice([2, 4], m.sum()))
    df = pd.DataFrame({"application_id": a, "reviewer_id": r, "dimension_id": d + 1, "rating": x})
    return Planted(df, skill, severity)


@pytest.fixture(scope="module")
def planted() -> Planted:
    return simulate(seed=20240601)


@pytest.fixture(scope="module")
def fit(planted: Planted) -> SeverityFit:
    return fit_severity(planted.ratings, WEIGHTS)


def _good(n: int = N_REVIEWERS) -> list[int]:
    return [i for i in range(n) if i not in (ERRATIC, CENTRAL)]


# ---------------------------------------------------------------------------------------------
# Recovery of the planted truth
# ---------------------------------------------------------------------------------------------


def test_fit_converges(fit: SeverityFit) -> None:
    assert fit.converged
    assert 0 < fit.iterations < 200
    assert fit.max_change < fit.tol
    assert fit.n_ratings == N_APPS * PER_APP * 5
    assert fit.n_subsets == 1


def test_severities_recover_planted_ones(planted: Planted, fit: SeverityFit) -> None:
    # The erratic and central reviewers have no meaningful planted severity: their
    # ratings ignore it. The other 18 are compared.
    good = _good()
    est = fit.reviewers.loc[good, "severity"].to_numpy()
    true = planted.severity[good]
    assert np.corrcoef(est, true)[0, 1] > 0.9
    assert good[int(np.argmax(est))] == good[int(np.argmax(true))]  # harshest
    assert good[int(np.argmin(est))] == good[int(np.argmin(true))]  # softest
    # positive = harsher: the harshest reviewer's raw mean is below the softest one's
    rv = fit.reviewers
    assert rv.loc[rv["severity"].idxmax(), "raw_mean"] < rv.loc[rv["severity"].idxmin(), "raw_mean"]


def test_severity_frame_and_intervals(planted: Planted, fit: SeverityFit) -> None:
    rv = fit.reviewers
    assert list(rv.index) == list(range(N_REVIEWERS))
    assert {"severity", "se", "ci_low", "ci_high", "infit_mnsq", "outfit_mnsq", "n_ratings", "flag"} <= set(rv.columns)
    assert rv["severity"].mean() == pytest.approx(0.0, abs=1e-9)
    assert fit.dimensions["difficulty"].sum() == pytest.approx(0.0, abs=1e-9)
    assert fit.thresholds.sum() == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(rv["ci_high"] - rv["ci_low"], 2 * 1.959964 * rv["se"], rtol=1e-6)
    # most 95% intervals cover the planted value (after aligning the origin on the good reviewers)
    good = _good()
    shift = planted.severity[good].mean() - rv.loc[good, "severity"].mean()
    covered = (rv.loc[good, "ci_low"] + shift <= planted.severity[good]) & (
        planted.severity[good] <= rv.loc[good, "ci_high"] + shift
    )
    assert covered.mean() >= 0.7


def test_dimension_difficulties_recovered(fit: SeverityFit) -> None:
    est = fit.dimensions["difficulty"].to_numpy()
    assert np.corrcoef(est, DIFFICULTY)[0, 1] > 0.95
    np.testing.assert_allclose(est, DIFFICULTY, atol=0.2)
    assert (fit.dimensions["se"] > 0).all()


def test_standard_errors_positive_and_shrink_with_ratings(fit: SeverityFit) -> None:
    rv = fit.reviewers
    assert (rv["se"] > 0).all() and np.isfinite(rv["se"]).all()
    assert (fit.applications["se"] > 0).all()
    good = _good()
    rho = spearmanr(rv.loc[good, "se"], rv.loc[good, "n_ratings"])[0]
    assert rho < -0.8


def test_standard_errors_shrink_when_the_data_double(planted: Planted, fit: SeverityFit) -> None:
    copy = planted.ratings.assign(application_id=planted.ratings["application_id"] + 10_000)
    doubled = fit_severity(pd.concat([planted.ratings, copy], ignore_index=True), WEIGHTS)
    ratio = doubled.reviewers["se"] / fit.reviewers["se"]
    np.testing.assert_allclose(ratio, 1 / math.sqrt(2), rtol=0.03)
    np.testing.assert_allclose(doubled.reviewers["severity"], fit.reviewers["severity"], atol=1e-3)


# ---------------------------------------------------------------------------------------------
# Fit statistics and flags
# ---------------------------------------------------------------------------------------------


def test_erratic_reviewer_flagged(fit: SeverityFit) -> None:
    row = fit.reviewers.loc[ERRATIC]
    assert row["flag"] == "erratic"
    assert row["infit_mnsq"] > FIT_BAND.erratic_above
    assert row["outfit_mnsq"] > FIT_BAND.erratic_above


def test_central_tendency_reviewer_flagged_too_predictable(fit: SeverityFit) -> None:
    row = fit.reviewers.loc[CENTRAL]
    assert row["flag"] == "too predictable"
    assert row["infit_mnsq"] < FIT_BAND.too_predictable_below


def test_good_reviewers_have_mean_squares_near_one(fit: SeverityFit) -> None:
    good = fit.reviewers.loc[_good()]
    # JMLE fits each application from only 15 ratings, which pulls mean-squares
    # a little below 1; the band here is still far from 0.5 and 1.5.
    for col in ("infit_mnsq", "outfit_mnsq"):
        assert good[col].between(0.7, 1.3).all(), good[col]
        assert good[col].median() == pytest.approx(1.0, abs=0.15)
    assert (good["flag"] == "").all()
    assert set(fit.reviewers["flag"]) == {"", "erratic", "too predictable"}


def test_flags_follow_the_declared_band() -> None:
    assert FIT_BAND.too_predictable_below == 0.5
    assert FIT_BAND.erratic_above == 1.5
    assert "Linacre" in FIT_BAND.source
    with pytest.raises(FrozenInstanceError):
        FIT_BAND.erratic_above = 2.0  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Fair scores
# ---------------------------------------------------------------------------------------------


def _raw_weighted(df: pd.DataFrame) -> pd.Series:
    per_dim = df.groupby(["application_id", "dimension_id"])["rating"].mean().unstack()
    return per_dim.mul(pd.Series(WEIGHTS)).sum(axis=1)


def test_fair_scores_rank_applications_better_than_raw_means(planted: Planted, fit: SeverityFit) -> None:
    raw = _raw_weighted(planted.ratings)
    fair = fit.applications["fair_weighted"]
    rho_fair = spearmanr(fair, planted.skill)[0]
    rho_raw = spearmanr(raw.loc[fair.index], planted.skill)[0]
    assert rho_fair > rho_raw + 0.02


def test_fair_scores_remove_reviewer_severity(planted: Planted, fit: SeverityFit) -> None:
    # raw - fair should be explained by how harsh the application's reviewers were
    df = planted.ratings
    clean = ~df.groupby("application_id")["reviewer_id"].transform(lambda s: s.isin([ERRATIC, CENTRAL]).any())
    df = df[clean]
    mean_severity = df.groupby("application_id")["reviewer_id"].agg(lambda s: planted.severity[s.unique()].mean())
    gap = _raw_weighted(df) - fit.applications.loc[mean_severity.index, "fair_weighted"]
    assert np.corrcoef(gap, mean_severity)[0, 1] < -0.8
    # while the fair score itself no longer depends on who rated
    fair_resid = fit.applications.loc[mean_severity.index, "fair_weighted"] - expected_rating(
        planted.skill[mean_severity.index], THRESHOLDS
    )
    assert abs(np.corrcoef(fair_resid, mean_severity)[0, 1]) < 0.2


def test_fair_scores_on_rating_scale(fit: SeverityFit) -> None:
    ap = fit.applications
    fair = fit.fair_scores
    assert list(fair.columns) == [1, 2, 3, 4, 5]
    assert ((fair >= 1) & (fair <= 5)).all().all()
    assert ap["fair_weighted"].between(1, 5).all()
    np.testing.assert_allclose(ap["fair_weighted"], fair.mul(pd.Series(WEIGHTS)).sum(axis=1))
    # fair score is the expected rating at severity 0, from the joint estimates before the bias
    # correction (those reproduce each application's raw score; see the fit's bias_factor)
    k = fit.bias_factor
    b, dd = ap["measure"].to_numpy() / k, fit.dimensions["difficulty"].to_numpy() / k
    np.testing.assert_allclose(fair.to_numpy(), expected_rating(b[:, None] - dd[None, :], fit.thresholds / k),
                               atol=1e-12)
    # and it increases with the measure on every dimension
    order = np.argsort(b)
    assert (np.diff(fair.to_numpy()[order], axis=0) >= -1e-12).all()


# ---------------------------------------------------------------------------------------------
# Invariance and input handling
# ---------------------------------------------------------------------------------------------


def test_results_do_not_depend_on_row_order(planted: Planted) -> None:
    a = fit_severity(planted.ratings, WEIGHTS, tol=1e-9)
    shuffled = planted.ratings.sample(frac=1.0, random_state=7).reset_index(drop=True)
    b = fit_severity(shuffled, WEIGHTS, tol=1e-9)
    pd.testing.assert_frame_equal(a.reviewers, b.reviewers, atol=1e-7, rtol=0)
    pd.testing.assert_frame_equal(a.dimensions, b.dimensions, atol=1e-7, rtol=0)
    pd.testing.assert_frame_equal(a.applications, b.applications, atol=1e-7, rtol=0)
    pd.testing.assert_series_equal(a.thresholds, b.thresholds, atol=1e-7, rtol=0)


def test_string_ids_and_mapping_input(planted: Planted, fit: SeverityFit) -> None:
    df = planted.ratings
    as_arrays = {
        "application_id": ("app-" + df["application_id"].astype(str).str.zfill(4)).to_numpy(),
        "reviewer_id": ("rev-" + df["reviewer_id"].astype(str).str.zfill(2)).to_numpy(),
        "dimension_id": df["dimension_id"].to_numpy(),
        "rating": df["rating"].to_numpy(),
    }
    other = fit_severity(as_arrays, WEIGHTS)
    np.testing.assert_allclose(other.reviewers["severity"].to_numpy(), fit.reviewers["severity"].to_numpy(), atol=1e-9)
    assert other.reviewers.index[0] == "rev-00"


def test_invalid_input_is_refused(planted: Planted) -> None:
    df = planted.ratings
    with pytest.raises(ValueError, match="1 to 5"):
        fit_severity(df.assign(rating=df["rating"].where(df.index != 0, 6)), WEIGHTS)
    with pytest.raises(ValueError, match="sum to 1"):
        fit_severity(df, {**WEIGHTS, 5: 0.2})
    with pytest.raises(ValueError, match="no weight"):
        fit_severity(df, {1: 0.5, 2: 0.5})
    with pytest.raises(ValueError, match="missing column"):
        fit_severity(df.drop(columns="reviewer_id"), WEIGHTS)
    with pytest.raises(ValueError, match="never used"):
        fit_severity(df.assign(rating=df["rating"].clip(lower=2)), WEIGHTS)


def test_result_is_frozen(fit: SeverityFit) -> None:
    with pytest.raises(FrozenInstanceError):
        fit.converged = False  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Small hand-checkable cases
# ---------------------------------------------------------------------------------------------


def _probs_by_hand(eta: float, thresholds: list[float]) -> list[float]:
    """exp(k*eta - F_1 - ... - F_k) / sum, written out without numpy."""
    weights, cum = [], 0.0
    for k in range(len(thresholds) + 1):
        if k:
            cum += thresholds[k - 1]
        weights.append(math.exp(k * eta - cum))
    total = sum(weights)
    return [w / total for w in weights]


def test_model_probabilities_by_hand() -> None:
    # all thresholds 0, eta 0: five equally likely categories, mean 3
    np.testing.assert_allclose(category_probabilities(0.0, [0, 0, 0, 0]), [0.2] * 5)
    assert expected_rating(0.0, [0, 0, 0, 0]) == pytest.approx(3.0)
    # eta = ln 2: weights 1, 2, 4, 8, 16 -> E = 1 + (2 + 8 + 24 + 64) / 31
    assert expected_rating(math.log(2), [0, 0, 0, 0]) == pytest.approx(1 + 98 / 31)
    # symmetric thresholds keep the expectation at the middle of the scale
    assert expected_rating(0.0, THRESHOLDS) == pytest.approx(3.0)
    for eta in (-3.0, -0.4, 0.0, 1.3):
        np.testing.assert_allclose(category_probabilities(eta, THRESHOLDS), _probs_by_hand(eta, list(THRESHOLDS)))
    assert expected_rating(60.0, THRESHOLDS) == pytest.approx(5.0)
    assert expected_rating(-60.0, THRESHOLDS) == pytest.approx(1.0)


def _one_point_apart() -> pd.DataFrame:
    """Reviewer 'soft' rates 2..5; reviewer 'hard' rates the same work one point lower."""
    rows = []
    base = [[2, 3], [3, 4], [4, 5], [3, 3], [5, 4], [2, 2], [4, 3], [3, 5], [4, 4], [5, 5]]
    for app, pair in enumerate(base):
        for dim, score in zip((1, 2), pair):
            rows.append((app, "soft", dim, score))
            rows.append((app, "hard", dim, score - 1))
    return pd.DataFrame(rows, columns=["application_id", "reviewer_id", "dimension_id", "rating"])


def test_hand_case_one_point_harsher_reviewer() -> None:
    df = _one_point_apart()
    fit = fit_severity(df, {1: 0.5, 2: 0.5}, tol=1e-9, max_iter=1000)
    rv = fit.reviewers
    assert fit.converged
    assert rv.loc["hard", "severity"] > 0 > rv.loc["soft", "severity"]
    assert rv.loc["hard", "severity"] == pytest.approx(-rv.loc["soft", "severity"], abs=1e-12)
    assert rv.loc["hard", "raw_mean"] == pytest.approx(rv.loc["soft", "raw_mean"] - 1)
    # Severity 0 lies between the two reviewers, so every fair score lies between the ratings
    # the model expects from the hard and from the soft reviewer, and on average between
    # what the two actually gave.
    ap = fit.applications
    for app in range(10):
        for dim in (1, 2):
            eta = ap.loc[app, "measure"] - fit.dimensions.loc[dim, "difficulty"]
            from_hard = expected_rating(eta - rv.loc["hard", "severity"], fit.thresholds)
            from_soft = expected_rating(eta - rv.loc["soft", "severity"], fit.thresholds)
            assert from_hard < ap.loc[app, f"fair_score_{dim}"] < from_soft
    assert rv.loc["hard", "raw_mean"] < fit.fair_scores.to_numpy().mean() < rv.loc["soft", "raw_mean"]
    # Raw scores are sufficient: applications with the same total over the same
    # reviewers and dimensions get the same measure (0: 2+3, 5: 2+2 ... 3: 3+3 and 6: 4+3).
    assert ap.loc[3, "measure"] != pytest.approx(ap.loc[6, "measure"])
    assert ap.loc[1, "measure"] == pytest.approx(ap.loc[6, "measure"], abs=1e-8)  # 3+4 == 4+3
    assert ap.loc[2, "measure"] == pytest.approx(ap.loc[4, "measure"], abs=1e-8)  # 4+5 == 5+4
    assert ap.loc[7, "measure"] == pytest.approx(ap.loc[8, "measure"], abs=1e-8)  # 3+5 == 4+4


def test_hand_case_estimating_equations_hold() -> None:
    """At the JMLE solution each element's observed raw score equals its expected score."""
    df = _one_point_apart()
    fit = fit_severity(df, {1: 0.5, 2: 0.5}, tol=1e-9, max_iter=1000, bias_correction=False)
    tau = list(fit.thresholds)
    expected = []
    for row in df.itertuples():
        eta = (
            fit.applications.loc[row.application_id, "measure"]
            - fit.dimensions.loc[row.dimension_id, "difficulty"]
            - fit.reviewers.loc[row.reviewer_id, "severity"]
        )
        expected.append(sum((k + 1) * p for k, p in enumerate(_probs_by_hand(eta, tau))))
    df = df.assign(expected=expected)
    for col in ("application_id", "reviewer_id", "dimension_id"):
        sums = df.groupby(col)[["rating", "expected"]].sum()
        np.testing.assert_allclose(sums["expected"], sums["rating"], atol=1e-7)
    # threshold equations: observed count at or above each category = expected count
    probs = np.array([_probs_by_hand(e, tau) for e in fit.applications.loc[df.application_id, "measure"].to_numpy()
                      - fit.dimensions.loc[df.dimension_id, "difficulty"].to_numpy()
                      - fit.reviewers.loc[df.reviewer_id, "severity"].to_numpy()])
    for k in range(2, 6):
        assert probs[:, k - 1:].sum() == pytest.approx((df["rating"] >= k).sum(), abs=1e-6)


def _neg_loglik(theta: np.ndarray, a: np.ndarray, r: np.ndarray, d: np.ndarray, x: np.ndarray,
                n_a: int, n_r: int, n_d: int) -> float:
    b = theta[:n_a]
    c = np.append(theta[n_a:n_a + n_r - 1], -theta[n_a:n_a + n_r - 1].sum())
    dd = np.append(theta[n_a + n_r - 1:n_a + n_r + n_d - 2], -theta[n_a + n_r - 1:n_a + n_r + n_d - 2].sum())
    t = theta[n_a + n_r + n_d - 2:]
    tau = np.append(t, -t.sum())
    eta = b[a] - dd[d] - c[r]
    logits = np.arange(5)[None, :] * eta[:, None] - np.concatenate(([0.0], np.cumsum(tau)))[None, :]
    mx = logits.max(axis=1, keepdims=True)
    lse = (mx + np.log(np.exp(logits - mx).sum(axis=1, keepdims=True))).ravel()
    return float(-(logits[np.arange(x.size), x - 1] - lse).sum())


def test_matches_direct_likelihood_maximisation() -> None:
    planted = simulate(seed=3, n_apps=30, n_reviewers=4, per_app=2, erratic=None, central=None, skill_sd=0.7)
    df = planted.ratings[planted.ratings["dimension_id"] <= 2]
    fit = fit_severity(df, {1: 0.5, 2: 0.5}, tol=1e-9, max_iter=1000, bias_correction=False)
    assert not fit.applications["extreme"].any()
    a, r, d = (df[c].to_numpy() for c in ("application_id", "reviewer_id", "dimension_id"))
    x = df["rating"].to_numpy()
    n_a, n_r, n_d = 30, 4, 2
    theta0 = np.zeros(n_a + n_r - 1 + n_d - 1 + 3)
    res = minimize(_neg_loglik, theta0, args=(a, r, d - 1, x, n_a, n_r, n_d), method="BFGS",
                   options={"gtol": 1e-8, "maxiter": 10_000})
    b = res.x[:n_a]
    c = np.append(res.x[n_a:n_a + n_r - 1], -res.x[n_a:n_a + n_r - 1].sum())
    t = res.x[n_a + n_r + n_d - 2:]
    np.testing.assert_allclose(fit.reviewers["severity"], c, atol=1e-3)
    np.testing.assert_allclose(fit.applications["measure"], b, atol=1e-3)
    np.testing.assert_allclose(fit.thresholds, np.append(t, -t.sum()), atol=1e-3)


def _numeric_hessian(fun, x0: np.ndarray, h: float = 1e-4) -> np.ndarray:
    n = x0.size
    hess = np.empty((n, n))

    def at(i: int, j: int, di: float, dj: float) -> float:
        x = x0.copy()
        x[i] += di
        x[j] += dj
        return fun(x)

    for i in range(n):
        for j in range(i, n):
            hess[i, j] = hess[j, i] = (at(i, j, h, h) - at(i, j, h, -h) - at(i, j, -h, h)
                                       + at(i, j, -h, -h)) / (4 * h * h)
    return hess


def test_standard_errors_are_those_of_the_full_likelihood() -> None:
    """The severities' SEs take the estimated measures, difficulties and thresholds into account.

    The rating-scale model is an exponential family, so the inverse of the Hessian of the negative
    log-likelihood at its maximum, in a sum-to-zero parametrisation of every constrained facet, is
    the covariance of all the estimates; the fit's SEs must be its diagonal for the reviewers and
    the dimensions, and exceed the SE that takes every other parameter as known.
    """
    planted = simulate(seed=3, n_apps=30, n_reviewers=4, per_app=2, erratic=None, central=None, skill_sd=0.7)
    df = planted.ratings[planted.ratings["dimension_id"] <= 2]
    fit = fit_severity(df, {1: 0.5, 2: 0.5}, tol=1e-10, max_iter=2000, bias_correction=False)
    a, r, d = (df[c].to_numpy() for c in ("application_id", "reviewer_id", "dimension_id"))
    x = df["rating"].to_numpy()
    n_a, n_r, n_d = 30, 4, 2
    theta = np.concatenate([fit.applications["measure"].to_numpy(), fit.reviewers["severity"].to_numpy()[:-1],
                            fit.dimensions["difficulty"].to_numpy()[:-1], fit.thresholds.to_numpy()[:-1]])
    cov = np.linalg.inv(_numeric_hessian(lambda th: _neg_loglik(th, a, r, d - 1, x, n_a, n_r, n_d), theta))
    c_block = cov[n_a:n_a + n_r - 1, n_a:n_a + n_r - 1]
    c_var = np.append(np.diag(c_block), c_block.sum())  # the last severity is minus the sum of the others
    d_pos = n_a + n_r - 1
    d_var = np.array([cov[d_pos, d_pos]] * 2)  # two dimensions: D_2 = -D_1
    np.testing.assert_allclose(fit.reviewers["se"], np.sqrt(c_var), rtol=2e-3)
    np.testing.assert_allclose(fit.dimensions["se"], np.sqrt(d_var), rtol=2e-3)
    eta = (fit.applications.loc[a, "measure"].to_numpy() - fit.dimensions.loc[d, "difficulty"].to_numpy()
           - fit.reviewers.loc[r, "severity"].to_numpy())
    var = category_probabilities(eta, fit.thresholds) @ (np.arange(5.0) ** 2) - (
        category_probabilities(eta, fit.thresholds) @ np.arange(5.0)) ** 2
    others_known = 1 / np.sqrt(pd.Series(var).groupby(r).sum().to_numpy())
    assert (fit.reviewers["se"].to_numpy() > others_known).all()


def test_bias_correction_shrinks_every_logit_by_wrights_factor() -> None:
    planted = simulate(seed=8, n_apps=150, n_reviewers=6, per_app=2, erratic=None, central=None)
    raw = fit_severity(planted.ratings, WEIGHTS, bias_correction=False)
    fit = fit_severity(planted.ratings, WEIGHTS)
    assert raw.bias_factor == 1.0
    core = ~fit.applications["extreme"]
    ratings_of_core = fit.applications.loc[core, "n_ratings"].sum()
    assert fit.bias_factor == pytest.approx(1 - core.sum() / ratings_of_core)  # (L - 1) / L, L ratings a candidate
    assert 0.85 < fit.bias_factor < 0.95  # 10 ratings a candidate
    k = fit.bias_factor
    np.testing.assert_allclose(fit.reviewers["severity"], k * raw.reviewers["severity"], atol=1e-9)
    np.testing.assert_allclose(fit.dimensions["difficulty"], k * raw.dimensions["difficulty"], atol=1e-9)
    np.testing.assert_allclose(fit.thresholds, k * raw.thresholds, atol=1e-9)
    np.testing.assert_allclose(fit.applications["measure"], k * raw.applications["measure"], atol=1e-9)
    # standard errors and fair scores are those of the joint estimates (see the module docstring)
    np.testing.assert_allclose(fit.reviewers["se"], raw.reviewers["se"], atol=1e-12)
    pd.testing.assert_frame_equal(fit.fair_scores, raw.fair_scores)


def test_unused_category_is_named_in_plain_words() -> None:
    df = _one_point_apart()
    df = df[df["rating"] != 1]
    with pytest.raises(ValueError, match=r"rating category 1 is never used") as raised:
        fit_severity(df, {1: 0.5, 2: 0.5})
    assert "np." not in str(raised.value) and "[" not in str(raised.value)


def test_extreme_scores_use_the_point_three_correction() -> None:
    planted = simulate(seed=5, n_apps=120, n_reviewers=8, erratic=None, central=None)
    df = planted.ratings.copy()
    df.loc[df["application_id"] == 0, "rating"] = 5
    df.loc[df["application_id"] == 1, "rating"] = 1
    fit = fit_severity(df, WEIGHTS, tol=1e-9, bias_correction=False)
    ap = fit.applications
    assert ap.loc[0, "extreme"] and ap.loc[1, "extreme"]
    span = df.groupby("application_id")["rating"].agg(["min", "max"])
    all_same_extreme = (span["min"] == span["max"]) & span["min"].isin([1, 5])
    pd.testing.assert_series_equal(ap["extreme"], all_same_extreme, check_names=False)
    assert np.isfinite(ap["measure"]).all()
    assert ap.loc[0, "measure"] > ap.loc[~ap["extreme"], "measure"].max()
    assert ap.loc[1, "measure"] < ap.loc[~ap["extreme"], "measure"].min()
    assert np.isnan(ap.loc[0, "infit_mnsq"])
    # The extreme applications' expected raw scores equal the observed ones moved 0.3 inward.
    for app, adjusted_total in ((0, lambda n: 5 * n - EXTREME_SCORE_CORRECTION),
                                (1, lambda n: 1 * n + EXTREME_SCORE_CORRECTION)):
        rows = df[df["application_id"] == app]
        eta = (ap.loc[app, "measure"] - fit.dimensions.loc[rows["dimension_id"], "difficulty"].to_numpy()
               - fit.reviewers.loc[rows["reviewer_id"], "severity"].to_numpy())
        expected_total = np.sum(expected_rating(eta, fit.thresholds))
        assert expected_total == pytest.approx(adjusted_total(len(rows)), abs=1e-6)


def test_disconnected_design_is_reported() -> None:
    one = simulate(seed=1, n_apps=60, n_reviewers=5, erratic=None, central=None).ratings
    two = one.assign(application_id=one["application_id"] + 1000, reviewer_id=one["reviewer_id"] + 100)
    fit = fit_severity(pd.concat([one, two]), WEIGHTS)
    assert fit.n_subsets == 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_reviewers=st.integers(3, 8))
def test_reviewer_score_equations_hold_on_random_designs(seed: int, n_reviewers: int) -> None:
    planted = simulate(seed=seed, n_apps=50, n_reviewers=n_reviewers, per_app=2, erratic=None, central=None)
    fit = fit_severity(planted.ratings, WEIGHTS, tol=1e-9, bias_correction=False)
    assert fit.converged
    df = planted.ratings
    keep = ~fit.applications.loc[df["application_id"], "extreme"].to_numpy()
    df = df[keep]
    eta = (fit.applications.loc[df["application_id"], "measure"].to_numpy()
           - fit.dimensions.loc[df["dimension_id"], "difficulty"].to_numpy()
           - fit.reviewers.loc[df["reviewer_id"], "severity"].to_numpy())
    sums = df.assign(e=expected_rating(eta, fit.thresholds)).groupby("reviewer_id")[["rating", "e"]].sum()
    np.testing.assert_allclose(sums["e"], sums["rating"], atol=1e-5)
    assert fit.applications["fair_weighted"].between(1, 5).all()


# ---------------------------------------------------------------------------------------------
# Severity over time
# ---------------------------------------------------------------------------------------------

DRIFTER = 2


@pytest.fixture(scope="module")
def monthly() -> tuple[pd.DataFrame, np.ndarray]:
    """Four months of ratings; reviewer DRIFTER turns 1.2 logits harsher in months 3 and 4."""
    rng = np.random.default_rng(99)
    frames = []
    skill = rng.normal(0, 0.8, 1600)
    severity = rng.permutation(np.linspace(-1.0, 1.0, N_REVIEWERS))
    for month in range(4):
        apps = np.arange(month * 400, (month + 1) * 400)
        chosen = np.array([rng.choice(N_REVIEWERS, 3, replace=False) for _ in apps])
        a = np.repeat(apps, 15)
        r = np.repeat(chosen.reshape(-1), 5)
        d = np.tile(np.arange(5), 400 * 3)
        sev = severity[r] + np.where((r == DRIFTER) & (month >= 2), 1.2, 0.0)
        x = _draw(skill[a] - DIFFICULTY[d] - sev, rng)
        day = rng.integers(1, 28, a.size)
        frames.append(pd.DataFrame({
            "application_id": a, "reviewer_id": r, "dimension_id": d + 1, "rating": x,
            "submitted_at": pd.to_datetime({"year": 2025, "month": month + 1, "day": day}),
        }))
    return pd.concat(frames, ignore_index=True), severity


def test_severity_by_period_tracks_each_month(monthly: tuple[pd.DataFrame, np.ndarray]) -> None:
    df, severity = monthly
    fit = fit_severity(df, WEIGHTS)
    by = severity_by_period(df, fit)
    assert list(by.columns[:3]) == ["reviewer_id", "period", "severity"]
    assert len(by) == N_REVIEWERS * 4
    assert by["period"].astype(str).unique().tolist() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert by.groupby("reviewer_id")["n_ratings"].sum().sum() == len(df)
    assert (by["se"] > 0).all()
    # Stable reviewers: each month's severity tracks the planted one.
    stable = by[by["reviewer_id"] != DRIFTER]
    assert np.corrcoef(stable["severity"], severity[stable["reviewer_id"]])[0, 1] > 0.9
    drifter = by[by["reviewer_id"] == DRIFTER].set_index(by.loc[by["reviewer_id"] == DRIFTER, "period"].astype(str))
    before, after = drifter.loc[["2025-01", "2025-02"], "severity"], drifter.loc[["2025-03", "2025-04"], "severity"]
    jump = after.mean() - before.mean()
    assert jump == pytest.approx(1.2, abs=0.35)
    # Period severities are on the full fit's scale: their precision-weighted mean per reviewer
    # is close to the overall estimate.
    w = 1 / by["se"] ** 2
    pooled = (by["severity"] * w).groupby(by["reviewer_id"]).sum() / w.groupby(by["reviewer_id"]).sum()
    np.testing.assert_allclose(pooled, fit.reviewers["severity"], atol=0.1)


def test_joint_period_fit_recovers_drift_better_than_anchored_applications(
    monthly: tuple[pd.DataFrame, np.ndarray],
) -> None:
    df, _ = monthly
    fit = fit_severity(df, WEIGHTS)

    def jump(by: pd.DataFrame) -> float:
        s = by[by["reviewer_id"] == DRIFTER].set_index("period")["severity"]
        return float(s.iloc[2:].mean() - s.iloc[:2].mean())

    joint = jump(severity_by_period(df, fit))
    anchored = jump(severity_by_period(df, fit, reestimate_applications=False))
    # Anchored measures absorbed part of the drift (the drifter is 1 of 3 raters per application).
    assert abs(joint - 1.2) < abs(anchored - 1.2)
    assert 0.5 < anchored < joint


def test_severity_by_period_with_ready_made_labels(monthly: tuple[pd.DataFrame, np.ndarray]) -> None:
    df, _ = monthly
    fit = fit_severity(df, WEIGHTS)
    labelled = df.assign(month=df["submitted_at"].dt.strftime("%Y-%m"))
    a = severity_by_period(labelled, fit, time_column="month", freq=None)
    b = severity_by_period(df, fit)
    np.testing.assert_allclose(a["severity"], b["severity"])
    # With anchored applications, rows of applications unknown to the fit are dropped ...
    extra = labelled.iloc[:5].assign(application_id=-1)
    anchored = severity_by_period(labelled, fit, time_column="month", freq=None, reestimate_applications=False)
    c = severity_by_period(pd.concat([labelled, extra]), fit, time_column="month", freq=None,
                           reestimate_applications=False)
    np.testing.assert_allclose(c["severity"], anchored["severity"])
    assert c["n_ratings"].sum() == len(labelled)
    # ... while the joint re-estimation simply estimates the new application as well.
    joint = severity_by_period(pd.concat([labelled, extra]), fit, time_column="month", freq=None)
    assert joint["n_ratings"].sum() == len(labelled) + 5
    np.testing.assert_allclose(joint["severity"], a["severity"], atol=0.01)


def test_drift_flags_the_drifting_reviewer_only(monthly: tuple[pd.DataFrame, np.ndarray]) -> None:
    df, _ = monthly
    by = severity_by_period(df, fit_severity(df, WEIGHTS))
    flags = drift_flags(by, baseline_periods=2)
    flagged = flags[flags["flag"]]
    assert set(flagged["reviewer_id"]) == {DRIFTER}
    assert flagged["period"].astype(str).tolist() == ["2025-03", "2025-04"]
    assert (flagged["direction"] == "harsher").all()
    assert (flagged["drift"] > DRIFT_THRESHOLD).all()
    assert not flags.loc[flags["in_baseline"], "flag"].any()


def test_drift_flags_threshold_and_series_input() -> None:
    idx = pd.MultiIndex.from_product([["a", "b"], [1, 2, 3]], names=["reviewer_id", "period"])
    s = pd.Series([0.0, 0.0, 0.4, 0.2, 0.2, -0.5], index=idx)
    out = drift_flags(s, threshold=0.3, baseline_periods=2)
    assert out["flag"].tolist() == [False, False, True, False, False, True]
    assert out["direction"].tolist() == ["", "", "harsher", "", "", "softer"]
    assert drift_flags(s, baseline_periods=2)["flag"].sum() == 1  # default threshold 0.5 catches b's -0.7
    everything = drift_flags(s, threshold=0.3, baseline_periods=None)
    assert everything["in_baseline"].all()
    with pytest.raises(ValueError):
        drift_flags(s.reset_index(drop=True))
