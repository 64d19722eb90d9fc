"""Certification by reference candidates: expert reference ratings, the passing bar, and who has met it.

An exercise's reference ratings (``calibration_references``) are entered by whoever manages calibration;
the passing bar (``certification_bar``, at most one row) by an admin, each change with an audit entry.
While a bar is set, a reviewer who has not met it is offered no live candidates at a scored stage:
:func:`live_work_refusal` is what :mod:`scoring.store.scorecards` asks before it lists or accepts live
work; the items of calibration exercises (and the stage-1 tooling checklist, which is no rubric scoring)
stay open to them.

Reads of the references and of reviewers' accuracy need ``read_calibration``; a reviewer reads their own
standing with ``write_scores``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import duckdb
import pandas as pd

from scoring.agency import certification as rules
from scoring.agency.access import Account
from scoring.agency.certification import Certification, PassingBar
from scoring.domain.stages import SCORED_STAGES
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit

__all__ = ["clear_bar", "exercise_accuracy", "is_exercise_item", "live_work_refusal", "passing_bar", "references",
           "set_bar", "set_references", "standing"]

# The exercises with at least one reference rating: only these measure a reviewer's accuracy.
_SETS_WITH_REFERENCES = "SELECT DISTINCT set_id FROM calibration_references"

# The current ratings of those exercises' items: one reviewer's (``?`` bound to the reviewer id) or,
# without the filter, everyone's.
_RATINGS_OF_REFERENCES = f"""
    SELECT ci.set_id, cs.reviewer_id, cs.application_id, cs.dimension_id, cs.rating
    FROM current_scores AS cs
    JOIN calibration_items AS ci ON ci.application_id = cs.application_id AND ci.stage_id = cs.stage_id
    WHERE ci.set_id IN ({_SETS_WITH_REFERENCES})"""


def _bar(cur: duckdb.DuckDBPyConnection) -> PassingBar | None:
    row = cur.execute("SELECT min_kappa, max_mad FROM certification_bar WHERE bar_id = 1").fetchone()
    return None if row is None else PassingBar(float(row[0]), float(row[1]))


def passing_bar(db: Database, actor: Account) -> PassingBar | None:
    """The bar in force, or None when none is required. Any signed-in account may read it."""
    authorize(db, actor)
    with db.cursor() as cur:
        return _bar(cur)


def set_bar(db: Database, actor: Account, min_kappa: float, max_mad: float) -> PassingBar:
    """Require ``min_kappa`` and ``max_mad`` before live work (``manage_calibration``); audited.

    Raises
    ------
    DatabaseError
        A value outside its range (:func:`scoring.agency.certification.bar_problems`); nothing is written.
    """
    authorize(db, actor, "manage_calibration")
    problems = rules.bar_problems(min_kappa, max_mad)
    if problems:
        raise DatabaseError("; ".join(problems))
    bar = PassingBar(round(float(min_kappa), 3), round(float(max_mad), 3))

    def write(cur: duckdb.DuckDBPyConnection) -> PassingBar:
        before = _bar(cur)
        cur.execute("DELETE FROM certification_bar WHERE bar_id = 1")
        cur.execute("INSERT INTO certification_bar (bar_id, min_kappa, max_mad, set_by, set_at) VALUES (1, ?, ?, ?, ?)",
                    [bar.min_kappa, bar.max_mad, actor.account_id, datetime.now()])
        audit(cur, actor.account_id, "set", "certification_bar", 1,
              before=None if before is None else vars(before), after=vars(bar))
        return bar

    return db.write(write)


def clear_bar(db: Database, actor: Account) -> None:
    """Require no bar any more (``manage_calibration``); audited. Nothing to clear writes nothing."""
    authorize(db, actor, "manage_calibration")

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        before = _bar(cur)
        if before is None:
            return
        cur.execute("DELETE FROM certification_bar WHERE bar_id = 1")
        audit(cur, actor.account_id, "clear", "certification_bar", 1, before=vars(before))

    db.write(write)


def references(db: Database, actor: Account, set_id: int) -> pd.DataFrame:
    """The exercise's reference ratings: ``application_id``, ``application`` (its id as people see it),
    ``dimension_id``, ``rating`` (missing when not assessed), ``not_assessed_reason``, ``entered_by``
    (a name) and ``entered_at``."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT r.application_id, a.external_id AS application, r.dimension_id, r.rating, r.not_assessed_reason,
               acc.display_name AS entered_by, r.entered_at
        FROM calibration_references AS r
        JOIN applications AS a USING (application_id)
        JOIN accounts AS acc ON acc.account_id = r.entered_by
        WHERE r.set_id = ?
        ORDER BY r.application_id, r.dimension_id""", [set_id])


def set_references(db: Database, actor: Account, set_id: int, rows: Sequence[Mapping[str, object]]) -> int:
    """Enter or replace an exercise's reference ratings, all or none (``manage_calibration``).

    Parameters
    ----------
    rows : sequence of mappings
        As :func:`scoring.agency.certification.parse_reference_rows` reads them: ``application`` (the
        reference's id as people see it), ``dimension`` (code or name), ``rating`` (1-5 or "not assessed")
        and ``reason`` for a reference not assessed. A pair already entered is replaced; others stay.

    Returns
    -------
    int
        How many reference ratings were written.

    Raises
    ------
    DatabaseError
        No such exercise, no rows, or any row with a problem: every problem is listed, by row, field
        and reason, and nothing is written.
    """
    authorize(db, actor, "manage_calibration")
    if not rows:
        raise DatabaseError("references: there is no row to enter")

    def write(cur: duckdb.DuckDBPyConnection) -> int:
        stage = cur.execute("SELECT min(stage_id) FROM calibration_items WHERE set_id = ?", [set_id]).fetchone()
        if not cur.execute("SELECT 1 FROM calibration_sets WHERE set_id = ?", [set_id]).fetchone() or stage is None:
            raise DatabaseError(f"set_id: no calibration exercise {set_id}")
        items = dict(cur.execute("""SELECT a.external_id, ci.application_id FROM calibration_items AS ci
                                    JOIN applications AS a USING (application_id) WHERE ci.set_id = ?""",
                                 [set_id]).fetchall())
        parsed, problems = rules.parse_reference_rows(rows, items)
        if problems:
            raise DatabaseError("; ".join(problems))
        now = datetime.now()
        for row in parsed:
            cur.execute("DELETE FROM calibration_references WHERE set_id = ? AND application_id = ? AND stage_id = ? "
                        "AND dimension_id = ?", [set_id, row.application_id, stage[0], row.dimension_id])
            cur.execute("""INSERT INTO calibration_references (set_id, application_id, stage_id, dimension_id, rating,
                                                               not_assessed_reason, entered_by, entered_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                        [set_id, row.application_id, stage[0], row.dimension_id, row.rating, row.reason,
                         actor.account_id, now])
        audit(cur, actor.account_id, "set_references", "calibration_set", set_id,
              after={"references": [[r.application_id, r.dimension_id, r.rating] for r in parsed],
                     "not_assessed": {f"{r.application_id}/{r.dimension_id}": r.reason for r in parsed
                                      if r.rating is None}})
        return len(parsed)

    return db.write(write)


def exercise_accuracy(db: Database, actor: Account, set_id: int) -> pd.DataFrame:
    """Every reviewer's accuracy against the exercise's references
    (:func:`scoring.agency.certification.accuracy`), with ``reviewer`` (a name); empty without references."""
    authorize(db, actor, "read_calibration")
    refs = db.frame("SELECT application_id, dimension_id, rating FROM calibration_references WHERE set_id = ?",
                    [set_id])
    given = db.frame(f"SELECT * FROM ({_RATINGS_OF_REFERENCES}) AS r WHERE r.set_id = ?", [set_id])
    result = rules.accuracy(given, refs)
    names = db.frame("SELECT account_id AS reviewer_id, display_name AS reviewer FROM accounts")
    return result.merge(names, on="reviewer_id", how="left")


def _standing(cur: duckdb.DuckDBPyConnection, reviewer_id: int) -> Certification:
    bar = _bar(cur)
    if bar is None:
        return Certification(None)
    sets = cur.execute(f"""SELECT set_id, name, created_at FROM calibration_sets
                           WHERE set_id IN ({_SETS_WITH_REFERENCES})""").df()
    given = cur.execute(f"SELECT * FROM ({_RATINGS_OF_REFERENCES}) AS r WHERE r.reviewer_id = ?", [reviewer_id]).df()
    refs = cur.execute("SELECT set_id, application_id, dimension_id, rating FROM calibration_references").df()
    results = []
    for set_id, mine in given.groupby("set_id"):
        overall = rules.accuracy(mine, refs[refs["set_id"] == set_id])
        overall = overall[overall["dimension_id"] == rules.ALL_DIMENSIONS]
        if not overall.empty:
            results.append({"set_id": set_id, **overall.iloc[0][["rated", "kappa", "mad"]].to_dict()})
    results_frame = pd.DataFrame(results, columns=["set_id", "rated", "kappa", "mad"]).merge(sets, on="set_id")
    pending = cur.execute(f"""
        SELECT cset.name, cset.created_at, count(*) AS awaited
        FROM assignments AS x
        JOIN calibration_items AS ci ON ci.application_id = x.application_id AND ci.stage_id = x.stage_id
        JOIN calibration_sets AS cset ON cset.set_id = ci.set_id
        WHERE x.reviewer_id = ? AND ci.set_id IN ({_SETS_WITH_REFERENCES})
          AND x.stage_id IN ({', '.join(str(int(s)) for s in SCORED_STAGES)})
          AND NOT EXISTS (SELECT 1 FROM scorecards AS sc WHERE sc.application_id = x.application_id
                          AND sc.stage_id = x.stage_id AND sc.reviewer_id = x.reviewer_id
                          AND sc.status = 'submitted')
        GROUP BY cset.set_id, cset.name, cset.created_at""", [reviewer_id]).df()
    return rules.certification(results_frame, pending, bar)


def standing(db: Database, actor: Account) -> Certification:
    """The acting reviewer's own standing against the bar (``write_scores``)."""
    authorize(db, actor, "write_scores")
    with db.cursor() as cur:
        return _standing(cur, actor.account_id)


def is_exercise_item(cur: duckdb.DuckDBPyConnection, application_id: int, stage_id: int) -> bool:
    """Whether this application and stage is an item of some calibration exercise."""
    return cur.execute("SELECT 1 FROM calibration_items WHERE application_id = ? AND stage_id = ?",
                       [application_id, stage_id]).fetchone() is not None


def live_work_refusal(cur: duckdb.DuckDBPyConnection, reviewer_id: int, application_id: int,
                      stage_id: int) -> str | None:
    """Why the reviewer may not score this live work now, in words; None when they may.

    Only scored stages are held, and never an exercise's item; with no bar set nothing is.
    """
    if stage_id not in SCORED_STAGES or is_exercise_item(cur, application_id, stage_id):
        return None
    status = _standing(cur, reviewer_id)
    if status.may_score_live:
        return None
    return rules.held_message(status, 0)
