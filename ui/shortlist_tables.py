"""The searches listed apart from the shortlist-time figure, drawn alike on the pipeline and ops pages,
and the holiday calendars their business days skip.

Both pages get these rows from :func:`scoring.reports.shortlist.shortlist_figures`; this module only
draws them, with the words a person reads instead of column names, and the columns people came for
within 1024 px (the country and seniority stay in the downloads and the rows behind the figure). A
long list shows its first rows and offers the whole of it as a download (:mod:`ui.tables`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scoring.reports.formatting import MISSING
from scoring.reports.shortlist import SHORTLIST_PROMISE
from ui.tables import ROWS_SHOWN, downloads, first_rows

DATE_FORMAT = "D MMM YYYY"

_SHOWN = {
    "search_ref": st.column_config.TextColumn("Search", width=90),
    "client": st.column_config.TextColumn("Client", width=125),
    "role_title": st.column_config.TextColumn("Role", width=140),
    "opened_on": st.column_config.DateColumn("Opened", format=DATE_FORMAT, width=95),
    "business_days": st.column_config.NumberColumn("Days so far", format="%d", width=85,
                                                   help="Business days since the search opened, skipping weekends "
                                                        "and the client's country's public holidays"),
}
_CANCELLED = {
    **_SHOWN,
    "closed_on": st.column_config.DateColumn("Cancelled", format=DATE_FORMAT, width=95),
    "business_days": st.column_config.NumberColumn("Days open", format="%d", width=80,
                                                   help="Business days from opening to cancelling, skipping "
                                                        "weekends and the client's country's public holidays"),
}
_CANCELLED_ORDER = ("search_ref", "client", "role_title", "closed_on", "business_days")
_HOLIDAYS = {
    "country": st.column_config.TextColumn("Country", width=70),
    "date": st.column_config.DateColumn("Date", format=DATE_FORMAT, width=110),
    "holiday": st.column_config.TextColumn("Holiday", width="large"),
}


def at_risk(frame: pd.DataFrame, key: str) -> None:
    """Open searches past the target and not past the limit, or a sentence saying there are none."""
    promise = SHORTLIST_PROMISE
    st.caption(f"Open searches without a shortlist after more than {promise.target:g} business days (the target) "
               f"and at most {promise.limit:g} (the limit): not counted in the figure yet, and a breach once past "
               f"{promise.limit:g}.")
    if frame.empty:
        st.markdown(f"No open search is past the {promise.target:g}-business-day target.")
        return
    st.dataframe(first_rows(frame[list(_SHOWN)], ("search", "searches")), hide_index=True, width="stretch", key=key,
                 column_config=_SHOWN, placeholder=MISSING)
    _whole_list(frame, "the searches at risk", key)


def cancelled(frame: pd.DataFrame, key: str) -> None:
    """Searches cancelled without a shortlist: left out of the figure, listed here."""
    st.caption("Cancelled before any shortlist was delivered: neither met nor breached, so left out of the "
               "shortlist-time figure.")
    if frame.empty:
        st.markdown("No search was cancelled without a shortlist.")
        return
    st.dataframe(first_rows(frame[list(_CANCELLED_ORDER)], ("search", "searches")), hide_index=True,
                 width="stretch", key=key, column_config=_CANCELLED, placeholder=MISSING)
    _whole_list(frame, "the cancelled searches", key)


def _whole_list(frame: pd.DataFrame, what: str, key: str) -> None:
    """The downloads of a list too long to show whole (every column, the country and seniority too)."""
    if len(frame) > ROWS_SHOWN:
        downloads(frame, what, key, f"{key}_whole")


def holidays(frame: pd.DataFrame) -> None:
    """The public holidays the business days skip, per country."""
    st.caption("A search's business days skip weekends and the public holidays of its client's country.")
    st.dataframe(frame, hide_index=True, width="stretch", column_config=_HOLIDAYS, placeholder=MISSING)
