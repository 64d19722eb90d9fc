"""Who may read and write what, checked by calling the store as each role, and every store function
refusing a session whose account an admin has since deactivated or given another role."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

import scoring.reports
import scoring.store
from scoring.agency.access import OPERATOR, Account, PermissionDenied, StaleSession
from scoring.store import Database, accounts, applications, candidates, scorecards, tooling_audit
from scoring.store import searches as search_store
from scoring.store.audit_log import AuditFilter
from scoring.store.authorization import WITHOUT_ACCOUNT, authorize
from scoring.store.ratings import CalibrationFilter
from scoring.store.searches import SearchFilter
from tests.conftest import DEMO_AS_OF as AS_OF
from tests.store.conftest import Agency

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
    assert own == {"status": None, "revision": 0, "ratings": {}, "notes": {}, "not_assessed": {}}

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
    pytest.param(lambda db, actor: search_store.filter_options(db, actor), id="filter_options"),
    pytest.param(lambda db, actor: search_store.read(db, actor, SearchFilter()), id="searches"),
    pytest.param(lambda db, actor: applications.stage_entries(db, actor, SearchFilter()), id="stage_entries"),
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


# -- sessions: every store function re-reads the account it acts for ---------------------------------
# An account's role, active flag and session version are read from the database on every call, so a
# session signed in before a deactivation or a role change is refused by everything it could reach.

def public_functions():
    """(qualified name, function) of every public function of scoring.store and scoring.reports.

    The connection itself (``db``, ``local_copy``) has no entry points: it is what they run on.
    """
    for package in (scoring.store, scoring.reports):
        for found in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{found.name}")
            if module.__name__ in ("scoring.store.db", "scoring.store.local_copy"):
                continue
            for name, function in sorted(vars(module).items()):
                if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
                    continue
                yield f"{module.__name__.removeprefix('scoring.')}.{name}", function


ACTING = {name: function for name, function in public_functions()
          if "actor" in inspect.signature(function).parameters}
#: Everything that runs with no signed-in account, and why (scoring.store.authorization's marks).
WITHOUT_AN_ACCOUNT = {
    "store.accounts.authenticate": "sign-in",
    "store.accounts.account_for_email": "sign-in",
    "store.accounts.accounts_able_to_sign_in": "sign-in",
    "store.sessions.resume_session": "sign-in",
    "store.accounts.operator_accounts": "operator command",
    "store.accounts.create_operator_account": "operator command",
    "store.accounts.check_new_account": "operator command",
    "store.accounts.check_known_email": "operator command",
    "store.accounts.operator_set_active": "operator command",
    "store.accounts.operator_reset_password": "operator command",
    "store.archive.operator_export": "operator command",
    "store.archive.restore_database": "operator command",
    "store.importer.import_paths": "operator command",
    "store.importer.operator_import": "operator command",
    "store.import_mappings.operator_saved_mapping": "operator command",
    "store.digests.digest_recipients": "operator command",
    "store.digests.sent_digests": "operator command",
    "store.digests.claim_digest": "operator command",
    "store.digests.confirm_digest": "operator command",
    "store.digests.release_digest": "operator command",
    "reports.delivery.send_digests": "operator command",
}


def sample_arguments(function, tmp: Path) -> dict:
    """Plausible values for the parameters ``function`` requires beyond ``db`` and ``actor``."""
    by_name = {
        "application_id": 1, "candidate_id": 1, "search_id": 1, "set_id": 1, "placement_id": 1,
        "replacement_id": 1, "replacing_placement_id": 2, "client_id": 1, "account_id": 1, "stage_id": 2,
        "top": 5, "application_ids": [1], "as_of": AS_OF, "today": AS_OF, "on": AS_OF,
        "requested_on": AS_OF, "fulfilled_on": AS_OF, "churned_on": AS_OF, "effective_from": AS_OF,
        "search_filter": SearchFilter(), "ratings": RATINGS, "notes": NOTES, "reason": "second look",
        "decision": "hold", "note": "a note", "text": "a", "name": "an exercise", "email": "new@demo.example",
        "display_name": "New Person", "role": "reviewer", "password": None, "rows": [],
        "weights_pct": WEIGHTS, "outcome": "passed_take_home", "directory": tmp / "export", "sources": [],
    }
    by_type = {"AuditFilter": AuditFilter(), "CalibrationFilter": CalibrationFilter(), "SearchFilter": SearchFilter()}
    arguments = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in ("db", "actor") or parameter.default is not inspect.Parameter.empty:
            continue
        arguments[name] = by_type.get(str(parameter.annotation), by_name.get(name))
    return arguments


@dataclass(frozen=True)
class StaleSessions:
    """Sessions signed in before an admin changed their accounts, on a database shared by a module."""

    db: Database
    sessions: dict[str, Account]


@pytest.fixture(scope="module")
def stale(module_demo_db) -> StaleSessions:
    """Two admins and two reviewers signed in, then each deactivated or given another role."""
    db = module_demo_db
    agency = Agency(db)
    changes = {"deactivated admin": ("admin", {"active": False}),
               "admin demoted to reviewer": ("admin", {"role": "reviewer"}),
               "deactivated reviewer": ("reviewer", {"active": False}),
               "reviewer moved to hiring lead": ("reviewer", {"role": "hiring_lead"})}
    sessions = {}
    for number, (label, (role, change)) in enumerate(changes.items()):
        email = f"stale.{number}@demo.example"
        accounts.create_account(db, agency.admin, email, f"Stale {number}", role, None)
        sessions[label] = agency.person(email)               # signed in: the account as it is now
        accounts.update_account(db, agency.admin, sessions[label].account_id, **change)
    return StaleSessions(db, sessions)


STALE_KINDS = ["deactivated admin", "admin demoted to reviewer", "deactivated reviewer",
               "reviewer moved to hiring lead"]


@pytest.mark.parametrize("kind", STALE_KINDS)
@pytest.mark.parametrize("name", sorted(ACTING))
def test_every_store_function_refuses_a_session_that_has_ended(stale, tmp_path, name, kind):
    function = ACTING[name]
    written = stale.db.data_version()

    with pytest.raises(StaleSession, match="has ended"):
        function(stale.db, actor=stale.sessions[kind], **sample_arguments(function, tmp_path))

    assert stale.db.data_version() == written
    assert not (tmp_path / "export").exists()


def test_the_enumeration_reaches_every_kind_of_store_function():
    assert len(ACTING) > 80
    for expected in ["store.scorecards.submit", "store.scorecards.save_draft", "store.accounts.create_account",
                     "store.accounts.update_account", "store.accounts.sign_out", "store.importer.import_sources",
                     "store.archive.export_database", "store.placements.request_replacement",
                     "reports.validity.adopt_suggested_weights", "reports.ops_export.ops_audit"]:
        assert expected in ACTING


def test_only_marked_functions_run_without_an_account():
    without = {name: function for name, function in public_functions()
               if "actor" not in inspect.signature(function).parameters
               and next(iter(inspect.signature(function).parameters), None) == "db"}
    marks = {name: getattr(function, WITHOUT_ACCOUNT, None) for name, function in without.items()}
    assert [name for name, why in marks.items() if why is None] == []
    assert {name: why.split(":")[0] for name, why in marks.items()} == WITHOUT_AN_ACCOUNT


def test_a_current_session_is_authorised_by_its_role(agency):
    assert authorize(agency.db, agency.admin, "manage_accounts") == agency.admin
    with pytest.raises(PermissionDenied, match="manage accounts is for: Admin") as refused:
        authorize(agency.db, agency.lead, "manage_accounts")
    assert not isinstance(refused.value, StaleSession)


def test_a_demoted_admin_signed_in_again_is_judged_by_the_new_role(agency):
    admin = agency.admin
    accounts.create_account(agency.db, admin, "second.admin@demo.example", "Second Admin", "admin", None)
    accounts.update_account(agency.db, agency.person("second.admin@demo.example"), admin.account_id, role="reviewer")

    with pytest.raises(StaleSession, match="role changed from admin to reviewer"):
        accounts.list_accounts(agency.db, admin)
    again = accounts.authenticate(agency.db, admin.email, "demo-password")
    with pytest.raises(PermissionDenied, match="manage accounts is for: Admin"):
        accounts.list_accounts(agency.db, again)


def test_a_deactivated_reviewer_can_no_longer_save_a_draft(agency):
    work = agency.first_open()
    accounts.update_account(agency.db, agency.admin, work.reviewer.account_id, active=False)
    before = agency.fingerprint()

    with pytest.raises(StaleSession, match="deactivated"):
        scorecards.save_draft(agency.db, work.reviewer, work.application_id, work.stage_id, RATINGS, NOTES)
    assert agency.fingerprint() == before


def test_the_command_line_operator_needs_no_session_but_a_copy_of_it_is_refused(agency):
    assert authorize(agency.db, OPERATOR, "read_ops") is OPERATOR
    impostor = Account(OPERATOR.account_id, OPERATOR.email, OPERATOR.display_name, OPERATOR.role)
    assert impostor == OPERATOR
    with pytest.raises(StaleSession):
        authorize(agency.db, impostor, "read_ops")


def test_no_account_is_refused(agency):
    with pytest.raises(PermissionDenied, match="sign in first"):
        authorize(agency.db, None, "read_candidates")
    with pytest.raises(PermissionDenied, match="sign in first"):
        authorize(agency.db, None)
