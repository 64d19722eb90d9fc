"""tests/store/test_scorecards.py against PostgreSQL (see conftest.py)."""

from tests.store.test_scorecards import *  # noqa: F401,F403
