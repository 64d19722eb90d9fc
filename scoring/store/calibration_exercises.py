"""Calibration exercises: reference applications every reviewer scores, and how far the scoring got.

A rating belongs to an exercise when its application and stage are an item of a calibration set and
it was submitted after the set was created; the exercise reads take every current rating of the
set's items (a reviewer who had already scored an item in live work cannot score it again, so that
earlier rating is their rating of the item) and say which were submitted for the exercise, so an
exercise nobody has scored yet has no results of its own. The live reads of
:mod:`scoring.store.ratings` leave exercise ratings out.

Every read requires ``read_calibration``; :func:`create_exercise` and the list of reference
applications require ``manage_calibration``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from scoring.agency.access import Account
from scoring.domain.dimensions import DIMENSIONS
from scoring.domain.stages import SCORED_STAGES
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit, next_id, scalar_of, storable_text

_SCORED_IDS = tuple(map(int, SCORED_STAGES))

#: Days a reviewer has to score the items of a calibration exercise (agency policy).
EXERCISE_DUE_DAYS = 14


def exercises(db: Database, actor: Account) -> pd.DataFrame:
    """Every calibration set, newest first, with its stage, size and how far the scoring got.

    ``submitted`` counts the reviewer-item scorecards that are submitted; ``expected`` the items
    times the reviewers who were assigned them. Of those assignments, ``scored_before`` were
    submitted before the set was created (live work), ``scored_since`` since, and ``awaited`` have
    no submitted scorecard yet, from ``awaited_from`` reviewers; ``due_on`` is the latest due date.
    """
    authorize(db, actor, "read_calibration")
    return db.frame("""
        WITH items AS (
            SELECT set_id, min(stage_id) AS stage_id, count(*) AS items FROM calibration_items GROUP BY set_id
        ), expected AS (
            SELECT ci.set_id, count(*) AS expected,
                   count(*) FILTER (WHERE sc.submitted_at < cset.created_at) AS scored_before,
                   count(*) FILTER (WHERE sc.submitted_at >= cset.created_at) AS scored_since,
                   count(*) FILTER (WHERE sc.scorecard_id IS NULL) AS awaited,
                   count(DISTINCT x.reviewer_id) FILTER (WHERE sc.scorecard_id IS NULL) AS awaited_from,
                   max(x.due_on) AS due_on
            FROM calibration_items AS ci
            JOIN calibration_sets AS cset USING (set_id)
            JOIN assignments AS x ON x.application_id = ci.application_id AND x.stage_id = ci.stage_id
            LEFT JOIN scorecards AS sc ON sc.application_id = x.application_id AND sc.stage_id = x.stage_id
                 AND sc.reviewer_id = x.reviewer_id AND sc.status = 'submitted'
            GROUP BY ci.set_id
        ), submitted AS (
            SELECT ci.set_id, count(*) AS submitted
            FROM calibration_items AS ci
            JOIN scorecards AS sc ON sc.application_id = ci.application_id AND sc.stage_id = ci.stage_id
            WHERE sc.status = 'submitted'
            GROUP BY ci.set_id
        )
        SELECT s.set_id, s.name, i.stage_id, coalesce(i.items, 0) AS items, s.created_at,
               a.display_name AS created_by, coalesce(e.expected, 0) AS expected,
               coalesce(sub.submitted, 0) AS submitted, coalesce(e.scored_before, 0) AS scored_before,
               coalesce(e.scored_since, 0) AS scored_since, coalesce(e.awaited, 0) AS awaited,
               coalesce(e.awaited_from, 0) AS awaited_from, e.due_on
        FROM calibration_sets AS s
        JOIN accounts AS a ON a.account_id = s.created_by
        LEFT JOIN items AS i USING (set_id)
        LEFT JOIN expected AS e USING (set_id)
        LEFT JOIN submitted AS sub USING (set_id)
        ORDER BY s.created_at DESC, s.set_id DESC""")


def exercise_items(db: Database, actor: Account, set_id: int) -> pd.DataFrame:
    """The reference applications of one set with their candidate and search."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT ci.application_id, ci.stage_id, a.external_id AS application, c.full_name AS candidate,
               c.external_id AS candidate_ref, s.external_id AS search
        FROM calibration_items AS ci
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        JOIN searches AS s USING (search_id)
        WHERE ci.set_id = ?
        ORDER BY ci.application_id""", [set_id])


def exercise_ratings(db: Database, actor: Account, set_id: int) -> pd.DataFrame:
    """Every current rating of the set's items: ``application_id``, ``reviewer_id``,
    ``dimension_id``, ``rating``, ``submitted_at`` and ``for_exercise`` (submitted once the set
    existed, rather than in live work before it)."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT cs.application_id, cs.reviewer_id, cs.dimension_id, cs.rating, cs.submitted_at,
               cs.submitted_at >= cset.created_at AS for_exercise
        FROM current_scores AS cs
        JOIN calibration_items AS ci ON ci.application_id = cs.application_id AND ci.stage_id = cs.stage_id
        JOIN calibration_sets AS cset ON cset.set_id = ci.set_id
        WHERE ci.set_id = ?
        ORDER BY cs.application_id, cs.dimension_id, cs.submitted_at, cs.reviewer_id""",
        [set_id]).astype({"application_id": "int64", "reviewer_id": "int64", "dimension_id": "int64",
                          "rating": "int64", "for_exercise": "bool"})


def exercise_progress(db: Database, actor: Account, set_id: int) -> pd.DataFrame:
    """Per reviewer assigned to the set's items: items ``assigned``, scorecards ``submitted`` (of
    them ``scored_before`` the set was created and ``scored_since``), ``awaited`` and the latest
    ``due_on``; the reviewers with the most awaited first."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT x.reviewer_id, acc.display_name, acc.active, count(*) AS assigned,
               count(sc.scorecard_id) AS submitted,
               count(*) FILTER (WHERE sc.submitted_at < cset.created_at) AS scored_before,
               count(*) FILTER (WHERE sc.submitted_at >= cset.created_at) AS scored_since,
               count(*) FILTER (WHERE sc.scorecard_id IS NULL) AS awaited, max(x.due_on) AS due_on
        FROM calibration_items AS ci
        JOIN calibration_sets AS cset USING (set_id)
        JOIN assignments AS x ON x.application_id = ci.application_id AND x.stage_id = ci.stage_id
        JOIN accounts AS acc ON acc.account_id = x.reviewer_id
        LEFT JOIN scorecards AS sc ON sc.application_id = x.application_id AND sc.stage_id = x.stage_id
             AND sc.reviewer_id = x.reviewer_id AND sc.status = 'submitted'
        WHERE ci.set_id = ?
        GROUP BY x.reviewer_id, acc.display_name, acc.active
        ORDER BY awaited DESC, acc.display_name, x.reviewer_id""", [set_id])


def reference_applications(db: Database, actor: Account, stage_id: int) -> pd.DataFrame:
    """Applications fit to be a calibration reference at ``stage_id``, most recent first.

    Fit means: at least two reviewers submitted a complete scorecard (all five dimensions) at
    that stage, and the application is not yet an item of a set at that stage.
    """
    authorize(db, actor, "manage_calibration")
    if stage_id not in SCORED_STAGES:
        raise DatabaseError(f"stage_id: stage {stage_id} has no scorecard; scored stages are {_SCORED_IDS}")
    return db.frame(f"""
        WITH complete AS (
            SELECT application_id, scorecard_id
            FROM current_scores WHERE stage_id = ?
            GROUP BY application_id, scorecard_id
            HAVING count(DISTINCT dimension_id) = {len(DIMENSIONS)}
        ), scored AS (
            SELECT application_id, count(*) AS reviewers FROM complete GROUP BY application_id HAVING count(*) >= 2
        )
        SELECT sc.application_id, a.external_id AS application, c.full_name AS candidate,
               c.external_id AS candidate_ref, d.entered_on, sc.reviewers
        FROM scored AS sc
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        JOIN stage_decisions AS d ON d.application_id = sc.application_id AND d.stage_id = ?
        WHERE sc.application_id NOT IN (SELECT application_id FROM calibration_items WHERE stage_id = ?)
        ORDER BY d.entered_on DESC, sc.application_id DESC""", [stage_id, stage_id, stage_id])


def create_exercise(db: Database, actor: Account, name: str, application_ids: Sequence[int], stage_id: int,
                    today: date) -> int:
    """Create a calibration set and assign its items to every active reviewer, all at once.

    Parameters
    ----------
    db : Database
    actor : Account
        Needs ``manage_calibration``.
    name : str
        Unique, non-blank name of the exercise.
    application_ids : sequence of int
        The reference applications; each must exist and have entered ``stage_id``.
    stage_id : int
        2 or 3: the stage whose scorecard every reviewer fills for each item.
    today : date
        Assignment date; the assignments are due :data:`EXERCISE_DUE_DAYS` later.

    Returns
    -------
    int
        The new set's id.

    Raises
    ------
    PermissionDenied
        The actor may not manage calibration.
    DatabaseError
        A blank or taken name, no applications, an unknown stage, or an application that does not
        exist or never entered the stage. Nothing is written then.

    Notes
    -----
    The set, its items, one assignment per active reviewer and item (an existing assignment is
    kept as it is) and the audit entry are written in one transaction.
    """
    authorize(db, actor, "manage_calibration")
    clean_name = storable_text("name", (name or "").strip(), "name")
    if not clean_name:
        raise DatabaseError("name: a calibration exercise needs a name")
    if stage_id not in SCORED_STAGES:
        raise DatabaseError(f"stage_id: stage {stage_id} has no scorecard; scored stages are {_SCORED_IDS}")
    try:
        ids = sorted({int(i) for i in application_ids})
    except (TypeError, ValueError) as problem:
        raise DatabaseError(f"application_ids: whole numbers expected ({problem})") from problem
    if not ids:
        raise DatabaseError("application_ids: pick at least one reference application")

    def write(cur: duckdb.DuckDBPyConnection) -> int:
        if cur.execute("SELECT 1 FROM calibration_sets WHERE lower(name) = lower(?)", [clean_name]).fetchone():
            raise DatabaseError(f"name: an exercise called {clean_name!r} already exists")
        found = {row[0] for row in cur.execute(
            "SELECT application_id FROM applications WHERE application_id IN (SELECT unnest(?::INTEGER[]))",
            [ids]).fetchall()}
        missing = [i for i in ids if i not in found]
        if missing:
            raise DatabaseError(f"application_ids: no application {', '.join(map(str, missing))}")
        entered = {row[0] for row in cur.execute(
            "SELECT application_id FROM stage_decisions WHERE stage_id = ? "
            "AND application_id IN (SELECT unnest(?::INTEGER[]))", [stage_id, ids]).fetchall()}
        outside = [i for i in ids if i not in entered]
        if outside:
            raise DatabaseError(f"application_ids: {', '.join(map(str, outside))} never entered stage {stage_id}")
        reviewer_ids = [row[0] for row in cur.execute(
            "SELECT account_id FROM accounts WHERE role = 'reviewer' AND active ORDER BY account_id").fetchall()]
        set_id = next_id(cur, "calibration_set_ids")
        cur.execute("INSERT INTO calibration_sets (set_id, name, created_by, created_at) VALUES (?, ?, ?, ?)",
                    [set_id, clean_name, actor.account_id, datetime.now()])
        cur.execute("INSERT INTO calibration_items SELECT ?, unnest(?::INTEGER[]), ?", [set_id, ids, stage_id])
        before = scalar_of(cur, "SELECT count(*) FROM assignments WHERE stage_id = ? "
                             "AND application_id IN (SELECT unnest(?::INTEGER[]))", [stage_id, ids])
        cur.execute("""
            INSERT INTO assignments (application_id, stage_id, reviewer_id, assigned_on, due_on)
            SELECT item.application_id, ?, reviewer.account_id, ?, ?
            FROM (SELECT unnest(?::INTEGER[]) AS application_id) AS item
            CROSS JOIN (SELECT unnest(?::INTEGER[]) AS account_id) AS reviewer
            ON CONFLICT DO NOTHING""",
            [stage_id, today, today + timedelta(days=EXERCISE_DUE_DAYS), ids, reviewer_ids])
        after = scalar_of(cur, "SELECT count(*) FROM assignments WHERE stage_id = ? "
                            "AND application_id IN (SELECT unnest(?::INTEGER[]))", [stage_id, ids])
        audit(cur, actor.account_id, "create", "calibration_set", set_id,
              after={"name": clean_name, "stage_id": stage_id, "application_ids": ids,
                     "reviewers": len(reviewer_ids), "new_assignments": int(after - before),
                     "due_on": today + timedelta(days=EXERCISE_DUE_DAYS)})
        return set_id

    return db.write(write)
