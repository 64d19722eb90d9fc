"""Impact ratios, their Katz interval and Fisher's exact test, against tables worked by hand."""

from __future__ import annotations

import math
from fractions import Fraction
from math import comb

import numpy as np
import pytest

from scoring.stats.impact import FOUR_FIFTHS, impact_ratio, katz_interval


def test_four_fifths_uniform_guidelines_questions_and_answers_12():
    """29 CFR 1607 Questions and Answers 12: a group selected at 45% against a highest rate of 60%
    has an impact ratio of 45/60 = 0.75, below four-fifths."""
    result = impact_ratio(45, 100, 60, 100)
    assert result.ratio == pytest.approx(0.75)
    assert result.below_four_fifths
    assert not impact_ratio(48, 100, 60, 100).below_four_fifths          # 48/60 = 0.8 exactly
    assert FOUR_FIFTHS == 0.8


def test_katz_interval_worked_by_hand():
    """20 of 100 against 40 of 100. ln RR = ln 0.5 = -0.693147; SE = sqrt(1/20 - 1/100 + 1/40 - 1/100)
    = sqrt(0.055) = 0.234521; z = 1.959964, so z * SE = 0.459652 and the bounds are
    exp(-1.152799) = 0.315752 and exp(-0.233495) = 0.791762."""
    low, high = katz_interval(20, 100, 40, 100)
    assert low == pytest.approx(math.exp(-0.693147 - 0.459652), abs=1e-5)
    assert high == pytest.approx(math.exp(-0.693147 + 0.459652), abs=1e-5)
    assert (round(low, 4), round(high, 4)) == (0.3158, 0.7918)


def test_katz_interval_continuity_correction_when_no_one_is_selected():
    """0 of 10 against 5 of 10: 0.5 is added to each cell, so a = 0.5 of 11 and c = 5.5 of 11;
    RR = 1/11, SE = sqrt(2 - 1/11 + 1/5.5 - 1/11) = sqrt(2.0), bounds exp(ln(1/11) -+ 1.959964 * 1.414214)."""
    low, high = katz_interval(0, 10, 5, 10)
    se = math.sqrt(1 / 0.5 - 1 / 11 + 1 / 5.5 - 1 / 11)
    assert low == pytest.approx(math.exp(math.log(1 / 11) - 1.959964 * se), rel=1e-6)
    assert high == pytest.approx(math.exp(math.log(1 / 11) + 1.959964 * se), rel=1e-6)


def _hypergeometric(a: int, row1: int, col1: int, n: int) -> Fraction:
    """P(a) of a 2 x 2 table with fixed margins, as an exact fraction."""
    return Fraction(comb(col1, a) * comb(n - col1, row1 - a), comb(n, row1))


def test_fisher_lady_tasting_tea():
    """Fisher (1935), The Design of Experiments, ch. 2: 3 of 4 cups right, table [[3, 1], [1, 3]].
    With margins 4/4/4/4 the tables have probabilities 1, 16, 36, 16, 1 over 70; the two-sided
    p-value sums those no more likely than 16/70: 34/70."""
    result = impact_ratio(3, 4, 1, 4)
    assert result.p_value == pytest.approx(34 / 70)
    assert [_hypergeometric(k, 4, 4, 8) * 70 for k in range(5)] == [1, 16, 36, 16, 1]


def test_fisher_two_sided_by_hand():
    """[[1, 9], [11, 3]] (rows of 10 and 14, 12 selected of 24): the two-sided p-value is the sum of the
    hypergeometric probabilities no larger than that of the table seen, computed exactly here."""
    seen = _hypergeometric(1, 10, 12, 24)
    by_hand = sum(p for p in (_hypergeometric(k, 10, 12, 24) for k in range(0, 11)) if p <= seen)
    result = impact_ratio(1, 10, 11, 14)
    assert result.p_value == pytest.approx(float(by_hand))
    assert round(result.p_value, 6) == 0.002759
    assert result.ratio == pytest.approx((1 / 10) / (11 / 14))


def test_equal_rates_give_a_ratio_of_one_and_no_evidence():
    result = impact_ratio(30, 60, 50, 100)
    assert result.ratio == pytest.approx(1.0)
    assert result.p_value == pytest.approx(1.0)
    assert result.low < 1.0 < result.high


def test_the_interval_covers_the_true_ratio_about_as_often_as_stated():
    """Simulation: groups of 200 selected at 0.3 and 0.4 (true ratio 0.75); the 95% Katz interval holds
    0.75 in about 95% of 2,000 draws (seed 21)."""
    rng = np.random.default_rng(21)
    hits = 0
    for a, c in zip(rng.binomial(200, 0.3, 2_000), rng.binomial(200, 0.4, 2_000)):
        low, high = katz_interval(int(a), 200, int(c), 200)
        hits += low <= 0.75 <= high
    assert 0.93 <= hits / 2_000 <= 0.97


@pytest.mark.parametrize(("args", "words"), [
    ((5, 4, 1, 10), "group"), ((1, 0, 1, 10), "group"), ((1, 10, 11, 10), "reference group"),
])
def test_impossible_counts_are_refused(args, words):
    with pytest.raises(ValueError, match=words):
        impact_ratio(*args)


def test_a_reference_group_that_selected_no_one_has_no_ratio():
    with pytest.raises(ValueError, match="undefined"):
        impact_ratio(0, 10, 0, 10)
