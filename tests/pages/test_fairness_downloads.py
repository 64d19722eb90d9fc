"""The Fairness audit page states how the audit is computed (the report's own method text) and offers the
audit as HTML and its figures as JSON, each made on click as ``scorecard report fairness`` writes it."""

from __future__ import annotations

import io
from datetime import timedelta

import pandas as pd

from scoring.reports.fairness import fairness_report, to_json
from scoring.reports.fairness_document import fairness_document
from scoring.reports.fairness_method import METHOD_TITLE, method, method_markdown
from tests.conftest import account
from ui.tables import ROWS_SHOWN

PAGE = "pages/fairness.py"


def _downloads(at, managers) -> dict[str, dict]:
    """Each download button's label -> what a click would get (file name, type, the bytes)."""
    made = {}
    for button in at.get("download_button"):
        deferred = managers[-1]._deferred_callables[button.proto.deferred_file_id]
        made[button.proto.label] = {"file_name": deferred["filename"], "mimetype": deferred["mimetype"],
                                    "data": deferred["callable"]()}
    return made


def test_the_method_is_written_out_under_its_heading(open_page):
    at = open_page(PAGE, "auditor")
    assert not at.exception, [e.value for e in at.exception]
    assert [e.label for e in at.expander] == [METHOD_TITLE]
    shown = [m.value for m in at.expander[0].markdown]
    assert shown == [method_markdown()]
    assert all(step.text in shown[0] for step in method())


def test_the_audit_downloads_as_html_and_json_for_the_period_and_grouping_shown(open_page, managers, demo_db):
    at = open_page(PAGE, "auditor")
    at.segmented_control(key="fairness_grouping").set_value("race_ethnicity").run()
    assert not at.exception, [e.value for e in at.exception]
    end = at.date_input(key="fairness_to").value
    start = at.date_input(key="fairness_from").value
    assert start == end - timedelta(days=365)
    made = _downloads(at, managers)
    assert list(made)[-2:] == ["Download the audit (HTML)", "Download the figures (JSON)"]
    auditor = account(demo_db, "auditor")
    expected = fairness_report(demo_db, auditor, end, start, end, "race_ethnicity")
    # More reviewer and group cells than the page shows: the whole table is behind its own downloads.
    shown = next(table.value for table in at.dataframe if "Reviewer" in table.value.columns)
    assert len(expected.reviewer_bias) > ROWS_SHOWN == len(shown)
    cells = pd.read_csv(io.BytesIO(made["Download the reviewer and group cells (CSV)"]["data"]))
    assert len(cells) == len(expected.reviewer_bias)
    assert cells.iloc[0]["Reviewer"] == expected.reviewer_bias.iloc[0]["Reviewer"]
    html = made["Download the audit (HTML)"]
    assert (html["file_name"], html["mimetype"]) == (f"fairness_race_ethnicity_{end:%Y%m%d}.html", "text/html")
    assert html["data"] == fairness_document(expected, auditor).encode("utf-8")
    figures = made["Download the figures (JSON)"]
    assert (figures["file_name"], figures["mimetype"]) == (f"fairness_race_ethnicity_{end:%Y%m%d}.json",
                                                           "application/json")
    assert figures["data"] == to_json(expected)
