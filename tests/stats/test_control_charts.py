"""EWMA control charts: the exact limits by hand, published run lengths, and simulated false alarms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from scoring.stats.control_charts import (
    EWMA_DESIGN,
    chart_arrays,
    ewma,
    ewma_arl,
    ewma_chart,
    ewma_limit,
    ewma_variance,
    standardized,
)

# Lucas, J. M., & Saccucci, M. S. (1990). Exponentially weighted moving average control schemes:
# properties and enhancements. Technometrics 32(1):1-12, Table 3 (reprinted as Table 9.11 of
# Montgomery, Introduction to Statistical Quality Control): average run lengths of two-sided EWMA
# schemes with asymptotic limits, by (lambda, L) and shift in standard deviations.
LUCAS_SACCUCCI_1990_TABLE_3 = {
    (0.40, 3.054): {0.0: 500, 0.5: 71.2, 1.0: 14.3, 2.0: 3.5},
    (0.25, 2.998): {0.0: 500, 0.5: 48.2, 1.0: 11.1, 2.0: 3.6},
    (0.20, 2.962): {0.0: 500, 0.25: 150, 0.5: 41.8, 1.0: 10.5, 1.5: 5.5, 2.0: 3.7, 3.0: 2.4},
    (0.10, 2.814): {0.0: 500, 0.5: 31.3, 1.0: 10.3, 2.0: 4.4},
    (0.05, 2.615): {0.0: 500, 0.5: 28.8, 1.0: 11.4, 2.0: 5.2},
}


# -- the limits and the statistic by hand --------------------------------------------------------------
def test_the_exact_limits_by_hand():
    # L sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2t))) with lambda 0.2, L 2.962:
    # t = 1: 2.962 sqrt(0.2 / 1.8 * (1 - 0.64))    = 2.962 * 0.2          = 0.5924
    # t = 2: 2.962 sqrt(0.2 / 1.8 * (1 - 0.4096))  = 2.962 * 0.256125... = 0.758643...
    # t = 3: 2.962 sqrt(0.2 / 1.8 * (1 - 0.262144)) = 2.962 * 0.286338... = 0.848133...
    expected = [2.962 * 0.2, 2.962 * math.sqrt(0.2 / 1.8 * 0.5904), 2.962 * math.sqrt(0.2 / 1.8 * 0.737856)]
    assert ewma_limit([1, 2, 3], 0.2, 2.962) == pytest.approx(expected, rel=1e-12)
    assert expected[0] == pytest.approx(0.5924)


def test_the_limits_widen_to_the_asymptotic_limit():
    limits = ewma_limit(np.arange(1, 200), 0.2, 2.962)
    assert np.all(np.diff(limits[:60]) > 0) and np.all(np.diff(limits) >= 0)
    assert limits[-1] == pytest.approx(2.962 * math.sqrt(0.2 / 1.8), rel=1e-12)   # 0.987333...


def test_the_statistic_by_hand_and_where_it_crosses():
    # E_1 = 0.2 * 1 = 0.2; E_2 = 0.2 * 3 + 0.8 * 0.2 = 0.76; E_3 = 0.2 * 4 + 0.8 * 0.76 = 1.408
    chart = ewma_chart([1.0, 3.0, 4.0], lam=0.2, width=2.962)
    assert chart["statistic"].tolist() == pytest.approx([0.2, 0.76, 1.408])
    assert chart["limit"].tolist() == pytest.approx(ewma_limit([1, 2, 3]).tolist())
    assert chart["crossed"].tolist() == [0, 1, 1]                 # 0.76 > 0.7586, 1.408 > 0.8481


def test_a_month_without_an_estimate_is_skipped_and_the_chart_carries_over():
    chart = ewma_chart([1.0, np.nan, 3.0], lam=0.2, width=2.962)
    assert chart["t"].tolist() == [1.0, 1.0, 2.0]
    assert chart["statistic"].tolist() == pytest.approx([0.2, 0.2, 0.76])
    assert np.isnan(chart["limit"][1]) and chart["crossed"][1] == 0
    assert chart["limit"][2] == pytest.approx(float(ewma_limit(2)[0]))


def test_a_fall_crosses_the_lower_limit():
    assert ewma_chart([-5.0], lam=0.2, width=2.962)["crossed"].tolist() == [-1]


def test_standardized_is_the_distance_in_standard_errors():
    assert standardized([0.9, 0.1], [0.2, 0.4], baseline=0.3).tolist() == pytest.approx([3.0, -0.5])


def test_a_known_baseline_gives_the_textbook_variance_whatever_the_standard_errors():
    variance = ewma_variance([0.2, 0.5, 0.1, 0.3], 0.2)
    t = np.arange(1, 5)
    assert variance == pytest.approx(0.2 / 1.8 * (1 - 0.8 ** (2 * t)))


def test_an_estimated_baseline_widens_the_limits_by_its_shared_error():
    # t = 1: 0.04 + 0.1^2 (0.2 / 0.2)^2 = 0.05; t = 2: 0.0656 + 0.01 (0.2 / 0.4 + 0.8 * 1)^2 = 0.0825
    assert ewma_variance([0.2, 0.4], 0.2, baseline_se=0.1) == pytest.approx([0.05, 0.0825])
    chart = ewma_chart([0.0, 0.0], se=[0.2, 0.4], baseline_se=0.1)
    assert chart["limit"].tolist() == pytest.approx([EWMA_DESIGN.width * math.sqrt(0.05),
                                                     EWMA_DESIGN.width * math.sqrt(0.0825)])


@pytest.mark.parametrize(("call", "words"), [
    (lambda: ewma_limit(0), "starts at 1"),
    (lambda: ewma_limit(1, 0.0, 3.0), "lam must be in"),
    (lambda: ewma_limit(1, 0.2, -1.0), "width"),
    (lambda: ewma_chart([1.0], baseline_se=0.1), "needs the estimates' se"),
    (lambda: ewma_chart([[1.0]]), "one-dimensional"),
    (lambda: ewma_arl(states=400), "odd"),
])
def test_bad_input_is_refused_in_words(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_ewma_with_lambda_one_is_the_values_themselves():
    assert ewma([0.5, -1.0, 2.0], 1.0).tolist() == [0.5, -1.0, 2.0]


# -- run lengths --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("design", "shift", "published"), [
    (design, shift, arl) for design, row in LUCAS_SACCUCCI_1990_TABLE_3.items() for shift, arl in row.items()])
def test_arl_lucas_saccucci_1990_table_3(design, shift, published):
    lam, width = design
    # The table prints one decimal (three figures for the large ones): equal up to that rounding, or
    # 0.5% for the in-control 500 (the Markov chain's discretisation).
    assert ewma_arl(lam, width, shift) == pytest.approx(published, abs=max(0.051, 0.005 * published))


def test_the_chosen_design_is_the_published_one_and_states_its_run_lengths():
    assert (EWMA_DESIGN.lam, EWMA_DESIGN.width, EWMA_DESIGN.arl_in_control) == (0.2, 2.962, 500.0)
    for shift, published in EWMA_DESIGN.arl_shifted:
        assert LUCAS_SACCUCCI_1990_TABLE_3[(0.2, 2.962)][shift] == published
    assert ewma_arl(exact_limits=True) == pytest.approx(EWMA_DESIGN.arl_exact_limits, abs=1.0)


def test_more_states_change_the_markov_chain_little():
    assert ewma_arl(states=801) == pytest.approx(ewma_arl(states=401), rel=1e-3)


def simulated_run_lengths(n_series: int, horizon: int, seed: int, exact: bool, shift: float = 0.0) -> np.ndarray:
    """Run lengths of the chart of :data:`EWMA_DESIGN` on independent N(shift, 1) series; NaN past ``horizon``."""
    lam, width = EWMA_DESIGN.lam, EWMA_DESIGN.width
    rng = np.random.default_rng(seed)
    limits = (ewma_limit(np.arange(1, horizon + 1), lam, width) if exact
              else np.full(horizon, width * math.sqrt(lam / (2 - lam))))
    level = np.zeros(n_series)
    run = np.full(n_series, np.nan)
    running = np.ones(n_series, dtype=bool)
    for t in range(horizon):
        level = lam * (rng.standard_normal(n_series) + shift) + (1 - lam) * level
        out = running & (np.abs(level) > limits[t])
        run[out] = t + 1
        running &= ~out
    return run


@pytest.mark.slow
@pytest.mark.parametrize("exact", [False, True])
def test_simulated_in_control_series_run_as_long_as_the_markov_chain_says(exact):
    # 20,000 in-control series: the run length's SD is about its mean, so the mean of 20,000 has a
    # standard error near 500 / 141 = 3.5 periods; 4% is over five of them. A horizon of 8,000 leaves
    # exp(-16) of the series running.
    runs = simulated_run_lengths(20_000, 8_000, seed=20261127, exact=exact)
    assert np.isfinite(runs).all()
    assert runs.mean() == pytest.approx(ewma_arl(exact_limits=exact), rel=0.04)


def test_simulated_shifted_series_are_caught_as_fast_as_published():
    runs = simulated_run_lengths(20_000, 400, seed=7, exact=False, shift=1.0)
    assert runs.mean() == pytest.approx(10.5, rel=0.03)       # Lucas & Saccucci (1990): 10.5


@pytest.mark.slow
def test_simulated_false_alarm_rate_per_period_with_an_estimated_baseline_is_nominal():
    # A baseline from three months with standard error s / sqrt(3), then 12 charted months with
    # standard errors between 0.2 and 0.4. With the baseline's error in the limits, every charted month
    # is beyond its limit with probability 2 (1 - Phi(L)) = 0.306%; without it, many times more often.
    rng = np.random.default_rng(11)
    n, months = 20_000, 12
    se = rng.uniform(0.2, 0.4, size=(n, months))
    base_se = 0.3 / math.sqrt(3)
    baseline = rng.normal(0.0, base_se, n)
    estimates = rng.normal(0.0, se)
    beyond = np.zeros(months)
    naive = np.zeros(months)
    for i in range(n):
        z = standardized(estimates[i], se[i], baseline[i])
        beyond += chart_arrays(z, se=se[i], baseline_se=base_se)[2] != 0
        if i < 2_000:
            naive += chart_arrays(z)[2] != 0
    nominal = 2 * (1 - norm.cdf(EWMA_DESIGN.width))
    # 240,000 month-points at 0.306%: about 735 expected, SD 27; 11% is three of them.
    assert beyond.sum() / (n * months) == pytest.approx(nominal, rel=0.11)
    assert naive.sum() / (2_000 * months) > 10 * nominal
