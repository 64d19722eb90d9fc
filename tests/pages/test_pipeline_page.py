"""The pipeline-health page shows the figures the report computes from the database."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from scoring.reports.pipeline import pipeline_report
from scoring.store.searches import SearchFilter
from tests import audit_fixture, shortlist_fixture
from tests.conftest import DEMO_AS_OF, ROOT, account, plotly_values

PAGE = "pages/pipeline.py"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _all_time(at):
    at.selectbox(key="pipeline_period").select("All time")
    return at.run()


def test_headline_figures_match_the_report(open_page, demo_db):
    at = _all_time(open_page(PAGE, "hiring_lead"))
    assert not at.exception
    report = pipeline_report(demo_db, account(demo_db, "hiring_lead"), SearchFilter(), DEMO_AS_OF)
    shown = _metrics(at)
    assert shown["Open searches"] == f"{report.open_searches:,}"
    assert shown["Candidates waiting"] == f"{int(report.stages['open'].sum()):,}"
    assert shown["Median business days to shortlist"] == f"{report.shortlist['median_days']:.0f}"
    assert shown["Shortlists within 14 business days"] == f"{report.shortlist['share_within_limit']:.1%}"
    for _, stage in report.stages.iterrows():
        assert shown[stage["stage"]] == f"{int(stage['open']):,} waiting"


def test_figures_agree_with_plain_sql_counts(open_page, demo_db):
    at = _all_time(open_page(PAGE, "hiring_lead"))
    open_searches = demo_db.scalar("SELECT count(*) FROM searches WHERE status = 'open'")
    in_stage = demo_db.scalar("SELECT count(*) FROM stage_decisions WHERE decision IS NULL")
    shown = _metrics(at)
    assert shown["Open searches"] == f"{open_searches:,}"
    assert shown["Candidates waiting"] == f"{in_stage:,}"


def test_funnel_chart_counts_every_stage_entry(open_page, demo_db):
    at = _all_time(open_page(PAGE, "hiring_lead"))
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    funnel = next(c for c in charts if c["data"][0]["type"] == "funnel")
    expected = demo_db.frame("SELECT stage_id, count(*) AS n FROM stage_decisions GROUP BY 1 ORDER BY 1")["n"]
    assert plotly_values(funnel["data"][0]["x"]) == expected.tolist()


def test_client_and_seniority_filters_narrow_the_figures(open_page, demo_db):
    at = _all_time(open_page(PAGE, "hiring_lead"))
    client_id = int(demo_db.scalar("SELECT client_id FROM searches GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"))
    at.multiselect(key="pipeline_clients").set_value([client_id])
    at.multiselect(key="pipeline_seniority").set_value(["senior"])
    at.run()
    assert not at.exception
    expected = demo_db.scalar("""SELECT count(*) FROM stage_decisions JOIN applications USING (application_id)
                                 JOIN searches USING (search_id)
                                 WHERE client_id = ? AND seniority = 'senior' AND decision IS NULL""", [client_id])
    assert _metrics(at)["Candidates waiting"] == f"{expected:,}"


def test_a_reviewer_is_refused(open_page):
    at = open_page(PAGE, "reviewer")
    assert not at.exception
    assert any("Not allowed" in e.value for e in at.error)


def test_the_as_of_date_moves_the_figures(tmp_path, monkeypatch):
    """On the agency of tests.audit_fixture, whose own today is 30 June 2025."""
    monkeypatch.setenv("SCORECARD_DB", str(audit_fixture.build(tmp_path / "audit.duckdb")))
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state["account"] = audit_fixture.person("hiring_lead")
    at = _all_time(at.run())
    chosen = at.date_input(key="pipeline_as_of")
    assert (chosen.label, chosen.value) == ("As of", audit_fixture.TODAY)
    # 30 June: only SR-4 is open (SR-6 was cancelled, SR-7 and SR-8 have their shortlists); only AP-08
    # waits in a stage, at the client shortlist.
    assert (_metrics(at)["Open searches"], _metrics(at)["Candidates waiting"]) == ("1", "1")

    chosen.set_value(audit_fixture.AS_OF)
    at.run()
    assert not at.exception
    # 30 May: SR-4, SR-6 and SR-8 are open (SR-7 not opened yet); AP-07 waits at the interview, AP-08 at the
    # take-home and AP-04 for the client (decisions taken in June).
    assert (_metrics(at)["Open searches"], _metrics(at)["Candidates waiting"]) == ("3", "3")
    assert _metrics(at)["Client shortlist"] == "1 waiting"
    assert any("As of 30 May 2025" in caption.value for caption in at.caption)


def test_shortlist_figures_follow_each_clients_calendar_and_flag_searches_at_risk(tmp_path, monkeypatch):
    """On the agency of tests.shortlist_fixture (clients in DE, GB and the US), as of 30 June 2025."""
    monkeypatch.setenv("SCORECARD_DB", str(shortlist_fixture.build(tmp_path / "shortlist.duckdb")))
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    at.session_state["account"] = shortlist_fixture.LEAD
    at = _all_time(at.run())
    assert not at.exception
    shown = _metrics(at)
    # Counted: SR-DE-1 7 (Whit Monday off in Germany), SR-US-2 7, SR-US-3 16 -> 2 of 3 within 14.
    assert shown["Shortlists within 14 business days"] == "66.7%"
    assert shown["Median business days to shortlist"] == "7"
    assert shown["At risk"] == "1"                                   # SR-US-5, 12 business days
    at_risk = next(frame.value for frame in at.dataframe if "business_days" in frame.value.columns
                   and "closed_on" not in frame.value.columns)
    assert at_risk["search_ref"].tolist() == ["SR-US-5"] and at_risk["business_days"].tolist() == [12]
    cancelled = next(frame.value for frame in at.dataframe if "closed_on" in frame.value.columns)
    assert cancelled["search_ref"].tolist() == ["SR-GB-4"]
    assert any(e.label == "Holiday calendars used (DE, GB, US)" for e in at.expander)
    calendars = next(frame.value for frame in at.dataframe if "holiday" in frame.value.columns)
    assert set(calendars["country"]) == {"DE", "GB", "US"}


def test_where_candidates_stall_names_them_and_links_their_profiles(open_page, demo_db):
    at = _all_time(open_page(PAGE, "hiring_lead"))
    assert not at.exception
    report = pipeline_report(demo_db, account(demo_db, "hiring_lead"), SearchFilter(), DEMO_AS_OF)
    names = demo_db.frame("SELECT name FROM stages ORDER BY stage_id")["name"].tolist()
    assert [t.label for t in at.tabs][:4] == names               # one tab per stage, titled with the stage alone
    stalled = [frame.value for frame in at.dataframe if "profile" in frame.value.columns]
    assert len(stalled) == 1                                     # only the open tab, the first stage, is drawn
    first = stalled[0].iloc[0]
    expected = demo_db.frame("""
        SELECT c.external_id AS ref, c.full_name AS name, s.external_id AS search, s.role_title, cl.name AS client
        FROM applications AS a JOIN candidates AS c USING (candidate_id) JOIN searches AS s USING (search_id)
        JOIN clients AS cl ON cl.client_id = s.client_id
        WHERE a.application_id = ?""", [int(first["application_id"])]).iloc[0]
    assert first["candidate"] == expected["name"] and first["client"] == expected["client"]
    assert first["profile"] == f"/candidate?q={expected['ref']}"
    assert first["role"] == f"{expected['role_title']} ({expected['search']})"
    waiting = stalled[0]["age_days"].tolist()
    assert waiting == sorted(waiting, reverse=True)              # the longest wait first
    # Another stage's tab lists those waiting there, says how many wait, and stays open when a filter changes.
    second = report.stages.iloc[1]
    at.session_state["pipeline_stalled_stage"] = second["stage"]
    at.selectbox(key="pipeline_period").select("Last 12 months")
    _all_time(at.run())
    assert at.session_state["pipeline_stalled_stage"] == second["stage"]
    [shown] = [frame.value for frame in at.dataframe if "profile" in frame.value.columns]
    assert set(shown["stage_id"]) == {second["stage_id"]}
    assert any(c.value.startswith(f"{int(second['open']):,} candidates waiting") for c in at.caption)
