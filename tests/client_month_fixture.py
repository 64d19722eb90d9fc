"""The hand-built agency of :mod:`tests.ops_fixture`, with take-home scorecards for the shortlists of March 2025.

Acme Robotics (CL-1) was shown two shortlists in March 2025: SR-01 (delivered Wed 12 Mar, 7 business
days) with Engineer 01 and Engineer 02, and SR-02 (delivered Fri 21 Mar, 14 business days) with
Engineer 03, Engineer 04 and a candidate whose name holds markup (application 5), to show that a name is
printed as written. Their take-home scorecards, by two reviewers (Rui Reviewer and Rhea Second, names a
client must never read):

=============  ===========================  ===========================  =============================
application    Rui (infra, deploy, mon,     Rhea                         weighted (25/25/20/20/10)
               auto, gov)
=============  ===========================  ===========================  =============================
1              4 5 3 4 2                    4 5 5 4 4                    means 4, 5, 4, 4, 3: 4.15
2              3 3 3 3 3                    —                            3.00
3              5 5 4 4 4 (amended 10 Apr    —                            as of March 4.00 (from the
               to 2 2 2 2 2)                                             first revision: 4 4 4 4 4)
4              2 3 2 3 2                    —                            2.45
5              3 4 4 3 not assessed         —                            incomplete: Governance
=============  ===========================  ===========================  =============================

Application 3's first revision (4 4 4 4 4, submitted 5 Mar) is amended on 10 Apr, after the month:
the March report uses the first. Every take-home stage was entered two days after its search opened.
"""

from __future__ import annotations

from pathlib import Path

from tests.ops_fixture import _insert as insert_agency
from tests.ops_fixture import write_agency

MARKUP_NAME = '<b>Zoë</b> "Z" & <script>alert(1)</script>'
SECOND_REVIEWER = (5, "second@ops.example", "Rhea Second", "reviewer")
REVIEWER_NAMES = ("Rui Reviewer", "Rhea Second")

# scorecard_id, application_id, reviewer_id, revision, status, submitted_at, ratings (None: not assessed)
SCORECARDS = [
    (1, 1, 4, 1, "submitted", "2025-03-06 10:00", (4, 5, 3, 4, 2)),
    (2, 1, 5, 1, "submitted", "2025-03-06 11:00", (4, 5, 5, 4, 4)),
    (3, 2, 4, 1, "submitted", "2025-03-07 10:00", (3, 3, 3, 3, 3)),
    (4, 3, 4, 1, "superseded", "2025-03-05 10:00", (4, 4, 4, 4, 4)),
    (5, 3, 4, 2, "submitted", "2025-04-10 10:00", (2, 2, 2, 2, 2)),
    (6, 4, 4, 1, "submitted", "2025-03-07 12:00", (2, 3, 2, 3, 2)),
    (7, 5, 4, 1, "submitted", "2025-03-07 13:00", (3, 4, 4, 3, None)),
]
# application_id -> the day its take-home stage was entered (two days after its search opened, 3 Mar)
TAKE_HOME_ENTERED = {application_id: "2025-03-05" for application_id in (1, 2, 3, 4, 5)}


def build(path: str | Path) -> Path:
    """Write the agency to a new database file at ``path`` and return the path."""
    return write_agency(path, _insert)


def _insert(cur) -> None:
    insert_agency(cur)
    cur.execute("INSERT INTO accounts (account_id, email, display_name, role) VALUES (?, ?, ?, ?)",
                list(SECOND_REVIEWER))
    cur.execute("UPDATE candidates SET full_name = ? WHERE candidate_id = 5", [MARKUP_NAME])
    cur.executemany("INSERT INTO stage_decisions VALUES (?, 3, ?, '2025-03-10', 'pass')",
                    list(TAKE_HOME_ENTERED.items()))
    for card_id, application_id, reviewer_id, revision, status, submitted_at, ratings in SCORECARDS:
        cur.execute("INSERT INTO scorecards (scorecard_id, application_id, stage_id, reviewer_id, revision, status, "
                    "created_at, submitted_at, amendment_reason) VALUES (?, ?, 3, ?, ?, ?, ?, ?, ?)",
                    [card_id, application_id, reviewer_id, revision, status, submitted_at, submitted_at,
                     "second look" if revision > 1 else None])
        cur.executemany("INSERT INTO scores (scorecard_id, dimension_id, rating, note, not_assessed_reason) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [(card_id, dimension_id, rating, f"note by reviewer {reviewer_id}",
                          None if rating is not None else "no governance work in the take-home")
                         for dimension_id, rating in enumerate(ratings, 1)])
