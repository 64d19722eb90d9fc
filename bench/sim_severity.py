"""Recovery and coverage of reviewer severities, simulated from the model itself.

Run from the repository root (``nice`` it: the machine is shared)::

    nice python bench/sim_severity.py                 # the full study, 200 replications a design
    nice python bench/sim_severity.py --replications 20 --designs 2-3

Each replication draws ratings from the rating-scale many-facet Rasch model of
:mod:`scoring.stats.severity` with known parameters: 500 candidates with skills from N(0, 1), 12
reviewers with severities evenly spread from -1 to +1 logit, the five dimensions with difficulties
-0.5, -0.25, 0, 0.25, 0.5 and thresholds -2, -0.7, 0.7, 2. Every candidate is rated on all five
dimensions by reviewers drawn at random: 2 or 3 (half and half, the agency's design), or exactly
4, 6 or 12. It then fits the model with and without the bias correction and prints, per design:

* the slope (through the origin, both sides centred) of the estimated on the true severities,
  dimension difficulties, thresholds and candidate measures: 1 means no bias;
* the bias at the harshest reviewer (true +1 logit), in logits and in reported standard errors;
* how often the 95% interval of a severity covers the true value, over all reviewers and over the
  two most extreme ones, and the ratio of the estimates' spread to the mean reported SE;
* how often the drift test flags a reviewer who did not drift: each replication's candidates are
  split into two periods, the severity of period 2 is compared with period 1 (the baseline) by
  :func:`scoring.stats.severity.drift_flags`, and ``|z| >= 1.96`` should happen 5% of the time.

Seeds: replication ``i`` of a design uses ``numpy.random.default_rng((seed, design_index, i))``,
``seed`` 20_261_127 by default, so every figure can be reproduced exactly. Nothing is written to
disk. The test suite (tests/stats/test_severity_simulation.py) runs a small version of this study.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.stats.severity import category_probabilities, drift_flags, fit_severity, severity_by_period  # noqa: E402

SEED = 20_261_127
Z95 = 1.959963984540054
WEIGHTS = {d: 0.2 for d in range(5)}
SEVERITIES = np.linspace(-1.0, 1.0, 12)
DIFFICULTIES = np.array([-0.5, -0.25, 0.0, 0.25, 0.5])
THRESHOLDS = np.array([-2.0, -0.7, 0.7, 2.0])
DESIGNS: dict[str, tuple[int, ...]] = {"2-3": (2, 3), "4": (4,), "6": (6,), "12": (12,)}
"""Reviewers per candidate: a candidate draws one of the counts, equally likely."""


@dataclass(frozen=True)
class Planted:
    ratings: pd.DataFrame
    skills: np.ndarray


def simulate(rng: np.random.Generator, per_candidate: tuple[int, ...], candidates: int = 500) -> Planted:
    """Ratings of ``candidates`` by the 12 reviewers from the model with the planted parameters.

    Each rating also carries a ``period`` (1 for the first half of the candidates, 2 for the rest).
    """
    n_rev = SEVERITIES.size
    skills = rng.normal(0.0, 1.0, candidates)
    counts = rng.choice(per_candidate, candidates)
    reviewers = [rng.choice(n_rev, k, replace=False) for k in counts]
    a = np.repeat(np.arange(candidates), counts * 5)
    r = np.repeat(np.concatenate(reviewers), 5)
    d = np.tile(np.arange(5), int(counts.sum()))
    probs = category_probabilities(skills[a] - DIFFICULTIES[d] - SEVERITIES[r], THRESHOLDS)
    u = rng.random(a.size)
    x = np.minimum((probs.cumsum(axis=1) < u[:, None]).sum(axis=1), 4) + 1
    period = np.where(a < candidates // 2, 1, 2)
    return Planted(pd.DataFrame({"application_id": a, "reviewer_id": r, "dimension_id": d, "rating": x,
                                 "period": period}), skills)


def _slope(est: np.ndarray, true: np.ndarray) -> float:
    e, t = est - est.mean(), true - true.mean()
    return float(e @ t / (t @ t))


def replicate(per_candidate: tuple[int, ...], rng: np.random.Generator, correction: bool = True) -> dict[str, object]:
    """One replication: the figures of one fit against the planted truth."""
    planted = simulate(rng, per_candidate)
    fit = fit_severity(planted.ratings, WEIGHTS, bias_correction=correction)
    rv = fit.reviewers.reindex(range(SEVERITIES.size))
    sev, se = rv["severity"].to_numpy(), rv["se"].to_numpy()
    periods = severity_by_period(planted.ratings, fit, time_column="period", freq=None)
    flags = drift_flags(periods, baseline_periods=1)
    later = flags.loc[~flags["in_baseline"], "z"].to_numpy(dtype=float)
    ap = fit.applications.reindex(range(planted.skills.size))
    return {
        "severity": sev, "se": se,
        "severity_slope": _slope(sev, SEVERITIES),
        "difficulty_slope": _slope(fit.dimensions.reindex(range(5))["difficulty"].to_numpy(), DIFFICULTIES),
        "threshold_slope": _slope(fit.thresholds.to_numpy(), THRESHOLDS),
        "measure_slope": _slope(ap["measure"].to_numpy(), planted.skills),
        "drift_z": later,
    }


def study(design: str, replications: int, seed: int = SEED, correction: bool = True) -> dict[str, float]:
    """The figures of one design over ``replications`` seeded replications."""
    index = list(DESIGNS).index(design)
    runs = [replicate(DESIGNS[design], np.random.default_rng((seed, index, i)), correction)
            for i in range(replications)]
    sev = np.array([run["severity"] for run in runs])
    se = np.array([run["se"] for run in runs])
    covered = np.abs(sev - SEVERITIES) <= Z95 * se
    extreme = np.isin(np.arange(SEVERITIES.size), [0, SEVERITIES.size - 1])
    z = np.concatenate([run["drift_z"] for run in runs])
    harshest = sev[:, -1] - SEVERITIES[-1]
    return {
        "severity_slope": float(np.mean([run["severity_slope"] for run in runs])),
        "difficulty_slope": float(np.mean([run["difficulty_slope"] for run in runs])),
        "threshold_slope": float(np.mean([run["threshold_slope"] for run in runs])),
        "measure_slope": float(np.mean([run["measure_slope"] for run in runs])),
        "bias_at_plus_1": float(harshest.mean()),
        "bias_in_se": float(harshest.mean() / se[:, -1].mean()),
        "coverage": float(covered.mean()),
        "coverage_extreme": float(covered[:, extreme].mean()),
        "spread_over_se": float(np.mean(sev.std(axis=0, ddof=1) / se.mean(axis=0))),
        "drift_false_flags": float(np.mean(np.abs(z) >= Z95)),
        "drift_z_sd": float(np.std(z, ddof=1)),
        "replications": replications,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS), choices=list(DESIGNS))
    args = parser.parse_args(argv)
    rows = []
    for design in args.designs:
        for correction in (False, True):
            start = time.perf_counter()
            figures = study(design, args.replications, args.seed, correction)
            rows.append({"reviewers per candidate": design, "corrected": "yes" if correction else "no",
                         **figures, "seconds": round(time.perf_counter() - start, 1)})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format", "{:.3f}".format):
        print(f"seed {args.seed}, {args.replications} replications per design")
        print(table.set_index(["reviewers per candidate", "corrected"]).T.to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
