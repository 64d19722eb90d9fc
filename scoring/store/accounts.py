"""Accounts: sign-in with lock-out, look-up for single sign-on, admin changes and operator commands."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from scoring import rules
from scoring.access import ROLES, Account, require
from scoring.passwords import hash_password, verify_password
from scoring.store.db import Database, DatabaseError, audit, next_id, storable_text

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_ACCOUNT_COLUMNS = "account_id, email, display_name, role"


class SignInError(Exception):
    """Sign-in refused. The message never reveals whether the email exists."""


def _account(row: pd.Series) -> Account:
    return Account(int(row["account_id"]), row["email"], row["display_name"], row["role"])


def authenticate(db: Database, email: str, password: str, now: datetime | None = None) -> Account:
    """The account for ``email`` if ``password`` matches; counts failures and locks after five.

    Raises
    ------
    SignInError
        Wrong email or password, a locked account (with when it unlocks), or an inactive one.
    """
    now = now or datetime.now()
    row = db.frame("SELECT account_id, email, display_name, role, password_hash, failed_logins, "
                   "locked_until, active FROM accounts WHERE lower(email) = lower(?)", [email.strip()])
    if row.empty:
        raise SignInError("wrong email or password")
    record = row.iloc[0]
    locked_until = record["locked_until"]
    if pd.notna(locked_until) and locked_until > now:
        raise SignInError(f"too many failed attempts; try again after {locked_until:%H:%M}")
    account_id = int(record["account_id"])
    if not verify_password(record["password_hash"], password):
        failures = int(record["failed_logins"]) + 1
        lock = now + LOCKOUT if failures >= MAX_FAILED_LOGINS else None

        def count_failure(cur):
            cur.execute("UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE account_id = ?",
                        [0 if lock else failures, lock, account_id])
            if lock:
                audit(cur, account_id, "lock", "account", account_id, after={"locked_until": lock})

        db.write(count_failure)
        if lock:
            raise SignInError(f"too many failed attempts; locked until {lock:%H:%M}")
        raise SignInError("wrong email or password")
    if not record["active"]:     # told only to someone who knows the password
        raise SignInError("this account is deactivated; ask an admin")
    if record["failed_logins"] or pd.notna(locked_until):
        db.write(lambda cur: cur.execute(
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE account_id = ?", [account_id]))
    return _account(record)


def account_for_email(db: Database, email: str) -> Account | None:
    """The active account a single-sign-on identity maps to, by email; None if there is none."""
    rows = db.frame(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE lower(email) = lower(?) AND active",
                    [email.strip()])
    return None if rows.empty else _account(rows.iloc[0])


def list_accounts(db: Database, actor: Account) -> pd.DataFrame:
    require(actor, "manage_accounts")
    return db.frame("SELECT account_id, email, display_name, role, active, failed_logins, locked_until, "
                    "created_at FROM accounts ORDER BY role, display_name")


def reviewers(db: Database, actor: Account) -> pd.DataFrame:
    """Reviewer accounts (id and name), for filters and labels."""
    require(actor, "read_candidates")
    return db.frame("SELECT account_id AS reviewer_id, display_name AS reviewer FROM accounts "
                    "WHERE role = 'reviewer' ORDER BY display_name")


def create_account(db: Database, actor: Account, email: str, display_name: str, role: str,
                   password: str | None) -> int:
    """Add an account; the password is stored only as an Argon2id hash."""
    require(actor, "manage_accounts")
    return _add_account(db, actor.account_id, email, display_name, role, password)


def update_account(db: Database, actor: Account, account_id: int, *, role: str | None = None,
                   active: bool | None = None, password: str | None = None) -> None:
    """Change an account's role, active flag or password; the change is audited (never the hash)."""
    require(actor, "manage_accounts")
    if role is not None:
        _check_role(role)
    password_hash = _hashed(password) if password else None
    db.write(lambda cur: _change_account(cur, actor.account_id, account_id, role=role, active=active,
                                         password_hash=password_hash))


# -- operator commands -------------------------------------------------------------------------
# For whoever runs the server (``scorecard init`` and ``scorecard accounts``): no one is signed in,
# so there is no acting account to check; each change is audited with actor NULL, as imports are.

def accounts_able_to_sign_in(db: Database, *, with_password: bool) -> int:
    """How many active accounts could sign in: with a password through the sign-in form
    (``with_password``), or through single sign-on, where any active account's email maps to it.

    Zero means a sign-in nobody can pass: a database just imported into (its reviewers have no
    password) or one with no account at all.
    """
    return int(db.scalar("SELECT count(*) FROM accounts WHERE active"
                         + (" AND password_hash IS NOT NULL" if with_password else "")))


def operator_accounts(db: Database) -> pd.DataFrame:
    """Operator command: every account with its email, name, role, active flag and lock-out, by email."""
    return db.frame("SELECT email, display_name, role, active, locked_until FROM accounts ORDER BY lower(email)")


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
    (:func:`scoring.rules.email_reasons`, and the length and visible characters of
    :mod:`scoring.text_rules`); the schema's ``email LIKE '%_@_%'`` is looser."""
    storable_text("email", email.strip(), "email")
    problem = rules.value_problem(rules.email_reasons, "email", email.strip())
    if problem:
        raise DatabaseError(problem)


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


def check_known_email(db: Database, email: str) -> None:
    """Refuse, before anything is asked or written, an email that has no account.

    Raises
    ------
    DatabaseError
        No account has that email.
    """
    with db.cursor() as cur:
        _account_id_by_email(cur, email)


def operator_set_active(db: Database, email: str, active: bool) -> None:
    """Operator command: enable or disable the account for ``email`` (audited with actor NULL).

    Raises
    ------
    DatabaseError
        No account has that email.
    """
    db.write(lambda cur: _change_account(cur, None, _account_id_by_email(cur, email), active=active))


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


def _change_account(cur, actor_id: int | None, account_id: int, *, role: str | None = None,
                    active: bool | None = None, password_hash: str | None = None) -> None:
    """Apply a checked change inside the caller's transaction and audit it; a new password lifts a lock-out."""
    before = cur.execute("SELECT role, active FROM accounts WHERE account_id = ?", [account_id]).fetchone()
    if before is None:
        raise DatabaseError(f"account_id: no account {account_id}")
    after = {"role": role or before[0], "active": before[1] if active is None else active}
    cur.execute("UPDATE accounts SET role = ?, active = ? WHERE account_id = ?",
                [after["role"], after["active"], account_id])
    if password_hash:
        cur.execute("UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL "
                    "WHERE account_id = ?", [password_hash, account_id])
        after["password"] = "changed"
    audit(cur, actor_id, "update", "account", account_id,
          before={"role": before[0], "active": before[1]}, after=after)
