"""Stored text is shown as text in a real browser: no outside request, no link, no image, no HTML.

The app serves the demo agency with markup planted in every free-text field (names, role titles,
notes, reasons, exercise names, audit entries: :mod:`tests.hostile_fixture`), every address on
203.0.113.9. Each role signs in and opens every page it may open, every tab and every expander,
a candidate's profile and a reviewer's scorecard. Throughout, no request may leave 127.0.0.1, and
no element may link to, load from or style itself with that address; the planted text must be
there, shown as the characters it is.
"""

from __future__ import annotations

import duckdb
import pytest

from scoring.agency.access import PERMISSIONS
from tests.browser.conftest import choose_option, sign_in, start_server
from tests.hostile_fixture import ACCOUNT_NAMES, HOST, MARKUP, build
from ui.navigation import PAGES
from ui.text import WORD_JOINER

pytestmark = pytest.mark.browser

ROLE_EMAILS = {"reviewer": "reviewer@demo.example", "hiring_lead": "lead@demo.example",
               "ops": "ops@demo.example", "admin": "admin@demo.example"}
#: Attributes through which an element fetches something or links somewhere.
FETCHING = ("href", "xlink:href", "src", "srcset", "poster", "data", "action", "formaction", "background", "style")
FIND_FETCHING = """(host) => {
    const names = new Set(FETCHING_NAMES);
    const hits = [];
    for (const element of document.querySelectorAll('*')) {
        for (const attribute of element.attributes) {
            if (names.has(attribute.name) && attribute.value.includes(host)) {
                hits.push(`${element.tagName} ${attribute.name}=${attribute.value.slice(0, 120)}`);
            }
        }
    }
    return hits;
}""".replace("FETCHING_NAMES", str(list(FETCHING)))
IDLE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') !== 'running'")


@pytest.fixture(scope="module")
def hostile_app(demo_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile_server")
    database = build(demo_file, folder / "hostile.duckdb")
    chosen = {role: candidate_to_open(database, role) for role in ROLE_EMAILS}     # before the server holds it
    chosen["queue"] = queue_item(database)
    process, url = start_server(database, folder / "server.log")
    yield url, chosen
    process.terminate()
    process.wait(timeout=20)


def settle(page) -> None:
    """Wait until the script has run after the last input."""
    page.wait_for_timeout(400)
    page.wait_for_function(IDLE, timeout=60_000)


def shown_text(page) -> str:
    return page.locator("body").inner_text().replace(WORD_JOINER, "")


def open_expanders(page) -> None:
    """Open every closed expander in view."""
    closed = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
    for _ in range(closed.count()):
        visible = [closed.nth(i) for i in range(closed.count()) if closed.nth(i).is_visible()]
        if not visible:
            break
        visible[0].click()
        page.wait_for_timeout(150)


def open_everything(page) -> str:
    """Show every tab in turn and open every expander, so that everything they hold is drawn; the
    text shown along the way (a hidden tab's text is not shown)."""
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    texts = []
    for index in range(max(tabs.count(), 1)):
        if tabs.count():
            tabs.nth(index).click()
            page.wait_for_timeout(300)
        open_expanders(page)
        settle(page)
        texts.append(shown_text(page))
    return "\n".join(texts)


def queue_item(database) -> str:
    """The name of a candidate named with markup waiting in the demo reviewer's queue at a scored stage."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("""
            SELECT c.full_name FROM assignments AS x
            JOIN accounts AS r ON r.account_id = x.reviewer_id AND r.email = 'reviewer@demo.example'
            JOIN applications AS a USING (application_id) JOIN candidates AS c USING (candidate_id)
            LEFT JOIN scorecards AS sc ON sc.application_id = x.application_id AND sc.stage_id = x.stage_id
                 AND sc.reviewer_id = x.reviewer_id AND sc.status <> 'superseded'
            WHERE x.stage_id IN (2, 3) AND coalesce(sc.status, 'draft') = 'draft' AND c.full_name IN ?
            ORDER BY x.assigned_on, x.application_id LIMIT 1""", [MARKUP]).fetchone()[0]


def candidate_to_open(database, role: str) -> tuple[str, str]:
    """A candidate named with markup whose profile ``role`` may open (the reviewer: one assigned to
    them; the others: one with an adjudicated decision): external id and name."""
    with duckdb.connect(str(database), read_only=True) as con:
        if role == "reviewer":
            return con.execute("""
                SELECT c.external_id, c.full_name FROM assignments AS x
                JOIN accounts AS r ON r.account_id = x.reviewer_id AND r.email = 'reviewer@demo.example'
                JOIN applications AS a USING (application_id) JOIN candidates AS c USING (candidate_id)
                WHERE c.full_name IN ? ORDER BY x.application_id LIMIT 1""", [MARKUP]).fetchone()
        return con.execute("""
            SELECT c.external_id, c.full_name FROM final_decisions AS f JOIN applications AS a USING (application_id)
            JOIN candidates AS c USING (candidate_id) WHERE c.full_name IN ? ORDER BY f.application_id LIMIT 1""",
                           [MARKUP]).fetchone()


@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_stored_markup_is_shown_as_text_on_every_page(page, hostile_app, screenshots, role):
    url, chosen = hostile_app
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, url, ROLE_EMAILS[role])
    for spec in PAGES:
        if role not in PERMISSIONS[spec.permission]:
            continue
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=spec.title).click()
        page.get_by_role("heading", name=spec.title, exact=True).wait_for(timeout=30_000)
        settle(page)
        expected = [ACCOUNT_NAMES[ROLE_EMAILS[role]]]                      # the sidebar's display name
        if spec.path == "pages/candidate.py":
            reference, name = chosen[role]
            search = page.get_by_label("Find a candidate")
            search.fill(reference)
            search.press("Enter")
            page.locator('[data-testid="stMain"] h2').first.wait_for(timeout=30_000)
            settle(page)
            expected.append(name)
        if spec.path == "pages/score_entry.py":
            choose_option(page, "Work on", chosen["queue"])
            settle(page)
            expected.append(chosen["queue"])
        text = open_everything(page)
        assert page.locator('[data-testid="stException"]').count() == 0, spec.title
        assert page.evaluate(FIND_FETCHING, HOST) == [], spec.title
        assert [name for name in expected if name not in text] == [], spec.title
        if spec.path == "pages/calibration.py":
            assert any(name in text for name in MARKUP), "no reviewer's name in the calibration charts"
        page.screenshot(path=screenshots / f"stored-text-{role}-{spec.url_path}.png", full_page=True)
    outside = [address for address in requests
               if not address.startswith((url, "data:", "blob:")) or HOST in address]
    assert outside == []
