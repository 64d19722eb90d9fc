"""The benchmarks in bench/ still run, at a size that takes seconds.

Their figures are printed, never asserted here (timings on a shared machine are noise); what is
checked is that each one runs to its end on today's schema and code, so a change cannot silently
break the measurement the README quotes.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

SMALL_RUNS = {
    "bench_import.py": ["--rows", "3000"],
    "bench_mapped_import.py": ["--rows", "3000", "--limit", "100"],     # a ratio of small timings is noise
    "bench_agreement.py": ["--units", "2000", "--raters", "4", "--repeats", "1"],
    "bench_pages.py": ["--candidates", "400", "--no-postgres", "--rounds", "1"],
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SMALL_RUNS))
def test_benchmark_runs_at_a_small_size(script, tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / script), *SMALL_RUNS[script]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert run.stdout.strip(), "a benchmark prints its figures"
