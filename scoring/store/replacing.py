"""Putting a whole new database where one may already be: never over a live one, never silently.

``scorecard demo``, ``init`` and ``restore`` each make a complete database. At a DuckDB file
location, :func:`new_database_file` has it built beside the target under a temporary name and moves
it into place only once it is complete, so a failed or interrupted build leaves whatever was there.

What is there already is guarded twice:

* an existing file is replaced only when the caller asks (``replace``; the commands' ``--force``),
  and a refusal says what the file holds (:func:`file_contents`);
* a file another process has open (a running dashboard, another command) is never replaced, asked
  or not. DuckDB locks the file it opens, so opening it here fails while another process holds it.
  The check is made before the build and again at the move, with the file held open across the
  move itself, so that no process can open the old file in between and go on writing to a file
  that is no longer where the dashboard looks for it.

A PostgreSQL database is shared by replicas and is never replaced whole. The commands refuse one
that holds data unless asked, and then empty it (:func:`scoring.store.bulk.clear_data`) in the
transaction that fills it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from scoring.store.db import DatabaseError, is_held_by_another_process
from scoring.store.tables import rows_beyond_seed

BUILDING_SUFFIX = ".building"
IN_USE = ("is open in another program (a running dashboard or another scorecard command); stop that program "
          "first. Nothing was changed")


class DatabaseInUse(DatabaseError):
    """The database file is open in another process, so it was neither replaced nor changed."""


class DatabaseExists(DatabaseError):
    """A database is already at the location and replacing it was not asked for; nothing was changed."""


def describe(counts: dict[str, int]) -> str:
    """What a database holds, for a refusal: ``"clients (3 rows), searches (12 rows)"`` or ``"no data"``.

    Examples
    --------
    >>> describe({"clients": 3, "searches": 1}), describe({})
    ('clients (3 rows), searches (1 row)', 'no data')
    """
    if not counts:
        return "no data"
    return ", ".join(f"{table} ({rows:,} row{'' if rows == 1 else 's'})" for table, rows in counts.items())


def _in_use(path: Path) -> DatabaseInUse:
    return DatabaseInUse(f"{path} {IN_USE}")


def file_contents(path: str | os.PathLike[str]) -> dict[str, int] | None:
    """The rows an existing DuckDB file holds beyond the schema's seeded ones, by table (read only).

    Returns None for a DuckDB file that is not a scorecard database (it lacks the tables).

    Raises
    ------
    DatabaseInUse
        Another process has the file open for writing.
    DatabaseError
        The file is not a DuckDB database at all.
    """
    path = Path(path)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        if is_held_by_another_process(error):
            raise _in_use(path) from None
        raise DatabaseError(f"{path} is not a database file this program can read; it was left as it is") from None
    try:
        return rows_beyond_seed(con)
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


@contextmanager
def held(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the DuckDB file at ``path`` open for writing, which no other process can then do.

    Raises
    ------
    DatabaseInUse
        Another process already has it open (for reading or writing).
    DatabaseError
        It is not a DuckDB database file.
    """
    path = Path(path)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as error:
        if is_held_by_another_process(error):
            raise _in_use(path) from None
        raise DatabaseError(f"{path} is not a database file this program can read; it was left as it is") from None
    try:
        yield
    finally:
        con.close()


def refuse_if_in_use(path: str | os.PathLike[str]) -> None:
    """Raise :class:`DatabaseInUse` when another process has the existing file at ``path`` open."""
    if Path(path).exists():
        with held(path):
            pass


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def _refuse_existing(target: Path) -> None:
    counts = file_contents(target)
    what = "is not a scorecard database" if counts is None else f"holds {describe(counts)}"
    raise DatabaseExists(f"{target} already exists and {what}; it is replaced only when asked to. "
                         "Nothing was changed")


@contextmanager
def new_database_file(target: str | os.PathLike[str], *, replace: bool = False) -> Iterator[Path]:
    """A temporary path beside ``target`` to build a complete database at; moved to ``target`` after.

    Use it as ``with new_database_file(target) as partial:`` and open, fill and close the database
    at ``partial`` inside the block. When the block ends normally the file takes ``target``'s
    place; when it raises, the partial file is removed and ``target`` is left as it was.

    Parameters
    ----------
    target : path
        Where the database belongs.
    replace : bool
        Whether an existing file at ``target`` may be replaced (never while another process has it
        open).

    Raises
    ------
    DatabaseExists
        ``target`` exists and ``replace`` is false (checked before the build and at the move).
    DatabaseInUse
        Another process has ``target`` open (checked before the build and at the move).
    """
    target = Path(target)
    if target.exists():
        if not replace:
            _refuse_existing(target)
        refuse_if_in_use(target)                 # fail before a long build, not after it
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + BUILDING_SUFFIX)
    _remove(partial)
    try:
        yield partial
        _move_into_place(partial, target, replace)
    finally:
        _remove(partial)                         # nothing left once moved; a failed build's leftovers


def _move_into_place(partial: Path, target: Path, replace: bool) -> None:
    """Move the complete file at ``partial`` to ``target``, holding an existing ``target`` across the move."""
    if not target.exists():
        os.replace(partial, target)
        return
    if not replace:
        _refuse_existing(target)
    with held(target):
        os.replace(partial, target)
        Path(f"{target}.wal").unlink(missing_ok=True)     # the replaced file's log, never the new file's
