"""Check the at-risk list's shortlist-breach estimates against what happened, on the demo agency.

Run from the repository root::

    python bench/backtest_risk.py                      # the default demo (85,500 candidates), about a minute
    python bench/backtest_risk.py --db data/scorecard.duckdb --as-of 2026-11-20

It builds the demo agency into a temporary file (or reads ``--db``), replays every estimate the list
would have made (:func:`scoring.reports.at_risk.risk_backtest`: for each past search and each business
day it waited, the probability of passing the 14-day limit from the history known that day) and prints
the Brier score beside the score of always forecasting the overall breach share, then the calibration
table: in deciles of the estimate, the mean estimate with its 95% interval (from the estimates' Greenwood
standard errors: each is made from a history of finite size) against the observed breach rate with its
95% Wilson interval (at Kish's effective size, since one search is estimated on several days), and the
same by business day waited. A decile agrees when the two rates do not differ beyond both intervals
(:data:`scoring.reports.at_risk.CALIBRATION_METHOD` says why the estimate's own interval counts). It
writes nothing beside the temporary database; with ``--strict`` it exits with status 1 when a decile
does not agree.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.demo.generator import DemoConfig, build_demo  # noqa: E402
from scoring.reports.at_risk import CALIBRATION_METHOD, RiskBacktest, risk_backtest  # noqa: E402
from scoring.stats.intervals import wilson_interval  # noqa: E402
from scoring.store import Database  # noqa: E402
from scoring.store.accounts import account_for_email  # noqa: E402

OPS_EMAIL = "ops@demo.example"


def _table(backtest: RiskBacktest) -> str:
    lines = ["decile  estimates  estimate range   predicted  (95% interval)   observed  (95% interval)   agrees",
             "------  ---------  ---------------  ---------  ----------------  --------  ----------------  ------"]
    for row in backtest.calibration.itertuples():
        agrees = "yes" if row.agrees else "NO"
        lines.append(f"{row.bin:>6}  {row.n:>9,}  {row.low:6.3f} - {row.high:5.3f}  {row.predicted:9.3f}  "
                     f"({row.predicted_low:5.3f} - {row.predicted_high:5.3f})  {row.observed:8.3f}  "
                     f"({row.ci_low:5.3f} - {row.ci_high:5.3f})  {agrees:>6}")
    return "\n".join(lines)


def _by_day(backtest: RiskBacktest) -> str:
    rows = backtest.predictions.groupby("day").agg(n=("p_breach", "size"), predicted=("p_breach", "mean"),
                                                   events=("breached", "sum"), searches=("search_id", "nunique"))
    low, high = wilson_interval(rows["events"].to_numpy(), rows["n"].to_numpy())
    lines = ["business days waited  estimates  predicted  observed  (95% interval)",
             "--------------------  ---------  ---------  --------  ----------------"]
    for (day, row), lo, hi in zip(rows.iterrows(), low, high):
        lines.append(f"{day:>20}  {int(row['n']):>9,}  {row['predicted']:9.3f}  {row['events'] / row['n']:8.3f}  "
                     f"({lo:5.3f} - {hi:5.3f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="an existing database to read (default: build the demo agency)")
    parser.add_argument("--candidates", type=int, default=DemoConfig.candidates)
    parser.add_argument("--seed", type=int, default=DemoConfig.seed)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 20))
    parser.add_argument("--min-history", type=int, default=None,
                        help="known outcomes needed before a day is scored (default: the list's own rule)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a decile disagrees")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.db) if args.db else Path(folder) / "demo.duckdb"
        if not args.db:
            started = time.perf_counter()
            build_demo(path, DemoConfig(candidates=args.candidates, seed=args.seed, as_of=args.as_of))
            print(f"demo agency of {args.candidates:,} candidates (seed {args.seed}, as of {args.as_of}) built in "
                  f"{time.perf_counter() - started:.0f} s")
        with Database(path) as db:
            actor = account_for_email(db, OPS_EMAIL)
            if actor is None:
                print(f"no account {OPS_EMAIL} in {path}: give a demo database", file=sys.stderr)
                return 2
            started = time.perf_counter()
            options = {} if args.min_history is None else {"min_history": args.min_history}
            backtest = risk_backtest(db, actor, args.as_of, **options)
            took = time.perf_counter() - started
    print(f"replayed in {took:.1f} s\n")
    print(backtest.summary + "\n")
    if backtest.predictions.empty:
        return 0
    print(f"Brier score {backtest.brier:.4f}; always forecasting the breach share: {backtest.base_rate_brier:.4f}\n")
    print(_table(backtest) + "\n")
    print(CALIBRATION_METHOD + "\n")
    print(_by_day(backtest))
    return 1 if args.strict and not backtest.calibration["agrees"].all() else 0


if __name__ == "__main__":
    sys.exit(main())
