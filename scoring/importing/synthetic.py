"""Generated import file sets of any size, for the import benchmark and the crash-safety test.

The files follow ``docs/import-format.md`` and pass validation: clients, searches, candidates,
applications, their stage decisions, a pool of reviewers and the score rows of two reviewers per
application at each of the two scored stages (five rows per scorecard). Every external id starts
with ``prefix``, so a set never collides with the demo agency's ids or with another set's.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.domain.dimensions import DIMENSION_CODES
from scoring.domain.ratings import NOTE_REQUIRED_LEVELS, RATING_MAX, RATING_MIN
from scoring.domain.seniorities import SENIORITIES

ROWS_PER_CARD = len(DIMENSION_CODES)
CARDS_PER_APPLICATION = 4                # two scored stages, two reviewers each
APPLICATIONS_PER_SEARCH = 40
SEARCHES_PER_CLIENT = 25
REVIEWERS = 60


def synthetic_frames(score_rows: int, prefix: str = "SY", seed: int = 1,
                     as_of: date | None = None) -> dict[str, pd.DataFrame]:
    """The tables of a generated file set with about ``score_rows`` score rows (a multiple of 20).

    Parameters
    ----------
    score_rows : int
        Score rows wanted; the applications are sized to give this many.
    prefix : str
        Start of every external id and e-mail, e.g. ``"BX"`` gives ``BX-AP-0000001``.
    seed : int
        Same seed, same files.
    as_of : date, optional
        The set's today: every date lies in the 500 days before it. Default: the real today.
    """
    rng = np.random.default_rng(seed)
    today = as_of or date.today()
    start = np.datetime64(today - timedelta(days=500), "D")
    n_apps = max(1, score_rows // (ROWS_PER_CARD * CARDS_PER_APPLICATION))
    n_searches = max(1, -(-n_apps // APPLICATIONS_PER_SEARCH))
    n_clients = max(1, -(-n_searches // SEARCHES_PER_CLIENT))
    tag = prefix.lower()

    clients = pd.DataFrame({
        "client_ref": [f"{prefix}-CL-{i:05d}" for i in range(n_clients)], "name": [f"{prefix} Client {i}" for i in
                                                                                 range(n_clients)],
        "country": "US", "signed_on": str(start), "churned_on": ""})
    search_client = np.arange(n_searches) // SEARCHES_PER_CLIENT
    opened = start + 10 + rng.integers(0, 300, n_searches).astype("timedelta64[D]")
    searches = pd.DataFrame({
        "search_ref": [f"{prefix}-SR-{i:06d}" for i in range(n_searches)],
        "client_ref": clients["client_ref"].to_numpy()[search_client], "role_title": "MLOps Engineer",
        "seniority": rng.choice(SENIORITIES, n_searches), "opened_on": opened.astype(str),
        "shortlist_delivered_on": "", "closed_on": "", "status": "open"})
    app_search = np.arange(n_apps) // APPLICATIONS_PER_SEARCH
    applied = opened[app_search] + rng.integers(0, 5, n_apps).astype("timedelta64[D]")
    candidate_refs = np.array([f"{prefix}-CA-{i:07d}" for i in range(n_apps)])
    candidates = pd.DataFrame({
        "candidate_ref": candidate_refs, "full_name": [f"Candidate {i}" for i in range(n_apps)],
        "email": [f"{tag}.candidate{i}@mail.example" for i in range(n_apps)], "country": "IN",
        "seniority": rng.choice(SENIORITIES, n_apps), "sourced_on": (applied - 30).astype(str)})
    app_refs = np.array([f"{prefix}-AP-{i:07d}" for i in range(n_apps)])
    applications = pd.DataFrame({"application_ref": app_refs, "candidate_ref": candidate_refs,
                                 "search_ref": searches["search_ref"].to_numpy()[app_search],
                                 "applied_on": applied.astype(str)})
    stages = ("tooling_audit", "incident_interview", "take_home")
    entered = {stage: applied + 2 * k for k, stage in enumerate(stages)}
    stage_decisions = pd.concat([pd.DataFrame({
        "application_ref": app_refs, "stage": stage, "entered_on": entered[stage].astype(str),
        "decided_on": (entered[stage] + 1).astype(str), "decision": "pass"}) for stage in stages], ignore_index=True)
    reviewers = pd.DataFrame({"email": [f"{tag}.reviewer{i:03d}@agency.example" for i in range(REVIEWERS)],
                              "display_name": [f"Reviewer {i}" for i in range(REVIEWERS)], "active": "true"})
    return {"clients": clients, "searches": searches, "candidates": candidates, "applications": applications,
            "stage_decisions": stage_decisions, "reviewers": reviewers,
            "scores": _scores(rng, app_refs, entered, reviewers["email"].to_numpy())}


def _scores(rng: np.random.Generator, app_refs: np.ndarray, entered: dict[str, np.ndarray],
            emails: np.ndarray) -> pd.DataFrame:
    n_apps = len(app_refs)
    first = rng.integers(0, REVIEWERS, n_apps)
    second = (first + 1 + rng.integers(0, REVIEWERS - 1, n_apps)) % REVIEWERS
    card_app = np.repeat(np.arange(n_apps), CARDS_PER_APPLICATION)
    card_stage = np.tile(np.array(["incident_interview", "incident_interview", "take_home", "take_home"]), n_apps)
    card_reviewer = np.stack([first, second, first, second], axis=1).reshape(-1)
    day = np.where(card_stage == "incident_interview", entered["incident_interview"][card_app],
                   entered["take_home"][card_app])
    seconds = rng.integers(9 * 3600, 17 * 3600, len(card_app)).astype("timedelta64[s]")
    submitted = (day.astype("datetime64[s]") + np.timedelta64(86_400, "s") + seconds).astype(str)
    rating = np.clip(np.rint(rng.normal(3.2, 0.9, len(card_app) * ROWS_PER_CARD)), RATING_MIN, RATING_MAX).astype(int)
    return pd.DataFrame({
        "application_ref": np.repeat(app_refs[card_app], ROWS_PER_CARD),
        "stage": np.repeat(card_stage, ROWS_PER_CARD),
        "reviewer_email": np.repeat(emails[card_reviewer], ROWS_PER_CARD),
        "dimension": np.tile(np.array(DIMENSION_CODES), len(card_app)),
        "rating": rating,
        "note": np.where(np.isin(rating, sorted(NOTE_REQUIRED_LEVELS)), "evidence noted in the interview record", ""),
        "submitted_at": np.char.replace(np.repeat(submitted, ROWS_PER_CARD), "T", " "),
    })


def write_file_set(directory: str | os.PathLike[str], frames: dict[str, pd.DataFrame],
                   file_type: str = "csv") -> dict[str, Path]:
    """Write each frame as ``<table>.csv`` (or ``.parquet``) in ``directory``; returns the paths."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    paths = {}
    for table, frame in frames.items():
        path = target / f"{table}.{file_type}"
        if file_type == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.astype(str).to_parquet(path, index=False)
        paths[table] = path
    return paths
