"""The searches listed apart from the shortlist-time figure, drawn alike on the pipeline and ops pages.

Both pages get these rows from :func:`scoring.reports.shortlist.shortlist_figures`; this module only
draws them, with the words a person reads instead of column names.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scoring.reports.formatting import MISSING
from scoring.reports.shortlist import SHORTLIST_PROMISE

_SHOWN = {"search_ref": "search", "client": "client", "country": "country", "seniority": "seniority",
          "role_title": "role", "opened_on": "opened", "business_days": "business days so far"}


def at_risk(frame: pd.DataFrame, key: str) -> None:
    """Open searches past the target and not past the limit, or a sentence saying there are none."""
    promise = SHORTLIST_PROMISE
    st.caption(f"Open searches without a shortlist after more than {promise.target:g} business days (the target) "
               f"and at most {promise.limit:g} (the limit): not counted in the figure yet, and a breach once past "
               f"{promise.limit:g}.")
    if frame.empty:
        st.markdown(f"No open search is past the {promise.target:g}-business-day target.")
        return
    st.dataframe(frame[list(_SHOWN)], hide_index=True, width="stretch", key=key,
                 column_config=dict(_SHOWN), placeholder=MISSING)


def cancelled(frame: pd.DataFrame, key: str) -> None:
    """Searches cancelled without a shortlist: left out of the figure, listed here."""
    st.caption("Cancelled before any shortlist was delivered: neither met nor breached, so left out of the "
               "shortlist-time figure.")
    if frame.empty:
        st.markdown("No search was cancelled without a shortlist.")
        return
    shown = {**_SHOWN, "closed_on": "cancelled on", "business_days": "business days open"}
    columns = [c for c in shown if c in frame.columns]
    st.dataframe(frame[columns], hide_index=True, width="stretch", key=key, column_config=shown, placeholder=MISSING)
