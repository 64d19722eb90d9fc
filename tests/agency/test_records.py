"""One set of rules: a fact is refused the same way, in the same words, whether imported or typed in.

Each case states one impossible fact twice: as a row of an import file (checked with
``check_only``, so nothing is written) and as a call of the store function behind a dashboard form.
The form's refusal must be one of the import's problems, word for word (``column: reason``). The
agency is the sample file set of ``data/samples/`` (see ``docs/import-format.md``), imported without
its replacement so that the forms can record one.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from scoring.agency import records as rules
from scoring.agency.access import Account
from scoring.agency.scorecard import EARLIEST_DATE
from scoring.importing.files import Source
from scoring.store import clients as client_store
from scoring.store import placements as placement_store
from scoring.store.db import DatabaseError
from tests.importing.conftest import SAMPLES, TODAY, run_import, sample_sources

OPS = Account(900, "ops@agency.example", "Otto Ops", "ops")
REPLACEMENT_HEADER = ("replacement_ref,placement_ref,requested_on,fulfilled_on,replacing_placement_ref,cost_usd,"
                      "cost_reason\n")


@pytest.fixture
def agency(empty_db):
    """The sample agency without its replacement, and an ops account to record events with."""
    result = run_import(empty_db, sample_sources(without=("replacements.csv",)))
    assert result.ok, [str(p) for p in result.problems]
    empty_db.write(lambda cur: cur.execute(
        "INSERT INTO accounts (account_id, email, display_name, role) VALUES (?, ?, ?, ?)",
        [OPS.account_id, OPS.email, OPS.display_name, OPS.role]))
    return empty_db


def placement(db, ref: str) -> int:
    return int(db.scalar("SELECT placement_id FROM placements WHERE external_id = ?", [ref]))


def client(db, ref: str) -> int:
    return int(db.scalar("SELECT client_id FROM clients WHERE external_id = ?", [ref]))


def import_problems(db, name: str, text: str) -> list[str]:
    """The problems an import of one file (with the rest already stored) reports, as ``column: reason``."""
    result = run_import(db, [Source(name, data=text.encode())], check_only=True)
    return [f"{p.column}: {p.reason}" for p in result.problems]


def form_refusal(call) -> str:
    with pytest.raises(DatabaseError) as refused:
        call()
    return str(refused.value)


def clients_file(**changes: dict) -> str:
    frame = pd.read_csv(SAMPLES / "clients.csv", dtype=str, keep_default_na=False)
    for ref, values in changes.items():
        for column, value in values.items():
            frame.loc[frame["client_ref"] == ref.replace("_", "-"), column] = value
    return frame.to_csv(index=False)


def test_a_replacement_requested_after_its_placement_ended(agency):
    # PL-0001 ended on 20 June 2025 (not a fit); a request dated 25 June comes after the engagement.
    imported = import_problems(agency, "replacements.csv", REPLACEMENT_HEADER + "RP-0009,PL-0001,2025-06-25,,,,\n")
    typed = form_refusal(lambda: placement_store.request_replacement(agency, OPS, placement(agency, "PL-0001"),
                                                         date(2025, 6, 25), as_of=TODAY))
    assert typed == ("requested_on: 2025-06-25 is after PL-0001 ended on 2025-06-20 (not_a_fit); a replacement "
                     "is requested while the engagement runs")
    assert imported == [typed]


def test_a_date_before_the_earliest_one(agency):
    imported = import_problems(agency, "replacements.csv", REPLACEMENT_HEADER + "RP-0009,PL-0002,1899-12-31,,,,\n")
    typed = form_refusal(lambda: placement_store.request_replacement(agency, OPS, placement(agency, "PL-0002"),
                                                         date(1899, 12, 31), as_of=TODAY))
    assert typed == f"requested_on: 1899-12-31 is before {EARLIEST_DATE}, the earliest date a fact may carry"
    assert typed in imported          # the import also says it is before PL-0002's first day


def test_a_country_outside_iso_3166(agency):
    imported = import_problems(agency, "clients.csv", clients_file(CL_0003={"country": "XX"}))
    said = rules.value_problem(rules.country_reasons, "country", "XX")
    assert imported == [said] == ["country: 'XX' is not an ISO 3166-1 country code (two letters, e.g. US, GB, IN)"]
    # No form records a country: whatever writes one, the schema refuses it too.
    with pytest.raises(duckdb.ConstraintException, match="CHECK constraint failed on table clients"):
        agency.write(lambda cur: cur.execute("UPDATE clients SET country = 'XX' WHERE external_id = 'CL-0003'"))


def test_a_churn_before_a_running_placement_starts(agency):
    # Blue Harbor's PL-0003 starts on 27 June 2025 and still runs: a churn on 1 June would end it before it began.
    imported = import_problems(agency, "clients.csv", clients_file(CL_0001={"churned_on": "2025-06-01"}))
    typed = form_refusal(lambda: client_store.record_client_churn(agency, OPS, client(agency, "CL-0001"),
                                                                  date(2025, 6, 1), as_of=TODAY))
    assert typed == ("churned_on: 2025-06-01 is before PL-0003 of Blue Harbor Analytics starts (2025-06-27); "
                     "record the churn on or after its first day")
    assert typed in imported          # with its open search SR-0004, opened later still


@pytest.mark.parametrize("replacing, cost, expected", [
    ("PL-0002", "",
     "replacing_placement_ref: PL-0002 is with Cedar Robotics, but RP-00001 is for Blue Harbor Analytics"),
    ("PL-0003", "250", "cost_reason: replacements are free under the guarantee; a charge of 250.00 USD needs a reason"),
])
def test_a_fulfilment_the_guarantee_does_not_allow(agency, replacing, cost, expected):
    requested = placement_store.request_replacement(agency, OPS, placement(agency, "PL-0001"), date(2025, 6, 18),
                                                    as_of=TODAY)
    assert placement_store.replacement_ref(requested) == "RP-00001"
    imported = import_problems(agency, "replacements.csv",
                               REPLACEMENT_HEADER + f"RP-00001,PL-0001,2025-06-18,2025-06-27,{replacing},{cost},\n")
    typed = form_refusal(lambda: placement_store.fulfil_replacement(agency, OPS, requested, date(2025, 6, 27),
                                                        placement(agency, replacing), float(cost or 0), as_of=TODAY))
    assert typed == expected
    assert imported == [typed]


def test_a_correction_on_the_other_side_of_a_stored_pair_is_refused_on_its_own_row(empty_db):
    # The whole sample set is stored, RP-0001 requested on 18 June for PL-0001. A corrected placements file
    # ending PL-0001 on 10 June would leave that request after the engagement: refused on the placement's row.
    assert run_import(empty_db, sample_sources()).ok
    text = (SAMPLES / "placements.csv").read_text().replace("2025-05-05,2025-06-20,not_a_fit", "2025-05-05,2025-06-10,"
                                                            "not_a_fit")
    result = run_import(empty_db, [Source("placements.csv", data=text.encode())], check_only=True)
    assert [(p.file, p.row, p.column, p.reason) for p in result.problems] == [
        ("placements.csv", 2, "placement_ref", "2025-06-18 is after PL-0001 ended on 2025-06-10 (not_a_fit); "
                                               "a replacement is requested while the engagement runs")]


def test_every_rule_states_itself_and_names_a_column():
    for table, table_rules in rules.TABLE_RULES.items():
        for rule in table_rules:
            assert rule.column and rule.summary, (table, rule)
    one_row = rules.CHURN_AFTER_SIGNING.problem(churned_on=date(2025, 1, 1), signed_on=date(2025, 2, 1), name="Acme")
    assert one_row == ("churned_on: 2025-01-01 is before Acme signed on 2025-02-01; a client cannot leave before "
                       "it joined")
    assert rules.CHURN_AFTER_SIGNING.problem(churned_on=None, signed_on=date(2025, 2, 1), name="Acme") is None
