"""Plotly figures that are drawn both on the dashboard and in documents written outside it.

Data in, figure out; no Streamlit and no statistics. The dashboard draws them through :mod:`ui.charts`,
the monthly client report (:mod:`scoring.reports.client_document`) writes them into its HTML file, so
the radar a client reads is the one the candidate page draws.

Text from the data (names, categories) goes through :func:`chart_text`, so Plotly shows it as written
instead of reading it as HTML.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from scoring.reports.formatting import MISSING, is_missing


def chart_text(text: object) -> str:
    """``text`` for a Plotly figure (trace name, category, annotation, hover), shown as written.

    Plotly reads ``<``...``>`` as its HTML subset and ``&...;`` as an entity in every text it draws;
    escaping ``&``, ``<`` and ``>`` makes them literal characters. A missing value gives
    :data:`~scoring.reports.formatting.MISSING`.

    Examples
    --------
    >>> chart_text('<a href="http://203.0.113.9">Acme</a>')
    '&lt;a href="http://203.0.113.9"&gt;Acme&lt;/a&gt;'
    >>> chart_text("R&D"), chart_text(None)
    ('R&amp;D', '—')
    """
    if is_missing(text):
        return MISSING
    return html.escape(str(text), quote=False)


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


