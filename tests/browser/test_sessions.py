"""Sessions in a real browser: kept across reloads for a working day, ended everywhere when they should be.

* A reload, or a new tab, keeps the person signed in on the page they were on: the browser holds a
  session token in a cookie (never the password or the account id).
* Signing out deletes the cookie and revokes the token, so a reload shows the sign-in form; the old
  token, put back into a browser, is refused, as are an expired token and one never issued.
* A link to a page while signed out (``/candidate?q=<candidate ref>``) asks for sign-in, with no
  "Page not found", then opens that page with its query.
* A session ends when an admin changes its account elsewhere: the next click signs the person out.
  Two admins in two browsers (two Playwright contexts, so two Streamlit sessions). Admin A
  deactivates admin B while B has the Admin page open; B then tries to create an account. That
  click signs B out with the reason instead of running the form, and the database shows that
  nothing was created.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from datetime import timedelta

import duckdb
import pytest
from playwright.sync_api import expect

from scoring.reports.candidate import profile_link
from scoring.store import Database
from scoring.store.accounts import create_operator_account
from scoring.store.sessions import utc_now
from tests.browser.conftest import DEMO_PASSWORD, ServedApp, choose_option, sign_in, start_server
from ui.context import SESSION_COOKIE

pytestmark = pytest.mark.browser

SECOND_ADMIN = "second.admin@demo.example"
ENDED = "Your session ended: your account was changed by an admin. Sign in again."


class TwoAdminsApp(ServedApp):
    """A server of the test's own on a copy of the demo agency that has a second admin."""

    def __init__(self, demo_file, folder) -> None:
        self.database = folder / "demo.duckdb"
        shutil.copy(demo_file, self.database)
        with Database(self.database) as db:
            create_operator_account(db, email=SECOND_ADMIN, display_name="Second Admin", role="admin",
                                    password=DEMO_PASSWORD)
        self.process, self.url = start_server(self.database, folder / "server.log")


@pytest.fixture
def two_admins_app(demo_file, tmp_path):
    app = TwoAdminsApp(demo_file, tmp_path)
    yield app
    app.stop()


def open_admin_page(page) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Admin").click()
    page.get_by_role("heading", name="Admin", exact=True).wait_for(timeout=30_000)
    page.get_by_role("tab", name="Accounts").click()


def test_an_admin_deactivated_elsewhere_is_signed_out_at_the_next_click(browser, two_admins_app, screenshots):
    url = two_admins_app.url
    first, second = browser.new_context(), browser.new_context()
    try:
        a, b = first.new_page(), second.new_page()
        sign_in(a, url, "admin@demo.example")
        sign_in(b, url, SECOND_ADMIN)
        open_admin_page(b)
        b.get_by_label("Email", exact=True).fill("sneaky.admin@demo.example")
        b.get_by_label("Display name", exact=True).fill("Sneaky Admin")

        open_admin_page(a)
        choose_option(a, "Account", SECOND_ADMIN)
        choose_option(a, "Active", "Deactivated")
        a.get_by_role("button", name="Save change").click()
        a.get_by_text("Account updated.").wait_for(timeout=30_000)

        b.get_by_role("button", name="Create account").click()
        b.get_by_text(ENDED).wait_for(timeout=30_000)
        b.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        # The previous run's elements stay until the new run has finished: wait for them to go.
        expect(b.get_by_role("heading", name="Admin", exact=True)).to_have_count(0)
        expect(b.locator('[data-testid="stSidebar"]').get_by_text("Signed in as")).to_have_count(0)
        assert b.locator('[data-testid="stException"]').count() == 0
        b.screenshot(path=screenshots / "session-ended.png", full_page=True)

        a.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Pipeline health").click()
        a.get_by_role("heading", name="Pipeline health", exact=True).wait_for(timeout=30_000)   # A is still in
    finally:
        first.close()
        second.close()
    two_admins_app.stop()                  # the server holds the database file until it stops
    with Database(two_admins_app.database) as db:
        assert db.scalar("SELECT count(*) FROM accounts WHERE email = 'sneaky.admin@demo.example'") == 0
        assert db.scalar("SELECT active FROM accounts WHERE email = ?", [SECOND_ADMIN]) is False


# -- a working day across reloads -----------------------------------------------------------------

LEAD = "lead@demo.example"
SIGNED_IN_AS = "Signed in as"
EXPIRED = "Your session expired: a sign-in lasts 10 hours. Sign in again."
SIGNED_OUT_ELSEWHERE = ("Your session ended: your account was signed out elsewhere, or changed by an admin. "
                        "Sign in again.")


def session_cookie(context) -> dict | None:
    """The session cookie the browser holds for the app, if any."""
    return next((c for c in context.cookies() if c["name"] == SESSION_COOKIE), None)


def wait_for_cookie(context, present: bool = True, timeout: float = 30) -> dict | None:
    """Wait until the browser holds the session cookie (or, with ``present`` false, no longer does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cookie = session_cookie(context)
        if (cookie is not None) == present:
            return cookie
        time.sleep(0.1)
    raise AssertionError(f"the session cookie is {'missing' if present else 'still there'}")


def signed_in(page) -> bool:
    return page.locator('[data-testid="stSidebar"]').get_by_text(SIGNED_IN_AS).count() > 0


def wait_for_sign_in_form(page) -> None:
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)


def open_from_sidebar(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=30_000)


def test_a_reload_or_a_new_tab_keeps_the_person_signed_in_on_their_page(browser, served_app, screenshots):
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, served_app.url, LEAD)
        cookie = wait_for_cookie(context)
        assert len(cookie["value"]) >= 43 and LEAD not in cookie["value"] and DEMO_PASSWORD not in cookie["value"]
        assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert cookie["expires"] > time.time() + 9.9 * 3600          # a working day, not a browser session

        open_from_sidebar(page, "Reviewer calibration")
        page.reload()
        page.get_by_role("heading", name="Reviewer calibration", exact=True).wait_for(timeout=30_000)
        page.locator('[data-testid="stSidebar"]').get_by_text(SIGNED_IN_AS).wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Sign in").count() == 0
        page.screenshot(path=screenshots / "session-after-reload.png", full_page=True)

        other_tab = context.new_page()
        other_tab.goto(f"{served_app.url}/pipeline")
        other_tab.get_by_role("heading", name="Pipeline health", exact=True).wait_for(timeout=30_000)
        assert signed_in(other_tab)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def test_signing_out_deletes_the_cookie_and_a_reload_shows_the_sign_in_form(browser, private_app):
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, private_app.url, LEAD)
        wait_for_cookie(context)
        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        wait_for_sign_in_form(page)
        wait_for_cookie(context, present=False)

        page.reload()
        wait_for_sign_in_form(page)
        assert not signed_in(page)
        assert page.get_by_text(SIGNED_OUT_ELSEWHERE).count() == 0     # their own sign-out needs no notice
    finally:
        context.close()


def restart(app: ServedApp) -> None:
    """Stop the app's server and start a new one on the same database (a new address)."""
    app.stop()
    app.process, app.url = start_server(app.database, app.database.parent / "restarted.log")


def _browser_holding(browser, url: str, token: str):
    """A new browser context holding ``token`` as its session cookie, as a browser that kept it would."""
    context = browser.new_context()
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url, "sameSite": "Strict"}])
    return context


def test_a_revoked_token_is_refused_and_deleted(browser, private_app):
    first = browser.new_context()
    try:
        page = first.new_page()
        sign_in(page, private_app.url, LEAD)
        token = wait_for_cookie(first)["value"]
        page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
        wait_for_sign_in_form(page)
    finally:
        first.close()

    kept = _browser_holding(browser, private_app.url, token)      # a copy of the cookie from before
    try:
        page = kept.new_page()
        page.goto(private_app.url)
        page.get_by_text(SIGNED_OUT_ELSEWHERE).wait_for(timeout=30_000)
        wait_for_sign_in_form(page)
        assert not signed_in(page)
        wait_for_cookie(kept, present=False)
    finally:
        kept.close()


def test_a_token_never_issued_is_refused_without_a_word(browser, served_app):
    context = _browser_holding(browser, served_app.url, secrets.token_urlsafe(32))
    try:
        page = context.new_page()
        page.goto(f"{served_app.url}/pipeline")
        wait_for_sign_in_form(page)
        assert not signed_in(page)
        assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0
        assert page.get_by_role("heading", name="Pipeline health", exact=True).count() == 0
        wait_for_cookie(context, present=False)
    finally:
        context.close()


def test_an_expired_token_is_refused_with_the_reason(browser, private_app):
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, private_app.url, LEAD)
        token = wait_for_cookie(context)["value"]
    finally:
        context.close()

    private_app.stop()                      # the server holds the database file until it stops
    eleven_hours_ago = utc_now() - timedelta(hours=11)
    with Database(private_app.database) as db:
        db.write(lambda cur: cur.execute("UPDATE sessions SET created_at = ?, expires_at = ?",
                                         [eleven_hours_ago, eleven_hours_ago + timedelta(hours=10)]))
    restart(private_app)

    context = _browser_holding(browser, private_app.url, token)
    try:
        page = context.new_page()
        page.goto(private_app.url)
        page.get_by_text(EXPIRED).wait_for(timeout=30_000)
        wait_for_sign_in_form(page)
        assert not signed_in(page)
    finally:
        context.close()


# -- links ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def candidate_ref(demo_file) -> tuple[str, str]:
    """(external id, full name) of a candidate of the demo agency."""
    with duckdb.connect(str(demo_file), read_only=True) as con:
        return con.execute("SELECT external_id, full_name FROM candidates ORDER BY candidate_id LIMIT 1").fetchone()


def open_candidate_link(page, url: str, ref: str) -> None:
    """Open the address every table links a candidate's profile by."""
    page.goto(url + profile_link(ref))


def expect_candidate_profile(page, ref: str, name: str) -> None:
    """The profile of the linked candidate, found by the link's query, at the link's address.

    Waited for rather than read at once: on a server that has not run the app yet, the page file
    runs first and hands over to the entry point, which comes back to the page.
    """
    search = page.get_by_label("Find a candidate by name, id (e.g. CA-000123) or email")
    expect(search).to_have_value(ref, timeout=30_000)
    page.get_by_role("heading", name="Candidate profile", exact=True).wait_for(timeout=30_000)
    page.get_by_text(name).first.wait_for(timeout=30_000)
    expect(page).to_have_url(re.compile(rf"/candidate\?q={ref}$"))
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("first_visit", [True, False], ids=["first visit to the server", "server already in use"])
def test_a_link_opened_signed_out_leads_through_sign_in_to_that_page_and_query(browser, private_app, candidate_ref,
                                                                             screenshots, first_visit):
    """Until a server has run the app once, Streamlit sends an address straight to the page file;
    the link must survive that too."""
    ref, name = candidate_ref
    context = browser.new_context()
    try:
        if not first_visit:
            context.new_page().goto(private_app.url)
        page = context.new_page()
        open_candidate_link(page, private_app.url, ref)
        wait_for_sign_in_form(page)
        page.get_by_text("Sign in to open Candidate profile.").wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_role("heading", name="Candidate profile", exact=True).count() == 0

        sign_in(page, None, LEAD)
        expect_candidate_profile(page, ref, name)
        page.screenshot(path=screenshots / "deep-link-after-sign-in.png", full_page=True)
    finally:
        context.close()


def test_a_link_opened_after_the_server_restarted_opens_for_someone_signed_in(browser, private_app, candidate_ref):
    ref, name = candidate_ref
    context = browser.new_context()
    try:
        sign_in(context.new_page(), private_app.url, LEAD)
        token = wait_for_cookie(context)["value"]
    finally:
        context.close()
    restart(private_app)

    context = _browser_holding(browser, private_app.url, token)
    try:
        page = context.new_page()
        open_candidate_link(page, private_app.url, ref)
        expect_candidate_profile(page, ref, name)
        assert signed_in(page)
    finally:
        context.close()
