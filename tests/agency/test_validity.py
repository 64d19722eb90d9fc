"""Predictive validity of the scorecard: the agency's floors, score bands, outcomes and suggested
weights, with planted relations that must be found and no relation that must not be claimed. The
discrimination statistics themselves are specified in tests/stats/test_discrimination.py."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from scoring.agency import validity
from scoring.agency.validity import (
    FLOOR,
    SCORE_BANDS,
    Floor,
    band_rates,
    discrimination,
    discrimination_by_group,
    floor_reason,
    implied_weights,
    outcome_labels,
    suggest_weights,
)
from scoring.domain.dimensions import DIMENSION_CODES
from scoring.stats.discrimination import auc
from scoring.stats.intervals import wilson_interval

CODES = list(DIMENSION_CODES)
EQUAL = {code: 20.0 for code in CODES}


def binormal(delta: float, m: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Good cases ~ N(delta, 1), bad cases ~ N(0, 1)."""
    score = np.r_[rng.normal(delta, 1.0, m), rng.normal(0.0, 1.0, n)]
    return score, np.r_[np.ones(m), np.zeros(n)]


# ------------------------------------------------------------------------------------------------
# Documentation
# ------------------------------------------------------------------------------------------------


def test_module_examples_run_as_documented():
    failures, tried = doctest.testmod(validity, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 5
    assert failures == 0


def test_missing_outcomes_and_scores_are_dropped_and_counted():
    score = np.array([1, 2, 3, 4, np.nan, 6.0])
    good = np.array([0, 0, 1, np.nan, 1, 1])
    assert auc(score, good) == 1.0
    est = discrimination(score, good, Floor(min_cases=2, min_per_class=1))
    assert (est.n, est.n_good, est.n_bad) == (4, 2, 2)


# ------------------------------------------------------------------------------------------------
# The floor
# ------------------------------------------------------------------------------------------------


def test_floor_is_exactly_at_its_declared_numbers():
    assert floor_reason(FLOOR.min_per_class, FLOOR.min_cases - FLOOR.min_per_class) == ""
    assert "at least 30" in floor_reason(10, FLOOR.min_cases - 11)
    assert "bad outcome" in floor_reason(FLOOR.min_cases, FLOOR.min_per_class - 1)
    assert floor_reason(1, 40) == "only 1 good outcome; at least 5 of each are needed"


def test_under_the_floor_a_figure_is_nan_with_its_reason():
    score, good = binormal(1.0, 4, 60, np.random.default_rng(3))
    est = discrimination(score, good)
    assert np.isnan(est.auc) and np.isnan(est.ci_low) and not est.shown
    assert est.reason == "only 4 good outcomes; at least 5 of each are needed"
    assert (est.n, est.n_good, est.n_bad) == (64, 4, 60)


def test_discrimination_by_group_applies_the_floor_per_group():
    rng = np.random.default_rng(4)
    big = pd.DataFrame({"who": "a", "score": rng.normal(0, 1, 200), "good": (rng.random(200) < 0.5) * 1.0})
    small = pd.DataFrame({"who": "b", "score": rng.normal(0, 1, 12), "good": [0.0, 1.0] * 6})
    table = discrimination_by_group(pd.concat([big, small]), "who", "score", "good").set_index("who")
    assert table.loc["a", "reason"] == "" and np.isfinite(table.loc["a", "auc"])
    assert np.isnan(table.loc["b", "auc"]) and "12 cases" in table.loc["b", "reason"]
    assert table.loc["a", "auc"] == pytest.approx(auc(big["score"], big["good"]))


# ------------------------------------------------------------------------------------------------
# Score bands
# ------------------------------------------------------------------------------------------------


def test_bands_cover_the_scale_without_gaps():
    assert SCORE_BANDS[0].low == -np.inf and SCORE_BANDS[-1].high == np.inf
    for before, after in zip(SCORE_BANDS, SCORE_BANDS[1:]):
        assert before.high == after.low


def test_band_rates_are_wilson_intervals_on_half_open_bands():
    rng = np.random.default_rng(5)
    score = np.r_[np.full(40, 3.0), np.full(50, 4.49), np.full(60, 4.5)]
    event = (rng.random(score.size) < 0.4).astype(float)
    table = band_rates(score, event).set_index("band")
    assert table.loc["3 to 3.5", "cases"] == 40           # 3.0 starts the 3-3.5 band
    assert table.loc["4 to 4.5", "cases"] == 50
    assert table.loc["4.5 and above", "cases"] == 60
    row = table.loc["4.5 and above"]
    low, high = wilson_interval(row["events"], row["cases"])
    assert row["rate"] == row["events"] / row["cases"]
    assert (row["ci_low"], row["ci_high"]) == (float(low), float(high))
    assert np.isnan(table.loc["below 3", "rate"]) and "0 cases" in table.loc["below 3", "reason"]
    assert table["cases"].sum() == score.size



# ------------------------------------------------------------------------------------------------
# Outcome labels
# ------------------------------------------------------------------------------------------------


def _applications(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for c in ("shortlisted_on", "first_day", "ended_on"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def test_outcomes_are_labelled_and_censoring_is_explained():
    apps = _applications(
        application_id=[1, 2, 3, 4, 5, 6, 7, 8],
        shortlisted_on=[None, "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01",
                        "2025-01-01", "2025-06-01"],
        client_decision=[None, None, "fail", "pass", "pass", "pass", "pass", "pass"],
        placement_id=[None, None, None, 1, 2, 3, 4, 5],
        first_day=[None, None, None, "2025-02-01", "2025-02-01", "2025-02-01", "2025-02-01", "2025-07-20"],
        ended_on=[None, None, None, None, "2025-03-01", "2025-03-01", "2025-03-01", None],
        end_reason=[None, None, None, None, "not_a_fit", "engineer_left", "client_churned", None])
    out = outcome_labels(apps, "2025-08-01").set_index("application_id")
    assert out["accepted_status"].tolist() == ["not shortlisted", "client has not decided", "not accepted",
                                               "accepted", "accepted", "accepted", "accepted", "accepted"]
    assert out.loc[4, "retained"] == 1 and out.loc[5, "retained"] == 0 and out.loc[6, "retained"] == 0
    assert np.isnan(out.loc[7, "retained"])
    assert out.loc[7, "retained_status"] == "ended within 90 days for another reason"
    assert out.loc[8, "retained_status"] == "under 90 days so far"
    assert out.loc[5, "replaced"] == 1 and out.loc[6, "replaced"] == 0 and out.loc[4, "replaced"] == 0
    assert np.isnan(out.loc[8, "replaced"]) and out.loc[8, "replaced_status"] == "under 90 days in post"
    assert out.loc[1, "replaced_status"] == "not placed"


def test_outcome_orientation_makes_replacement_the_bad_outcome():
    labels = pd.DataFrame({"replaced": [1.0, 0.0, np.nan], "accepted": [1.0, 0.0, np.nan]})
    replaced, accepted = (validity.OUTCOME_BY_KEY[k] for k in ("replaced", "accepted"))
    assert validity.good_outcome(labels, replaced).tolist()[:2] == [0.0, 1.0]
    assert validity.good_outcome(labels, accepted).tolist()[:2] == [1.0, 0.0]


def test_missing_input_columns_are_named():
    with pytest.raises(ValueError, match="placement_id"):
        outcome_labels(pd.DataFrame({"application_id": [1], "shortlisted_on": [None], "client_decision": [None]}),
                       "2025-01-01")


# ------------------------------------------------------------------------------------------------
# Weights fitted to an outcome
# ------------------------------------------------------------------------------------------------


def test_implied_weights_clip_normalise_and_round_to_100():
    pct, clipped = implied_weights([2.0, -1.0, 1.0, 0.5, 0.25])
    assert pct.sum() == 100 and pct[1] == 0 and clipped.tolist() == [False, True, False, False, False]
    assert pct.tolist() == [53.0, 0.0, 27.0, 13.0, 7.0]
    pct, _ = implied_weights([-1.0, -2.0])
    assert np.all(np.isnan(pct))
    with pytest.raises(ValueError, match="divide 100"):
        implied_weights([1, 1], step_pct=3)


def planted_means(n: int, relevant: tuple[int, ...], strength: float, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Five dimension means sharing a common skill; the outcome depends on ``relevant`` dimensions only."""
    rng = np.random.default_rng(seed)
    skill = rng.normal(0, 1, n)
    ability = 0.5 * skill[:, None] + rng.normal(0, 0.85, (n, 5))
    means = np.clip(3.5 + 0.6 * ability + rng.normal(0, 0.3, (n, 5)), 1, 5)
    drive = ability[:, list(relevant)].sum(axis=1) if relevant else np.zeros(n)
    good = (rng.random(n) < 1 / (1 + np.exp(-strength * drive))).astype(float)
    return pd.DataFrame(means, columns=CODES), good


def test_planted_weights_are_found_and_the_gain_is_claimed():
    means, good = planted_means(3000, relevant=(0, 2), strength=1.5, seed=21)
    result = suggest_weights(means, good, EQUAL, outcome="planted")
    assert result.reason == "" and result.outcome == "planted"
    assert sum(result.suggested_pct.values()) == 100
    assert result.suggested_pct["infrastructure"] + result.suggested_pct["monitoring"] >= 75
    assert result.ci_low > 0 and result.is_improvement
    assert result.auc_suggested > result.auc_current
    assert len(result.fold_differences) == validity.MODEL.splits
    assert result.difference == pytest.approx(result.auc_suggested - result.auc_current)


def test_logistic_fits_match_scikit_learn():
    """The exact Newton fits solve scikit-learn's LogisticRegression objective (unpenalised intercept)."""
    from sklearn.linear_model import LogisticRegression

    means, good = planted_means(700, relevant=(0, 3), strength=1.0, seed=28)
    x = means[CODES].to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    y = good.astype(int)
    grid = [0.001, 0.1, 10.0]
    ours = validity._logistic_path(z, y, grid)
    for c, coef in zip(grid, ours):
        theirs = LogisticRegression(C=c, tol=1e-12, max_iter=10_000).fit(z, y).coef_.reshape(-1)
        np.testing.assert_allclose(coef, theirs, rtol=1e-5, atol=1e-7)


def test_improvement_combines_held_out_halves():
    """One comparison per split, on the held-out half; the interval combines them (twice the median p)."""
    means, good = planted_means(1200, relevant=(0, 2), strength=1.5, seed=29)
    result = suggest_weights(means, good, EQUAL)
    assert len(result.fold_differences) == validity.MODEL.splits
    assert result.difference == pytest.approx(np.mean(result.fold_differences))
    assert result.is_improvement and result.p_value < 0.05
    # the lower bound is the median of the splits' own bounds, so most splits show a gain
    assert np.mean(np.array(result.fold_differences) > 0) > 0.5


def test_no_relation_gives_no_improvement():
    means, good = planted_means(1500, relevant=(), strength=0.0, seed=22)
    result = suggest_weights(means, good, {"infrastructure": 25, "deployment": 25, "monitoring": 20,
                                           "automation": 20, "governance": 10})
    current = means[CODES].to_numpy() @ np.array([0.25, 0.25, 0.2, 0.2, 0.1])
    est = discrimination(current, good)
    assert est.ci_low <= 0.5 <= est.ci_high
    assert not result.is_improvement
    assert not (result.ci_low > 0)


def test_weights_already_right_are_not_improved_on():
    means, good = planted_means(2000, relevant=(0, 1, 2, 3, 4), strength=0.8, seed=23)
    result = suggest_weights(means, good, EQUAL)
    assert result.reason == ""
    assert result.ci_low <= 0
    assert abs(result.difference) < 0.01
    assert not result.is_improvement


def test_too_few_events_gives_a_reason_not_a_model():
    means, good = planted_means(400, relevant=(0,), strength=1.0, seed=24)
    good[np.flatnonzero(good == 0)[40:]] = 1.0                 # only 40 bad outcomes
    result = suggest_weights(means, good, EQUAL)
    assert result.reason.startswith("only 40 bad outcomes")
    assert result.suggested_pct == {} and not result.is_improvement


def test_negative_coefficients_are_clipped_and_stated():
    means, good = planted_means(3000, relevant=(0,), strength=1.5, seed=25)
    means["governance"] = 6 - means["governance"]              # a dimension that now predicts failure
    result = suggest_weights(means, good, EQUAL)
    row = result.coefficients.set_index("dimension").loc["governance"]
    assert bool(row["clipped"]) and row["suggested_pct"] == 0


def test_suggestion_is_reproducible():
    means, good = planted_means(800, relevant=(1,), strength=1.0, seed=26)
    first, second = suggest_weights(means, good, EQUAL), suggest_weights(means, good, EQUAL)
    assert first.suggested_pct == second.suggested_pct and first.ci_low == second.ci_low


def test_suggest_weights_refuses_incomplete_current_weights():
    means, good = planted_means(200, relevant=(0,), strength=1.0, seed=27)
    with pytest.raises(ValueError, match="current_pct"):
        suggest_weights(means, good, {"infrastructure": 100})
