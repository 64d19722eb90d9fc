"""``scorecard report ops``: the ops audit as of a date, written to a file that can be produced again.

Runs on the agency of :mod:`tests.audit_fixture`; the figures themselves are checked by hand in
``tests/reports/test_ops_export.py``. Here: the command writes exactly that document, in JSON or in the
long CSV layout, the same bytes every time, for the searches between --from and --to.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from scoring.agency.access import OPERATOR
from scoring.cli import main
from scoring.reports.ops_export import ops_audit, to_csv, to_json
from scoring.store import Database
from scoring.store.searches import SearchFilter
from tests.audit_fixture import AS_OF, build


@pytest.fixture(scope="module")
def agency(tmp_path_factory):
    return build(tmp_path_factory.mktemp("report") / "audit.duckdb")


@pytest.fixture(scope="module")
def expected(agency):
    with Database(agency) as db:
        return ops_audit(db, OPERATOR, SearchFilter(), AS_OF)


def report(agency, out, *extra: str, format: str = "json") -> int:
    return main(["report", "ops", "--db", str(agency), "--as-of", AS_OF.isoformat(), "--format", format,
                 "--out", str(out), *extra])


def test_json_is_the_documented_audit_byte_for_byte(agency, expected, tmp_path, capsys):
    out = tmp_path / "march.json"
    assert report(agency, out) == 0
    assert f"wrote the ops audit as of 2025-05-30 (json) to {out}" in capsys.readouterr().out
    assert out.read_bytes() == to_json(expected)
    written = json.loads(out.read_text())
    assert written["as_of"] == "2025-05-30"
    assert {p["promise"]: p["status"] for p in written["promises"]}["first_day"] == "met"

    again = tmp_path / "again.json"
    assert report(agency, again) == 0
    assert again.read_bytes() == out.read_bytes()


def test_csv_is_the_long_layout_byte_for_byte(agency, expected, tmp_path):
    out = tmp_path / "march.csv"
    assert report(agency, out, format="csv") == 0
    assert out.read_bytes() == to_csv(expected)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["section", "item", "field", "value"]
    assert {row[0] for row in rows[1:]} == {"report", "promises", "searches", "stages", "placements",
                                            "replacements", "clients", "scorecards"}


def test_from_and_to_choose_the_searches_by_opening_date(agency, tmp_path):
    out = tmp_path / "may.json"
    assert report(agency, out, "--from", "2025-05-01", "--to", "2025-05-31") == 0
    written = json.loads(out.read_text())
    assert written["filter"]["opened_from"] == "2025-05-01" and written["filter"]["opened_to"] == "2025-05-31"
    # Opened in May: SR-6 (12 May), SR-4 (16 May), SR-8 (19 May); SR-7 opens on 3 June, after the audit date.
    assert [s["search_ref"] for s in written["searches"]] == ["SR-6", "SR-4", "SR-8"]
    # Clients are chosen by their signing date: none signed in May.
    assert written["clients"] == []


def test_the_installed_command_runs_end_to_end(agency, expected, tmp_path):
    out = tmp_path / "audit.json"
    done = subprocess.run([sys.executable, "-m", "scoring.cli", "report", "ops", "--db", str(agency), "--as-of",
                           "2025-05-30", "--format", "json", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == to_json(expected)


def test_a_missing_database_or_a_reversed_period_is_refused(agency, tmp_path, capsys):
    out = tmp_path / "nothing.json"
    assert report(tmp_path / "absent.duckdb", out) == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "absent.duckdb").exists()
    assert report(agency, out, "--from", "2025-06-01", "--to", "2025-05-01") == 1
    assert "--from 2025-06-01 is after --to 2025-05-01" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("missing", ["--as-of", "--format", "--out"])
def test_the_date_format_and_file_are_required(agency, tmp_path, missing, capsys):
    args = {"--as-of": "2025-05-30", "--format": "json", "--out": str(tmp_path / "x.json")}
    del args[missing]
    with pytest.raises(SystemExit):
        main(["report", "ops", "--db", str(agency), *[part for pair in args.items() for part in pair]])
    assert missing in capsys.readouterr().err
