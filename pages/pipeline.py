"""Pipeline health: open searches, where candidates stall, which stage rejects whom."""

from __future__ import annotations

import streamlit as st

from scoring.reports.formatting import shown
from scoring.reports.pipeline import FUNNEL_RULES, pipeline_report
from scoring.reports.shortlist import SHORTLIST_PROMISE
from ui import charts, pipeline_tables, shortlist_tables
from ui.context import guarded, require_account
from ui.empty_states import nothing_yet
from ui.filters import search_filter
from ui.shared_reads import read_shared


def body() -> None:
    actor = require_account()
    st.title("Pipeline health")
    chosen, as_of = search_filter(actor, "pipeline")
    report = read_shared("read_pipeline", pipeline_report, actor, chosen, as_of)
    promise = SHORTLIST_PROMISE
    st.caption(f"As of {as_of:%d %b %Y}: {report.searches_text} opened in the chosen period, as they "
               "stood at the end of that day (nothing dated later is used). "
               "Business days exclude weekends and the public holidays of each search's client's country "
               f"({', '.join(report.countries)}), as in the ops audit.")
    if report.searches == 0:
        nothing_yet("searches")
        return

    first, second, third = st.columns(3)
    first.metric("Open searches", f"{report.open_searches:,}")
    second.metric("Candidates waiting", f"{int(report.stages['open'].sum()):,}",
                  help="Candidates in a stage now, waiting for its decision")
    third.metric("At risk", f"{len(report.at_risk):,}",
                 help=f"Open searches past the {promise.target}-business-day target without a shortlist, "
                      f"not yet past the {promise.limit}-day limit (listed below)")
    left, right = st.columns(2)
    left.metric("Median business days to shortlist", shown(report.shortlist["median_days"], "{:.0f}"),
                help=f"Over delivered shortlists. Target {promise.target}, limit {promise.limit} business days")
    right.metric(f"Shortlists within {promise.limit} business days", shown(report.shortlist["share_within_limit"],
                                                                            "{:.1%}"),
                 help=f"{int(report.shortlist['within_limit']):,} of {int(report.shortlist['searches']):,} searches "
                      f"counted (delivered, or past the limit without a shortlist); "
                      f"{int(report.shortlist['cancelled']):,} cancelled without a shortlist are left out")

    st.subheader("Waiting in each stage")
    for start in range(0, len(report.stages), 2):
        for column, (_, stage) in zip(st.columns(2), report.stages.iloc[start:start + 2].iterrows()):
            rate = stage["pass_rate"]
            column.metric(stage["stage"], f"{int(stage['open']):,} waiting",
                          None if rate != rate else f"{rate:.1%} pass", delta_color="off", delta_arrow="off",
                          border=True,
                          help=f"Passed {int(stage['passed']):,} of {int(stage['decided']):,} decided; "
                               f"95% interval {shown(stage['pass_rate_low'], '{:.1%}')} to "
                               f"{shown(stage['pass_rate_high'], '{:.1%}')}")

    left, right = st.columns(2)
    left.plotly_chart(charts.funnel(report.stages), width="stretch")
    right.plotly_chart(charts.shortlist_histogram(report.shortlist_times, promise.target, promise.limit),
                       width="stretch")
    names = dict(zip(report.stages["stage_id"], report.stages["stage"]))
    st.plotly_chart(charts.pass_rate_trend(report.by_month, names), width="stretch")

    st.subheader("Searches at risk")
    shortlist_tables.at_risk(report.at_risk, "pipeline_at_risk")
    with st.expander(f"Cancelled without a shortlist ({len(report.cancelled):,})"):
        shortlist_tables.cancelled(report.cancelled, "pipeline_cancelled")

    st.subheader("Stage detail")
    pipeline_tables.stage_detail(report.stages)
    st.subheader("Where candidates stall now")
    st.caption("The candidates waiting longest at each stage, by days since they entered it. A candidate's "
               "profile opens from the link.")
    pipeline_tables.stalled(report.stalled, report.stages)
    with st.expander("How the funnel is counted"):
        st.markdown("\n".join(f"- {rule}" for rule in FUNNEL_RULES))
    with st.expander(f"Holiday calendars used ({', '.join(report.countries)})"):
        shortlist_tables.holidays(report.holidays)


guarded(body)
