"""Setting a search's hiring lead from the dashboard: who may, what it writes, and what it refuses in words.

Runs on private copies of the hand-built agency of :mod:`tests.ops_fixture`, whose searches have no lead and
whose accounts are Ada Admin (1), Otto Ops (2), Lea Lead (3, a hiring lead) and Rui Reviewer (4). Two more are
added here: Hal Lead (5), a second hiring lead, and Dee Parted (6), a hiring lead since deactivated.
"""

from __future__ import annotations

import json

import pytest

from scoring.agency.access import Account, PermissionDenied
from scoring.store import Database, DatabaseError
from scoring.store.owners import search_owners, set_search_lead
from tests.ops_fixture import AS_OF, build, person
from tests.store.conftest import changed_tables, fingerprint

SR_06, SR_11 = 6, 11     # SR-06 is open and waits for its shortlist; SR-11 is filled
LEA, HAL, DEE, RUI = 3, 5, 6, 4


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("search_leads") / "template.duckdb")
    with Database(path) as db:
        db.write(lambda cur: cur.executemany(
            "INSERT INTO accounts (account_id, email, display_name, role, active) VALUES (?, ?, ?, 'hiring_lead', ?)",
            [(HAL, "hal@ops.example", "Hal Lead", True), (DEE, "dee@ops.example", "Dee Parted", False)]))
    return path


def lead_of(db: Database, search_id: int):
    return db.scalar("SELECT lead_account_id FROM searches WHERE search_id = ?", [search_id])


def entries(db: Database) -> list[dict]:
    rows = db.frame("SELECT actor_id, entity, entity_key, before, after FROM audit_log "
                    "WHERE action = 'set_search_lead' ORDER BY audit_id")
    return [{**row, "before": json.loads(row["before"]), "after": json.loads(row["after"])}
            for row in rows.to_dict("records")]


def test_ops_gives_a_search_without_a_lead_its_owner_with_an_audit_entry(db):
    outcome = set_search_lead(db, person("ops"), SR_06, LEA)
    assert outcome == {"search_ref": "SR-06", "lead": "Lea Lead", "previous": None, "changed": True}
    assert lead_of(db, SR_06) == LEA
    assert entries(db) == [{
        "actor_id": 2, "entity": "search", "entity_key": "6",
        "before": {"search": "SR-06", "lead_account_id": None, "lead": None},
        "after": {"search": "SR-06", "lead_account_id": LEA, "lead": "lead@ops.example"}}]
    # the at-risk list and the digests read the owner from here
    owners = search_owners(db, person("ops"), AS_OF).set_index("search_id")
    assert owners.loc[SR_06, "owner"] == "Lea Lead"


def test_an_admin_hands_a_search_to_another_lead_and_the_entry_keeps_who_held_it(db):
    set_search_lead(db, person("ops"), SR_11, LEA)
    outcome = set_search_lead(db, person("admin"), SR_11, HAL)
    assert outcome == {"search_ref": "SR-11", "lead": "Hal Lead", "previous": "Lea Lead", "changed": True}
    assert lead_of(db, SR_11) == HAL
    last = entries(db)[-1]
    assert last["actor_id"] == 1
    assert last["before"]["lead"] == "lead@ops.example" and last["after"]["lead"] == "hal@ops.example"


def test_naming_the_lead_a_search_already_has_writes_nothing(db):
    set_search_lead(db, person("ops"), SR_06, LEA)
    before = fingerprint(db)
    assert set_search_lead(db, person("ops"), SR_06, LEA)["changed"] is False
    assert fingerprint(db) == before


@pytest.mark.parametrize("role", ["hiring_lead", "reviewer"])
def test_only_ops_and_admins_set_a_lead(db, role):
    before = fingerprint(db)
    with pytest.raises(PermissionDenied, match="write ops is for: Ops, Admin"):
        set_search_lead(db, person(role), SR_06, LEA)
    assert changed_tables(before, fingerprint(db)) == set()


def test_an_auditor_may_not_either(db):
    db.write(lambda cur: cur.execute("INSERT INTO accounts (account_id, email, display_name, role) "
                                     "VALUES (7, 'audrey@ops.example', 'Audrey Auditor', 'auditor')"))
    with pytest.raises(PermissionDenied):
        set_search_lead(db, Account(7, "audrey@ops.example", "Audrey Auditor", "auditor"), SR_06, LEA)
    assert lead_of(db, SR_06) is None


@pytest.mark.parametrize("search_id, lead, message", [
    (SR_06, RUI, "lead: reviewer@ops.example is a reviewer account, not a hiring lead; search SR-06 can only be "
                 "led by an active hiring lead"),
    (SR_06, 2, "lead: ops@ops.example is an ops account, not a hiring lead"),
    (SR_06, DEE, "lead: dee@ops.example is deactivated; search SR-06 can only be led by an active hiring lead"),
    (SR_06, 99, "lead: there is no account 99"),
    (999, LEA, "search: there is no search 999"),
    (SR_06, None, "lead: none chosen"),
    (SR_06, "Lea", "lead: 'Lea' is not an id"),
])
def test_a_lead_that_cannot_own_a_search_is_refused_in_words_and_nothing_is_written(db, search_id, lead, message):
    before = fingerprint(db)
    with pytest.raises(DatabaseError, match=message):
        set_search_lead(db, person("ops"), search_id, lead)
    assert changed_tables(before, fingerprint(db)) == set()


def test_the_leads_to_choose_from_are_the_active_hiring_leads_by_name(db):
    from scoring.store.owners import hiring_leads

    leads = hiring_leads(db, person("ops"))
    assert leads[["account_id", "display_name"]].values.tolist() == [[HAL, "Hal Lead"], [LEA, "Lea Lead"]]
    with pytest.raises(PermissionDenied):
        hiring_leads(db, person("hiring_lead"))
