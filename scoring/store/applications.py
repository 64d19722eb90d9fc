"""Applications and their stage decisions: counts, entries, the funnel, the stalled and the shortlisted.

Every read of many applications filters by :class:`~scoring.store.searches.SearchFilter` (the
search's opening date, client, seniority) and aggregates inside the database, returning small
frames. Reads given an audit date ``as_of`` see the tables as they stood at the end of that day
(:mod:`scoring.store.as_of`): a search opened later is not there, a decision taken later is still
open; ``as_of=None`` reads the rows as stored. The funnel's rules are
:mod:`scoring.agency.funnel`'s; :func:`funnel_counts` only does their counting where the rows are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from scoring.agency.access import Account
from scoring.domain.stages import Stage
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.searches import SearchFilter


def stage_names(db: Database, actor: Account) -> pd.DataFrame:
    """``stage_id``, ``stage`` (its name) and ``code`` (as in the import format) of the four stages."""
    authorize(db, actor, "read_candidates")
    return db.frame("SELECT stage_id, name AS stage, code FROM stages ORDER BY stage_id")


def stage_entries(db: Database, actor: Account, search_filter: SearchFilter,
                  as_of: date | None = None) -> pd.DataFrame:
    """Every stage entry of the filtered searches made by ``as_of``, with its search's grouping columns.

    One row per application and stage (a few hundred thousand at most): the input of
    :func:`scoring.agency.funnel` metrics, computed in pandas; the pages read :func:`funnel_counts`,
    the same figures aggregated in the database, which tests check against this.
    """
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "searches", "decisions")
    where, params = search_filter.where()
    return db.frame(f"""
        WITH {cut}
        SELECT d.application_id, d.stage_id, d.entered_on, d.decided_on, d.decision,
               s.search_id, s.client_id, s.seniority
        FROM known_decisions AS d
        JOIN applications AS a USING (application_id)
        JOIN known_searches AS s USING (search_id)
        WHERE {where}""", [*cut_params, *params])


def _stage_rows(where: str) -> str:
    """The filtered stage entries, each with its cohort month and whether it moved to a later stage.

    Follows the CTEs of :func:`scoring.store.as_of.known` for searches and decisions.
    """
    return f"""
        filtered AS (
            SELECT d.application_id, d.stage_id, d.entered_on, d.decided_on, d.decision,
                   s.search_id, s.client_id, s.seniority,
                   strftime(min(d.entered_on) OVER (PARTITION BY d.application_id), '%Y-%m') AS entry_month
            FROM known_decisions AS d
            JOIN applications AS a USING (application_id)
            JOIN known_searches AS s USING (search_id)
            WHERE {where}
        ),
        moved AS (
            SELECT f.application_id, f.stage_id, bool_or(l.entered_on >= f.entered_on) AS moved_on
            FROM filtered AS f
            JOIN filtered AS l ON l.application_id = f.application_id AND l.stage_id > f.stage_id
            GROUP BY ALL
        ),
        rows AS (
            SELECT f.*, coalesce(m.moved_on, false) AS moved_on
            FROM filtered AS f LEFT JOIN moved AS m USING (application_id, stage_id)
        )"""


def funnel_counts(db: Database, actor: Account, search_filter: SearchFilter, as_of: date,
                  by_month: bool = False) -> pd.DataFrame:
    """Per stage (and month of first entry): the counts and day quantiles of the funnel.

    The aggregation :func:`scoring.agency.funnel.funnel_table` does in pandas, done in the database:
    ``scoring.agency.funnel.finish_funnel`` turns the result into the funnel table. Entries and decisions
    dated after ``as_of`` are not counted: such a decision is still open.
    """
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "searches", "decisions")
    where, params = search_filter.where()
    month = "entry_month, " if by_month else ""
    return db.frame(f"""
        WITH {cut}, {_stage_rows(where)}
        SELECT {month}stage_id, count(*) AS entered, count(decision) AS decided,
               count(*) FILTER (WHERE decision = 'pass') AS passed,
               count(*) FILTER (WHERE decision = 'fail') AS failed,
               quantile_cont(decided_on - entered_on, 0.5) AS days_median,
               quantile_cont(decided_on - entered_on, 0.9) AS days_p90,
               quantile_cont(CASE WHEN decision IS NULL THEN ?::DATE - entered_on END, 0.5) AS open_age_median,
               quantile_cont(CASE WHEN decision IS NULL THEN ?::DATE - entered_on END, 0.9) AS open_age_p90,
               count(*) FILTER (WHERE decision IS NOT NULL AND NOT moved_on) AS dropped
        FROM rows
        GROUP BY ALL ORDER BY ALL""", [*cut_params, *params, as_of, as_of])


def stalled(db: Database, actor: Account, search_filter: SearchFilter, as_of: date, top: int) -> pd.DataFrame:
    """Open applications waiting longest in each stage as of ``as_of``, ``top`` per stage (ties by
    application id), with the candidate (``candidate_ref``, ``candidate``), the search (``search_ref``,
    ``role_title``) and its ``client`` a person knows them by."""
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "searches", "decisions")
    where, params = search_filter.where()
    return db.frame(f"""
        WITH {cut}, {_stage_rows(where)},
        waiting AS (
            SELECT stage_id, row_number() OVER (PARTITION BY stage_id ORDER BY entered_on, application_id) AS rank,
                   application_id, entered_on, ?::DATE - entered_on AS age_days, search_id, client_id, seniority
            FROM rows WHERE decision IS NULL
            QUALIFY rank <= ?
        )
        SELECT w.*, r.candidate_ref, cand.full_name AS candidate, r.search_ref, s.role_title, r.client
        FROM waiting AS w
        JOIN application_refs AS r USING (application_id)
        JOIN candidates AS cand ON cand.candidate_id = r.candidate_id
        JOIN searches AS s ON s.search_id = w.search_id
        ORDER BY w.stage_id, w.rank""", [*cut_params, *params, as_of, top])


def shortlist_entries(db: Database, actor: Account, search_filter: SearchFilter,
                      as_of: date | None = None) -> pd.DataFrame:
    """Stage-4 entries of the filtered searches: ``application_id``, ``stage_id``, ``entered_on``,
    ``search_id``. One row per application presented to the client by ``as_of``."""
    authorize(db, actor, "read_ops")
    cut, cut_params = known(as_of, "searches", "decisions")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT d.application_id, d.stage_id, d.entered_on, a.search_id
        FROM known_decisions AS d
        JOIN applications AS a USING (application_id)
        JOIN known_searches AS s ON s.search_id = a.search_id
        WHERE d.stage_id = ? AND {where}
        ORDER BY a.search_id, d.application_id""", [*cut_params, int(Stage.CLIENT_SHORTLIST), *params])


def labels(db: Database, actor: Account, application_ids: Sequence[int]) -> pd.DataFrame:
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
