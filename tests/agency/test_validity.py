"""Predictive-validity statistics: published worked examples, independent implementations, planted
relations that must be found (and their size), and no relation that must not be claimed."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from scoring.agency import validity
from scoring.stats.intervals import wilson_interval
from scoring.agency.scorecard import DIMENSIONS
from scoring.agency.validity import (
    FLOOR,
    SCORE_BANDS,
    Floor,
    auc,
    auc_interval,
    band_rates,
    bootstrap_auc_interval,
    compare_aucs,
    delong_covariance,
    discrimination,
    discrimination_by_group,
    floor_reason,
    hanley_mcneil_se,
    implied_weights,
    outcome_labels,
    range_restriction,
    roc_points,
    suggest_weights,
)

CODES = list(DIMENSIONS)
EQUAL = {code: 20.0 for code in CODES}

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
    failures, tried = doctest.testmod(validity, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 20
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
    est = discrimination(score, good)
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
    est = discrimination(score, good)
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


def test_missing_outcomes_and_scores_are_dropped_and_counted():
    score = np.array([1, 2, 3, 4, np.nan, 6.0])
    good = np.array([0, 0, 1, np.nan, 1, 1])
    assert auc(score, good) == 1.0
    est = discrimination(score, good, Floor(min_cases=2, min_per_class=1))
    assert (est.n, est.n_good, est.n_bad) == (4, 2, 2)


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
# The floor
# ------------------------------------------------------------------------------------------------


def test_floor_is_exactly_at_its_declared_numbers():
    assert floor_reason(FLOOR.min_per_class, FLOOR.min_cases - FLOOR.min_per_class) == ""
    assert "at least 30" in floor_reason(10, FLOOR.min_cases - 11)
    assert "bad outcome" in floor_reason(FLOOR.min_cases, FLOOR.min_per_class - 1)
    assert floor_reason(1, 40) == "only 1 good outcome; at least 5 of each are needed"


def test_under_the_floor_a_figure_is_nan_with_its_reason():
    score, good = binormal(1.0, 4, 60, np.random.default_rng(3))
    est = discrimination(score, good)
    assert np.isnan(est.auc) and np.isnan(est.ci_low) and not est.shown
    assert est.reason == "only 4 good outcomes; at least 5 of each are needed"
    assert (est.n, est.n_good, est.n_bad) == (64, 4, 60)


def test_discrimination_by_group_applies_the_floor_per_group():
    rng = np.random.default_rng(4)
    big = pd.DataFrame({"who": "a", "score": rng.normal(0, 1, 200), "good": (rng.random(200) < 0.5) * 1.0})
    small = pd.DataFrame({"who": "b", "score": rng.normal(0, 1, 12), "good": [0.0, 1.0] * 6})
    table = discrimination_by_group(pd.concat([big, small]), "who", "score", "good").set_index("who")
    assert table.loc["a", "reason"] == "" and np.isfinite(table.loc["a", "auc"])
    assert np.isnan(table.loc["b", "auc"]) and "12 cases" in table.loc["b", "reason"]
    assert table.loc["a", "auc"] == pytest.approx(auc(big["score"], big["good"]))


# ------------------------------------------------------------------------------------------------
# Score bands, ROC points, range restriction
# ------------------------------------------------------------------------------------------------


def test_bands_cover_the_scale_without_gaps():
    assert SCORE_BANDS[0].low == -np.inf and SCORE_BANDS[-1].high == np.inf
    for before, after in zip(SCORE_BANDS, SCORE_BANDS[1:]):
        assert before.high == after.low


def test_band_rates_are_wilson_intervals_on_half_open_bands():
    rng = np.random.default_rng(5)
    score = np.r_[np.full(40, 3.0), np.full(50, 4.49), np.full(60, 4.5)]
    event = (rng.random(score.size) < 0.4).astype(float)
    table = band_rates(score, event).set_index("band")
    assert table.loc["3 to 3.5", "cases"] == 40           # 3.0 starts the 3-3.5 band
    assert table.loc["4 to 4.5", "cases"] == 50
    assert table.loc["4.5 and above", "cases"] == 60
    row = table.loc["4.5 and above"]
    low, high = wilson_interval(row["events"], row["cases"])
    assert row["rate"] == row["events"] / row["cases"]
    assert (row["ci_low"], row["ci_high"]) == (float(low), float(high))
    assert np.isnan(table.loc["below 3", "rate"]) and "0 cases" in table.loc["below 3", "reason"]
    assert table["cases"].sum() == score.size


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


# ------------------------------------------------------------------------------------------------
# Outcome labels
# ------------------------------------------------------------------------------------------------


def _applications(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for c in ("shortlisted_on", "first_day", "ended_on"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def test_outcomes_are_labelled_and_censoring_is_explained():
    apps = _applications(
        application_id=[1, 2, 3, 4, 5, 6, 7, 8],
        shortlisted_on=[None, "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01",
                        "2025-01-01", "2025-06-01"],
        client_decision=[None, None, "fail", "pass", "pass", "pass", "pass", "pass"],
        placement_id=[None, None, None, 1, 2, 3, 4, 5],
        first_day=[None, None, None, "2025-02-01", "2025-02-01", "2025-02-01", "2025-02-01", "2025-07-20"],
        ended_on=[None, None, None, None, "2025-03-01", "2025-03-01", "2025-03-01", None],
        end_reason=[None, None, None, None, "not_a_fit", "engineer_left", "client_churned", None])
    out = outcome_labels(apps, "2025-08-01").set_index("application_id")
    assert out["accepted_status"].tolist() == ["not shortlisted", "client has not decided", "not accepted",
                                               "accepted", "accepted", "accepted", "accepted", "accepted"]
    assert out.loc[4, "retained"] == 1 and out.loc[5, "retained"] == 0 and out.loc[6, "retained"] == 0
    assert np.isnan(out.loc[7, "retained"])
    assert out.loc[7, "retained_status"] == "ended within 90 days for another reason"
    assert out.loc[8, "retained_status"] == "under 90 days so far"
    assert out.loc[5, "replaced"] == 1 and out.loc[6, "replaced"] == 0 and out.loc[4, "replaced"] == 0
    assert np.isnan(out.loc[8, "replaced"]) and out.loc[8, "replaced_status"] == "under 90 days in post"
    assert out.loc[1, "replaced_status"] == "not placed"


def test_outcome_orientation_makes_replacement_the_bad_outcome():
    labels = pd.DataFrame({"replaced": [1.0, 0.0, np.nan], "accepted": [1.0, 0.0, np.nan]})
    replaced, accepted = (validity.OUTCOME_BY_KEY[k] for k in ("replaced", "accepted"))
    assert validity.good_outcome(labels, replaced).tolist()[:2] == [0.0, 1.0]
    assert validity.good_outcome(labels, accepted).tolist()[:2] == [1.0, 0.0]


def test_missing_input_columns_are_named():
    with pytest.raises(ValueError, match="placement_id"):
        outcome_labels(pd.DataFrame({"application_id": [1], "shortlisted_on": [None], "client_decision": [None]}),
                       "2025-01-01")


# ------------------------------------------------------------------------------------------------
# Weights fitted to an outcome
# ------------------------------------------------------------------------------------------------


def test_implied_weights_clip_normalise_and_round_to_100():
    pct, clipped = implied_weights([2.0, -1.0, 1.0, 0.5, 0.25])
    assert pct.sum() == 100 and pct[1] == 0 and clipped.tolist() == [False, True, False, False, False]
    assert pct.tolist() == [53.0, 0.0, 27.0, 13.0, 7.0]
    pct, _ = implied_weights([-1.0, -2.0])
    assert np.all(np.isnan(pct))
    with pytest.raises(ValueError, match="divide 100"):
        implied_weights([1, 1], step_pct=3)


def planted_means(n: int, relevant: tuple[int, ...], strength: float, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Five dimension means sharing a common skill; the outcome depends on ``relevant`` dimensions only."""
    rng = np.random.default_rng(seed)
    skill = rng.normal(0, 1, n)
    ability = 0.5 * skill[:, None] + rng.normal(0, 0.85, (n, 5))
    means = np.clip(3.5 + 0.6 * ability + rng.normal(0, 0.3, (n, 5)), 1, 5)
    drive = ability[:, list(relevant)].sum(axis=1) if relevant else np.zeros(n)
    good = (rng.random(n) < 1 / (1 + np.exp(-strength * drive))).astype(float)
    return pd.DataFrame(means, columns=CODES), good


def test_planted_weights_are_found_and_the_gain_is_claimed():
    means, good = planted_means(3000, relevant=(0, 2), strength=1.5, seed=21)
    result = suggest_weights(means, good, EQUAL, outcome="planted")
    assert result.reason == "" and result.outcome == "planted"
    assert sum(result.suggested_pct.values()) == 100
    assert result.suggested_pct["infrastructure"] + result.suggested_pct["monitoring"] >= 75
    assert result.ci_low > 0 and result.is_improvement
    assert result.auc_suggested > result.auc_current
    assert len(result.fold_differences) == validity.MODEL.folds
    assert result.difference == pytest.approx(result.auc_suggested - result.auc_current)


def test_no_relation_gives_no_improvement():
    means, good = planted_means(1500, relevant=(), strength=0.0, seed=22)
    result = suggest_weights(means, good, {"infrastructure": 25, "deployment": 25, "monitoring": 20,
                                           "automation": 20, "governance": 10})
    current = means[CODES].to_numpy() @ np.array([0.25, 0.25, 0.2, 0.2, 0.1])
    est = discrimination(current, good)
    assert est.ci_low <= 0.5 <= est.ci_high
    assert not result.is_improvement
    assert not (result.ci_low > 0)


def test_weights_already_right_are_not_improved_on():
    means, good = planted_means(2000, relevant=(0, 1, 2, 3, 4), strength=0.8, seed=23)
    result = suggest_weights(means, good, EQUAL)
    assert result.reason == ""
    assert result.ci_low <= 0
    assert abs(result.difference) < 0.01
    assert not result.is_improvement


def test_too_few_events_gives_a_reason_not_a_model():
    means, good = planted_means(400, relevant=(0,), strength=1.0, seed=24)
    good[np.flatnonzero(good == 0)[40:]] = 1.0                 # only 40 bad outcomes
    result = suggest_weights(means, good, EQUAL)
    assert result.reason.startswith("only 40 bad outcomes")
    assert result.suggested_pct == {} and not result.is_improvement


def test_negative_coefficients_are_clipped_and_stated():
    means, good = planted_means(3000, relevant=(0,), strength=1.5, seed=25)
    means["governance"] = 6 - means["governance"]              # a dimension that now predicts failure
    result = suggest_weights(means, good, EQUAL)
    row = result.coefficients.set_index("dimension").loc["governance"]
    assert bool(row["clipped"]) and row["suggested_pct"] == 0


def test_suggestion_is_reproducible():
    means, good = planted_means(800, relevant=(1,), strength=1.0, seed=26)
    first, second = suggest_weights(means, good, EQUAL), suggest_weights(means, good, EQUAL)
    assert first.suggested_pct == second.suggested_pct and first.ci_low == second.ci_low


def test_suggest_weights_refuses_incomplete_current_weights():
    means, good = planted_means(200, relevant=(0,), strength=1.0, seed=27)
    with pytest.raises(ValueError, match="current_pct"):
        suggest_weights(means, good, {"infrastructure": 100})
