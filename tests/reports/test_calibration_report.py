"""Specification of the calibration report and its rules.

Every figure of :func:`calibration_report`, :func:`calibration_drift` and :func:`exercise_report` is
recomputed here from the rows of the demo agency with pandas and the library's statistics, laid out
independently (a reviewer x application matrix, a pandas self-merge for pairs, loops for leave-one-out
means), and must match.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from scoring.agency import calibration as rules
from scoring.agency import drift_watch
from scoring.agency.access import PermissionDenied
from scoring.domain.thresholds import CALIBRATION_THRESHOLDS
from scoring.reports.calibration import (
    TOP_MOVERS,
    awaited_text,
    calibration_drift,
    calibration_report,
    default_filter,
    exercise_report,
    reviewers_done,
)
from scoring.stats.agreement import (
    bootstrap_alpha,
    cohen_kappa,
    icc,
    krippendorff_alpha,
    krippendorff_band,
    percent_agreement,
)
from scoring.stats.severity import DRIFT_THRESHOLD, fit_severity, severity_by_period
from scoring.store import calibration_exercises, scorecards
from scoring.store import ratings as rating_store
from scoring.store.ratings import CalibrationFilter
from tests.conftest import account

CODES = ("infrastructure", "deployment", "monitoring", "automation", "governance")


@pytest.fixture(scope="module")
def db(module_demo_db):
    return module_demo_db


@pytest.fixture(scope="module")
def lead(db):
    return account(db, "hiring_lead")


@pytest.fixture(scope="module")
def chosen(db, lead):
    options = rating_store.filter_options(db, lead)
    return default_filter(options["first"], options["last"], stage_id=3, months=18)


@pytest.fixture(scope="module")
def report(db, lead, chosen):
    return calibration_report(db, lead, chosen)


@pytest.fixture(scope="module")
def drift(db, lead, chosen):
    return calibration_drift(db, lead, chosen)


@pytest.fixture(scope="module")
def rows(db, chosen) -> pd.DataFrame:
    """The live ratings the filter covers, read straight from the view."""
    end = (pd.Timestamp(chosen.last_month) + pd.offsets.MonthBegin(1)).date()
    return db.frame("""
        SELECT application_id, reviewer_id, dimension_id, rating, submitted_at,
               date_trunc('month', submitted_at)::DATE AS month
        FROM current_scores WHERE stage_id = ? AND submitted_at >= ? AND submitted_at < ?""",
                    [chosen.stage_id, chosen.first_month, end])


@pytest.fixture(scope="module")
def weights(db) -> dict[int, float]:
    newest = db.frame("""SELECT dimension_id, weight_pct::DOUBLE AS pct FROM dimension_weights
                         WHERE version_id = (SELECT version_id FROM weight_versions
                                             ORDER BY effective_from DESC LIMIT 1)""")
    total = newest["pct"].sum()
    return {int(d): p / total for d, p in zip(newest["dimension_id"], newest["pct"])}


@pytest.fixture(scope="module")
def fit(rows, weights):
    return fit_severity(rows, weights, tol=rules.SEVERITY_TOL)


def peers_mean(rows: pd.DataFrame) -> pd.Series:
    """Mean of the other reviewers' ratings of the same application and dimension, by plain loops."""
    groups = {}
    for index, (application, dimension, rating) in enumerate(
            zip(rows["application_id"], rows["dimension_id"], rows["rating"])):
        groups.setdefault((application, dimension), []).append((index, rating))
    out = np.full(len(rows), np.nan)
    for members in groups.values():
        for index, _ in members:
            others = [r for i, r in members if i != index]
            if others:
                out[index] = sum(others) / len(others)
    return pd.Series(out, index=rows.index)


# -- agreement -----------------------------------------------------------------------------------


def test_report_covers_the_filtered_ratings(report, rows):
    assert report.n_ratings == len(rows) > 0
    assert report.n_applications == rows["application_id"].nunique()
    assert report.n_reviewers == rows["reviewer_id"].nunique()
    assert report.weights_version.startswith("version ")


def test_alpha_and_percent_agreement_match_the_reviewer_matrix(report, rows):
    for dim in report.agreement.itertuples():
        matrix = rows[rows["dimension_id"] == dim.dimension_id].pivot_table(
            index="reviewer_id", columns="application_id", values="rating").to_numpy()
        alpha = krippendorff_alpha(matrix, "ordinal")
        assert dim.alpha == pytest.approx(alpha, abs=1e-12)
        assert (dim.alpha_low, dim.alpha_high) == pytest.approx(
            bootstrap_alpha(matrix, "ordinal", n_boot=rules.BOOTSTRAP_RESAMPLES, seed=rules.BOOTSTRAP_SEED), abs=1e-12)
        assert dim.band == krippendorff_band(alpha)
        assert dim.exact == pytest.approx(percent_agreement(matrix, 0))
        assert dim.within_one == pytest.approx(percent_agreement(matrix, 1))
        assert dim.pairable == int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum())


def test_live_icc_is_one_way_on_the_first_two_ratings(report, rows):
    ordered = rows.sort_values(["application_id", "dimension_id", "submitted_at", "reviewer_id"], kind="stable")
    ordered = ordered.assign(slot=ordered.groupby(["application_id", "dimension_id"]).cumcount())
    for dim in report.agreement.itertuples():
        table = ordered[(ordered["dimension_id"] == dim.dimension_id) & (ordered["slot"] < 2)].pivot(
            index="application_id", columns="slot", values="rating").dropna()
        expected = icc(table.to_numpy().T, "ICC(1,1)")
        assert dim.icc_form == "ICC(1,1)"
        assert (dim.icc, dim.icc_low, dim.icc_high) == pytest.approx(
            (expected.value, expected.ci_low, expected.ci_high), abs=1e-12)
        assert dim.icc_units == len(table)


# -- pairwise kappa ------------------------------------------------------------------------------


def test_pairwise_kappa_matches_independent_pairing(report, rows):
    pairs = rows.merge(rows, on=["application_id", "dimension_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["reviewer_id_a"] < pairs["reviewer_id_b"]]
    got = report.kappa.set_index(["reviewer_a", "reviewer_b"])
    assert len(got) == len(pairs.groupby(["reviewer_id_a", "reviewer_id_b"]))
    qualified = 0
    for (first, second), part in pairs.groupby(["reviewer_id_a", "reviewer_id_b"]):
        row = got.loc[(first, second)]
        assert row["shared"] == len(part)
        if len(part) >= rules.MIN_SHARED_RATINGS.value:
            qualified += 1
            expected = cohen_kappa(part["rating_a"], part["rating_b"], weights="quadratic",
                                   categories=[1, 2, 3, 4, 5])
            assert row["kappa"] == pytest.approx(expected, abs=1e-12)
        else:
            assert np.isnan(row["kappa"])
    assert qualified > 0


def test_kappa_matrix_is_symmetric_and_ordered_by_severity(report):
    matrix = report.kappa_matrix
    assert list(matrix.index) == list(matrix.columns) == list(report.reviewers["reviewer"])
    values = matrix.to_numpy()
    np.testing.assert_array_equal(values, values.T)
    assert np.isnan(np.diag(values)).all()
    names = dict(zip(report.reviewers["reviewer_id"], report.reviewers["reviewer"]))
    for row in report.kappa.dropna(subset=["kappa"]).itertuples():
        assert matrix.loc[names[row.reviewer_a], names[row.reviewer_b]] == row.kappa
    assert np.isfinite(values).sum() == 2 * report.kappa["kappa"].notna().sum()


# -- severity, distribution, ranking -------------------------------------------------------------


def test_severity_matches_the_rasch_fit(report, fit):
    expected = fit.reviewers.sort_values("severity")
    got = report.reviewers.set_index("reviewer_id")
    assert list(got.index) == list(expected.index)
    for column in ("severity", "se", "ci_low", "ci_high", "infit_mnsq", "outfit_mnsq", "raw_mean"):
        np.testing.assert_allclose(got[column], expected[column], atol=1e-12, err_msg=column)
    assert got["flag"].tolist() == expected["flag"].tolist()
    assert "converged" in report.severity_note


def test_distance_from_peers_matches_loops(report, rows):
    gap = rows["rating"] - peers_mean(rows)
    frame = rows.assign(gap=gap.abs(), within=(gap.abs() <= 1)).dropna(subset=["gap"])
    expected = frame.groupby("reviewer_id").agg(mad=("gap", "mean"), within=("within", "mean"), n=("gap", "size"))
    got = report.reviewers.set_index("reviewer_id").loc[expected.index]
    np.testing.assert_allclose(got["mad"], expected["mad"], atol=1e-12)
    np.testing.assert_allclose(got["within_one"], expected["within"], atol=1e-12)
    assert (got["compared"] == expected["n"]).all()


def test_rating_distribution_counts_each_reviewer_and_everyone(report, rows):
    counts = pd.crosstab(rows["reviewer_id"], rows["rating"]).reindex(columns=range(1, 6), fill_value=0)
    got = report.distribution.pivot(index="reviewer_id", columns="rating", values="count")
    pd.testing.assert_frame_equal(got.drop(index=0), counts, check_names=False, check_dtype=False,
                                  check_index_type=False, check_column_type=False)
    assert got.loc[0].tolist() == counts.sum().tolist()
    shares = report.distribution.groupby("reviewer_id")["share"].sum()
    np.testing.assert_allclose(shares, 1.0)
    assert (report.distribution.loc[report.distribution["reviewer_id"] == 0, "reviewer"] == "All reviewers").all()


def test_ranking_compares_raw_consensus_with_fair_scores(report, rows, fit, weights):
    means = rows.groupby(["application_id", "dimension_id"])["rating"].mean().unstack().dropna()
    raw = sum(means[d] * w for d, w in weights.items())
    ranking = report.ranking.set_index("application_id")
    assert set(ranking.index) == set(raw.index)
    np.testing.assert_allclose(ranking["raw"], raw.loc[ranking.index], atol=1e-12)
    np.testing.assert_allclose(ranking["fair"], fit.applications.loc[ranking.index, "fair_weighted"], atol=1e-12)
    raw_rank = pd.Series(rankdata(-ranking["raw"]), index=ranking.index)
    fair_rank = pd.Series(rankdata(-ranking["fair"]), index=ranking.index)
    np.testing.assert_allclose(ranking["shift"], raw_rank - fair_rank)
    assert len(report.movers) == min(TOP_MOVERS, len(ranking))
    assert report.movers["shift"].abs().min() >= ranking["shift"].abs().nlargest(TOP_MOVERS).min()
    assert report.movers["candidate"].notna().all()
    assert report.ranking_summary["ranked"] == len(ranking)


# -- month by month ------------------------------------------------------------------------------


def test_monthly_figures_match_the_pure_functions(drift, rows, fit):
    periods = severity_by_period(rows, fit, time_column="month", freq="M", tol=rules.SEVERITY_TOL)
    enough = periods["n_ratings"] >= rules.MIN_MONTH_RATINGS.value
    month_mean = periods["period"].map(periods[enough].groupby("period")["severity"].mean())
    month_mean = month_mean.fillna(periods.groupby("period")["severity"].transform("mean"))
    expected = periods.assign(severity=periods["severity"] - month_mean)
    expected["month"] = expected["period"].dt.to_timestamp()
    got = drift.monthly.dropna(subset=["severity"]).set_index(["reviewer_id", "month"]).sort_index()
    expected = expected.set_index(["reviewer_id", "month"]).sort_index()
    np.testing.assert_allclose(got["severity"], expected.loc[got.index, "severity"], atol=1e-9)

    gap = (rows["rating"] - peers_mean(rows)).abs()
    compared = rows.assign(gap=gap).dropna(subset=["gap"])
    agreement = compared.groupby(["reviewer_id", "month"])["gap"].agg(["mean", "size"])
    agreement.index = agreement.index.set_levels(pd.to_datetime(agreement.index.levels[1]), level=1)
    mine = drift.monthly.dropna(subset=["mad"]).set_index(["reviewer_id", "month"]).sort_index()
    np.testing.assert_allclose(mine["mad"], agreement.loc[mine.index, "mean"], atol=1e-12)
    assert (mine["compared"] == agreement.loc[mine.index, "size"]).all()


def test_the_drift_watch_is_the_agencys_watch_of_the_live_ratings(db, lead, chosen, report, drift):
    live = rating_store.live_ratings(db, lead, chosen)
    fit = fit_severity(live, report.weights, tol=rules.SEVERITY_TOL)
    expected = drift_watch.watch(drift_watch.dimension_severity_by_month(live, fit, tol=rules.SEVERITY_TOL))

    got = drift.watch
    assert got[["reviewer_id", "dimension_id", "month"]].values.tolist() == \
        expected[["reviewer_id", "dimension_id", "month"]].values.tolist()
    for column in ("severity", "se", "statistic", "limit"):
        np.testing.assert_allclose(got[column], expected[column], atol=1e-9)
    assert got["crossed"].tolist() == expected["crossed"].tolist()
    assert got["reviewer"].notna().all() and set(got["dimension"]) <= set(report.dimensions["name"])

    invited = drift_watch.invitations(expected, pd.to_datetime(live["month"]).max())
    assert sorted(zip(drift.invitations["reviewer_id"], drift.invitations["dimension_id"])) == \
        sorted(zip(invited["reviewer_id"], invited["dimension_id"]))
    marked = set(drift.session.loc[drift.session["drift_watch"].astype(bool), "reviewer_id"])
    assert marked == set(invited["reviewer_id"])


def test_drift_flags_follow_the_declared_thresholds(drift):
    monthly = drift.monthly
    flagged = monthly[monthly["severity_flag"]]
    assert (flagged["drift"].abs() > DRIFT_THRESHOLD).all()
    assert (flagged["n_ratings"] >= rules.MIN_MONTH_RATINGS.value).all()
    agreement = monthly[monthly["agreement_flag"]]
    assert (agreement["agreement_drift"] > rules.AGREEMENT_DRIFT.value).all()
    assert (agreement["compared"] >= rules.MIN_MONTH_RATINGS.value).all()
    assert not monthly.loc[monthly["n_ratings"] < rules.MIN_MONTH_RATINGS.value, "severity_flag"].any()


def test_session_list_has_a_reason_for_everyone_it_names(report, drift):
    reviewers = report.reviewers.set_index("reviewer_id")
    margin = rules.SEVERITY_MARGIN.value
    median = reviewers["mad"].median()
    should = set(reviewers.index[(reviewers["flag"] != "") | (reviewers["ci_low"] > margin)
                                 | (reviewers["ci_high"] < -margin)
                                 | (reviewers["mad"] > median + rules.LOW_AGREEMENT_MARGIN.value)])
    listed = drift.session.set_index("reviewer_id")
    assert should <= set(listed.index)
    for reviewer_id, row in listed.iterrows():
        marks = ("fit", "harsh", "lenient", "severity_drift", "agreement_drift", "low_agreement")
        assert row["reasons"] and row["n_reasons"] == sum(bool(row[m]) for m in marks) >= 1
        facts = reviewers.loc[reviewer_id]
        assert row["harsh"] == (facts["ci_low"] > margin)
        assert row["lenient"] == (facts["ci_high"] < -margin)
        assert row["fit"] == (facts["flag"] != "")
        if row["severity_drift"]:
            months = drift.monthly[(drift.monthly["reviewer_id"] == reviewer_id) & drift.monthly["severity_flag"]]
            assert months["direction"].value_counts().max() >= rules.DRIFT_PERSISTENCE.value
    assert list(listed["n_reasons"]) == sorted(listed["n_reasons"], reverse=True)


# -- filters and permissions ---------------------------------------------------------------------


def test_dimension_subset_renormalises_weights(db, lead, chosen):
    subset = CalibrationFilter(stage_id=3, dimension_ids=(5, 3), first_month=chosen.first_month,
                               last_month=chosen.last_month)
    narrow = calibration_report(db, lead, subset)
    assert narrow.agreement["dimension_id"].tolist() == [3, 5]
    assert sum(narrow.weights.values()) == pytest.approx(1.0)
    assert set(narrow.weights) == {3, 5}


def test_an_empty_selection_gives_an_empty_report(db, lead):
    nothing = CalibrationFilter(stage_id=2, first_month=date(2001, 1, 1), last_month=date(2001, 2, 1))
    empty, months = calibration_report(db, lead, nothing), calibration_drift(db, lead, nothing)
    assert empty.n_ratings == 0
    assert empty.agreement.empty and empty.reviewers.empty
    assert months.monthly.empty and months.watch.empty and months.invitations.empty and months.session.empty
    assert "No live ratings" in empty.severity_note


@pytest.mark.parametrize("role", ["reviewer", "ops"])
@pytest.mark.parametrize("read", [calibration_report, calibration_drift])
def test_reports_are_refused_without_read_calibration(db, chosen, role, read):
    with pytest.raises(PermissionDenied):
        read(db, account(db, role), chosen)
    with pytest.raises(PermissionDenied):
        exercise_report(db, account(db, role), 1)


def test_default_filter_opens_on_the_last_months():
    opening = default_filter(date(2024, 1, 1), date(2026, 11, 1), stage_id=2)
    assert (opening.stage_id, opening.first_month, opening.last_month) == (2, date(2025, 12, 1), date(2026, 11, 1))
    assert default_filter(date(2026, 6, 1), date(2026, 11, 1)).first_month == date(2026, 6, 1)


# -- calibration exercise ------------------------------------------------------------------------


def score_exercise(db, set_id: int, seed: int = 5, skip: int = 1) -> None:
    """Every active reviewer but the last ``skip`` submits every item they have not scored yet."""
    rng = np.random.default_rng(seed)
    items = db.frame("SELECT application_id, stage_id FROM calibration_items WHERE set_id = ?", [set_id])
    people = db.frame("SELECT account_id FROM accounts WHERE role = 'reviewer' AND active ORDER BY account_id")
    reviewers = [account(db, "reviewer", i) for i in range(len(people))][: len(people) - skip]
    truth = {int(a): rng.integers(2, 5, 5) for a in items["application_id"]}
    for reviewer in reviewers:
        offset = rng.integers(-1, 2)
        for item in items.itertuples():
            done = db.scalar("SELECT count(*) FROM scorecards WHERE application_id = ? AND stage_id = ? "
                             "AND reviewer_id = ? AND status = 'submitted'",
                             [item.application_id, item.stage_id, reviewer.account_id])
            if done:
                continue
            values = np.clip(truth[int(item.application_id)] + offset + rng.integers(-1, 2, 5), 1, 5)
            card = {code: int(v) for code, v in zip(CODES, values)}
            scorecards.submit(db, reviewer, int(item.application_id), int(item.stage_id), card,
                              {code: "evidence seen in the repository" for code in CODES})


@pytest.fixture
def exercise(demo_db):
    admin = account(demo_db, "admin")
    pool = calibration_exercises.reference_applications(demo_db, admin, 3)
    ids = pool["application_id"].head(6).tolist()
    set_id = calibration_exercises.create_exercise(demo_db, admin, "Reference six", ids, 3, date(2026, 11, 20))
    score_exercise(demo_db, set_id)
    return demo_db, set_id


def test_exercise_agreement_uses_the_fully_crossed_design(exercise):
    db, set_id = exercise
    lead = account(db, "hiring_lead")
    result = exercise_report(db, lead, set_id)
    ratings = db.frame("""SELECT cs.* FROM current_scores AS cs JOIN calibration_items AS ci
                          ON ci.application_id = cs.application_id AND ci.stage_id = cs.stage_id
                          WHERE ci.set_id = ?""", [set_id])
    assert result.exercise["name"] == "Reference six" and int(result.exercise["items"]) == 6
    for dim in result.agreement.itertuples():
        table = ratings[ratings["dimension_id"] == dim.dimension_id].pivot_table(
            index="reviewer_id", columns="application_id", values="rating")
        matrix = table.to_numpy()
        assert dim.alpha == pytest.approx(krippendorff_alpha(matrix, "ordinal"), abs=1e-12)
        complete = matrix[~np.isnan(matrix).any(axis=1)]
        assert dim.complete_raters == len(complete) >= 2
        for form, column in (("ICC(2,1)", "icc2"), ("ICC(3,1)", "icc3")):
            expected = icc(complete, form)
            assert getattr(dim, column) == pytest.approx(expected.value, abs=1e-12)
            assert (getattr(dim, f"{column}_low"), getattr(dim, f"{column}_high")) == pytest.approx(
                (expected.ci_low, expected.ci_high), abs=1e-12)
        assert dim.within_one == pytest.approx(percent_agreement(matrix, 1))


def test_exercise_distance_is_from_the_leave_one_out_mean(exercise):
    db, set_id = exercise
    result = exercise_report(db, account(db, "hiring_lead"), set_id)
    ratings = db.frame("""SELECT cs.application_id, cs.reviewer_id, cs.dimension_id, cs.rating
                          FROM current_scores AS cs JOIN calibration_items AS ci
                          ON ci.application_id = cs.application_id AND ci.stage_id = cs.stage_id
                          WHERE ci.set_id = ?""", [set_id])
    gap = ratings["rating"] - peers_mean(ratings)
    frame = ratings.assign(gap=gap).dropna(subset=["gap"])
    per_dimension = frame.groupby(["reviewer_id", "dimension_id"])["gap"].agg(
        mad=lambda g: g.abs().mean(), bias="mean")
    got = result.distances[result.distances["dimension_id"] > 0].set_index(["reviewer_id", "dimension_id"])
    np.testing.assert_allclose(got["mad"], per_dimension.loc[got.index, "mad"], atol=1e-12)
    np.testing.assert_allclose(got["bias"], per_dimension.loc[got.index, "bias"], atol=1e-12)
    overall = result.distances[result.distances["dimension_id"] == 0].set_index("reviewer_id")
    np.testing.assert_allclose(overall["mad"], frame.groupby("reviewer_id")["gap"].apply(
        lambda g: g.abs().mean()).loc[overall.index], atol=1e-12)


def test_exercise_progress_counts_the_reviewer_who_has_not_started(exercise):
    db, set_id = exercise
    result = exercise_report(db, account(db, "hiring_lead"), set_id)
    behind = result.progress[result.progress["submitted"] < result.progress["assigned"]]
    assert len(behind) >= 1
    assert int(result.exercise["expected"]) == result.progress["assigned"].sum()


def test_a_new_exercise_has_no_results_and_says_what_is_awaited(demo_db):
    admin, lead = account(demo_db, "admin"), account(demo_db, "hiring_lead")
    ids = calibration_exercises.reference_applications(demo_db, admin, 3)["application_id"].head(4).tolist()
    set_id = calibration_exercises.create_exercise(demo_db, admin, "Fresh", ids, 3, date(2026, 11, 20))
    result = exercise_report(demo_db, lead, set_id)
    info = result.exercise
    # the live scorecards of the references were there before: they are no result of the exercise
    earlier = demo_db.scalar("SELECT count(*) FROM scorecards WHERE stage_id = 3 AND status = 'submitted' "
                             "AND application_id IN (SELECT unnest(?::INTEGER[]))", [ids])
    assert earlier >= 2 * len(ids)
    assert (int(info["scored_since"]), int(info["scored_before"])) == (0, earlier)
    assert int(info["awaited"]) == int(info["expected"]) - earlier == int(result.progress["awaited"].sum())
    assert not result.has_results and reviewers_done(result.progress) == 0
    assert pd.Timestamp(info["due_on"]).date() == date(2026, 12, 4)
    first = result.progress.iloc[0]
    assert awaited_text(result.progress).startswith(f"{first['reviewer']} ({int(first['awaited'])})")

    # one reviewer scoring one reference is still no agreement; a second on the same reference is
    people = demo_db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer' AND active")
    newcomers = [a for a in (account(demo_db, "reviewer", i) for i in range(people)) if not demo_db.scalar(
        "SELECT count(*) FROM scorecards WHERE application_id = ? AND stage_id = 3 AND reviewer_id = ?",
        [ids[0], a.account_id])][:2]
    card = {"infrastructure": 3, "deployment": 4, "monitoring": 2, "automation": 3, "governance": 4}
    scorecards.submit(demo_db, newcomers[0], ids[0], 3, card, {})
    once = exercise_report(demo_db, lead, set_id)
    assert not once.has_results and int(once.exercise["scored_since"]) == 1
    assert int(once.exercise["awaited"]) == int(info["awaited"]) - 1
    scorecards.submit(demo_db, newcomers[1], ids[0], 3, card, {})
    assert exercise_report(demo_db, lead, set_id).has_results


def test_exercise_references_link_to_the_candidate_profile(exercise):
    db, set_id = exercise
    items = exercise_report(db, account(db, "hiring_lead"), set_id).items
    assert (items["candidate_link"] == "/candidate?q=" + items["candidate_ref"]).all()


def test_unknown_exercise_is_refused(db, lead):
    with pytest.raises(ValueError, match="no calibration exercise"):
        exercise_report(db, lead, 12345)


# -- the rules on their own ----------------------------------------------------------------------


def test_every_threshold_is_documented():
    table = rules.threshold_table()
    assert table["source"].str.strip().astype(bool).all()
    assert table["meaning"].str.strip().astype(bool).all()
    names = [t.name for t in CALIBRATION_THRESHOLDS]
    assert len(names) == len(set(names))
    assert set(names) <= set(table["threshold"])


def test_slot_matrix_gives_the_same_alpha_as_the_reviewer_matrix():
    rng = np.random.default_rng(3)
    reviewers = np.array([rng.choice(12, size=rng.integers(1, 4), replace=False) for _ in range(300)], dtype=object)
    units = np.concatenate([[u] * len(r) for u, r in enumerate(reviewers)])
    who = np.concatenate(reviewers)
    ratings = rng.integers(1, 6, units.size).astype(float)
    full = np.full((12, 300), np.nan)
    full[who, units] = ratings
    compact = rules.slot_matrix(units, ratings)
    assert compact.shape == (3, 300)
    assert krippendorff_alpha(compact) == pytest.approx(krippendorff_alpha(full), abs=1e-12)
    assert percent_agreement(compact, 1) == pytest.approx(percent_agreement(full, 1))


def test_leave_one_out_deviation_matches_loops():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"application_id": rng.integers(0, 40, 200), "dimension_id": 1,
                          "rating": rng.integers(1, 6, 200)})
    got = rules.leave_one_out_deviation(frame["application_id"], frame["rating"])
    np.testing.assert_allclose(got, frame["rating"] - peers_mean(frame), atol=1e-12)


def test_pair_kappas_respect_the_shared_minimum():
    counts = pd.DataFrame({"reviewer_a": [1, 1, 2], "reviewer_b": [2, 2, 3], "rating_a": [2, 4, 3],
                           "rating_b": [3, 4, 3], "pairs": [20, 15, 29]})
    got = rules.pair_kappas(counts, min_shared=30).set_index(["reviewer_a", "reviewer_b"])
    assert got.loc[(1, 2), "shared"] == 35 and np.isfinite(got.loc[(1, 2), "kappa"])
    assert got.loc[(2, 3), "shared"] == 29 and np.isnan(got.loc[(2, 3), "kappa"])


def test_centre_by_period_leaves_drift_within_a_reviewer_unchanged():
    frame = pd.DataFrame({"reviewer_id": [1, 2, 3] * 2, "period": [1, 1, 1, 2, 2, 2],
                          "severity": [0.3, -0.1, 0.1, 0.9, 0.5, 0.7], "ci_low": 0.0, "ci_high": 0.0,
                          "n_ratings": 40})
    centred = rules.centre_by_period(frame)
    np.testing.assert_allclose(centred.groupby("period")["severity"].mean(), 0.0, atol=1e-12)
    assert centred["period_mean"].tolist() == pytest.approx([0.1, 0.1, 0.1, 0.7, 0.7, 0.7])


def test_pick_reference_is_reproducible_and_distinct():
    first = rules.pick_reference(range(1, 500), 10, seed=9)
    assert first == rules.pick_reference(range(1, 500), 10, seed=9)
    assert len(set(first)) == 10 and first != rules.pick_reference(range(1, 500), 10, seed=10)
