"""Accounts: sign-in with lock-out, look-up for single sign-on, and admin changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

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
    if role not in ROLES:
        raise DatabaseError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    password_hash = hash_password(password) if password else None
    email, display_name = storable_text("email", email.strip()), storable_text("display_name", display_name.strip())

    def insert(cur) -> int:
        if cur.execute("SELECT 1 FROM accounts WHERE lower(email) = lower(?)", [email]).fetchone():
            raise DatabaseError(f"email: an account for {email} already exists")
        new_id = next_id(cur, "account_ids")
        cur.execute("INSERT INTO accounts (account_id, email, display_name, role, password_hash) "
                    "VALUES (?, ?, ?, ?, ?)", [new_id, email, display_name, role, password_hash])
        audit(cur, actor.account_id, "create", "account", new_id,
              after={"email": email, "display_name": display_name, "role": role})
        return int(new_id)

    return db.write(insert)


def update_account(db: Database, actor: Account, account_id: int, *, role: str | None = None,
                   active: bool | None = None, password: str | None = None) -> None:
    """Change an account's role, active flag or password; the change is audited (never the hash)."""
    require(actor, "manage_accounts")
    if role is not None and role not in ROLES:
        raise DatabaseError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    password_hash = hash_password(password) if password else None

    def change(cur) -> None:
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
        audit(cur, actor.account_id, "update", "account", account_id,
              before={"role": before[0], "active": before[1]}, after=after)

    db.write(change)
