"""A small agency with clients in three countries, for the shortlist figures both pages show.

A German client's search spans Whit Monday (Pfingstmontag, 9 June 2025: a public holiday in
Germany, not in the US), a British client's search was cancelled without a shortlist, an American
search is at risk and another was delivered late. Every business-day count is counted by hand from
the calendar, the opening day not counted and the end day counted (DESIGN.md, "Business days to
shortlist"); the holidays are those of the ``holidays`` package for 2025: DE Good Friday 18 Apr,
Easter Monday 21 Apr, Labour Day 1 May, Ascension 29 May, Whit Monday 9 Jun; US Memorial Day
26 May, Juneteenth 19 Jun; GB Good Friday 18 Apr, May Day 5 May, Spring Bank Holiday 26 May.
Audit date (metadata ``demo_as_of``, so the pages open on it): Monday 30 June 2025.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scoring.agency.access import Account
from scoring.store.bulk import advance_sequences
from tests.ops_fixture import write_agency

AS_OF = date(2025, 6, 30)   # a Monday
OPS = Account(1, "ops@agency.example", "Otto Ops", "ops")
LEAD = Account(2, "lead@agency.example", "Lea Lead", "hiring_lead")

CLIENTS = [
    (1, "CL-US", "Acme Robotics", "US", "2025-01-06", None),
    (2, "CL-DE", "Brandt Logistik", "DE", "2025-01-06", None),
    (3, "CL-GB", "Cobalt Health", "GB", "2025-01-06", None),
]

# search_id, external_id, client_id, opened_on, shortlist_delivered_on, closed_on, status
SEARCHES = [
    # DE, Mon 2 Jun -> Thu 12 Jun: 8 weekdays, Whit Monday off in Germany: 7, within the target.
    # On the US calendar it would be 8, past the target: the figure both pages must not show.
    (1, "SR-DE-1", 2, "2025-06-02", "2025-06-12", "2025-06-20", "filled"),
    # US, Mon 3 Mar -> Wed 12 Mar: 7.
    (2, "SR-US-2", 1, "2025-03-03", "2025-03-12", "2025-03-20", "filled"),
    # US, Thu 1 May -> Fri 23 May: 16, delivered after the limit (a breach).
    (3, "SR-US-3", 1, "2025-05-01", "2025-05-23", "2025-05-30", "filled"),
    # GB, Tue 1 Apr -> cancelled Wed 30 Apr without a shortlist: 21 weekdays, Good Friday off: 20.
    # Left out of the figure (neither met nor breached) and listed apart.
    (4, "SR-GB-4", 3, "2025-04-01", None, "2025-04-30", "cancelled"),
    # US, open since Wed 11 Jun: to Mon 30 Jun 13 weekdays, Juneteenth off: 12, at risk.
    (5, "SR-US-5", 1, "2025-06-11", None, None, "open"),
    # DE, open since Mon 23 Jun: 5, still within the target.
    (6, "SR-DE-6", 2, "2025-06-23", None, None, "open"),
]


def build(path: str | Path) -> Path:
    """Write the agency to a new database file at ``path`` and return the path."""
    return write_agency(path, _insert)


def _insert(cur) -> None:
    cur.execute("INSERT INTO metadata VALUES ('demo_as_of', ?)", [AS_OF.isoformat()])
    cur.executemany("INSERT INTO accounts (account_id, email, display_name, role) VALUES (?, ?, ?, ?)",
                    [(a.account_id, a.email, a.display_name, a.role) for a in (OPS, LEAD)])
    cur.executemany("INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?)", CLIENTS)
    cur.executemany("INSERT INTO searches (search_id, external_id, client_id, role_title, seniority, opened_on, "
                    "shortlist_delivered_on, closed_on, status) VALUES (?, ?, ?, 'MLOps engineer', 'mid', "
                    "?, ?, ?, ?)", SEARCHES)
    advance_sequences(cur)
