"""tests/store/test_accounts.py against PostgreSQL (see conftest.py)."""

from tests.store.test_accounts import *  # noqa: F401,F403
