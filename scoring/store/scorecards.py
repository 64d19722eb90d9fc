"""Score entry: a reviewer's queue, drafts, submission, amendment, blind peer review, adjudication.

Every function takes the acting account and refuses what its role or assignment does not allow.
A submitted scorecard is never edited in place: an amendment adds the next revision and keeps the
earlier one as 'superseded'. Every write appends to the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import NamedTuple

import duckdb
import pandas as pd

from scoring.agency.access import Account, PermissionDenied, require
from scoring.agency.certification import held_message
from scoring.agency.rubric import validate_scorecard
from scoring.domain.dimensions import DIMENSION_CODES
from scoring.domain.stages import SCORED_STAGES, Stage
from scoring.store import certification
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit, is_constraint_violation, next_id, storable_text

_SCORED_IDS = tuple(map(int, SCORED_STAGES))
FINAL_DECISIONS = ("advance", "reject", "hold")


class CardChanged(DatabaseError):
    """The scorecard changed after the person opened it (an amendment saved in another window or on
    another server); nothing was written. The person reloads it and starts from the new revision."""


def queue(db: Database, actor: Account, as_of: date) -> pd.DataFrame:
    """The reviewer's assigned work not yet submitted, oldest first, with what is overdue.

    ``is_exercise`` marks the items of calibration exercises. While an admin requires a passing accuracy
    against reference ratings that the reviewer has not shown (:mod:`scoring.store.certification`), live
    work at the scored stages is left out: :func:`held_notice` says why and what to do.
    """
    authorize(db, actor, "write_scores")
    rows = _queue_rows(db, actor, as_of)
    if certification.standing(db, actor).may_score_live:
        return rows
    return rows[~_held(rows)].reset_index(drop=True)


def held_notice(db: Database, actor: Account, as_of: date) -> str:
    """Why live candidates are missing from the reviewer's queue and what to do, in words; "" when none is held."""
    authorize(db, actor, "write_scores")
    status = certification.standing(db, actor)
    if status.may_score_live:
        return ""
    return held_message(status, int(_held(_queue_rows(db, actor, as_of)).sum()))


def _held(rows: pd.DataFrame) -> pd.Series:
    """Which queued rows are live work at a scored stage: what an uncertified reviewer is not offered."""
    return rows["stage_id"].isin(_SCORED_IDS) & ~rows["is_exercise"].astype(bool)


def _queue_rows(db: Database, actor: Account, as_of: date) -> pd.DataFrame:
    return db.frame(f"""
        SELECT x.application_id, x.stage_id, st.name AS stage, c.candidate_id, c.full_name AS candidate,
               c.external_id AS candidate_ref, s.role_title, cl.name AS client, x.assigned_on, x.due_on,
               x.due_on < ? AS overdue, coalesce(sc.status = 'draft', false) AS has_draft,
               EXISTS (SELECT 1 FROM calibration_items AS ci WHERE ci.application_id = x.application_id
                       AND ci.stage_id = x.stage_id) AS is_exercise
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
          AND (x.stage_id <> {Stage.TOOLING_AUDIT:d} OR d.decision IS NULL)
        ORDER BY x.assigned_on, x.application_id, x.stage_id""", [as_of, actor.account_id])


def submitted(db: Database, actor: Account, limit: int = 50) -> pd.DataFrame:
    """The reviewer's own current submitted scorecards, newest first: what they may amend."""
    authorize(db, actor, "write_scores")
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
        raise DatabaseError(f"stage_id: stage {stage_id} has no scorecard; scored stages are {_SCORED_IDS}")
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
    """The reviewer's own current scorecard: status, revision, and by dimension code the ratings,
    the notes and the reasons of the dimensions marked not assessed (``not_assessed``)."""
    authorize(db, actor, "write_scores")
    with db.cursor() as cur:
        _assert_assigned(cur, actor, application_id, stage_id)
        card = _current_card(cur, actor.account_id, application_id, stage_id)
        if card is None:
            return {"status": None, "revision": 0, "ratings": {}, "notes": {}, "not_assessed": {}}
        rows = cur.execute("""SELECT dm.code, s.rating, s.note, s.not_assessed_reason
                              FROM scores AS s JOIN dimensions AS dm USING (dimension_id)
                              WHERE s.scorecard_id = ?""", [card[0]]).fetchall()
    return {"status": card[1], "revision": card[2],
            "ratings": {code: int(r) for code, r, _, _ in rows if r is not None},
            "notes": {code: note for code, _, note, _ in rows},
            "not_assessed": {code: why for code, r, _, why in rows if r is None}}


class _Card(NamedTuple):
    """A scorecard's rows as they will be stored: ratings, notes and not-assessed reasons by code."""

    ratings: dict[str, int]
    notes: dict[str, str]
    not_assessed: dict[str, str]


def _clean(ratings: Mapping[str, int | None], notes: Mapping[str, str],
           not_assessed: Mapping[str, str] | None) -> _Card:
    skipped = dict(not_assessed or {})
    unknown = sorted((set(ratings) | set(skipped)) - set(DIMENSION_CODES))
    if unknown:
        raise DatabaseError(f"dimension: unknown {unknown}; valid: {list(DIMENSION_CODES)}")
    kept = {code: value for code, value in ratings.items() if value is not None}
    for code, value in kept.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise DatabaseError(f"{code}: rating must be a whole number from 1 to 5, got {value!r}")
    reasons = {}
    for code, reason in skipped.items():
        if code in kept:
            raise DatabaseError(f"{code}: marked not assessed but also rated {kept[code]}; "
                                "give a rating or mark it not assessed, not both")
        text = str(reason or "").strip()
        if not text:
            raise DatabaseError(f"{code}: marked not assessed without a reason; say why it could not be judged")
        reasons[code] = storable_text(f"reason {code} was not assessed", text)
    written = [code for code in DIMENSION_CODES if code in kept or code in reasons]
    return _Card(kept, {code: storable_text(f"note on {code}", str(notes.get(code) or "")) for code in written},
                 reasons)


def _write_ratings(cur: duckdb.DuckDBPyConnection, scorecard_id: int, card: _Card) -> None:
    cur.execute("DELETE FROM scores WHERE scorecard_id = ?", [scorecard_id])
    for position, code in enumerate(DIMENSION_CODES, start=1):
        if code in card.ratings or code in card.not_assessed:
            cur.execute("INSERT INTO scores (scorecard_id, dimension_id, rating, note, not_assessed_reason) "
                        "VALUES (?, ?, ?, ?, ?)", [scorecard_id, position, card.ratings.get(code),
                                                   card.notes[code], card.not_assessed.get(code)])


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
    """The reviewer's draft (or None); refuses when the scorecard was already submitted, and live work
    while the reviewer has not met the passing bar (:func:`scoring.store.certification.live_work_refusal`)."""
    _assert_assigned(cur, actor, application_id, stage_id)
    held = certification.live_work_refusal(cur, actor.account_id, application_id, stage_id)
    if held:
        raise PermissionDenied(held)
    card = _current_card(cur, actor.account_id, application_id, stage_id)
    if card is not None and card[1] == "submitted":
        raise DatabaseError(f"scorecard for application {application_id} at stage {stage_id} was already "
                            "submitted; change it with an amendment")
    return card


def save_draft(db: Database, actor: Account, application_id: int, stage_id: int,
               ratings: Mapping[str, int | None], notes: Mapping[str, str],
               not_assessed: Mapping[str, str] | None = None) -> int:
    """Save a partial or complete scorecard as a draft only its author can see. Returns its id.

    ``not_assessed`` maps the dimensions the reviewer marked not assessed to the reason; the draft
    keeps the marks and reasons (a mark needs its reason even in a draft).
    """
    authorize(db, actor, "write_scores")
    kept = _clean(ratings, notes, not_assessed)

    def write(cur) -> int:
        now = datetime.now()
        card = _unsubmitted_card(cur, actor, application_id, stage_id)
        scorecard_id = card[0] if card else _new_card(cur, actor, application_id, stage_id, "draft", 1, None, now)
        _write_ratings(cur, scorecard_id, kept)
        audit(cur, actor.account_id, "save_draft", "scorecard", scorecard_id,
              after={"ratings": kept.ratings, **_skipped(kept)})
        return scorecard_id

    try:
        return db.write(write)
    except duckdb.Error as clash:
        # Saved at the same moment from another window or server: PostgreSQL refuses the second new
        # draft (or its rows) with its own words, which are no message for a person.
        if not is_constraint_violation(clash):
            raise
        raise DatabaseError(f"scorecard for application {application_id} at stage {stage_id} was saved from "
                            "another window or server at the same moment, so this save was not made; reload "
                            "the page to see what was saved, then save again") from clash


def _skipped(card: _Card) -> dict:
    """The audit entry's record of not-assessed dimensions (nothing when there are none)."""
    return {"not_assessed": card.not_assessed} if card.not_assessed else {}


def _require_complete(ratings: Mapping[str, int | None], notes: Mapping[str, str],
                      not_assessed: Mapping[str, str] | None) -> None:
    problems = validate_scorecard(ratings, notes, not_assessed)
    if problems:
        raise DatabaseError("; ".join(problems))


def submit(db: Database, actor: Account, application_id: int, stage_id: int,
           ratings: Mapping[str, int | None], notes: Mapping[str, str],
           not_assessed: Mapping[str, str] | None = None) -> int:
    """Submit a complete scorecard. Only once.

    Complete means every dimension is rated 1-5 (with a note for each 1 or 5) or named in
    ``not_assessed`` (dimension code -> why the stage gave no evidence on it), and at least one
    dimension is rated. A dimension left untouched is refused, naming it.

    Raises
    ------
    DatabaseError
        A missing dimension, a rating out of range, a missing note or reason, or a second submission.
    PermissionDenied
        The application and stage are not assigned to the acting reviewer.
    """
    authorize(db, actor, "write_scores")
    _require_complete(ratings, notes, not_assessed)
    kept = _clean(ratings, notes, not_assessed)

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
        _write_ratings(cur, scorecard_id, kept)
        audit(cur, actor.account_id, "submit", "scorecard", scorecard_id,
              after={"application_id": application_id, "stage_id": stage_id, "ratings": kept.ratings,
                     "notes": kept.notes, **_skipped(kept)})
        return scorecard_id

    return db.write(write)


def amend(db: Database, actor: Account, application_id: int, stage_id: int, ratings: Mapping[str, int | None],
          notes: Mapping[str, str], reason: str, not_assessed: Mapping[str, str] | None = None, *,
          from_revision: int | None = None) -> int:
    """Replace one's own submitted scorecard by a new revision; the earlier one is kept, superseded.

    The new revision must be complete as :func:`submit` requires; ``not_assessed`` as there.

    ``from_revision`` is the revision the person opened and changed: a form passes it. If the card
    has moved on since (an amendment saved in another window or on another server), nothing is
    written and :class:`CardChanged` says so. Without it, the revision current when the call starts
    is the one amended, so of two amendments racing each other one wins and the other is refused in
    the same way, on DuckDB and on PostgreSQL replicas alike.

    Raises
    ------
    CardChanged
        The current revision is not ``from_revision``, or another amendment of the same revision
        was saved while this one was being written.
    """
    authorize(db, actor, "write_scores")
    if not reason or not reason.strip():
        raise DatabaseError("reason: an amendment needs a reason")
    reason = storable_text("reason", reason.strip())
    _require_complete(ratings, notes, not_assessed)
    kept = _clean(ratings, notes, not_assessed)

    # Set by the first attempt when no revision was given: a retry after a conflict is then held to it.
    started = [from_revision]

    def write(cur) -> int:
        _assert_assigned(cur, actor, application_id, stage_id)
        card = _current_card(cur, actor.account_id, application_id, stage_id)
        if card is None or card[1] != "submitted":
            raise DatabaseError("only a submitted scorecard can be amended; submit it first")
        if started[0] is None:
            started[0] = card[2]
        if card[2] != started[0]:
            raise CardChanged(_changed(application_id, stage_id, started[0], f"it is now revision {card[2]}"))
        stored = cur.execute("""SELECT dm.code, s.rating, s.not_assessed_reason FROM scores AS s
                                JOIN dimensions AS dm USING (dimension_id) WHERE scorecard_id = ?""",
                             [card[0]]).fetchall()
        before = _Card({code: r for code, r, _ in stored if r is not None}, {},
                       {code: why for code, r, why in stored if r is None})
        cur.execute("UPDATE scorecards SET status = 'superseded' WHERE scorecard_id = ? AND status = 'submitted'",
                    [card[0]])
        scorecard_id = _new_card(cur, actor, application_id, stage_id, "submitted", card[2] + 1,
                                 reason.strip(), datetime.now())
        _write_ratings(cur, scorecard_id, kept)
        audit(cur, actor.account_id, "amend", "scorecard", scorecard_id,
              before={"scorecard_id": card[0], "ratings": before.ratings, **_skipped(before)},
              after={"ratings": kept.ratings, "notes": kept.notes, **_skipped(kept), "reason": reason.strip()})
        return scorecard_id

    try:
        return db.write(write)
    except duckdb.Error as clash:
        # The other amendment committed while this one waited for its row (PostgreSQL), and holds
        # the next revision number: the database refuses this one's.
        if not is_constraint_violation(clash):
            raise
        raise CardChanged(_changed(application_id, stage_id, started[0],
                                   "another amendment was saved at the same moment")) from clash


def _changed(application_id: int, stage_id: int, revision: int | None, how: str) -> str:
    return (f"scorecard for application {application_id} at stage {stage_id} changed since you opened revision "
            f"{revision} ({how}, from another window or server); nothing was saved: reload it and amend the "
            "current revision if it still needs changing")


def peer_ratings(db: Database, actor: Account, application_id: int, stage_id: int) -> pd.DataFrame:
    """Every reviewer's submitted scorecard rows for this application and stage: only after one's own.

    Blind review: until the acting reviewer has submitted, the others' scores stay hidden. Columns
    ``reviewer``, ``reviewer_id``, ``dimension`` (code), ``rating`` (missing where the reviewer
    marked the dimension not assessed), ``note``, ``not_assessed_reason`` (missing where rated).
    """
    authorize(db, actor, "write_scores")
    with db.cursor() as cur:
        _assert_assigned(cur, actor, application_id, stage_id)
        card = _current_card(cur, actor.account_id, application_id, stage_id)
    if card is None or card[1] != "submitted":
        raise PermissionDenied("submit your own scorecard first: the others' scores stay hidden until then")
    return db.frame("""
        SELECT acc.display_name AS reviewer, sc.reviewer_id, dm.code AS dimension, s.rating, s.note,
               s.not_assessed_reason
        FROM scorecards AS sc
        JOIN scores AS s USING (scorecard_id)
        JOIN accounts AS acc ON acc.account_id = sc.reviewer_id
        JOIN dimensions AS dm USING (dimension_id)
        WHERE sc.application_id = ? AND sc.stage_id = ? AND sc.status = 'submitted'
        ORDER BY reviewer, dm.dimension_id""", [application_id, stage_id])


def record_final_decision(db: Database, actor: Account, application_id: int, decision: str, reason: str) -> None:
    """A hiring lead's adjudicated decision on an application; reviewers' scores stay untouched."""
    authorize(db, actor, "adjudicate")
    if decision not in FINAL_DECISIONS:
        raise DatabaseError(f"decision: {decision!r} is not one of {', '.join(FINAL_DECISIONS)}")
    if not reason or not reason.strip():
        raise DatabaseError("reason: an adjudicated decision needs a reason")
    reason = storable_text("reason", reason.strip())

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
