"""The vocabulary declared in scoring.domain is the one schema.sql stores and enforces.

Each reference table (stages, dimensions, tools, the default weight version) and each constraint
that spells the vocabulary out (scored stages, the rating scale, seniorities, tool categories) is
read twice: from a fresh in-memory DuckDB built from schema.sql, and from the schema text itself.
"""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pytest

from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT, DIMENSIONS
from scoring.domain.ratings import LEVELS, RATING_MAX, RATING_MIN
from scoring.domain.seniorities import SENIORITIES
from scoring.domain.stages import SCORED_STAGES, Stage, sql_list
from scoring.domain.tools import CATEGORIES, TOOLS
from scoring.store.db import SCHEMA_PATH

SCHEMA_TEXT = SCHEMA_PATH.read_text()


@pytest.fixture(scope="module")
def schema() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(SCHEMA_TEXT)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return [tuple(row) for row in con.execute(sql).fetchall()]


def checks(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    """The CHECK expressions DuckDB holds on ``table`` that involve ``column`` alone."""
    return [expression for (expression,) in con.execute(
        "SELECT expression FROM duckdb_constraints() WHERE constraint_type = 'CHECK' AND table_name = ? "
        "AND constraint_column_names = [?]", [table, column]).fetchall()]


def table_text(table: str) -> str:
    """The CREATE TABLE statement of ``table`` in schema.sql."""
    match = re.search(rf"CREATE TABLE IF NOT EXISTS {table} \((.*?)\n\);", SCHEMA_TEXT, re.S)
    assert match, f"schema.sql has no table {table}"
    return match.group(1)


def quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


# -- reference rows ----------------------------------------------------------------------------------


def test_stages_rows_are_the_stage_enum(schema):
    stored = rows(schema, "SELECT stage_id, code, name, is_scored FROM stages ORDER BY stage_id")
    assert stored == [(int(s), s.code, s.label, s.is_scored) for s in Stage]


def test_dimensions_rows_are_the_declared_dimensions(schema):
    stored = rows(schema, "SELECT dimension_id, code, name, scope FROM dimensions ORDER BY dimension_id")
    assert stored == [(d.id, d.code, d.name, d.scope) for d in DIMENSIONS]


def test_tools_rows_are_the_catalogue(schema):
    stored = rows(schema, "SELECT tool_id, name, category FROM tools ORDER BY tool_id")
    assert stored == [(t.id, t.name, t.category) for t in TOOLS]


def test_weight_version_1_holds_the_default_weights(schema):
    stored = rows(schema, """
        SELECT d.code, w.weight_pct FROM dimension_weights w JOIN dimensions d USING (dimension_id)
        WHERE w.version_id = 1 ORDER BY d.dimension_id""")
    assert stored == [(code, Decimal(pct)) for code, pct in DEFAULT_WEIGHTS_PCT.items()]
    assert rows(schema, "SELECT count(*) FROM weight_versions") == [(1,)]


# -- constraints -------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["scorecards", "calibration_items"])
def test_only_scored_stages_have_scorecards(schema, table):
    expected = f"stage_id IN ({sql_list(SCORED_STAGES)})"
    assert checks(schema, table, "stage_id") == [f"({expected})"]
    assert f"CHECK ({expected})" in table_text(table)


def test_the_stage_and_dimension_ids_are_bounded_by_the_declarations(schema):
    assert checks(schema, "stages", "stage_id") == [f"(stage_id BETWEEN {min(Stage)} AND {max(Stage)})"]
    ids = [d.id for d in DIMENSIONS]
    assert ids == list(range(min(ids), max(ids) + 1))
    assert checks(schema, "dimensions", "dimension_id") == [f"(dimension_id BETWEEN {min(ids)} AND {max(ids)})"]


def test_a_rating_is_on_the_declared_scale(schema):
    assert LEVELS == tuple(range(RATING_MIN, RATING_MAX + 1))
    expected = f"rating BETWEEN {RATING_MIN} AND {RATING_MAX}"
    assert checks(schema, "scores", "rating") == [f"({expected})"]
    assert f"CHECK ({expected})" in table_text("scores")


@pytest.mark.parametrize("table", ["searches", "candidates"])
def test_a_seniority_is_one_of_the_declared_seniorities(schema, table):
    expected = f"seniority IN ({quoted(SENIORITIES)})"
    assert checks(schema, table, "seniority") == [f"({expected})"]
    assert f"CHECK ({expected})" in table_text(table)


def test_a_tool_category_is_one_of_the_declared_categories(schema):
    expected = f"category IN ({quoted(CATEGORIES)})"
    assert checks(schema, "tools", "category") == [f"({expected})"]
    assert f"CHECK ({expected})" in " ".join(table_text("tools").split())


def test_no_other_scored_stage_check_is_spelled_out():
    """Every stage list in schema.sql's CHECKs is the scored stages'; a new literal list would drift."""
    lists = re.findall(r"stage_id IN \(([^)]*)\)", SCHEMA_TEXT)
    assert lists and set(lists) == {sql_list(SCORED_STAGES)}
