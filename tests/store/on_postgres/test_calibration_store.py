"""tests/store/test_calibration_store.py against PostgreSQL (see conftest.py)."""

from tests.store.test_calibration_store import *  # noqa: F401,F403
