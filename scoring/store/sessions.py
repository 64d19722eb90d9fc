"""Signed-in browsers: a random token the browser keeps, checked against the ``sessions`` table.

A sign-in through the form starts a session (:func:`start_session`): a token of
:data:`TOKEN_BYTES` random bytes from :mod:`secrets`, which the browser keeps in a cookie and the
database keeps only as its SHA-256. Whoever reads the table therefore holds no token, and a token
cannot be guessed. When the page is loaded again, the token alone brings the account back
(:func:`resume_session`) as long as the session

* has not expired: it lasts :data:`SESSION_LIFETIME` from sign-in, never extended;
* has not been revoked: signing out, a new password, deactivation and a role change revoke every
  session of the account (:func:`revoke_sessions`, called in the same transaction as the change by
  :mod:`scoring.store.accounts`);
* still carries the account's session version: anything that moves the version on (the same
  changes, see :mod:`scoring.store.authorization`) ends the session even if its row was missed;
* belongs to an active account.

The token is checked on every run of the app, not only at a reload.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from scoring.agency.access import Account
from scoring.store.authorization import authorize, sign_in_step
from scoring.store.db import Database

#: How long a sign-in keeps a browser signed in, reloads included: a working day. Counted from the
#: sign-in, not from the last click, so a session always ends by the next morning.
SESSION_LIFETIME = timedelta(hours=10)
#: Random bytes in a token: 256 bits, as :func:`secrets.token_urlsafe` gives by default.
TOKEN_BYTES = 32
#: How long an ended session's row stays after its expiry, so that a browser coming back with its
#: token is told why it was signed out; older rows are deleted at the next sign-in.
KEEP_ENDED = timedelta(days=1)

_LOOK_UP = """
    SELECT s.account_id, s.session_version, s.expires_at, s.revoked_at,
           a.email, a.display_name, a.role, a.active, coalesce(a.session_version, 0)
    FROM sessions AS s JOIN accounts AS a ON a.account_id = s.account_id
    WHERE s.token_sha256 = ?"""


class SessionRefused(Exception):
    """A token that brings no one back; ``reason`` says why.

    :attr:`UNKNOWN`: no session has this token (never issued here, or deleted long after it
    ended). :attr:`EXPIRED`: older than :data:`SESSION_LIFETIME`. :attr:`ENDED`: revoked, or the
    account's session version moved on (signed out, new password, role changed).
    :attr:`DEACTIVATED`: the account is no longer active.
    """

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    ENDED = "ended"
    DEACTIVATED = "deactivated"

    def __init__(self, reason: str) -> None:
        super().__init__({
            self.UNKNOWN: "no session has this token",
            self.EXPIRED: f"the session is older than {SESSION_LIFETIME.total_seconds() / 3600:g} hours",
            self.ENDED: "the session was ended by a sign-out or a change to the account",
            self.DEACTIVATED: "the account was deactivated",
        }[reason])
        self.reason = reason


def utc_now() -> datetime:
    """The current time in UTC, without a zone, as the database's timestamps are stored (sessions, saved
    import mappings, digests sent)."""
    return datetime.now(UTC).replace(tzinfo=None)


def token_digest(token: str) -> str:
    """What the database keeps of ``token``: its SHA-256 in hex (64 characters).

    A plain hash suffices: the token is 256 random bits, so there is nothing to guess from a list.

    Examples
    --------
    >>> token_digest("abc")
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(db: Database, actor: Account, now: datetime | None = None) -> str:
    """Start a session for ``actor``, who has just signed in; returns the token for the browser.

    The token itself is never stored. Rows that ended more than :data:`KEEP_ENDED` ago are
    deleted in the same transaction.

    Parameters
    ----------
    db : Database
        The database itself (the row is written there).
    actor : Account
        The account as sign-in returned it, with the session version it signed in with.
    now : datetime, optional
        UTC time of the sign-in (default: now).

    Returns
    -------
    str
        A URL-safe token of :data:`TOKEN_BYTES` random bytes.

    Raises
    ------
    StaleSession
        ``actor``'s account changed since it signed in.
    """
    authorize(db, actor)
    now = now or utc_now()
    token = secrets.token_urlsafe(TOKEN_BYTES)

    def insert(cur) -> None:
        cur.execute("DELETE FROM sessions WHERE expires_at < ?", [now - KEEP_ENDED])
        cur.execute("INSERT INTO sessions (token_sha256, account_id, session_version, created_at, expires_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [token_digest(token), actor.account_id, actor.session_version, now, now + SESSION_LIFETIME])

    db.write(insert, refresh_copy=False)
    return token


@sign_in_step
def resume_session(db: Database, token: str, now: datetime | None = None) -> Account:
    """The account ``token`` keeps signed in, as it is now, if its session is still good.

    Read from the database itself, never from a replica's local copy.

    Returns
    -------
    Account
        With its current name and role, and the session version the session carries.

    Raises
    ------
    SessionRefused
        Unknown token, revoked or expired session, account changed or deactivated (see
        :class:`SessionRefused` for which reason is which).
    """
    now = now or utc_now()
    with db.live().cursor() as cur:
        row = cur.execute(_LOOK_UP, [token_digest(token)]).fetchone()
    if row is None:
        raise SessionRefused(SessionRefused.UNKNOWN)
    account_id, version, expires_at, revoked_at, email, display_name, role, active, current = row
    if not active:
        raise SessionRefused(SessionRefused.DEACTIVATED)
    if revoked_at is not None or version != current:
        raise SessionRefused(SessionRefused.ENDED)
    if expires_at <= now:
        raise SessionRefused(SessionRefused.EXPIRED)
    return Account(int(account_id), email, display_name, role, int(version))


def revoke_sessions(cur, account_id: int, now: datetime | None = None) -> None:
    """Revoke every live session of the account, inside the caller's transaction.

    Called by :mod:`scoring.store.accounts` with each change that ends an account's sessions
    (sign-out, new password, deactivation, role change); the caller has checked who may make it.
    """
    cur.execute("UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                [now or utc_now(), int(account_id)])
