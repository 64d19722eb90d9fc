"""The ``scorecard`` command: build a demo agency, serve the dashboard, import, export and restore data.

Run ``scorecard --help`` for the subcommands.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from scoring.demo import DemoConfig, build_demo
from scoring.store.db import (LOCATION_SETTING, PROJECT_ROOT, Database, DatabaseError, database_location,
                              is_postgres_location)

DEFAULT_PORT = 8501
T = TypeVar("T")


def _progress_bar(description: str):
    """A tqdm bar driven by (message, share done) callbacks; returns (callback, bar)."""
    bar = tqdm(total=100, unit="%", bar_format="{desc:<32} {percentage:3.0f}%|{bar}| {elapsed}")

    def update(message: str, done: float) -> None:
        bar.n = round(100 * done)
        bar.set_description_str(f"{description}: {message}")

    return update, bar


def _with_progress(location: str, description: str, work: Callable[[Database, Callable], T]) -> T:
    """Run ``work(db, progress)`` on the database at ``location`` under a progress bar, then close both."""
    with Database(location) as db:
        update, bar = _progress_bar(description)
        try:
            return work(db, update)
        finally:
            bar.close()


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
    if not is_postgres_location(location) and not Path(location).exists():
        print(f"no database at {location}: building the demo agency first")
        run_demo(argparse.Namespace(db=location, candidates=DemoConfig.candidates, seed=DemoConfig.seed,
                                    as_of=None))
    env = {**os.environ, LOCATION_SETTING: location}
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
               "--server.port", str(args.port), "--server.address", args.address,
               "--browser.gatherUsageStats", "false", "--server.headless", "true"]
    return subprocess.call(command, env=env)


def run_import(args: argparse.Namespace) -> int:
    from scoring.import_validation import LISTED_PROBLEMS
    from scoring.store.importer import import_paths

    result = _with_progress(args.db, "import", lambda db, update: import_paths(
        db, args.paths, progress=update, check_only=args.check, limit=LISTED_PROBLEMS))
    for name, table, rows in result.files:
        print(f"{name}: {table or 'unrecognised'}, {rows:,} rows")
    if not result.ok:
        for problem in result.problems:
            print(problem)
        listed = len(result.problems)
        more = f" (the first {listed:,} listed)" if listed < result.total_problems else ""
        print(f"{result.total_problems:,} problems{more}; nothing was written.", file=sys.stderr)
        return 1
    if args.check:
        print("no problems found; nothing was written (--check).")
        return 0
    for table, counts in result.counts.items():
        print(f"{table}: {counts.inserted:,} new, {counts.updated:,} updated, {counts.unchanged:,} unchanged")
    print(f"imported into {args.db}" if result.changed else f"no changes: {args.db} already holds these rows")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from scoring.store.archive import export_database

    if not is_postgres_location(args.db) and not Path(args.db).exists():
        print(f"no database at {args.db}", file=sys.stderr)
        return 1
    manifest = _with_progress(args.db, "export",
                              lambda db, update: export_database(db, args.directory, progress=update))
    rows = sum(entry["rows"] for entry in manifest["tables"])
    print(f"exported {len(manifest['tables'])} tables ({rows:,} rows) to {args.directory}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from scoring.store.archive import restore_database, unpack_zip, verify_export

    holder = unpack_zip(args.source) if Path(args.source).is_file() else None
    source = holder.name if holder else args.source
    try:
        verify_export(source)                     # before the target file is even created
        counts = _with_progress(args.db, "restore", lambda db, update: restore_database(db, source, progress=update))
    finally:
        if holder:
            holder.cleanup()
    print(f"restored {sum(counts.values()):,} rows in {len(counts)} tables into {args.db} "
          "(the reference tables stages, dimensions and tools matched the export)")
    return 0


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

    load = commands.add_parser("import", help="import CSV or Parquet files (see docs/import-format.md); "
                                              "all or nothing")
    load.add_argument("paths", nargs="+", metavar="PATH", help="files, or directories of .csv/.parquet files")
    load.add_argument("--db", default=database_location(), help="database to import into (created if missing)")
    load.add_argument("--check", action="store_true", help="only validate: list the problems, write nothing")
    load.set_defaults(run=run_import)

    export = commands.add_parser("export", help="write every table to Parquet with a manifest of checksums")
    export.add_argument("directory", metavar="DIR", help="new or empty directory to write to")
    export.add_argument("--db", default=database_location(), help="database to export")
    export.set_defaults(run=run_export)

    restore = commands.add_parser("restore", help="restore an export into an empty or new database")
    restore.add_argument("source", metavar="DIR", help="export directory (or a zip of one)")
    restore.add_argument("--db", default=database_location(), help="database to restore into: new or empty")
    restore.set_defaults(run=run_restore)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "candidates", 1) < 1:
        parser().error("--candidates must be at least 1")
    try:
        return args.run(args)
    except DatabaseError as refusal:            # the store's refusals say which row and why
        print(f"{args.command} refused: {refusal}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
