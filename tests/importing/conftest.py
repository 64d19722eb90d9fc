"""Helpers for the import, export and crash-safety tests: the sample files, broken cases, snapshots."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scoring.importing.files import Source
from scoring.store import Database
from scoring.store.archive import REFERENCE_TABLES
from scoring.store.importer import ImportResult, operator_import
from scoring.store.tables import TABLE_ORDER

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
BROKEN = Path(__file__).parent / "broken"
TODAY = date(2026, 11, 23)        # the day the sample files were checked against; later days work too
ALL_TABLES = TABLE_ORDER + REFERENCE_TABLES


def sample_sources(replaced_by: Path | None = None, without: tuple[str, ...] = ()) -> list[Source]:
    """The sample file set, each file named by its bare file name; files in ``replaced_by`` take the
    place of the samples of the same name (or join them)."""
    extra = sorted(replaced_by.iterdir()) if replaced_by else []
    taken = {p.name for p in extra} | set(without)
    return [Source(p.name, p) for p in sorted(SAMPLES.glob("*.csv")) if p.name not in taken] + [
        Source(p.name, p) for p in extra]


def run_import(db: Database, sources: list[Source], **options) -> ImportResult:
    return operator_import(db, sources, today=TODAY, **options)


def sample_frame(table: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLES / f"{table}.csv", dtype=str, keep_default_na=False)


def text_source(name: str, text: str) -> Source:
    """A file given as its text, named ``name``, as an upload is."""
    return Source(name, data=text.encode())


def file_text(path: Path, replace: tuple[str, str] | None = None) -> str:
    """The text of ``path``, with every ``replace[0]`` replaced by ``replace[1]`` when given."""
    text = path.read_text()
    return text.replace(*replace) if replace else text


def submitted_ratings(db: Database, applications: Sequence[str]) -> dict[tuple[str, str, str], object]:
    """(application, reviewer's first name, dimension code) -> the rating, or the not-assessed reason, in the
    submitted scorecards of ``applications`` (their ids as imported)."""
    frame = db.frame(f"""
        SELECT a.external_id AS application, acc.email, d.code AS dimension, s.rating, s.not_assessed_reason
        FROM scores AS s JOIN scorecards AS sc USING (scorecard_id) JOIN applications AS a USING (application_id)
        JOIN accounts AS acc ON acc.account_id = sc.reviewer_id JOIN dimensions AS d USING (dimension_id)
        WHERE sc.status = 'submitted' AND a.external_id IN ({", ".join("?" * len(applications))})""",
                     list(applications))
    return {(r.application, r.email.split(".")[0], r.dimension):
            r.not_assessed_reason if pd.isna(r.rating) else int(r.rating) for r in frame.itertuples()}


def imported_again(db: Database, do_import: Callable[[], ImportResult]) -> ImportResult:
    """Import once, which must change ``db``, then the same again: the second import's result, once checked
    to have added no audit entry."""
    assert do_import().changed
    audit_before = db.scalar("SELECT count(*) FROM audit_log")
    again = do_import()
    assert db.scalar("SELECT count(*) FROM audit_log") == audit_before
    return again


def amended_rating(db: Database, dimension: str) -> tuple[object, object]:
    """The rating of ``dimension`` before and after the first scorecard an import amended, from its audit entry."""
    entry = db.frame("SELECT before, after FROM audit_log WHERE action = 'import_amend' ORDER BY audit_id").iloc[0]
    return json.loads(entry["before"])["ratings"][dimension], json.loads(entry["after"])["ratings"][dimension]


def fingerprints(connection: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Row count and an order-free checksum of every table."""
    return {table: tuple(connection.execute(
        f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {table} AS t").fetchone()) for table in ALL_TABLES}


def db_fingerprints(db: Database) -> dict[str, tuple[int, int]]:
    with db.cursor() as cur:
        return fingerprints(cur)


@pytest.fixture
def sample_db(empty_db) -> Database:
    """An empty database into which the sample agency has been imported."""
    result = run_import(empty_db, sample_sources())
    assert result.ok, [str(p) for p in result.problems]
    return empty_db


def wait_for_output(process: subprocess.Popen, words: str, seconds: float = 240) -> str:
    """Read the child's progress output until ``words`` appear; return what was read."""
    seen, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.05)
        if ready:
            chunk = os.read(process.stderr.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
            if words.encode() in seen:
                return seen.decode(errors="replace")
    process.kill()
    raise AssertionError(f"the import never reported {words!r}; it said: {seen.decode(errors='replace')[-2000:]}")


def kill_while(process: subprocess.Popen, words: str) -> str:
    """SIGKILL ``process`` a moment after its progress output says ``words``; return what it said.

    It must still be running then: a process that finished first proves nothing about a crash.
    """
    try:
        output = wait_for_output(process, words)
        time.sleep(0.25)                                    # well inside that step
        assert process.poll() is None, f"the process finished before it could be killed while {words}"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
        return output
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()
