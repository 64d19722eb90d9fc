"""The import into PostgreSQL: the same tests as into a DuckDB file, on a PostgreSQL database.

The tests imported below run here with ``empty_db`` (and so ``sample_db``, built on it) standing for
a new PostgreSQL database; then the command line, pointed at PostgreSQL with ``--db``.
"""

from __future__ import annotations

import pytest

from scoring.cli import main
from scoring.store import Database
from tests.importing.conftest import BROKEN, SAMPLES
from tests.importing.test_import import (  # noqa: F401  (collected here, against PostgreSQL)
    test_a_corrected_file_updates_the_rows_and_audits_each_change,
    test_a_corrected_scorecard_becomes_its_next_revision,
    test_a_failure_while_writing_leaves_nothing_behind,
    test_a_file_set_can_be_imported_in_pieces,
    test_a_pending_replacement_is_completed_by_a_later_import,
    test_a_stage_decision_and_a_reviewer_are_updated_in_place,
    test_a_stored_row_takes_a_correction_of_a_plain_column,
    test_imported_scores_reach_the_statistics_views,
    test_importing_the_same_files_twice_changes_nothing,
    test_parquet_files_with_typed_columns_import_like_csv,
    test_the_samples_fill_an_empty_database,
)


@pytest.fixture
def empty_db(pg_url) -> Database:
    """A new PostgreSQL database holding only the schema and its reference rows."""
    with Database(pg_url) as db:
        yield db


def test_the_import_command_writes_into_postgres(pg_url, capsys):
    assert main(["import", str(SAMPLES), "--db", pg_url]) == 0
    out = capsys.readouterr().out
    assert "scores: 133 new, 0 updated, 0 unchanged" in out and f"imported into {pg_url}" in out

    assert main(["import", str(SAMPLES), "--db", pg_url]) == 0
    assert "no changes" in capsys.readouterr().out


def test_the_import_command_refuses_a_broken_file_set_and_writes_nothing_into_postgres(pg_url, capsys):
    files = [str(p) for p in sorted(SAMPLES.glob("*.csv")) if p.name != "scores.csv"]

    code = main(["import", *files, str(BROKEN / "ratings_out_of_range" / "scores.csv"), "--db", pg_url])

    assert code == 1
    assert "row 2, rating: must be from 1 to 5, not 0" in capsys.readouterr().out
    db = Database(pg_url)
    try:
        assert db.scalar("SELECT count(*) FROM clients") == 0
        assert db.data_version() == 0
    finally:
        db.close()
