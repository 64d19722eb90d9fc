"""A small agency built by hand, row by row, so that every figure of the ops audit is known in advance.

Audit date: Monday 30 June 2025 (metadata ``demo_as_of``). Business days exclude weekends and the
public holidays of the client's country; the ones that matter here are, in the US, Juneteenth
(19 Jun 2024, 19 Jun 2025), Independence Day (4 Jul 2024), Presidents' Day (17 Feb 2025) and
Memorial Day (26 May 2025); in the United Kingdom-wide calendar ("GB"), Good Friday
(18 Apr 2025; Easter Monday is not UK-wide). A span counts the days after the opening day up to
and including the end day.

What the rows are built to show (the tests state each figure as counted by hand from these tables):

* shortlist time: ties on the target (S1 and S11 take exactly 7 business days, S11 only because
  of Presidents' Day) and on the limit (S2: exactly 14), a tie between two searches (S4 and S10:
  6 each), a late delivery (S3: 17), a search still without a shortlist past the limit (S5: 19 to
  the audit date), one still within its 14 days (S6: pending, not counted), one cancelled early
  (S8: not counted), one counted on the British calendar (S7: 13, where the US count is 14), and
  empty months between June 2024 and February 2025;
* shortlist size: S3 shortlists 1 candidate, S4 shortlists 4 (both flagged);
* first day: 28 (three times), 42, 35, 30 (exactly on the target) and 21 days; P8 starts after
  the audit date and the placements that fill replacements (P4, P7, P11) are judged elsewhere;
* replacements: one within the limit (R1: 11 days), one late (R2: 18), one quick but charged
  (R3: 4 days, 500 USD), one unfulfilled past the limit (R4: 18 days so far), one pending (R5);
* client retention: four clients retained (one of them churned, but after its first 3 months),
  one lost in its first 3 months (Birch), one censored (Delta, signed a month before the audit);
* placement retention at 90 days: one retained, four lost, five censored (too recent, or ended
  because the client churned).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scoring.agency.access import Account
from scoring.store import Database
from scoring.store.bulk import advance_sequences

AS_OF = date(2025, 6, 30)

# account_id, email, display_name, role
ACCOUNTS = [
    (1, "admin@ops.example", "Ada Admin", "admin"),
    (2, "ops@ops.example", "Otto Ops", "ops"),
    (3, "lead@ops.example", "Lea Lead", "hiring_lead"),
    (4, "reviewer@ops.example", "Rui Reviewer", "reviewer"),
]

# client_id, external_id, name, country, signed_on, churned_on
CLIENTS = [
    (1, "CL-1", "Acme Robotics", "US", "2024-01-15", None),          # retained (still a client)
    (2, "CL-2", "Birch Analytics", "US", "2024-06-01", "2024-08-01"),  # lost: left after 61 days
    (3, "CL-3", "Cobalt Health", "GB", "2024-09-10", None),          # retained
    (4, "CL-4", "Delta Freight", "US", "2025-05-30", None),          # censored: 31 days old
    (5, "CL-5", "Ember Energy", "US", "2025-02-01", None),           # retained (3 months on 1 May)
    (6, "CL-6", "Fjord Media", "US", "2024-02-01", "2024-12-01"),     # retained: left after 10 months
]

# search_id, external_id, client_id, seniority, opened_on, shortlist_delivered_on, closed_on, status
# (business days to the shortlist in the comment)
SEARCHES = [
    (1, "SR-01", 1, "senior", "2025-03-03", "2025-03-12", "2025-03-20", "filled"),  # 7
    (2, "SR-02", 1, "mid", "2025-03-03", "2025-03-21", "2025-03-28", "filled"),     # 14
    (3, "SR-03", 2, "junior", "2024-06-10", "2024-07-05", "2024-07-10", "filled"),  # 17 (19 Jun, 4 Jul off)
    (4, "SR-04", 1, "mid", "2025-05-19", "2025-05-28", "2025-06-02", "filled"),     # 6 (26 May off)
    (5, "SR-05", 5, "senior", "2025-06-02", None, None, "open"),                    # 19 so far (19 Jun off)
    (6, "SR-06", 5, "junior", "2025-06-23", None, None, "open"),                    # 5 so far: pending
    (7, "SR-07", 3, "mid", "2025-04-14", "2025-05-02", "2025-05-06", "filled"),     # 13 in GB (18 Apr off)
    (8, "SR-08", 3, "senior", "2025-01-06", None, "2025-01-09", "cancelled"),       # 3, then cancelled
    (9, "SR-09", 1, "junior", "2024-11-04", "2024-11-04", "2024-11-15", "filled"),  # 0: same day
    (10, "SR-10", 4, "mid", "2025-06-02", "2025-06-10", "2025-06-20", "filled"),    # 6
    (11, "SR-11", 5, "mid", "2025-02-10", "2025-02-20", "2025-03-03", "filled"),    # 7 (17 Feb off)
]

# application_id -> search_id; every application below entered stage 4 (the client shortlist) on
# its search's delivery day: S1 2, S2 3, S3 1, S4 4, S7 2, S9 3, S10 2, S11 3 candidates.
APPLICATIONS = {
    1: 1, 2: 1,
    3: 2, 4: 2, 5: 2,
    6: 3,
    7: 4, 8: 4, 9: 4, 10: 4,
    11: 7, 12: 7,
    13: 9, 14: 9, 15: 9,
    16: 10, 17: 10,
    18: 11, 19: 11, 20: 11,
}

# placement_id, external_id, application_id, weekly_rate_usd, accepted_on, first_day, ended_on, end_reason
# (calendar days from the search's opening to the first day in the comment)
PLACEMENTS = [
    (1, "PL-01", 1, 900, "2025-03-20", "2025-03-31", "2025-05-20", "not_a_fit"),       # S1: 28
    (2, "PL-02", 3, 800, "2025-03-28", "2025-04-14", "2025-06-02", "engineer_left"),   # S2: 42
    (3, "PL-03", 6, 650, "2024-07-10", "2024-07-15", "2024-08-01", "client_churned"),  # S3: 35
    (4, "PL-04", 2, 950, "2025-05-26", "2025-05-30", None, None),                      # S1: fills R1
    (5, "PL-05", 13, 600, "2024-11-15", "2024-12-04", None, None),                     # S9: 30
    (6, "PL-06", 11, 800, "2025-05-06", "2025-05-12", "2025-05-26", "not_a_fit"),      # S7: 28
    (7, "PL-07", 12, 800, "2025-06-10", "2025-06-13", None, None),                     # S7: fills R2
    (8, "PL-08", 16, 750, "2025-06-20", "2025-07-07", None, None),                     # S10: not started
    (9, "PL-09", 7, 700, "2025-06-02", "2025-06-09", None, None),                      # S4: 21
    (10, "PL-10", 18, 750, "2025-03-03", "2025-03-10", "2025-04-15", "not_a_fit"),     # S11: 28
    (11, "PL-11", 19, 700, "2025-04-16", "2025-04-18", None, None),                    # S11: fills R3
]

# replacement_id, external_id, placement_id, requested_on, fulfilled_on, replacing_placement_id,
# cost_usd, cost_reason (calendar days from request to fulfilment, or to the audit date)
REPLACEMENTS = [
    (1, "RP-00001", 1, "2025-05-19", "2025-05-30", 4, 0, None),    # 11
    (2, "RP-00002", 6, "2025-05-26", "2025-06-13", 7, 0, None),    # 18: late
    (3, "RP-00003", 10, "2025-04-14", "2025-04-18", 11, 500, "expedited relocation agreed with the client"),  # 4
    (4, "RP-00004", 9, "2025-06-12", None, None, 0, None),         # 18 so far: late
    (5, "RP-00005", 11, "2025-06-25", None, None, 0, None),        # 5 so far: pending
]

_SEARCH_BY_ID = {row[0]: row for row in SEARCHES}
_PLACED = {row[2]: row[4] for row in PLACEMENTS}   # application_id -> accepted_on


def build(path: str | Path) -> Path:
    """Write the hand-built agency to a new database file at ``path`` and return the path."""
    return write_agency(path, _insert)


def write_agency(path: str | Path, insert) -> Path:
    """A new database file at ``path`` holding what ``insert(cursor)`` writes, in one transaction."""
    db = Database(path)
    try:
        db.write(insert)
        db.checkpoint()
    finally:
        db.close()
    return Path(path)


def _insert(cur) -> None:
    cur.execute("INSERT INTO metadata VALUES ('demo_as_of', ?)", [AS_OF.isoformat()])
    cur.executemany("INSERT INTO accounts (account_id, email, display_name, role) VALUES (?, ?, ?, ?)",
                    ACCOUNTS)
    cur.executemany("INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?)", CLIENTS)
    cur.executemany("INSERT INTO searches (search_id, external_id, client_id, role_title, seniority, opened_on, "
                    "shortlist_delivered_on, closed_on, status) VALUES (?, ?, ?, 'MLOps engineer', ?, ?, ?, ?, ?)",
                    SEARCHES)
    for application_id, search_id in APPLICATIONS.items():
        search = _SEARCH_BY_ID[search_id]
        opened_on, delivered_on = search[4], search[5]
        cur.execute("INSERT INTO candidates VALUES (?, ?, ?, ?, 'US', ?, ?)",
                    [application_id, f"CA-{application_id:02d}", f"Engineer {application_id:02d}",
                     f"engineer{application_id:02d}@ops.example", search[3], opened_on])
        cur.execute("INSERT INTO applications VALUES (?, ?, ?, ?, ?)",
                    [application_id, f"AP-{application_id:02d}", application_id, search_id, opened_on])
        accepted_on = _PLACED.get(application_id)
        cur.execute("INSERT INTO stage_decisions VALUES (?, 4, ?, ?, ?)",
                    [application_id, delivered_on, accepted_on or delivered_on,
                     "pass" if accepted_on else "fail"])
    cur.executemany("INSERT INTO placements VALUES (?, ?, ?, ?, ?, ?, ?, ?)", PLACEMENTS)
    cur.executemany("INSERT INTO replacements VALUES (?, ?, ?, ?, ?, ?, ?, ?)", REPLACEMENTS)
    advance_sequences(cur)


def person(role: str) -> Account:
    """The fixture's account holding ``role``."""
    account_id, email, name, _ = next(row for row in ACCOUNTS if row[3] == role)
    return Account(account_id, email, name, role)
