"""``scorecard accounts``: list, add, disable, enable and reset passwords from the command line.

These are operator commands: nobody is signed in, so each change is audited with no actor. An admin
locked out of the dashboard gets back in with ``reset-password``. Every refusal is a sentence and
exit code 1, never a traceback, and changes nothing.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import pandas as pd
import pytest

from scoring.agency.passwords import MIN_PASSWORD_LENGTH
from scoring.cli import main
from scoring.store import Database
from scoring.store.accounts import MAX_FAILED_LOGINS, SignInError, authenticate

ADMIN = "first.admin@new-agency.example"
PASSWORD = "a-long-first-password"
REVIEWER = "priya.raman@new-agency.example"
NEW_PASSWORD = "a-fresh-long-password"


@pytest.fixture
def agency(tmp_path, monkeypatch):
    """A database made by ``scorecard init``: its location, with one admin."""
    path = tmp_path / "agency.duckdb"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["init", "--db", str(path), "--admin-email", ADMIN, "--name", "Ana Admin", "--password-stdin"]) == 0
    return path


def accounts(path, *arguments: str, stdin: str | None = None, monkeypatch=None) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["accounts", *arguments, "--db", str(path)])


def no_prompt_expected(monkeypatch) -> None:
    def refuse(prompt: str = "") -> str:
        raise AssertionError(f"the password was asked for: {prompt!r}")

    monkeypatch.setattr("getpass.getpass", refuse)


def account_rows(path) -> pd.DataFrame:
    with Database(path) as db:
        return db.frame("SELECT a.email, a.display_name, a.role, a.active, a.password_hash, "
                        "coalesce(s.failed, 0) AS failed_logins, s.locked_until "
                        "FROM accounts AS a LEFT JOIN sign_in_attempts AS s ON s.email = lower(a.email) "
                        "ORDER BY a.account_id")


def audit_rows(path) -> pd.DataFrame:
    with Database(path) as db:
        return db.frame("SELECT actor_id, action, entity, CAST(after AS VARCHAR) AS after FROM audit_log "
                        "ORDER BY audit_id")


def signs_in(path, email: str, password: str) -> bool:
    with Database(path) as db:
        try:
            authenticate(db, email, password)
        except SignInError:
            return False
    return True


def test_list_shows_every_account_in_a_table(agency, capsys):
    capsys.readouterr()
    assert accounts(agency, "list") == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["email", "name", "role", "active", "locked", "until"]
    assert row.split() == [ADMIN, "Ana", "Admin", "admin", "yes"]


def test_add_with_a_password_on_stdin_creates_an_account_that_signs_in(agency, capsys, monkeypatch):
    no_prompt_expected(monkeypatch)
    assert accounts(agency, "add", "--email", REVIEWER, "--name", "Priya Raman", "--role", "reviewer",
                    "--password-stdin", stdin=NEW_PASSWORD + "\n", monkeypatch=monkeypatch) == 0

    assert f"added reviewer account {REVIEWER} (Priya Raman)" in capsys.readouterr().out
    assert signs_in(agency, REVIEWER, NEW_PASSWORD)
    created = audit_rows(agency).iloc[-1]
    assert pd.isna(created["actor_id"]) and (created["action"], created["entity"]) == ("create", "account")
    assert NEW_PASSWORD not in created["after"] and "argon2" not in created["after"]


def test_add_asks_for_the_password_twice_at_a_prompt(agency, monkeypatch):
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or NEW_PASSWORD)
    assert accounts(agency, "add", "--email", "lead@new-agency.example", "--name", "Lee Lead",
                    "--role", "hiring_lead") == 0
    assert len(prompts) == 2
    assert signs_in(agency, "lead@new-agency.example", NEW_PASSWORD)


@pytest.mark.parametrize("arguments, reason", [
    (["--email", "FIRST.ADMIN@new-agency.example", "--name", "Copy", "--role", "admin"],
     "an account for FIRST.ADMIN@new-agency.example already exists"),
    (["--email", REVIEWER, "--name", "Priya Raman", "--role", "boss"],
     "role: 'boss' is not one of reviewer, hiring_lead, ops, auditor, admin"),
    (["--email", "priya", "--name", "Priya Raman", "--role", "reviewer"], "'priya' is not an email address"),
    (["--email", REVIEWER, "--name", "  ", "--role", "reviewer"], "an account needs a name"),
], ids=["duplicate email", "bad role", "not an email", "blank name"])
def test_add_refuses_a_bad_account_before_asking_for_a_password(agency, capsys, monkeypatch, arguments, reason):
    no_prompt_expected(monkeypatch)
    before = account_rows(agency)
    capsys.readouterr()

    assert accounts(agency, "add", *arguments) == 1

    assert reason in capsys.readouterr().err
    pd.testing.assert_frame_equal(account_rows(agency), before)


def test_add_refuses_a_short_password(agency, capsys, monkeypatch):
    short = "x" * (MIN_PASSWORD_LENGTH - 1)
    assert accounts(agency, "add", "--email", REVIEWER, "--name", "Priya Raman", "--role", "reviewer",
                    "--password-stdin", stdin=short + "\n", monkeypatch=monkeypatch) == 1
    assert f"at least {MIN_PASSWORD_LENGTH} characters" in capsys.readouterr().err
    assert REVIEWER not in account_rows(agency)["email"].tolist()


def test_disable_stops_a_sign_in_and_enable_restores_it(agency, capsys, monkeypatch):
    assert accounts(agency, "add", "--email", REVIEWER, "--name", "Priya Raman", "--role", "reviewer",
                    "--password-stdin", stdin=NEW_PASSWORD + "\n", monkeypatch=monkeypatch) == 0

    assert accounts(agency, "disable", "--email", "Priya.Raman@new-agency.example") == 0
    assert not signs_in(agency, REVIEWER, NEW_PASSWORD)
    capsys.readouterr()
    accounts(agency, "list")
    assert [line.split()[-1] for line in capsys.readouterr().out.splitlines()[1:]] == ["yes", "no"]

    assert accounts(agency, "enable", "--email", REVIEWER) == 0
    assert signs_in(agency, REVIEWER, NEW_PASSWORD)
    changes = audit_rows(agency).tail(2)
    assert changes["actor_id"].isna().all() and changes["action"].tolist() == ["update", "update"]
    assert [json.loads(after)["active"] for after in changes["after"]] == [False, True]


@pytest.mark.parametrize("action", ["disable", "enable", "reset-password"])
def test_an_unknown_email_is_refused(agency, capsys, monkeypatch, action):
    no_prompt_expected(monkeypatch)
    before = account_rows(agency)
    capsys.readouterr()

    assert accounts(agency, action, "--email", "nobody@new-agency.example") == 1

    assert "there is no account for nobody@new-agency.example" in capsys.readouterr().err
    pd.testing.assert_frame_equal(account_rows(agency), before)


def test_a_locked_out_admin_gets_back_in_with_reset_password(agency, capsys, monkeypatch):
    with Database(agency) as db:
        for _ in range(MAX_FAILED_LOGINS):
            with pytest.raises(SignInError):
                authenticate(db, ADMIN, "a-wrong-guess-of-it")
        with pytest.raises(SignInError, match="try again after"):
            authenticate(db, ADMIN, PASSWORD)           # locked: even the right password is refused
    locked_until = account_rows(agency)["locked_until"].iloc[0]
    assert locked_until > datetime.now()
    capsys.readouterr()
    accounts(agency, "list")
    assert f"{locked_until:%Y-%m-%d %H:%M}" in capsys.readouterr().out

    assert accounts(agency, "reset-password", "--email", ADMIN, "--password-stdin", stdin=NEW_PASSWORD + "\n",
                    monkeypatch=monkeypatch) == 0

    assert "any lock-out is lifted" in capsys.readouterr().out
    after = account_rows(agency).iloc[0]
    assert after["failed_logins"] == 0 and pd.isna(after["locked_until"])
    with Database(agency) as db:
        assert authenticate(db, ADMIN, NEW_PASSWORD).role == "admin"
        with pytest.raises(SignInError, match="wrong email or password"):
            authenticate(db, ADMIN, PASSWORD)           # the old password no longer works
    reset = audit_rows(agency).iloc[-1]
    assert pd.isna(reset["actor_id"]) and '"password": "changed"' in reset["after"]
    assert NEW_PASSWORD not in reset["after"]


def test_reset_password_with_two_different_answers_changes_nothing(agency, capsys, monkeypatch):
    answers = iter([NEW_PASSWORD, NEW_PASSWORD + "?"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    before = account_rows(agency)

    assert accounts(agency, "reset-password", "--email", ADMIN) == 1

    assert "the two passwords differ" in capsys.readouterr().err
    pd.testing.assert_frame_equal(account_rows(agency), before)


@pytest.mark.parametrize("action", [["list"], ["disable", "--email", ADMIN]])
def test_accounts_never_create_a_database(tmp_path, capsys, action):
    missing = tmp_path / "missing.duckdb"
    assert main(["accounts", *action, "--db", str(missing)]) == 1
    assert f"there is no database at {missing}" in capsys.readouterr().err
    assert not missing.exists()
