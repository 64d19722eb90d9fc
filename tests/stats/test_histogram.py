"""Counts per bin of a nice width: every value counted once, round edges, never more bins than asked."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.stats.histogram import binned, nice_bin_width

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@pytest.mark.parametrize(("span", "most", "width"), [
    (57.0, 60, 1.0), (60.0, 60, 1.0), (61.0, 60, 2.0), (118.0, 60, 2.0), (121.0, 60, 5.0), (300.0, 60, 5.0),
    (301.0, 60, 10.0), (0.3, 10, 0.05), (0.0, 60, 1.0)])
def test_the_width_is_the_smallest_of_one_two_or_five_times_a_power_of_ten_that_fits(span, most, width):
    assert nice_bin_width(span, most) == pytest.approx(width)


def test_asking_for_no_bins_is_refused():
    with pytest.raises(ValueError, match="most"):
        nice_bin_width(10.0, 0)


def test_missing_values_are_left_out_and_nothing_present_gives_no_bins():
    assert binned(pd.Series([np.nan, 1.0, np.nan]))["count"].sum() == 1
    assert binned(pd.Series([np.nan], dtype=float)).empty


def test_one_value_repeated_falls_in_one_bin():
    bins = binned(pd.Series([3.0, 3.0, 3.0]))
    assert bins.values.tolist() == [[3.0, 4.0, 3.0]]


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=200), st.integers(min_value=1, max_value=80))
def test_every_value_is_counted_once_in_a_bin_that_holds_it(values, most):
    bins = binned(pd.Series(values, dtype=float), most)
    assert bins["count"].sum() == len(values)
    widths = (bins["end"] - bins["start"]).to_numpy()
    assert np.allclose(widths, widths[0])
    assert bins["start"].iloc[0] <= min(values) and max(values) <= bins["end"].iloc[-1]
    assert math.isclose(bins["start"].iloc[0] / widths[0], round(bins["start"].iloc[0] / widths[0]), abs_tol=1e-6)
    assert len(bins) <= most + 2          # the span's bins, plus at most one partial bin at each end
