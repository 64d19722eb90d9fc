"""``scorecard report client``: one client's monthly report written to an HTML file, the same bytes every time.

Runs on :mod:`tests.client_month_fixture` (its content is checked in ``tests/reports/test_client_month.py``
and ``tests/reports/test_client_document.py``); the database's own today is 30 June 2025.
"""

from __future__ import annotations

from datetime import date

import pytest

from scoring.agency.access import OPERATOR
from scoring.cli import main
from scoring.reports.client_document import client_document
from scoring.reports.client_month import client_month_report
from scoring.store import Database
from tests.client_month_fixture import build


@pytest.fixture(scope="module")
def agency(tmp_path_factory):
    return build(tmp_path_factory.mktemp("client_cli") / "agency.duckdb")


def report(agency, *extra: str) -> int:
    return main(["report", "client", "--db", str(agency), *extra])


def test_writes_the_report_byte_for_byte_and_again_the_same(agency, tmp_path, capsys):
    out = tmp_path / "acme-march.html"
    assert report(agency, "--client", "CL-1", "--month", "2025-03", "--out", str(out)) == 0
    said = capsys.readouterr().out
    assert f"wrote the monthly report of Acme Robotics for March 2025 (as of 2025-03-31) to {out}" in said
    with Database(agency) as db:
        expected = client_document(client_month_report(db, OPERATOR, "CL-1", "2025-03", date(2025, 6, 30)))
    assert out.read_text(encoding="utf-8") == expected
    again = tmp_path / "again.html"
    assert report(agency, "--client", "CL-1", "--month", "2025-03", "--out", str(again)) == 0
    assert again.read_bytes() == out.read_bytes()


def test_without_out_the_file_is_named_after_the_client_and_month(agency, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert report(agency, "--client", "CL-5", "--month", "2025-06") == 0
    assert (tmp_path / "client-report-CL-5-2025-06.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("extra", "reason"), [
    (("--client", "CL-9", "--month", "2025-06"), "there is no client with the reference 'CL-9'"),
    (("--client", "CL-1", "--month", "2025-7"), "the month must be written YYYY-MM"),
    (("--client", "CL-1", "--month", "2025-07"), "July 2025 has not begun yet (today is 30 Jun 2025)"),
])
def test_a_refusal_says_why_and_writes_nothing(agency, tmp_path, capsys, extra, reason):
    out = tmp_path / "refused.html"
    assert report(agency, *extra, "--out", str(out)) == 1
    assert reason in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_database_is_not_created(tmp_path, capsys):
    missing = tmp_path / "nowhere.duckdb"
    assert main(["report", "client", "--db", str(missing), "--client", "CL-1", "--month", "2025-06"]) == 1
    assert "there is no database at" in capsys.readouterr().err and not missing.exists()
