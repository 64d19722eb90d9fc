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




#: Bar colours of the shortlist-time figure, by where the search stands.
SHORTLIST_STATE_COLOURS = {"delivered": "#4C78A8", "waiting": "#F2A541", "cancelled": "#BAB0AC"}
SHORTLIST_STATE_NAMES = {"delivered": "Shortlist delivered", "waiting": "Still waiting (days so far)",
                         "cancelled": "Cancelled without a shortlist"}
TARGET_COLOUR, LIMIT_COLOUR = "#54A24B", "#E45756"


def promise_lines(figure: go.Figure, target: float | None, limit: float | None, offset: float = 0.0) -> go.Figure:
    """Mark a promise's target and limit on a days axis as dashed lines named above the plot.

    The names sit above the plotting area, on a light ground, so a tall bar never hides them.
    ``offset`` shifts the lines, e.g. by half a day to fall between the bars of whole days.
    """
    for value, label, colour in ((target, "Target", TARGET_COLOUR), (limit, "Limit", LIMIT_COLOUR)):
        if value is None:
            continue
        figure.add_vline(x=value + offset, line_dash="dash", line_color=colour, annotation_text=f"{label} {value:g}",
                         annotation_position="top", annotation_yanchor="bottom",
                         annotation_bgcolor="rgba(255,255,255,0.85)")
    return figure


def shortlist_times(times: pd.DataFrame, target: float, limit: float, *, width: int = 680) -> go.Figure:
    """One horizontal bar per search: the business days to its shortlist, or so far while it waits.

    Parameters
    ----------
    times
        ``search`` (a unique label), ``business_days`` and ``state`` ('delivered', 'waiting' or
        'cancelled'), one row per search, drawn top to bottom in that order.
    target, limit
        The promise's target and limit in business days, drawn as dashed lines.
    width
        The figure's width in pixels (680 fits an A4 page inside 15 mm margins).
    """
    figure = go.Figure()
    labels = [chart_text(label) for label in times["search"]]
    for state, colour in SHORTLIST_STATE_COLOURS.items():
        rows = times["state"] == state
        if not rows.any():
            continue
        figure.add_trace(go.Bar(
            x=times.loc[rows, "business_days"], y=[label for label, keep in zip(labels, rows) if keep],
            orientation="h", marker_color=colour, name=SHORTLIST_STATE_NAMES[state],
            text=times.loc[rows, "business_days"], textposition="outside", cliponaxis=False,
            hovertemplate="%{y}: %{x} business days<extra>" + SHORTLIST_STATE_NAMES[state] + "</extra>"))
    promise_lines(figure, target, limit)
    most = max([limit, *times["business_days"].tolist()]) if len(times) else limit
    figure.update_layout(
        title="Business days from opening to shortlist", width=width, height=170 + 42 * max(len(times), 1),
        margin=dict(l=10, r=30, t=70, b=40), barmode="overlay", bargap=0.35,
        legend=dict(orientation="h", yanchor="top", y=-0.12 - 0.5 / max(len(times), 1), x=0),
        xaxis=dict(title="Business days", range=[0, most * 1.12],
                   rangemode="tozero"),
        yaxis=dict(categoryorder="array", categoryarray=labels[::-1], automargin=True))
    return figure
