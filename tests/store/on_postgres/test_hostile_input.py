"""tests/store/test_hostile_input.py against PostgreSQL (see conftest.py)."""

from tests.store.test_hostile_input import *  # noqa: F401,F403
