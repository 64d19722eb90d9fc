"""Sign-in: local accounts by default, the organisation's OpenID Connect provider when configured."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import duckdb
import streamlit as st

from scoring.agency.access import ROLE_LABELS, StaleSession
from scoring.store import accounts
from scoring.store.accounts import SignInError, account_for_email, accounts_able_to_sign_in, authenticate
from scoring.store.db import is_unreachable
from scoring.store.sessions import SESSION_LIFETIME, start_session
from ui.context import (
    ACCOUNT_KEY,
    COOKIE_WRITE_KEY,
    SESSION_COOKIE,
    SESSION_ENDED_KEY,
    UNREACHABLE,
    WANTED_PAGE_KEY,
    account,
    database,
    forget_session,
    keep_session,
)
from ui.text import plain

#: What a session token is made of (URL-safe base64): checked before it goes into the cookie script.
_TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]*")
_SUBMIT_KEY = "sign_in_submit"


def oidc_configured() -> bool:
    """Whether Streamlit's secrets hold an ``[auth]`` section (native OpenID Connect sign-in)."""
    try:
        return "auth" in st.secrets
    except Exception:   # no secrets file at all: Streamlit raises its own not-found error
        return False


def sign_in_page() -> None:
    """The only page a signed-out visitor can reach: the sign-in form or the single sign-on button."""
    _sign_in(None)


def sign_in_page_for(title: str) -> Callable[[], None]:
    """The sign-in page at another page's address: once signed in, the same address opens that page.

    ``app.py`` registers one for every page while nobody is signed in, so a link such as
    ``/candidate?q=CA-022022`` finds a page (no "Page not found"), and the address with its query
    is still there when the sign-in reruns the app with the real pages.
    """
    def page() -> None:
        _sign_in(title)

    return page


def go_to_wanted_page(pages: Mapping[str, st.Page]) -> None:
    """Open the page a visitor asked for before ``app.py`` had run, with its query, if it is among
    ``pages`` (by URL path); see :func:`ui.context.require_account`."""
    wanted = st.session_state.pop(WANTED_PAGE_KEY, None)
    if wanted is not None and wanted[0] in pages:
        st.switch_page(pages[wanted[0]], query_params=wanted[1])


def _sign_in(wanted: str | None) -> None:
    # The reason a session ended stays until the person tries to sign in again: a rerun they did not
    # ask for (the cookie's deletion, a reconnect) must not take it away before they have read it.
    if st.session_state.get(_SUBMIT_KEY):
        st.session_state.pop(SESSION_ENDED_KEY, None)
    ended = st.session_state.get(SESSION_ENDED_KEY)
    if ended:
        st.warning(ended, icon=":material/logout:")
    try:
        single_sign_on = oidc_configured()
        if not accounts_able_to_sign_in(database(), with_password=not single_sign_on):
            _no_account_yet()
        elif single_sign_on:
            _oidc_sign_in(wanted)
        else:
            _local_sign_in(wanted)
    except duckdb.Error as error:
        if not is_unreachable(error):
            raise
        st.error(UNREACHABLE)


def _no_account_yet() -> None:
    """What to do instead of a sign-in nobody can pass: no active account (with a password, unless
    single sign-on is configured)."""
    st.title("MLOps hiring scorecard")
    st.warning("No account can sign in to this database yet, so there is no sign-in form. Whoever runs the "
               "server can add the first admin from the command line, then reload this page:")
    st.code("scorecard accounts add --db PATH --role admin --email EMAIL --name NAME", language="bash")
    st.caption("`scorecard accounts reset-password --db PATH --email EMAIL` gives an existing account a "
               "password instead. For a new agency, `scorecard init --db PATH --admin-email EMAIL` makes an "
               "empty database with its first admin.")


def _local_sign_in(wanted: str | None) -> None:
    st.title("MLOps hiring scorecard")
    with st.form("sign_in"):
        st.subheader("Sign in")
        if wanted:
            st.caption(f"Sign in to open {wanted}.")
        email = st.text_input("Email", key="sign_in_email")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary", key=_SUBMIT_KEY)
    if submitted:
        try:
            actor = authenticate(database(), email, password)
            keep_session(actor, start_session(database(), actor))
        except (SignInError, StaleSession) as refusal:      # stale: changed by an admin in between
            st.error(str(refusal))
        else:
            st.rerun()
    if database().metadata("demo_seed") is not None:
        st.info("Demo database: sign in as reviewer@demo.example, lead@demo.example, ops@demo.example, "
                "auditor@demo.example or admin@demo.example, each with the password demo-password.")


def _oidc_sign_in(wanted: str | None) -> None:
    if not st.user.is_logged_in:
        st.title("MLOps hiring scorecard")
        if wanted:
            st.caption(f"Sign in to open {wanted}.")
        st.button("Sign in with your organisation", on_click=st.login, type="primary")
        return
    email = st.user.email
    if not isinstance(email, str):
        st.error("Your organisation's sign-in gave no email address; ask an admin to check the sign-in settings.")
        st.button("Sign out", on_click=st.logout)
        return
    mapped = account_for_email(database(), email)
    if mapped is None:
        st.error(f"{plain(email)} has no account here; ask an admin to create one.")
        st.button("Sign out", on_click=st.logout)
        return
    st.session_state[ACCOUNT_KEY] = mapped
    st.session_state.pop(SESSION_ENDED_KEY, None)
    st.rerun()


def sign_out() -> None:
    """Sign out of this browser and end the account's sessions everywhere (its session version moves on,
    its session tokens are revoked and this browser's cookie is deleted)."""
    actor = account()
    forget_session()
    if actor is not None:
        try:
            accounts.sign_out(database(), actor)
        except StaleSession:
            pass                 # already ended elsewhere: nothing left to end
        except duckdb.Error as error:
            if not is_unreachable(error):
                raise            # unreachable: this browser is signed out; the others end at their next check
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def sidebar_identity() -> None:
    actor = account()
    if actor is None:
        return
    with st.sidebar:
        st.caption(f"Signed in as **{plain(actor.display_name)}** ({ROLE_LABELS[actor.role]})")
        st.button("Sign out", on_click=sign_out, key="sign_out")


def write_session_cookie() -> None:
    """Write the cookie a sign-in or a sign-out asked for, if any: the session token, or its deletion.

    Streamlit answers a script with no HTTP response of its own, so a short script in the page sets
    the cookie (which therefore cannot be HttpOnly): this origin only, ``SameSite=Strict``,
    ``Secure`` over HTTPS, expiring with the session (:data:`SESSION_LIFETIME`). The server reads
    it back through ``st.context.cookies`` when the page is loaded again.
    """
    value = st.session_state.pop(COOKIE_WRITE_KEY, None)
    if value is None:
        return
    if not _TOKEN_TEXT.fullmatch(value):
        raise ValueError("a session token is URL-safe base64")
    lifetime = int(SESSION_LIFETIME.total_seconds()) if value else 0
    cookie = f"{SESSION_COOKIE}={value}; Path=/; Max-Age={lifetime}; SameSite=Strict"
    st.html(f"<script>document.cookie = '{cookie}' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
            unsafe_allow_javascript=True)
