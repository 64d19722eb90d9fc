"""Reviewer x group bias terms under simulation: a planted bias is found, and none is found where none is.

Run from the repository root (``nice`` it: the machine is shared)::

    nice python bench/sim_bias.py                       # the full study, 200 replications a condition
    nice python bench/sim_bias.py --replications 50

Each replication draws ratings from the rating-scale many-facet model of :mod:`scoring.stats.severity`:
2,000 candidates in three self-identified groups (60%, 25% and 15% of them, whose skills differ on
average: N(0, 1), N(-0.4, 1) and N(0.3, 1), so a group's lower ratings are not in themselves a bias),
12 reviewers with severities evenly spread from -1 to +1 logit, five dimensions (difficulties -0.5 to
0.5), thresholds -2, -0.7, 0.7, 2, and 2 or 3 reviewers per candidate rating all five dimensions (the
agency's design). In a "planted" condition one ordinary reviewer (severity about -0.1) is harsher by
``bias`` logits on the smallest group, on one dimension only, as the demo's reviewer is; about 60 of
their ratings fall in that cell.

The model is then fitted to all ratings (:func:`scoring.stats.severity.fit_severity`) and every reviewer
x group cell and reviewer x group x dimension cell (216 in all) gets its bias term
(:func:`scoring.stats.bias.bias_terms`, the product's "real" standard error, 30 ratings at least), with
Benjamini-Hochberg over all the judged cells at 0.05, as the Fairness audit page does. Printed per
condition:

* ``planted_found``: the share of replications that flag the planted reviewer x group x dimension cell
  (the power);
* ``planted_logits`` and ``planted_points``: its mean bias term (logits) and observed-minus-expected
  difference (rating points), beside the planted size (the anchored measures absorb a little of it);
* ``planted_covered``: how often its 95% interval covers the planted logits;
* ``other_flagged``: the share of replications with a flag on any cell holding none of the planted
  ratings (a false flag; at most 5% is the promise of the correction where nothing is planted);
* ``raw_rejections`` (and ``raw_rejections_model``, with the model SE): the share of cells without
  planted ratings whose uncorrected p-value is below 0.05: the test's own size, 5% if it is calibrated;
* ``t_sd``: the standard deviation of their t statistics (1 for a calibrated test).

Seeds: replication ``i`` of condition ``c`` uses ``numpy.random.default_rng((seed, c, i))``, ``seed``
20_261_127 by default, so every figure can be reproduced exactly. Nothing is written to disk. The test
suite (tests/stats/test_bias.py) runs a small version of this study.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.stats.bias import bias_terms, flag_cells  # noqa: E402
from scoring.stats.severity import category_probabilities, fit_severity  # noqa: E402

SEED = 20_261_127
ALPHA = 0.05
MIN_RATINGS = 30
WEIGHTS: dict[Hashable, float] = {d: 0.2 for d in range(5)}
SEVERITIES = np.linspace(-1.0, 1.0, 12)
DIFFICULTIES = np.array([-0.5, -0.25, 0.0, 0.25, 0.5])
THRESHOLDS = np.array([-2.0, -0.7, 0.7, 2.0])
GROUPS = ("A", "B", "C")
GROUP_SHARES = (0.6, 0.25, 0.15)
GROUP_MEANS = (0.0, -0.4, 0.3)
BIASED = (5, "C", 1)
"""The planted cell: reviewer 5 (severity -0.09), group C, dimension 1."""
CONDITIONS: dict[str, float] = {"none": 0.0, "0.4 logits": 0.4, "0.7 logits": 0.7, "1.0 logits": 1.0}
"""Planted bias (logits) per condition; 0.7 logits is about 0.4 rating points, the demo's size."""


@dataclass(frozen=True)
class Design:
    """Size of one simulated agency."""

    candidates: int = 2_000
    per_candidate: tuple[int, ...] = (2, 3)


def simulate(rng: np.random.Generator, bias: float, design: Design = Design()) -> pd.DataFrame:
    """Ratings of ``design.candidates`` by the 12 reviewers, with ``bias`` logits planted in :data:`BIASED`."""
    n = design.candidates
    group = rng.choice(len(GROUPS), n, p=GROUP_SHARES)
    skills = rng.normal(np.asarray(GROUP_MEANS)[group], 1.0)
    counts = rng.choice(design.per_candidate, n)
    reviewers = [rng.choice(SEVERITIES.size, k, replace=False) for k in counts]
    a = np.repeat(np.arange(n), counts * 5)
    r = np.repeat(np.concatenate(reviewers), 5)
    d = np.tile(np.arange(5), int(counts.sum()))
    g = np.asarray(GROUPS)[group[a]]
    planted = (r == BIASED[0]) & (g == BIASED[1]) & (d == BIASED[2])
    eta = skills[a] - DIFFICULTIES[d] - SEVERITIES[r] - bias * planted
    probs = category_probabilities(eta, THRESHOLDS)
    x = np.minimum((probs.cumsum(axis=1) < rng.random(a.size)[:, None]).sum(axis=1), 4) + 1
    return pd.DataFrame({"application_id": a, "reviewer_id": r, "dimension_id": d, "rating": x, "group": g})


def replicate(rng: np.random.Generator, bias: float, design: Design = Design()) -> dict[str, object]:
    """One replication: every cell's figures, with whether it holds the planted ratings."""
    ratings = simulate(rng, bias, design)
    fit = fit_severity(ratings, WEIGHTS, tol=1e-3)
    tables = {}
    for standard_error in ("real", "model"):
        both = pd.concat([
            bias_terms(ratings, fit, ["reviewer_id", "group"], min_ratings=MIN_RATINGS,
                       standard_error=standard_error).assign(dimension_id=-1),
            bias_terms(ratings, fit, ["reviewer_id", "group", "dimension_id"], min_ratings=MIN_RATINGS,
                       standard_error=standard_error),
        ], ignore_index=True)
        tables[standard_error] = flag_cells(both, alpha=ALPHA)
    cells = tables["real"]
    holds = (cells["reviewer_id"] == BIASED[0]) & (cells["group"] == BIASED[1]) & cells["dimension_id"].isin(
        [-1, BIASED[2]])
    target = cells[holds & (cells["dimension_id"] == BIASED[2])].iloc[0]
    clean = cells[~holds & cells["judged"]]
    model = tables["model"][~holds & tables["model"]["judged"]]
    half_width = stats.t.ppf(0.975, target["ratings"] - 1) * target["se"]
    return {
        "found": bool(target["flagged"]),
        "logits": float(target["bias"]),
        "points": float(target["difference"]),
        "covered": bool(abs(target["bias"] - bias) <= half_width),
        "planted_ratings": int(target["ratings"]),
        "other_flagged": bool(clean["flagged"].any()),
        "raw": clean["p_value"].to_numpy(dtype=float),
        "raw_model": model["p_value"].to_numpy(dtype=float),
        "t": clean["t"].to_numpy(dtype=float),
    }


def study(condition: str, replications: int, seed: int = SEED, design: Design = Design()) -> dict[str, float]:
    """The figures of one condition over ``replications`` seeded replications."""
    index = list(CONDITIONS).index(condition)
    bias = CONDITIONS[condition]
    runs = [replicate(np.random.default_rng((seed, index, i)), bias, design) for i in range(replications)]
    raw = np.concatenate([run["raw"] for run in runs])
    raw_model = np.concatenate([run["raw_model"] for run in runs])
    t = np.concatenate([run["t"] for run in runs])
    return {
        "planted": bias,
        "planted_ratings": float(np.mean([run["planted_ratings"] for run in runs])),
        "planted_found": float(np.mean([run["found"] for run in runs])),
        "planted_logits": float(np.mean([run["logits"] for run in runs])),
        "planted_points": float(np.mean([run["points"] for run in runs])),
        "planted_covered": float(np.mean([run["covered"] for run in runs])),
        "other_flagged": float(np.mean([run["other_flagged"] for run in runs])),
        "raw_rejections": float(np.mean(raw < ALPHA)),
        "raw_rejections_model": float(np.mean(raw_model < ALPHA)),
        "t_sd": float(np.std(t, ddof=1)),
        "cells_judged": float(raw.size / replications),
        "replications": replications,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--candidates", type=int, default=Design.candidates)
    parser.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=list(CONDITIONS))
    args = parser.parse_args(argv)
    design = Design(candidates=args.candidates)
    rows = {}
    for condition in args.conditions:
        start = time.perf_counter()
        figures = study(condition, args.replications, args.seed, design)
        rows[condition] = {**figures, "seconds": round(time.perf_counter() - start, 1)}
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(f"seed {args.seed}, {args.replications} replications per condition, {args.candidates:,} candidates, "
              f"Benjamini-Hochberg at {ALPHA} over every judged cell")
        print(table.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
