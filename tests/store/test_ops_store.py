"""Ops store: who may read and write, what each write changes, and that a refused write changes nothing.

Runs on private copies of the hand-built agency of :mod:`tests.ops_fixture` (audit date 30 Jun 2025).
Hiring leads do not hold ``read_ops``: the audit and its evidence are for ops staff and admins.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from scoring.agency.access import PermissionDenied
from scoring.reports.ops import ops_report
from scoring.store import Database, DatabaseError, applications
from scoring.store import clients as client_store
from scoring.store import placements as placement_store
from scoring.store import searches as search_store
from scoring.store.db import next_id
from scoring.store.searches import SearchFilter
from tests.ops_fixture import AS_OF, person
from tests.store.conftest import changed_tables, fingerprint


def audit_entries(db: Database, action: str) -> list[dict]:
    rows = db.frame("SELECT actor_id, entity, entity_key, before, after FROM audit_log WHERE action = ? "
                    "ORDER BY audit_id", [action])
    return [{**row, "before": json.loads(row["before"]) if row["before"] else None,
             "after": json.loads(row["after"]) if row["after"] else None} for row in rows.to_dict("records")]


OPS = person("ops")
#: The searches behind the ops figures are read by scoring.store.searches.read, which the pipeline page's hiring
#: leads read too: it is tested with the pipeline reads (a reviewer may not read it).
READS = [
    lambda db, who: applications.shortlist_entries(db, who, SearchFilter()),
    lambda db, who: placement_store.read(db, who, SearchFilter()),
    lambda db, who: placement_store.replacements(db, who, SearchFilter()),
    lambda db, who: client_store.read(db, who, SearchFilter()),
]
CHOICES = [
    lambda db, who: placement_store.replaceable_placements(db, who),
    lambda db, who: placement_store.open_requests(db, who),
    lambda db, who: placement_store.replacing_options(db, who, 4),
    lambda db, who: client_store.active(db, who),
]
WRITES = [
    lambda db, who: placement_store.request_replacement(db, who, 7, date(2025, 6, 27), "not a fit"),
    lambda db, who: placement_store.fulfil_replacement(db, who, 4, date(2025, 6, 20), 5),
    lambda db, who: client_store.record_client_churn(db, who, 5, date(2025, 6, 27)),
]


# -- permissions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("read", READS + CHOICES)
@pytest.mark.parametrize("role", ["reviewer", "hiring_lead"])
def test_reviewers_and_hiring_leads_cannot_read_ops_rows(db, read, role):
    with pytest.raises(PermissionDenied):
        read(db, person(role))


@pytest.mark.parametrize("read", READS + CHOICES)
@pytest.mark.parametrize("role", ["ops", "admin"])
def test_ops_staff_and_admins_read_them(db, read, role):
    assert not read(db, person(role)).empty


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("role", ["reviewer", "hiring_lead"])
def test_reviewers_and_hiring_leads_cannot_write_and_nothing_changes(db, write, role):
    before = fingerprint(db)
    with pytest.raises(PermissionDenied):
        write(db, person(role))
    assert changed_tables(before, fingerprint(db)) == set()


@pytest.mark.parametrize("write", WRITES)
def test_admins_may_write(db, write):
    before = fingerprint(db)
    write(db, person("admin"))
    assert "audit_log" in changed_tables(before, fingerprint(db))


# -- reads push the filter into SQL ------------------------------------------------------------------------
def test_reads_follow_the_search_filter(db):
    juniors = SearchFilter(seniorities=("junior",))
    assert search_store.read(db, OPS, juniors)["search_ref"].tolist() == ["SR-03", "SR-09", "SR-06"]
    assert sorted(placement_store.read(db, OPS, juniors)["placement_ref"]) == ["PL-03", "PL-05"]
    assert placement_store.replacements(db, OPS, juniors).empty
    entries = applications.shortlist_entries(db, OPS, juniors)
    assert entries.groupby("search_id").size().to_dict() == {3: 1, 9: 3}
    # Replacements follow the search of the placement replaced: R3 and R5 hang off Ember's S11.
    ember = placement_store.replacements(db, OPS, SearchFilter(client_ids=(5,)))
    assert ember["replacement_ref"].tolist() == ["RP-00003", "RP-00005"]


def test_clients_are_chosen_by_signing_date_and_client(db):
    recent = client_store.read(db, OPS, SearchFilter(start=date(2024, 6, 30), end=AS_OF, seniorities=("senior",)))
    assert recent["client"].tolist() == ["Cobalt Health", "Ember Energy", "Delta Freight"]
    assert client_store.read(db, OPS, SearchFilter(client_ids=(2, 6)))["client_ref"].tolist() == ["CL-6", "CL-2"]


def test_placements_know_which_ones_fill_a_replacement(db):
    rows = placement_store.read(db, OPS, SearchFilter()).set_index("placement_ref")
    assert sorted(rows.index[rows["is_replacement"]]) == ["PL-04", "PL-07", "PL-11"]
    assert rows.loc["PL-02", "opened_on"].date() == date(2025, 3, 3)


def test_form_choices(db):
    # No request yet and running or ended as not a fit: P4, P5, P7, P8 (P2 left, P3 churned).
    assert sorted(placement_store.replaceable_placements(db, OPS)["placement_id"]) == [4, 5, 7, 8]
    assert placement_store.open_requests(db, OPS)["replacement_id"].tolist() == [4, 5]
    # For R4 (P9, Acme): Acme's other placements not already filling a request: P1, P2, P5.
    assert sorted(placement_store.replacing_options(db, OPS, 4)["placement_id"]) == [1, 2, 5]
    assert "Birch Analytics" not in " ".join(client_store.active(db, OPS)["label"])


# -- replacement requests ----------------------------------------------------------------------------------
def test_a_request_is_written_with_the_next_reference_and_audited(db):
    replacement_id = placement_store.request_replacement(db, OPS, 7, date(2025, 6, 27), "  client says not a fit  ",
                                             as_of=AS_OF)
    assert replacement_id == 6
    row = db.frame("SELECT * FROM replacements WHERE replacement_id = 6").iloc[0]
    assert row["external_id"] == "RP-00006"
    assert row["placement_id"] == 7
    assert row["requested_on"].date() == date(2025, 6, 27)
    assert row["fulfilled_on"] is None or row["fulfilled_on"] != row["fulfilled_on"]
    assert float(row["cost_usd"]) == 0
    [entry] = audit_entries(db, "request_replacement")
    assert entry["actor_id"] == OPS.account_id and entry["entity_key"] == "6"
    assert entry["before"] is None
    assert entry["after"] == {"external_id": "RP-00006", "placement_id": 7, "placement": "PL-07",
                              "requested_on": "2025-06-27", "note": "client says not a fit"}


@pytest.mark.parametrize("placement_id, requested_on, message", [
    (999, date(2025, 6, 27), "there is no placement 999; only a placed engineer can be replaced"),
    (None, date(2025, 6, 27), "placement_id: none chosen"),
    ("7", date(2025, 6, 27), "is not an id"),
    (1, date(2025, 5, 19), "PL-01 already has replacement request RP-00001"),
    (8, date(2025, 6, 30), "before PL-08's first day (2025-07-07)"),
    (2, date(2025, 6, 10), "after PL-02 ended on 2025-06-02 (engineer_left)"),
    (7, date(2025, 7, 1), "after today (2025-06-30)"),
    (7, "last week", "is not a date"),
])
def test_a_refused_request_says_why_and_writes_nothing(db, placement_id, requested_on, message):
    before = fingerprint(db)
    with pytest.raises(DatabaseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        placement_store.request_replacement(db, OPS, placement_id, requested_on, as_of=AS_OF)
    assert changed_tables(before, fingerprint(db)) == set()


def test_a_request_on_the_first_day_or_the_last_is_accepted(db):
    # P5 has run since 4 Dec 2024: a request on its first day is inside the engagement.
    assert placement_store.request_replacement(db, OPS, 5, date(2024, 12, 4)) == 6
    # A placement that ended as not a fit on 20 Jun 2025 (set up here) can be reported that day.
    db.write(lambda cur: cur.execute("UPDATE placements SET ended_on = DATE '2025-06-20', "
                                     "end_reason = 'not_a_fit' WHERE placement_id = 7"))
    assert placement_store.request_replacement(db, OPS, 7, date(2025, 6, 20)) == 7


# -- fulfilment ----------------------------------------------------------------------------------------------
def add_placement(db: Database, application_id: int, accepted_on: str, first_day: str) -> int:
    """Set-up only: a placement made outside the ops store (the hiring flow owns placements)."""
    def insert(cur) -> int:
        placement_id = next_id(cur, "placement_ids")
        cur.execute("INSERT INTO placements (placement_id, external_id, application_id, weekly_rate_usd, accepted_on, "
                    "first_day) VALUES (?, ?, ?, 700, ?, ?)",
                    [placement_id, f"PL-NEW-{application_id}", application_id, accepted_on, first_day])
        return placement_id

    return db.write(insert)


def test_fulfilment_links_the_new_placement_ends_the_old_one_and_is_audited(db):
    new_id = add_placement(db, 8, "2025-06-20", "2025-06-23")   # AP-08, shortlisted for S4 beside P9
    placement_store.fulfil_replacement(db, OPS, 4, date(2025, 6, 23), new_id, as_of=AS_OF)
    row = db.frame("SELECT * FROM replacements WHERE replacement_id = 4").iloc[0]
    assert row["fulfilled_on"].date() == date(2025, 6, 23)
    assert row["replacing_placement_id"] == new_id
    ended = db.frame("SELECT ended_on, end_reason FROM placements WHERE placement_id = 9").iloc[0]
    assert ended["ended_on"].date() == date(2025, 6, 23) and ended["end_reason"] == "not_a_fit"
    [entry] = audit_entries(db, "fulfil_replacement")
    assert entry["entity_key"] == "4"
    assert entry["before"] == {"fulfilled_on": None, "replacing_placement_id": None, "cost_usd": 0.0,
                               "cost_reason": None}
    assert entry["after"]["fulfilled_on"] == "2025-06-23" and entry["after"]["cost_usd"] == 0.0
    [end] = audit_entries(db, "end_placement")
    assert end["entity_key"] == "9" and end["after"]["end_reason"] == "not_a_fit"
    # The figure moves: R4 now took 11 days (12 -> 23 Jun), so R1 and R4 are kept: 2 of 4.
    report = ops_report(db, OPS, SearchFilter(), AS_OF)
    replacement = report.headline.set_index("key").loc["replacement"]
    assert replacement["figure"] == pytest.approx(2 / 4)


def test_a_charge_with_a_reason_is_kept_to_the_cent(db):
    placement_store.fulfil_replacement(db, OPS, 4, date(2025, 6, 20), 5, cost_usd=250.5, cost_reason=" relocation ")
    row = db.frame("SELECT cost_usd, cost_reason FROM replacements WHERE replacement_id = 4").iloc[0]
    assert row["cost_usd"] == Decimal("250.50") and row["cost_reason"] == "relocation"


@pytest.mark.parametrize("arguments, message", [
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 11), replacing_placement_id=5),
     r"fulfilled_on: 2025-06-11 is before the request \(2025-06-12\); a replacement cannot be fulfilled"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 20), replacing_placement_id=999),
     "there is no placement 999"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 20), replacing_placement_id=9),
     "PL-09 is the placement being replaced"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 20), replacing_placement_id=4),
     "PL-04 already fills replacement RP-00001"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 20), replacing_placement_id=8),
     "PL-08 is with Delta Freight, but RP-00004 is for Acme Robotics"),
    (dict(replacement_id=5, fulfilled_on=date(2025, 6, 26), replacing_placement_id=10),
     r"PL-10 ended on 2025-04-15 \(not_a_fit\), before the fulfilment"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 20), replacing_placement_id=5, cost_usd=250),
     "cost_reason: replacements are free under the guarantee; a charge of 250.00 USD needs a reason"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 20), replacing_placement_id=5, cost_usd=-1,
          cost_reason="refund"), "cost_usd: must be from 0 to 99,999,999.99, not -1"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 6, 20), replacing_placement_id=5, cost_usd="lots"),
     "is not an amount in USD"),
    (dict(replacement_id=1, fulfilled_on=date(2025, 6, 20), replacing_placement_id=5),
     "RP-00001 was already fulfilled on 2025-05-30"),
    (dict(replacement_id=99, fulfilled_on=date(2025, 6, 20), replacing_placement_id=5),
     "there is no replacement request 99"),
    (dict(replacement_id=4, fulfilled_on=date(2025, 7, 2), replacing_placement_id=5),
     "after today"),
])
def test_a_refused_fulfilment_says_why_and_writes_nothing(db, arguments, message):
    before = fingerprint(db)
    with pytest.raises(DatabaseError, match=message):
        placement_store.fulfil_replacement(db, OPS, **arguments, as_of=AS_OF)
    assert changed_tables(before, fingerprint(db)) == set()


def test_a_replacing_engineer_accepted_after_the_fulfilment_is_refused(db):
    new_id = add_placement(db, 8, "2025-06-25", "2025-06-27")
    before = fingerprint(db)
    with pytest.raises(DatabaseError, match="fulfilled_on: 2025-06-20 is before PL-NEW-8 was accepted"):
        placement_store.fulfil_replacement(db, OPS, 4, date(2025, 6, 20), new_id)
    assert changed_tables(before, fingerprint(db)) == set()


# -- client churn --------------------------------------------------------------------------------------------
def test_churn_ends_running_placements_and_cancels_open_searches(db):
    changed = client_store.record_client_churn(db, OPS, 5, date(2025, 6, 27), as_of=AS_OF)
    assert changed == {"placements_ended": ["PL-11"], "searches_cancelled": ["SR-05", "SR-06"]}
    assert db.scalar("SELECT churned_on FROM clients WHERE client_id = 5") == date(2025, 6, 27)
    placement = db.frame("SELECT ended_on, end_reason FROM placements WHERE placement_id = 11").iloc[0]
    assert placement["ended_on"].date() == date(2025, 6, 27) and placement["end_reason"] == "client_churned"
    searches = db.frame("SELECT status, closed_on FROM searches WHERE search_id IN (5, 6)")
    assert set(searches["status"]) == {"cancelled"}
    assert db.scalar("SELECT ended_on FROM placements WHERE placement_id = 10") == date(2025, 4, 15)  # untouched
    [entry] = audit_entries(db, "record_churn")
    assert entry["entity"] == "client" and entry["entity_key"] == "5"
    assert entry["before"] == {"churned_on": None} and entry["after"] == {"churned_on": "2025-06-27"}
    assert [e["entity_key"] for e in audit_entries(db, "end_placement")] == ["11"]
    assert [e["entity_key"] for e in audit_entries(db, "cancel_search")] == ["5", "6"]
    # Ember signed on 1 Feb: it left after its first 3 months, so it still counts as retained; and
    # S5, cancelled after 18 business days without a shortlist, is left out of the shortlist figure
    # (DESIGN.md, shortlist-time figure: a cancelled search is neither met nor breached): 7 of 8.
    report = ops_report(db, OPS, SearchFilter(), AS_OF).headline.set_index("key")
    assert report.loc["client_retention", "figure"] == pytest.approx(0.8)
    assert report.loc["shortlist_time", "figure"] == pytest.approx(7 / 8)


@pytest.mark.parametrize("client_id, churned_on, message", [
    (4, date(2025, 5, 1), "churned_on: 2025-05-01 is before Delta Freight signed on 2025-05-30"),
    (2, date(2024, 9, 1), "Birch Analytics already churned on 2024-08-01"),
    (4, date(2025, 6, 25), r"churned_on: 2025-06-25 is before PL-08 of Delta Freight starts \(2025-07-07\); "
                           "record the churn on or after its first day"),
    (5, date(2025, 6, 20), r"churned_on: 2025-06-20 is before open search SR-06 of Ember Energy opened \(2025-06-23\)"),
    (4, date(1899, 12, 31), "churned_on: 1899-12-31 is before 1900-01-01, the earliest date a fact may carry"),
    (77, date(2025, 6, 20), "there is no client 77"),
    (1, date(2025, 7, 1), "after today"),
])
def test_a_refused_churn_says_why_and_writes_nothing(db, client_id, churned_on, message):
    before = fingerprint(db)
    with pytest.raises(DatabaseError, match=message):
        client_store.record_client_churn(db, OPS, client_id, churned_on, as_of=AS_OF)
    assert changed_tables(before, fingerprint(db)) == set()


def test_churn_of_a_client_without_running_work(db):
    assert client_store.record_client_churn(db, OPS, 3, date(2025, 6, 30)) == {"placements_ended": ["PL-07"],
                                                                       "searches_cancelled": []}


def test_replacement_references(db):
    assert placement_store.replacement_ref(6) == "RP-00006"
