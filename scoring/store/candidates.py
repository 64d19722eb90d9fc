"""Candidate reads: search, profile, stage history, ratings and shortlists.

Blind review is enforced here: a reviewer sees the ratings of an application's stage only once they
have submitted their own scorecard for it; hiring leads, ops and admins see every submitted rating.
"""

from __future__ import annotations

import pandas as pd

from scoring.access import Account, PermissionDenied
from scoring.store.authorization import authorize
from scoring.store.db import Database

SEARCH_LIMIT = 50


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
    """The candidate's applications with their search, client and furthest stage."""
    authorize(db, actor, "read_candidates")
    _check_reach(db, actor, candidate_id)
    return db.frame("""
        SELECT a.application_id, a.external_id, s.search_id, s.external_id AS search, s.role_title,
               s.seniority, c.name AS client, a.applied_on, max(d.stage_id) AS furthest_stage,
               f.decision AS final_decision, f.reason AS final_reason
        FROM applications AS a
        JOIN searches AS s USING (search_id)
        JOIN clients AS c USING (client_id)
        LEFT JOIN stage_decisions AS d USING (application_id)
        LEFT JOIN final_decisions AS f USING (application_id)
        WHERE a.candidate_id = ?
        GROUP BY ALL ORDER BY a.applied_on DESC""", [candidate_id])


def stage_history(db: Database, actor: Account, candidate_id: int) -> pd.DataFrame:
    """Every stage each application entered, when, and how it was decided."""
    authorize(db, actor, "read_candidates")
    _check_reach(db, actor, candidate_id)
    return db.frame("""
        SELECT a.application_id, s.external_id AS search, st.stage_id, st.name AS stage,
               d.entered_on, d.decided_on, coalesce(d.decision, 'open') AS decision
        FROM applications AS a
        JOIN searches AS s USING (search_id)
        JOIN stage_decisions AS d USING (application_id)
        JOIN stages AS st USING (stage_id)
        WHERE a.candidate_id = ?
        ORDER BY a.application_id, st.stage_id""", [candidate_id])


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

    The reference trace on the radar: what a typical candidate who reached this stage scored.
    """
    authorize(db, actor, "read_candidates")
    return db.frame("""
        WITH per_application AS (
            SELECT application_id, dimension_id, avg(rating) AS mean_rating
            FROM current_scores WHERE stage_id = ?
            GROUP BY application_id, dimension_id
        )
        SELECT dm.code AS dimension, median(p.mean_rating) AS median_rating, count(*) AS applications
        FROM per_application AS p JOIN dimensions AS dm USING (dimension_id)
        GROUP BY dm.code, dm.dimension_id ORDER BY dm.dimension_id""", [stage_id])


def shortlist(db: Database, actor: Account, search_id: int) -> pd.DataFrame:
    """The candidates presented to the client in one search, with the stage-4 outcome."""
    authorize(db, actor, "read_all_scores")
    return db.frame("""
        SELECT a.application_id, c.candidate_id, c.external_id, c.full_name, c.seniority,
               d.entered_on AS presented_on, coalesce(d.decision, 'open') AS client_decision
        FROM stage_decisions AS d
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        WHERE a.search_id = ? AND d.stage_id = 4
        ORDER BY c.full_name""", [search_id])


def weight_versions(db: Database, actor: Account) -> pd.DataFrame:
    """Every weight version with its effective date and one column per dimension (percent)."""
    authorize(db, actor, "read_candidates")
    return db.frame("""
        SELECT v.version_id, v.effective_from, v.note, dm.code AS dimension, w.weight_pct::DOUBLE AS weight_pct
        FROM weight_versions AS v
        JOIN dimension_weights AS w USING (version_id)
        JOIN dimensions AS dm USING (dimension_id)
        ORDER BY v.effective_from, dm.dimension_id""")


def stage_dates(db: Database, actor: Account, application_ids: list[int]) -> pd.DataFrame:
    """When each application entered each scored stage: the date that picks the weight version."""
    authorize(db, actor, "read_candidates")
    return db.frame("""
        SELECT application_id, stage_id, entered_on FROM stage_decisions
        WHERE application_id IN (SELECT unnest(?::INTEGER[])) AND stage_id IN (2, 3)""",
        [list(map(int, application_ids))])
