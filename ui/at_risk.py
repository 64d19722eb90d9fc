"""The ops page's "At risk" view: the open items most likely to break a promise, their owners, the rows
behind each, and how well the estimate has done on the agency's own history.

Everything shown comes from :mod:`scoring.reports.at_risk`; this module only draws it.
"""

from __future__ import annotations

from datetime import date
from typing import cast

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from scoring.reports.at_risk import (
    CALIBRATION_METHOD,
    KINDS,
    AtRiskReport,
    RiskBacktest,
    at_risk_report,
    owner_choices,
    owner_message,
    risk_backtest,
    rows_behind,
)
from scoring.reports.formatting import MISSING, counted
from scoring.store.owners import hiring_leads, set_search_lead
from ui.access import Account
from ui.charts import LAYOUT, empty_chart
from ui.context import database, guarded_fragment, read
from ui.shared_reads import read_shared
from ui.tables import downloads, first_rows, profile_column
from ui.text import labelled, plain
from ui.writes import run_write

DATE_FORMAT = "D MMM YYYY"
#: The list's shown columns, within the 564 px a 1024 px window leaves the page (tests/ui/test_table_widths.py):
#: how long each item has waited, since when and what its estimate rests on are in the rows behind it and the
#: download.
_ITEMS = {
    "kind": st.column_config.TextColumn("At stake", width=95, help="The promise the item may break"),
    "ref": st.column_config.TextColumn("Reference", width=90),
    "client": st.column_config.TextColumn("Client", width=105),
    "owner": st.column_config.TextColumn("Owner", width=100, help="The hiring lead of the search"),
    "p_breach": st.column_config.ProgressColumn("Risk", format="%.0f%%", min_value=0.0, max_value=100.0,
                                                width=90, help="Estimated probability that the promise breaks; "
                                                               "what it rests on is said under the rows behind it"),
    "days_left": st.column_config.NumberColumn("Days left", format="%d", width=70,
                                               help="To the limit: business days for a shortlist, calendar days "
                                                    "otherwise"),
}
_CANDIDATES = {
    "candidate": st.column_config.TextColumn("Candidate", width=125),
    "profile": profile_column(width=90),
    "stage": st.column_config.TextColumn("Furthest stage", width=165),
    "entered_on": st.column_config.DateColumn("Entered", format=DATE_FORMAT, width=90),
    "decision": st.column_config.TextColumn("Decision", width=80),
}
_REQUESTS = {
    "replacement_ref": st.column_config.TextColumn("Request", width=95),
    "placement_ref": st.column_config.TextColumn("Placement replaced", width=130),
    "requested_on": st.column_config.DateColumn("Requested", format=DATE_FORMAT, width=95),
    "fulfilled_on": st.column_config.DateColumn("Fulfilled", format=DATE_FORMAT, width=95),
    "replacing_placement_ref": st.column_config.TextColumn("Filled by", width=110),
}


def _shown(items: pd.DataFrame) -> pd.DataFrame:
    # The risk is drawn in whole percent (10%, 6%, 5%), as the sentences about an item say it.
    return items.assign(kind=items["kind"].map(KINDS), p_breach=items["p_breach"] * 100)[list(_ITEMS)]


def item_caption(item: pd.Series) -> str:
    """One item's risk in words: how long it has waited against its limit, and what the estimate rests on."""
    unit = str(item["unit"])
    return (f"{KINDS[item['kind']]} {item['ref']} ({item['client']}), owner {item['owner']}: "
            f"{counted(int(item['elapsed']), unit[:-1], unit)} since {item['started_on']:%d %b %Y}, "
            f"{counted(int(item['days_left']), 'day', 'days')} left to the limit of {item['limit']:g}; "
            f"{item['p_breach']:.0%} risk of breach, estimated from {item['basis']}.")


def calibration_chart(backtest: RiskBacktest) -> go.Figure:
    """Mean estimate against observed breach rate per decile, each with its 95% interval: the observed rate's
    up and down, the mean estimate's across; a decile that does not agree is drawn hollow and red."""
    title = "Estimated against observed breach rate, by decile of the estimate"
    table = backtest.calibration
    if table.empty:
        return empty_chart(title, "No past estimate to check yet.")
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="#BAB0AC", dash="dash"),
                                name="Estimate = observed", hoverinfo="skip"))
    agrees = table["agrees"].astype(bool)
    figure.add_trace(go.Scatter(
        x=table["predicted"], y=table["observed"], mode="markers", name="Deciles (95% intervals)",
        marker=dict(color=["#4C78A8" if ok else "#E45756" for ok in agrees], size=8,
                    symbol=["circle" if ok else "circle-open" for ok in agrees]),
        error_y=dict(type="data", symmetric=False, array=table["ci_high"] - table["observed"],
                     arrayminus=table["observed"] - table["ci_low"], color="#4C78A8"),
        error_x=dict(type="data", symmetric=False, array=table["predicted_high"] - table["predicted"],
                     arrayminus=table["predicted"] - table["predicted_low"], color="#4C78A8"),
        customdata=list(zip(table["bin"], table["n"], table["ci_low"], table["ci_high"], table["predicted_low"],
                            table["predicted_high"], ["agree" if ok else "differ" for ok in agrees])),
        hovertemplate="Decile %{customdata[0]} (%{customdata[1]} estimates)<br>"
                      "Estimated %{x:.1%} (%{customdata[4]:.1%} to %{customdata[5]:.1%})<br>"
                      "Observed %{y:.1%} (%{customdata[2]:.1%} to %{customdata[3]:.1%})<br>"
                      "The two %{customdata[6]}<extra></extra>"))
    figure.update_layout(title=title, xaxis_title="Mean estimated risk", yaxis_title="Observed breach rate",
                         legend=dict(orientation="h", yanchor="top", y=-0.2, x=0), **{**LAYOUT, "height": 380})
    figure.update_xaxes(tickformat=".0%", range=[0, 1])
    figure.update_yaxes(tickformat=".0%", range=[0, 1])
    return figure


@guarded_fragment
def _rows_behind(actor: Account, report: AtRiskReport) -> None:
    """The rows one chosen item stands for; choosing another reruns this part alone."""
    items = report.items
    labels = {ref: f"{ref} · {client} ({KINDS[kind].lower()})"
              for ref, client, kind in zip(items["ref"], items["client"], items["kind"])}
    ref = st.selectbox("Show the rows behind", list(labels), format_func=labelled(labels), key="ops_at_risk_item")
    if ref is None:
        return
    behind = rows_behind(database(), actor, report, str(ref))
    # client names and references are stored text: shown as the characters they are, never as markdown
    st.caption(plain(item_caption(items[items["ref"] == ref].iloc[0]) + " " + behind.caption))
    config = _CANDIDATES if behind.kind == "shortlist" else _REQUESTS
    st.dataframe(first_rows(behind.rows, ("row", "rows")), hide_index=True, width="stretch", column_config=config,
                 column_order=list(config), placeholder=MISSING, key="ops_at_risk_rows")


def _owner_form(actor: Account, report: AtRiskReport) -> None:
    """Give a listed search its owner, or hand it to another hiring lead: for ops staff and admins."""
    if not actor.may("write_ops"):
        return
    choices = read(owner_choices, actor, report)
    if choices.empty:
        return
    searches = dict(zip(choices["search_id"].astype(int), choices["label"]))
    leads_frame = read(hiring_leads, actor)
    leads = {int(account_id): f"{name} ({email})"
             for account_id, name, email in zip(leads_frame["account_id"], leads_frame["display_name"],
                                                leads_frame["email"])}
    with st.form("ops_owner_form"):
        st.markdown("**Owner of a search**")
        unowned = int(choices["owner_account_id"].isna().sum())
        owners = ("Every listed search has an owner. " if unowned == 0 else
                  f"{counted(unowned, 'listed search has', 'listed searches have')} no owner yet; they come first. ")
        st.caption(owners + "The owner is the search's hiring lead, named beside its items and sent them in the daily "
                   "digest. Only an active hiring lead can own a search; each change is kept in the audit log."
                   + ("" if leads else " There is no active hiring lead to choose yet: an admin adds them."))
        search_id = st.selectbox("Search", list(searches), format_func=labelled(searches), index=None,
                                 placeholder="Choose a search", key="ops_owner_search")
        lead_id = st.selectbox("Hiring lead", list(leads), format_func=labelled(leads), index=None,
                               placeholder="Choose a hiring lead", key="ops_owner_lead")
        if st.form_submit_button("Set the owner", type="primary", key="ops_owner_submit"):
            # Nothing chosen: the store refuses it in words, like any other missing value.
            run_write(lambda: set_search_lead(database(), actor, cast(int, search_id), cast(int, lead_id)),
                      lambda outcome: plain(owner_message(outcome)), refused="Owner not set")


def _backtest(actor: Account, as_of: date) -> None:
    st.markdown("**How good is the estimate?**")
    backtest = read_shared("read_ops", risk_backtest, actor, as_of)
    st.caption(f"{backtest.summary} {CALIBRATION_METHOD} (bench/backtest_risk.py prints the same table.)")
    if backtest.predictions.empty:
        return
    left, right = st.columns(2)
    left.metric("Brier score", f"{backtest.brier:.3f}",
                help="Mean squared difference between each estimate and what happened (1 breached, 0 kept): "
                     "0 is perfect; lower is better")
    right.metric("Brier score of a flat guess", f"{backtest.base_rate_brier:.3f}",
                 help="Forecasting the same overall breach rate for every search: the estimate should do better")
    st.plotly_chart(calibration_chart(backtest), width="stretch", key="ops_at_risk_calibration")


def at_risk_section(actor: Account, as_of: date) -> None:
    """Open items riskiest first, with owners and the rows behind each, then the estimate's track record."""
    report = read_shared("read_ops", at_risk_report, actor, as_of)
    items = report.items
    st.caption(f"As of {as_of:%d %b %Y}, like the rest of the page: every open search without a shortlist, open "
               "replacement request and client in its first months that asked for a replacement, riskiest first "
               f"(then fewest days left). Every open item is listed, whatever the period chosen. {report.method}")
    if items.empty:
        st.markdown("Nothing is open: no search waits for its shortlist, no replacement request is pending and no "
                    "young client has asked for a replacement.")
    else:
        st.markdown(f"**{counted(len(items), 'open item', 'open items')}**")
        st.dataframe(_shown(first_rows(items, ("item", "items"))), hide_index=True, width="stretch",
                     column_config=_ITEMS, placeholder=MISSING, key="ops_at_risk_items")
        downloads(items, "the at-risk list", f"ops_at_risk_{as_of:%Y-%m-%d}", "ops_at_risk_download")
        _rows_behind(actor, report)
        _owner_form(actor, report)
    _backtest(actor, as_of)
