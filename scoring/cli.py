"""The ``scorecard`` command: build a demo agency, serve the dashboard, and more.

Run ``scorecard --help`` for the subcommands.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tqdm import tqdm

from scoring.demo import DemoConfig, build_demo
from scoring.store.db import LOCATION_SETTING, PROJECT_ROOT, database_location

DEFAULT_PORT = 8501


def _progress_bar(description: str):
    """A tqdm bar driven by (message, share done) callbacks; returns (callback, bar)."""
    bar = tqdm(total=100, unit="%", bar_format="{desc:<32} {percentage:3.0f}%|{bar}| {elapsed}")

    def update(message: str, done: float) -> None:
        bar.n = round(100 * done)
        bar.set_description_str(f"{description}: {message}")

    return update, bar


def run_demo(args: argparse.Namespace) -> int:
    config = DemoConfig(candidates=args.candidates, seed=args.seed, as_of=args.as_of or date.today())
    update, bar = _progress_bar("demo")
    counts = build_demo(args.db, config, update)
    update("done", 1.0)
    bar.close()
    print(f"built {args.db}: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()
                                            if table in ("clients", "candidates", "searches", "scores")))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    location = args.db or database_location()
    if "://" not in location and not Path(location).exists():
        print(f"no database at {location}: building the demo agency first")
        run_demo(argparse.Namespace(db=location, candidates=DemoConfig.candidates, seed=DemoConfig.seed,
                                    as_of=None))
    env = {**os.environ, LOCATION_SETTING: location}
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
               "--server.port", str(args.port), "--server.address", args.address,
               "--browser.gatherUsageStats", "false", "--server.headless", "true"]
    return subprocess.call(command, env=env)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="scorecard", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="build a new database holding a generated demo agency")
    demo.add_argument("--db", default=database_location(), help="database file to create (replaced if it exists)")
    demo.add_argument("--candidates", type=int, default=DemoConfig.candidates, help="number of candidates")
    demo.add_argument("--seed", type=int, default=DemoConfig.seed, help="random seed: same seed, same data")
    demo.add_argument("--as-of", type=date.fromisoformat, default=None,
                      help="the demo's today (YYYY-MM-DD); default: today")
    demo.set_defaults(run=run_demo)

    serve = commands.add_parser("serve", help="start the dashboard (building the demo database if missing)")
    serve.add_argument("--db", default=None, help=f"database location (default: ${LOCATION_SETTING} or data/)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--address", default="127.0.0.1")
    serve.set_defaults(run=run_serve)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "candidates", 1) < 1:
        parser().error("--candidates must be at least 1")
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
