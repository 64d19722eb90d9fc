"""A private PostgreSQL server on 127.0.0.1, for the tests and the benchmark of the PostgreSQL backend.

``initdb`` into a temporary directory, ``pg_ctl start`` on a free port, ``pg_ctl stop`` when done.
The server trusts local connections and skips fsync: it holds only throw-away databases.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"            # initdb refuses root; the Debian package creates this user


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory, if any."""
    found = sorted(INSTALL_ROOT.glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running PostgreSQL server: makes databases and gives their connection strings."""

    bin_dir: Path
    port: int
    home: Path
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    #: The databases made so far, oldest first.
    made: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def create(self, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); returns its connection string."""
        name = f"scorecard_{os.getpid()}_{next(self._names)}"
        command = [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        if template:
            command += ["-T", template]
        subprocess.run([*command, name], check=True, capture_output=True)
        self.made.append(name)
        return self.url(name)

    def drop_made_after(self, count: int) -> None:
        """Drop the databases made after the first ``count``, closing any connection still open to them:
        a whole run makes hundreds, which would otherwise fill the disk."""
        for name in reversed(self.made[count:]):
            subprocess.run([str(self.bin_dir / "dropdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                            "--if-exists", "--force", name], check=False, capture_output=True)
        del self.made[count:]

    def start(self) -> None:
        self._pg_ctl("-o", f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
                           " -c max_connections=200 -c max_wal_size=96MB -c min_wal_size=32MB", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; every connection to it is closed."""
        self._pg_ctl("-m", mode, "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def _pg_ctl(self, *arguments: str) -> None:
        # With a log file of its own, a started server holds none of this call's pipes open.
        subprocess.run(_as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.home / "data"), "-w",
                                        "-l", str(self.home / "server.log"), *arguments]),
                       check=True, capture_output=True, timeout=60)


def _as_server_user(command: list[str]) -> list[str]:
    """Server commands run as ``postgres`` when the caller is root (initdb refuses root)."""
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running_server(binaries: Path) -> Iterator[Server]:
    """Start a throw-away server with the PostgreSQL in ``binaries``; stop and delete it on exit."""
    # Not a private temporary directory of the caller's: the server runs as postgres when we are root.
    home = Path(tempfile.mkdtemp(prefix="scorecard-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SERVER_USER)
        os.chown(home, owner.pw_uid, owner.pw_gid)
    subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(home / "data"), "-A", "trust",
                                    "-U", "postgres", "--no-sync"]), check=True, capture_output=True)
    server = Server(binaries, free_port(), home)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):    # a test may have stopped it already
            server.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)
