"""The weighted scorecard: weights, per-dimension means, weighted scores and versioned weights.

Golden values are worked by hand from the seed's weights (Infrastructure 25, Model Deployment 25,
Monitoring 20, Automation 20, Governance 10; ``scoring.domain.dimensions.DEFAULT_WEIGHTS_PCT``); the
arithmetic is written next to each one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.agency.scorecard import (
    NOT_ASSESSED,
    NOT_RATED,
    dimension_means,
    incomplete_message,
    rating_grid,
    scores_under_versions,
    to_percent,
    validate_weights,
    version_in_force,
    weighted_scores,
)
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT, DIMENSION_CODES, DIMENSION_NAMES

CODES = list(DIMENSION_CODES)   # infrastructure, deployment, monitoring, automation, governance
# A second version that raises Monitoring to 25 and lowers Automation to 15.
MONITORING_RAISED = {"infrastructure": 25, "deployment": 25, "monitoring": 25, "automation": 15, "governance": 10}


def means_frame(rows, index=None) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CODES, index=index, dtype=float)


# -- validate_weights ------------------------------------------------------------------------------

def test_the_seed_weights_are_valid():
    assert dict(DEFAULT_WEIGHTS_PCT) == {"infrastructure": 25, "deployment": 25, "monitoring": 20,
                                         "automation": 20, "governance": 10}
    validate_weights(DEFAULT_WEIGHTS_PCT)
    validate_weights(MONITORING_RAISED)


def test_weights_within_rounding_of_100_are_valid():
    validate_weights({"infrastructure": 33.3, "deployment": 33.3, "monitoring": 33.4, "automation": 0,
                      "governance": 0})


@pytest.mark.parametrize("weights, message", [
    pytest.param({**DEFAULT_WEIGHTS_PCT, "governance": 15}, "sum to 105%", id="total 105"),
    pytest.param({**DEFAULT_WEIGHTS_PCT, "governance": 5}, "sum to 95%", id="total 95"),
    pytest.param({c: w for c, w in DEFAULT_WEIGHTS_PCT.items() if c != "governance"}, "no weight for", id="missing"),
    pytest.param({**DEFAULT_WEIGHTS_PCT, "communication": 0}, "unknown dimension", id="unknown dimension"),
    pytest.param({**DEFAULT_WEIGHTS_PCT, "infrastructure": 45, "governance": -10}, "non-negative",
                 id="negative (total still 100)"),
    pytest.param({**DEFAULT_WEIGHTS_PCT, "governance": float("nan")}, "non-negative", id="not a number"),
    pytest.param({**DEFAULT_WEIGHTS_PCT, "governance": float("inf")}, "non-negative", id="infinite"),
])
def test_invalid_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=message):
        validate_weights(weights)


# -- to_percent ------------------------------------------------------------------------------------

@pytest.mark.parametrize("score, percent", [(1, 0), (2, 25), (3, 50), (3.4, 60), (5, 100)])
def test_to_percent_maps_1_to_5_onto_0_to_100(score, percent):
    assert to_percent(score) == pytest.approx(percent)


def test_to_percent_works_elementwise():
    np.testing.assert_allclose(to_percent(np.array([1.0, 3.0, 5.0])), [0, 50, 100])
    pd.testing.assert_series_equal(to_percent(pd.Series([1.0, 5.0], index=[7, 8])),
                                   pd.Series([0.0, 100.0], index=[7, 8]))


# -- dimension_means -------------------------------------------------------------------------------

def test_dimension_means_average_reviewers_per_dimension_in_display_order():
    # application 10: two reviewers rate everything; application 11: one reviewer skips two dimensions.
    a = dict(zip(CODES, [4, 4, 3, 3, 2]))
    b = dict(zip(CODES, [5, 3, 3, 4, 2]))
    c = {"governance": 1, "infrastructure": 3, "deployment": 4}
    rows = [(10, code, rating) for card in (a, b) for code, rating in card.items()]
    rows += [(11, code, rating) for code, rating in c.items()]
    ratings = pd.DataFrame(rows, columns=["application_id", "dimension", "rating"])

    means = dimension_means(ratings)

    assert list(means.columns) == CODES
    assert means.index.name == "application_id"
    assert means.loc[10].tolist() == [4.5, 3.5, 3.0, 3.5, 2.0]
    np.testing.assert_array_equal(means.loc[11], [3.0, 4.0, np.nan, np.nan, 1.0])


# -- weighted_scores -------------------------------------------------------------------------------

def test_weighted_score_golden_value():
    # 0.25*4 + 0.25*4 + 0.20*3 + 0.20*3 + 0.10*2 = 1 + 1 + 0.6 + 0.6 + 0.2 = 3.4; 100*(3.4-1)/4 = 60
    result = weighted_scores(means_frame([[4, 4, 3, 3, 2]]), DEFAULT_WEIGHTS_PCT)
    assert result.loc[0, "score"] == pytest.approx(3.4)
    assert result.loc[0, "score_pct"] == pytest.approx(60)
    assert bool(result.loc[0, "complete"])
    assert result.loc[0, "rank"] == 1


def test_weighted_score_of_reviewer_means():
    # the means of test_dimension_means: 0.25*4.5 + 0.25*3.5 + 0.2*3 + 0.2*3.5 + 0.1*2 = 3.5 -> 62.5
    result = weighted_scores(means_frame([[4.5, 3.5, 3.0, 3.5, 2.0]]), DEFAULT_WEIGHTS_PCT)
    assert result[["score", "score_pct"]].iloc[0].tolist() == pytest.approx([3.5, 62.5])


def test_weights_change_the_score():
    # ratings 3,3,5,1,3: seed weights 0.75+0.75+1.0+0.2+0.3 = 3.0; Monitoring raised 0.75+0.75+1.25+0.15+0.3 = 3.2
    means = means_frame([[3, 3, 5, 1, 3]])
    assert weighted_scores(means, DEFAULT_WEIGHTS_PCT).loc[0, "score"] == pytest.approx(3.0)
    assert weighted_scores(means, MONITORING_RAISED).loc[0, "score"] == pytest.approx(3.2)


def test_an_incomplete_scorecard_has_no_total_and_names_what_is_missing():
    means = means_frame([
        [4, 4, 3, 3, 2],                          # complete: 3.4
        [5, 5, 5, 5, np.nan],                     # best ratings, but Governance unrated
        [4, 2, np.nan, np.nan, np.nan],           # three dimensions unrated
        [np.nan] * 5,                             # nothing rated
        [4.5, 3.5, 3, 3.5, 2],                    # complete: 3.5
    ], index=["a", "b", "c", "d", "e"])
    result = weighted_scores(means, DEFAULT_WEIGHTS_PCT)

    assert result["complete"].tolist() == [True, False, False, False, True]
    assert result.loc[["b", "c", "d"], ["score", "score_pct"]].isna().all().all()   # no total, not a zero
    assert result["missing_dimensions"].tolist() == [
        [], ["governance"], ["monitoring", "automation", "governance"], CODES, []]
    assert result["rank"].loc[["e", "a"]].tolist() == [1, 2]
    assert result["rank"].loc[["b", "c", "d"]].isna().all()


def test_the_reweighted_total_is_kept_apart_and_renormalised_over_the_rated_dimensions():
    means = means_frame([[4, 4, 3, 3, 2], [5, 5, 5, 5, np.nan], [4, 2, np.nan, np.nan, np.nan], [np.nan] * 5])
    result = weighted_scores(means, DEFAULT_WEIGHTS_PCT)

    # complete: the same as the total; b: 0.9 * 5 / 0.9 = 5.0; c: (0.25*4 + 0.25*2) / 0.5 = 3.0, not
    # 1.5 as if the missing dimensions were zeros; d: nothing to weigh.
    assert result["reweighted_score"].tolist()[:3] == pytest.approx([3.4, 5.0, 3.0])
    assert result["reweighted_score_pct"].tolist()[:3] == pytest.approx([60.0, 100.0, 50.0])
    assert np.isnan(result.loc[3, "reweighted_score"])


def test_a_complete_scorecard_is_scored_as_before():
    # 0.25*4 + 0.25*4 + 0.20*3 + 0.20*3 + 0.10*2 = 3.4 -> 60, complete, nothing missing, first
    row = weighted_scores(means_frame([[4, 4, 3, 3, 2]]), DEFAULT_WEIGHTS_PCT).iloc[0]
    assert (row["score"], row["score_pct"], row["reweighted_score"]) == pytest.approx((3.4, 60.0, 3.4))
    assert bool(row["complete"]) and row["missing_dimensions"] == [] and row["rank"] == 1


def test_a_dimension_without_weight_still_makes_a_scorecard_incomplete_when_nobody_rated_it():
    weights = {**DEFAULT_WEIGHTS_PCT, "infrastructure": 35, "governance": 0}
    result = weighted_scores(means_frame([[4, 4, 3, 3, np.nan]]), weights)
    assert not result.loc[0, "complete"] and np.isnan(result.loc[0, "score"])
    assert result.loc[0, "missing_dimensions"] == ["governance"]


@pytest.mark.parametrize("missing, message", [
    (["governance"], "Incomplete: Governance not rated by any reviewer"),
    (["deployment", "governance"], "Incomplete: Model Deployment and Governance not rated by any reviewer"),
    (["infrastructure", "monitoring", "automation"],
     "Incomplete: Infrastructure, Monitoring and Automation not rated by any reviewer"),
])
def test_the_incomplete_message_names_every_missing_dimension(missing, message):
    assert incomplete_message(missing) == message


def test_a_complete_scorecard_has_no_incomplete_message():
    with pytest.raises(ValueError, match="complete"):
        incomplete_message([])


def test_ties_share_the_better_rank():
    result = weighted_scores(means_frame([[3] * 5, [4] * 5, [3] * 5, [2] * 5]), DEFAULT_WEIGHTS_PCT)
    assert result["rank"].tolist() == [2, 1, 2, 4]


def test_weighted_scores_keep_the_index_and_ignore_column_order():
    means = means_frame([[4, 4, 3, 3, 2]], index=pd.Index([42], name="application_id"))[CODES[::-1]]
    result = weighted_scores(means, DEFAULT_WEIGHTS_PCT)
    assert result.index.equals(means.index)
    assert list(result.columns) == ["score", "score_pct", "complete", "missing_dimensions", "reweighted_score",
                                    "reweighted_score_pct", "rank"]
    assert result.loc[42, "score"] == pytest.approx(3.4)


def test_weighted_scores_refuse_invalid_weights():
    with pytest.raises(ValueError, match="sum to 100"):
        weighted_scores(means_frame([[4, 4, 3, 3, 2]]), {**DEFAULT_WEIGHTS_PCT, "governance": 0})


# -- rating_grid ------------------------------------------------------------------------------------

def test_the_rating_grid_shows_ratings_not_assessed_and_a_consensus_over_the_ratings_present():
    rows = pd.DataFrame({"reviewer": ["Ben", "Ben", "Ana", "Ana", "Ana"],
                         "dimension": ["infrastructure", "governance", "infrastructure", "governance", "monitoring"],
                         "rating": [4, np.nan, 3, np.nan, 5]})

    grid = rating_grid(rows, consensus="Consensus")

    assert grid.index.tolist() == ["Ana", "Ben", "Consensus"]
    assert list(grid.columns) == list(DIMENSION_NAMES.values())
    assert grid["Infrastructure"].tolist() == ["3", "4", "3.50"]           # (3 + 4) / 2
    assert grid["Monitoring"].tolist() == ["5", "", "5.00"]                 # Ben has no row: an empty cell
    assert grid["Governance"].tolist() == [NOT_ASSESSED, NOT_ASSESSED, NOT_RATED]
    assert grid["Automation"].tolist() == ["", "", NOT_RATED]
    assert not grid.isna().any().any()


# -- version_in_force ------------------------------------------------------------------------------

STARTS = pd.Series(pd.to_datetime(["2024-01-01", "2025-07-01"]))


@pytest.mark.parametrize("on, version", [
    pytest.param("2023-05-01", 0, id="before the first version: the first"),
    pytest.param("2024-01-01", 0, id="on the first effective date"),
    pytest.param("2025-06-30", 0, id="the day before the second"),
    pytest.param("2025-07-01", 1, id="on the boundary: the new version"),
    pytest.param("2026-03-15", 1, id="after the last: the last"),
])
def test_version_in_force(on, version):
    assert version_in_force(STARTS, pd.to_datetime([on])).tolist() == [version]


def test_version_in_force_takes_many_dates_at_once():
    on = pd.to_datetime(["2025-07-01", "2023-01-01", "2025-01-01"])
    assert version_in_force(STARTS, on).tolist() == [1, 0, 0]


@pytest.mark.parametrize("starts, message", [
    pytest.param([], "no weight version", id="none"),
    pytest.param(["2025-07-01", "2024-01-01"], "sorted", id="unsorted"),
    pytest.param(["2024-01-01", "2024-01-01"], "without ties", id="two versions on one day"),
])
def test_version_in_force_refuses_bad_version_lists(starts, message):
    with pytest.raises(ValueError, match=message):
        version_in_force(pd.Series(pd.to_datetime(starts)), pd.to_datetime(["2025-01-01"]))


# -- scores_under_versions -------------------------------------------------------------------------

def versions_frame() -> pd.DataFrame:
    rows = [(vid, pd.Timestamp(start), code, weights[code])
            for vid, start, weights in ((1, "2024-01-01", DEFAULT_WEIGHTS_PCT), (2, "2025-07-01", MONITORING_RAISED))
            for code in CODES]
    return pd.DataFrame(rows, columns=["version_id", "effective_from", "dimension", "weight_pct"])


@pytest.fixture
def stage_two():
    """Applications 1 and 2 at stage 2, two reviewers each, with the same means 3,3,5,1,3.

    Application 1 entered the stage under version 1 (seed weights: 3.0), application 2 under
    version 2 (Monitoring raised: 3.2); see test_weights_change_the_score.
    """
    reviewer_a, reviewer_b = [2, 4, 5, 1, 3], [4, 2, 5, 1, 3]   # means 3, 3, 5, 1, 3
    rows = [(app, 2, reviewer, code, rating)
            for app in (1, 2)
            for reviewer, card in ((7, reviewer_a), (8, reviewer_b))
            for code, rating in zip(CODES, card)]
    ratings = pd.DataFrame(rows, columns=["application_id", "stage_id", "reviewer_id", "dimension", "rating"])
    dates = pd.DataFrame({"application_id": [1, 2], "stage_id": [2, 2],
                          "entered_on": pd.to_datetime(["2025-03-01", "2025-08-01"])})
    return ratings, dates


def test_scores_under_the_versions_in_force(stage_two):
    ratings, dates = stage_two
    result = scores_under_versions(ratings, dates, versions_frame())
    assert result["application_id"].tolist() == [1, 2]
    assert result["version_id"].tolist() == [1, 2]
    assert result["score"].tolist() == pytest.approx([3.0, 3.2])
    assert result["score_pct"].tolist() == pytest.approx([50.0, 55.0])
    assert result["reviewers"].tolist() == [2, 2]
    assert result["complete"].all()
    assert result.loc[0, CODES].tolist() == [3, 3, 5, 1, 3]


@pytest.mark.parametrize("version_id, score", [(1, 3.0), (2, 3.2)])
def test_scores_under_one_chosen_version(stage_two, version_id, score):
    ratings, dates = stage_two
    result = scores_under_versions(ratings, dates, versions_frame(), version_id=version_id)
    assert result["version_id"].tolist() == [version_id, version_id]
    assert result["score"].tolist() == pytest.approx([score, score])


def test_scores_under_an_unknown_version_raise(stage_two):
    ratings, dates = stage_two
    with pytest.raises(ValueError, match="no weight version 99"):
        scores_under_versions(ratings, dates, versions_frame(), version_id=99)


def test_scores_under_versions_of_no_ratings_is_an_empty_table(stage_two):
    ratings, dates = stage_two
    result = scores_under_versions(ratings.iloc[0:0], dates, versions_frame())
    assert result.empty
    assert {"application_id", "stage_id", "version_id", "score", "complete", *CODES} <= set(result.columns)


def test_a_reviewers_gap_is_filled_by_the_others_ratings(stage_two):
    ratings, dates = stage_two
    # reviewer 8 left Governance of application 1 not assessed: a row without a rating
    gap = (ratings["application_id"] == 1) & (ratings["reviewer_id"] == 8) & (ratings["dimension"] == "governance")
    ratings = ratings.astype({"rating": float})
    ratings.loc[gap, "rating"] = np.nan
    ratings.loc[(ratings["application_id"] == 1) & (ratings["reviewer_id"] == 7)
                & (ratings["dimension"] == "governance"), "rating"] = 5.0

    result = scores_under_versions(ratings, dates, versions_frame()).set_index("application_id")

    # Governance is reviewer 7's 5 alone (not (5 + 0) / 2): 0.75 + 0.75 + 1.0 + 0.2 + 0.5 = 3.2
    assert result.loc[1, "governance"] == 5.0
    assert bool(result.loc[1, "complete"]) and result.loc[1, "score"] == pytest.approx(3.2)
    assert result.loc[1, "reviewers"] == 2


def test_a_stage_where_no_reviewer_rated_a_dimension_is_incomplete(stage_two):
    ratings, dates = stage_two
    skipped = (ratings["application_id"] == 2) & (ratings["dimension"] == "governance")
    ratings = ratings.astype({"rating": float})
    ratings.loc[skipped, "rating"] = np.nan        # both reviewers marked it not assessed

    result = scores_under_versions(ratings, dates, versions_frame()).set_index("application_id")

    assert result["complete"].tolist() == [True, False]
    assert result.loc[1, "score"] == pytest.approx(3.0)           # application 1 as before
    assert np.isnan(result.loc[2, "score"]) and np.isnan(result.loc[2, "score_pct"])
    assert result.loc[2, "missing_dimensions"] == ["governance"]
    # re-weighted over the four rated dimensions under version 2: (0.75 + 0.75 + 1.25 + 0.15) / 0.9
    assert result.loc[2, "reweighted_score"] == pytest.approx(2.9 / 0.9)
    assert "rank" not in result.columns


# -- properties ------------------------------------------------------------------------------------

def _split_100(cuts: list[int]) -> dict[str, float]:
    edges = [0, *sorted(cuts), 100]
    return {code: float(hi - lo) for code, lo, hi in zip(CODES, edges, edges[1:])}


def _scaled_to_100(parts: list[float]) -> dict[str, float]:
    total = sum(parts)
    return {code: 100 * p / total for code, p in zip(CODES, parts)}


#: Valid weight sets: whole percentages splitting 100 five ways, or any positive shares scaled to 100.
valid_weights = st.one_of(
    st.lists(st.integers(0, 100), min_size=4, max_size=4).map(_split_100),
    st.lists(st.floats(0, 1), min_size=5, max_size=5).filter(lambda p: sum(p) > 1e-3).map(_scaled_to_100),
)
rating_means = st.floats(1, 5, allow_nan=False)
complete_rows = st.lists(rating_means, min_size=5, max_size=5)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(weights=valid_weights, rating=st.sampled_from([1, 2, 3, 4, 5]) | rating_means)
def test_equal_ratings_score_that_rating_under_any_weights(weights, rating):
    result = weighted_scores(means_frame([[rating] * 5]), weights)
    assert result.loc[0, "score"] == pytest.approx(rating, rel=1e-12)


@PROPERTY_SETTINGS
@given(weights=valid_weights, row=complete_rows, dimension=st.integers(0, 4), raise_by=st.floats(0, 4))
def test_score_never_falls_when_a_rating_rises(weights, row, dimension, raise_by):
    higher = list(row)
    higher[dimension] = min(5.0, row[dimension] + raise_by)
    scores = weighted_scores(means_frame([row, higher]), weights)["score"]
    assert scores[1] >= scores[0] - 1e-12   # allowance for the last bit of float rounding only


@PROPERTY_SETTINGS
@given(weights=valid_weights, row=complete_rows)
def test_score_lies_between_the_lowest_and_highest_dimension_mean(weights, row):
    score = weighted_scores(means_frame([row]), weights).loc[0, "score"]
    assert min(row) - 1e-9 <= score <= max(row) + 1e-9


@PROPERTY_SETTINGS
@given(weights=st.lists(st.integers(0, 100), min_size=5, max_size=5).filter(lambda w: sum(w) != 100))
def test_weights_not_summing_to_100_are_refused(weights):
    with pytest.raises(ValueError, match="sum to 100"):
        validate_weights(dict(zip(CODES, weights)))


@PROPERTY_SETTINGS
@given(weights=valid_weights,
       rows=st.lists(st.lists(rating_means | st.just(np.nan), min_size=5, max_size=5), min_size=1, max_size=12),
       data=st.data())
def test_permuting_rows_changes_no_row_score(weights, rows, data):
    means = means_frame(rows, index=[f"app-{i}" for i in range(len(rows))])
    order = data.draw(st.permutations(list(means.index)))
    in_order = weighted_scores(means, weights)
    shuffled = weighted_scores(means.loc[order], weights)
    pd.testing.assert_frame_equal(shuffled.loc[means.index], in_order)
