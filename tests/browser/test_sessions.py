"""A session ends when an admin changes its account elsewhere: the next click signs the person out.

Two admins in two browsers (two Playwright contexts, so two Streamlit sessions). Admin A deactivates
admin B while B has the Admin page open; B then tries to create an account. That click signs B out
with the reason instead of running the form, and the database shows that nothing was created.
"""

from __future__ import annotations

import shutil

import pytest

from scoring.store import Database
from scoring.store.accounts import create_operator_account
from tests.browser.conftest import DEMO_PASSWORD, ServedApp, choose_option, sign_in, start_server

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
        choose_option(a, "Active", "False")
        a.get_by_role("button", name="Save change").click()
        a.get_by_text("Account updated.").wait_for(timeout=30_000)

        b.get_by_role("button", name="Create account").click()
        b.get_by_text(ENDED).wait_for(timeout=30_000)
        b.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        b.screenshot(path=screenshots / "session-ended.png", full_page=True)
        assert b.get_by_role("heading", name="Admin", exact=True).count() == 0
        assert b.locator('[data-testid="stSidebar"]').get_by_text("Signed in as").count() == 0
        assert b.locator('[data-testid="stException"]').count() == 0

        a.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Pipeline health").click()
        a.get_by_role("heading", name="Pipeline health", exact=True).wait_for(timeout=30_000)   # A is still in
    finally:
        first.close()
        second.close()
    two_admins_app.stop()                  # the server holds the database file until it stops
    with Database(two_admins_app.database) as db:
        assert db.scalar("SELECT count(*) FROM accounts WHERE email = 'sneaky.admin@demo.example'") == 0
        assert db.scalar("SELECT active FROM accounts WHERE email = ?", [SECOND_ADMIN]) is False
