"""Sign-in, lock-out and account administration."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from scoring.store import DatabaseError
from scoring.store import accounts
from scoring.store.accounts import LOCKOUT, MAX_FAILED_LOGINS, SignInError

PASSWORD = "demo-password"
WRONG = "not-the-password"
EMAIL = "reviewer@demo.example"
NOW = datetime(2026, 11, 20, 9, 30)
NEW_PASSWORD = "correct horse battery staple"


def stored_hash(db, account_id: int) -> str:
    return db.scalar("SELECT password_hash FROM accounts WHERE account_id = ?", [account_id])


def sign_in_state(db, account_id: int) -> tuple[int, object]:
    row = db.frame("SELECT failed_logins, locked_until FROM accounts WHERE account_id = ?", [account_id]).iloc[0]
    return int(row["failed_logins"]), row["locked_until"]


def refusal(db, email, password, now=NOW) -> str:
    with pytest.raises(SignInError) as refused:
        accounts.authenticate(db, email, password, now=now)
    return str(refused.value)


# -- password storage ---------------------------------------------------------------------------

def test_passwords_are_stored_only_as_argon2id_hashes(agency):
    new_id = accounts.create_account(agency.db, agency.admin, "hash.check@demo.example", "Hash Check", "reviewer",
                                     NEW_PASSWORD)

    for account_id, password in [(new_id, NEW_PASSWORD), (agency.reviewer.account_id, PASSWORD)]:
        value = stored_hash(agency.db, account_id)
        assert value.startswith("$argon2id$")
        assert password not in value


def test_each_hash_has_its_own_salt(agency):
    first = accounts.create_account(agency.db, agency.admin, "one@demo.example", "One", "reviewer", NEW_PASSWORD)
    second = accounts.create_account(agency.db, agency.admin, "two@demo.example", "Two", "reviewer", NEW_PASSWORD)
    assert stored_hash(agency.db, first) != stored_hash(agency.db, second)


def test_a_changed_password_is_hashed_and_replaces_the_old_one(agency):
    reviewer = agency.reviewer
    accounts.update_account(agency.db, agency.admin, reviewer.account_id, password=NEW_PASSWORD)

    value = stored_hash(agency.db, reviewer.account_id)
    assert value.startswith("$argon2id$") and NEW_PASSWORD not in value
    assert accounts.authenticate(agency.db, EMAIL, NEW_PASSWORD, now=NOW).account_id == reviewer.account_id
    assert refusal(agency.db, EMAIL, PASSWORD) == "wrong email or password"


def test_an_account_without_a_password_cannot_sign_in_with_one(agency):
    accounts.create_account(agency.db, agency.admin, "sso.only@demo.example", "Single Sign-On", "ops", None)
    assert refusal(agency.db, "sso.only@demo.example", "") == "wrong email or password"
    assert refusal(agency.db, "sso.only@demo.example", NEW_PASSWORD) == "wrong email or password"


# -- authenticate -------------------------------------------------------------------------------

def test_the_right_password_signs_in(agency):
    signed_in = accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)
    assert signed_in == agency.reviewer


def test_a_wrong_password_reads_the_same_as_an_unknown_email(agency):
    wrong_password = refusal(agency.db, EMAIL, WRONG)
    unknown_email = refusal(agency.db, "nobody@demo.example", WRONG)

    assert wrong_password == unknown_email == "wrong email or password"
    assert EMAIL not in wrong_password


def test_five_failures_lock_the_account_until_the_lock_out_has_passed(agency):
    account_id = agency.reviewer.account_id
    for attempt in range(1, MAX_FAILED_LOGINS):
        assert refusal(agency.db, EMAIL, WRONG) == "wrong email or password"
        assert sign_in_state(agency.db, account_id)[0] == attempt

    assert "too many failed attempts" in refusal(agency.db, EMAIL, WRONG)
    locked_until = sign_in_state(agency.db, account_id)[1]
    assert locked_until == NOW + LOCKOUT
    assert len(agency.audit_entries("lock", account_id)) == 1

    assert "too many failed attempts" in refusal(agency.db, EMAIL, PASSWORD, now=NOW + timedelta(minutes=1))
    assert "too many failed attempts" in refusal(agency.db, EMAIL, PASSWORD, now=NOW + LOCKOUT - timedelta(seconds=1))

    later = NOW + LOCKOUT + timedelta(seconds=1)
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=later).account_id == account_id
    failures, lock = sign_in_state(agency.db, account_id)
    assert failures == 0 and pd.isna(lock)


def test_four_failures_do_not_lock(agency):
    for _ in range(MAX_FAILED_LOGINS - 1):
        refusal(agency.db, EMAIL, WRONG)
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW) == agency.reviewer


def test_a_successful_sign_in_resets_the_failure_count(agency):
    account_id = agency.reviewer.account_id
    for _ in range(3):
        refusal(agency.db, EMAIL, WRONG)
    accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)
    assert sign_in_state(agency.db, account_id)[0] == 0

    for _ in range(MAX_FAILED_LOGINS - 1):
        assert refusal(agency.db, EMAIL, WRONG) == "wrong email or password"
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW) == agency.reviewer


def test_a_deactivated_account_is_refused_and_a_reactivated_one_accepted(agency):
    reviewer = agency.reviewer
    accounts.update_account(agency.db, agency.admin, reviewer.account_id, active=False)

    assert "deactivated" in refusal(agency.db, EMAIL, PASSWORD)
    assert accounts.account_for_email(agency.db, EMAIL) is None

    accounts.update_account(agency.db, agency.admin, reviewer.account_id, active=True)
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW) == reviewer


def test_a_wrong_password_for_a_deactivated_account_reveals_nothing(agency):
    accounts.update_account(agency.db, agency.admin, agency.reviewer.account_id, active=False)
    assert refusal(agency.db, EMAIL, WRONG) == refusal(agency.db, "nobody@demo.example", WRONG)


# -- single sign-on look-up ---------------------------------------------------------------------

@pytest.mark.parametrize("spelling", [EMAIL, "REVIEWER@DEMO.EXAMPLE", "Reviewer@Demo.Example", f"  {EMAIL}\t"])
def test_an_email_maps_to_its_account_whatever_its_case(agency, spelling):
    assert accounts.account_for_email(agency.db, spelling) == agency.reviewer
    assert accounts.authenticate(agency.db, spelling, PASSWORD, now=NOW) == agency.reviewer


def test_an_unknown_email_maps_to_no_account(agency):
    assert accounts.account_for_email(agency.db, "nobody@demo.example") is None


# -- administration -----------------------------------------------------------------------------

def test_creating_an_account_is_audited_without_the_hash(agency):
    admin = agency.admin
    new_id = accounts.create_account(agency.db, admin, "audited@demo.example", "Audited Person", "ops", NEW_PASSWORD)

    entries = agency.audit_entries("create", new_id)
    assert len(entries) == 1
    entry = entries.iloc[0]
    assert entry["entity"] == "account" and int(entry["actor_id"]) == admin.account_id
    assert json.loads(entry["after"]) == {"email": "audited@demo.example", "display_name": "Audited Person",
                                          "role": "ops"}
    assert "argon2" not in entry["after"] and NEW_PASSWORD not in entry["after"]


def test_the_audit_entry_of_a_new_account_matches_the_stored_row(agency):
    new_id = accounts.create_account(agency.db, agency.admin, "  padded@demo.example ", "  Padded Name\t",
                                     "reviewer", None)

    row = agency.db.frame("SELECT email, display_name FROM accounts WHERE account_id = ?", [new_id]).iloc[0]
    assert (row["email"], row["display_name"]) == ("padded@demo.example", "Padded Name")
    logged = json.loads(agency.audit_entries("create", new_id).iloc[0]["after"])
    assert (logged["email"], logged["display_name"]) == (row["email"], row["display_name"])


def test_updating_an_account_is_audited_before_and_after_without_the_hash(agency):
    admin, reviewer = agency.admin, agency.reviewer
    accounts.update_account(agency.db, admin, reviewer.account_id, role="hiring_lead", active=False,
                            password=NEW_PASSWORD)

    entry = agency.audit_entries("update", reviewer.account_id).iloc[0]
    assert int(entry["actor_id"]) == admin.account_id
    assert json.loads(entry["before"]) == {"role": "reviewer", "active": True}
    assert json.loads(entry["after"]) == {"role": "hiring_lead", "active": False, "password": "changed"}
    everything = agency.db.frame("SELECT CAST(before AS VARCHAR) AS b, CAST(after AS VARCHAR) AS a FROM audit_log")
    text = " ".join(everything["b"].fillna("")) + " ".join(everything["a"].fillna(""))
    assert "argon2" not in text and NEW_PASSWORD not in text and PASSWORD not in text


def test_an_email_already_in_use_is_refused_whatever_its_case(agency):
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="already exists"):
        accounts.create_account(agency.db, agency.admin, "REVIEWER@demo.example", "Copy", "reviewer", None)
    assert agency.fingerprint() == before


@pytest.mark.parametrize("padded", [" Reviewer@Demo.Example ", " reviewer@demo.example"])
def test_an_email_in_use_is_refused_even_with_surrounding_spaces(agency, padded):
    before = agency.fingerprint()
    try:
        accounts.create_account(agency.db, agency.admin, padded, "Copy", "reviewer", None)
    except DatabaseError as refused:
        assert "already exists" in str(refused)
    assert agency.fingerprint() == before
    same_address = agency.db.scalar("SELECT count(*) FROM accounts WHERE lower(email) = ?", [EMAIL])
    assert same_address == 1


@pytest.mark.parametrize("role", ["superuser", "", "Reviewer"])
def test_an_unknown_role_is_refused(agency, role):
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="is not one of"):
        accounts.create_account(agency.db, agency.admin, "new@demo.example", "New", role, None)
    with pytest.raises(DatabaseError, match="is not one of"):
        accounts.update_account(agency.db, agency.admin, agency.reviewer.account_id, role=role)
    assert agency.fingerprint() == before
