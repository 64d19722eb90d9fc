"""Pipeline reads for hiring leads and ops: stage counts, searches and their shortlists.

Every function filters by :class:`SearchFilter` (the search's opening date, client, seniority) and
aggregates inside DuckDB, returning small frames. Reads given an audit date ``as_of`` see the tables
as they stood at the end of that day (:mod:`scoring.store.as_of`): a search opened later is not
there, a decision taken later is still open; ``as_of=None`` reads the rows as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from scoring.agency.access import Account
from scoring.store.authorization import authorize
from scoring.store.as_of import known
from scoring.store.db import Database


@dataclass(frozen=True)
class SearchFilter:
    """Which searches a figure covers: opened between ``start`` and ``end`` (inclusive)."""

    start: date | None = None
    end: date | None = None
    client_ids: tuple[int, ...] = ()
    seniorities: tuple[str, ...] = ()

    def where(self, alias: str = "s") -> tuple[str, list]:
        """A SQL condition on the searches table ``alias`` and its bound parameters."""
        clauses, params = ["true"], []
        if self.start is not None:
            clauses.append(f"{alias}.opened_on >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append(f"{alias}.opened_on <= ?")
            params.append(self.end)
        if self.client_ids:
            clauses.append(f"{alias}.client_id IN (SELECT unnest(?::INTEGER[]))")
            params.append(list(self.client_ids))
        if self.seniorities:
            clauses.append(f"{alias}.seniority IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(self.seniorities))
        return " AND ".join(clauses), params


def filter_options(db: Database, actor: Account,
                   as_of: date | None = None) -> dict[str, pd.DataFrame | tuple[date, date]]:
    """Clients signed by ``as_of`` and the span of opening dates of searches opened by then, for the
    filter widgets."""
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "clients", "searches")
    clients = db.frame(f"WITH {cut} SELECT client_id, name FROM known_clients ORDER BY name", cut_params)
    span = db.frame(f"WITH {cut} SELECT min(opened_on) AS first, max(opened_on) AS last FROM known_searches",
                    cut_params).iloc[0]
    return {"clients": clients, "span": (span["first"], span["last"])}


def stage_counts(db: Database, actor: Account, search_filter: SearchFilter,
                 as_of: date | None = None) -> pd.DataFrame:
    """Per stage: applications that entered, were decided, passed, failed, and are still open."""
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "searches", "decisions")
    where, params = search_filter.where()
    return db.frame(f"""
        WITH {cut},
        per_stage AS (
            SELECT d.stage_id, count(*) AS entered, count(d.decision) AS decided,
                   count(*) FILTER (WHERE d.decision = 'pass') AS passed,
                   count(*) FILTER (WHERE d.decision = 'fail') AS failed,
                   count(*) FILTER (WHERE d.decision IS NULL) AS open
            FROM known_decisions AS d
            JOIN applications AS a USING (application_id)
            JOIN known_searches AS s USING (search_id)
            WHERE {where}
            GROUP BY d.stage_id
        )
        SELECT st.stage_id, st.name AS stage, coalesce(p.entered, 0) AS entered,
               coalesce(p.decided, 0) AS decided, coalesce(p.passed, 0) AS passed,
               coalesce(p.failed, 0) AS failed, coalesce(p.open, 0) AS open
        FROM stages AS st LEFT JOIN per_stage AS p USING (stage_id)
        ORDER BY st.stage_id""", [*cut_params, *params])


def searches(db: Database, actor: Account, search_filter: SearchFilter, as_of: date | None = None) -> pd.DataFrame:
    """One row per filtered search, as of ``as_of``, with its client's name and country.

    The one read of searches behind every shortlist-time figure, on the pipeline page and in the ops
    audit alike (:mod:`scoring.reports.shortlist`): the client's country picks the holiday calendar
    its business days skip.

    Returns
    -------
    pandas.DataFrame
        ``search_id``, ``search_ref``, ``client_id``, ``client``, ``country``, ``role_title``,
        ``seniority``, ``status`` (as of ``as_of``), ``opened_on``, ``shortlist_delivered_on``,
        ``closed_on``.
    """
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "searches")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT s.search_id, s.external_id AS search_ref, s.client_id, c.name AS client, c.country,
               s.role_title, s.seniority, s.status, s.opened_on, s.shortlist_delivered_on, s.closed_on
        FROM known_searches AS s
        JOIN clients AS c USING (client_id)
        WHERE {where}
        ORDER BY s.opened_on, s.search_id""", [*cut_params, *params])


def stage_entries(db: Database, actor: Account, search_filter: SearchFilter,
                  as_of: date | None = None) -> pd.DataFrame:
    """Every stage entry of the filtered searches made by ``as_of``, with its search's grouping columns.

    One row per application and stage (a few hundred thousand at most): the input of
    :func:`scoring.agency.funnel` metrics.
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


def stage_names(db: Database, actor: Account) -> pd.DataFrame:
    """``stage_id``, ``stage`` (its name) and ``code`` (as in the import format) of the four stages."""
    authorize(db, actor, "read_candidates")
    return db.frame("SELECT stage_id, name AS stage, code FROM stages ORDER BY stage_id")


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
    application id)."""
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "searches", "decisions")
    where, params = search_filter.where()
    return db.frame(f"""
        WITH {cut}, {_stage_rows(where)}
        SELECT stage_id, row_number() OVER (PARTITION BY stage_id ORDER BY entered_on, application_id) AS rank,
               application_id, entered_on, ?::DATE - entered_on AS age_days, search_id, client_id, seniority
        FROM rows WHERE decision IS NULL
        QUALIFY rank <= ?
        ORDER BY stage_id, rank""", [*cut_params, *params, as_of, top])
