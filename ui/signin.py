"""Sign-in: local accounts by default, the organisation's OpenID Connect provider when configured."""

from __future__ import annotations

import duckdb
import streamlit as st

from scoring.agency.access import ROLE_LABELS, StaleSession
from scoring.store import accounts
from scoring.store.accounts import SignInError, account_for_email, accounts_able_to_sign_in, authenticate
from scoring.store.db import is_unreachable
from ui.context import ACCOUNT_KEY, SESSION_ENDED_KEY, UNREACHABLE, account, database
from ui.text import plain


def oidc_configured() -> bool:
    """Whether Streamlit's secrets hold an ``[auth]`` section (native OpenID Connect sign-in)."""
    try:
        return "auth" in st.secrets
    except Exception:   # no secrets file at all: Streamlit raises its own not-found error
        return False


def sign_in_page() -> None:
    """The only page a signed-out visitor can reach: the sign-in form or the single sign-on button."""
    ended = st.session_state.pop(SESSION_ENDED_KEY, None)
    if ended:
        st.warning(ended, icon=":material/logout:")
    try:
        single_sign_on = oidc_configured()
        if not accounts_able_to_sign_in(database(), with_password=not single_sign_on):
            _no_account_yet()
        elif single_sign_on:
            _oidc_sign_in()
        else:
            _local_sign_in()
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


def _local_sign_in() -> None:
    st.title("MLOps hiring scorecard")
    with st.form("sign_in"):
        st.subheader("Sign in")
        email = st.text_input("Email", key="sign_in_email")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            st.session_state[ACCOUNT_KEY] = authenticate(database(), email, password)
        except SignInError as refusal:
            st.error(str(refusal))
        else:
            st.rerun()
    if database().metadata("demo_seed") is not None:
        st.info("Demo database: sign in as reviewer@demo.example, lead@demo.example, ops@demo.example "
                "or admin@demo.example, each with the password demo-password.")


def _oidc_sign_in() -> None:
    if not st.user.is_logged_in:
        st.title("MLOps hiring scorecard")
        st.button("Sign in with your organisation", on_click=st.login, type="primary")
        return
    mapped = account_for_email(database(), st.user.email)
    if mapped is None:
        st.error(f"{plain(st.user.email)} has no account here; ask an admin to create one.")
        st.button("Sign out", on_click=st.logout)
        return
    st.session_state[ACCOUNT_KEY] = mapped
    st.rerun()


def sign_out() -> None:
    """Sign out of this browser and end the account's sessions everywhere (its session version moves on)."""
    actor = st.session_state.pop(ACCOUNT_KEY, None)
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
