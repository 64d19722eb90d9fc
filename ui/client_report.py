"""The monthly client report on the ops page: choose a client and a month, download one HTML file.

The file is the one ``scorecard report client`` writes (:mod:`scoring.reports.client_document`), made
only when the button is clicked, as of the month's last day or today while the month runs, whatever the
ops page's own audit date and filters: a client's report covers that client's whole month.
"""

from __future__ import annotations

from datetime import date
from typing import cast

import pandas as pd
import streamlit as st

from scoring.reports.client_document import client_document, file_name
from scoring.reports.client_month import client_month_report, report_months
from scoring.reports.formatting import as_day
from scoring.store import client_months
from ui.access import Account
from ui.context import guarded_fragment, read, today


@guarded_fragment
def client_report_section(actor: Account) -> None:
    """A client, a month and the download of that client's monthly report; choosing reruns this part alone."""
    st.subheader("Monthly report for a client")
    st.caption("One HTML file to send to the client: its searches, shortlist times, the shortlisted candidates "
               "side by side, placements, replacements and the promises kept or not that month, in words a client "
               "reads (no reviewer, no internal reference, no e-mail address). It opens in any browser without a "
               "connection and prints to PDF, a section a page. The file `scorecard report client` writes.")
    clients = read(client_months.clients, actor)
    now = today()
    # one by one: an empty column has no dates to compare
    signed = [day is not None and day <= now for day in map(as_day, clients["signed_on"])]
    clients = clients[signed] if signed else clients
    if clients.empty:
        st.caption("No client has signed yet.")
        return
    names = dict(zip(clients["client_id"], clients["client"]))
    left, right = st.columns(2)
    client_id = left.selectbox("Client", list(names), format_func=lambda c: str(names[c]),
                               key="ops_client_report_client")
    client = clients.set_index("client_id").loc[client_id]
    months = report_months(cast(date, as_day(client["signed_on"])), as_day(client["churned_on"]), now)   # never missing
    month = right.selectbox("Month", months, format_func=lambda m: f"{pd.Period(m, 'M'):%B %Y}",
                            key="ops_client_report_month")
    ref = str(client["client_ref"])

    def document() -> bytes:
        return client_document(read(client_month_report, actor, ref, month, now)).encode("utf-8")

    st.download_button("Download the monthly report (HTML)", document, file_name(ref, month), "text/html",
                       key="ops_client_report_download", on_click="ignore", icon=":material/download:")
