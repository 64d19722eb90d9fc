"""Every page works unchanged on PostgreSQL, and says how fresh its figures are."""

from __future__ import annotations

import gc
import time

import pytest
from streamlit.testing.v1 import AppTest

from scoring.agency.access import PERMISSIONS
from scoring.store import Database
from scoring.store.db import audit
from tests.conftest import ROOT, account
from ui.navigation import PAGES


@pytest.fixture(scope="module")
def pg_pages_url(postgres, pg_demo_template) -> str:
    """One copy of the demo for this module's read-only page runs."""
    return postgres.create(template=pg_demo_template)


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_every_page_renders_from_postgres(spec, pg_pages_url, monkeypatch):
    monkeypatch.setenv("SCORECARD_DB", pg_pages_url)
    role = sorted(PERMISSIONS[spec.permission])[0]
    db = Database(pg_pages_url)
    try:
        signed_in = account(db, role)
    finally:
        db.close()
    at = AppTest.from_file(str(ROOT / spec.path), default_timeout=90)
    at.session_state["account"] = signed_in
    at.run()

    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    note = " ".join(caption.value for caption in at.sidebar.caption)
    assert "Figures as of" in note and "within 5 s" in note


def test_a_page_on_a_duckdb_file_says_nothing_about_freshness(open_page):
    at = open_page("pages/pipeline.py", "hiring_lead")
    assert not any("Figures as of" in caption.value for caption in at.sidebar.caption)


def test_a_replica_takes_its_first_copy_while_the_first_visitor_signs_in(postgres, pg_demo_template, monkeypatch):
    from ui.context import _open

    url = postgres.create(template=pg_demo_template)
    monkeypatch.setenv("SCORECARD_DB", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert at.button[0].label == "Sign in" and not at.exception

    replica = _open(url)                   # the handle the sign-in page opened
    deadline = time.monotonic() + 30
    while replica.copies.copy is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert replica.copies.copy is not None


def test_pages_rereading_after_writes_leave_only_the_newest_copy_in_memory(postgres, pg_demo_template, monkeypatch):
    from ui.context import _open

    url = postgres.create(template=pg_demo_template)
    monkeypatch.setenv("SCORECARD_DB", url)
    replica = _open(url)
    at = AppTest.from_file(str(ROOT / "pages" / "pipeline.py"), default_timeout=60)
    at.session_state["account"] = account(replica, "hiring_lead")
    taken = []
    for write in range(3):
        at.run()
        assert not at.exception
        taken.append(replica.reader()._catalog)
        replica.write(lambda cur, n=write: audit(cur, None, "note", "test", f"write {n}"))
    at.run()
    taken.append(replica.reader()._catalog)

    gc.collect()
    assert len(set(taken)) == 4                 # each rerun after a write read a new copy
    copies = replica.frame("SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'local_copy_%'")
    assert copies["database_name"].tolist() == [taken[-1]]
