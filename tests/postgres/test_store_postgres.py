"""The store on PostgreSQL: the same demo gives the same figures, and writes behave as on DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.agency.access import Account
from scoring.store import Database, DatabaseError, applications, candidates, scorecards, searches
from scoring.store.tables import TABLE_ORDER
from tests.conftest import DEMO_AS_OF, SMALL_DEMO, account

RATINGS = {"infrastructure": 4, "deployment": 3, "monitoring": 3, "automation": 2, "governance": 4}
NOTES: dict[str, str] = {}


@pytest.fixture
def pg_demo(pg_demo_url) -> Database:
    with Database(pg_demo_url) as db:
        yield db


@pytest.fixture
def file_demo(demo_file) -> Database:
    with Database(demo_file) as db:
        yield db


def open_work(db: Database, reviewer: Account) -> list[tuple[int, int]]:
    """(application_id, stage_id) of the reviewer's scored work without a draft."""
    queue = scorecards.queue(db, reviewer, DEMO_AS_OF)
    queue = queue[queue["stage_id"].isin((2, 3)) & ~queue["has_draft"]]
    return [(int(a), int(s)) for a, s in zip(queue["application_id"], queue["stage_id"])]


def row_counts(db: Database) -> dict[str, int]:
    return {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in TABLE_ORDER}


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal figures; integer widths may differ (PostgreSQL has no one-byte integer)."""
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False)


def test_the_demo_builds_into_postgres_with_every_row(pg_demo, file_demo):
    assert row_counts(pg_demo) == row_counts(file_demo)
    assert pg_demo.metadata("demo_as_of") == SMALL_DEMO.as_of.isoformat()


def test_a_second_demo_build_into_the_same_database_is_refused(pg_demo_url):
    from scoring.demo.generator import build_demo

    with pytest.raises(DatabaseError, match="already holds data"):
        build_demo(pg_demo_url, SMALL_DEMO)


def test_pipeline_figures_match_the_duckdb_file(pg_demo, file_demo):
    lead_pg, lead_file = account(pg_demo, "hiring_lead"), account(file_demo, "hiring_lead")
    everything = searches.SearchFilter()
    for by_month in (False, True):
        same(applications.funnel_counts(pg_demo, lead_pg, everything, DEMO_AS_OF, by_month),
             applications.funnel_counts(file_demo, lead_file, everything, DEMO_AS_OF, by_month))


def test_candidate_ratings_match_the_duckdb_file(pg_demo, file_demo):
    ids = [int(i) for i in file_demo.frame(
        "SELECT DISTINCT application_id FROM current_scores ORDER BY application_id LIMIT 50")["application_id"]]
    lead_pg, lead_file = account(pg_demo, "hiring_lead"), account(file_demo, "hiring_lead")
    shown = candidates.ratings(pg_demo, lead_pg, ids)
    assert len(shown) > 0
    same(shown, candidates.ratings(file_demo, lead_file, ids))


def test_a_submission_is_stored_once_and_a_second_is_refused_writing_nothing(pg_demo):
    reviewer = account(pg_demo, "reviewer")
    application_id, stage_id = open_work(pg_demo, reviewer)[0]
    version = pg_demo.data_version()

    scorecard_id = scorecards.submit(pg_demo, reviewer, application_id, stage_id, RATINGS, NOTES)

    stored = pg_demo.frame("""SELECT dm.code, s.rating FROM scores AS s JOIN dimensions AS dm USING (dimension_id)
                              WHERE s.scorecard_id = ?""", [scorecard_id])
    assert dict(zip(stored["code"], stored["rating"])) == RATINGS
    assert pg_demo.data_version() > version
    before = row_counts(pg_demo)
    with pytest.raises(DatabaseError, match="already submitted"):
        scorecards.submit(pg_demo, reviewer, application_id, stage_id, RATINGS, NOTES)
    assert row_counts(pg_demo) == before


def test_a_submission_refused_by_the_database_writes_nothing(pg_demo, monkeypatch):
    reviewer = account(pg_demo, "reviewer")
    application_id, stage_id = open_work(pg_demo, reviewer)[0]
    before = row_counts(pg_demo)
    # Python's own checks stop a 6 before any SQL runs; break a rating after the scorecard and its
    # scores were written instead, so the database's CHECK refuses in the middle of the transaction.
    write_ratings = scorecards._write_ratings

    def then_break_one(cur, scorecard_id, *rest):
        write_ratings(cur, scorecard_id, *rest)
        cur.execute("UPDATE scores SET rating = 6 WHERE scorecard_id = ? AND dimension_id = 5", [scorecard_id])

    monkeypatch.setattr(scorecards, "_write_ratings", then_break_one)
    with pytest.raises(Exception) as refused:
        scorecards.submit(pg_demo, reviewer, application_id, stage_id, RATINGS, NOTES)
    assert "violates check constraint" in str(refused.value)
    assert row_counts(pg_demo) == before


def test_export_and_restore_between_postgres_databases(pg_demo, pg_url, tmp_path):
    from scoring.store.archive import operator_export, restore_database

    operator_export(pg_demo, tmp_path / "export")
    target = Database(pg_url)
    try:
        restore_database(target, tmp_path / "export")
        assert row_counts(target) == row_counts(pg_demo)
    finally:
        target.close()
