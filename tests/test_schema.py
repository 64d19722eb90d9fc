"""The schema itself refuses impossible rows, whatever code (or person) writes them.

Every case starts from a row the schema accepts (``VALID``; the first test proves it is accepted)
and changes one or two values to make it impossible, so each refusal is caused by the rule the
case is named after. A small agency (``PARENTS``) is inserted first so foreign keys resolve.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pytest

from scoring.agency.records import COUNTRY_CODES
from scoring.agency.scorecard import EARLIEST_DATE
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.store import Database
from scoring.store.db import SCHEMA_PATH, next_id

# One small agency: the parent rows every case can point at. Inserted in this order.
PARENTS: list[tuple[str, dict]] = [
    ("clients", dict(client_id=1, external_id="CL-0001", name="Acme Analytics", country="US",
                     signed_on="2025-01-01", churned_on=None)),
    ("searches", dict(search_id=1, external_id="SR-0001", client_id=1, role_title="MLOps Engineer",
                      seniority="mid", opened_on="2025-02-03", status="open")),
    ("searches", dict(search_id=2, external_id="SR-0002", client_id=1, role_title="ML Platform Engineer",
                      seniority="senior", opened_on="2025-02-10", status="open")),
    ("candidates", dict(candidate_id=1, external_id="CA-0001", full_name="Ana Silva",
                        email="ana.silva@mail.example", country="BR", seniority="mid", sourced_on="2025-01-15")),
    ("candidates", dict(candidate_id=2, external_id="CA-0002", full_name="Omar Khan",
                        email="omar.khan@mail.example", country="EG", seniority="senior", sourced_on="2025-01-16")),
    ("candidates", dict(candidate_id=3, external_id="CA-0003", full_name="Mei Tan",
                        email="mei.tan@mail.example", country="PH", seniority="mid", sourced_on="2025-01-17")),
    ("applications", dict(application_id=1, external_id="AP-0001", candidate_id=1, search_id=1,
                          applied_on="2025-02-04")),
    ("applications", dict(application_id=2, external_id="AP-0002", candidate_id=2, search_id=1,
                          applied_on="2025-02-04")),
    ("applications", dict(application_id=3, external_id="AP-0003", candidate_id=3, search_id=1,
                          applied_on="2025-02-05")),
    ("accounts", dict(account_id=1, email="riley@agency.example", display_name="Riley Reviewer", role="reviewer")),
    ("stage_decisions", dict(application_id=1, stage_id=1, entered_on="2025-02-04", decided_on="2025-02-05",
                             decision="pass")),
    ("scorecards", dict(scorecard_id=1, application_id=1, stage_id=2, reviewer_id=1, revision=1, status="submitted",
                        created_at="2025-02-07 10:00:00", submitted_at="2025-02-07 11:00:00")),
    ("scores", dict(scorecard_id=1, dimension_id=1, rating=4)),
    ("weight_versions", dict(version_id=2, effective_from="2024-01-01")),   # version 1 is the seeded default
    ("tooling_evidence", dict(candidate_id=1, tool_id=5, verified=True, evidence="verified against code samples",
                              checked_by=1, checked_on="2025-02-05")),
    ("placements", dict(placement_id=1, external_id="PL-0001", application_id=1, weekly_rate_usd=800,
                        accepted_on="2025-03-01", first_day="2025-03-20")),
    ("placements", dict(placement_id=2, external_id="PL-0002", application_id=2, weekly_rate_usd=850,
                        accepted_on="2025-03-01", first_day="2025-03-24")),
]

# One new row per table that the schema accepts beside the parents.
VALID: dict[str, dict] = {
    "clients": dict(client_id=2, external_id="CL-0002", name="Birch Robotics", country="PL",
                    signed_on="2025-03-01", churned_on="2025-09-01"),
    "searches": dict(search_id=3, external_id="SR-0003", client_id=1, role_title="MLOps Engineer",
                     seniority="junior", opened_on="2025-03-03", shortlist_delivered_on="2025-03-14",
                     closed_on="2025-04-01", status="filled"),
    "candidates": dict(candidate_id=4, external_id="CA-0004", full_name="Luis Reyes",
                       email="luis.reyes@mail.example", country="MX", seniority="junior", sourced_on="2025-02-20"),
    "applications": dict(application_id=4, external_id="AP-0004", candidate_id=1, search_id=2, applied_on="2025-02-11"),
    "stage_decisions": dict(application_id=1, stage_id=2, entered_on="2025-02-06", decided_on="2025-02-10",
                            decision="pass"),
    "accounts": dict(account_id=2, email="harper@agency.example", display_name="Harper Lead", role="hiring_lead"),
    "scorecards": dict(scorecard_id=2, application_id=1, stage_id=3, reviewer_id=1, revision=1, status="submitted",
                       created_at="2025-02-12 09:00:00", submitted_at="2025-02-12 10:30:00", amendment_reason=None),
    "scores": dict(scorecard_id=1, dimension_id=2, rating=3),
    "dimension_weights": dict(version_id=2, dimension_id=1, weight_pct=25),
    "tooling_evidence": dict(candidate_id=1, tool_id=8, verified=False, evidence="self-reported",
                             checked_by=1, checked_on="2025-02-05"),
    "placements": dict(placement_id=3, external_id="PL-0003", application_id=3, weekly_rate_usd=700,
                       accepted_on="2025-03-01", first_day="2025-03-25", ended_on=None, end_reason=None),
    "replacements": dict(replacement_id=1, external_id="RP-0001", placement_id=1, requested_on="2025-05-01",
                         fulfilled_on="2025-05-10", replacing_placement_id=2, cost_usd=0, cost_reason=None),
    "audit_log": dict(action="import", entity="candidates", entity_key="batch-1"),
}

# Further accepted variants: the legitimate neighbours of the refused rows below.
ACCEPTED_VARIANTS = [
    pytest.param("stage_decisions", dict(decided_on=None, decision=None), id="an open stage (no decision yet)"),
    pytest.param("stage_decisions", dict(decided_on="2025-02-06"), id="a stage decided the day it was entered"),
    pytest.param("searches", dict(status="open", shortlist_delivered_on=None, closed_on=None), id="an open search"),
    pytest.param("searches", dict(status="cancelled", shortlist_delivered_on=None),
                 id="a cancelled search, no shortlist"),
    pytest.param("scorecards", dict(status="draft", submitted_at=None), id="a draft"),
    pytest.param("scorecards", dict(stage_id=2, revision=2, amendment_reason="monitoring rating mistyped"),
                 id="an amendment with its reason"),
    pytest.param("scores", dict(rating=1), id="rating 1"),
    pytest.param("scores", dict(rating=5), id="rating 5"),
    pytest.param("scores", dict(rating=None, not_assessed_reason="no governance part in the take-home"),
                 id="a dimension not assessed, with its reason"),
    pytest.param("clients", dict(country="DE"), id="a German client"),
    pytest.param("candidates", dict(country="AX"), id="a candidate from the Aland Islands (ISO, not a state)"),
    pytest.param("dimension_weights", dict(weight_pct=0), id="weight 0"),
    pytest.param("dimension_weights", dict(weight_pct=100), id="weight 100"),
    pytest.param("placements", dict(ended_on="2025-06-01", end_reason="not_a_fit"), id="an ended placement"),
    pytest.param("replacements", dict(fulfilled_on=None, replacing_placement_id=None), id="a pending replacement"),
    pytest.param("replacements", dict(cost_usd=250, cost_reason="relocation fee agreed with the client"),
                 id="a charged replacement with its reason"),
]


# What DuckDB says when it refuses a row; each pattern names the rule's table and column or key.
def check_failed(table: str, column: str) -> str:
    return rf"CHECK constraint failed on table {table} with expression .*\b{column}\b"


def duplicate(key: str) -> str:
    return f'Duplicate key "{key}"'


def unknown(key: str) -> str:
    return f'foreign key constraint because key "{key}" does not exist'


def missing(table: str, column: str) -> str:
    return f"NOT NULL constraint failed: {table}.{column}"


REFUSED = [
    # ratings are integers 1-5
    pytest.param("scores", dict(rating=0), check_failed("scores", "rating"), id="rating 0"),
    pytest.param("scores", dict(rating=6), check_failed("scores", "rating"), id="rating 6"),
    # a dimension is rated or not assessed with a reason: exactly one of the two
    pytest.param("scores", dict(rating=None), check_failed("scores", "not_assessed_reason"),
                 id="neither a rating nor a reason"),
    pytest.param("scores", dict(not_assessed_reason="could not judge it"),
                 check_failed("scores", "not_assessed_reason"), id="both a rating and a not-assessed reason"),
    pytest.param("scores", dict(rating=None, not_assessed_reason="  "), check_failed("scores", "not_assessed_reason"),
                 id="not assessed with a blank reason"),
    # weights are percentages
    pytest.param("dimension_weights", dict(weight_pct=-5), check_failed("dimension_weights", "weight_pct"),
                 id="negative weight"),
    pytest.param("dimension_weights", dict(weight_pct=100.5), check_failed("dimension_weights", "weight_pct"),
                 id="weight over 100"),
    # stage decisions
    pytest.param("stage_decisions", dict(decided_on="2025-02-05"), check_failed("stage_decisions", "entered_on"),
                 id="stage decided before it was entered"),
    pytest.param("stage_decisions", dict(decided_on=None), check_failed("stage_decisions", "decision"),
                 id="decision without a decided date"),
    pytest.param("stage_decisions", dict(decision=None), check_failed("stage_decisions", "decision"),
                 id="decided date without a decision"),
    pytest.param("stage_decisions", dict(decision="maybe"), check_failed("stage_decisions", "decision"),
                 id="decision not pass/fail"),
    pytest.param("stage_decisions", dict(stage_id=0), unknown("stage_id: 0"), id="stage 0"),
    pytest.param("stage_decisions", dict(stage_id=5), unknown("stage_id: 5"), id="stage 5"),
    pytest.param("stage_decisions", dict(stage_id=1), duplicate("application_id: 1, stage_id: 1"),
                 id="second decision for the same application and stage"),
    # scorecards and scores
    pytest.param("scorecards", dict(stage_id=1), check_failed("scorecards", "stage_id"), id="scorecard at stage 1"),
    pytest.param("scorecards", dict(stage_id=4), check_failed("scorecards", "stage_id"), id="scorecard at stage 4"),
    pytest.param("scorecards", dict(reviewer_id=99), unknown("account_id: 99"), id="scorecard by an unknown reviewer"),
    pytest.param("scorecards", dict(status="draft"), check_failed("scorecards", "submitted_at"),
                 id="draft with submitted_at"),
    pytest.param("scorecards", dict(submitted_at=None), check_failed("scorecards", "submitted_at"),
                 id="submitted without submitted_at"),
    pytest.param("scorecards", dict(stage_id=2),
                 duplicate("application_id: 1, stage_id: 2, reviewer_id: 1, revision: 1"),
                 id="second scorecard for the same application, stage, reviewer and revision"),
    pytest.param("scores", dict(scorecard_id=99), unknown("scorecard_id: 99"), id="score for an unknown scorecard"),
    pytest.param("scores", dict(dimension_id=1), duplicate("scorecard_id: 1, dimension_id: 1"),
                 id="second score for the same scorecard and dimension"),
    # natural keys
    pytest.param("clients", dict(external_id="CL-0001"), duplicate("external_id: CL-0001"),
                 id="duplicate client external_id"),
    pytest.param("searches", dict(external_id="SR-0001"), duplicate("external_id: SR-0001"),
                 id="duplicate search external_id"),
    pytest.param("candidates", dict(external_id="CA-0001"), duplicate("external_id: CA-0001"),
                 id="duplicate candidate external_id"),
    pytest.param("candidates", dict(email="ana.silva@mail.example"), duplicate("email: ana.silva@mail.example"),
                 id="duplicate candidate email"),
    pytest.param("applications", dict(external_id="AP-0001"), duplicate("external_id: AP-0001"),
                 id="duplicate application external_id"),
    pytest.param("applications", dict(search_id=1), duplicate("candidate_id: 1, search_id: 1"),
                 id="same candidate applying twice to one search"),
    pytest.param("tooling_evidence", dict(tool_id=5), duplicate("candidate_id: 1, tool_id: 5"),
                 id="duplicate tooling evidence for a candidate and tool"),
    # clients, searches, people
    pytest.param("clients", dict(churned_on="2025-02-28"), check_failed("clients", "churned_on"),
                 id="churned before signed"),
    pytest.param("searches", dict(shortlist_delivered_on="2025-03-02"), check_failed("searches", "opened_on"),
                 id="shortlist delivered before the search opened"),
    pytest.param("searches", dict(status="paused"), check_failed("searches", "status"),
                 id="search status not in the list"),
    pytest.param("searches", dict(status="open"), check_failed("searches", "closed_on"),
                 id="open search with closed_on"),
    pytest.param("searches", dict(shortlist_delivered_on=None), check_failed("searches", "shortlist_delivered_on"),
                 id="filled search without a shortlist date"),
    pytest.param("searches", dict(seniority="principal"), check_failed("searches", "seniority"),
                 id="unknown search seniority"),
    pytest.param("candidates", dict(seniority="principal"), check_failed("candidates", "seniority"),
                 id="unknown candidate seniority"),
    pytest.param("accounts", dict(role="superuser"), check_failed("accounts", "role"), id="invalid account role"),
    # countries are ISO 3166-1 alpha-2 codes (scoring.agency.records.COUNTRY_CODES)
    pytest.param("clients", dict(country="XX"), check_failed("clients", "country"), id="client country XX"),
    pytest.param("clients", dict(country="GBR"), check_failed("clients", "country"), id="client country alpha-3"),
    pytest.param("clients", dict(country="gb"), check_failed("clients", "country"), id="client country lower case"),
    pytest.param("candidates", dict(country="XX"), check_failed("candidates", "country"), id="candidate country XX"),
    pytest.param("candidates", dict(country="UK"), check_failed("candidates", "country"),
                 id="candidate country UK (ISO says GB)"),
    # placements and the replacement guarantee
    pytest.param("placements", dict(first_day="2025-02-28"), check_failed("placements", "accepted_on"),
                 id="first day before the offer was accepted"),
    pytest.param("placements", dict(ended_on="2025-06-01"), check_failed("placements", "end_reason"),
                 id="ended without a reason"),
    pytest.param("placements", dict(end_reason="not_a_fit"), check_failed("placements", "ended_on"),
                 id="end reason without an end"),
    pytest.param("replacements", dict(fulfilled_on="2025-04-30"), check_failed("replacements", "requested_on"),
                 id="replacement fulfilled before it was requested"),
    pytest.param("replacements", dict(replacing_placement_id=None), check_failed("replacements", "fulfilled_on"),
                 id="replacement fulfilled without the replacing placement"),
    pytest.param("replacements", dict(replacing_placement_id=1), check_failed("replacements", "replacing_placement_id"),
                 id="placement replacing itself"),
    pytest.param("replacements", dict(cost_usd=-10, cost_reason="refund"), check_failed("replacements", "cost_usd"),
                 id="negative replacement cost"),
    pytest.param("replacements", dict(cost_usd=250), check_failed("replacements", "cost_reason"),
                 id="replacement charged without a reason"),
    # the audit trail
    pytest.param("audit_log", dict(action=None), missing("audit_log", "action"), id="audit entry without an action"),
]


def insert_into(cur: duckdb.DuckDBPyConnection, table: str, row: dict) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cur.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))


def insert(db: Database, table: str, row: dict) -> None:
    with db.cursor() as cur:
        insert_into(cur, table, row)


def insert_parents(db: Database) -> None:
    with db.transaction() as cur:
        for table, row in PARENTS:
            insert_into(cur, table, row)


def count(db: Database, table: str) -> int:
    return db.scalar(f"SELECT count(*) FROM {table}")


@pytest.fixture
def db(empty_db: Database) -> Database:
    insert_parents(empty_db)
    return empty_db


@pytest.mark.parametrize("table", list(VALID))
def test_a_valid_row_is_accepted(db, table):
    before = count(db, table)
    insert(db, table, VALID[table])
    assert count(db, table) == before + 1


@pytest.mark.parametrize("table, change", ACCEPTED_VARIANTS)
def test_legitimate_variant_is_accepted(db, table, change):
    before = count(db, table)
    insert(db, table, {**VALID[table], **change})
    assert count(db, table) == before + 1


@pytest.mark.parametrize("table, change, error", REFUSED)
def test_impossible_row_is_refused(db, table, change, error):
    before = count(db, table)
    with pytest.raises(duckdb.ConstraintException, match=error):
        insert(db, table, {**VALID[table], **change})
    assert count(db, table) == before


@pytest.mark.parametrize("table", ["clients", "candidates"])
def test_the_schema_checks_countries_against_the_iso_list_the_rules_use(table):
    """schema.sql spells the ISO 3166-1 alpha-2 list out; it must be the one pycountry gives the rules."""
    text = SCHEMA_PATH.read_text()
    body = text[text.index(f"CREATE TABLE IF NOT EXISTS {table} ("):]
    start = body.index("CHECK (country IN (")
    listed = body[start:body.index("))", start)]
    assert set(re.findall(r"'([A-Z]{2})'", listed)) == COUNTRY_CODES
    assert len(COUNTRY_CODES) == 249                     # ISO 3166-1 as of 2026


@pytest.mark.parametrize("stage_id", [0, 5])
def test_stages_table_refuses_a_stage_outside_1_to_4(empty_db, stage_id):
    with pytest.raises(duckdb.ConstraintException, match=check_failed("stages", "stage_id")):
        insert(empty_db, "stages", dict(stage_id=stage_id, code="offer", name="Offer", is_scored=False))


REFERENCE_COUNTS = {"stages": 4, "dimensions": 5, "tools": 29}
#: Rows schema.sql seeds in data tables: the default weight version 1, one weight per dimension.
SEEDED_COUNTS = {"weight_versions": 1, "dimension_weights": 5}


def test_reference_tables_are_filled(empty_db):
    assert {table: count(empty_db, table) for table in REFERENCE_COUNTS} == REFERENCE_COUNTS
    assert empty_db.frame("SELECT stage_id FROM stages WHERE is_scored ORDER BY 1")["stage_id"].tolist() == [2, 3]


def test_a_new_database_holds_the_default_weights_from_the_earliest_date(empty_db):
    """The seed's 25/25/20/20/10 (scoring.agency.rubric) as version 1, in force from EARLIEST_DATE, by nobody."""
    version = empty_db.frame("SELECT version_id, effective_from, created_by FROM weight_versions")
    assert version.to_dict("records") == [{"version_id": 1, "effective_from": pd.Timestamp(EARLIEST_DATE),
                                           "created_by": None}]
    weights = empty_db.frame("""SELECT d.code, w.weight_pct::DOUBLE AS pct FROM dimension_weights AS w
                                JOIN dimensions AS d USING (dimension_id) WHERE version_id = 1""")
    assert dict(zip(weights["code"], weights["pct"])) == dict(DEFAULT_WEIGHTS_PCT)
    assert {table: count(empty_db, table) for table in SEEDED_COUNTS} == SEEDED_COUNTS


def test_the_next_weight_version_id_follows_the_seeded_one(empty_db):
    with empty_db.transaction() as cur:
        assert next_id(cur, "weight_version_ids") == 2


def test_applying_the_schema_twice_keeps_rows_and_reference_tables(tmp_path):
    path = tmp_path / "twice.duckdb"
    first = Database(path)
    insert_parents(first)
    with first.cursor() as cur:   # the same connection applying it again
        cur.execute(SCHEMA_PATH.read_text())
    first.close()

    second = Database(path)       # a second start-up on the same file
    try:
        assert {table: count(second, table) for table in REFERENCE_COUNTS} == REFERENCE_COUNTS
        for table in {table for table, _ in PARENTS}:
            assert count(second, table) == SEEDED_COUNTS.get(table, 0) + sum(t == table for t, _ in PARENTS), table
        assert second.scalar("SELECT name FROM clients WHERE client_id = 1") == "Acme Analytics"
    finally:
        second.close()


def test_a_database_made_before_not_assessed_dimensions_is_upgraded_on_opening(tmp_path):
    path = tmp_path / "older.duckdb"
    with duckdb.connect(str(path)) as older:     # the scores table as it was: a rating on every row
        older.execute("""CREATE TABLE scores (scorecard_id INTEGER NOT NULL, dimension_id TINYINT NOT NULL,
                                              rating TINYINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
                                              note VARCHAR NOT NULL DEFAULT '',
                                              PRIMARY KEY (scorecard_id, dimension_id))""")
        older.execute("INSERT INTO scores VALUES (1, 1, 4, '')")
    with Database(path) as upgraded:
        columns = upgraded.frame("SELECT column_name, is_nullable FROM information_schema.columns "
                                 "WHERE table_name = 'scores' ORDER BY ordinal_position")
        assert columns.values.tolist() == [["scorecard_id", "NO"], ["dimension_id", "NO"], ["rating", "YES"],
                                           ["note", "NO"], ["not_assessed_reason", "YES"]]
        insert(upgraded, "scores", dict(scorecard_id=1, dimension_id=2, rating=None,
                                        not_assessed_reason="no evidence either way"))
        assert count(upgraded, "scores") == 2
