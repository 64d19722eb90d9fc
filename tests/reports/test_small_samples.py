"""Agreement and validity figures carry their counts, and below the stated minimum they are marked as
too few to judge instead of being read like any other figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.domain.thresholds import MIN_AGREEMENT_UNITS, MIN_COMPARED_RATINGS, TOO_FEW
from scoring.reports.calibration import (
    band_of,
    exercise_agreement,
    exercise_distances,
    judged_units,
    live_agreement,
    rating_pairs,
)
from scoring.reports.validity import validity_report
from scoring.store.searches import SearchFilter
from tests.conftest import DEMO_AS_OF, account

DIMENSIONS = pd.DataFrame({"dimension_id": [1], "name": ["Infrastructure"]})


def live_ratings(applications: int, per_application: int, seed: int = 3) -> pd.DataFrame:
    """``applications`` applications each rated ``per_application`` times on one dimension, agreeing well."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, applications)
    rows = [(a, 1, int(np.clip(truth[a] + rng.integers(-1, 2), 1, 5)), r)
            for a in range(applications) for r in range(per_application)]
    return pd.DataFrame(rows, columns=["application_id", "dimension_id", "rating", "reviewer_id"])


def test_the_minimum_is_thirty_applications_rated_twice():
    assert MIN_AGREEMENT_UNITS.value == 30 and MIN_COMPARED_RATINGS.value == 30
    assert "Koo & Li (2016" in MIN_AGREEMENT_UNITS.source
    assert not judged_units(29) and judged_units(30)
    assert band_of(0.9, 29) == TOO_FEW and band_of(0.9, 30) == "reliable" and band_of(0.9) == "reliable"
    assert band_of(float("nan"), 29) == "no estimate"


def test_rating_pairs_count_every_pair_of_ratings_of_one_unit():
    nan = np.nan
    # units rated 3, 2, 1 and 0 times: 3 + 1 + 0 + 0 pairs
    matrix = np.array([[1, 2, 3, nan], [1, 2, nan, nan], [2, nan, nan, nan]], dtype=float)
    assert rating_pairs(matrix) == 4
    assert rating_pairs(np.empty((0, 0))) == 0


@pytest.mark.parametrize(("applications", "judged"), [(29, False), (30, True)])
def test_live_agreement_carries_units_and_pairs_and_is_judged_from_thirty(applications, judged):
    row = live_agreement(live_ratings(applications, 3), DIMENSIONS).iloc[0]
    assert row["pairable"] == applications and row["pairs"] == 3 * applications
    assert bool(row["judged"]) is judged
    assert np.isfinite(row["alpha"])                   # the figure is kept, to be shown greyed
    assert (row["band"] == TOO_FEW) is (not judged)


def test_an_exercise_of_ten_references_is_too_few_to_judge_however_many_reviewers():
    ratings = live_ratings(10, 12)
    agreement = exercise_agreement(ratings, DIMENSIONS).iloc[0]
    assert agreement["units"] == 10 and agreement["pairable"] == 10 and agreement["pairs"] == 10 * 66
    assert not agreement["judged"] and agreement["band"] == TOO_FEW


def test_an_exercise_distance_is_judged_from_thirty_compared_ratings():
    ratings = pd.concat([live_ratings(30, 2).assign(dimension_id=1),
                         live_ratings(29, 2, seed=4).assign(dimension_id=2, application_id=lambda f: f.application_id
                                                            + 100)])
    dimensions = pd.DataFrame({"dimension_id": [1, 2], "name": ["Infrastructure", "Model Deployment"]})
    distances = exercise_distances(ratings, {0: "Ana", 1: "Bo"}, dimensions).set_index(["reviewer", "dimension_id"])
    assert distances.loc[("Ana", 1), "compared"] == 30 and distances.loc[("Ana", 1), "judged"]
    assert distances.loc[("Ana", 2), "compared"] == 29 and not distances.loc[("Ana", 2), "judged"]
    assert distances.loc[("Ana", 0), "judged"]                # 59 over both dimensions


def test_validity_reviewer_distances_carry_their_count_and_judgement(demo_db):
    report = validity_report(demo_db, account(demo_db, "hiring_lead"), SearchFilter(), DEMO_AS_OF)
    table = report.reviewers
    assert (table["peers_judged"] == (table["compared"].fillna(0) >= MIN_COMPARED_RATINGS.value)).all()


def test_validity_correlations_carry_their_count_and_a_reason_below_the_floor(demo_db):
    report = validity_report(demo_db, account(demo_db, "hiring_lead"), SearchFilter(), DEMO_AS_OF)
    for row in report.restriction.itertuples():
        assert row.r_n == row.with_outcome
        assert bool(row.reason) is bool(np.isnan(row.r_observed))
