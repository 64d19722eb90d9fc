"""Each role signs in, opens every page it may open, and cannot reach the others."""

from __future__ import annotations

import pytest

from scoring.agency.access import PERMISSIONS
from tests.browser.conftest import sign_in
from ui.navigation import PAGES

pytestmark = pytest.mark.browser

ROLE_EMAILS = {"reviewer": "reviewer@demo.example", "hiring_lead": "lead@demo.example",
               "ops": "ops@demo.example", "admin": "admin@demo.example"}
#: what must be on each page besides its title: (selector, minimum count)
KEY_CONTENT = {
    "Pipeline health": [('[data-testid="stMetric"]', 8), ('[data-testid="stPlotlyChart"] .main-svg', 3)],
    "Score entry": [('[data-testid="stDataFrame"]', 1)],
    "Candidate profile": [('[data-testid="stTextInput"]', 1)],
    "Reviewer calibration": [('[data-testid="stPlotlyChart"] .main-svg', 2)],
    "Ops audit": [('[data-testid="stMetric"]', 4), ('[data-testid="stPlotlyChart"] .main-svg', 1)],
    "Scorecard validity": [('[data-testid="stMetric"]', 1), ('[data-testid="stPlotlyChart"] .main-svg', 1)],
    "Import and export": [('[data-testid="stFileUploader"]', 1)],
    "Admin": [('[data-testid="stTab"]', 3), ('[data-testid="stDataFrame"]', 1)],
    "Fairness audit": [('[data-testid="stDataFrame"]', 1)],
}


def _open_page(page, url: str, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=30_000)


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_each_role_opens_its_pages_without_errors(page, served_app, screenshots, role):
    sign_in(page, served_app.url, ROLE_EMAILS[role])
    allowed = [spec for spec in PAGES if role in PERMISSIONS[spec.permission]]
    assert allowed, f"{role} has no page"
    for spec in allowed:
        _open_page(page, served_app.url, spec.title)
        for selector, minimum in KEY_CONTENT[spec.title]:
            page.locator(selector).nth(minimum - 1).wait_for(timeout=30_000)
        page.wait_for_timeout(300)
        assert page.locator('[data-testid="stException"]').count() == 0, f"{spec.title} shows an exception"
        page.screenshot(path=screenshots / f"{role}-{spec.url_path}.png", full_page=True)
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    forbidden = [spec.title for spec in PAGES if spec not in allowed]
    assert not set(forbidden) & {text.strip() for text in links}


@pytest.mark.parametrize("role", ["reviewer", "ops"])
def test_a_role_cannot_reach_a_page_by_its_address(page, served_app, role):
    forbidden = [spec for spec in PAGES if role not in PERMISSIONS[spec.permission]]
    assert forbidden
    for spec in forbidden:
        page.goto("about:blank")                 # leave the app first: its open page could write the cookie back
        page.context.clear_cookies()             # signed out: a reload would otherwise sign in by cookie
        page.goto(f"{served_app.url}/{spec.url_path}")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        assert page.get_by_role("heading", name=spec.title, exact=True).count() == 0
        page.keyboard.press("Escape")            # closes Streamlit's "Page not found" notice, if shown
        sign_in(page, None, ROLE_EMAILS[role])
        page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=30_000)
        assert page.get_by_role("heading", name=spec.title, exact=True).count() == 0
