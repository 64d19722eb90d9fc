"""A private PostgreSQL server for the tests of the PostgreSQL backend.

The session starts its own server (``initdb`` into a temporary directory, ``pg_ctl start`` on
127.0.0.1 and a free port) and stops it at the end; every test gets a new database on it. Without a
PostgreSQL installation the tests are skipped, except in CI (``CI`` set), where that is a failure:
CI installs PostgreSQL, so its absence there is a broken set-up, not a reason to test less.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from scoring.demo import build_demo
from tests.conftest import SMALL_DEMO

INSTALL_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"            # initdb refuses root; the Debian package creates this user


def _bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory, if any."""
    found = sorted(INSTALL_ROOT.glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running PostgreSQL server: makes databases and gives their connection strings."""

    bin_dir: Path
    port: int
    _names = itertools.count(1)

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def create(self, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); returns its connection string."""
        name = f"scorecard_{os.getpid()}_{next(self._names)}"
        command = [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        if template:
            command += ["-T", template]
        subprocess.run([*command, name], check=True, capture_output=True)
        return self.url(name)


def _as_server_user(command: list[str]) -> list[str]:
    """Server commands run as ``postgres`` when the tests run as root (initdb refuses root)."""
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres() -> Server:
    bin_dir = _bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not installed under {INSTALL_ROOT}; CI must install it (apt-get install postgresql)")
        pytest.skip(f"PostgreSQL is not installed under {INSTALL_ROOT}")
    # Not pytest's tmp_path: its directories are private to the test user, and the server runs as postgres.
    home = Path(tempfile.mkdtemp(prefix="scorecard-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SERVER_USER)
        os.chown(home, owner.pw_uid, owner.pw_gid)
    data, port = home / "data", _free_port()
    subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                    "--no-sync"]), check=True, capture_output=True)
    subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-w",
                                    "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
                                    " -c max_connections=200", "start"]), check=True, capture_output=True)
    try:
        yield Server(bin_dir, port)
    finally:
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


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
