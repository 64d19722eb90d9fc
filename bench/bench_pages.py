"""How fast is every page on the full-size demo agency? Run: ``python bench/bench_pages.py``.

Builds the default-size demo agency (85,500 candidates) into a DuckDB file and, when PostgreSQL is
installed, into a private PostgreSQL server started for the run; it records the build times. Then,
for each page and database, a fresh process (a cold server) renders the page once through
Streamlit's AppTest and reruns it under the interactions people actually make (changing a filter,
opening a candidate, picking another item); it reports the cold first render, the median and 95th
percentile of the warm reruns, and the process's peak memory. In the same run it measures the bare
rerun of a trivial page and prints every figure as a multiple of it, since absolute times vary
between machines.

On PostgreSQL it also times how long a replica takes to retake its local copy of the tables.

Options: ``--candidates N`` for a smaller agency, ``--db PATH_OR_URL`` to reuse a database,
``--no-postgres`` for the DuckDB file alone, ``--rounds R``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"warm_median_ms": 250, "warm_p95_ms": 500, "cold_ms": 3000, "build_s": 60, "memory_mib": 1024}
TRIVIAL_PAGE = 'import streamlit as st\nst.title("trivial")\nst.write(st.session_state.get("n", 0))\n'


# -- interactions: one function per page, each returning a list of callables that change a widget ------

def pipeline_steps(at, db):
    periods = ["All time", "Last 90 days", "Last 12 months"]
    steps = [lambda at, p=p: at.selectbox(key="pipeline_period").select(p) for p in periods]
    steps.append(lambda at: at.multiselect(key="pipeline_seniority").set_value(["senior"]))
    steps.append(lambda at: at.multiselect(key="pipeline_seniority").set_value([]))
    return steps


def candidate_steps(at, db):
    refs = db.execute("""SELECT c.external_id FROM stage_decisions d JOIN applications a USING (application_id)
                         JOIN candidates c USING (candidate_id) WHERE d.stage_id = 4
                         ORDER BY a.application_id LIMIT 3""").fetchall()
    steps = [lambda at, r=r[0]: at.text_input(key="candidate_query").input(r) for r in refs]
    first_name = db.execute("SELECT split_part(full_name, ' ', 1) FROM candidates ORDER BY candidate_id LIMIT 1"
                            ).fetchone()[0]
    steps.append(lambda at: at.text_input(key="candidate_query").input(first_name))
    return steps


def score_entry_steps(at, db):
    count = len(at.selectbox(key="queue_item").options) if at.selectbox else 0
    return [lambda at, i=i: at.selectbox(key="queue_item").select_index(i) for i in range(min(count, 4))]


def admin_steps(at, db):
    # the audit log's tab runs only when open: open it (as choosing the tab would), then filter
    return [lambda at: at.session_state.__setitem__("admin_tab", "Audit log"),
            lambda at: at.text_input(key="audit_text").input("demo"),
            lambda at: at.text_input(key="audit_text").input("")]


def calibration_steps(at, db):
    return [lambda at: None]


def ops_steps(at, db):
    periods = ["All time", "Last 90 days", "Last 12 months"]
    return [lambda at, p=p: at.selectbox(key="ops_period").select(p) for p in periods]


def validity_steps(at, db):
    periods = ["All time", "Last 12 months"]
    return [lambda at, p=p: at.selectbox(key="validity_period").select(p) for p in periods]


PAGES = {   # page file -> (role that may open it, interactions)
    "pages/pipeline.py": ("hiring_lead", pipeline_steps),
    "pages/candidate.py": ("hiring_lead", candidate_steps),
    "pages/score_entry.py": ("reviewer", score_entry_steps),
    "pages/calibration.py": ("hiring_lead", calibration_steps),
    "pages/validity.py": ("hiring_lead", validity_steps),
    "pages/ops.py": ("ops", ops_steps),
    "pages/admin.py": ("admin", admin_steps),
    "pages/admin_data.py": ("admin", lambda at, db: [lambda at: None]),
}


# -- the measuring child process --------------------------------------------------------------------

def measure_page(page: str, database: str, rounds: int) -> dict:
    """Runs in a fresh process: cold render, then timed warm reruns of each interaction."""
    from streamlit.testing.v1 import AppTest

    from scoring.agency.access import Account
    from scoring.store.db import Database

    os.environ["SCORECARD_DB"] = database
    handle = Database(database)
    with handle.cursor() as con:
        role, steps_for = PAGES.get(page, ("admin", lambda at, db: [lambda at: None]))
        row = con.execute("SELECT account_id, email, display_name, role FROM accounts WHERE role = ? "
                          "ORDER BY account_id LIMIT 1", [role]).fetchone()
        script = page if page.startswith("/") else str(ROOT / page)
        at = AppTest.from_file(script, default_timeout=120)
        at.session_state["account"] = Account(*row)
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        errors = [str(e.message) for e in at.exception]
        steps = steps_for(at, con)
    handle.close()
    warm = []
    for _ in range(rounds):
        for step in steps:
            step(at)
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
            errors += [str(e.message) for e in at.exception]
    return {"cold": cold, "warm": warm, "peak_mib": _peak_memory_mib(), "errors": errors[:3]}


def _peak_memory_mib() -> float:
    """This process's peak resident memory. VmHWM, unlike ru_maxrss, is not inherited across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(page: str, database: str, rounds: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", page, "--db", database, "--rounds", str(rounds)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"measuring {page} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the report ------------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build(location: str, candidates: int) -> float:
    """Build the demo agency at ``location``; returns the seconds it took."""
    from scoring.demo.generator import DemoConfig, build_demo

    started = time.perf_counter()
    build_demo(location, DemoConfig(candidates=candidates, seed=7, as_of=date.today()))
    return time.perf_counter() - started


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """The options :func:`demo_databases` takes its arguments from: ``--candidates``, ``--db`` and
    ``--no-postgres``."""
    parser.add_argument("--candidates", type=int, default=85_500)
    parser.add_argument("--db", help="reuse this database (file path or postgresql:// URL) instead of building one")
    parser.add_argument("--no-postgres", action="store_true", help="measure the DuckDB file only")


def demo_databases(stack: contextlib.ExitStack, folder: Path, reuse: str | None, candidates: int,
                   postgres: bool) -> tuple[dict[str, str], list[str]]:
    """The databases a benchmark measures (label -> location) and a note on how each was made.

    ``reuse`` (a file path or a PostgreSQL URL) is measured alone, as it is. Otherwise the demo agency
    of ``candidates`` is built into a DuckDB file in ``folder`` and, when ``postgres`` is asked for and
    installed, into a private PostgreSQL server that ``stack`` stops when it closes.
    """
    from scoring.store.db import is_postgres_location
    from tests.postgres.server import bin_dir, running_server

    if reuse:
        return {"PostgreSQL" if is_postgres_location(reuse) else "DuckDB file": reuse}, []
    duckdb_file = str(folder / "demo.duckdb")
    seconds = build(duckdb_file, candidates)
    size_mib = Path(duckdb_file).stat().st_size / 2**20
    backends = {"DuckDB file": duckdb_file}
    notes = [f"DuckDB file: demo build {seconds:.1f} s, {size_mib:,.0f} MiB"]
    if postgres and bin_dir() is None:
        notes.append("PostgreSQL is not installed: measuring the DuckDB file only")
    elif postgres:
        server = stack.enter_context(running_server(bin_dir()))
        backends["PostgreSQL"] = server.create()
        notes.append(f"PostgreSQL (private server on 127.0.0.1): demo build "
                     f"{build(backends['PostgreSQL'], candidates):.1f} s")
    return backends, notes


def copy_seconds(location: str, times: int = 5) -> float:
    """Median time for a replica to retake its local copy of the PostgreSQL database at ``location``."""
    from scoring.store.db import Database
    from scoring.store.local_copy import take_copy

    db = Database(location)
    try:
        return statistics.median(take_copy(db).seconds_to_copy for _ in range(times))
    finally:
        db.close()


def page_line(page: str, backend: str, result: dict, base_ms: float) -> str:
    cold_ms = result["cold"] * 1000
    median_ms = statistics.median(result["warm"]) * 1000
    p95_ms = percentile(result["warm"], 0.95) * 1000
    ok = (median_ms < TARGETS["warm_median_ms"] and p95_ms < TARGETS["warm_p95_ms"]
          and cold_ms < TARGETS["cold_ms"] and result["peak_mib"] < TARGETS["memory_mib"])
    verdict = "meets targets" if ok else "MISSES a target"
    if result["errors"]:
        verdict += f"; errors: {result['errors']}"
    return (f"{Path(page).stem:<14}{backend:<13}{cold_ms:>8.0f} ({cold_ms / base_ms:>5.0f}x){median_ms:>10.0f} "
            f"({median_ms / base_ms:>5.1f}x){p95_ms:>10.0f} ({p95_ms / base_ms:>5.1f}x){result['peak_mib']:>10.0f}  "
            f"{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.add_argument("--rounds", type=int, default=4, help="passes over each page's interactions")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_page(args.child, args.db, args.rounds)))
        return

    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    with contextlib.ExitStack() as stack:
        backends, notes = demo_databases(stack, folder, args.db, args.candidates, postgres=not args.no_postgres)

        trivial = folder / "trivial.py"
        trivial.write_text(TRIVIAL_PAGE)
        baseline = in_child(str(trivial), next(iter(backends.values())), args.rounds * 5)
        base_ms = statistics.median(baseline["warm"]) * 1000

        print(f"machine: {os.cpu_count()} cores; {args.candidates:,} candidates")
        for note in notes:
            print(note)
        print(f"baseline: a trivial page reruns in {base_ms:.1f} ms (median); figures below are ms and x baseline\n")
        header = (f"{'page':<14}{'database':<13}{'cold':>16}{'warm median':>20}{'warm p95':>20}{'peak MiB':>10}"
                  "  verdict")
        print(header)
        print("-" * len(header))
        for page in PAGES:
            for backend, location in backends.items():
                print(page_line(page, backend, in_child(page, location, args.rounds), base_ms), flush=True)
        if "PostgreSQL" in backends:
            copy_ms = copy_seconds(backends["PostgreSQL"]) * 1000
            print(f"\nPostgreSQL: a replica retakes its local copy in {copy_ms:.0f} ms ({copy_ms / base_ms:.0f}x): "
                  "the first read after its own write, or after another replica's")
    print(f"\ntargets: warm median < {TARGETS['warm_median_ms']} ms, p95 < {TARGETS['warm_p95_ms']} ms, "
          f"cold < {TARGETS['cold_ms']} ms, demo build < {TARGETS['build_s']} s, "
          f"peak memory < {TARGETS['memory_mib']} MiB")


if __name__ == "__main__":
    main()
