"""Discrimination statistics: published worked examples (Hanley & McNeil 1982), independent
implementations (scikit-learn's AUC, DeLong's kernel formulas, the bootstrap), planted relations that
must be found (and their size), and no relation that must not be claimed."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from scoring.stats import discrimination
from scoring.stats.discrimination import (
    auc,
    auc_interval,
    bootstrap_auc_interval,
    compare_aucs,
    delong_covariance,
    hanley_mcneil_se,
    range_restriction,
    roc_points,
)

# Hanley, J. A. & McNeil, B. J. (1982). Radiology 143:29-36, Table I: a radiologist's ratings of 109
# CT images (1 = definitely normal ... 5 = definitely abnormal). Table II: W = 0.8932, SE(W) = 0.0320.
HM_NORMAL = np.repeat([1, 2, 3, 4, 5], [33, 6, 6, 11, 2])
HM_ABNORMAL = np.repeat([1, 2, 3, 4, 5], [3, 2, 2, 11, 33])
HM_SCORE = np.r_[HM_NORMAL, HM_ABNORMAL].astype(float)
HM_GOOD = np.r_[np.zeros(58), np.ones(51)]


def binormal(delta: float, m: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Good cases ~ N(delta, 1), bad cases ~ N(0, 1): the true AUC is Phi(delta / sqrt 2)."""
    score = np.r_[rng.normal(delta, 1.0, m), rng.normal(0.0, 1.0, n)]
    return score, np.r_[np.ones(m), np.zeros(n)]


def true_binormal_auc(delta: float) -> float:
    return float(norm.cdf(delta / np.sqrt(2.0)))


def delong_by_kernel(scores: np.ndarray, good: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong et al. (1988) eqs. 2-5 computed literally from the m x n kernel psi(X_i, Y_j)."""
    x = scores[:, good == 1]
    y = scores[:, good == 0]
    m, n = x.shape[1], y.shape[1]
    psi = (x[:, :, None] > y[:, None, :]) + 0.5 * (x[:, :, None] == y[:, None, :])
    theta = psi.mean(axis=(1, 2))
    v10 = psi.mean(axis=2) - theta[:, None]
    v01 = psi.mean(axis=1) - theta[:, None]
    return theta, (v10 @ v10.T) / ((m - 1) * m) + (v01 @ v01.T) / ((n - 1) * n)



# ------------------------------------------------------------------------------------------------
# Published examples and documentation
# ------------------------------------------------------------------------------------------------


def test_module_examples_run_as_documented():
    failures, tried = doctest.testmod(discrimination, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 10
    assert failures == 0


def test_auc_hanley_mcneil_1982_table_2():
    assert round(auc(HM_SCORE, HM_GOOD), 4) == 0.8932


def test_standard_error_hanley_mcneil_1982_table_2():
    assert round(hanley_mcneil_se(HM_SCORE, HM_GOOD), 4) == 0.0320


def test_delong_interval_on_hanley_mcneil_1982_data():
    """DeLong's SE of the same data is 0.0307: an estimate of the same variance as Hanley & McNeil's
    0.0320 (which counts a double tie as 1/3 and divides by m and n, not m - 1 and n - 1), so the
    two must agree closely."""
    est = auc_interval(HM_SCORE, HM_GOOD)
    assert (est.n, est.n_good, est.n_bad) == (109, 51, 58)
    assert round(est.se, 4) == 0.0307
    assert (round(est.ci_low, 4), round(est.ci_high, 4)) == (0.8330, 0.9534)
    assert abs(est.se - hanley_mcneil_se(HM_SCORE, HM_GOOD)) < 0.002


def test_bootstrap_agrees_with_delong_on_hanley_mcneil_data():
    est = auc_interval(HM_SCORE, HM_GOOD)
    low, high = bootstrap_auc_interval(HM_SCORE, HM_GOOD, n_boot=4000, seed=3)
    assert abs(low - est.ci_low) < 0.012
    assert abs(high - est.ci_high) < 0.012

# ------------------------------------------------------------------------------------------------
# Against independent implementations
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_auc_matches_sklearn_with_and_without_ties(seed):
    rng = np.random.default_rng(seed)
    good = (rng.random(300) < 0.3).astype(float)
    continuous = good * 0.8 + rng.normal(0, 1, 300)
    rated = np.clip(np.round(continuous + 3), 1, 5)       # heavy ties, like 1-5 ratings
    for score in (continuous, rated):
        assert auc(score, good) == pytest.approx(roc_auc_score(good, score), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_fast_delong_equals_the_kernel_formulas(seed):
    rng = np.random.default_rng(100 + seed)
    n_cases = 150
    good = (rng.random(n_cases) < 0.4).astype(float)
    base = good + rng.normal(0, 1, n_cases)
    scores = np.vstack([base, np.round(base * 2) / 2, base + rng.normal(0, 1, n_cases)])
    theta, cov = delong_covariance(scores, good)
    theta_ref, cov_ref = delong_by_kernel(scores, good)
    np.testing.assert_allclose(theta, theta_ref, atol=1e-12)
    np.testing.assert_allclose(cov, cov_ref, atol=1e-12)


def test_paired_difference_matches_kernel_and_bootstrap():
    rng = np.random.default_rng(7)
    good = (rng.random(500) < 0.5).astype(float)
    a = good + rng.normal(0, 1, 500)
    b = good + rng.normal(0, 1.6, 500)
    result = compare_aucs(a, b, good)
    _, cov = delong_by_kernel(np.vstack([a, b]), good)
    assert result.se == pytest.approx(np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]), rel=1e-10)
    low, high = bootstrap_auc_interval(a, good, other=b, n_boot=3000, seed=5)
    assert abs(low - result.ci_low) < 0.015 and abs(high - result.ci_high) < 0.015


# ------------------------------------------------------------------------------------------------
# Planted relations: found, with their size; no relation: not claimed
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [0.5, 1.0, 1.5])
def test_planted_binormal_auc_is_inside_the_interval(delta):
    score, good = binormal(delta, 600, 900, np.random.default_rng(int(delta * 10)))
    est = auc_interval(score, good)
    assert est.ci_low <= true_binormal_auc(delta) <= est.ci_high
    assert est.ci_low > 0.5


def test_delong_interval_covers_the_planted_auc_at_its_nominal_rate():
    rng = np.random.default_rng(2024)
    truth = true_binormal_auc(1.0)
    hits = [auc_interval(*binormal(1.0, 80, 120, rng)) for _ in range(400)]
    coverage = np.mean([e.ci_low <= truth <= e.ci_high for e in hits])
    assert 0.915 <= coverage <= 0.985


def test_no_relation_is_not_claimed():
    rng = np.random.default_rng(11)
    score = rng.normal(0, 1, 800)
    good = (rng.random(800) < 0.35).astype(float)
    est = auc_interval(score, good)
    assert est.ci_low <= 0.5 <= est.ci_high


def test_no_relation_interval_contains_half_at_its_nominal_rate():
    rng = np.random.default_rng(99)
    hits = []
    for _ in range(300):
        score, good = binormal(0.0, 60, 90, rng)
        est = auc_interval(score, good)
        hits.append(est.ci_low <= 0.5 <= est.ci_high)
    assert 0.91 <= np.mean(hits) <= 0.99


def test_planted_difference_between_predictors_is_found():
    rng = np.random.default_rng(8)
    m, n = 700, 700
    good = np.r_[np.ones(m), np.zeros(n)]
    latent = np.r_[rng.normal(1.2, 1, m), rng.normal(0, 1, n)]
    strong = latent + rng.normal(0, 0.3, m + n)
    weak = latent + rng.normal(0, 1.5, m + n)
    result = compare_aucs(strong, weak, good)
    truth = true_binormal_auc(1.2 / np.sqrt(1 + 0.09)) - true_binormal_auc(1.2 / np.sqrt(1 + 2.25))
    assert result.ci_low > 0
    assert result.ci_low <= truth <= result.ci_high


# ------------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------------


def test_auc_is_rank_based_and_symmetric():
    rng = np.random.default_rng(1)
    score, good = binormal(0.8, 50, 70, rng)
    value = auc(score, good)
    assert auc(np.exp(score), good) == pytest.approx(value)           # monotone transform
    assert auc(-score, good) == pytest.approx(1 - value)              # reversed score
    assert auc(score, 1 - good) == pytest.approx(1 - value)           # swapped outcomes
    order = rng.permutation(score.size)
    assert auc(score[order], good[order]) == pytest.approx(value)     # case order


def test_identical_predictors_differ_by_exactly_nothing():
    score, good = binormal(1.0, 40, 40, np.random.default_rng(2))
    result = compare_aucs(score, score * 3 + 1, good)
    assert result.difference == 0 and result.se == pytest.approx(0, abs=1e-12)
    assert result.p_value == 1.0


@pytest.mark.parametrize(("bad_input", "message"), [
    (dict(score=[1, 2, 3], good=[0, 2, 1]), "good must hold"),
    (dict(score=[1, 2, 3], good=[1, 1, 1]), "both outcomes"),
    (dict(score=[1, 2], good=[0, 1, 1]), "2 scores"),
])
def test_bad_inputs_are_refused_with_a_precise_message(bad_input, message):
    with pytest.raises(ValueError, match=message):
        auc(bad_input["score"], bad_input["good"])


def test_confidence_must_be_a_probability():
    with pytest.raises(ValueError, match="confidence"):
        auc_interval(HM_SCORE, HM_GOOD, confidence=1.5)

# ------------------------------------------------------------------------------------------------
# The ROC curve and range restriction
# ------------------------------------------------------------------------------------------------


def test_roc_points_integrate_to_the_auc():
    score, good = binormal(0.7, 90, 60, np.random.default_rng(6))
    score = np.round(score, 1)                             # with ties
    points = roc_points(score, good)
    assert points.iloc[0][["fpr", "tpr"]].tolist() == [0.0, 0.0]
    assert points.iloc[-1][["fpr", "tpr"]].tolist() == [1.0, 1.0]
    area = np.trapezoid(points["tpr"], points["fpr"])
    assert area == pytest.approx(auc(score, good))


def test_range_restriction_of_a_top_slice():
    rng = np.random.default_rng(7)
    score = rng.normal(3.5, 0.6, 5000)
    top = score > np.quantile(score, 0.8)
    result = range_restriction(score, top)
    assert result["scored"] == 5000 and result["with_outcome"] == top.sum()
    assert result["share"] == pytest.approx(0.2)
    assert 0.3 < result["ratio"] < 0.6                      # a top fifth is much narrower
    assert range_restriction(score, np.ones(5000, bool))["ratio"] == pytest.approx(1.0)
