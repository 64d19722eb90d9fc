"""Several replicas, one truth: separate processes on one PostgreSQL database see each other's writes,
one dying in the middle of a write leaves nothing half-written while the others carry on, and a
replica outlives a restart of PostgreSQL itself.

The browser-level test, two app servers with one stopped mid-way, is tests/browser/test_replicas.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scoring.agency.access import Account
from scoring.importing.synthetic import synthetic_frames, write_file_set
from scoring.store import Database, scorecards
from scoring.store.archive import REFERENCE_TABLES
from scoring.store.db import audit
from scoring.store.tables import TABLE_ORDER
from tests.conftest import DEMO_AS_OF, account
from tests.importing.conftest import kill_while
from tests.postgres.server import running_server

ROOT = Path(__file__).resolve().parents[2]
IMPORT_SCORE_ROWS = 150_000
RATINGS = {"infrastructure": 3, "deployment": 4, "monitoring": 2, "automation": 3, "governance": 4}


def row_counts(db: Database) -> dict[str, int]:
    return {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in (*REFERENCE_TABLES, *TABLE_ORDER)}


def _open_work(db: Database, how_many: int) -> list[tuple[int, int, int]]:
    """(reviewer_id, application_id, stage_id) of undrafted scored work, each from another reviewer."""
    found = []
    for index in range(int(db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer'"))):
        reviewer = account(db, "reviewer", index)
        queue = scorecards.queue(db, reviewer, DEMO_AS_OF)
        queue = queue[queue["stage_id"].isin((2, 3)) & ~queue["has_draft"]]
        if len(queue):
            found.append((reviewer.account_id, int(queue["application_id"].iloc[0]), int(queue["stage_id"].iloc[0])))
        if len(found) == how_many:
            return found
    raise AssertionError("the demo should give several reviewers open work")


def test_two_processes_submit_at_once_and_each_sees_both(pg_demo_url):
    db = Database(pg_demo_url)
    try:
        first, second = (":".join(map(str, w)) for w in _open_work(db, 2))
    finally:
        db.close()
    start_at = str(time.time() + 3)        # both processes are loaded by then; they then submit together
    replicas = [subprocess.Popen([sys.executable, "-m", "tests.postgres.replica", pg_demo_url, start_at, mine, other],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for mine, other in ((first, second), (second, first))]
    results = []
    for replica in replicas:
        out, err = replica.communicate(timeout=90)
        assert replica.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert [(r["mine"], r["other"]) for r in results] == [(1, 1), (1, 1)]
    assert results[0]["scorecard_id"] != results[1]["scorecard_id"]
    db = Database(pg_demo_url)
    try:
        for work in (first, second):
            reviewer_id, application_id, stage_id = map(int, work.split(":"))
            assert db.scalar("SELECT count(*) FROM scorecards WHERE reviewer_id = ? AND application_id = ? "
                             "AND stage_id = ?", [reviewer_id, application_id, stage_id]) == 1
        ids = [r["scorecard_id"] for r in results]
        assert db.scalar("SELECT count(*) FROM scores WHERE scorecard_id IN (?, ?)", ids) == 10
        assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'submit'") == 2
    finally:
        db.close()


@pytest.mark.slow
def test_a_replica_killed_while_importing_writes_nothing_and_another_carries_on(pg_demo_url, tmp_path):
    files = write_file_set(tmp_path / "files", synthetic_frames(IMPORT_SCORE_ROWS, prefix="CX"))
    survivor = Database(pg_demo_url)
    try:
        before = row_counts(survivor)
        command = [sys.executable, "-m", "scoring.cli", "import", str(files["clients"].parent), "--db", pg_demo_url]
        doomed = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert "checking scores" in kill_while(doomed, "writing scores")

        [work] = _open_work(survivor, 1)                       # the other replica goes on writing
        row = survivor.frame("SELECT email, display_name, role FROM accounts WHERE account_id = ?", [work[0]]).iloc[0]
        reviewer = Account(work[0], row["email"], row["display_name"], row["role"])
        scorecards.submit(survivor, reviewer, work[1], work[2], RATINGS, {})

        after = row_counts(survivor)
        assert {t: after[t] - before[t] for t in after if after[t] != before[t]} == {
            "scorecards": 1, "scores": 5, "audit_log": 1}
        assert survivor.scalar("SELECT count(*) FROM candidates WHERE external_id LIKE 'CX-%'") == 0
    finally:
        survivor.close()


def test_a_replica_rides_out_a_postgresql_restart(postgres):
    """The database restarting (an upgrade, a fail-over) breaks every connection; the replica reconnects."""
    with running_server(postgres.bin_dir) as server:           # a server of its own, to restart
        with Database(server.create()) as replica:
            replica.write(lambda cur: audit(cur, None, "note", "test", "before the restart"))
            assert replica.reader().data_version() == 1

            server.restart()

            replica.write(lambda cur: audit(cur, None, "note", "test", "after the restart"))
            assert replica.data_version() == 2
            assert replica.reader().scalar("SELECT count(*) FROM audit_log") == 2
