"""The monthly client report as an HTML file: whole, self-contained, escaped, and free of what a client
must not read. (Chromium opens the same file offline in ``tests/browser/test_client_report.py``.)"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from scoring.reports.client_document import CONTENT_POLICY, SECTIONS, client_document, file_name
from scoring.reports.client_month import client_month_report
from tests import client_month_fixture
from tests.ops_fixture import person

TODAY = date(2025, 6, 30)


class Visible(HTMLParser):
    """The text a reader sees: everything outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    reader = Visible()
    reader.feed(page)
    return " ".join(reader.parts)


@pytest.fixture(scope="module")
def march(scored_agency):
    return client_month_report(scored_agency, person("ops"), "CL-1", "2025-03", TODAY)


@pytest.fixture(scope="module")
def page(march):
    return client_document(march)


def test_every_section_is_written_in_order(page):
    anchors = re.findall(r'<section id="([\w-]+)"><h2>([^<]+)</h2>', page)
    assert anchors == list(SECTIONS.items())


def test_plotly_is_inlined_once_and_nothing_is_fetched(page):
    assert len(re.findall(r"\* plotly\.js v\d", page)) == 1
    assert page.count("Plotly.newPlot(") == 3                    # the shortlist times, two radars
    assert re.findall(r'data-figure="([\w-]+)"', page) == ["shortlist-times", "radar-1", "radar-2"]
    assert not re.search(r"<(script|link|img|iframe|source|video|audio)\b[^>]*\b(src|href)\s*=", page, re.I)
    assert f'content="{CONTENT_POLICY}"' in page and "default-src 'none'" in CONTENT_POLICY


def test_names_are_printed_as_written_never_run(page):
    assert "<script>alert(1)" not in page and "<b>Zoë" not in page
    assert "&lt;b&gt;Zoë&lt;/b&gt; &quot;Z&quot; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in page   # the table
    assert client_month_fixture.MARKUP_NAME in visible_text(page)


def test_no_reviewer_no_e_mail_and_no_missing_value_marks(page):
    text = visible_text(page)
    for hidden in (*client_month_fixture.REVIEWER_NAMES, "@ops.example"):
        assert hidden not in page
    assert not re.search(r"\b(nan|None|NaT|null)\b", text)


def test_a_quiet_month_says_so_in_sentences_and_carries_no_plotly(scored_agency):
    quiet = client_document(client_month_report(scored_agency, person("ops"), "CL-2", "2024-08", TODAY))
    assert "plotly.js v" not in quiet and "Plotly.newPlot" not in quiet
    text = visible_text(quiet)
    for sentence in ("No search of yours was open in August 2024.", "No search to draw this month.",
                     "No shortlist was delivered in August 2024.",
                     "No replacement was requested or under way this month."):
        assert sentence in text


def test_a_month_not_over_says_so(scored_agency):
    partial = client_month_report(scored_agency, person("ops"), "CL-5", "2025-06", date(2025, 6, 15))
    assert "As of 15 Jun 2025: the month is not over yet" in client_document(partial)


def test_the_file_is_named_after_the_client_and_month(march):
    assert file_name(march.client_ref, march.month) == "client-report-CL-1-2025-03.html"
