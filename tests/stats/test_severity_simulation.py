"""Severities hold up under simulation from the model, in the agency's design.

A small, seeded version of bench/sim_severity.py (60 replications instead of 200; the README quotes
the full study): 500 candidates, 12 reviewers from -1 to +1 logit, 5 dimensions, 2-3 reviewers per
candidate. Without the bias correction joint maximum likelihood spreads every facet about 9% too
wide; with it the slopes of estimated on true values must lie within 1 +/- 0.03, and the 95%
intervals of the severities must cover the truth 93-97% of the time, the most extreme reviewers
included. The drift test, built on the same standard errors, must not flag a reviewer who did not
drift much more often than 5% of the time.
"""

from __future__ import annotations

import pytest

from bench.sim_severity import study

pytestmark = pytest.mark.slow

REPLICATIONS = 60
SLOPE_BOUND = 0.03
COVERAGE = (0.93, 0.97)


@pytest.fixture(scope="module")
def corrected() -> dict[str, float]:
    return study("2-3", REPLICATIONS)


@pytest.mark.parametrize("facet", ["severity", "difficulty", "threshold"])
def test_estimates_are_unbiased_within_three_percent(corrected: dict[str, float], facet: str) -> None:
    assert abs(corrected[f"{facet}_slope"] - 1.0) <= SLOPE_BOUND


def test_intervals_cover_the_true_severity_95_percent_of_the_time(corrected: dict[str, float]) -> None:
    low, high = COVERAGE
    assert low <= corrected["coverage"] <= high
    # the harshest and the softest reviewer, where the bias used to push the truth out of the interval
    assert low <= corrected["coverage_extreme"] <= high


def test_drift_z_scores_are_standard_normal_without_drift(corrected: dict[str, float]) -> None:
    assert 0.9 <= corrected["drift_z_sd"] <= 1.1
    assert corrected["drift_false_flags"] <= 0.07


def test_without_the_correction_the_known_bias_shows() -> None:
    """The simulation can see the bias it guards against: uncorrected JMLE is about 9% too wide."""
    raw = study("2-3", 10, correction=False)
    assert raw["severity_slope"] > 1.05
    assert raw["threshold_slope"] > 1.05
