"""Time a mapped import against the native import of the same score rows, in the same run.

Run from the repository root::

    python bench/bench_mapped_import.py               # 200,000 score rows
    python bench/bench_mapped_import.py --rows 1000000

It generates a file set (scoring.importing.synthetic), imports everything but the scores into a new
database and copies that database. The score rows are also written in the shape of the worked
Greenhouse scorecards export (data/mappings/greenhouse-harvest-scorecards.toml: one row per attribute,
rating words, interviewer ids, ISO times), read through that mapping with its interviewer vocabulary
extended to the generated reviewers. Then, in the same run:

* the native import of ``scores.csv``, on one copy;
* the mapped import of the Greenhouse-shaped file, on the other, timed whole and with the time the
  mapping itself takes (:func:`scoring.importing.mapping.apply_mapping`, timed alone on the same file);
* both databases must then hold the same ratings.

It prints the figures and the ratio of the mapped import to the native one, and exits with status 1
if the ratio is above ``--limit`` (3 by default) or the two imports stored different ratings.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from import_setup import all_but_scores  # noqa: E402

from scoring.importing.files import Source  # noqa: E402
from scoring.importing.mapping import apply_mapping, load_mapping, parse_mapping  # noqa: E402
from scoring.importing.synthetic import synthetic_frames, write_file_set  # noqa: E402
from scoring.store.db import Database  # noqa: E402
from scoring.store.importer import import_paths  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GREENHOUSE = ROOT / "data" / "mappings" / "greenhouse-harvest-scorecards.toml"
#: The rubric's scale as Greenhouse's rating words, and the stages and dimensions as the worked mapping's words.
WORDS = {1: "definitely_not", 2: "no", 3: "mixed", 4: "yes", 5: "strong_yes"}
STEPS = {"incident_interview": "Technical Interview", "take_home": "Take Home Test"}
ATTRIBUTES = {"infrastructure": "Kubernetes & cloud infrastructure", "deployment": "Model deployment",
              "monitoring": "Monitoring & observability", "automation": "Pipeline automation",
              "governance": "Governance & lineage"}


def greenhouse_shaped(scores: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The score rows as the worked Greenhouse export writes them, and the interviewer ids used."""
    emails = sorted(scores["reviewer_email"].unique())
    ids = {email: str(5000 + i) for i, email in enumerate(emails)}
    card = scores.groupby(["application_ref", "stage", "reviewer_email"], sort=False).ngroup()
    shaped = pd.DataFrame({
        "scorecard.id": (card + 90_000_000).astype(str),
        "application_id": scores["application_ref"],
        "candidate_id": "0",
        "interview_step.name": scores["stage"].map(STEPS),
        "interviewer.id": scores["reviewer_email"].map(ids),
        "interviewer.name": "Someone",
        "submitted_at": scores["submitted_at"].str.replace(" ", "T") + "Z",
        "overall_recommendation": "yes",
        "attribute.name": scores["dimension"].map(ATTRIBUTES),
        "attribute.type": "Skills",
        "attribute.rating": scores["rating"].map(WORDS),
        "attribute.note": scores["note"],
    })
    return shaped, {identifier: email for email, identifier in ids.items()}


def mapping_text(interviewers: dict[str, str]) -> str:
    """The worked Greenhouse mapping with its interviewer vocabulary replaced by the generated reviewers."""
    text = GREENHOUSE.read_text()
    start = text.index("[vocabularies.interviewers]")
    end = text.index("[tables.scores]")
    lines = "\n".join(f'"{identifier}" = "{email}"' for identifier, email in interviewers.items())
    return text[:start] + "[vocabularies.interviewers]\n" + lines + "\n\n" + text[end:]


def ratings(db: Database) -> pd.DataFrame:
    return db.frame("""SELECT a.external_id, sc.stage_id, acc.email, s.dimension_id, s.rating
                       FROM scores AS s JOIN scorecards AS sc USING (scorecard_id)
                       JOIN applications AS a USING (application_id) JOIN accounts AS acc
                         ON acc.account_id = sc.reviewer_id
                       ORDER BY ALL""")


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rows", type=int, default=200_000, help="score rows to import")
    options.add_argument("--limit", type=float, default=3.0, help="largest ratio of mapped to native time")
    args = options.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-mapped-") as scratch:
        folder = Path(scratch)
        frames = synthetic_frames(args.rows, prefix="BM")
        paths = write_file_set(folder / "files", frames)
        shaped, interviewers = greenhouse_shaped(frames["scores"])
        source_path = folder / "source" / "scorecards.csv"
        source_path.parent.mkdir()
        shaped.to_csv(source_path, index=False)
        mapping = parse_mapping(mapping_text(interviewers), "bench mapping")
        assert load_mapping(GREENHOUSE).name == mapping.name
        print(f"{len(frames['scores']):,} score rows: native {paths['scores'].stat().st_size / 1e6:.0f} MB, "
              f"Greenhouse-shaped {source_path.stat().st_size / 1e6:.0f} MB of CSV")

        all_but_scores(paths, folder / "native.duckdb", folder / "mapped.duckdb")

        start = time.perf_counter()
        mapped_alone = apply_mapping(mapping, [Source(source_path.name, source_path)])
        mapping_seconds = time.perf_counter() - start
        assert mapped_alone.ok, mapped_alone.problems[:5]

        native_db = Database(folder / "native.duckdb")
        start = time.perf_counter()
        native = import_paths(native_db, [paths["scores"]])
        native_seconds = time.perf_counter() - start
        assert native.ok, native.problems[:5]

        mapped_db = Database(folder / "mapped.duckdb")
        start = time.perf_counter()
        through = import_paths(mapped_db, [source_path], mapping=mapping)
        mapped_seconds = time.perf_counter() - start
        assert through.ok, [str(p) for p in through.problems[:5]]

        same = ratings(native_db).equals(ratings(mapped_db))
        native_db.close()
        mapped_db.close()

    ratio = mapped_seconds / native_seconds
    print()
    print(f"{'':40}{'seconds':>9}")
    print(f"{'native import of scores.csv':40}{native_seconds:9.2f}")
    print(f"{'mapped import of the Greenhouse file':40}{mapped_seconds:9.2f}")
    print(f"{'  of which the mapping (apply_mapping)':40}{mapping_seconds:9.2f}")
    print()
    print(f"mapped / native: {ratio:4.2f} x; the mapping alone is {mapping_seconds / native_seconds:4.2f} x the "
          "native import")
    failed = ratio > args.limit or not same
    print(f"{'FAIL' if failed else 'OK'}: ratio {ratio:.2f} (limit {args.limit:g}); the two imports stored "
          f"{'the same' if same else 'different'} ratings")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
