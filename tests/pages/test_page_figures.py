"""The charts a page draws are those of the data as it is now, though a figure is kept between reruns
(:mod:`ui.figure_cache`): after a decision, the pipeline's pass rates are redrawn at once, exactly as a
figure built anew from the new report; a rerun with nothing changed draws the same figure again."""

from __future__ import annotations

import json

from scoring.reports.pipeline import pipeline_report
from scoring.store import scorecards, searches, tooling_audit
from tests.conftest import DEMO_AS_OF, account
from ui import charts

PAGE = "pages/pipeline.py"
TREND = "Pass rate by month of entry"


def _trend(at) -> dict:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return next(spec for spec in specs if spec["layout"]["title"]["text"].startswith(TREND))


def _all_time(at):
    at.selectbox(key="pipeline_period").select("All time")
    return at.run()


def _built_anew(db, lead) -> dict:
    report = pipeline_report(db, lead, searches.SearchFilter(), DEMO_AS_OF)
    names = dict(zip(report.stages["stage_id"], report.stages["stage"]))
    return json.loads(charts.pass_rate_trend.__wrapped__(report.by_month, names).to_json())


def test_a_decision_redraws_the_pass_rates_at_once_as_built_from_the_new_report(open_page, demo_db):
    lead, reviewer = account(demo_db, "hiring_lead"), account(demo_db, "reviewer")
    at = _all_time(open_page(PAGE, "hiring_lead"))
    before = _trend(at)
    assert _trend(at.run()) == before                       # nothing changed: the same figure

    work = scorecards.queue(demo_db, reviewer, DEMO_AS_OF)
    audit = work[work["stage_id"] == 1].iloc[0]
    tooling_audit.submit_audit(demo_db, reviewer, int(audit["application_id"]), [], DEMO_AS_OF)   # a rejection
    after = _trend(at.run())
    assert not at.exception
    assert after != before
    assert after["data"] == _built_anew(demo_db, lead)["data"]
