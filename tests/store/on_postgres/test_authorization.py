"""tests/store/test_authorization.py against PostgreSQL (see conftest.py)."""

from tests.store.test_authorization import *  # noqa: F401,F403
