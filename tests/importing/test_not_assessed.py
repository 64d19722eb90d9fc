"""Importing a history with gaps: dimensions a reviewer did not assess, with or without a row.

The samples hold both kinds (see docs/import-format.md): Ana Oliveira's take-home scorecard for
AP-0006 has no Governance row (one reviewer's gap; Tomasz Kowalski rated it 3), and in the incident
interview of AP-0009 (candidate CA-0009) nobody rated Governance: Tomasz's row says why, Ana's is
missing.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scoring.agency.access import Account
from scoring.importing.files import Source
from scoring.importing.format import NOT_IN_HISTORY
from scoring.reports.candidate import candidate_report, score_headline
from scoring.store.accounts import create_operator_account
from tests.importing.conftest import run_import, sample_frame, sample_sources

INTERVIEW_GAP = "the interview ran out of time before reproducibility and model registries came up"


def card_rows(db, application_ref: str, stage_id: int, reviewer: str) -> pd.DataFrame:
    """The stored rows of one reviewer's current scorecard, by dimension code."""
    return db.frame("""
        SELECT dm.code, s.rating, s.note, s.not_assessed_reason
        FROM scorecards AS sc JOIN scores AS s USING (scorecard_id) JOIN dimensions AS dm USING (dimension_id)
        JOIN applications AS a USING (application_id) JOIN accounts AS acc ON acc.account_id = sc.reviewer_id
        WHERE a.external_id = ? AND sc.stage_id = ? AND acc.email = ? AND sc.status = 'submitted'
        ORDER BY dm.dimension_id""", [application_ref, stage_id, reviewer]).set_index("code")


def hiring_lead(db) -> Account:
    """A hiring lead to read the candidate page as: the samples hold reviewers only, and the store
    checks every reader against its row in accounts."""
    account_id = create_operator_account(db, email="lead@agency.example", display_name="Hiring Lead",
                                         role="hiring_lead", password=None)
    return Account(account_id, "lead@agency.example", "Hiring Lead", "hiring_lead")


def with_scores(frame: pd.DataFrame) -> list[Source]:
    return sample_sources(without=("scores.csv",)) + [Source("scores.csv", data=frame.to_csv(index=False).encode())]


def test_a_scorecard_of_four_rows_imports_with_the_fifth_recorded_as_not_assessed(sample_db):
    rows = card_rows(sample_db, "AP-0006", 3, "ana.oliveira@agency.example")

    assert len(rows) == 5
    assert rows.loc["governance", "not_assessed_reason"] == NOT_IN_HISTORY
    assert pd.isna(rows.loc["governance", "rating"])
    assert rows.drop(index="governance")["rating"].tolist() == [4, 4, 4, 4]
    rated = sample_db.scalar("""SELECT count(*) FROM current_scores AS cs JOIN applications AS a USING (application_id)
                                WHERE a.external_id = 'AP-0006' AND cs.stage_id = 3 AND cs.dimension_id = 5""")
    assert rated == 1                                               # Tomasz's 3, and no phantom rating


def test_an_explicit_row_may_say_not_assessed_with_its_reason(sample_db):
    rows = card_rows(sample_db, "AP-0009", 2, "tomasz.kowalski@agency.example")
    assert pd.isna(rows.loc["governance", "rating"])
    assert rows.loc["governance", "not_assessed_reason"] == INTERVIEW_GAP


def test_one_reviewers_gap_leaves_the_stage_complete_on_the_others_ratings(sample_db):
    report = candidate_report(sample_db, hiring_lead(sample_db), candidate_id(sample_db, "CA-0006"))
    take_home = report.scores[report.scores["stage_id"] == 3].iloc[0]
    assert bool(take_home["complete"]) and take_home["missing_dimensions"] == []
    assert take_home["governance"] == 3.0                           # Tomasz's 3 alone, not (3 + 0) / 2
    # 0.25*4 + 0.25*4 + 0.2*4 + 0.2*4 + 0.1*3 = 3.9 under the default weights
    assert take_home["score"] == pytest.approx(3.9)


def test_a_candidate_whose_reviewers_all_skipped_governance_shows_as_incomplete(sample_db):
    report = candidate_report(sample_db, hiring_lead(sample_db), candidate_id(sample_db, "CA-0009"))

    interview = report.scores[report.scores["stage_id"] == 2].iloc[0]
    assert not interview["complete"] and interview["missing_dimensions"] == ["governance"]
    assert np.isnan(interview["score"]) and np.isnan(interview["score_pct"])
    assert score_headline(interview) == "Incomplete: Governance not rated by any reviewer"
    # the means of what was rated: Tomasz 2,2,1,2 and Ana 3,2,2,2
    assert interview[["infrastructure", "deployment", "monitoring", "automation"]].tolist() == [2.5, 2.0, 1.5, 2.0]
    reasons = report.not_assessed.set_index("reviewer")["reason"].to_dict()
    assert reasons == {"Tomasz Kowalski": INTERVIEW_GAP, "Ana Oliveira": NOT_IN_HISTORY}


def candidate_id(db, ref: str) -> int:
    return int(db.scalar("SELECT candidate_id FROM candidates WHERE external_id = ?", [ref]))


# -- what is refused ---------------------------------------------------------------------------------

def _row(scores: pd.DataFrame, application_ref: str, stage: str, reviewer: str, dimension: str) -> pd.Series:
    return ((scores["application_ref"] == application_ref) & (scores["stage"] == stage)
            & (scores["reviewer_email"] == reviewer) & (scores["dimension"] == dimension))


def test_an_empty_rating_needs_a_reason(empty_db):
    scores = sample_frame("scores")
    scores.loc[_row(scores, "AP-0009", "incident_interview", "tomasz.kowalski@agency.example", "governance"),
               "not_assessed_reason"] = ""

    result = run_import(empty_db, with_scores(scores))

    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (115, "rating", "is required unless not_assessed_reason is given")]
    assert not result.written


def test_a_rating_and_a_reason_on_one_row_are_refused(empty_db):
    scores = sample_frame("scores")
    scores.loc[_row(scores, "AP-0001", "take_home", "ana.oliveira@agency.example", "governance"),
               "not_assessed_reason"] = "could not tell"

    result = run_import(empty_db, with_scores(scores))

    assert [(p.row, p.column) for p in result.problems] == [(16, "not_assessed_reason")]
    assert "must be empty when a rating is given" in result.problems[0].reason


def test_a_scorecard_that_rated_nothing_is_refused(empty_db):
    scores = sample_frame("scores")
    card = ((scores["application_ref"] == "AP-0003") & (scores["stage"] == "incident_interview")
            & (scores["reviewer_email"] == "kenji.sato@agency.example"))
    scores.loc[card, ["rating", "note", "not_assessed_reason"]] = ["", "", "candidate left after ten minutes"]

    result = run_import(empty_db, with_scores(scores))

    assert result.total_problems == 1
    problem = result.problems[0]
    assert (problem.row, problem.column) == (47, "rating")
    assert "scorecard of kenji.sato@agency.example for AP-0003 at incident_interview: every row says not " \
           "assessed" in problem.reason


def test_a_file_written_before_the_reason_column_existed_still_imports(empty_db):
    scores = sample_frame("scores")
    scores = scores[scores["not_assessed_reason"] == ""].drop(columns="not_assessed_reason")

    result = run_import(empty_db, with_scores(scores))

    assert result.ok, [str(p) for p in result.problems]
    rows = card_rows(empty_db, "AP-0009", 2, "tomasz.kowalski@agency.example")
    assert rows.loc["governance", "not_assessed_reason"] == NOT_IN_HISTORY       # now simply missing


# -- importing again ---------------------------------------------------------------------------------

def test_rating_a_dimension_that_was_missing_makes_the_next_revision(sample_db):
    scores = sample_frame("scores")
    added = scores[_row(scores, "AP-0006", "take_home", "tomasz.kowalski@agency.example", "governance")].assign(
        reviewer_email="ana.oliveira@agency.example", rating="4", submitted_at="2025-05-15 11:00:00")
    scores = pd.concat([scores, added], ignore_index=True)

    result = run_import(sample_db, with_scores(scores))

    assert result.ok and result.counts["scores"].updated == 5 and result.counts["scores"].unchanged == 129
    rows = card_rows(sample_db, "AP-0006", 3, "ana.oliveira@agency.example")
    assert rows.loc["governance", "rating"] == 4 and pd.isna(rows.loc["governance", "not_assessed_reason"])
    entry = sample_db.frame("SELECT before, after FROM audit_log WHERE action = 'import_amend'").iloc[0]
    assert json.loads(entry["before"])["not_assessed"] == {"governance": NOT_IN_HISTORY}
    assert json.loads(entry["after"])["not_assessed"] == {}
    assert json.loads(entry["after"])["ratings"]["governance"] == 4
