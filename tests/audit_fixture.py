"""A small agency whose history runs past the audit date, to check that an audit as of a date uses
nothing dated after it.

The database's own "today" (metadata ``demo_as_of``) is Monday 30 June 2025; the audit date the
tests use is Friday 30 May 2025 (:data:`AS_OF`). Business days skip weekends and the client
country's public holidays: in the US, Memorial Day (26 May 2025) and Juneteenth (19 Jun 2025); in
Germany ("DE", nationwide), Good Friday (18 Apr), Easter Monday (21 Apr), Labour Day (1 May),
Ascension (29 May) and Whit Monday (9 Jun 2025). A span counts the days after the opening day up
to and including the end day.

What happens after the audit date (each must leave the audit as of 30 May untouched):

* search SR-7 opens (3 Jun); SR-8's shortlist is delivered (2 Jun); SR-6 is cancelled when its client
  Elm churns (2 Jun);
* decisions: AP-07 at the interview (2 Jun), AP-08 at the take-home (1 Jun), AP-04 by the client
  (4 Jun), and AP-08 enters the client shortlist (2 Jun);
* placement PL-3 is accepted (4 Jun), PL-4 starts (accepted 26 May, first day 9 Jun), PL-2 ends (6 Jun);
* replacement RP-2 is fulfilled (6 Jun, with a 300 USD charge) by PL-6, accepted 5 Jun;
* client CL-F signs (2 Jun) and CL-E churns (2 Jun);
* scorecards: AP-05's interview scorecard is amended (3 Jun), AP-08's take-home scored (31 May).

The figures as of 30 May, counted by hand, are stated in ``tests/reports/test_ops_export.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scoring.agency.access import Account
from scoring.store.bulk import advance_sequences
from tests.ops_fixture import write_agency

TODAY = date(2025, 6, 30)
AS_OF = date(2025, 5, 30)

# account_id, email, display_name, role
ACCOUNTS = [
    (1, "admin@audit.example", "Ada Admin", "admin"),
    (2, "ops@audit.example", "Otto Ops", "ops"),
    (3, "lead@audit.example", "Lea Lead", "hiring_lead"),
    (4, "reviewer.one@audit.example", "Rae One", "reviewer"),
    (5, "reviewer.two@audit.example", "Rio Two", "reviewer"),
]

# client_id, external_id, name, country, signed_on, churned_on
CLIENTS = [
    (1, "CL-A", "Alder Labs", "US", "2024-10-01", None),            # retained
    (2, "CL-B", "Brook GmbH", "DE", "2025-01-15", None),            # retained (3 months on 15 Apr)
    (3, "CL-C", "Cedar Inc", "US", "2024-11-01", "2025-01-10"),     # lost within its first 3 months
    (4, "CL-D", "Dune Co", "US", "2025-04-01", None),               # censored: under 3 months
    (5, "CL-E", "Elm Ltd", "US", "2025-04-10", "2025-06-02"),       # censored on 30 May; lost later
    (6, "CL-F", "Fern AG", "DE", "2025-06-02", None),               # signs after the audit date
]

# search_id, external_id, client_id, seniority, opened_on, shortlist_delivered_on, closed_on, status
# (business days to the shortlist, or elapsed by 30 May, in the comment)
SEARCHES = [
    (1, "SR-1", 1, "senior", "2025-03-03", "2025-03-12", "2025-03-31", "filled"),        # 7
    (2, "SR-2", 2, "mid", "2025-04-14", "2025-05-02", None, "shortlisted"),              # 11 in DE (14 in US)
    (3, "SR-3", 1, "junior", "2025-04-01", None, "2025-04-08", "cancelled"),             # cancelled after 5
    (4, "SR-4", 4, "mid", "2025-05-16", None, None, "open"),                             # 9 so far: at risk
    (5, "SR-5", 1, "senior", "2025-04-28", "2025-05-22", "2025-05-28", "filled"),        # 18: late
    (6, "SR-6", 5, "mid", "2025-05-12", None, "2025-06-02", "cancelled"),                # 13 so far: at risk
    (7, "SR-7", 2, "senior", "2025-06-03", "2025-06-27", None, "shortlisted"),           # opens later
    (8, "SR-8", 1, "mid", "2025-05-19", "2025-06-02", None, "shortlisted"),              # 8 so far: at risk
]

# application_id, search_id, applied_on
APPLICATIONS = [
    (1, 1, "2025-03-03"), (2, 1, "2025-03-03"), (3, 2, "2025-04-14"), (4, 2, "2025-04-14"),
    (5, 5, "2025-04-28"), (6, 4, "2025-05-16"), (7, 6, "2025-05-12"), (8, 8, "2025-05-19"),
    (9, 1, "2025-04-28"),       # fills replacement RP-1; no stage entries of its own
    (10, 2, "2025-05-26"),      # fills replacement RP-2 after the audit date
]

# application_id, stage_id, entered_on, decided_on, decision
STAGE_DECISIONS = [
    (1, 1, "2025-03-04", "2025-03-05", "pass"), (1, 2, "2025-03-06", "2025-03-07", "pass"),
    (1, 3, "2025-03-08", "2025-03-10", "pass"), (1, 4, "2025-03-12", "2025-03-20", "pass"),
    (2, 1, "2025-03-04", "2025-03-05", "pass"), (2, 2, "2025-03-06", "2025-03-07", "pass"),
    (2, 3, "2025-03-08", "2025-03-10", "pass"), (2, 4, "2025-03-12", "2025-03-20", "fail"),
    (3, 1, "2025-04-15", "2025-04-16", "pass"), (3, 2, "2025-04-17", "2025-04-22", "pass"),
    (3, 3, "2025-04-23", "2025-04-28", "pass"), (3, 4, "2025-05-02", "2025-05-09", "pass"),
    (4, 1, "2025-04-15", "2025-04-16", "pass"), (4, 2, "2025-04-17", "2025-04-22", "pass"),
    (4, 3, "2025-04-23", "2025-04-28", "pass"), (4, 4, "2025-05-02", "2025-06-04", "pass"),   # decided later
    (5, 1, "2025-04-29", "2025-04-30", "pass"), (5, 2, "2025-05-02", "2025-05-06", "pass"),
    (5, 3, "2025-05-07", "2025-05-12", "pass"), (5, 4, "2025-05-22", "2025-05-26", "pass"),
    (6, 1, "2025-05-19", "2025-05-20", "fail"),
    (7, 1, "2025-05-13", "2025-05-14", "pass"), (7, 2, "2025-05-15", "2025-06-02", "fail"),   # decided later
    (8, 1, "2025-05-20", "2025-05-21", "pass"), (8, 2, "2025-05-22", "2025-05-23", "pass"),
    (8, 3, "2025-05-26", "2025-06-01", "pass"),                                             # decided later
    (8, 4, "2025-06-02", None, None),                                                       # entered later
]

# placement_id, external_id, application_id, weekly_rate_usd, accepted_on, first_day, ended_on, end_reason
# (calendar days from the search's opening to the first day in the comment)
PLACEMENTS = [
    (1, "PL-1", 1, 900, "2025-03-20", "2025-04-01", "2025-05-05", "not_a_fit"),   # SR-1: 29
    (2, "PL-2", 3, 800, "2025-05-09", "2025-05-12", "2025-06-06", "not_a_fit"),   # SR-2: 28; ends later
    (3, "PL-3", 4, 800, "2025-06-04", "2025-06-16", None, None),                  # accepted later
    (4, "PL-4", 5, 950, "2025-05-26", "2025-06-09", None, None),                  # starts later
    (5, "PL-5", 9, 900, "2025-05-02", "2025-05-05", None, None),                  # fills RP-1
    (6, "PL-6", 10, 800, "2025-06-05", "2025-06-06", None, None),                 # fills RP-2, later
]

# replacement_id, external_id, placement_id, requested_on, fulfilled_on, replacing_placement_id,
# cost_usd, cost_reason (calendar days to the fulfilment, or elapsed by 30 May)
REPLACEMENTS = [
    (1, "RP-1", 1, "2025-04-25", "2025-05-05", 5, 0, None),                          # 10
    (2, "RP-2", 2, "2025-05-20", "2025-06-06", 6, 300, "relocation agreed later"),   # 10 so far: pending
    (3, "RP-3", 5, "2025-05-10", None, None, 0, None),                               # 20 so far: late
]

NOT_ASSESSED = "the take-home left no evidence for it"
WEIGHT_VERSION = 2      # 25/25/20/20/10 from 1 Jan 2024; version 1 may be the schema's seeded default
# scorecard_id, application_id, stage_id, reviewer_id, revision, status, submitted_at, ratings in the order
# infrastructure, deployment, monitoring, automation, governance (None: marked not assessed, with a reason)
SCORECARDS = [
    (1, 1, 2, 4, 1, "submitted", "2025-03-07 10:00:00", (4, 4, 3, 3, 2)),
    (2, 1, 2, 5, 1, "submitted", "2025-03-07 11:00:00", (4, 4, 3, 3, 4)),
    (3, 1, 3, 4, 1, "submitted", "2025-03-10 09:00:00", (5, 4, 4, 3, 3)),
    (4, 3, 3, 4, 1, "submitted", "2025-04-28 09:00:00", (3, 3, 3, 3, None)),    # the reviewer's gap
    (5, 3, 3, 5, 1, "submitted", "2025-04-28 10:00:00", (5, 5, 5, 5, 4)),
    (6, 4, 3, 4, 1, "submitted", "2025-04-28 11:00:00", (3, 4, 2, 3, None)),    # nobody rates governance
    (7, 4, 3, 5, 1, "submitted", "2025-04-28 12:00:00", (3, 4, 4, 3, None)),
    (8, 5, 2, 4, 1, "superseded", "2025-05-05 09:00:00", (2, 2, 2, 2, 2)),
    (9, 5, 2, 4, 2, "submitted", "2025-06-03 09:00:00", (5, 5, 5, 5, 5)),       # amended later
    (10, 8, 2, 4, 1, "submitted", "2025-05-30 18:00:00", (3, 3, 3, 3, 3)),      # the audit day itself
    (11, 8, 3, 5, 1, "submitted", "2025-05-31 09:00:00", (4, 4, 4, 4, 4)),      # submitted later
]


def build(path: str | Path) -> Path:
    """Write the agency to a new database file at ``path`` and return the path."""
    return write_agency(path, _insert)


def _insert(cur) -> None:
    cur.execute("INSERT INTO metadata VALUES ('demo_as_of', ?)", [TODAY.isoformat()])
    cur.executemany("INSERT INTO accounts (account_id, email, display_name, role) VALUES (?, ?, ?, ?)", ACCOUNTS)
    cur.executemany("INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?)", CLIENTS)
    cur.executemany("INSERT INTO searches (search_id, external_id, client_id, role_title, seniority, opened_on, "
                    "shortlist_delivered_on, closed_on, status) VALUES (?, ?, ?, 'MLOps engineer', ?, ?, ?, ?, ?)",
                    SEARCHES)
    for application_id, search_id, applied_on in APPLICATIONS:
        cur.execute("INSERT INTO candidates VALUES (?, ?, ?, ?, 'US', 'mid', ?)",
                    [application_id, f"CA-{application_id:02d}", f"Engineer {application_id:02d}",
                     f"engineer{application_id:02d}@audit.example", applied_on])
        cur.execute("INSERT INTO applications VALUES (?, ?, ?, ?, ?)",
                    [application_id, f"AP-{application_id:02d}", application_id, search_id, applied_on])
    cur.executemany("INSERT INTO stage_decisions VALUES (?, ?, ?, ?, ?)", STAGE_DECISIONS)
    cur.executemany("INSERT INTO placements VALUES (?, ?, ?, ?, ?, ?, ?, ?)", PLACEMENTS)
    cur.executemany("INSERT INTO replacements VALUES (?, ?, ?, ?, ?, ?, ?, ?)", REPLACEMENTS)
    cur.execute("INSERT INTO weight_versions (version_id, effective_from, note) VALUES (?, '2024-01-01', "
                "'the seed''s weights')", [WEIGHT_VERSION])
    cur.executemany("INSERT INTO dimension_weights VALUES (?, ?, ?)",
                    [(WEIGHT_VERSION, dimension_id, pct) for dimension_id, pct in enumerate((25, 25, 20, 20, 10), 1)])
    for card_id, application_id, stage_id, reviewer_id, revision, status, submitted_at, ratings in SCORECARDS:
        cur.execute("INSERT INTO scorecards (scorecard_id, application_id, stage_id, reviewer_id, revision, status, "
                    "created_at, submitted_at, amendment_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [card_id, application_id, stage_id, reviewer_id, revision, status, submitted_at, submitted_at,
                     "second look" if revision > 1 else None])
        cur.executemany("INSERT INTO scores (scorecard_id, dimension_id, rating, not_assessed_reason) "
                        "VALUES (?, ?, ?, ?)",
                        [(card_id, dimension_id, rating, None if rating is not None else NOT_ASSESSED)
                         for dimension_id, rating in enumerate(ratings, 1)])
    advance_sequences(cur)


def person(role: str) -> Account:
    """The first of the agency's accounts holding ``role``."""
    account_id, email, name, _ = next(row for row in ACCOUNTS if row[3] == role)
    return Account(account_id, email, name, role)
