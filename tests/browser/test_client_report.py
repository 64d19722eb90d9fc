"""The monthly client report, opened as a file in Chromium with every request outside the file refused.

The report of Acme Robotics for March 2025 (:mod:`tests.client_month_fixture`) is written to disk and
opened through a ``file://`` address. Every request that is not for that file is aborted and recorded,
so a script, font, style sheet or image fetched from anywhere (a CDN for Plotly, a web font) fails the
test by name. The page must show every section, draw every figure (Plotly's SVG, the radars' polar
layers), log no console error, and print to an A4 PDF.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from scoring.reports.client_document import SECTIONS, client_document
from scoring.reports.client_month import client_month_report
from scoring.store import Database
from tests.browser.conftest import open_offline
from tests.client_month_fixture import MARKUP_NAME, REVIEWER_NAMES, build
from tests.ops_fixture import person

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("client_report")
    with Database(build(folder / "agency.duckdb")) as db:
        report = client_month_report(db, person("ops"), "CL-1", "2025-03", date(2025, 6, 30))
    path = folder / "acme-2025-03.html"
    path.write_text(client_document(report), encoding="utf-8")
    return path


def test_the_report_opens_offline_whole_and_prints_to_pdf(page, report_file, tmp_path):
    visit = open_offline(page, report_file)
    page.wait_for_selector('[data-figure="radar-2"] .main-svg', timeout=20_000)

    for anchor, heading in SECTIONS.items():
        assert page.locator(f"section#{anchor} h2").inner_text() == heading
    drawn = page.locator(".figure .js-plotly-plot")
    assert drawn.count() == 3                                # the shortlist times and one radar per shortlist
    assert page.locator('[data-figure="shortlist-times"] .barlayer .point').count() == 2
    assert page.locator('[data-figure^="radar"] .polarlayer .scatterlayer .trace').count() == 5   # 2 + 3 candidates
    legend = page.locator('[data-figure="radar-2"] .legendtext').all_text_contents()
    assert MARKUP_NAME in legend                              # the name as written, never run as markup
    text = page.locator("body").inner_text()
    assert MARKUP_NAME in text
    assert not any(name in text or name in " ".join(legend) for name in REVIEWER_NAMES)
    assert "@ops.example" not in page.content()                # no e-mail address anywhere in the file
    assert page.evaluate("() => document.querySelectorAll('script[src], link[href], img[src]').length") == 0

    assert visit.refused == [] and visit.errors == []
    pdf = page.pdf(path=str(tmp_path / "report.pdf"), format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF") and pages >= len(SECTIONS)    # each section starts a new page
