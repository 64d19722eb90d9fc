"""While PostgreSQL is down, a replica keeps showing its last copy, says so, and refuses writes clearly."""

from __future__ import annotations

import time

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from scoring.demo.generator import build_demo
from scoring.store import Database
from scoring.store.db import audit, is_unreachable
from tests.conftest import ROOT, SMALL_DEMO, account
from tests.postgres.server import running_server
from ui.context import UNREACHABLE, _open


@pytest.fixture
def own_server(postgres):
    """A server of the test's own, to stop and start again, holding the small demo agency."""
    with running_server(postgres.bin_dir) as server:
        url = server.create()
        build_demo(url, SMALL_DEMO)
        yield server, url


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the replica did not notice in time"
        time.sleep(0.05)


def sidebar_text(at: AppTest) -> str:
    return " ".join([c.value for c in at.sidebar.caption] + [w.value for w in at.sidebar.warning])


def test_pages_show_the_last_copy_while_the_database_is_down_and_recover(own_server, monkeypatch):
    server, url = own_server
    monkeypatch.setenv("SCORECARD_DB", url)
    monkeypatch.setenv("SCORECARD_REFRESH_SECONDS", "0")       # look for changes on every read
    with Database(url) as db:
        lead = account(db, "hiring_lead")
    at = AppTest.from_file(str(ROOT / "pages" / "pipeline.py"), default_timeout=60)
    at.session_state["account"] = lead
    at.run()
    figures = [(m.label, m.value) for m in at.metric]
    assert "Figures as of" in sidebar_text(at) and figures

    replica = _open(url)                                       # the handle the page reads through
    server.stop()
    wait_until(lambda: not replica.copies.reachable)           # its next background check finds out
    at.run()
    assert not at.exception
    assert "The database cannot be reached" in sidebar_text(at)
    assert [(m.label, m.value) for m in at.metric] == figures      # the last copy, still served

    server.start()
    wait_until(lambda: replica.copies.reachable)
    at.run()
    assert not at.exception
    assert "cannot be reached" not in sidebar_text(at) and "Figures as of" in sidebar_text(at)


def test_sign_in_and_writes_are_refused_clearly_while_the_database_is_down(own_server, monkeypatch):
    server, url = own_server
    monkeypatch.setenv("SCORECARD_DB", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    replica = Database(url)
    try:
        server.stop()
        at.text_input(key="sign_in_email").input("lead@demo.example")
        at.text_input(key="sign_in_password").input("demo-password")
        at.button[0].click()
        at.run()
        assert not at.exception
        assert [e.value for e in at.error] == [UNREACHABLE]
        assert "account" not in at.session_state or at.session_state["account"] is None

        with pytest.raises(duckdb.Error) as refused:
            replica.write(lambda cur: audit(cur, None, "note", "test", "while down"))
        assert is_unreachable(refused.value)

        server.start()
        replica.write(lambda cur: audit(cur, None, "note", "test", "back again"))
        assert replica.scalar("SELECT count(*) FROM audit_log WHERE entity_key = 'back again'") == 1
        assert replica.scalar("SELECT count(*) FROM audit_log WHERE entity_key = 'while down'") == 0
    finally:
        replica.close()
