"""One replica, run as its own process by test_replicas.py: submit one scorecard, then wait for the other's.

Usage: ``python -m tests.postgres.replica URL START_AT MINE OTHER`` where MINE and OTHER are
``reviewer_id:application_id:stage_id``. It waits until the wall clock reaches START_AT (so both
replicas write at the same moment), submits MINE, waits until both scorecards are visible to it,
and prints a JSON line with what it saw.
"""

from __future__ import annotations

import json
import sys
import time

from scoring.agency.access import Account
from scoring.store import Database, scorecards

RATINGS = {"infrastructure": 3, "deployment": 4, "monitoring": 2, "automation": 3, "governance": 4}
WAIT_SECONDS = 30


def _work(text: str) -> tuple[int, int, int]:
    reviewer_id, application_id, stage_id = (int(part) for part in text.split(":"))
    return reviewer_id, application_id, stage_id


def _submitted(db: Database, work: tuple[int, int, int]) -> int:
    return int(db.scalar("SELECT count(*) FROM scorecards WHERE reviewer_id = ? AND application_id = ? "
                         "AND stage_id = ? AND status = 'submitted'", list(work)))


def main(url: str, start_at: str, mine: str, other: str) -> None:
    db = Database(url)
    try:
        reviewer_id, application_id, stage_id = work = _work(mine)
        row = db.frame("SELECT email, display_name, role FROM accounts WHERE account_id = ?", [reviewer_id]).iloc[0]
        reviewer = Account(reviewer_id, row["email"], row["display_name"], row["role"])
        time.sleep(max(0.0, float(start_at) - time.time()))
        scorecard_id = scorecards.submit(db, reviewer, application_id, stage_id, RATINGS, {})
        deadline = time.time() + WAIT_SECONDS
        while _submitted(db, _work(other)) == 0 and time.time() < deadline:
            time.sleep(0.05)
        print(json.dumps({"scorecard_id": scorecard_id, "mine": _submitted(db, work),
                          "other": _submitted(db, _work(other)), "data_version": db.data_version()}))
    finally:
        db.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
