"""Plotly figure builders: data in, figure out. No Streamlit and no computation of statistics.

Text from the data (names, categories) goes through :func:`ui.text.chart_text`, so Plotly shows it
as written instead of reading it as HTML. The radar and its styles are drawn in documents too (the monthly
client report), so they live in :mod:`scoring.reports.charts`; they are named here for the pages.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from scoring.agency.sla import shortlist_distribution
from scoring.reports.charts import CONSENSUS_COLOUR as CONSENSUS_COLOUR
from scoring.reports.charts import MEDIAN_COLOUR as MEDIAN_COLOUR
from scoring.reports.charts import REVIEWER_DASHES as REVIEWER_DASHES
from scoring.reports.charts import REVIEWER_MARKERS as REVIEWER_MARKERS
from scoring.reports.charts import promise_lines
from scoring.reports.charts import radar as radar
from ui.figure_cache import kept
from ui.text import chart_text

STAGE_COLOURS = ("#4C78A8", "#72B7B2", "#F58518", "#54A24B")
LAYOUT = dict(margin=dict(l=10, r=10, t=40, b=10), height=360)


def room(left: int = 10, right: int = 10, bottom: int = 10, top: int = 40) -> dict[str, int]:
    """Margins (px) with room for a chart's axis labels, titles and legend as the browser lays them out.

    Plotly grows a margin that is too narrow for its labels, but only by drawing the chart once,
    measuring and drawing it again: half of a chart's drawing time in the browser. The pages' charts
    give the room their labels took (measured in Chromium at 20,000 candidates, a few pixels over), so
    one drawing is enough; a label longer than that still gets its room, through the second drawing.
    """
    return dict(l=left, r=right, t=top, b=bottom)


#: The longest line of an empty chart's message, in characters: it fits a chart half a 1024 px window wide.
EMPTY_CHART_LINE = 48


def empty_chart(title: str, message: str, height: int = 220) -> go.Figure:
    """A chart with nothing to draw: its title and ``message`` where the data would be, no bare axes."""
    figure = go.Figure()
    # Plotly never wraps an annotation: a long sentence runs past both edges of a narrow chart.
    wrapped = "<br>".join(textwrap.wrap(message, EMPTY_CHART_LINE)) or message
    figure.add_annotation(text=wrapped, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=14, color="#6B6B6B"))
    figure.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, **{**LAYOUT, "height": height})
    return figure


def month_ticks(months: pd.Series) -> dict[str, object]:
    """An x axis's settings labelling it by month ("Oct 2026"); with few months, one tick per month, never
    the hours Plotly would otherwise put around a single month."""
    return dict(tickformat="%b %Y", dtick="M1" if months.nunique() <= 6 else None)


def month_axis(figure: go.Figure, months: pd.Series) -> go.Figure:
    """Label ``figure``'s x axis by month (:func:`month_ticks`)."""
    figure.update_xaxes(**month_ticks(months))
    return figure


@kept
def funnel(stages: pd.DataFrame) -> go.Figure:
    """Applications entering each stage, with the share of the first stage; counts written in full
    (``37,028``, never ``37.028k``)."""
    trace = dict(type="funnel", y=[chart_text(s) for s in stages["stage"]], x=stages["entered"].to_numpy(),
                 texttemplate="%{value:,}<br>%{percentInitial:.0%}",
                 hovertemplate="%{y}: %{value:,} applications, %{percentInitial:.0%} of the first stage<extra></extra>",
                 marker=dict(color=list(STAGE_COLOURS[: len(stages)])))
    layout = {**LAYOUT, "margin": room(left=175), "title": dict(text="Applications entering each stage")}
    return go.Figure(data=[trace], layout=layout)


@kept
def pass_rate_trend(table: pd.DataFrame, stage_names: dict[int, str]) -> go.Figure:
    """Pass rate per stage by month, with the Wilson interval as error bars; each stage in its funnel colour."""
    traces = []
    for position, (stage_id, rows) in enumerate(table.groupby("stage_id")):
        rows = rows.dropna(subset=["pass_rate"])
        colour = STAGE_COLOURS[position % len(STAGE_COLOURS)]
        rate = rows["pass_rate"].to_numpy(dtype=float)
        traces.append(dict(
            type="scatter", x=rows["entry_month"].to_numpy(), y=rate, mode="lines+markers",
            name=chart_text(stage_names[stage_id]), line=dict(color=colour),
            hovertemplate="%{x}: %{y:.0%} passed<extra>%{fullData.name}</extra>",
            error_y=dict(type="data", symmetric=False, array=rows["pass_rate_high"].to_numpy(dtype=float) - rate,
                         arrayminus=rate - rows["pass_rate_low"].to_numpy(dtype=float), thickness=1, width=2,
                         color=colour)))
    layout = {**LAYOUT, "height": 420, "margin": room(left=80, bottom=100),
              "title": dict(text="Pass rate by month of entry (95% Wilson interval)"),
              "xaxis": dict(title=dict(text="Month of entry"), **month_ticks(table["entry_month"])),
              "yaxis": dict(title=dict(text="Pass rate"), tickformat=".0%"),
              "legend": dict(orientation="h", yanchor="top", y=-0.2, x=0)}
    return go.Figure(data=traces, layout=layout)


@kept
def shortlist_histogram(times: pd.DataFrame, target: float | None, limit: float | None) -> go.Figure:
    """Business days to shortlist, with the target and the limit marked."""
    delivered = times[times["delivered"]]
    if delivered.empty:
        return empty_chart("Business days to shortlist", "No shortlist delivered in this period yet.")
    days = shortlist_distribution(times)          # one bar a day, counted here rather than in the browser
    bars = dict(type="bar", x=days["business_days"].to_numpy(), y=days["searches"].to_numpy(), width=1,
                marker_color="#4C78A8", hovertemplate="%{x} business days<br>Searches: %{y}<extra></extra>")
    layout = {**LAYOUT, "margin": room(left=78, bottom=70), "title": dict(text="Business days to shortlist"),
              "bargap": 0, "xaxis": dict(title=dict(text="Business days")), "yaxis": dict(title=dict(text="Searches"))}
    return promise_lines(go.Figure(data=[bars], layout=layout), target, limit, offset=0.5)
