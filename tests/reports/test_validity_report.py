"""Specification of the scorecard-validity report on the demo agency.

Every figure of :func:`validity_report` is recomputed here from the demo's rows, read with plain SQL
and laid out with pandas and the pure functions (scorecard weights, outcome labels, AUCs, the
severity fit), and must match. Adoption of suggested weights is checked on private copies.
"""

from __future__ import annotations

import pickle
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from scoring.agency import validity
from scoring.agency.access import PermissionDenied
from scoring.agency.retention import placement_outcomes
from scoring.agency.scorecard import scores_under_versions, version_in_force
from scoring.domain.dimensions import DIMENSION_NAMES
from scoring.reports.validity import (
    EVIDENCE_COLUMNS,
    PREDICTORS,
    SCORE_PREDICTORS,
    adopt_suggested_weights,
    evidence_csv,
    validity_report,
)
from scoring.stats import discrimination
from scoring.stats.severity import fit_severity
from scoring.store import Database
from scoring.store import ratings as rating_store
from scoring.store import weights as weight_store
from scoring.store.db import DatabaseError
from scoring.store.searches import SearchFilter
from tests.conftest import DEMO_AS_OF, account

CODES = list(DIMENSION_NAMES)


@pytest.fixture(scope="module")
def db(module_demo_db):
    return module_demo_db


@pytest.fixture(scope="module")
def lead(db):
    return account(db, "hiring_lead")


@pytest.fixture(scope="module")
def report(db, lead):
    return validity_report(db, lead, SearchFilter(), DEMO_AS_OF)


@pytest.fixture(scope="module")
def ratings(db) -> pd.DataFrame:
    """Every submitted take-home rating, straight from the view."""
    return db.frame("""SELECT cs.application_id, cs.stage_id, cs.reviewer_id, cs.dimension_id, d.code AS dimension,
                              cs.rating
                       FROM current_scores AS cs JOIN dimensions AS d USING (dimension_id)
                       WHERE cs.stage_id = 3""")


@pytest.fixture(scope="module")
def versions(db) -> pd.DataFrame:
    return db.frame("""SELECT v.version_id, v.effective_from, d.code AS dimension, w.weight_pct::DOUBLE AS weight_pct
                       FROM weight_versions AS v JOIN dimension_weights AS w USING (version_id)
                       JOIN dimensions AS d USING (dimension_id)""")


@pytest.fixture(scope="module")
def evidence(report) -> pd.DataFrame:
    return report.evidence.set_index("application_id")


@pytest.fixture(scope="module")
def complete(report) -> pd.DataFrame:
    return report.evidence[report.evidence["dimensions_rated"] == len(CODES)]


def good_of(frame: pd.DataFrame, key: str) -> pd.Series:
    return validity.good_outcome(frame, validity.OUTCOME_BY_KEY[key])


# -- who is covered ------------------------------------------------------------------------------


def test_every_application_scored_at_the_take_home_is_one_row(report, ratings):
    assert report.stage_id == 3
    assert sorted(report.evidence["application_id"]) == sorted(ratings["application_id"].unique())
    assert report.evidence["application_id"].is_unique
    assert list(report.evidence.columns) == EVIDENCE_COLUMNS


def test_coverage_adds_up_and_exclusions_are_explained(report, complete):
    for row in report.coverage.itertuples():
        assert row.scored == len(report.evidence) and row.complete == len(complete)
        assert row.with_outcome == row.good + row.bad
        assert row.with_outcome + row.excluded == row.complete
        assert report.exclusions.loc[report.exclusions["outcome"] == row.outcome, "applications"].sum() == row.excluded
        assert 0 < row.share_with_outcome < 0.5                 # outcomes exist for a minority only


def test_range_restriction_is_measured_on_the_in_force_score(report, complete):
    for outcome in validity.OUTCOMES:
        known = complete[outcome.key].notna().to_numpy()
        expected = discrimination.range_restriction(complete["score_in_force"].to_numpy(float), known)
        got = report.restriction.set_index("outcome").loc[outcome.key]
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, nan_ok=True)
        assert got["ratio"] < 0.75                              # the shortlisted are a narrow slice


# -- scores ----------------------------------------------------------------------------------------


def test_scores_match_the_scorecard_module(db, evidence, ratings, versions):
    dates = db.frame("SELECT application_id, stage_id, entered_on FROM stage_decisions WHERE stage_id = 3")
    in_force = scores_under_versions(ratings, dates, versions).set_index("application_id")
    newest = int(versions.sort_values("effective_from")["version_id"].iloc[-1])
    under_newest = scores_under_versions(ratings, dates, versions, newest).set_index("application_id")
    assert evidence["score_in_force"].to_numpy() == pytest.approx(
        in_force.loc[evidence.index, "score"].to_numpy(), abs=1e-8)
    assert (evidence["version_in_force"] == in_force.loc[evidence.index, "version_id"]).all()
    assert evidence["score_newest"].to_numpy() == pytest.approx(
        under_newest.loc[evidence.index, "score"].to_numpy(), abs=1e-8)
    for code in CODES:
        assert evidence[code].to_numpy() == pytest.approx(in_force.loc[evidence.index, code].to_numpy())
    assert (evidence["reviewers"] == in_force.loc[evidence.index, "reviewers"]).all()


def test_fair_score_is_the_severity_fit_under_the_newest_weights(evidence, ratings, versions):
    newest = versions[versions["version_id"] == versions.sort_values("effective_from")["version_id"].iloc[-1]]
    ids = dict(zip(CODES, range(1, 6)))
    fit = fit_severity(ratings, {ids[c]: p / 100 for c, p in zip(newest["dimension"], newest["weight_pct"])})
    assert evidence["fair_score"].to_numpy() == pytest.approx(
        fit.applications.loc[evidence.index, "fair_weighted"].to_numpy(), abs=1e-9)


# -- outcomes --------------------------------------------------------------------------------------


def test_acceptance_matches_plain_sql(db, report, complete):
    counts = db.frame("""SELECT decision, count(*) AS n FROM stage_decisions
                         WHERE stage_id = 4 AND application_id IN (SELECT unnest(?::INTEGER[]))
                         GROUP BY decision""", [complete["application_id"].tolist()])
    by = dict(zip(counts["decision"].fillna("open"), counts["n"]))
    row = report.coverage.set_index("outcome").loc["accepted"]
    assert (row["good"], row["bad"]) == (by["pass"], by["fail"])


def test_retention_and_replacement_match_the_placements(db, report, complete):
    placed = db.frame("""SELECT placement_id, application_id, first_day, ended_on, end_reason FROM placements
                         WHERE application_id IN (SELECT unnest(?::INTEGER[]))""",
                      [complete["application_id"].tolist()])
    judged = placement_outcomes(placed, DEMO_AS_OF)
    row = report.coverage.set_index("outcome").loc["retained"]
    assert (row["good"], row["bad"]) == ((judged["outcome"] == "retained").sum(), (judged["outcome"] == "lost").sum())
    old_enough = placed[pd.to_datetime(placed["first_day"])
                        <= pd.Timestamp(DEMO_AS_OF) - pd.Timedelta(days=validity.REPLACEMENT_FOLLOW_UP_DAYS)]
    replaced = (old_enough["end_reason"] == "not_a_fit").sum()
    row = report.coverage.set_index("outcome").loc["replaced"]
    assert (row["bad"], row["good"]) == (replaced, len(old_enough) - replaced)


# -- discrimination --------------------------------------------------------------------------------


def test_every_auc_is_the_pure_function_on_the_evidence(report, complete):
    for row in report.predictors.itertuples():
        good = good_of(complete, row.outcome)
        expected = validity.discrimination(complete[row.predictor].to_numpy(float), good.to_numpy(float))
        assert (row.n, row.n_good, row.n_bad, row.reason) == (expected.n, expected.n_good, expected.n_bad,
                                                              expected.reason)
        assert row.auc == pytest.approx(expected.auc, nan_ok=True)
        assert (row.ci_low, row.ci_high) == pytest.approx((expected.ci_low, expected.ci_high), nan_ok=True)
        assert row.label == PREDICTORS[row.predictor]
        if not row.reason:
            known = good.notna()
            assert row.auc == pytest.approx(roc_auc_score(good[known], complete.loc[known, row.predictor]))


def test_the_demo_relation_between_skill_and_acceptance_is_found(report):
    """The demo makes a client choose ∝ exp(1.6 skill), and ratings rise with skill: the take-home
    score must separate accepted from rejected candidates, even within the shortlist."""
    for predictor in ("score_in_force", "fair_score"):
        row = report.headline("accepted", predictor)
        assert row["reason"] == ""
        assert row["ci_low"] > 0.5


def test_figures_under_the_floor_are_nan_with_a_reason(report):
    hidden = report.predictors[report.predictors["reason"] != ""]
    assert len(hidden) > 0                                       # the small demo has few lost placements
    assert hidden["auc"].isna().all() and hidden["ci_low"].isna().all()
    assert hidden["reason"].str.startswith("only ").all()


def test_bands_are_band_rates_of_the_event(report, complete):
    for (outcome, predictor), table in report.bands.groupby(["outcome", "predictor"]):
        expected = validity.band_rates(complete[predictor].to_numpy(float), complete[outcome].to_numpy(float))
        pd.testing.assert_frame_equal(table.drop(columns=["outcome", "predictor"]).reset_index(drop=True), expected)
    assert set(report.bands["predictor"]) == set(SCORE_PREDICTORS)


def test_roc_curves_are_drawn_only_for_figures_that_are_shown(report):
    shown = report.predictors[(report.predictors["reason"] == "")
                              & report.predictors["predictor"].isin(SCORE_PREDICTORS)]
    assert set(map(tuple, report.roc[["outcome", "predictor"]].drop_duplicates().to_numpy())) == set(
        map(tuple, shown[["outcome", "predictor"]].to_numpy()))
    for (outcome, predictor), curve in report.roc.groupby(["outcome", "predictor"]):
        assert np.trapezoid(curve["tpr"], curve["fpr"]) == pytest.approx(
            report.headline(outcome, predictor)["auc"])


# -- reviewers -------------------------------------------------------------------------------------


def test_reviewer_aucs_from_their_own_ratings(db, report, ratings, versions, complete):
    shortlisted = db.frame("SELECT application_id FROM stage_decisions WHERE stage_id = 4")["application_id"]
    dates = db.frame("SELECT application_id, entered_on FROM stage_decisions WHERE stage_id = 3")
    table = versions.pivot_table(index=["version_id", "effective_from"], columns="dimension",
                                 values="weight_pct").reset_index().sort_values("effective_from")
    dates["version_id"] = table["version_id"].to_numpy()[version_in_force(table["effective_from"], dates["entered_on"])]
    own = ratings[ratings["application_id"].isin(shortlisted)].pivot_table(
        index=["application_id", "reviewer_id"], columns="dimension", values="rating").reset_index()
    own = own.merge(dates, on="application_id").merge(table.drop(columns="effective_from"), on="version_id",
                                                      suffixes=("", "_w"))
    own["own_score"] = sum(own[c] * own[f"{c}_w"] for c in CODES) / 100
    for outcome in validity.OUTCOMES:
        labelled = own.merge(complete[["application_id"]].assign(good=good_of(complete, outcome.key).to_numpy()),
                             on="application_id")
        got = report.reviewers[report.reviewers["outcome"] == outcome.key].set_index("reviewer_id")
        for reviewer, rows in labelled.groupby("reviewer_id"):
            rows = rows.dropna(subset=["good"])
            assert got.loc[reviewer, "n"] == len(rows)
            if got.loc[reviewer, "reason"] == "":
                assert got.loc[reviewer, "auc"] == pytest.approx(roc_auc_score(rows["good"], rows["own_score"]))
            else:
                assert np.isnan(got.loc[reviewer, "auc"])


def test_reviewer_severity_and_agreement(report, ratings, evidence):
    table = report.reviewers[report.reviewers["outcome"] == "accepted"].set_index("reviewer_id")
    units = ratings.groupby(["application_id", "dimension_id"])["rating"]
    total, count = units.transform("sum"), units.transform("count")
    paired = ratings.assign(others=(total - ratings["rating"]) / (count - 1))[count > 1]
    distance = (paired["rating"] - paired["others"]).abs().groupby(paired["reviewer_id"]).mean()
    leniency = (paired["rating"] - paired["others"]).groupby(paired["reviewer_id"]).mean()
    assert table.loc[distance.index, "mad"].to_numpy() == pytest.approx(distance.to_numpy())
    assert table.loc[leniency.index, "bias"].to_numpy() == pytest.approx(leniency.to_numpy())
    assert table["severity"].notna().all() and table["infit_mnsq"].between(0.2, 3).all()
    assert abs(table["severity"].mean()) < 0.2                    # centred on the average reviewer
    assert set(table["fit_flag"]) <= {"", "erratic", "too predictable"}


# -- weights ---------------------------------------------------------------------------------------


def test_suggestions_are_suggest_weights_on_the_evidence(report, complete, versions):
    newest = versions[versions["version_id"] == report.newest_version]
    current = dict(zip(newest["dimension"], newest["weight_pct"]))
    assert report.current_pct == current
    for outcome in validity.OUTCOMES:
        expected = validity.suggest_weights(complete[CODES], good_of(complete, outcome.key).to_numpy(float), current,
                                            outcome=outcome.key)
        got = report.suggestion(outcome.key)
        assert got.reason == expected.reason and got.suggested_pct == expected.suggested_pct
        assert got.is_improvement == expected.is_improvement == (got.ci_low > 0)
        if not got.reason:
            assert sum(got.suggested_pct.values()) == 100


def test_the_demo_weights_are_not_called_improvable(report):
    """Every demo dimension measures the same skill, so no weighting is detectably better."""
    assert not any(s.is_improvement for s in report.suggestions.values())


# -- filters, permissions, export ------------------------------------------------------------------


def test_filters_narrow_every_figure(db, lead):
    narrowed = validity_report(db, lead, SearchFilter(seniorities=("senior",)), DEMO_AS_OF)
    expected = db.scalar("""SELECT count(DISTINCT cs.application_id) FROM current_scores AS cs
                            JOIN applications USING (application_id) JOIN searches AS s USING (search_id)
                            WHERE cs.stage_id = 3 AND s.seniority = 'senior'""")
    assert len(narrowed.evidence) == expected > 0
    assert set(narrowed.evidence["seniority"]) == {"senior"}
    assert narrowed.coverage["scored"].iloc[0] == expected


@pytest.mark.parametrize("role", ["reviewer", "ops"])
def test_only_hiring_leads_and_admins_may_read(db, role):
    with pytest.raises(PermissionDenied):
        validity_report(db, account(db, role), SearchFilter(), DEMO_AS_OF)


def test_report_survives_the_page_cache(report):
    again = pickle.loads(pickle.dumps(report))
    pd.testing.assert_frame_equal(again.predictors, report.predictors)


def test_evidence_csv_is_the_evidence_without_personal_data(report):
    text = evidence_csv(report).decode("utf-8")
    back = pd.read_csv(pd.io.common.StringIO(text))
    assert list(back.columns) == EVIDENCE_COLUMNS and len(back) == len(report.evidence)
    assert not {"full_name", "email", "candidate"} & set(back.columns)
    assert back["score_in_force"].to_numpy() == pytest.approx(report.evidence["score_in_force"].to_numpy())


# -- dimensions not assessed -----------------------------------------------------------------------

def skip_at_take_home(db: Database, application_id: int, dimension_id: int, reviewers: int | None = None) -> list:
    """Mark ``dimension_id`` not assessed in the application's take-home scorecards (the first
    ``reviewers`` of them, or all); returns the reviewer ids changed."""
    cards = db.frame("SELECT scorecard_id, reviewer_id FROM scorecards WHERE application_id = ? AND stage_id = 3 "
                     "AND status = 'submitted' ORDER BY reviewer_id", [application_id]).head(reviewers)
    db.write(lambda cur: cur.execute(
        "UPDATE scores SET rating = NULL, note = '', not_assessed_reason = 'no evidence at this stage' "
        "WHERE dimension_id = ? AND scorecard_id IN (SELECT unnest(?::INTEGER[]))",
        [dimension_id, cards["scorecard_id"].tolist()]))
    return cards["reviewer_id"].tolist()


def test_not_assessed_dimensions_are_missing_ratings_and_an_incomplete_application_has_no_score(demo_db):
    lead = account(demo_db, "hiring_lead")
    shortlisted = demo_db.frame("""SELECT application_id FROM stage_decisions WHERE stage_id = 4 AND application_id IN
                                   (SELECT application_id FROM current_scores WHERE stage_id = 3
                                    GROUP BY 1 HAVING count(DISTINCT reviewer_id) >= 2)
                                   ORDER BY application_id LIMIT 2""")["application_id"].tolist()
    nobody, gap = shortlisted
    skipped_by = skip_at_take_home(demo_db, nobody, 5)             # no reviewer rated Governance
    skip_at_take_home(demo_db, gap, 5, reviewers=1)                 # one reviewer's gap only

    report = validity_report(demo_db, lead, SearchFilter(), DEMO_AS_OF)

    rows = report.evidence.set_index("application_id")
    assert rows.loc[nobody, "dimensions_rated"] == 4 and np.isnan(rows.loc[nobody, "governance"])
    for column in ("score_in_force", "score_newest", "fair_score"):
        assert np.isnan(rows.loc[nobody, column]), column           # no total, never a zero
    assert rows.loc[nobody, "score_band"] == "incomplete"
    others = demo_db.frame("SELECT rating FROM current_scores WHERE application_id = ? AND stage_id = 3 "
                           "AND dimension_id = 5", [gap])["rating"]
    assert rows.loc[gap, "dimensions_rated"] == 5 and rows.loc[gap, "governance"] == pytest.approx(others.mean())
    assert not np.isnan(rows.loc[gap, "score_in_force"])
    for row in report.coverage.itertuples():
        assert row.complete == row.scored - 1                        # the incomplete one is left out
    own = rating_store.reviewer_scores(demo_db, lead, SearchFilter(), 3)
    mine = own[(own["application_id"] == nobody) & own["reviewer_id"].isin(skipped_by)]
    assert len(mine) == len(skipped_by) and mine["own_score"].isna().all() and (mine["dimensions_rated"] == 4).all()
    fed = rating_store.stage_ratings(demo_db, lead, SearchFilter(), 3)
    assert not ((fed["application_id"] == nobody) & (fed["dimension_id"] == 5)).any()   # severity never sees it


# -- adopting suggested weights --------------------------------------------------------------------


def plant_acceptance_by_infrastructure(db: Database) -> None:
    """Make the client accept exactly the better half on Infrastructure among decided shortlists."""
    infra = db.frame("""SELECT cs.application_id, avg(cs.rating) AS infra FROM current_scores AS cs
                        JOIN stage_decisions AS d ON d.application_id = cs.application_id AND d.stage_id = 4
                        WHERE cs.stage_id = 3 AND cs.dimension_id = 1 AND d.decision IS NOT NULL
                        GROUP BY cs.application_id""")
    top = infra.sort_values(["infra", "application_id"]).tail(len(infra) // 2)["application_id"].tolist()
    db.write(lambda cur: cur.execute(
        """UPDATE stage_decisions SET decision = CASE WHEN application_id IN (SELECT unnest(?::INTEGER[]))
                                                      THEN 'pass' ELSE 'fail' END
           WHERE stage_id = 4 AND decision IS NOT NULL""", [top]))


def governance_only(db: Database) -> None:
    weight_store.add_version(db, account(db, "admin"), {c: (100 if c == "governance" else 0) for c in CODES},
                        DEMO_AS_OF + timedelta(days=1), "governance only", DEMO_AS_OF)


def version_count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM weight_versions"))


def test_a_suggestion_that_does_not_improve_is_refused(demo_db):
    admin = account(demo_db, "admin")
    before, audit = version_count(demo_db), demo_db.data_version()
    with pytest.raises(DatabaseError, match="not an improvement|no suggested weights"):
        adopt_suggested_weights(demo_db, admin, SearchFilter(), DEMO_AS_OF, "accepted",
                                DEMO_AS_OF + timedelta(days=1), DEMO_AS_OF)
    assert version_count(demo_db) == before and demo_db.data_version() == audit


def test_only_admins_adopt(demo_db):
    with pytest.raises(PermissionDenied):
        adopt_suggested_weights(demo_db, account(demo_db, "hiring_lead"), SearchFilter(), DEMO_AS_OF, "accepted",
                                DEMO_AS_OF + timedelta(days=1), DEMO_AS_OF)


def test_a_real_improvement_is_adopted_as_an_audited_new_version(demo_db):
    plant_acceptance_by_infrastructure(demo_db)
    governance_only(demo_db)
    admin = account(demo_db, "admin")
    planted = validity_report(demo_db, admin, SearchFilter(), DEMO_AS_OF).suggestion("accepted")
    assert planted.is_improvement and planted.ci_low > 0.1
    assert planted.suggested_pct["infrastructure"] == max(planted.suggested_pct.values())
    before = version_count(demo_db)
    version = adopt_suggested_weights(demo_db, admin, SearchFilter(), DEMO_AS_OF, "accepted",
                                      DEMO_AS_OF + timedelta(days=2), DEMO_AS_OF)
    assert version_count(demo_db) == before + 1
    stored = demo_db.frame("""SELECT d.code, w.weight_pct::DOUBLE AS pct FROM dimension_weights AS w
                              JOIN dimensions AS d USING (dimension_id) WHERE version_id = ?""", [version])
    assert dict(zip(stored["code"], stored["pct"])) == planted.suggested_pct
    note = demo_db.scalar("SELECT note FROM weight_versions WHERE version_id = ?", [version])
    assert note.startswith("Fitted to client acceptance") and f"{planted.difference:+.3f}" in note
    logged = demo_db.frame("SELECT actor_id, action, entity, entity_key FROM audit_log ORDER BY audit_id DESC LIMIT 1")
    assert logged.iloc[0].tolist() == [admin.account_id, "create", "weight_version", str(version)]
