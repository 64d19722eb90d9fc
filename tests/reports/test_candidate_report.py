"""The candidate page's radar and stage history, from frames shaped as the store returns them, and the
address every page links a candidate's profile by."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from scoring.reports.candidate import (
    CONSENSUS,
    MEDIAN,
    PROFILE_LINK_TEXT,
    WITHHELD,
    CandidateReport,
    history_table,
    median_note,
    profile_line,
    profile_link,
    radar_notes,
    radar_series,
)
from scoring.reports.formatting import MISSING
from scoring.store.candidates import MEDIAN_MIN_APPLICATIONS

CODES = ["infrastructure", "deployment", "monitoring", "automation", "governance"]


def report(ratings: pd.DataFrame | None = None, history: pd.DataFrame | None = None) -> CandidateReport:
    empty = pd.DataFrame()
    return CandidateReport(profile=pd.Series(dtype=object), applications=empty, history=history, ratings=ratings,
                           scores=empty, versions=empty)


def medians(values: list[float | None], counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"dimension": CODES, "median_rating": values, "applications": counts})


def test_the_radar_draws_the_median_where_enough_applications_stand_behind_it():
    ratings = pd.DataFrame({"application_id": 7, "stage_id": 3, "reviewer": "Rhea Reviewer", "dimension": CODES,
                            "rating": [3, 4, 2, 5, 3]})
    full = radar_series(report(ratings), 7, 3, medians([3.0, 3.5, 3.0, 4.0, 2.5], [40] * 5))
    assert list(full) == ["Rhea Reviewer", CONSENSUS, MEDIAN]
    assert median_note(medians([3.0, 3.5, 3.0, 4.0, 2.5], [40] * 5)) is None

    sparse = medians([None] * 5, [MEDIAN_MIN_APPLICATIONS - 1] * 4 + [2])
    assert list(radar_series(report(ratings), 7, 3, sparse)) == ["Rhea Reviewer", CONSENSUS]
    assert median_note(sparse) == (
        f"The median candidate is drawn once at least {MEDIAN_MIN_APPLICATIONS} applications were scored at this "
        "stage (2 so far on Infrastructure, Model Deployment, Monitoring, Automation, Governance): over fewer, "
        "it would show individual candidates' ratings.")


def test_a_dimension_short_of_applications_is_left_out_of_the_median_trace_and_named():
    partial = medians([3.0, 3.5, 3.0, 4.0, None], [40, 40, 40, 40, 4])
    ratings = pd.DataFrame(columns=["application_id", "stage_id", "reviewer", "dimension", "rating"])
    trace = radar_series(report(ratings), 7, 3, partial)[MEDIAN]
    assert list(trace.index) == CODES[:4]
    assert "(4 so far on Governance)" in median_note(partial)


def test_the_radar_hover_gets_each_reviewers_notes_of_this_application_and_stage_only():
    ratings = pd.DataFrame({"application_id": [7, 7, 7, 7, 8], "stage_id": [3, 3, 3, 2, 3],
                            "reviewer": ["Rhea Reviewer", "Rhea Reviewer", "Sam Severe", "Rhea Reviewer", "Sam Severe"],
                            "dimension": ["infrastructure", "deployment", "monitoring", "monitoring", "governance"],
                            "rating": [4, 3, 2, 5, 1],
                            "note": ["Terraform modules, well tested", "", "   ", "interview note", "other"]})
    notes = radar_notes(report(ratings), 7, 3)
    assert list(notes) == ["Rhea Reviewer"]                   # Sam's only note here is blank
    assert notes["Rhea Reviewer"].to_dict() == {"infrastructure": "Terraform modules, well tested"}


def test_the_history_reads_as_text_with_withheld_decisions_named():
    history = pd.DataFrame({
        "application_id": [7, 7, 7, 8], "stage_id": [1, 2, 3, 1],
        "stage": ["Pipeline and tooling audit", "Production incident interview", "Take-home assessment",
                  "Pipeline and tooling audit"],
        "entered_on": pd.to_datetime(["2026-01-06", "2026-01-07", "2026-01-21", "2026-04-01"]),
        "decided_on": pd.to_datetime(["2026-01-07", None, None, None]),
        "decision": ["pass", "open", None, "open"], "withheld": [False, False, True, False]})
    table = history_table(report(history=history), 7)
    assert table.to_dict("list") == {
        "Stage": ["Pipeline and tooling audit", "Production incident interview", "Take-home assessment"],
        "Entered": ["06 Jan 2026", "07 Jan 2026", "21 Jan 2026"],
        "Decided": ["07 Jan 2026", MISSING, MISSING],
        "Decision": ["pass", "open", WITHHELD]}


def test_the_line_under_the_name_reads_seniority_and_country_in_words():
    person = pd.Series({"external_id": "CA-000335", "seniority": "mid", "country": "PL",
                        "sourced_on": pd.Timestamp("2023-04-29")})
    assert profile_line(person) == "CA-000335 · Mid-level · Poland · in the database since 29 Apr 2023"
    assert profile_line(pd.Series({**person, "seniority": None, "country": "XX"})) == (
        f"CA-000335 · {MISSING} · XX · in the database since 29 Apr 2023")


@pytest.mark.parametrize("reference", ["CA-000004", "CA 12", "a&q=other", "x#frag", "slash/ref", "plus+sign", "50%"])
def test_a_profile_link_carries_the_whole_reference_back_to_the_profile_search(reference):
    address = urlsplit(profile_link(reference))
    assert address.path == "/candidate" and address.fragment == ""
    assert parse_qs(address.query) == {"q": [reference]}     # one parameter, the reference to the letter


def test_a_link_column_shows_a_plain_reference_as_it_is():
    assert re.fullmatch(PROFILE_LINK_TEXT, profile_link("CA-000004")).group(1) == "CA-000004"
