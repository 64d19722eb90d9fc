"""The ops audit's tables: the rows behind a figure, the breach list, the monthly shortlist trend and
the retention cohorts, with people's words, formats and widths.

The rows come from :func:`scoring.reports.ops.ops_report`; each table shows the columns an auditor
came for within 1024 px (ids and the working flags stay in the downloads, which keep every column).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from scoring.reports.formatting import MISSING
from scoring.reports.ops import SHORT_NAMES, breach_texts
from ui.pipeline_tables import PERCENT, percentages

DATE_FORMAT = "D MMM YYYY"


def _date(label: str, help: str | None = None) -> ColumnConfig:
    return st.column_config.DateColumn(label, format=DATE_FORMAT, width=88, help=help)


def _count(label: str, width: int = 70, help: str | None = None) -> ColumnConfig:
    return st.column_config.NumberColumn(label, format="%d", width=width, help=help)


#: Every column of an evidence frame a page may show, in people's words.
EVIDENCE_CONFIG: dict[str, ColumnConfig] = {
    "in_figure": st.column_config.CheckboxColumn("Counted", width=62, help="Counted in the figure"),
    "breach": st.column_config.CheckboxColumn("Breach", width=58, help="Breaks the promise"),
    "search_ref": st.column_config.TextColumn("Search", width=85),
    "client": st.column_config.TextColumn("Client", width=120),
    "opened_on": _date("Opened"),
    "accepted_on": _date("Accepted", "The day the offer was accepted"),
    "shortlist_delivered_on": _date("Delivered", "The day the shortlist was delivered"),
    "business_days": _count("Days", 52, "Business days, skipping weekends and the client's country's holidays"),
    "shortlisted": _count("Shortlisted", 80, "Candidates on the shortlist"),
    "flag": st.column_config.TextColumn("Size", width=110),
    "placement_ref": st.column_config.TextColumn("Placement", width=85),
    "first_day": _date("First day"),
    "days": _count("Days", 52, "Calendar days"),
    "replacement_ref": st.column_config.TextColumn("Request", width=80),
    "requested_on": _date("Requested"),
    "fulfilled_on": _date("Fulfilled"),
    "cost_usd": st.column_config.NumberColumn("Charged", format="dollar", width=70,
                                              help="Charged to the client for the replacement (USD)"),
    "signed_on": _date("Signed"),
    "churned_on": _date("Left"),
    "ended_on": _date("Ended"),
    "outcome": st.column_config.TextColumn("Outcome", width=80),
    "note": st.column_config.TextColumn("Note", width=120),
}

#: The columns shown per promise, in order.
EVIDENCE_SHOWN: dict[str, tuple[str, ...]] = {
    "shortlist_time": ("in_figure", "breach", "search_ref", "opened_on", "shortlist_delivered_on", "business_days",
                       "note"),
    "shortlist_size": ("in_figure", "breach", "search_ref", "shortlist_delivered_on", "shortlisted", "flag"),
    "first_day": ("in_figure", "breach", "placement_ref", "opened_on", "first_day", "days", "note"),
    "replacement": ("in_figure", "breach", "replacement_ref", "requested_on", "fulfilled_on", "days", "cost_usd"),
    "client_retention": ("in_figure", "breach", "client", "signed_on", "churned_on", "note"),
    "placement_retention": ("in_figure", "placement_ref", "first_day", "ended_on", "note"),
}

BREACH_CONFIG: dict[str, ColumnConfig] = {
    "short_name": st.column_config.TextColumn("Promise", width=115),
    "reference": st.column_config.TextColumn("Reference", width=88),
    "client": st.column_config.TextColumn("Client", width=115),
    "what": st.column_config.TextColumn("What broke it", width=230),
}

TREND_CONFIG: dict[str, ColumnConfig] = {
    "month": st.column_config.DateColumn("Month opened", format="MMM YYYY", width=95),
    "searches": _count("Counted", 70, "Searches counted: delivered, or past the limit without a shortlist"),
    "within_target": _count("In target", 72, "Shortlisted within the target"),
    "within_limit": _count("In limit", 65, "Shortlisted within the limit"),
    "share_within_limit": st.column_config.NumberColumn("Share in limit", format=PERCENT, width=95),
    "breaches": _count("Breaches", 72),
    "median_days": st.column_config.NumberColumn("Median days", format="%.1f", width=85,
                                                 help="Median business days to a delivered shortlist"),
}

COHORT_CONFIG: dict[str, ColumnConfig] = {
    "cohort": st.column_config.TextColumn("Quarter", width=75),
    "retained": _count("Retained", 72),
    "lost": _count("Lost", 55),
    "censored": _count("Not known yet", 100, "Too recent to know, or ended for another reason: not counted"),
    "share": st.column_config.NumberColumn("Retained share", format=PERCENT, width=105),
    "ci_low": st.column_config.NumberColumn("95% from", format=PERCENT, width=75),
    "ci_high": st.column_config.NumberColumn("95% to", format=PERCENT, width=70),
}


def evidence(rows: pd.DataFrame, key: str, first_day_from: str) -> None:
    """The rows behind promise ``key``'s figure; the first day's clock starts where the page says."""
    columns = [first_day_from if c == "opened_on" and key == "first_day" else c for c in EVIDENCE_SHOWN[key]]
    st.dataframe(rows, hide_index=True, width="stretch", column_order=columns,
                 column_config=EVIDENCE_CONFIG, placeholder=MISSING)


def breaches(rows: pd.DataFrame) -> None:
    """The breach list."""
    shown = rows.assign(short_name=rows["promise"].map(SHORT_NAMES), what=breach_texts(rows))
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_order=list(BREACH_CONFIG),
                 column_config=BREACH_CONFIG, placeholder=MISSING)


def trend(rows: pd.DataFrame) -> None:
    """The shortlist figures per month a search opened."""
    shown = percentages(rows, ("share_within_limit",)).assign(
        month=pd.to_datetime(rows["month"], format="%Y-%m").dt.date)
    st.dataframe(shown, hide_index=True, width="stretch", column_order=list(TREND_CONFIG),
                 column_config=TREND_CONFIG, placeholder=MISSING)


def cohorts(rows: pd.DataFrame) -> None:
    """Retained, lost and not yet known per quarter of starting, with the retained share."""
    st.dataframe(percentages(rows, ("share", "ci_low", "ci_high")), hide_index=True, width="stretch",
                 column_order=list(COHORT_CONFIG),
                 column_config=COHORT_CONFIG, placeholder=MISSING)
