"""The candidate-profile report: scores, their breakdown, the radar's traces and the shortlist."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scoring.access import Account
from scoring.scorecard import DIMENSIONS, scores_under_versions
from scoring.store import candidates
from scoring.store.db import Database

CONSENSUS = "Consensus"


@dataclass(frozen=True)
class CandidateReport:
    profile: pd.Series
    applications: pd.DataFrame
    history: pd.DataFrame
    ratings: pd.DataFrame          # visible submitted ratings, long format
    scores: pd.DataFrame           # per application and stage (scorecard.scores_under_versions)
    versions: pd.DataFrame         # weight versions, one row per version and dimension


def candidate_report(db: Database, actor: Account, candidate_id: int, version_id: int | None = None
                     ) -> CandidateReport:
    apps = candidates.applications(db, actor, candidate_id)
    ids = apps["application_id"].tolist()
    ratings = candidates.ratings(db, actor, ids)
    versions = candidates.weight_versions(db, actor)
    scores = _scored(ratings, candidates.stage_dates(db, actor, ids), versions, version_id)
    return CandidateReport(profile=candidates.profile(db, actor, candidate_id), applications=apps,
                           history=candidates.stage_history(db, actor, candidate_id), ratings=ratings,
                           scores=scores, versions=versions)


def _scored(ratings: pd.DataFrame, stage_dates: pd.DataFrame, versions: pd.DataFrame,
            version_id: int | None) -> pd.DataFrame:
    """:func:`scores_under_versions`, or no scores at all when there is no weight version to score under.

    schema.sql gives every database version 1, so only a database whose versions were removed by hand
    has none; no stage then gets a weighted total, and the candidate page says why.
    """
    if versions.empty:
        ratings = ratings.iloc[0:0]
    return scores_under_versions(ratings, stage_dates, versions, version_id)


def radar_series(report: CandidateReport, application_id: int, stage_id: int,
                 stage_medians: pd.DataFrame) -> dict[str, pd.Series]:
    """The radar's traces: each reviewer's ratings, the consensus, and the stage's median candidate."""
    rows = report.ratings[(report.ratings["application_id"] == application_id)
                          & (report.ratings["stage_id"] == stage_id)]
    series = {name: group.set_index("dimension")["rating"] for name, group in rows.groupby("reviewer")}
    if series:
        series[CONSENSUS] = rows.groupby("dimension")["rating"].mean()
    series["Median candidate at this stage"] = stage_medians.set_index("dimension")["median_rating"]
    return series


def breakdown(report: CandidateReport, application_id: int, stage_id: int) -> pd.DataFrame:
    """Reviewer x dimension ratings with the consensus row, columns in scorecard order."""
    rows = report.ratings[(report.ratings["application_id"] == application_id)
                          & (report.ratings["stage_id"] == stage_id)]
    if rows.empty:
        return pd.DataFrame(columns=["reviewer", *DIMENSIONS.values()])
    table = rows.pivot_table(index="reviewer", columns="dimension", values="rating", aggfunc="first").astype(float)
    table.loc[CONSENSUS] = rows.groupby("dimension")["rating"].mean()
    return table.reindex(columns=list(DIMENSIONS)).rename(columns=DIMENSIONS).reset_index()


@dataclass(frozen=True)
class ShortlistComparison:
    candidates: pd.DataFrame       # who was presented and the client's decision
    scores: pd.DataFrame           # their take-home scores (stage 3), one row per application


def shortlist_comparison(db: Database, actor: Account, search_id: int, version_id: int | None = None
                         ) -> ShortlistComparison:
    """The 2-3 candidates presented for one search, side by side on their final scored stage."""
    people = candidates.shortlist(db, actor, search_id)
    ids = people["application_id"].tolist()
    scores = _scored(candidates.ratings(db, actor, ids), candidates.stage_dates(db, actor, ids),
                     candidates.weight_versions(db, actor), version_id)
    final_stage = scores[scores["stage_id"] == 3] if not scores.empty else scores
    merged = people.merge(final_stage, on="application_id", how="left")
    return ShortlistComparison(candidates=people, scores=merged)
