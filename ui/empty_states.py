"""What a page says when there is nothing to show yet: what is missing, and who can add it.

A new agency meets these before anything else, so each names the place (a page, a file of the
import format) where the missing rows come from. Declared once so the pages say it the same way.
"""

from __future__ import annotations

import streamlit as st

IMPORT_PAGE = "an admin imports them on the Import and export page (or with `scorecard import`)"

NOTHING_YET: dict[str, str] = {
    "searches": ("No searches opened in the chosen period, as of the chosen date. If the agency's searches are "
                 f"not in yet, {IMPORT_PAGE}: clients.csv and searches.csv."),
    "candidates": f"No candidates yet. To bring in the agency's candidates, {IMPORT_PAGE}: candidates.csv.",
    "assigned_candidates": ("No candidate is assigned to you yet. You can open the profile of each candidate "
                            "you are asked to score, from your queue on Score entry."),
    "queue": ("Nothing is waiting for you. Scorecards to fill come from assignments, such as a calibration "
              "exercise that an admin starts. Scorecards brought in by an import arrive already submitted: "
              "you can amend yours below."),
    "ratings": ("No submitted ratings match these filters. Reviewers submit them on Score entry; for past "
                f"scorecards, {IMPORT_PAGE}: scores.csv."),
    "take_home_scores": ("No complete take-home scorecards in the chosen period, so there is nothing to judge the "
                         "scorecard by yet. Reviewers submit them on Score entry; for past scorecards, "
                         f"{IMPORT_PAGE}: scores.csv, with stage_decisions.csv for the outcomes."),
}


def nothing_yet(key: str) -> None:
    """Say, in an info box, that the rows ``key`` names are missing and who can add them."""
    st.info(NOTHING_YET[key], icon=":material/inbox:")
