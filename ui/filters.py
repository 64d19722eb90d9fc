"""The search filter (period, clients, seniority) shared by the pipeline and ops pages."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from scoring.access import Account
from scoring.store import pipeline
from scoring.store.pipeline import SearchFilter
from ui.context import read

SENIORITIES = ("junior", "mid", "senior")
PERIODS = {"Last 90 days": 90, "Last 12 months": 365, "All time": None, "Custom": -1}


def search_filter(actor: Account, key: str, as_of: date) -> SearchFilter:
    """Draw the filter widgets in the sidebar and return the filter they describe."""
    options = read(pipeline.filter_options, actor)
    clients = options["clients"]
    with st.sidebar:
        st.subheader("Filters")
        period = st.selectbox("Searches opened", list(PERIODS), index=1, key=f"{key}_period")
        start, end = None, None
        if PERIODS[period] == -1:
            first, last = options["span"]
            chosen = st.date_input("Between", (first, last), min_value=first, max_value=last,
                                   key=f"{key}_range")
            if isinstance(chosen, tuple) and len(chosen) == 2:
                start, end = chosen
        elif PERIODS[period] is not None:
            start, end = as_of - timedelta(days=PERIODS[period]), as_of
        names = dict(zip(clients["client_id"], clients["name"]))
        client_ids = st.multiselect("Clients", list(names), format_func=names.get, key=f"{key}_clients",
                                    placeholder="All clients")
        seniorities = st.multiselect("Seniority", SENIORITIES, key=f"{key}_seniority",
                                     placeholder="All levels")
    return SearchFilter(start=start, end=end, client_ids=tuple(int(c) for c in client_ids),
                        seniorities=tuple(seniorities))
