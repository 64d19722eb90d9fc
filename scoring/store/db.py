"""The DuckDB connection: location, schema, cursors, transactions and the data version."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = PROJECT_ROOT / "schema.sql"
DEFAULT_LOCATION = PROJECT_ROOT / "data" / "scorecard.duckdb"
LOCATION_SETTING = "SCORECARD_DB"
CONFLICT_RETRIES = 8

T = TypeVar("T")


class DatabaseError(RuntimeError):
    """A write was refused; the message says which row and why. Nothing was written."""


def database_location() -> str:
    """Where the database lives: ``$SCORECARD_DB`` or ``data/scorecard.duckdb``."""
    return os.environ.get(LOCATION_SETTING) or str(DEFAULT_LOCATION)


class Database:
    """One process's handle on the database.

    DuckDB allows one writing process per file; inside it, each thread works through its own
    cursor. Multi-statement writes run in :meth:`transaction`, so they land whole or not at all.
    """

    def __init__(self, location: str | os.PathLike[str]) -> None:
        self.location = str(location)
        if self.location != ":memory:":
            Path(self.location).parent.mkdir(parents=True, exist_ok=True)
        self._root = duckdb.connect(self.location)
        self._lock = threading.Lock()
        self._root.execute(SCHEMA_PATH.read_text())

    def close(self) -> None:
        self._root.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file."""
        self._root.execute("CHECKPOINT")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the shared database, safe to use from the calling thread."""
        with self._lock:
            return self._root.cursor()

    def frame(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> pd.DataFrame:
        """Run a read query with bound parameters and return its rows as a DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    def scalar(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        with self.cursor() as cur:
            row = cur.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN ... COMMIT; any exception rolls everything back."""
        with self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(cursor)`` in one transaction, retrying when a concurrent writer conflicts.

        DuckDB's concurrency is optimistic: two transactions touching the same rows make the later
        commit fail. Such a failure wrote nothing, so running the work again is safe.
        """
        for attempt in range(CONFLICT_RETRIES):
            try:
                with self.transaction() as cur:
                    return work(cur)
            except duckdb.TransactionException:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")

    def data_version(self) -> int:
        """Grows with every committed write: the newest audit-log entry. Caches key on it."""
        return int(self.scalar("SELECT coalesce(max(audit_id), 0) FROM audit_log"))

    def metadata(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM metadata WHERE key = ?", [key])


def next_id(cur: duckdb.DuckDBPyConnection, sequence: str) -> int:
    """Draw the next id from ``sequence`` (one of schema.sql's sequences) before an insert.

    Inserts name their ids explicitly instead of reading them back with RETURNING, which not every
    backend behind DuckDB supports.
    """
    return int(cur.execute("SELECT nextval(?)", [sequence]).fetchone()[0])


def audit(cur: duckdb.DuckDBPyConnection, actor_id: int | None, action: str, entity: str,
          entity_key: Any, before: Any = None, after: Any = None) -> None:
    """Append one entry to the audit log inside the caller's transaction."""
    cur.execute(
        "INSERT INTO audit_log (actor_id, action, entity, entity_key, before, after) VALUES (?, ?, ?, ?, ?, ?)",
        [actor_id, action, entity, str(entity_key), _json(before), _json(after)],
    )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


def open_database(location: str | os.PathLike[str] | None = None) -> Database:
    """Open (and create the schema of) the database at ``location`` or the configured one."""
    return Database(location or database_location())
