"""tests/store/test_scorecards.py against PostgreSQL (see conftest.py), the racing saves made through two
handles on one database, as two replicas make them."""

import pytest

from scoring.store import Database
from tests.store.test_scorecards import *  # noqa: F401,F403


@pytest.fixture
def handles(agency):
    """The test's database handle and a second one on the same PostgreSQL database."""
    with Database(agency.db.location) as second:
        yield [agency.db, second]
