"""Bias (interaction) terms with every other measure anchored, as FACETS' bias analysis computes them.

Hand-checkable cases first: a cell's estimate solves its score equation; where every rating of a cell is
anchored at the same point the estimate has a closed form, and so does its standard error; the difference
in rating points is the bias carried onto the rating scale. Then the corrections for many tests against
their published examples, the pieces the audit relies on (too few to judge, extreme cells, ratings anchored
in the fit of their own stage), and a small seeded simulation from the model (bench/sim_bias.py runs the
full one): a planted bias is found, and where none is planted the test rejects at about its nominal rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bench.sim_bias import CONDITIONS, study
from scoring.stats.bias import (
    CELL_COLUMNS,
    adjusted_p_values,
    bias_analysis,
    bias_from_anchors,
    bias_terms,
    flag_cells,
)
from scoring.stats.severity import expected_rating, fit_severity

FLAT = [0.0, 0.0, 0.0, 0.0]
THRESHOLDS = [-2.0, -0.7, 0.7, 2.0]


# -- one cell, by hand ------------------------------------------------------------------------------

def test_a_cell_of_middle_ratings_anchored_at_one_point_has_a_closed_form():
    """All ten ratings anchored at eta = ln 2 and averaging 3, the middle: the bias that brings the expected
    rating to 3 is ln 2, where (thresholds 0) every category is equally likely, so W = Var = 2 and the SE
    is 1 / sqrt(10 * 2); t = ln 2 * sqrt(20) on 9 degrees of freedom."""
    cell = bias_from_anchors(np.full(10, np.log(2)), FLAT, [1, 5] * 5, ["c"] * 10, min_ratings=10,
                             standard_error="model").iloc[0]
    assert cell["bias"] == pytest.approx(np.log(2), abs=1e-6)
    assert cell["se"] == pytest.approx(1 / np.sqrt(20), abs=1e-6)
    assert cell["t"] == pytest.approx(np.log(2) * np.sqrt(20), abs=1e-5)
    assert cell["df"] == 9
    assert cell["p_value"] == pytest.approx(2 * stats.t.sf(np.log(2) * np.sqrt(20), 9), rel=1e-5)
    assert cell["difference"] == pytest.approx(3 - expected_rating(np.log(2), FLAT), abs=1e-9)


def test_a_cell_rated_2_on_average_solves_the_polynomial_of_its_score_equation():
    """At eta = 0 and thresholds 0 the expected step is sum k z^k / sum z^k with z = exp(-b); an observed
    mean step of 1 (a mean rating of 2) makes that 1: 3 z^4 + 2 z^3 + z^2 - 1 = 0."""
    roots = np.roots([3, 2, 1, 0, -1])
    z = float(next(r.real for r in roots if abs(r.imag) < 1e-12 and r.real > 0))
    cell = bias_from_anchors(np.zeros(6), FLAT, [1, 3, 2, 2, 1, 3], ["c"] * 6, min_ratings=2).iloc[0]
    assert cell["bias"] == pytest.approx(-np.log(z), abs=1e-6)
    assert cell["observed"] == pytest.approx(2.0)
    assert cell["expected"] == pytest.approx(3.0)


def test_every_estimate_solves_its_cells_score_equation():
    rng = np.random.default_rng(5)
    eta = rng.normal(0, 1.2, 400)
    ratings = rng.integers(1, 6, 400)
    cells = rng.choice(["a", "b", "c", "d"], 400)
    table = bias_from_anchors(eta, THRESHOLDS, ratings, cells, min_ratings=2)
    for label, row in table.iterrows():
        mine = cells == label
        expected = np.asarray(expected_rating(eta[mine] - row["bias"], THRESHOLDS)).sum()
        assert expected == pytest.approx(ratings[mine].sum(), abs=1e-3)
    assert list(table.index) == ["a", "b", "c", "d"]
    assert list(table.columns) == list(CELL_COLUMNS)


def test_signs_a_harsher_cell_has_a_positive_bias_and_a_negative_difference_inside_its_interval():
    eta = np.zeros(40)
    table = bias_from_anchors(eta, THRESHOLDS, [2] * 20 + [4] * 20, ["harsh"] * 20 + ["soft"] * 20)
    harsh, soft = table.loc["harsh"], table.loc["soft"]
    assert harsh["bias"] > 0 > harsh["difference"]
    assert soft["bias"] < 0 < soft["difference"]
    for row in (harsh, soft):
        assert row["difference_low"] < row["difference"] < row["difference_high"]
    # the interval is the t interval of the bias term carried onto the rating scale
    q = stats.t.ppf(0.975, 19)
    low = float(np.mean(expected_rating(eta[:20] - (harsh["bias"] + q * harsh["se"]), THRESHOLDS))) - 3.0
    assert harsh["difference_low"] == pytest.approx(low, abs=1e-9)


def test_a_scale_moves_the_logits_but_not_the_test():
    args = (np.linspace(-1, 1, 30), THRESHOLDS, [1, 2, 3] * 10, ["c"] * 30)
    plain, scaled = bias_from_anchors(*args).iloc[0], bias_from_anchors(*args, scale=0.9).iloc[0]
    assert scaled["bias"] == pytest.approx(0.9 * plain["bias"])
    assert scaled["se"] == pytest.approx(0.9 * plain["se"])
    assert scaled["t"] == pytest.approx(plain["t"]) and scaled["p_value"] == pytest.approx(plain["p_value"])
    assert scaled["difference"] == pytest.approx(plain["difference"])


def test_the_real_standard_error_allows_for_noise_and_never_shrinks_the_model_one():
    eta = np.zeros(60)
    noisy = [1, 5] * 30                      # far more spread than the model expects at eta = 0
    quiet = [3] * 60                         # far less
    for ratings, grows in ((noisy, True), (quiet, False)):
        model = bias_from_anchors(eta, THRESHOLDS, ratings, ["c"] * 60, standard_error="model").iloc[0]
        real = bias_from_anchors(eta, THRESHOLDS, ratings, ["c"] * 60, standard_error="real").iloc[0]
        assert bool(model["infit_mnsq"] > 1) is grows
        assert real["se"] == pytest.approx(model["se"] * np.sqrt(max(1.0, model["infit_mnsq"])))


def test_a_cell_with_too_few_ratings_is_not_judged_and_never_flagged():
    eta = np.zeros(35)
    cells = ["big"] * 30 + ["small"] * 5
    table = bias_from_anchors(eta, THRESHOLDS, [1] * 35, cells, min_ratings=30)
    assert table.loc["big", "judged"] and not table.loc["small", "judged"]
    assert np.isnan(table.loc["small", ["t", "df", "p_value"]].astype(float)).all()
    assert not np.isnan(table.loc["small", "difference"])   # the sizes are still there to read
    flagged = flag_cells(table.reset_index())
    assert not flagged.set_index("cell").loc["small", "flagged"]


def test_an_all_bottom_cell_gets_a_finite_term_from_the_corrected_score():
    cell = bias_from_anchors(np.zeros(30), THRESHOLDS, [1] * 30, ["c"] * 30).iloc[0]
    assert cell["extreme"] and np.isfinite(cell["bias"]) and cell["bias"] > 2


def test_bad_inputs_are_refused_in_words():
    with pytest.raises(ValueError, match="one entry per rating"):
        bias_from_anchors([0.0], FLAT, [1, 2], ["a", "a"])
    with pytest.raises(ValueError, match="integers from 1 to 5"):
        bias_from_anchors([0.0, 0.0], FLAT, [0, 2], ["a", "a"])
    with pytest.raises(ValueError, match="at least 2"):
        bias_from_anchors([0.0, 0.0], FLAT, [1, 2], ["a", "a"], min_ratings=1)
    with pytest.raises(ValueError, match="valid: real, model"):
        bias_from_anchors([0.0, 0.0], FLAT, [1, 2], ["a", "a"], standard_error="robust")  # type: ignore[arg-type]


# -- many tests at once -----------------------------------------------------------------------------

def test_benjamini_hochberg_1995_worked_example():
    """Section 3.2 of the paper: 15 p-values, the four smallest rejected at q = 0.05 (Bonferroni: three)."""
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
         0.6528, 0.7590, 1.0000]
    adjusted = adjusted_p_values(p)
    assert (adjusted <= 0.05).sum() == 4
    assert adjusted[3] == pytest.approx(0.0095 * 15 / 4)
    assert (adjusted >= np.asarray(p)).all() and (adjusted <= 1).all()


def test_holm_by_hand():
    """Sorted 0.01, 0.03, 0.04 times 3, 2, 1 is 0.03, 0.06, 0.04; stepping down keeps the running maximum."""
    assert adjusted_p_values([0.04, 0.01, 0.03], "holm").tolist() == pytest.approx([0.06, 0.03, 0.06])


def test_untested_cells_are_not_counted_among_the_tests():
    assert adjusted_p_values([0.01, np.nan, 0.04]) == pytest.approx([0.02, np.nan, 0.04], nan_ok=True)
    with pytest.raises(ValueError, match="valid: benjamini-hochberg, holm"):
        adjusted_p_values([0.5], "bonferroni")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjusted_p_values([1.5])


# -- against a fitted model -------------------------------------------------------------------------

def _agency(rng: np.random.Generator, stage: int, planted: float = 0.0) -> pd.DataFrame:
    """Ratings from the model: 300 applications, 6 reviewers (3 per application), 2 dimensions; reviewer 1
    harsher by ``planted`` logits on group B on dimension 1."""
    n = 300
    skills = rng.normal(0, 1, n)
    group = np.where(rng.random(n) < 0.4, "B", "A")
    reviewers = np.concatenate([rng.choice(6, 3, replace=False) for _ in range(n)])
    a = np.repeat(np.arange(n), 6)
    r = np.repeat(reviewers, 2)
    d = np.tile([1, 2], n * 3)
    severity = np.linspace(-0.5, 0.5, 6)
    eta = skills[a] - severity[r] - planted * ((r == 1) & (group[a] == "B") & (d == 1))
    from scoring.stats.severity import category_probabilities

    probs = category_probabilities(eta, THRESHOLDS)
    x = np.minimum((probs.cumsum(axis=1) < rng.random(a.size)[:, None]).sum(axis=1), 4) + 1
    return pd.DataFrame({"application_id": a + 1000 * stage, "reviewer_id": r, "dimension_id": d, "rating": x,
                         "group": group[a], "stage_id": stage})


def test_a_planted_bias_is_found_against_the_fitted_model():
    ratings = _agency(np.random.default_rng(11), 2, planted=1.5)
    fit = fit_severity(ratings, {1: 0.5, 2: 0.5})
    table = bias_analysis(ratings, fit, ["reviewer_id", "group", "dimension_id"])
    flagged = table[table["flagged"]]
    assert flagged[["reviewer_id", "group", "dimension_id"]].values.tolist() == [[1, "B", 1]]
    assert flagged["difference"].iloc[0] < -0.5


def test_ratings_anchored_in_their_own_stages_fit():
    """With one fit per stage a cell spanning both stages gets one term; a cell within one stage gets the term
    a single fit of that stage gives it."""
    rng = np.random.default_rng(12)
    ratings = pd.concat([_agency(rng, 2), _agency(rng, 3)], ignore_index=True)
    fits = {stage: fit_severity(part, {1: 0.5, 2: 0.5}) for stage, part in ratings.groupby("stage_id")}
    pooled = bias_terms(ratings, fits, ["reviewer_id", "group"], fitted_by="stage_id")
    assert pooled["ratings"].sum() == len(ratings)
    by_stage = bias_terms(ratings, fits, ["stage_id", "reviewer_id", "group"], fitted_by="stage_id")
    alone = bias_terms(ratings[ratings["stage_id"] == 3], fits[3], ["reviewer_id", "group"])
    mine = by_stage[by_stage["stage_id"] == 3].reset_index(drop=True)
    assert mine["bias"].to_numpy() == pytest.approx(alone["bias"].to_numpy())
    with pytest.raises(ValueError, match="fitted_by"):
        bias_terms(ratings, fits, ["reviewer_id"])
    with pytest.raises(ValueError, match="no fit for stage_id 3"):
        bias_terms(ratings, {2: fits[2]}, ["reviewer_id"], fitted_by="stage_id")


def test_a_rating_the_fit_does_not_know_is_refused_and_an_unstated_row_belongs_to_no_cell():
    ratings = _agency(np.random.default_rng(13), 2)
    fit = fit_severity(ratings, {1: 0.5, 2: 0.5})
    stranger = ratings.head(1).assign(reviewer_id=99)
    with pytest.raises(ValueError, match="1 rating\\(s\\) have a reviewer the fit does not know"):
        bias_terms(pd.concat([ratings, stranger]), fit, ["reviewer_id"])
    unstated = ratings.assign(group=ratings["group"].where(ratings["group"] == "A"))
    table = bias_terms(unstated, fit, ["reviewer_id", "group"])
    assert set(table["group"]) == {"A"}


# -- a small simulation (bench/sim_bias.py has the full one) -----------------------------------------

def test_without_a_bias_the_test_rejects_near_its_nominal_rate_and_the_correction_rarely_flags():
    """Eight agencies of 2,000 candidates, 214 judged cells each, nothing planted: uncorrected p-values fall
    below 0.05 for 3.6% of cells (the test is a little conservative: the anchored measures were estimated from
    the same ratings; the full study finds 3.1%), their t statistics spread about as a t should, and at most
    one agency in eight raises a flag after Benjamini-Hochberg (the full study: 1.5% of them)."""
    figures = study("none", 8)
    assert 0.015 <= figures["raw_rejections"] <= 0.07
    assert 0.8 <= figures["t_sd"] <= 1.05
    assert figures["other_flagged"] <= 1 / 8
    assert abs(figures["planted_logits"]) < 0.2


def test_a_planted_bias_of_one_logit_is_found_in_every_agency():
    figures = study("1.0 logits", 4)
    assert CONDITIONS["1.0 logits"] == 1.0
    assert figures["planted_found"] == 1.0
    assert 0.7 <= figures["planted_logits"] <= 1.1              # a little absorbed by the anchored measures
    assert figures["planted_points"] < -0.4
    assert figures["other_flagged"] <= 0.25
