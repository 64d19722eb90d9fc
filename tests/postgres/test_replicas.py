"""Several replicas, one truth: separate processes on one PostgreSQL database see each other's writes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scoring.store import Database, scorecards
from tests.conftest import DEMO_AS_OF, account

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


@pytest.mark.slow
def test_two_streamlit_servers_serve_from_one_postgres(pg_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    env = {**os.environ, "SCORECARD_DB": pg_demo_url}
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                                 "--server.headless", "true", "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for port in ports]
    try:
        deadline = time.time() + STARTUP_SECONDS
        while not all(_healthy(p) for p in ports) and time.time() < deadline:
            time.sleep(0.2)
        assert all(_healthy(p) for p in ports)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)

    # The pipeline page itself, rendered against PostgreSQL (a server only renders for a browser session).
    monkeypatch.setenv("SCORECARD_DB", pg_demo_url)
    db = Database(pg_demo_url)
    try:
        lead = account(db, "hiring_lead")
    finally:
        db.close()
    at = AppTest.from_file(str(ROOT / "pages" / "pipeline.py"), default_timeout=60)
    at.session_state["account"] = lead
    at.run()
    assert not at.exception
    assert {m.label for m in at.metric} >= {"Open searches"}
