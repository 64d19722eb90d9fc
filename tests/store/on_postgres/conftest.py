"""The store's specifications, run a second time with their databases in PostgreSQL.

Each module here collects the tests of one module of ``tests/store``; the fixtures below stand in
for that folder's databases, so every write, refusal and read is proven on both backends.
"""

from __future__ import annotations

import pytest

from scoring.store import Database


@pytest.fixture
def demo_db(pg_demo_url) -> Database:
    with Database(pg_demo_url) as db:
        yield db


@pytest.fixture(scope="module")
def module_demo_db(postgres, pg_demo_template) -> Database:
    """A copy of the small demo agency in PostgreSQL shared by the checks of one module."""
    with Database(postgres.create(template=pg_demo_template)) as db:
        yield db


@pytest.fixture
def empty_db(pg_url) -> Database:
    with Database(pg_url) as db:
        yield db


@pytest.fixture(scope="module")
def template(postgres) -> str:
    """The hand-built agency of the ops specifications, in PostgreSQL: the name of its database."""
    from tests.ops_fixture import build

    url = postgres.create()
    build(url)
    return url.rsplit("/", 1)[1]


@pytest.fixture
def db(postgres, template) -> Database:
    with Database(postgres.create(template=template)) as handle:
        yield handle
