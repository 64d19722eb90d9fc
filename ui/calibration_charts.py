"""Plotly figures of the calibration page: data in, figure out. No Streamlit, no statistics.

Reviewer display names and other text from the data go through :func:`ui.text.chart_text`: Plotly
shows them as written instead of reading them as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scoring.domain.thresholds import TOO_FEW
from scoring.stats.histogram import binned
from ui.charts import LAYOUT, empty_chart, month_axis, room
from ui.text import chart_text

BAND_COLOURS = {"reliable": "#54A24B", "tentative": "#F58518", "unreliable": "#E45756", "no estimate": "#BAB0AC",
                TOO_FEW: "#D9D9D9"}
#: Text on a bar or cell that too few cases judge: dark enough to read on the light grey.
GREY_TEXT = "#595959"
RATING_COLOURS = ("#B2182B", "#EF8A62", "#D9D9D9", "#67A9CF", "#2166AC")   # 1 (red) .. 5 (blue)
FLAG_COLOURS = {"": "#4C78A8", "erratic": "#E45756", "too predictable": "#B279A2"}
ROW_HEIGHT = 16
#: Reviewer colours, cycled past the last: ten light hues, then six dark ones that differ from them.
REVIEWER_PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2", "#FF9DA6",
                    "#9D755D", "#BAB0AC", "#17BECF", "#393B79", "#843C39", "#637939", "#7B4173", "#E7298A")


def reviewer_colours(reviewers: Sequence[str]) -> dict[str, str]:
    """One colour per reviewer, for every chart of a page: built once from the page's reviewer list.

    The reviewers are sorted by name first, so a reviewer keeps their colour whichever subset of
    reviewers a chart shows and whatever order the list came in.
    """
    names = sorted({str(name) for name in reviewers})
    return {name: REVIEWER_PALETTE[i % len(REVIEWER_PALETTE)] for i, name in enumerate(names)}


def _tall(rows: int, minimum: int = 360) -> int:
    """Height that gives each of ``rows`` categories a readable row."""
    return max(minimum, 120 + ROW_HEIGHT * rows)


def alpha_by_dimension(agreement: pd.DataFrame, bands: Sequence[tuple[float, str]], title: str) -> go.Figure:
    """Alpha per dimension with its bootstrap 95% interval, coloured by band, band limits dashed.

    A dimension whose band is "too few to judge" (``judged`` False) gets a grey bar labelled so,
    without its figure or interval; every bar's hover gives the applications and rating pairs behind it.
    """
    rows = agreement.dropna(subset=["alpha"])
    if rows.empty:
        return empty_chart(title, "No dimension has an agreement estimate yet: it needs applications rated "
                                  "by at least two reviewers.")
    judged = (rows["judged"].astype(bool) if "judged" in rows else pd.Series(True, index=rows.index)).to_numpy()
    units = rows["pairable"] if "pairable" in rows else pd.Series(np.nan, index=rows.index)
    pairs = rows["pairs"] if "pairs" in rows else pd.Series(np.nan, index=rows.index)
    counts = [f"{int(u):,} applications rated twice or more, {int(p):,} rating pairs"
              if np.isfinite(u) and np.isfinite(p) else "" for u, p in zip(units, pairs)]
    figure = go.Figure(go.Bar(
        x=rows["dimension"].map(chart_text), y=rows["alpha"],
        marker_color=[BAND_COLOURS.get(b, "#4C78A8") for b in rows["band"]],
        text=[f"{a:.3f}<br>{b}" if ok else TOO_FEW for a, b, ok in zip(rows["alpha"], rows["band"], judged)],
        textposition="inside", insidetextanchor="middle",
        textfont=dict(color=["white" if ok else GREY_TEXT for ok in judged]),
        customdata=np.array([[c, f"alpha {a:.3f}" if ok else f"alpha {a:.3f}, {TOO_FEW}"]
                             for c, a, ok in zip(counts, rows["alpha"], judged)], dtype=object),
        hovertemplate="%{x}: %{customdata[1]}<br>%{customdata[0]}<extra></extra>",
        error_y=dict(type="data", symmetric=False, array=(rows["alpha_high"] - rows["alpha"]).where(judged),
                     arrayminus=(rows["alpha"] - rows["alpha_low"]).where(judged), thickness=1.2),
        name="alpha"))
    for low, band in bands:
        if np.isfinite(low):
            figure.add_hline(y=low, line_dash="dash", line_color=BAND_COLOURS.get(band, "grey"),
                             annotation_text=f"{band} from {low:.3f}", annotation_position="right")
    lowest = float(np.nanmin(rows["alpha_low"])) if len(rows) and rows["alpha_low"].notna().any() else 0.0
    figure.update_layout(title=title, yaxis_title="Krippendorff's alpha",
                         yaxis_range=[min(0.0, lowest - 0.05), 1.05], showlegend=False,
                         # band names sit in the right margin, clear of the bars and their labels
                         **{**LAYOUT, "margin": dict(l=10, r=130, t=40, b=10)})
    return figure


def kappa_heatmap(matrix: pd.DataFrame, min_shared: int, shared: pd.DataFrame | None = None) -> go.Figure:
    """Pairwise quadratic-weighted kappa with the shared ratings behind it; grey where two reviewers
    share some ratings but fewer than ``min_shared`` (too few to judge), blank where they share none.

    ``shared`` holds the shared ratings of each pair, laid out like ``matrix``.
    """
    values = matrix.to_numpy(dtype=np.float64)
    counts = (np.zeros(values.shape) if shared is None or shared.empty
              else shared.reindex(index=matrix.index, columns=matrix.columns).fillna(0).to_numpy(dtype=np.float64))
    low = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    x, y = [chart_text(c) for c in matrix.columns], [chart_text(i) for i in matrix.index]
    figure = go.Figure(go.Heatmap(
        z=values, x=x, y=y, customdata=counts, zmin=min(0.0, low), zmax=1.0,
        colorscale="Viridis", colorbar=dict(title=dict(text="Kappa", side="right")), hoverongaps=False,
        hovertemplate="%{y} and %{x}<br>weighted kappa %{z:.2f} over %{customdata:,.0f} shared ratings"
                      "<extra></extra>"))
    few = np.where((counts > 0) & ~np.isfinite(values), counts, np.nan)
    if np.isfinite(few).any():
        figure.add_trace(go.Heatmap(
            z=np.where(np.isfinite(few), 0.0, np.nan), x=x, y=y, customdata=few, showscale=False,
            colorscale=[[0, BAND_COLOURS[TOO_FEW]], [1, BAND_COLOURS[TOO_FEW]]], hoverongaps=False,
            name=TOO_FEW, hovertemplate="%{y} and %{x}<br>" + f"{TOO_FEW}: " + "%{customdata:,.0f} shared ratings, "
                                        f"at least {min_shared} needed<extra></extra>"))
    figure.update_layout(
        # Two lines: as one, the title ran past the chart's right edge in a 1024 px window.
        title=f"Pairwise weighted kappa (quadratic, 1-5)<br><sup>grey: {TOO_FEW}, under {min_shared} shared "
              "ratings</sup>",
        xaxis=dict(showticklabels=len(matrix) <= 40, side="bottom", automargin=True),
        yaxis=dict(autorange="reversed", showticklabels=len(matrix) <= 60),
        **{**LAYOUT, "margin": room(top=60), "height": _tall(len(matrix), 480)})
    return figure


def severity_intervals(reviewers: pd.DataFrame, margin: float) -> go.Figure:
    """Each reviewer's severity with its 95% interval, softest at the top, fit flags coloured."""
    rows = reviewers.dropna(subset=["severity"]).sort_values("severity")
    rows = rows.assign(reviewer=rows["reviewer"].map(chart_text))
    figure = go.Figure()
    for flag, part in rows.groupby("flag", sort=False):
        figure.add_trace(go.Scatter(
            x=part["severity"], y=part["reviewer"], mode="markers", name=flag or "fit within band",
            marker=dict(color=FLAG_COLOURS.get(flag, "#72B7B2"), size=8),
            error_x=dict(type="data", symmetric=False, array=part["ci_high"] - part["severity"],
                         arrayminus=part["severity"] - part["ci_low"], thickness=1.2),
            customdata=np.stack([part["infit_mnsq"], part["outfit_mnsq"], part["n_ratings"]], axis=-1),
            hovertemplate="%{y}: %{x:+.2f} logits<br>infit %{customdata[0]:.2f}, outfit %{customdata[1]:.2f}"
                          "<br>%{customdata[2]} ratings<extra></extra>"))
    figure.add_vline(x=0, line_color="grey")
    for side in (-margin, margin):
        figure.add_vline(x=side, line_dash="dash", line_color="#E45756")
    figure.update_layout(
        title="Severity, 95% interval",
        xaxis_title="Logits, + is harsher",       # short: centred under the bars, it fits a half-page chart
        yaxis=dict(categoryorder="array", categoryarray=list(rows["reviewer"]), autorange="reversed"),
        legend=dict(orientation="h", y=-0.22, yanchor="top", title_text="Fit"),
        **{**LAYOUT, "height": _tall(len(rows)) + 60})
    return figure


def rating_shares(distribution: pd.DataFrame, order: Sequence[str]) -> go.Figure:
    """Share of each rating 1-5 per reviewer (stacked to 100%), all reviewers on top."""
    rows = distribution.copy()
    ordered = ["All reviewers", *[name for name in order if name != "All reviewers"]]
    shown = [chart_text(name) for name in ordered]
    figure = go.Figure()
    for rating, colour in zip(range(1, 6), RATING_COLOURS):
        part = rows[rows["rating"] == rating].set_index("reviewer").reindex(ordered)
        figure.add_trace(go.Bar(y=shown, x=part["share"], orientation="h", name=str(rating), marker_color=colour,
                                hovertemplate="%{y}: %{x:.1%} rated " + str(rating) + "<extra></extra>"))
    figure.update_layout(
        title="Ratings given", barmode="stack", xaxis_tickformat=".0%",
        yaxis=dict(categoryorder="array", categoryarray=shown, autorange="reversed"),
        legend=dict(orientation="h", y=-0.08, yanchor="top", title_text="Rating", traceorder="normal"),
        **{**LAYOUT, "height": _tall(len(ordered)) + 40})
    return figure


def rank_shift_histogram(ranking: pd.DataFrame, notable: float) -> go.Figure:
    """Distribution of percentile-rank shifts when severity is removed, as counts per bin (one bar a bin)."""
    bins = binned(ranking["percentile_shift"])
    figure = go.Figure(go.Bar(x=(bins["start"] + bins["end"]) / 2, y=bins["count"], width=bins["end"] - bins["start"],
                              customdata=bins[["start", "end"]], marker_color="#4C78A8",
                              hovertemplate="%{customdata[0]:+g} to %{customdata[1]:+g} points<br>"
                                            "Applications: %{y}<extra></extra>"))
    for side in (-notable, notable):
        figure.add_vline(x=side, line_dash="dash", line_color="#E45756")
    figure.update_layout(title="Rank shift once severity is removed", bargap=0,
                         xaxis_title=f"Percentile points (positive = moves up; dashed at ±{notable:g})",
                         yaxis_title="Applications", **LAYOUT)
    return figure


def monthly_trend(monthly: pd.DataFrame, value: str, low: str | None, high: str | None, flag: str,
                  title: str, axis_title: str, colours: Mapping[str, str], count: str | None = None,
                  min_count: float = 0) -> go.Figure:
    """One line per reviewer over months, with an interval band if given and flagged months marked.

    ``colours`` is :func:`reviewer_colours` of the page's reviewers, so a reviewer has one colour in
    every chart. With ``count`` (the ratings behind each month's figure), a month under ``min_count``
    is an open grey marker whose hover says it is too few to judge. With nothing to draw, the chart says so.
    """
    drawn = monthly.dropna(subset=[value])
    if drawn.empty:
        return empty_chart(title, "No month to draw for the reviewers chosen: choose other reviewers or a "
                                  "longer period.")
    figure = go.Figure()
    for name, rows in drawn.groupby("reviewer", sort=True):
        rows = rows.sort_values("month")
        error = None
        colour = colours.get(str(name), "#4C78A8")
        if low and high:
            error = dict(type="data", symmetric=False, array=rows[high] - rows[value],
                         arrayminus=rows[value] - rows[low], thickness=1, color=colour)
        marker: dict = dict(color=colour)
        hover = None
        if count is not None:
            n = rows[count].fillna(0).to_numpy(dtype=np.float64)
            few = n < min_count
            marker = dict(color=[BAND_COLOURS[TOO_FEW] if f else colour for f in few],
                          symbol=["circle-open" if f else "circle" for f in few],
                          line=dict(color=[GREY_TEXT if f else colour for f in few], width=1.5))
            hover = [f"{chart_text(name)}, %{{x|%b %Y}}: %{{y:.2f}} over {int(k):,} ratings"
                     + (f", {TOO_FEW}" if f else "") + "<extra></extra>" for k, f in zip(n, few)]
        figure.add_trace(go.Scatter(x=rows["month"], y=rows[value], mode="lines+markers", name=chart_text(name),
                                    line=dict(color=colour), marker=marker, hovertemplate=hover,
                                    error_y=error, legendgroup=chart_text(name)))
        hits = rows[rows[flag].astype(bool)]
        if not hits.empty:
            figure.add_trace(go.Scatter(x=hits["month"], y=hits[value], mode="markers",
                                        name=f"{chart_text(name)}: flagged",
                                        marker=dict(symbol="x", size=13, color="#222222"),
                                        legendgroup=chart_text(name), showlegend=False))
    figure.update_layout(title=title, yaxis_title=axis_title, legend=dict(orientation="h", y=-0.15), **LAYOUT)
    return month_axis(figure, monthly["month"])


def distance_heatmap(distances: pd.DataFrame, min_compared: int | None = None) -> go.Figure:
    """Each reviewer's mean absolute distance from the others' mean, per dimension, with the ratings
    compared behind it; a cell whose ``judged`` is False is grey and says "too few to judge"."""
    def laid_out(column: str) -> pd.DataFrame:
        return distances.pivot_table(index="reviewer", columns="dimension", values=column, aggfunc="first")

    table = laid_out("mad")
    columns = [c for c in distances.drop_duplicates("dimension_id").sort_values("dimension_id")["dimension"]
               if c in table.columns]
    table = table.reindex(columns=columns)
    if "All dimensions" in table.columns:
        table = table.sort_values("All dimensions", ascending=False)
    compared = (laid_out("compared").reindex(index=table.index, columns=table.columns).to_numpy(dtype=np.float64)
                if "compared" in distances else np.full(table.shape, np.nan))
    judged = (laid_out("judged").astype(float).reindex(index=table.index, columns=table.columns)
              .fillna(1.0).to_numpy(dtype=np.float64) > 0.5 if "judged" in distances else np.ones(table.shape, bool))
    values = table.to_numpy(dtype=np.float64)
    x, y = [chart_text(c) for c in table.columns], [chart_text(i) for i in table.index]
    needed = "" if min_compared is None else f", at least {min_compared} needed"
    figure = go.Figure(go.Heatmap(z=np.where(judged, values, np.nan), x=x, y=y, customdata=compared,
                                  colorscale="Reds", colorbar=dict(title=dict(text="Rating points", side="right")),
                                  hoverongaps=False,
                                  hovertemplate="%{y}, %{x}: %{z:.2f} from the others' mean over "
                                                "%{customdata:,.0f} compared ratings<extra></extra>"))
    few = ~judged & np.isfinite(values)
    if few.any():
        figure.add_trace(go.Heatmap(
            z=np.where(few, 0.0, np.nan), x=x, y=y, customdata=compared, showscale=False, hoverongaps=False,
            colorscale=[[0, BAND_COLOURS[TOO_FEW]], [1, BAND_COLOURS[TOO_FEW]]], name=TOO_FEW,
            text=np.where(few, TOO_FEW, ""), texttemplate="%{text}", textfont=dict(color=GREY_TEXT, size=10),
            hovertemplate="%{y}, %{x}: " + TOO_FEW + " (%{customdata:,.0f} compared ratings" + needed
                          + ")<extra></extra>"))
    figure.update_layout(title="Distance from the others' mean on the exercise",
                         xaxis=dict(side="bottom", tickangle=-30, automargin=True), yaxis=dict(autorange="reversed"),
                         **{**LAYOUT, "height": _tall(len(table)) + 90, "margin": dict(l=10, r=10, t=40, b=100)})
    return figure


#: Colours of the drift watch: the smoothed drift, its control limits, and a month beyond them.
WATCH_LINE, WATCH_LIMIT, WATCH_CROSSED = "#4C78A8", "#E45756", "#B2182B"


def drift_watch_panels(charts: pd.DataFrame, reviewer: str, dimensions: Sequence[str]) -> go.Figure:
    """One reviewer's drift watch: a small chart per dimension of the smoothed drift with its control limits.

    ``charts`` is the report's drift watch (``reviewer``, ``dimension``, ``month``, ``statistic``,
    ``limit``, ``crossed``, ``severity``, ``baseline``, ``n_ratings``, ``charted``, ``in_baseline``).
    The smoothed drift is in standard errors from the reviewer's own baseline (up is harsher); the
    shaded band runs between the limits, and a month beyond them is a red cross. The baseline months
    are marked along the bottom; a dimension with no month after its baseline says so.
    """
    mine = charts[charts["reviewer"] == reviewer]
    if mine.empty:
        return empty_chart(f"Drift watch: {chart_text(reviewer)}", "No monthly severities for this reviewer here.")
    shown = [d for d in dimensions if d in set(mine["dimension"])]
    figure = make_subplots(rows=1, cols=len(shown), shared_yaxes=True, horizontal_spacing=0.02,
                           subplot_titles=[chart_text(d).replace(" ", "<br>", 1) for d in shown])
    # Five titles share a narrow window: a two-word name takes two lines rather than run into the next.
    figure.update_annotations(font_size=12, yanchor="bottom")
    highest = 1.0
    crossed_shown = False
    for col, dimension in enumerate(shown, start=1):
        rows = mine[mine["dimension"] == dimension].sort_values("month")
        points = rows[rows["charted"].astype(bool)]
        if points.empty:
            figure.add_annotation(text="no month after<br>the baseline", x=0.5, y=0.5, showarrow=False,
                                  xref=f"x{'' if col == 1 else col} domain", yref=f"y{'' if col == 1 else col} domain",
                                  font=dict(color=GREY_TEXT, size=11))
            continue
        highest = max(highest, float(np.nanmax(np.abs(points[["statistic", "limit"]].to_numpy(dtype=np.float64)))))
        months = points["month"]
        figure.add_trace(go.Scatter(x=months, y=points["limit"], mode="lines", line=dict(color=WATCH_LIMIT, dash="dash",
                                                                                       width=1, shape="hv"),
                                    name="control limit", legendgroup="limit", showlegend=col == 1,
                                    hovertemplate="%{x|%b %Y}: limit ±%{y:.2f}<extra></extra>"), row=1, col=col)
        figure.add_trace(go.Scatter(x=months, y=-points["limit"], mode="lines", fill="tonexty",
                                    fillcolor="rgba(84, 162, 75, 0.10)",
                                    line=dict(color=WATCH_LIMIT, dash="dash", width=1, shape="hv"),
                                    legendgroup="limit", showlegend=False, hoverinfo="skip"), row=1, col=col)
        hover = [f"{chart_text(dimension)}, {m:%b %Y}: smoothed drift {s:+.2f} (limit ±{lim:.2f})<br>"
                 f"severity {v:+.2f} logits vs baseline {b:+.2f}, {int(n):,} ratings<extra></extra>"
                 for m, s, lim, v, b, n in zip(pd.to_datetime(months), points["statistic"], points["limit"],
                                               points["severity"], points["baseline"], points["n_ratings"])]
        figure.add_trace(go.Scatter(x=months, y=points["statistic"], mode="lines+markers",
                                    line=dict(color=WATCH_LINE), marker=dict(color=WATCH_LINE, size=6),
                                    name="smoothed drift", legendgroup="drift", showlegend=col == 1,
                                    hovertemplate=hover), row=1, col=col)
        hits = points[points["crossed"] != 0]
        if not hits.empty:
            figure.add_trace(go.Scatter(x=hits["month"], y=hits["statistic"], mode="markers",
                                        marker=dict(symbol="x", size=12, color=WATCH_CROSSED),
                                        name="beyond the limit", legendgroup="crossed",
                                        showlegend=not crossed_shown, hoverinfo="skip"), row=1, col=col)
            crossed_shown = True
        base = rows[rows["in_baseline"].astype(bool)]
        if not base.empty:
            half_month = pd.Timedelta(days=14)
            figure.add_vrect(x0=base["month"].min() - half_month, x1=base["month"].max() + half_month,
                             fillcolor="#D9D9D9", opacity=0.35, line_width=0, row=1, col=col)
    figure.update_yaxes(range=[-1.1 * highest, 1.1 * highest], zeroline=True, zerolinecolor="#999999")
    figure.update_yaxes(title_text="Standard errors, + is harsher", row=1, col=1)
    figure.update_xaxes(tickformat="%b %y", nticks=4)
    figure.update_layout(title=f"Drift watch: {chart_text(reviewer)}, each dimension against their own first months "
                               "(grey)", legend=dict(orientation="h", y=-0.2),
                         **{**LAYOUT, "height": 330, "margin": dict(l=10, r=10, t=70, b=10)})
    return figure
