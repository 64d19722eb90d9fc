"""Specification of the certification report (scoring.reports.certification): the reference grid reads back
what was entered, an edited grid and an uploaded file become the rows the store checks, and the accuracy
tables speak in people's words."""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.reports.certification import (
    NOT_ASSESSED,
    REASON_COLUMN,
    accuracy_report,
    reference_grid,
    rows_from_file,
    rows_from_grid,
)
from scoring.store import calibration_exercises, certification
from tests.conftest import account


def exercise(db) -> tuple[int, list[str]]:
    admin = account(db, "admin")
    ids = calibration_exercises.reference_applications(db, admin, 3)["application_id"].head(2).tolist()
    set_id = calibration_exercises.create_exercise(db, admin, "Two references", ids, 3, date(2026, 11, 20))
    items = calibration_exercises.exercise_items(db, admin, set_id)
    return set_id, items["application"].tolist()


def test_the_grid_shows_what_was_entered_and_an_edited_grid_saves_back(demo_db):
    admin = account(demo_db, "admin")
    set_id, refs = exercise(demo_db)
    empty = reference_grid(demo_db, admin, set_id)
    assert list(empty.columns) == ["Application", "Candidate", "Infrastructure", "Model Deployment", "Monitoring",
                                   "Automation", "Governance", REASON_COLUMN]
    assert rows_from_grid(empty) == []                       # nothing entered, nothing to save

    edited = empty.copy()
    edited.loc[0, "Monitoring"] = "4"
    edited.loc[0, "Governance"] = NOT_ASSESSED
    edited.loc[0, REASON_COLUMN] = "no registry in the take-home"
    edited.loc[1, "Infrastructure"] = "2"
    assert certification.set_references(demo_db, admin, set_id, rows_from_grid(edited)) == 3

    shown = reference_grid(demo_db, admin, set_id).set_index("Application")
    assert shown.loc[refs[0], "Monitoring"] == "4" and shown.loc[refs[0], "Governance"] == NOT_ASSESSED
    assert shown.loc[refs[0], REASON_COLUMN] == "no registry in the take-home"
    assert shown.loc[refs[1], "Infrastructure"] == "2" and shown.loc[refs[1], REASON_COLUMN] == ""
    assert pd.isna(shown.loc[refs[1], "Monitoring"])


def test_an_uploaded_file_is_read_with_its_header_and_an_optional_reason():
    rows, problems = rows_from_file(b"Application,Dimension,Rating,Reason\nA-1,Monitoring,4,\n"
                                    b"A-1,governance,not assessed,no registry\n")
    assert problems == []
    assert rows == [{"application": "A-1", "dimension": "Monitoring", "rating": "4", "reason": ""},
                    {"application": "A-1", "dimension": "governance", "rating": "not assessed",
                     "reason": "no registry"}]
    assert rows_from_file(b"")[1][0].startswith("the file is not a readable CSV file")


def test_the_accuracy_tables_are_in_words_with_no_bar_said_as_such(demo_db):
    admin, lead = account(demo_db, "admin"), account(demo_db, "hiring_lead")
    set_id, refs = exercise(demo_db)
    report = accuracy_report(demo_db, lead, set_id)
    assert report.references == 0 and report.overall.empty and report.bar is None
    assert list(report.overall.columns) == ["Reviewer", "Result", "Rated", "Weighted kappa", "Mean difference",
                                            "judged"]
    # live ratings given before the exercise count as that reviewer's ratings of the reference
    certification.set_references(demo_db, admin, set_id, [{"application": refs[0], "dimension": code, "rating": 3}
                                                          for code in ("infrastructure", "deployment")])
    report = accuracy_report(demo_db, lead, set_id)
    assert report.references == 2
    assert set(report.overall["Result"]) == {"no bar set"}
    assert set(report.by_dimension["Dimension"]) <= {"Infrastructure", "Model Deployment"}
