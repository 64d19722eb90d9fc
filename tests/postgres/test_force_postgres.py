"""``--force`` on PostgreSQL: a database that holds data is refused, saying what it holds, unless asked.

A PostgreSQL database is shared by replicas and is never replaced whole: ``scorecard demo``, ``init``
and ``restore`` refuse one holding any row beyond the schema's seeded ones, and with ``--force``
delete those rows first (in the transaction that fills it, for ``demo`` and ``restore``).
"""

from __future__ import annotations

import io

import pytest

from scoring.cli import main
from scoring.store.accounts import authenticate
from scoring.store.db import Database

ADMIN = "first.admin@new-agency.example"
PASSWORD = "a-long-first-password"


def demo(url: str, candidates: int, *extra: str) -> int:
    return main(["demo", "--db", url, "--candidates", str(candidates), "--seed", "3", "--as-of", "2026-01-15",
                 *extra])


def count(url: str, table: str) -> int:
    with Database(url) as db:
        return int(db.scalar(f"SELECT count(*) FROM {table}"))


@pytest.fixture
def filled(pg_url) -> str:
    assert demo(pg_url, 300) == 0
    return pg_url


def test_a_database_holding_data_is_refused_without_force_saying_what_it_holds(filled, tmp_path, monkeypatch,
                                                                              capsys):
    capsys.readouterr()
    assert demo(filled, 200) == 1
    assert main(["export", str(tmp_path / "dump"), "--db", filled]) == 0
    assert main(["restore", str(tmp_path / "dump"), "--db", filled]) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["init", "--db", filled, "--admin-email", ADMIN, "--password-stdin"]) == 1

    err = capsys.readouterr().err
    for command in ("demo", "restore", "init"):
        assert f"{command} refused: {filled} already holds data: " in err
    assert "candidates (300 rows)" in err and "give --force to delete all of that data first" in err
    assert count(filled, "candidates") == 300


def test_with_force_demo_replaces_the_data_in_one_go(filled):
    assert demo(filled, 200, "--force") == 0
    assert count(filled, "candidates") == 200
    assert count(filled, "audit_log") == 1, "only the new build's entry"


def test_with_force_restore_replaces_the_data(filled, postgres, tmp_path):
    source = postgres.create()
    assert demo(source, 150) == 0
    assert main(["export", str(tmp_path / "dump"), "--db", source]) == 0

    assert main(["restore", str(tmp_path / "dump"), "--db", filled, "--force"]) == 0

    assert count(filled, "candidates") == 150


def test_with_force_init_leaves_only_the_new_admin(filled, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["init", "--db", filled, "--admin-email", ADMIN, "--password-stdin", "--force"]) == 0

    assert count(filled, "candidates") == 0
    with Database(filled) as db:
        assert db.frame("SELECT email FROM accounts")["email"].tolist() == [ADMIN]
        assert authenticate(db, ADMIN, PASSWORD).role == "admin"
