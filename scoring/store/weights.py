"""Scorecard weight versions: read them all, add a new one. Existing versions are never changed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from scoring.access import Account
from scoring.scorecard import DIMENSIONS, validate_weights
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit, next_id, storable_text


def versions(db: Database, actor: Account) -> pd.DataFrame:
    """One row per version: id, effective date, note, author and a column per dimension (percent)."""
    authorize(db, actor, "read_candidates")
    long = db.frame("""
        SELECT v.version_id, v.effective_from, v.note, coalesce(a.display_name, 'system') AS created_by,
               dm.code AS dimension, w.weight_pct::DOUBLE AS weight_pct
        FROM weight_versions AS v
        JOIN dimension_weights AS w USING (version_id)
        JOIN dimensions AS dm USING (dimension_id)
        LEFT JOIN accounts AS a ON a.account_id = v.created_by
        ORDER BY v.effective_from""")
    columns = ["version_id", "effective_from", "note", "created_by", *DIMENSIONS]
    if long.empty:      # every database is seeded with version 1; only a damaged one has none
        return pd.DataFrame(columns=columns)
    wide = long.pivot_table(index=["version_id", "effective_from", "note", "created_by"], columns="dimension",
                            values="weight_pct").reset_index().rename_axis(columns=None)
    return wide[columns]


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

    def write(cur) -> int:
        newest = cur.execute("SELECT max(effective_from) FROM weight_versions").fetchone()[0]
        if newest is not None and effective_from <= newest:
            raise DatabaseError(f"effective_from: must be after the newest version's date, {newest}")
        # above every stored id even in a file made before version 1 was seeded, whose sequence started at 1
        highest = cur.execute("SELECT coalesce(max(version_id), 0) FROM weight_versions").fetchone()[0]
        version_id = max(next_id(cur, "weight_version_ids"), int(highest) + 1)
        cur.execute("INSERT INTO weight_versions (version_id, effective_from, created_by, note) VALUES (?, ?, ?, ?)",
                    [version_id, effective_from, actor.account_id, note.strip()])
        for position, code in enumerate(DIMENSIONS, start=1):
            cur.execute("INSERT INTO dimension_weights VALUES (?, ?, ?)", [version_id, position, weights_pct[code]])
        audit(cur, actor.account_id, "create", "weight_version", version_id,
              after={"effective_from": effective_from, "weights_pct": dict(weights_pct), "note": note.strip()})
        return version_id

    return db.write(write)
