"""The SQL the store computes weighted scores with gives exactly what the Python definitions give.

``scoring.agency.scorecard`` defines the weighted score (means of the ratings present, no total when a
dimension has no rating, the weight version in force on the stage entry date); ``scoring.store.formulas``
writes the same in SQL for the validity reads. On seeded random agencies -- reviewers who leave
dimensions not assessed, applications no reviewer rated fully, stage entries before the first weight
version or missing, a version being withdrawn -- both must agree to the last bit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from scoring.agency.access import Account
from scoring.agency.calibration import weight_fractions, weighted_consensus
from scoring.agency.scorecard import scores_under_versions, weighted_scores
from scoring.domain.dimensions import DIMENSION_CODES, DIMENSION_IDS, DIMENSIONS
from scoring.domain.stages import Stage
from scoring.store import Database
from scoring.store import ratings as rating_store
from scoring.store.searches import SearchFilter

SEEDS = range(4)
APPLICATIONS = 80
REVIEWERS = 4
#: Weight versions added to the seeded default (1900-01-01): two with weights, and one after them
#: without weights, which is being withdrawn and must count for no score.
VERSION_STARTS = (date(2024, 3, 1), date(2025, 1, 1))
WITHDRAWING_START = date(2025, 6, 1)


def random_weights(rng: np.random.Generator) -> list[int]:
    cuts = np.sort(rng.choice(np.arange(1, 20), size=len(DIMENSIONS) - 1, replace=False))
    return [int(p) * 5 for p in np.diff(np.concatenate([[0], cuts, [20]]))]


def build_agency(db: Database, seed: int) -> Account:
    """A random agency: returns the hiring lead who reads it."""
    rng = np.random.default_rng(seed)

    def write(cur) -> None:
        cur.execute("INSERT INTO clients (client_id, external_id, name, country, signed_on) "
                    "VALUES (1, 'CL-1', 'Client', 'US', DATE '2020-01-01')")
        cur.execute("INSERT INTO accounts (account_id, email, display_name, role) "
                    "VALUES (1, 'lead@x.example', 'Lead', 'hiring_lead')")
        for r in range(REVIEWERS):
            cur.execute("INSERT INTO accounts (account_id, email, display_name, role) VALUES (?, ?, ?, 'reviewer')",
                        [10 + r, f"r{r}@x.example", f"Reviewer {r}"])
        for v, start in enumerate(VERSION_STARTS, start=2):
            cur.execute("INSERT INTO weight_versions (version_id, effective_from, note) VALUES (?, ?, '')", [v, start])
            for d, pct in zip(DIMENSIONS, random_weights(rng)):
                cur.execute("INSERT INTO dimension_weights VALUES (?, ?, ?)", [v, d.id, pct])
        cur.execute("INSERT INTO weight_versions (version_id, effective_from, note) VALUES (9, ?, 'withdrawing')",
                    [WITHDRAWING_START])
        for app in range(1, APPLICATIONS + 1):
            cur.execute("INSERT INTO searches (search_id, external_id, client_id, role_title, seniority, opened_on, "
                        "status) VALUES (?, ?, 1, 'MLOps engineer', 'mid', DATE '2021-01-01', 'open')",
                        [app, f"SE-{app}"])
            cur.execute("INSERT INTO candidates (candidate_id, external_id, full_name, email, country, seniority, "
                        "sourced_on) VALUES (?, ?, 'Someone', ?, 'US', 'mid', DATE '2021-01-01')",
                        [app, f"CA-{app}", f"c{app}@x.example"])
            cur.execute("INSERT INTO applications (application_id, external_id, candidate_id, search_id, applied_on) "
                        "VALUES (?, ?, ?, ?, DATE '2021-01-02')", [app, f"AP-{app}", app, app])
            entered = date(2023, 1, 1) + timedelta(days=int(rng.integers(0, 1100)))
            if rng.random() > 0.1:                       # some scored applications have no stage entry
                cur.execute("INSERT INTO stage_decisions (application_id, stage_id, entered_on) VALUES (?, ?, ?)",
                            [app, int(Stage.TAKE_HOME), entered])
            if rng.random() < 0.6:
                cur.execute("INSERT INTO stage_decisions (application_id, stage_id, entered_on) VALUES (?, ?, ?)",
                            [app, int(Stage.CLIENT_SHORTLIST), entered + timedelta(days=20)])
            reviewers = rng.choice(REVIEWERS, size=int(rng.integers(1, REVIEWERS + 1)), replace=False)
            skip_everywhere = rng.random() < 0.2             # a dimension no reviewer rates: incomplete
            skipped = int(rng.integers(1, len(DIMENSIONS) + 1))
            for r in reviewers:
                card = app * 10 + int(r)
                at = datetime(2024, 1, 1, 12)
                cur.execute("INSERT INTO scorecards (scorecard_id, application_id, stage_id, reviewer_id, status, "
                            "created_at, submitted_at) VALUES (?, ?, ?, ?, 'submitted', ?, ?)",
                            [card, app, int(Stage.TAKE_HOME), 10 + int(r), at, at])
                for d in DIMENSIONS:
                    if (skip_everywhere and d.id == skipped) or rng.random() < 0.12:
                        cur.execute("INSERT INTO scores (scorecard_id, dimension_id, not_assessed_reason) "
                                    "VALUES (?, ?, 'Not covered')", [card, d.id])
                    else:
                        cur.execute("INSERT INTO scores (scorecard_id, dimension_id, rating) VALUES (?, ?, ?)",
                                    [card, d.id, int(rng.integers(1, 6))])

    db.write(write)
    return Account(1, "lead@x.example", "Lead", "hiring_lead", 0)


def python_inputs(db: Database) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Ratings, stage dates and weight versions, read plainly, for the Python definitions."""
    codes = pd.Series(DIMENSION_IDS).rename_axis("dimension").rename("dimension_id").reset_index()
    ratings = db.frame("SELECT application_id, stage_id, reviewer_id, dimension_id, rating FROM current_scores") \
        .merge(codes, on="dimension_id")
    ratings["rating"] = ratings["rating"].astype(float)
    stage_dates = db.frame("SELECT application_id, stage_id, entered_on FROM stage_decisions")
    stage_dates["entered_on"] = pd.to_datetime(stage_dates["entered_on"])
    versions = db.frame("SELECT version_id, effective_from, dimension_id, weight_pct::DOUBLE AS weight_pct "
                        "FROM weight_versions JOIN dimension_weights USING (version_id)").merge(
                            codes, on="dimension_id")
    versions["effective_from"] = pd.to_datetime(versions["effective_from"])
    return ratings, stage_dates, versions


@pytest.fixture(params=SEEDS, ids=lambda seed: f"seed{seed}")
def agency(request, empty_db):
    lead = build_agency(empty_db, request.param)
    return empty_db, lead


def test_the_application_scores_of_sql_are_the_python_definitions(agency):
    db, lead = agency
    ratings, stage_dates, versions = python_inputs(db)
    expected = scores_under_versions(ratings, stage_dates, versions).set_index("application_id")
    newest = int(versions.sort_values("effective_from")["version_id"].iloc[-1])
    under_newest = scores_under_versions(ratings, stage_dates, versions, version_id=newest).set_index("application_id")

    got = rating_store.application_outcomes(db, lead, SearchFilter(), Stage.TAKE_HOME).set_index("application_id")

    assert sorted(got.index) == sorted(expected.index)
    got = got.loc[expected.index]
    assert not expected["complete"].all() and expected["complete"].any()     # both kinds are there
    assert got["version_in_force"].tolist() == expected["version_id"].tolist()
    assert 9 not in set(got["version_in_force"]) | set(got["version_newest"])
    assert (got["version_newest"] == newest).all()
    assert got["complete"].tolist() == expected["complete"].tolist()
    np.testing.assert_array_equal(got["score_in_force"].to_numpy(float), expected["score"].to_numpy(float))
    np.testing.assert_array_equal(got["score_newest"].to_numpy(float), under_newest["score"].to_numpy(float))
    for code in DIMENSION_CODES:
        np.testing.assert_array_equal(got[code].to_numpy(float), expected[code].to_numpy(float))


def test_each_reviewers_own_score_in_sql_is_the_python_definition(agency):
    db, lead = agency
    ratings, stage_dates, versions = python_inputs(db)
    in_force = scores_under_versions(ratings, stage_dates, versions).set_index("application_id")["version_id"]
    weights = versions.pivot_table(index="version_id", columns="dimension", values="weight_pct")
    shortlisted = set(stage_dates.loc[stage_dates["stage_id"] == Stage.CLIENT_SHORTLIST, "application_id"])
    rows = []
    for (application_id, reviewer_id), own in ratings.groupby(["application_id", "reviewer_id"]):
        if application_id not in shortlisted:
            continue
        means = own.set_index("dimension")["rating"].reindex(DIMENSION_CODES).to_frame().T
        version = in_force[application_id]
        score = weighted_scores(means, weights.loc[version].to_dict())["score"].iloc[0]
        rows.append((application_id, reviewer_id, score))
    expected = pd.DataFrame(rows, columns=["application_id", "reviewer_id", "own_score"])

    got = rating_store.reviewer_scores(db, lead, SearchFilter(), Stage.TAKE_HOME)

    assert got[["application_id", "reviewer_id"]].values.tolist() == \
        expected[["application_id", "reviewer_id"]].values.tolist()
    assert got["own_score"].isna().any() and got["own_score"].notna().any()
    np.testing.assert_array_equal(got["own_score"].to_numpy(float), expected["own_score"].to_numpy(float))


def test_calibrations_raw_consensus_is_the_scorecards_weighted_score(agency):
    db, _ = agency
    ratings, _, versions = python_inputs(db)
    weights_pct = versions[versions["version_id"] == 1].set_index("dimension")["weight_pct"].to_dict()
    means = ratings.pivot_table(index="application_id", columns="dimension", values="rating", aggfunc="mean")
    scored = weighted_scores(means, weights_pct)

    by_id = {DIMENSION_IDS[code]: pct for code, pct in weights_pct.items()}
    raw = weighted_consensus(ratings, weight_fractions(by_id, sorted(by_id)))

    complete = scored[scored["complete"]]
    assert sorted(raw.index) == sorted(complete.index)
    np.testing.assert_allclose(raw.loc[complete.index].to_numpy(), complete["score"].to_numpy(), rtol=1e-14)
