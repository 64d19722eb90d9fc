"""Bulk writes: whole tables from DataFrames, in foreign-key order, inside the caller's transaction."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from scoring.store.db import Database, DatabaseError, audit, is_postgres_location, on_postgres, postgres_rows, scalar_of
from scoring.store.replacing import new_database_file
from scoring.store.tables import SEEDED_ROWS, SEQUENCES, TABLE_ORDER, rows_beyond_seed


def insert_frames(cur: duckdb.DuckDBPyConnection, tables: Mapping[str, pd.DataFrame],
                  progress: Callable[[str, float], None] | None = None) -> dict[str, int]:
    """Insert each frame into the table of the same name, matching columns by name."""
    unknown = sorted(set(tables) - set(TABLE_ORDER))
    if unknown:
        raise ValueError(f"no such table(s): {unknown}")
    counts = {}
    names = [name for name in TABLE_ORDER if name in tables]
    for done, name in enumerate(names):
        if progress:
            progress(f"writing {name}", done / len(names))
        cur.register("incoming_frame", tables[name])
        try:
            cur.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming_frame")
        finally:
            cur.unregister("incoming_frame")
        counts[name] = len(tables[name])
    advance_sequences(cur)
    return counts


def advance_sequences(cur: duckdb.DuckDBPyConnection) -> None:
    """Move every id sequence past the largest id stored, so later inserts never collide."""
    postgres = on_postgres(cur)
    if postgres:   # DuckDB does not see PostgreSQL's sequences: ask PostgreSQL
        last = dict(postgres_rows(cur, "SELECT sequencename::text, last_value FROM pg_sequences "
                                       "WHERE schemaname = current_schema()"))
    else:
        last = dict(cur.execute("SELECT sequence_name, last_value FROM duckdb_sequences()").fetchall())
    for sequence, (table, column) in SEQUENCES.items():
        highest = scalar_of(cur, f"SELECT coalesce(max({column}), 0) FROM {table}")
        behind = highest - (last.get(sequence) or 0)
        if behind <= 0:
            continue
        if postgres:
            postgres_rows(cur, f"SELECT setval('{sequence}', {int(highest)})")
        else:
            cur.execute(f"SELECT max(nextval('{sequence}')) FROM range(?)", [behind])


def clear_data(cur: duckdb.DuckDBPyConnection) -> None:
    """Delete every row but the schema's seeded ones, children first, inside the caller's transaction.

    How a PostgreSQL database's contents are replaced when the operator asks for it (a database file
    is replaced whole instead). The audit log goes too: it is the history of the data being replaced.
    """
    for table in reversed(TABLE_ORDER):
        seeded = SEEDED_ROWS.get(table)
        cur.execute(f"DELETE FROM {table}" + (f" WHERE NOT ({seeded})" if seeded else ""))


def build_database(path: str | os.PathLike[str], tables: Mapping[str, pd.DataFrame], summary: dict,
                   progress: Callable[[str, float], None] | None = None, *, replace: bool = False) -> dict[str, int]:
    """Write a complete new database file at ``path``, atomically.

    It is built beside the target under a temporary name and moved into place only once complete,
    so an interrupted build never leaves a half-written database where the app looks for one
    (:func:`scoring.store.replacing.new_database_file`). An existing file is replaced only with
    ``replace``, and never while another process has it open. A PostgreSQL ``path`` (a connection
    string) is filled in one transaction instead; see :func:`build_postgres`.

    Raises
    ------
    DatabaseError
        A database is at ``path`` and ``replace`` is false, or another process has it open.
        Nothing was changed.
    """

    if is_postgres_location(path):
        return build_postgres(str(path), tables, summary, progress, replace=replace)
    target = Path(path)
    with new_database_file(target, replace=replace) as partial:
        db = Database(partial)
        try:
            def write(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
                counts = insert_frames(cur, tables, progress)
                audit(cur, None, "build", "database", target.name, after={**summary, "rows": counts})
                return counts

            counts = db.write(write)
            db.checkpoint()
        finally:
            db.close()
    return counts


def build_postgres(location: str, tables: Mapping[str, pd.DataFrame], summary: dict,
                   progress: Callable[[str, float], None] | None = None, *, replace: bool = False) -> dict[str, int]:
    """Fill the PostgreSQL database at ``location`` with ``tables`` in one transaction.

    A database file can be replaced whole; a PostgreSQL database is shared and may hold real data,
    so instead of replacing it this refuses one that holds any row beyond the schema's seeded ones
    (:data:`SEEDED_ROWS`), unless ``replace`` is given: then those rows are deleted first, in the
    same transaction. An interrupted build commits nothing.

    Raises
    ------
    DatabaseError
        The database already holds data and ``replace`` is false; nothing was written.
    """
    db = Database(location)
    try:
        def write(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
            filled = rows_beyond_seed(cur)
            if filled and not replace:
                raise DatabaseError("the PostgreSQL database already holds data ("
                                    + ", ".join(f"{table} ({rows:,} rows)" for table, rows in filled.items())
                                    + "); build into a new, empty database")
            if filled:
                clear_data(cur)
            counts = insert_frames(cur, tables, progress)
            name = location.rsplit("/", 1)[-1].split("?", 1)[0]     # the database name, never a password
            audit(cur, None, "build", "database", name, after={**summary, "rows": counts})
            return counts

        return db.write(write)
    finally:
        db.close()
