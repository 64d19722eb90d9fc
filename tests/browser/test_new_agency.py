"""A new agency's first hour, as it happens: ``scorecard init``, ``scorecard import`` of its files,
then its admin signs in and opens every page an admin may open, in a real browser.

Each page must show its title and no exception, and the browser must log no error, at both
widths a person is likely to use.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from scoring.agency.access import PERMISSIONS
from tests.browser.conftest import start_server
from tests.conftest import ROOT
from ui.navigation import PAGES

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "first.admin@new-agency.example"
ADMIN_PASSWORD = "a-long-first-password"


def _scorecard(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring.cli", *arguments], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, timeout=300)


@pytest.fixture
def new_agency(tmp_path):
    database = tmp_path / "agency.duckdb"
    made = _scorecard("init", "--db", str(database), "--admin-email", ADMIN_EMAIL, "--password-stdin",
                      stdin=ADMIN_PASSWORD + "\n")
    assert made.returncode == 0, made.stdout + made.stderr
    imported = _scorecard("import", str(ROOT / "data" / "samples"), "--db", str(database))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    process, url = start_server(database, tmp_path / "server.log")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.parametrize("width", [1400, 1024])
def test_a_new_agency_signs_in_and_opens_every_page(page, new_agency, screenshots, width):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(new_agency)
    page.get_by_role("textbox", name="Email").fill(ADMIN_EMAIL)
    page.get_by_role("textbox", name="Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator('[data-testid="stSidebar"]').get_by_text("Signed in as").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Deploy").count() == 0, "the toolbar is for people, not developers"
    for spec in [spec for spec in PAGES if "admin" in PERMISSIONS[spec.permission]]:
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=spec.title).click()
        page.get_by_role("heading", name=spec.title, exact=True).wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            ".getAttribute('data-test-script-state') !== 'running'", timeout=60_000)
        page.wait_for_timeout(300)
        assert page.locator('[data-testid="stException"]').count() == 0, f"{spec.title} shows an exception"
        body = page.locator('[data-testid="stMain"]').inner_text()
        for word in ("nan", "NaN", "None"):
            assert f" {word} " not in f" {body} ".replace("\n", " "), f"{spec.title} shows {word!r}"
        page.screenshot(path=screenshots / f"new-agency-{width}-{spec.url_path}.png", full_page=True)
    assert not errors, errors
