"""The demo's calibration exercise: past take-homes the agency's experts rated, as references for certification.

A week before the demo's date the admin gathered decided take-homes that two or more reviewers had scored
(:data:`REFERENCES_PER_REVIEWER` per reviewer in the pool, so each reviewer has scored several) and the
experts rated each as the anchored rubric reads the candidate, without a reviewer's severity or noise
(:meth:`scoring.demo.generator._Generator.reference_ratings`). The ratings reviewers gave those take-homes in
live work are their ratings of the references, so the calibration page's accuracy table finds what the
generator planted: ordinary reviewers close to the experts, the lenient one above them, the erratic one far
from them, and the drifting one, grown harsher, below them.

Nothing is added to live scoring: no scorecard, no assignment, every rating was given before the exercise,
so every live figure and every reviewer's queue is as it was; and no passing bar is set.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoring.domain.dimensions import DIMENSION_CODES
from scoring.domain.stages import Stage

EXERCISE_NAME = "Past take-homes rated by the experts"
REFERENCES_PER_REVIEWER = 3          # references per reviewer in the pool: each has scored about seven of them
EXERCISE_AGE_DAYS = 7                # the exercise was put together this many days before the demo's date
REFERENCE_WINDOW = (365, 20)         # references are take-homes decided this many days before it
SECONDS_PER_DAY = 86_400
SEED_OFFSET = 4_517                  # the exercise draws from a random stream of its own


def reference_exercise(g: Any, tables: dict[str, pd.DataFrame], admin_id: int) -> dict[str, pd.DataFrame]:
    """The exercise's rows: ``calibration_sets``, ``calibration_items`` and ``calibration_references``.

    Times are seconds since 1970-01-01, as everywhere in the generator before
    :func:`scoring.demo.generator.finalise`. An agency without enough fitting take-homes gets no exercise.
    """
    rng = np.random.default_rng(g.config.seed + SEED_OFFSET)
    stage = int(Stage.TAKE_HOME)
    created_day = int(g.today) - EXERCISE_AGE_DAYS
    set_created = created_day * SECONDS_PER_DAY + 9 * 3600
    wanted = REFERENCES_PER_REVIEWER * g.config.reviewers
    picked = _references(tables, stage, created_day, set_created, wanted, rng)
    if len(picked) < wanted:
        return {}
    experts = g.reference_ratings(picked - 1, stage)
    dimension_ids = np.arange(1, len(DIMENSION_CODES) + 1)
    references = pd.DataFrame({
        "set_id": 1, "application_id": np.repeat(picked, len(dimension_ids)), "stage_id": stage,
        "dimension_id": np.tile(dimension_ids, len(picked)), "rating": experts.reshape(-1),
        "not_assessed_reason": None, "entered_by": admin_id, "entered_at": set_created + 3600})
    return {
        "calibration_sets": pd.DataFrame({"set_id": [1], "name": [EXERCISE_NAME], "created_by": [admin_id],
                                          "created_at": [set_created]}),
        "calibration_items": pd.DataFrame({"set_id": 1, "application_id": picked, "stage_id": stage}),
        "calibration_references": references,
    }


def _references(tables: dict[str, pd.DataFrame], stage: int, created_day: int, created_at: int, wanted: int,
                rng: np.random.Generator) -> np.ndarray:
    """Application ids (sorted) of ``wanted`` take-homes decided in :data:`REFERENCE_WINDOW` before the exercise,
    every scorecard of which was submitted before it, by two reviewers or more."""
    decisions = tables["stage_decisions"]
    earliest, latest = created_day - REFERENCE_WINDOW[0], created_day - REFERENCE_WINDOW[1]
    decided = decisions[(decisions["stage_id"] == stage) & (decisions["decided_on"] >= earliest)
                        & (decisions["decided_on"] <= latest)]["application_id"]
    cards = tables["scorecards"]
    cards = cards[cards["stage_id"] == stage]
    done = (cards["status"] == "submitted") & (cards["submitted_at"] >= 0) & (cards["submitted_at"] < created_at)
    counts = cards.assign(done=done).groupby("application_id")["done"].agg(["size", "sum"])
    whole = counts[(counts["size"] >= 2) & (counts["sum"] == counts["size"])].index
    fitting = np.array(sorted(set(decided) & set(whole)), dtype=np.int64)
    if len(fitting) < wanted:
        return fitting
    return np.sort(rng.choice(fitting, wanted, replace=False))
