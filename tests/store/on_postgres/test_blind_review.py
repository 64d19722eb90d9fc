"""tests/store/test_blind_review.py against PostgreSQL (see conftest.py)."""

from tests.store.test_blind_review import *  # noqa: F401,F403
