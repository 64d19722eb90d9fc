"""Time scoring.stats.agreement.krippendorff_alpha against the krippendorff package.

Run from the repository root::

    python bench/bench_agreement.py

It builds a seeded reliability matrix (default 100,000 units x 6 raters,
ratings 1-5, 30% missing), times both implementations for the ordinal and
interval levels (best of several interleaved repeats, same process), checks
that they agree to 1e-9 and prints a table. It writes nothing to disk and
exits with status 1 if the results disagree (or, with --strict, if ours is
slower).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import krippendorff  # noqa: E402

from scoring.stats.agreement import krippendorff_alpha  # noqa: E402

LEVELS = ("ordinal", "interval")
TOLERANCE = 1e-9


def reliability_matrix(units: int, raters: int, missing: float, seed: int) -> np.ndarray:
    """Ratings 1-5 with a share ``missing`` of np.nan, shape (raters, units)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=units)
    noise = rng.integers(-1, 2, size=(raters, units))
    data = np.clip(truth + noise, 1, 5).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


def timed(run: Callable[[], float]) -> tuple[float, float]:
    """Wall time of one call, and its result."""
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def ours(data: np.ndarray, level: str) -> float:
    return krippendorff_alpha(data, level)  # type: ignore[arg-type]


def package(data: np.ndarray, level: str) -> float:
    return float(krippendorff.alpha(data, level_of_measurement=level))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--raters", type=int, default=6)
    parser.add_argument("--missing", type=float, default=0.30)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--strict", action="store_true", help="fail if ours is slower")
    args = parser.parse_args(argv)

    data = reliability_matrix(args.units, args.raters, args.missing, args.seed)
    print(
        f"{args.units:,} units x {args.raters} raters, values 1-5, "
        f"{np.isnan(data).mean():.1%} missing; best of {args.repeats} runs\n"
    )
    header = f"{'level':<9} {'ours (ms)':>10} {'package (ms)':>13} {'ratio':>7} {'|diff|':>9}"
    print(header)
    print("-" * len(header))

    failed = False
    for level in LEVELS:
        runs = {"ours": partial(ours, data, level), "package": partial(package, data, level)}
        best = dict.fromkeys(runs, float("inf"))
        value = {name: run() for name, run in runs.items()}  # warm-up
        for _ in range(args.repeats):  # interleaved, so both see the same machine state
            for name, run in runs.items():
                seconds, value[name] = timed(run)
                best[name] = min(best[name], seconds)
        gap = abs(value["ours"] - value["package"])
        ratio = best["ours"] / best["package"]
        print(
            f"{level:<9} {best['ours'] * 1e3:>10.2f} {best['package'] * 1e3:>13.2f} "
            f"{ratio:>7.2f} {gap:>9.1e}"
        )
        if not gap <= TOLERANCE:
            print(f"  MISMATCH: {value['ours']!r} vs {value['package']!r}", file=sys.stderr)
            failed = True
        if args.strict and ratio > 1.0:
            print(f"  SLOWER than the package at level {level}", file=sys.stderr)
            failed = True

    print("\nratio = ours / package; below 1 means scoring.stats.agreement is faster.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
