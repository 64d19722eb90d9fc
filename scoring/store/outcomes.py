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
dimension as zero or left out (:mod:`scoring.agency.scorecard`). The SQL is built by
:mod:`scoring.store.formulas`, the one SQL form of those definitions:

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
from scoring.domain.dimensions import DIMENSION_CODES
from scoring.domain.stages import Stage
from scoring.store import formulas
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.pipeline import SearchFilter

PERMISSION = "read_validity"

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

# The weight version in force for each scored application, picked by its stage entry date.
_IN_FORCE = f"""
    {formulas.weight_sets()},
    entered AS (
        SELECT sc.application_id, e.entered_on
        FROM (SELECT DISTINCT application_id FROM stage_scores) AS sc
        LEFT JOIN known_decisions AS e ON e.application_id = sc.application_id AND e.stage_id = ?
    ),
    in_force AS MATERIALIZED ({formulas.version_in_force("entered", "entered_on", "application_id")})"""


def _scope(search_filter: SearchFilter, stage_id: int, as_of: date | None, *tables: str) -> tuple[str, list]:
    """The CTEs every read starts from (the as-of cut of ``tables`` as well), and their parameters."""
    cut, cut_params = known(as_of, "clients", "searches", "current_scores", *tables)
    where, params = search_filter.where("s")
    return f"{cut},\n{_SCOPED.format(where=where)}", [*cut_params, *params, stage_id]


def application_outcomes(db: Database, actor: Account, search_filter: SearchFilter,
                         stage_id: int = Stage.TAKE_HOME, as_of: date | None = None) -> pd.DataFrame:
    """One row per application with submitted ratings at ``stage_id``, its scores and what followed,
    as known at the end of ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``application`` (external id), ``search_id``, ``search``,
        ``client_id``, ``client``, ``seniority``, ``opened_on`` (the search's), ``stage_entered_on``,
        ``reviewers``, ``ratings``, ``dimensions_rated``, ``complete`` (every dimension rated by
        someone), the mean rating of each dimension (one column per code of
        :data:`scoring.domain.dimensions.DIMENSION_CODES`), ``version_in_force``, ``score_in_force``,
        ``version_newest``, ``score_newest`` (both missing when incomplete), ``shortlisted_on`` (stage-4 entry,
        missing if never shortlisted), ``client_decision`` ('pass', 'fail', missing while open),
        ``placement_id``, ``first_day``, ``ended_on``, ``end_reason``. Ordered by application.
    """
    authorize(db, actor, PERMISSION)
    scoped, params = _scope(search_filter, stage_id, as_of, "decisions", "placements")
    means = ", ".join(f"p.{code}" for code in DIMENSION_CODES)
    return db.frame(f"""
        WITH {scoped}, {_IN_FORCE},
        panel AS (
            SELECT application_id, count(DISTINCT reviewer_id) AS reviewers, count(*) AS ratings,
                   count(DISTINCT dimension_id) AS dimensions_rated,
                   {formulas.dimension_means()}
            FROM stage_scores
            GROUP BY application_id
        ),
        shortlist AS (
            SELECT application_id, entered_on AS shortlisted_on, decision AS client_decision
            FROM known_decisions WHERE stage_id = {Stage.CLIENT_SHORTLIST:d}
        ),
        final AS (
            SELECT sp.application_id, sp.application, sp.search_id, sp.search, sp.client_id, sp.client,
                   sp.seniority, sp.opened_on, e.entered_on AS stage_entered_on, p.reviewers, p.ratings,
                   p.dimensions_rated, p.dimensions_rated = {len(DIMENSION_CODES)} AS complete, {means},
                   f.version_id AS version_in_force, {formulas.weighted_score("p", "wf")} AS score_in_force,
                   wn.version_id AS version_newest, {formulas.weighted_score("p", "wn")} AS score_newest,
                   sl.shortlisted_on, sl.client_decision,
                   pl.placement_id, pl.first_day, pl.ended_on, pl.end_reason
            FROM panel AS p
            JOIN scoped AS sp USING (application_id)
            JOIN entered AS e USING (application_id)
            JOIN in_force AS f USING (application_id)
            LEFT JOIN weight_sets AS wf ON wf.version_id = f.version_id
            LEFT JOIN weight_sets AS wn ON wn.version_id = (SELECT version_id FROM weight_sets
                                                            ORDER BY effective_from DESC LIMIT 1)
            LEFT JOIN shortlist AS sl USING (application_id)
            LEFT JOIN known_placements AS pl USING (application_id)
        )
        SELECT * FROM final ORDER BY application_id""",
        [*params, stage_id])


def reviewer_scores(db: Database, actor: Account, search_filter: SearchFilter,
                    stage_id: int = Stage.TAKE_HOME, as_of: date | None = None) -> pd.DataFrame:
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
        own AS (
            SELECT application_id, reviewer_id, count(*) AS dimensions_rated, {formulas.dimension_means()}
            FROM stage_scores
            WHERE application_id IN (SELECT application_id FROM known_decisions
                                     WHERE stage_id = {Stage.CLIENT_SHORTLIST:d})
            GROUP BY application_id, reviewer_id
        ),
        final AS (
            SELECT o.application_id, o.reviewer_id, o.dimensions_rated,
                   {formulas.weighted_score("o", "w")} AS own_score
            FROM own AS o
            JOIN in_force AS f USING (application_id)
            JOIN weight_sets AS w ON w.version_id = f.version_id
        )
        SELECT * FROM final ORDER BY application_id, reviewer_id""",
        [*params, stage_id])


def stage_ratings(db: Database, actor: Account, search_filter: SearchFilter, stage_id: int = Stage.TAKE_HOME,
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
                       stage_id: int = Stage.TAKE_HOME, as_of: date | None = None) -> pd.DataFrame:
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
