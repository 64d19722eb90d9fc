"""tests/store/test_weights.py against PostgreSQL (see conftest.py)."""

from tests.store.test_weights import *  # noqa: F401,F403
