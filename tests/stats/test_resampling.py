"""Combining per-split tests (scoring.stats.resampling): the combined test keeps its level."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from scoring.stats.resampling import aggregate_splits


def test_one_split_repeated_gives_twice_its_p_value_and_the_wider_interval():
    """Meinshausen et al. (2009) with gamma = 1/2: q_0.5(p_s / 0.5) = 2 p when every split agrees."""
    d, se = 0.03, 0.015
    out = aggregate_splits([d] * 5, [se] * 5)
    assert out.p_value == pytest.approx(2 * 2 * norm.sf(d / se))
    z = norm.ppf(1 - 0.05 / 4)
    assert (out.ci_low, out.ci_high) == pytest.approx((d - z * se, d + z * se))
    assert out.difference == pytest.approx(d) and out.se == pytest.approx(se) and out.splits == 5


def test_interval_bounds_are_medians_and_the_estimate_a_mean():
    out = aggregate_splits([0.0, 0.1, 0.5], [0.01, 0.01, 0.01])
    z = norm.ppf(1 - 0.05 / 4)
    assert out.ci_low == pytest.approx(0.1 - z * 0.01)
    assert out.ci_high == pytest.approx(0.1 + z * 0.01)
    assert out.difference == pytest.approx(0.2)


def test_level_holds_for_independent_splits_without_a_difference():
    rng = np.random.default_rng(5)
    rejected = [aggregate_splits(rng.normal(0, 1, 25), np.ones(25)).p_value <= 0.05 for _ in range(4000)]
    assert np.mean(rejected) <= 0.05


def test_level_holds_for_strongly_dependent_splits():
    """Splits sharing most of their noise, the case a naive average gets wrong."""
    rng = np.random.default_rng(6)
    claims = []
    for _ in range(4000):
        shared = rng.normal()
        d = np.sqrt(0.9) * shared + np.sqrt(0.1) * rng.normal(0, 1, 25)
        claims.append(aggregate_splits(d, np.ones(25)).ci_low > 0)
    assert np.mean(claims) <= 0.025 + 0.005


def test_degenerate_splits_and_bad_input():
    same = aggregate_splits([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    assert same.p_value == 1.0 and same.ci_low == 0.0 == same.ci_high
    empty = aggregate_splits([np.nan], [0.1])
    assert empty.splits == 0 and np.isnan(empty.p_value)
    with pytest.raises(ValueError, match="standard errors"):
        aggregate_splits([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="confidence"):
        aggregate_splits([0.1], [0.1], confidence=1.5)
