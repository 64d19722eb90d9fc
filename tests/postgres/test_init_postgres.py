"""``scorecard init`` and the seeded default weights on PostgreSQL: the same schema.sql, the same rules."""

from __future__ import annotations

import io
import subprocess

import pandas as pd
import pytest

from scoring.agency.scorecard import EARLIEST_DATE
from scoring.cli import main
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.store.accounts import authenticate
from scoring.store.db import Database, next_id

ADMIN = "first.admin@new-agency.example"
PASSWORD = "a-long-first-password"


def _init(url: str, monkeypatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    return main(["init", "--db", url, "--admin-email", ADMIN, "--password-stdin"])


def _default_version(db: Database) -> dict:
    rows = db.frame("""SELECT v.effective_from, d.code, w.weight_pct::DOUBLE AS pct FROM weight_versions AS v
                       JOIN dimension_weights AS w USING (version_id) JOIN dimensions AS d USING (dimension_id)
                       WHERE v.version_id = 1""")
    return {"from": set(pd.to_datetime(rows["effective_from"]).dt.date),
            "weights": dict(zip(rows["code"], rows["pct"]))}


def test_init_fills_an_empty_postgres_database_once(pg_url, monkeypatch, capsys):
    assert _init(pg_url, monkeypatch) == 0
    with Database(pg_url) as db:
        assert authenticate(db, ADMIN, PASSWORD).role == "admin"
        assert _default_version(db) == {"from": {EARLIEST_DATE}, "weights": dict(DEFAULT_WEIGHTS_PCT)}
    capsys.readouterr()

    assert _init(pg_url, monkeypatch) == 1

    assert "already holds data: accounts (1 row), audit_log (1 row)" in capsys.readouterr().err
    with Database(pg_url) as db:
        assert db.scalar("SELECT count(*) FROM accounts") == 1


def test_a_restore_into_postgres_keeps_the_exported_default_version(postgres, pg_url, tmp_path, monkeypatch):
    """An export of one PostgreSQL database restored into another (exports carry their backend's types)."""
    source = postgres.create()
    assert _init(source, monkeypatch) == 0
    assert main(["export", str(tmp_path / "dump"), "--db", source]) == 0

    assert main(["restore", str(tmp_path / "dump"), "--db", pg_url]) == 0

    stamp = "SELECT created_at FROM weight_versions WHERE version_id = 1"
    with Database(source) as original, Database(pg_url) as restored:
        assert restored.scalar(stamp) == original.scalar(stamp)
        assert restored.scalar("SELECT count(*) FROM weight_versions") == 1
        with restored.transaction() as cur:
            assert next_id(cur, "weight_version_ids") == 2


@pytest.mark.parametrize("with_password", [True, False])
def test_serve_refuses_a_postgres_database_nobody_could_sign_in_to(pg_url, monkeypatch, with_password):
    monkeypatch.setattr(subprocess, "call", lambda command, **kwargs: 0)
    if with_password:
        assert _init(pg_url, monkeypatch) == 0
    else:
        Database(pg_url).close()
    assert main(["serve", "--db", pg_url]) == (0 if with_password else 1)
