"""Sign-in, lock-out, session versions and account administration.

Lock-outs under parallel attempts are in test_lockout.py; stale sessions refused by every store
function in test_authorization.py.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import datetime, timedelta

import pandas as pd
import pytest

from scoring.agency.access import StaleSession
from scoring.store import DatabaseError, accounts
from scoring.store.accounts import LOCKOUT, MAX_FAILED_LOGINS, SignInError
from scoring.store.authorization import check_session

PASSWORD = "demo-password"
WRONG = "not-the-password"
EMAIL = "reviewer@demo.example"
NOW = datetime(2026, 11, 20, 9, 30)
NEW_PASSWORD = "correct horse battery staple"


def stored_hash(db, account_id: int) -> str:
    return db.scalar("SELECT password_hash FROM accounts WHERE account_id = ?", [account_id])


def sign_in_state(db, email: str = EMAIL) -> tuple[int, object]:
    """(slots taken since the last success, locked until) for the sign-ins at ``email``."""
    with db.cursor() as cur:
        row = cur.execute("SELECT failed, locked_until FROM sign_in_attempts WHERE email = ?", [email]).fetchone()
    return (0, None) if row is None else (int(row[0]), row[1])


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
        assert sign_in_state(agency.db)[0] == attempt

    assert "too many failed attempts" in refusal(agency.db, EMAIL, WRONG)
    locked_until = sign_in_state(agency.db)[1]
    assert locked_until == NOW + LOCKOUT
    assert len(agency.audit_entries("lock", EMAIL)) == 1

    assert "too many failed attempts" in refusal(agency.db, EMAIL, PASSWORD, now=NOW + timedelta(minutes=1))
    assert "too many failed attempts" in refusal(agency.db, EMAIL, PASSWORD, now=NOW + LOCKOUT - timedelta(seconds=1))

    later = NOW + LOCKOUT + timedelta(seconds=1)
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=later).account_id == account_id
    failures, lock = sign_in_state(agency.db)
    assert failures == 0 and pd.isna(lock)


def test_four_failures_do_not_lock(agency):
    for _ in range(MAX_FAILED_LOGINS - 1):
        refusal(agency.db, EMAIL, WRONG)
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW) == agency.reviewer


def test_a_successful_sign_in_resets_the_failure_count(agency):
    for _ in range(3):
        refusal(agency.db, EMAIL, WRONG)
    accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)
    assert sign_in_state(agency.db)[0] == 0

    for _ in range(MAX_FAILED_LOGINS - 1):
        assert refusal(agency.db, EMAIL, WRONG) == "wrong email or password"
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW) == agency.reviewer


def test_a_deactivated_account_is_refused_and_a_reactivated_one_accepted(agency):
    reviewer = agency.reviewer
    accounts.update_account(agency.db, agency.admin, reviewer.account_id, active=False)

    assert "deactivated" in refusal(agency.db, EMAIL, PASSWORD)
    assert accounts.account_for_email(agency.db, EMAIL) is None

    accounts.update_account(agency.db, agency.admin, reviewer.account_id, active=True)
    assert accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW) == agency.reviewer


def test_a_wrong_password_for_a_deactivated_account_reveals_nothing(agency):
    accounts.update_account(agency.db, agency.admin, agency.reviewer.account_id, active=False)
    assert refusal(agency.db, EMAIL, WRONG) == refusal(agency.db, "nobody@demo.example", WRONG)


# -- what an attempt reveals: an unknown email costs and locks as a known one does -------------------

UNKNOWN = "nobody@demo.example"





def argon2_parameters(password_hash: str) -> list[str]:
    """The variant, version and cost of an encoded Argon2 hash (``$argon2id$v=19$m=..,t=..,p=..$salt$hash``)."""
    return password_hash.split("$")[1:4]


def test_an_unknown_email_checks_one_hash_as_a_wrong_password_does(agency, hashes_checked):
    refusal(agency.db, EMAIL, WRONG)
    refusal(agency.db, UNKNOWN, WRONG)

    account_hash, dummy = hashes_checked
    assert argon2_parameters(dummy) == argon2_parameters(account_hash)


def test_an_account_without_a_password_checks_a_hash_too(agency, hashes_checked):
    accounts.create_account(agency.db, agency.admin, "sso.only@demo.example", "Single Sign-On", "ops", None)
    assert refusal(agency.db, "sso.only@demo.example", NEW_PASSWORD) == "wrong email or password"
    assert len(hashes_checked) == 1 and hashes_checked[0].startswith("$argon2id$")


def test_an_unknown_email_takes_as_long_as_a_wrong_password(agency):
    def seconds(email: str) -> float:
        started = time.perf_counter()
        refusal(agency.db, email, WRONG)
        return time.perf_counter() - started

    wrong = statistics.median(seconds(r.email) for r in agency.reviewers()[:3])
    unknown = statistics.median(seconds(f"nobody{i}@demo.example") for i in range(3))
    assert 0.5 < unknown / wrong < 2, (unknown, wrong)


def test_an_unknown_email_locks_exactly_as_a_known_one(agency):
    known = [refusal(agency.db, EMAIL, WRONG) for _ in range(MAX_FAILED_LOGINS + 1)]
    unknown = [refusal(agency.db, UNKNOWN, WRONG) for _ in range(MAX_FAILED_LOGINS + 1)]

    assert known == unknown
    assert known[:MAX_FAILED_LOGINS - 1] == ["wrong email or password"] * (MAX_FAILED_LOGINS - 1)
    assert known[-2] == f"too many failed attempts; locked until {NOW + LOCKOUT:%H:%M}"
    assert known[-1] == f"too many failed attempts; try again after {NOW + LOCKOUT:%H:%M}"
    assert sign_in_state(agency.db, UNKNOWN) == sign_in_state(agency.db, EMAIL) == (MAX_FAILED_LOGINS,
                                                                                    NOW + LOCKOUT)


def test_a_locked_email_checks_no_hash_even_for_the_right_password(agency, hashes_checked):
    for _ in range(MAX_FAILED_LOGINS):
        refusal(agency.db, EMAIL, WRONG)
    hashes_checked.clear()

    for minutes in (1, 14):
        assert "try again after" in refusal(agency.db, EMAIL, PASSWORD, now=NOW + timedelta(minutes=minutes))
    assert hashes_checked == []


@pytest.mark.parametrize("spellings", [["REVIEWER@DEMO.EXAMPLE", f" {EMAIL} ", "Reviewer@Demo.Example", EMAIL,
                                        f"{EMAIL}\t"]])
def test_every_spelling_of_an_email_counts_against_the_same_lock(agency, spellings):
    for spelling in spellings:
        refusal(agency.db, spelling, WRONG)
    assert sign_in_state(agency.db) == (MAX_FAILED_LOGINS, NOW + LOCKOUT)
    assert "try again after" in refusal(agency.db, EMAIL, PASSWORD)


def test_once_a_lock_has_passed_the_count_starts_again(agency):
    for _ in range(MAX_FAILED_LOGINS):
        refusal(agency.db, EMAIL, WRONG)
    later = NOW + LOCKOUT + timedelta(seconds=1)

    assert refusal(agency.db, EMAIL, WRONG, now=later) == "wrong email or password"
    assert sign_in_state(agency.db) == (1, None)


def test_a_new_password_lifts_the_lock_out(agency):
    for _ in range(MAX_FAILED_LOGINS):
        refusal(agency.db, EMAIL, WRONG)
    accounts.update_account(agency.db, agency.admin, agency.reviewer.account_id, password=NEW_PASSWORD)

    assert sign_in_state(agency.db) == (0, None)
    assert accounts.authenticate(agency.db, EMAIL, NEW_PASSWORD, now=NOW) == agency.reviewer


def test_the_admins_list_shows_failed_attempts_and_lock_outs(agency):
    refusal(agency.db, "lead@demo.example", WRONG)
    for _ in range(MAX_FAILED_LOGINS):
        refusal(agency.db, EMAIL, WRONG)

    listed = accounts.list_accounts(agency.db, agency.admin).set_index("email")
    assert listed.loc[EMAIL, "failed_logins"] == MAX_FAILED_LOGINS
    assert listed.loc[EMAIL, "locked_until"] == NOW + LOCKOUT
    assert listed.loc["lead@demo.example", "failed_logins"] == 1
    assert pd.isna(listed.loc["lead@demo.example", "locked_until"])
    assert listed.loc["ops@demo.example", "failed_logins"] == 0


@pytest.mark.parametrize("typed, key", [
    ("  Reviewer@Demo.Example\t", "reviewer@demo.example"),
    ("e\u0301lise@demo.example", "\u00e9lise@demo.example"),            # decomposed é becomes one character
    ("nul\x00@demo.example", "nul\ufffd@demo.example"),                 # PostgreSQL stores no NUL
])
def test_the_email_attempts_are_counted_under(typed, key):
    assert accounts.sign_in_key(typed) == key


def test_text_longer_than_any_email_is_counted_under_its_digest(agency):
    typed = "x" * 10_000 + "@demo.example"
    key = accounts.sign_in_key(typed)
    assert key.startswith("sha256:") and len(key) == len("sha256:") + 64
    for _ in range(MAX_FAILED_LOGINS):
        refusal(agency.db, typed, WRONG)
    assert "try again after" in refusal(agency.db, typed, WRONG)


# -- session versions: what ends the sessions signed in before -----------------------------------------

def session_version(db, account_id: int) -> int:
    return int(db.scalar("SELECT session_version FROM accounts WHERE account_id = ?", [account_id]))


def test_a_sign_in_carries_the_accounts_session_version(agency):
    accounts.update_account(agency.db, agency.admin, agency.reviewer.account_id, active=False)
    accounts.update_account(agency.db, agency.admin, agency.reviewer.account_id, active=True)

    signed_in = accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)
    assert signed_in.session_version == session_version(agency.db, signed_in.account_id) == 2
    assert check_session(agency.db, signed_in) == signed_in


ENDINGS = {
    "sign-out": lambda agency, me: accounts.sign_out(agency.db, me),
    "deactivation": lambda agency, me: accounts.update_account(agency.db, agency.admin, me.account_id, active=False),
    "role change": lambda agency, me: accounts.update_account(agency.db, agency.admin, me.account_id,
                                                              role="hiring_lead"),
    "new password": lambda agency, me: accounts.update_account(agency.db, agency.admin, me.account_id,
                                                               password=NEW_PASSWORD),
    "disabled by the operator": lambda agency, me: accounts.operator_set_active(agency.db, me.email, False),
    "password reset by the operator": lambda agency, me: accounts.operator_reset_password(agency.db, me.email,
                                                                                          NEW_PASSWORD),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_each_change_that_ends_sessions_moves_the_version_on_by_one(agency, ending):
    me = accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)
    other_session = accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)

    ENDINGS[ending](agency, me)

    assert session_version(agency.db, me.account_id) == me.session_version + 1
    for session in (me, other_session):
        with pytest.raises(StaleSession):
            check_session(agency.db, session)


def test_a_change_that_changes_nothing_ends_no_session(agency):
    me = accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)
    accounts.update_account(agency.db, agency.admin, me.account_id, role="reviewer", active=True)
    assert check_session(agency.db, me) == me


def test_signing_out_a_session_that_has_ended_is_refused_and_changes_nothing(agency):
    me = accounts.authenticate(agency.db, EMAIL, PASSWORD, now=NOW)
    accounts.sign_out(agency.db, me)
    with pytest.raises(StaleSession):
        accounts.sign_out(agency.db, me)
    assert session_version(agency.db, me.account_id) == me.session_version + 1


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


# -- the last active admin ------------------------------------------------------------------------
# Without an active admin nobody could manage accounts or weights from the dashboard, so the store
# refuses to demote or deactivate the last one, whoever asks: an admin on the page, the store, or the
# operator's ``scorecard accounts disable``.

LAST_ADMIN_CHANGES = [pytest.param({"role": "hiring_lead"}, id="demoted"),
                      pytest.param({"active": False}, id="deactivated")]


def second_admin(agency, active: bool = True) -> int:
    account_id = accounts.create_account(agency.db, agency.admin, "second.admin@demo.example", "Sam Second",
                                         "admin", None)
    if not active:
        accounts.update_account(agency.db, agency.admin, account_id, active=False)
    return account_id


@pytest.mark.parametrize("change", LAST_ADMIN_CHANGES)
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(agency, change):
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="admin@demo.example is the last active admin"):
        accounts.update_account(agency.db, agency.admin, agency.admin.account_id, **change)
    assert agency.fingerprint() == before


@pytest.mark.parametrize("change", LAST_ADMIN_CHANGES)
def test_an_inactive_admin_does_not_count(agency, change):
    second_admin(agency, active=False)
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="last active admin"):
        accounts.update_account(agency.db, agency.admin, agency.admin.account_id, **change)
    assert agency.fingerprint() == before


@pytest.mark.parametrize("change", LAST_ADMIN_CHANGES)
def test_with_another_active_admin_an_admin_may_step_down(agency, change):
    other = second_admin(agency)
    signed_in = agency.person("second.admin@demo.example")
    accounts.update_account(agency.db, agency.admin, agency.admin.account_id, **change)
    check_session(agency.db, signed_in)         # the check ends no other admin's session
    with pytest.raises(DatabaseError, match="second.admin@demo.example is the last active admin"):
        accounts.update_account(agency.db, signed_in, other, **change)


def test_the_last_admin_may_still_change_their_password(agency):
    accounts.update_account(agency.db, agency.admin, agency.admin.account_id, password=NEW_PASSWORD)
    assert accounts.authenticate(agency.db, agency.admin.email, NEW_PASSWORD, now=NOW).role == "admin"


def test_the_operator_cannot_disable_the_last_active_admin(agency):
    before = agency.fingerprint()
    with pytest.raises(DatabaseError, match="last active admin"):
        accounts.operator_set_active(agency.db, agency.admin.email, False)
    assert agency.fingerprint() == before


def test_scorecard_accounts_disable_refuses_the_last_active_admin_in_a_sentence(agency, capsys):
    from scoring.cli import main

    before = agency.fingerprint()
    assert main(["accounts", "disable", "--email", agency.admin.email, "--db", agency.db.location]) == 1
    error = capsys.readouterr().err
    assert "admin@demo.example is the last active admin" in error and "Traceback" not in error
    assert agency.fingerprint() == before


def test_two_admins_stepping_down_at_once_leave_one_active(agency):
    """Each removes the other of the last two admins: one change wins, the other is refused."""
    from tests.store.test_concurrency import run_together

    other = second_admin(agency)
    for _ in range(3):
        outcomes = run_together([
            lambda: accounts.operator_set_active(agency.db, agency.admin.email, False),
            lambda: accounts.operator_set_active(agency.db, "second.admin@demo.example", False)])
        errors = [error for _, error in outcomes if error is not None]
        assert len(errors) == 1 and "last active admin" in str(errors[0]), outcomes
        assert agency.db.scalar("SELECT count(*) FROM accounts WHERE role = 'admin' AND active") == 1
        for account_id in (agency.admin.account_id, other):
            accounts.operator_set_active(agency.db, agency.db.scalar(
                "SELECT email FROM accounts WHERE account_id = ?", [account_id]), True)
