"""Validation before anything is written: every problem, with file, row, column and reason, all at once."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from scoring.importing.files import Source, load
from scoring.importing.format import FORMATS, IMPORT_ORDER, table_for_header, table_for_name
from scoring.store.db import audit
from scoring.store.importer import operator_import
from tests.importing.conftest import BROKEN, ROOT, SAMPLES, db_fingerprints, run_import, sample_frame, sample_sources

# case -> (total problems, [(file, row, column, words in the reason)])
CATALOGUE = {
    "wrong_types": (5, [
        ("clients.csv", 2, "signed_on", "'13/01/2025' is not a date (YYYY-MM-DD)"),
        ("clients.csv", 3, "country", "'USA' is not an ISO 3166-1 country code (two letters"),
        ("placements.csv", 3, "weekly_rate_usd", "'920 USD' is not an amount"),
        ("reviewers.csv", 5, "active", "'retired' is not true or false"),
        ("scores.csv", 64, "rating", "'five' is not a whole number"),
    ]),
    "missing_column": (1, [("searches.csv", 1, "status", "required column 'status' is missing")]),
    "extra_column": (1, [("candidates.csv", 1, "linkedin", "unexpected column 'linkedin'")]),
    "bad_encoding": (1, [("candidates.csv", 7, "", "byte 0xE9 at byte 13 of the row is not UTF-8")]),
    "empty_file": (1, [("reviewers.csv", None, "", "the file is empty")]),
    "dangling_references": (8, [
        ("applications.csv", 5, "candidate_ref", "no candidates row with candidate_ref 'CA-0099'"),
        ("applications.csv", 11, "search_ref", "no searches row with search_ref 'SR-0042'"),
        ("replacements.csv", 2, "replacing_placement_ref", "no placements row with placement_ref 'PL-0009'"),
        *[("scores.csv", row, "reviewer_email", "no reviewer with email 'nobody@agency.example'")
          for row in range(112, 117)],
    ]),
    "duplicated_keys": (3, [
        ("clients.csv", 5, "client_ref", "repeats the key of clients.csv row 3 (a duplicate row)"),
        ("clients.csv", 6, "client_ref", "repeats the key of clients.csv row 4, with different values"),
        ("candidates.csv", 14, "email", "has the same value as candidates.csv row 2, another candidate_ref"),
    ]),
    "ratings_out_of_range": (2, [
        ("scores.csv", 2, "rating", "must be from 1 to 5, not 0"),
        ("scores.csv", 5, "rating", "must be from 1 to 5, not 6"),
    ]),
    "future_dates": (2, [
        ("clients.csv", 3, "signed_on", "2030-03-03 is after today (2026-11-23); record what has happened"),
        ("stage_decisions.csv", 32, "decided_on", "2027-01-05 is after today"),
    ]),
    "another_table": (1, [("candidates.csv", 1, "", "the file name says candidates, but the columns are those "
                                                    "of clients")]),
    "dates_out_of_order": (6, [
        ("clients.csv", 4, "churned_on", "2025-01-28 is before Lumen Retail signed on 2025-02-10"),
        ("searches.csv", 3, "shortlist_delivered_on", "must not be before opened_on (2025-05-05)"),
        ("stage_decisions.csv", 11, "decided_on", "must not be before entered_on"),
        ("placements.csv", 3, "first_day", "must not be before accepted_on"),
        ("replacements.csv", 2, "fulfilled_on", "2025-06-11 is before the request (2025-06-18)"),
        ("replacements.csv", 2, "fulfilled_on", "2025-06-11 is before PL-0003 was accepted (2025-06-22)"),
    ]),
    # The rules a dashboard form also enforces (scoring.agency.records), refused here with the form's words.
    "unknown_country": (2, [
        ("clients.csv", 4, "country", "'XX' is not an ISO 3166-1 country code"),
        ("candidates.csv", 3, "country", "'UK' is not an ISO 3166-1 country code"),
    ]),
    "before_earliest_date": (1, [
        ("clients.csv", 2, "signed_on", "1899-12-31 is before 1900-01-01, the earliest date a fact may carry"),
    ]),
    "replacement_outside_engagement": (1, [
        ("replacements.csv", 2, "requested_on", "2025-06-25 is after PL-0001 ended on 2025-06-20 (not_a_fit); "
                                                "a replacement is requested while the engagement runs"),
    ]),
    "replaced_by_another_client": (1, [
        ("replacements.csv", 2, "replacing_placement_ref",
         "PL-0002 is with Cedar Robotics, but RP-0001 is for Blue Harbor Analytics"),
    ]),
    "churn_before_running_work": (2, [
        ("clients.csv", 2, "churned_on", "2025-06-01 is before PL-0003 of Blue Harbor Analytics starts (2025-06-27)"),
        ("clients.csv", 2, "churned_on", "2025-06-01 is before open search SR-0004 of Blue Harbor Analytics opened"),
    ]),
    "five_without_a_note": (1, [("scores.csv", 52, "note", "is required for a rating of 1 or 5")]),
    "too_many_cells": (1, [("candidates.csv", 8, "", "has 7 cells but the header names 6 columns")]),
    "nul_character": (1, [("candidates.csv", 3, "full_name", "contains a NUL character (U+0000)")]),
    "rates_not_positive": (2, [
        ("placements.csv", 2, "weekly_rate_usd", "must be above 0"),
        ("placements.csv", 4, "weekly_rate_usd", "must be above 0"),
    ]),
}


def test_the_sample_files_are_valid(empty_db):
    result = run_import(empty_db, sample_sources(), check_only=True)

    assert result.ok, [str(p) for p in result.problems]
    assert {table for _, table, _ in result.files} == set(IMPORT_ORDER)   # one sample file per table
    assert not result.written
    assert empty_db.scalar("SELECT count(*) FROM clients") == 0          # a check writes nothing


def test_every_case_of_the_catalogue_has_a_folder():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted([*CATALOGUE, "header_only"])


@pytest.mark.parametrize("case", sorted(CATALOGUE))
def test_a_broken_file_set_reports_each_problem_and_writes_nothing(empty_db, case):
    total, expected = CATALOGUE[case]
    before = db_fingerprints(empty_db)

    result = run_import(empty_db, sample_sources(BROKEN / case))

    assert not result.ok and not result.written
    found = [(p.file, p.row, p.column, p.reason) for p in result.problems]
    for file, row, column, words in expected:
        assert any(f == file and r == row and c == column and words in why for f, r, c, why in found), (
            f"missing: {file} row {row} {column}: {words}", found)
    assert result.total_problems == total, found          # all of them, and nothing else
    assert db_fingerprints(empty_db) == before


def test_a_header_only_file_is_valid_and_imports_nothing(empty_db):
    result = run_import(empty_db, sample_sources(BROKEN / "header_only"))

    assert result.ok, [str(p) for p in result.problems]
    assert result.counts["placements"].inserted == 0 and result.counts["replacements"].inserted == 0
    assert empty_db.scalar("SELECT count(*) FROM placements") == 0
    assert empty_db.scalar("SELECT count(*) FROM applications") == 13


def test_problems_in_many_files_are_reported_together_in_file_and_row_order(empty_db):
    sources = sample_sources(BROKEN / "wrong_types") + [Source("notes.csv", data=b"a,b\n1,2\n")]

    result = run_import(empty_db, sources)

    files = [p.file for p in result.problems]
    assert files == sorted(files, key=[s.name for s in sources].index)
    assert "notes.csv" in files and "cannot tell which table" in result.problems[-1].reason
    rows = [p.row for p in result.problems if p.file == "clients.csv"]
    assert rows == sorted(rows)


def test_the_listing_is_capped_but_every_problem_is_counted(empty_db, tmp_path):
    scores = sample_frame("scores")
    scores = scores[scores["not_assessed_reason"] == ""]        # 132 rated rows
    many = pd.concat([scores] * 20, ignore_index=True)          # 2,640 rows, every one out of range
    many["rating"] = "9"
    path = tmp_path / "scores.csv"
    many.to_csv(path, index=False)

    result = run_import(empty_db, sample_sources(without=("scores.csv",)) + [Source("scores.csv", path)], limit=1000)

    assert len(result.problems) == 1000
    out_of_range = 2640
    repeated = 2640 - 132                              # each copy repeats the keys of the first
    assert result.total_problems == out_of_range + repeated
    assert result.problems[0].row == 2 and result.problems[0].column in ("rating", "application_ref + stage + "
                                                                                   "reviewer_email + dimension")


@pytest.mark.parametrize("file_name, table", [
    ("clients.csv", "clients"), ("Scores-2025-q1.csv", "scores"), ("placements_eu.parquet", "placements"),
    ("stage_decisions.csv", "stage_decisions"), ("notes.csv", None), ("scoresheet.csv", None),
])
def test_a_table_is_recognised_by_its_file_name(file_name, table):
    assert table_for_name(file_name) == table


def test_a_file_with_another_name_is_recognised_by_its_header(empty_db, tmp_path):
    text = (SAMPLES / "clients.csv").read_text()
    loaded, problems = load(Source("crm-export.csv", data=text.encode()))
    assert loaded.table == "clients" and not problems
    assert table_for_header(list(FORMATS["searches"].column_names)[::-1]) == "searches"


def test_header_cells_match_ignoring_case_order_and_spaces(empty_db):
    text = " Name ,CLIENT_REF,country,churned_on, signed_on\nAcme,CL-9,us,,2025-01-02\n"
    result = run_import(empty_db, [Source("clients.csv", data=text.encode())])
    assert result.ok, [str(p) for p in result.problems]
    assert empty_db.frame("SELECT external_id, name, country FROM clients").values.tolist() == [["CL-9", "Acme", "US"]]


def test_a_byte_order_mark_and_crlf_line_ends_are_fine(empty_db):
    text = (SAMPLES / "clients.csv").read_text().replace("\n", "\r\n")
    result = run_import(empty_db, [Source("clients.csv", data=b"\xef\xbb\xbf" + text.encode())])
    assert result.ok, [str(p) for p in result.problems]
    assert empty_db.scalar("SELECT count(*) FROM clients") == 3


def test_a_utf16_file_is_refused_with_a_clear_message(empty_db):
    text = (SAMPLES / "clients.csv").read_text()
    result = run_import(empty_db, [Source("clients.csv", data=text.encode("utf-16"))])
    assert "UTF-16" in result.problems[0].reason and result.total_problems == 1


def test_a_column_named_twice_is_refused(empty_db):
    result = run_import(empty_db, [Source("clients.csv", data=b"client_ref,name,name,country,signed_on,churned_on\n")])
    assert [(p.row, p.column) for p in result.problems] == [(1, "name")]
    assert "more than once" in result.problems[0].reason


def test_required_cells_and_values_in_pairs(empty_db):
    text = ("placement_ref,application_ref,weekly_rate_usd,accepted_on,first_day,ended_on,end_reason\n"
            ",AP-0001,780,2025-04-18,2025-05-05,2025-06-20,\n"
            "PL-0002,AP-0005,920.123,2025-05-26,2025-06-16,,completed\n")
    sources = sample_sources(without=("placements.csv", "replacements.csv")) + [
        Source("placements.csv", data=text.encode())]

    result = run_import(empty_db, sources)

    found = {(p.row, p.column): p.reason for p in result.problems}
    assert found[(2, "placement_ref")] == "is required but empty"
    assert found[(2, "end_reason")] == "must be filled exactly when ended_on is filled"
    assert "is not an amount" in found[(3, "weekly_rate_usd")]
    assert found[(3, "end_reason")] == "must be filled exactly when ended_on is filled"
    assert result.total_problems == 4


def test_search_status_rules(empty_db):
    text = ("search_ref,client_ref,role_title,seniority,opened_on,shortlist_delivered_on,closed_on,status\n"
            "SR-1,CL-0001,MLOps Engineer,Mid,2025-04-01,,2025-04-20,open\n"
            "SR-2,CL-0001,MLOps Engineer,principal,2025-04-01,,,filled\n")
    sources = [Source("clients.csv", SAMPLES / "clients.csv"), Source("searches.csv", data=text.encode())]

    result = run_import(empty_db, sources)

    found = {(p.row, p.column): p.reason for p in result.problems}
    assert found == {
        (2, "closed_on"): "must be empty while the status is open",
        (3, "seniority"): "'principal' is not one of: junior, mid, senior",
        (3, "shortlist_delivered_on"): "is required when the status is shortlisted or filled",
    }


def test_references_may_point_at_rows_already_in_the_database(sample_db):
    text = "application_ref,candidate_ref,search_ref,applied_on\nAP-0100,CA-0012,SR-0001,2025-04-03\n"
    result = run_import(sample_db, [Source("applications.csv", data=text.encode())])
    assert result.ok, [str(p) for p in result.problems]
    assert result.counts["applications"].inserted == 1


def test_a_candidate_email_held_by_another_stored_candidate_is_refused(sample_db):
    text = ("candidate_ref,full_name,email,country,seniority,sourced_on\n"
            "CA-0100,P N,Priyanka.Nair@mail.example,IN,mid,2025-01-01\n")
    result = run_import(sample_db, [Source("candidates.csv", data=text.encode())])
    assert [(p.row, p.column) for p in result.problems] == [(2, "email")]
    assert "already used in the database by candidate_ref 'CA-0001'" in result.problems[0].reason


def test_an_application_moved_to_another_search_is_refused(sample_db):
    text = "application_ref,candidate_ref,search_ref,applied_on\nAP-0004,CA-0004,SR-0002,2025-04-03\n"
    result = run_import(sample_db, [Source("applications.csv", data=text.encode())])
    assert [(p.row, p.column) for p in result.problems] == [(2, "search_ref")]
    assert "is 'SR-0001' in the database; an import cannot change it" in result.problems[0].reason


def test_a_reviewer_file_cannot_touch_an_account_of_another_role(sample_db):
    with sample_db.transaction() as cur:
        cur.execute("INSERT INTO accounts (email, display_name, role) VALUES ('boss@agency.example', 'Boss', 'admin')")
    reviewers = "email,display_name,active\nBoss@agency.example,Boss,true\n"
    scores = sample_frame("scores").head(5).assign(reviewer_email="boss@agency.example")

    as_reviewer = run_import(sample_db, [Source("reviewers.csv", data=reviewers.encode())])
    scored = run_import(sample_db, [Source("scores.csv", data=scores.to_csv(index=False).encode())])

    assert [(p.column, p.reason) for p in as_reviewer.problems] == [
        ("email", "belongs to an account with role admin; an import only adds and updates reviewers")]
    assert scored.total_problems == 5
    assert all(p.reason == "'boss@agency.example' is an account with role admin, not a reviewer"
               for p in scored.problems)


def test_a_scorecard_needs_an_entered_stage(sample_db):
    scores = sample_frame("scores").head(5).assign(application_ref="AP-0004")   # failed the tooling audit
    result = run_import(sample_db, [Source("scores.csv", data=scores.to_csv(index=False).encode())])
    assert result.total_problems == 1
    assert "never entered the stage" in result.problems[0].reason and result.problems[0].row == 2


def test_a_reviewers_draft_blocks_the_import_of_that_scorecard(demo_db):
    draft = demo_db.frame("""
        SELECT a.external_id AS application_ref, st.code AS stage, lower(acc.email) AS reviewer_email
        FROM scorecards AS sc JOIN applications AS a USING (application_id) JOIN stages AS st USING (stage_id)
        JOIN accounts AS acc ON acc.account_id = sc.reviewer_id WHERE sc.status = 'draft' LIMIT 1""").iloc[0]
    scores = sample_frame("scores").head(5).assign(**draft.to_dict())

    result = run_import(demo_db, [Source("scores.csv", data=scores.to_csv(index=False).encode())])

    assert result.total_problems == 1 and "unsubmitted draft" in result.problems[0].reason


def test_one_scorecard_has_one_submission_time(empty_db):
    scores = sample_frame("scores")
    scores.loc[3, "submitted_at"] = "2025-04-04 18:00"
    sources = sample_sources(without=("scores.csv",)) + [Source("scores.csv", data=scores.to_csv(index=False).encode())]
    result = run_import(empty_db, sources)
    assert [(p.row, p.column) for p in result.problems] == [(5, "submitted_at")]
    assert "differs from row 2 of the same scorecard" in result.problems[0].reason


def test_tool_names_accept_the_catalogue_spellings(empty_db):
    evidence = sample_frame("tooling_evidence")
    evidence.loc[0, "tool"] = "apache airflow"
    evidence.loc[1, "tool"] = "mlflow"
    evidence.loc[2, "tool"] = "Kubernetes"
    sources = sample_sources(without=("tooling_evidence.csv",)) + [
        Source("tooling_evidence.csv", data=evidence.to_csv(index=False).encode())]
    result = run_import(empty_db, sources)
    assert [(p.row, p.column) for p in result.problems] == [(4, "tool")]
    assert "'Kubernetes' is not a tool of the catalogue" in result.problems[0].reason


def test_a_failed_validation_adds_no_audit_entry(sample_db):
    with sample_db.transaction() as cur:
        audit(cur, None, "marker", "test", "1")
    before = db_fingerprints(sample_db)
    result = run_import(sample_db, sample_sources(BROKEN / "ratings_out_of_range"))
    assert not result.ok
    assert db_fingerprints(sample_db) == before


def test_dates_are_refused_after_the_given_today(empty_db):
    outcome = operator_import(empty_db, [Source("clients.csv", SAMPLES / "clients.csv")], today=date(2025, 2, 1))
    assert [(p.row, p.column) for p in outcome.problems] == [(3, "signed_on"), (4, "signed_on"),
                                                           (4, "churned_on")]


# -- the documentation agrees with the format -----------------------------------------------------
DOC = (ROOT / "docs" / "import-format.md").read_text()


def _documented_columns(table: str) -> list[tuple[str, str]]:
    section = DOC.split(f"\n## {table}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \| \w+ \| (yes|no) \|", section, flags=re.MULTILINE)


@pytest.mark.parametrize("table", IMPORT_ORDER)
def test_each_table_is_documented_with_its_columns_and_whether_they_are_required(table):
    expected = [(c.name, "yes" if c.required else "no") for c in FORMATS[table].columns]
    assert _documented_columns(table) == expected


@pytest.mark.parametrize("table", IMPORT_ORDER)
def test_each_table_has_a_sample_file_with_its_columns(table):
    assert list(sample_frame(table).columns) == list(FORMATS[table].column_names)


def test_unreadable_files_are_reported_not_raised(empty_db, tmp_path):
    sources = [Source("gone.csv", tmp_path / "gone.csv"), Source("notes.txt", data=b"hello"),
               Source("scores.parquet", data=b"not parquet at all")]

    result = run_import(empty_db, sources)

    reasons = {p.file: p.reason for p in result.problems}
    assert reasons["gone.csv"].startswith("cannot be read")
    assert reasons["notes.txt"].startswith("unsupported file type '.txt'")
    assert reasons["scores.parquet"].startswith("is not a readable Parquet file")
    assert result.total_problems == 3
