"""A replica's local, read-only DuckDB copy of the PostgreSQL tables, for the pages' heavy reads.

Through the attached catalog, every read of a PostgreSQL table streams the table over the wire: the
scanner pushes filters and columns down but not joins or aggregates, so a page that joins scores to
scorecards to applications moves all of them on every uncached rerun. Copying the tables once into
an in-memory database attached beside PostgreSQL (well under a second for the full demo agency) lets
the analytics run at the speed of the embedded DuckDB file.
:meth:`scoring.store.db.Database.reader` decides when to take a new copy.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import time
import weakref
from datetime import datetime, timezone

import duckdb

from scoring.store.db import DATA_VERSION_SQL, SCHEMA_PATH, Database, DatabaseError

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")
_VIEW = re.compile(r"CREATE OR REPLACE VIEW .*?;", re.S)
_NAMES = itertools.count(1)


class LocalCopy(Database):
    """Every table of a PostgreSQL database as of one committed moment, held in memory.

    It answers reads exactly like the database it copies (same tables and views, same dialect) and
    refuses writes, which belong to PostgreSQL. Its memory is released once nothing refers to it.

    Attributes
    ----------
    version : int
        The source's data version (audit-log entries) when the copy was taken.
    taken_at : datetime
        When the copy was taken (UTC).
    seconds_to_copy : float
        How long taking it took.
    """

    def __init__(self, source: Database, catalog: str, version: int, taken_at: datetime,
                 seconds_to_copy: float) -> None:
        self.location = source.location
        self.is_postgres = False
        self._lock = source._lock
        self._root = source._root
        self._catalog = catalog
        self.version = version
        self.taken_at = taken_at
        self.seconds_to_copy = seconds_to_copy
        weakref.finalize(self, _detach, source._root, source._lock, catalog)

    def data_version(self) -> int:
        return self.version

    def transaction(self):
        raise DatabaseError("the local copy is read-only: writes go to the PostgreSQL database itself")

    def close(self) -> None:
        """Nothing to close: the connection belongs to the PostgreSQL handle it was copied from."""


def _detach(root: duckdb.DuckDBPyConnection, lock: threading.Lock, catalog: str) -> None:
    try:
        with lock:
            cur = root.cursor()
        cur.execute(f"DETACH {catalog}")
    except duckdb.Error:
        pass        # the connection is already closed, and the copy with it


def table_names() -> list[str]:
    """The schema's tables, in schema.sql's order (parents before children)."""
    return _TABLE.findall(SCHEMA_PATH.read_text())


def take_copy(source: Database) -> LocalCopy:
    """Copy every table of ``source`` (a PostgreSQL database) into a new in-memory database.

    All tables are read in one PostgreSQL transaction, which the attached catalog runs at REPEATABLE
    READ: the copy is one consistent moment even while other replicas write.
    """
    started = time.perf_counter()
    taken_at = datetime.now(timezone.utc)
    catalog = f"local_copy_{next(_NAMES)}"
    with source.cursor() as cur:
        cur.execute(f"ATTACH ':memory:' AS {catalog}")
        cur.execute("BEGIN TRANSACTION")
        try:
            for name in table_names():
                cur.execute(f"CREATE TABLE {catalog}.{name} AS FROM {name}")
            cur.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):    # a lost connection has nothing left to roll back
                cur.execute("ROLLBACK")
            cur.execute(f"DETACH {catalog}")
            raise
        cur.execute(f"USE {catalog}")
        for view in _VIEW.findall(SCHEMA_PATH.read_text()):
            cur.execute(view)
        version = int(cur.execute(DATA_VERSION_SQL).fetchone()[0])
    return LocalCopy(source, catalog, version, taken_at, time.perf_counter() - started)
