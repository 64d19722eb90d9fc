"""Export every table to Parquet with a manifest, and restore such an export into an empty database.

An export is a directory: one ``<table>.parquet`` per table and ``manifest.json`` naming the format,
the schema (each table's columns and types, and a SHA-256 of that description), each file's row
count and SHA-256, and the export time. All tables are read in one transaction, so the files are
one consistent snapshot; the manifest is written last, so a directory without one is incomplete.

A restore checks before it writes: the manifest, every file's checksum and row count, that the
exported rows fit the target's schema (an export made before a table or a column was added fits:
:func:`schema_gaps`), and that the target holds no data. It then inserts every
table in foreign-key order (:data:`scoring.store.bulk.TABLE_ORDER`) inside one transaction and
moves the id sequences past the restored ids. It adds nothing of its own (not even an audit entry),
so the restored database holds exactly the exported rows.

Rows the schema inserts itself are not inserted again but compared: the reference tables
(stages, dimensions, tools) whole, and the default weight version every database starts with
(:data:`scoring.store.bulk.SEEDED_ROWS`), whose creation time alone is taken from the export.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from scoring.agency.access import Account
from scoring.store.authorization import authorize, operator_command
from scoring.store.bulk import advance_sequences, clear_data
from scoring.store.db import Database, DatabaseError, on_postgres, postgres_rows, scalar_of
from scoring.store.tables import SEEDED_ROWS, TABLE_ORDER, rows_beyond_seed

Progress = Callable[[str, float], None]
MANIFEST = "manifest.json"
FORMAT_NAME = "mlops-scorecard-export"
FORMAT_VERSION = 1
#: Tables whose rows the schema itself inserts: exported for completeness, compared (not inserted) on restore.
REFERENCE_TABLES = ("stages", "dimensions", "tools")
#: Seeded rows' creation times differ between databases by nature: not compared on restore but
#: copied from the export (table: key column, time column), so the restored rows are the exported ones.
SEED_STAMPS = {"weight_versions": ("version_id", "created_at")}
CHUNK = 1 << 20


class ArchiveError(DatabaseError):
    """An export or restore was refused; the message says why. Nothing was written."""


def schema_description(cur: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Each base table's columns as ``"name TYPE"``, in column order: what an export's rows must fit."""
    # The cursor's own catalog and schema: a DuckDB file's main, or an attached PostgreSQL's public.
    rows = cur.execute("""SELECT table_name, column_name, data_type FROM duckdb_columns()
                          WHERE database_name = current_database() AND schema_name = current_schema()
                            AND NOT internal
                            AND table_name IN (SELECT table_name FROM duckdb_tables()
                                               WHERE database_name = current_database()
                                                 AND schema_name = current_schema() AND NOT temporary)
                          ORDER BY table_name, column_index""").fetchall()
    if on_postgres(cur):   # DuckDB lists PostgreSQL's views as tables: keep PostgreSQL's base tables only
        base = {name for (name,) in postgres_rows(cur, "SELECT table_name::text FROM information_schema.tables "
                                                       "WHERE table_schema = current_schema() "
                                                       "AND table_type = 'BASE TABLE'")}
        rows = [row for row in rows if row[0] in base]
    description: dict[str, list[str]] = {}
    for table, column, data_type in rows:
        description.setdefault(table, []).append(f"{column} {data_type}")
    return description


def schema_hash(description: dict[str, list[str]]) -> str:
    """SHA-256 of a schema description: equal hashes, interchangeable exports."""
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _literal(path: Path) -> str:
    """A path as an SQL string literal (COPY and read_parquet take no bound parameter for it)."""
    return "'" + str(path).replace("'", "''") + "'"


def _export_order(description: dict[str, list[str]]) -> list[str]:
    known = [t for t in TABLE_ORDER if t in description]
    return known + sorted(t for t in description if t not in known)


def export_database(db: Database, directory: str | os.PathLike[str], actor: Account,
                    progress: Progress | None = None) -> dict[str, Any]:
    """Write every table to ``directory`` as Parquet, then the manifest; returns the manifest.

    For an admin on the dashboard; the command line uses :func:`operator_export`. The candidates'
    self-identification (:mod:`scoring.store.self_identification`) is exported only for a role that may
    read it (admins do); for any other role holding ``import_export`` the export leaves that table out,
    as an export made before the table existed, and restores the same way.

    Raises
    ------
    PermissionDenied
        ``actor`` may not export (or its session has ended).
    ArchiveError
        If ``directory`` exists and is not empty.
    """
    authorize(db, actor, "import_export")
    leave_out = () if actor.may("read_self_identification") else SPECIAL_CATEGORY_TABLES
    return _export(db, directory, progress, leave_out)


@operator_command
def operator_export(db: Database, directory: str | os.PathLike[str],
                    progress: Progress | None = None) -> dict[str, Any]:
    """Operator command (``scorecard export``): :func:`export_database` with no signed-in account."""
    return _export(db, directory, progress)


#: Tables exported only for a role that may read them (see :func:`export_database`).
SPECIAL_CATEGORY_TABLES = ("self_identification",)


def _export(db: Database, directory: str | os.PathLike[str], progress: Progress | None,
            leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    say = progress or (lambda message, done: None)
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise ArchiveError(f"{target} is not empty: export into a new or empty directory")
    target.mkdir(parents=True, exist_ok=True)
    with db.transaction() as cur:            # one snapshot for every table
        description = {t: columns for t, columns in schema_description(cur).items() if t not in leave_out}
        tables = _export_order(description)
        entries: list[dict[str, Any]] = []
        for done, table in enumerate(tables):
            say(f"exporting {table}", done / len(tables))
            path = target / f"{table}.parquet"
            cur.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO {_literal(path)} (FORMAT parquet)")
            rows = scalar_of(cur, f"SELECT count(*) FROM {table}")
            entries.append({"name": table, "file": path.name, "rows": int(rows)})
    say("checksums", 0.95)
    for entry in entries:
        path = target / entry["file"]
        entry.update(bytes=path.stat().st_size, sha256=file_sha256(path))
    manifest = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": Path(db.location).name, "schema_sha256": schema_hash(description), "schema": description,
        "tables": entries,
    }
    partial = target / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(partial, target / MANIFEST)
    say("done", 1.0)
    return manifest


def verify_export(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an export's manifest and check every file against it; returns the manifest.

    Raises
    ------
    ArchiveError
        Listing every problem: no or unreadable manifest, another format, missing files, files whose
        size or checksum differs from the manifest's.
    """
    source = Path(directory)
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise ArchiveError(f"{source} holds no {MANIFEST}: not an export, or an export that did not finish")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as error:
        raise ArchiveError(f"{manifest_path} cannot be read: {error}") from error
    if manifest.get("format") != FORMAT_NAME or manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(f"{manifest_path} is not a {FORMAT_NAME} version {FORMAT_VERSION} manifest")
    problems = []
    for entry in manifest.get("tables", []):
        name = entry.get("file")
        if not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name:
            # An absolute path or one with a directory would be read from outside the export.
            problems.append(f"{name!r}: not the name of a file in the export directory")
            continue
        path = source / name
        if not path.is_file():
            problems.append(f"{entry['file']}: missing")
        elif path.stat().st_size != entry["bytes"] or file_sha256(path) != entry["sha256"]:
            problems.append(f"{entry['file']}: its checksum differs from the manifest's (changed or damaged)")
    if problems:
        raise ArchiveError("the export is damaged, nothing was restored: " + "; ".join(problems))
    return manifest


@operator_command
def restore_database(db: Database, directory: str | os.PathLike[str],
                     progress: Progress | None = None, *, replace: bool = False) -> dict[str, int]:
    """Restore an export into ``db``, which must hold no data; returns the rows restored per table.

    With ``replace``, the rows ``db`` holds are deleted first, in the transaction that restores
    (how a PostgreSQL database's contents are replaced; a database file is replaced whole by
    restoring into a new file, :mod:`scoring.store.replacing`).

    Raises
    ------
    ArchiveError
        The export is damaged or of another schema, or ``db`` is not empty and ``replace`` is
        false. Nothing was written.
    """
    say = progress or (lambda message, done: None)
    source = Path(directory)
    say("verifying checksums", 0.0)
    manifest = verify_export(source)
    entries = {entry["name"]: entry for entry in manifest["tables"]}
    counts: dict[str, int] = {}

    def work(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
        if replace:
            clear_data(cur)
        _check_target(cur, manifest, entries, source)
        names = [t for t in TABLE_ORDER if t in entries]
        for done, table in enumerate(names):
            say(f"restoring {table}", 0.05 + 0.9 * done / len(names))
            path = _literal(source / entries[table]["file"])
            seeded = SEEDED_ROWS.get(table)
            cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet({path})"
                        + (f" WHERE NOT ({seeded})" if seeded else ""))
            stored = scalar_of(cur, f"SELECT count(*) FROM {table}")   # the seeded rows included
            if stored != entries[table]["rows"]:
                raise ArchiveError(f"{table}: {stored} rows restored, the manifest says {entries[table]['rows']}")
            counts[table] = int(stored)
        _copy_seed_stamps(cur, entries, source)
        advance_sequences(cur)
        return counts

    result = db.write(work)
    db.checkpoint()
    say("done", 1.0)
    return result


def schema_gaps(exported: dict[str, list[str]], here: dict[str, list[str]]) -> list[str]:
    """What keeps rows of the ``exported`` schema from fitting ``here``, in words; empty when they fit.

    An export made before a table or a column was added restores: the new table stays empty and the
    new column takes its default (the schema only adds columns that may be empty). A table or a column
    this version no longer has, or a column whose type changed, would lose or bend data: refused.

    Examples
    --------
    >>> here = {"clients": ["client_id INTEGER", "name VARCHAR", "region VARCHAR"], "digests": ["id INTEGER"]}
    >>> schema_gaps({"clients": ["client_id INTEGER", "name VARCHAR"]}, here)
    []
    >>> schema_gaps({"clients": ["client_id BIGINT", "fax VARCHAR"], "notes": ["id INTEGER"]}, here)
    ['clients: fax is not a column here; client_id is INTEGER here, BIGINT in the export', 'notes: no such table here']
    """
    problems = []
    for table, columns in sorted(exported.items()):
        if table not in here:
            problems.append(f"{table}: no such table here")
            continue
        types = dict(column.split(" ", 1) for column in here[table])
        missing, changed = [], []
        for column in columns:
            name, kind = column.split(" ", 1)
            if name not in types:
                missing.append(f"{name} is not a column here")
            elif types[name] != kind:
                changed.append(f"{name} is {types[name]} here, {kind} in the export")
        if missing or changed:
            problems.append(f"{table}: " + "; ".join(missing + changed))
    return problems


def _check_target(cur: duckdb.DuckDBPyConnection, manifest: dict, entries: dict, source: Path) -> None:
    """Refuse a target of another schema, or one that holds data."""
    description = schema_description(cur)
    if schema_hash(description) != manifest["schema_sha256"]:
        problems = schema_gaps(manifest.get("schema", {}), description)
        if problems:
            raise ArchiveError("the export was made with another schema, which this version cannot take in: "
                               + "; ".join(problems))
    unknown = sorted(set(entries) - set(TABLE_ORDER) - set(REFERENCE_TABLES))
    if unknown:
        raise ArchiveError(f"the export holds tables this version cannot restore: {', '.join(unknown)}")
    filled = [f"{t} ({n:,} rows)" for t, n in rows_beyond_seed(cur).items()]
    if filled:
        raise ArchiveError("the target database is not empty: " + ", ".join(filled)
                           + "; restore into a new database file")
    exported_schema = manifest.get("schema", description)

    def shared_columns(table: str) -> list[str]:
        """The table's columns the export has too, in this schema's order."""
        exported_names = {column.split(" ", 1)[0] for column in exported_schema.get(table, [])}
        return [name for name in (c.split(" ", 1)[0] for c in description[table]) if name in exported_names]

    for table in REFERENCE_TABLES:
        if table in entries:
            path = _literal(source / entries[table]["file"])
            columns = ", ".join(shared_columns(table))
            differs = scalar_of(cur, f"""
                SELECT count(*) FROM ((SELECT {columns} FROM read_parquet({path}) EXCEPT SELECT {columns} FROM {table})
                                      UNION ALL (SELECT {columns} FROM {table}
                                                 EXCEPT SELECT {columns} FROM read_parquet({path})))
                """)
            if differs:
                raise ArchiveError(f"{table}: the exported reference rows differ from this schema's")
    for table, seeded in SEEDED_ROWS.items():
        if table not in entries:
            continue
        stamp = SEED_STAMPS[table][1] if table in SEED_STAMPS else None
        columns = ", ".join(name for name in shared_columns(table) if name != stamp)
        path = _literal(source / entries[table]["file"])
        exported = f"SELECT {columns} FROM read_parquet({path}) WHERE {seeded}"
        here = f"SELECT {columns} FROM {table} WHERE {seeded}"
        differs = scalar_of(cur, f"SELECT count(*) FROM (({exported} EXCEPT {here}) UNION ALL "
                                 f"({here} EXCEPT {exported}))")
        if differs:
            raise ArchiveError(f"{table}: the export's default weight version differs from the one this "
                               "schema gives every new database")


def _copy_seed_stamps(cur: duckdb.DuckDBPyConnection, entries: dict, source: Path) -> None:
    """Give the target's seeded rows the exported creation times (the rest of them already matched)."""
    for table, (key, stamp) in SEED_STAMPS.items():
        if table in entries:
            path = _literal(source / entries[table]["file"])
            exported = cur.execute(f"SELECT {key}, {stamp} FROM read_parquet({path}) WHERE {SEEDED_ROWS[table]}"
                                   ).fetchall()
            for key_value, stamp_value in exported:
                cur.execute(f"UPDATE {table} SET {stamp} = ? WHERE {key} = ?", [stamp_value, key_value])


def unpack_zip(archive: str | os.PathLike[str]) -> tempfile.TemporaryDirectory:
    """Extract a zipped export into a temporary directory (removed when the returned object is cleaned up)."""
    holder = tempfile.TemporaryDirectory(prefix="scorecard-restore-")
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.namelist():
            if Path(member).name != member or member.startswith("."):
                raise ArchiveError(f"{archive}: unexpected entry {member!r}; an export zip holds only files")
        bundle.extractall(holder.name)
    return holder


def zip_export(directory: str | os.PathLike[str], archive: str | os.PathLike[str]) -> Path:
    """Pack an export directory into one zip file (Parquet is compressed already: stored as is)."""
    source, target = Path(directory), Path(archive)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as bundle:
        for path in sorted(source.iterdir()):
            bundle.write(path, path.name)
    return target
