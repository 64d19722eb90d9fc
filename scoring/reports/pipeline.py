"""The pipeline-health report for hiring leads: stage counts, pass rates, funnel, shortlist times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from scoring import funnel, sla
from scoring.access import Account
from scoring.business_days import configured_country, holiday_table
from scoring.store import pipeline
from scoring.store.db import Database
from scoring.store.pipeline import SearchFilter

STALLED_PER_STAGE = 10


@dataclass(frozen=True)
class PipelineReport:
    as_of: date
    open_searches: int
    searches: int
    stages: pd.DataFrame          # funnel.funnel_table per stage, with the stage name
    by_month: pd.DataFrame        # funnel.funnel_table by month of entry
    shortlist: pd.Series          # sla.shortlist_summary over all counted searches
    shortlist_times: pd.DataFrame # sla.shortlist_times per search
    stalled: pd.DataFrame         # open applications waiting longest in each stage
    holidays: pd.DataFrame        # the calendar the business days exclude
    country: str


def pipeline_report(db: Database, actor: Account, search_filter: SearchFilter, as_of: date) -> PipelineReport:
    searches = pipeline.searches(db, actor, search_filter, as_of)
    names = pipeline.stage_names(db, actor)
    overall = pipeline.funnel_counts(db, actor, search_filter, as_of).set_index("stage_id")
    stages = funnel.finish_funnel(overall, []).merge(names, on="stage_id")
    monthly = pipeline.funnel_counts(db, actor, search_filter, as_of, by_month=True)
    by_month = funnel.finish_funnel(monthly.set_index(["entry_month", "stage_id"]), ["entry_month"])
    times = sla.shortlist_times(searches, as_of)
    summary = sla.shortlist_summary(times).iloc[0]
    stalled = pipeline.stalled(db, actor, search_filter, as_of, STALLED_PER_STAGE).merge(names, on="stage_id")
    country = configured_country()
    years = pd.to_datetime(searches["opened_on"]).dt.year if len(searches) else pd.Series([as_of.year])
    return PipelineReport(
        as_of=as_of, open_searches=int((searches["status"] == "open").sum()), searches=len(searches),
        stages=stages, by_month=by_month, shortlist=summary, shortlist_times=times, stalled=stalled,
        holidays=holiday_table(country, int(years.min()), max(int(years.max()), as_of.year)), country=country,
    )
