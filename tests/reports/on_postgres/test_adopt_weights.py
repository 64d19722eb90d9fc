"""Adopting suggested weights writes a new version: the validity report's write, on PostgreSQL."""

from __future__ import annotations

import pytest

from scoring.store import Database
from tests.reports.test_validity_report import (  # noqa: F401  (collected here, against PostgreSQL)
    test_a_real_improvement_is_adopted_as_an_audited_new_version,
    test_a_suggestion_that_does_not_improve_is_refused,
    test_only_admins_adopt,
)


@pytest.fixture
def demo_db(pg_demo_url) -> Database:
    with Database(pg_demo_url) as db:
        yield db
