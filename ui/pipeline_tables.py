"""The pipeline page's tables: the stages in detail and the candidates waiting longest in each stage.

Words, formats and widths only: the rows come from :func:`scoring.reports.pipeline.pipeline_report`.
Each table fits 1024 px wide without a horizontal scroll: the columns people came for, ids hidden.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scoring.reports.formatting import MISSING, counted
from scoring.reports.pipeline import STALLED_COLUMNS
from ui.context import guarded_fragment
from ui.tables import profile_column

#: Shares shown as percentages to one decimal: the table gets them multiplied by 100 (:func:`percentages`).
PERCENT = "%.1f%%"


def percentages(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with the shares in ``columns`` as percentages (0.514 -> 51.4), for :data:`PERCENT`."""
    return frame.assign(**{column: frame[column] * 100 for column in columns})


STAGE_COLUMNS = {
    "stage": st.column_config.TextColumn("Stage", width=190),
    "entered": st.column_config.NumberColumn("Entered", format="localized", width=70,
                                             help="Applications that entered the stage"),
    "passed": st.column_config.NumberColumn("Passed", format="localized", width=65,
                                            help="Applications that passed the stage"),
    "pass_rate": st.column_config.NumberColumn("Pass rate", format=PERCENT, width=75,
                                               help="Passed of those decided; a decision still open counts "
                                                    "neither way"),
    "days_median": st.column_config.NumberColumn("Median days", format="%.0f", width=80,
                                                 help="Median calendar days from entering the stage to its "
                                                      "decision"),
    "drop_off": st.column_config.NumberColumn("Drop-off", format=PERCENT, width=70,
                                              help="Share of decided applications that went no further"),
}

STALLED = {
    "candidate": st.column_config.TextColumn("Candidate", width=115),
    "profile": profile_column(width=85),
    "role": st.column_config.TextColumn("Search", width=135, help="The role searched for, with the search's "
                                                                   "reference"),
    "client": st.column_config.TextColumn("Client", width=110),
    "age_days": st.column_config.NumberColumn("Days waiting", format="localized", width=95,
                                              help="Calendar days since the candidate entered the stage, to the "
                                                   "as-of date"),
}


def stage_detail(stages: pd.DataFrame) -> None:
    """Per stage: entries, passes, pass rate, days to a decision and drop-off."""
    st.dataframe(percentages(stages, ("pass_rate", "drop_off")), hide_index=True, width="stretch",
                 column_order=list(STAGE_COLUMNS),
                 column_config=STAGE_COLUMNS, placeholder=MISSING)


@guarded_fragment
def stalled(rows: pd.DataFrame, stages: pd.DataFrame) -> None:
    """One tab per stage listing those waiting longest there; only the open tab's list is drawn, and
    choosing another tab reruns these tabs alone.

    The tabs are titled with the stage alone, so the chosen one stays open when a filter changes how
    many wait; the count is said above the list.
    """
    tabs = st.tabs(list(stages["stage"]), key="pipeline_stalled_stage", on_change="rerun")
    for tab, stage_id, open_now in zip(tabs, stages["stage_id"], stages["open"]):
        if not tab.open:
            continue
        waiting = rows[rows["stage_id"] == stage_id]
        with tab:
            if waiting.empty:
                st.markdown("No candidate is waiting at this stage.")
                continue
            everyone = f"{counted(int(open_now), 'candidate')} waiting"
            st.caption(f"{everyone}, longest first." if len(waiting) >= open_now else
                       f"{everyone}; the {len(waiting):,} waiting longest, longest first.")
            st.dataframe(waiting, hide_index=True, width="stretch", column_order=list(STALLED_COLUMNS),
                         column_config=STALLED, placeholder=MISSING, key=f"pipeline_stalled_{stage_id}")
