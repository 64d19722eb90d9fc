"""Score entry: a reviewer's queue, drafts, submission, amendment, blind peer review, adjudication.

Every function takes the acting account and refuses what its role or assignment does not allow.
A submitted scorecard is never edited in place: an amendment adds the next revision and keeps the
earlier one as 'superseded'. Every write appends to the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import duckdb
import pandas as pd

from scoring.access import Account, PermissionDenied, require
from scoring.rubric import DIMENSION_CODES, validate_scorecard
from scoring.store.db import Database, DatabaseError, audit, is_constraint_violation, next_id, storable_text

SCORED_STAGES = (2, 3)
FINAL_DECISIONS = ("advance", "reject", "hold")


def queue(db: Database, actor: Account, as_of: date) -> pd.DataFrame:
    """The reviewer's assigned work not yet submitted, oldest first, with what is overdue."""
    require(actor, "write_scores")
    return db.frame("""
        SELECT x.application_id, x.stage_id, st.name AS stage, c.candidate_id, c.full_name AS candidate,
               c.external_id AS candidate_ref, s.role_title, cl.name AS client, x.assigned_on, x.due_on,
               x.due_on < ? AS overdue, coalesce(sc.status = 'draft', false) AS has_draft
        FROM assignments AS x
        JOIN stages AS st USING (stage_id)
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        JOIN searches AS s USING (search_id)
        JOIN clients AS cl USING (client_id)
        JOIN stage_decisions AS d ON d.application_id = x.application_id AND d.stage_id = x.stage_id
        LEFT JOIN scorecards AS sc ON sc.application_id = x.application_id AND sc.stage_id = x.stage_id
             AND sc.reviewer_id = x.reviewer_id AND sc.status <> 'superseded'
        WHERE x.reviewer_id = ? AND coalesce(sc.status, 'draft') = 'draft'
          AND (x.stage_id <> 1 OR d.decision IS NULL)
        ORDER BY x.assigned_on, x.application_id, x.stage_id""", [as_of, actor.account_id])


def submitted(db: Database, actor: Account, limit: int = 50) -> pd.DataFrame:
    """The reviewer's own current submitted scorecards, newest first: what they may amend."""
    require(actor, "write_scores")
    return db.frame("""
        SELECT sc.application_id, sc.stage_id, st.name AS stage, c.full_name AS candidate, sc.revision,
               sc.submitted_at
        FROM scorecards AS sc
        JOIN stages AS st USING (stage_id)
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        WHERE sc.reviewer_id = ? AND sc.status = 'submitted'
        ORDER BY sc.submitted_at DESC LIMIT ?""", [actor.account_id, limit])


def _assert_assigned(cur: duckdb.DuckDBPyConnection, actor: Account, application_id: int, stage_id: int) -> None:
    require(actor, "write_scores")
    if stage_id not in SCORED_STAGES:
        raise DatabaseError(f"stage_id: stage {stage_id} has no scorecard; scored stages are {SCORED_STAGES}")
    assigned = cur.execute("SELECT 1 FROM assignments WHERE application_id = ? AND stage_id = ? AND reviewer_id = ?",
                           [application_id, stage_id, actor.account_id]).fetchone()
    if not assigned:
        raise PermissionDenied(f"application {application_id} at stage {stage_id} is not assigned to {actor.email}")


def _current_card(cur: duckdb.DuckDBPyConnection, reviewer_id: int, application_id: int, stage_id: int):
    return cur.execute("""
        SELECT scorecard_id, status, revision FROM scorecards
        WHERE application_id = ? AND stage_id = ? AND reviewer_id = ? AND status <> 'superseded'""",
                       [application_id, stage_id, reviewer_id]).fetchone()


def own_card(db: Database, actor: Account, application_id: int, stage_id: int) -> dict:
    """The reviewer's own current scorecard: status, revision, ratings and notes by dimension code."""
    with db.cursor() as cur:
        _assert_assigned(cur, actor, application_id, stage_id)
        card = _current_card(cur, actor.account_id, application_id, stage_id)
        if card is None:
            return {"status": None, "revision": 0, "ratings": {}, "notes": {}}
        rows = cur.execute("""SELECT dm.code, s.rating, s.note FROM scores AS s JOIN dimensions AS dm USING (dimension_id)
                              WHERE s.scorecard_id = ?""", [card[0]]).fetchall()
    return {"status": card[1], "revision": card[2], "ratings": {code: int(r) for code, r, _ in rows},
            "notes": {code: note for code, _, note in rows}}


def _clean(ratings: Mapping[str, int | None], notes: Mapping[str, str]) -> tuple[dict, dict]:
    unknown = sorted(set(ratings) - set(DIMENSION_CODES))
    if unknown:
        raise DatabaseError(f"dimension: unknown {unknown}; valid: {list(DIMENSION_CODES)}")
    kept = {code: value for code, value in ratings.items() if value is not None}
    for code, value in kept.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise DatabaseError(f"{code}: rating must be a whole number from 1 to 5, got {value!r}")
    return kept, {code: storable_text(f"note on {code}", str(notes.get(code) or "")) for code in kept}


def _write_ratings(cur: duckdb.DuckDBPyConnection, scorecard_id: int, ratings: dict, notes: dict) -> None:
    cur.execute("DELETE FROM scores WHERE scorecard_id = ?", [scorecard_id])
    for position, code in enumerate(DIMENSION_CODES, start=1):
        if code in ratings:
            cur.execute("INSERT INTO scores (scorecard_id, dimension_id, rating, note) VALUES (?, ?, ?, ?)",
                        [scorecard_id, position, ratings[code], notes[code]])


def _new_card(cur, actor: Account, application_id: int, stage_id: int, status: str, revision: int,
              reason: str | None, now: datetime) -> int:
    scorecard_id = next_id(cur, "scorecard_ids")
    cur.execute("""
        INSERT INTO scorecards (scorecard_id, application_id, stage_id, reviewer_id, revision, status, created_at,
                                submitted_at, amendment_reason)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [scorecard_id, application_id, stage_id, actor.account_id, revision, status, now,
         now if status == "submitted" else None, reason])
    return scorecard_id


def _unsubmitted_card(cur, actor: Account, application_id: int, stage_id: int):
    """The reviewer's draft (or None); refuses when the scorecard was already submitted."""
    _assert_assigned(cur, actor, application_id, stage_id)
    card = _current_card(cur, actor.account_id, application_id, stage_id)
    if card is not None and card[1] == "submitted":
        raise DatabaseError(f"scorecard for application {application_id} at stage {stage_id} was already "
                            "submitted; change it with an amendment")
    return card


def save_draft(db: Database, actor: Account, application_id: int, stage_id: int,
               ratings: Mapping[str, int | None], notes: Mapping[str, str]) -> int:
    """Save a partial or complete scorecard as a draft only its author can see. Returns its id."""
    kept, kept_notes = _clean(ratings, notes)

    def write(cur) -> int:
        now = datetime.now()
        card = _unsubmitted_card(cur, actor, application_id, stage_id)
        scorecard_id = card[0] if card else _new_card(cur, actor, application_id, stage_id, "draft", 1, None, now)
        _write_ratings(cur, scorecard_id, kept, kept_notes)
        audit(cur, actor.account_id, "save_draft", "scorecard", scorecard_id, after={"ratings": kept})
        return scorecard_id

    return db.write(write)


def _require_complete(ratings: Mapping[str, int | None], notes: Mapping[str, str]) -> None:
    problems = validate_scorecard(ratings, notes)
    if problems:
        raise DatabaseError("; ".join(problems))


def submit(db: Database, actor: Account, application_id: int, stage_id: int,
           ratings: Mapping[str, int | None], notes: Mapping[str, str]) -> int:
    """Submit a complete scorecard (every dimension, a note for each 1 or 5). Only once.

    Raises
    ------
    DatabaseError
        A missing dimension, a rating out of range, a missing note, or a second submission.
    PermissionDenied
        The application and stage are not assigned to the acting reviewer.
    """
    _require_complete(ratings, notes)
    kept, kept_notes = _clean(ratings, notes)

    def write(cur) -> int:
        now = datetime.now()
        card = _unsubmitted_card(cur, actor, application_id, stage_id)
        if card is None:
            try:
                scorecard_id = _new_card(cur, actor, application_id, stage_id, "submitted", 1, None, now)
            except duckdb.Error as clash:    # a concurrent submission won the race
                if not is_constraint_violation(clash):
                    raise
                raise DatabaseError(f"scorecard for application {application_id} at stage {stage_id} was "
                                    "already submitted") from clash
        else:
            scorecard_id = card[0]
            cur.execute("UPDATE scorecards SET status = 'submitted', submitted_at = ? WHERE scorecard_id = ?",
                        [now, scorecard_id])
        _write_ratings(cur, scorecard_id, kept, kept_notes)
        audit(cur, actor.account_id, "submit", "scorecard", scorecard_id,
              after={"application_id": application_id, "stage_id": stage_id, "ratings": kept, "notes": kept_notes})
        return scorecard_id

    return db.write(write)


def amend(db: Database, actor: Account, application_id: int, stage_id: int, ratings: Mapping[str, int | None],
          notes: Mapping[str, str], reason: str) -> int:
    """Replace one's own submitted scorecard by a new revision; the earlier one is kept, superseded."""
    if not reason or not reason.strip():
        raise DatabaseError("reason: an amendment needs a reason")
    storable_text("reason", reason)
    _require_complete(ratings, notes)
    kept, kept_notes = _clean(ratings, notes)

    def write(cur) -> int:
        _assert_assigned(cur, actor, application_id, stage_id)
        card = _current_card(cur, actor.account_id, application_id, stage_id)
        if card is None or card[1] != "submitted":
            raise DatabaseError("only a submitted scorecard can be amended; submit it first")
        before = dict(cur.execute("""SELECT dm.code, s.rating FROM scores AS s JOIN dimensions AS dm
                                     USING (dimension_id) WHERE scorecard_id = ?""", [card[0]]).fetchall())
        cur.execute("UPDATE scorecards SET status = 'superseded' WHERE scorecard_id = ?", [card[0]])
        scorecard_id = _new_card(cur, actor, application_id, stage_id, "submitted", card[2] + 1,
                                 reason.strip(), datetime.now())
        _write_ratings(cur, scorecard_id, kept, kept_notes)
        audit(cur, actor.account_id, "amend", "scorecard", scorecard_id,
              before={"scorecard_id": card[0], "ratings": before},
              after={"ratings": kept, "notes": kept_notes, "reason": reason.strip()})
        return scorecard_id

    return db.write(write)


def peer_ratings(db: Database, actor: Account, application_id: int, stage_id: int) -> pd.DataFrame:
    """Every reviewer's submitted ratings for this application and stage: only after one's own.

    Blind review: until the acting reviewer has submitted, the others' scores stay hidden.
    """
    with db.cursor() as cur:
        _assert_assigned(cur, actor, application_id, stage_id)
        card = _current_card(cur, actor.account_id, application_id, stage_id)
    if card is None or card[1] != "submitted":
        raise PermissionDenied("submit your own scorecard first: the others' scores stay hidden until then")
    return db.frame("""
        SELECT acc.display_name AS reviewer, cs.reviewer_id, dm.code AS dimension, cs.rating, cs.note
        FROM current_scores AS cs
        JOIN accounts AS acc ON acc.account_id = cs.reviewer_id
        JOIN dimensions AS dm USING (dimension_id)
        WHERE cs.application_id = ? AND cs.stage_id = ?
        ORDER BY reviewer, dm.dimension_id""", [application_id, stage_id])


def record_final_decision(db: Database, actor: Account, application_id: int, decision: str, reason: str) -> None:
    """A hiring lead's adjudicated decision on an application; reviewers' scores stay untouched."""
    require(actor, "adjudicate")
    if decision not in FINAL_DECISIONS:
        raise DatabaseError(f"decision: {decision!r} is not one of {', '.join(FINAL_DECISIONS)}")
    if not reason or not reason.strip():
        raise DatabaseError("reason: an adjudicated decision needs a reason")
    storable_text("reason", reason)

    def write(cur) -> None:
        if not cur.execute("SELECT 1 FROM applications WHERE application_id = ?", [application_id]).fetchone():
            raise DatabaseError(f"application_id: no application {application_id}")
        before = cur.execute("SELECT decision, reason FROM final_decisions WHERE application_id = ?",
                             [application_id]).fetchone()
        cur.execute("DELETE FROM final_decisions WHERE application_id = ?", [application_id])
        cur.execute("INSERT INTO final_decisions VALUES (?, ?, ?, ?, ?)",
                    [application_id, decision, reason.strip(), actor.account_id, datetime.now()])
        audit(cur, actor.account_id, "adjudicate", "application", application_id,
              before=None if before is None else {"decision": before[0], "reason": before[1]},
              after={"decision": decision, "reason": reason.strip()})

    db.write(write)
