"""Plotly figure builders: data in, figure out. No Streamlit and no computation of statistics.

Text from the data (names, categories) goes through :func:`ui.text.chart_text`, so Plotly shows it
as written instead of reading it as HTML. The radar and its styles are drawn in documents too (the monthly
client report), so they live in :mod:`scoring.reports.charts`; they are named here for the pages.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from scoring.agency.sla import shortlist_distribution
from scoring.reports.charts import CONSENSUS_COLOUR as CONSENSUS_COLOUR
from scoring.reports.charts import MEDIAN_COLOUR as MEDIAN_COLOUR
from scoring.reports.charts import REVIEWER_DASHES as REVIEWER_DASHES
from scoring.reports.charts import REVIEWER_MARKERS as REVIEWER_MARKERS
from scoring.reports.charts import promise_lines
from scoring.reports.charts import radar as radar
from ui.text import chart_text

STAGE_COLOURS = ("#4C78A8", "#72B7B2", "#F58518", "#54A24B")
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=360)


def empty_chart(title: str, message: str, height: int = 220) -> go.Figure:
    """A chart with nothing to draw: its title and ``message`` where the data would be, no bare axes."""
    figure = go.Figure()
    figure.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=14, color="#6B6B6B"))
    figure.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, **{**LAYOUT, "height": height})
    return figure


def month_axis(figure: go.Figure, months: pd.Series) -> go.Figure:
    """Label the x axis by month ("Oct 2026"); with few months, one tick per month, never the hours
    Plotly would otherwise put around a single month."""
    figure.update_xaxes(tickformat="%b %Y", dtick="M1" if months.nunique() <= 6 else None)
    return figure


def funnel(stages: pd.DataFrame) -> go.Figure:
    """Applications entering each stage, with the share of the first stage; counts written in full
    (``37,028``, never ``37.028k``)."""
    figure = go.Figure(go.Funnel(y=[chart_text(s) for s in stages["stage"]],
                                 x=stages["entered"], texttemplate="%{value:,}<br>%{percentInitial:.0%}",
                                 hovertemplate="%{y}: %{value:,} applications, %{percentInitial:.0%} of the "
                                               "first stage<extra></extra>",
                                 marker=dict(color=list(STAGE_COLOURS[: len(stages)]))))
    figure.update_layout(title="Applications entering each stage", **LAYOUT)
    return figure


def pass_rate_trend(table: pd.DataFrame, stage_names: dict[int, str]) -> go.Figure:
    """Pass rate per stage by month, with the Wilson interval as error bars; each stage in its funnel colour."""
    figure = go.Figure()
    for position, (stage_id, rows) in enumerate(table.groupby("stage_id")):
        rows = rows.dropna(subset=["pass_rate"])
        colour = STAGE_COLOURS[position % len(STAGE_COLOURS)]
        figure.add_trace(go.Scatter(
            x=rows["entry_month"], y=rows["pass_rate"], mode="lines+markers",
            name=chart_text(stage_names[stage_id]), line=dict(color=colour),
            hovertemplate="%{x}: %{y:.0%} passed<extra>%{fullData.name}</extra>",
            error_y=dict(type="data", symmetric=False, array=rows["pass_rate_high"] - rows["pass_rate"],
                         arrayminus=rows["pass_rate"] - rows["pass_rate_low"], thickness=1, width=2,
                         color=colour)))
    figure.update_layout(title="Pass rate by month of entry (95% Wilson interval)", yaxis_tickformat=".0%",
                         xaxis_title="Month of entry", yaxis_title="Pass rate",
                         legend=dict(orientation="h", yanchor="top", y=-0.2, x=0), **{**LAYOUT, "height": 420})
    return month_axis(figure, table["entry_month"])


def shortlist_histogram(times: pd.DataFrame, target: float | None, limit: float | None) -> go.Figure:
    """Business days to shortlist, with the target and the limit marked."""
    delivered = times[times["delivered"]]
    if delivered.empty:
        return empty_chart("Business days to shortlist", "No shortlist delivered in this period yet.")
    days = shortlist_distribution(times)          # one bar a day, counted here rather than in the browser
    figure = go.Figure(go.Bar(x=days["business_days"], y=days["searches"], width=1, marker_color="#4C78A8",
                              hovertemplate="%{x} business days<br>Searches: %{y}<extra></extra>"))
    promise_lines(figure, target, limit, offset=0.5)
    figure.update_layout(title="Business days to shortlist", xaxis_title="Business days",
                         yaxis_title="Searches", bargap=0, **LAYOUT)
    return figure
