"""Candidate profile: find anyone fast, see their weighted score, who rated what, and their history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scoring.reports.candidate import (
    CONSENSUS,
    DIMENSION_NAMES,
    MEDIAN,
    SHORTLIST_SCORE,
    STAGE_LABELS,
    WITHHELD,
    CandidateReport,
    breakdown,
    candidate_report,
    country_name,
    history_table,
    median_note,
    not_assessed_at,
    notes_at,
    profile_line,
    radar_notes,
    radar_series,
    recent_rows,
    score_headline,
    seniority_label,
    shortlist_comparison,
    shortlist_table,
    shortlist_traces,
)
from scoring.reports.formatting import MISSING
from scoring.store import candidates, scorecards
from scoring.store.scorecards import FINAL_DECISIONS
from ui import charts
from ui.access import Account
from ui.context import database, guarded, read, require_account
from ui.empty_states import nothing_yet
from ui.tables import profile_column
from ui.text import labelled, plain
from ui.writes import run_write, show_outcome

IN_FORCE = "Weights in force at the time"
#: The shortlist's columns: the candidate id opens that candidate's profile.
SHORTLIST_CONFIG = {
    "Candidate": st.column_config.TextColumn("Candidate", width=130, pinned=True),
    "Candidate id": profile_column("Candidate id", width=100),
    SHORTLIST_SCORE: st.column_config.TextColumn(SHORTLIST_SCORE, width=115,
                                                  help="1-5; an incomplete scorecard is not ranked"),
    "On 0-100": st.column_config.TextColumn("On 0-100", width=75),
    "Client decision": st.column_config.TextColumn("Client decision", width=110),
}
RECENT_CONFIG = {
    "candidate": st.column_config.TextColumn("Candidate"),
    "profile": SHORTLIST_CONFIG["Candidate id"],
    "stage": st.column_config.TextColumn("Stage scored"),
    "submitted": st.column_config.DateColumn("Submitted", format="D MMM YYYY"),
}
NOTES_CONFIG = {"Rating": st.column_config.NumberColumn("Rating", format="%d", width="small"),
                "Note": st.column_config.TextColumn("Note", width="large")}


def pick_candidate(actor: Account) -> int | None:
    """Search box and result list; the choice is kept in the URL so a profile can be linked."""
    text = st.text_input("Find a candidate by name, id (e.g. CA-000123) or email",
                         value=st.query_params.get("q", ""), key="candidate_query")
    if text:
        st.query_params["q"] = text
    if not text and read(candidates.reachable_count, actor) == 0:
        nothing_yet("assigned_candidates" if actor.role == "reviewer" else "candidates")
        return None
    if not text:
        recent_candidates(actor)
        return None
    found = read(candidates.find_candidates, actor, text) if text else pd.DataFrame()
    if text and found.empty:
        st.info("No candidate matches.")
    if found.empty:
        return None
    labels = {int(r.candidate_id): f"{r.full_name} · {r.external_id} · {seniority_label(r.seniority)} · "
                                   f"{country_name(r.country)}" for r in found.itertuples()}
    return st.selectbox(f"{len(found)} match{'es' if len(found) != 1 else ''}", list(labels),
                        format_func=labelled(labels), key="candidate_choice")


def recent_candidates(actor: Account) -> None:
    """Before anything is typed: the candidates scored most recently, each a link to their profile."""
    recent = read(candidates.recently_scored, actor)
    if recent.empty:
        return
    st.caption("Scored most recently:" if actor.may("read_all_scores")
               else "Your most recently submitted scorecards:")
    st.dataframe(recent_rows(recent), hide_index=True, width="stretch", column_config=RECENT_CONFIG,
                 placeholder=MISSING)


def version_choice(report: CandidateReport) -> int | None:
    versions = report.versions.drop_duplicates("version_id")
    labels: dict[int | None, str] = {None: IN_FORCE, **{int(v.version_id): f"Version {v.version_id}, from "
                                                                         f"{v.effective_from:%d %b %Y}"
                                                         for v in versions.itertuples()}}
    return st.selectbox("Weights", list(labels), format_func=labelled(labels), key="weight_version")


def adjudication(actor: Account, apps: pd.DataFrame, application_id: int) -> None:
    """A hiring lead's final decision with its reason; reviewers' scores are left as they were."""
    current = apps.loc[apps["application_id"] == application_id].iloc[0]
    with st.expander("Adjudicated final decision" + (f": {current['final_decision']}"
                                                     if current["final_decision"] else "")):
        if current["final_decision"]:
            st.caption(f"Current: {current['final_decision']}, because: {plain(current['final_reason'])}")
        with st.form(f"adjudicate_{application_id}"):
            decision = st.radio("Decision", FINAL_DECISIONS, horizontal=True, key="final_decision")
            reason = st.text_area("Reason (required)", key="final_reason")
            if st.form_submit_button("Record decision"):
                run_write(lambda: scorecards.record_final_decision(database(), actor, application_id, decision,
                                                                   reason),
                          f"Final decision recorded: {decision}.")


def body() -> None:
    actor = require_account()
    st.title("Candidate profile")
    show_outcome()
    candidate_id = pick_candidate(actor)
    if candidate_id is None:
        return
    version_id = st.session_state.get("weight_version")
    report = read(candidate_report, actor, candidate_id, version_id)
    person = report.profile
    st.header(plain(person["full_name"]))
    st.caption(plain(profile_line(person)))
    if report.applications.empty:
        st.info("This candidate has not applied to any search yet.")
        return

    apps = report.applications
    app_labels = {int(r.application_id): f"{r.search} · {r.role_title} at {r.client} · applied {r.applied_on:%d %b %Y}"
                  for r in apps.itertuples()}
    # Keyed by candidate and application: another candidate's choice must not carry over.
    application_id = st.selectbox("Application", list(app_labels), format_func=labelled(app_labels),
                                  key=f"application_of_{candidate_id}")
    middle, right = st.columns(2)
    stage_id = middle.selectbox("Stage", list(STAGE_LABELS), format_func=labelled(STAGE_LABELS),
                                index=1 if ((report.scores["application_id"] == application_id)
                                            & (report.scores["stage_id"] == 3)).any() else 0,
                                key=f"stage_of_{application_id}")
    with right:
        version_choice(report)

    score = report.scores[(report.scores["application_id"] == application_id) & (report.scores["stage_id"] == stage_id)]
    if report.versions.empty:
        st.warning("There is no weight version, so no weighted score can be computed; an admin can add one "
                   "on the Admin page.")
    elif score.empty:
        st.info("No submitted scores you may see for this stage yet (reviewers see others' scores only after "
                "submitting their own).")
    else:
        row = score.iloc[0]
        incomplete = score_headline(row)
        figures = st.columns([1.25, 0.9, 0.8, 1.45])      # room for "3.77 / 5" and "incomplete" at 1024 px
        if incomplete is None:
            figures[0].metric("Weighted score", f"{row['score']:.2f} / 5")
            figures[1].metric("On 0-100", f"{row['score_pct']:.0f}")
        else:
            st.warning(f"{incomplete}: no weighted total, and this candidate is not ranked against complete "
                       "scorecards. A missing dimension is never counted as zero.")
            figures[0].metric("Re-weighted score", f"{row['reweighted_score']:.2f} / 5",
                              help="Over the rated dimensions only: their weights scaled up to 100%. Not the "
                                   "weighted score: it leaves out what no reviewer rated.")
            figures[1].metric("Re-weighted, 0-100", f"{row['reweighted_score_pct']:.0f}",
                              help="The re-weighted score on a 0-100 scale, over the rated dimensions only.")
        figures[2].metric("Reviewers", int(row["reviewers"]))
        figures[3].metric("Scorecard", "complete" if row["complete"] else "incomplete",
                          help="An incomplete scorecard is not ranked against complete ones.")
        st.caption(f"Scored under weight version {int(row['version_id'])}.")
        st.subheader("Ratings by reviewer and dimension")
        st.dataframe(breakdown(report, application_id, stage_id), hide_index=True, width="stretch",
                     placeholder=MISSING)
        medians = read(candidates.stage_dimension_medians, actor, stage_id)
        # A row of its own: in a column the radar shrank until its axis labels were cut off.
        st.plotly_chart(charts.radar(radar_series(report, application_id, stage_id, medians), DIMENSION_NAMES,
                                     "Ratings against the rubric", consensus=CONSENSUS, median=MEDIAN,
                                     notes=radar_notes(report, application_id, stage_id)), width="stretch")
        sparse = median_note(medians)
        if sparse:
            st.caption(sparse)
        notes = notes_at(report, application_id, stage_id)
        if not notes.empty:
            with st.expander(f"Reviewer notes ({len(notes)})"):
                st.dataframe(notes, hide_index=True, width="stretch", column_config=NOTES_CONFIG, placeholder=MISSING)
        skipped = not_assessed_at(report, application_id, stage_id)
        if not skipped.empty:
            with st.expander(f"Dimensions not assessed ({len(skipped)})", expanded=incomplete is not None):
                st.dataframe(skipped, hide_index=True, width="stretch", placeholder=MISSING)

    if actor.may("adjudicate"):
        adjudication(actor, apps, application_id)

    st.subheader("Stage history")
    history = history_table(report, application_id)
    st.dataframe(history, hide_index=True, width="stretch", placeholder=MISSING)
    if history["Decision"].eq(WITHHELD).any():
        st.caption("Blind review: how this application fared from the stage you are scoring on is shown once "
                   "you submit your own scorecard for it.")

    if actor.may("read_all_scores"):
        search_id = int(apps.loc[apps["application_id"] == application_id, "search_id"].iloc[0])
        comparison = read(shortlist_comparison, actor, search_id, version_id)
        if not comparison.candidates.empty:
            st.subheader("Shortlist for this search, side by side (take-home scores)")
            st.dataframe(shortlist_table(comparison), hide_index=True, width="stretch", column_config=SHORTLIST_CONFIG,
                         placeholder=MISSING)
            st.caption("Complete scorecards first, by weighted score; an incomplete one is listed after them, "
                       "unranked.")
            st.plotly_chart(charts.radar(shortlist_traces(comparison), DIMENSION_NAMES,
                                         "Shortlisted candidates, consensus ratings"), width="stretch")


guarded(body)
