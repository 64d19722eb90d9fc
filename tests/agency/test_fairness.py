"""Adverse impact per stage, on count tables worked by hand.

The tables are small enough to check every figure on paper: rates are selected over total, the ratio
is a group's rate over the highest rate among the groups large enough to judge, and the reference group
is compared with itself (ratio 1, p-value 1).
"""

from __future__ import annotations

import math
from fractions import Fraction
from math import comb

import pandas as pd
import pytest

from scoring.agency.fairness import (
    AT_OR_ABOVE,
    BELOW,
    IMPACT_COLUMNS,
    NONE_SELECTED,
    NOT_STATED,
    REFERENCE,
    TOO_FEW,
    group_labels,
    impact_table,
    scoring_impact,
    stage_impact,
)
from scoring.domain.self_identification import MIN_GROUP_SHARE, MIN_GROUP_SIZE


def counts(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["stage_id", "sex", "race_ethnicity", "decided", "passed"])


# Take-home (stage 3): women 45 of 100, men 60 of 100 (the Uniform Guidelines' 45% against 60%),
# 12 who preferred not to say (4 passed), 9 who gave no answer (5 passed).
TAKE_HOME = counts([
    (3, "female", "asian", 60, 25), (3, "female", "white", 40, 20),
    (3, "male", "asian", 70, 40), (3, "male", "white", 30, 20),
    (3, "prefer_not_to_say", "asian", 12, 4), (3, None, None, 9, 5),
])


def by_group(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("group")


def test_by_sex_the_guidelines_example_reads_0_75_against_the_men():
    table = by_group(stage_impact(TAKE_HOME, "sex"))
    assert list(table.index) == ["Female", "Male", "Prefer not to say", "No answer"]
    assert table.loc["Female", ["total", "selected"]].tolist() == [100, 45]
    assert table.loc["Female", "rate"] == pytest.approx(0.45)
    assert table.loc["Female", "ratio"] == pytest.approx(0.75)
    assert table.loc["Female", "verdict"] == BELOW
    assert table.loc["Male", "ratio"] == pytest.approx(1.0)
    assert table.loc["Male", "p_value"] == pytest.approx(1.0)
    assert table.loc["Male", "verdict"] == REFERENCE


def test_the_ratio_carries_its_katz_interval_and_fishers_p_value():
    """Women 45/100 vs men 60/100: SE = sqrt(1/45 - 1/100 + 1/60 - 1/100) = sqrt(0.018889) = 0.137437;
    ln 0.75 = -0.287682, so the bounds are exp(-0.287682 -+ 1.959964 * 0.137437) = 0.5729 and 0.9819.
    Fisher's two-sided p of [[45, 55], [60, 40]]: the exact sum of the hypergeometric probabilities (200
    decided, 105 passed, 100 women) no larger than the table's own, 0.0472."""
    female = by_group(stage_impact(TAKE_HOME, "sex")).loc["Female"]
    se = math.sqrt(1 / 45 - 1 / 100 + 1 / 60 - 1 / 100)
    assert female["ratio_low"] == pytest.approx(math.exp(math.log(0.75) - 1.959964 * se), rel=1e-6)
    assert female["ratio_high"] == pytest.approx(math.exp(math.log(0.75) + 1.959964 * se), rel=1e-6)
    assert (round(female["ratio_low"], 4), round(female["ratio_high"], 4)) == (0.5729, 0.9819)

    def probability(women_passed: int) -> Fraction:
        return Fraction(comb(100, women_passed) * comb(100, 105 - women_passed), comb(200, 105))

    seen = probability(45)
    exact = sum(p for p in (probability(k) for k in range(5, 101)) if p <= seen)
    assert female["p_value"] == pytest.approx(float(exact))
    assert round(female["p_value"], 4) == 0.0472


def test_those_not_stated_are_counted_but_never_compared():
    table = by_group(stage_impact(TAKE_HOME, "sex"))
    for group, (total, selected) in {"Prefer not to say": (12, 4), "No answer": (9, 5)}.items():
        row = table.loc[group]
        assert (row["total"], row["selected"], row["verdict"]) == (total, selected, NOT_STATED)
        assert math.isnan(row["ratio"]) and not row["stated"]


def test_by_race_the_rates_are_pooled_over_sex():
    """Asian: 25 + 40 + 4 = 69 of 60 + 70 + 12 = 142 (the 12 who did not state their sex did state their
    race); White: 20 + 20 = 40 of 70 (0.5714), the reference. Asian's ratio (69/142) / (40/70) = 0.850."""
    table = by_group(stage_impact(TAKE_HOME, "race_ethnicity"))
    assert table.loc["Asian", ["total", "selected"]].tolist() == [142, 69]
    assert table.loc["White", "verdict"] == REFERENCE
    assert table.loc["Asian", "ratio"] == pytest.approx((69 / 142) / (40 / 70))
    assert round(table.loc["Asian", "ratio"], 3) == 0.850
    assert table.loc["Asian", "verdict"] == AT_OR_ABOVE
    assert table.loc["No answer", "verdict"] == NOT_STATED


def test_a_group_below_the_minimum_is_too_few_to_judge_and_never_the_reference():
    """A group of 29 that passed everyone has the highest rate, but below the minimum of 30 it shows
    no ratio, and the reference is the largest rate among the groups large enough."""
    assert MIN_GROUP_SIZE == 30
    table = by_group(stage_impact(counts([
        (2, "female", "black", 29, 29), (2, "female", "white", 50, 20), (2, "female", "asian", 40, 30),
    ]), "race_ethnicity"))
    assert table.loc["Black or African American", "verdict"] == TOO_FEW
    assert math.isnan(table.loc["Black or African American", "ratio"])
    assert table.loc["Asian", "verdict"] == REFERENCE
    assert table.loc["White", "ratio"] == pytest.approx(0.4 / 0.75)
    assert table.loc["White", "verdict"] == BELOW


def test_a_group_under_two_percent_of_those_stated_is_too_few_to_judge_and_never_the_reference():
    """Local Law 144's rules let an auditor leave out a category under 2% of the data (6 RCNY 5-301). Black:
    36 of 40 passed (0.9), the highest rate, but 40 of the 2,040 stated decisions is 1.96%; the reference
    is White, 600 of 1,000 (0.6), and Asian's ratio 450/1,000 over 0.6 is 0.75. The 300 decisions of
    candidates who stated nothing do not count towards the 2%."""
    assert MIN_GROUP_SHARE == 0.02
    table = by_group(stage_impact(counts([
        (2, "female", "black", 40, 36), (2, "female", "white", 1000, 600), (2, "female", "asian", 1000, 450),
        (2, "female", None, 300, 100),
    ]), "race_ethnicity"))
    assert table.loc["Black or African American", "verdict"] == TOO_FEW
    assert math.isnan(table.loc["Black or African American", "ratio"])
    assert table.loc["White", "verdict"] == REFERENCE
    assert table.loc["Asian", "ratio"] == pytest.approx(0.75)
    assert table.loc["Asian", "verdict"] == BELOW


def test_a_group_of_exactly_two_percent_is_judged():
    """40 of 2,000 stated decisions is 2%: Black, 36 of 40 (0.9), is judged and is the reference; White's
    ratio is (588/980) / 0.9 = 0.667."""
    table = by_group(stage_impact(counts([
        (2, "female", "black", 40, 36), (2, "female", "white", 980, 588), (2, "female", "asian", 980, 441),
    ]), "race_ethnicity"))
    assert table.loc["Black or African American", "verdict"] == REFERENCE
    assert table.loc["White", "ratio"] == pytest.approx((588 / 980) / 0.9)


def test_the_share_is_a_parameter():
    rows = counts([(2, "female", "black", 40, 36), (2, "female", "white", 1000, 600),
                   (2, "female", "asian", 1000, 450)])
    table = by_group(impact_table(rows, "race_ethnicity", "decided", "passed", min_share=0.0))
    assert table.loc["Black or African American", "verdict"] == REFERENCE
    with pytest.raises(ValueError, match="min_share"):
        impact_table(rows, "race_ethnicity", "decided", "passed", min_share=1.0)


def test_the_minimum_is_a_parameter():
    table = by_group(stage_impact(counts([(1, "female", None, 5, 1), (1, "male", None, 5, 4)]), "sex", min_size=5))
    assert table.loc["Female", "ratio"] == pytest.approx(0.25)


def test_the_intersection_crosses_both_answers():
    """Female Asian 25/60, Female White 20/40, Male Asian 40/70, Male White 20/30 (0.667, exactly the
    minimum of 30, so judged and the reference); Female Asian's ratio (25/60) / (20/30) = 0.625."""
    table = by_group(stage_impact(TAKE_HOME, "sex_and_race"))
    assert table.loc["Female, Asian", ["total", "selected"]].tolist() == [60, 25]
    assert table.loc["Male, White", "verdict"] == REFERENCE
    assert table.loc["Female, Asian", "ratio"] == pytest.approx(0.625)
    assert table.loc["Male, Asian", "verdict"] == AT_OR_ABOVE                # (40/70) / (2/3) = 0.857
    assert table.loc["Prefer not to say, Asian", "verdict"] == NOT_STATED


def test_each_stage_has_its_own_reference():
    both = pd.concat([TAKE_HOME, counts([(2, "female", None, 100, 80), (2, "male", None, 100, 40)])])
    table = stage_impact(both, "sex")
    assert table["stage_id"].tolist()[:4] == [2, 2, 3, 3]
    stage2 = by_group(table[table["stage_id"] == 2])
    assert stage2.loc["Female", "verdict"] == REFERENCE
    assert stage2.loc["Male", "ratio"] == pytest.approx(0.5)


def test_no_one_selected_leaves_every_ratio_undefined():
    table = stage_impact(counts([(1, "female", None, 40, 0), (1, "male", None, 40, 0)]), "sex")
    assert set(table["verdict"]) == {NONE_SELECTED}
    assert table["ratio"].isna().all()


def test_the_scoring_rate_counts_above_the_median():
    scoring = pd.DataFrame({
        "stage_id": [3, 3, 3], "median_score": [3.1, 3.1, 3.1], "sex": ["female", "male", None],
        "race_ethnicity": [None, None, None], "scored": [80, 120, 10], "above_median": [30, 66, 5]})
    table = by_group(scoring_impact(scoring, "sex"))
    assert table.loc["Female", "rate"] == pytest.approx(30 / 80)
    assert table.loc["Female", "ratio"] == pytest.approx((30 / 80) / (66 / 120))
    assert table.loc["Female", "verdict"] == BELOW
    assert (table["median_score"] == 3.1).all()


def test_columns_and_refusals():
    assert tuple(stage_impact(TAKE_HOME, "sex").columns) == IMPACT_COLUMNS
    with pytest.raises(ValueError, match="unknown grouping"):
        group_labels(TAKE_HOME, "age")                     # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_size"):
        impact_table(TAKE_HOME, "sex", "decided", "passed", min_size=0)
