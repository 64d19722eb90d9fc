"""Specification of the calibration reads (scoring.store.ratings) and exercises (scoring.store.calibration_exercises):
who may read and write, what the reads return, and that creating a calibration exercise lands whole or not at all."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from scoring.agency.access import PermissionDenied
from scoring.store import applications, calibration_exercises, scorecards
from scoring.store import ratings as rating_store
from scoring.store import weights as weight_store
from scoring.store.calibration_exercises import EXERCISE_DUE_DAYS
from scoring.store.db import DatabaseError
from scoring.store.ratings import CalibrationFilter
from tests.conftest import account

TODAY = date(2026, 11, 20)
CALIBRATION_TABLES = ("calibration_sets", "calibration_items", "assignments", "audit_log")

#: The reviewer list (scoring.store.accounts.reviewers) and the newest weights (scoring.store.weights.newest)
#: the calibration page shows are the one read of each that every page shares, open to every role, as the
#: weights and reviewer names always were on the candidate pages.
READS = {
    "filter_options": lambda db, who: rating_store.filter_options(db, who),
    "dimensions": lambda db, who: rating_store.dimensions(db, who),
    "live_ratings": lambda db, who: rating_store.live_ratings(db, who, CalibrationFilter()),
    "rating_pairs": lambda db, who: rating_store.rating_pairs(db, who, CalibrationFilter()),
    "application_labels": lambda db, who: applications.labels(db, who, [1, 2]),
    "exercises": lambda db, who: calibration_exercises.exercises(db, who),
    "exercise_items": lambda db, who: calibration_exercises.exercise_items(db, who, 1),
    "exercise_ratings": lambda db, who: calibration_exercises.exercise_ratings(db, who, 1),
    "exercise_progress": lambda db, who: calibration_exercises.exercise_progress(db, who, 1),
}


def snapshot(db) -> dict[str, pd.DataFrame]:
    return {t: db.frame(f"SELECT * FROM {t}") for t in CALIBRATION_TABLES}


def assert_unchanged(db, before: dict[str, pd.DataFrame]) -> None:
    for table, rows in snapshot(db).items():
        pd.testing.assert_frame_equal(rows, before[table], obj=table)


def references(db, n: int = 3, stage_id: int = 3) -> list[int]:
    pool = calibration_exercises.reference_applications(db, account(db, "admin"), stage_id)
    return sorted(int(i) for i in pool["application_id"].head(n))


def all_scores(db, stage_id: int) -> pd.DataFrame:
    """Every current rating at one stage, straight from the view, for independent checks."""
    return db.frame("""
        SELECT cs.application_id, cs.reviewer_id, cs.dimension_id, cs.rating, cs.submitted_at, d.entered_on
        FROM current_scores AS cs
        JOIN stage_decisions AS d ON d.application_id = cs.application_id AND d.stage_id = cs.stage_id
        WHERE cs.stage_id = ?""", [stage_id])


# -- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "ops"])
@pytest.mark.parametrize("read", list(READS))
def test_reads_are_refused_to_reviewers_and_ops(demo_db, role, read):
    with pytest.raises(PermissionDenied, match="read calibration"):
        READS[read](demo_db, account(demo_db, role))


@pytest.mark.parametrize("read", list(READS))
def test_reads_are_refused_without_an_account(demo_db, read):
    with pytest.raises(PermissionDenied, match="sign in"):
        READS[read](demo_db, None)


@pytest.mark.parametrize("role", ["hiring_lead", "admin"])
@pytest.mark.parametrize("read", list(READS))
def test_reads_are_allowed_to_hiring_leads_and_admins(demo_db, role, read):
    READS[read](demo_db, account(demo_db, role))


@pytest.mark.parametrize("role", ["reviewer", "ops", "hiring_lead"])
def test_only_admins_manage_exercises(demo_db, role):
    who = account(demo_db, role)
    ids = references(demo_db)
    before = snapshot(demo_db)
    with pytest.raises(PermissionDenied, match="manage calibration"):
        calibration_exercises.create_exercise(demo_db, who, "Q4 calibration", ids, 3, TODAY)
    with pytest.raises(PermissionDenied, match="manage calibration"):
        calibration_exercises.reference_applications(demo_db, who, 3)
    assert_unchanged(demo_db, before)


# -- create_exercise ---------------------------------------------------------------------------


def test_create_exercise_assigns_every_active_reviewer_and_audits(demo_db):
    admin = account(demo_db, "admin")
    retired = account(demo_db, "reviewer", 1)
    demo_db.write(lambda cur: cur.execute("UPDATE accounts SET active = false WHERE account_id = ?",
                                          [retired.account_id]))
    ids = references(demo_db, 4)
    existing = demo_db.frame("SELECT * FROM assignments WHERE stage_id = 3 "
                             "AND application_id IN (SELECT unnest(?::INTEGER[]))", [ids])
    active = demo_db.frame("SELECT account_id FROM accounts WHERE role = 'reviewer' AND active")["account_id"]

    set_id = calibration_exercises.create_exercise(demo_db, admin, "  November reference set ", ids, 3, TODAY)

    stored = demo_db.frame("SELECT * FROM calibration_sets WHERE set_id = ?", [set_id]).iloc[0]
    assert stored["name"] == "November reference set"
    assert stored["created_by"] == admin.account_id
    items = demo_db.frame("SELECT application_id, stage_id FROM calibration_items WHERE set_id = ? "
                          "ORDER BY application_id", [set_id])
    assert items["application_id"].tolist() == ids and set(items["stage_id"]) == {3}

    after = demo_db.frame("SELECT * FROM assignments WHERE stage_id = 3 "
                          "AND application_id IN (SELECT unnest(?::INTEGER[]))", [ids])
    for application_id in ids:
        assigned = set(after.loc[after["application_id"] == application_id, "reviewer_id"])
        assert set(active) <= assigned, "every active reviewer scores every item"
        earlier = set(existing.loc[existing["application_id"] == application_id, "reviewer_id"])
        assert assigned == set(active) | earlier, "nobody else is assigned"
    if retired.account_id not in set(existing["reviewer_id"]):
        assert retired.account_id not in set(after["reviewer_id"])
    # existing assignments are kept exactly as they were
    kept = after.merge(existing, on=["application_id", "stage_id", "reviewer_id"], suffixes=("", "_before"))
    assert len(kept) == len(existing)
    assert (kept["assigned_on"] == kept["assigned_on_before"]).all()
    new = after.merge(existing, on=["application_id", "stage_id", "reviewer_id"], how="left", indicator=True)
    new = new[new["_merge"] == "left_only"]
    assert len(new) == len(after) - len(existing) > 0
    assert (pd.to_datetime(new["assigned_on_x"]).dt.date == TODAY).all()
    assert (pd.to_datetime(new["due_on_x"]).dt.date == TODAY + timedelta(days=EXERCISE_DUE_DAYS)).all()

    entry = demo_db.frame("SELECT * FROM audit_log WHERE entity = 'calibration_set' AND entity_key = ?",
                          [str(set_id)])
    assert len(entry) == 1
    assert entry.iloc[0]["actor_id"] == admin.account_id and entry.iloc[0]["action"] == "create"
    logged = json.loads(entry.iloc[0]["after"])
    assert logged["application_ids"] == ids
    assert logged["new_assignments"] == len(new)
    assert logged["reviewers"] == len(active)


def test_new_assignments_reach_the_reviewers_queue(demo_db):
    ids = references(demo_db, 2)
    calibration_exercises.create_exercise(demo_db, account(demo_db, "admin"), "Queue check", ids, 3, TODAY)
    reviewer = account(demo_db, "reviewer", 2)
    queued = scorecards.queue(demo_db, reviewer, TODAY)
    already = demo_db.frame("SELECT application_id FROM scorecards WHERE reviewer_id = ? AND stage_id = 3 "
                            "AND status = 'submitted'", [reviewer.account_id])["application_id"]
    expected = {i for i in ids if i not in set(already)}
    assert expected <= set(queued.loc[queued["stage_id"] == 3, "application_id"])


@pytest.mark.parametrize("bad", ["unknown application", "never entered the stage", "taken name", "blank name",
                                 "no applications", "unscored stage"])
def test_create_exercise_is_all_or_nothing(demo_db, bad):
    admin = account(demo_db, "admin")
    ids = references(demo_db, 3)
    name, stage_id = "Reference set", 3
    if bad == "unknown application":
        ids = [*ids, 99_999_999]
    elif bad == "never entered the stage":
        outside = demo_db.scalar("SELECT min(application_id) FROM applications WHERE application_id NOT IN "
                                 "(SELECT application_id FROM stage_decisions WHERE stage_id = 3)")
        ids = [*ids, int(outside)]
    elif bad == "taken name":
        calibration_exercises.create_exercise(demo_db, admin, "Reference set", ids[:1], 3, TODAY)
        name = "reference SET"
    elif bad == "blank name":
        name = "   "
    elif bad == "no applications":
        ids = []
    else:
        stage_id = 4
    before = snapshot(demo_db)
    with pytest.raises(DatabaseError) as refusal:
        calibration_exercises.create_exercise(demo_db, admin, name, ids, stage_id, TODAY)
    assert_unchanged(demo_db, before)
    if bad == "unknown application":
        assert "99999999" in str(refusal.value)


# -- reads ---------------------------------------------------------------------------------------


def test_live_ratings_apply_stage_dimension_and_month_range(demo_db):
    lead = account(demo_db, "hiring_lead")
    raw = all_scores(demo_db, 2)
    months = raw["submitted_at"].dt.to_period("M")
    first, last = months.min() + 3, months.min() + 8
    chosen = CalibrationFilter(stage_id=2, dimension_ids=(3, 1),
                               first_month=first.start_time.date() + timedelta(days=9),
                               last_month=last.start_time.date() + timedelta(days=20))
    got = rating_store.live_ratings(demo_db, lead, chosen)
    expected = raw[raw["dimension_id"].isin([1, 3]) & (months >= first) & (months <= last)]
    assert len(got) == len(expected) > 0
    assert set(got["dimension_id"]) == {1, 3}
    assert (pd.to_datetime(got["month"]).dt.to_period("M").between(first, last)).all()
    assert got["rating"].sum() == expected["rating"].sum()
    ordered = got[["application_id", "dimension_id", "submitted_at"]]
    assert ordered.equals(ordered.sort_values(["application_id", "dimension_id", "submitted_at"], kind="stable"))


def test_live_ratings_by_month_of_stage_entry(demo_db):
    lead = account(demo_db, "hiring_lead")
    raw = all_scores(demo_db, 3)
    month = pd.to_datetime(raw["entered_on"]).dt.to_period("M")
    pick = month.max() - 2
    chosen = CalibrationFilter(stage_id=3, first_month=pick.start_time.date(), last_month=pick.start_time.date(),
                               basis="entered")
    got = rating_store.live_ratings(demo_db, lead, chosen)
    assert len(got) == int((month == pick).sum()) > 0
    assert (pd.to_datetime(got["month"]).dt.to_period("M") == pick).all()


def test_rating_pairs_count_every_pair_of_reviewers_on_an_application_dimension(demo_db):
    lead = account(demo_db, "hiring_lead")
    chosen = CalibrationFilter(stage_id=3)
    live = rating_store.live_ratings(demo_db, lead, chosen)
    merged = live.merge(live, on=["application_id", "dimension_id"], suffixes=("_a", "_b"))
    merged = merged[merged["reviewer_id_a"] < merged["reviewer_id_b"]]
    expected = (merged.groupby(["reviewer_id_a", "reviewer_id_b", "rating_a", "rating_b"]).size()
                .rename("pairs").reset_index().rename(columns={"reviewer_id_a": "reviewer_a",
                                                               "reviewer_id_b": "reviewer_b"}))
    got = rating_store.rating_pairs(demo_db, lead, chosen)
    pd.testing.assert_frame_equal(got.astype("int64"), expected.astype("int64"))


def test_exercise_ratings_are_kept_out_of_live_scoring(demo_db):
    admin, lead = account(demo_db, "admin"), account(demo_db, "hiring_lead")
    ids = references(demo_db, 2)
    before_live = rating_store.live_ratings(demo_db, lead, CalibrationFilter(stage_id=3))
    set_id = calibration_exercises.create_exercise(demo_db, admin, "Separate", ids, 3, TODAY)
    earlier = calibration_exercises.exercise_ratings(demo_db, lead, set_id)
    newcomer = next(a for a in (account(demo_db, "reviewer", i) for i in range(20))
                    if a.account_id not in set(earlier.loc[earlier["application_id"] == ids[0], "reviewer_id"]))
    card = {"infrastructure": 3, "deployment": 4, "monitoring": 2, "automation": 3, "governance": 5}
    scorecards.submit(demo_db, newcomer, ids[0], 3, card, {"governance": "registry with lineage shown"})

    after_live = rating_store.live_ratings(demo_db, lead, CalibrationFilter(stage_id=3))
    pd.testing.assert_frame_equal(after_live, before_live)
    exercise = calibration_exercises.exercise_ratings(demo_db, lead, set_id)
    assert len(exercise) == len(earlier) + 5
    mine = exercise[(exercise["reviewer_id"] == newcomer.account_id) & (exercise["application_id"] == ids[0])]
    assert mine.sort_values("dimension_id")["rating"].tolist() == [3, 4, 2, 3, 5]
    progress = calibration_exercises.exercise_progress(demo_db, lead, set_id)
    row = progress[progress["reviewer_id"] == newcomer.account_id].iloc[0]
    assert (row["assigned"], row["submitted"]) == (2, 1)
    listed = calibration_exercises.exercises(demo_db, lead).set_index("set_id").loc[set_id]
    assert (listed["name"], listed["stage_id"], listed["items"]) == ("Separate", 3, 2)
    assert listed["submitted"] == demo_db.scalar(
        "SELECT count(*) FROM scorecards WHERE stage_id = 3 AND status = 'submitted' "
        "AND application_id IN (SELECT unnest(?::INTEGER[]))", [ids])


def test_reference_applications_are_complete_and_not_yet_used(demo_db):
    admin = account(demo_db, "admin")
    pool = calibration_exercises.reference_applications(demo_db, admin, 3)
    assert (pool["reviewers"] >= 2).all() and pool["application_id"].is_unique
    raw = all_scores(demo_db, 3)
    dims = raw.groupby(["application_id", "reviewer_id"])["dimension_id"].nunique()
    complete = (dims == 5).groupby("application_id").sum()
    in_exercises = set(demo_db.frame("SELECT application_id FROM calibration_items WHERE stage_id = 3")
                       ["application_id"])                     # the demo's own exercise uses some already
    assert set(pool["application_id"]) == set(complete[complete >= 2].index) - in_exercises
    used = sorted(pool["application_id"].head(3).tolist())
    calibration_exercises.create_exercise(demo_db, admin, "Used", used, 3, TODAY)
    assert not set(used) & set(calibration_exercises.reference_applications(demo_db, admin, 3)["application_id"])


def _leave_not_assessed(db, application_id: int, reviewer_id: int, dimension_id: int) -> None:
    """Turn one reviewer's take-home rating into a dimension marked not assessed (test set-up)."""
    db.write(lambda cur: cur.execute(
        """UPDATE scores SET rating = NULL, note = '', not_assessed_reason = 'no evidence either way'
           WHERE dimension_id = ? AND scorecard_id = (SELECT scorecard_id FROM scorecards WHERE application_id = ?
                 AND stage_id = 3 AND reviewer_id = ? AND status = 'submitted')""",
        [dimension_id, application_id, reviewer_id]))


def test_exercise_ratings_leave_out_a_dimension_marked_not_assessed(demo_db):
    admin, lead = account(demo_db, "admin"), account(demo_db, "hiring_lead")
    application_id = references(demo_db, 1)[0]
    set_id = calibration_exercises.create_exercise(demo_db, admin, "With a gap", [application_id], 3, TODAY)
    before = calibration_exercises.exercise_ratings(demo_db, lead, set_id)
    reviewer_id = int(before["reviewer_id"].min())
    _leave_not_assessed(demo_db, application_id, reviewer_id, 5)

    after = calibration_exercises.exercise_ratings(demo_db, lead, set_id)

    assert len(after) == len(before) - 1 and after["rating"].between(1, 5).all()
    assert not ((after["reviewer_id"] == reviewer_id) & (after["dimension_id"] == 5)).any()


def test_a_scorecard_with_a_dimension_not_assessed_is_no_complete_calibration_reference(demo_db):
    admin = account(demo_db, "admin")
    pool = calibration_exercises.reference_applications(demo_db, admin, 3)
    pair = pool[pool["reviewers"] == 2]
    application_id = int(pair["application_id"].iloc[0])
    reviewer_id = int(all_scores(demo_db, 3).query("application_id == @application_id")["reviewer_id"].min())
    _leave_not_assessed(demo_db, application_id, reviewer_id, 5)

    after = calibration_exercises.reference_applications(demo_db, admin, 3)

    assert application_id not in set(after["application_id"])          # one complete scorecard is left
    assert len(after) == len(pool) - 1


def test_live_ratings_leave_out_a_dimension_marked_not_assessed(demo_db):
    lead = account(demo_db, "hiring_lead")
    chosen = CalibrationFilter(stage_id=3)
    before = rating_store.live_ratings(demo_db, lead, chosen)
    pairs_before = rating_store.rating_pairs(demo_db, lead, chosen)
    unit = before.groupby(["application_id", "dimension_id"]).filter(lambda g: len(g) == 2).iloc[0]
    _leave_not_assessed(demo_db, int(unit["application_id"]), int(unit["reviewer_id"]), int(unit["dimension_id"]))

    after = rating_store.live_ratings(demo_db, lead, chosen)

    key = ["application_id", "reviewer_id", "dimension_id"]
    gone = before.merge(after[key], on=key, how="left", indicator=True)
    assert gone[gone["_merge"] == "left_only"][key].values.tolist() == [unit[key].astype(int).tolist()]
    assert after["rating"].notna().all()
    # that unit had two ratings: its one pair is gone, and no pair with a missing rating took its place
    assert rating_store.rating_pairs(demo_db, lead, chosen)["pairs"].sum() == pairs_before["pairs"].sum() - 1


def test_newest_weights_are_one_version_summing_to_100(demo_db):
    weights = weight_store.newest(demo_db, account(demo_db, "hiring_lead"))
    assert weights["version_id"].nunique() == 1 and len(weights) == 5
    assert weights["weight_pct"].sum() == pytest.approx(100)
    newest = demo_db.scalar("SELECT version_id FROM weight_versions ORDER BY effective_from DESC LIMIT 1")
    assert weights["version_id"].iloc[0] == newest


@pytest.mark.parametrize("arguments, message", [
    (dict(stage_id=1), "stage_id"),
    (dict(dimension_ids=(6,)), "dimension"),
    (dict(basis="decided"), "basis"),
    (dict(first_month=date(2026, 5, 1), last_month=date(2026, 4, 30)), "after"),
])
def test_filter_refuses_impossible_choices(arguments, message):
    with pytest.raises(ValueError, match=message):
        CalibrationFilter(**arguments)
