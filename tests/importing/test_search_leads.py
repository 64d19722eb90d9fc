"""A search's hiring lead in the searches file (``lead_email``): an existing hiring lead's account or a clear
row error; an empty cell, or a file without the column, keeps the lead stored."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.importing.files import Source
from tests.importing.conftest import run_import, sample_frame, sample_sources

LEAD = (90, "harper.lead@agency.example", "Harper Lead", "hiring_lead")
OTHER_LEAD = (91, "jordan.lead@agency.example", "Jordan Ellis", "hiring_lead")
OPS = (92, "ops@agency.example", "Oakley Ops", "ops")


@pytest.fixture
def agency(empty_db):
    empty_db.write(lambda cur: cur.executemany(
        "INSERT INTO accounts (account_id, email, display_name, role) VALUES (?, ?, ?, ?)", [LEAD, OTHER_LEAD, OPS]))
    assert run_import(empty_db, sample_sources()).ok
    return empty_db


def _searches(leads: dict[str, str | None], with_column: bool = True) -> list[Source]:
    frame = sample_frame("searches")
    if with_column:
        frame["lead_email"] = frame["search_ref"].map(lambda ref: leads.get(ref) or "")
    else:
        frame = frame.drop(columns="lead_email")
    return [Source("searches.csv", data=frame.to_csv(index=False).encode())]


def _leads(db) -> dict[str, int | None]:
    rows = db.frame("SELECT external_id, lead_account_id FROM searches ORDER BY external_id")
    return {r: (None if pd.isna(a) else int(a)) for r, a in zip(rows["external_id"], rows["lead_account_id"])}


def test_the_samples_name_no_lead(agency):
    assert set(_leads(agency).values()) == {None}


def test_a_lead_is_set_changed_and_kept(agency):
    result = run_import(agency, _searches({"SR-0001": "Harper.Lead@agency.example", "SR-0002": LEAD[1]}))
    assert result.ok and result.counts["searches"].updated == 2
    assert _leads(agency)["SR-0001"] == 90 and _leads(agency)["SR-0002"] == 90
    # SR-0001 has applications: its lead changes all the same, with an audit entry
    assert run_import(agency, _searches({"SR-0001": OTHER_LEAD[1]})).ok
    assert _leads(agency)["SR-0001"] == 91
    changes = agency.frame("SELECT before, after FROM audit_log WHERE action = 'import_update' "
                           "AND entity = 'searches' AND entity_key = 'SR-0001' ORDER BY audit_id")
    assert '"lead_account_id":91' in changes["after"].iloc[-1].replace(" ", "")
    # An empty cell, or a file from before the column, leaves the leads as they are
    assert run_import(agency, _searches({})).counts["searches"].updated == 0
    assert run_import(agency, _searches({}, with_column=False)).counts["searches"].updated == 0
    assert _leads(agency)["SR-0001"] == 91 and _leads(agency)["SR-0002"] == 90


def test_an_unknown_or_wrong_account_is_a_row_error_and_nothing_is_written(agency):
    before = _leads(agency)
    result = run_import(agency, _searches({"SR-0001": "nobody@agency.example", "SR-0002": OPS[1],
                                           "SR-0003": LEAD[1]}))
    assert not result.ok
    problems = [(p.file, p.row, p.column, p.reason) for p in result.problems]
    assert problems == [
        ("searches.csv", 2, "lead_email", "no account with e-mail 'nobody@agency.example' in the database; a "
         "search's lead is an existing hiring lead's account (an admin adds it first)"),
        ("searches.csv", 3, "lead_email", "'ops@agency.example' is an account with role ops, not a hiring lead"),
    ]
    assert _leads(agency) == before
