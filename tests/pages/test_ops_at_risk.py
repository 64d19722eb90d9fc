"""The ops page's "At risk" tab, run headless with AppTest on the hand-built agency of :mod:`tests.ops_fixture`.

The probabilities are worked by hand in ``tests/reports/test_at_risk.py``; here the tab must list the open
items riskiest first with their owners and the page's as-of date, show the rows behind a chosen item with
profile links, and say why there is no track record to show on so short a history.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from scoring.reports.at_risk import RiskBacktest
from scoring.stats.forecast import brier_score, calibration_table
from scoring.store import Database
from tests.ops_fixture import build, person
from ui import at_risk as at_risk_ui

PAGE = Path(__file__).resolve().parents[2] / "pages" / "ops.py"
TIMEOUT = 60


@pytest.fixture
def fixture_file(tmp_path, monkeypatch) -> Path:
    path = build(tmp_path / "ops.duckdb")
    with Database(path) as db:
        db.write(lambda cur: cur.execute("UPDATE searches SET lead_account_id = 3 WHERE search_id = 11"))
    monkeypatch.setenv("SCORECARD_DB", str(path))
    return path


def at_risk_tab(role: str = "ops") -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["account"] = person(role)
    at.session_state["ops_tab"] = "At risk"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_with(at: AppTest, column: str):
    """The tab's table holding ``column`` (the rows behind a figure, above the tabs, come first on the page)."""
    found = [element.value for element in at.dataframe if column in element.value.columns]
    assert len(found) == 1, [list(element.value.columns) for element in at.dataframe]
    return found[0]


def test_the_open_items_riskiest_first_with_owner_and_as_of_date(fixture_file):
    at = at_risk_tab()
    items = table_with(at, "p_breach")
    # RP-00005: 2/3 (5 of 14 days, Lea Lead owns SR-11); SR-06: 1/4 (5 of 14 business days, no lead)
    assert items["ref"].tolist() == ["RP-00005", "SR-06"]
    assert items["owner"].tolist() == ["Lea Lead", "—"]
    assert items["kind"].tolist() == ["Replacement", "Shortlist"]
    assert items["days_left"].tolist() == [9, 9]
    assert items["p_breach"].round(2).tolist() == [66.67, 25.0]          # drawn in percent
    captions = " ".join(c.value for c in at.caption)
    assert "As of 30 Jun 2025, like the rest of the page" in captions
    assert "overall history" not in captions and "Kaplan-Meier" in captions
    text = " ".join([*captions.split(), *(m.value for m in at.markdown)])
    assert "nan" not in text.split() and "None" not in text.split()


def test_the_rows_behind_a_search_link_to_the_candidates_profiles(fixture_file):
    at = at_risk_tab()
    at.selectbox(key="ops_at_risk_item").select("SR-06")
    at.run()
    assert not at.exception
    rows = table_with(at, "profile")
    # SR-06 has no application in the fixture: the table is there, empty, and the caption says so
    assert list(rows.columns) == ["candidate", "profile", "stage", "entered_on", "decision"]
    assert any("The 0 applications of search SR-06" in c.value for c in at.caption)


def test_the_rows_behind_a_replacement_request(fixture_file):
    at = at_risk_tab()
    assert at.selectbox(key="ops_at_risk_item").value == "RP-00005"
    rows = table_with(at, "placement_ref")
    assert rows[["replacement_ref", "placement_ref"]].values.tolist() == [["RP-00005", "PL-11"]]
    assert any(c.value.startswith("Replacement RP-00005 (Ember Energy), owner Lea Lead: 5 calendar days since "
                                  "25 Jun 2025, 9 days left to the limit of 14; 67% risk of breach, estimated "
                                  "from 5 past replacement requests.") for c in at.caption)


@pytest.mark.parametrize("table", [at_risk_ui._ITEMS, at_risk_ui._CANDIDATES, at_risk_ui._REQUESTS])
def test_the_tables_fit_a_1024_px_window_and_speak_peoples_words(table):
    # As tests/ui/test_table_widths.py: 564 px of content, less 8 for the borders
    assert sum(column["width"] for column in table.values()) <= 564 - 8
    assert all(column["label"][0].isupper() and "_" not in column["label"] for column in table.values())


def test_the_track_record_says_there_is_too_little_history(fixture_file):
    at = at_risk_tab()
    captions = " ".join(c.value for c in at.caption)
    assert "No past estimate to check yet" in captions
    assert not [c for c in at.get("plotly_chart") if "decile" in json.loads(c.proto.spec)["layout"]["title"]["text"]]


def test_the_small_demo_lists_owners_and_says_its_history_is_too_short_to_score(open_page):
    at = open_page("pages/ops.py", "ops")
    at.session_state["ops_tab"] = "At risk"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # 75 searches, fewer than the 200 known outcomes the list's own rule asks for: it says so, no score
    assert any(c.value.startswith("No past estimate to check yet") for c in at.caption)
    assert "Brier score" not in [m.label for m in at.metric]
    assert table_with(at, "p_breach")["owner"].ne("—").all()          # every demo search has its hiring lead


def test_hiring_leads_do_not_see_the_ops_page(fixture_file):
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["account"] = person("hiring_lead")
    at.session_state["ops_tab"] = "At risk"
    at.run()
    assert not [element for element in at.dataframe if "p_breach" in element.value.columns]


def test_the_calibration_chart_draws_each_decile_with_its_interval_beside_the_diagonal():
    forecast, outcome = [0.1, 0.1, 0.2, 0.8, 0.9, 0.9], [0, 0, 1, 1, 1, 1]
    predictions = pd.DataFrame({"search_id": [1, 2, 3, 4, 5, 6], "p_breach": forecast, "breached": outcome})
    backtest = RiskBacktest(date(2025, 6, 30), predictions, brier_score(forecast, outcome), 0.25,
                            calibration_table(forecast, outcome, bins=2), 6)
    diagonal, deciles = at_risk_ui.calibration_chart(backtest).data
    assert list(diagonal.x) == [0, 1] and list(diagonal.y) == [0, 1]
    assert [round(x, 3) for x in deciles.x] == [0.133, 0.867] and [round(y, 3) for y in deciles.y] == [0.333, 1.0]
    assert len(deciles.error_y.array) == 2 and deciles.error_y.array[1] == 0      # 3 of 3: the interval tops at 1
    assert list(deciles.error_x.array) == [0, 0]                 # estimates taken as exact: no spread across
    spread = calibration_table(forecast, outcome, bins=2, forecast_se=[0.05] * 6)
    with_spread = RiskBacktest(date(2025, 6, 30), predictions, brier_score(forecast, outcome), 0.25, spread, 6)
    drawn = at_risk_ui.calibration_chart(with_spread).data[1]
    assert [round(x, 3) for x in drawn.error_x.array] == [0.098, 0.098]          # 1.96 * 0.05 either side
    assert list(drawn.marker.symbol) == ["circle", "circle"] and "agree" in drawn.customdata[0][-1]
    empty = RiskBacktest(date(2025, 6, 30), predictions.iloc[:0], float("nan"), float("nan"),
                         calibration_table([], []), 0)
    assert "No past estimate to check yet" in json.dumps(at_risk_ui.calibration_chart(empty).to_plotly_json())


def test_the_owner_form_lists_searches_without_an_owner_first_and_only_active_hiring_leads(fixture_file):
    at = at_risk_tab()
    search = at.selectbox(key="ops_owner_search")
    # SR-06 waits for its shortlist with no lead; RP-00005 is a request on a placement of SR-11, which Lea leads
    assert [search.format_func(option) for option in search.options] == [
        "SR-06 · Ember Energy: no owner yet", "SR-11 · Ember Energy: owner Lea Lead"]
    lead = at.selectbox(key="ops_owner_lead")
    assert [lead.format_func(option) for option in lead.options] == ["Lea Lead (lead@ops.example)"]
    assert any("1 listed search has no owner yet" in c.value for c in at.caption)


def test_ops_names_the_owner_of_a_search_and_the_list_shows_it(fixture_file):
    at = at_risk_tab()
    at.selectbox(key="ops_owner_search").set_value(6)
    at.selectbox(key="ops_owner_lead").set_value(3)
    at.button(key="ops_owner_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Lea Lead now owns search SR-06."]
    items = table_with(at, "p_breach")
    assert items.set_index("ref").loc["SR-06", "owner"] == "Lea Lead"
    with Database(fixture_file) as db:
        entry = db.frame("SELECT actor_id, entity_key, after FROM audit_log WHERE action = 'set_search_lead'")
    assert entry[["actor_id", "entity_key"]].values.tolist() == [[2, "6"]]
    assert json.loads(entry["after"].iloc[0])["lead"] == "lead@ops.example"


def test_setting_an_owner_with_nothing_chosen_says_why_in_place(fixture_file):
    at = at_risk_tab()
    at.button(key="ops_owner_submit").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Owner not set: search: none chosen"]
    assert table_with(at, "p_breach").set_index("ref").loc["SR-06", "owner"] == "—"
