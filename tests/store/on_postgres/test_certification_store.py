"""tests/store/test_certification_store.py against PostgreSQL (see conftest.py)."""

from tests.store.test_certification_store import *  # noqa: F401,F403
