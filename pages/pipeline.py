"""Pipeline health: open searches, where candidates stall, which stage rejects whom."""

from __future__ import annotations

import streamlit as st

from scoring.reports.formatting import MISSING, shown
from scoring.reports.pipeline import FUNNEL_RULES, SHORTLIST_PROMISE, pipeline_report
from ui import charts, shortlist_tables
from ui.context import guarded, read, require_account
from ui.empty_states import nothing_yet
from ui.filters import search_filter


def body() -> None:
    actor = require_account()
    st.title("Pipeline health")
    chosen, as_of = search_filter(actor, "pipeline")
    report = read(pipeline_report, actor, chosen, as_of)
    promise = SHORTLIST_PROMISE
    st.caption(f"As of {as_of:%d %b %Y}: {report.searches:,} searches opened in the chosen period, as they "
               "stood at the end of that day (nothing dated later is used). "
               "Business days exclude weekends and the public holidays of each search's client's country "
               f"({', '.join(report.countries)}), as in the ops audit.")
    if report.searches == 0:
        nothing_yet("searches")
        return

    top = st.columns(5)
    top[0].metric("Open searches", f"{report.open_searches:,}")
    top[1].metric("Candidates in a stage now", f"{int(report.stages['open'].sum()):,}")
    median = report.shortlist["median_days"]
    top[2].metric("Median business days to shortlist", shown(median, "{:.0f}"),
                  help=f"Target {promise.target}, limit {promise.limit} business days")
    share = report.shortlist["share_within_limit"]
    top[3].metric(f"Shortlists within {promise.limit} business days", shown(share, "{:.1%}"),
                  help=f"{int(report.shortlist['within_limit'])} of {int(report.shortlist['searches'])} searches "
                       f"counted (delivered, or past the limit without a shortlist); "
                       f"{int(report.shortlist['cancelled'])} cancelled without a shortlist are left out")
    top[4].metric("At risk", f"{len(report.at_risk):,}",
                  help=f"Open searches past the {promise.target}-business-day target without a shortlist, "
                       f"not yet past the {promise.limit}-day limit (listed below)")

    per_stage = st.columns(4)
    for column, (_, stage) in zip(per_stage, report.stages.iterrows()):
        rate = stage["pass_rate"]
        column.metric(stage["stage"], f"{int(stage['open']):,} in stage",
                      None if rate != rate else f"{rate:.1%} pass", delta_color="off", delta_arrow="off",
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
    st.dataframe(
        report.stages[["stage", "entered", "decided", "passed", "open", "pass_rate", "days_median",
                       "days_p90", "drop_off"]],
        hide_index=True, width="stretch",
        column_config={"pass_rate": st.column_config.NumberColumn("pass rate", format="percent"),
                       "drop_off": st.column_config.NumberColumn("drop-off", format="percent"),
                       "days_median": "median days in stage", "days_p90": "90th percentile days"}, placeholder=MISSING)
    st.subheader("Where candidates stall now")
    st.dataframe(report.stalled[["stage", "rank", "application_id", "entered_on", "age_days", "seniority"]],
                 hide_index=True, width="stretch", placeholder=MISSING)
    with st.expander("How the funnel is counted"):
        st.markdown("\n".join(f"- {rule}" for rule in FUNNEL_RULES))
    with st.expander(f"Holiday calendars used ({', '.join(report.countries)})"):
        st.caption("A search's business days skip weekends and the public holidays of its client's country.")
        st.dataframe(report.holidays, hide_index=True, width="stretch", placeholder=MISSING)


guarded(body)
