"""The fairness audit, opened as a file in Chromium with every request outside the file refused.

The audit of the small demo agency over its last year, by sex and race/ethnicity crossed (the most groups,
the tallest charts), is written to disk and opened through a ``file://`` address. Every request that is
not for that file is aborted and recorded, so a script, font, style sheet or image fetched from anywhere
fails the test by name. The page must show every section with its heading, every table, one drawn chart
per stage with a ratio (a bar per group judged, the four-fifths line), every reviewer and group cell, the
method and its sources; log no console error; and print to an A4 PDF.
"""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from scoring.reports.fairness import BIAS_COLUMNS, BIAS_FLAGGED, fairness_report
from scoring.reports.fairness_document import SECTIONS, fairness_document, section_headings
from scoring.reports.fairness_method import cited, method
from scoring.store import Database
from tests.browser.conftest import open_offline
from tests.conftest import DEMO_AS_OF, account

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def written(demo_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fairness_report")
    shutil.copy(demo_file, folder / "demo.duckdb")
    with Database(folder / "demo.duckdb") as db:
        auditor = account(db, "auditor")
        report = fairness_report(db, auditor, DEMO_AS_OF, date(2025, 11, 20), DEMO_AS_OF, "sex_and_race")
    path = folder / "fairness.html"
    path.write_text(fairness_document(report, auditor), encoding="utf-8")
    return path, report


def test_the_audit_opens_offline_whole_and_prints_to_pdf(page, written, tmp_path):
    path, report = written
    visit = open_offline(page, path)

    by_stage = [section for section in SECTIONS if section.split_by == "stage"]
    charts = [(section, number, rows) for section in by_stage for number, (_, rows)
              in enumerate(getattr(report, section.field).groupby("stage", sort=False), start=1)
              if rows["ratio"].notna().any()]
    assert len(charts) >= 5
    last = charts[-1]
    page.wait_for_selector(f'[data-figure="{last[0].anchor}-{last[1]}"] .main-svg', timeout=20_000)

    for anchor, heading in section_headings(report):
        assert page.locator(f"section#{anchor} h2").inner_text() == heading
    bias_drawn = report.reviewer_bias[BIAS_COLUMNS["verdict"]].isin(BIAS_FLAGGED).any()
    assert page.locator(".figure .js-plotly-plot").count() == len(charts) + bias_drawn
    for section, number, rows in charts:
        figure = page.locator(f'[data-figure="{section.anchor}-{number}"]')
        assert figure.locator(".barlayer .point").count() == rows["ratio"].notna().sum()
        assert figure.locator(".shapelayer path").count() == 1                # the four-fifths line
        assert "Four-fifths (0.80)" in figure.locator(".annotation-text").all_text_contents()
    for section in by_stage:
        stages = getattr(report, section.field)["stage"].nunique()
        assert page.locator(f"section#{section.anchor} table").count() == stages
    bias_rows = page.locator("section#reviewer-bias tbody tr")
    assert bias_rows.count() == len(report.reviewer_bias) > 0

    text = page.locator("body").inner_text()
    for step in method(report.min_size):
        assert step.title in text
    assert all(source.full in text for source in cited(method(report.min_size)))
    assert not re.search(r"\b(nan|None|NaN|null)\b", text)
    assert page.evaluate("() => document.querySelectorAll('script[src], link[href], img[src]').length") == 0

    assert visit.refused == [] and visit.errors == []
    pdf = page.pdf(path=str(tmp_path / "fairness.pdf"), format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF") and pages >= len(section_headings(report))    # each section starts a new page
