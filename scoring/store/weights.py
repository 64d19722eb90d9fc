"""Scorecard weight versions: read them all, add a new one, withdraw one that has not taken effect.

A version in force or past is never changed. A version may start at most :data:`MAX_YEARS_AHEAD`
ahead, and until its date comes an admin may withdraw it; its weights then go (the audit entry keeps
them) and its date is free again. Withdrawal is written in two steps because DuckDB cannot delete a
row and the rows referring to it in one transaction: first the weights with the audit entry, all at
once, then the version's row. A version without weights is one being withdrawn, and every read of
the versions leaves it out (:data:`IN_EFFECT`), so a withdrawal cut short between the two steps
changes no score; the next write of a version finishes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import duckdb
import pandas as pd

from scoring.agency.access import Account
from scoring.agency.scorecard import validate_weights
from scoring.domain.dimensions import DIMENSION_CODES, DIMENSIONS
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit, is_constraint_violation, next_id, scalar_of, storable_text

#: How far ahead a new version may start, in years. Versions must be added in date order, so one
#: dated far ahead (a slip such as 9999-12-31) would refuse every version before it; a year covers
#: any change of weights an agency plans, and a version may be withdrawn until its date comes.
MAX_YEARS_AHEAD = 1
#: The condition on ``weight_versions`` that leaves out a version being withdrawn (see the module).
IN_EFFECT = "version_id IN (SELECT version_id FROM dimension_weights)"


def latest_start(today: date) -> date:
    """The last day a version added ``today`` may start: :data:`MAX_YEARS_AHEAD` years on (28 February
    for 29 February)."""
    year = today.year + MAX_YEARS_AHEAD
    return today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else today.replace(year=year)


def version_weights(db: Database, actor: Account) -> pd.DataFrame:
    """Every weight version's weights, one row per version and dimension: the one read of the versions.

    A version being withdrawn (no weights left) is not there. Any signed-in role may read the weights:
    every score shown is computed with them.

    Returns
    -------
    pandas.DataFrame
        ``version_id``, ``effective_from``, ``note``, ``created_by`` (the author's name, 'system' for the
        seeded default and imports), ``dimension_id``, ``dimension`` (code), ``weight_pct`` (percent);
        by effective date, then dimension.
    """
    authorize(db, actor, "read_candidates")
    return db.frame("""
        SELECT v.version_id, v.effective_from, v.note, coalesce(a.display_name, 'system') AS created_by,
               w.dimension_id, dm.code AS dimension, w.weight_pct::DOUBLE AS weight_pct
        FROM weight_versions AS v
        JOIN dimension_weights AS w USING (version_id)
        JOIN dimensions AS dm USING (dimension_id)
        LEFT JOIN accounts AS a ON a.account_id = v.created_by
        ORDER BY v.effective_from, w.dimension_id""")


def versions(db: Database, actor: Account) -> pd.DataFrame:
    """One row per version: id, effective date, note, author and a column per dimension (percent)."""
    long = version_weights(db, actor)
    columns = ["version_id", "effective_from", "note", "created_by", *DIMENSION_CODES]
    if long.empty:      # every database is seeded with version 1; only a damaged one has none
        return pd.DataFrame(columns=columns)
    wide = long.pivot_table(index=["version_id", "effective_from", "note", "created_by"], columns="dimension",
                            values="weight_pct").reset_index().rename_axis(columns=None)
    return wide[columns]


def newest(db: Database, actor: Account) -> pd.DataFrame:
    """The newest weight version (latest ``effective_from``), with the columns of :func:`version_weights`.

    The setting a suggested change is judged against and would replace; empty when there is no version.
    """
    long = version_weights(db, actor)
    return long[long["version_id"] == long["version_id"].iloc[-1]].reset_index(drop=True) if len(long) else long


def add_version(db: Database, actor: Account, weights_pct: Mapping[str, float], effective_from: date,
                note: str, today: date) -> int:
    """Add a weight version applying from ``effective_from`` (today or later, after the newest one).

    Backdating is refused: a version starting in the past would re-score history that was already
    decided under other weights.
    """
    authorize(db, actor, "manage_weights")
    try:
        validate_weights(weights_pct)
    except ValueError as problem:
        raise DatabaseError(f"weights: {problem}") from problem
    note = storable_text("note", note.strip())
    if effective_from < today:
        raise DatabaseError(f"effective_from: {effective_from} is in the past; a new version starts today or later")
    if effective_from > latest_start(today):
        raise DatabaseError(f"effective_from: {effective_from} is more than {MAX_YEARS_AHEAD} year ahead; a new "
                            f"version starts by {latest_start(today)} at the latest")
    _finish_withdrawals(db)

    def write(cur) -> int:
        newest = scalar_of(cur, f"SELECT max(effective_from) FROM weight_versions WHERE {IN_EFFECT}")
        if newest is not None and effective_from <= newest:
            raise DatabaseError(f"effective_from: must be after the newest version's date, {newest}")
        if cur.execute("SELECT 1 FROM weight_versions WHERE effective_from = ?", [effective_from]).fetchone():
            raise DatabaseError(f"effective_from: a version withdrawn a moment ago still holds {effective_from}; "
                                "try again")
        # above every stored id even in a file made before version 1 was seeded, whose sequence started at 1
        highest = scalar_of(cur, "SELECT coalesce(max(version_id), 0) FROM weight_versions")
        version_id = max(next_id(cur, "weight_version_ids"), int(highest) + 1)
        cur.execute("INSERT INTO weight_versions (version_id, effective_from, created_by, note) VALUES (?, ?, ?, ?)",
                    [version_id, effective_from, actor.account_id, note.strip()])
        for dimension in DIMENSIONS:
            cur.execute("INSERT INTO dimension_weights VALUES (?, ?, ?)",
                        [version_id, dimension.id, weights_pct[dimension.code]])
        audit(cur, actor.account_id, "create", "weight_version", version_id,
              after={"effective_from": effective_from, "weights_pct": dict(weights_pct), "note": note.strip()})
        return version_id

    return db.write(write)


def withdraw_version(db: Database, actor: Account, version_id: int, today: date) -> None:
    """Withdraw a weight version that has not taken effect: it will score nothing, and its date is free.

    Parameters
    ----------
    db : Database
    actor : Account
        Needs ``manage_weights``.
    version_id : int
        The version to withdraw; it must start after ``today``.
    today : date
        The day the withdrawal is made.

    Raises
    ------
    DatabaseError
        No such version, or one in force or past (those are never changed: add a new version
        instead). Nothing is written then.

    Notes
    -----
    The weights and the audit entry (action ``withdraw``, holding the version's date, weights and
    note) are written in one transaction; the version's row goes in a second one (see the module).
    """
    authorize(db, actor, "manage_weights")

    def write(cur) -> None:
        row = cur.execute(f"SELECT effective_from, note FROM weight_versions WHERE version_id = ? AND {IN_EFFECT}",
                          [version_id]).fetchone()
        if row is None:
            raise DatabaseError(f"version_id: there is no weight version {version_id}")
        effective_from, note = row
        if effective_from <= today:
            raise DatabaseError(f"version_id: version {version_id} took effect on {effective_from}; a version in "
                                "force or past is never changed (add a new version instead)")
        weights_pct = dict(cur.execute("""SELECT dm.code, w.weight_pct::DOUBLE FROM dimension_weights AS w
                                          JOIN dimensions AS dm USING (dimension_id) WHERE w.version_id = ?
                                          ORDER BY dm.dimension_id""", [version_id]).fetchall())
        cur.execute("DELETE FROM dimension_weights WHERE version_id = ?", [version_id])
        audit(cur, actor.account_id, "withdraw", "weight_version", version_id,
              before={"effective_from": effective_from, "weights_pct": weights_pct, "note": note})

    db.write(write)
    _finish_withdrawals(db)


def _finish_withdrawals(db: Database) -> None:
    """Delete the rows of versions whose weights were withdrawn, if there are any. Best effort: a row
    left behind is read as withdrawn and goes with the next write of a version. Every read leaves such
    a row out, so a replica's local copy need not be retaken for it."""
    if not db.scalar(f"SELECT count(*) FROM weight_versions WHERE NOT {IN_EFFECT}"):
        return
    try:
        db.write(lambda cur: cur.execute(f"DELETE FROM weight_versions WHERE NOT {IN_EFFECT}"), refresh_copy=False)
    except duckdb.Error as error:
        if not is_constraint_violation(error):
            raise
