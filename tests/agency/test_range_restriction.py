"""A correlation seen among selected candidates is corrected to everyone scored (Thorndike's case II),
and the observed one is the point-biserial correlation of score and outcome where the outcome is known."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.agency.validity import FLOOR, restricted_validity, thorndike_case_ii


def test_thorndike_case_ii_hand_computed():
    # Hand-computed, both forms of the formula: r = 0.30 in a group whose predictor SD is 5 where the
    # applicants' is 10, so u = 0.5 and U = 2.
    #   U form: 0.30 * 2 / sqrt(1 + 0.30^2 * (2^2 - 1)) = 0.60 / sqrt(1.27) = 0.60 / 1.126943 = 0.532414
    #   u form: 0.30 / sqrt(0.5^2 + 0.30^2 * (1 - 0.5^2)) = 0.30 / sqrt(0.3175) = 0.30 / 0.563471 = 0.532414
    assert thorndike_case_ii(0.30, 0.5) == pytest.approx(0.532414, abs=5e-7)
    # The figures of the validity page's own example: r = 0.21, u = 0.64.
    #   0.21 / sqrt(0.64^2 + 0.21^2 * (1 - 0.64^2)) = 0.21 / sqrt(0.4096 + 0.0441 * 0.5904)
    #   = 0.21 / sqrt(0.4096 + 0.02603664) = 0.21 / sqrt(0.43563664) = 0.21 / 0.660028 = 0.318168
    assert thorndike_case_ii(0.21, 0.64) == pytest.approx(0.318168, abs=5e-7)


def test_the_correction_is_not_the_sd_ratio_except_for_small_correlations():
    u = 0.5
    assert thorndike_case_ii(0.01, u) == pytest.approx(0.01 / u, rel=1e-3)
    assert thorndike_case_ii(0.60, u) < 0.60 / u               # 1.2 would not even be a correlation
    assert thorndike_case_ii(0.60, u) == pytest.approx(0.60 / np.sqrt(0.25 + 0.36 * 0.75))


@pytest.mark.parametrize("r", [-0.9, -0.3, 0.0, 0.2, 0.7, 1.0])
def test_no_restriction_changes_nothing_and_the_sign_is_kept(r):
    assert thorndike_case_ii(r, 1.0) == pytest.approx(r)
    corrected = thorndike_case_ii(r, 0.6)
    assert np.sign(corrected) == np.sign(r)
    assert abs(corrected) >= abs(r) and abs(corrected) <= 1.0


def test_undefined_inputs_give_nan_and_impossible_ones_are_refused_in_plain_numbers():
    assert np.isnan(thorndike_case_ii(float("nan"), 0.5))
    assert np.isnan(thorndike_case_ii(0.3, float("nan")))
    with pytest.raises(ValueError, match=r"between -1 and 1, got 1.2$"):
        thorndike_case_ii(np.float64(1.2), 0.5)
    with pytest.raises(ValueError, match=r"above 0, got 0$"):
        thorndike_case_ii(0.3, np.int64(0))


def test_direct_selection_on_a_bivariate_normal_predictor_is_undone():
    # Under the assumptions of case II (selection on x alone, linear and homoscedastic regression),
    # keeping the top 30% on x shrinks the correlation, and the correction recovers the population's.
    rng = np.random.default_rng(20261127)
    rho, n = 0.5, 200_000
    x = rng.normal(size=n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n)
    kept = x > np.quantile(x, 0.7)
    r_kept = np.corrcoef(x[kept], y[kept])[0, 1]
    u = x[kept].std(ddof=1) / x.std(ddof=1)
    assert r_kept < 0.35
    assert thorndike_case_ii(r_kept, u) == pytest.approx(rho, abs=0.01)


def test_restricted_validity_is_the_point_biserial_correlation_among_those_with_an_outcome():
    rng = np.random.default_rng(7)
    score = rng.normal(3.5, 0.4, 200)
    good = (score + rng.normal(0, 0.5, 200) > 3.6).astype(float)
    good[:50] = np.nan                                       # no outcome: left out
    out = restricted_validity(score, good, 0.6)
    known = ~np.isnan(good)
    assert out["n"] == 150 and out["n_good"] + out["n_bad"] == 150
    assert out["r_observed"] == pytest.approx(np.corrcoef(score[known], good[known])[0, 1])
    assert out["r_corrected"] == pytest.approx(thorndike_case_ii(out["r_observed"], 0.6))
    assert out["u"] == 0.6 and out["reason"] == ""


def test_restricted_validity_below_the_floor_is_not_a_number_but_a_reason():
    out = restricted_validity([3.0, 4.0, 4.5, 3.5], [0, 1, 1, 0], 0.5)
    assert np.isnan(out["r_observed"]) and np.isnan(out["r_corrected"])
    assert out["reason"] == f"only 4 cases with an outcome; at least {FLOOR.min_cases} are needed"


def test_restricted_validity_without_spread_says_so():
    out = restricted_validity([4.0] * 40, [0, 1] * 20, 0.5)
    assert np.isnan(out["r_observed"]) and out["reason"] == "every score with an outcome is the same"
