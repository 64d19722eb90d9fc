"""Fixtures shared by the report tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scoring.store import Database
from tests import client_month_fixture


@pytest.fixture(scope="module")
def scored_agency(tmp_path_factory) -> Iterator[Database]:
    """The agency of :mod:`tests.client_month_fixture` (its today: 30 June 2025), whose March 2025 shortlists
    carry take-home scorecards; opened once per module, to read and never to write."""
    with Database(client_month_fixture.build(tmp_path_factory.mktemp("scored") / "agency.duckdb")) as db:
        yield db
