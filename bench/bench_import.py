"""Time the import of one million score rows, against DuckDB's raw insert of the same rows.

Run from the repository root::

    python bench/bench_import.py              # 1,000,000 score rows
    python bench/bench_import.py --rows 200000

It generates a file set (scoring.importing.synthetic: 50,000 applications, 60 reviewers and their
score rows) in a temporary directory, imports everything but the scores into a new database and
copies that database. Then, in the same run:

* the import: ``scorecard import scores.csv`` as the command runs it (import_paths), timed by phase
  from its progress reports: reading the CSV, validating it, writing it (including the commit);
* the baseline, on the copy: pandas' read_csv of the same file, then a raw
  ``INSERT INTO scorecards SELECT * FROM frame`` and ``INSERT INTO scores SELECT * FROM frame`` of the
  same rows with their database ids already resolved, in one transaction (no validation, no
  grouping, no idempotence check);
* a second import of the same file, which must change nothing.

It prints the figures and the ratios, and exits with status 1 if the import takes longer than
``--limit`` seconds (30 by default) or the second import changed anything.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from import_setup import all_but_scores  # noqa: E402

from scoring.domain.dimensions import DIMENSION_IDS
from scoring.importing.format import STAGE_IDS
from scoring.importing.synthetic import synthetic_frames, write_file_set  # noqa: E402
from scoring.store.db import Database  # noqa: E402
from scoring.store.importer import import_paths  # noqa: E402

PHASES = (("reading", "reading"), ("checking", "validating"), ("writing", "writing"), ("done", None))


def timed_import(db: Database, path: Path) -> tuple[dict[str, float], object]:
    """Import one file; seconds per phase, found from when the progress messages changed phase."""
    marks: list[tuple[float, str]] = []
    start = time.perf_counter()
    result = import_paths(db, [path], progress=lambda message, done: marks.append((time.perf_counter(), message)))
    end = time.perf_counter()
    starts = {}
    for moment, message in marks:
        for prefix, phase in PHASES:
            if phase and message.startswith(prefix) and phase not in starts:
                starts[phase] = moment
    order = [p for _, p in PHASES if p in starts]
    bounds = [starts[p] for p in order] + [end]
    phases = {phase: bounds[i + 1] - bounds[i] for i, phase in enumerate(order)}
    phases["total"] = end - start
    return phases, result


def raw_insert(db: Database, path: Path) -> tuple[float, float]:
    """Seconds for pandas to read the file, and for DuckDB to insert its rows with ids resolved."""
    start = time.perf_counter()
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    read = time.perf_counter() - start
    apps = db.frame("SELECT external_id AS application_ref, application_id FROM applications")
    reviewers = db.frame("SELECT email AS reviewer_email, account_id AS reviewer_id FROM accounts")
    rows = rows.merge(apps, on="application_ref").merge(reviewers, on="reviewer_email")
    rows["stage_id"] = rows["stage"].map(STAGE_IDS).astype("int8")
    rows["dimension_id"] = rows["dimension"].map(DIMENSION_IDS).astype("int8")
    rows["submitted_at"] = pd.to_datetime(rows["submitted_at"])
    first_id = int(db.scalar("SELECT coalesce(max(scorecard_id), 0) FROM scorecards")) + 1
    rows["scorecard_id"] = rows.groupby(["application_id", "stage_id", "reviewer_id"], sort=False).ngroup() + first_id
    cards = rows.drop_duplicates("scorecard_id")[["scorecard_id", "application_id", "stage_id", "reviewer_id",
                                                  "submitted_at"]].assign(revision=1, status="submitted")
    cards["created_at"] = cards["submitted_at"]
    cards["amendment_reason"] = None
    cards = cards[["scorecard_id", "application_id", "stage_id", "reviewer_id", "revision", "status", "created_at",
                   "submitted_at", "amendment_reason"]]
    scores = rows[["scorecard_id", "dimension_id"]].assign(rating=rows["rating"].astype("int8"), note=rows["note"])
    card_table, score_table = pa.Table.from_pandas(cards, preserve_index=False), pa.Table.from_pandas(
        scores, preserve_index=False)
    start = time.perf_counter()
    with db.transaction() as cur:
        cur.register("card_frame", card_table)
        cur.register("score_frame", score_table)
        cur.execute("INSERT INTO scorecards BY NAME SELECT * FROM card_frame")
        cur.execute("INSERT INTO scores BY NAME SELECT * FROM score_frame")
    return read, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rows", type=int, default=1_000_000, help="score rows to import")
    options.add_argument("--limit", type=float, default=30.0, help="seconds the import may take")
    args = options.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        folder = Path(scratch)
        start = time.perf_counter()
        paths = write_file_set(folder / "files", synthetic_frames(args.rows, prefix="BX"))
        print(f"generated {args.rows:,} score rows in {time.perf_counter() - start:.1f} s "
              f"({paths['scores'].stat().st_size / 1e6:.0f} MB of CSV)")
        seconds = all_but_scores(paths, folder / "import.duckdb", folder / "baseline.duckdb")
        print(f"imported the other tables in {seconds:.1f} s")

        db = Database(folder / "import.duckdb")
        phases, result = timed_import(db, paths["scores"])
        assert result.ok, result.problems[:5]
        again, repeat = timed_import(db, paths["scores"])
        db.close()
        baseline_db = Database(folder / "baseline.duckdb")
        read, insert = raw_insert(baseline_db, paths["scores"])
        baseline_db.close()

    rate = args.rows / phases["total"]
    print()
    print(f"{'':34}{'seconds':>9}")
    for phase in ("reading", "validating", "writing"):
        print(f"import: {phase:26}{phases.get(phase, float('nan')):9.2f}")
    print(f"import: {'total':26}{phases['total']:9.2f}   ({rate:,.0f} rows/s)")
    print(f"second import (no changes){'':8}{again['total']:9.2f}")
    print(f"baseline: pandas read_csv{'':9}{read:9.2f}")
    print(f"baseline: raw INSERT ... SELECT{'':3}{insert:9.2f}")
    print()
    print(f"writing / raw insert: {phases.get('writing', float('nan')) / insert:5.1f} x")
    print(f"whole import / (read_csv + raw insert): {phases['total'] / (read + insert):5.1f} x")
    failed = phases["total"] > args.limit or repeat.changed
    print(f"{'FAIL' if failed else 'OK'}: {args.rows:,} score rows imported in {phases['total']:.1f} s "
          f"(limit {args.limit:g} s); the second import changed {'something' if repeat.changed else 'nothing'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
