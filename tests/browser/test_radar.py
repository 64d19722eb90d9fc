"""The candidate radar, as a hiring lead sees it in Chromium: wide enough, every axis label whole.

Issue 15 found it about 150 px wide at 1400 px, with "Monitoring" and "Automation" cut to "ring" and
"ion". The profile now gives it a row of its own; here it must be at least 420 px wide at 1400 and at
1024 px, draw its polar area and labels inside its container, and name every dimension in full.
"""

from __future__ import annotations

import duckdb
import pytest

from scoring.domain.dimensions import DIMENSION_NAMES
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

RADAR = ".js-plotly-plot:has(.polarlayer)"
IDLE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
        ".getAttribute('data-test-script-state') !== 'running'")
MIN_WIDTH = 420


@pytest.fixture(scope="module")
def take_home_candidate(demo_file) -> str:
    """The id of a candidate with one application only, rated at the take-home by at least two reviewers,
    so the profile opens on that application's take-home scores."""
    with duckdb.connect(str(demo_file), read_only=True) as con:
        return con.execute("""
            SELECT c.external_id FROM candidates AS c JOIN applications AS a USING (candidate_id)
            JOIN current_scores AS s USING (application_id)
            WHERE s.stage_id = 3
              AND (SELECT count(*) FROM applications AS o WHERE o.candidate_id = c.candidate_id) = 1
            GROUP BY c.external_id HAVING count(DISTINCT s.reviewer_id) >= 2
            ORDER BY c.external_id LIMIT 1""").fetchone()[0]


def settle(page) -> None:
    page.wait_for_timeout(400)
    page.wait_for_function(IDLE, timeout=60_000)


@pytest.mark.parametrize("width", [1400, 1024])
def test_the_radar_is_wide_and_its_labels_whole(page, served_app, take_home_candidate, screenshots, width):
    page.set_viewport_size({"width": width, "height": 1000})
    sign_in(page, served_app.url, "lead@demo.example")
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Candidate profile").click()
    search = page.get_by_label("Find a candidate")
    search.fill(take_home_candidate)
    search.press("Enter")
    radar = page.locator(RADAR).first
    radar.wait_for(timeout=30_000)
    settle(page)
    radar.scroll_into_view_if_needed()
    page.wait_for_timeout(500)                         # Plotly redraws once it knows its width

    chart = radar.bounding_box()
    drawn = radar.locator(".polarlayer").bounding_box()
    page.screenshot(path=screenshots / f"radar-{width}.png", full_page=False)
    assert chart["width"] >= MIN_WIDTH, f"the radar is {chart['width']:.0f} px wide"
    assert drawn["x"] >= chart["x"] - 1 and drawn["y"] >= chart["y"] - 1, (drawn, chart)
    assert drawn["x"] + drawn["width"] <= chart["x"] + chart["width"] + 1, (drawn, chart)
    assert drawn["y"] + drawn["height"] <= chart["y"] + chart["height"] + 1, (drawn, chart)
    texts = radar.locator("svg text").all_text_contents()
    assert [name for name in DIMENSION_NAMES.values() if name not in texts] == [], texts
    assert {"1", "2", "3", "4", "5"} <= set(texts), texts
