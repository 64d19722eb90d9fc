"""tests/store/test_ops_store.py against PostgreSQL (see conftest.py)."""

from tests.store.test_ops_store import *  # noqa: F401,F403
