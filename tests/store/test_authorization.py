"""Who may read and write what, checked by calling the store as each role."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.access import PermissionDenied
from scoring.store import accounts, candidates, pipeline, scorecards, tooling_audit
from scoring.store.pipeline import SearchFilter

RATINGS = {"infrastructure": 3, "deployment": 4, "monitoring": 2, "automation": 3, "governance": 5}
NOTES = {"governance": "Walked through the model registry's promotion log"}
NON_REVIEWERS = ["hiring_lead", "ops", "admin"]


def others_submitted(db, application_id, stage_id, reviewer_id):
    return db.frame("SELECT reviewer_id, dimension_id, rating, note FROM current_scores WHERE application_id = ? "
                    "AND stage_id = ? AND reviewer_id <> ? ORDER BY reviewer_id, dimension_id",
                    [application_id, stage_id, reviewer_id])


def card_rows(db, reviewer_id, application_id, stage_id):
    return db.frame("""SELECT sc.*, s.dimension_id, s.rating, s.note FROM scorecards AS sc
                       LEFT JOIN scores AS s USING (scorecard_id)
                       WHERE sc.reviewer_id = ? AND sc.application_id = ? AND sc.stage_id = ?
                       ORDER BY sc.scorecard_id, s.dimension_id""", [reviewer_id, application_id, stage_id])


# -- reviewers write only their own, assigned scores --------------------------------------------

def test_a_reviewer_cannot_submit_for_an_application_not_assigned_to_them(agency):
    reviewer = agency.reviewer
    application_id = agency.not_assigned_to(reviewer, stage_id=2)
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied, match=f"application {application_id} at stage 2 is not assigned"):
        scorecards.submit(agency.db, reviewer, application_id, 2, RATINGS, NOTES)

    assert agency.fingerprint() == before


def test_a_reviewer_cannot_submit_for_a_stage_of_their_application_not_assigned_to_them(agency):
    reviewer = agency.reviewer
    row = agency.db.frame("""
        SELECT x.application_id, 5 - x.stage_id AS other_stage FROM assignments AS x
        WHERE x.reviewer_id = ? AND x.stage_id IN (2, 3)
          AND NOT EXISTS (SELECT 1 FROM assignments AS y WHERE y.application_id = x.application_id
                          AND y.reviewer_id = x.reviewer_id AND y.stage_id = 5 - x.stage_id)
        ORDER BY x.application_id LIMIT 1""", [reviewer.account_id]).iloc[0]
    application_id, stage_id = int(row["application_id"]), int(row["other_stage"])
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied):
        scorecards.submit(agency.db, reviewer, application_id, stage_id, RATINGS, NOTES)
    with pytest.raises(PermissionDenied):
        scorecards.save_draft(agency.db, reviewer, application_id, stage_id, {"infrastructure": 3}, {})

    assert agency.fingerprint() == before


def test_a_reviewer_cannot_do_someone_elses_tooling_audit(agency):
    reviewer = agency.reviewer
    application_id = agency.open_tooling_audit(agency.colleague(reviewer))
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied):
        tooling_audit.submit_audit(agency.db, reviewer, application_id, [], agency.as_of)
    with pytest.raises(PermissionDenied):
        tooling_audit.checklist(agency.db, reviewer, application_id)

    assert agency.fingerprint() == before


def test_a_submission_is_filed_under_the_submitting_reviewer_and_touches_no_one_elses_card(agency):
    work = agency.scored_by_someone_else()
    others_before = others_submitted(agency.db, work.application_id, work.stage_id, work.reviewer.account_id)

    scorecard_id = scorecards.submit(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)

    owner = agency.db.scalar("SELECT reviewer_id FROM scorecards WHERE scorecard_id = ?", [scorecard_id])
    assert owner == work.reviewer.account_id
    others_after = others_submitted(agency.db, work.application_id, work.stage_id, work.reviewer.account_id)
    assert others_after.equals(others_before)


# -- blind review -------------------------------------------------------------------------------

def visible_to(db, reviewer, work):
    seen = candidates.ratings(db, reviewer, [work.application_id])
    return seen[seen["stage_id"] == work.stage_id]


def test_other_reviewers_scores_stay_hidden_before_the_reviewer_submits(agency):
    work = agency.scored_by_someone_else()

    with pytest.raises(PermissionDenied, match="submit your own scorecard first"):
        scorecards.peer_ratings(agency.db, work.reviewer, work.application_id, work.stage_id)
    assert visible_to(agency.db, work.reviewer, work).empty


def test_a_draft_does_not_unlock_other_reviewers_scores(agency):
    work = agency.scored_by_someone_else()
    scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)

    with pytest.raises(PermissionDenied, match="submit your own scorecard first"):
        scorecards.peer_ratings(agency.db, work.reviewer, work.application_id, work.stage_id)
    assert visible_to(agency.db, work.reviewer, work).empty


def test_other_reviewers_scores_show_once_the_reviewer_has_submitted(agency):
    work = agency.scored_by_someone_else()
    db, me = agency.db, work.reviewer.account_id
    others = others_submitted(db, work.application_id, work.stage_id, me)

    scorecards.submit(db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)

    peers = scorecards.peer_ratings(db, work.reviewer, work.application_id, work.stage_id)
    assert set(peers["reviewer_id"]) == set(others["reviewer_id"]) | {me}
    theirs = peers[peers["reviewer_id"] != me]
    assert sorted(zip(theirs["reviewer_id"], theirs["rating"], theirs["note"])) == sorted(
        zip(others["reviewer_id"], others["rating"], others["note"]))
    seen = visible_to(db, work.reviewer, work)
    assert set(seen["reviewer_id"]) == set(others["reviewer_id"]) | {me}
    assert len(seen) == len(others) + 5


def test_hiring_leads_ops_and_admins_see_every_submitted_rating(agency):
    work = agency.scored_by_someone_else()
    expected = others_submitted(agency.db, work.application_id, work.stage_id, work.reviewer.account_id)
    for role in NON_REVIEWERS:
        seen = candidates.ratings(agency.db, agency.of_role(role), [work.application_id])
        seen = seen[seen["stage_id"] == work.stage_id]
        assert len(seen) == len(expected), role


def test_a_reviewer_never_sees_or_edits_another_reviewers_draft(agency):
    author, work = agency.someone_elses_draft()
    application_id, stage_id = work.application_id, work.stage_id
    reviewer = agency.reviewer
    draft_before = card_rows(agency.db, author.account_id, application_id, stage_id)
    assert draft_before["status"].tolist()[0] == "draft"

    own = scorecards.own_card(agency.db, reviewer, application_id, stage_id)
    assert own == {"status": None, "revision": 0, "ratings": {}, "notes": {}}

    scorecards.save_draft(agency.db, reviewer, application_id, stage_id, {"monitoring": 4}, {})
    assert scorecards.own_card(agency.db, reviewer, application_id, stage_id)["ratings"] == {"monitoring": 4}
    assert card_rows(agency.db, author.account_id, application_id, stage_id).equals(draft_before)


def test_a_reviewer_not_on_the_assignment_is_refused_the_draft_entirely(agency):
    author, work = agency.someone_elses_draft()
    application_id, stage_id = work.application_id, work.stage_id
    outsider = next(r for r in agency.reviewers() if not agency.db.scalar(
        "SELECT count(*) FROM assignments WHERE application_id = ? AND stage_id = ? AND reviewer_id = ?",
        [application_id, stage_id, r.account_id]))
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied):
        scorecards.own_card(agency.db, outsider, application_id, stage_id)
    with pytest.raises(PermissionDenied):
        scorecards.save_draft(agency.db, outsider, application_id, stage_id, {"monitoring": 1}, {})
    with pytest.raises(PermissionDenied):
        scorecards.peer_ratings(agency.db, outsider, application_id, stage_id)

    assert agency.fingerprint() == before


def test_drafts_are_never_shown_to_peers(agency):
    author, work = agency.someone_elses_draft()
    application_id, stage_id = work.application_id, work.stage_id
    reviewer = agency.reviewer
    scorecards.submit(agency.db, reviewer, application_id, stage_id, RATINGS, NOTES)

    peers = scorecards.peer_ratings(agency.db, reviewer, application_id, stage_id)
    assert author.account_id not in set(peers["reviewer_id"])
    for role in ["reviewer", *NON_REVIEWERS]:
        seen = candidates.ratings(agency.db, agency.of_role(role), [application_id])
        assert author.account_id not in set(seen[seen["stage_id"] == stage_id]["reviewer_id"]), role


# -- roles that never write scores --------------------------------------------------------------

@pytest.mark.parametrize("role", NON_REVIEWERS)
def test_hiring_leads_ops_and_admins_cannot_write_scores(agency, role):
    work = agency.first_open()
    actor = agency.of_role(role)
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied, match="write scores is for: Reviewer"):
        scorecards.submit(agency.db, actor, work.application_id, work.stage_id, RATINGS, NOTES)
    with pytest.raises(PermissionDenied):
        scorecards.save_draft(agency.db, actor, work.application_id, work.stage_id, RATINGS, NOTES)
    with pytest.raises(PermissionDenied):
        scorecards.queue(agency.db, actor, agency.as_of)

    assert agency.fingerprint() == before


# -- admin-only changes -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["reviewer", "hiring_lead", "ops"])
def test_only_admins_manage_accounts(agency, role):
    actor = agency.of_role(role)
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied, match="manage accounts is for: Admin"):
        accounts.create_account(agency.db, actor, "new.reviewer@demo.example", "New Reviewer", "reviewer",
                                "a-long-enough-password")
    with pytest.raises(PermissionDenied):
        accounts.update_account(agency.db, actor, actor.account_id, role="admin")
    with pytest.raises(PermissionDenied):
        accounts.update_account(agency.db, actor, agency.reviewer.account_id, active=False)
    with pytest.raises(PermissionDenied):
        accounts.list_accounts(agency.db, actor)

    assert agency.fingerprint() == before


def test_an_admin_manages_accounts(agency):
    admin = agency.admin
    new_id = accounts.create_account(agency.db, admin, "new.reviewer@demo.example", "New Reviewer", "reviewer",
                                     "a-long-enough-password")
    accounts.update_account(agency.db, admin, new_id, role="hiring_lead")
    listed = accounts.list_accounts(agency.db, admin)
    assert listed.set_index("account_id").loc[new_id, "role"] == "hiring_lead"


WEIGHTS = {"infrastructure": 20, "deployment": 25, "monitoring": 25, "automation": 20, "governance": 10}


@pytest.mark.parametrize("role", ["reviewer", "hiring_lead", "ops"])
def test_only_admins_change_weights(agency, role):
    weights = pytest.importorskip("scoring.store.weights")
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied, match="manage weights is for: Admin"):
        weights.add_version(agency.db, agency.of_role(role), WEIGHTS, date(2027, 1, 1), "raise monitoring",
                            today=agency.as_of)

    assert agency.fingerprint() == before


def test_an_admin_changes_weights(agency):
    weights = pytest.importorskip("scoring.store.weights")
    version_id = weights.add_version(agency.db, agency.admin, WEIGHTS, date(2027, 1, 1), "raise monitoring",
                                     today=agency.as_of)
    stored = agency.db.frame("SELECT dm.code, w.weight_pct::DOUBLE AS pct FROM dimension_weights AS w "
                             "JOIN dimensions AS dm USING (dimension_id) WHERE version_id = ?", [version_id])
    assert dict(zip(stored["code"], stored["pct"])) == WEIGHTS


# -- adjudication -------------------------------------------------------------------------------

def scored_application(agency) -> int:
    return int(agency.db.scalar("SELECT min(application_id) FROM current_scores"))


@pytest.mark.parametrize("role", ["reviewer", "ops"])
def test_only_hiring_leads_and_admins_adjudicate(agency, role):
    application_id = scored_application(agency)
    before = agency.fingerprint()

    with pytest.raises(PermissionDenied, match="adjudicate is for: Hiring lead, Admin"):
        scorecards.record_final_decision(agency.db, agency.of_role(role), application_id, "advance",
                                         "Strong incident answers")

    assert agency.fingerprint() == before


@pytest.mark.parametrize("role", ["hiring_lead", "admin"])
def test_an_adjudicated_decision_leaves_every_reviewers_scores_as_they_were(agency, diff, role):
    application_id = scored_application(agency)
    actor = agency.of_role(role)
    before = agency.fingerprint()

    scorecards.record_final_decision(agency.db, actor, application_id, "hold", "Reviewers split on monitoring")
    scorecards.record_final_decision(agency.db, actor, application_id, "advance", "Client call settled it")

    assert diff(before, agency.fingerprint()) == {"final_decisions", "audit_log"}
    decision = agency.db.frame("SELECT * FROM final_decisions WHERE application_id = ?", [application_id])
    assert decision[["decision", "reason", "decided_by"]].values.tolist() == [
        ["advance", "Client call settled it", actor.account_id]]
    entries = agency.audit_entries("adjudicate", application_id)
    assert len(entries) == 2
    assert "Reviewers split" in entries.iloc[1]["before"]


# -- reads --------------------------------------------------------------------------------------

PIPELINE_READS = [
    pytest.param(lambda db, actor: pipeline.filter_options(db, actor), id="filter_options"),
    pytest.param(lambda db, actor: pipeline.stage_counts(db, actor, SearchFilter()), id="stage_counts"),
    pytest.param(lambda db, actor: pipeline.searches(db, actor, SearchFilter()), id="searches"),
    pytest.param(lambda db, actor: pipeline.stage_entries(db, actor, SearchFilter()), id="stage_entries"),
]


@pytest.mark.parametrize("read", PIPELINE_READS)
def test_pipeline_reads_are_refused_to_reviewers(agency, read):
    with pytest.raises(PermissionDenied, match="read pipeline is for: Hiring lead, Ops, Admin"):
        read(agency.db, agency.reviewer)


@pytest.mark.parametrize("role", NON_REVIEWERS)
@pytest.mark.parametrize("read", PIPELINE_READS)
def test_pipeline_reads_are_open_to_leads_ops_and_admins(agency, read, role):
    assert read(agency.db, agency.of_role(role)) is not None


def test_a_reviewer_finds_only_candidates_assigned_to_them(agency):
    reviewer = agency.reviewer
    assigned = set(agency.db.frame("SELECT DISTINCT a.candidate_id FROM assignments AS x JOIN applications AS a "
                                   "USING (application_id) WHERE x.reviewer_id = ?",
                                   [reviewer.account_id])["candidate_id"])
    for text in ["a", "e", "mail.example", "CA-00"]:
        found = candidates.find_candidates(agency.db, reviewer, text, limit=100_000)
        assert set(found["candidate_id"]) <= assigned, text
    everyone = candidates.find_candidates(agency.db, agency.lead, "a", limit=100_000)
    assert len(everyone) > len(assigned)

    stranger = agency.db.frame("SELECT candidate_id, external_id, full_name FROM candidates "
                               "WHERE candidate_id NOT IN (SELECT unnest(?::INTEGER[])) ORDER BY candidate_id LIMIT 1",
                               [sorted(int(c) for c in assigned)]).iloc[0]
    for text in [stranger["external_id"], stranger["full_name"], str(stranger["candidate_id"])]:
        found_by_reviewer = candidates.find_candidates(agency.db, reviewer, text, limit=100_000)
        found_by_lead = candidates.find_candidates(agency.db, agency.lead, text, limit=100_000)
        assert int(stranger["candidate_id"]) not in set(found_by_reviewer["candidate_id"]), text
        assert int(stranger["candidate_id"]) in set(found_by_lead["candidate_id"]), text
    with pytest.raises(PermissionDenied):
        candidates.profile(agency.db, reviewer, int(stranger["candidate_id"]))
