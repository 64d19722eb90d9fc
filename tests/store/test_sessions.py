"""Browser sessions: a token that keeps a person signed in across reloads for a working day, no longer,
and that every change ending the account's sessions revokes.

The browser side (cookie written, reload, sign-out, deep link) is in tests/browser/test_sessions.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from scoring.agency.access import StaleSession
from scoring.store import DatabaseError, accounts, sessions
from scoring.store.sessions import SESSION_LIFETIME, SessionRefused, resume_session, start_session, token_digest

SIGNED_IN_AT = datetime(2026, 11, 20, 8, 0)
NEW_PASSWORD = "correct horse battery staple"


def refusal(db, token: str, now: datetime | None = None) -> str:
    with pytest.raises(SessionRefused) as refused:
        resume_session(db, token, now=now)
    return refused.value.reason


def session_rows(db, account_id: int):
    return db.frame("SELECT * FROM sessions WHERE account_id = ? ORDER BY created_at", [account_id])


# -- a working day, across reloads ---------------------------------------------------------------

def test_a_token_brings_the_account_back_with_its_current_name_role_and_version(agency):
    lead = agency.lead
    token = start_session(agency.db, lead)
    assert resume_session(agency.db, token) == lead


def test_a_session_lasts_ten_hours_from_sign_in_then_expires(agency):
    assert SESSION_LIFETIME == timedelta(hours=10)
    token = start_session(agency.db, agency.ops, now=SIGNED_IN_AT)

    last_minute = SIGNED_IN_AT + SESSION_LIFETIME - timedelta(minutes=1)
    assert resume_session(agency.db, token, now=last_minute).email == "ops@demo.example"
    assert refusal(agency.db, token, now=SIGNED_IN_AT + SESSION_LIFETIME) == SessionRefused.EXPIRED
    assert refusal(agency.db, token, now=SIGNED_IN_AT + timedelta(days=3)) == SessionRefused.EXPIRED


def test_each_sign_in_gets_its_own_unguessable_token(agency):
    tokens = {start_session(agency.db, agency.reviewer) for _ in range(5)}
    assert len(tokens) == 5
    assert all(len(token) >= 43 for token in tokens)       # 32 random bytes, URL-safe base64


def test_only_a_hash_of_the_token_is_stored(agency):
    token = start_session(agency.db, agency.admin)
    stored = agency.db.frame("SELECT * FROM sessions")

    assert stored["token_sha256"].tolist() == [token_digest(token)]
    assert not stored.astype(str).apply(lambda column: column.str.contains(token, regex=False)).any().any()
    assert refusal(agency.db, token_digest(token)) == SessionRefused.UNKNOWN     # the hash is not a token


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43, "'; DROP TABLE sessions; --"])
def test_a_token_never_issued_is_refused(agency, token):
    start_session(agency.db, agency.lead)
    assert refusal(agency.db, token) == SessionRefused.UNKNOWN


def test_a_session_cannot_be_started_for_a_sign_in_that_has_ended(agency):
    lead = agency.lead
    accounts.update_account(agency.db, agency.admin, lead.account_id, role="ops")
    with pytest.raises(StaleSession):
        start_session(agency.db, lead)
    assert session_rows(agency.db, lead.account_id).empty


def test_the_table_refuses_a_session_that_ends_before_it_starts(agency):
    with pytest.raises(Exception, match="(?i)check constraint"):
        agency.db.write(lambda cur: cur.execute(
            "INSERT INTO sessions VALUES (?, ?, 0, ?, ?, NULL)",
            ["0" * 64, agency.lead.account_id, SIGNED_IN_AT, SIGNED_IN_AT]))


# -- what revokes a session ------------------------------------------------------------------------

def test_signing_out_revokes_every_session_of_the_account(agency):
    reviewer = agency.reviewer
    here, elsewhere = start_session(agency.db, reviewer), start_session(agency.db, reviewer)
    others = start_session(agency.db, agency.lead)

    accounts.sign_out(agency.db, reviewer)

    assert refusal(agency.db, here) == SessionRefused.ENDED
    assert refusal(agency.db, elsewhere) == SessionRefused.ENDED
    assert session_rows(agency.db, reviewer.account_id)["revoked_at"].notna().all()
    assert resume_session(agency.db, others) == agency.lead        # another account is untouched


@pytest.mark.parametrize("change", [{"password": NEW_PASSWORD}, {"role": "hiring_lead"}],
                         ids=["new password", "new role"])
def test_an_admins_change_revokes_the_accounts_sessions(agency, change):
    ops = agency.ops
    token = start_session(agency.db, ops)
    accounts.update_account(agency.db, agency.admin, ops.account_id, **change)

    assert refusal(agency.db, token) == SessionRefused.ENDED
    assert session_rows(agency.db, ops.account_id)["revoked_at"].notna().all()


def test_deactivating_the_account_revokes_its_sessions(agency):
    ops = agency.ops
    token = start_session(agency.db, ops)
    accounts.update_account(agency.db, agency.admin, ops.account_id, active=False)

    assert refusal(agency.db, token) == SessionRefused.DEACTIVATED
    assert session_rows(agency.db, ops.account_id)["revoked_at"].notna().all()
    accounts.update_account(agency.db, agency.admin, ops.account_id, active=True)
    assert refusal(agency.db, token) == SessionRefused.ENDED           # enabling again brings none back


def test_the_operators_password_reset_and_disable_revoke_sessions(agency):
    reviewer, lead = agency.reviewer, agency.lead
    reset, disabled = start_session(agency.db, reviewer), start_session(agency.db, lead)

    accounts.operator_reset_password(agency.db, reviewer.email, NEW_PASSWORD)
    accounts.operator_set_active(agency.db, lead.email, False)

    assert refusal(agency.db, reset) == SessionRefused.ENDED
    assert refusal(agency.db, disabled) == SessionRefused.DEACTIVATED


def test_a_change_that_changes_nothing_keeps_the_session(agency):
    ops = agency.ops
    token = start_session(agency.db, ops)
    accounts.update_account(agency.db, agency.admin, ops.account_id, role="ops", active=True)
    assert resume_session(agency.db, token) == ops


def test_a_session_whose_account_version_moved_on_is_refused_even_without_its_row_revoked(agency):
    """The version is the second lock: a change that moved it on ends the session on its own."""
    lead = agency.lead
    token = start_session(agency.db, lead)
    agency.db.write(lambda cur: cur.execute(
        "UPDATE accounts SET session_version = session_version + 1 WHERE account_id = ?", [lead.account_id]))
    assert refusal(agency.db, token) == SessionRefused.ENDED


def test_a_refused_change_revokes_nothing(agency):
    admin = agency.admin
    token = start_session(agency.db, admin)
    with pytest.raises(DatabaseError, match="last active admin"):
        accounts.update_account(agency.db, admin, admin.account_id, active=False)
    assert resume_session(agency.db, token) == admin


def test_a_new_sign_in_after_a_sign_out_gets_a_session_that_works(agency):
    reviewer = agency.reviewer
    accounts.sign_out(agency.db, reviewer)
    again = accounts.authenticate(agency.db, reviewer.email, "demo-password")
    assert resume_session(agency.db, start_session(agency.db, again)) == again


# -- housekeeping ----------------------------------------------------------------------------------

def test_rows_of_sessions_long_expired_are_deleted_at_the_next_sign_in(agency):
    old = start_session(agency.db, agency.lead, now=SIGNED_IN_AT)
    recent = start_session(agency.db, agency.lead, now=SIGNED_IN_AT + timedelta(days=1))

    start_session(agency.db, agency.ops, now=SIGNED_IN_AT + SESSION_LIFETIME + sessions.KEEP_ENDED
                  + timedelta(minutes=1))

    kept = set(agency.db.frame("SELECT token_sha256 FROM sessions")["token_sha256"])
    assert token_digest(old) not in kept and token_digest(recent) in kept
