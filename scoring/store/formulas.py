"""The SQL form of the scorecard's formulas, written once for every read that computes them in the database.

The definitions are Python's, in :mod:`scoring.agency.scorecard`; a read that would be slow doing them in
pandas on hundreds of thousands of ratings builds its SQL from the pieces here instead of writing its own,
and ``tests/store/test_formulas_agree.py`` checks on random data that both give the same numbers:

* :func:`weight_sets` -- one row per weight version that counts (a version without weights is being
  withdrawn, :mod:`scoring.store.weights`, and counts for nothing), one weight column per dimension;
* :func:`version_in_force` -- the version in force on a date
  (:func:`scoring.agency.scorecard.version_in_force`: the newest version effective on or before it;
  before the first version, the first; with no date, the newest);
* :func:`dimension_means` -- per group, one mean column per dimension over the ratings present;
* :func:`weighted_score` -- :func:`scoring.agency.scorecard.weighted_scores`' ``score``: the weights-sum of
  the dimension means over the weights' total, missing unless every dimension has a mean.

The weighted sum is written out term by term in dimension order, so it is the same bits on every run
(an aggregate ``sum`` over rows adds in no fixed order, and the last bits would break ties differently).
"""

from __future__ import annotations

from scoring.domain.dimensions import DIMENSIONS

#: Prefix of the weight columns of :func:`weight_sets` (``w_infrastructure`` ...), in percent.
WEIGHT_PREFIX = "w_"


def weight_sets(name: str = "weight_sets") -> str:
    """A CTE ``name``: ``version_id``, ``effective_from`` and a ``w_<code>`` column (percent) per dimension.

    Only versions with weights are there: one being withdrawn has none.

    Examples
    --------
    >>> weight_sets().splitlines()[0]
    'weight_sets AS ('
    """
    columns = ",\n               ".join(
        f"CAST(max(CASE WHEN w.dimension_id = {d.id} THEN w.weight_pct END) AS DOUBLE PRECISION)"
        f" AS {WEIGHT_PREFIX}{d.code}" for d in DIMENSIONS)
    return f"""{name} AS (
        SELECT v.version_id, v.effective_from,
               {columns}
        FROM weight_versions AS v
        JOIN dimension_weights AS w USING (version_id)
        GROUP BY v.version_id, v.effective_from
    )"""


def version_in_force(dated: str, date_column: str, key: str, sets: str = "weight_sets") -> str:
    """A query giving each row of ``dated`` (a CTE or table) its weight version: ``key``, ``version_id``.

    The version in force on ``date_column`` is the one with the latest ``effective_from`` on or before
    it; a date before every version takes the first one, and a missing date the newest, exactly as
    :func:`scoring.agency.scorecard.version_in_force` with a missing date read as the far future.
    ``sets`` names a CTE made by :func:`weight_sets`.
    """
    return f"""
        SELECT x.{key},
               CASE WHEN x.{date_column} IS NULL
                    THEN (SELECT version_id FROM {sets} ORDER BY effective_from DESC LIMIT 1)
                    ELSE coalesce(v.version_id, (SELECT version_id FROM {sets} ORDER BY effective_from LIMIT 1))
                    END AS version_id
        FROM {dated} AS x
        ASOF LEFT JOIN {sets} AS v ON x.{date_column} >= v.effective_from"""


def dimension_means(rating: str = "rating") -> str:
    """Select-list items: the mean of ``rating`` per dimension, as a column named by its code.

    For a query grouped by what is scored (an application, or an application and a reviewer); a
    dimension nobody rated in the group has no mean.
    """
    return ",\n".join(f"avg({rating}) FILTER (WHERE dimension_id = {d.id}) AS {d.code}" for d in DIMENSIONS)


def weighted_score(means: str, weights: str) -> str:
    """The weighted score of one row of :func:`dimension_means` under one row of :func:`weight_sets`.

    ``means`` and ``weights`` are the aliases of those rows. Missing when a dimension has no mean.

    Examples
    --------
    >>> weighted_score("m", "w").startswith("CASE WHEN m.infrastructure IS NOT NULL AND m.deployment")
    True
    """
    present = " AND ".join(f"{means}.{d.code} IS NOT NULL" for d in DIMENSIONS)
    terms = " + ".join(f"{means}.{d.code} * {weights}.{WEIGHT_PREFIX}{d.code}" for d in DIMENSIONS)
    total = " + ".join(f"{weights}.{WEIGHT_PREFIX}{d.code}" for d in DIMENSIONS)
    return f"CASE WHEN {present} THEN ({terms}) / nullif({total}, 0) END"
