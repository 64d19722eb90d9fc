"""The server's own identity, which computes the shared reports in the background, may only read."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.agency.access import PERMISSIONS, SERVER, SERVER_READS, Account, PermissionDenied, StaleSession
from scoring.domain.dimensions import DIMENSION_CODES
from scoring.store import weights
from scoring.store.authorization import authorize, check_session


@pytest.mark.parametrize("permission", sorted(SERVER_READS))
def test_the_server_makes_its_reads(empty_db, permission):
    assert authorize(empty_db, SERVER, permission) is SERVER


@pytest.mark.parametrize("permission", sorted(set(PERMISSIONS) - SERVER_READS))
def test_the_server_is_refused_everything_else(empty_db, permission):
    with pytest.raises(PermissionDenied, match="may only read"):
        authorize(empty_db, SERVER, permission)


def test_the_server_is_refused_a_call_that_names_no_permission(empty_db):
    with pytest.raises(PermissionDenied, match="may only read"):
        authorize(empty_db, SERVER)


def test_the_server_cannot_write_even_through_a_store_function(empty_db):
    with pytest.raises(PermissionDenied):
        weights.add_version(empty_db, SERVER, dict.fromkeys(DIMENSION_CODES, 20), date(2030, 1, 1), "no",
                            date(2029, 12, 1))


def test_an_equal_copy_of_the_server_is_an_account_without_a_row(empty_db):
    copy = Account(SERVER.account_id, SERVER.email, SERVER.display_name, SERVER.role)
    assert copy == SERVER and copy is not SERVER
    with pytest.raises(StaleSession):
        check_session(empty_db, copy)
