"""Outcome reads for the scorecard-validity report: who was scored at a stage, and what happened next.

Every function filters by :class:`~scoring.store.pipeline.SearchFilter` (the search's opening date,
client, seniority), needs the ``read_validity`` permission, and does its joins and aggregation in
DuckDB, returning one row per application, per reviewer or per application and reviewer.

Every read sees the data as it stood at the end of its ``as_of`` date (``None``: as stored), through
the ``known_<table>`` CTEs of :mod:`scoring.store.as_of`: a scorecard submitted later is not there and
an amendment made later has not replaced the revision it amends; a stage entered later was not
entered, and a decision taken later (the client's at the shortlist too) is still open; a placement
accepted later does not exist, and one that ended later is still running; a search opened later, or
a client signed later, is not in scope. Weight versions are the agency's settings, not facts of the
period, and are read as stored: the version in force for a score is picked by its stage entry date,
which is never after the as-of date.

Weighted scores are computed here under two weightings, each per dimension from the mean of the
ratings present (a dimension marked not assessed is no rating). An application at whose stage some
dimension was rated by no reviewer is incomplete: its scores are missing, never computed with that
dimension as zero or left out (:mod:`scoring.agency.scorecard`):

* ``score_in_force``: the weight version in force on the day the application entered the stage
  (before the first version, the first one; with no entry date, the newest), the score the agency
  acted on;
* ``score_newest``: the newest weight version (latest ``effective_from``), the weights any change
  would be judged against.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.agency.access import Account
from scoring.agency.scorecard import DIMENSIONS
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.pipeline import SearchFilter

PERMISSION = "read_validity"
_DIGITS = 9
"""Weighted scores are rounded to this many decimals: DuckDB sums in parallel, in no fixed order, and
the last bits of a floating-point sum would otherwise break ties between equal scores differently
from one run to the next (an AUC counts ties as one half)."""

# The applications of the filtered searches, and their submitted ratings at one stage, as known then.
_SCOPED = """
    scoped AS MATERIALIZED (
        SELECT a.application_id, a.external_id AS application, s.search_id, s.external_id AS search,
               s.client_id, c.name AS client, s.seniority, s.opened_on
        FROM applications AS a
        JOIN known_searches AS s USING (search_id)
        JOIN known_clients AS c USING (client_id)
        WHERE {where}
    ),
    stage_scores AS MATERIALIZED (
        SELECT cs.application_id, cs.reviewer_id, cs.dimension_id, cs.rating
        FROM known_current_scores AS cs JOIN scoped USING (application_id)
        WHERE cs.stage_id = ?
    )"""

# The weight version in force for each scored application: an as-of join of its stage entry date.
# A version without weights is being withdrawn (scoring.store.weights) and counts for nothing.
_IN_FORCE = """
    effective_versions AS (
        SELECT * FROM weight_versions WHERE version_id IN (SELECT version_id FROM dimension_weights)),
    first_version AS (SELECT version_id FROM effective_versions ORDER BY effective_from LIMIT 1),
    newest_version AS (SELECT version_id FROM effective_versions ORDER BY effective_from DESC LIMIT 1),
    scored AS (SELECT DISTINCT application_id FROM stage_scores),
    entered AS (
        SELECT application_id, entered_on FROM known_decisions WHERE stage_id = ?
    ),
    in_force AS MATERIALIZED (
        SELECT sc.application_id, e.entered_on AS stage_entered_on,
               CASE WHEN e.entered_on IS NULL THEN (SELECT version_id FROM newest_version)
                    ELSE coalesce(v.version_id, (SELECT version_id FROM first_version)) END AS version_id
        FROM scored AS sc
        LEFT JOIN entered AS e USING (application_id)
        ASOF LEFT JOIN effective_versions AS v ON e.entered_on >= v.effective_from
    )"""


def _scope(search_filter: SearchFilter, stage_id: int, as_of: date | None, *tables: str) -> tuple[str, list]:
    """The CTEs every read starts from (the as-of cut of ``tables`` as well), and their parameters."""
    cut, cut_params = known(as_of, "clients", "searches", "current_scores", *tables)
    where, params = search_filter.where("s")
    return f"{cut},\n{_SCOPED.format(where=where)}", [*cut_params, *params, stage_id]


def application_outcomes(db: Database, actor: Account, search_filter: SearchFilter,
                         stage_id: int = 3, as_of: date | None = None) -> pd.DataFrame:
    """One row per application with submitted ratings at ``stage_id``, its scores and what followed,
    as known at the end of ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``application`` (external id), ``search_id``, ``search``,
        ``client_id``, ``client``, ``seniority``, ``opened_on`` (the search's), ``stage_entered_on``,
        ``reviewers``, ``ratings``, ``dimensions_rated``, ``complete`` (every dimension rated by
        someone), the mean rating of each dimension (one column per code of
        :data:`scoring.agency.scorecard.DIMENSIONS`), ``version_in_force``, ``score_in_force``,
        ``version_newest``, ``score_newest`` (both missing when incomplete), ``shortlisted_on`` (stage-4 entry,
        missing if never shortlisted), ``client_decision`` ('pass', 'fail', missing while open),
        ``placement_id``, ``first_day``, ``ended_on``, ``end_reason``. Ordered by application.
    """
    authorize(db, actor, PERMISSION)
    scoped, params = _scope(search_filter, stage_id, as_of, "decisions", "placements")
    codes = list(DIMENSIONS)
    pivot = ",\n".join(f'avg(mean_rating) FILTER (WHERE code = ?) AS "{code}"' for code in codes)
    return db.frame(f"""
        WITH {scoped}, {_IN_FORCE},
        rated AS MATERIALIZED (
            SELECT cs.application_id, cs.dimension_id, d.code, avg(cs.rating) AS mean_rating
            FROM stage_scores AS cs
            JOIN dimensions AS d USING (dimension_id)
            GROUP BY cs.application_id, cs.dimension_id, d.code
        ),
        panel AS (
            SELECT application_id, count(DISTINCT reviewer_id) AS reviewers, count(*) AS ratings
            FROM stage_scores
            GROUP BY application_id
        ),
        wide AS (
            SELECT application_id, count(*) AS dimensions_rated, count(*) = {len(codes)} AS complete, {pivot}
            FROM rated GROUP BY application_id
        ),
        weighted AS (
            SELECT r.application_id,
                   CASE WHEN count(*) = {len(codes)} THEN
                       round(sum(wf.weight_pct::DOUBLE * r.mean_rating) / nullif(sum(wf.weight_pct::DOUBLE), 0),
                             {_DIGITS}) END AS score_in_force,
                   CASE WHEN count(*) = {len(codes)} THEN
                       round(sum(wn.weight_pct::DOUBLE * r.mean_rating) / nullif(sum(wn.weight_pct::DOUBLE), 0),
                             {_DIGITS}) END AS score_newest
            FROM rated AS r
            JOIN in_force AS f USING (application_id)
            JOIN dimension_weights AS wf ON wf.version_id = f.version_id AND wf.dimension_id = r.dimension_id
            JOIN dimension_weights AS wn ON wn.version_id = (SELECT version_id FROM newest_version)
                                        AND wn.dimension_id = r.dimension_id
            GROUP BY r.application_id
        ),
        shortlist AS (
            SELECT application_id, entered_on AS shortlisted_on, decision AS client_decision
            FROM known_decisions WHERE stage_id = 4
        ),
        final AS (
            SELECT sp.application_id, sp.application, sp.search_id, sp.search, sp.client_id, sp.client,
                   sp.seniority, sp.opened_on, f.stage_entered_on, p.reviewers, p.ratings, w.* EXCLUDE (application_id),
                   f.version_id AS version_in_force, g.score_in_force,
                   (SELECT version_id FROM newest_version) AS version_newest, g.score_newest,
                   sl.shortlisted_on, sl.client_decision,
                   pl.placement_id, pl.first_day, pl.ended_on, pl.end_reason
            FROM panel AS p
            JOIN scoped AS sp USING (application_id)
            JOIN wide AS w USING (application_id)
            JOIN in_force AS f USING (application_id)
            LEFT JOIN weighted AS g USING (application_id)
            LEFT JOIN shortlist AS sl USING (application_id)
            LEFT JOIN known_placements AS pl USING (application_id)
        )
        SELECT * FROM final ORDER BY application_id""",
        [*params, stage_id, *codes])


def reviewer_scores(db: Database, actor: Account, search_filter: SearchFilter,
                    stage_id: int = 3, as_of: date | None = None) -> pd.DataFrame:
    """Each reviewer's own weighted score of each shortlisted application they rated at ``stage_id``.

    Only applications that reached the client shortlist (stage 4) by the end of ``as_of`` are
    returned: the others have no outcome to judge a score by.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``reviewer_id``, ``dimensions_rated``, ``own_score`` (the reviewer's
        ratings weighted by the version in force; missing when they left a dimension not assessed).
    """
    authorize(db, actor, PERMISSION)
    scoped, params = _scope(search_filter, stage_id, as_of, "decisions")
    return db.frame(f"""
        WITH {scoped}, {_IN_FORCE},
        final AS (
            SELECT cs.application_id, cs.reviewer_id, count(*) AS dimensions_rated,
                   CASE WHEN count(*) = {len(DIMENSIONS)} THEN
                       round(sum(w.weight_pct::DOUBLE * cs.rating) / nullif(sum(w.weight_pct::DOUBLE), 0), {_DIGITS})
                       END AS own_score
            FROM stage_scores AS cs
            JOIN in_force AS f USING (application_id)
            JOIN dimension_weights AS w ON w.version_id = f.version_id AND w.dimension_id = cs.dimension_id
            WHERE cs.application_id IN (SELECT application_id FROM known_decisions WHERE stage_id = 4)
            GROUP BY cs.application_id, cs.reviewer_id
        )
        SELECT * FROM final ORDER BY application_id, reviewer_id""",
        [*params, stage_id])


def stage_ratings(db: Database, actor: Account, search_filter: SearchFilter, stage_id: int = 3,
                  as_of: date | None = None) -> pd.DataFrame:
    """Every rating at ``stage_id`` of the filtered searches submitted by ``as_of``, for the severity fit.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``reviewer_id``, ``dimension_id``, ``rating``.
    """
    authorize(db, actor, PERMISSION)
    scoped, params = _scope(search_filter, stage_id, as_of)
    return db.frame(f"""
        WITH {scoped}
        SELECT application_id, reviewer_id, dimension_id, rating FROM stage_scores
        ORDER BY application_id, reviewer_id, dimension_id""", params)


def reviewer_agreement(db: Database, actor: Account, search_filter: SearchFilter,
                       stage_id: int = 3, as_of: date | None = None) -> pd.DataFrame:
    """Each reviewer's distance from the other reviewers of the same application and dimension, in
    the ratings submitted by ``as_of``.

    For a rating ``x`` of a unit (application and dimension) rated ``k >= 2`` times with sum ``T``,
    the others' mean is ``(T - x) / (k - 1)``. Per reviewer:

    * ``compared``: ratings of units someone else also rated;
    * ``mad``: mean of ``|x - others' mean|`` (rating points; 0 = always with the others);
    * ``bias``: mean of ``x - others' mean`` (positive = more lenient than the others).

    Returns
    -------
    pandas.DataFrame
        ``reviewer_id``, ``compared``, ``mad``, ``bias``.
    """
    authorize(db, actor, PERMISSION)
    scoped, params = _scope(search_filter, stage_id, as_of)
    return db.frame(f"""
        WITH {scoped},
        units AS (
            SELECT cs.reviewer_id, cs.rating::DOUBLE AS rating,
                   sum(cs.rating) OVER unit AS unit_sum, count(*) OVER unit AS unit_n
            FROM stage_scores AS cs
            WINDOW unit AS (PARTITION BY cs.application_id, cs.dimension_id)
        ),
        final AS (
            SELECT reviewer_id, count(*) AS compared,
                   avg(abs(rating - (unit_sum - rating) / (unit_n - 1))) AS mad,
                   avg(rating - (unit_sum - rating) / (unit_n - 1)) AS bias
            FROM units WHERE unit_n > 1
            GROUP BY reviewer_id
        )
        SELECT * FROM final ORDER BY reviewer_id""", params)


def reviewer_names(db: Database, actor: Account, as_of: date | None = None) -> pd.DataFrame:
    """``reviewer_id`` and ``display_name`` of every account that had submitted a scorecard by ``as_of``."""
    authorize(db, actor, PERMISSION)
    cut, cut_params = known(as_of, "scorecards")
    return db.frame(f"""
        WITH {cut}
        SELECT account_id AS reviewer_id, display_name FROM accounts
        WHERE account_id IN (SELECT reviewer_id FROM known_scorecards)
        ORDER BY account_id""", cut_params)


def newest_weights(db: Database, actor: Account) -> pd.DataFrame:
    """The newest weight version (latest ``effective_from``): one row per dimension.

    Read as stored, whatever the as-of date of the report: the newest weights are the setting a
    suggested change is judged against and would replace.

    Returns
    -------
    pandas.DataFrame
        ``version_id``, ``effective_from``, ``note``, ``dimension_id``, ``dimension`` (code),
        ``weight_pct``; in dimension order. Empty when there is no version.
    """
    authorize(db, actor, PERMISSION)
    return db.frame("""
        SELECT v.version_id, v.effective_from, v.note, w.dimension_id, d.code AS dimension,
               w.weight_pct::DOUBLE AS weight_pct
        FROM weight_versions AS v
        JOIN dimension_weights AS w USING (version_id)
        JOIN dimensions AS d USING (dimension_id)
        WHERE v.version_id = (SELECT version_id FROM weight_versions    -- one with weights: not being withdrawn
                              WHERE version_id IN (SELECT version_id FROM dimension_weights)
                              ORDER BY effective_from DESC LIMIT 1)
        ORDER BY w.dimension_id""")
