"""Figures kept for the data they show: built once for the same content, never served for other data.

A page redraws its figures on every rerun; :mod:`ui.figure_cache` keeps each by a fingerprint of its
arguments' content, so the same data draws the figure kept, and any change in what the figure shows
(a value, a row, a column, a label, a target) draws a new one.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.conftest import plotly_values
from ui import charts, ops_charts, validity_charts
from ui.figure_cache import FIGURES, Figures, fingerprint, kept

STAGES = pd.DataFrame({"stage_id": [1, 2, 3], "stage": ["Audit", "Take-home", "Interview"],
                       "entered": [900, 400, 120]})


@pytest.fixture(autouse=True)
def no_figures_kept():
    FIGURES.clear()
    yield
    FIGURES.clear()


def test_the_same_content_in_another_frame_draws_the_figure_kept():
    first = charts.funnel(STAGES)
    again = charts.funnel(STAGES.copy())                 # a page run gets its own copy of the report
    assert again is first
    assert len(FIGURES) == 1


def test_a_changed_value_draws_a_new_figure_with_the_new_value():
    before = charts.funnel(STAGES)
    changed = STAGES.assign(entered=[900, 401, 120])       # one more candidate passed the audit
    after = charts.funnel(changed)
    assert after is not before
    assert plotly_values(json.loads(after.to_json())["data"][0]["x"]) == [900, 401, 120]
    assert plotly_values(json.loads(before.to_json())["data"][0]["x"]) == [900, 400, 120]


@pytest.mark.parametrize("change", [
    lambda f: f.iloc[:2],                                        # a row fewer
    lambda f: f.assign(stage=["Audit", "Take home", "Interview"]),   # a label
    lambda f: f.rename(columns={"stage": "name"}).assign(stage=f["stage"]),   # a column more
    lambda f: f.assign(entered=f["entered"].astype(float)),      # the same numbers as floats
    lambda f: f.set_axis([5, 6, 7]),                             # another index
], ids=["row", "label", "column", "type", "index"])
def test_any_change_in_a_table_changes_its_fingerprint(change):
    assert fingerprint(change(STAGES)) != fingerprint(STAGES)


def test_plain_arguments_are_told_apart_by_value_and_type():
    assert fingerprint((1, "a", None)) == fingerprint((1, "a", None))
    assert fingerprint(7) != fingerprint(7.0) != fingerprint(True)
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint(date(2026, 11, 20)) != fingerprint(date(2026, 11, 21))
    assert fingerprint(pd.Series([1, 2], name="x")) != fingerprint(pd.Series([1, 2], name="y"))


def test_the_target_and_limit_are_part_of_the_key():
    times = pd.DataFrame({"delivered": [True, True, False], "business_days": [5, 9, 12]})
    seven, eight = charts.shortlist_histogram(times, 7, 10), charts.shortlist_histogram(times, 8, 10)
    assert seven is not eight
    assert {a["text"] for a in eight.layout.annotations} >= {"Target 8", "Limit 10"}


def test_an_argument_without_a_fingerprint_is_refused_in_words():
    with pytest.raises(TypeError, match="cannot be kept for an argument of type object"):
        fingerprint(object())


def test_a_table_pandas_cannot_hash_is_drawn_every_time_not_refused():
    @kept
    def cells(frame: pd.DataFrame) -> go.Figure:
        return go.Figure(go.Bar(y=[len(c) for c in frame["items"]]))

    frame = pd.DataFrame({"items": [[1, 2], [3]]})          # lists in cells have no hash
    assert cells(frame) is not cells(frame)
    assert len(FIGURES) == 0


def test_the_least_recently_drawn_figure_goes_first_beyond_the_capacity():
    figures, built = Figures(capacity=2), []

    def build(name: str):
        def make() -> go.Figure:
            built.append(name)
            return go.Figure()
        return make

    figures.get("a", build("a"))
    figures.get("b", build("b"))
    figures.get("a", build("a"))            # drawn again: now the most recent
    figures.get("c", build("c"))            # "b" makes room
    figures.get("a", build("a"))
    figures.get("b", build("b"))
    assert built == ["a", "b", "c", "b"]
    assert len(figures) == 2


def test_keyword_arguments_in_any_order_are_one_figure():
    @kept
    def labelled(values: pd.Series, *, title: str, colour: str) -> go.Figure:
        return go.Figure(go.Bar(y=values, marker_color=colour), layout=dict(title=title))

    values = pd.Series([1, 2, 3])
    assert labelled(values, title="t", colour="red") is labelled(values, colour="red", title="t")
    assert labelled(values, title="t", colour="red") is not labelled(values, title="t", colour="blue")


def test_every_page_figure_builder_is_kept_and_its_own_builder_stays_reachable():
    builders = [charts.funnel, charts.pass_rate_trend, charts.shortlist_histogram, ops_charts.shortlist_distribution,
                ops_charts.shortlist_trend, ops_charts.survival, validity_charts.band_rates, validity_charts.roc_curves,
                validity_charts.weights_side_by_side, validity_charts.reviewer_validity]
    for builder in builders:
        assert callable(builder.__wrapped__), builder.__name__


def test_the_trend_draws_shares_on_a_second_axis_over_the_counts():
    trend = pd.DataFrame({"month": ["2026-09", "2026-10"], "searches": [10, 12],
                          "share_within_target": [0.5, np.nan], "share_within_limit": [0.8, 0.9]})
    spec = json.loads(ops_charts.shortlist_trend(trend, 7, 10).to_json())
    bars, target, limit = spec["data"]
    assert bars["type"] == "bar" and bars.get("yaxis", "y") == "y"
    assert target["yaxis"] == limit["yaxis"] == "y2"
    assert plotly_values(target["y"])[1] is None or np.isnan(plotly_values(target["y"])[1])
    assert spec["layout"]["yaxis2"]["overlaying"] == "y" and spec["layout"]["yaxis2"]["side"] == "right"
    assert spec["layout"]["yaxis2"]["tickformat"] == ".0%"
    assert spec["layout"]["xaxis"]["dtick"] == "M1"        # two months: one tick each


def test_the_survival_horizon_is_a_dashed_line_named_at_its_top():
    curves = pd.DataFrame({"cohort": ["2026 Q1"] * 3, "t_days": [0, 30, 90], "survival": [1.0, 0.9, 0.8],
                           "at_risk": [10, 9, 8], "events": [0, 1, 1]})
    spec = json.loads(ops_charts.survival(curves, 60, "60 days", "Clients").to_json())
    line, = spec["layout"]["shapes"]
    label, = spec["layout"]["annotations"]
    assert (line["x0"], line["x1"], line["yref"], line["line"]["dash"]) == (60, 60, "y domain", "dash")
    assert (label["text"], label["x"], label["y"], label["yref"]) == ("60 days", 60, 1, "y domain")
    assert spec["data"][0]["line"]["shape"] == "hv"
