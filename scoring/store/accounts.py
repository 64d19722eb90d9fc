"""Accounts: sign-in with lock-out, look-up for single sign-on, admin changes and operator commands."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import NamedTuple

import duckdb
import pandas as pd

from scoring.agency import records as rules
from scoring.agency.access import ROLES, Account
from scoring.agency.passwords import hash_password, verify_password
from scoring.store.authorization import authorize, operator_command, sign_in_step
from scoring.store.db import (
    POSTGRES_CATALOG,
    Database,
    DatabaseError,
    audit,
    is_constraint_violation,
    is_write_conflict,
    next_id,
    on_postgres,
    scalar_of,
    storable_text,
)
from scoring.store.sessions import revoke_sessions

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
WRONG_EMAIL_OR_PASSWORD = "wrong email or password"
_ACCOUNT_COLUMNS = "account_id, email, display_name, role, session_version"
#: Longer than any email address can be (RFC 5321): counted under a digest instead of the text.
_LONGEST_KEY = 254
#: How often an attempt tries again to take a slot when a concurrent attempt took the row first.
_SLOT_TRIES = 8
#: One statement takes a sign-in slot for an email, or changes nothing when the email is locked: a
#: new row, or one more slot, the fifth locking the email, or, once a lock has passed, a fresh
#: count. ``attempt`` tells the attempt that took the slot from any other. Written once for both
#: backends: bound parameters on DuckDB, literals on PostgreSQL (:func:`_postgres_literal`).
_TAKE_SLOT = """
    INSERT INTO sign_in_attempts AS s (email, failed, locked_until, attempt)
    VALUES ($email, 1, CASE WHEN 1 >= $most THEN $lock END, $attempt)
    ON CONFLICT (email) DO UPDATE SET
        failed = CASE WHEN s.locked_until <= $now THEN 1 ELSE s.failed + 1 END,
        locked_until = CASE WHEN (CASE WHEN s.locked_until <= $now THEN 1 ELSE s.failed + 1 END) >= $most
                            THEN $lock END,
        attempt = excluded.attempt
    WHERE s.failed < $most OR s.locked_until <= $now"""


class SignInError(Exception):
    """Sign-in refused. The message never reveals whether the email exists."""


def _account(row) -> Account:
    """An :class:`Account` from a row holding :data:`_ACCOUNT_COLUMNS` (a Series, or a tuple in that order)."""
    if not isinstance(row, pd.Series):
        row = pd.Series(row[:5], index=_ACCOUNT_COLUMNS.split(", "))
    return Account(int(row["account_id"]), row["email"], row["display_name"], row["role"],
                   int(row["session_version"] or 0))


def sign_in_key(email: str) -> str:
    """What sign-in attempts at ``email`` are counted under: the email as typed, in Unicode NFC,
    trimmed and lower-case, so that no spelling of one address gets a count of its own.

    A NUL (which PostgreSQL cannot store) becomes U+FFFD; text longer than any email address becomes
    its SHA-256, so no typed text is too long to count.
    """
    key = unicodedata.normalize("NFC", email).strip().lower().replace("\x00", "\ufffd")
    if len(key) > _LONGEST_KEY:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


@sign_in_step
def authenticate(db: Database, email: str, password: str, now: datetime | None = None) -> Account:
    """The account for ``email`` if ``password`` matches; at most five checks before a lock-out.

    Every attempt first takes a slot for the email in one statement (:data:`_TAKE_SLOT`), whether or
    not an account has that email. The fifth slot locks the email for :data:`LOCKOUT`: attempts made
    in parallel cannot check more than :data:`MAX_FAILED_LOGINS` passwords between them, and one
    made during the lock checks none. Only an attempt holding a slot checks an Argon2 hash: the
    account's, or a dummy one when no account (or no password) goes with the email, so an unknown
    email takes as long as a wrong password, and locks the same way. A successful sign-in frees
    every slot.

    Returns
    -------
    Account
        With the session version it signs in with.

    Raises
    ------
    SignInError
        Wrong email or password, a locked email (with when it unlocks), an inactive account (said
        only to someone who gave its password), or too many attempts at the very same moment.
    """
    now = now or datetime.now()
    key = sign_in_key(email)
    slot = _take_slot(db, key, now)
    with db.cursor() as cur:
        row = cur.execute(f"SELECT {_ACCOUNT_COLUMNS}, password_hash, active FROM accounts "
                          "WHERE lower(email) = lower(?)", [key]).fetchone()
    password_hash = row[5] if row is not None else None
    matches = verify_password(password_hash or _dummy_hash(), password) and password_hash is not None
    if not matches:
        if slot.locks:
            db.write(lambda cur: audit(cur, None, "lock", "sign_in", key, after={"locked_until": slot.locked_until}))
            raise SignInError(f"too many failed attempts; locked until {slot.locked_until:%H:%M}")
        raise SignInError(WRONG_EMAIL_OR_PASSWORD)
    if row is None or not row[6]:      # a match implies a row: a hash was read from it
        raise SignInError("this account is deactivated; ask an admin")
    db.write(lambda cur: cur.execute("DELETE FROM sign_in_attempts WHERE email = ?", [key]), refresh_copy=False)
    return _account(row)


class _Slot(NamedTuple):
    """The slot an attempt took: whether its failure locks the email, and until when."""

    locks: bool
    locked_until: datetime | None


def _take_slot(db: Database, key: str, now: datetime) -> _Slot:
    """Take one of the email's sign-in slots; :class:`SignInError` when it is locked."""
    attempt = secrets.token_hex(16)
    values = {"email": key, "attempt": attempt, "now": now, "lock": now + LOCKOUT, "most": MAX_FAILED_LOGINS}

    def take(cur) -> tuple:
        if on_postgres(cur):     # one statement run by PostgreSQL itself, not read and written back by DuckDB
            statement = re.sub(r"\$(\w+)", lambda name: _postgres_literal(values[name.group(1)]), _TAKE_SLOT)
            cur.execute("CALL postgres_execute(?, ?)", [POSTGRES_CATALOG, statement])
        else:
            cur.execute(_TAKE_SLOT, values)
        return cur.execute("SELECT failed, locked_until, attempt FROM sign_in_attempts WHERE email = ?",
                           [key]).fetchone()

    for _ in range(_SLOT_TRIES):
        try:
            failed, locked_until, holder = db.write(take, refresh_copy=False)
        except duckdb.Error as error:
            # A concurrent first attempt inserted the row, or concurrent attempts kept colliding:
            # nothing was taken, so trying again is safe.
            if is_constraint_violation(error) or is_write_conflict(error):
                continue
            raise
        if holder == attempt:
            return _Slot(failed >= MAX_FAILED_LOGINS, locked_until)
        until = f"after {locked_until:%H:%M}" if locked_until is not None else "later"
        raise SignInError(f"too many failed attempts; try again {until}")
    raise SignInError("too many sign-in attempts at this moment; try again in a minute")


def _postgres_literal(value) -> str:
    """``value`` as a PostgreSQL literal, for the one statement that cannot take bound parameters.

    Text (the email someone typed) travels hex-encoded, so no character of it can end the literal.
    """
    if isinstance(value, bool) or value is None:
        raise TypeError(f"no literal for {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return f"convert_from(decode('{value.encode('utf-8', 'surrogatepass').hex()}', 'hex'), 'UTF8')"


@functools.cache
def _dummy_hash() -> str:
    """An Argon2id hash of a random password nobody knows, made once: checked when the email has no account."""
    return hash_password(secrets.token_urlsafe(24))


@sign_in_step
def account_for_email(db: Database, email: str) -> Account | None:
    """The active account a single-sign-on identity maps to, by email; None if there is none."""
    rows = db.frame(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE lower(email) = lower(?) AND active",
                    [email.strip()])
    return None if rows.empty else _account(rows.iloc[0])


def sign_out(db: Database, actor: Account) -> None:
    """End every session of ``actor``'s account, in every browser: its session version moves on and
    its browsers' sessions are revoked (:mod:`scoring.store.sessions`).

    Raises
    ------
    StaleSession
        The session had already ended (the sign-out then has nothing left to do).
    """
    authorize(db, actor)

    def end(cur) -> None:
        cur.execute("UPDATE accounts SET session_version = coalesce(session_version, 0) + 1 "
                    "WHERE account_id = ? AND coalesce(session_version, 0) = ?",
                    [actor.account_id, actor.session_version])
        revoke_sessions(cur, actor.account_id)

    db.write(end, refresh_copy=False)


#: Each account with its failed sign-in attempts and lock-out, which are counted per email.
_ACCOUNTS_WITH_ATTEMPTS = """
    SELECT a.account_id, a.email, a.display_name, a.role, a.active, coalesce(s.failed, 0) AS failed_logins,
           s.locked_until, a.created_at
    FROM accounts AS a LEFT JOIN sign_in_attempts AS s ON s.email = lower(trim(a.email))"""


def list_accounts(db: Database, actor: Account) -> pd.DataFrame:
    """Every account with its failed sign-in attempts (``failed_logins``) and lock-out (``locked_until``)."""
    authorize(db, actor, "manage_accounts")
    return db.frame(f"{_ACCOUNTS_WITH_ATTEMPTS} ORDER BY a.role, a.display_name")


def reviewers(db: Database, actor: Account) -> pd.DataFrame:
    """Every reviewer account and anyone else who has scored, for filters and labels: the one read of reviewers.

    Returns
    -------
    pandas.DataFrame
        ``reviewer_id``, ``display_name``, ``active``; by account id.
    """
    authorize(db, actor, "read_candidates")
    return db.frame("""
        SELECT account_id AS reviewer_id, display_name, active
        FROM accounts
        WHERE role = 'reviewer' OR account_id IN (SELECT DISTINCT reviewer_id FROM scorecards)
        ORDER BY account_id""")


def create_account(db: Database, actor: Account, email: str, display_name: str, role: str,
                   password: str | None) -> int:
    """Add an account; the password is stored only as an Argon2id hash."""
    authorize(db, actor, "manage_accounts")
    return _add_account(db, actor.account_id, email, display_name, role, password)


def update_account(db: Database, actor: Account, account_id: int, *, role: str | None = None,
                   active: bool | None = None, password: str | None = None) -> None:
    """Change an account's role, active flag or password; the change is audited (never the hash).

    A change of any of them ends the account's open sessions (see :func:`_change_account`).
    """
    authorize(db, actor, "manage_accounts")
    if role is not None:
        _check_role(role)
    password_hash = _hashed(password) if password else None
    db.write(lambda cur: _change_account(cur, actor.account_id, account_id, role=role, active=active,
                                         password_hash=password_hash))


# -- operator commands -------------------------------------------------------------------------
# For whoever runs the server (``scorecard init`` and ``scorecard accounts``): no one is signed in,
# so there is no acting account to check; each change is audited with actor NULL, as imports are.

@sign_in_step
def accounts_able_to_sign_in(db: Database, *, with_password: bool) -> int:
    """How many active accounts could sign in: with a password through the sign-in form
    (``with_password``), or through single sign-on, where any active account's email maps to it.

    Zero means a sign-in nobody can pass: a database just imported into (its reviewers have no
    password) or one with no account at all.
    """
    return int(db.scalar("SELECT count(*) FROM accounts WHERE active"
                         + (" AND password_hash IS NOT NULL" if with_password else "")))


@operator_command
def operator_accounts(db: Database) -> pd.DataFrame:
    """Operator command: every account with its email, name, role, active flag and lock-out, by email."""
    return db.frame(f"SELECT email, display_name, role, active, locked_until FROM ({_ACCOUNTS_WITH_ATTEMPTS}) "
                    "ORDER BY lower(email)")


@operator_command
def create_operator_account(db: Database, *, email: str, display_name: str, role: str,
                            password: str | None) -> int:
    """Operator command: add an account (no signed-in actor; audited with actor NULL); returns its id.

    Raises
    ------
    DatabaseError
        An unknown role, text that is not an email address, an empty name, an email that already has
        an account, or a password that is too short.
    """
    return _add_account(db, None, email, display_name, role, password)


def check_email(email: str) -> None:
    """An email address (``name@domain.tld``), by the rules an import applies to reviewers' emails
    (:func:`scoring.agency.records.email_reasons`, and the length and visible characters of
    :mod:`scoring.agency.text`); the schema's ``email LIKE '%_@_%'`` is looser."""
    storable_text("email", email.strip(), "email")
    problem = rules.value_problem(rules.email_reasons, "email", email.strip())
    if problem:
        raise DatabaseError(problem)


@operator_command
def check_new_account(db: Database, email: str, display_name: str, role: str) -> None:
    """Refuse, before anything is asked or written, an account that :func:`create_operator_account` would.

    Raises
    ------
    DatabaseError
        An unknown role, text that is not an email address, an empty name, or an email that already
        has an account.
    """
    _check_new(email, display_name, role)
    with db.cursor() as cur:
        _refuse_taken(cur, email.strip())


@operator_command
def check_known_email(db: Database, email: str) -> None:
    """Refuse, before anything is asked or written, an email that has no account.

    Raises
    ------
    DatabaseError
        No account has that email.
    """
    with db.cursor() as cur:
        _account_id_by_email(cur, email)


@operator_command
def operator_set_active(db: Database, email: str, active: bool) -> None:
    """Operator command: enable or disable the account for ``email`` (audited with actor NULL).

    Raises
    ------
    DatabaseError
        No account has that email.
    """
    db.write(lambda cur: _change_account(cur, None, _account_id_by_email(cur, email), active=active))


@operator_command
def operator_reset_password(db: Database, email: str, password: str) -> None:
    """Operator command: give the account for ``email`` a new password and lift any lock-out.

    This is how an admin locked out of the dashboard gets back in. Audited with actor NULL, never
    with the password or its hash.

    Raises
    ------
    DatabaseError
        No account has that email, or the password is too short.
    """
    password_hash = _hashed(password)
    db.write(lambda cur: _change_account(cur, None, _account_id_by_email(cur, email), password_hash=password_hash))


# -- shared by the admin's and the operator's changes ------------------------------------------

def _check_role(role: str) -> None:
    if role not in ROLES:
        raise DatabaseError(f"role: {role!r} is not one of {', '.join(ROLES)}")


def _check_new(email: str, display_name: str, role: str) -> None:
    _check_role(role)
    check_email(email)
    if not display_name.strip():
        raise DatabaseError("display_name: an account needs a name")
    storable_text("display_name", display_name.strip(), "name")


def _refuse_taken(cur, email: str) -> None:
    if cur.execute("SELECT 1 FROM accounts WHERE lower(email) = lower(?)", [email]).fetchone():
        raise DatabaseError(f"email: an account for {email} already exists")


def _hashed(password: str) -> str:
    try:
        return hash_password(password)
    except ValueError as problem:
        raise DatabaseError(f"password: {problem}") from problem


def _account_id_by_email(cur, email: str) -> int:
    row = cur.execute("SELECT account_id FROM accounts WHERE lower(email) = lower(?)", [email.strip()]).fetchone()
    if row is None:
        raise DatabaseError(f"email: there is no account for {email.strip()}")
    return int(row[0])


def _add_account(db: Database, actor_id: int | None, email: str, display_name: str, role: str,
                 password: str | None) -> int:
    """Check, hash and insert one account with its audit entry; ``actor_id`` None for an operator."""
    _check_new(email, display_name, role)
    password_hash = _hashed(password) if password else None
    email = storable_text("email", email.strip(), "email")
    display_name = storable_text("display_name", display_name.strip(), "name")

    def insert(cur) -> int:
        _refuse_taken(cur, email)
        new_id = next_id(cur, "account_ids")
        cur.execute("INSERT INTO accounts (account_id, email, display_name, role, password_hash) "
                    "VALUES (?, ?, ?, ?, ?)", [new_id, email, display_name, role, password_hash])
        audit(cur, actor_id, "create", "account", new_id,
              after={"email": email, "display_name": display_name, "role": role})
        return int(new_id)

    return db.write(insert)


def _keep_an_admin(cur, account_id: int, email: str) -> None:
    """Refuse to take the admin role or the active flag from the last active admin.

    Without an active admin nobody could manage accounts, weights or imports from the dashboard. The
    one check behind the Admin page, :func:`update_account` and the ``scorecard accounts`` commands.

    Every other active admin's row is written before they are counted. Two changes that each remove
    one of the last two admins then write the same rows, so they cannot both commit: one fails or
    waits, runs again (:meth:`Database.write`) and then counts no admin. The write moves the session
    version on and back, so no session ends: DuckDB takes an update that sets a value to itself for
    no write at all, and would let both changes commit.
    """
    for step in ("+ 1", "- 1"):
        cur.execute(f"UPDATE accounts SET session_version = coalesce(session_version, 0) {step} "
                    "WHERE role = 'admin' AND active AND account_id <> ?", [account_id])
    others = scalar_of(cur, "SELECT count(*) FROM accounts WHERE role = 'admin' AND active AND account_id <> ?",
                         [account_id])
    if not others:
        raise DatabaseError(f"account: {email} is the last active admin; make another account an admin first, "
                            "or nobody could manage accounts and weights")


def _change_account(cur, actor_id: int | None, account_id: int, *, role: str | None = None,
                    active: bool | None = None, password_hash: str | None = None) -> None:
    """Apply a checked change inside the caller's transaction and audit it.

    A new role, a new active flag or a new password moves the account's session version on, which
    ends every session signed in before (:mod:`scoring.store.authorization`), and revokes the
    account's browser sessions (:mod:`scoring.store.sessions`). A new password also lifts a lock-out.
    """
    before = cur.execute("SELECT role, active, email FROM accounts WHERE account_id = ?", [account_id]).fetchone()
    if before is None:
        raise DatabaseError(f"account_id: no account {account_id}")
    after = {"role": role or before[0], "active": before[1] if active is None else active}
    if before[0] == "admin" and before[1] and (after["role"] != "admin" or not after["active"]):
        _keep_an_admin(cur, account_id, before[2])
    ends_sessions = (after["role"], after["active"]) != tuple(before[:2]) or password_hash is not None
    cur.execute("UPDATE accounts SET role = ?, active = ?, session_version = coalesce(session_version, 0) + ? "
                "WHERE account_id = ?", [after["role"], after["active"], int(ends_sessions), account_id])
    if ends_sessions:
        revoke_sessions(cur, account_id)
    if password_hash:
        cur.execute("UPDATE accounts SET password_hash = ? WHERE account_id = ?", [password_hash, account_id])
        cur.execute("DELETE FROM sign_in_attempts WHERE email = ?", [sign_in_key(before[2])])
        after["password"] = "changed"
    audit(cur, actor_id, "update", "account", account_id,
          before={"role": before[0], "active": before[1]}, after=after)
