"""The database handle, the signed-in account and cached store reads, for every page."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from scoring.agency.access import Account, PermissionDenied, StaleSession
from scoring.store.authorization import check_session
from scoring.store.db import (DEFAULT_LOCATION, Database, DatabaseError, database_location,
                               is_constraint_violation, is_held_by_another_process, is_unreachable)
from ui.text import plain

T = TypeVar("T")
ACCOUNT_KEY = "account"
#: Where the sign-in page finds why the last session ended.
SESSION_ENDED_KEY = "session_ended"
#: What someone whose session the store refused is told on the sign-in page, by StaleSession.reason.
SESSION_ENDED = {
    StaleSession.DEACTIVATED: "Your session ended: your account was changed by an admin. Sign in again.",
    StaleSession.ROLE_CHANGED: "Your session ended: your account was changed by an admin. Sign in again.",
    StaleSession.ENDED: "Your session ended: your account was signed out elsewhere, or changed by an admin. "
                        "Sign in again.",
}
UNREACHABLE = ("The database cannot be reached right now, so nothing was saved and this part of the page cannot "
               "be shown. Try again in a moment.")
#: What a visitor sees when another program holds the DuckDB file: no path, no process id (those go
#: to the server log), and what whoever runs the server should do.
IN_USE = ("The database is in use by another program, so this dashboard cannot open it. Whoever runs the server: "
          "stop the other program using the same database file (a second dashboard, or a scorecard command), "
          "then reload this page. To run several dashboards at once, give them a PostgreSQL database.")
_LOG = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _open(location: str) -> Database:
    db = Database(location)
    if db.is_postgres:
        # Take the local copy while the first visitor is still signing in, not on their first page.
        threading.Thread(target=_take_first_copy, args=(db,), name="first-local-copy", daemon=True).start()
    return db


def _take_first_copy(db: Database) -> None:
    try:
        db.reader()
    except duckdb.Error as error:
        if not is_unreachable(error):     # unreachable: the first page to read tries again, and says so
            raise


def database() -> Database:
    """The process-wide database; on the very first start, the default location gets the demo."""
    location = database_location()
    if location == str(DEFAULT_LOCATION) and not Path(location).exists():
        _build_first_demo(location)
    try:
        return _open(location)
    except duckdb.Error as error:
        if not is_held_by_another_process(error):
            raise
        _LOG.error("cannot open the database: %s", error)    # the file and the other process: server log only
        st.error(IN_USE)
        st.stop()


def _build_first_demo(location: str) -> None:
    from scoring.demo.generator import DemoConfig, build_demo

    bar = st.progress(0.0, text="First start: building the demo agency")
    build_demo(location, DemoConfig(), lambda message, done: bar.progress(min(done, 1.0), text=message))
    bar.empty()


def account() -> Account | None:
    """The signed-in account of this browser session, if any, as it was at sign-in (unchecked)."""
    return st.session_state.get(ACCOUNT_KEY)


def end_session(ended: StaleSession) -> None:
    """Sign the person out because the store refused their session; the sign-in page says why."""
    st.session_state.pop(ACCOUNT_KEY, None)
    st.session_state[SESSION_ENDED_KEY] = SESSION_ENDED[ended.reason]


def signed_in_account() -> Account | None:
    """The signed-in account once the database confirms its session; otherwise None, signed out.

    Every rerun starts here (``app.py``), so an account deactivated, demoted or signed out elsewhere
    loses its pages on the person's next click, with the reason on the sign-in page.
    """
    actor = account()
    if actor is None:
        return None
    try:
        return check_session(database(), actor)
    except StaleSession as ended:
        end_session(ended)
        return None


def require_account() -> Account:
    """The signed-in account, its session re-checked; a page reached without one goes to sign-in.

    Normally the navigation in ``app.py`` never offers a page to a signed-out visitor. But until the
    server process has run ``app.py`` once, Streamlit routes an address like ``/pipeline`` straight
    to the page file; this check closes that gap. A session that ended since ``app.py`` checked it
    is signed out and the script rerun, which shows the sign-in page.
    """
    actor = account()
    if actor is None:
        st.switch_page("app.py")
    try:
        return check_session(database(), actor)
    except StaleSession as ended:
        end_session(ended)
        st.rerun()


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_call(module: str, name: str, location: str, version: int, args: tuple, kwargs: tuple,
                 _source: Database) -> Any:
    function = getattr(importlib.import_module(module), name)
    return function(_source, *args, **dict(kwargs))


def read(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a store read ``function(db, *args)`` through a cache keyed on the data version.

    Every write appends to the audit log, which moves the data version, so a submitted score shows
    up on the next rerun while repeated reads of unchanged data cost nothing. On PostgreSQL the read
    runs on the replica's local copy (see :meth:`Database.reader`).

    A cached answer skips the store function and with it the store's check, so every account among
    the arguments is checked here, against the database itself (one look-up by primary key): a
    session that has ended gets :class:`StaleSession`, never a cached answer.
    """
    live = database()
    for value in (*args, *kwargs.values()):
        if isinstance(value, Account):
            check_session(live, value)
    source = live.reader()
    return _cached_call(function.__module__, function.__name__, source.location, source.data_version(),
                        args, tuple(sorted(kwargs.items())), source)


def freshness_note() -> None:
    """On PostgreSQL, say in the sidebar how old the figures may be; a DuckDB file is always current."""
    db = database()
    if not db.is_postgres:
        return
    copy = db.reader()
    if not db.copies.reachable:
        st.sidebar.warning(f"The database cannot be reached. Figures are from {copy.taken_at:%H:%M:%S} UTC, "
                           "the last copy this server took; nothing can be saved until the database is back.")
        return
    st.sidebar.caption(f"Figures as of {copy.taken_at:%H:%M:%S} UTC: changes made through other servers "
                       f"appear within {db.refresh_seconds:g} s.")


def guarded(body: Callable[[], None]) -> None:
    """Run a page body, turning a refusal into a clear message instead of a traceback, and a session
    that has ended into a sign-out."""
    try:
        freshness_note()      # first, so that it names the copy the body's reads then use
        body()
    except StaleSession as ended:     # signed out, and shown the sign-in page with the reason
        end_session(ended)
        st.rerun()
    except PermissionDenied as refusal:
        st.error(f"Not allowed: {plain(refusal)}")
    except (DatabaseError, duckdb.Error) as refusal:
        if is_unreachable(refusal):
            st.error(UNREACHABLE)
            return
        if isinstance(refusal, duckdb.Error) and not is_constraint_violation(refusal):
            raise
        st.error(f"Nothing was saved: {plain(refusal)}")


def today() -> date:
    """The date figures are computed as of: the demo's own 'today' when the data is a demo."""
    stored = database().reader().metadata("demo_as_of")
    return date.fromisoformat(stored) if stored else date.today()


FLASH_KEY = "flash"


def flash(message: str) -> None:
    """Show ``message`` as a success note after the rerun that a write triggers."""
    st.session_state[FLASH_KEY] = message
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)
