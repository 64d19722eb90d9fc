"""What the import benchmarks prepare before they time anything: databases holding a generated agency
without its score rows, so that importing the scores is all that is measured.

Imported by the benchmark scripts of this folder, which Python runs with the folder on its path.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from scoring.store.db import Database
from scoring.store.importer import import_paths


def all_but_scores(paths: dict[str, Path], database: Path, copy: Path) -> float:
    """Import every file of ``paths`` (a generated file set by table) but the scores into a new database
    at ``database``, then copy it to ``copy``, so two runs start from the same rows; the import's seconds."""
    with Database(database) as db:
        start = time.perf_counter()
        prepared = import_paths(db, [path for table, path in paths.items() if table != "scores"])
        seconds = time.perf_counter() - start
        assert prepared.ok, [str(problem) for problem in prepared.problems[:5]]
        db.checkpoint()                     # everything in the file itself before it is copied
    shutil.copy(database, copy)
    return seconds
