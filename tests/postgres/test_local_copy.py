"""A replica's local copy: the same rows as PostgreSQL, read-only, and never staler than promised."""

from __future__ import annotations

import gc
import threading
import time

import pandas as pd
import pytest

from scoring.store import Database, DatabaseError, applications, local_copy, searches
from scoring.store.archive import REFERENCE_TABLES
from scoring.store.db import audit
from scoring.store.local_copy import CopyKeeper, LocalCopy
from scoring.store.tables import TABLE_ORDER
from tests.conftest import DEMO_AS_OF, account


@pytest.fixture
def replica(pg_demo_url) -> Database:
    db = Database(pg_demo_url)
    db.refresh_seconds = 3600          # each test says when the copy may look for others' changes
    yield db
    db.close()


@pytest.fixture
def other_replica(pg_demo_url) -> Database:
    with Database(pg_demo_url) as db:
        yield db


def note(db: Database, text: str) -> None:
    """A write of the smallest kind: one audit-log entry, as every write makes."""
    db.write(lambda cur: audit(cur, None, "note", "test", text))


def test_the_copy_holds_every_table_with_every_row(replica):
    copy = replica.reader()
    assert isinstance(copy, LocalCopy)
    for name in (*REFERENCE_TABLES, *TABLE_ORDER):       # every table of schema.sql
        assert copy.scalar(f"SELECT count(*) FROM {name}") == replica.scalar(f"SELECT count(*) FROM {name}"), name
    assert copy.scalar("SELECT count(*) FROM current_scores") == replica.scalar("SELECT count(*) FROM current_scores")


@pytest.mark.parametrize("read", [
    lambda db, lead: applications.funnel_counts(db, lead, searches.SearchFilter(), DEMO_AS_OF, True),
    lambda db, lead: applications.stalled(db, lead, searches.SearchFilter(), DEMO_AS_OF, 20),
    lambda db, lead: applications.stage_entries(db, lead, searches.SearchFilter()),
], ids=["funnel by month", "stalled", "stage entries"])
def test_store_reads_give_the_same_figures_from_the_copy_as_from_postgres(replica, read):
    lead = account(replica, "hiring_lead")
    pd.testing.assert_frame_equal(in_order(read(replica.reader(), lead)), in_order(read(replica, lead)),
                                  check_dtype=False)


def in_order(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted on every column: a read without a full ORDER BY may return ties in any order."""
    return rows.sort_values(list(rows.columns)).reset_index(drop=True)


def test_the_copy_refuses_writes(replica):
    with pytest.raises(DatabaseError, match="read-only"):
        note(replica.reader(), "into the copy")


def test_a_file_database_reads_from_itself(demo_db):
    assert demo_db.reader() is demo_db


def test_a_replica_reads_its_own_write_at_once(replica):
    before = replica.reader()
    note(replica, "mine")
    after = replica.reader()
    assert after is not before
    assert after.data_version() == before.data_version() + 1
    assert after.scalar("SELECT count(*) FROM audit_log WHERE entity_key = 'mine'") == 1


def test_another_replicas_write_shows_once_the_refresh_interval_has_passed(replica, other_replica):
    before = replica.reader()
    note(other_replica, "theirs")
    assert replica.reader() is before                 # within the interval: the copy stands
    replica.refresh_seconds = 0                       # the interval has passed
    after = showing(replica, "theirs")                # taken in the background, not by the reads
    assert after.taken_at > before.taken_at


def test_without_changes_the_copy_is_kept(replica):
    before = replica.reader()
    replica.refresh_seconds = 0
    time.sleep(10 * CopyKeeper.TICK)                  # several checks, none finding a change
    assert replica.reader() is before


def test_reads_do_not_wait_while_a_new_copy_is_taken_for_another_replicas_write(replica, other_replica,
                                                                                  monkeypatch):
    before = replica.reader()
    copying, release = threading.Event(), threading.Event()
    real_take_copy = local_copy.take_copy

    def slow_take_copy(source):
        copying.set()
        release.wait(30)
        return real_take_copy(source)

    monkeypatch.setattr(local_copy, "take_copy", slow_take_copy)
    note(other_replica, "theirs")
    replica.refresh_seconds = 0
    assert copying.wait(10)                           # the background copy has started ...
    assert replica.reader() is before                 # ... and a read meanwhile gets the current copy at once
    release.set()
    showing(replica, "theirs")


def test_closing_the_database_stops_its_background_checks(pg_demo_url):
    db = Database(pg_demo_url)
    db.reader()
    watcher = db.copies._watcher
    db.close()
    watcher.join(5)
    assert not watcher.is_alive()


def test_a_transaction_that_commits_after_a_newer_one_still_moves_the_version(replica, other_replica, pg_demo_url):
    """Sequence ids are drawn at insert but become visible at commit: the newest id would miss this."""
    replica.refresh_seconds = 0
    with Database(pg_demo_url) as late:
        with late.transaction() as cur:
            audit(cur, None, "note", "test", "drawn first, committed last")
            note(other_replica, "drawn second, committed first")
            seen = showing(replica, "drawn second, committed first")
        assert seen.scalar("SELECT count(*) FROM audit_log WHERE entity_key = 'drawn first, committed last'") == 0
        assert replica.data_version() == seen.data_version() + 1
        showing(replica, "drawn first, committed last")


def showing(replica: Database, entry: str, seconds: float = 10) -> LocalCopy:
    """The replica's copy once it holds the audit entry ``entry``; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        copy = replica.reader()
        if copy.scalar("SELECT count(*) FROM audit_log WHERE entity_key = ?", [entry]) == 1:
            return copy
        time.sleep(0.02)
    raise AssertionError(f"no copy showed {entry!r} within {seconds} s")


def attached(db: Database) -> set[str]:
    return set(db.frame("SELECT database_name FROM duckdb_databases()")["database_name"])


def test_a_replaced_copy_still_answers_its_reader_and_is_released_once_unused(replica):
    older = replica.reader()
    note(replica, "moves the data on")
    newer = replica.reader()
    assert older.scalar("SELECT count(*) FROM audit_log") + 1 == newer.scalar("SELECT count(*) FROM audit_log")

    catalog = older._catalog
    assert catalog in attached(replica)
    del older
    gc.collect()
    assert catalog not in attached(replica)
    assert newer._catalog in attached(replica)
