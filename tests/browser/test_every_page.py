"""Every page, for every role that may open it, at 1400 and 1024 px, as a person sees it in Chromium.

A page fails on an error in the browser console (or a request that failed: nothing may be fetched
from outside), a traceback, ``nan``/``None``/``NaT`` outside a table's cells, a table header written
like a column name, or a metric cut off by its box (issue 15, point 8).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.walk import ROLE_EMAILS, WIDTHS, walk

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", list(ROLE_EMAILS))
def test_every_page_reads_cleanly(browser, served_app, screenshots, role, width):
    visits = walk(browser, served_app.url, role, ROLE_EMAILS[role], DEMO_PASSWORD, width, screenshots, "every-")
    assert visits, f"{role} opens no page"
    problems = [f"{visit.page.title}: {problem}" for visit in visits for problem in visit.problems]
    assert not problems, "\n".join(problems)
