"""A large import killed while it writes leaves the database exactly as it was before the import."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from scoring.importing.synthetic import synthetic_frames, write_file_set
from scoring.store import Database
from tests.importing.conftest import ROOT, fingerprints, kill_while

SCORE_ROWS = 300_000


@pytest.fixture(scope="module")
def large_file_set(tmp_path_factory):
    """A generated agency of 15,000 applications and 300,000 score rows, ids prefixed CX."""
    return write_file_set(tmp_path_factory.mktemp("large"), synthetic_frames(SCORE_ROWS, prefix="CX"))


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["writing candidates", "writing scores"])
def test_an_import_killed_while_writing_leaves_the_database_as_before(demo_file, large_file_set, tmp_path, moment):
    path = tmp_path / "agency.duckdb"
    shutil.copy(demo_file, path)
    with duckdb.connect(str(path), read_only=True) as con:
        before = fingerprints(con)
    command = [sys.executable, "-m", "scoring.cli", "import", str(large_file_set["clients"].parent), "--db", str(path)]

    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert "checking scores" in kill_while(process, moment)     # validation passed: it was writing

    db = Database(path)                                     # opens again, replaying its log if it must
    try:
        with db.cursor() as cur:
            assert fingerprints(cur) == before
        assert db.scalar("SELECT count(*) FROM candidates WHERE external_id LIKE 'CX-%'") == 0
        assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'import'") == 0
    finally:
        db.close()


@pytest.mark.slow
def test_the_same_import_left_to_finish_writes_everything(demo_file, large_file_set, tmp_path):
    """The control: the interrupted import was a real one, which completes when not killed."""
    path = tmp_path / "agency.duckdb"
    shutil.copy(demo_file, path)
    command = [sys.executable, "-m", "scoring.cli", "import", str(large_file_set["clients"].parent), "--db", str(path)]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)

    assert finished.returncode == 0, finished.stderr[-2000:]
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM scores AS s JOIN scorecards AS sc USING (scorecard_id) "
                           "JOIN applications AS a USING (application_id) "
                           "WHERE a.external_id LIKE 'CX-%'").fetchone()[0] == SCORE_ROWS
