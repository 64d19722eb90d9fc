"""A replica's local, read-only DuckDB copy of the PostgreSQL tables, for the pages' heavy reads.

Through the attached catalog, every read of a PostgreSQL table streams the table over the wire: the
scanner pushes filters and columns down but not joins or aggregates, so a page that joins scores to
scorecards to applications moves all of them on every uncached rerun. Copying the tables once into
an in-memory database attached beside PostgreSQL (well under a second for the full demo agency) lets
the analytics run at the speed of the embedded DuckDB file.
:class:`CopyKeeper` decides when to take a new copy.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import threading
import time
import weakref
from datetime import UTC, datetime

import duckdb

from scoring.store.db import DATA_VERSION_SQL, SCHEMA_PATH, Database, DatabaseError, is_unreachable, scalar_of

_SCHEMA = SCHEMA_PATH.read_text()
#: The schema's tables in schema.sql's order (parents before children), and its views' statements.
_TABLES = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _SCHEMA))
_VIEWS = tuple(re.findall(r"CREATE OR REPLACE VIEW .*?;", _SCHEMA, re.S))
_NAMES = itertools.count(1)
_log = logging.getLogger(__name__)


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
        super().__init__(source.location, shared_with=source, catalog=catalog)
        self._source = source
        self.version = version
        self.taken_at = taken_at
        self.seconds_to_copy = seconds_to_copy
        weakref.finalize(self, source.detach, catalog)

    def data_version(self) -> int:
        return self.version

    def transaction(self, **_options):
        raise DatabaseError("the local copy is read-only: writes go to the PostgreSQL database itself")

    def live(self) -> Database:
        """The PostgreSQL database this is a copy of."""
        return self._source

    def close(self) -> None:
        """Nothing to close: the connection belongs to the PostgreSQL handle it was copied from."""


def take_copy(source: Database) -> LocalCopy:
    """Copy every table of ``source`` (a PostgreSQL database) into a new in-memory database.

    All tables are read in one PostgreSQL transaction, which the attached catalog runs at REPEATABLE
    READ: the copy is one consistent moment even while other replicas write.
    """
    started = time.perf_counter()
    taken_at = datetime.now(UTC)
    catalog = f"local_copy_{next(_NAMES)}"
    with source.cursor() as cur:
        cur.execute(f"ATTACH ':memory:' AS {catalog}")
        cur.execute("BEGIN TRANSACTION")
        try:
            for name in _TABLES:
                cur.execute(f"CREATE TABLE {catalog}.{name} AS FROM {name}")
            cur.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):    # a lost connection has nothing left to roll back
                cur.execute("ROLLBACK")
            cur.execute(f"DETACH {catalog}")
            raise
        cur.execute(f"USE {catalog}")
        for view in _VIEWS:
            cur.execute(view)
        version = int(scalar_of(cur, DATA_VERSION_SQL))
    return LocalCopy(source, catalog, version, taken_at, time.perf_counter() - started)


class CopyKeeper:
    """Keeps one replica's local copy as fresh as promised, without making readers wait for others.

    * The first read, and the first read after this replica writes, wait for a new copy: a writer
      sees their own write at once.
    * A background thread asks PostgreSQL for its data version every ``source.refresh_seconds``
      and, when another replica has written, takes a new copy while reads go on using the current
      one. Another replica's change therefore shows within ``refresh_seconds`` plus the time a copy
      takes, whether or not anyone is reading.
    * While PostgreSQL cannot be reached, :attr:`reachable` is False and the last copy goes on
      serving reads.
    """

    #: How often the background thread wakes to see whether a check is due (seconds).
    TICK = 0.1

    def __init__(self, source: Database) -> None:
        self.source = source
        self.copy: LocalCopy | None = None
        self.reachable = True
        self._lock = threading.Lock()
        self._wrote = False
        self._stopped = threading.Event()
        self._watcher: threading.Thread | None = None

    def note_write(self) -> None:
        """This replica has committed a write: the next read must see it."""
        self._wrote = True

    def current(self) -> LocalCopy:
        with self._lock:
            if self.copy is None or self._wrote:
                self._wrote = False
                try:
                    self.copy, self.reachable = take_copy(self.source), True
                except duckdb.Error as error:
                    if self.copy is None or not is_unreachable(error):
                        raise
                    self.reachable = False
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="local-copy", daemon=True)
                self._watcher.start()
            return self.copy

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        checked_at = time.monotonic()
        while not self._stopped.wait(self.TICK):
            if time.monotonic() - checked_at < self.source.refresh_seconds:
                continue
            checked_at = time.monotonic()
            held = self.copy         # the watcher starts once there is a copy; it is only ever replaced
            if held is None:
                continue
            try:
                if self.source.data_version() != held.version:
                    fresh = take_copy(self.source)
                    with self._lock:
                        if self.copy is None or fresh.taken_at > self.copy.taken_at:
                            self.copy = fresh
                self.reachable = True
            except duckdb.Error as error:
                if self._stopped.is_set():
                    return                      # the database was closed under the check
                if is_unreachable(error):
                    self.reachable = False      # keep serving the last copy until PostgreSQL is back
                else:                           # say so, and try again at the next check
                    _log.exception("refreshing the local copy of %s failed", self.source.location)


Database.copy_keeper = CopyKeeper
