"""Score entry as a reviewer uses it: submit, refuse bad input, drafts, amendments, queue, tooling audit."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pandas as pd
import pytest

from scoring.store import DatabaseError, scorecards, tooling_audit
from tests.store.conftest import PauseBefore

RATINGS = {"infrastructure": 4, "deployment": 3, "monitoring": 5, "automation": 2, "governance": 1}
NOTES = {"monitoring": "Named the drift metric, its threshold and the alert that fired",
         "governance": "Could not say which data or code produced the served model"}
WRITTEN_BY_SUBMIT = {"scorecards", "scores", "audit_log"}


def stored_ratings(db, scorecard_id: int) -> dict[str, int]:
    rows = db.frame("SELECT dm.code, s.rating FROM scores AS s JOIN dimensions AS dm USING (dimension_id) "
                    "WHERE s.scorecard_id = ?", [scorecard_id])
    return {code: int(rating) for code, rating in zip(rows["code"], rows["rating"])}


# -- submission ---------------------------------------------------------------------------------

def test_submit_stores_five_ratings_and_one_audit_entry(agency, diff):
    work = agency.first_open()
    before = agency.fingerprint()

    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)

    cards = agency.scorecards_of(work)
    assert len(cards) == 1
    card = cards.iloc[0]
    assert (int(card["scorecard_id"]), card["status"], int(card["revision"])) == (scorecard_id, "submitted", 1)
    assert pd.notna(card["submitted_at"]) and card["submitted_at"] >= card["created_at"]
    assert stored_ratings(agency.db, scorecard_id) == RATINGS
    notes = agency.db.frame("SELECT dm.code, s.note FROM scores AS s JOIN dimensions AS dm USING (dimension_id) "
                            "WHERE s.scorecard_id = ?", [scorecard_id])
    assert dict(zip(notes["code"], notes["note"])) == {**{code: "" for code in RATINGS}, **NOTES}

    entries = agency.audit_entries("submit", scorecard_id)
    assert len(entries) == 1
    entry = entries.iloc[0]
    assert int(entry["actor_id"]) == work.reviewer.account_id
    assert entry["entity"] == "scorecard"
    assert pd.isna(entry["before"])
    after = json.loads(entry["after"])
    assert after["application_id"] == work.application_id and after["stage_id"] == work.stage_id
    assert after["ratings"] == RATINGS
    assert after["notes"] == {**{code: "" for code in RATINGS}, **NOTES}

    now = agency.fingerprint()
    assert diff(before, now) == WRITTEN_BY_SUBMIT
    assert now["scorecards"][0] == before["scorecards"][0] + 1
    assert now["scores"][0] == before["scores"][0] + 5
    assert now["audit_log"][0] == before["audit_log"][0] + 1


def test_a_submitted_scorecard_is_what_current_scores_reads(agency):
    work = agency.first_open()
    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)
    current = agency.db.frame("SELECT dm.code, cs.rating FROM current_scores AS cs JOIN dimensions AS dm "
                              "USING (dimension_id) WHERE cs.scorecard_id = ?", [scorecard_id])
    assert dict(zip(current["code"], current["rating"].astype(int))) == RATINGS


INVALID = [
    pytest.param({k: v for k, v in RATINGS.items() if k != "automation"}, NOTES, "Automation: no rating given",
                 id="missing dimension"),
    pytest.param({**RATINGS, "automation": None}, NOTES, "Automation: no rating given", id="dimension left blank"),
    pytest.param({**RATINGS, "deployment": 0}, NOTES, "rating 0 is outside 1-5", id="rating 0"),
    pytest.param({**RATINGS, "deployment": 6}, NOTES, "rating 6 is outside 1-5", id="rating 6"),
    pytest.param({**RATINGS, "deployment": 3.5}, NOTES, "rating 3.5 is not a whole number", id="rating 3.5"),
    pytest.param({**RATINGS, "deployment": "4"}, NOTES, "rating '4' is not a whole number", id="rating '4'"),
    pytest.param({**RATINGS, "deployment": True}, NOTES, "Model Deployment", id="rating True"),
    pytest.param(RATINGS, {"monitoring": NOTES["monitoring"]}, "Governance: a rating of 1 needs a note",
                 id="1 without a note"),
    pytest.param(RATINGS, {"governance": NOTES["governance"]}, "Monitoring: a rating of 5 needs a note",
                 id="5 without a note"),
    pytest.param(RATINGS, {**NOTES, "monitoring": " \t\n"}, "Monitoring: a rating of 5 needs a note",
                 id="5 with a blank note"),
    pytest.param({**RATINGS, "latency": 3}, NOTES, "unknown dimension 'latency'", id="unknown dimension"),
]


@pytest.mark.parametrize(("ratings", "notes", "problem"), INVALID)
def test_invalid_scorecards_are_refused_with_the_problem_named_and_nothing_written(agency, ratings, notes, problem):
    work = agency.first_open()
    before = agency.fingerprint()

    with pytest.raises(DatabaseError, match=problem.replace("(", r"\(").replace(".", r"\.")):
        scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, ratings, notes)

    assert agency.fingerprint() == before
    assert agency.scorecards_of(work).empty


def test_a_scorecard_is_submitted_only_once(agency):
    work = agency.first_open()
    first = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)
    before = agency.fingerprint()

    with pytest.raises(DatabaseError, match="already submitted; change it with an amendment"):
        scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id,
                          {**RATINGS, "deployment": 4}, NOTES)

    assert agency.fingerprint() == before
    assert stored_ratings(agency.db, first) == RATINGS


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_an_amendment_without_a_reason_is_refused(agency, reason):
    work = agency.first_open()
    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)
    before = agency.fingerprint()

    with pytest.raises(DatabaseError, match="an amendment needs a reason"):
        scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id,
                         {**RATINGS, "deployment": 4}, NOTES, reason)

    assert agency.fingerprint() == before
    assert stored_ratings(agency.db, scorecard_id) == RATINGS


def test_only_a_submitted_scorecard_can_be_amended(agency):
    work = agency.first_open()
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="submit it first"):
        scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES,
                         "second thoughts")
    assert agency.fingerprint() == before


# -- dimensions not assessed -------------------------------------------------------------------

SKIPPED = {"governance": "The take-home had no registry or data-versioning part to judge"}
WITHOUT_GOVERNANCE = {code: rating for code, rating in RATINGS.items() if code != "governance"}


def stored_rows(db, scorecard_id: int) -> dict[str, tuple]:
    rows = db.frame("SELECT dm.code, s.rating, s.not_assessed_reason FROM scores AS s JOIN dimensions AS dm "
                    "USING (dimension_id) WHERE s.scorecard_id = ?", [scorecard_id])
    return {code: (None if pd.isna(r) else int(r), None if pd.isna(why) else why)
            for code, r, why in zip(rows["code"], rows["rating"], rows["not_assessed_reason"])}


def test_a_dimension_marked_not_assessed_is_stored_with_its_reason_and_no_rating(agency):
    work = agency.first_open()

    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id,
                                     WITHOUT_GOVERNANCE, NOTES, SKIPPED)

    rows = stored_rows(agency.db, scorecard_id)
    assert rows == {**{code: (rating, None) for code, rating in WITHOUT_GOVERNANCE.items()},
                    "governance": (None, SKIPPED["governance"])}
    after = json.loads(agency.audit_entries("submit", scorecard_id).iloc[0]["after"])
    assert after["ratings"] == WITHOUT_GOVERNANCE and after["not_assessed"] == SKIPPED


def test_current_scores_leave_a_not_assessed_dimension_out(agency):
    work = agency.first_open()
    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id,
                                     WITHOUT_GOVERNANCE, NOTES, SKIPPED)
    current = agency.db.frame("SELECT dm.code, cs.rating FROM current_scores AS cs JOIN dimensions AS dm "
                              "USING (dimension_id) WHERE cs.scorecard_id = ?", [scorecard_id])
    assert dict(zip(current["code"], current["rating"].astype(int))) == WITHOUT_GOVERNANCE


@pytest.mark.parametrize(("ratings", "skipped", "problem"), [
    pytest.param({c: r for c, r in WITHOUT_GOVERNANCE.items() if c != "automation"}, SKIPPED,
                 "Automation: no rating given", id="an untouched dimension beside a not-assessed one"),
    pytest.param(WITHOUT_GOVERNANCE, {"governance": ""}, "Governance: marked not assessed without a reason",
                 id="no reason"),
    pytest.param(WITHOUT_GOVERNANCE, {"governance": " \t\n"}, "Governance: marked not assessed without a reason",
                 id="a blank reason"),
    pytest.param(RATINGS, SKIPPED, "Governance: marked not assessed but also rated 1", id="rated and not assessed"),
    pytest.param({}, {code: "no evidence at all" for code in RATINGS}, "at least one rated dimension",
                 id="nothing rated"),
    pytest.param(WITHOUT_GOVERNANCE, {**SKIPPED, "latency": "n/a"}, "unknown dimension 'latency'",
                 id="an unknown dimension"),
])
def test_a_not_assessed_mark_needs_its_reason_and_the_rest_of_the_card(agency, ratings, skipped, problem):
    work = agency.first_open()
    before = agency.fingerprint()

    with pytest.raises(DatabaseError, match=problem):
        scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, ratings, NOTES, skipped)

    assert agency.fingerprint() == before
    assert agency.scorecards_of(work).empty


def test_a_draft_keeps_not_assessed_marks_and_reasons(agency):
    work = agency.first_open()
    draft = scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id,
                                  {"infrastructure": 4}, {}, SKIPPED)

    own = scorecards.own_card(agency.db, work.reviewer, work.application_id, work.stage_id)
    assert own["ratings"] == {"infrastructure": 4}
    assert own["not_assessed"] == SKIPPED
    assert stored_rows(agency.db, draft)["governance"] == (None, SKIPPED["governance"])

    submitted = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id,
                                  WITHOUT_GOVERNANCE, NOTES, own["not_assessed"])
    assert submitted == draft
    assert agency.scorecards_of(work)["status"].tolist() == ["submitted"]


def test_a_draft_mark_without_a_reason_is_refused(agency):
    work = agency.first_open()
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="governance: marked not assessed without a reason"):
        scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id, {}, {},
                              {"governance": "  "})
    assert agency.fingerprint() == before


def test_an_amendment_may_rate_a_dimension_first_left_not_assessed(agency):
    work = agency.first_open()
    original = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id,
                                 WITHOUT_GOVERNANCE, NOTES, SKIPPED)

    amended = scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES,
                               "Found the registry in a second branch")

    assert stored_rows(agency.db, original)["governance"] == (None, SKIPPED["governance"])
    assert stored_rows(agency.db, amended)["governance"] == (1, None)
    entry = agency.audit_entries("amend", amended).iloc[0]
    assert json.loads(entry["before"]) == {"scorecard_id": original, "ratings": WITHOUT_GOVERNANCE,
                                           "not_assessed": SKIPPED}
    own = scorecards.own_card(agency.db, work.reviewer, work.application_id, work.stage_id)
    assert own["ratings"] == RATINGS and own["not_assessed"] == {}


def test_peers_see_a_not_assessed_dimension_as_no_rating_with_its_reason(agency):
    work = agency.scored_by_someone_else()
    scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, WITHOUT_GOVERNANCE, NOTES,
                      SKIPPED)

    peers = scorecards.peer_ratings(agency.db, work.reviewer, work.application_id, work.stage_id)

    mine = peers[peers["reviewer_id"] == work.reviewer.account_id].set_index("dimension")
    assert len(mine) == 5
    assert pd.isna(mine.loc["governance", "rating"])
    assert mine.loc["governance", "not_assessed_reason"] == SKIPPED["governance"]
    assert mine.drop(index="governance")["not_assessed_reason"].isna().all()


# -- drafts -------------------------------------------------------------------------------------

def test_a_draft_may_be_partial_and_saved_again_and_again(agency):
    work = agency.first_open()
    first = scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id,
                                  {"infrastructure": 3}, {})
    second = scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id,
                                   {"infrastructure": 4, "deployment": 2, "monitoring": None},
                                   {"infrastructure": "Ran GPU node pools with autoscaling"})

    assert first == second
    cards = agency.scorecards_of(work)
    assert len(cards) == 1
    assert cards.iloc[0]["status"] == "draft" and pd.isna(cards.iloc[0]["submitted_at"])
    assert stored_ratings(agency.db, first) == {"infrastructure": 4, "deployment": 2}
    own = scorecards.own_card(agency.db, work.reviewer, work.application_id, work.stage_id)
    assert own["status"] == "draft" and own["revision"] == 1
    assert own["ratings"] == {"infrastructure": 4, "deployment": 2}
    assert own["notes"]["infrastructure"] == "Ran GPU node pools with autoscaling"
    assert agency.db.scalar("SELECT count(*) FROM current_scores WHERE scorecard_id = ?", [first]) == 0
    queued = scorecards.queue(agency.db, work.reviewer, agency.as_of)
    row = queued[(queued["application_id"] == work.application_id) & (queued["stage_id"] == work.stage_id)]
    assert row["has_draft"].tolist() == [True]
    assert len(agency.audit_entries("save_draft", first)) == 2


def test_a_draft_with_an_impossible_rating_is_refused(agency):
    work = agency.first_open()
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="rating must be a whole number from 1 to 5"):
        scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id, {"governance": 6}, {})
    assert agency.fingerprint() == before


def test_a_saved_draft_is_completed_and_submitted(agency):
    work = agency.first_open()
    draft = scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id,
                                  {"infrastructure": 3}, {})

    submitted = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)

    assert submitted == draft
    cards = agency.scorecards_of(work)
    assert len(cards) == 1
    assert cards.iloc[0]["status"] == "submitted" and pd.notna(cards.iloc[0]["submitted_at"])
    assert stored_ratings(agency.db, submitted) == RATINGS


def test_a_reviewer_can_submit_a_draft_left_in_their_queue(agency):
    work = next((w for r in agency.reviewers() for w in agency.open_work(r, drafted=True)), None)
    if work is None:
        work = agency.first_open()
        scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id, {"automation": 3}, {})
    scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)
    assert agency.scorecards_of(work)["status"].tolist() == ["submitted"]


# -- amendments ---------------------------------------------------------------------------------

def test_an_amendment_supersedes_the_earlier_version_and_keeps_it(agency):
    work = agency.first_open()
    original = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)
    amended_ratings = {**RATINGS, "deployment": 4, "automation": 3}

    amended = scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id, amended_ratings,
                               NOTES, "  Misread the take-home's CI config  ")

    cards = agency.scorecards_of(work)
    assert cards["scorecard_id"].tolist() == [original, amended]
    assert cards["status"].tolist() == ["superseded", "submitted"]
    assert cards["revision"].tolist() == [1, 2]
    assert cards.iloc[1]["amendment_reason"] == "Misread the take-home's CI config"
    assert stored_ratings(agency.db, original) == RATINGS
    assert stored_ratings(agency.db, amended) == amended_ratings

    entry = agency.audit_entries("amend", amended).iloc[0]
    assert json.loads(entry["before"]) == {"scorecard_id": original, "ratings": RATINGS}
    assert json.loads(entry["after"])["ratings"] == amended_ratings
    assert json.loads(entry["after"])["reason"] == "Misread the take-home's CI config"

    current = agency.db.frame("SELECT scorecard_id, dimension_id FROM current_scores WHERE application_id = ? "
                              "AND stage_id = ? AND reviewer_id = ?",
                              [work.application_id, work.stage_id, work.reviewer.account_id])
    assert set(current["scorecard_id"]) == {amended} and len(current) == 5
    queued = scorecards.queue(agency.db, work.reviewer, agency.as_of)
    assert not ((queued["application_id"] == work.application_id) & (queued["stage_id"] == work.stage_id)).any()


# -- queue --------------------------------------------------------------------------------------

def test_a_submitted_scorecard_leaves_the_queue(agency):
    reviewer = agency.reviewer
    before = scorecards.queue(agency.db, reviewer, agency.as_of)
    work = agency.first_open()

    scorecards.submit(agency.db, reviewer, work.application_id, work.stage_id, RATINGS, NOTES)

    after = scorecards.queue(agency.db, reviewer, agency.as_of)
    keys = lambda q: set(zip(q["application_id"], q["stage_id"]))  # noqa: E731
    assert keys(before) - keys(after) == {(work.application_id, work.stage_id)}
    assert keys(after) <= keys(before)


def test_the_queue_is_oldest_first_and_flags_what_is_overdue(agency):
    as_of = agency.as_of + timedelta(days=2)
    queued = scorecards.queue(agency.db, agency.reviewer, as_of)

    assert len(queued) > 1
    order = list(zip(queued["assigned_on"], queued["application_id"], queued["stage_id"]))
    assert order == sorted(order)
    expected_overdue = [due < as_of for due in queued["due_on"].dt.date]
    assert queued["overdue"].tolist() == expected_overdue
    assert True in expected_overdue and False in expected_overdue


def test_the_queue_holds_only_the_reviewers_own_assignments(agency):
    reviewer = agency.reviewer
    queued = scorecards.queue(agency.db, reviewer, agency.as_of)
    assigned = agency.db.frame("SELECT application_id, stage_id FROM assignments WHERE reviewer_id = ?",
                               [reviewer.account_id])
    assert set(zip(queued["application_id"], queued["stage_id"])) <= set(
        zip(assigned["application_id"], assigned["stage_id"]))


# -- stage 1: the tooling audit -----------------------------------------------------------------

def checked(tool, verified=True, evidence="seen in the candidate's repository"):
    return {"tool": tool, "claimed": True, "verified": verified, "evidence": evidence}


def stage_rows(db, application_id):
    frame = db.frame("SELECT stage_id, decision, decided_on, entered_on FROM stage_decisions "
                     "WHERE application_id = ? ORDER BY stage_id", [application_id])
    return {int(r.stage_id): r for r in frame.itertuples()}


def test_verified_tools_in_all_three_required_categories_pass_stage_one_and_open_stage_two(agency):
    application_id = agency.open_tooling_audit()
    rows = [checked("Airflow"), checked("MLflow"), checked("KServe"), checked("DVC", verified=False)]

    verdict = tooling_audit.submit_audit(agency.db, agency.reviewer, application_id, rows, agency.as_of)

    assert verdict.passes_minimum and not verdict.passes_strict
    stages = stage_rows(agency.db, application_id)
    assert stages[1].decision == "pass" and stages[1].decided_on.date() == agency.as_of
    assert 2 in stages and pd.isna(stages[2].decision) and stages[2].entered_on.date() == agency.as_of
    listed = tooling_audit.checklist(agency.db, agency.reviewer, application_id)
    claimed = listed[listed["claimed"]]
    assert dict(zip(claimed["tool"], claimed["verified"])) == {"Airflow": True, "MLflow": True, "KServe": True,
                                                               "DVC": False}
    checkers = agency.db.frame("SELECT DISTINCT e.checked_by FROM tooling_evidence AS e JOIN applications AS a "
                               "USING (candidate_id) WHERE a.application_id = ?", [application_id])
    assert checkers["checked_by"].tolist() == [agency.reviewer.account_id]
    entry = agency.audit_entries("tooling_audit", application_id).iloc[0]
    assert json.loads(entry["after"])["decision"] == "pass"
    assert int(entry["actor_id"]) == agency.reviewer.account_id


@pytest.mark.parametrize("rows", [
    pytest.param([checked("Airflow"), checked("MLflow")], id="no serving tool"),
    pytest.param([checked("Airflow"), checked("MLflow"), checked("KServe", verified=False)],
                 id="serving claimed but not verified"),
    pytest.param([checked("Evidently"), checked("Feast"), checked("SageMaker")], id="only other categories"),
    pytest.param([], id="nothing claimed"),
])
def test_anything_short_of_the_three_categories_fails_stage_one(agency, rows):
    application_id = agency.open_tooling_audit()

    verdict = tooling_audit.submit_audit(agency.db, agency.reviewer, application_id, rows, agency.as_of)

    assert not verdict.passes_minimum and verdict.missing
    stages = stage_rows(agency.db, application_id)
    assert stages[1].decision == "fail"
    assert 2 not in stages


def test_a_tool_verified_but_not_claimed_is_refused(agency):
    application_id = agency.open_tooling_audit()
    before = agency.fingerprint()
    rows = [checked("Airflow"), checked("MLflow"), {"tool": "KServe", "claimed": False, "verified": True}]

    with pytest.raises(DatabaseError, match="KServe.*verified without being claimed"):
        tooling_audit.submit_audit(agency.db, agency.reviewer, application_id, rows, agency.as_of)

    assert agency.fingerprint() == before


def test_a_second_tooling_audit_is_refused(agency):
    application_id = agency.open_tooling_audit()
    tooling_audit.submit_audit(agency.db, agency.reviewer, application_id,
                               [checked("Airflow"), checked("MLflow"), checked("KServe")], agency.as_of)
    before = agency.fingerprint()

    with pytest.raises(DatabaseError, match="already decided: pass"):
        tooling_audit.submit_audit(agency.db, agency.reviewer, application_id, [], agency.as_of)

    assert agency.fingerprint() == before


# -- racing saves: amendments and drafts made at the same moment ------------------------------------
# The same reviewer may hold the same card open in two windows, and on PostgreSQL the two windows may be
# served by two replicas. ``handles`` are the database handles the two saves go through: here one
# DuckDB handle used by two threads; in tests/store/on_postgres two handles on one PostgreSQL database.

SECOND_LOOK = {**RATINGS, "deployment": 4}
THIRD_LOOK = {**RATINGS, "automation": 3}


@pytest.fixture
def handles(agency):
    return [agency.db, agency.db]





def paused_race(monkeypatch, handles, fragment: str, slow, fast) -> tuple[object, object]:
    """Run ``slow(handles[1])`` in a thread that pauses before ``fragment``; meanwhile ``fast(handles[0])``
    runs to the end. Returns (what slow returned or raised, what fast returned)."""
    slow_db = handles[1]
    reached, resume = threading.Event(), threading.Event()
    real_cursor, slow_thread = slow_db.cursor, []

    def cursor():
        inner = real_cursor()
        return PauseBefore(inner, fragment, reached, resume) if threading.current_thread() in slow_thread else inner

    monkeypatch.setattr(slow_db, "cursor", cursor)
    outcome = {}

    def run_slow():
        try:
            outcome["slow"] = slow(slow_db)
        except Exception as error:  # reported to the test
            outcome["slow"] = error

    thread = threading.Thread(target=run_slow)
    slow_thread.append(thread)
    thread.start()
    assert reached.wait(timeout=30)
    try:
        fast_result = fast(handles[0])
    finally:
        resume.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    return outcome["slow"], fast_result


def submitted_card(agency):
    work = agency.first_open()
    scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)
    return work


def test_an_amendment_of_a_revision_that_is_no_longer_current_is_told_the_card_changed(agency):
    work = submitted_card(agency)
    scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id, SECOND_LOOK, NOTES,
                     "second look", from_revision=1)
    before = agency.fingerprint()

    with pytest.raises(scorecards.CardChanged, match="changed since you opened revision 1 .it is now revision 2"):
        scorecards.amend(agency.db, work.reviewer, work.application_id, work.stage_id, THIRD_LOOK, NOTES,
                         "third look", from_revision=1)

    assert agency.fingerprint() == before


@pytest.mark.parametrize("from_revision", [1, None], ids=["from the revision opened", "from the current one"])
def test_of_two_amendments_racing_one_wins_and_the_other_is_told_the_card_changed(agency, handles, monkeypatch,
                                                                                  from_revision):
    work = submitted_card(agency)

    def amend(ratings, reason):
        return lambda db: scorecards.amend(db, work.reviewer, work.application_id, work.stage_id, ratings, NOTES,
                                           reason, from_revision=from_revision)

    loser, winner = paused_race(monkeypatch, handles, "UPDATE scorecards SET status = 'superseded'",
                                slow=amend(THIRD_LOOK, "third look"), fast=amend(SECOND_LOOK, "second look"))

    assert isinstance(loser, scorecards.CardChanged), repr(loser)
    assert "changed since you opened revision 1" in str(loser)
    cards = agency.scorecards_of(work)
    assert cards["status"].tolist() == ["superseded", "submitted"]
    assert cards["scorecard_id"].tolist()[1] == winner
    assert stored_ratings(agency.db, winner) == SECOND_LOOK
    assert len(agency.audit_entries("amend", winner)) == 1
    assert agency.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'amend'") == 1


def test_amendments_fired_together_land_one_revision_each_time_they_start_from_it(agency, handles):
    """Threads released together, alternating handles, all from revision 1: exactly one wins."""
    from tests.store.test_concurrency import run_together

    work = submitted_card(agency)
    looks = [{**RATINGS, "automation": level} for level in (2, 3, 4, 2, 3, 4)]
    outcomes = run_together([
        (lambda db=handles[i % 2], look=look: scorecards.amend(db, work.reviewer, work.application_id,
                                                               work.stage_id, look, NOTES, "a look", from_revision=1))
        for i, look in enumerate(looks)])

    winners = [result for result, error in outcomes if error is None]
    errors = [error for _, error in outcomes if error is not None]
    assert len(winners) == 1, outcomes
    assert all(isinstance(error, scorecards.CardChanged) for error in errors), errors
    assert agency.scorecards_of(work)["revision"].tolist() == [1, 2]


def test_a_draft_saved_at_the_same_moment_elsewhere_never_shows_database_text(agency, handles, monkeypatch):
    work = agency.first_open()

    def draft(ratings):
        return lambda db: scorecards.save_draft(db, work.reviewer, work.application_id, work.stage_id, ratings, {})

    slow, fast = paused_race(monkeypatch, handles, "INSERT INTO scorecards", slow=draft({"automation": 3}),
                             fast=draft({"automation": 2}))

    cards = agency.scorecards_of(work)
    assert cards["status"].tolist() == ["draft"] and cards["scorecard_id"].tolist() == [fast]
    if isinstance(slow, Exception):     # PostgreSQL refuses the second new draft; DuckDB may run it again
        assert type(slow) is DatabaseError, repr(slow)
        assert str(slow) == (f"scorecard for application {work.application_id} at stage {work.stage_id} was saved "
                             "from another window or server at the same moment, so this save was not made; reload "
                             "the page to see what was saved, then save again")
        assert stored_ratings(agency.db, fast) == {"automation": 2}
    else:
        assert slow == fast and stored_ratings(agency.db, fast) == {"automation": 3}
