"""A new agency's first hour, as it happens: ``scorecard init``, ``scorecard import`` of its files,
then its admin signs in and opens every page an admin may open, in a real browser.

Each page must read cleanly (tests/browser/walk.py says what that means: no console error, no
traceback, no ``nan``, no column-name header, nothing cut, counts that agree in number), at both
widths a person is likely to use.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.conftest import start_server
from tests.browser.walk import WIDTHS, pages_for, sign_in_as, walk
from tests.conftest import ROOT

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


@pytest.mark.parametrize("width", WIDTHS)
def test_a_new_agency_signs_in_and_opens_every_page(browser, new_agency, screenshots, width):
    visits = walk(browser, new_agency, "admin", ADMIN_EMAIL, ADMIN_PASSWORD, width, screenshots, "new-agency-")
    assert [visit.page for visit in visits] == pages_for("admin")
    problems = [f"{visit.page.title}: {problem}" for visit in visits for problem in visit.problems]
    assert not problems, "\n".join(problems)


def test_the_toolbar_is_for_people_not_developers(page, new_agency):
    sign_in_as(page, new_agency, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert page.get_by_role("button", name="Deploy").count() == 0
