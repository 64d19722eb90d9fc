"""Export every table to Parquet with a manifest; restore it into an empty database, row for row."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scoring.agency.access import PermissionDenied
from scoring.cli import main
from scoring.store import Database
from scoring.store.archive import (
    MANIFEST,
    ArchiveError,
    export_database,
    file_sha256,
    operator_export,
    restore_database,
    verify_export,
    zip_export,
)
from scoring.store.tables import SEQUENCES, TABLE_ORDER
from tests.conftest import account
from tests.importing.conftest import ALL_TABLES, db_fingerprints, fingerprints


@pytest.fixture(scope="module")
def demo_export(demo_file, tmp_path_factory):
    """The small demo agency exported once (its database file is only read)."""
    target = tmp_path_factory.mktemp("export") / "demo-export"
    db = Database(demo_file)
    try:
        operator_export(db, target)
    finally:
        db.close()
    return target


def _rows(db: Database, table: str) -> pd.DataFrame:
    return db.frame(f"SELECT * FROM {table} ORDER BY ALL")


def test_an_export_has_every_table_and_a_manifest_of_checksums(demo_export, demo_file):
    manifest = json.loads((demo_export / MANIFEST).read_text())

    assert manifest["format"] == "mlops-scorecard-export" and manifest["format_version"] == 1
    assert manifest["exported_at"] and len(manifest["schema_sha256"]) == 64
    names = [entry["name"] for entry in manifest["tables"]]
    assert set(names) == set(ALL_TABLES) and names[:len(TABLE_ORDER)] == list(TABLE_ORDER)
    with duckdb.connect(str(demo_file), read_only=True) as con:
        for entry in manifest["tables"]:
            path = demo_export / entry["file"]
            assert entry["sha256"] == file_sha256(path)
            assert entry["rows"] == con.execute(f"SELECT count(*) FROM {entry['name']}").fetchone()[0]
            assert con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0] == entry["rows"]


def test_a_restore_gives_back_every_table_row_for_row(demo_export, demo_file, tmp_path):
    restored = Database(tmp_path / "restored.duckdb")
    shutil.copy(demo_file, tmp_path / "original.duckdb")
    original = Database(tmp_path / "original.duckdb")
    try:
        counts = restore_database(restored, demo_export)

        for table in ALL_TABLES:
            pd.testing.assert_frame_equal(_rows(restored, table), _rows(original, table), obj=table)
        assert counts["scores"] == original.scalar("SELECT count(*) FROM scores") > 0
        assert db_fingerprints(restored) == db_fingerprints(original)
    finally:
        restored.close()
        original.close()


def test_the_sequences_move_past_the_restored_ids(demo_export, tmp_path):
    restored = Database(tmp_path / "restored.duckdb")
    try:
        restore_database(restored, demo_export)
        with restored.transaction() as cur:
            for sequence, (table, column) in SEQUENCES.items():
                highest = cur.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0]
                assert cur.execute(f"SELECT nextval('{sequence}')").fetchone()[0] > highest, sequence
    finally:
        restored.close()


def test_a_restore_into_a_database_holding_data_is_refused(demo_export, tmp_path):
    target = Database(tmp_path / "busy.duckdb")
    try:
        with target.transaction() as cur:
            cur.execute("INSERT INTO clients (external_id, name, country, signed_on) "
                        "VALUES ('X', 'X', 'US', DATE '2025-01-01')")
        before = db_fingerprints(target)
        with pytest.raises(ArchiveError, match=r"the target database is not empty: clients \(1 rows\)"):
            restore_database(target, demo_export)
        assert db_fingerprints(target) == before
    finally:
        target.close()


def test_a_damaged_file_is_found_before_anything_is_written(demo_export, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(demo_export, damaged)
    scores = damaged / "scores.parquet"
    data = bytearray(scores.read_bytes())
    data[len(data) // 2] ^= 0xFF
    scores.write_bytes(bytes(data))
    (damaged / "tools.parquet").unlink()
    target = Database(tmp_path / "new.duckdb")
    try:
        with pytest.raises(ArchiveError) as refusal:
            restore_database(target, damaged)
        assert "scores.parquet: its checksum differs" in str(refusal.value)
        assert "tools.parquet: missing" in str(refusal.value)
        assert target.scalar("SELECT count(*) FROM clients") == 0
    finally:
        target.close()


def test_a_manifest_naming_a_file_outside_the_export_is_refused(demo_export, tmp_path):
    """A crafted manifest must not make a restore read a file from elsewhere on the machine, even
    with that file's true checksum."""
    crafted = tmp_path / "crafted"
    shutil.copytree(demo_export, crafted)
    outside = tmp_path / "outside.parquet"
    shutil.copy(crafted / "clients.parquet", outside)
    manifest = json.loads((crafted / MANIFEST).read_text())
    entry = next(e for e in manifest["tables"] if e["name"] == "clients")
    entry["file"] = "../outside.parquet"
    other = next(e for e in manifest["tables"] if e["name"] == "searches")
    other["file"] = str(outside)
    (crafted / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArchiveError) as refusal:
        verify_export(crafted)
    assert "'../outside.parquet': not the name of a file in the export directory" in str(refusal.value)
    assert f"{str(outside)!r}: not the name of a file in the export directory" in str(refusal.value)


def test_a_directory_without_a_manifest_is_not_an_export(tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(ArchiveError, match="holds no manifest.json"):
        verify_export(tmp_path / "half")


def _changed_export(demo_export, tmp_path, change) -> Path:
    """A copy of the demo export whose manifest describes another schema, as ``change`` makes it."""
    other = tmp_path / "other"
    shutil.copytree(demo_export, other)
    manifest = json.loads((other / MANIFEST).read_text())
    change(manifest["schema"])
    manifest["schema_sha256"] = "0" * 64
    (other / MANIFEST).write_text(json.dumps(manifest))
    return other


def test_an_export_with_a_column_this_version_lacks_is_refused(demo_export, tmp_path):
    other = _changed_export(demo_export, tmp_path, lambda schema: schema["clients"].append("region VARCHAR"))
    target = Database(tmp_path / "new.duckdb")
    try:
        with pytest.raises(ArchiveError, match="another schema, which this version cannot take in: "
                                               "clients: region is not a column here"):
            restore_database(target, other)
        assert target.scalar("SELECT count(*) FROM clients") == 0
    finally:
        target.close()


def test_an_export_made_before_a_column_and_a_table_were_added_restores(demo_export, demo_file, tmp_path):
    """As an export made before searches had a hiring lead and digests were recorded: the new
    column is left empty and the new table stays empty; everything else comes back row for row."""
    def older(schema):
        schema["searches"] = [c for c in schema["searches"] if not c.startswith("lead_account_id ")]
        del schema["digests_sent"]
    other = _changed_export(demo_export, tmp_path, older)
    manifest = json.loads((other / MANIFEST).read_text())
    manifest["tables"] = [entry for entry in manifest["tables"] if entry["name"] != "digests_sent"]
    (other / MANIFEST).write_text(json.dumps(manifest))
    searches = pd.read_parquet(other / "searches.parquet").drop(columns="lead_account_id")
    searches.to_parquet(other / "searches.parquet", index=False)
    for entry in manifest["tables"]:
        if entry["name"] == "searches":
            entry["sha256"] = file_sha256(other / "searches.parquet")
            entry["bytes"] = (other / "searches.parquet").stat().st_size
    (other / MANIFEST).write_text(json.dumps(manifest))

    target = Database(tmp_path / "new.duckdb")
    try:
        counts = restore_database(target, other)
        assert counts["searches"] == len(searches)
        assert target.scalar("SELECT count(*) FROM searches WHERE lead_account_id IS NOT NULL") == 0
        assert target.scalar("SELECT count(*) FROM digests_sent") == 0
        with Database(demo_file) as source:
            assert target.scalar("SELECT count(*) FROM candidates") == source.scalar("SELECT count(*) FROM candidates")
    finally:
        target.close()


def test_an_export_refuses_a_directory_holding_files(demo_db, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ArchiveError, match="is not empty"):
        operator_export(demo_db, tmp_path)


def test_an_export_needs_the_import_export_permission(demo_db, tmp_path):
    with pytest.raises(PermissionDenied):
        export_database(demo_db, tmp_path / "x", actor=account(demo_db, "ops"))
    export_database(demo_db, tmp_path / "y", actor=account(demo_db, "admin"))
    assert (tmp_path / "y" / MANIFEST).exists()


def test_export_and_restore_on_the_command_line_round_trip(demo_file, tmp_path, capsys):
    source = tmp_path / "source.duckdb"
    shutil.copy(demo_file, source)
    assert main(["export", str(tmp_path / "dump"), "--db", str(source)]) == 0
    assert f"exported {len(ALL_TABLES)} tables" in capsys.readouterr().out

    assert main(["restore", str(tmp_path / "dump"), "--db", str(tmp_path / "copy.duckdb")]) == 0
    assert "restored" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "dump"), "--db", str(tmp_path / "copy.duckdb")]) == 1
    assert f"restore refused: {tmp_path / 'copy.duckdb'} already exists and holds" in capsys.readouterr().err

    zip_export(tmp_path / "dump", tmp_path / "dump.zip")
    assert main(["restore", str(tmp_path / "dump.zip"), "--db", str(tmp_path / "from-zip.duckdb")]) == 0
    with duckdb.connect(str(source), read_only=True) as a, duckdb.connect(str(tmp_path / "from-zip.duckdb"),
                                                                         read_only=True) as b:
        assert fingerprints(a) == fingerprints(b)


def test_a_refused_restore_creates_no_database_file(tmp_path, capsys):
    (tmp_path / "empty-dir").mkdir()
    assert main(["restore", str(tmp_path / "empty-dir"), "--db", str(tmp_path / "never.duckdb")]) == 1
    assert "holds no manifest.json" in capsys.readouterr().err
    assert not (tmp_path / "never.duckdb").exists()


def test_the_default_weight_version_is_compared_not_inserted(demo_export, tmp_path):
    """Every database holds version 1 (schema.sql); an export whose version 1 differs is refused."""
    altered = tmp_path / "altered"
    shutil.copytree(demo_export, altered)
    versions = altered / "weight_versions.parquet"
    with duckdb.connect() as con:
        con.execute(f"""COPY (SELECT * REPLACE (CASE WHEN version_id = 1 THEN effective_from + 1
                                                   ELSE effective_from END AS effective_from)
                              FROM read_parquet('{versions}'))
                        TO '{versions}.new' (FORMAT parquet)""")
    (altered / "weight_versions.parquet.new").replace(versions)
    manifest = json.loads((altered / MANIFEST).read_text())
    for entry in manifest["tables"]:
        if entry["name"] == "weight_versions":
            entry.update(bytes=versions.stat().st_size, sha256=file_sha256(versions))
    (altered / MANIFEST).write_text(json.dumps(manifest))
    target = Database(tmp_path / "new.duckdb")
    try:
        with pytest.raises(ArchiveError, match="weight_versions: the export's default weight version differs"):
            restore_database(target, altered)
        assert target.scalar("SELECT count(*) FROM weight_versions") == 1
        assert target.scalar("SELECT count(*) FROM clients") == 0
    finally:
        target.close()
