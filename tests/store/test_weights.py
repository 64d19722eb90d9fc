"""Weight versions on a new database: the seeded default is version 1, and new versions follow it.

A version applies from its effective date; one starting before today, more than a year ahead, or
not after the newest version, is refused (scoring.store.weights.add_version). Until its date comes,
an admin may withdraw it (scoring.store.weights.withdraw_version); a version in force or past is
never changed.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from scoring.agency.access import Account, PermissionDenied
from scoring.agency.scorecard import EARLIEST_DATE
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.store import Database, DatabaseError, weights
from scoring.store.accounts import create_operator_account
from scoring.store.db import SCHEMA_PATH

TODAY = date(2026, 11, 20)
MONITORING_FIRST = {"infrastructure": 20, "deployment": 25, "monitoring": 25, "automation": 20, "governance": 10}


def first_admin(db: Database) -> Account:
    account_id = create_operator_account(db, email="first.admin@new-agency.example", display_name="First Admin",
                                         role="admin", password=None)
    return Account(account_id, "first.admin@new-agency.example", "First Admin", "admin")


def test_a_new_database_lists_only_the_default_version(empty_db):
    table = weights.versions(empty_db, first_admin(empty_db))
    assert table["version_id"].tolist() == [1]
    assert table["effective_from"].iloc[0].date() == EARLIEST_DATE
    assert table["created_by"].tolist() == ["system"]
    assert {code: table[code].iloc[0] for code in DEFAULT_WEIGHTS_PCT} == dict(DEFAULT_WEIGHTS_PCT)


def test_the_first_version_an_admin_adds_is_version_2(empty_db):
    admin = first_admin(empty_db)
    assert weights.add_version(empty_db, admin, MONITORING_FIRST, TODAY, "monitoring first", today=TODAY) == 2
    assert weights.add_version(empty_db, admin, DEFAULT_WEIGHTS_PCT, TODAY + timedelta(days=30), "back",
                               today=TODAY) == 3
    assert weights.versions(empty_db, admin)["version_id"].tolist() == [1, 2, 3]


def test_a_version_must_start_after_the_newest_and_not_in_the_past(empty_db):
    admin = first_admin(empty_db)
    weights.add_version(empty_db, admin, MONITORING_FIRST, TODAY + timedelta(days=10), "later", today=TODAY)
    with pytest.raises(DatabaseError, match="must be after the newest version's date"):
        weights.add_version(empty_db, admin, DEFAULT_WEIGHTS_PCT, TODAY + timedelta(days=10), "same day", today=TODAY)
    with pytest.raises(DatabaseError, match="is in the past"):
        weights.add_version(empty_db, admin, DEFAULT_WEIGHTS_PCT, TODAY - timedelta(days=1), "backdated", today=TODAY)
    assert weights.versions(empty_db, admin)["version_id"].tolist() == [1, 2]


def test_a_file_made_before_the_seed_gets_it_and_new_ids_stay_above_it(tmp_path):
    """Such a file's id sequence started at 1; opening it seeds version 1, so the next id must be 2."""
    path = tmp_path / "older.duckdb"
    older_schema = re.sub(r"-- Every database starts with the seed's default weights.*?ON CONFLICT DO NOTHING;\n"
                          r"INSERT INTO dimension_weights VALUES \(1, 1, 25\).*?ON CONFLICT DO NOTHING;\n", "",
                          SCHEMA_PATH.read_text(), flags=re.S).replace("weight_version_ids START 2",
                                                                       "weight_version_ids START 1")
    assert "DATE '1900-01-01'" not in older_schema
    with duckdb.connect(str(path)) as con:
        con.execute(older_schema)
        assert con.execute("SELECT count(*) FROM weight_versions").fetchone()[0] == 0

    with Database(path) as db:
        admin = first_admin(db)
        assert weights.versions(db, admin)["version_id"].tolist() == [1]
        assert weights.add_version(db, admin, MONITORING_FIRST, TODAY, "monitoring first", today=TODAY) == 2


# -- at most a year ahead -------------------------------------------------------------------------

def test_a_version_may_start_at_most_a_year_ahead(empty_db):
    admin = first_admin(empty_db)
    for too_far in (date(2027, 11, 21), date(9999, 12, 31)):
        with pytest.raises(DatabaseError, match=f"{too_far} is more than 1 year ahead; a new version starts by "
                                                "2027-11-20 at the latest"):
            weights.add_version(empty_db, admin, MONITORING_FIRST, too_far, "far", today=TODAY)
    assert weights.add_version(empty_db, admin, MONITORING_FIRST, date(2027, 11, 20), "a year on", today=TODAY) == 2


@pytest.mark.parametrize("today, latest", [(date(2026, 11, 20), date(2027, 11, 20)),
                                           (date(2028, 2, 29), date(2029, 2, 28)),
                                           (date(2027, 2, 28), date(2028, 2, 28))])
def test_a_year_ahead_is_the_same_day_next_year(today, latest):
    assert weights.latest_start(today) == latest


# -- withdrawing a version before it takes effect -------------------------------------------------

def audit_of(db: Database, action: str) -> pd.DataFrame:
    return db.frame("SELECT actor_id, entity_key, before, after FROM audit_log WHERE action = ? AND "
                    "entity = 'weight_version' ORDER BY audit_id", [action])


def test_a_future_version_is_withdrawn_audited_and_its_date_free_again(empty_db):
    admin = first_admin(empty_db)
    start = TODAY + timedelta(days=10)
    version_id = weights.add_version(empty_db, admin, MONITORING_FIRST, start, "monitoring first", today=TODAY)

    weights.withdraw_version(empty_db, admin, version_id, today=TODAY)

    assert weights.versions(empty_db, admin)["version_id"].tolist() == [1]
    assert empty_db.scalar("SELECT count(*) FROM weight_versions WHERE version_id = ?", [version_id]) == 0
    assert empty_db.scalar("SELECT count(*) FROM dimension_weights WHERE version_id = ?", [version_id]) == 0
    entry = audit_of(empty_db, "withdraw").iloc[0]
    assert (entry["actor_id"], entry["entity_key"], entry["after"]) == (admin.account_id, str(version_id), None)
    assert json.loads(entry["before"]) == {"effective_from": start.isoformat(), "weights_pct": MONITORING_FIRST,
                                           "note": "monitoring first"}
    again = weights.add_version(empty_db, admin, DEFAULT_WEIGHTS_PCT, start, "second thoughts", today=TODAY)
    assert weights.versions(empty_db, admin)["version_id"].tolist() == [1, again]


def test_a_version_dated_far_ahead_by_mistake_is_withdrawn_and_stops_blocking_earlier_ones(empty_db):
    admin = first_admin(empty_db)
    slip = weights.add_version(empty_db, admin, MONITORING_FIRST, weights.latest_start(TODAY), "typo", today=TODAY)
    with pytest.raises(DatabaseError, match="must be after the newest version's date"):
        weights.add_version(empty_db, admin, MONITORING_FIRST, TODAY + timedelta(days=7), "meant", today=TODAY)

    weights.withdraw_version(empty_db, admin, slip, today=TODAY)

    weights.add_version(empty_db, admin, MONITORING_FIRST, TODAY + timedelta(days=7), "meant", today=TODAY)


@pytest.mark.parametrize("starts_in", [0, -1], ids=["in force from today", "in the past"])
def test_a_version_in_force_or_past_is_never_withdrawn(empty_db, starts_in):
    admin = first_admin(empty_db)
    version_id = weights.add_version(empty_db, admin, MONITORING_FIRST, TODAY, "from today", today=TODAY)
    today = TODAY - timedelta(days=starts_in)
    before = empty_db.frame("SELECT * FROM dimension_weights ORDER BY ALL")
    written = empty_db.data_version()

    for refused in (version_id, 1):
        with pytest.raises(DatabaseError, match=f"version {refused} took effect on .*never changed"):
            weights.withdraw_version(empty_db, admin, refused, today=today)

    assert empty_db.frame("SELECT * FROM dimension_weights ORDER BY ALL").equals(before)
    assert empty_db.data_version() == written


def test_an_unknown_version_cannot_be_withdrawn(empty_db):
    with pytest.raises(DatabaseError, match="there is no weight version 42"):
        weights.withdraw_version(empty_db, first_admin(empty_db), 42, today=TODAY)


def test_only_admins_withdraw_a_version(empty_db):
    admin = first_admin(empty_db)
    version_id = weights.add_version(empty_db, admin, MONITORING_FIRST, TODAY + timedelta(days=3), "", today=TODAY)
    lead_id = create_operator_account(empty_db, email="lead@new-agency.example", display_name="Lee Lead",
                                      role="hiring_lead", password=None)
    with pytest.raises(PermissionDenied, match="manage weights is for: Admin"):
        weights.withdraw_version(empty_db, Account(lead_id, "lead@new-agency.example", "Lee Lead", "hiring_lead"),
                                 version_id, today=TODAY)
    assert weights.versions(empty_db, admin)["version_id"].tolist() == [1, version_id]


def test_a_withdrawal_cut_short_scores_nothing_under_the_version_and_is_finished_later(empty_db):
    """The weights went (the first step) but the version's row stayed: as if the server died between."""

    admin = first_admin(empty_db)
    version_id = weights.add_version(empty_db, admin, MONITORING_FIRST, TODAY + timedelta(days=5), "", today=TODAY)
    empty_db.write(lambda cur: cur.execute("DELETE FROM dimension_weights WHERE version_id = ?", [version_id]))

    assert weights.versions(empty_db, admin)["version_id"].tolist() == [1]
    assert set(weights.newest(empty_db, admin)["version_id"]) == {1}
    with pytest.raises(DatabaseError, match="there is no weight version"):
        weights.withdraw_version(empty_db, admin, version_id, today=TODAY)
    weights.add_version(empty_db, admin, DEFAULT_WEIGHTS_PCT, TODAY + timedelta(days=5), "", today=TODAY)
    assert empty_db.scalar("SELECT count(*) FROM weight_versions WHERE version_id = ?", [version_id]) == 0

