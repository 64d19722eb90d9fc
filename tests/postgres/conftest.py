"""A private PostgreSQL server for the tests of the PostgreSQL backend.

The session starts its own server (``initdb`` into a temporary directory, ``pg_ctl start`` on
127.0.0.1 and a free port) and stops it at the end; every test gets a new database on it. Without a
PostgreSQL installation the tests are skipped, except in CI (``CI`` set), where that is a failure:
CI installs PostgreSQL, so its absence there is a broken set-up, not a reason to test less.
"""

from __future__ import annotations

import os

import pytest

from scoring.demo import build_demo
from tests.conftest import SMALL_DEMO
from tests.postgres.server import INSTALL_ROOT, Server, bin_dir, running_server


@pytest.fixture(scope="session")
def postgres() -> Server:
    binaries = bin_dir()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not installed under {INSTALL_ROOT}; CI must install it (apt-get install postgresql)")
        pytest.skip(f"PostgreSQL is not installed under {INSTALL_ROOT}")
    with running_server(binaries) as server:
        yield server


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
