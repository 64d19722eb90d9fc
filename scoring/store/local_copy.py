"""A replica's local, read-only DuckDB copy of the PostgreSQL tables, for the pages' heavy reads.

Through the attached catalog, every read of a PostgreSQL table streams the table over the wire: the
scanner pushes filters and columns down but not joins or aggregates, so a page that joins scores to
scorecards to applications moves all of them on every uncached rerun. Copying the tables once into
an in-memory DuckDB (about a second for the full demo agency) lets the analytics run at the speed
of the embedded DuckDB file. :meth:`scoring.store.db.Database.reader` decides when to take a new copy.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timezone

import duckdb

from scoring.store.db import DATA_VERSION_SQL, SCHEMA_PATH, Database, DatabaseError

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)")
_VIEW = re.compile(r"CREATE OR REPLACE VIEW .*?;", re.S)


class LocalCopy(Database):
    """Every table of a PostgreSQL database as of one committed moment, held in memory.

    It answers reads exactly like the database it copies (same tables and views, same dialect) and
    refuses writes, which belong to PostgreSQL.

    Attributes
    ----------
    version : int
        The source's data version (audit-log entries) when the copy was taken.
    taken_at : datetime
        When the copy was taken (UTC).
    seconds_to_copy : float
        How long taking it took.
    """

    def __init__(self, location: str, connection: duckdb.DuckDBPyConnection, version: int,
                 taken_at: datetime, seconds_to_copy: float) -> None:
        self.location = location
        self.is_postgres = False
        self._lock = threading.Lock()
        self._root = connection
        self.version = version
        self.taken_at = taken_at
        self.seconds_to_copy = seconds_to_copy

    def data_version(self) -> int:
        return self.version

    def transaction(self):
        raise DatabaseError("the local copy is read-only: writes go to the PostgreSQL database itself")


def table_names() -> list[str]:
    """The schema's tables, in schema.sql's order (parents before children)."""
    return _TABLE.findall(SCHEMA_PATH.read_text())


def take_copy(source: Database) -> LocalCopy:
    """Copy every table of ``source`` (a PostgreSQL database) into a new in-memory DuckDB.

    All tables are read in one PostgreSQL transaction, which the attached catalog runs at REPEATABLE
    READ: the copy is one consistent moment even while other replicas write.
    """
    started = time.perf_counter()
    taken_at = datetime.now(timezone.utc)
    copy = duckdb.connect(":memory:")
    with source.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        try:
            for name in table_names():
                rows = cur.execute(f"FROM {name}").to_arrow_table()
                copy.register("incoming", rows)
                copy.execute(f"CREATE TABLE {name} AS FROM incoming")
                copy.unregister("incoming")
        finally:
            cur.execute("ROLLBACK")      # it only read
    for view in _VIEW.findall(SCHEMA_PATH.read_text()):
        copy.execute(view)
    version = int(copy.execute(DATA_VERSION_SQL).fetchone()[0])
    return LocalCopy(source.location, copy, version, taken_at, time.perf_counter() - started)
