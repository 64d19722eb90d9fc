"""Reviewers who score one group differently: the agency's rule over the statistics of scoring.stats.bias.

Ratings are drawn from the many-facet model at two stages, in the shape the store returns them (an
application key, never an id; sex and race/ethnicity codes, missing for no answer); one reviewer marks
one group down on one dimension. The rule must find that cell and read it in words, pool both stages
into one term per reviewer and group, keep unstated candidates out of every group, say "too few to judge"
below the minimum, and go on when one stage's ratings cannot be modelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.agency.group_bias import (
    BIAS_COLUMNS,
    HIGHER,
    LOWER,
    NO_CLEAR_DIFFERENCE,
    TOO_FEW,
    reviewer_group_bias,
)
from scoring.stats.severity import category_probabilities

THRESHOLDS = np.array([-2.0, -0.7, 0.7, 2.0])
COLUMNS = ["stage_id", "application_key", "reviewer_id", "dimension_id", "rating", "sex", "race_ethnicity"]
BIASED = 3


def _stage(rng: np.random.Generator, stage: int, planted: float, n: int = 500) -> pd.DataFrame:
    """``n`` applications rated by 3 of 8 reviewers on 5 dimensions; reviewer 3 harsher by ``planted``
    logits on Hispanic or Latino women and men on dimension 2 (Model Deployment)."""
    skills = rng.normal(0, 1, n)
    sex = rng.choice(["female", "male", "prefer_not_to_say", None], n, p=[0.3, 0.55, 0.05, 0.1])
    race = rng.choice(["hispanic_latino", "asian", "white", None], n, p=[0.25, 0.4, 0.25, 0.1])
    reviewers = np.concatenate([rng.choice(np.arange(1, 9), 3, replace=False) for _ in range(n)])
    a = np.repeat(np.arange(n), 15)
    r = np.repeat(reviewers, 5)
    d = np.tile(np.arange(1, 6), n * 3)
    severity = np.linspace(-0.6, 0.6, 9)
    eta = skills[a] - severity[r] - planted * ((r == BIASED) & (race[a] == "hispanic_latino") & (d == 2))
    x = np.minimum((category_probabilities(eta, THRESHOLDS).cumsum(axis=1)
                    < rng.random(a.size)[:, None]).sum(axis=1), 4) + 1
    return pd.DataFrame({"stage_id": stage, "application_key": a + 1 + 10_000 * stage, "reviewer_id": r,
                         "dimension_id": d, "rating": x, "sex": sex[a], "race_ethnicity": race[a]})


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    return pd.concat([_stage(rng, 2, 1.0), _stage(rng, 3, 1.0)], ignore_index=True)


@pytest.fixture(scope="module")
def by_race(ratings):
    return reviewer_group_bias(ratings, "race_ethnicity")


def test_the_planted_reviewer_is_found_on_the_planted_dimension_and_read_in_words(by_race):
    cells = by_race.cells
    assert list(cells.columns) == list(BIAS_COLUMNS)
    flagged = cells[cells["flagged"]]
    assert [(int(r), g, d) for r, g, d in flagged[["reviewer_id", "group", "dimension_id"]].values][0] == \
        (BIASED, "Hispanic or Latino", 2)
    top = flagged.iloc[0]
    assert top["verdict"] == LOWER and top["difference"] < -0.4 and top["p_adjusted"] < 0.05
    assert set(cells["verdict"]) <= {LOWER, HIGHER, NO_CLEAR_DIFFERENCE, TOO_FEW}


def test_flagged_cells_come_first_then_the_judged_then_too_few(by_race):
    order = by_race.cells["verdict"].map(lambda v: 0 if v in (LOWER, HIGHER) else 1 if v != TOO_FEW else 2)
    assert order.is_monotonic_increasing


def test_both_stages_make_one_term_per_reviewer_group_and_dimension(ratings, by_race):
    cells = by_race.cells
    assert not cells.duplicated(["reviewer_id", "group", "dimension_id"]).any()
    overall = cells[cells["dimension_id"].isna()]
    stated = ratings["race_ethnicity"].notna() & (ratings["race_ethnicity"] != "prefer_not_to_say")
    assert overall["ratings"].sum() == stated.sum()
    assert cells[cells["dimension_id"].notna()]["ratings"].sum() == stated.sum()


def test_unstated_candidates_form_no_group(by_race):
    assert set(by_race.cells["group"]) == {"Hispanic or Latino", "Asian", "White"}


def test_a_cell_below_the_minimum_is_too_few_to_judge_and_never_flagged(ratings):
    result = reviewer_group_bias(ratings, "sex_and_race", min_ratings=200)
    small = result.cells[result.cells["ratings"] < 200]
    assert len(small) and set(small["verdict"]) == {TOO_FEW}
    assert not small["flagged"].any() and small["p_value"].isna().all()
    assert result.min_ratings == 200


def test_a_stage_that_cannot_be_modelled_is_named_and_the_other_still_judged(ratings):
    # every take-home rating a 3: the thresholds of that stage cannot be estimated
    broken = ratings.assign(rating=np.where(ratings["stage_id"] == 3, 3, ratings["rating"]))
    result = reviewer_group_bias(broken, "race_ethnicity")
    assert len(result.notes) == 1 and result.notes[0].startswith("Take-home assessment: the model could not")
    assert result.cells["ratings"].sum() > 0


def test_no_ratings_give_an_empty_table_with_its_columns():
    result = reviewer_group_bias(pd.DataFrame(columns=COLUMNS), "sex")
    assert result.cells.empty and list(result.cells.columns) == list(BIAS_COLUMNS)
