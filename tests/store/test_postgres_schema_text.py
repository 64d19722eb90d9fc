"""The PostgreSQL schema is schema.sql itself, with only the type PostgreSQL lacks renamed."""

from __future__ import annotations

from scoring.store.db import SCHEMA_PATH, postgres_schema


def test_the_postgres_schema_differs_from_schema_sql_only_in_tinyint():
    original = SCHEMA_PATH.read_text()
    translated = postgres_schema()
    assert "TINYINT" in original and "TINYINT" not in translated
    assert translated == original.replace("TINYINT", "SMALLINT")
