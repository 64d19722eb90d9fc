"""Every store call is authorised against the database, never against the account a browser holds.

A signed-in person's :class:`~scoring.agency.access.Account` is a snapshot taken at sign-in: who, which
role, and the account's session version at that moment. Sign-out, deactivation, a role change and a
new password each move the version on (:mod:`scoring.store.accounts`). Every store function that
acts for someone calls :func:`authorize` first, which re-reads the account (one look-up by primary
key) and refuses with :class:`~scoring.agency.access.StaleSession` a snapshot that no longer matches: an
account gone or deactivated, a role changed, or a version moved on. Only then does it check the role
against the permission table (:func:`scoring.agency.access.require`). Pages turn the refusal into a
sign-out.

The look-up always goes to the database itself: on PostgreSQL a store read may run on a replica's
local copy (:meth:`scoring.store.db.Database.reader`), which may be seconds old, but the account is
read from PostgreSQL (:meth:`scoring.store.db.Database.live`). While PostgreSQL cannot be reached
the replica serves reads from its last copy and refuses every write, and the session is checked
against that copy too: the newest state this replica knows.

A few functions run with no signed-in account at all, and say so with a mark:

* :func:`operator_command`: run from the command line (``scorecard init``, ``accounts``,
  ``import``, ``export``, ``restore``) by whoever can open the database file or holds the
  PostgreSQL credentials, and so could change any row anyway. Their writes are audited with no
  actor. Pages never call them.
* :func:`sign_in_step`: what the sign-in page does before anyone is signed in.

:data:`scoring.agency.access.OPERATOR` is the one account without a row: ``scorecard report ops`` reads
through the ordinary store functions in its name. It is recognised by identity (the object itself,
never an equal copy of it), so no session can pass for it.

:data:`scoring.agency.access.SERVER` is the other: the dashboard server itself, computing in the
background the reports that everyone allowed to see them shares (:mod:`ui.shared_reads`). It too is
recognised by identity only, and it may only read: :func:`authorize` refuses it every permission
outside :data:`scoring.agency.access.SERVER_READS`, and any call that names no permission. A person's
own permission and session are still checked, by the page, before a shared figure is shown to them.
:data:`scoring.agency.access.AUDIT_SERVER` computes the fairness audit's shared figures the same way,
limited to :data:`scoring.agency.access.AUDIT_SERVER_READS`, so that no other background report can
read self-identification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import duckdb

from scoring.agency.access import (
    BACKGROUND_READS,
    OPERATOR,
    PERMISSIONS,
    Account,
    PermissionDenied,
    StaleSession,
    require,
)
from scoring.store.db import Database, is_unreachable

F = TypeVar("F", bound=Callable)
#: How each function that takes no acting account is marked, by :func:`operator_command` or
#: :func:`sign_in_step`: the attribute holds why it needs none.
WITHOUT_ACCOUNT = "runs_without_account"
_LOOK_UP = "SELECT active, role, session_version FROM accounts WHERE account_id = ?"


def authorize(db: Database, actor: Account | None, permission: str | None = None) -> Account:
    """``actor``, once its session is current (:func:`check_session`) and its role holds ``permission``.

    Parameters
    ----------
    db : Database
        The database the call works on: the database itself or a replica's local copy; the
        account is read from the database itself either way.
    actor : Account or None
        The signed-in account the call acts for, as its session holds it.
    permission : str, optional
        A key of :data:`scoring.agency.access.PERMISSIONS`; None when any current account may make the
        call (signing out).

    Returns
    -------
    Account
        ``actor``.

    Raises
    ------
    StaleSession
        The account was deactivated or removed, its role changed, or its session version moved on
        since this session signed in. Checked before the role, so a demoted admin learns that the
        session ended, not that admins only may do this.
    PermissionDenied
        No account, or a role without ``permission``; or the server's own identity asking for
        anything but one of its reads.
    """
    if actor is None:
        if permission is None:
            raise PermissionDenied("sign in first")
        return require(None, permission)
    for identity, reads in BACKGROUND_READS:
        if actor is identity and permission not in reads:
            raise PermissionDenied(f"the server's background figures may only read; "
                                   f"{(permission or 'this call').replace('_', ' ')} is not a read it makes")
    check_session(db, actor)
    return actor if permission is None else require(actor, permission)


def authorize_any(db: Database, actor: Account | None, permissions: tuple[str, ...]) -> Account:
    """As :func:`authorize`, for a read that several pages share: ``actor``'s role holds any of ``permissions``.

    Refused as :func:`authorize` refuses the first of them.
    """
    permissions = tuple(permissions or ())
    held = [p for p in permissions if actor is not None and actor.role in PERMISSIONS[p]]
    return authorize(db, actor, held[0] if held else (permissions[0] if permissions else None))


def check_session(db: Database, actor: Account) -> Account:
    """``actor`` if it still matches its account: active, the same role, the same session version.

    Raises
    ------
    StaleSession
        It does not; the exception's ``reason`` says how (see :class:`scoring.agency.access.StaleSession`).
    """
    if actor is OPERATOR or any(actor is identity for identity, _ in BACKGROUND_READS):
        return actor
    row = _account_row(db, actor.account_id)
    if row is None or not row[0]:
        raise StaleSession(actor, StaleSession.DEACTIVATED)
    if row[1] != actor.role:
        raise StaleSession(actor, StaleSession.ROLE_CHANGED, now_role=row[1])
    if (row[2] or 0) != actor.session_version:
        raise StaleSession(actor, StaleSession.ENDED)
    return actor


def _account_row(db: Database, account_id: int) -> tuple | None:
    """(active, role, session version) of the account, from the database itself when it can be reached."""
    live = db.live()
    keeper = getattr(live, "copies", None)       # a PostgreSQL handle's local copies
    if keeper is not None and not keeper.reachable and keeper.copy is not None:
        return _read_row(keeper.copy, account_id)
    try:
        return _read_row(live, account_id)
    except duckdb.Error as error:
        if keeper is None or keeper.copy is None or not is_unreachable(error):
            raise
        return _read_row(keeper.copy, account_id)


def _read_row(db: Database, account_id: int) -> tuple | None:
    with db.cursor() as cur:
        return cur.execute(_LOOK_UP, [int(account_id)]).fetchone()


def operator_command(function: F) -> F:
    """Mark ``function`` as an operator command: the command line runs it with no signed-in account.

    Whoever runs it can open the database itself; pages never call it. Its writes are audited with
    no actor.
    """
    setattr(function, WITHOUT_ACCOUNT, "operator command: run from the command line, never by a page")
    return function


def sign_in_step(function: F) -> F:
    """Mark ``function`` as a step of signing in: it runs before anyone is signed in."""
    setattr(function, WITHOUT_ACCOUNT, "sign-in: runs before anyone is signed in")
    return function
