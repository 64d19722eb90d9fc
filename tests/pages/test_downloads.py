"""Every download is safe to open in a spreadsheet: a walk of every page as each role.

On the demo agency with hostile text in every field (:mod:`tests.hostile_fixture`), each role
opens every page it may open (and every view of the ops evidence, and an import with problems);
every download button on the way is collected, its file made as a click would make it, and every
CSV checked cell by cell: no cell begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return unless it is a number, and the planted text is there with a single quote in front.
Parquet files keep the planted text exactly.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from scoring.agency.access import PERMISSIONS
from scoring.reports.exports import FORMULA_STARTS
from scoring.store import Database
from tests.conftest import ROOT, account
from tests.hostile_fixture import FORMULAS, build
from ui.navigation import PAGES

ROLES = ("reviewer", "hiring_lead", "ops", "admin")
TIMEOUT = 120
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
#: What each role must have found, at the least: (page, file name start).
EXPECTED = {
    "reviewer": set(),
    "hiring_lead": {("pages/validity.py", "validity_evidence_")},
    "ops": {("pages/ops.py", "ops_shortlist_time_"), ("pages/ops.py", "ops_replacement_"),
            ("pages/ops.py", "ops_client_retention_"), ("pages/ops.py", "ops_breaches_"),
            ("pages/ops.py", "ops_audit_")},
    "admin": {("pages/ops.py", "ops_breaches_"), ("pages/ops.py", "ops_audit_"),
              ("pages/validity.py", "validity_evidence_"), ("pages/admin.py", "audit_log"),
              ("pages/admin_data.py", "import-problems")},
}


class Download(NamedTuple):
    page: str
    label: str
    file_name: str
    mimetype: str
    data: bytes


@pytest.fixture(scope="module")
def hostile_file(demo_file, tmp_path_factory) -> Path:
    return build(demo_file, tmp_path_factory.mktemp("hostile") / "hostile.duckdb")


def collect(at: AppTest, page: str, manager: MediaFileManager) -> list[Download]:
    """Every download button on the page, with the bytes a click would download."""
    found = []
    for button in at.get("download_button"):
        proto = button.proto
        if proto.deferred_file_id:                      # made on click: call what the click would call
            entry = manager._deferred_callables[proto.deferred_file_id]
            data = entry["callable"]()
            found.append(Download(page, proto.label, entry["filename"] or "", entry["mimetype"] or "",
                                  data.encode() if isinstance(data, str) else data))
        else:
            stored = manager._storage.get_file(proto.url.rsplit("/", 1)[-1])
            found.append(Download(page, proto.label, stored.filename or "", stored.mimetype, stored.content))
    return found


def open_page(page: str, role: str, db: Database) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT)
    at.session_state["account"] = account(db, role)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def hostile_upload() -> list[tuple[str, bytes, str]]:
    """A clients file, recognised by its header, whose name and cells are hostile: the import refuses it."""
    rows = ["client_ref,name,country,signed_on,churned_on",
            f'CL-9001,"{FORMULAS[0].replace(chr(34), chr(34) * 2)}",=XX,2025-01-13,',
            "CL-9002,+1,@US,not a date,"]
    return [("@SUM(A1).csv", ("\n".join(rows) + "\n").encode(), "text/csv")]


def walk(role: str, db: Database, managers: list[MediaFileManager]) -> list[Download]:
    """Open every page ``role`` may open, as a person would, collecting every download."""
    downloads: list[Download] = []
    for spec in PAGES:
        if role not in PERMISSIONS[spec.permission]:
            continue
        at = open_page(spec.path, role, db)
        if spec.path == "pages/ops.py":
            at.selectbox(key="ops_period").select("All time").run()
            for key in at.selectbox(key="ops_evidence").options:
                at.selectbox(key="ops_evidence").select(key).run()
                downloads += collect(at, spec.path, managers[-1])
            at.session_state["ops_tab"] = "Breach list"           # only the open tab is drawn
            at.run()
        elif spec.path == "pages/admin.py":
            at.session_state["admin_tab"] = "Audit log"
            at.run()
        elif spec.path == "pages/validity.py":
            at.selectbox(key="validity_period").select("All time").run()
        elif spec.path == "pages/admin_data.py":
            at.file_uploader(key="import_files").set_value(hostile_upload()).run()
            at.button(key="import_button").click().run()
        assert not at.exception, [e.value for e in at.exception]
        downloads += collect(at, spec.path, managers[-1])
    return downloads


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) for cell in row]


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_csv_download_is_safe_to_open_in_a_spreadsheet(hostile_file, managers, monkeypatch, role):
    monkeypatch.setenv("SCORECARD_DB", str(hostile_file))
    with Database(hostile_file) as db:
        downloads = walk(role, db, managers)

    found = {(d.page, prefix) for d in downloads for page, prefix in EXPECTED[role]
             if d.page == page and d.file_name.startswith(prefix)}
    assert found == EXPECTED[role], sorted({(d.page, d.file_name) for d in downloads})
    planted_seen = set()
    for download in downloads:
        if not download.file_name.endswith(".csv"):
            continue
        assert download.mimetype == "text/csv", download.file_name
        cells = csv_cells(download.data)
        risky = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)]
        assert not risky, (download.file_name, risky[:5])
        planted_seen |= {text for text in FORMULAS for cell in cells if cell.startswith("'" + text)}
        for cell in cells:
            if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):          # quoted in the file, too
                assert '"' + cell.replace('"', '""') + '"' in download.data.decode("utf-8"), cell
    if role != "reviewer":
        assert planted_seen == set(FORMULAS), planted_seen       # the walk met every planted formula


@pytest.mark.slow
def test_parquet_downloads_keep_the_planted_text_exactly(hostile_file, managers, monkeypatch):
    monkeypatch.setenv("SCORECARD_DB", str(hostile_file))
    with Database(hostile_file) as db:
        downloads = walk("ops", db, managers)
    parquet = [d for d in downloads if d.file_name.endswith(".parquet")]
    assert parquet
    values = set()
    for download in parquet:
        frame = pd.read_parquet(io.BytesIO(download.data))
        values |= {value for column in frame.columns for value in frame[column].dropna() if isinstance(value, str)}
    assert set(FORMULAS) <= values
    assert not {"'" + text for text in FORMULAS} & values
