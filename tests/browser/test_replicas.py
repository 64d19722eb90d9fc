"""Several replicas, one truth: two app servers on one PostgreSQL database, driven by real browsers.

Two reviewers submit through different servers at the same moment; each submission is stored
once and shows on both servers. Then one server stops with a reviewer's scorecard half filled in:
nothing of it was written, and the reviewer finishes it on the other server, which carries on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from scoring.domain.ratings import LEVEL_LABELS
from scoring.store import Database
from tests.browser.conftest import choose_option, sign_in, start_server

pytestmark = pytest.mark.browser

REFRESH_SECONDS = 1
RATINGS = (3, 4, 2, 3, 4)           # no 1 or 5: those need a note


@dataclass(frozen=True)
class Work:
    email: str
    reviewer: str
    reviewer_id: int
    application_id: int
    stage_id: int
    stage: str
    candidate: str
    candidate_ref: str


def open_work(db: Database, how_many: int) -> list[Work]:
    """The first unscored interview or take-home of ``how_many`` reviewers, each for a candidate with
    one application, so that the candidate's profile opens on it."""
    rows = db.frame("""
        SELECT r.email, r.display_name, r.account_id, x.application_id, x.stage_id, st.name AS stage,
               c.full_name, c.external_id
        FROM assignments AS x
        JOIN accounts AS r ON r.account_id = x.reviewer_id
        JOIN stages AS st USING (stage_id)
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c USING (candidate_id)
        LEFT JOIN scorecards AS sc ON sc.application_id = x.application_id AND sc.stage_id = x.stage_id
             AND sc.reviewer_id = x.reviewer_id
        WHERE x.stage_id IN (2, 3) AND sc.scorecard_id IS NULL
          AND (SELECT count(*) FROM applications AS o WHERE o.candidate_id = c.candidate_id) = 1
        ORDER BY r.account_id, x.assigned_on, x.application_id""")
    found: list[Work] = []
    for row in rows.itertuples(index=False):
        if any(w.reviewer_id == row.account_id or w.candidate == row.full_name for w in found):
            continue
        found.append(Work(*row))
        if len(found) == how_many:
            return found
    raise AssertionError("the demo should give several reviewers open work")


def fill_in(page, server: str, work: Work) -> None:
    """Sign ``work``'s reviewer in and rate ``work``, stopping short of submitting."""
    sign_in(page, server, work.email)
    page.get_by_role("heading", name="Score entry").wait_for()
    choose_option(page, "Work on", work.candidate)
    page.get_by_role("heading", name=f"{work.candidate} · {work.stage}").wait_for()
    radios = page.locator('[data-testid="stForm"] [data-testid="stRadio"]')
    for index, rating in enumerate(RATINGS):
        radios.nth(index).get_by_text(f"{rating} {LEVEL_LABELS[rating]}", exact=True).click()


def submitted(page, work: Work) -> None:
    page.get_by_text(f"Scorecard for {work.candidate} submitted.").wait_for(timeout=30_000)


def shows_reviewer_on_profile(page, server: str, work: Work) -> None:
    """The hiring lead finds ``work``'s ratings, by reviewer, on the candidate's profile."""
    sign_in(page, server, "lead@demo.example")
    page.get_by_role("link", name="Candidate profile").click()
    page.get_by_label("Find a candidate").fill(work.candidate_ref)
    page.get_by_label("Find a candidate").press("Enter")
    page.get_by_role("heading", name=work.candidate).wait_for(timeout=30_000)
    choose_option(page, "Stage", work.stage)
    page.locator('[data-testid="stPlotlyChart"]').get_by_text(work.reviewer).first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def stored(db: Database, work: Work) -> list[tuple[str, int]]:
    """``work``'s scorecards as (status, number of ratings), straight from PostgreSQL."""
    rows = db.frame("""SELECT sc.status, count(s.rating) AS ratings FROM scorecards AS sc
                       LEFT JOIN scores AS s USING (scorecard_id)
                       WHERE sc.reviewer_id = ? AND sc.application_id = ? AND sc.stage_id = ?
                       GROUP BY sc.scorecard_id, sc.status""", [work.reviewer_id, work.application_id, work.stage_id])
    return list(rows.itertuples(index=False, name=None))


def test_two_servers_share_one_truth_and_one_carries_on_when_the_other_stops(browser, pg_demo_url, tmp_path):
    db = Database(pg_demo_url)
    first, second, third = open_work(db, 3)
    servers = [start_server(pg_demo_url, tmp_path / f"server-{name}.log",
                            SCORECARD_REFRESH_SECONDS=str(REFRESH_SECONDS)) for name in "ab"]
    (process_a, server_a), (_, server_b) = servers
    try:
        on_a, on_b = browser.new_context().new_page(), browser.new_context().new_page()
        fill_in(on_a, server_a, first)
        fill_in(on_b, server_b, second)
        on_a.get_by_role("button", name="Submit scorecard").click()      # both at once
        on_b.get_by_role("button", name="Submit scorecard").click()
        submitted(on_a, first)
        submitted(on_b, second)
        assert stored(db, first) == stored(db, second) == [("submitted", 5)]

        time.sleep(REFRESH_SECONDS + 1)       # the promised bound on how stale a server's figures are
        shows_reviewer_on_profile(browser.new_context().new_page(), server_a, second)
        shows_reviewer_on_profile(browser.new_context().new_page(), server_b, first)

        fill_in(browser.new_context().new_page(), server_a, third)
        process_a.terminate()                  # server A stops with the scorecard filled in, unsent
        process_a.wait(timeout=20)
        assert stored(db, third) == []

        moved = browser.new_context().new_page()
        fill_in(moved, server_b, third)
        moved.get_by_role("button", name="Submit scorecard").click()
        submitted(moved, third)
        assert stored(db, third) == [("submitted", 5)]
        assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'submit'") == 3
    finally:
        for process, _ in servers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        db.close()
