"""Specification of scoring.stats.agreement.

Golden values come from the publications named in each test; random data are
checked against independent implementations (krippendorff, pingouin,
statsmodels, scikit-learn) and against plain-loop transcriptions of the
formulas.
"""

from __future__ import annotations

import itertools
from random import Random

import krippendorff
import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from scoring.stats.agreement import (
    ALPHA_BANDS,
    ALPHA_BANDS_SOURCE,
    ICCResult,
    bootstrap_alpha,
    cohen_kappa,
    cohen_kappa_of_tables,
    fleiss_kappa,
    gwet_ac,
    icc,
    krippendorff_alpha,
    krippendorff_band,
    percent_agreement,
)

nan = np.nan
LEVELS = ("nominal", "ordinal", "interval", "ratio")
ICC_FORMS = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the
# 4 observers x 12 units example with missing data. Gwet (2014) and the irrCAC
# package use the same ratings as ``cac.raw4raters`` (units as rows there).
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)

# Fleiss (1971), Table 1: 30 patients x 6 psychiatrists, 5 diagnoses
# (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other),
# as raw ratings in the layout of statsmodels' and R irr's ``diagnoses``.
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
).T  # (raters, units)

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges (rows: judges).
SHROUT_FLEISS_1979 = np.array(
    [
        [9, 6, 8, 7, 10, 6],
        [2, 1, 4, 1, 5, 2],
        [5, 3, 6, 2, 6, 4],
        [8, 2, 8, 6, 9, 7],
    ],
    dtype=float,
)


def pairs_from_table(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Raw ratings of two raters from a contingency table (rows: first rater)."""
    counts = np.asarray(table)
    size = counts.shape[0]
    return np.divmod(np.repeat(np.arange(size * size), counts.ravel()), size)


# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: two abstractors
# classifying 100 pregnancies as Ectopic / AIU / NIU, distributed with the
# irrCAC R package as ``cont3x3abstractors``.
CONT3X3_ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]

# A 3x3 SAS PROC FREQ example whose printout is reproduced in statsmodels'
# test suite (statsmodels/stats/tests/test_inter_rater.py, ``table10``).
SAS_TABLE10 = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def random_ratings(
    seed: int, raters: int = 5, units: int = 200, missing: float = 0.25, scale: int = 5
) -> np.ndarray:
    """Ratings 1..scale with unit effects, rater biases and missing values."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(0.0, 1.2, size=units)
    bias = rng.normal(0.0, 0.4, size=(raters, 1))
    noise = rng.normal(0.0, 0.8, size=(raters, units))
    ratings = np.clip(np.round((scale + 1) / 2 + truth + bias + noise), 1, scale)
    ratings[rng.random(ratings.shape) < missing] = nan
    return ratings


# --------------------------------------------------------------------------
# Published worked examples
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_matches_krippendorff_2011_worked_example(level: str, published: float) -> None:
    # Krippendorff (2011): the worked example with missing data gives
    # alpha = .743 (nominal), .815 (ordinal), .849 (interval), .797 (ratio).
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == published


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.74342), ("interval", 0.84911)])
def test_alpha_matches_irrcac_krippen_alpha_raw_on_cac_raw4raters(
    level: str, published: float
) -> None:
    # irrCAC README / weighting vignette (Gwet): krippen.alpha.raw(cac.raw4raters)
    # = 0.74342, and with quadratic weights (= interval differences) 0.84911.
    assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(published, abs=5e-6)


def test_fleiss_kappa_matches_fleiss_1971_table_1() -> None:
    # Fleiss (1971): kappa = .430 for the 30 x 6 diagnoses table.
    assert round(fleiss_kappa(FLEISS_1971), 3) == 0.430


def test_fleiss_kappa_with_missing_ratings_matches_irrcac_on_cac_raw4raters() -> None:
    # irrCAC README: fleiss.kappa.raw(cac.raw4raters) = 0.76117 (pa 0.8181818,
    # pe 0.2387153), Gwet's (2014, ch. 2) generalisation to missing ratings.
    assert fleiss_kappa(KRIPPENDORFF_2011) == pytest.approx(0.76117, abs=5e-6)


@pytest.mark.parametrize(
    ("form", "published"),
    [
        ("ICC(1,1)", 0.17),
        ("ICC(2,1)", 0.29),
        ("ICC(3,1)", 0.71),
        ("ICC(1,k)", 0.44),
        ("ICC(2,k)", 0.62),
        ("ICC(3,k)", 0.91),
    ],
)
def test_icc_matches_shrout_fleiss_1979_table_2(form: str, published: float) -> None:
    # Shrout & Fleiss (1979), estimates for the Table 2 data:
    # ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91.
    result = icc(SHROUT_FLEISS_1979, form)
    assert round(result.value, 2) == published
    assert (result.n_units, result.n_raters) == (6, 4)


def test_cohen_kappa_matches_gwet_2014_cont3x3abstractors() -> None:
    # irrCAC README: kappa2.table(cont3x3abstractors) = 0.7964094; irrCAC
    # weighting vignette: with quadratic.weights(1:3), 0.8921569.
    first, second = pairs_from_table(CONT3X3_ABSTRACTORS)
    assert cohen_kappa(first, second) == pytest.approx(0.7964094, abs=5e-8)
    assert cohen_kappa(first, second, weights="quadratic") == pytest.approx(0.8921569, abs=5e-8)


def test_cohen_kappa_matches_sas_proc_freq_printout_in_statsmodels_tests() -> None:
    # SAS PROC FREQ printout quoted in statsmodels' TestUnweightedCohens and
    # TestWeightedCohens: simple kappa 0.4842, weighted kappa with linear
    # (Cicchetti-Allison) weights 0.4701.
    first, second = pairs_from_table(SAS_TABLE10)
    assert cohen_kappa(first, second) == pytest.approx(0.4842, abs=5e-5)
    assert cohen_kappa(first, second, weights="linear") == pytest.approx(0.4701, abs=5e-5)


def test_gwet_ac1_matches_irrcac_on_cac_raw4raters() -> None:
    # irrCAC README: gwet.ac1.raw(cac.raw4raters) -> AC1 0.77544
    # (pa 0.8181818, pe 0.1903212).
    assert gwet_ac(KRIPPENDORFF_2011) == pytest.approx(0.77544, abs=5e-6)


def test_gwet_ac2_quadratic_matches_irrcac_weighting_vignette_on_cac_raw4raters() -> None:
    # irrCAC weighting vignette: gwet.ac1.raw(cac.raw4raters, weights =
    # "quadratic") -> AC2 0.914 with pa 0.9753788 and pe 0.7137044.
    pa, pe = 0.9753788, 0.7137044
    assert gwet_ac(KRIPPENDORFF_2011, weights="quadratic") == pytest.approx(
        (pa - pe) / (1 - pe), abs=1e-6
    )
    assert round(gwet_ac(KRIPPENDORFF_2011, weights="quadratic"), 3) == 0.914


def test_gwet_ac_matches_irrcac_on_cont3x3abstractors() -> None:
    # irrCAC README: gwet.ac1.table(cont3x3abstractors) = 0.8493305; weighting
    # vignette, quadratic.weights(1:3): AC2 = 0.9402369.
    first, second = pairs_from_table(CONT3X3_ABSTRACTORS)
    assert gwet_ac([first, second]) == pytest.approx(0.8493305, abs=5e-8)
    assert gwet_ac([first, second], weights="quadratic") == pytest.approx(0.9402369, abs=5e-8)


# --------------------------------------------------------------------------
# Against independent implementations on random data with missing ratings
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_agrees_with_krippendorff_package(seed: int, level: str) -> None:
    data = random_ratings(seed, raters=3 + seed % 4, units=50 + 40 * seed, missing=0.3)
    expected = krippendorff.alpha(data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_agrees_with_krippendorff_package_on_non_integer_values(level: str) -> None:
    rng = np.random.default_rng(11)
    data = rng.choice([0.5, 1.0, 2.25, 3.5, 7.0], size=(4, 80))
    data[rng.random(data.shape) < 0.2] = nan
    expected = krippendorff.alpha(data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


def pingouin_icc_table(data: np.ndarray) -> pd.DataFrame:
    raters, units = np.nonzero(~np.isnan(data))
    long = pd.DataFrame({"unit": units, "rater": raters, "score": data[raters, units]})
    table = pingouin.intraclass_corr(
        data=long, targets="unit", raters="rater", ratings="score", nan_policy="omit"
    )
    # pingouin lists ICC1, ICC2 (A,1), ICC3 (C,1), then their k-rater forms.
    assert len(table) == len(ICC_FORMS)
    return table.set_index(pd.Index(ICC_FORMS))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.dropna")
def test_icc_agrees_with_pingouin_in_all_six_forms(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(pingouin.options, "round.column.CI95", raising=False)
    monkeypatch.setitem(pingouin.options, "round", None)
    data = random_ratings(seed, raters=3 + seed, units=40, missing=0.05)
    reference = pingouin_icc_table(data)
    for form in ICC_FORMS:
        result = icc(data, form)
        row = reference.loc[form]
        assert result.value == pytest.approx(row["ICC"], abs=1e-10)
        assert (result.ci_low, result.ci_high) == pytest.approx(tuple(row["CI95"]), abs=1e-10)
        assert result.f == pytest.approx(row["F"], rel=1e-10)
        assert (result.df1, result.df2) == (row["df1"], row["df2"])
        assert result.p == pytest.approx(row["pval"], rel=1e-8, abs=1e-300)


@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.dropna")
def test_icc_agrees_with_pingouin_on_shrout_fleiss_table_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(pingouin.options, "round.column.CI95", raising=False)
    reference = pingouin_icc_table(SHROUT_FLEISS_1979)
    for form in ICC_FORMS:
        result = icc(SHROUT_FLEISS_1979, form)
        row = reference.loc[form]
        assert result.value == pytest.approx(row["ICC"], abs=1e-12)
        assert (result.ci_low, result.ci_high) == pytest.approx(tuple(row["CI95"]), abs=1e-10)
        assert (result.f, result.df1, result.df2) == pytest.approx(
            (row["F"], row["df1"], row["df2"]), rel=1e-12
        )
        assert result.p == pytest.approx(row["pval"], rel=1e-9)


def test_icc_uses_only_units_rated_by_every_rater() -> None:
    with_gap = np.column_stack([SHROUT_FLEISS_1979, [3.0, nan, 4.0, 5.0]])
    for form in ICC_FORMS:
        assert icc(with_gap, form) == icc(SHROUT_FLEISS_1979, form)


def test_icc_result_is_a_frozen_record() -> None:
    result = icc(SHROUT_FLEISS_1979)
    assert isinstance(result, ICCResult)
    assert result.form == "ICC(2,1)"
    with pytest.raises(AttributeError):
        result.value = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_kappa_agrees_with_statsmodels_on_complete_data(seed: int) -> None:
    data = random_ratings(seed, raters=3 + seed, units=60, missing=0.0)
    table, _ = aggregate_raters(data.T)
    assert fleiss_kappa(data) == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


def test_fleiss_kappa_agrees_with_statsmodels_on_fleiss_1971() -> None:
    table, _ = aggregate_raters(FLEISS_1971.T)
    assert fleiss_kappa(FLEISS_1971) == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


def transcribed_gwet(data: np.ndarray, weights: str | None, categories: list[float]) -> float:
    """Gwet (2014) AC1/AC2 with missing ratings, one unit at a time."""
    q = len(categories)
    steps = np.arange(q)
    if weights is None:
        w = np.eye(q)
    elif weights == "linear":
        w = 1 - np.abs(steps[:, None] - steps[None, :]) / (q - 1)
    else:
        w = 1 - (steps[:, None] - steps[None, :]) ** 2 / (q - 1) ** 2
    agreement, shares = [], []
    for unit in data.T:
        ratings = unit[~np.isnan(unit)]
        r = np.array([np.sum(ratings == c) for c in categories], dtype=float)
        if r.sum() >= 1:
            shares.append(r / r.sum())
        if r.sum() >= 2:
            r_star = w @ r
            agreement.append(np.sum(r * (r_star - 1)) / (r.sum() * (r.sum() - 1)))
    pa = np.mean(agreement)
    pi = np.mean(shares, axis=0)
    pe = w.sum() / (q * (q - 1)) * np.sum(pi * (1 - pi))
    return (pa - pe) / (1 - pe)


def transcribed_fleiss(data: np.ndarray) -> float:
    """Fleiss' kappa with Gwet's handling of missing ratings, one unit at a time."""
    categories = np.unique(data[~np.isnan(data)])
    agreement, shares = [], []
    for unit in data.T:
        ratings = unit[~np.isnan(unit)]
        r = np.array([np.sum(ratings == c) for c in categories], dtype=float)
        if r.sum() >= 1:
            shares.append(r / r.sum())
        if r.sum() >= 2:
            agreement.append(np.sum(r * (r - 1)) / (r.sum() * (r.sum() - 1)))
    pe = np.sum(np.mean(shares, axis=0) ** 2)
    return (np.mean(agreement) - pe) / (1 - pe)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_gwet_ac_agrees_with_a_unit_by_unit_transcription(seed: int, weights: str | None) -> None:
    data = random_ratings(seed, raters=4, units=70, missing=0.35)
    scale = [1.0, 2.0, 3.0, 4.0, 5.0]
    expected = transcribed_gwet(data, weights, scale)
    assert gwet_ac(data, weights, categories=scale) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_fleiss_kappa_with_missing_agrees_with_a_unit_by_unit_transcription(seed: int) -> None:
    data = random_ratings(seed, raters=5, units=70, missing=0.35)
    assert fleiss_kappa(data) == pytest.approx(transcribed_fleiss(data), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_agrees_with_scikit_learn_after_dropping_missing_pairs(
    seed: int, weights: str | None
) -> None:
    first, second = random_ratings(seed, raters=2, units=150, missing=0.2)
    both = ~np.isnan(first) & ~np.isnan(second)
    expected = cohen_kappa_score(first[both], second[both], weights=weights)
    assert cohen_kappa(first, second, weights) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_agrees_with_statsmodels(seed: int, weights: str | None) -> None:
    first, second = random_ratings(seed, raters=2, units=150, missing=0.2)
    both = ~np.isnan(first) & ~np.isnan(second)
    scale = np.unique(np.concatenate([first[both], second[both]]))
    table = pd.crosstab(
        pd.Categorical(first[both], categories=scale),
        pd.Categorical(second[both], categories=scale),
        dropna=False,
    ).to_numpy()
    expected = cohens_kappa(table, wt=weights, return_results=False)
    assert cohen_kappa(first, second, weights) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_categories_fix_the_scale_like_scikit_learn_labels(weights: str) -> None:
    # Nobody used the middle category 3 of the 1..5 scale: declaring the scale
    # puts 2 and 4 two steps apart instead of one.
    rng = np.random.default_rng(3)
    observed = np.array([1.0, 2.0, 4.0, 5.0])
    first_step = rng.integers(0, 4, size=120)
    first = observed[first_step]
    second = observed[np.clip(first_step + rng.integers(-1, 2, size=120), 0, 3)]
    scale = [1, 2, 3, 4, 5]
    expected = cohen_kappa_score(first, second, weights=weights, labels=scale)
    assert cohen_kappa(first, second, weights, categories=scale) == pytest.approx(
        expected, abs=1e-12
    )
    assert cohen_kappa(first, second, weights) != pytest.approx(expected, abs=1e-6)


def test_categories_change_gwet_chance_agreement_when_a_category_is_unused() -> None:
    data = random_ratings(5, raters=3, units=60, missing=0.1, scale=4)
    on_4 = gwet_ac(data, categories=[1, 2, 3, 4])
    on_5 = gwet_ac(data, categories=[1, 2, 3, 4, 5])
    assert on_4 == pytest.approx(transcribed_gwet(data, None, [1.0, 2.0, 3.0, 4.0]))
    assert on_5 == pytest.approx(transcribed_gwet(data, None, [1.0, 2.0, 3.0, 4.0, 5.0]))
    assert on_4 != pytest.approx(on_5)


def transcribed_percent_agreement(data: np.ndarray, tolerance: float) -> float:
    agree = total = 0
    for unit in data.T:
        ratings = unit[~np.isnan(unit)]
        for x, y in itertools.combinations(ratings, 2):
            total += 1
            agree += abs(x - y) <= tolerance
    return agree / total


@pytest.mark.parametrize("tolerance", [0, 1, 2])
def test_percent_agreement_counts_agreeing_rater_pairs_within_units(tolerance: int) -> None:
    data = random_ratings(8, raters=5, units=90, missing=0.3)
    assert percent_agreement(data, tolerance) == pytest.approx(
        transcribed_percent_agreement(data, tolerance), abs=1e-15
    )


def test_percent_agreement_with_fractional_tolerance_is_not_fooled_by_rounding() -> None:
    assert percent_agreement([[0.1, 0.2], [0.4, 0.5]], tolerance=0.3) == 1.0


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

ratings_matrices = hnp.arrays(
    dtype=np.float64,
    shape=st.tuples(st.integers(2, 5), st.integers(2, 25)),
    elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, nan]),
)


@st.composite
def perfect_agreement(draw: st.DrawFn) -> np.ndarray:
    """Raters who agree on every unit they rate, on at least two distinct values."""
    n_units = draw(st.integers(2, 20))
    n_raters = draw(st.integers(2, 6))
    truth = np.array(draw(st.lists(st.integers(1, 5), min_size=n_units, max_size=n_units)))
    if np.unique(truth).size < 2:
        truth[0] = 1 if truth[0] != 1 else 5
    rated = np.array(draw(hnp.arrays(np.bool_, (n_raters, n_units))))
    rated[:2] = True  # every unit keeps at least two ratings
    return np.where(rated, truth.astype(float), nan)


@settings(deadline=None, max_examples=60)
@given(perfect_agreement())
def test_perfect_agreement_scores_one_everywhere(data: np.ndarray) -> None:
    for level in LEVELS:
        assert krippendorff_alpha(data, level) == pytest.approx(1.0)
    assert fleiss_kappa(data) == pytest.approx(1.0)
    for weights in (None, "linear", "quadratic"):
        assert gwet_ac(data, weights) == pytest.approx(1.0)
        assert cohen_kappa(data[0], data[1], weights) == pytest.approx(1.0)
    assert percent_agreement(data) == 1.0
    complete = data[:, ~np.isnan(data).any(axis=0)]
    if complete.shape[1] >= 2 and np.unique(complete).size >= 2:
        for form in ICC_FORMS:
            assert icc(complete, form).value == pytest.approx(1.0)


@settings(deadline=None, max_examples=60)
@given(ratings_matrices, st.randoms(use_true_random=False))
def test_shuffling_units_changes_nothing(data: np.ndarray, random: Random) -> None:
    order = list(range(data.shape[1]))
    random.shuffle(order)
    shuffled = data[:, order]
    for level in LEVELS:
        assert krippendorff_alpha(shuffled, level) == pytest.approx(
            krippendorff_alpha(data, level), abs=1e-12, nan_ok=True
        )
    assert fleiss_kappa(shuffled) == pytest.approx(fleiss_kappa(data), abs=1e-12, nan_ok=True)
    assert gwet_ac(shuffled, "quadratic") == pytest.approx(
        gwet_ac(data, "quadratic"), abs=1e-12, nan_ok=True
    )
    assert percent_agreement(shuffled, 1) == pytest.approx(
        percent_agreement(data, 1), nan_ok=True
    )
    assert icc(shuffled).value == pytest.approx(icc(data).value, abs=1e-9, nan_ok=True)


@settings(deadline=None, max_examples=80)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.just(2), st.integers(1, 40)),
        elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, nan]),
    ),
    st.sampled_from([None, "linear", "quadratic"]),
)
def test_cohen_kappa_is_symmetric_in_its_raters(pair: np.ndarray, weights: str | None) -> None:
    assert cohen_kappa(pair[0], pair[1], weights) == pytest.approx(
        cohen_kappa(pair[1], pair[0], weights), abs=1e-12, nan_ok=True
    )


@settings(deadline=None, max_examples=60)
@given(ratings_matrices)
def test_alpha_ignores_units_with_a_single_rating(data: np.ndarray) -> None:
    lone = np.full((data.shape[0], 1), nan)
    lone[0, 0] = 5.0
    widened = np.hstack([data, lone])
    for level in LEVELS:
        assert krippendorff_alpha(widened, level) == pytest.approx(
            krippendorff_alpha(data, level), abs=1e-12, nan_ok=True
        )


@settings(deadline=None, max_examples=60)
@given(ratings_matrices)
def test_percent_agreement_within_four_points_on_a_five_point_scale_is_one(
    data: np.ndarray,
) -> None:
    result = percent_agreement(data, tolerance=4)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    assert result == 1.0 if pairable.any() else np.isnan(result)


def test_no_variation_or_no_pairable_ratings_give_nan() -> None:
    constant = [[3.0, 3.0, nan], [3.0, 3.0, 3.0]]
    lonely = [[1.0, nan, 3.0], [nan, 2.0, nan]]
    for data in (constant, lonely):
        for level in LEVELS:
            assert np.isnan(krippendorff_alpha(data, level))
        assert np.isnan(fleiss_kappa(data))
        assert np.isnan(bootstrap_alpha(data)[0])
    assert np.isnan(percent_agreement(lonely))
    assert np.isnan(icc(lonely).value)
    assert np.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))


# --------------------------------------------------------------------------
# Input errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statistic",
    [krippendorff_alpha, fleiss_kappa, gwet_ac, percent_agreement, icc, bootstrap_alpha],
)
def test_wrong_shapes_are_rejected_with_the_expected_shape_named(statistic) -> None:
    with pytest.raises(ValueError, match=r"2-D with shape \(raters, units\); got .* \(3,\)"):
        statistic([1, 2, 3])
    with pytest.raises(ValueError, match=r"2-D with shape \(raters, units\)"):
        statistic(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="at least 2 raters"):
        statistic([[1, 2, 3]])
    with pytest.raises(ValueError, match="at least 1 unit"):
        statistic(np.empty((3, 0)))


def test_non_numeric_and_infinite_ratings_are_rejected() -> None:
    with pytest.raises(ValueError, match="numeric ratings"):
        krippendorff_alpha([["good", "bad"], ["bad", "bad"]])
    with pytest.raises(ValueError, match="infinite"):
        fleiss_kappa([[1.0, np.inf], [1.0, 2.0]])
    with pytest.raises(ValueError, match="infinite"):
        cohen_kappa([1.0, np.inf], [1.0, 2.0])


def test_unknown_level_names_the_valid_ones() -> None:
    valid = "valid values are 'nominal', 'ordinal', 'interval', 'ratio'"
    with pytest.raises(ValueError, match=f"unknown level 'ordnial'; {valid}"):
        krippendorff_alpha(KRIPPENDORFF_2011, "ordnial")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="valid values are 'nominal'"):
        bootstrap_alpha(KRIPPENDORFF_2011, level=["ordinal"])  # type: ignore[arg-type]


def test_unknown_weights_and_forms_name_the_valid_ones() -> None:
    valid_weights = "valid values are None, 'linear', 'quadratic'"
    with pytest.raises(ValueError, match=f"unknown weights 'squared'; {valid_weights}"):
        cohen_kappa([1, 2], [1, 2], weights="squared")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="valid values are None, 'linear', 'quadratic'"):
        gwet_ac(KRIPPENDORFF_2011, weights="circular")  # type: ignore[arg-type]
    valid_forms = r"valid values are 'ICC\(1,1\)'.*'ICC\(3,k\)'"
    with pytest.raises(ValueError, match=r"unknown form 'ICC\(2,4\)'; " + valid_forms):
        icc(SHROUT_FLEISS_1979, "ICC(2,4)")  # type: ignore[arg-type]


def test_categories_must_cover_every_rating_and_not_repeat() -> None:
    outside = r"ratings \[5.0\] are not among the categories \[1.0, 2.0, 3.0, 4.0\]"
    with pytest.raises(ValueError, match=outside):
        gwet_ac(KRIPPENDORFF_2011, categories=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="must not repeat"):
        cohen_kappa([1, 2], [2, 1], categories=[1, 2, 2])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        fleiss_kappa(FLEISS_1971, categories=[])


def test_other_bad_arguments_are_rejected_precisely() -> None:
    with pytest.raises(ValueError, match="same units; got 3 and 2 ratings"):
        cohen_kappa([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="rater_a must be 1-D"):
        cohen_kappa([[1, 2]], [1, 2])
    with pytest.raises(ValueError, match="tolerance must be a finite non-negative number"):
        percent_agreement(KRIPPENDORFF_2011, tolerance=-1)
    with pytest.raises(ValueError, match="non-negative ratings"):
        krippendorff_alpha([[-1.0, 2.0], [1.0, 2.0]], "ratio")
    with pytest.raises(ValueError, match="confidence must be a number strictly between 0 and 1"):
        bootstrap_alpha(KRIPPENDORFF_2011, confidence=95)
    with pytest.raises(ValueError, match="n_boot must be a positive integer"):
        bootstrap_alpha(KRIPPENDORFF_2011, n_boot=0)


# --------------------------------------------------------------------------
# Reliability bands and bootstrap interval
# --------------------------------------------------------------------------


def test_bands_are_declared_once_with_their_source() -> None:
    assert [threshold for threshold, _ in ALPHA_BANDS[:2]] == [0.800, 0.667]
    assert "Krippendorff (2004)" in ALPHA_BANDS_SOURCE and "p. 241" in ALPHA_BANDS_SOURCE


@pytest.mark.parametrize(
    ("alpha", "band"),
    [
        (1.0, "reliable"),
        (0.800, "reliable"),
        (np.nextafter(0.800, 0.0), "tentative"),
        (0.667, "tentative"),
        (np.nextafter(0.667, 0.0), "unreliable"),
        (0.0, "unreliable"),
        (-0.4, "unreliable"),
    ],
)
def test_krippendorff_band_boundaries(alpha: float, band: str) -> None:
    # Krippendorff (2004), Content Analysis, 2nd ed., p. 241.
    assert krippendorff_band(alpha) == band


def test_krippendorff_band_rejects_nan_and_values_above_one() -> None:
    with pytest.raises(ValueError, match="nan"):
        krippendorff_band(float("nan"))
    with pytest.raises(ValueError, match="cannot exceed 1"):
        krippendorff_band(1.2)


@pytest.mark.parametrize("level", LEVELS)
def test_bootstrap_interval_contains_the_point_estimate(level: str) -> None:
    for data in (KRIPPENDORFF_2011, random_ratings(4, raters=6, units=300, missing=0.3)):
        low, high = bootstrap_alpha(data, level, n_boot=500, seed=1)
        assert low <= krippendorff_alpha(data, level) <= high


def test_bootstrap_is_deterministic_for_a_seed_and_varies_across_seeds() -> None:
    data = random_ratings(2, raters=4, units=150, missing=0.2)
    assert bootstrap_alpha(data, seed=5) == bootstrap_alpha(data, seed=5)
    assert bootstrap_alpha(data, seed=5) != bootstrap_alpha(data, seed=6)


def test_bootstrap_interval_widens_with_confidence() -> None:
    data = random_ratings(9, raters=3, units=120, missing=0.2)
    narrow = bootstrap_alpha(data, confidence=0.5)
    wide = bootstrap_alpha(data, confidence=0.99)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def test_bootstrap_agrees_with_a_brute_force_resample_of_units() -> None:
    # Drawing units with replacement and recomputing alpha from scratch gives the same
    # distribution as the pattern-multinomial draws; with 4,000 resamples each, the percentile
    # bounds agree to well within their Monte Carlo error.
    data = random_ratings(6, raters=4, units=40, missing=0.3)
    pairable = data[:, (~np.isnan(data)).sum(axis=0) >= 2]
    n_boot = 4000
    rng = np.random.default_rng(13)
    draws = rng.integers(0, pairable.shape[1], size=(n_boot, pairable.shape[1]))
    alphas = [krippendorff_alpha(pairable[:, d], "ordinal") for d in draws]
    expected = np.quantile([a for a in alphas if np.isfinite(a)], [0.025, 0.975])
    got = bootstrap_alpha(data, "ordinal", n_boot=n_boot, seed=5)
    assert got == pytest.approx(tuple(expected), abs=0.03)




# -- kappa of many counted pairs at once ---------------------------------------------------------


def test_kappa_of_tables_matches_gwet_2014_and_sas_printouts() -> None:
    # The published values of the two tests above (irrCAC: 0.7964094 and quadratic 0.8921569;
    # SAS PROC FREQ: 0.4842, linear 0.4701), from the tables themselves, several at once.
    gwet = np.asarray(CONT3X3_ABSTRACTORS, dtype=float)
    assert cohen_kappa_of_tables(gwet)[()] == pytest.approx(0.7964094, abs=5e-8)
    both = cohen_kappa_of_tables(np.stack([gwet, gwet.T]), weights="quadratic")
    np.testing.assert_allclose(both, 0.8921569, atol=5e-8)
    sas = np.asarray(SAS_TABLE10, dtype=float)
    assert cohen_kappa_of_tables(sas)[()] == pytest.approx(0.4842, abs=5e-5)
    assert cohen_kappa_of_tables(sas, weights="linear")[()] == pytest.approx(0.4701, abs=5e-5)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_of_tables_agrees_with_statsmodels_table_by_table(weights: str | None) -> None:
    rng = np.random.default_rng(11)
    tables = rng.integers(0, 12, size=(40, 5, 5)).astype(float)
    tables[3] = 0.0                                   # an empty pair
    tables[4] = 0.0
    tables[4, 2, 2] = 9.0                             # one category for both: chance agreement is perfect
    got = cohen_kappa_of_tables(tables, weights=weights)
    assert got.shape == (40,) and np.isnan(got[3]) and np.isnan(got[4])
    for table, kappa in zip(np.delete(tables, [3, 4], axis=0), np.delete(got, [3, 4])):
        assert kappa == pytest.approx(cohens_kappa(table, wt=weights, return_results=False), abs=1e-12)


@pytest.mark.parametrize(
    "tables", [np.ones((3, 4)), np.ones(5), -np.ones((2, 2)), [[1, np.nan], [0, 1]], "counts"]
)
def test_kappa_of_tables_refuses_what_is_no_square_table_of_counts(tables) -> None:
    with pytest.raises(ValueError, match="tables must"):
        cohen_kappa_of_tables(tables)
