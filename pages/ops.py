"""Ops audit: each promise met or breached, the rows behind every figure, breaches, and the form
that records replacements and client churn."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, cast

import streamlit as st

from scoring.reports.formatting import counted, shown
from scoring.reports.ops import (
    BREACHED,
    EVIDENCE_VIEWS,
    FIRST_DAY_FROM,
    MET,
    NO_DATA,
    PROMISES,
    REPORTED,
    SHORT_NAMES,
    OpsReport,
    churn_message,
    evidence_caption,
    evidence_rows,
    filter_breaches,
    ops_report,
)
from scoring.reports.ops_export import audit_extras, ops_document
from scoring.reports.ops_export import to_csv as audit_csv
from scoring.reports.ops_export import to_json as audit_json
from scoring.store import clients as client_store
from scoring.store import placements as placement_store
from ui import ops_charts, ops_tables, shortlist_tables
from ui.access import Account, account_allowed
from ui.at_risk import at_risk_section
from ui.client_report import client_report_section
from ui.context import database, guarded, guarded_fragment, read, today
from ui.empty_states import nothing_yet
from ui.filters import search_filter
from ui.shared_reads import read_shared
from ui.tables import downloads, first_rows
from ui.tabs import lazy_tabs
from ui.text import labelled, plain
from ui.writes import run_write, show_outcome

STATUS_COLOURS: dict[str, Literal["green", "red", "gray", "blue"]] = {MET: "green", BREACHED: "red", NO_DATA: "gray",
                                                                     REPORTED: "blue"}
PROMISE_NAMES = {key: promise.name for key, promise in PROMISES.items()}


def pct(value: float) -> str:
    return shown(value, "{:.1%}")


def headline_section(report: OpsReport) -> None:
    st.subheader("Promises")
    rows = list(report.headline.itertuples())
    for start in range(0, len(rows), 3):
        for column, row in zip(st.columns(3), rows[start:start + 3]):
            column.metric(SHORT_NAMES[row.key], row.figure_text, row.status, delta_color=STATUS_COLOURS[row.status],
                          delta_arrow="off", border=True,
                          help=f"**{row.name}.** Promised: {row.target_text}. Measured over "
                               f"{counted(int(row.n), 'row', 'rows')}: {row.detail}.")


@guarded_fragment
def evidence_section(report: OpsReport) -> None:
    """The rows behind the chosen figure; choosing another reruns this part alone."""
    st.subheader("The rows behind a figure")
    figures = dict(zip(report.headline["key"], report.headline["figure_text"]))
    key = st.selectbox("Show the rows behind", list(PROMISES),
                       format_func=lambda k: f"{PROMISE_NAMES[k]}: {figures[k]}", key="ops_evidence")
    view = st.radio("Rows", list(EVIDENCE_VIEWS), format_func=labelled(EVIDENCE_VIEWS), key="ops_evidence_view",
                    horizontal=True, label_visibility="collapsed")
    rows = evidence_rows(report, key, view)
    st.caption(evidence_caption(report, key, len(rows)))
    ops_tables.evidence(first_rows(rows), key, report.first_day_from)
    downloads(rows, "these rows", f"ops_{key}_{report.as_of:%Y-%m-%d}", "ops_evidence_download")


def shortlist_section(report: OpsReport) -> None:
    summary = report.shortlist
    promise = PROMISES["shortlist_time"]
    first, second, third = st.columns(3)
    first.metric(f"Within {promise.target:g} business days", pct(summary["share_within_target"]),
                 help=f"Shortlisted within the target: {int(summary['within_target']):,} of "
                      f"{counted(int(summary['searches']), 'search', 'searches')} counted")
    low, high = pct(summary["share_within_limit_low"]), pct(summary["share_within_limit_high"])
    second.metric(f"Within {promise.limit:g} business days", pct(summary["share_within_limit"]),
                  help=f"Shortlisted within the limit: {int(summary['within_limit']):,} of "
                       f"{counted(int(summary['searches']), 'search', 'searches')} counted; "
                       f"95% interval {low} to {high}")
    third.metric("Median business days", shown(summary["median_days"], "{:g}"),
                 help="From opening to shortlist, over delivered shortlists")
    st.plotly_chart(ops_charts.shortlist_distribution(report.distribution, promise.target, promise.limit),
                    width="stretch")
    st.plotly_chart(ops_charts.shortlist_trend(report.trend, promise.target, promise.limit), width="stretch")
    ops_tables.trend(report.trend)
    st.markdown(f"**At risk ({len(report.at_risk):,})**")
    shortlist_tables.at_risk(report.at_risk, "ops_at_risk")
    st.markdown(f"**Cancelled without a shortlist ({len(report.cancelled):,})**")
    shortlist_tables.cancelled(report.cancelled, "ops_cancelled")


def retention_section(report: OpsReport) -> None:
    days, label = report.horizons["client_retention"]
    st.plotly_chart(ops_charts.survival(report.client_curves, days, label,
                                        "Clients still with the agency, by quarter signed"), width="stretch")
    ops_tables.cohorts(report.client_cohorts)
    days, label = report.horizons["placement_retention"]
    st.plotly_chart(ops_charts.survival(report.placement_curves, days, label,
                                        "Placed engineers still in post, by quarter started"), width="stretch")
    ops_tables.cohorts(report.placement_cohorts)
    st.caption("Curves are Kaplan-Meier estimates. Censored subjects (too recent to know, or a placement ended for "
               "a reason that is not the event) are left out of the retained share and stay in the curves only "
               "while observed.")


@guarded_fragment
def breach_section(report: OpsReport) -> None:
    """The breaches, filtered by promise and client; a filter reruns this part alone."""
    breaches = report.breaches
    known = breaches.dropna(subset=["client_id"])
    names = dict(zip(known["client_id"].astype(int), known["client"]))
    left, right = st.columns(2)
    promises = left.multiselect("Promise", list(PROMISES), format_func=labelled(PROMISE_NAMES),
                                key="ops_breach_promises", placeholder="Every promise")
    clients = right.multiselect("Client", sorted(names, key=lambda c: names[c]), format_func=labelled(names),
                                key="ops_breach_clients", placeholder="Every client")
    rows = filter_breaches(breaches, promises, clients)
    st.caption(f"{len(rows):,} of {counted(len(breaches), 'breach', 'breaches')}.")
    ops_tables.breaches(first_rows(rows, ("breach", "breaches")))
    downloads(rows, "the breaches", f"ops_breaches_{report.as_of:%Y-%m-%d}", "ops_breach_download")


def request_form(actor: Account, as_of: date) -> None:
    choices = read(placement_store.replaceable_placements, actor)
    labels = dict(zip(choices["placement_id"].astype(int), choices["label"]))
    with st.form("ops_request_form"):
        st.markdown("**Replacement requested**")
        placement_id = st.selectbox("Placed engineer", list(labels), format_func=labelled(labels), index=None,
                                    placeholder="Choose a placement", key="ops_request_placement")
        requested_on = st.date_input("Requested on", as_of, max_value=as_of, key="ops_request_date")
        note = st.text_area("Note (kept in the audit log)", key="ops_request_note")
        if st.form_submit_button("Record request", type="primary", key="ops_request_submit"):
            # No placement chosen: the store refuses it in words, like any other missing value.
            run_write(lambda: placement_store.request_replacement(database(), actor, cast(int, placement_id),
                                                                  requested_on, note, as_of=as_of),
                      lambda replacement_id: f"Replacement request {placement_store.replacement_ref(replacement_id)}"
                                             " recorded.")


def fulfil_form(actor: Account, as_of: date) -> None:
    requests = read(placement_store.open_requests, actor)
    if requests.empty:
        st.markdown("**Replacement fulfilled**")
        st.caption("No replacement request is waiting.")
        return
    labels = dict(zip(requests["replacement_id"].astype(int), requests["label"]))
    chosen = st.selectbox("Open request", list(labels), format_func=labelled(labels), key="ops_fulfil_request")
    options = read(placement_store.replacing_options, actor, int(chosen))
    placements = dict(zip(options["placement_id"].astype(int), options["label"]))
    with st.form("ops_fulfil_form"):
        st.markdown("**Replacement fulfilled**")
        replacing = st.selectbox("Filled by placement", list(placements), format_func=labelled(placements), index=None,
                                 placeholder="Choose the new engineer's placement", key="ops_fulfil_placement")
        fulfilled_on = st.date_input("Fulfilled on", as_of, max_value=as_of, key="ops_fulfil_date")
        cost = st.number_input("Charged to the client (USD)", min_value=0.0, value=0.0, step=50.0,
                               key="ops_fulfil_cost")
        reason = st.text_input("Reason for a charge (required unless 0)", key="ops_fulfil_reason")
        if st.form_submit_button("Record fulfilment", type="primary", key="ops_fulfil_submit"):
            run_write(lambda: placement_store.fulfil_replacement(database(), actor, int(chosen), fulfilled_on,
                                                                 cast(int, replacing), cost, reason, as_of=as_of),
                      f"Replacement request fulfilled on {fulfilled_on:%d %b %Y}.")


def churn_form(actor: Account, as_of: date) -> None:
    clients = read(client_store.active, actor)
    labels = dict(zip(clients["client_id"].astype(int), clients["label"]))
    with st.form("ops_churn_form"):
        st.markdown("**Client churned**")
        client_id = st.selectbox("Client", list(labels), format_func=labelled(labels), index=None,
                                 placeholder="Choose a client", key="ops_churn_client")
        churned_on = st.date_input("Left on", as_of, max_value=as_of, key="ops_churn_date")
        st.caption("Its running placements end that day and its open searches are cancelled.")
        if st.form_submit_button("Record churn", type="primary", key="ops_churn_submit"):
            run_write(lambda: client_store.record_client_churn(database(), actor, cast(int, client_id), churned_on,
                                                               as_of=as_of),
                      lambda changed: churn_message(plain(labels.get(client_id)), churned_on,
                                                    len(changed["placements_ended"]),
                                                    len(changed["searches_cancelled"])))


@guarded_fragment
def record_section(actor: Account, as_of: date) -> None:
    """The forms; choosing an open request reruns them alone, and a recorded event reruns the page."""
    if not actor.may("write_ops"):
        st.info("Recording replacements and churn is for ops staff and admins.")
        return
    st.caption("Each record is written in one transaction with an audit-log entry; a refused one writes nothing.")
    request_form(actor, as_of)
    fulfil_form(actor, as_of)
    churn_form(actor, as_of)


@guarded_fragment
def tabbed_sections(actor: Account, report: OpsReport) -> None:
    """The tabs below the figures. Only the open tab's part runs and is sent, and choosing another reruns
    this part alone; the tab stays chosen across reruns (a new visit opens the first)."""
    lazy_tabs({"Shortlist time": lambda: shortlist_section(report), "Retention": lambda: retention_section(report),
               "Breach list": lambda: breach_section(report), "At risk": lambda: at_risk_section(actor, report.as_of),
               # events are recorded up to today, whatever the audit date
               "Record an event": lambda: record_section(actor, today())}, key="ops_tab")


def export_section(actor: Account, report: OpsReport) -> None:
    """The whole audit as one file, made only when a button is clicked (the scorecards take a moment)."""
    chosen, as_of = report.search_filter, report.as_of

    def document() -> dict[str, Any]:
        return ops_document(report, read(audit_extras, actor, chosen, as_of))

    st.subheader("Export this audit")
    st.caption("The figures above and the rows behind them, with the funnel per stage and the weighted scorecards "
               "of the same searches, as of the same date: the file `scorecard report ops` writes (every field "
               "is described in docs/ops-report.md). The same data, filters and date give the same file, byte "
               "for byte.")
    stem = f"ops_audit_{as_of:%Y-%m-%d}"
    left, right = st.columns(2)
    left.download_button("Download the audit (JSON)", lambda: audit_json(document()), f"{stem}.json",
                         "application/json", key="ops_audit_json", on_click="ignore", icon=":material/download:")
    right.download_button("Download the audit (CSV)", lambda: audit_csv(document()), f"{stem}.csv",
                          "text/csv", key="ops_audit_csv", on_click="ignore", icon=":material/download:")


def reference_section(report: OpsReport) -> None:
    with st.expander("How each promise is measured"):
        for promise in PROMISES.values():
            st.markdown(f"**{promise.name}.** {promise.measured} *Source: {promise.source}.*")
    with st.expander(f"Holiday calendars used ({', '.join(report.countries)})"):
        shortlist_tables.holidays(report.holidays)


def body() -> None:
    actor = account_allowed("read_ops")
    st.title("Ops audit")
    show_outcome()
    chosen, as_of = search_filter(actor, "ops")
    with st.sidebar:
        first_day_from = st.radio("First day counted from", list(FIRST_DAY_FROM), format_func=labelled(FIRST_DAY_FROM),
                                  key="ops_first_day_from")
    report = read_shared("read_ops", ops_report, actor, chosen, as_of, first_day_from)
    st.caption(f"As of {as_of:%d %b %Y}, as the data stood at the end of that day (nothing dated later is used). "
               "Searches opened in the chosen period, with their shortlists, placements "
               "and replacements; client retention covers clients signed in the period (seniority does not apply "
               f"to clients). Business days skip weekends and public holidays ({', '.join(report.countries)}).")
    if report.evidence["shortlist_time"].empty:
        nothing_yet("searches")
    headline_section(report)
    evidence_section(report)
    tabbed_sections(actor, report)
    export_section(actor, report)
    client_report_section(actor)
    reference_section(report)


guarded(body)
