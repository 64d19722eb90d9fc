"""tests/store/test_pipeline_store.py against PostgreSQL (see conftest.py)."""

from tests.store.test_pipeline_store import *  # noqa: F401,F403
