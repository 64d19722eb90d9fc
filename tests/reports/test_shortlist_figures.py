"""The pipeline page and the ops audit show the same shortlist figures, computed once.

The agency is :mod:`tests.shortlist_fixture`: clients in Germany, Great Britain and the US, with the
business days of every search counted there by hand.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.reports.ops import ops_report
from scoring.reports.pipeline import pipeline_report
from scoring.reports.shortlist import shortlist_figures
from scoring.store import Database
from scoring.store.searches import SearchFilter
from tests.shortlist_fixture import AS_OF, LEAD, OPS, build


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    handle = Database(build(tmp_path_factory.mktemp("shortlist") / "agency.duckdb"))
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def pipeline(db):
    return pipeline_report(db, LEAD, SearchFilter(), AS_OF)


@pytest.fixture(scope="module")
def audit(db):
    return ops_report(db, OPS, SearchFilter(), AS_OF)


def by_ref(times: pd.DataFrame, column: str) -> dict:
    return dict(zip(times["search_ref"], times[column]))


def test_each_search_is_counted_on_its_clients_calendar(pipeline):
    assert by_ref(pipeline.shortlist_times, "business_days") == {
        "SR-US-2": 7, "SR-GB-4": 20, "SR-US-3": 16, "SR-DE-1": 7, "SR-US-5": 12, "SR-DE-6": 5}
    assert by_ref(pipeline.shortlist_times, "within_target")["SR-DE-1"]


def test_hand_counted_shortlist_figures(pipeline):
    summary = pipeline.shortlist
    # Counted: SR-DE-1 (7), SR-US-2 (7), SR-US-3 (16). Within 7: 2 of 3; within 14: 2 of 3.
    assert int(summary["searches"]) == 3
    assert summary["share_within_target"] == pytest.approx(2 / 3)
    assert summary["share_within_limit"] == pytest.approx(2 / 3)
    assert int(summary["breaches"]) == 1 and int(summary["open_breaches"]) == 0
    assert summary["median_days"] == 7.0                          # 7, 7, 16
    assert (int(summary["at_risk"]), int(summary["cancelled"])) == (1, 1)
    assert pipeline.at_risk["search_ref"].tolist() == ["SR-US-5"]
    assert pipeline.cancelled["search_ref"].tolist() == ["SR-GB-4"]
    assert pipeline.countries == ("DE", "GB", "US")


def test_the_pipeline_page_and_the_ops_audit_show_the_same_shortlist_figures(pipeline, audit):
    pd.testing.assert_series_equal(pipeline.shortlist, audit.shortlist)
    evidence = audit.evidence["shortlist_time"]
    for column in ("business_days", "within_target", "within_limit", "breach", "at_risk", "cancelled"):
        assert by_ref(pipeline.shortlist_times, column) == by_ref(evidence, column), column
    assert by_ref(pipeline.shortlist_times, "counted") == by_ref(evidence, "in_figure")
    pd.testing.assert_frame_equal(pipeline.at_risk, audit.at_risk)
    pd.testing.assert_frame_equal(pipeline.cancelled, audit.cancelled)
    pd.testing.assert_frame_equal(pipeline.holidays, audit.holidays)
    assert pipeline.countries == audit.countries
    # The ops headline is the same share: 2 of 3 within 14 business days.
    headline = audit.headline.set_index("key").loc["shortlist_time"]
    assert headline["figure"] == pytest.approx(pipeline.shortlist["share_within_limit"])
    assert headline["n"] == int(pipeline.shortlist["searches"])


def test_both_pages_show_the_german_calendar_with_whit_monday(pipeline, audit):
    for holidays in (pipeline.holidays, audit.holidays):
        german = holidays[holidays["country"] == "DE"]
        assert date(2025, 6, 9) in set(german["date"])
        assert date(2025, 6, 9) not in set(holidays.loc[holidays["country"] == "US", "date"])


def test_the_ops_evidence_says_why_a_search_is_not_counted(audit):
    notes = by_ref(audit.evidence["shortlist_time"], "note")
    assert notes["SR-GB-4"].startswith("cancelled without a shortlist: left out of the figure")
    assert notes["SR-US-5"].startswith("no shortlist yet, past the 7-day target: at risk")
    assert notes["SR-DE-6"] == "waiting, within the 7-day target: not counted yet"
    assert notes["SR-US-3"] == "delivered"


def test_one_function_over_one_read(db):
    figures = shortlist_figures(db, LEAD, SearchFilter(client_ids=(2,)), AS_OF)
    assert figures.searches["search_ref"].tolist() == ["SR-DE-1", "SR-DE-6"]
    assert figures.countries == ("DE",)
    assert int(figures.summary["searches"]) == 1 and figures.summary["share_within_target"] == 1.0
