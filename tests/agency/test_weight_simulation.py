"""The weight suggestion keeps its error rate, and still finds a real signal (bench/sim_weights.py).

A small, seeded version of the study the README quotes: the same data sets, with a cheaper model
(one fixed penalty instead of the inner cross-validation, 10 splits instead of 50) so that a few
hundred data sets run in seconds. The procedure is the one the page uses: refit on one half,
DeLong's paired test on the other, the splits combined by twice the median p-value.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench.sim_weights import run
from scoring.agency.validity import MODEL

pytestmark = pytest.mark.slow

CHEAP = replace(MODEL, c_grid=(1.0,), splits=10)
NULL_DATA_SETS = 300
NOMINAL = 0.025  # "is an improvement" is a one-sided test at 2.5%


def test_no_signal_is_called_an_improvement_at_most_at_the_nominal_rate():
    table = run(0, NULL_DATA_SETS, cases=600, strength=0.0, settings=CHEAP)
    assert len(table) == NULL_DATA_SETS
    claimed = int(table["claimed"].sum())
    # at most the nominal rate, up to two binomial standard errors of simulation error
    assert claimed <= NOMINAL * NULL_DATA_SETS + 2 * np.sqrt(NULL_DATA_SETS * NOMINAL * (1 - NOMINAL))
    suggested = table["difference"].notna()
    covers = (table["ci_low"] <= 0) & (table["ci_high"] >= 0)
    assert covers[suggested].mean() >= 0.95


def test_a_planted_signal_is_found_most_of_the_time():
    table = run(1, 60, cases=600, strength=1.0, settings=CHEAP)
    assert table["claimed"].mean() >= 0.4
    assert (table["difference"] > 0).mean() >= 0.9
