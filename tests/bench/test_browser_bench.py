"""The browser benchmark (bench/bench_browser.py) still measures every interaction it lists.

On a tiny demo agency and two pages, one round: every interaction of those pages, their first open
and their warm open each get a time, the bytes received and no error, and the floor is measured.
Timings are never asserted (a shared machine makes them noise); what would break silently is a
widget the benchmark can no longer find after a page changes, and that fails here, naming it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.browser.conftest import CHROMIUM
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = ROOT / "bench" / "bench_browser.py"
PAGES = ("score_entry", "validity")


def listed_interactions() -> dict[str, tuple]:
    spec = importlib.util.spec_from_file_location("bench_browser", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = sys.modules.setdefault("bench_browser", importlib.util.module_from_spec(spec))
    if not hasattr(module, "INTERACTIONS"):
        spec.loader.exec_module(module)
    return module.INTERACTIONS


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("bench_browser")
    out = folder / "results.json"
    run = subprocess.run([sys.executable, str(SCRIPT), "--candidates", "300", "--rounds", "1", "--no-postgres",
                          "--warm-up", "0", "--pages", ",".join(PAGES), "--json", str(out)],
                         cwd=folder, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "floor:" in run.stdout and "DuckDB file" in run.stdout, run.stdout[-3000:]
    return json.loads(out.read_text())


def test_the_floor_is_measured_in_the_same_run(results):
    assert results["floor_ms"] > 0


@pytest.mark.parametrize("page", PAGES)
def test_every_listed_interaction_gets_a_figure(results, page):
    rows = {row["what"]: row for row in results["databases"]["DuckDB file"] if row["page"] == page}
    _, steps = listed_interactions()[page]
    expected = [step.what for step in steps]
    missing = [what for what in expected if what not in rows]
    assert not missing, f"{page}: no row for {missing}"
    assert any(what.startswith("first open") for what in rows), f"{page}: no first open"
    assert any(what.startswith("warm open") for what in rows), f"{page}: no warm open"
    for what, row in rows.items():
        assert not row["errors"], f"{page}, {what}: {row['errors']}"
        assert len(row["ms"]) == results["rounds"] or what.startswith("first open"), f"{page}, {what}: {row['ms']}"
        assert all(ms > 0 for ms in row["ms"]), f"{page}, {what}: {row['ms']}"
        assert row["median_kb_received"] is not None, f"{page}, {what}"
