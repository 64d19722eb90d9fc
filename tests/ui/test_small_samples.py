"""A table's figures over too few cases read "too few to judge", greyed, and stay numbers underneath."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.domain.thresholds import TOO_FEW
from scoring.reports.formatting import MISSING
from tests.conftest import plotly_values
from ui.small_samples import GREY, greyed_table


def display(styler) -> list[list[str]]:
    """The text of every body cell, as the styled table shows it."""
    return [[cell["display_value"] for cell in row[1:]] for row in styler._translate(False, False)["body"]]


def colours(styler) -> dict[tuple[int, int], str]:
    styler._compute()
    return {cell: ";".join(f"{k}: {v}" for k, v in css) for cell, css in styler.ctx.items()}


TABLE = pd.DataFrame({"dimension": ["Infrastructure", "Governance", None], "alpha": [0.8123, 0.41, np.nan],
                      "ci": ["0.70 to 0.90", "0.10 to 0.70", None], "units": [120, 12, 0]})


def test_unjudged_figures_read_too_few_in_grey_and_judged_ones_their_format():
    styler = greyed_table(TABLE, [True, False, False], {"alpha": "{:.3f}", "absent": "{}"}, also_grey=["ci"])
    assert display(styler) == [["Infrastructure", "0.812", "0.70 to 0.90", "120"],
                               ["Governance", TOO_FEW, "0.10 to 0.70", "12"],
                               [MISSING, MISSING, MISSING, "0"]]
    grey = f"color: {GREY}"
    assert colours(styler) == {(1, 1): grey, (1, 2): grey, (2, 1): grey, (2, 2): grey}
    assert styler.data["alpha"].tolist()[:2] == [0.8123, 0.41]          # still numbers: the column sorts


def test_everything_judged_greys_nothing():
    styler = greyed_table(TABLE, [True] * 3, {"alpha": "{:.2f}"})
    assert [row[1] for row in display(styler)] == ["0.81", "0.41", MISSING]
    assert colours(styler) == {}


def test_one_flag_per_row_is_required():
    with pytest.raises(ValueError, match="2 flags for a table of 3 rows"):
        greyed_table(TABLE, [True, False], {"alpha": "{:.3f}"})


def test_a_month_under_the_minimum_is_an_open_grey_point_that_says_so():
    import json

    from ui import calibration_charts as charts

    months = pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"])
    table = pd.DataFrame({"reviewer": "Ana", "month": months, "mad": [0.4, 0.9, 0.5], "compared": [60, 4, 25],
                          "agreement_flag": False})
    figure = json.loads(charts.monthly_trend(table, "mad", None, None, "agreement_flag", "Distance", "Points",
                                             {"Ana": "#4C78A8"}, "compared", 20).to_json())
    line = figure["data"][0]
    assert line["marker"]["symbol"] == ["circle", "circle-open", "circle"]
    assert line["marker"]["color"] == ["#4C78A8", charts.BAND_COLOURS[TOO_FEW], "#4C78A8"]
    assert line["line"]["color"] == "#4C78A8"
    assert [TOO_FEW in h for h in line["hovertemplate"]] == [False, True, False]
    assert "over 4 ratings" in line["hovertemplate"][1]


def test_an_alpha_bar_over_too_few_applications_is_grey_and_labelled_without_its_interval():
    import json

    from ui import calibration_charts as charts

    agreement = pd.DataFrame({"dimension": ["Infrastructure", "Governance"], "alpha": [0.82, 0.4],
                              "alpha_low": [0.78, 0.1], "alpha_high": [0.86, 0.7], "band": ["reliable", TOO_FEW],
                              "pairable": [400, 12], "pairs": [520, 14], "judged": [True, False]})
    bar = json.loads(charts.alpha_by_dimension(agreement, [(0.8, "reliable")], "Alpha").to_json())["data"][0]
    assert bar["text"] == ["0.820<br>reliable", TOO_FEW]
    assert bar["marker"]["color"] == [charts.BAND_COLOURS["reliable"], charts.BAND_COLOURS[TOO_FEW]]
    errors = [np.nan if v is None else float(v) for v in plotly_values(bar["error_y"]["array"])]
    assert errors[0] == pytest.approx(0.04) and np.isnan(errors[1])
    assert bar["customdata"][1] == ["12 applications rated twice or more, 14 rating pairs",
                                    f"alpha 0.400, {TOO_FEW}"]
