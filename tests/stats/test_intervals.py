"""Wilson score interval: Newcombe (1998) worked values, statsmodels, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from scoring.stats.intervals import wilson_interval

# Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison of
# seven methods. Statistics in Medicine 17:857-872, Table I, method 3 (score, no continuity
# correction), 95% intervals to four decimals.
NEWCOMBE_1998_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), NEWCOMBE_1998_TABLE_I)
def test_wilson_newcombe_1998_table_1(x, n, low, high):
    got_low, got_high = wilson_interval(x, n)
    assert round(float(got_low), 4) == low
    assert round(float(got_high), 4) == high


def test_vectorised_matches_elementwise():
    x = np.array([81, 15, 0, 1])
    n = np.array([263, 148, 20, 29])
    low, high = wilson_interval(x, n)
    assert low.shape == high.shape == (4,)
    for i in range(4):
        assert (low[i], high[i]) == tuple(map(float, wilson_interval(x[i], n[i])))


def test_broadcasts_two_dimensional():
    low, high = wilson_interval(np.array([[1, 2], [3, 4]]), 10)
    assert low.shape == (2, 2)
    assert np.all(low < high)


def test_zero_trials_gives_nan_and_nan_passes_through():
    low, high = wilson_interval([0, 3, np.nan], [0, 10, 10])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert np.isnan(low[2]) and np.isnan(high[2])
    assert 0 < low[1] < 0.3 < high[1] < 1


def test_extremes_are_exact():
    low, high = wilson_interval([0, 7], [7, 7])
    assert low[0] == 0.0 and high[1] == 1.0


def test_confidence_level_widens():
    narrow = np.subtract(*reversed(wilson_interval(30, 100, 0.80)))
    wide = np.subtract(*reversed(wilson_interval(30, 100, 0.99)))
    assert wide > narrow


@pytest.mark.parametrize(
    ("x", "n", "confidence", "message"),
    [(-1, 5, 0.95, "non-negative"), (6, 5, 0.95, "exceed"), (1, 5, 1.0, "strictly between"),
     (1, 5, 0.0, "strictly between")],
)
def test_invalid_input_raises(x, n, confidence, message):
    with pytest.raises(ValueError, match=message):
        wilson_interval(x, n, confidence)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=5000),
    share=st.floats(min_value=0, max_value=1),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_matches_statsmodels_wilson(n, share, confidence):
    x = int(round(share * n))
    expected = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    got = wilson_interval(x, n, confidence)
    np.testing.assert_allclose([float(got[0]), float(got[1])], expected, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(min_value=1, max_value=1000), share=st.floats(min_value=0, max_value=1))
def test_contains_estimate_and_is_symmetric_in_failures(n, share):
    x = int(round(share * n))
    low, high = map(float, wilson_interval(x, n))
    assert 0 <= low <= x / n <= high <= 1
    flipped_low, flipped_high = map(float, wilson_interval(n - x, n))
    assert flipped_low == pytest.approx(1 - high, abs=1e-12)
    assert flipped_high == pytest.approx(1 - low, abs=1e-12)
