"""tests/store/test_recently_scored.py against PostgreSQL (see conftest.py)."""

from tests.store.test_recently_scored import *  # noqa: F401,F403
