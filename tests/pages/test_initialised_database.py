"""Pages on a database made by ``scorecard init``: the first admin's first visit works.

Such a database holds one admin and the default weight version only; after an import it holds an
agency's own history, but still no weight version of its own. The candidate profile used to stop
with "there is no weight version" there, and the Admin page's Weights tab with a KeyError.
"""

from __future__ import annotations

import io

import pytest
from streamlit.testing.v1 import AppTest

from scoring.agency.access import Account
from scoring.cli import main
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.reports.candidate import candidate_report
from scoring.store import Database, weights
from tests.conftest import ROOT

ADMIN = "first.admin@new-agency.example"
PASSWORD = "a-long-first-password"


def _init(path) -> None:
    stdin = io.StringIO(PASSWORD + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", stdin)
        assert main(["init", "--db", str(path), "--admin-email", ADMIN, "--password-stdin"]) == 0


@pytest.fixture
def initialised(tmp_path):
    path = tmp_path / "agency.duckdb"
    _init(path)
    return path


@pytest.fixture
def with_history(tmp_path):
    path = tmp_path / "agency.duckdb"
    _init(path)
    assert main(["import", str(ROOT / "data" / "samples"), "--db", str(path)]) == 0
    return path


def _admin(path) -> Account:
    with Database(path) as db:
        row = db.frame("SELECT account_id, email, display_name, role FROM accounts WHERE role = 'admin'").iloc[0]
    return Account(int(row["account_id"]), row["email"], row["display_name"], row["role"])


def _open(path, page: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("SCORECARD_DB", str(path))
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state["account"] = _admin(path)
    return at.run()


def _texts(at: AppTest) -> str:
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
    return " ".join(str(element.value) for kind in kinds for element in at.get(kind))


def test_the_weights_tab_shows_the_default_version_and_adds_the_next(initialised, monkeypatch):
    at = _open(initialised, "pages/admin.py", monkeypatch)

    assert not at.exception and not at.error
    versions = at.dataframe[0].value
    assert versions["Version"].tolist() == [1]
    assert versions["Added by"].tolist() == ["system"]
    assert {code: at.number_input(key=f"weight_{code}").value for code in DEFAULT_WEIGHTS_PCT} == \
        {code: float(pct) for code, pct in DEFAULT_WEIGHTS_PCT.items()}

    at.number_input(key="weight_governance").set_value(15.0)
    at.number_input(key="weight_automation").set_value(15.0)
    at.button[0].click().run()

    assert not at.error, [e.value for e in at.error]
    assert any("Weight version 2 added" in s.value for s in at.success)
    with Database(initialised) as db:
        assert db.frame("SELECT version_id FROM weight_versions ORDER BY 1")["version_id"].tolist() == [1, 2]


def test_the_candidate_profile_shows_an_imported_candidate_scored_under_the_default_weights(with_history,
                                                                                            monkeypatch):
    with Database(with_history) as db:
        scored = db.frame("""
            SELECT c.external_id, c.full_name, count(DISTINCT cs.dimension_id) AS dimensions
            FROM current_scores AS cs JOIN applications AS a USING (application_id)
            JOIN candidates AS c USING (candidate_id)
            GROUP BY ALL ORDER BY dimensions DESC, c.external_id LIMIT 1""").iloc[0]
    at = _open(with_history, "pages/candidate.py", monkeypatch)
    at.text_input(key="candidate_query").input(scored["external_id"]).run()

    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.header[0].value == scored["full_name"]
    assert "there is no weight version" not in _texts(at).lower()
    assert any("weight version 1" in c.value for c in at.caption)


def _without_weight_versions(db: Database) -> None:
    """Remove every weight version in this open handle (opening the file again would seed version 1 anew)."""
    db.write(lambda cur: cur.execute("DELETE FROM dimension_weights"))
    db.write(lambda cur: cur.execute("DELETE FROM weight_versions"))


def test_without_any_weight_version_the_reads_behind_both_pages_still_answer(with_history):
    """Only a database whose versions were removed by hand has none: no KeyError, no ValueError."""
    admin = _admin(with_history)
    with Database(with_history) as db:
        candidate_id = int(db.scalar("SELECT a.candidate_id FROM current_scores JOIN applications AS a "
                                     "USING (application_id) LIMIT 1"))
        _without_weight_versions(db)

        table = weights.versions(db, admin)
        report = candidate_report(db, admin, candidate_id)

    assert table.empty and list(table.columns)[:4] == ["version_id", "effective_from", "note", "created_by"]
    assert report.versions.empty and report.scores.empty and not report.ratings.empty


def test_opening_a_database_again_restores_the_default_version(initialised):
    with Database(initialised) as db:
        _without_weight_versions(db)
    with Database(initialised) as db:
        assert db.scalar("SELECT count(*) FROM dimension_weights WHERE version_id = 1") == 5
