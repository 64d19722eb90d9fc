"""Weight versions on a new database: the seeded default is version 1, and new versions follow it.

A version applies from its effective date; one starting before today, or not after the newest
version, is refused (scoring.store.weights.add_version).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import pytest

from scoring.access import Account
from scoring.rubric import DEFAULT_WEIGHTS_PCT
from scoring.scorecard import EARLIEST_DATE
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
                          SCHEMA_PATH.read_text(), flags=re.S).replace("weight_version_ids START 2", "weight_version_ids START 1")
    assert "DATE '1900-01-01'" not in older_schema
    with duckdb.connect(str(path)) as con:
        con.execute(older_schema)
        assert con.execute("SELECT count(*) FROM weight_versions").fetchone()[0] == 0

    with Database(path) as db:
        admin = first_admin(db)
        assert weights.versions(db, admin)["version_id"].tolist() == [1]
        assert weights.add_version(db, admin, MONITORING_FIRST, TODAY, "monitoring first", today=TODAY) == 2
