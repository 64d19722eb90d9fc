"""tests/store/test_sessions.py against PostgreSQL (see conftest.py)."""

from tests.store.test_sessions import *  # noqa: F401,F403
