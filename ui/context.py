"""The database handle, the signed-in account and cached store reads, for every page."""

from __future__ import annotations

import functools
import importlib
import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import duckdb
import streamlit as st

from scoring.agency.access import Account, PermissionDenied, StaleSession
from scoring.store.authorization import check_session
from scoring.store.db import (
    DEFAULT_LOCATION,
    Database,
    DatabaseError,
    database_location,
    is_constraint_violation,
    is_held_by_another_process,
    is_unreachable,
)
from scoring.store.local_copy import LocalCopy
from scoring.store.sessions import SESSION_LIFETIME, SessionRefused, resume_session
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
#: The cookie in which a browser keeps its session token (scoring.store.sessions) across reloads.
SESSION_COOKIE = "scorecard_session"
#: Where this browser session keeps its token, checked on every run (absent for single sign-on).
SESSION_TOKEN_KEY = "session_token"
#: A cookie value the next run writes to the browser: a new token, or "" to delete the cookie.
COOKIE_WRITE_KEY = "session_cookie_write"
#: Set once this browser session has tried the cookie it connected with (it never changes after).
COOKIE_TRIED_KEY = "session_cookie_tried"
#: The page (its URL path) and query a visitor asked for before ``app.py`` had run: see require_account.
WANTED_PAGE_KEY = "wanted_page"
#: What the sign-in page says when a token is refused, by SessionRefused.reason; an unknown token
#: (another server's, or one deleted long ago) says nothing.
SESSION_REFUSED = {
    SessionRefused.EXPIRED: f"Your session expired: a sign-in lasts {SESSION_LIFETIME.total_seconds() / 3600:g} "
                            "hours. Sign in again.",
    SessionRefused.ENDED: SESSION_ENDED[StaleSession.ENDED],
    SessionRefused.DEACTIVATED: SESSION_ENDED[StaleSession.DEACTIVATED],
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
    def report(message: str, done: float) -> None:
        bar.progress(min(done, 1.0), text=message)

    build_demo(location, DemoConfig(), report)
    bar.empty()


def account() -> Account | None:
    """The signed-in account of this browser session, if any, as it was at sign-in (unchecked)."""
    return st.session_state.get(ACCOUNT_KEY)


def end_session(ended: StaleSession | SessionRefused) -> None:
    """Sign the person out because the store refused their session; the sign-in page says why.

    The browser's cookie is deleted at the next run.
    """
    forget_session()
    message = (SESSION_ENDED if isinstance(ended, StaleSession) else SESSION_REFUSED).get(ended.reason)
    if message:
        st.session_state[SESSION_ENDED_KEY] = message


def forget_session() -> None:
    """Drop this browser session's account and token, and have the next run delete the cookie."""
    st.session_state.pop(ACCOUNT_KEY, None)
    if st.session_state.pop(SESSION_TOKEN_KEY, None) is not None:
        st.session_state[COOKIE_WRITE_KEY] = ""


def keep_session(actor: Account, token: str) -> None:
    """Sign this browser session in as ``actor`` with its session ``token``; the next run writes the cookie."""
    st.session_state[ACCOUNT_KEY] = actor
    st.session_state[SESSION_TOKEN_KEY] = token
    st.session_state[COOKIE_WRITE_KEY] = token


def _resumed_account() -> Account | None:
    """The account the browser's session cookie brings back, tried once per browser session (page load).

    A refused cookie is deleted, and the sign-in page says why unless the token is unknown here.
    """
    if st.session_state.get(COOKIE_TRIED_KEY):
        return None
    try:
        token = st.context.cookies.get(SESSION_COOKIE)
    except Exception:        # no request behind this run (a bare script): no cookie either
        token = None
    if not isinstance(token, str) or not token:     # AppTest's request is a stand-in: no cookie
        st.session_state[COOKIE_TRIED_KEY] = True
        return None
    try:
        actor = resume_session(database(), token)
    except SessionRefused as refused:
        st.session_state[COOKIE_TRIED_KEY] = True
        st.session_state[COOKIE_WRITE_KEY] = ""
        message = SESSION_REFUSED.get(refused.reason)
        if message:
            st.session_state[SESSION_ENDED_KEY] = message
        return None
    except duckdb.Error as error:
        if not is_unreachable(error):
            raise
        return None              # tried again at the next run; the sign-in page says the database is down
    st.session_state[COOKIE_TRIED_KEY] = True
    st.session_state[ACCOUNT_KEY] = actor
    st.session_state[SESSION_TOKEN_KEY] = token
    return actor


def signed_in_account() -> Account | None:
    """The signed-in account once the database confirms its session; otherwise None, signed out.

    Every rerun starts here (``app.py``), so an account deactivated, demoted or signed out elsewhere
    loses its pages on the person's next click, with the reason on the sign-in page. A browser
    session signed in with a token (:mod:`scoring.store.sessions`) has it checked too, so a session
    ends on time even while its page stays open. A new browser session (a reload, a link, a new tab)
    is signed in by the token in its cookie, if the token is still good.
    """
    actor = account()
    if actor is None:
        return _resumed_account()
    try:
        check_session(database(), actor)
        token = st.session_state.get(SESSION_TOKEN_KEY)
        if token is not None:
            resume_session(database(), token)
    except (StaleSession, SessionRefused) as ended:
        end_session(ended)
        return None
    except duckdb.Error as error:
        if not is_unreachable(error):
            raise            # unreachable: the account was checked against the last copy (check_session)
    return actor


def require_account() -> Account:
    """The signed-in account, its session re-checked; a page reached without one goes to sign-in.

    Normally the navigation in ``app.py`` never offers a page to a signed-out visitor. But until the
    server process has run ``app.py`` once, Streamlit routes an address like ``/pipeline`` straight
    to the page file; this check closes that gap: the page and its query are remembered and
    ``app.py`` runs, which signs in by cookie or shows the sign-in page, and then returns to them
    (:func:`ui.signin.go_to_wanted_page`). A session that ended since ``app.py`` checked it is
    signed out and the script rerun, which shows the sign-in page.
    """
    actor = account()
    if actor is None:
        url = st.context.url
        path = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
        st.session_state[WANTED_PAGE_KEY] = (path, st.query_params.to_dict())
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
    if not isinstance(copy, LocalCopy):      # no copy yet: the pages read the database itself
        return
    if not db.copies.reachable:
        st.sidebar.warning(f"The database cannot be reached. Figures are from {copy.taken_at:%H:%M:%S} UTC, "
                           "the last copy this server took; nothing can be saved until the database is back.")
        return
    st.sidebar.caption(f"Figures as of {copy.taken_at:%H:%M:%S} UTC: changes made through other servers "
                       f"appear within {db.refresh_seconds:g} s.")


def guarded(body: Callable[[], None]) -> None:
    """Run a page body, turning a refusal into a clear message instead of a traceback, and a session
    that has ended into a sign-out."""
    def page() -> None:
        freshness_note()      # first, so that it names the copy the body's reads then use
        body()

    _guard(page)


def guarded_fragment(part: Callable[..., None]) -> Callable[..., None]:
    """``st.fragment`` for a part of a page that reruns alone: its own reruns are guarded like a page
    body (:func:`guarded`), so a session that ended meanwhile still signs the person out, with the
    reason, and a refusal still reads as words."""
    @functools.wraps(part)
    def run(*args: Any, **kwargs: Any) -> None:
        _guard(lambda: part(*args, **kwargs))

    return st.fragment(run)


def _guard(body: Callable[[], None]) -> None:
    try:
        body()
    except StaleSession as ended:     # signed out, and shown the sign-in page with the reason
        end_session(ended)
        st.rerun()                    # the whole app, even from a fragment: the sign-in page replaces it
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
    return database().reader().agency_today()
