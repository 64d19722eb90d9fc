"""Sign-in through the app's entry point: local accounts, or the organisation's OpenID Connect provider."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from scoring.agency.access import Account, StaleSession
from scoring.store import Database, accounts
from scoring.store.accounts import create_operator_account
from tests.conftest import ROOT, account

OIDC_SECRETS = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "s" * 32,
                "client_id": "dashboard", "client_secret": "secret",
                "server_metadata_url": "https://idp.agency.example/.well-known/openid-configuration"}


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("SCORECARD_DB", demo_db.location)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def _titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_a_signed_out_visitor_sees_only_the_sign_in_form(app):
    app.run()
    assert [b.label for b in app.button] == ["Sign in"]
    assert any("demo-password" in i.value for i in app.info)


def test_local_sign_in_opens_the_roles_first_page(app):
    app.run()
    app.text_input(key="sign_in_email").input("lead@demo.example")
    app.text_input(key="sign_in_password").input("demo-password")
    app.button[0].click().run()
    assert not app.exception
    assert _titles(app) == ["Pipeline health"]


def test_a_wrong_password_is_refused_without_saying_why(app):
    app.run()
    app.text_input(key="sign_in_email").input("lead@demo.example")
    app.text_input(key="sign_in_password").input("guess")
    app.button[0].click().run()
    assert [e.value for e in app.error] == ["wrong email or password"]
    assert "account" not in app.session_state


def test_single_sign_on_maps_the_email_to_an_account(app):
    app.secrets["auth"] = OIDC_SECRETS
    app.user = {"is_logged_in": True, "email": "Lead@Demo.Example"}
    app.run()
    assert not app.exception
    assert _titles(app) == ["Pipeline health"]
    assert app.session_state["account"].role == "hiring_lead"


def test_single_sign_on_without_an_account_is_refused(app):
    app.secrets["auth"] = OIDC_SECRETS
    app.user = {"is_logged_in": True, "email": "stranger@elsewhere.example"}
    app.run()
    assert any("has no account here" in e.value for e in app.error)
    assert "account" not in app.session_state


def test_with_single_sign_on_configured_there_is_no_password_form(app):
    app.secrets["auth"] = OIDC_SECRETS
    app.user = {"is_logged_in": False}
    app.run()
    assert [b.label for b in app.button] == ["Sign in with your organisation"]
    assert not app.text_input


# -- a database nobody could sign in to -------------------------------------------------------------

def _no_account(path) -> None:
    Database(path).close()


def _reviewers_without_passwords(path) -> None:
    """What an import into a new file leaves: reviewers' accounts, none with a password."""
    with Database(path) as db:
        for number in (1, 2):
            create_operator_account(db, email=f"reviewer{number}@new-agency.example",
                                    display_name=f"Reviewer {number}", role="reviewer", password=None)


def _app_on(path, monkeypatch) -> AppTest:
    monkeypatch.setenv("SCORECARD_DB", str(path))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


@pytest.mark.parametrize("make", [_no_account, _reviewers_without_passwords],
                         ids=["no account", "no password"])
def test_where_nobody_could_sign_in_the_page_says_what_to_run_instead_of_a_form(tmp_path, monkeypatch, make):
    make(tmp_path / "agency.duckdb")
    app = _app_on(tmp_path / "agency.duckdb", monkeypatch)
    app.run()

    assert not app.exception
    assert not app.button and not app.text_input
    assert any("No account can sign in to this database yet" in w.value for w in app.warning)
    assert [c.value for c in app.code] == ["scorecard accounts add --db PATH --role admin --email EMAIL --name NAME"]


def test_with_single_sign_on_accounts_without_passwords_may_sign_in(tmp_path, monkeypatch):
    _reviewers_without_passwords(tmp_path / "agency.duckdb")
    app = _app_on(tmp_path / "agency.duckdb", monkeypatch)
    app.secrets["auth"] = OIDC_SECRETS
    app.user = {"is_logged_in": False}
    app.run()
    assert [b.label for b in app.button] == ["Sign in with your organisation"]


def test_with_single_sign_on_and_no_account_at_all_the_page_says_what_to_run(tmp_path, monkeypatch):
    _no_account(tmp_path / "agency.duckdb")
    app = _app_on(tmp_path / "agency.duckdb", monkeypatch)
    app.secrets["auth"] = OIDC_SECRETS
    app.user = {"is_logged_in": False}
    app.run()
    assert not app.button
    assert any("No account can sign in" in w.value for w in app.warning)


# -- a session ended elsewhere ----------------------------------------------------------------------

SESSION_CHANGED = "Your session ended: your account was changed by an admin. Sign in again."


def _signed_in(app, email: str) -> AppTest:
    app.run()
    app.text_input(key="sign_in_email").input(email)
    app.text_input(key="sign_in_password").input("demo-password")
    app.button[0].click().run()
    assert "account" in app.session_state, [e.value for e in app.error]
    return app


def _second_admin(db) -> Account:
    """Another admin, acting in a session of their own."""
    first = account(db, "admin")
    accounts.create_account(db, first, "second.admin@demo.example", "Second Admin", "admin", None)
    return account(db, "admin", 1)


@pytest.mark.parametrize("change", [{"role": "reviewer"}, {"active": False}], ids=["demoted", "deactivated"])
def test_an_admin_changed_in_another_session_is_signed_out_on_the_next_rerun(app, demo_db, change):
    _signed_in(app, "admin@demo.example")
    app.switch_page("pages/admin.py").run()
    assert _titles(app) == ["Admin"]
    signed_in = app.session_state["account"]

    accounts.update_account(demo_db, _second_admin(demo_db), signed_in.account_id, **change)
    app.run()

    assert not app.exception and not app.error
    assert "account" not in app.session_state
    assert [w.value for w in app.warning] == [SESSION_CHANGED]
    assert [b.label for b in app.button] == ["Sign in"]
    assert "Admin" not in _titles(app)


def test_the_message_stays_until_the_person_tries_to_sign_in_again(app, demo_db):
    _signed_in(app, "lead@demo.example")
    accounts.update_account(demo_db, account(demo_db, "admin"), app.session_state["account"].account_id,
                            role="ops")
    app.run()
    assert [w.value for w in app.warning] == [SESSION_CHANGED]
    app.run()                          # a rerun nobody asked for (the cookie's deletion, a reconnect)
    assert [w.value for w in app.warning] == [SESSION_CHANGED]

    app.text_input(key="sign_in_email").input("lead@demo.example")
    app.text_input(key="sign_in_password").input("not the password")
    app.button[0].click().run()
    assert not app.warning and app.error


def test_signing_out_ends_the_accounts_other_sessions(demo_db, monkeypatch):
    monkeypatch.setenv("SCORECARD_DB", demo_db.location)
    first, second = (_signed_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "ops@demo.example")
                     for _ in range(2))

    first.sidebar.button(key="sign_out").click().run()
    assert "account" not in first.session_state and not first.warning
    second.run()

    assert "account" not in second.session_state
    assert [w.value for w in second.warning] == [
        "Your session ended: your account was signed out elsewhere, or changed by an admin. Sign in again."]


def test_a_cached_read_is_never_served_to_a_session_that_has_ended(demo_db, monkeypatch):
    """A sign-out elsewhere writes no audit entry, so the data version, and with it the cached answer,
    stay as they were: the session is checked before the cache is asked."""
    from ui.context import read

    monkeypatch.setenv("SCORECARD_DB", demo_db.location)
    admin = account(demo_db, "admin")
    assert not read(accounts.list_accounts, admin).empty             # now cached on the data version
    version = demo_db.data_version()
    accounts.sign_out(demo_db, admin)
    assert demo_db.data_version() == version

    with pytest.raises(StaleSession, match="has ended"):
        read(accounts.list_accounts, admin)
