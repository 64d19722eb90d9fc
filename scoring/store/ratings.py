"""Submitted ratings: what the calibration, validity and ops figures read of reviewers' scores.

Every read here takes only submitted, current ratings (``current_scores``; as of a date, the
``known_current_scores`` of :mod:`scoring.store.as_of`), where a dimension marked not assessed is no
rating. Weighted scores are computed in SQL from :mod:`scoring.store.formulas`, the one SQL form of
:mod:`scoring.agency.scorecard`'s definitions (``tests/store/test_formulas_agree.py`` holds them equal).

* Calibration (``read_calibration``): the live ratings a :class:`CalibrationFilter` picks and every
  reviewer pair's ratings of the same units. Live scoring and calibration exercises are kept apart:
  a rating belongs to an exercise when its application and stage are an item of a calibration set
  and it was submitted after the set was created, and the live reads leave those out
  (:mod:`scoring.store.calibration_exercises` reads them).
* Validity (``read_validity``): per application of the filtered searches, its ratings at a stage,
  its weighted scores and what followed, as known at the end of an ``as_of`` date: a scorecard
  submitted later is not there and an amendment made later has not replaced the revision it amends;
  a stage entered later was not entered, and a decision taken later (the client's at the shortlist
  too) is still open; a placement accepted later does not exist, and one that ended later is still
  running. Weight versions are the agency's settings, read as stored: the version in force for a
  score is picked by its stage entry date, which is never after the as-of date. An application at
  whose stage some dimension was rated by no reviewer is incomplete: its scores are missing, never
  computed with that dimension as zero or left out.

  - ``score_in_force``: the weight version in force on the day the application entered the stage
    (before the first version, the first one; with no entry date, the newest), the score the agency
    acted on;
  - ``score_newest``: the newest weight version (latest ``effective_from``), the weights any change
    would be judged against.
* Ops (``read_ops`` and ``read_all_scores``): the ratings behind each scored stage of the filtered
  searches, for the audit's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from scoring.agency.access import Account, require
from scoring.domain.dimensions import DIMENSION_CODES, DIMENSIONS
from scoring.domain.stages import SCORED_STAGES, Stage
from scoring.store import formulas
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.searches import SearchFilter

_VALIDITY = "read_validity"
_SCORED_IDS = tuple(map(int, SCORED_STAGES))
#: Dimension ids in scorecard order.
DIMENSION_IDS: tuple[int, ...] = tuple(d.id for d in DIMENSIONS)

#: Which date puts a rating into a month: key -> (SQL expression, label shown on the page).
PERIOD_BASES: dict[str, tuple[str, str]] = {
    "submitted": ("cs.submitted_at", "month the scorecard was submitted"),
    "entered": ("d.entered_on", "month the application entered the stage"),
}

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

    stage_id: int = Stage.TAKE_HOME
    dimension_ids: tuple[int, ...] = ()
    first_month: date | None = None
    last_month: date | None = None
    basis: str = "submitted"

    def __post_init__(self) -> None:
        if self.stage_id not in SCORED_STAGES:
            raise ValueError(f"stage_id must be one of {_SCORED_IDS}; got {self.stage_id!r}")
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


# -- calibration --------------------------------------------------------------------------------
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


# -- validity -----------------------------------------------------------------------------------
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
    authorize(db, actor, _VALIDITY)
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
    authorize(db, actor, _VALIDITY)
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
    authorize(db, actor, _VALIDITY)
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
    authorize(db, actor, _VALIDITY)
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


# -- ops ----------------------------------------------------------------------------------------
def scorecard_ratings(db: Database, actor: Account, search_filter: SearchFilter,
                      as_of: date | None = None) -> pd.DataFrame:
    """The ratings behind each scored stage of the filtered searches' applications, as of ``as_of``.

    Per reviewer, application and stage, the newest revision submitted by the end of ``as_of``: a
    scorecard submitted later is not there yet, and an amendment submitted later has not replaced
    the revision it later superseded.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``application_ref``, ``stage_id``, ``stage`` (stage code),
        ``entered_on`` (when the application entered the stage: it picks the weight version),
        ``reviewer_id``, ``dimension`` (dimension code), ``rating`` (1-5); ordered by application,
        stage, reviewer and dimension.
    """
    authorize(db, actor, "read_ops")
    require(actor, "read_all_scores")
    cut, cut_params = known(as_of, "searches", "decisions", "current_scores")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT a.application_id, a.external_id AS application_ref, k.stage_id, st.code AS stage,
               d.entered_on, k.reviewer_id, dm.code AS dimension, k.rating
        FROM known_current_scores AS k
        JOIN dimensions AS dm USING (dimension_id)
        JOIN stages AS st ON st.stage_id = k.stage_id
        JOIN applications AS a ON a.application_id = k.application_id
        JOIN known_searches AS s ON s.search_id = a.search_id
        LEFT JOIN known_decisions AS d ON d.application_id = k.application_id AND d.stage_id = k.stage_id
        WHERE {where}
        ORDER BY a.application_id, k.stage_id, k.reviewer_id, dm.dimension_id""",
        [*cut_params, *params])
