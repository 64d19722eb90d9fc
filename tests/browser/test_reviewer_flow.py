"""A reviewer signs in, scores an assigned candidate in the browser, and finds the scores on the profile."""

from __future__ import annotations

import duckdb
import pytest

from scoring.domain.ratings import LEVEL_LABELS
from tests.browser.conftest import choose_option, sign_in

pytestmark = pytest.mark.browser

RATINGS = {"Infrastructure": 4, "Model Deployment": 3, "Monitoring": 2, "Automation": 4, "Governance": 3}


def _first_scorecard_in_queue(database: str) -> tuple[int, str, str]:
    """The oldest scored-stage item in the demo reviewer's queue: application, candidate name and ref."""
    with duckdb.connect(database, read_only=True) as con:
        return con.execute("""
            SELECT x.application_id, c.full_name, c.external_id
            FROM assignments AS x
            JOIN accounts AS r ON r.account_id = x.reviewer_id AND r.email = 'reviewer@demo.example'
            JOIN applications AS a USING (application_id) JOIN candidates AS c USING (candidate_id)
            LEFT JOIN scorecards AS s ON s.application_id = x.application_id AND s.stage_id = x.stage_id
                 AND s.reviewer_id = x.reviewer_id
            WHERE x.stage_id IN (2, 3) AND s.scorecard_id IS NULL
            ORDER BY x.assigned_on, x.application_id, x.stage_id LIMIT 1""").fetchone()


def test_reviewer_submits_a_scorecard_and_sees_it_on_the_profile(page, private_app, demo_file, screenshots):
    application_id, name, ref = _first_scorecard_in_queue(str(demo_file))
    sign_in(page, private_app.url, "reviewer@demo.example")
    page.get_by_role("heading", name="Score entry").wait_for()

    choose_option(page, "Work on", name)
    page.get_by_role("heading", name=name).first.wait_for()
    radios = page.locator('[data-testid="stForm"] [data-testid="stRadio"]')
    for index, rating in enumerate(RATINGS.values()):
        radios.nth(index).get_by_text(f"{rating} {LEVEL_LABELS[rating]}", exact=True).click()
    page.get_by_role("button", name="Submit scorecard").click()
    page.get_by_text(f"Scorecard for {name} submitted.").wait_for(timeout=30_000)
    page.screenshot(path=screenshots / "reviewer-submitted.png", full_page=True)

    # The box and the form below it name the same next candidate, never the one just submitted.
    working_on = page.get_by_role("combobox", name="Work on").input_value().removeprefix("OVERDUE · ")
    heading = page.locator('[data-testid="stHeading"]').filter(has_text=" · ").first.inner_text().strip()
    assert working_on.startswith(f"{heading} · due"), (working_on, heading)
    assert not heading.startswith(name)
    # The confirmation goes at the next action that runs the page, such as choosing other work (a click
    # inside the scorecard's form runs nothing until the form is sent).
    choose_option(page, "Work on", "Pipeline and tooling audit")
    page.get_by_text(f"Scorecard for {name} submitted.").wait_for(state="detached", timeout=30_000)

    page.get_by_role("link", name="Candidate profile").click()
    page.get_by_label("Find a candidate").fill(ref)
    page.get_by_label("Find a candidate").press("Enter")
    page.get_by_role("heading", name=name).wait_for(timeout=30_000)
    breakdown = page.locator('[data-testid="stDataFrame"]').first
    breakdown.wait_for()
    page.locator('[data-testid="stPlotlyChart"]').get_by_text("Riley Reviewer").first.wait_for()
    page.screenshot(path=screenshots / "reviewer-profile.png", full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0

    private_app.stop()
    with duckdb.connect(str(private_app.database), read_only=True) as con:
        stored = con.execute("""
            SELECT d.name, s.rating FROM scorecards AS sc JOIN scores AS s USING (scorecard_id)
            JOIN dimensions AS d USING (dimension_id) JOIN accounts AS a ON a.account_id = sc.reviewer_id
            WHERE sc.application_id = ? AND a.email = 'reviewer@demo.example' AND sc.status = 'submitted'""",
                             [application_id]).fetchall()
    assert dict(stored) == RATINGS
