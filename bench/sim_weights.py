"""Error rate and power of the weight suggestion's "is an improvement", by simulation.

Run from the repository root (``nice`` it: the machine is shared)::

    nice python bench/sim_weights.py                  # 400 data sets without signal, 400 with
    nice python bench/sim_weights.py --datasets 40

Each data set has ``--cases`` applications (default 600) with five dimension means built like the
agency's: a common skill plus a dimension's own ability plus rating noise, clipped to 1-5. The good
outcome happens to 70% of the cases.

* **No signal**: the outcome is drawn independently of the means. Any weights rank it at chance, so
  :func:`scoring.agency.validity.suggest_weights` should call its suggestion an improvement at most
  2.5% of the time (the interval's lower bound above zero is a one-sided test at 2.5%), and its
  two-sided p-value should fall below 0.05 at most 5% of the time.
* **Planted signal**: the log-odds of the good outcome rise by ``--strength`` (0.5 and 1.0 by
  default) per unit of the Infrastructure and Monitoring abilities together, while the current
  weights are 25/25/20/20/10; the share of data sets where the improvement is claimed is the power.

It prints the rates with a binomial 95% (Wilson) interval, and how often the reported 95%
interval of the AUC difference contains 0, which without signal is the true difference (every
weighting ranks at chance), so there it should be at least 95%. Seeds: data set
``i`` of kind ``k`` (0 no signal, 1 signal) uses ``numpy.random.default_rng((seed, k, i))``,
``seed`` 20_261_128 by default. Nothing is written to disk. The test suite
(tests/agency/test_weight_simulation.py) runs a small version with a cheaper model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.agency.validity import MODEL, ModelSettings, suggest_weights  # noqa: E402
from scoring.domain.dimensions import DIMENSION_CODES  # noqa: E402
from scoring.stats.intervals import wilson_interval  # noqa: E402

SEED = 20_261_128
CODES = list(DIMENSION_CODES)
CURRENT = dict(zip(CODES, (25.0, 25.0, 20.0, 20.0, 10.0)))
GOOD_RATE = 0.7
SIGNAL_DIMENSIONS = (0, 2)  # infrastructure and monitoring


def dataset(rng: np.random.Generator, cases: int, strength: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Dimension means and a 0/1 good outcome; ``strength`` 0 makes them independent."""
    skill = rng.normal(0.0, 1.0, cases)
    ability = 0.5 * skill[:, None] + rng.normal(0.0, 0.85, (cases, 5))
    means = np.clip(3.5 + 0.6 * ability + rng.normal(0.0, 0.3, (cases, 5)), 1, 5)
    drive = strength * ability[:, list(SIGNAL_DIMENSIONS)].sum(axis=1)
    offset = np.log(GOOD_RATE / (1 - GOOD_RATE))
    good = (rng.random(cases) < 1 / (1 + np.exp(-(offset + drive)))).astype(float)
    return pd.DataFrame(means, columns=CODES), good


def run(kind: int, datasets: int, cases: int, strength: float, seed: int = SEED,
        settings: ModelSettings = MODEL) -> pd.DataFrame:
    """One row per data set: ``difference``, ``ci_low``, ``ci_high``, ``p_value``, ``claimed``
    (NaN and False where no weights were suggested, for want of a positive coefficient)."""
    rows = []
    for i in range(datasets):
        means, good = dataset(np.random.default_rng((seed, kind, i)), cases, strength if kind else 0.0)
        result = suggest_weights(means, good, CURRENT, settings)
        rows.append({"difference": result.difference, "ci_low": result.ci_low, "ci_high": result.ci_high,
                     "p_value": result.p_value, "claimed": result.is_improvement})
    return pd.DataFrame(rows, columns=["difference", "ci_low", "ci_high", "p_value", "claimed"])


def summary(table: pd.DataFrame) -> dict[str, object]:
    """Rates with Wilson intervals, and how often the interval contains no difference."""
    n = len(table)
    suggested = table["difference"].notna()
    claimed = int(table["claimed"].sum())
    low, high = wilson_interval(claimed, n)
    two_sided = int((table["p_value"] < 0.05).sum())
    return {"data sets": n, "with a suggestion": int(suggested.sum()),
            "improvement claimed": f"{claimed / n:.1%} ({low:.1%} to {high:.1%})",
            "two-sided p < 0.05": f"{two_sided / n:.1%}",
            "mean difference": round(float(table["difference"].mean()), 4),
            "interval contains 0": f"{((table['ci_low'] <= 0) & (table['ci_high'] >= 0))[suggested].mean():.1%}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=400)
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--strength", type=float, nargs="+", default=[0.5, 1.0])
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = {}
    runs = [(0, 0.0, "no signal")] + [(1, s, f"signal {s:g} logit per unit") for s in args.strength]
    for kind, strength, label in runs:
        start = time.perf_counter()
        out[label] = {**summary(run(kind, args.datasets, args.cases, strength, args.seed)),
                      "seconds": round(time.perf_counter() - start, 1)}
    print(f"seed {args.seed}, {args.cases} cases a data set, {MODEL.splits} splits holding out "
          f"{MODEL.holdout_share:.0%}")
    print(pd.DataFrame(out).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
