"""Saved import mappings (scoring.store.import_mappings): an admin keeps a mapping for next month's import.

A mapping is stored only when scoring.importing reads it without a fault, under a name no other saved
mapping has; updating and deleting it are audited with its text, and only the Import page's role
(admin) may read or change them. The export and restore carry them like every other table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.agency.access import PermissionDenied
from scoring.store import Database, DatabaseError
from scoring.store.archive import export_database, restore_database
from scoring.store.import_mappings import (
    MAX_MAPPING_CHARS,
    delete_mapping,
    save_mapping,
    saved_mappings,
    update_mapping,
)
from tests.conftest import ROOT, account

GREENHOUSE = (ROOT / "data" / "mappings" / "greenhouse-harvest-scorecards.toml").read_text()
SMALL = """name = "Reviewer list from the HR sheet"

[tables.reviewers]
file = "people*.csv"
ignore = ["Department"]

[tables.reviewers.fields]
email = "Work e-mail"
display_name = "Full name"
active = { value = "true" }
"""


@pytest.fixture
def admin(demo_db: Database):
    return account(demo_db, "admin")


def audit_entries(db: Database) -> list[dict]:
    frame = db.frame("SELECT action, entity_key, before, after FROM audit_log WHERE entity = 'import_mapping' "
                     "ORDER BY audit_id")
    return [{"action": r.action, "key": r.entity_key,
             "before": json.loads(r.before) if isinstance(r.before, str) else None,
             "after": json.loads(r.after) if isinstance(r.after, str) else None}
            for r in frame.itertuples()]


def stored_rows(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM import_mappings"))


def test_a_saved_mapping_is_listed_with_its_text_and_who_saved_it_and_the_save_is_audited(demo_db, admin):
    mapping_id = save_mapping(demo_db, admin, "  Greenhouse scorecards (our account)  ", GREENHOUSE)

    [saved] = saved_mappings(demo_db, admin)
    assert (saved.mapping_id, saved.name, saved.text) == (mapping_id, "Greenhouse scorecards (our account)",
                                                          GREENHOUSE)
    assert saved.saved_by == admin.display_name
    [entry] = audit_entries(demo_db)
    assert entry["action"] == "create" and entry["key"] == str(mapping_id)
    assert entry["after"] == {"name": "Greenhouse scorecards (our account)", "mapping": GREENHOUSE}


def test_saved_mappings_are_listed_by_name_whatever_the_case(demo_db, admin):
    for name in ("zeta sheet", "Alpha sheet", "beta sheet"):
        save_mapping(demo_db, admin, name, SMALL)
    assert [m.name for m in saved_mappings(demo_db, admin)] == ["Alpha sheet", "beta sheet", "zeta sheet"]


def test_a_mapping_that_cannot_be_used_is_refused_with_each_fault_and_nothing_is_written(demo_db, admin):
    broken = SMALL.replace('email = "Work e-mail"', 'e_mail = "Work e-mail"')
    broken = broken.replace("[tables.reviewers]", "colour = 'blue'\n[tables.reviewers]")
    audit_before = demo_db.scalar("SELECT count(*) FROM audit_log")

    with pytest.raises(DatabaseError) as refused:
        save_mapping(demo_db, admin, "HR sheet", broken)

    message = str(refused.value)
    assert message.startswith("mapping: it cannot be used, so it was not saved: ")
    assert "no field 'e_mail'" in message and "required field 'email' is not mapped" in message
    assert stored_rows(demo_db) == 0 and demo_db.scalar("SELECT count(*) FROM audit_log") == audit_before


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("", SMALL, "name: give the mapping a name"),
    ("   ", SMALL, "name: give the mapping a name"),
    ("x" * 201, SMALL, "name"),
    ("HR sheet", "", "mapping: the mapping is empty"),
    ("HR sheet", "not = [toml", "is not valid TOML"),
    ("HR sheet", SMALL + "\x00", "NUL character"),
    ("HR sheet", SMALL + "#" * MAX_MAPPING_CHARS, "more than the 100,000 a saved mapping may hold"),
])
def test_a_blank_or_overlong_name_or_an_unusable_text_is_refused(demo_db, admin, name, text, reason):
    with pytest.raises(DatabaseError) as refused:
        save_mapping(demo_db, admin, name, text)
    assert reason in str(refused.value)
    assert stored_rows(demo_db) == 0


def test_a_name_already_saved_is_refused_whatever_its_case_and_spaces(demo_db, admin):
    save_mapping(demo_db, admin, "HR sheet", SMALL)
    with pytest.raises(DatabaseError, match="a mapping called 'hr SHEET' is already saved"):
        save_mapping(demo_db, admin, " hr SHEET ", SMALL)
    assert stored_rows(demo_db) == 1


def test_an_update_replaces_the_text_and_is_audited_with_both_versions(demo_db, admin):
    mapping_id = save_mapping(demo_db, admin, "HR sheet", SMALL)
    edited = SMALL.replace('"Full name"', '"Name"')

    assert update_mapping(demo_db, admin, mapping_id, "HR sheet (2027)", edited)

    [saved] = saved_mappings(demo_db, admin)
    assert (saved.name, saved.text) == ("HR sheet (2027)", edited)
    entry = audit_entries(demo_db)[-1]
    assert entry["action"] == "update"
    assert entry["before"] == {"name": "HR sheet", "mapping": SMALL}
    assert entry["after"] == {"name": "HR sheet (2027)", "mapping": edited}


def test_saving_the_same_name_and_text_again_changes_nothing_and_writes_no_audit_entry(demo_db, admin):
    mapping_id = save_mapping(demo_db, admin, "HR sheet", SMALL)
    audit_before = demo_db.scalar("SELECT count(*) FROM audit_log")
    assert not update_mapping(demo_db, admin, mapping_id, "HR sheet", SMALL)
    assert demo_db.scalar("SELECT count(*) FROM audit_log") == audit_before


def test_an_update_is_checked_like_a_save(demo_db, admin):
    first = save_mapping(demo_db, admin, "HR sheet", SMALL)
    save_mapping(demo_db, admin, "Greenhouse", GREENHOUSE)
    with pytest.raises(DatabaseError, match="already saved"):
        update_mapping(demo_db, admin, first, "greenhouse", SMALL)
    with pytest.raises(DatabaseError, match="cannot be used"):
        update_mapping(demo_db, admin, first, "HR sheet", SMALL.replace("[tables.reviewers]", "[tables.reviewer]"))
    assert saved_mappings(demo_db, admin)[1].text == SMALL


def test_a_deleted_mapping_is_gone_and_its_text_stays_in_the_audit_log(demo_db, admin):
    mapping_id = save_mapping(demo_db, admin, "HR sheet", SMALL)

    assert delete_mapping(demo_db, admin, mapping_id) == "HR sheet"

    assert saved_mappings(demo_db, admin) == []
    entry = audit_entries(demo_db)[-1]
    assert entry["action"] == "delete" and entry["before"] == {"name": "HR sheet", "mapping": SMALL}
    with pytest.raises(DatabaseError, match=f"no saved mapping {mapping_id}"):
        delete_mapping(demo_db, admin, mapping_id)
    with pytest.raises(DatabaseError, match=f"no saved mapping {mapping_id}"):
        update_mapping(demo_db, admin, mapping_id, "HR sheet", SMALL)


@pytest.mark.parametrize("role", ["reviewer", "hiring_lead", "ops", "auditor"])
def test_only_the_import_pages_role_reads_or_changes_saved_mappings(demo_db, admin, role):
    mapping_id = save_mapping(demo_db, admin, "HR sheet", SMALL)
    other = account(demo_db, role)
    for attempt in (lambda: saved_mappings(demo_db, other),
                    lambda: save_mapping(demo_db, other, "Mine", SMALL),
                    lambda: update_mapping(demo_db, other, mapping_id, "HR sheet", SMALL),
                    lambda: delete_mapping(demo_db, other, mapping_id)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert stored_rows(demo_db) == 1


def test_the_schema_refuses_a_blank_name_and_a_second_row_of_the_same_name(demo_db, admin):
    insert = ("INSERT INTO import_mappings (mapping_id, name, mapping, saved_by, saved_at) "
              "VALUES (?, ?, ?, ?, current_timestamp)")
    with demo_db.cursor() as cur:
        cur.execute(insert, [1, "HR sheet", SMALL, admin.account_id])
        for row in ([2, "HR sheet", SMALL, admin.account_id], [3, "  ", SMALL, admin.account_id],
                    [4, "Other", " ", admin.account_id]):
            with pytest.raises(Exception, match="(?i)constraint"):
                cur.execute(insert, row)


def test_an_export_and_restore_carry_the_saved_mappings(demo_db, admin, tmp_path: Path):
    mapping_id = save_mapping(demo_db, admin, "Greenhouse", GREENHOUSE)
    export_database(demo_db, tmp_path / "export", admin)

    with Database(tmp_path / "restored.duckdb") as restored:
        counts = restore_database(restored, tmp_path / "export")
        assert counts["import_mappings"] == 1
        [saved] = saved_mappings(restored, account(restored, "admin"))
        assert (saved.mapping_id, saved.name, saved.text) == (mapping_id, "Greenhouse", GREENHOUSE)
        # the id sequence moved past the restored id
        assert save_mapping(restored, account(restored, "admin"), "Another", SMALL) > mapping_id
