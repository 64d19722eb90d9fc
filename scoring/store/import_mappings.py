"""Import mappings saved in the database, for next month's import of the same export.

An admin edits a mapping on the Import page (docs/import-mapping.md) and saves it under a name; the
page then offers it beside the worked mappings shipped in ``data/mappings/``. A mapping is stored as
the TOML text the admin wrote, and only once :func:`scoring.importing.mapping.parse_mapping` reads it
without a fault: a mapping that cannot be used is refused with every fault named, and nothing is
written. Names are unique, compared without regard to case or surrounding spaces.

Saving, updating and deleting are audited (entity ``import_mapping``), with the name and the whole
text before and after, so a deleted mapping can be read back from the audit log. Every function
requires ``import_export``, the permission of the Import page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from scoring.agency.access import Account
from scoring.agency.text import MAX_CHARS, normalised, nul_problem
from scoring.importing.mapping import MappingError, parse_mapping
from scoring.store.authorization import authorize, operator_command
from scoring.store.db import Database, DatabaseError, audit, next_id, storable_text
from scoring.store.sessions import utc_now

#: The longest mapping text stored, in characters (schema.sql repeats it).
MAX_MAPPING_CHARS = MAX_CHARS["mapping"]
ENTITY = "import_mapping"


@dataclass(frozen=True)
class SavedMapping:
    """One saved mapping: its id, name, TOML text, who saved it last and when (UTC)."""

    mapping_id: int
    name: str
    text: str
    saved_by: str
    saved_at: datetime


def saved_mappings(db: Database, actor: Account) -> list[SavedMapping]:
    """Every saved mapping, by name (ignoring case), with the display name of who saved it last."""
    authorize(db, actor, "import_export")
    rows = db.frame("""
        SELECT m.mapping_id, m.name, m.mapping, a.display_name, m.saved_at
        FROM import_mappings AS m JOIN accounts AS a ON a.account_id = m.saved_by
        ORDER BY lower(m.name), m.mapping_id""")
    return [SavedMapping(int(r.mapping_id), str(r.name), str(r.mapping), str(r.display_name),
                         pd.Timestamp(r.saved_at).to_pydatetime()) for r in rows.itertuples(index=False)]


@operator_command
def operator_saved_mapping(db: Database, name: str) -> str:
    """Operator command (``scorecard import --mapping NAME``): the text of the mapping saved under ``name``
    (ignoring case and surrounding spaces); a name no mapping has is refused, listing the saved ones."""
    text = db.scalar("SELECT mapping FROM import_mappings WHERE lower(trim(name)) = lower(trim(?))", [name])
    if text is not None:
        return str(text)
    names = db.frame("SELECT name FROM import_mappings ORDER BY lower(name)")["name"].tolist()
    saved = f"the saved ones are: {', '.join(names)}" if names else "no mapping is saved in this database"
    raise DatabaseError(f"mapping: no file or saved mapping is called {name.strip()!r}; {saved}")


def save_mapping(db: Database, actor: Account, name: str, text: str) -> int:
    """Store a new mapping under ``name``; returns its id.

    Parameters
    ----------
    db : Database
    actor : Account
        Needs ``import_export``.
    name : str
        What the Import page lists it as; unique, at most 200 characters.
    text : str
        The mapping's TOML text, as :func:`scoring.importing.mapping.parse_mapping` reads it.

    Raises
    ------
    PermissionDenied
        The actor may not import.
    DatabaseError
        A blank or taken name, or a text that is empty, too long or not a usable mapping (each of
        its faults named). Nothing is written then.
    """
    authorize(db, actor, "import_export")
    clean_name, clean_text = _checked(name, text)

    def write(cur: duckdb.DuckDBPyConnection) -> int:
        _refuse_taken(cur, clean_name, None)
        mapping_id = next_id(cur, "import_mapping_ids")
        cur.execute("INSERT INTO import_mappings (mapping_id, name, mapping, saved_by, saved_at) "
                    "VALUES (?, ?, ?, ?, ?)", [mapping_id, clean_name, clean_text, actor.account_id, utc_now()])
        audit(cur, actor.account_id, "create", ENTITY, mapping_id, after={"name": clean_name, "mapping": clean_text})
        return mapping_id

    return db.write(write)


def update_mapping(db: Database, actor: Account, mapping_id: int, name: str, text: str) -> bool:
    """Replace a saved mapping's name and text; returns whether anything changed.

    Saving the same name and text again changes nothing and writes no audit entry. Raises as
    :func:`save_mapping` does, and :class:`DatabaseError` for a mapping that is not (or no longer)
    saved.
    """
    authorize(db, actor, "import_export")
    clean_name, clean_text = _checked(name, text)

    def write(cur: duckdb.DuckDBPyConnection) -> bool:
        before = _stored(cur, mapping_id)
        if before == (clean_name, clean_text):
            return False
        _refuse_taken(cur, clean_name, mapping_id)
        cur.execute("UPDATE import_mappings SET name = ?, mapping = ?, saved_by = ?, saved_at = ? WHERE mapping_id = ?",
                    [clean_name, clean_text, actor.account_id, utc_now(), mapping_id])
        audit(cur, actor.account_id, "update", ENTITY, mapping_id,
              before={"name": before[0], "mapping": before[1]}, after={"name": clean_name, "mapping": clean_text})
        return True

    return db.write(write)


def delete_mapping(db: Database, actor: Account, mapping_id: int) -> str:
    """Delete a saved mapping; returns its name. The audit entry keeps its text.

    Raises :class:`DatabaseError` for a mapping that is not (or no longer) saved.
    """
    authorize(db, actor, "import_export")

    def write(cur: duckdb.DuckDBPyConnection) -> str:
        name, text = _stored(cur, mapping_id)
        cur.execute("DELETE FROM import_mappings WHERE mapping_id = ?", [mapping_id])
        audit(cur, actor.account_id, "delete", ENTITY, mapping_id, before={"name": name, "mapping": text})
        return name

    return db.write(write)


def _checked(name: str, text: str) -> tuple[str, str]:
    """The name and text as stored, or a :class:`DatabaseError` saying what keeps them from being saved."""
    clean_name = storable_text("name", (name or "").strip(), "name")
    if not clean_name:
        raise DatabaseError("name: give the mapping a name to list it under on the Import page")
    clean_text = _storable_mapping(text or "")
    try:
        parse_mapping(clean_text, clean_name)
    except MappingError as error:
        raise DatabaseError("mapping: it cannot be used, so it was not saved: " + "; ".join(error.errors)) from error
    return clean_name, clean_text


def _storable_mapping(text: str) -> str:
    """The text as stored (NFC), refused when empty, too long, or holding a NUL character."""
    text = normalised(text)
    if not text.strip():
        raise DatabaseError("mapping: the mapping is empty")
    problem = nul_problem("mapping", text)
    if problem:
        raise DatabaseError(problem)
    if len(text) > MAX_MAPPING_CHARS:
        raise DatabaseError(f"mapping: {len(text):,} characters, more than the {MAX_MAPPING_CHARS:,} a saved "
                            "mapping may hold")
    return text


def _refuse_taken(cur: duckdb.DuckDBPyConnection, name: str, mapping_id: int | None) -> None:
    taken = cur.execute("SELECT mapping_id FROM import_mappings WHERE lower(trim(name)) = lower(trim(?))",
                        [name]).fetchone()
    if taken is not None and taken[0] != mapping_id:
        raise DatabaseError(f"name: a mapping called {name!r} is already saved; update that one or choose "
                            "another name")


def _stored(cur: duckdb.DuckDBPyConnection, mapping_id: int) -> tuple[str, str]:
    row = cur.execute("SELECT name, mapping FROM import_mappings WHERE mapping_id = ?", [mapping_id]).fetchone()
    if row is None:
        raise DatabaseError(f"mapping_id: no saved mapping {mapping_id} (someone may have deleted it meanwhile)")
    return str(row[0]), str(row[1])


__all__ = ["MAX_MAPPING_CHARS", "SavedMapping", "delete_mapping", "saved_mappings", "save_mapping", "update_mapping"]
