"""The fairness audit as an HTML file: every section written, the report's own numbers in its tables and
charts, the method and its sources in full, nothing fetched from outside, and no missing-value mark.
(Chromium opens the same file offline in ``tests/browser/test_fairness_report.py``.)"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from scoring.agency.access import Account
from scoring.reports.fairness import BIAS_COLUMNS, BIAS_FLAGGED, FairnessReport, fairness_report
from scoring.reports.fairness_document import (
    SECTIONS,
    bias_chart,
    fairness_document,
    file_name,
    impact_chart,
    section_headings,
)
from scoring.reports.fairness_method import METHOD_TITLE, SOURCES, cited, method, method_markdown
from scoring.reports.html_document import CONTENT_POLICY
from scoring.store import Database
from tests.conftest import DEMO_AS_OF, account

YEAR_AGO = date(2025, 11, 20)


class Reader(HTMLParser):
    """The visible text, and every table's rows by the section (``id``) and sub-heading (``h3``) they sit under."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.text: list[str] = []
        self.section, self.heading, self.in_heading = "", "", False
        self.tables: dict[tuple[str, str], list[list[str]]] = {}
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        if tag == "section":
            self.section, self.heading = dict(attrs)["id"], ""
        elif tag == "h3":
            self.in_heading, self.heading = True, ""
        elif tag == "table":
            self.tables[(self.section, self.heading)] = []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")
        if tag == "h3":
            self.in_heading = False
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[(self.section, self.heading)].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.hidden:
            return
        self.text.append(data)
        if self.in_heading:
            self.heading += data
        if self.cell is not None:
            self.cell.append(data)


def read(page: str) -> Reader:
    reader = Reader()
    reader.feed(page)
    return reader


@pytest.fixture(scope="module")
def db(demo_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("fairness_document") / "demo.duckdb"
    shutil.copy(demo_file, path)
    with Database(path) as handle:
        yield handle


@pytest.fixture(scope="module")
def auditor(db) -> Account:
    return account(db, "auditor")


@pytest.fixture(scope="module")
def report(db, auditor) -> FairnessReport:
    return fairness_report(db, auditor, DEMO_AS_OF, YEAR_AGO, DEMO_AS_OF)


@pytest.fixture(scope="module")
def page(report, auditor) -> str:
    return fairness_document(report, auditor)


def test_every_section_is_written_in_order(page, report):
    written = re.findall(r'<section id="([\w-]+)"><h2>([^<]+)</h2>', page)
    assert written == section_headings(report)
    assert [anchor for anchor, _ in written] == ["summary", "stages", "scoring", *[
        anchor for anchor, _ in section_headings(report)[3:-2]], "method", "sources"]
    assert [s.anchor for s in SECTIONS] == ["stages", "scoring", "reviewer-bias"]
    assert dict(written)["reviewer-bias"] == "Reviewers who score one group differently"


def test_the_header_says_when_for_which_period_by_what_and_who_ran_it(page, auditor):
    header = page[page.index("<header>"):page.index("</header>")]
    assert "As of 20 Nov 2026, decisions from 20 Nov 2025 to 20 Nov 2026, grouped by sex" in header
    assert f"Run by {auditor.display_name} (auditor)" in header
    assert "fewer than 30 decisions, or under 2% of the decisions of candidates who stated a group" in header


@pytest.mark.parametrize(("anchor", "field", "names"), [
    ("stages", "stages", ["Group", "Decided", "Passed", "Pass rate"]),
    ("scoring", "scoring", ["Stage median", "Group", "Scored", "Above the median", "Scoring rate"]),
])
def test_each_stage_table_holds_the_reports_own_numbers(page, report, anchor, field, names):
    tables = {heading: rows for (section, heading), rows in read(page).tables.items() if section == anchor}
    frame: pd.DataFrame = getattr(report, field)
    assert list(tables) == list(dict.fromkeys(frame["stage"]))          # one table per stage, in stage order
    for stage, rows in frame.groupby("stage", sort=False):
        head, *body = tables[stage]
        assert head == [*names, "Impact ratio", "95% interval", "Fisher p-value", "Reading"]
        assert len(body) == len(rows)
        for cells, row in zip(body, rows.itertuples()):
            shown = dict(zip(head, cells))
            assert shown["Group"] == row.group and shown["Reading"] == row.verdict
            assert shown[names[-3]] == f"{row.total:,}" and shown[names[-2]] == f"{row.selected:,}"
            assert float(shown[names[-1]].rstrip("%")) == pytest.approx(100 * row.rate, abs=0.05)
            if np.isnan(row.ratio):
                assert shown["Impact ratio"] == shown["95% interval"] == shown["Fisher p-value"] == "—"
                continue
            assert float(shown["Impact ratio"]) == pytest.approx(row.ratio, abs=0.005)
            low, high = map(float, shown["95% interval"].split(" to "))
            assert (low, high) == (pytest.approx(row.ratio_low, abs=0.005), pytest.approx(row.ratio_high, abs=0.005))
            p = shown["Fisher p-value"]
            assert p == "< 0.001" and row.p_value < 0.001 or float(p) == pytest.approx(row.p_value, abs=0.0005)
            if "Stage median" in shown:
                assert float(shown["Stage median"]) == pytest.approx(row.median_score, abs=0.005)


def test_the_planted_take_home_gap_is_in_brief_and_drawn_red(page, report):
    take_home = report.stages[report.stages["stage"] == "Take-home assessment"].set_index("group")
    female = take_home.loc["Female"]
    assert female["verdict"] == "Below four-fifths"
    summary = page[page.index('<section id="summary">'):page.index('<section id="stages">')]
    assert f"Take-home assessment: Female passes at {female['ratio']:.2f} of the highest rate" in summary
    figure = impact_chart(take_home.reset_index())
    assert figure is not None
    below = next(trace for trace in figure.data if trace.name == "Below four-fifths")
    assert list(below.y) == ["Female"] and list(below.x) == [pytest.approx(female["ratio"])]
    assert below.marker.color == "#E45756"
    assert [shape.x0 for shape in figure.layout.shapes] == [0.8]       # the four-fifths line


def test_a_chart_draws_only_groups_with_a_ratio_and_their_intervals():
    rows = pd.DataFrame({"group": ["Female", "Male", "Prefer not to say", "Asian"], "ratio": [0.6, 1.0, np.nan, np.nan],
                         "ratio_low": [0.45, 0.9, np.nan, np.nan], "ratio_high": [0.8, 1.1, np.nan, np.nan],
                         "verdict": ["Below four-fifths", "Highest rate (reference)", "Not stated (not compared)",
                                     "Too few to judge"]})
    figure = impact_chart(rows)
    assert figure is not None
    drawn = {trace.name: (list(trace.y), list(trace.x), list(trace.error_x.array), list(trace.error_x.arrayminus))
             for trace in figure.data}
    assert drawn == {"Highest rate (reference)": (["Male"], [1.0], [pytest.approx(0.1)], [pytest.approx(0.1)]),
                     "Below four-fifths": (["Female"], [0.6], [pytest.approx(0.2)], [pytest.approx(0.15)])}
    assert impact_chart(rows.iloc[2:]) is None


def test_one_chart_per_stage_with_a_ratio_and_plotly_inlined_once(page, report):
    expected = [f"{section.anchor}-{number}" for section in SECTIONS[:2]
                for number, (_, rows) in enumerate(getattr(report, section.field).groupby("stage", sort=False), 1)
                if rows["ratio"].notna().any()]
    flagged = report.reviewer_bias[BIAS_COLUMNS["verdict"]].isin(BIAS_FLAGGED)
    expected += ["reviewer-bias-1"] if flagged.any() else []
    assert re.findall(r'data-figure="([\w-]+)"', page) == expected
    assert len(expected) >= 5
    assert len(re.findall(r"\* plotly\.js v\d", page)) == 1
    assert page.count("Plotly.newPlot(") == len(expected)


def test_nothing_is_fetched_from_outside(page):
    assert not re.search(r"<(script|link|img|iframe|source|video|audio)\b[^>]*\b(src|href)\s*=", page, re.I)
    assert f'content="{CONTENT_POLICY}"' in page and "default-src 'none'" in CONTENT_POLICY
    text = " ".join(read(page).text)
    assert "http" not in text and "www." not in text


def test_no_missing_value_mark_and_no_code_name_is_visible(page):
    text = " ".join(read(page).text)
    for mark in ("nan", "NaN", "None", "NaT", "null", "stage_id", "ratio_low", "p_value", "race_ethnicity"):
        assert not re.search(rf"\b{mark}\b", text), mark


def test_the_method_and_every_source_are_written_out_as_the_page_shows_them(page, report):
    section = page[page.index('<section id="method">'):page.index('<section id="sources">')]
    steps = method(report.min_size)
    titles = [step.title for step in steps]
    assert titles == ["Who is compared", "Selection rate at a stage", "Scoring rate of the weighted score",
                      "Impact ratio and the four-fifths rule", "Fisher's exact test", "Interval of the impact ratio",
                      "Minimum group size", "Reviewers who score one group differently"]
    text = " ".join(read(section).text)
    page_text = method_markdown(report.min_size)
    for step in steps:
        assert step.title in text and step.text in text and step.text in page_text
    assert METHOD_TITLE == "How this audit is computed"
    written = page[page.index('<section id="sources">'):page.index("</section>", page.index('<section id="sources">'))]
    items = [read(item).text[0] for item in re.findall(r"<li>.*?</li>", written)]
    assert items == [source.full for source in cited(steps)]
    assert sorted(items) == sorted(source.full for source in SOURCES.values())      # none declared and unused
    sources = " ".join(items)
    for needed in ("29 CFR 1607.4(D)", "Fisher, R. A. (1935)", "Katz, D.", "6 RCNY 5-300", "Many-Facet Rasch"):
        assert needed in sources


def test_the_minimum_group_size_stated_is_the_reports(db, auditor):
    report = fairness_report(db, auditor, DEMO_AS_OF, min_size=12)
    page = fairness_document(report, auditor)
    assert "fewer than 12 decisions" in page and "fewer than 30 decisions" not in page


def test_the_same_report_gives_the_same_bytes(report, auditor, page):
    assert fairness_document(report, auditor) == page


def test_a_name_with_markup_is_printed_as_written(report, auditor):
    odd = dataclasses.replace(auditor, display_name='<script>alert(1)</script> & "Ann"')
    page = fairness_document(report, odd)
    assert "<script>alert(1)" not in page
    assert "Run by &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Ann&quot;" in page


def test_a_period_without_decisions_says_so_in_words(db, auditor):
    report = fairness_report(db, auditor, DEMO_AS_OF, date(2015, 1, 1), date(2015, 1, 31))
    page = fairness_document(report, auditor)
    text = " ".join(read(page).text)
    assert "No self-identification for the decisions of this period" in text
    assert "No stage decision was taken in this period." in text
    assert "No complete weighted score in this period." in text
    assert "data-figure" not in page and not re.search(r"\b(nan|None)\b", text)


@dataclass(frozen=True)
class WithMoreTables(FairnessReport):
    """A report with table fields no section claims, as further additions to the report arrive."""

    further_check: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    month_list: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def test_a_table_field_no_section_claims_is_still_written_in_words(report, auditor):
    further = pd.DataFrame({"Reviewer": ["Ann <b>"], "Group": ["Hispanic or Latino"], "Difference (points)": [-0.4567],
                         "Ratings": [1234], "Flagged": [True], "p after correction": [np.nan]})
    further.attrs |= {"title": "A further check", "explanation": "Checked twice."}
    extended = WithMoreTables(**{f.name: getattr(report, f.name) for f in dataclasses.fields(report)},
                              further_check=further, month_list=pd.DataFrame({"month_start": [date(2026, 3, 1)]}))
    page = fairness_document(extended, auditor)
    headings = section_headings(extended)
    assert headings[-4:-2] == [("further-check", "A further check"), ("month-list", "Month list")]
    assert re.findall(r'<section id="([\w-]+)">', page) == [anchor for anchor, _ in headings]
    rows = read(page).tables[("further-check", "")]
    assert rows == [["Reviewer", "Group", "Difference (points)", "Ratings", "Flagged", "p after correction"],
                    ["Ann <b>", "Hispanic or Latino", "-0.457", "1,234", "Yes", "—"]]
    assert "Checked twice." in page and "Ann &lt;b&gt;" in page
    assert read(page).tables[("month-list", "")] == [["Month start"], ["01 Mar 2026"]]


def test_the_default_file_name_says_grouping_and_date(report):
    assert file_name(report, "html") == "fairness_sex_20261120.html"
    assert file_name(report, "json") == "fairness_sex_20261120.json"


def test_the_json_and_the_document_agree_on_the_flagged_rows(report, page):
    from scoring.reports.fairness import to_json

    document = json.loads(to_json(report))
    below = [row for row in document["stages"] if row["verdict"] == "Below four-fifths"]
    summary = page[page.index('<section id="summary">'):page.index('<section id="stages">')]
    for row in below:
        assert f"{row['stage']}: {row['group']} passes at {row['ratio']:.2f}" in summary


def test_every_reviewer_and_group_cell_is_listed_in_rating_points(page, report):
    column = BIAS_COLUMNS
    head, *rows = read(page).tables[("reviewer-bias", "")]
    assert head == ["Reviewer", "Group", "Dimension", "Ratings", "Difference (rating points)", "95% interval",
                    "p after correction", "Reading"]
    cells = report.reviewer_bias
    assert len(rows) == len(cells) > 0
    for shown, (_, cell) in zip(rows, cells.iterrows()):
        assert shown[:3] == [cell[column["reviewer"]], cell[column["group"]], cell[column["dimension"]]]
        assert shown[3] == f"{int(cell[column['ratings']]):,}" and shown[7] == cell[column["verdict"]]
        if np.isnan(cell[column["difference"]]):
            assert shown[4] == "—"
            continue
        assert float(shown[4]) == pytest.approx(cell[column["difference"]], abs=0.005)
        low, high = map(float, shown[5].split(" to "))
        assert low == pytest.approx(cell[column["difference_low"]], abs=0.005)
        assert high == pytest.approx(cell[column["difference_high"]], abs=0.005)


def test_a_flagged_reviewer_is_drawn_and_said_in_brief(report, auditor):
    column = BIAS_COLUMNS
    cells = report.reviewer_bias.copy()
    judged = cells.index[cells[column["verdict"]] != "Too few to judge"]
    first = judged[0]
    cells.loc[first, column["verdict"]] = "Scores this group lower"
    flagged = dataclasses.replace(report, reviewer_bias=cells)
    page = fairness_document(flagged, auditor)
    row = cells.loc[first]
    summary = page[page.index('<section id="summary">'):page.index('<section id="stages">')]
    assert f"{row[column['reviewer']]} rates {row[column['group']]} candidates" in summary
    figure = bias_chart(cells)
    assert figure is not None and len(figure.data) == 1
    assert list(figure.data[0].x) == [pytest.approx(row[column["difference"]])]
    assert [shape.x0 for shape in figure.layout.shapes] == [0]
    assert 'data-figure="reviewer-bias-1"' in page
    assert bias_chart(report.reviewer_bias[report.reviewer_bias[column["verdict"]] == "No clear difference"]) is None


def test_what_the_model_could_not_fit_is_said_in_brief(report, auditor):
    note = "Take-home assessment: the model could not be fitted to its ratings (too few), so they are left out."
    page = fairness_document(dataclasses.replace(report, bias_notes=(note,)), auditor)
    summary = page[page.index('<section id="summary">'):page.index('<section id="stages">')]
    assert note in summary
