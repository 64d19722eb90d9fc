"""Blind review is complete: until a reviewer submits their own scorecard for a stage, nothing they can
call reveals another reviewer's ratings, notes or reasons, a later outcome of the application, or the
hiring lead's adjudicated decision; once they have submitted, they see their peers' scorecards.

The store functions a reviewer may call are found by reading the store's source (every public
function that checks a permission a reviewer holds, or none), so a read added later without being
listed here fails the enumeration test. They are called on a small agency built for the purpose: one
application whose take-home the reviewer is asked to score (as a calibration exercise would), long
after another reviewer scored it, the take-home passed, the client accepted and a hiring lead
adjudicated.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pytest

import scoring.store
from scoring.agency.access import PERMISSIONS, Account, PermissionDenied
from scoring.reports.candidate import candidate_report, history_table
from scoring.store import (
    Database,
    accounts,
    applications,
    candidates,
    certification,
    scorecards,
    tooling_audit,
    weights,
)
from scoring.store.accounts import create_operator_account

AS_OF = date(2026, 11, 20)
TAKE_HOME = 3
INTERVIEW = 2

# Everything the reviewer must not learn before submitting: the peer's notes and reasons, the hiring
# lead's reason, and the dates of the later outcomes (the take-home's decision, the client shortlist)
# and of the candidate's other application, which is not assigned to the reviewer.
PEER_NOTE = "PEER-NOTE take-home rollback plan was excellent"
PEER_LOW_NOTE = "PEER-NOTE no canary at all"
PEER_REASON = "PEER-REASON the take-home had no registry step"
INTERVIEW_NOTE = "INTERVIEW-NOTE described a drift incident well"
FINAL_REASON = "FINAL-REASON the client asked for this engineer"
TAKE_HOME_DECIDED = date(2026, 2, 13)
SHORTLISTED = date(2026, 2, 27)
CLIENT_DECIDED = date(2026, 3, 6)
OTHER_APPLICATION_DAYS = (date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 14))
SECRETS = [PEER_NOTE, PEER_LOW_NOTE, PEER_REASON, INTERVIEW_NOTE, FINAL_REASON]
SECRET_DAYS = [TAKE_HOME_DECIDED, SHORTLISTED, CLIENT_DECIDED, *OTHER_APPLICATION_DAYS]

PEER_TAKE_HOME = {"infrastructure": 5, "deployment": 1, "monitoring": 4, "automation": 4}
PEER_TAKE_HOME_NOTES = {"infrastructure": PEER_NOTE, "deployment": PEER_LOW_NOTE}
MINE = {"infrastructure": 3, "deployment": 3, "monitoring": 3, "automation": 2, "governance": 4}


@dataclass(frozen=True)
class Scene:
    """The small agency: who is who, and the ids a reviewer's calls are made with."""

    db: Database
    reviewer: Account
    peer: Account
    lead: Account
    candidate_id: int
    item: int            # the application the reviewer scores at the take-home
    other: int           # the same candidate's application to another search, not assigned to the reviewer
    peers_only: int      # another candidate's application, scored by the peer only

    @property
    def every_application(self) -> list[int]:
        return [self.item, self.other, self.peers_only]


def _person(db: Database, email: str, name: str, role: str) -> Account:
    account_id = create_operator_account(db, email=email, display_name=name, role=role, password=None)
    return Account(account_id, email, name, role)


def _enter(cur, application_id: int, stages: list[tuple[int, date, date | None, str | None]]) -> None:
    for stage_id, entered, decided, decision in stages:
        cur.execute("INSERT INTO stage_decisions VALUES (?, ?, ?, ?, ?)",
                    [application_id, stage_id, entered, decided, decision])


def _assign(cur, reviewer: Account, application_id: int, stage_id: int) -> None:
    cur.execute("INSERT INTO assignments VALUES (?, ?, ?, ?, ?)",
                [application_id, stage_id, reviewer.account_id, AS_OF, AS_OF + timedelta(days=14)])


def build_scene(db: Database) -> Scene:
    reviewer = _person(db, "rhea@agency.example", "Rhea Reviewer", "reviewer")
    peer = _person(db, "pim@agency.example", "Pim Peer", "reviewer")
    lead = _person(db, "lena@agency.example", "Lena Lead", "hiring_lead")

    def arrange(cur) -> None:      # test set-up in SQL: the store has no writes for these facts
        cur.execute("INSERT INTO clients VALUES (1, 'CL-1', 'Acme Robotics', 'US', DATE '2025-01-06', NULL)")
        cur.execute("INSERT INTO searches (search_id, external_id, client_id, role_title, seniority, opened_on, "
                    "shortlist_delivered_on, closed_on, status) VALUES (1, 'SE-1', 1, 'MLOps engineer', 'senior', "
                    "DATE '2026-01-05', DATE '2026-02-27', NULL, 'shortlisted')")
        cur.execute("INSERT INTO searches (search_id, external_id, client_id, role_title, seniority, opened_on, "
                    "shortlist_delivered_on, closed_on, status) VALUES (2, 'SE-2', 1, 'ML platform engineer', "
                    "'senior', DATE '2026-03-30', NULL, NULL, 'open')")
        cur.execute("INSERT INTO candidates VALUES (1, 'CA-1', 'Casey Item', 'casey@mail.example', 'DE', 'senior', "
                    "DATE '2025-12-01'), (2, 'CA-2', 'Dana Other', 'dana@mail.example', 'FR', 'senior', "
                    "DATE '2025-12-01')")
        cur.execute("INSERT INTO applications VALUES (1, 'AP-1', 1, 1, DATE '2026-01-05'), "
                    "(2, 'AP-2', 1, 2, DATE '2026-03-31'), (3, 'AP-3', 2, 1, DATE '2026-01-05')")
        _enter(cur, 1, [(1, date(2026, 1, 6), date(2026, 1, 7), "pass"),
                        (2, date(2026, 1, 7), date(2026, 1, 20), "pass"),
                        (3, date(2026, 1, 21), TAKE_HOME_DECIDED, "pass"),
                        (4, SHORTLISTED, CLIENT_DECIDED, "pass")])
        first, second, third = OTHER_APPLICATION_DAYS
        _enter(cur, 2, [(1, first, second, "pass"), (2, second, third, "fail")])
        _enter(cur, 3, [(1, date(2026, 1, 6), date(2026, 1, 7), "pass"),
                        (2, date(2026, 1, 7), date(2026, 1, 20), "pass"),
                        (3, date(2026, 1, 21), None, None)])
        _assign(cur, peer, 1, INTERVIEW)
        _assign(cur, peer, 1, TAKE_HOME)
        _assign(cur, peer, 2, INTERVIEW)
        _assign(cur, peer, 3, TAKE_HOME)
        _assign(cur, reviewer, 1, TAKE_HOME)          # the calibration-style item, assigned long after
        cur.execute("INSERT INTO final_decisions VALUES (1, 'advance', ?, ?, TIMESTAMP '2026-03-07 10:00:00')",
                    [FINAL_REASON, lead.account_id])

    db.write(arrange)
    scorecards.submit(db, peer, 1, INTERVIEW, {"infrastructure": 5, "deployment": 4, "monitoring": 4,
                                               "automation": 3, "governance": 3}, {"infrastructure": INTERVIEW_NOTE})
    scorecards.submit(db, peer, 1, TAKE_HOME, PEER_TAKE_HOME, PEER_TAKE_HOME_NOTES, {"governance": PEER_REASON})
    scorecards.submit(db, peer, 2, INTERVIEW, {code: 2 for code in MINE}, {})
    scorecards.submit(db, peer, 3, TAKE_HOME, {code: 2 for code in MINE}, {})
    # A draft is not a submission: it unlocks nothing.
    scorecards.save_draft(db, reviewer, 1, TAKE_HOME, {"infrastructure": 3}, {})
    return Scene(db, reviewer, peer, lead, candidate_id=1, item=1, other=2, peers_only=3)


@pytest.fixture
def scene(empty_db) -> Scene:
    return build_scene(empty_db)


# -- which store functions a reviewer may call --------------------------------------------------------

REVIEWER_PERMISSIONS = {name for name, roles in PERMISSIONS.items() if "reviewer" in roles}


def _permissions_checked(module, function) -> set[str | None]:
    """The permissions ``function`` checks (``authorize``/``require`` calls in its source); None for a
    check with no permission, which any signed-in account passes."""
    checked: set[str | None] = set()
    for node in ast.walk(ast.parse(inspect.getsource(function).strip())):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if called not in ("authorize", "authorize_any", "require"):
            continue
        arguments = [a for a in node.args if not (isinstance(a, ast.Name) and a.id in ("db", "actor", "cur"))]
        if not arguments:
            checked.add(None)
        if called == "authorize_any" and arguments and isinstance(arguments[0], ast.Tuple):
            arguments = arguments[0].elts                   # any one of them will do
        for argument in arguments if called == "authorize_any" else arguments[:1]:
            if isinstance(argument, ast.Constant):
                checked.add(argument.value)
            elif isinstance(argument, ast.Name):
                checked.add(getattr(module, argument.id))
    return checked


def reviewer_callable() -> set[str]:
    """``module.function`` of every public store function that takes an acting account and whose
    permission checks a reviewer passes (or that checks none at all, which must then be listed)."""
    found = set()
    for info in pkgutil.iter_modules(scoring.store.__path__):
        if info.name == "authorization":          # the check itself
            continue
        module = importlib.import_module(f"scoring.store.{info.name}")
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
                continue
            if "actor" not in inspect.signature(function).parameters:
                continue
            checked = _permissions_checked(module, function)
            if not checked or None in checked or checked & REVIEWER_PERMISSIONS:
                found.add(f"{info.name}.{name}")
    return found


Read = Callable[[Scene], object]

#: Every store read a reviewer may call, with the arguments a curious reviewer would try: their own
#: item, the candidate's other application, and another candidate's application.
READS: dict[str, Read] = {
    "accounts.reviewers": lambda s: accounts.reviewers(s.db, s.reviewer),
    "candidates.find_candidates": lambda s: candidates.find_candidates(s.db, s.reviewer, "a"),
    "candidates.reachable_count": lambda s: candidates.reachable_count(s.db, s.reviewer),
    "candidates.recently_scored": lambda s: candidates.recently_scored(s.db, s.reviewer),
    "candidates.profile": lambda s: candidates.profile(s.db, s.reviewer, s.candidate_id),
    "candidates.applications": lambda s: candidates.applications(s.db, s.reviewer, s.candidate_id),
    "candidates.stage_history": lambda s: candidates.stage_history(s.db, s.reviewer, s.candidate_id),
    "candidates.ratings": lambda s: candidates.ratings(s.db, s.reviewer, s.every_application),
    "candidates.not_assessed": lambda s: candidates.not_assessed(s.db, s.reviewer, s.every_application),
    "candidates.stage_dimension_medians": lambda s: [candidates.stage_dimension_medians(s.db, s.reviewer, stage)
                                                     for stage in (INTERVIEW, TAKE_HOME)],
    "weights.version_weights": lambda s: weights.version_weights(s.db, s.reviewer),
    "candidates.stage_dates": lambda s: candidates.stage_dates(s.db, s.reviewer, s.every_application),
    "applications.stage_names": lambda s: applications.stage_names(s.db, s.reviewer),
    "weights.versions": lambda s: weights.versions(s.db, s.reviewer),
    "weights.newest": lambda s: weights.newest(s.db, s.reviewer),
    "scorecards.queue": lambda s: scorecards.queue(s.db, s.reviewer, AS_OF),
    "scorecards.submitted": lambda s: scorecards.submitted(s.db, s.reviewer),
    "scorecards.own_card": lambda s: scorecards.own_card(s.db, s.reviewer, s.item, TAKE_HOME),
    "scorecards.peer_ratings": lambda s: scorecards.peer_ratings(s.db, s.reviewer, s.item, TAKE_HOME),
    "tooling_audit.checklist": lambda s: tooling_audit.checklist(s.db, s.reviewer, s.item),
    "scorecards.held_notice": lambda s: scorecards.held_notice(s.db, s.reviewer, AS_OF),
    "certification.passing_bar": lambda s: certification.passing_bar(s.db, s.reviewer),
    "certification.standing": lambda s: certification.standing(s.db, s.reviewer),
}
#: The writes a reviewer may make: each returns only an id, the token of the reviewer's own new session,
#: or the verdict on the reviewer's own input.
WRITES = {"accounts.sign_out", "sessions.start_session", "scorecards.save_draft", "scorecards.submit",
          "scorecards.amend", "tooling_audit.submit_audit"}


def test_every_store_function_a_reviewer_may_call_is_enumerated():
    assert reviewer_callable() == set(READS) | WRITES


def test_the_enumeration_finds_functions_by_their_checks_and_leaves_the_others_out():
    callable_by_reviewers = reviewer_callable()
    assert {"candidates.ratings", "scorecards.peer_ratings", "tooling_audit.checklist"} <= callable_by_reviewers
    assert not {"candidates.shortlist", "scorecards.record_final_decision", "calibration_exercises.exercise_ratings",
                "ratings.stage_ratings", "ratings.scorecard_ratings"} & callable_by_reviewers


# -- what a reviewer's calls return -------------------------------------------------------------------

def outcome(read: Read, scene: Scene) -> object:
    """What the call returns, or the refusal it raises (its message is read as well)."""
    try:
        return read(scene)
    except PermissionDenied as refusal:
        return refusal


def as_text(value: object) -> str:
    """Every column name and value of a result, dates in ISO form, as one string to search."""
    if isinstance(value, list):
        return "\n".join(as_text(v) for v in value)
    if isinstance(value, pd.Series):
        value = value.to_frame().T
    if isinstance(value, pd.DataFrame):
        return " ".join(map(str, value.columns)) + "\n" + value.astype(str).to_csv(index=False)
    return repr(value)


def records(value: object) -> list[dict]:
    if isinstance(value, list):
        return [row for v in value for row in records(v)]
    if isinstance(value, pd.DataFrame):
        return value.to_dict("records")
    return []


def peer_rows(value: object, peer: Account) -> list[dict]:
    """Rows carrying the peer's rating, note or not-assessed reason."""
    return [row for row in records(value)
            if (row.get("reviewer_id") == peer.account_id or row.get("reviewer") == peer.display_name)
            and {"rating", "note", "reason", "not_assessed_reason"} & set(row)]


@pytest.mark.parametrize("name", sorted(READS))
def test_before_submitting_no_read_reveals_peers_later_outcomes_or_the_final_decision(scene, name):
    result = outcome(READS[name], scene)
    text = as_text(result)

    assert [secret for secret in SECRETS if secret in text] == []
    assert [day for day in SECRET_DAYS if day.isoformat() in text] == []
    assert peer_rows(result, scene.peer) == []
    assert [row for row in records(result) if pd.notna(row.get("final_decision"))] == []


def test_before_submitting_the_history_stops_at_the_take_home_and_withholds_its_decision(scene):
    history = candidates.stage_history(scene.db, scene.reviewer, scene.candidate_id)

    assert history["application_id"].unique().tolist() == [scene.item]
    assert history["stage_id"].tolist() == [1, 2, 3]
    assert history["decision"].tolist()[:2] == ["pass", "pass"]
    assert history["withheld"].tolist() == [False, False, True]
    take_home = history.iloc[2]
    assert pd.isna(take_home["decision"]) and pd.isna(take_home["decided_on"])
    assert take_home["entered_on"].date() == date(2026, 1, 21)


def test_before_submitting_the_furthest_stage_is_the_reviewers_own(scene):
    apps = candidates.applications(scene.db, scene.reviewer, scene.candidate_id)
    assert apps["application_id"].tolist() == [scene.item]
    assert apps["furthest_stage"].tolist() == [TAKE_HOME]


def test_the_candidate_report_a_reviewer_gets_holds_nothing_hidden(scene):
    report = candidate_report(scene.db, scene.reviewer, scene.candidate_id)
    for part in (report.applications, report.history, report.ratings, report.scores, report.not_assessed):
        text = as_text(part)
        assert [secret for secret in SECRETS if secret in text] == []
        assert [day for day in SECRET_DAYS if day.isoformat() in text] == []
    assert history_table(report, scene.item)["Decision"].tolist() == [
        "pass", "pass", "shown once you submit your scorecard"]


# -- after submitting -------------------------------------------------------------------------------

@pytest.fixture
def submitted(scene) -> Scene:
    scorecards.submit(scene.db, scene.reviewer, scene.item, TAKE_HOME, MINE, {})
    return scene


def test_after_submitting_the_reviewer_sees_the_peers_take_home_scorecard(submitted):
    s = submitted
    seen = candidates.ratings(s.db, s.reviewer, s.every_application)
    theirs = seen[seen["reviewer_id"] == s.peer.account_id]
    assert set(zip(theirs["application_id"], theirs["stage_id"])) == {(s.item, TAKE_HOME)}
    assert dict(zip(theirs["dimension"], theirs["rating"])) == PEER_TAKE_HOME
    assert set(theirs["note"]) >= {PEER_NOTE, PEER_LOW_NOTE}
    skipped = candidates.not_assessed(s.db, s.reviewer, s.every_application)
    assert skipped[["reviewer", "dimension", "reason"]].values.tolist() == [["Pim Peer", "governance", PEER_REASON]]
    peers = scorecards.peer_ratings(s.db, s.reviewer, s.item, TAKE_HOME)
    assert set(peers["reviewer"]) == {"Pim Peer", "Rhea Reviewer"}


def test_after_submitting_the_history_shows_how_the_application_went_on(submitted):
    history = candidates.stage_history(submitted.db, submitted.reviewer, submitted.candidate_id)
    assert history["stage_id"].tolist() == [1, 2, 3, 4]
    assert history["decision"].tolist() == ["pass", "pass", "pass", "pass"]
    assert not history["withheld"].any()
    assert history["decided_on"].iloc[3].date() == CLIENT_DECIDED


def test_after_submitting_what_stays_hidden_stays_hidden(submitted):
    """The interview the reviewer never scored, the application not assigned to them, and the
    adjudication, which is the hiring lead's, not a reviewer's."""
    s = submitted
    seen = candidates.ratings(s.db, s.reviewer, s.every_application)
    assert set(zip(seen["application_id"], seen["stage_id"])) == {(s.item, TAKE_HOME)}
    assert INTERVIEW_NOTE not in as_text(seen)
    assert candidates.stage_dates(s.db, s.reviewer, s.every_application)["application_id"].unique().tolist() == [s.item]
    apps = candidates.applications(s.db, s.reviewer, s.candidate_id)
    assert apps["application_id"].tolist() == [s.item]
    assert apps["final_decision"].isna().all() and apps["final_reason"].isna().all()


def test_a_hiring_lead_sees_everything_throughout(scene):
    s = scene
    history = candidates.stage_history(s.db, s.lead, s.candidate_id)
    assert len(history) == 6 and not history["withheld"].any()
    apps = candidates.applications(s.db, s.lead, s.candidate_id).set_index("application_id")
    assert apps.loc[s.item, "final_reason"] == FINAL_REASON
    assert apps.loc[s.item, "furthest_stage"] == 4
    assert len(candidates.stage_dates(s.db, s.lead, s.every_application)) == 5


# -- the cohort median on the radar -------------------------------------------------------------------

def test_the_stage_median_is_withheld_below_the_minimum_count(scene):
    for actor in (scene.lead, scene.reviewer):
        medians = candidates.stage_dimension_medians(scene.db, actor, TAKE_HOME)
        assert medians["dimension"].tolist() == ["infrastructure", "deployment", "monitoring", "automation",
                                                 "governance"]
        assert medians["median_rating"].isna().all()
        assert (medians["applications"] < candidates.MEDIAN_MIN_APPLICATIONS).all()


def add_scored_take_homes(scene: Scene, how_many: int, rating: int) -> None:
    """``how_many`` more applications to search SE-1, each with a take-home scored ``rating`` by the peer."""
    def arrange(cur) -> list[int]:
        ids = []
        for number in range(how_many):
            candidate_id, application_id = 100 + number, 100 + number
            cur.execute("INSERT INTO candidates VALUES (?, ?, 'Cohort Member', ?, 'US', 'senior', DATE '2025-12-01')",
                        [candidate_id, f"CA-{candidate_id}", f"cohort{number}@mail.example"])
            cur.execute("INSERT INTO applications VALUES (?, ?, ?, 1, DATE '2026-01-05')",
                        [application_id, f"AP-{application_id}", candidate_id])
            _enter(cur, application_id, [(3, date(2026, 1, 21), None, None)])
            _assign(cur, scene.peer, application_id, TAKE_HOME)
            ids.append(application_id)
        return ids

    for application_id in scene.db.write(arrange):
        scorecards.submit(scene.db, scene.peer, application_id, TAKE_HOME, {code: rating for code in MINE}, {})


def test_the_stage_median_counts_for_a_reviewer_only_what_they_may_see(scene):
    """With enough applications the median shows; the reviewer's own item counts for them only once
    they have submitted, so watching the median move reveals nothing of it."""
    add_scored_take_homes(scene, candidates.MEDIAN_MIN_APPLICATIONS - 1, rating=3)
    # Infrastructure at the take-home: the peer gave the item 5 and the other candidate 2; the cohort 3s.
    lead_view = candidates.stage_dimension_medians(scene.db, scene.lead, TAKE_HOME).set_index("dimension")
    assert lead_view.loc["infrastructure", "applications"] == candidates.MEDIAN_MIN_APPLICATIONS + 1
    assert lead_view.loc["infrastructure", "median_rating"] == 3.0

    before = candidates.stage_dimension_medians(scene.db, scene.reviewer, TAKE_HOME).set_index("dimension")
    assert before.loc["infrastructure", "applications"] == candidates.MEDIAN_MIN_APPLICATIONS
    assert before.loc["infrastructure", "median_rating"] == 3.0
    scorecards.submit(scene.db, scene.reviewer, scene.item, TAKE_HOME, MINE, {})
    after = candidates.stage_dimension_medians(scene.db, scene.reviewer, TAKE_HOME).set_index("dimension")
    assert after.loc["infrastructure", "applications"] == candidates.MEDIAN_MIN_APPLICATIONS + 1
    assert after.loc["governance", "applications"] == candidates.MEDIAN_MIN_APPLICATIONS + 1
