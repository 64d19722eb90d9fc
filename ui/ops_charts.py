"""Plotly figures of the ops audit page: data in, figure out. No Streamlit and no statistics.

Text from the data (cohort names) goes through :func:`ui.text.chart_text`, shown as written.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scoring.reports.charts import TARGET_COLOUR, promise_lines
from ui.charts import LAYOUT, empty_chart, month_axis
from ui.text import chart_text

BAR_COLOUR = "#4C78A8"
COHORT_COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D",
                  "#EECA3B", "#BAB0AC")


def shortlist_distribution(distribution: pd.DataFrame, target: float | None, limit: float | None) -> go.Figure:
    """Delivered shortlists per number of business days, with the target and the limit marked."""
    title = "Business days from opening to shortlist (delivered searches)"
    if not distribution["searches"].sum():
        return empty_chart(title, "No shortlist delivered in this period yet.")
    figure = go.Figure(go.Bar(x=distribution["business_days"], y=distribution["searches"], marker_color=BAR_COLOUR,
                              name="searches", customdata=distribution["cumulative_share"],
                              hovertemplate="%{x} business days<br>Searches: %{y}<br>"
                                            "Cumulative share: %{customdata:.1%}<extra></extra>"))
    promise_lines(figure, target, limit, offset=0.5)
    figure.update_layout(title=title, xaxis_title="Business days", yaxis_title="Searches", showlegend=False, **LAYOUT)
    return figure


def shortlist_trend(trend: pd.DataFrame, target: float | None, limit: float | None) -> go.Figure:
    """Per month of opening: searches counted (bars, left) and the shares within the target and the limit
    (lines, right), the lines drawn over the bars."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=trend["month"], y=trend["searches"], name="Searches counted",
                            marker_color="#D9D9D9", hovertemplate="%{x}: %{y} counted<extra></extra>"),
                     secondary_y=False)
    for column, days, colour in (("share_within_target", target, TARGET_COLOUR),
                                 ("share_within_limit", limit, BAR_COLOUR)):
        if days is None:
            continue
        label = f"Within {days:g} business days"
        figure.add_trace(go.Scatter(x=trend["month"], y=trend[column], mode="lines+markers", name=label,
                                    line=dict(color=colour), connectgaps=False,
                                    hovertemplate="%{x}: %{y:.0%}<extra>" + label + "</extra>"), secondary_y=True)
    most = int(trend["searches"].max()) if len(trend) else 0
    figure.update_layout(title="Shortlists in time, by month the search opened",
                         legend=dict(orientation="h", yanchor="top", y=-0.15, x=0), **{**LAYOUT, "height": 400})
    month_axis(figure, trend["month"])      # the title says the axis is the month the search opened
    figure.update_yaxes(title_text="Searches counted", showgrid=False, rangemode="tozero", tick0=0,
                        dtick=max(1, math.ceil(most / 5)), secondary_y=False)
    figure.update_yaxes(title_text="Share of searches", tickformat=".0%", range=[0, 1.05], secondary_y=True)
    return figure


def survival(curves: pd.DataFrame, horizon_days: int, horizon_label: str, title: str) -> go.Figure:
    """Kaplan-Meier steps, one per start cohort, with the horizon of the retention figure marked."""
    figure = go.Figure()
    for position, (cohort, rows) in enumerate(curves.groupby("cohort", sort=True)):
        colour = COHORT_COLOURS[position % len(COHORT_COLOURS)]
        name = chart_text(cohort)
        figure.add_trace(go.Scatter(
            x=rows["t_days"], y=rows["survival"], mode="lines", line_shape="hv", name=name,
            line=dict(color=colour), customdata=rows[["at_risk", "events"]],
            hovertemplate="Day %{x}: %{y:.1%} still in place (at risk %{customdata[0]}, events %{customdata[1]})"
                          "<extra>" + name + "</extra>"))
    figure.add_vline(x=horizon_days, line_dash="dash", line_color="grey", annotation_text=horizon_label)
    figure.update_layout(title=title, xaxis_title="Days since start", yaxis_title="Still in place",
                         yaxis_tickformat=".0%", yaxis_range=[0, 1.05], **LAYOUT)
    return figure
