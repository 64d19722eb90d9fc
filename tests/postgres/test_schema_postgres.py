"""The schema in PostgreSQL: applied at every start without harm, and refusing impossible rows."""

from __future__ import annotations

import duckdb
import pytest

from scoring.store.db import Database, is_constraint_violation, next_id

REFERENCE_COUNTS = {"stages": 4, "dimensions": 5, "tools": 29}


def _counts(db: Database) -> dict[str, int]:
    return {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in REFERENCE_COUNTS}


def test_opening_twice_keeps_reference_rows_and_sequences(pg_url):
    first = Database(pg_url)
    assert first.is_postgres
    assert _counts(first) == REFERENCE_COUNTS
    with first.transaction() as cur:
        drawn = next_id(cur, "client_ids")
    first.close()

    again = Database(pg_url)                  # the schema is applied again: nothing changes
    try:
        assert _counts(again) == REFERENCE_COUNTS
        with again.transaction() as cur:
            assert next_id(cur, "client_ids") == drawn + 1
        assert again.data_version() == 0
    finally:
        again.close()


def test_a_rating_of_six_is_refused(pg_url):
    db = Database(pg_url)
    try:
        with pytest.raises(duckdb.Error) as refused:
            with db.transaction() as cur:
                cur.execute("INSERT INTO scores (scorecard_id, dimension_id, rating) VALUES (1, 1, 6)")
        assert is_constraint_violation(refused.value)
        assert db.scalar("SELECT count(*) FROM scores") == 0
    finally:
        db.close()


def test_a_duplicate_key_is_a_constraint_violation(pg_url):
    db = Database(pg_url)
    try:
        db.write(lambda cur: cur.execute("INSERT INTO metadata VALUES ('k', 'v')"))
        with pytest.raises(duckdb.Error) as refused:
            db.write(lambda cur: cur.execute("INSERT INTO metadata VALUES ('k', 'other')"))
        assert is_constraint_violation(refused.value)
        assert db.scalar("SELECT value FROM metadata WHERE key = 'k'") == "v"
    finally:
        db.close()


def test_an_exception_inside_a_transaction_writes_nothing(pg_url):
    db = Database(pg_url)
    try:
        with pytest.raises(RuntimeError):
            with db.transaction() as cur:
                cur.execute("INSERT INTO metadata VALUES ('half', 'written')")
                raise RuntimeError("interrupted")
        assert db.scalar("SELECT count(*) FROM metadata") == 0
    finally:
        db.close()
