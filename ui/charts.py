"""Plotly figure builders: data in, figure out. No Streamlit and no computation of statistics.

Text from the data (names, categories) goes through :func:`ui.text.chart_text`, so Plotly shows it
as written instead of reading it as HTML.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from scoring.agency.sla import shortlist_distribution
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
    for value, label in ((target, "Target"), (limit, "Limit")):
        if value is not None:
            figure.add_vline(x=value + 0.5, line_dash="dash", annotation_text=f"{label} {value:g}")
    figure.update_layout(title="Business days to shortlist", xaxis_title="Business days",
                         yaxis_title="Searches", bargap=0, **LAYOUT)
    return figure


#: Reviewers' line styles on the radar, in turn: never solid, so a reviewer who agrees with the
#: consensus everywhere still shows as a dotted or dashed line with markers on top of it.
REVIEWER_DASHES = ("dot", "dash", "dashdot", "longdash", "longdashdot")
REVIEWER_MARKERS = ("circle", "square", "diamond", "triangle-up", "star", "cross", "x", "pentagon")
REVIEWER_COLOURS = ("#F58518", "#54A24B", "#E45756", "#B279A2", "#72B7B2", "#9D755D", "#FF9DA6", "#EECA3B")
CONSENSUS_COLOUR = "#1F3B73"
MEDIAN_COLOUR = "#8C8C8C"
NOTE_WIDTH = 60
#: The 1-5 scale runs between the first two spokes (at 90 and 18 degrees), where no rating sits;
#: a tick angle equal to the axis angle keeps its numbers upright.
RADIAL_ANGLE = 54


def _rating_text(value: float | None) -> str:
    """A rating for the hover: whole ratings as they are, means to two decimals."""
    if value is None or pd.isna(value):
        return "not rated"
    rating = float(value)
    return f"{rating:.0f} / 5" if rating.is_integer() else f"{rating:.2f} / 5"


def _note_text(note: object) -> str:
    """A reviewer's note for the hover, escaped and wrapped to lines of about NOTE_WIDTH characters."""
    lines = textwrap.wrap(note, NOTE_WIDTH) if isinstance(note, str) else []
    if not lines:
        return ""
    return "<br>Note: " + "<br>".join(chart_text(line) for line in lines)


def radar(series: Mapping[str, pd.Series], labels: Mapping[str, str], title: str, *, consensus: str | None = None,
          median: str | None = None, notes: dict[str, pd.Series] | None = None, height: int = 480) -> go.Figure:
    """One closed trace per named series of 1-5 ratings indexed by dimension code.

    Parameters
    ----------
    series
        Trace name to ratings indexed by dimension code; a missing dimension leaves a gap.
    labels
        Dimension code to the axis label, in the order drawn clockwise from the top.
    title
        The chart's title.
    consensus
        The key of ``series`` drawn as the consensus: a thick solid line, under the other traces.
    median
        The key of ``series`` drawn as the reference candidate: grey, dashed, no markers, no fill.
    notes
        Trace name to notes indexed by dimension code, shown when hovering over that point.
    height
        The figure's height in pixels.

    Returns
    -------
    go.Figure
        Every series other than ``consensus`` and ``median`` gets its own colour, dash style and
        marker, so traces that coincide stay distinguishable. The radial scale runs 0-5 with ticks
        at 1-5.
    """
    figure = go.Figure()
    codes = list(labels)
    theta = [chart_text(labels[c]) for c in codes]
    notes = notes or {}
    # Drawn bottom to top: the median, the consensus, then the others; the legend lists the consensus first.
    order: list[str] = [name for name in (median, consensus) if name is not None and name in series] + [
        name for name in series if name not in (consensus, median)]
    others = 0
    for name in order:
        values = series[name]
        r = [values.get(code) for code in codes]
        r = [None if v is None or pd.isna(v) else float(v) for v in r]
        said = notes.get(name, pd.Series(dtype=object))
        custom = [[_rating_text(v), _note_text(said.get(code))] for v, code in zip(r, codes)]
        if name == consensus:
            style = dict(mode="lines+markers", line=dict(color=CONSENSUS_COLOUR, width=5),
                         marker=dict(size=7, color=CONSENSUS_COLOUR), legendrank=1)
        elif name == median:
            style = dict(mode="lines", line=dict(color=MEDIAN_COLOUR, width=2, dash="dash"), fill="none",
                         legendrank=1000)
        else:
            colour = REVIEWER_COLOURS[others % len(REVIEWER_COLOURS)]
            style = dict(mode="lines+markers", legendrank=10 + others,
                         line=dict(color=colour, width=2,
                                   dash=REVIEWER_DASHES[others % len(REVIEWER_DASHES)] if consensus else "solid"),
                         marker=dict(size=9, color=colour, symbol=REVIEWER_MARKERS[others % len(REVIEWER_MARKERS)],
                                     line=dict(width=1, color="white")))
            others += 1
        figure.add_trace(go.Scatterpolar(
            r=r + r[:1], theta=theta + theta[:1], name=chart_text(name), customdata=custom + custom[:1],
            hovertemplate="%{fullData.name}<br>%{theta}: %{customdata[0]}%{customdata[1]}<extra></extra>",
            **style))
    figure.update_layout(
        title=title, height=height, margin=dict(l=90, r=90, t=60, b=40),
        legend=dict(orientation="v", x=1.02, y=1, xanchor="left", yanchor="top"),
        polar=dict(radialaxis=dict(range=[0, 5], tickvals=[1, 2, 3, 4, 5], angle=RADIAL_ANGLE,
                                   tickangle=RADIAL_ANGLE, tickfont=dict(size=12), gridcolor="#DDDDDD"),
                   angularaxis=dict(rotation=90, direction="clockwise", tickfont=dict(size=13))))
    return figure


