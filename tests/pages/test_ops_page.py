"""The ops audit page, run headless with AppTest on the hand-built agency of :mod:`tests.ops_fixture`.

The figures are checked against values counted by hand (see ``tests/reports/test_ops_report.py``
for the arithmetic); downloads are read back from the in-memory media store AppTest uses.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scoring.agency.access import OPERATOR
from scoring.reports.ops_export import ops_audit
from scoring.reports.ops_export import to_csv as audit_csv
from scoring.reports.ops_export import to_json as audit_json
from scoring.store import Database
from scoring.store.searches import SearchFilter
from tests import audit_fixture, shortlist_fixture
from tests.conftest import downloaded, plotly_values
from tests.ops_fixture import build, person

PAGE = Path(__file__).resolve().parents[2] / "pages" / "ops.py"
TIMEOUT = 60


@pytest.fixture
def fixture_file(tmp_path, monkeypatch) -> Path:
    path = build(tmp_path / "ops.duckdb")
    monkeypatch.setenv("SCORECARD_DB", str(path))
    return path


def open_page(role: str = "ops", all_time: bool = True) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["account"] = person(role)
    at.run()
    if all_time and not at.error:
        at.selectbox(key="ops_period").select("All time")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_tab(at: AppTest, label: str) -> AppTest:
    """Choose the tab ``label`` below the figures, as a click on it would: only the open tab is drawn."""
    at.session_state["ops_tab"] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def charts(at: AppTest) -> dict[str, dict]:
    found = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        found[spec["layout"]["title"]["text"]] = spec
    return found


def evidence_table(at: AppTest) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "in_figure" in frame.value.columns)


def test_headline_shows_every_promise_with_its_status(fixture_file):
    at = open_page()
    shown = metrics(at)
    assert shown["Shortlist time"] == ("77.8%", "breached")            # 7 of 9 within 7-14 business days
    assert shown["Shortlist size"] == ("75.0%", "breached")            # 6 of 8 with 2-3 candidates
    assert shown["Time to first day"] == ("30.3 days", "breached")     # 212 / 7, promised 30 on average
    assert shown["Replacements"] == ("25.0%", "breached")              # 1 of 4 within 7-14 days at zero cost
    assert shown["Client retention"] == ("80.0%", "breached")          # 4 of 5, promised 95%
    assert shown["In post at 90 days"] == ("20.0%", "no figure promised")
    assert shown["Within 7 business days"][0] == "55.6%"    # 5 of 9
    assert shown["Within 14 business days"][0] == "77.8%"   # 7 of 9
    assert shown["Median business days"][0] == "7"
    helps = {m.label: m.help for m in at.metric}
    assert helps["Client retention"].startswith("**95% of clients continue beyond their first 3 months.**")


def test_default_period_is_the_last_twelve_months(fixture_file):
    shown = metrics(open_page(all_time=False))
    # S3 (June 2024) and the clients signed before 30 Jun 2024 fall out: 7 of 8 searches, and
    # Cobalt and Ember retained with Delta censored.
    assert shown["Shortlist time"] == ("87.5%", "breached")
    assert shown["Client retention"] == ("100.0%", "met")


def test_filters_narrow_to_a_seniority(fixture_file):
    at = open_page()
    at.multiselect(key="ops_seniority").set_value(["junior"])
    at.run()
    shown = metrics(at)
    assert shown["Shortlist time"] == ("50.0%", "breached")   # S9 kept, S3 late
    assert shown["Time to first day"] == ("32.5 days", "breached")   # (35 + 30) / 2
    assert shown["Replacements"] == ("—", "not enough data")


def test_charts_draw_the_distribution_trend_and_survival(fixture_file):
    at = open_page()
    found = charts(at)
    bars = found["Business days from opening to shortlist (delivered searches)"]["data"][0]
    counts = dict(zip(plotly_values(bars["x"]), plotly_values(bars["y"])))
    assert {day: n for day, n in counts.items() if n} == {0: 1, 6: 2, 7: 2, 13: 1, 14: 1, 17: 1}
    trend = found["Shortlists in time, by month the search opened"]["data"]
    assert len(trend[0]["x"]) == 13                               # June 2024 to June 2025
    found = charts(open_tab(at, "Retention"))
    clients = found["Clients still with the agency, by quarter signed"]["data"]
    assert [trace["name"] for trace in clients] == ["2024Q1", "2024Q2", "2024Q3", "2025Q1", "2025Q2"]
    first = clients[0]
    assert plotly_values(first["x"]) == [0, 304, 532]
    assert plotly_values(first["y"]) == [1.0, 0.5, 0.5]


def test_drill_down_shows_the_rows_behind_each_figure(fixture_file):
    at = open_page()
    # Client retention: 6 clients, 5 counted (Delta censored), 1 breach (Birch).
    at.selectbox(key="ops_evidence").select("client_retention")
    at.run()
    rows = evidence_table(at)
    assert len(rows) == 6
    assert rows.set_index("client").loc["Delta Freight", "outcome"] == "censored"
    at.radio(key="ops_evidence_view").set_value("in_figure")
    at.run()
    assert len(evidence_table(at)) == 5
    at.radio(key="ops_evidence_view").set_value("breach")
    at.run()
    assert evidence_table(at)["client"].tolist() == ["Birch Analytics"]
    # Counted in words that agree in number, never a column name.
    caption = next(c.value for c in at.caption if " shown; " in c.value)
    assert caption.startswith("1 row shown; the figure is computed over the 5 rows marked as counted, and 1 row "
                              "breaks the promise.")
    assert "in_figure" not in caption and "_" not in caption
    # Replacements behind the 25%: the 4 counted rows with their days and cost.
    at.selectbox(key="ops_evidence").select("replacement")
    at.radio(key="ops_evidence_view").set_value("in_figure")
    at.run()
    rows = evidence_table(at).set_index("replacement_ref")
    assert rows["days"].to_dict() == {"RP-00003": 4, "RP-00001": 11, "RP-00002": 18, "RP-00004": 18}
    assert rows.loc["RP-00003", "cost_usd"] == 500
    # Searches behind the shortlist figure, with their business days.
    at.selectbox(key="ops_evidence").select("shortlist_time")
    at.radio(key="ops_evidence_view").set_value("all")
    at.run()
    rows = evidence_table(at).set_index("search_ref")
    assert len(rows) == 11 and rows.loc["SR-07", "business_days"] == 13


def test_only_the_open_tab_is_drawn_and_it_stays_open_across_reruns(fixture_file):
    at = open_page()
    assert [t.label for t in at.tabs] == ["Shortlist time", "Retention", "Breach list", "At risk", "Record an event"]
    opening = charts(at)
    assert "Business days from opening to shortlist (delivered searches)" in opening
    assert "Clients still with the agency, by quarter signed" not in opening
    assert not any("what" in frame.value.columns for frame in at.dataframe)          # no breach list yet
    open_tab(at, "Breach list")
    assert any("what" in frame.value.columns for frame in at.dataframe)
    assert not charts(at)                                                             # the shortlist charts went
    at.selectbox(key="ops_evidence").select("replacement")                            # a change elsewhere
    at.run()
    assert at.session_state["ops_tab"] == "Breach list"
    assert any("what" in frame.value.columns for frame in at.dataframe)
    # The headline figures and the rows behind them are above the tabs, whichever is open.
    assert metrics(at)["Replacements"] == ("25.0%", "breached")
    assert len(evidence_table(at)) == 5


def test_breach_list_filters_and_downloads(fixture_file, managers):
    at = open_tab(open_page(), "Breach list")
    csv = pd.read_csv(io.BytesIO(downloaded(at, managers, "Download the breaches (CSV)")))
    assert len(csv) == 10
    at.multiselect(key="ops_breach_promises").set_value(["replacement"])
    at.run()
    csv = pd.read_csv(io.BytesIO(downloaded(at, managers, "Download the breaches (CSV)")))
    assert csv["reference"].tolist() == ["RP-00002", "RP-00004", "RP-00003"]
    at.multiselect(key="ops_breach_clients").set_value([1])          # Acme Robotics
    at.run()
    parquet = pd.read_parquet(io.BytesIO(downloaded(at, managers, "Download the breaches (Parquet)")))
    assert parquet["reference"].tolist() == ["RP-00004"]


def test_evidence_downloads_as_csv_and_parquet(fixture_file, managers):
    at = open_page()
    at.selectbox(key="ops_evidence").select("first_day")
    at.radio(key="ops_evidence_view").set_value("in_figure")
    at.run()
    csv = pd.read_csv(io.BytesIO(downloaded(at, managers, "Download these rows (CSV)")))
    assert csv["days"].sum() == 212 and len(csv) == 7
    parquet = pd.read_parquet(io.BytesIO(downloaded(at, managers, "Download these rows (Parquet)")))
    assert parquet["placement_ref"].tolist() == csv["placement_ref"].tolist()
    assert parquet["first_day"].iloc[0] == date(2024, 7, 15)


def test_the_form_records_a_replacement_request(fixture_file):
    at = open_tab(open_page(), "Record an event")
    at.selectbox(key="ops_request_placement").set_value(7)
    at.date_input(key="ops_request_date").set_value(date(2025, 6, 27))
    at.text_area(key="ops_request_note").input("client asked for a stronger Kubernetes profile")
    at.button(key="ops_request_submit").click()
    at.run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Replacement request RP-00006 recorded."]
    db = Database(fixture_file)
    try:
        row = db.frame("SELECT placement_id, requested_on FROM replacements WHERE external_id = 'RP-00006'").iloc[0]
        assert row["placement_id"] == 7 and row["requested_on"].date() == date(2025, 6, 27)
        note = db.scalar("SELECT after->>'note' FROM audit_log WHERE action = 'request_replacement'")
        assert note == "client asked for a stronger Kubernetes profile"
    finally:
        db.close()
    # The new request shows among the rows behind the replacement figure, pending (not counted).
    at.selectbox(key="ops_evidence").select("replacement")
    at.run()
    rows = evidence_table(at).set_index("replacement_ref")
    assert not rows.loc["RP-00006", "in_figure"]
    assert metrics(at)["Replacements"] == ("25.0%", "breached")


def test_the_form_explains_a_refusal_and_writes_nothing(fixture_file):
    at = open_tab(open_page(), "Record an event")
    at.selectbox(key="ops_request_placement").set_value(8)          # starts on 7 Jul 2025
    at.button(key="ops_request_submit").click()
    at.run()
    assert any("before PL-08's first day (2025-07-07)" in e.value for e in at.error)
    at.selectbox(key="ops_fulfil_request").set_value(4)
    at.run()
    at.selectbox(key="ops_fulfil_placement").set_value(5)
    at.number_input(key="ops_fulfil_cost").set_value(300.0)
    at.button(key="ops_fulfil_submit").click()
    at.run()
    assert any("a charge of 300.00 USD needs a reason" in e.value for e in at.error)
    db = Database(fixture_file)
    try:
        assert db.scalar("SELECT count(*) FROM replacements") == 5
        assert db.scalar("SELECT count(*) FROM audit_log") == 0
    finally:
        db.close()


def test_the_form_records_a_churn(fixture_file):
    at = open_tab(open_page(), "Record an event")
    at.selectbox(key="ops_churn_client").set_value(5)               # Ember Energy
    at.date_input(key="ops_churn_date").set_value(date(2025, 6, 27))
    at.button(key="ops_churn_submit").click()
    at.run()
    assert any("1 placement ended, 2 open searches cancelled" in s.value for s in at.success)


def test_holiday_calendars_are_shown(fixture_file):
    at = open_page()
    holidays = next(frame.value for frame in at.dataframe if "holiday" in frame.value.columns)
    assert set(holidays["country"]) == {"GB", "US"}


def test_searches_at_risk_and_cancelled_ones_are_listed_apart_as_on_the_pipeline_page(tmp_path, monkeypatch):
    """On the agency of tests.shortlist_fixture: the same lists and figure as the pipeline page's test."""
    monkeypatch.setenv("SCORECARD_DB", str(shortlist_fixture.build(tmp_path / "shortlist.duckdb")))
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["account"] = shortlist_fixture.OPS
    at.run()
    at.selectbox(key="ops_period").select("All time")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["Within 14 business days"][0] == "66.7%"     # 2 of 3, as on the pipeline page
    listed = [frame.value for frame in at.dataframe if "business_days" in frame.value.columns
              and "in_figure" not in frame.value.columns]
    at_risk = next(frame for frame in listed if "closed_on" not in frame.columns)
    cancelled = next(frame for frame in listed if "closed_on" in frame.columns)
    assert at_risk["search_ref"].tolist() == ["SR-US-5"]
    assert cancelled["search_ref"].tolist() == ["SR-GB-4"]
    evidence = evidence_table(at).set_index("search_ref")
    assert evidence.loc["SR-US-5", "at_risk"] and not evidence.loc["SR-US-5", "in_figure"]
    assert evidence.loc["SR-GB-4", "cancelled"] and not evidence.loc["SR-GB-4", "breach"]


@pytest.mark.parametrize("role", ["hiring_lead", "reviewer"])
def test_other_roles_are_refused(fixture_file, role):
    at = open_page(role, all_time=False)
    assert any("Not allowed" in e.value for e in at.error)
    assert not at.metric


def test_admins_see_the_audit(fixture_file):
    assert metrics(open_page("admin"))["Shortlist size"] == ("75.0%", "breached")


# -- the audit date ----------------------------------------------------------------------------------------
@pytest.fixture
def audit_file(tmp_path, monkeypatch) -> Path:
    """The agency of :mod:`tests.audit_fixture`, whose own today is 30 June 2025."""
    path = audit_fixture.build(tmp_path / "audit.duckdb")
    monkeypatch.setenv("SCORECARD_DB", str(path))
    return path


def open_audit_page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["account"] = audit_fixture.person("ops")
    at.run()
    at.selectbox(key="ops_period").select("All time")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_as_of_date_defaults_to_the_databases_today_and_moves_the_figures(audit_file):
    at = open_audit_page()
    chosen = at.date_input(key="ops_as_of")
    assert (chosen.label, chosen.value) == ("As of", audit_fixture.TODAY)
    shown = metrics(at)
    # As of 30 June, counted searches: SR-1 7, SR-2 11, SR-8 9 within 14; SR-4 (29 so far), SR-5 18 and
    # SR-7 17 (German holidays) beyond -> 3 of 6. Clients: Alder, Brook retained, Cedar and Elm lost -> 2 of 4.
    assert shown["Shortlist time"] == ("50.0%", "breached")
    assert shown["Client retention"] == ("50.0%", "breached")

    chosen.set_value(audit_fixture.AS_OF)
    at.run()
    shown = metrics(at)
    # As of 30 May (see tests/reports/test_ops_export.py): SR-1, SR-2 within, SR-5 late -> 2 of 3;
    # Elm's churn on 2 June has not happened -> Alder, Brook retained, Cedar lost -> 2 of 3.
    assert shown["Shortlist time"] == ("66.7%", "breached")
    assert shown["Client retention"] == ("66.7%", "breached")
    assert shown["Time to first day"] == ("28.5 days", "met")
    assert any("As of 30 May 2025" in caption.value for caption in at.caption)


def test_the_page_downloads_the_document_the_command_writes(audit_file, managers):
    at = open_audit_page()
    at.date_input(key="ops_as_of").set_value(audit_fixture.AS_OF)
    at.run()
    with Database(audit_file) as db:
        expected = ops_audit(db, OPERATOR, SearchFilter(), audit_fixture.AS_OF)
    for label, render in (("Download the audit (JSON)", audit_json), ("Download the audit (CSV)", audit_csv)):
        assert downloaded(at, managers, label) == render(expected), label
