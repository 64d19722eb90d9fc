"""The weighted scorecard: five anchored dimensions, versioned weights, one score per application.

The weighted score of an application at a stage is the weights-sum of each dimension's mean rating
across the reviewers who submitted a scorecard:

.. math:: S = \\sum_d w_d \\, \\bar r_d, \\qquad \\sum_d w_d = 1

on the 1-5 rating scale, and as ``100 (S - 1) / 4`` on a 0-100 scale. Each mean is taken over the
ratings present: a reviewer who marked a dimension not assessed adds nothing to it. When no
reviewer rated a dimension, the application's scorecard at that stage is *incomplete*: it has no
weighted total (never the missing dimension counted as zero), the missing dimensions are named, and
it is never ranked against complete ones. A total re-weighted over the rated dimensions only is
kept apart, under its own name, for places that label it as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from scoring.domain.dimensions import (
    DIMENSION_CODES,
    DIMENSION_NAMES,
)
from scoring.domain.ratings import RATING_MAX, RATING_MIN

#: How a display shows a dimension a reviewer marked not assessed, and one that no reviewer rated.
NOT_ASSESSED, NOT_RATED = "not assessed", "not rated"
#: The columns :func:`scores_under_versions` adds from :func:`weighted_scores` (all but the rank).
SCORE_COLUMNS = ("score", "score_pct", "complete", "missing_dimensions", "reweighted_score",
                 "reweighted_score_pct")
WEIGHT_TOLERANCE = 1e-6
#: The earliest date any stored fact may carry. Every database's default weight version (seeded by
#: schema.sql as version 1) applies from it, so every dated score falls under some version.
EARLIEST_DATE = date(1900, 1, 1)


@dataclass(frozen=True)
class WeightCheck:
    """What is wrong with a proposed weight set, every fault at once (:func:`check_weights`)."""

    unknown: tuple[str, ...]
    """Keys that are not dimension codes."""
    missing: tuple[str, ...]
    """Dimension codes without a weight."""
    negative: tuple[str, ...]
    """Dimension codes whose weight is below 0 or not a number."""
    total: float
    """The sum of the weights, in percent."""

    @property
    def adds_up(self) -> bool:
        """Whether the weights sum to 100% (within :data:`WEIGHT_TOLERANCE`)."""
        return bool(abs(self.total - 100) <= WEIGHT_TOLERANCE)

    @property
    def ok(self) -> bool:
        """Whether the set may be stored: no fault at all."""
        return not (self.unknown or self.missing or self.negative) and self.adds_up


def check_weights(weights_pct: Mapping[str, float]) -> WeightCheck:
    """Every fault of a proposed weight set: the one weight rule, for refusals and for forms alike.

    Examples
    --------
    >>> from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
    >>> check_weights(DEFAULT_WEIGHTS_PCT).ok
    True
    >>> check = check_weights({**DEFAULT_WEIGHTS_PCT, "governance": -5})
    >>> check.negative, check.total, check.adds_up
    (('governance',), 85.0, False)
    """
    return WeightCheck(
        unknown=tuple(sorted(set(weights_pct) - set(DIMENSION_CODES))),
        missing=tuple(d for d in DIMENSION_CODES if d not in weights_pct),
        negative=tuple(code for code, weight in weights_pct.items() if not np.isfinite(weight) or weight < 0),
        total=float(sum(weights_pct.values())),
    )


def validate_weights(weights_pct: Mapping[str, float]) -> None:
    """Refuse a weight set that is not one non-negative percentage per dimension summing to 100.

    Raises
    ------
    ValueError
        Naming the missing, unknown or negative dimension, or the actual total.

    Examples
    --------
    >>> from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
    >>> validate_weights(DEFAULT_WEIGHTS_PCT)
    >>> validate_weights({**DEFAULT_WEIGHTS_PCT, "governance": 15})
    Traceback (most recent call last):
    ...
    ValueError: weights must sum to 100%, these sum to 105%
    """
    check = check_weights(weights_pct)
    if check.unknown:
        raise ValueError(f"unknown dimension(s) {list(check.unknown)}; valid: {list(DIMENSION_CODES)}")
    if check.missing:
        raise ValueError(f"no weight for dimension(s) {list(check.missing)}")
    if check.negative:
        code = check.negative[0]
        raise ValueError(f"weight of {code} must be a non-negative number, got {weights_pct[code]}")
    if not check.adds_up:
        raise ValueError(f"weights must sum to 100%, these sum to {check.total:g}%")


def to_percent(score: float | np.ndarray | pd.Series) -> float | np.ndarray | pd.Series:
    """Map a 1-5 score onto 0-100 (1 -> 0, 3 -> 50, 5 -> 100).

    >>> to_percent(3.0)
    50.0
    """
    return (score - RATING_MIN) / (RATING_MAX - RATING_MIN) * 100


def dimension_means(ratings: pd.DataFrame) -> pd.DataFrame:
    """Mean rating per application and dimension across reviewers.

    Parameters
    ----------
    ratings : DataFrame
        Long format with columns ``application_id``, ``dimension`` (a code of
        :data:`scoring.domain.dimensions.DIMENSION_CODES`) and ``rating``; one row per reviewer's rating.

    Returns
    -------
    DataFrame
        Index ``application_id``, one column per dimension code in display order, NaN where no
        reviewer rated that dimension.
    """
    wide = ratings.pivot_table(index="application_id", columns="dimension", values="rating",
                               aggfunc="mean", observed=True)
    return wide.reindex(columns=list(DIMENSION_CODES)).rename_axis(columns=None)


def weighted_total(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weights-sum of each row's values divided by the weight of the values present.

    The one arithmetic of every weighted score here and in the store's SQL
    (:func:`scoring.store.formulas.weighted_score`): terms are added in column order, so the SQL
    form, written term by term in the same order, gives the same bits.

    Parameters
    ----------
    values : ndarray
        (rows, dimensions); NaN where a dimension has no mean.
    weights : ndarray
        One non-negative weight per dimension, in any unit (percent or fractions).

    Returns
    -------
    ndarray
        One total per row; NaN where no weighted value is present.

    Examples
    --------
    >>> weighted_total(np.array([[4.0, 2.0], [5.0, np.nan]]), np.array([75.0, 25.0])).tolist()
    [3.5, 5.0]
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    numerator = np.zeros(len(values))
    present_weight = np.zeros(len(values))
    for column, weight in enumerate(weights):
        rated = ~np.isnan(values[:, column])
        numerator = np.where(rated, numerator + values[:, column] * weight, numerator)
        present_weight = np.where(rated, present_weight + weight, present_weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(present_weight > 0, numerator / present_weight, np.nan)


def weighted_scores(means: pd.DataFrame, weights_pct: Mapping[str, float]) -> pd.DataFrame:
    """Weighted score of each row of per-dimension means; no total where a dimension is missing.

    Parameters
    ----------
    means : DataFrame
        One row per application (any index), one column per dimension code; NaN for a dimension
        nobody rated.
    weights_pct : mapping
        Percent per dimension code, summing to 100.

    Returns
    -------
    DataFrame
        Same index, columns:

        * ``score`` (1-5) and ``score_pct`` (0-100): the weighted total, NaN when incomplete;
        * ``complete``: every dimension has a mean;
        * ``missing_dimensions``: the codes of the dimensions without one, in scorecard order
          (an empty list when complete);
        * ``reweighted_score`` and ``reweighted_score_pct``: the weights renormalised over the
          rated dimensions only (equal to ``score`` when complete; NaN when nothing is rated);
          to be shown only under a label saying so;
        * ``rank``: 1 = best among complete rows; NaN for incomplete ones.

    Notes
    -----
    A dimension with no mean makes the row incomplete whatever its weight: "not rated by any
    reviewer" is a fact about the evidence, not about the weights in force.

    Examples
    --------
    >>> from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
    >>> means = pd.DataFrame([[4, 4, 3, 3, 2], [5, 5, 5, 5, None]], columns=list(DIMENSION_CODES))
    >>> scored = weighted_scores(means, DEFAULT_WEIGHTS_PCT)
    >>> scored[["score", "complete", "rank"]]
       score  complete  rank
    0    3.4      True   1.0
    1    NaN     False   NaN
    >>> scored.loc[1, "missing_dimensions"], float(scored.loc[1, "reweighted_score"])
    (['governance'], 5.0)
    """
    validate_weights(weights_pct)
    codes = list(DIMENSION_CODES)
    values = means.reindex(columns=codes).to_numpy(dtype=float)
    rated = ~np.isnan(values)
    reweighted = weighted_total(values, np.array([weights_pct[d] for d in codes], dtype=float))
    complete = rated.all(axis=1)
    score = np.where(complete, reweighted, np.nan)
    missing = [[code for code, present in zip(codes, row) if not present] for row in rated]
    result = pd.DataFrame({"score": score, "score_pct": to_percent(score), "complete": complete,
                           "missing_dimensions": pd.Series(missing, index=means.index, dtype=object),
                           "reweighted_score": reweighted, "reweighted_score_pct": to_percent(reweighted)},
                          index=means.index)
    result["rank"] = result["score"].rank(ascending=False, method="min")
    return result


def incomplete_message(missing_dimensions: list[str]) -> str:
    """What to show instead of a total: which dimensions no reviewer rated.

    Examples
    --------
    >>> incomplete_message(["governance"])
    'Incomplete: Governance not rated by any reviewer'
    >>> incomplete_message(["monitoring", "automation", "governance"])
    'Incomplete: Monitoring, Automation and Governance not rated by any reviewer'
    """
    names = [DIMENSION_NAMES[code] for code in missing_dimensions]
    if not names:
        raise ValueError("a scorecard with every dimension rated is complete")
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Incomplete: {listed} not rated by any reviewer"


def rating_grid(rows: pd.DataFrame, consensus: str | None = None) -> pd.DataFrame:
    """Reviewer x dimension ratings as text, for display: each rating, or that it was not assessed.

    Parameters
    ----------
    rows : DataFrame
        ``reviewer``, ``dimension`` (code), ``rating``: one row per reviewer and dimension of their
        scorecard, the rating missing where they marked the dimension not assessed.
    consensus : str, optional
        Label of a last row holding each dimension's mean over the ratings present (two decimals),
        :data:`NOT_RATED` where no reviewer rated it.

    Returns
    -------
    DataFrame
        Indexed by reviewer, one column per dimension name in scorecard order; a cell holds the
        rating, :data:`NOT_ASSESSED`, or nothing (an empty text) where the reviewer has no row.

    Examples
    --------
    >>> rows = pd.DataFrame({"reviewer": ["Ana", "Ana", "Ben", "Ben"],
    ...                      "dimension": ["monitoring", "governance", "monitoring", "governance"],
    ...                      "rating": [4, None, 3, None]})
    >>> grid = rating_grid(rows, consensus="Consensus")
    >>> grid.index.tolist(), grid["Monitoring"].tolist(), grid["Governance"].tolist()
    (['Ana', 'Ben', 'Consensus'], ['4', '3', '3.50'], ['not assessed', 'not assessed', 'not rated'])
    >>> grid["Infrastructure"].tolist()
    ['', '', 'not rated']
    """
    codes = list(DIMENSION_CODES)
    given = rows.dropna(subset=["rating"])
    cells = given.assign(text=given["rating"].astype(int).astype(str))[["reviewer", "dimension", "text"]]
    skipped = rows[rows["rating"].isna()].assign(text=NOT_ASSESSED)[["reviewer", "dimension", "text"]]
    long = pd.concat([cells, skipped], ignore_index=True)
    grid = pd.DataFrame("", index=sorted(rows["reviewer"].unique()), columns=codes, dtype=object)
    for reviewer, code, cell in zip(long["reviewer"], long["dimension"], long["text"]):
        grid.loc[reviewer, code] = cell
    if consensus is not None:
        means = given.groupby("dimension")["rating"].mean().reindex(codes)
        grid.loc[consensus] = [NOT_RATED if pd.isna(m) else f"{m:.2f}" for m in means]
    return grid.rename(columns=DIMENSION_NAMES).rename_axis(index="reviewer", columns=None)


def version_in_force(effective_from: pd.Series, on: pd.Series | list) -> np.ndarray:
    """Index into ``effective_from`` of the weight version in force on each date of ``on``.

    A version applies from its effective date until the next one; dates before the first version
    fall under the first, so history is always scored by some version and never rewritten. A missing
    date (a stage with no recorded entry) falls under the newest version. The store's SQL form is
    :func:`scoring.store.formulas.version_in_force`.

    Examples
    --------
    >>> starts = pd.Series(pd.to_datetime(["2024-01-01", "2025-07-01"]))
    >>> version_in_force(starts, pd.to_datetime(["2023-05-01", "2025-06-30", "2025-07-01", None])).tolist()
    [0, 0, 1, 1]
    """
    starts = pd.to_datetime(pd.Series(effective_from)).to_numpy("datetime64[ns]")
    if len(starts) == 0:
        raise ValueError("there is no weight version")
    if np.any(np.diff(starts) <= np.timedelta64(0)):
        raise ValueError("weight versions must be sorted by effective date, without ties")
    dates = pd.to_datetime(pd.Series(on)).to_numpy("datetime64[ns]")
    positions = np.maximum(np.searchsorted(starts, dates, side="right") - 1, 0)
    return np.where(np.isnat(dates), len(starts) - 1, positions)


def scores_under_versions(ratings: pd.DataFrame, stage_dates: pd.DataFrame, versions: pd.DataFrame,
                          version_id: int | None = None) -> pd.DataFrame:
    """Weighted score of each application and stage under the weights in force, or one chosen version.

    Parameters
    ----------
    ratings : DataFrame
        ``application_id``, ``stage_id``, ``dimension`` (code), ``rating``: submitted ratings. A
        row without a rating (a dimension marked not assessed) counts as no rating at all.
    stage_dates : DataFrame
        ``application_id``, ``stage_id``, ``entered_on``: the date that picks the version in force.
    versions : DataFrame
        ``version_id``, ``effective_from``, ``dimension``, ``weight_pct``: one row per version and
        dimension.
    version_id : int, optional
        Score everything under this version instead of the one in force at each stage's date.

    Returns
    -------
    DataFrame
        ``application_id``, ``stage_id``, ``version_id``, the five dimension means, ``reviewers``
        and the columns of :func:`weighted_scores` but ``rank`` (``score`` is NaN and
        ``missing_dimensions`` names the dimensions when no reviewer rated one of them).
    """
    weights = versions.pivot_table(index=["version_id", "effective_from"], columns="dimension",
                                   values="weight_pct").reset_index().sort_values("effective_from")
    keys = ["application_id", "stage_id"]
    ratings = ratings.dropna(subset=["rating"])
    if ratings.empty:
        return pd.DataFrame(columns=[*keys, *DIMENSION_CODES, "reviewers", "version_id", *SCORE_COLUMNS])
    means = ratings.pivot_table(index=keys, columns="dimension", values="rating", aggfunc="mean")
    means = means.reindex(columns=list(DIMENSION_CODES)).reset_index().rename_axis(columns=None)
    means["reviewers"] = ratings.groupby(keys)["reviewer_id"].nunique().to_numpy() \
        if "reviewer_id" in ratings else np.nan
    if version_id is None:
        dated = means.merge(stage_dates, on=keys, how="left")
        position = version_in_force(weights["effective_from"], dated["entered_on"])
        means["version_id"] = weights["version_id"].to_numpy()[position]
    else:
        if version_id not in set(weights["version_id"]):
            raise ValueError(f"no weight version {version_id}; known: {sorted(weights['version_id'])}")
        means["version_id"] = version_id
    parts = []
    for vid, rows in means.groupby("version_id"):
        row = weights[weights["version_id"] == vid].iloc[0]
        scored = weighted_scores(rows[list(DIMENSION_CODES)], {d: float(row[d]) for d in DIMENSION_CODES})
        parts.append(rows.join(scored[list(SCORE_COLUMNS)]))
    return pd.concat(parts).sort_values(keys).reset_index(drop=True)
