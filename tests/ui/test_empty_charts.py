"""A chart with nothing to draw says so in words instead of showing bare axes, and a chart over
months labels months, never the hours Plotly puts around a single one (seen on a new agency)."""

from __future__ import annotations

import pandas as pd

from ui import calibration_charts, charts, ops_charts


def _message(figure) -> str:
    return " ".join(note.text.replace("<br>", " ") for note in figure.layout.annotations)


def test_a_long_message_is_broken_into_lines_that_fit_a_narrow_chart():
    message = "No dimension has an agreement estimate yet: it needs applications rated by at least two reviewers."
    lines = charts.empty_chart("Alpha", message).layout.annotations[0].text.split("<br>")
    assert len(lines) > 1 and all(len(line) <= charts.EMPTY_CHART_LINE for line in lines)
    assert " ".join(lines) == message


def test_no_delivered_shortlist_draws_a_sentence_not_axes():
    times = pd.DataFrame({"delivered": [False], "business_days": [None]})
    figure = charts.shortlist_histogram(times, 7, 14)
    assert not figure.data and "No shortlist delivered" in _message(figure)
    assert figure.layout.xaxis.visible is False

    distribution = pd.DataFrame({"business_days": [8], "searches": [0], "cumulative_share": [0.0]})
    figure = ops_charts.shortlist_distribution(distribution, 7, 14)
    assert not figure.data and "No shortlist delivered" in _message(figure)


def test_no_agreement_estimate_draws_a_sentence():
    agreement = pd.DataFrame({"dimension": ["Governance"], "alpha": [None], "band": ["no estimate"],
                              "alpha_low": [None], "alpha_high": [None]})
    figure = calibration_charts.alpha_by_dimension(agreement, [(0.8, "reliable")], "Alpha")
    assert not figure.data and "No dimension has an agreement estimate" in _message(figure)


def test_no_reviewer_month_draws_a_sentence_not_axes():
    monthly = pd.DataFrame({"reviewer": ["Ana"], "month": [pd.Timestamp("2026-10-01")], "mad": [None],
                            "agreement_flag": [False], "compared": [0]})
    figure = calibration_charts.monthly_trend(monthly, "mad", None, None, "agreement_flag", "Distance from peers",
                                              "Rating points", {}, "compared", 20)
    assert not figure.data and "No month to draw" in _message(figure)
    assert figure.layout.xaxis.visible is False


def test_a_single_month_is_labelled_as_a_month():
    trend = pd.DataFrame({"month": [pd.Timestamp("2026-10-01")], "searches": [1], "share_within_target": [0.0],
                          "share_within_limit": [0.0]})
    figure = ops_charts.shortlist_trend(trend, 7, 14)
    assert figure.layout.xaxis.tickformat == "%b %Y" and figure.layout.xaxis.dtick == "M1"
