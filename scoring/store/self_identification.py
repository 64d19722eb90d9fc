"""Candidates' voluntary self-identification, and the only reads that join it to anything.

The ``self_identification`` table (sex and race/ethnicity in the EEO-1 categories of
:mod:`scoring.domain.self_identification`) is read here and nowhere else in the store: no score, view or
other read joins it, so no page that shows a candidate's scores can show it too. Every function needs
``read_self_identification``, which only auditors and admins hold (:mod:`scoring.agency.access`); a
reviewer, a hiring lead or ops staff are refused before anything is read.

The adverse-impact reads return counts per stage and group, never a candidate: the auditor sees how
groups fared, not who is in them. The one read of single ratings (:func:`group_ratings`, for the
reviewer x group bias analysis) names each application by a key made up for that read alone, never by
an id found anywhere else. Rows are written by the import (``self_identification.csv``, see
``docs/import-format.md``) and the demo; the admin's export carries them, as it carries every table.

Counting, as of an audit date (nothing dated after it is used): a candidate whose answer was recorded
after the date, or who never answered, counts under "no answer" (both columns missing).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.agency.access import Account
from scoring.domain.stages import SCORED_STAGES
from scoring.store import formulas
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database

__all__ = ["group_ratings", "records", "reviewer_group_ratings", "reviewer_names", "scoring_counts", "stage_counts"]

_READ = "read_self_identification"

# Each application's candidate and their answer as known at the end of the audit date (the first
# parameter); a missing answer leaves both columns missing.
_GROUPS = """
    groups AS (
        SELECT a.application_id, si.sex, si.race_ethnicity
        FROM applications AS a
        LEFT JOIN self_identification AS si
               ON si.candidate_id = a.candidate_id AND si.recorded_on <= ?::DATE
    )"""


def records(db: Database, actor: Account) -> pd.DataFrame:
    """Every stored answer: ``candidate_ref`` (the candidate's external id), ``sex``, ``race_ethnicity``,
    ``recorded_on``, by candidate reference. For an auditor or admin checking what was imported."""
    authorize(db, actor, _READ)
    return db.frame("""
        SELECT c.external_id AS candidate_ref, si.sex, si.race_ethnicity, si.recorded_on
        FROM self_identification AS si JOIN candidates AS c USING (candidate_id)
        ORDER BY c.external_id""")


def stage_counts(db: Database, actor: Account, as_of: date, start: date | None = None,
                 end: date | None = None) -> pd.DataFrame:
    """Per stage and self-identified group: the applications decided, and how many of them passed.

    Parameters
    ----------
    as_of : date
        Audit date: decisions and answers recorded after it are not used.
    start, end : date, optional
        Only decisions taken within these days (both included) count; missing bounds leave that
        side open.

    Returns
    -------
    pandas.DataFrame
        ``stage_id``, ``sex``, ``race_ethnicity`` (missing: no answer), ``decided``, ``passed``; one
        row per combination that holds any decision, ordered by stage. Counts only: no candidate.
    """
    authorize(db, actor, _READ)
    cut, cut_params = known(as_of, "decisions")
    return db.frame(f"""
        WITH {cut}, {_GROUPS}
        SELECT d.stage_id, g.sex, g.race_ethnicity, count(*) AS decided,
               count(*) FILTER (WHERE d.decision = 'pass') AS passed
        FROM known_decisions AS d JOIN groups AS g USING (application_id)
        WHERE d.decision IS NOT NULL
          AND (?::DATE IS NULL OR d.decided_on >= ?::DATE) AND (?::DATE IS NULL OR d.decided_on <= ?::DATE)
        GROUP BY ALL ORDER BY ALL""", [*cut_params, as_of, start, start, end, end])


def scoring_counts(db: Database, actor: Account, as_of: date, start: date | None = None,
                   end: date | None = None) -> pd.DataFrame:
    """Per scored stage and self-identified group: complete weighted scores, and how many lie above the median.

    The score is :func:`scoring.agency.scorecard.weighted_scores`' (the weights in force when the
    application entered the stage; an incomplete scorecard has none and is not counted), from the
    scorecards submitted by ``as_of``. The median is over every complete score of the stage whose
    application entered it within ``start``-``end``, whatever its group: Local Law 144's "scoring
    rate" is the share of a group scoring above it.

    Returns
    -------
    pandas.DataFrame
        ``stage_id``, ``median_score`` (the stage's), ``sex``, ``race_ethnicity`` (missing: no answer),
        ``scored``, ``above_median``. Counts only: no candidate and no score of anyone.
    """
    authorize(db, actor, _READ)
    cut, cut_params = known(as_of, "decisions", "current_scores")
    stages = ", ".join(str(int(stage)) for stage in SCORED_STAGES)
    return db.frame(f"""
        WITH {cut}, {_GROUPS}, {formulas.weight_sets()},
        entered AS (
            SELECT application_id, stage_id, entered_on, application_id * 10 + stage_id AS entry_key
            FROM known_decisions
            WHERE stage_id IN ({stages})
              AND (?::DATE IS NULL OR entered_on >= ?::DATE) AND (?::DATE IS NULL OR entered_on <= ?::DATE)
        ),
        in_force AS MATERIALIZED ({formulas.version_in_force("entered", "entered_on", "entry_key")}),
        means AS (
            SELECT application_id, stage_id, {formulas.dimension_means()}
            FROM known_current_scores
            WHERE stage_id IN ({stages})
            GROUP BY application_id, stage_id
        ),
        scored AS (
            SELECT e.application_id, e.stage_id, {formulas.weighted_score("m", "w")} AS score
            FROM entered AS e
            JOIN means AS m USING (application_id, stage_id)
            JOIN in_force AS f USING (entry_key)
            JOIN weight_sets AS w ON w.version_id = f.version_id
        ),
        complete AS (SELECT * FROM scored WHERE score IS NOT NULL),
        medians AS (
            SELECT stage_id, quantile_cont(score, 0.5) AS median_score FROM complete GROUP BY stage_id
        ),
        final AS (
            SELECT c.stage_id, md.median_score, g.sex, g.race_ethnicity, count(*) AS scored,
                   count(*) FILTER (WHERE c.score > md.median_score) AS above_median
            FROM complete AS c
            JOIN medians AS md USING (stage_id)
            JOIN groups AS g USING (application_id)
            GROUP BY ALL
        )
        SELECT * FROM final ORDER BY ALL""", [*cut_params, as_of, start, start, end, end])


def reviewer_group_ratings(db: Database, actor: Account, as_of: date, start: date | None = None,
                           end: date | None = None) -> pd.DataFrame:
    """Per reviewer, scored stage, dimension and self-identified group: how many ratings, and their sum.

    The raw material for judging whether a reviewer rates one group lower than their peers rate it
    (the submitted ratings in force at the end of ``as_of``, of submissions within ``start``-``end``).

    Returns
    -------
    pandas.DataFrame
        ``reviewer_id``, ``stage_id``, ``dimension_id``, ``sex``, ``race_ethnicity`` (missing: no
        answer), ``ratings``, ``rating_sum``. Counts and sums only: no candidate.
    """
    authorize(db, actor, _READ)
    cut, cut_params = known(as_of, "current_scores")
    return db.frame(f"""
        WITH {cut}, {_GROUPS}
        SELECT cs.reviewer_id, cs.stage_id, cs.dimension_id, g.sex, g.race_ethnicity,
               count(*) AS ratings, sum(cs.rating) AS rating_sum
        FROM known_current_scores AS cs JOIN groups AS g USING (application_id)
        WHERE (?::DATE IS NULL OR CAST(cs.submitted_at AS DATE) >= ?::DATE)
          AND (?::DATE IS NULL OR CAST(cs.submitted_at AS DATE) <= ?::DATE)
        GROUP BY ALL ORDER BY ALL""", [*cut_params, as_of, start, start, end, end])


# A rating made for a calibration exercise (on an item of a set, submitted once the set existed) is not a
# live rating: the same rule as the calibration page's reads (scoring.store.ratings).
_LIVE = """NOT EXISTS (
    SELECT 1 FROM calibration_items AS ci JOIN calibration_sets AS cset USING (set_id)
    WHERE ci.application_id = cs.application_id AND ci.stage_id = cs.stage_id
      AND cs.submitted_at >= cset.created_at)"""


def group_ratings(db: Database, actor: Account, as_of: date, start: date | None = None,
                  end: date | None = None) -> pd.DataFrame:
    """Every live rating of the period with its candidate's self-identified group, for the bias analysis.

    The many-facet model behind a reviewer x group bias term needs single ratings (each application's
    skill is estimated from its own ratings), so this read, unlike the others, returns one row per
    rating; the application is named by ``application_key``, a number made up for this read (1, 2, ...
    in an order unrelated to any id), so no candidate can be looked up from it. Ratings are those in
    force at the end of ``as_of`` of scorecards submitted within ``start``-``end`` (both included),
    leaving out ratings made for a calibration exercise.

    Returns
    -------
    pandas.DataFrame
        ``stage_id``, ``application_key``, ``reviewer_id``, ``dimension_id``, ``rating`` (1-5), ``sex``,
        ``race_ethnicity`` (missing: no answer); in no particular order.
    """
    authorize(db, actor, _READ)
    cut, cut_params = known(as_of, "current_scores")
    frame = db.frame(f"""
        WITH {cut}, {_GROUPS},
        live AS (
            SELECT cs.stage_id, cs.application_id, cs.reviewer_id, cs.dimension_id, cs.rating
            FROM known_current_scores AS cs
            WHERE (?::DATE IS NULL OR CAST(cs.submitted_at AS DATE) >= ?::DATE)
              AND (?::DATE IS NULL OR CAST(cs.submitted_at AS DATE) <= ?::DATE)
              AND {_LIVE}
        ),
        final AS (
            SELECT l.stage_id,
                   dense_rank() OVER (ORDER BY hash(l.application_id), l.application_id) AS application_key,
                   l.reviewer_id, l.dimension_id, l.rating, g.sex, g.race_ethnicity
            FROM live AS l JOIN groups AS g USING (application_id)
        )
        SELECT * FROM final""",
        [*cut_params, as_of, start, start, end, end])
    return frame.astype({"stage_id": "int64", "application_key": "int64", "reviewer_id": "int64",
                         "dimension_id": "int64", "rating": "int64"})


def reviewer_names(db: Database, actor: Account) -> pd.DataFrame:
    """The name of everyone who has scored, for the bias analysis's rows (an auditor may not read the
    accounts list): ``reviewer_id``, ``display_name``, by id."""
    authorize(db, actor, _READ)
    return db.frame("""
        SELECT account_id AS reviewer_id, display_name
        FROM accounts
        WHERE account_id IN (SELECT DISTINCT reviewer_id FROM scorecards)
        ORDER BY account_id""")
