"""Score entry for reviewers: the queue, the anchored scorecard, the tooling checklist, blind review."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from scoring.reports.formatting import MISSING
from scoring.reports.score_entry import (
    CHOICES,
    DIMENSIONS,
    NOT_ASSESSED,
    REQUIRED_TOOLS,
    TOOL_COLUMNS,
    anchors_for,
    choice_label,
    item_key,
    nothing_verified,
    peer_review,
    queue_labels,
    queue_table,
    shortfalls,
    stage_evidence,
    tooling_rows,
    tooling_verdict,
    unverified_warning,
)
from scoring.store import scorecards, tooling_audit
from ui.access import Account
from ui.context import database, guarded, read, require_account, today
from ui.empty_states import nothing_yet
from ui.tables import profile_column
from ui.text import labelled, plain
from ui.writes import run_write, show_outcome

#: Where the page keeps the scorecard just submitted, whose peers' scores it then shows.
JUST_SUBMITTED = "just_submitted"
#: Short enough to show whole in the note box at 1024 px; the full rule is in the box's help.
NOTE_PLACEHOLDER = "Needed for a 1, a 5 or Not assessed"
NOTE_HELP = ("Required for a 1 or a 5 (what did you see or hear?) and for Not assessed "
             "(why could the stage not show it?)")
NOT_ASSESSED_HELP = ("Choose **Not assessed** only when this stage gave no evidence on a dimension either way, and "
                     "say why in its note. It does not count as a rating: when no reviewer rates a dimension, the "
                     "candidate's score at this stage stays incomplete, with no weighted total.")


#: The queue's columns: formats, units and widths (the labels are the report's).
QUEUE_CONFIG = {
    "Candidate": st.column_config.TextColumn("Candidate", width=118, pinned=True),
    "Candidate id": profile_column("Candidate id", width=90),
    "Stage": st.column_config.TextColumn("Stage", width=192),
    "Due": st.column_config.DateColumn("Due", format="D MMM YYYY", width=88),
    "Overdue": st.column_config.CheckboxColumn("Overdue", width=70),
    "Draft saved": st.column_config.CheckboxColumn("Draft saved", width=90),
    "Assigned": st.column_config.DateColumn("Assigned", format="D MMM YYYY", width=95),
}
QUEUE_ITEM = "queue_item"


def pick_item(queue: pd.DataFrame, held: str = "") -> pd.Series | None:
    """The queue and the "Work on" box; the item chosen is the one the form below shows.

    ``held`` says why live candidates are held from the queue (a passing accuracy against reference
    ratings not met yet) and what to do; it is shown above the queue.

    The box holds the item itself (application and stage), not its place in the list: when a
    submitted item leaves the queue, the box moves to the first one left instead of naming the
    submitted candidate over another candidate's form.
    """
    st.subheader(f"Your queue ({len(queue)})")
    if held:
        st.warning(plain(held), icon=":material/lock:")
    if queue.empty:
        nothing_yet("queue")
        return None
    overdue = int(queue["overdue"].sum())
    if overdue:
        st.warning(f"{overdue} item{'s are' if overdue > 1 else ' is'} overdue.")
    st.dataframe(queue_table(queue), hide_index=True, width="stretch", column_config=QUEUE_CONFIG,
                 placeholder=MISSING)
    labels = queue_labels(queue)
    if st.session_state.get(QUEUE_ITEM) not in labels:
        st.session_state[QUEUE_ITEM] = next(iter(labels))
    chosen = st.selectbox("Work on", list(labels), format_func=labelled(labels), key=QUEUE_ITEM)
    keys = [item_key(row) for _, row in queue.iterrows()]
    return queue.iloc[keys.index(chosen)]


def _saved_choice(saved: dict, code: str) -> int | None:
    """Position in :data:`CHOICES` of what the saved card holds for a dimension (None: untouched)."""
    if code in saved["ratings"]:
        return CHOICES.index(saved["ratings"][code])
    if code in saved["not_assessed"]:
        return CHOICES.index(NOT_ASSESSED)
    return None


def rating_widgets(stage_id: int, saved: dict, key: str
                   ) -> tuple[dict[str, int | None], dict[str, str], dict[str, str]]:
    """One block per dimension: the five anchored levels or Not assessed, and a note.

    Returns the ratings, the notes and the not-assessed dimensions with their reasons (the note
    written beside a Not assessed choice is its reason).
    """
    ratings: dict[str, int | None] = {}
    notes: dict[str, str] = {}
    not_assessed: dict[str, str] = {}
    st.caption(NOT_ASSESSED_HELP)
    for dim in DIMENSIONS:
        st.markdown(f"**{dim.name}** · {dim.scope}")
        with st.expander("What each level looks like", expanded=False):
            # One element for the five levels: each element costs the browser a redraw on every rerun.
            st.markdown("\n\n".join(f"**{anchor.level} · {anchor.label}**: {anchor.description}"
                                     for anchor in anchors_for(stage_id, dim.code)))
        choice = st.radio(dim.name, CHOICES, index=_saved_choice(saved, dim.code), format_func=choice_label,
                          horizontal=True, key=f"{key}_{dim.code}_rating", label_visibility="collapsed")
        text = st.text_input(f"Note on {dim.name}",
                             value=saved["not_assessed"].get(dim.code) or saved["notes"].get(dim.code, ""),
                             key=f"{key}_{dim.code}_note", placeholder=NOTE_PLACEHOLDER, help=NOTE_HELP)
        if choice == NOT_ASSESSED:
            not_assessed[dim.code] = text
        else:
            ratings[dim.code] = None if choice is None else int(choice)     # untouched: the store names it
            notes[dim.code] = text
    return ratings, notes, not_assessed


def scorecard_form(actor: Account, item: pd.Series) -> None:
    application_id, stage_id = int(item["application_id"]), int(item["stage_id"])
    db = database()
    saved = scorecards.own_card(db, actor, application_id, stage_id)
    st.subheader(f"{plain(item['candidate'])} · {item['stage']}")
    st.caption(stage_evidence(stage_id))
    key = f"card_{application_id}_{stage_id}"
    with st.form(key):
        ratings, notes, not_assessed = rating_widgets(stage_id, saved, key)
        draft, submit = st.columns(2)
        save_clicked = draft.form_submit_button("Save draft")
        submit_clicked = submit.form_submit_button("Submit scorecard", type="primary")
    if save_clicked:
        run_write(lambda: scorecards.save_draft(db, actor, application_id, stage_id, ratings, notes, not_assessed),
                  "Draft saved. Only you can see it.")
    if submit_clicked:
        def submit_card() -> None:
            scorecards.submit(db, actor, application_id, stage_id, ratings, notes, not_assessed)
            st.session_state[JUST_SUBMITTED] = (application_id, stage_id, item["candidate"])

        run_write(submit_card, f"Scorecard for {plain(item['candidate'])} submitted.")


def peers_after_submission(actor: Account) -> None:
    """Once, on the run after a submission: the other reviewers' scores, when any has submitted."""
    submitted = st.session_state.pop(JUST_SUBMITTED, None)
    if not submitted:
        return
    application_id, stage_id, candidate = submitted
    peers = peer_review(database(), actor, application_id, stage_id)
    if not peers.others:
        st.caption(f"No other reviewer has submitted a scorecard for {plain(candidate)} at this stage yet.")
        return
    st.markdown(f"**All reviewers' scores for {plain(candidate)}, now that yours is in**")
    st.dataframe(peers.grid, hide_index=True, width="stretch", placeholder=MISSING)
    for row in peers.not_assessed.itertuples():
        st.caption(f"{plain(row.reviewer)} did not assess {row.dimension}: {plain(row.reason)}")
    if peers.disagreements:
        st.warning(f"Reviewers disagree by {peers.gap} or more on: " + "; ".join(peers.disagreements))
    else:
        st.info(f"No dimension differs by {peers.gap} or more between reviewers.")


#: The tooling checklist's columns: labels from the report, the ones a reviewer may not change.
TOOL_CONFIG = {
    "category": st.column_config.TextColumn(TOOL_COLUMNS["category"], width=160),
    "tool": st.column_config.TextColumn(TOOL_COLUMNS["tool"], width=130),
    "claimed": st.column_config.CheckboxColumn(TOOL_COLUMNS["claimed"], width=90),
    "verified": st.column_config.CheckboxColumn(TOOL_COLUMNS["verified"], width=90,
                                                help="Confirmed by code samples or job history"),
    "evidence": st.column_config.TextColumn(TOOL_COLUMNS["evidence"], width="large"),
}


def tooling_form(actor: Account, item: pd.Series) -> None:
    application_id = int(item["application_id"])
    db = database()
    st.subheader(f"{plain(item['candidate'])} · Pipeline and tooling audit")
    st.caption("Tick each tool the candidate claims; mark it verified only when code samples or job history "
               "confirm it. The rule needs a verified tool in each of: " + ", ".join(REQUIRED_TOOLS) + ".")
    rows = tooling_rows(tooling_audit.checklist(db, actor, application_id))
    edited = st.data_editor(rows, hide_index=True, disabled=["category", "tool"], width="stretch",
                            column_config=TOOL_CONFIG, key=f"tools_{application_id}", placeholder=MISSING)
    verdict = tooling_verdict(edited)
    left, right = st.columns(2)
    left.metric("Minimum bar", "met" if verdict.passes_minimum else "not met",
                help="One verified tool in each required category: the rule that passes or fails this stage.")
    right.metric("Stricter bar", "met" if verdict.passes_strict else "not met",
                 help="Two verified tools in each required category: shown for information, it decides nothing.")
    for reason in shortfalls(verdict):
        st.caption(f"• {reason}")

    def record() -> None:
        run_write(lambda: tooling_audit.submit_audit(db, actor, application_id, edited.to_dict("records"), today()),
                  lambda result: f"Tooling audit recorded: {'pass' if result.passes_minimum else 'fail'}.")

    asking = f"confirm_tools_{application_id}"
    if st.session_state.get(asking) and nothing_verified(edited):
        st.warning(unverified_warning(plain(item["candidate"])))
        fail, back = st.columns(2)
        if fail.button("Record the fail", type="primary", key=f"fail_tools_{application_id}"):
            del st.session_state[asking]
            record()
        if back.button("Go back to the checklist", key=f"back_tools_{application_id}"):
            del st.session_state[asking]
            st.rerun()
        return
    st.session_state.pop(asking, None)      # a tool marked verified meanwhile: nothing left to ask
    if st.button("Submit tooling audit", type="primary", key=f"submit_tools_{application_id}"):
        if nothing_verified(edited):
            st.session_state[asking] = True
            st.rerun()
        record()


def amendment_form(actor: Account) -> None:
    """Change a submitted scorecard: a new revision with a reason; the earlier one is kept."""
    mine = read(scorecards.submitted, actor)
    with st.expander(f"Amend a submitted scorecard ({len(mine)} recent)"):
        if mine.empty:
            st.caption("You have not submitted a scorecard yet.")
            return
        labels = {item_key(r): f"{r['candidate']} · {r['stage']} · revision {r['revision']} · "
                               f"{r['submitted_at']:%d %b %Y %H:%M}" for _, r in mine.iterrows()}
        if st.session_state.get("amend_item") not in labels:
            st.session_state["amend_item"] = next(iter(labels))
        picked = st.selectbox("Scorecard", list(labels), format_func=labelled(labels), key="amend_item")
        chosen = mine.iloc[[item_key(r) for _, r in mine.iterrows()].index(picked)]
        application_id, stage_id = int(chosen["application_id"]), int(chosen["stage_id"])
        saved = scorecards.own_card(database(), actor, application_id, stage_id)
        # The revision the person opened, kept across reruns: if the card moves on meanwhile (another
        # window or server), the store refuses the amendment instead of stacking it on the new one.
        opened = f"amend_opened_{application_id}_{stage_id}"
        started = st.session_state.setdefault(opened, saved["revision"])
        key = f"amend_{application_id}_{stage_id}_{started}"
        with st.form(key):
            ratings, notes, not_assessed = rating_widgets(stage_id, saved, key)
            reason = st.text_input("Why are you changing it? (kept in the audit log)", key=f"{key}_reason")
            clicked = st.form_submit_button("Submit amendment")
        if clicked:
            def amend() -> None:
                try:
                    scorecards.amend(database(), actor, application_id, stage_id, ratings, notes, reason,
                                     not_assessed, from_revision=started)
                except scorecards.CardChanged:
                    del st.session_state[opened]          # the next run opens the current revision
                    raise
                del st.session_state[opened]

            run_write(amend, f"Amendment to {plain(chosen['candidate'])}'s scorecard saved as revision "
                             f"{saved['revision'] + 1}.")


def body() -> None:
    actor = require_account()
    st.title("Score entry")
    show_outcome()
    peers_after_submission(actor)
    item = pick_item(read(scorecards.queue, actor, today()), read(scorecards.held_notice, actor, today()))
    if item is not None and int(item["stage_id"]) == 1:
        tooling_form(actor, item)
    elif item is not None:
        scorecard_form(actor, item)
    amendment_form(actor)


guarded(body)
