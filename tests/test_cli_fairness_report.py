"""``scorecard report fairness --format html``: the audit written as one HTML file, the same bytes every time,
named by itself when ``--out`` is left out, and refused like every report command.

Runs on the small demo agency (its content is checked in ``tests/reports/test_fairness_document.py``; the
JSON format in ``tests/reports/test_fairness.py``).
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from scoring.cli import main
from scoring.reports.fairness import fairness_report, to_json
from scoring.reports.fairness_document import fairness_document
from scoring.store import Database
from tests.conftest import DEMO_AS_OF, account

AUDITOR = "auditor@demo.example"


@pytest.fixture(scope="module")
def demo(demo_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("fairness_cli") / "demo.duckdb"
    shutil.copy(demo_file, path)
    return path


def report(demo, *extra: str) -> int:
    return main(["report", "fairness", "--db", str(demo), "--account", AUDITOR, "--as-of", DEMO_AS_OF.isoformat(),
                 *extra])


def test_writes_the_html_audit_byte_for_byte_and_again_the_same(demo, tmp_path, capsys):
    out = tmp_path / "audit.html"
    assert report(demo, "--from", "2025-11-20", "--by", "race_ethnicity", "--format", "html", "--out", str(out)) == 0
    assert f"wrote adverse impact by race_ethnicity as of {DEMO_AS_OF} (html) to {out}" in capsys.readouterr().out
    with Database(demo) as db:
        auditor = account(db, "auditor")
        expected = fairness_report(db, auditor, DEMO_AS_OF, date(2025, 11, 20), None, "race_ethnicity")
        assert out.read_text(encoding="utf-8") == fairness_document(expected, auditor)
    again = tmp_path / "again.html"
    assert report(demo, "--from", "2025-11-20", "--by", "race_ethnicity", "--format", "html", "--out", str(again)) == 0
    assert again.read_bytes() == out.read_bytes()
    assert "grouped by race/ethnicity" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("form", "name"), [("html", "fairness_sex_20261120.html"),
                                            ("json", "fairness_sex_20261120.json")])
def test_without_out_the_file_is_named_after_the_grouping_and_date(demo, tmp_path, monkeypatch, form, name):
    monkeypatch.chdir(tmp_path)
    assert report(demo, "--format", form) == 0
    written = (tmp_path / name).read_bytes()
    if form == "html":
        assert written.startswith(b"<!DOCTYPE html>")
    else:
        with Database(demo) as db:
            assert written == to_json(fairness_report(db, account(db, "auditor"), DEMO_AS_OF))


def test_a_period_that_ends_before_it_starts_is_refused_and_nothing_written(demo, tmp_path, capsys):
    out = tmp_path / "refused.html"
    assert report(demo, "--from", "2026-06-01", "--to", "2026-05-31", "--format", "html", "--out", str(out)) == 1
    assert "report refused: --from 2026-06-01 is after --to 2026-05-31" in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_database_is_refused_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "refused.html"
    missing = tmp_path / "nowhere.duckdb"
    assert main(["report", "fairness", "--db", str(missing), "--account", AUDITOR, "--as-of", "2026-11-20",
                 "--format", "html", "--out", str(out)]) == 1
    assert f"no database at {missing}" in capsys.readouterr().err
    assert not out.exists() and not missing.exists()


@pytest.mark.parametrize("email", ["ops@demo.example", "reviewer@demo.example"])
def test_the_html_is_refused_to_anyone_but_an_auditor_or_admin(demo, tmp_path, capsys, email):
    out = tmp_path / "f.html"
    assert main(["report", "fairness", "--db", str(demo), "--account", email, "--as-of", DEMO_AS_OF.isoformat(),
                 "--format", "html", "--out", str(out)]) == 1
    assert "not an active auditor or admin account" in capsys.readouterr().err
    assert not out.exists()


def test_an_unknown_format_is_refused_by_the_parser(demo, tmp_path, capsys):
    with pytest.raises(SystemExit):
        report(demo, "--format", "pdf", "--out", str(tmp_path / "f.pdf"))
    assert "invalid choice: 'pdf'" in capsys.readouterr().err
