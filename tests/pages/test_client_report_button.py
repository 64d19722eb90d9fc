"""The ops page's monthly client report: a client, a month, and a download made on click.

Runs :func:`ui.client_report.client_report_section` alone through AppTest on the agency of
:mod:`tests.client_month_fixture` (the database's today: 30 June 2025); the page itself calls it once,
below the audit's export.
"""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from scoring.reports.client_document import client_document
from scoring.reports.client_month import client_month_report
from scoring.store import Database
from tests.client_month_fixture import build
from tests.conftest import on_click
from tests.ops_fixture import person

LABEL = "Download the monthly report (HTML)"


def section(role: str) -> None:
    from tests.ops_fixture import person
    from ui.client_report import client_report_section

    client_report_section(person(role))


@pytest.fixture
def agency(tmp_path, monkeypatch):
    path = build(tmp_path / "agency.duckdb")
    monkeypatch.setenv("SCORECARD_DB", str(path))
    return path


def test_the_chosen_client_and_month_download_the_report_the_command_writes(agency, managers):
    at = AppTest.from_function(section, args=("ops",), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    client = at.selectbox(key="ops_client_report_client")
    assert client.options == ["Acme Robotics", "Birch Analytics", "Cobalt Health", "Delta Freight",
                              "Ember Energy", "Fjord Media"]
    client.select_index(1)      # Birch signed in June 2024 and left on 1 August 2024
    at.run()
    assert at.selectbox(key="ops_client_report_month").options == ["August 2024", "July 2024", "June 2024"]
    at.selectbox(key="ops_client_report_client").select_index(0)
    at.run()
    month = at.selectbox(key="ops_client_report_month")
    assert month.options[0] == "June 2025" and month.options[-1] == "January 2024"
    month.select("March 2025")
    at.run()
    deferred = on_click(at, managers, LABEL)
    assert (deferred["filename"], deferred["mimetype"]) == ("client-report-CL-1-2025-03.html", "text/html")
    made = deferred["callable"]()
    with Database(agency) as db:
        expected = client_document(client_month_report(db, person("ops"), "CL-1", "2025-03", date(2025, 6, 30)))
    assert made == expected.encode("utf-8")
