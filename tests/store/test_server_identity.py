"""The server's own identities, which compute the shared reports in the background, may only read, and only
the audit's identity reads self-identification."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.agency.access import (
    AUDIT_SERVER,
    BACKGROUND_READS,
    PERMISSIONS,
    SERVER,
    SERVER_READS,
    Account,
    PermissionDenied,
    StaleSession,
    background_identity,
)
from scoring.domain.dimensions import DIMENSION_CODES
from scoring.store import weights
from scoring.store.authorization import authorize, check_session

EACH_READ = [(identity, permission) for identity, reads in BACKGROUND_READS for permission in sorted(reads)]
EVERYTHING_ELSE = [(identity, permission) for identity, reads in BACKGROUND_READS
                   for permission in sorted(set(PERMISSIONS) - reads)]


def _named(value):
    return value.email.split("@")[0] if isinstance(value, Account) else value


@pytest.mark.parametrize(("identity", "permission"), EACH_READ, ids=_named)
def test_the_server_makes_its_reads(empty_db, identity, permission):
    assert authorize(empty_db, identity, permission) is identity


@pytest.mark.parametrize(("identity", "permission"), EVERYTHING_ELSE, ids=_named)
def test_the_server_is_refused_everything_else(empty_db, identity, permission):
    with pytest.raises(PermissionDenied, match="may only read"):
        authorize(empty_db, identity, permission)


@pytest.mark.parametrize("identity", [SERVER, AUDIT_SERVER], ids=_named)
def test_the_server_is_refused_a_call_that_names_no_permission(empty_db, identity):
    with pytest.raises(PermissionDenied, match="may only read"):
        authorize(empty_db, identity)


def test_only_the_audit_figures_are_computed_as_the_identity_that_reads_self_identification():
    assert "read_self_identification" not in SERVER_READS
    assert {p for p in PERMISSIONS if background_identity(p) is AUDIT_SERVER} == {"read_fairness",
                                                                                   "read_self_identification"}


def test_the_server_cannot_write_even_through_a_store_function(empty_db):
    with pytest.raises(PermissionDenied):
        weights.add_version(empty_db, SERVER, dict.fromkeys(DIMENSION_CODES, 20), date(2030, 1, 1), "no",
                            date(2029, 12, 1))


def test_an_equal_copy_of_the_server_is_an_account_without_a_row(empty_db):
    copy = Account(SERVER.account_id, SERVER.email, SERVER.display_name, SERVER.role)
    assert copy == SERVER and copy is not SERVER
    with pytest.raises(StaleSession):
        check_session(empty_db, copy)
