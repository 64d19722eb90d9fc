"""tests/store/test_lockout.py against PostgreSQL, the attempts spread over two handles as two replicas hold."""

import pytest

from scoring.store import Database
from tests.store.test_lockout import *  # noqa: F401,F403


@pytest.fixture
def handles(pg_demo_url):
    """Two handles on one PostgreSQL database: the attempts alternate between them."""
    with Database(pg_demo_url) as first, Database(pg_demo_url) as second:
        yield [first, second]
