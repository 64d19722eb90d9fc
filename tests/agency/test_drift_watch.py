"""The drift watch: per reviewer and dimension, monthly severity on an EWMA chart against their own baseline.

The hand-made series give the baseline and the chart's first values by hand; the simulated agency
draws ratings from the rating-scale model the severities are estimated with (dimension difficulties,
thresholds, skills and severities known) and plants one reviewer who grows harsher on one dimension.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.agency.drift_watch import (
    HARSHER,
    SOFTER,
    WATCH_COLUMNS,
    dimension_severity_by_month,
    invitations,
    new_crossings,
    watch,
    with_invitations,
)
from scoring.stats.control_charts import EWMA_DESIGN
from scoring.stats.severity import category_probabilities, fit_severity, severity_by_period

MONTHS = pd.date_range("2026-01-01", periods=8, freq="MS")


def series(severity: list[float], se: float | list[float] = 0.25, n_ratings: int | list[int] = 30,
           reviewer_id: int = 7, dimension_id: int = 2) -> pd.DataFrame:
    return pd.DataFrame({"reviewer_id": reviewer_id, "dimension_id": dimension_id, "month": MONTHS[:len(severity)],
                         "severity": severity, "se": se, "n_ratings": n_ratings})


# -- the chart by hand ---------------------------------------------------------------------------------
def test_the_baseline_is_the_precision_weighted_mean_of_the_first_three_months():
    # weights 1/0.2^2 = 25, 1/0.4^2 = 6.25, 25: (25 * 0.1 + 6.25 * 0.5 + 25 * 0.3) / 56.25 = 0.2333...
    charts = watch(series([0.1, 0.5, 0.3, 0.2, 0.2], se=[0.2, 0.4, 0.2, 0.25, 0.25]))
    assert charts["baseline"].iloc[0] == pytest.approx(13.125 / 56.25)
    assert charts["baseline_se"].iloc[0] == pytest.approx(1 / math.sqrt(56.25))
    assert charts["in_baseline"].tolist() == [True, True, True, False, False]
    assert charts["charted"].tolist() == [False, False, False, True, True]
    assert list(charts.columns) == WATCH_COLUMNS


def test_the_first_charted_month_by_hand():
    # Baseline 0 from three months with se 0.25: baseline se 0.25 / sqrt(3). Month 4: z = 1.0 / 0.25 = 4,
    # E = 0.2 * 4 = 0.8; V = 0.2^2 + (0.25^2 / 3) (0.2 / 0.25)^2 = 0.04 + 0.013333 = 0.053333, limit
    # 2.962 * 0.230940 = 0.684044: crossed, harsher.
    charts = watch(series([0.0, 0.0, 0.0, 1.0]))
    last = charts.iloc[-1]
    assert last["z"] == pytest.approx(4.0)
    assert last["statistic"] == pytest.approx(0.8)
    assert last["limit"] == pytest.approx(EWMA_DESIGN.width * math.sqrt(0.04 + 0.0625 / 3 * 0.64))
    assert (last["crossed"], last["direction"]) == (1, HARSHER)


def test_a_month_under_the_minimum_ratings_is_neither_baseline_nor_point():
    charts = watch(series([0.0, 2.0, 0.0, 0.0, -1.0], n_ratings=[30, 5, 30, 30, 30]))
    assert charts["in_baseline"].tolist() == [True, False, True, True, False]
    assert charts["charted"].tolist() == [False, False, False, False, True]
    assert charts["baseline"].iloc[0] == pytest.approx(0.0)
    assert charts.iloc[-1]["direction"] == SOFTER          # z = -4: E = -0.8 beyond -0.684


def test_a_reviewer_with_no_month_after_the_baseline_has_no_chart():
    charts = watch(series([0.0, 0.5, 3.0]))
    assert not charts["charted"].any() and (charts["crossed"] == 0).all()
    assert charts["statistic"].isna().all() and charts["direction"].eq("").all()


def test_each_reviewer_and_dimension_has_a_chart_of_its_own():
    both = pd.concat([series([0.0, 0.0, 0.0, 1.0], reviewer_id=1, dimension_id=1),
                      series([1.0, 1.0, 1.0, 1.0], reviewer_id=1, dimension_id=2)])
    charts = watch(both.sample(frac=1.0, random_state=3))
    assert charts.groupby("dimension_id")["crossed"].apply(list).to_dict() == {1: [0, 0, 0, 1], 2: [0, 0, 0, 0]}


def test_a_missing_column_is_named():
    with pytest.raises(ValueError, match="se"):
        watch(series([0.0]).drop(columns="se"))


# -- who is invited, and what is new -------------------------------------------------------------------
def crossings(rows: list[tuple[int, int, str, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"reviewer_id": r, "dimension_id": d, "month": pd.Timestamp(m), "crossed": c,
                          "direction": HARSHER if c > 0 else SOFTER if c < 0 else "", "statistic": 1.0 * c,
                          "limit": 0.9} for r, d, m, c in rows])


def test_invited_are_the_reviewers_who_crossed_in_the_last_three_months_with_the_dimension_and_month():
    charts = crossings([(1, 2, "2026-08-01", 1), (1, 2, "2026-09-01", 1), (1, 4, "2026-05-01", -1),
                        (2, 3, "2026-07-01", -1), (3, 1, "2026-09-01", 0)])
    invited = invitations(charts, "2026-09-30")
    assert set(zip(invited["reviewer_id"], invited["dimension_id"], invited["month"], invited["direction"])) == {
        (1, 2, pd.Timestamp("2026-09-01"), HARSHER), (2, 3, pd.Timestamp("2026-07-01"), SOFTER)}
    assert dict(zip(invited["reviewer_id"], invited["months_crossed"])) == {1: 2, 2: 1}


def test_no_crossing_no_invitation():
    assert invitations(crossings([(1, 2, "2026-08-01", 0)]), "2026-09-30").empty


def test_a_crossing_already_seen_is_not_new_but_a_new_month_or_direction_is():
    before = crossings([(1, 2, "2026-08-01", 1)])
    now = crossings([(1, 2, "2026-08-01", 1), (1, 2, "2026-09-01", 1), (2, 2, "2026-08-01", -1),
                     (3, 2, "2026-09-01", 0)])
    fresh = new_crossings(now, before)
    assert list(zip(fresh["reviewer_id"], fresh["month"].dt.month)) == [(1, 9), (2, 8)]
    assert len(new_crossings(now, before.iloc[0:0])) == 3


# -- a simulated agency --------------------------------------------------------------------------------
DIFFICULTY = np.array([-0.5, 0.3, 0.0, 0.4, -0.2])
THRESHOLDS = np.array([-2.0, -0.7, 0.7, 2.0])
N_REVIEWERS, PER_MONTH, PER_APP = 12, 150, 3
DRIFTER, DRIFT_DIMENSION = 4, 2


def simulate(seed: int, drift: float) -> pd.DataFrame:
    """Eight months of ratings; reviewer :data:`DRIFTER` grows harsher on dimension
    :data:`DRIFT_DIMENSION` by ``drift`` logits a month from the fifth month on."""
    rng = np.random.default_rng(seed)
    severity = rng.normal(0.0, 0.3, N_REVIEWERS)
    frames = []
    for m, month in enumerate(MONTHS):
        apps = np.arange(PER_MONTH) + m * PER_MONTH
        skill = rng.normal(0.0, 0.8, PER_MONTH)
        chosen = np.array([rng.choice(N_REVIEWERS, PER_APP, replace=False) for _ in apps])
        a = np.repeat(np.arange(PER_MONTH), PER_APP * 5)
        r = np.repeat(chosen.reshape(-1), 5)
        d = np.tile(np.arange(5), PER_MONTH * PER_APP)
        extra = np.where((r == DRIFTER) & (d + 1 == DRIFT_DIMENSION), drift * max(m - 3, 0), 0.0)
        probs = category_probabilities(skill[a] - DIFFICULTY[d] - severity[r] - extra, THRESHOLDS)
        x = np.minimum((probs.cumsum(axis=1) < rng.random(a.size)[:, None]).sum(axis=1), 4) + 1
        frames.append(pd.DataFrame({"application_id": apps[a], "reviewer_id": r + 1, "dimension_id": d + 1,
                                    "rating": x, "month": month}))
    return pd.concat(frames, ignore_index=True)


def charts_of(ratings: pd.DataFrame) -> pd.DataFrame:
    fit = fit_severity(ratings, {1: 0.25, 2: 0.25, 3: 0.2, 4: 0.2, 5: 0.1})
    return watch(dimension_severity_by_month(ratings, fit))


@pytest.fixture(scope="module")
def drifting() -> pd.DataFrame:
    return charts_of(simulate(seed=5, drift=0.3))


def test_monthly_severities_come_per_reviewer_dimension_and_month_with_standard_errors(drifting):
    assert len(drifting) == N_REVIEWERS * 5 * len(MONTHS)
    # About 150 * 3 / 12 = 37 ratings a reviewer-month: standard errors near 0.2 logits, larger with fewer.
    assert drifting["n_ratings"].median() == pytest.approx(37.5, abs=4)
    assert drifting["se"].between(0.15, 0.4).all()
    assert np.corrcoef(drifting["n_ratings"], drifting["se"])[0, 1] < -0.5


def test_a_planted_drift_on_one_dimension_is_found_there_and_only_there(drifting):
    hits = drifting[drifting["crossed"] != 0]
    planted = (hits["reviewer_id"] == DRIFTER + 1) & (hits["dimension_id"] == DRIFT_DIMENSION)
    assert planted.any()
    assert set(hits.loc[planted, "direction"]) == {HARSHER}
    # The others: 59 charts of five points each, 0.3% of points beyond a limit by chance.
    assert (~planted).sum() <= 3
    invited = invitations(drifting, MONTHS[-1])
    assert (DRIFTER + 1, DRIFT_DIMENSION) in set(zip(invited["reviewer_id"], invited["dimension_id"]))


def test_without_a_drift_hardly_any_chart_crosses():
    charts = charts_of(simulate(seed=6, drift=0.0))
    assert (charts["crossed"] != 0).sum() <= 3


def test_no_ratings_no_chart():
    empty = pd.DataFrame(columns=["application_id", "reviewer_id", "dimension_id", "rating", "month"])
    fit = fit_severity(simulate(seed=1, drift=0.0), {1: 0.25, 2: 0.25, 3: 0.2, 4: 0.2, 5: 0.1})
    assert dimension_severity_by_month(empty, fit).empty
    assert watch(dimension_severity_by_month(empty, fit)).empty


# -- the session list ----------------------------------------------------------------------------------
def session_of(*rows: dict) -> pd.DataFrame:
    base = {"reviewer_id": 1, "reviewer": "Ana", "reasons": "erratic ratings", "n_reasons": 1, "fit": True,
            "harsh": False, "lenient": False, "severity_drift": False, "agreement_drift": False,
            "low_agreement": False, "severity": 0.1, "mad": 0.4}
    return pd.DataFrame([{**base, **row} for row in rows])


REVIEWERS = pd.DataFrame({"reviewer_id": [1, 2, 3], "reviewer": ["Ana", "Bo", "Cy"], "severity": [0.1, 0.9, -0.2],
                          "mad": [0.4, 0.5, 0.3]})
NAMES = {2: "Model Deployment", 5: "Governance"}


def invited_of(*rows: tuple[int, int, str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"reviewer_id": r, "dimension_id": d, "month": pd.Timestamp(m), "direction": w}
                         for r, d, m, w in rows])


def test_an_invited_reviewer_already_listed_gets_one_more_reason_with_the_dimensions_and_months():
    listed = with_invitations(session_of({}), invited_of((1, 2, "2026-09-01", HARSHER), (1, 5, "2026-08-01", SOFTER)),
                              REVIEWERS, NAMES)
    row = listed.iloc[0]
    assert (row["n_reasons"], bool(row["drift_watch"])) == (2, True)
    assert row["reasons"] == ("erratic ratings; EWMA chart of severity crossed a control limit in the last 3 months: "
                              "harsher on Model Deployment (Sep 2026), softer on Governance (Aug 2026)")


def test_an_invited_reviewer_not_yet_listed_joins_the_list_for_that_reason_alone():
    listed = with_invitations(session_of({}), invited_of((2, 2, "2026-09-01", HARSHER)), REVIEWERS, NAMES)
    assert listed["reviewer"].tolist() == ["Bo", "Ana"]                  # same count of reasons: larger severity
    bo = listed.iloc[0]
    assert (bo["n_reasons"], bool(bo["drift_watch"]), bool(bo["fit"])) == (1, True, False)
    assert bo["severity"] == pytest.approx(0.9)
    assert not bool(listed.iloc[1]["drift_watch"])


def test_no_invitation_leaves_the_list_as_it_was_with_an_unticked_column():
    listed = with_invitations(session_of({}), invited_of().reindex(columns=["reviewer_id", "dimension_id", "month",
                                                                             "direction"]), REVIEWERS, NAMES)
    assert listed["drift_watch"].tolist() == [False] and listed["n_reasons"].tolist() == [1]


def test_an_empty_list_can_be_started_by_the_watch():
    empty = session_of({}).iloc[0:0]
    listed = with_invitations(empty, invited_of((3, 5, "2026-07-01", SOFTER)), REVIEWERS, NAMES)
    assert listed["reviewer"].tolist() == ["Cy"] and list(listed.columns) == [*empty.columns, "drift_watch"]


def test_ratings_noisier_than_the_model_widen_the_standard_error_by_the_root_of_their_infit():
    ratings = simulate(seed=3, drift=0.0)
    fit = fit_severity(ratings, {1: 0.25, 2: 0.25, 3: 0.2, 4: 0.2, 5: 0.1})
    keyed = ratings.assign(reviewer_id=ratings["reviewer_id"] * 16 + ratings["dimension_id"])
    model = severity_by_period(keyed, fit, time_column="month", freq="M")
    real = dimension_severity_by_month(ratings, fit)
    widen = np.sqrt(np.maximum(model["infit_mnsq"].to_numpy(), 1.0))
    expected = pd.Series(model["se"].to_numpy() * widen,
                         index=pd.MultiIndex.from_arrays([model["reviewer_id"] // 16, model["reviewer_id"] % 16,
                                                          model["period"].dt.to_timestamp()]))
    got = real.set_index(["reviewer_id", "dimension_id", "month"])["se"]
    assert got.to_numpy() == pytest.approx(expected.reindex(got.index).to_numpy(), rel=1e-9)
    assert (got.to_numpy() >= model.set_index(expected.index)["se"].reindex(got.index).to_numpy() - 1e-12).all()
