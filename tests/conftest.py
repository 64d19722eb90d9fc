"""Shared fixtures: a fresh empty database per test, and one small demo agency per session.

The PostgreSQL fixtures start a private server per session (``initdb`` into a temporary directory,
``pg_ctl start`` on 127.0.0.1 and a free port) and stop it at the end; every test gets a new database
on it. Without a PostgreSQL installation those tests are skipped, except in CI (``CI`` set), where that
is a failure: CI installs PostgreSQL, so its absence there is a broken set-up, not a reason to test less.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from scoring.agency.access import Account
from scoring.demo.generator import DemoConfig, build_demo
from scoring.store import Database
from tests.postgres.server import INSTALL_ROOT, Server, bin_dir, running_server

ROOT = Path(__file__).resolve().parents[1]
DEMO_AS_OF = date(2026, 11, 20)
SMALL_DEMO = DemoConfig(candidates=3_000, seed=11, as_of=DEMO_AS_OF)


#: A demo large enough to chart each reviewer's severity per dimension and month (the small one has too
#: few ratings a month): the drift watch's and the digest's reading of it.
MONTHLY_DEMO = DemoConfig(candidates=20_000, seed=11, as_of=DEMO_AS_OF)


@pytest.fixture(scope="session")
def monthly_demo_file(tmp_path_factory) -> Path:
    """The 20,000-candidate demo, built once per test session (read it, never write to it)."""
    path = tmp_path_factory.mktemp("monthly_demo") / "demo.duckdb"
    build_demo(path, MONTHLY_DEMO)
    return path


def _opened_copy(source: Path, folder: Path) -> Iterator[Database]:
    """A copy of the database file ``source`` in ``folder``, open for the fixture that yields from this."""
    path = folder / source.name
    shutil.copy(source, path)
    with Database(path) as db:
        yield db


@pytest.fixture(scope="module")
def monthly_demo_db(monthly_demo_file, tmp_path_factory) -> Database:
    """A private copy of the 20,000-candidate demo shared by the checks of one module."""
    yield from _opened_copy(monthly_demo_file, tmp_path_factory.mktemp("monthly_demo_copy"))


@pytest.fixture
def empty_db(tmp_path) -> Database:
    """A new database file holding only the schema and its reference rows."""
    with Database(tmp_path / "empty.duckdb") as db:
        yield db


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """A small demo agency built once per test session (read it, never write to it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, SMALL_DEMO)
    return path


@pytest.fixture
def demo_db(demo_file, tmp_path) -> Database:
    """A private copy of the small demo agency that a test may write to."""
    yield from _opened_copy(demo_file, tmp_path)


@pytest.fixture(scope="module")
def module_demo_db(demo_file, tmp_path_factory) -> Database:
    """A private copy of the small demo agency shared by the read-only checks of one module."""
    yield from _opened_copy(demo_file, tmp_path_factory.mktemp("module_demo"))


def account(db: Database, role: str, index: int = 0) -> Account:
    """The ``index``-th account of ``role`` in ``db``."""
    row = db.frame("SELECT account_id, email, display_name, role, session_version FROM accounts WHERE role = ? "
                   "ORDER BY account_id LIMIT 1 OFFSET ?", [role, index]).iloc[0]
    return Account(int(row["account_id"]), row["email"], row["display_name"], row["role"],
                   int(row["session_version"]))


@pytest.fixture
def open_page(demo_db, monkeypatch):
    """Run a page file under AppTest against ``demo_db``, signed in as a role: ``open_page(path, role)``."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SCORECARD_DB", demo_db.location)

    def run(page: str, role: str, index: int = 0, timeout: float = 60) -> AppTest:
        at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
        at.session_state["account"] = account(demo_db, role, index)
        return at.run()

    return run


def choose_tab(at, state_key: str, label: str):
    """Open the page's tab ``label`` (its tab row's choice is kept under ``state_key``) as a click on it
    would, rerun the page, where only the open tab is drawn, and check that it ran without an exception."""
    at.session_state[state_key] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_values(value) -> list:
    """A Plotly trace array as a list: Plotly serialises numpy arrays as base64 typed arrays."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


# -- PostgreSQL ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres() -> Server:
    binaries = bin_dir()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not installed under {INSTALL_ROOT}; "
                        "CI must install it (apt-get install postgresql)")
        pytest.skip(f"PostgreSQL is not installed under {INSTALL_ROOT}")
    with running_server(binaries) as server:
        yield server


#: Marks a test whose setup, call or teardown failed: its temporary folder is kept for a look.
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture(autouse=True)
def _tmp_path_emptied(request):
    """Empty a test's temporary folder once it has passed: a whole run writes hundreds of database copies,
    which would otherwise fill the disk. The folder itself stays, so that no later test gets the same path
    (the shared reports and the page caches know a database by where it is)."""
    yield
    folder = request.node.funcargs.get("tmp_path")
    if folder is None or request.node.stash.get(FAILED, False):
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _test_databases_dropped(request):
    """Drop the PostgreSQL databases a test made (in its own fixtures or its body) once it is over.

    Session and module fixtures are set up before this one, so the databases they share outlive the test.
    """
    if "postgres" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("postgres")
    made_before = len(server.made)
    yield
    server.drop_made_after(made_before)


@pytest.fixture
def pg_url(postgres) -> str:
    """A new, empty PostgreSQL database (no schema yet): its connection string."""
    return postgres.create()


@pytest.fixture(scope="session")
def pg_demo_template(postgres) -> str:
    """The name of a PostgreSQL database holding the small demo agency (copy it, never write to it)."""
    url = postgres.create()
    build_demo(url, SMALL_DEMO)
    return url.rsplit("/", 1)[1]


@pytest.fixture
def pg_demo_url(postgres, pg_demo_template) -> str:
    """A private copy of the small demo agency in PostgreSQL that a test may write to."""
    return postgres.create(template=pg_demo_template)


@pytest.fixture
def managers(monkeypatch) -> list[MediaFileManager]:
    """The media managers AppTest creates, one per run, to make the downloads as a click would."""
    made: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", Recording)
    return made


def on_click(at, managers: list[MediaFileManager], label: str) -> dict:
    """What the download button ``label`` of the last run gives on a click, from the ``managers`` fixture:
    its ``filename``, ``mimetype`` and the ``callable`` that makes the file then, not when the page runs."""
    button = next(b for b in at.get("download_button") if b.proto.label == label)
    return managers[-1]._deferred_callables[button.proto.deferred_file_id]


def downloaded(at, managers: list[MediaFileManager], label: str) -> bytes:
    """The file the download button ``label`` of the last run gives on a click."""
    return on_click(at, managers, label)["callable"]()
