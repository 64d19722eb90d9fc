"""Specification of certification in the store (scoring.store.certification and the queue and submission of
scoring.store.scorecards): reference ratings are written whole or not at all and only by calibration
managers; the passing bar is an admin's, audited; while it is set, a reviewer who has not met it is offered
no live candidates and cannot score one, while exercises stay open; with no bar nothing changes; an export
carries the references and the bar, and a restore gives them back."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from scoring.agency.access import Account, PermissionDenied
from scoring.agency.certification import PASSED, PassingBar
from scoring.domain.dimensions import DIMENSIONS
from scoring.store import Database, calibration_exercises, certification, scorecards
from scoring.store.archive import export_database, restore_database
from scoring.store.db import DatabaseError
from tests.store.conftest import Agency

TODAY = date(2026, 11, 20)
CODES = [d.code for d in DIMENSIONS]
WRITTEN = ("calibration_references", "certification_bar", "audit_log")


def without_demo_references(agency: Agency) -> None:
    """Take the expert ratings off the demo's own exercise, as in an agency that has entered none yet."""
    agency.db.write(lambda cur: cur.execute("DELETE FROM calibration_references"))


def start_exercise(agency: Agency, n: int = 5, name: str = "Reference set") -> int:
    pool = calibration_exercises.reference_applications(agency.db, agency.admin, 3)
    ids = sorted(int(i) for i in pool["application_id"].head(n))
    return calibration_exercises.create_exercise(agency.db, agency.admin, name, ids, 3, TODAY)


def item_refs(agency: Agency, set_id: int) -> dict[int, str]:
    items = calibration_exercises.exercise_items(agency.db, agency.admin, set_id)
    return dict(zip(items["application_id"].astype(int), items["application"]))


def score_exercise(agency: Agency, reviewer: Account, set_id: int) -> None:
    """The reviewer submits every reference still awaited from them, with ratings that vary (2, 3, 4)."""
    for position, application_id in enumerate(item_refs(agency, set_id)):
        card = scorecards.own_card(agency.db, reviewer, application_id, 3)
        if card["status"] == "submitted":
            continue
        ratings = {code: 2 + (position + i) % 3 for i, code in enumerate(CODES)}
        scorecards.submit(agency.db, reviewer, application_id, 3, ratings, {})


def references_from(agency: Agency, reviewer: Account, set_id: int, shift: int = 0) -> list[dict]:
    """Reference rows equal to the reviewer's own current ratings of the references, moved by ``shift``."""
    refs = item_refs(agency, set_id)
    given = agency.db.frame("""SELECT application_id, dimension_id, rating FROM current_scores
                               WHERE reviewer_id = ? AND stage_id = 3""", [reviewer.account_id])
    given = given[given["application_id"].isin(list(refs))]
    return [{"application": refs[int(r.application_id)], "dimension": CODES[int(r.dimension_id) - 1],
             "rating": int(min(5, max(1, r.rating + shift)))} for r in given.itertuples()]


def rows_of(db: Database, table: str) -> pd.DataFrame:
    return db.frame(f"SELECT * FROM {table} ORDER BY ALL")


def snapshot(db: Database) -> dict[str, pd.DataFrame]:
    return {table: rows_of(db, table) for table in WRITTEN}


def assert_unchanged(db: Database, before: dict[str, pd.DataFrame]) -> None:
    for table, rows in snapshot(db).items():
        pd.testing.assert_frame_equal(rows, before[table], obj=table)


def live_scored(queue: pd.DataFrame) -> pd.DataFrame:
    return queue[queue["stage_id"].isin([2, 3]) & ~queue["is_exercise"]]


# -- reference ratings ------------------------------------------------------------------------------

def test_an_admin_enters_reference_ratings_with_an_audit_entry(agency):
    set_id = start_exercise(agency)
    first = next(iter(item_refs(agency, set_id).values()))
    rows = [{"application": first, "dimension": "monitoring", "rating": 4},
            {"application": first, "dimension": "Governance", "rating": "not assessed", "reason": "no repository"}]
    assert certification.set_references(agency.db, agency.admin, set_id, rows) == 2
    stored = certification.references(agency.db, agency.lead, set_id)
    assert stored[["application", "dimension_id"]].values.tolist() == [[first, 3], [first, 5]]
    assert stored["rating"].iloc[0] == 4 and pd.isna(stored["rating"].iloc[1])
    assert stored["not_assessed_reason"].iloc[1] == "no repository"
    entry = agency.db.frame("SELECT * FROM audit_log WHERE action = 'set_references'").iloc[0]
    assert entry["entity_key"] == str(set_id) and entry["actor_id"] == agency.admin.account_id
    # entering a pair again replaces it
    certification.set_references(agency.db, agency.admin, set_id,
                                 [{"application": first, "dimension": "Monitoring", "rating": 2}])
    again = certification.references(agency.db, agency.admin, set_id)
    assert len(again) == 2 and again.set_index("dimension_id").loc[3, "rating"] == 2


def test_a_batch_with_any_bad_row_writes_nothing_and_names_every_problem(agency):
    set_id = start_exercise(agency)
    first = next(iter(item_refs(agency, set_id).values()))
    before = snapshot(agency.db)
    rows = [{"application": first, "dimension": "monitoring", "rating": 4},
            {"application": "NOT-A-REFERENCE", "dimension": "monitoring", "rating": 4},
            {"application": first, "dimension": "automation", "rating": 9}]
    with pytest.raises(DatabaseError) as refused:
        certification.set_references(agency.db, agency.admin, set_id, rows)
    assert str(refused.value) == ("row 2, application: NOT-A-REFERENCE is not a reference of this exercise; "
                                  'row 3, rating: must be a whole number from 1 to 5 or "not assessed", got 9')
    assert_unchanged(agency.db, before)


@pytest.mark.parametrize("role", ["reviewer", "hiring_lead", "ops", "auditor"])
def test_only_calibration_managers_write_references_or_the_bar(agency, role):
    set_id = start_exercise(agency)
    first = next(iter(item_refs(agency, set_id).values()))
    who = agency.person({"reviewer": "reviewer@demo.example", "hiring_lead": "lead@demo.example",
                         "ops": "ops@demo.example", "auditor": "auditor@demo.example"}[role])
    before = snapshot(agency.db)
    with pytest.raises(PermissionDenied):
        certification.set_references(agency.db, who, set_id,
                                     [{"application": first, "dimension": "monitoring", "rating": 4}])
    with pytest.raises(PermissionDenied):
        certification.set_bar(agency.db, who, 0.6, 0.75)
    with pytest.raises(PermissionDenied):
        certification.clear_bar(agency.db, who)
    assert_unchanged(agency.db, before)


def test_the_database_refuses_a_reference_outside_the_exercise_or_the_scale(agency):
    without_demo_references(agency)
    set_id = start_exercise(agency)
    application_id = next(iter(item_refs(agency, set_id)))
    bad = {
        "not an item": [set_id, application_id + 100_000, 3, 1, 4, None],
        "rating 6": [set_id, application_id, 3, 1, 6, None],
        "no rating, no reason": [set_id, application_id, 3, 1, None, None],
    }
    for why, values in bad.items():
        with pytest.raises(Exception):  # noqa: B017 - the database's own refusal, whatever its class
            agency.db.write(lambda cur, v=values: cur.execute(
                "INSERT INTO calibration_references VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [*v, agency.admin.account_id]))
        assert agency.db.scalar("SELECT count(*) FROM calibration_references") == 0, why


# -- the bar ----------------------------------------------------------------------------------------

def test_the_bar_is_set_changed_and_cleared_each_with_an_audit_entry(agency):
    assert certification.passing_bar(agency.db, agency.reviewer) is None
    certification.set_bar(agency.db, agency.admin, 0.6, 0.75)
    certification.set_bar(agency.db, agency.admin, 0.7, 0.5)
    assert certification.passing_bar(agency.db, agency.reviewer) == PassingBar(0.7, 0.5)
    certification.clear_bar(agency.db, agency.admin)
    assert certification.passing_bar(agency.db, agency.lead) is None
    entries = agency.db.frame("SELECT action, before, after FROM audit_log WHERE entity = 'certification_bar' "
                              "ORDER BY audit_id")
    assert entries["action"].tolist() == ["set", "set", "clear"]
    assert json.loads(entries["before"].iloc[1]) == {"min_kappa": 0.6, "max_mad": 0.75}
    assert json.loads(entries["after"].iloc[1]) == {"min_kappa": 0.7, "max_mad": 0.5}


def test_a_bar_out_of_range_is_refused_and_nothing_written(agency):
    before = snapshot(agency.db)
    with pytest.raises(DatabaseError, match="maximum difference: must be from 0 to 4 rating points, got 7"):
        certification.set_bar(agency.db, agency.admin, 0.6, 7)
    assert_unchanged(agency.db, before)


# -- live work held until the bar is met --------------------------------------------------------------

def test_without_a_bar_the_queue_is_as_before(agency):
    before = scorecards.queue(agency.db, agency.reviewer, agency.as_of)
    set_id = start_exercise(agency)
    certification.set_references(agency.db, agency.admin, set_id, references_from(agency, agency.reviewer, set_id))
    after = scorecards.queue(agency.db, agency.reviewer, agency.as_of)
    assert set(map(tuple, live_scored(after)[["application_id", "stage_id"]].values)) == \
        set(map(tuple, live_scored(before.assign(is_exercise=False))[["application_id", "stage_id"]].values))
    assert scorecards.held_notice(agency.db, agency.reviewer, agency.as_of) == ""


def test_a_reviewer_below_the_bar_is_offered_only_exercises_and_cannot_score_live_work(agency):
    without_demo_references(agency)
    reviewer = agency.reviewer
    live = agency.first_open(reviewer)
    set_id = start_exercise(agency)
    certification.set_bar(agency.db, agency.admin, 0.6, 0.75)

    queue = scorecards.queue(agency.db, reviewer, agency.as_of)
    assert live_scored(queue).empty
    assert queue["is_exercise"].any()                  # the exercise's references stay offered
    notice = scorecards.held_notice(agency.db, reviewer, agency.as_of)
    assert "held until you pass the reference check" in notice
    assert "No calibration exercise with reference ratings is waiting for you" in notice   # none has references

    before = agency.fingerprint()
    ratings = {code: 3 for code in CODES}
    for attempt in (scorecards.submit, scorecards.save_draft):
        with pytest.raises(PermissionDenied, match="held until you pass the reference check"):
            attempt(agency.db, reviewer, live.application_id, live.stage_id, ratings, {})
    assert agency.fingerprint() == before

    # once the exercise has references, the queue names it
    first = next(iter(item_refs(agency, set_id).values()))
    certification.set_references(agency.db, agency.admin, set_id,
                                 [{"application": first, "dimension": "monitoring", "rating": 3}])
    assert 'Score the reference candidates in exercise "Reference set"' in scorecards.held_notice(
        agency.db, reviewer, agency.as_of)


def test_scoring_the_references_well_releases_live_work_and_badly_keeps_it_held(agency):
    good, bad = agency.reviewer, agency.reviewers()[1]
    set_id = start_exercise(agency)
    certification.set_bar(agency.db, agency.admin, 0.6, 0.75)
    score_exercise(agency, good, set_id)
    score_exercise(agency, bad, set_id)
    certification.set_references(agency.db, agency.admin, set_id, references_from(agency, good, set_id))

    assert certification.standing(agency.db, good).verdict == PASSED
    assert scorecards.held_notice(agency.db, good, agency.as_of) == ""
    assert not live_scored(scorecards.queue(agency.db, good, agency.as_of)).empty

    accuracy = certification.exercise_accuracy(agency.db, agency.lead, set_id)
    overall = accuracy[accuracy["dimension_id"] == 0].set_index("reviewer_id")
    assert overall.loc[good.account_id, "kappa"] == pytest.approx(1.0)
    assert overall.loc[good.account_id, "mad"] == 0
    assert overall.loc[good.account_id, "reviewer"] == good.display_name

    # the second reviewer's ratings are their own; against references a whole two points off they fail
    certification.set_references(agency.db, agency.admin, set_id, references_from(agency, bad, set_id, shift=2))
    status = certification.standing(agency.db, bad)
    assert status.rated >= 20 and status.mad > 1 and not status.may_score_live
    assert 'In exercise "Reference set" your weighted kappa was' in scorecards.held_notice(agency.db, bad,
                                                                                           agency.as_of)
    assert live_scored(scorecards.queue(agency.db, bad, agency.as_of)).empty


def test_reading_accuracy_needs_read_calibration(agency):
    set_id = start_exercise(agency)
    for who in (agency.reviewer, agency.ops):
        with pytest.raises(PermissionDenied):
            certification.exercise_accuracy(agency.db, who, set_id)
        with pytest.raises(PermissionDenied):
            certification.references(agency.db, who, set_id)
    with pytest.raises(PermissionDenied):
        certification.standing(agency.db, agency.lead)


# -- export and restore ------------------------------------------------------------------------------

def test_an_export_carries_the_references_and_the_bar_and_a_restore_gives_them_back(agency, empty_db, tmp_path):
    set_id = start_exercise(agency)
    score_exercise(agency, agency.reviewer, set_id)
    certification.set_references(agency.db, agency.admin, set_id,
                                 references_from(agency, agency.reviewer, set_id))
    certification.set_bar(agency.db, agency.admin, 0.65, 0.7)
    export_database(agency.db, tmp_path / "export", agency.admin)
    restore_database(empty_db, tmp_path / "export")          # a new database of the same kind
    for table in ("calibration_references", "certification_bar"):
        assert len(rows_of(agency.db, table)) > 0
        pd.testing.assert_frame_equal(rows_of(empty_db, table), rows_of(agency.db, table), obj=table)
