"""A second process holding a DuckDB file open, as a running dashboard does.

DuckDB locks the file it opens: for writing, no other process may open it at all; read only,
others may read it too but none may write. The holder opens the file, says so, and keeps it open
until the test ends (it exits when its standard input closes), so tests never have to kill it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read_only")
print("holding", flush=True)
sys.stdin.read()                         # until the test closes our standard input
print(con.execute("SELECT count(*) FROM candidates").fetchone()[0], flush=True)
con.close()
"""


class Holder:
    """The holding process: its id, and what it read from its file when it let go."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.pid = process.pid
        self.candidates_at_release: int | None = None


@contextmanager
def held_by_another_process(path: str | Path, *, read_only: bool = False) -> Iterator[Holder]:
    """Keep ``path`` open in another Python process for the duration of the block.

    On leaving, the holder counts the candidates of the database it holds (the file it opened,
    even if another file has since taken its name) into ``candidates_at_release`` and exits.
    """
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "read_only" if read_only else "write"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    holder = Holder(process)
    try:
        ready = process.stdout.readline().strip()
        if ready != "holding":
            raise RuntimeError(f"the holding process did not open {path}: {process.stderr.read()}")
        yield holder
    finally:
        out, err = process.communicate(input="", timeout=60)
        if out.strip().isdigit():
            holder.candidates_at_release = int(out.strip())
