"""Plotly figure builders: data in, figure out. No Streamlit and no computation of statistics.

Text from the data (names, categories) goes through :func:`ui.text.chart_text`, so Plotly shows it
as written instead of reading it as HTML.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.text import chart_text

STAGE_COLOURS = ("#4C78A8", "#72B7B2", "#F58518", "#54A24B")
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=360)


def funnel(stages: pd.DataFrame) -> go.Figure:
    """Applications entering each stage, with the share of the first stage."""
    figure = go.Figure(go.Funnel(y=[chart_text(s) for s in stages["stage"]], x=stages["entered"],
                                 textinfo="value+percent initial",
                                 marker=dict(color=list(STAGE_COLOURS[: len(stages)]))))
    figure.update_layout(title="Applications entering each stage", **LAYOUT)
    return figure


def pass_rate_trend(table: pd.DataFrame, stage_names: dict[int, str]) -> go.Figure:
    """Pass rate per stage by month, with the Wilson interval as error bars."""
    figure = go.Figure()
    for stage_id, rows in table.groupby("stage_id"):
        rows = rows.dropna(subset=["pass_rate"])
        figure.add_trace(go.Scatter(
            x=rows["entry_month"], y=rows["pass_rate"], mode="lines+markers",
            name=chart_text(stage_names[stage_id]),
            error_y=dict(type="data", symmetric=False, array=rows["pass_rate_high"] - rows["pass_rate"],
                         arrayminus=rows["pass_rate"] - rows["pass_rate_low"], thickness=1)))
    figure.update_layout(title="Pass rate by month of entry (95% Wilson interval)", yaxis_tickformat=".0%",
                         **LAYOUT)
    return figure


def shortlist_histogram(times: pd.DataFrame, target: int, limit: int) -> go.Figure:
    """Business days to shortlist, with the target and the limit marked."""
    delivered = times[times["delivered"]]
    figure = go.Figure(go.Histogram(x=delivered["business_days"], xbins=dict(size=1), marker_color="#4C78A8"))
    for value, label in ((target, "target"), (limit, "limit")):
        figure.add_vline(x=value + 0.5, line_dash="dash", annotation_text=f"{label}: {value}")
    figure.update_layout(title="Business days from opening to shortlist", xaxis_title="business days",
                         yaxis_title="searches", **LAYOUT)
    return figure


def radar(series: dict[str, pd.Series], labels: dict[str, str], title: str) -> go.Figure:
    """One closed trace per named series of 1-5 ratings indexed by dimension code."""
    figure = go.Figure()
    codes = list(labels)
    for name, values in series.items():
        r = [values.get(code) for code in codes]
        dash = "dot" if name.startswith("Median") else ("solid" if name == "Consensus" else None)
        width = 4 if name == "Consensus" else 2
        theta = [chart_text(labels[c]) for c in codes]
        figure.add_trace(go.Scatterpolar(r=r + r[:1], theta=theta + theta[:1], name=chart_text(name),
                                         line=dict(dash=dash, width=width)))
    figure.update_layout(title=title, polar=dict(radialaxis=dict(range=[0, 5], dtick=1)),
                         **{**LAYOUT, "height": 420})
    return figure


def grouped_bars(frame: pd.DataFrame, x: str, y: str, colour: str, title: str) -> go.Figure:
    figure = go.Figure()
    for name, rows in frame.groupby(colour, sort=False):
        categories = [chart_text(v) if isinstance(v, str) else v for v in rows[x]]
        figure.add_trace(go.Bar(x=categories, y=rows[y], name=chart_text(name)))
    figure.update_layout(title=title, barmode="group", **LAYOUT)
    return figure
