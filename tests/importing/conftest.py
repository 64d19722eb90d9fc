"""Helpers for the import, export and crash-safety tests: the sample files, broken cases, snapshots."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
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
