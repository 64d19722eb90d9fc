"""Certification by reference candidates as two pages draw it: the calibration page's accuracy table and
reference entry for one exercise, and the admin page's passing bar."""

from __future__ import annotations

import streamlit as st

from scoring.reports.certification import (
    DEFAULT_BAR,
    GRID_CHOICES,
    MIN_REFERENCE_RATINGS,
    REASON_COLUMN,
    TOO_FEW,
    UPLOAD_COLUMNS,
    accuracy_report,
    bar_words,
    dimension_names,
    reference_grid,
    result_help,
    rows_from_file,
    rows_from_grid,
)
from scoring.reports.formatting import MISSING, counted
from scoring.store import certification
from ui.access import Account
from ui.context import database, read
from ui.small_samples import greyed_table
from ui.writes import run_write

#: The accuracy figures, greyed and read "too few to judge" under the minimum.
FIGURES = {"Weighted kappa": "{:.2f}", "Mean difference": "{:.2f}"}
FIGURE_CONFIG = {
    "Reviewer": st.column_config.TextColumn("Reviewer", pinned=True),
    "Rated": st.column_config.NumberColumn("Rated", format="%d",
                                           help="Reference dimensions both the reviewer and the experts rated"),
    "Weighted kappa": st.column_config.NumberColumn(
        "Weighted kappa", help="Cohen's (1968) kappa against the experts, quadratic weights over the 1-5 scale"),
    "Mean difference": st.column_config.NumberColumn(
        "Mean difference", help="Mean absolute difference from the experts' rating, in rating points"),
}


def accuracy_section(actor: Account, set_id: int) -> None:
    """Each reviewer's accuracy against the exercise's reference ratings; for admins, the entry of them."""
    st.markdown("**Accuracy against the experts' reference ratings**")
    report = read(accuracy_report, actor, set_id)
    st.caption(f"{bar_words(report.bar)} Figures compare each reviewer's ratings of the references with the "
               "experts' ratings of the same reference and dimension; a reference the experts marked not assessed "
               f"takes no part. A reviewer with fewer than {int(MIN_REFERENCE_RATINGS.value)} rated reference "
               f"dimensions reads \"{TOO_FEW}\".")
    if report.references == 0:
        st.info("No reference ratings yet: without them the exercise measures agreement between reviewers, not "
                "accuracy." + ("" if actor.may("manage_calibration") else " An admin can enter them."))
    elif report.overall.empty:
        st.info(f"{counted(report.references, 'reference rating')} entered; no reviewer has scored those references "
                "yet.")
    else:
        columns = ["Reviewer", "Result", "Rated", *FIGURES]
        st.dataframe(greyed_table(report.overall[columns], report.overall["judged"], FIGURES), hide_index=True,
                     width="stretch", placeholder=MISSING,
                     column_config={**FIGURE_CONFIG, "Result": st.column_config.TextColumn(
                         "Result", help=result_help(report.bar))})
        with st.expander("Accuracy per dimension"):
            columns = ["Reviewer", "Dimension", "Rated", *FIGURES]
            st.dataframe(greyed_table(report.by_dimension[columns], report.by_dimension["judged"], FIGURES),
                         hide_index=True, width="stretch", placeholder=MISSING, column_config=FIGURE_CONFIG)
    if actor.may("manage_calibration"):
        reference_entry(actor, set_id)


def reference_entry(actor: Account, set_id: int) -> None:
    """Admins enter the experts' ratings in a grid, or upload them as a CSV file; all or nothing either way."""
    with st.expander("Enter the experts' reference ratings"):
        st.caption("One cell per reference and dimension: a level from 1 to 5, or not assessed with the reason in "
                   f"\"{REASON_COLUMN}\". An empty cell is left as it is. Every row is checked and nothing is saved "
                   "while any has a problem.")
        grid = read(reference_grid, actor, set_id)
        names = dimension_names().values()
        with st.form(f"references_{set_id}"):
            edited = st.data_editor(
                grid, hide_index=True, width="stretch", disabled=["Application", "Candidate"],
                key=f"reference_grid_{set_id}", placeholder="",
                column_config={**{name: st.column_config.SelectboxColumn(name, options=list(GRID_CHOICES))
                                  for name in names},
                               REASON_COLUMN: st.column_config.TextColumn(REASON_COLUMN, width="medium")})
            saved = st.form_submit_button("Save reference ratings", type="primary")
        if saved:
            rows = rows_from_grid(edited)
            run_write(lambda: certification.set_references(database(), actor, set_id, rows),
                      lambda n: f"{counted(int(n), 'reference rating')} saved.", refused="Not saved")
        upload = st.file_uploader(f"Or upload a CSV file with the columns {', '.join(UPLOAD_COLUMNS)}", type=["csv"],
                                  key=f"reference_file_{set_id}")
        if upload is not None and st.button("Import the file's reference ratings", key=f"reference_import_{set_id}"):
            rows, problems = rows_from_file(upload.getvalue())
            if problems:
                st.error("Not imported: " + "; ".join(problems))
            else:
                run_write(lambda: certification.set_references(database(), actor, set_id, rows),
                          lambda n: f"{counted(int(n), 'reference rating')} imported.", refused="Not imported")


def bar_form(actor: Account) -> None:
    """The passing accuracy an admin may require before reviewers are offered live candidates."""
    st.subheader("Reviewer certification")
    bar = read(certification.passing_bar, actor)
    st.caption(bar_words(bar))
    shown = bar or DEFAULT_BAR
    with st.form("certification_bar"):
        left, right = st.columns(2)
        min_kappa = left.number_input("Minimum weighted kappa", -0.99, 1.0, float(shown.min_kappa), step=0.05,
                                      key="bar_kappa", help="Quadratic-weighted kappa against the experts over one "
                                                            "exercise's references; 0.61 starts Landis and Koch's "
                                                            "'substantial' band")
        max_mad = right.number_input("Maximum mean difference (rating points)", 0.0, 4.0, float(shown.max_mad),
                                     step=0.05, key="bar_mad")
        require, clear = st.columns(2)
        required = require.form_submit_button("Require this accuracy", type="primary")
        cleared = clear.form_submit_button("Require none", disabled=bar is None)
    if required:
        run_write(lambda: certification.set_bar(database(), actor, min_kappa, max_mad),
                  "Passing accuracy saved: reviewers below it are offered only calibration exercises.")
    if cleared:
        run_write(lambda: certification.clear_bar(database(), actor),
                  "No passing accuracy is required any more: every reviewer is offered live candidates.")
