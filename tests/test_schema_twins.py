"""schema.sql (DuckDB) and schema_postgres.sql (PostgreSQL) describe the same tables and constraints."""

from __future__ import annotations

import re

from tests.conftest import ROOT

TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.S)
COLUMN = re.compile(r"^\s+(\w+)\s+[A-Z]", re.M)
CHECKS = re.compile(r"CHECK\s*\(")
TYPE_SPELLINGS = {"TINYINT": "SMALLINT"}


def _tables(path: str) -> dict[str, str]:
    return dict(TABLE.findall((ROOT / path).read_text()))


def _columns(body: str) -> list[str]:
    return [c for c in COLUMN.findall(body) if c not in {"CHECK", "PRIMARY", "UNIQUE", "FOREIGN"}]


def test_both_schemas_have_the_same_tables_and_columns_in_the_same_order():
    duck, postgres = _tables("schema.sql"), _tables("schema_postgres.sql")
    assert len(duck) >= 20 and list(duck) == list(postgres)
    for name in duck:
        assert _columns(duck[name]) and _columns(duck[name]) == _columns(postgres[name]), name


def test_both_schemas_have_the_same_number_of_checks_per_table():
    duck, postgres = _tables("schema.sql"), _tables("schema_postgres.sql")
    for name in duck:
        assert len(CHECKS.findall(duck[name])) == len(CHECKS.findall(postgres[name])), name


def test_both_schemas_name_the_same_sequences():
    pattern = re.compile(r"CREATE SEQUENCE IF NOT EXISTS (\w+)")
    assert pattern.findall((ROOT / "schema.sql").read_text()) == \
        pattern.findall((ROOT / "schema_postgres.sql").read_text())
