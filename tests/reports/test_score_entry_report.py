"""The score-entry report: the queue and the tooling checklist in people's words."""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.domain.tools import CATEGORY_LABELS
from scoring.reports.candidate import PROFILE_LINK
from scoring.reports.score_entry import (
    QUEUE_COLUMNS,
    REQUIRED_TOOLS,
    TOOL_COLUMNS,
    nothing_verified,
    queue_labels,
    queue_table,
    tooling_rows,
    unverified_warning,
)


def _queue() -> pd.DataFrame:
    return pd.DataFrame({
        "application_id": [11, 11, 12], "stage_id": [2, 3, 1],
        "stage": ["Technical interview", "Take-home assessment", "Pipeline and tooling audit"],
        "candidate_id": [1, 1, 2], "candidate": ["Ana Souza", "Ana Souza", "Ben Okafor"],
        "candidate_ref": ["CA-000001", "CA-000001", "CA-000002"], "role_title": ["MLOps engineer"] * 3,
        "client": ["Acme"] * 3, "assigned_on": pd.to_datetime(["2026-11-02", "2026-11-03", "2026-11-04"]),
        "due_on": pd.to_datetime(["2026-11-09", "2026-11-10", "2026-11-07"]),
        "overdue": [True, False, False], "has_draft": [False, True, False]})


def test_the_queue_is_in_words_with_days_and_a_link_to_each_profile():
    table = queue_table(_queue())
    assert list(table.columns) == list(QUEUE_COLUMNS)
    assert all(name[0].isupper() and "_" not in name for name in table.columns)
    assert table["Candidate id"].tolist()[0] == f"{PROFILE_LINK}CA-000001" == "/candidate?q=CA-000001"
    assert table["Assigned"].tolist()[0] == date(2026, 11, 2)           # a day, never a midnight timestamp
    assert table["Overdue"].tolist() == [True, False, False]


def test_each_queued_item_is_named_by_its_application_and_stage_not_its_place():
    labels = queue_labels(_queue())
    assert list(labels) == [(11, 2), (11, 3), (12, 1)]
    assert labels[(11, 2)] == "OVERDUE · Ana Souza · Technical interview · due 09 Nov"
    assert labels[(12, 1)] == "Ben Okafor · Pipeline and tooling audit · due 07 Nov"
    assert queue_labels(_queue().iloc[1:]) == {key: labels[key] for key in [(11, 3), (12, 1)]}


def _checklist(verified: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({"tool_id": [1, 2, 3], "category": ["orchestration", "experiment_tracking", "serving"],
                         "tool": ["Airflow", "MLflow", "KServe"], "claimed": [True, True, False],
                         "verified": verified, "evidence": ["", "", ""], "checked_on": [None] * 3})


def test_the_checklist_names_each_category_in_words():
    rows = tooling_rows(_checklist([False, False, False]))
    assert list(rows.columns) == list(TOOL_COLUMNS)
    assert rows["category"].tolist() == [CATEGORY_LABELS["orchestration"], "Experiment tracking",
                                         CATEGORY_LABELS["serving"]]


def test_submitting_nothing_verified_is_asked_first_and_says_it_records_a_fail():
    assert nothing_verified(_checklist([False, False, False]))
    assert not nothing_verified(_checklist([True, False, False]))
    asked = unverified_warning("Ana Souza")
    assert "records a **fail**" in asked and "Ana Souza" in asked
    assert all(required in asked for required in REQUIRED_TOOLS)
