"""``scorecard init`` starts an agency from nothing, and ``scorecard serve`` will not open a database
nobody can sign in to.

A new database made any way (init, an import into a new file, a restore, the demo) holds the seed's
default weights 25/25/20/20/10 as version 1, in force from ``EARLIEST_DATE`` (DESIGN.md: the
scorecard's five dimensions and weights).
"""

from __future__ import annotations

import io
import json
import subprocess
from datetime import date

import pandas as pd
import pytest

from scoring.agency.passwords import MIN_PASSWORD_LENGTH
from scoring.agency.scorecard import EARLIEST_DATE
from scoring.cli import main
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.store import Database
from scoring.store.accounts import authenticate
from scoring.store.tables import rows_beyond_seed
from tests.conftest import ROOT

ADMIN = "first.admin@new-agency.example"
PASSWORD = "a-long-first-password"


def init_args(path, *extra: str) -> list[str]:
    return ["init", "--db", str(path), "--admin-email", ADMIN, "--name", "Ana Admin", *extra]


def typed_on_stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def typed_at_prompts(monkeypatch, *answers: str) -> list[str]:
    """Answer getpass's prompts in turn; returns the prompts shown, so a test can count them."""
    prompts, remaining = [], list(answers)

    def answer(prompt: str = "") -> str:
        prompts.append(prompt)
        return remaining.pop(0)

    monkeypatch.setattr("getpass.getpass", answer)
    return prompts


def no_prompt_expected(monkeypatch) -> None:
    def refuse(prompt: str = "") -> str:
        raise AssertionError(f"the password was asked for: {prompt!r}")

    monkeypatch.setattr("getpass.getpass", refuse)


def weight_versions(path) -> pd.DataFrame:
    with Database(path) as db:
        return db.frame("""SELECT v.version_id, v.effective_from, v.created_by, d.code, w.weight_pct::DOUBLE AS pct
                           FROM weight_versions AS v JOIN dimension_weights AS w USING (version_id)
                           JOIN dimensions AS d USING (dimension_id) ORDER BY v.version_id, d.dimension_id""")


def assert_default_version_one(path) -> None:
    versions = weight_versions(path)
    first = versions[versions["version_id"] == 1]
    assert dict(zip(first["code"], first["pct"])) == dict(DEFAULT_WEIGHTS_PCT)
    assert set(first["effective_from"]) == {pd.Timestamp(EARLIEST_DATE)}
    assert first["created_by"].isna().all()


# -- init ----------------------------------------------------------------------------------------------

def test_init_reads_the_password_from_stdin_and_makes_an_empty_database_with_one_admin(tmp_path, monkeypatch,
                                                                                       capsys):
    path = tmp_path / "agency.duckdb"
    typed_on_stdin(monkeypatch, PASSWORD + "\n")
    no_prompt_expected(monkeypatch)

    assert main(init_args(path, "--password-stdin")) == 0

    out = capsys.readouterr().out
    assert f"created {path}" in out and ADMIN in out
    assert f"scorecard import FILES_OR_DIRECTORIES --db {path}" in out
    assert f"scorecard serve --db {path}" in out
    with Database(path) as db:
        people = db.frame("SELECT email, display_name, role, active FROM accounts")
        assert people.to_dict("records") == [{"email": ADMIN, "display_name": "Ana Admin", "role": "admin",
                                              "active": True}]
        assert authenticate(db, ADMIN, PASSWORD).role == "admin"
        with db.cursor() as cur:
            assert rows_beyond_seed(cur) == {"accounts": 1, "audit_log": 1}   # nothing but the admin
        logged = db.frame("SELECT actor_id, action, entity FROM audit_log").iloc[0]
        assert pd.isna(logged["actor_id"]) and (logged["action"], logged["entity"]) == ("create", "account")
    assert_default_version_one(path)


def test_init_asks_for_the_password_twice_at_a_prompt(tmp_path, monkeypatch):
    path = tmp_path / "agency.duckdb"
    prompts = typed_at_prompts(monkeypatch, PASSWORD, PASSWORD)

    assert main(init_args(path)) == 0

    assert len(prompts) == 2
    with Database(path) as db:
        assert authenticate(db, ADMIN, PASSWORD).email == ADMIN


def test_two_different_passwords_at_the_prompt_create_nothing(tmp_path, monkeypatch, capsys):
    path = tmp_path / "agency.duckdb"
    typed_at_prompts(monkeypatch, PASSWORD, PASSWORD + "!")

    assert main(init_args(path)) == 1

    assert "the two passwords differ" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("typed, reason", [
    ("\n", "the password is empty"),
    ("", "the password is empty"),
    ("x" * (MIN_PASSWORD_LENGTH - 1) + "\n", f"at least {MIN_PASSWORD_LENGTH} characters"),
])
def test_an_empty_or_short_password_creates_nothing(tmp_path, monkeypatch, capsys, typed, reason):
    path = tmp_path / "agency.duckdb"
    typed_on_stdin(monkeypatch, typed)

    assert main(init_args(path, "--password-stdin")) == 1

    assert reason in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_only_the_first_line_of_stdin_is_the_password(tmp_path, monkeypatch):
    path = tmp_path / "agency.duckdb"
    typed_on_stdin(monkeypatch, PASSWORD + "\r\nsecond line\n")
    assert main(init_args(path, "--password-stdin")) == 0
    with Database(path) as db:
        assert authenticate(db, ADMIN, PASSWORD).email == ADMIN


def test_init_refuses_an_existing_database_and_leaves_it_as_it_was(tmp_path, monkeypatch, capsys):
    path = tmp_path / "agency.duckdb"
    typed_on_stdin(monkeypatch, PASSWORD + "\n")
    assert main(init_args(path, "--password-stdin")) == 0
    capsys.readouterr()
    no_prompt_expected(monkeypatch)

    assert main(["init", "--db", str(path), "--admin-email", "second@new-agency.example"]) == 1

    err = capsys.readouterr().err
    assert f"{path} already exists" in err and "scorecard accounts add" in err
    with Database(path) as db:
        assert db.frame("SELECT email FROM accounts")["email"].tolist() == [ADMIN]


def test_init_refuses_a_database_file_that_holds_no_account(tmp_path, monkeypatch, capsys):
    path = tmp_path / "imported.duckdb"
    Database(path).close()
    no_prompt_expected(monkeypatch)

    assert main(init_args(path)) == 1

    assert f"{path} already exists" in capsys.readouterr().err


def test_an_admin_email_that_is_not_an_email_is_refused_before_the_prompt(tmp_path, monkeypatch, capsys):
    no_prompt_expected(monkeypatch)
    assert main(["init", "--db", str(tmp_path / "a.duckdb"), "--admin-email", "admin"]) == 1
    assert "'admin' is not an email address" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# -- the default weight version, however a database is made ----------------------------------------

def _by_init(path, monkeypatch) -> None:
    typed_on_stdin(monkeypatch, PASSWORD + "\n")
    assert main(init_args(path, "--password-stdin")) == 0


def _by_import(path, monkeypatch) -> None:
    assert main(["import", str(ROOT / "data" / "samples"), "--db", str(path)]) == 0


def _by_restore(path, monkeypatch) -> None:
    source = path.with_name("source.duckdb")
    _by_init(source, monkeypatch)
    assert main(["export", str(path.with_name("dump")), "--db", str(source)]) == 0
    assert main(["restore", str(path.with_name("dump")), "--db", str(path)]) == 0


def _by_demo(path, monkeypatch) -> None:
    assert main(["demo", "--db", str(path), "--candidates", "300", "--seed", "3", "--as-of", "2026-01-15"]) == 0


@pytest.mark.parametrize("make", [_by_init, _by_import, _by_restore, _by_demo], ids=lambda f: f.__name__[4:])
def test_every_new_database_holds_the_default_weights_from_the_earliest_date(tmp_path, monkeypatch, make):
    path = tmp_path / "new.duckdb"
    make(path, monkeypatch)
    assert_default_version_one(path)


def test_the_demo_adds_its_own_second_version_after_the_default(tmp_path, monkeypatch):
    path = tmp_path / "demo.duckdb"
    _by_demo(path, monkeypatch)
    versions = weight_versions(path).drop_duplicates("version_id")
    assert versions["version_id"].tolist() == [1, 2]
    assert versions["effective_from"].iloc[1] > pd.Timestamp(date(2024, 1, 1))


def test_a_restore_gives_the_default_version_the_exported_creation_time(tmp_path, monkeypatch):
    path = tmp_path / "restored.duckdb"
    _by_restore(path, monkeypatch)
    stamp = "SELECT created_at FROM weight_versions WHERE version_id = 1"
    with Database(tmp_path / "source.duckdb") as source:
        exported = source.scalar(stamp)
    with Database(path) as restored:
        assert restored.scalar(stamp) == exported
    manifest = json.loads((tmp_path / "dump" / "manifest.json").read_text())
    assert {e["name"]: e["rows"] for e in manifest["tables"]}["weight_versions"] == 1


# -- serve on a database nobody can sign in to ------------------------------------------------------

@pytest.fixture
def started(monkeypatch) -> list[list[str]]:
    """The commands ``scorecard serve`` would run; none is run."""
    commands: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda command, **kwargs: commands.append(command) or 0)
    return commands


def _no_account(path) -> None:
    Database(path).close()


def _only_imported_reviewers(path) -> None:
    """An import into a new file: its reviewers' accounts have no password (they may use single sign-on)."""
    assert main(["import", str(ROOT / "data" / "samples"), "--db", str(path)]) == 0


@pytest.mark.parametrize("make", [_no_account, _only_imported_reviewers], ids=["no account", "imported reviewers"])
def test_serve_where_nobody_could_sign_in_says_what_to_run_instead(tmp_path, capsys, started, make):
    path = tmp_path / "agency.duckdb"
    make(path)
    capsys.readouterr()

    assert main(["serve", "--db", str(path)]) == 1

    err = capsys.readouterr().err
    assert "has no active account with a password, so nobody could sign in" in err
    assert f"scorecard accounts add --db {path} --role admin --email EMAIL --name NAME" in err
    assert f"scorecard accounts reset-password --db {path} --email EMAIL" in err
    assert "scorecard init --db NEW_PATH --admin-email EMAIL" in err
    assert started == []


def test_serve_starts_the_dashboard_once_an_account_exists(tmp_path, monkeypatch, started):
    path = tmp_path / "agency.duckdb"
    _by_init(path, monkeypatch)

    assert main(["serve", "--db", str(path), "--port", "8765"]) == 0

    (command,) = started
    assert command[command.index("--server.port") + 1] == "8765"
