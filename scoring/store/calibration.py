"""Calibration reads and the one calibration write: ratings for agreement and severity, exercises.

Live scoring and calibration exercises are kept apart here. A rating belongs to an exercise when its
application and stage are an item of a calibration set and it was submitted after the set was
created; the live reads leave those ratings out, the exercise reads take every current rating of the
set's items (a reviewer who had already scored an item in live work cannot score it again, so that
earlier rating is their rating of the item).

Every read requires ``read_calibration``; :func:`create_exercise` and the list of reference
applications require ``manage_calibration``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from scoring.agency.access import Account
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit, next_id, storable_text

SCORED_STAGES: tuple[int, ...] = (2, 3)
DIMENSION_IDS: tuple[int, ...] = (1, 2, 3, 4, 5)

#: Which date puts a rating into a month: key -> (SQL expression, label shown on the page).
PERIOD_BASES: dict[str, tuple[str, str]] = {
    "submitted": ("cs.submitted_at", "month the scorecard was submitted"),
    "entered": ("d.entered_on", "month the application entered the stage"),
}

#: Days a reviewer has to score the items of a calibration exercise (agency policy).
EXERCISE_DUE_DAYS = 14

# A rating made for a calibration exercise: on an item of a set, submitted once the set existed.
_EXERCISE_RATING = """EXISTS (
    SELECT 1 FROM calibration_items AS ci JOIN calibration_sets AS cset USING (set_id)
    WHERE ci.application_id = cs.application_id AND ci.stage_id = cs.stage_id
      AND cs.submitted_at >= cset.created_at)"""


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _as_date(value: object) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


@dataclass(frozen=True)
class CalibrationFilter:
    """Which live ratings a calibration figure covers.

    Attributes
    ----------
    stage_id : int
        2 (production incident interview) or 3 (take-home assessment).
    dimension_ids : tuple of int
        Dimensions to include; empty means all five.
    first_month, last_month : date or None
        Inclusive month range (any day of the month); None leaves that end open.
    basis : {"submitted", "entered"}
        Whether the month is that of the scorecard's submission or of the application's entry
        into the stage.
    """

    stage_id: int = 3
    dimension_ids: tuple[int, ...] = ()
    first_month: date | None = None
    last_month: date | None = None
    basis: str = "submitted"

    def __post_init__(self) -> None:
        if self.stage_id not in SCORED_STAGES:
            raise ValueError(f"stage_id must be one of {SCORED_STAGES}; got {self.stage_id!r}")
        unknown = sorted(set(self.dimension_ids) - set(DIMENSION_IDS))
        if unknown:
            raise ValueError(f"unknown dimension id(s) {unknown}; valid: {list(DIMENSION_IDS)}")
        if self.basis not in PERIOD_BASES:
            raise ValueError(f"unknown period basis {self.basis!r}; valid: {', '.join(PERIOD_BASES)}")
        if self.first_month and self.last_month and _month_start(self.first_month) > _month_start(self.last_month):
            raise ValueError(f"first_month {self.first_month} is after last_month {self.last_month}")

    @property
    def dimensions(self) -> tuple[int, ...]:
        """The chosen dimension ids in scorecard order (all five when none was chosen)."""
        return tuple(d for d in DIMENSION_IDS if not self.dimension_ids or d in self.dimension_ids)

    def where(self) -> tuple[str, list]:
        """A SQL condition on ``current_scores AS cs`` joined to ``stage_decisions AS d``."""
        column = PERIOD_BASES[self.basis][0]
        clauses = ["cs.stage_id = ?", "cs.dimension_id IN (SELECT unnest(?::TINYINT[]))"]
        params: list = [self.stage_id, list(self.dimensions)]
        if self.first_month is not None:
            clauses.append(f"{column} >= ?")
            params.append(_month_start(self.first_month))
        if self.last_month is not None:
            clauses.append(f"{column} < ?")
            params.append(_next_month(self.last_month))
        clauses.append(f"NOT {_EXERCISE_RATING}")
        return " AND ".join(clauses), params


def _live(chosen: CalibrationFilter) -> tuple[str, list]:
    """The filtered live ratings as a SELECT, with the month each one falls in."""
    where, params = chosen.where()
    month = PERIOD_BASES[chosen.basis][0]
    return f"""
        SELECT cs.application_id, cs.reviewer_id, cs.dimension_id, cs.rating, cs.submitted_at,
               date_trunc('month', {month})::DATE AS month
        FROM current_scores AS cs
        LEFT JOIN stage_decisions AS d ON d.application_id = cs.application_id AND d.stage_id = cs.stage_id
        WHERE {where}""", params


def dimensions(db: Database, actor: Account) -> pd.DataFrame:
    """The five scorecard dimensions: ``dimension_id``, ``code``, ``name``."""
    authorize(db, actor, "read_calibration")
    return db.frame("SELECT dimension_id, code, name FROM dimensions ORDER BY dimension_id")


def filter_options(db: Database, actor: Account) -> dict[str, object]:
    """The months that hold live ratings (first, last) and the dimensions, for the filter widgets."""
    authorize(db, actor, "read_calibration")
    span = db.frame("""
        WITH dated AS (
            SELECT cs.submitted_at::DATE AS submitted, coalesce(d.entered_on, cs.submitted_at::DATE) AS entered
            FROM current_scores AS cs
            LEFT JOIN stage_decisions AS d ON d.application_id = cs.application_id AND d.stage_id = cs.stage_id
        )
        SELECT date_trunc('month', min(least(submitted, entered)))::DATE AS first,
               date_trunc('month', max(greatest(submitted, entered)))::DATE AS last
        FROM dated""").iloc[0]
    return {"first": _as_date(span["first"]), "last": _as_date(span["last"]), "dimensions": dimensions(db, actor)}


def live_ratings(db: Database, actor: Account, chosen: CalibrationFilter) -> pd.DataFrame:
    """The filtered live ratings, one row per reviewer, application and dimension.

    Sorted by application, dimension and submission time, so the ratings of one application and
    dimension come in the order they were given. Columns: ``application_id``, ``reviewer_id``,
    ``dimension_id``, ``rating`` (1-5), ``submitted_at``, ``month`` (first day of the month of the
    chosen basis).
    """
    authorize(db, actor, "read_calibration")
    sql, params = _live(chosen)
    frame = db.frame(f"{sql} ORDER BY cs.application_id, cs.dimension_id, cs.submitted_at, cs.reviewer_id", params)
    return frame.astype({"application_id": "int64", "reviewer_id": "int64", "dimension_id": "int64",
                         "rating": "int64"})


def rating_pairs(db: Database, actor: Account, chosen: CalibrationFilter) -> pd.DataFrame:
    """Every pair of reviewers' ratings of the same application and dimension, counted.

    One row per (``reviewer_a`` < ``reviewer_b``, ``rating_a``, ``rating_b``) with ``pairs``, the
    number of (application, dimension) ratings the two gave those values: the contingency tables
    of all reviewer pairs at once.
    """
    authorize(db, actor, "read_calibration")
    sql, params = _live(chosen)
    return db.frame(f"""
        WITH live AS ({sql})
        SELECT a.reviewer_id AS reviewer_a, b.reviewer_id AS reviewer_b,
               a.rating AS rating_a, b.rating AS rating_b, count(*) AS pairs
        FROM live AS a
        JOIN live AS b ON a.application_id = b.application_id AND a.dimension_id = b.dimension_id
                      AND a.reviewer_id < b.reviewer_id
        GROUP BY ALL
        ORDER BY reviewer_a, reviewer_b, rating_a, rating_b""", params)


def reviewers(db: Database, actor: Account) -> pd.DataFrame:
    """Every reviewer account and anyone else who has scored: id, display name, active."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT account_id AS reviewer_id, display_name, active
        FROM accounts
        WHERE role = 'reviewer' OR account_id IN (SELECT DISTINCT reviewer_id FROM scorecards)
        ORDER BY account_id""")


def newest_weights(db: Database, actor: Account) -> pd.DataFrame:
    """The weights of the newest weight version: ``version_id``, ``effective_from``,
    ``dimension_id``, ``weight_pct`` (percent)."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT v.version_id, v.effective_from, w.dimension_id, w.weight_pct::DOUBLE AS weight_pct
        FROM weight_versions AS v JOIN dimension_weights AS w USING (version_id)
        WHERE v.effective_from = (SELECT max(effective_from) FROM weight_versions
                                  WHERE version_id IN (SELECT version_id FROM dimension_weights))
        ORDER BY w.dimension_id""")   # a version without weights is being withdrawn (store.weights)


def application_labels(db: Database, actor: Account, application_ids: Sequence[int]) -> pd.DataFrame:
    """Application and candidate references for a few applications (e.g. the top rank movers)."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT a.application_id, a.external_id AS application, c.external_id AS candidate_ref,
               c.full_name AS candidate, s.external_id AS search
        FROM applications AS a
        JOIN candidates AS c USING (candidate_id)
        JOIN searches AS s USING (search_id)
        WHERE a.application_id IN (SELECT unnest(?::INTEGER[]))
        ORDER BY a.application_id""", [[int(i) for i in application_ids]])


# ------------------------------------------------------------------------------------------------
# Calibration exercises
# ------------------------------------------------------------------------------------------------


def exercises(db: Database, actor: Account) -> pd.DataFrame:
    """Every calibration set, newest first, with its stage, size and how far the scoring got.

    ``submitted`` counts the reviewer-item scorecards that are submitted; ``expected`` the items
    times the reviewers who were assigned them.
    """
    authorize(db, actor, "read_calibration")
    return db.frame("""
        WITH items AS (
            SELECT set_id, min(stage_id) AS stage_id, count(*) AS items FROM calibration_items GROUP BY set_id
        ), expected AS (
            SELECT ci.set_id, count(*) AS expected
            FROM calibration_items AS ci
            JOIN assignments AS x ON x.application_id = ci.application_id AND x.stage_id = ci.stage_id
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
               coalesce(sub.submitted, 0) AS submitted
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
    ``dimension_id``, ``rating``, ``submitted_at``."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT cs.application_id, cs.reviewer_id, cs.dimension_id, cs.rating, cs.submitted_at
        FROM current_scores AS cs
        JOIN calibration_items AS ci ON ci.application_id = cs.application_id AND ci.stage_id = cs.stage_id
        WHERE ci.set_id = ?
        ORDER BY cs.application_id, cs.dimension_id, cs.submitted_at, cs.reviewer_id""",
        [set_id]).astype({"application_id": "int64", "reviewer_id": "int64", "dimension_id": "int64",
                          "rating": "int64"})


def exercise_progress(db: Database, actor: Account, set_id: int) -> pd.DataFrame:
    """Per reviewer assigned to the set's items: items assigned and scorecards submitted."""
    authorize(db, actor, "read_calibration")
    return db.frame("""
        SELECT x.reviewer_id, acc.display_name, acc.active, count(*) AS assigned,
               count(sc.scorecard_id) AS submitted
        FROM calibration_items AS ci
        JOIN assignments AS x ON x.application_id = ci.application_id AND x.stage_id = ci.stage_id
        JOIN accounts AS acc ON acc.account_id = x.reviewer_id
        LEFT JOIN scorecards AS sc ON sc.application_id = x.application_id AND sc.stage_id = x.stage_id
             AND sc.reviewer_id = x.reviewer_id AND sc.status = 'submitted'
        WHERE ci.set_id = ?
        GROUP BY ALL
        ORDER BY submitted DESC, acc.display_name""", [set_id])


def reference_applications(db: Database, actor: Account, stage_id: int) -> pd.DataFrame:
    """Applications fit to be a calibration reference at ``stage_id``, most recent first.

    Fit means: at least two reviewers submitted a complete scorecard (all five dimensions) at
    that stage, and the application is not yet an item of a set at that stage.
    """
    authorize(db, actor, "manage_calibration")
    if stage_id not in SCORED_STAGES:
        raise DatabaseError(f"stage_id: stage {stage_id} has no scorecard; scored stages are {SCORED_STAGES}")
    return db.frame("""
        WITH complete AS (
            SELECT application_id, scorecard_id
            FROM current_scores WHERE stage_id = ?
            GROUP BY application_id, scorecard_id
            HAVING count(DISTINCT dimension_id) = 5
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
        raise DatabaseError(f"stage_id: stage {stage_id} has no scorecard; scored stages are {SCORED_STAGES}")
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
        before = cur.execute("SELECT count(*) FROM assignments WHERE stage_id = ? "
                             "AND application_id IN (SELECT unnest(?::INTEGER[]))", [stage_id, ids]).fetchone()[0]
        cur.execute("""
            INSERT INTO assignments (application_id, stage_id, reviewer_id, assigned_on, due_on)
            SELECT item.application_id, ?, reviewer.account_id, ?, ?
            FROM (SELECT unnest(?::INTEGER[]) AS application_id) AS item
            CROSS JOIN (SELECT unnest(?::INTEGER[]) AS account_id) AS reviewer
            ON CONFLICT DO NOTHING""",
            [stage_id, today, today + timedelta(days=EXERCISE_DUE_DAYS), ids, reviewer_ids])
        after = cur.execute("SELECT count(*) FROM assignments WHERE stage_id = ? "
                            "AND application_id IN (SELECT unnest(?::INTEGER[]))", [stage_id, ids]).fetchone()[0]
        audit(cur, actor.account_id, "create", "calibration_set", set_id,
              after={"name": clean_name, "stage_id": stage_id, "application_ids": ids,
                     "reviewers": len(reviewer_ids), "new_assignments": int(after - before),
                     "due_on": today + timedelta(days=EXERCISE_DUE_DAYS)})
        return set_id

    return db.write(write)
