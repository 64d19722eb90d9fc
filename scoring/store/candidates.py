"""Candidate reads: search, profile, stage history, ratings and shortlists.

Blind review is enforced here, in every read a reviewer may make, so no page can leak what a reader
should not see yet. Hiring leads, ops and admins see everything. A reviewer:

* reaches only the candidates and applications assigned to them (at any stage);
* sees the ratings, notes and not-assessed reasons of an application's stage only once they have
  submitted their own scorecard for it;
* sees nothing that happened to an application from the first scored stage they must still submit
  (their *blind stage*) on: that stage's decision is withheld, and later stages (their dates, their
  decisions, the client's decision) are left out, unless assigned to them too;
* never sees the hiring lead's adjudicated final decision or its reason;
* gets the stage's median candidate only from ratings they could see, and only over
  :data:`MEDIAN_MIN_APPLICATIONS` applications or more.
"""

from __future__ import annotations

import pandas as pd

from scoring.agency.access import Account, PermissionDenied
from scoring.domain.stages import SCORED_STAGES, Stage, sql_list
from scoring.store.authorization import authorize
from scoring.store.db import Database

SEARCH_LIMIT = 50
#: How many recently scored candidates the profile page offers before anything is typed.
RECENT_LIMIT = 10
#: The radar's "median candidate at this stage" needs at least this many scored applications behind
#: each dimension. Below it the median is one application's mean rating, or the midpoint of two or
#: three, and whoever knows which few applications were scored could read other reviewers' hidden
#: ratings off it; a reference trace over so few candidates says little about a typical one anyway.
MEDIAN_MIN_APPLICATIONS = 10
#: ``blind_from`` of an application where nothing is withheld: after the last stage.
_NOTHING_WITHHELD = max(Stage) + 1
#: The scored stages, as the inside of a SQL ``IN (...)``.
_SCORED = sql_list(SCORED_STAGES)


def _visible_scores(actor: Account) -> tuple[str, list]:
    """A SQL condition on ``current_scores AS cs`` that hides what ``actor`` may not see yet."""
    if actor.may("read_all_scores"):
        return "true", []
    return ("EXISTS (SELECT 1 FROM scorecards AS own WHERE own.application_id = cs.application_id "
            "AND own.stage_id = cs.stage_id AND own.reviewer_id = ? AND own.status <> 'draft')",
            [actor.account_id])


def _reviewer_scope(actor: Account, candidate_column: str) -> tuple[str, list]:
    """Reviewers reach only candidates they were assigned to review."""
    if actor.may("read_all_scores"):
        return "true", []
    return (f"{candidate_column} IN (SELECT a.candidate_id FROM assignments AS x "
            "JOIN applications AS a USING (application_id) WHERE x.reviewer_id = ?)", [actor.account_id])


def _reach(actor: Account) -> tuple[str, list]:
    """A CTE ``reach (application_id, blind_from, own_stages)``: the applications ``actor`` reaches.

    ``blind_from`` is the first stage whose outcome is withheld from ``actor``: for a reviewer, the
    first scored stage assigned to them that they have not submitted their own scorecard for (after
    the last stage when there is none); ``own_stages`` lists the stages assigned to them. Hiring
    leads, ops and admins reach every application and nothing is withheld from them.
    """
    if actor.may("read_all_scores"):
        return (f"reach AS (SELECT application_id, {_NOTHING_WITHHELD} AS blind_from, "
                "[]::INTEGER[] AS own_stages FROM applications)"), []
    return (f"""reach AS (
        SELECT x.application_id,
               coalesce(min(CASE WHEN x.stage_id IN ({_SCORED}) AND own.scorecard_id IS NULL THEN x.stage_id END),
                        {_NOTHING_WITHHELD}) AS blind_from,
               list(x.stage_id::INTEGER) AS own_stages
        FROM assignments AS x
        LEFT JOIN scorecards AS own ON own.application_id = x.application_id AND own.stage_id = x.stage_id
             AND own.reviewer_id = x.reviewer_id AND own.status = 'submitted'
        WHERE x.reviewer_id = ?
        GROUP BY x.application_id)""", [actor.account_id])


#: A stage entry (``stage_decisions AS d`` of an application in ``reach AS r``) the reader may know of:
#: up to their blind stage, and any stage assigned to them.
_STAGE_SHOWN = "(d.stage_id <= r.blind_from OR list_contains(r.own_stages, d.stage_id::INTEGER))"
#: A stage entry whose decision and decision date the reader may see: before their blind stage.
_OUTCOME_SHOWN = "(d.stage_id < r.blind_from)"


def find_candidates(db: Database, actor: Account, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Candidates whose name, id or email contains ``text`` (case-insensitive), best matches first."""
    authorize(db, actor, "read_candidates")
    needle = text.strip()
    if not needle:
        return pd.DataFrame(columns=["candidate_id", "external_id", "full_name", "seniority", "country"])
    scope, scope_params = _reviewer_scope(actor, "c.candidate_id")
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    id_match = int(needle) if needle.isdigit() else -1
    return db.frame(f"""
        SELECT c.candidate_id, c.external_id, c.full_name, c.seniority, c.country
        FROM candidates AS c
        WHERE (c.candidate_id = ? OR upper(c.external_id) = upper(?)
               OR c.full_name ILIKE ? ESCAPE '\\' OR c.email ILIKE ? ESCAPE '\\')
          AND {scope}
        ORDER BY (c.candidate_id = ? OR upper(c.external_id) = upper(?)) DESC,
                 (c.full_name ILIKE ? ESCAPE '\\') DESC, c.full_name, c.candidate_id
        LIMIT ?""",
        [id_match, needle, pattern, pattern, *scope_params, id_match, needle, needle + "%", limit])


def recently_scored(db: Database, actor: Account, limit: int = RECENT_LIMIT) -> pd.DataFrame:
    """The candidates with the most recently submitted scorecards, newest first: the reader's own
    scorecards for a reviewer (nothing about anyone else's work), everyone's for the other roles.

    One row per candidate: ``candidate_id, external_id, full_name, stage_id, submitted_at`` of the
    latest scorecard (superseded revisions and drafts left out).
    """
    authorize(db, actor, "read_candidates")
    own, params = ("true", []) if actor.may("read_all_scores") else ("sc.reviewer_id = ?", [actor.account_id])
    return db.frame(f"""
        SELECT candidate_id, external_id, full_name, stage_id, submitted_at FROM (
            SELECT c.candidate_id, c.external_id, c.full_name, sc.stage_id, sc.submitted_at,
                   row_number() OVER (PARTITION BY c.candidate_id
                                      ORDER BY sc.submitted_at DESC, sc.scorecard_id DESC) AS latest
            FROM scorecards AS sc
            JOIN applications AS a ON a.application_id = sc.application_id
            JOIN candidates AS c ON c.candidate_id = a.candidate_id
            WHERE sc.status = 'submitted' AND {own}) AS ranked
        WHERE latest = 1
        ORDER BY submitted_at DESC, candidate_id
        LIMIT ?""", [*params, limit])


def reachable_count(db: Database, actor: Account) -> int:
    """How many candidates ``actor`` can open: every one, or for a reviewer those assigned to them."""
    authorize(db, actor, "read_candidates")
    scope, params = _reviewer_scope(actor, "candidate_id")
    return int(db.scalar(f"SELECT count(*) FROM candidates WHERE {scope}", params))


def _check_reach(db: Database, actor: Account, candidate_id: int) -> None:
    scope, params = _reviewer_scope(actor, "candidate_id")
    if not db.scalar(f"SELECT count(*) FROM candidates WHERE candidate_id = ? AND {scope}",
                     [candidate_id, *params]):
        raise PermissionDenied(f"candidate {candidate_id} does not exist or is not assigned to you")


def profile(db: Database, actor: Account, candidate_id: int) -> pd.Series:
    """The candidate's own record."""
    authorize(db, actor, "read_candidates")
    _check_reach(db, actor, candidate_id)
    return db.frame("SELECT candidate_id, external_id, full_name, email, country, seniority, sourced_on "
                    "FROM candidates WHERE candidate_id = ?", [candidate_id]).iloc[0]


def applications(db: Database, actor: Account, candidate_id: int) -> pd.DataFrame:
    """The candidate's applications ``actor`` reaches, with their search, client and furthest stage.

    For a reviewer: only the applications assigned to them, the furthest stage they may know of
    (see the module's blind-review rules), and never the adjudicated ``final_decision`` and
    ``final_reason`` (missing).
    """
    authorize(db, actor, "read_candidates")
    _check_reach(db, actor, candidate_id)
    reach, params = _reach(actor)
    adjudication = "true" if actor.may("read_all_scores") else "false"
    return db.frame(f"""
        WITH {reach}
        SELECT a.application_id, a.external_id, s.search_id, s.external_id AS search, s.role_title,
               s.seniority, c.name AS client, a.applied_on,
               max(d.stage_id) FILTER (WHERE {_STAGE_SHOWN}) AS furthest_stage,
               CASE WHEN {adjudication} THEN f.decision END AS final_decision,
               CASE WHEN {adjudication} THEN f.reason END AS final_reason
        FROM applications AS a
        JOIN reach AS r USING (application_id)
        JOIN searches AS s USING (search_id)
        JOIN clients AS c USING (client_id)
        LEFT JOIN stage_decisions AS d USING (application_id)
        LEFT JOIN final_decisions AS f USING (application_id)
        WHERE a.candidate_id = ?
        GROUP BY ALL ORDER BY a.applied_on DESC""", [*params, candidate_id])


def stage_history(db: Database, actor: Account, candidate_id: int) -> pd.DataFrame:
    """Every stage each application entered, when, and how it was decided, as far as ``actor`` may know.

    Columns ``application_id``, ``search``, ``stage_id``, ``stage`` (its name), ``entered_on``,
    ``decided_on``, ``decision`` ('pass', 'fail' or 'open') and ``withheld``. A reviewer gets the
    applications assigned to them, up to their blind stage (and any stage assigned to them); the
    blind stage and any later one assigned to them come with ``withheld`` true and no decision or
    decision date, until the reviewer submits their own scorecard.
    """
    authorize(db, actor, "read_candidates")
    _check_reach(db, actor, candidate_id)
    reach, params = _reach(actor)
    return db.frame(f"""
        WITH {reach}
        SELECT a.application_id, s.external_id AS search, st.stage_id, st.name AS stage, d.entered_on,
               CASE WHEN {_OUTCOME_SHOWN} THEN d.decided_on END AS decided_on,
               CASE WHEN {_OUTCOME_SHOWN} THEN coalesce(d.decision, 'open') END AS decision,
               NOT {_OUTCOME_SHOWN} AS withheld
        FROM applications AS a
        JOIN reach AS r USING (application_id)
        JOIN searches AS s USING (search_id)
        JOIN stage_decisions AS d USING (application_id)
        JOIN stages AS st USING (stage_id)
        WHERE a.candidate_id = ? AND {_STAGE_SHOWN}
        ORDER BY a.application_id, st.stage_id""", [*params, candidate_id])


def ratings(db: Database, actor: Account, application_ids: list[int]) -> pd.DataFrame:
    """Submitted ratings of these applications that ``actor`` may see (long format).

    Dimensions marked not assessed are not ratings and are not here (see :func:`not_assessed`).
    """
    authorize(db, actor, "read_candidates")
    visible, params = _visible_scores(actor)
    return db.frame(f"""
        SELECT cs.application_id, cs.stage_id, cs.reviewer_id, acc.display_name AS reviewer,
               dm.code AS dimension, cs.rating, cs.note, cs.submitted_at
        FROM current_scores AS cs
        JOIN accounts AS acc ON acc.account_id = cs.reviewer_id
        JOIN dimensions AS dm USING (dimension_id)
        WHERE cs.application_id IN (SELECT unnest(?::INTEGER[])) AND {visible}
        ORDER BY cs.application_id, cs.stage_id, reviewer, dm.dimension_id""",
        [list(map(int, application_ids)), *params])


def not_assessed(db: Database, actor: Account, application_ids: list[int]) -> pd.DataFrame:
    """Dimensions reviewers marked not assessed in the submitted scorecards ``actor`` may see.

    The blind-review rule of :func:`ratings` applies. Columns ``application_id``, ``stage_id``,
    ``reviewer_id``, ``reviewer``, ``dimension`` (code), ``reason``, ``submitted_at``.
    """
    authorize(db, actor, "read_candidates")
    visible, params = _visible_scores(actor)
    return db.frame(f"""
        SELECT cs.application_id, cs.stage_id, cs.reviewer_id, acc.display_name AS reviewer,
               dm.code AS dimension, s.not_assessed_reason AS reason, cs.submitted_at
        FROM scorecards AS cs
        JOIN scores AS s USING (scorecard_id)
        JOIN accounts AS acc ON acc.account_id = cs.reviewer_id
        JOIN dimensions AS dm USING (dimension_id)
        WHERE cs.status = 'submitted' AND s.rating IS NULL
          AND cs.application_id IN (SELECT unnest(?::INTEGER[])) AND {visible}
        ORDER BY cs.application_id, cs.stage_id, reviewer, dm.dimension_id""",
        [list(map(int, application_ids)), *params])


def stage_dimension_medians(db: Database, actor: Account, stage_id: int) -> pd.DataFrame:
    """Per dimension, the median over applications of their mean rating at ``stage_id``.

    The reference trace on the radar: what a typical candidate who reached this stage scored. One
    row per dimension: ``dimension`` (code), ``median_rating`` and ``applications``, the number of
    applications behind it. The median is missing below :data:`MEDIAN_MIN_APPLICATIONS`. For a
    reviewer, an application assigned to them counts only once they may see its ratings at this
    stage (their own scorecard submitted), so the median moves with nothing hidden from them.
    """
    authorize(db, actor, "read_candidates")
    # The applications assigned to a reviewer whose ratings at this stage they may not see yet.
    hidden, params = ("SELECT NULL AS application_id WHERE false", []) if actor.may("read_all_scores") else ("""
        SELECT DISTINCT x.application_id FROM assignments AS x
        WHERE x.reviewer_id = ? AND NOT EXISTS (
            SELECT 1 FROM scorecards AS own WHERE own.application_id = x.application_id AND own.stage_id = ?
              AND own.reviewer_id = x.reviewer_id AND own.status <> 'draft')""", [actor.account_id, stage_id])
    return db.frame(f"""
        WITH hidden AS ({hidden}),
        per_application AS (
            SELECT cs.application_id, cs.dimension_id, avg(cs.rating) AS mean_rating
            FROM current_scores AS cs
            WHERE cs.stage_id = ? AND cs.application_id NOT IN (SELECT application_id FROM hidden)
            GROUP BY cs.application_id, cs.dimension_id
        )
        SELECT dm.code AS dimension,
               CASE WHEN count(p.application_id) >= ? THEN median(p.mean_rating) END AS median_rating,
               count(p.application_id) AS applications
        FROM dimensions AS dm LEFT JOIN per_application AS p USING (dimension_id)
        GROUP BY dm.code, dm.dimension_id ORDER BY dm.dimension_id""",
        [*params, stage_id, MEDIAN_MIN_APPLICATIONS])


def shortlist(db: Database, actor: Account, search_id: int) -> pd.DataFrame:
    """The candidates presented to the client in one search, with the stage-4 outcome."""
    authorize(db, actor, "read_all_scores")
    return db.frame(f"""
        SELECT a.application_id, c.candidate_id, c.external_id, c.full_name, c.seniority,
               d.entered_on AS presented_on, coalesce(d.decision, 'open') AS client_decision
        FROM stage_decisions AS d
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        WHERE a.search_id = ? AND d.stage_id = {Stage.CLIENT_SHORTLIST:d}
        ORDER BY c.full_name""", [search_id])


def stage_dates(db: Database, actor: Account, application_ids: list[int]) -> pd.DataFrame:
    """When each application entered each scored stage: the date that picks the weight version.

    Only the applications and stages ``actor`` may know of (as :func:`stage_history`); others are
    left out, never refused, so a list mixing both still gets the dates it may have.
    """
    authorize(db, actor, "read_candidates")
    reach, params = _reach(actor)
    return db.frame(f"""
        WITH {reach}
        SELECT d.application_id, d.stage_id, d.entered_on
        FROM stage_decisions AS d JOIN reach AS r USING (application_id)
        WHERE d.application_id IN (SELECT unnest(?::INTEGER[])) AND d.stage_id IN ({_SCORED}) AND {_STAGE_SHOWN}""",
        [*params, list(map(int, application_ids))])
