"""The candidate-profile report: scores, their breakdown, the radar's traces and the shortlist."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pandas as pd
import pycountry

from scoring.agency.access import Account
from scoring.agency.scorecard import NOT_RATED, incomplete_message, rating_grid, scores_under_versions
from scoring.domain.dimensions import DIMENSION_NAMES as DIMENSION_NAMES
from scoring.domain.seniorities import SENIORITY_LABELS
from scoring.domain.stages import SCORED_STAGES
from scoring.reports.formatting import MISSING, is_missing, shown
from scoring.store import candidates
from scoring.store import weights as weight_store
from scoring.store.db import Database

CONSENSUS = "Consensus"
#: Where a candidate's id leads: their profile, which reads its search from ``?q=``.
PROFILE_LINK = "/candidate?q="
#: What a link column shows of a :func:`profile_link`: the reference alone (a regular expression whose
#: group is the text shown).
PROFILE_LINK_TEXT = f"{re.escape(PROFILE_LINK)}(.*)"
MEDIAN = "Median candidate at this stage"
#: The stages a candidate's scores are shown for, by id, with the name a person reads.
STAGE_LABELS: dict[int, str] = {int(stage): stage.label for stage in SCORED_STAGES}


@dataclass(frozen=True)
class CandidateReport:
    profile: pd.Series
    applications: pd.DataFrame
    history: pd.DataFrame
    ratings: pd.DataFrame          # visible submitted ratings, long format
    scores: pd.DataFrame           # per application and stage (scorecard.scores_under_versions)
    versions: pd.DataFrame         # weight versions, one row per version and dimension
    #: visible dimensions reviewers marked not assessed (candidates.not_assessed), with the reason
    not_assessed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["application_id", "stage_id", "reviewer_id", "reviewer", "dimension", "reason", "submitted_at"]))


def candidate_report(db: Database, actor: Account, candidate_id: int, version_id: int | None = None
                     ) -> CandidateReport:
    apps = candidates.applications(db, actor, candidate_id)
    ids = apps["application_id"].tolist()
    ratings = candidates.ratings(db, actor, ids)
    versions = weight_store.version_weights(db, actor)
    scores = _scored(ratings, candidates.stage_dates(db, actor, ids), versions, version_id)
    return CandidateReport(profile=candidates.profile(db, actor, candidate_id), applications=apps,
                           history=candidates.stage_history(db, actor, candidate_id), ratings=ratings,
                           scores=scores, versions=versions, not_assessed=candidates.not_assessed(db, actor, ids))


def profile_link(reference: object) -> str:
    """The address of a candidate's profile opened on ``reference``, the candidate's id as people see it.

    The reference is quoted whole for the URL query, so characters that would end or split it (``&``, ``#``,
    ``/``, ``+``, a space) stay part of the search the profile page reads back.

    Examples
    --------
    >>> profile_link("CA-000004")
    '/candidate?q=CA-000004'
    >>> profile_link("CA 12&b/#")
    '/candidate?q=CA%2012%26b%2F%23'
    """
    return PROFILE_LINK + quote(str(reference), safe="")


def recent_rows(recent: pd.DataFrame) -> pd.DataFrame:
    """The recently scored candidates (:func:`scoring.store.candidates.recently_scored`) as the
    profile page offers them before anything is typed: name, profile address, stage, day submitted.

    Examples
    --------
    >>> recent = pd.DataFrame({"candidate_id": [4], "external_id": ["CA-000004"], "full_name": ["Ana Lima"],
    ...                        "stage_id": [3], "submitted_at": [pd.Timestamp("2026-11-20 14:05")]})
    >>> recent_rows(recent).iloc[0].tolist()
    ['Ana Lima', '/candidate?q=CA-000004', 'Take-home assessment', datetime.date(2026, 11, 20)]
    """
    return pd.DataFrame({
        "candidate": recent["full_name"],
        "profile": recent["external_id"].map(profile_link),
        "stage": recent["stage_id"].map(lambda stage: STAGE_LABELS.get(int(stage), MISSING)),
        "submitted": pd.to_datetime(recent["submitted_at"]).dt.date,
    })


def seniority_label(code: object) -> str:
    """A seniority as people read it (``"Mid-level"``), or the dash when there is none."""
    return MISSING if is_missing(code) else SENIORITY_LABELS.get(str(code), str(code))


def country_name(code: object) -> str:
    """An ISO 3166-1 country code as its common name (``"PL"`` -> ``"Poland"``), or the dash.

    Examples
    --------
    >>> country_name("PL"), country_name("GB"), country_name(None)
    ('Poland', 'United Kingdom', '—')
    """
    if is_missing(code):
        return MISSING
    country = pycountry.countries.get(alpha_2=str(code))
    return str(code) if country is None else getattr(country, "common_name", country.name)


def profile_line(profile: pd.Series) -> str:
    """The line under a candidate's name: id, seniority, country and since when they are in the database.

    Stored text in it (the id) is not escaped: the page does that.
    """
    return (f"{profile['external_id']} · {seniority_label(profile['seniority'])} · {country_name(profile['country'])}"
            f" · in the database since {shown(profile['sourced_on'], '{:%d %b %Y}')}")


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
    medians = stage_medians.set_index("dimension")["median_rating"].dropna()
    if not medians.empty:     # withheld below candidates.MEDIAN_MIN_APPLICATIONS (see median_note)
        series[MEDIAN] = medians
    return series


def radar_notes(report: CandidateReport, application_id: int, stage_id: int) -> dict[str, pd.Series]:
    """Each reviewer's note per dimension, for the radar's hover, keyed like :func:`radar_series`.

    Only non-empty notes are kept; a reviewer without any note is left out.
    """
    rows = report.ratings[(report.ratings["application_id"] == application_id)
                          & (report.ratings["stage_id"] == stage_id)]
    rows = rows[rows["note"].fillna("").astype(str).str.strip() != ""]
    return {name: group.set_index("dimension")["note"] for name, group in rows.groupby("reviewer")}


def median_note(stage_medians: pd.DataFrame) -> str | None:
    """Why the radar lacks the median candidate on some dimensions, or None when it has all of them.

    ``stage_medians`` is :func:`scoring.store.candidates.stage_dimension_medians`.
    """
    short = stage_medians[stage_medians["median_rating"].isna()]
    if short.empty:
        return None
    fewest = int(short["applications"].min())
    return (f"The median candidate is drawn once at least {candidates.MEDIAN_MIN_APPLICATIONS} applications "
            f"were scored at this stage ({fewest} so far on "
            f"{', '.join(DIMENSION_NAMES[code] for code in short['dimension'])}): over fewer, it would show "
            "individual candidates' ratings.")


#: What the stage history says of a decision withheld from a reviewer (candidates.stage_history).
WITHHELD = "shown once you submit your scorecard"


def history_table(report: CandidateReport, application_id: int) -> pd.DataFrame:
    """One application's stage history as text: ``Stage``, ``Entered``, ``Decided``, ``Decision``.

    A stage still open has no decision date; a decision withheld from a reviewer until they submit
    their own scorecard reads :data:`WITHHELD`.
    """
    rows = report.history[report.history["application_id"] == application_id]
    return pd.DataFrame({
        "Stage": rows["stage"].to_numpy(),
        "Entered": [_day(v) for v in rows["entered_on"]],
        "Decided": [_day(v) for v in rows["decided_on"]],
        "Decision": [WITHHELD if bool(hidden) else str(decision)
                     for hidden, decision in zip(rows["withheld"], rows["decision"])],
    })


def _day(value) -> str:
    return MISSING if pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"


def _at(frame: pd.DataFrame, application_id: int, stage_id: int) -> pd.DataFrame:
    return frame[(frame["application_id"] == application_id) & (frame["stage_id"] == stage_id)]


def breakdown(report: CandidateReport, application_id: int, stage_id: int) -> pd.DataFrame:
    """Dimension x reviewer ratings as text: a ``Dimension`` column (by name, in scorecard order), then a
    column per reviewer and the :data:`CONSENSUS` column last.

    Dimensions run down, so the table stays narrow however long their names are. A dimension a
    reviewer marked not assessed reads "not assessed"; the consensus of a dimension no reviewer rated
    reads "not rated" (see :func:`scoring.agency.scorecard.rating_grid`).
    """
    rated = _at(report.ratings, application_id, stage_id)[["reviewer", "dimension", "rating"]]
    skipped = _at(report.not_assessed, application_id, stage_id)[["reviewer", "dimension"]].assign(rating=float("nan"))
    if rated.empty:
        return pd.DataFrame({"Dimension": list(DIMENSION_NAMES.values())})
    rows = pd.concat([rated.astype({"rating": float}), skipped], ignore_index=True)
    grid = rating_grid(rows, consensus=CONSENSUS).T
    return grid.rename_axis(index="Dimension", columns=None).reset_index()


def notes_at(report: CandidateReport, application_id: int, stage_id: int) -> pd.DataFrame:
    """The reviewers' notes at one stage: ``Reviewer``, ``Dimension`` (its name), ``Rating``, ``Note``;
    a dimension without a note is left out."""
    rows = _at(report.ratings, application_id, stage_id)
    rows = rows[rows["note"].fillna("").astype(str).str.strip() != ""]
    return pd.DataFrame({"Reviewer": rows["reviewer"].to_numpy(),
                         "Dimension": rows["dimension"].map(DIMENSION_NAMES).to_numpy(),
                         "Rating": rows["rating"].astype("Int64").to_numpy(),
                         "Note": rows["note"].to_numpy()})


def score_headline(score: pd.Series) -> str | None:
    """What stands instead of a weighted total when the stage's scorecard is incomplete, else None.

    ``score`` is one row of :attr:`CandidateReport.scores`.
    """
    return None if bool(score["complete"]) else incomplete_message(list(score["missing_dimensions"]))


def not_assessed_at(report: CandidateReport, application_id: int, stage_id: int) -> pd.DataFrame:
    """Who left which dimension not assessed at this stage, and why: ``Reviewer``, ``Dimension``
    (its name), ``Reason``."""
    rows = _at(report.not_assessed, application_id, stage_id)
    return pd.DataFrame({"Reviewer": rows["reviewer"].to_numpy(),
                         "Dimension": rows["dimension"].map(DIMENSION_NAMES).to_numpy(),
                         "Reason": rows["reason"].to_numpy()})


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
                     weight_store.version_weights(db, actor), version_id)
    final_stage = scores[scores["stage_id"] == 3] if not scores.empty else scores
    merged = people.merge(final_stage, on="application_id", how="left")
    return ShortlistComparison(candidates=people, scores=merged)


SHORTLIST_SCORE = "Weighted score"


def shortlist_table(comparison: ShortlistComparison) -> pd.DataFrame:
    """The shortlist side by side, as text: complete scorecards by weighted score, best first, then
    the incomplete ones (never ranked against them) saying which dimension no reviewer rated.

    Columns: ``Candidate``, ``Candidate id`` (the link to the profile, :func:`profile_link`),
    :data:`SHORTLIST_SCORE` (1-5, or the incomplete message), ``On 0-100``, ``Client decision``, then the
    five dimension names (mean rating, or "not rated").
    """
    rows = comparison.scores
    scored = rows["score"].notna() if "score" in rows else pd.Series(False, index=rows.index)
    ordered = pd.concat([rows[scored].sort_values("score", ascending=False, kind="stable"), rows[~scored]])
    table = pd.DataFrame({"Candidate": ordered["full_name"].to_numpy(),
                          "Candidate id": ordered["external_id"].map(profile_link).to_numpy(),
                          SHORTLIST_SCORE: [_score_text(row) for _, row in ordered.iterrows()],
                          "On 0-100": [shown(row.get("score_pct"), "{:.0f}") for _, row in ordered.iterrows()],
                          "Client decision": ordered["client_decision"].to_numpy()})
    for code, name in DIMENSION_NAMES.items():
        values = ordered[code] if code in ordered else pd.Series(float("nan"), index=ordered.index)
        table[name] = [NOT_RATED if pd.isna(v) else f"{v:.2f}" for v in values]
    return table


def _score_text(row: pd.Series) -> str:
    if pd.notna(row.get("score")):
        return f"{row['score']:.2f}"
    if isinstance(row.get("missing_dimensions"), list) and row["missing_dimensions"]:
        return incomplete_message(row["missing_dimensions"])
    return "no submitted scores"


def shortlist_traces(comparison: ShortlistComparison) -> dict[str, pd.Series]:
    """Each shortlisted candidate's consensus rating per dimension, for the side-by-side radar."""
    rows = comparison.scores
    return {row["full_name"]: pd.Series({code: row.get(code) for code in DIMENSION_NAMES})
            for _, row in rows.iterrows()}
