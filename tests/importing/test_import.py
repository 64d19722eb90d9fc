"""Writing an import: the sample agency, nothing twice, corrections as audited updates, all or nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import scoring.store.importer as importer
from scoring.agency.access import PermissionDenied
from scoring.cli import main
from scoring.importing.files import Source
from scoring.importing.format import IMPORT_ORDER
from scoring.store import Database
from scoring.store.importer import import_sources
from tests.conftest import account
from tests.importing.conftest import BROKEN, SAMPLES, TODAY, db_fingerprints, run_import, sample_frame, sample_sources


def _replaced(table: str, frame: pd.DataFrame) -> list[Source]:
    """The sample set with one table's file replaced by ``frame``."""
    return sample_sources(without=(f"{table}.csv",)) + [
        Source(f"{table}.csv", data=frame.to_csv(index=False).encode())]


def test_the_samples_fill_an_empty_database(empty_db):
    result = run_import(empty_db, sample_sources())

    assert result.ok and result.written
    for table in IMPORT_ORDER:
        assert result.counts[table].inserted == len(sample_frame(table)), table
    q = empty_db.scalar
    assert q("SELECT count(*) FROM clients") == 3 and q("SELECT count(*) FROM candidates") == 12
    assert q("SELECT count(*) FROM scorecards WHERE status = 'submitted' AND revision = 1") == 27
    # 133 score rows: two scorecards lack their Governance row and one row says not assessed, so the
    # database holds 5 rows for each of the 27 scorecards, 132 of them ratings
    assert q("SELECT count(*) FROM scores") == 135 and q("SELECT count(*) FROM current_scores") == 132
    assert q("SELECT count(*) FROM assignments") == 27                      # one per imported scorecard
    assert q("SELECT count(*) FROM accounts WHERE role = 'reviewer' AND password_hash IS NULL") == 4
    assert q("SELECT active FROM accounts WHERE email = 'kenji.sato@agency.example'") is False
    assert q("""SELECT p.external_id FROM replacements AS r JOIN placements AS p
                ON p.placement_id = r.replacing_placement_id""") == "PL-0003"
    assert q("SELECT count(*) FROM audit_log") == 1
    entry = empty_db.frame("SELECT action, actor_id, after FROM audit_log").iloc[0]
    assert entry["action"] == "import" and pd.isna(entry["actor_id"])
    assert json.loads(entry["after"])["inserted"]["scores"] == 133


def test_imported_scores_reach_the_statistics_views(sample_db):
    ratings = sample_db.frame("""SELECT a.external_id AS app, dm.code AS dimension, cs.rating
                                 FROM current_scores AS cs JOIN applications AS a USING (application_id)
                                 JOIN dimensions AS dm USING (dimension_id)
                                 JOIN accounts AS r ON r.account_id = cs.reviewer_id
                                 WHERE r.email = 'ana.oliveira@agency.example' AND cs.stage_id = 2
                                   AND a.external_id = 'AP-0003'
                                 ORDER BY cs.dimension_id""")
    assert ratings["rating"].tolist() == [3, 2, 1, 3, 3]


def test_importing_the_same_files_twice_changes_nothing(sample_db):
    before = db_fingerprints(sample_db)
    version = sample_db.data_version()

    again = run_import(sample_db, sample_sources())

    assert again.ok and not again.changed and not again.written
    assert all(c.inserted == 0 and c.updated == 0 for c in again.counts.values())
    assert again.counts["scores"].unchanged == 133
    assert db_fingerprints(sample_db) == before              # not even an audit entry
    assert sample_db.data_version() == version


def test_a_corrected_file_updates_the_rows_and_audits_each_change(sample_db):
    clients = sample_frame("clients")
    clients.loc[clients["client_ref"] == "CL-0002", "name"] = "Cedar Robotics GmbH"
    placements = sample_frame("placements")
    placements.loc[placements["placement_ref"] == "PL-0002", ["ended_on", "end_reason"]] = ["2025-11-28", "completed"]
    sources = [s for s in sample_sources() if s.name not in ("clients.csv", "placements.csv")] + [
        Source("clients.csv", data=clients.to_csv(index=False).encode()),
        Source("placements.csv", data=placements.to_csv(index=False).encode())]
    untouched = sample_db.frame("SELECT * FROM candidates ORDER BY candidate_id")

    result = run_import(sample_db, sources)

    assert result.ok and result.counts["clients"].updated == 1 and result.counts["clients"].unchanged == 2
    assert result.counts["placements"].updated == 1
    assert sample_db.scalar("SELECT name FROM clients WHERE external_id = 'CL-0002'") == "Cedar Robotics GmbH"
    assert sample_db.scalar("SELECT end_reason FROM placements WHERE external_id = 'PL-0002'") == "completed"
    pd.testing.assert_frame_equal(sample_db.frame("SELECT * FROM candidates ORDER BY candidate_id"), untouched)
    log = sample_db.frame("SELECT action, entity, entity_key, before, after FROM audit_log "
                          "WHERE action = 'import_update' ORDER BY audit_id")
    assert log[["entity", "entity_key"]].values.tolist() == [["clients", "CL-0002"], ["placements", "PL-0002"]]
    assert json.loads(log.iloc[0]["before"])["name"] == "Cedar Robotics"
    assert json.loads(log.iloc[0]["after"])["name"] == "Cedar Robotics GmbH"
    assert json.loads(log.iloc[1]["before"])["ended_on"] is None
    assert json.loads(log.iloc[1]["after"])["ended_on"] == "2025-11-28"
    summary = json.loads(sample_db.scalar("SELECT after FROM audit_log WHERE action = 'import' ORDER BY audit_id DESC"))
    assert summary["updated"]["clients"] == 1 and summary["inserted"]["clients"] == 0


def test_a_corrected_scorecard_becomes_its_next_revision(sample_db):
    scores = sample_frame("scores")
    card = (scores["application_ref"] == "AP-0001") & (scores["stage"] == "incident_interview") & (
        scores["reviewer_email"] == "priya.raman@agency.example")
    scores.loc[card & (scores["dimension"] == "governance"), "rating"] = "2"

    result = run_import(sample_db, _replaced("scores", scores))

    assert result.counts["scores"].updated == 5 and result.counts["scores"].unchanged == 128
    cards = sample_db.frame("""SELECT sc.scorecard_id, sc.revision, sc.status, sc.amendment_reason
                               FROM scorecards AS sc JOIN applications AS a USING (application_id)
                               JOIN accounts AS r ON r.account_id = sc.reviewer_id
                               WHERE a.external_id = 'AP-0001' AND sc.stage_id = 2
                                 AND r.email = 'priya.raman@agency.example' ORDER BY revision""")
    assert cards[["revision", "status"]].values.tolist() == [[1, "superseded"], [2, "submitted"]]
    assert cards.iloc[1]["amendment_reason"] == "corrected by import"
    old, new = cards["scorecard_id"].tolist()
    assert sample_db.scalar("SELECT rating FROM scores WHERE scorecard_id = ? AND dimension_id = 5", [old]) == 3
    assert sample_db.scalar("SELECT rating FROM scores WHERE scorecard_id = ? AND dimension_id = 5", [new]) == 2
    entry = sample_db.frame("SELECT entity_key, before, after FROM audit_log WHERE action = 'import_amend'")
    assert entry["entity_key"].tolist() == [str(new)]
    assert json.loads(entry.iloc[0]["before"])["ratings"]["governance"] == 3
    assert json.loads(entry.iloc[0]["after"])["ratings"]["governance"] == 2
    assert run_import(sample_db, _replaced("scores", scores)).changed is False   # and the correction is idempotent


def test_a_pending_replacement_is_completed_by_a_later_import(empty_db):
    pending = sample_frame("replacements").assign(fulfilled_on="", replacing_placement_ref="")
    assert run_import(empty_db, _replaced("replacements", pending)).ok
    assert empty_db.scalar("SELECT replacing_placement_id FROM replacements") is None

    result = run_import(empty_db, sample_sources())

    assert result.counts["replacements"].updated == 1
    assert empty_db.scalar("""SELECT p.external_id FROM replacements AS r
                              JOIN placements AS p ON p.placement_id = r.replacing_placement_id""") == "PL-0003"


def test_a_stage_decision_and_a_reviewer_are_updated_in_place(sample_db):
    decisions = sample_frame("stage_decisions")
    open_stage = (decisions["application_ref"] == "AP-0013") & (decisions["stage"] == "tooling_audit")
    decisions.loc[open_stage, ["decided_on", "decision"]] = ["2026-10-29", "fail"]
    reviewers = sample_frame("reviewers")
    reviewers.loc[reviewers["email"] == "kenji.sato@agency.example", ["display_name", "active"]] = ["Kenji Sato", "yes"]
    sources = [s for s in sample_sources() if s.name not in ("stage_decisions.csv", "reviewers.csv")] + [
        Source("stage_decisions.csv", data=decisions.to_csv(index=False).encode()),
        Source("reviewers.csv", data=reviewers.to_csv(index=False).encode())]

    result = run_import(sample_db, sources)

    assert result.counts["stage_decisions"].updated == 1 and result.counts["reviewers"].updated == 1
    assert sample_db.scalar("SELECT active FROM accounts WHERE email = 'kenji.sato@agency.example'") is True
    keys = sample_db.frame("SELECT entity, entity_key FROM audit_log WHERE action = 'import_update' ORDER BY 1")
    assert keys.values.tolist() == [["accounts", "kenji.sato@agency.example"],
                                    ["stage_decisions", "AP-0013/tooling_audit"]]


CORRECTIONS = {   # table -> (the row's key cells, column changed, new value): a plain column of a stored row
    "clients": ({"client_ref": "CL-0001"}, "country", "CA"),
    "searches": ({"search_ref": "SR-0001"}, "role_title", "Senior MLOps Engineer"),
    "candidates": ({"candidate_ref": "CA-0001"}, "full_name", "Priyanka S. Nair"),
    "applications": ({"application_ref": "AP-0001"}, "applied_on", "2025-04-02"),
    "reviewers": ({"email": "priya.raman@agency.example"}, "display_name", "Priya R."),
    "tooling_evidence": ({"candidate_ref": "CA-0004", "tool": "MLflow"}, "verified", "true"),
    "placements": ({"placement_ref": "PL-0001"}, "weekly_rate_usd", "790.50"),
    "replacements": ({"replacement_ref": "RP-0001"}, "requested_on", "2025-06-19"),
}


@pytest.mark.parametrize("table", sorted(CORRECTIONS))
def test_a_stored_row_takes_a_correction_of_a_plain_column(sample_db, table):
    """Rows other tables refer to (clients, candidates, placements ...) are updated in place."""
    key, column, new = CORRECTIONS[table]
    frame = sample_frame(table)
    row = pd.concat([frame[k] == v for k, v in key.items()], axis=1).all(axis=1)
    assert row.sum() == 1
    frame.loc[row, column] = new

    result = run_import(sample_db, [Source(f"{table}.csv", data=frame.to_csv(index=False).encode())])

    assert result.ok, [str(p) for p in result.problems]
    assert result.counts[table].updated == 1 and result.counts[table].unchanged == len(frame) - 1
    assert sample_db.scalar("SELECT count(*) FROM audit_log WHERE action = 'import_update'") == 1
    assert run_import(sample_db, [Source(f"{table}.csv", data=frame.to_csv(index=False).encode())]).changed is False


def test_a_file_set_can_be_imported_in_pieces(empty_db):
    first = [s for s in sample_sources() if s.name in ("clients.csv", "searches.csv", "candidates.csv")]
    rest = [s for s in sample_sources() if s not in first]

    assert run_import(empty_db, first).ok
    result = run_import(empty_db, rest)

    assert result.ok, [str(p) for p in result.problems]
    assert empty_db.scalar("SELECT count(*) FROM scores") == 135


def test_parquet_files_with_typed_columns_import_like_csv(empty_db, tmp_path):
    typed = {"signed_on", "churned_on", "opened_on", "applied_on", "sourced_on", "entered_on", "decided_on",
             "checked_on", "accepted_on", "first_day", "ended_on", "requested_on", "fulfilled_on",
             "shortlist_delivered_on", "closed_on"}
    sources = []
    for path in sorted(SAMPLES.glob("*.csv")):
        frame = pd.read_csv(path)                       # numbers and booleans typed by pandas
        for column in frame.columns:
            if column in typed:
                frame[column] = pd.to_datetime(frame[column])
            elif column == "submitted_at":
                frame[column] = pd.to_datetime(frame[column])
        target = tmp_path / f"{path.stem}.parquet"
        frame.to_parquet(target, index=False)
        sources.append(Source(target.name, target))

    result = run_import(empty_db, sources)

    assert result.ok, [str(p) for p in result.problems[:10]]
    assert empty_db.scalar("SELECT count(*) FROM scores") == 135
    assert run_import(empty_db, sample_sources()).changed is False     # same rows as the CSV files


def test_a_failure_while_writing_leaves_nothing_behind(sample_db, monkeypatch):
    before = db_fingerprints(sample_db)
    extra = sample_frame("clients").assign(client_ref=lambda f: f["client_ref"] + "-B")

    def broken_scorecards(cur, actor_id):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_write_scorecards", broken_scorecards)
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(sample_db, _replaced("clients", pd.concat([sample_frame("clients"), extra])))

    assert db_fingerprints(sample_db) == before


def test_the_samples_import_into_the_demo_agency_beside_its_data(demo_db):
    clients = demo_db.scalar("SELECT count(*) FROM clients")
    result = run_import(demo_db, sample_sources())
    assert result.ok, [str(p) for p in result.problems[:5]]
    assert demo_db.scalar("SELECT count(*) FROM clients") == clients + 3


def test_an_import_needs_the_import_export_permission(demo_db):
    with pytest.raises(PermissionDenied):
        import_sources(demo_db, sample_sources(), account(demo_db, "hiring_lead"), today=TODAY)
    admin = account(demo_db, "admin")
    assert import_sources(demo_db, sample_sources(), admin, today=TODAY).ok
    assert demo_db.scalar("SELECT actor_id FROM audit_log WHERE action = 'import'") == admin.account_id


def test_progress_is_reported_from_zero_to_one(empty_db):
    seen = []
    run_import(empty_db, sample_sources(), progress=lambda message, done: seen.append((message, done)))
    shares = [done for _, done in seen]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert any(message == "writing scores" for message, _ in seen)


# -- the command line -----------------------------------------------------------------------------
def test_the_import_command_prints_the_counts(tmp_path, capsys):
    path = tmp_path / "agency.duckdb"
    files = [str(p) for p in sorted(SAMPLES.glob("*.csv"))]

    assert main(["import", *files, "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "scores: 133 new, 0 updated, 0 unchanged" in out and f"imported into {path}" in out

    assert main(["import", str(SAMPLES), "--db", str(path)]) == 0          # a directory stands for its files
    assert "no changes" in capsys.readouterr().out


def test_the_import_command_lists_problems_and_fails(tmp_path, capsys):
    path = tmp_path / "agency.duckdb"
    files = [str(p) for p in sorted(SAMPLES.glob("*.csv")) if p.name != "scores.csv"]

    code = main(["import", *files, str(BROKEN / "ratings_out_of_range" / "scores.csv"), "--db", str(path)])

    captured = capsys.readouterr()
    assert code == 1
    assert "ratings_out_of_range/scores.csv, row 2, rating: must be from 1 to 5, not 0" in captured.out
    assert "2 problems; nothing was written." in captured.err
    db = Database(path)
    try:
        assert db.scalar("SELECT count(*) FROM clients") == 0
    finally:
        db.close()


def test_the_check_option_writes_nothing(tmp_path, capsys):
    path = tmp_path / "agency.duckdb"
    assert main(["import", str(SAMPLES), "--db", str(path), "--check"]) == 0
    assert "no problems found; nothing was written" in capsys.readouterr().out
    db = Database(path)
    try:
        assert db.scalar("SELECT count(*) FROM clients") == 0
    finally:
        db.close()
