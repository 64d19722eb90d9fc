"""The audit date and the search filter (period, clients, seniority) shared by the pipeline, ops and
validity pages."""

from __future__ import annotations

from datetime import date
from typing import cast

import pandas as pd
import streamlit as st

from scoring.agency.access import Account
from scoring.agency.scorecard import EARLIEST_DATE
from scoring.domain.seniorities import SENIORITIES, SENIORITY_LABELS
from scoring.store import searches
from scoring.store.searches import SearchFilter
from ui.context import today
from ui.periods import OPENING_PERIOD, PERIODS, period_filter
from ui.shared_reads import read_shared
from ui.text import labelled

AS_OF_HELP = ("Figures as they stood at the end of this day: a search opened later is not there, a decision "
              "taken later is still open, a placement starting later has not started, a score submitted or "
              "amended later does not count. Periods such as 'Last 12 months' count back from it.")


def search_filter(actor: Account, key: str) -> tuple[SearchFilter, date]:
    """Draw the filter widgets in the sidebar; return the filter they describe and the as-of date.

    The as-of date defaults to today, or to the demo's own date on the demo (:func:`ui.context.today`),
    and cannot be later than that.
    """
    latest = today()
    with st.sidebar:
        st.subheader("Filters")
        as_of = st.date_input("As of", latest, min_value=EARLIEST_DATE, max_value=latest, key=f"{key}_as_of",
                              help=AS_OF_HELP)
    # The same for everyone who may see searches, so shared: kept ready by the background for today's date.
    options = read_shared("read_pipeline", searches.filter_options, actor, as_of)
    clients = cast(pd.DataFrame, options["clients"])
    with st.sidebar:
        period = st.selectbox("Searches opened", list(PERIODS), index=list(PERIODS).index(OPENING_PERIOD),
                              key=f"{key}_period")
        start, end = None, None
        if PERIODS[period] == -1:
            first, last = cast("tuple[date, date]", options["span"])
            if first is None or first != first:        # no search opened by the as-of date
                first, last = as_of, as_of
            chosen = st.date_input("Between", (first, last), min_value=first, max_value=last,
                                   key=f"{key}_range")
            if isinstance(chosen, tuple) and len(chosen) == 2:
                start, end = chosen
        else:
            fixed = period_filter(period, as_of)
            start, end = fixed.start, fixed.end
        names = dict(zip(clients["client_id"], clients["name"]))
        client_ids = st.multiselect("Clients", list(names), format_func=labelled(names), key=f"{key}_clients",
                                    placeholder="All clients")
        seniorities = st.multiselect("Seniority", SENIORITIES, format_func=SENIORITY_LABELS.__getitem__,
                                     key=f"{key}_seniority", placeholder="All levels")
    return SearchFilter(start=start, end=end, client_ids=tuple(int(c) for c in client_ids),
                        seniorities=tuple(seniorities)), as_of
