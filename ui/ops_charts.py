"""Plotly figures of the ops audit page: data in, figure out. No Streamlit and no statistics.

Text from the data (cohort names) goes through :func:`ui.text.chart_text`, shown as written.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from scoring.reports.charts import TARGET_COLOUR, promise_lines
from ui.charts import LAYOUT, empty_chart, month_ticks, room
from ui.figure_cache import kept
from ui.text import chart_text

BAR_COLOUR = "#4C78A8"
COHORT_COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D",
                  "#EECA3B", "#BAB0AC")


@kept
def shortlist_distribution(distribution: pd.DataFrame, target: float | None, limit: float | None) -> go.Figure:
    """Delivered shortlists per number of business days, with the target and the limit marked."""
    title = "Business days from opening to shortlist (delivered searches)"
    if not distribution["searches"].sum():
        return empty_chart(title, "No shortlist delivered in this period yet.")
    bars = dict(type="bar", x=distribution["business_days"].to_numpy(), y=distribution["searches"].to_numpy(),
                marker_color=BAR_COLOUR, name="searches", customdata=distribution["cumulative_share"].to_numpy(),
                hovertemplate="%{x} business days<br>Searches: %{y}<br>Cumulative share: %{customdata:.1%}"
                              "<extra></extra>")
    layout = {**LAYOUT, "margin": room(left=78, bottom=70), "title": dict(text=title), "showlegend": False,
              "xaxis": dict(title=dict(text="Business days")), "yaxis": dict(title=dict(text="Searches"))}
    return promise_lines(go.Figure(data=[bars], layout=layout), target, limit, offset=0.5)


@kept
def shortlist_trend(trend: pd.DataFrame, target: float | None, limit: float | None) -> go.Figure:
    """Per month of opening: searches counted (bars, left) and the shares within the target and the limit
    (lines, right), the lines drawn over the bars.

    Built as one figure of plain parts (a second y axis over the first, as ``make_subplots`` lays it
    out), which Plotly checks once rather than part by part: a third of the time.
    """
    months = trend["month"].tolist()
    traces: list[dict[str, Any]] = [dict(type="bar", x=months, y=trend["searches"].tolist(), name="Searches counted",
                                         marker_color="#D9D9D9", hovertemplate="%{x}: %{y} counted<extra></extra>")]
    for column, days, colour in (("share_within_target", target, TARGET_COLOUR),
                                 ("share_within_limit", limit, BAR_COLOUR)):
        if days is None:
            continue
        label = f"Within {days:g} business days"
        traces.append(dict(type="scatter", x=months, y=trend[column].tolist(), mode="lines+markers", name=label,
                           line=dict(color=colour), connectgaps=False, yaxis="y2",
                           hovertemplate="%{x}: %{y:.0%}<extra>" + label + "</extra>"))
    most = int(trend["searches"].max()) if len(trend) else 0
    layout = {**LAYOUT, "height": 400, "margin": room(left=78, right=30, bottom=86),
              "title": dict(text="Shortlists in time, by month the search opened"),
              "legend": dict(orientation="h", yanchor="top", y=-0.15, x=0),
              # the title says the axis is the month the search opened
              "xaxis": dict(domain=[0.0, 0.94], anchor="y", **month_ticks(trend["month"])),
              "yaxis": dict(title=dict(text="Searches counted"), showgrid=False, rangemode="tozero", tick0=0,
                            dtick=max(1, math.ceil(most / 5)), anchor="x"),
              "yaxis2": dict(title=dict(text="Share of searches"), tickformat=".0%", range=[0, 1.05], anchor="x",
                             overlaying="y", side="right")}
    return go.Figure(data=traces, layout=layout)


@kept
def survival(curves: pd.DataFrame, horizon_days: int, horizon_label: str, title: str) -> go.Figure:
    """Kaplan-Meier steps, one per start cohort, with the horizon of the retention figure marked.

    Built as one figure of plain parts; the horizon is the dashed line and label ``add_vline`` would
    draw, at a fraction of its cost.
    """
    traces = []
    for position, (cohort, rows) in enumerate(curves.groupby("cohort", sort=True)):
        colour = COHORT_COLOURS[position % len(COHORT_COLOURS)]
        name = chart_text(cohort)
        traces.append(dict(
            type="scatter", x=rows["t_days"].to_numpy(), y=rows["survival"].to_numpy(), mode="lines",
            line=dict(color=colour, shape="hv"), name=name, customdata=rows[["at_risk", "events"]].to_numpy(),
            hovertemplate="Day %{x}: %{y:.1%} still in place (at risk %{customdata[0]}, events %{customdata[1]})"
                          "<extra>" + name + "</extra>"))
    horizon = dict(x0=horizon_days, x1=horizon_days, xref="x", y0=0, y1=1, yref="y domain")
    layout = {**LAYOUT, "margin": room(left=86, right=114, bottom=70), "title": dict(text=title),
              "xaxis": dict(title=dict(text="Days since start")),
              "yaxis": dict(title=dict(text="Still in place"), tickformat=".0%", range=[0, 1.05]),
              "shapes": [dict(type="line", line=dict(color="grey", dash="dash"), **horizon)],
              "annotations": [dict(text=horizon_label, showarrow=False, x=horizon_days, xref="x", xanchor="left",
                                   y=1, yref="y domain", yanchor="top")]}
    return go.Figure(data=traces, layout=layout)
