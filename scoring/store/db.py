"""The database connection: location, schema, cursors, transactions and the data version.

The database is a DuckDB file by default. When ``SCORECARD_DB`` holds a PostgreSQL connection string
(``postgresql://user@host:port/dbname``), an in-memory DuckDB attaches that PostgreSQL database as
``pg`` and makes it every cursor's default catalog, so the store's DuckDB-dialect queries run
unchanged against PostgreSQL tables; many processes can then share one PostgreSQL database.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import duckdb
import pandas as pd

from scoring.agency.text import normalised, text_problem
from scoring.domain.settings import DATABASE, REFRESH_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = PROJECT_ROOT / "schema.sql"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
#: The name the attached PostgreSQL database has inside DuckDB.
POSTGRES_CATALOG = "pg"
#: PostgreSQL advisory-lock key held while the schema is applied: replicas starting together
#: would otherwise race to create the same tables and fail on PostgreSQL's catalog constraints.
SCHEMA_LOCK_KEY = 4_217_903_311
#: PostgreSQL's words for a refused row (unique, foreign key, check, not-null, exclusion).
_POSTGRES_REFUSAL = re.compile(r"violates (unique|foreign key|check|not-null|exclusion) constraint")
#: PostgreSQL's words for a transaction that lost to a concurrent one and may simply be run again.
_POSTGRES_CONFLICT = re.compile(r"deadlock detected|could not serialize access")
#: The words of a PostgreSQL server that cannot be reached, or that dropped the connection.
_POSTGRES_UNREACHABLE = re.compile(r"Unable to connect to Postgres|server closed the connection|"
                                   r"terminating connection|connection to server .* failed|no connection to the server")
#: DuckDB's words when another process holds the file's lock.
_DUCKDB_LOCKED = re.compile(r"Could not set lock on file|Conflicting lock is held")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
DEFAULT_LOCATION = PROJECT_ROOT / DATABASE.default
LOCATION_SETTING = DATABASE.name
CONFLICT_RETRIES = 8

DATA_VERSION_SQL = "SELECT count(*) FROM audit_log"

T = TypeVar("T")


class DatabaseError(RuntimeError):
    """A write was refused; the message says which row and why. Nothing was written."""


def database_location() -> str:
    """Where the database lives: ``$SCORECARD_DB`` or ``data/scorecard.duckdb``."""
    location = DATABASE.read()
    return str(DEFAULT_LOCATION) if location == DATABASE.default else location


def is_postgres_location(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a PostgreSQL connection string rather than a DuckDB file path."""
    return str(location).startswith(POSTGRES_PREFIXES)


def is_constraint_violation(error: BaseException) -> bool:
    """Whether ``error`` is the database refusing a row that breaks a constraint.

    DuckDB raises :class:`duckdb.ConstraintException`; a refusal by PostgreSQL reaches Python as a
    plain :class:`duckdb.Error` whose message carries PostgreSQL's own wording, so both are checked.
    """
    if isinstance(error, duckdb.ConstraintException):
        return True
    return isinstance(error, duckdb.Error) and _POSTGRES_REFUSAL.search(str(error)) is not None


def is_duplicate_key(error: BaseException) -> bool:
    """Whether ``error`` is a refused row whose unique key another row has, committed or still being written.

    Both DuckDB ("Duplicate key ... violates primary key constraint") and PostgreSQL ("duplicate key value
    violates unique constraint") say so in words.
    """
    return is_constraint_violation(error) and "duplicate key" in str(error).lower()


def is_write_conflict(error: BaseException) -> bool:
    """Whether ``error`` means a concurrent writer won and the transaction wrote nothing."""
    if isinstance(error, duckdb.TransactionException):
        return True
    return isinstance(error, duckdb.Error) and _POSTGRES_CONFLICT.search(str(error)) is not None


def is_held_by_another_process(error: BaseException) -> bool:
    """Whether ``error`` is DuckDB refusing to open a file because another process has it open.

    DuckDB locks the file it opens (one writing process per file); the refusal names the file and
    the other process's id, which is for the server log, never for a page.
    """
    return isinstance(error, duckdb.IOException) and _DUCKDB_LOCKED.search(str(error)) is not None


def is_unreachable(error: BaseException) -> bool:
    """Whether ``error`` means the PostgreSQL server could not be reached (down, restarting, cut off)."""
    return isinstance(error, duckdb.Error) and _POSTGRES_UNREACHABLE.search(str(error)) is not None


def postgres_schema() -> str:
    """schema.sql in PostgreSQL's dialect: the one difference is that PostgreSQL has no TINYINT.

    Deriving it keeps one schema: both databases get the same tables, constraints and sequences.
    """
    return re.sub(r"\bTINYINT\b", "SMALLINT", SCHEMA_PATH.read_text())


def storable_text(field: str, text: str, kind: str = "text") -> str:
    """``text`` as it is stored (Unicode NFC), or a :class:`DatabaseError` naming ``field``.

    Refused: a NUL character (no backend stores it the same), more characters than a field of
    ``kind`` holds (:data:`scoring.agency.text.MAX_CHARS`), and in a key or e-mail address an
    invisible character (:func:`scoring.agency.text.invisible_reason`).
    """
    text = normalised(text)
    problem = text_problem(field, text, kind)
    if problem:
        raise DatabaseError(problem)
    return text


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _open_postgres(location: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the PostgreSQL database at ``location`` attached and its schema applied."""
    import duckdb_extensions  # the extension's files, installed by pip: nothing is downloaded

    root = duckdb.connect(":memory:")
    duckdb_extensions.import_extension("postgres", con=root)
    root.execute("LOAD postgres")
    root.execute(f"ATTACH {_sql_literal(location)} AS {POSTGRES_CATALOG} (TYPE postgres)")
    # One multi-statement string is one PostgreSQL transaction, so the advisory lock taken first
    # is held until the whole schema is in place.
    schema = f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY});\n" + postgres_schema()
    root.execute(f"CALL postgres_execute({_sql_literal(POSTGRES_CATALOG)}, {_sql_literal(schema)})")
    root.execute("CALL pg_clear_cache()")     # DuckDB may have cached the catalog before the tables existed
    return root


def _columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every (table, column) of the file: what applying the schema to an older file may change."""
    return con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                       "WHERE database_name = current_database() ORDER BY ALL").fetchall()


def scalar_of(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
    """The first column of the first row ``sql`` gives through ``cur``; None when it gives no row."""
    row = cur.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


def _upgrade_file(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a DuckDB file made before dimensions could be left not assessed up to schema.sql.

    Such a file's ``scores`` has no ``not_assessed_reason`` and a rating that may not be missing; it
    gets the column and a nullable rating (the application writes exactly one of the two; the
    CHECKs of schema.sql hold only in files made since). It is never issued on a file that needs
    nothing, and the caller checkpoints right after it.
    """
    present = scalar_of(con, """SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()
                             AND table_name = 'scores' AND column_name = 'not_assessed_reason'""")
    if present:
        return
    con.execute("ALTER TABLE scores ADD COLUMN not_assessed_reason VARCHAR")
    con.execute("ALTER TABLE scores ALTER COLUMN rating DROP NOT NULL")


class Database:
    """One process's handle on the database.

    DuckDB allows one writing process per file; inside it, each thread works through its own
    cursor. Multi-statement writes run in :meth:`transaction`, so they land whole or not at all.
    With a PostgreSQL location, any number of processes may hold a handle on the same database,
    and :meth:`reader` serves the heavy reads from a local copy.
    """

    #: Makes the keeper of a PostgreSQL handle's local copies (:class:`scoring.store.local_copy.CopyKeeper`).
    #: That module builds on this one and sets it when imported, which ``scoring.store`` always does, so
    #: this module never imports it back.
    copy_keeper: ClassVar[Callable[[Database], Any] | None] = None

    def __init__(self, location: str | os.PathLike[str], *, shared_with: Database | None = None,
                 catalog: str | None = None) -> None:
        """Open the database at ``location``; or, given ``shared_with``, a handle on the catalog ``catalog``
        attached to that handle's connection (a local copy), which opens nothing and applies no schema."""
        self.location = str(location)
        self.is_postgres = shared_with is None and is_postgres_location(self.location)
        self._lock: threading.Lock = threading.Lock() if shared_with is None else shared_with._lock
        self._catalog: str | None = catalog   # the attached database cursors start in, if not the root's own
        if shared_with is not None:
            self._root: duckdb.DuckDBPyConnection = shared_with._root
            return
        if self.is_postgres:
            if Database.copy_keeper is None:
                raise DatabaseError("import scoring.store.local_copy before opening a PostgreSQL database")
            self._root = _open_postgres(self.location)
            self._catalog = POSTGRES_CATALOG
            self.refresh_seconds = float(REFRESH_SECONDS.read())
            self.copies = Database.copy_keeper(self)
            return
        if self.location != ":memory:":
            Path(self.location).parent.mkdir(parents=True, exist_ok=True)
        self._root = duckdb.connect(self.location)
        columns = _columns(self._root)
        self._root.execute(SCHEMA_PATH.read_text())
        _upgrade_file(self._root)
        if _columns(self._root) != columns:
            # DuckDB cannot replay from its write-ahead log an ALTER of a table whose CHECKs call
            # functions, so whatever the schema and the upgrade changed goes into the file at once.
            self._root.execute("CHECKPOINT")

    def close(self) -> None:
        if self.is_postgres:
            self.copies.stop()
        self._root.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (PostgreSQL keeps its own log: nothing to do)."""
        if not self.is_postgres:
            self._root.execute("CHECKPOINT")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the shared database, safe to use from the calling thread."""
        with self._lock:
            cur = self._root.cursor()
        if self._catalog:
            cur.execute(f"USE {self._catalog}")   # a cursor starts in the root's own catalog otherwise
        return cur

    def frame(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> pd.DataFrame:
        """Run a read query with bound parameters and return its rows as a DataFrame."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df()

    def scalar(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        with self.cursor() as cur:
            return scalar_of(cur, sql, params)

    @contextmanager
    def transaction(self, *, refresh_copy: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN ... COMMIT; any exception rolls everything back.

        ``refresh_copy`` false marks a write no page reads back (a sign-in attempt, a sign-out): on
        PostgreSQL the next read then goes on using the current local copy instead of waiting for a
        new one.
        """
        with self.cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        if self.is_postgres and refresh_copy:
            self.copies.note_write()

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T], *, refresh_copy: bool = True) -> T:
        """Run ``work(cursor)`` in one transaction, retrying when a concurrent writer conflicts.

        DuckDB's concurrency is optimistic: two transactions touching the same rows make the later
        commit fail. PostgreSQL waits instead, and fails only on a deadlock. Such a failure wrote
        nothing, so running the work again is safe. ``refresh_copy`` as for :meth:`transaction`.
        """
        for attempt in range(CONFLICT_RETRIES):
            try:
                with self.transaction(refresh_copy=refresh_copy) as cur:
                    return work(cur)
            except duckdb.Error as error:
                if not is_write_conflict(error) or attempt == CONFLICT_RETRIES - 1:
                    raise
                time.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")

    def data_version(self) -> int:
        """Grows with every committed write: the number of audit-log entries. Caches key on it.

        Every write appends to the log and nothing deletes from it. A count, unlike the newest id,
        also grows when a transaction that drew an earlier id from the sequence commits later.
        """
        sql = DATA_VERSION_SQL
        if self.is_postgres:     # counted by PostgreSQL itself: the scanner would stream the whole column
            with self.cursor() as cur:
                return int(postgres_rows(cur, sql)[0][0])
        return int(self.scalar(sql))

    def reader(self) -> Database:
        """Where heavy reads should go: this database, or on PostgreSQL a recent local copy of it
        (see :class:`scoring.store.local_copy.CopyKeeper` for how recent)."""
        return self.copies.current() if self.is_postgres else self

    def live(self) -> Database:
        """The database itself, never a copy of it: where sessions are checked
        (:mod:`scoring.store.authorization`). A local copy answers with the database it copies."""
        return self

    def metadata(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM metadata WHERE key = ?", [key])

    def agency_today(self) -> date:
        """The day figures are computed as of when no one chooses another: a demo agency's own today (the
        day it was built for, so its promises read as its seeds describe them however long ago that was),
        otherwise the calendar's. The dashboard and the command line both take it from here."""
        stored = self.metadata("demo_as_of")
        return date.fromisoformat(stored) if stored else date.today()

    def detach(self, catalog: str) -> None:
        """Detach the attached database ``catalog`` (a local copy's) from this handle's connection, if it
        is still open."""
        try:
            with self._lock:
                cur = self._root.cursor()
            cur.execute(f"DETACH {catalog}")
        except duckdb.Error:
            pass        # the connection is already closed, and the copy with it


def next_id(cur: duckdb.DuckDBPyConnection, sequence: str) -> int:
    """Draw the next id from ``sequence`` (one of schema.sql's sequences) before an insert.

    Inserts name their ids explicitly instead of reading them back with RETURNING, which not every
    backend behind DuckDB supports.
    """
    return next_ids(cur, sequence, 1)[0]


def next_ids(cur: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]:
    """Draw ``count`` ids from ``sequence``: distinct and ascending, though not always consecutive.

    PostgreSQL's sequences are not visible to DuckDB, so there PostgreSQL itself draws them.
    """
    if not _IDENTIFIER.fullmatch(sequence):
        raise ValueError(f"not a sequence name: {sequence!r}")
    if count <= 0:
        return []
    if on_postgres(cur):
        rows = postgres_rows(cur, f"SELECT nextval('{sequence}') FROM generate_series(1, {int(count)})")
    else:
        rows = cur.execute(f"SELECT nextval('{sequence}') FROM range(?)", [count]).fetchall()
    return sorted(int(row[0]) for row in rows)


def on_postgres(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``cur``'s default catalog is an attached PostgreSQL database."""
    kind = cur.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return kind is not None and kind[0] == "postgres"


def postgres_rows(cur: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Run ``sql`` (PostgreSQL's dialect) in PostgreSQL itself, inside ``cur``'s transaction."""
    return cur.execute(f"SELECT * FROM postgres_query({_sql_literal(POSTGRES_CATALOG)}, {_sql_literal(sql)})"
                       ).fetchall()


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
