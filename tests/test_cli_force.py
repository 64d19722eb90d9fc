"""Nothing replaces a live database: ``scorecard demo``, ``init`` and ``restore`` over an existing one.

A command that makes a new database refuses an existing file unless given ``--force``, saying what
the file holds, and leaves it byte for byte as it was. Even with ``--force`` it refuses a file that
another process has open (a running dashboard): DuckDB locks the file it opens, and replacing the
file under a running server is how drafts saved after the replacement were lost (issue 18). The
default location is no exception. Every refusal is a sentence and exit code 1, never a traceback.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from scoring.cli import main
from scoring.store import Database
from scoring.store.accounts import authenticate
from tests.held_file import held_by_another_process

ADMIN = "first.admin@new-agency.example"
PASSWORD = "a-long-first-password"
IN_USE = "is open in another program (a running dashboard or another scorecard command); stop that program first"


def demo_args(path, candidates: int = 300) -> list[str]:
    return ["demo", "--db", str(path), "--candidates", str(candidates), "--seed", "3", "--as-of", "2026-01-15"]


def init_args(path, *extra: str) -> list[str]:
    return ["init", "--db", str(path), "--admin-email", ADMIN, "--name", "Ana Admin", "--password-stdin", *extra]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def candidates(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM candidates").fetchone()[0]


def no_prompt_expected(monkeypatch) -> None:
    def refuse(prompt: str = "") -> str:
        raise AssertionError(f"the password was asked for: {prompt!r}")

    monkeypatch.setattr("getpass.getpass", refuse)


@pytest.fixture
def agency(demo_file, tmp_path) -> Path:
    """A copy of the small demo agency (3,000 candidates) where a dashboard would serve it."""
    path = tmp_path / "agency.duckdb"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture
def export(demo_file, tmp_path) -> Path:
    """An export of the demo agency, to restore."""
    assert main(["export", str(tmp_path / "dump"), "--db", str(demo_file)]) == 0
    return tmp_path / "dump"


def run(command: str, path: Path, monkeypatch, export: Path, *extra: str) -> int:
    if command == "restore":
        return main(["restore", str(export), "--db", str(path), *extra])
    if command == "init":
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        return main([*init_args(path), *extra])
    return main([*demo_args(path), *extra])


# -- an existing file needs --force --------------------------------------------------------------------

@pytest.mark.parametrize("command", ["demo", "init", "restore"])
def test_an_existing_database_file_is_refused_without_force_and_left_as_it_was(agency, export, monkeypatch,
                                                                              capsys, command):
    before = digest(agency)
    no_prompt_expected(monkeypatch)
    capsys.readouterr()

    assert run(command, agency, monkeypatch, export) == 1

    err = capsys.readouterr().err
    assert f"{command} refused: {agency} already exists and holds " in err
    assert "clients (" in err and "candidates (3,000 rows)" in err, "the refusal says what the file holds"
    assert "only when given --force" in err and "Nothing was changed." in err
    assert "Traceback" not in err
    assert digest(agency) == before
    assert sorted(p.name for p in agency.parent.iterdir() if p.name.startswith("agency")) == ["agency.duckdb"]


@pytest.mark.parametrize("command", ["demo", "init", "restore"])
def test_with_force_an_existing_file_is_replaced_whole(agency, export, monkeypatch, capsys, command):
    (agency.parent / "old-copy.duckdb").write_bytes(agency.read_bytes())

    assert run(command, agency, monkeypatch, export, "--force") == 0

    expected = {"demo": 300, "init": 0, "restore": 3_000}[command]
    assert candidates(agency) == expected
    assert sorted(p.name for p in agency.parent.iterdir() if p.name.startswith("agency")) == ["agency.duckdb"]
    if command == "init":
        with Database(agency) as db:
            assert db.frame("SELECT email FROM accounts")["email"].tolist() == [ADMIN]
            assert authenticate(db, ADMIN, PASSWORD).role == "admin"


def test_the_default_location_is_not_replaced_silently_either(agency, monkeypatch, capsys):
    monkeypatch.setenv("SCORECARD_DB", str(agency))       # scorecard demo without --db builds here
    before = digest(agency)

    assert main(["demo", "--candidates", "300"]) == 1

    assert f"demo refused: {agency} already exists" in capsys.readouterr().err
    assert digest(agency) == before


def test_a_file_that_is_no_database_is_not_replaced_even_with_force(tmp_path, capsys):
    notes = tmp_path / "notes.duckdb"
    notes.write_text("meeting notes, not a database\n")

    assert main([*demo_args(notes), "--force"]) == 1

    assert "is not a database file this program can read; it was left as it is" in capsys.readouterr().err
    assert notes.read_text() == "meeting notes, not a database\n"


def test_a_new_location_needs_no_force(tmp_path):
    assert main(demo_args(tmp_path / "new.duckdb")) == 0
    assert candidates(tmp_path / "new.duckdb") == 300


# -- a file another process has open is never replaced --------------------------------------------------

@pytest.mark.parametrize("read_only", [False, True], ids=["held for writing", "held read only"])
@pytest.mark.parametrize("command", ["demo", "init", "restore"])
def test_a_file_open_in_another_process_is_refused_even_with_force(agency, export, monkeypatch, capsys, command,
                                                                   read_only):
    before = digest(agency)
    no_prompt_expected(monkeypatch)
    capsys.readouterr()

    with held_by_another_process(agency, read_only=read_only) as server:
        assert run(command, agency, monkeypatch, export, "--force") == 1
        err = capsys.readouterr().err

    assert f"{command} refused: {agency} {IN_USE}" in err
    assert "Traceback" not in err and "Conflicting lock" not in err
    assert digest(agency) == before
    assert server.candidates_at_release == 3_000, "the running program still had its own data"
    assert sorted(p.name for p in agency.parent.iterdir() if p.name.startswith("agency")) == ["agency.duckdb"]


def test_a_file_opened_by_another_process_during_the_build_is_not_replaced(agency, monkeypatch, capsys):
    """The check is made again at the move: a dashboard started while the demo was being built keeps its file."""
    import scoring.store.bulk as bulk

    before = digest(agency)
    holders = []
    real_insert = bulk.insert_frames

    def insert_then_start_a_server(cur, tables, progress=None):
        counts = real_insert(cur, tables, progress)
        holders.append(held_by_another_process(agency))
        holders[0].__enter__()
        return counts

    monkeypatch.setattr(bulk, "insert_frames", insert_then_start_a_server)
    try:
        assert main([*demo_args(agency), "--force"]) == 1
    finally:
        for holder in holders:
            holder.__exit__(None, None, None)

    assert f"demo refused: {agency} {IN_USE}" in capsys.readouterr().err
    assert digest(agency) == before
    assert sorted(p.name for p in agency.parent.iterdir() if p.name.startswith("agency")) == ["agency.duckdb"]


@pytest.mark.parametrize("arguments", [["import", "{samples}"], ["accounts", "list"], ["export", "{dump}"], ["serve"]],
                         ids=["import", "accounts list", "export", "serve"])
def test_other_commands_on_a_file_in_use_say_so_without_a_traceback(agency, tmp_path, capsys, monkeypatch,
                                                                    arguments):
    from tests.conftest import ROOT

    monkeypatch.setattr(subprocess, "call", lambda command, **kwargs: 0)     # serve never starts a server here

    filled = [a.format(samples=ROOT / "data" / "samples", dump=tmp_path / "out") for a in arguments]
    with held_by_another_process(agency) as server:
        assert main([*filled, "--db", str(agency)]) == 1
        err = capsys.readouterr().err

    assert f"{arguments[0]} refused: {agency} is open in another program" in err
    assert str(server.pid) not in err and "Traceback" not in err
