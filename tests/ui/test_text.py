"""Stored text is shown as text: escaped for Markdown (:func:`ui.text.plain`) and for Plotly
(:func:`ui.text.chart_text`), and every chart builder escapes the names it is given.

What CommonMark does with a backslash before ASCII punctuation (it shows the character) is the
contract :func:`plain` relies on; ``tests/browser/test_stored_text.py`` checks the same strings in
Streamlit's real renderer.
"""

from __future__ import annotations

import doctest
import json
import re

import numpy as np
import pandas as pd
import pytest

from scoring.reports.formatting import MISSING
from ui import calibration_charts, charts, ops_charts, text, validity_charts
from ui.text import WORD_JOINER, chart_text, plain

LINK = "http://203.0.113.9"
#: Hostile stored text, as a person might type it into a name, a note or a reason.
HOSTILE = [
    f"![x]({LINK}/x.png)",
    f'<a href="{LINK}">Acme</a>',
    f"<img src={LINK}/y.png>",
    f"[click]({LINK}/z)",
    f"<{LINK}/auto>",
    f"{LINK}/bare",
    "www.example.org",
    "someone@example.org",
    ":red[Acme] :smile: :material/home:",
    f"$\\href{{{LINK}}}{{x}}$",
    "# heading",
    "> quote",
    "1. first",
    "`code` **bold** _em_ ~~gone~~",
    "&lt;b&gt; &amp;",
]


def shown(markdown: str) -> str:
    """What CommonMark shows for text escaped by :func:`plain`: each backslash escape is the character
    itself; the word joiner is invisible."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def test_module_examples_run_as_documented():
    failures, tried = doctest.testmod(text)
    assert tried >= 6
    assert failures == 0


@pytest.mark.parametrize("hostile", HOSTILE)
def test_plain_text_shows_exactly_as_written(hostile):
    assert shown(plain(hostile)) == hostile


@pytest.mark.parametrize("hostile", HOSTILE)
def test_no_markdown_construct_survives(hostile):
    escaped = plain(hostile)
    unescaped = re.sub(r"\\.", "", escaped)             # what is left that Markdown could still read
    for opener in ("[", "]", "<", ">", "`", "*", "~", "$", "&"):
        assert opener not in unescaped, (hostile, escaped)
    assert not re.search(r"https?://|www\.|\w@\w|:\w", escaped, re.IGNORECASE), escaped   # links, short codes
    assert not re.match(r"[#>\-+=|]|\d+[.)]", unescaped), escaped                            # blocks at the start


def test_ordinary_text_reads_the_same_in_the_source():
    for ordinary in ("Ana Souza-Lima", "O'Neil (senior), 100%", "Governance: no rating given", "snake_case_name"):
        assert plain(ordinary) == ordinary


def test_line_breaks_and_runs_of_spaces_become_one_space():
    assert plain("  first line\n\n# second\tline  ") == "first line # second line"


def test_a_missing_value_shows_as_the_dash_tables_and_metrics_show():
    missing = (None, float("nan"), pd.NaT, pd.NA)
    assert {plain(v) for v in missing} == {chart_text(v) for v in missing} == {MISSING}


def test_chart_text_escapes_what_plotly_reads_as_html():
    assert chart_text(f'<a href="{LINK}">Acme</a> & <br>') == f'&lt;a href="{LINK}"&gt;Acme&lt;/a&gt; &amp; &lt;br&gt;'


# -- every chart builder escapes the text it is given ----------------------------------------------
NAME = f'<a href="{LINK}">Rev</a>'
ESCAPED = chart_text(NAME)


def assert_escaped(figure) -> None:
    spec = json.loads(figure.to_json())
    found = json.dumps(spec)
    assert "<a href" not in found and "\\u003ca href" not in found, found[:400]
    assert json.dumps(ESCAPED)[1:-1] in found


def test_radar_escapes_trace_names_and_axis_labels():
    series = {NAME: pd.Series({"a": 3, "b": 4}), "Consensus": pd.Series({"a": 3, "b": 4})}
    assert_escaped(charts.radar(series, {"a": NAME, "b": "Two"}, "title"))


def test_funnel_and_trend_escape_stage_names():
    stages = pd.DataFrame({"stage": [NAME, "Two"], "entered": [10, 5]})
    assert_escaped(charts.funnel(stages))
    table = pd.DataFrame({"stage_id": [1], "entry_month": ["2025-01-01"], "pass_rate": [0.5], "pass_rate_low": [0.4],
                          "pass_rate_high": [0.6]})
    assert_escaped(charts.pass_rate_trend(table, {1: NAME}))


def test_calibration_charts_escape_reviewer_names():
    reviewers = pd.DataFrame({"reviewer": [NAME, "Bo"], "severity": [0.2, -0.1], "ci_low": [0.0, -0.3],
                              "ci_high": [0.4, 0.1], "flag": ["", "erratic"], "infit_mnsq": [1.0, 1.6],
                              "outfit_mnsq": [1.0, 1.5], "n_ratings": [40, 30]})
    assert_escaped(calibration_charts.severity_intervals(reviewers, 0.5))
    distribution = pd.DataFrame({"reviewer": [NAME, "All reviewers"], "rating": [3, 3], "share": [1.0, 1.0]})
    assert_escaped(calibration_charts.rating_shares(distribution, [NAME]))
    matrix = pd.DataFrame([[1.0, 0.5], [0.5, 1.0]], index=[NAME, "Bo"], columns=[NAME, "Bo"])
    assert_escaped(calibration_charts.kappa_heatmap(matrix, 30))
    monthly = pd.DataFrame({"reviewer": [NAME], "month": ["2025-01-01"], "severity": [0.3], "ci_low": [0.1],
                            "ci_high": [0.5], "severity_flag": [True]})
    assert_escaped(calibration_charts.monthly_trend(monthly, "severity", "ci_low", "ci_high", "severity_flag",
                                                    "t", "a", calibration_charts.reviewer_colours([NAME])))
    distances = pd.DataFrame({"reviewer": [NAME], "dimension": ["All dimensions"], "dimension_id": [0], "mad": [0.4]})
    assert_escaped(calibration_charts.distance_heatmap(distances))
    agreement = pd.DataFrame({"dimension": [NAME], "alpha": [0.7], "alpha_low": [0.6], "alpha_high": [0.8],
                              "band": ["tentative"]})
    assert_escaped(calibration_charts.alpha_by_dimension(agreement, [(0.667, "tentative")], "t"))


def test_validity_and_ops_charts_escape_names():
    reviewers = pd.DataFrame({"reviewer": [NAME], "severity": [0.1], "auc": [0.7], "ci_low": [0.6], "ci_high": [0.8],
                              "n": [50], "fit_flag": [""]})
    assert_escaped(validity_charts.reviewer_validity(reviewers))
    curves = pd.DataFrame({"cohort": [NAME, NAME], "t_days": [0, 90], "survival": [1.0, 0.9], "at_risk": [10, 9],
                           "events": [0, 1]})
    assert_escaped(ops_charts.survival(curves, 90, "3 months", "t"))


def test_escaping_keeps_the_category_order_of_the_severity_chart():
    reviewers = pd.DataFrame({"reviewer": ["<b>Zed</b>", "Amy"], "severity": [-0.5, 0.5], "ci_low": [-0.7, 0.3],
                              "ci_high": [-0.3, 0.7], "flag": ["", ""], "infit_mnsq": [1.0, 1.0],
                              "outfit_mnsq": [1.0, 1.0], "n_ratings": [np.int64(10), np.int64(10)]})
    figure = calibration_charts.severity_intervals(reviewers, 0.5)
    assert list(figure.layout.yaxis.categoryarray) == ["&lt;b&gt;Zed&lt;/b&gt;", "Amy"]
    assert set(figure.data[0].y) == {"&lt;b&gt;Zed&lt;/b&gt;", "Amy"}
