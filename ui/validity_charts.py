"""Plotly figures of the validity page: data in, figure out. No Streamlit and no statistics here.

Reviewer display names go through :func:`ui.text.chart_text`: Plotly shows them as written instead of
reading them as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.charts import LAYOUT, room
from ui.figure_cache import kept
from ui.text import chart_text

CURRENT_COLOUR, SUGGESTED_COLOUR = "#4C78A8", "#F58518"
TRACE_COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D")


@kept
def band_rates(table: pd.DataFrame, event_label: str, score_label: str) -> go.Figure:
    """Outcome rate per score band with its Wilson interval; bands under the floor show no point.

    ``table`` is :func:`scoring.agency.validity.band_rates` output: ``band``, ``cases``, ``events``,
    ``rate``, ``ci_low``, ``ci_high``, ``reason``.
    """
    shown = table["rate"].notna()
    text = [f"{int(c):,} cases" if ok else f"{int(c):,} cases: not shown"
            for c, ok in zip(table["cases"], shown)]
    rate = table["rate"].to_numpy(dtype=float)
    points = dict(type="scatter", x=table["band"].tolist(), y=rate, mode="markers",
                  marker=dict(size=11, color=CURRENT_COLOUR), name=event_label, text=text,
                  customdata=np.stack([table["events"], table["cases"]], axis=1),
                  hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})<extra></extra>",
                  error_y=dict(type="data", symmetric=False, array=(table["ci_high"] - table["rate"]).tolist(),
                               arrayminus=(table["rate"] - table["ci_low"]).tolist(), thickness=1.5))
    counts = [dict(x=band, y=0, yref="paper", yanchor="top", text=label, showarrow=False,
                   font=dict(size=10, color="#666"), yshift=-22) for band, label in zip(table["band"], text)]
    layout = {**LAYOUT, "height": 380, "margin": room(left=86, bottom=78), "annotations": counts,
              "title": dict(text=f"{event_label} by score band (95% Wilson interval)"),
              "yaxis": dict(tickformat=".0%", rangemode="tozero", title=dict(text=event_label)),
              "xaxis": dict(title=dict(text=score_label, standoff=28), type="category")}
    return go.Figure(data=[points], layout=layout)


def corners(x: pd.Series, y: pd.Series) -> np.ndarray:
    """Which points of a step curve (drawn ``hv``) to keep: the first, the last and every corner.

    A point in the middle of a straight run (the same ``x``, or the same ``y``, as both its
    neighbours) draws nothing its neighbours do not, so dropping it leaves the curve as it was.

    >>> corners(pd.Series([0.0, 0.0, 0.0, 0.5, 1.0]), pd.Series([0.0, 0.2, 0.5, 0.5, 0.5])).tolist()
    [True, False, True, False, True]
    """
    xs, ys = x.to_numpy(dtype=np.float64), y.to_numpy(dtype=np.float64)
    keep = np.ones(len(xs), dtype=bool)
    if len(xs) > 2:
        same_x = (xs[:-2] == xs[1:-1]) & (xs[1:-1] == xs[2:])
        same_y = (ys[:-2] == ys[1:-1]) & (ys[1:-1] == ys[2:])
        keep[1:-1] = ~(same_x | same_y)
    return keep


@kept
def roc_curves(roc: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Empirical ROC curve of each predictor (``predictor``, ``fpr``, ``tpr``, ``auc``) with the chance line."""
    traces = []
    for i, (predictor, rows) in enumerate(roc.groupby("predictor", sort=False)):
        area = float(rows["auc"].iloc[0])
        rows = rows[corners(rows["fpr"], rows["tpr"])]          # the same steps from fewer points
        traces.append(dict(type="scatter", x=rows["fpr"].to_numpy(dtype=float), y=rows["tpr"].to_numpy(dtype=float),
                           mode="lines", line=dict(shape="hv", color=TRACE_COLOURS[i % 8]),
                           name=f"{labels.get(predictor, predictor)} (AUC {area:.3f})"))
    traces.append(dict(type="scatter", x=[0, 1], y=[0, 1], mode="lines", name="No discrimination (AUC 0.5)",
                       line=dict(dash="dot", color="#999")))
    layout = {**LAYOUT, "height": 440, "margin": room(left=86, bottom=130), "legend": dict(orientation="h", y=-0.25),
              "title": dict(text="ROC curves: good outcomes found vs bad outcomes let through"),
              "xaxis": dict(title=dict(text="Share of bad outcomes above the cut"), range=[0, 1], tickformat=".0%"),
              "yaxis": dict(title=dict(text="Share of good outcomes above the cut"), range=[0, 1], tickformat=".0%")}
    return go.Figure(data=traces, layout=layout)


@kept
def weights_side_by_side(current_pct: Mapping[str, float], suggested_pct: Mapping[str, float],
                         names: Mapping[str, str], current_label: str) -> go.Figure:
    """Current and suggested weight of each dimension (percent) as grouped bars."""
    codes = list(names)
    labels = [names[c] for c in codes]
    bars = [dict(type="bar", x=labels, y=[current_pct.get(c) for c in codes], name=current_label,
                 marker_color=CURRENT_COLOUR, texttemplate="%{y:.0f}%")]
    if suggested_pct:
        bars.append(dict(type="bar", x=labels, y=[suggested_pct.get(c) for c in codes],
                         name="Suggested by the outcome model", marker_color=SUGGESTED_COLOUR,
                         texttemplate="%{y:.0f}%"))
    # the legend (two bars only) sits at the right
    layout = {**LAYOUT, "margin": room(left=70, right=242 if suggested_pct else 10, bottom=40), "barmode": "group",
              "title": dict(text="Dimension weights: current and suggested"),
              "yaxis": dict(title=dict(text="Weight (%)"), rangemode="tozero")}
    return go.Figure(data=bars, layout=layout)


@kept
def reviewer_validity(reviewers: pd.DataFrame) -> go.Figure:
    """Each reviewer's AUC (own scores vs outcome) against their severity, with the AUC interval.

    Rows need ``reviewer``, ``severity``, ``auc``, ``ci_low``, ``ci_high``, ``n``, ``fit_flag``;
    reviewers under the floor (NaN AUC) are left out.
    """
    rows = reviewers.dropna(subset=["auc", "severity"])
    traces = []
    for flag, part in rows.groupby(rows["fit_flag"].replace("", "within the fit band"), sort=True):
        auc = part["auc"].to_numpy(dtype=float)
        traces.append(dict(
            type="scatter", x=part["severity"].to_numpy(dtype=float), y=auc, mode="markers", name=chart_text(flag),
            text=part["reviewer"].map(chart_text).tolist(), customdata=part["n"].to_numpy(),
            hovertemplate="%{text}: AUC %{y:.3f}, severity %{x:+.2f} logits, %{customdata} applications"
                          "<extra></extra>",
            error_y=dict(type="data", symmetric=False, array=(part["ci_high"].to_numpy(dtype=float) - auc).tolist(),
                         arrayminus=(auc - part["ci_low"].to_numpy(dtype=float)).tolist(), thickness=1)))
    chance = dict(x0=0, x1=1, xref="x domain", y0=0.5, y1=0.5, yref="y")      # what add_hline draws
    layout = {**LAYOUT, "margin": room(left=74, right=166, bottom=70),
              "title": dict(text="Reviewers: does their own score predict the outcome? (95% DeLong interval)"),
              "xaxis": dict(title=dict(text="Severity (logits, positive = harsher)")),
              "yaxis": dict(title=dict(text="AUC of own scores")),
              "shapes": [dict(type="line", line=dict(dash="dot"), **chance)],
              "annotations": [dict(text="no discrimination", showarrow=False, x=1, xref="x domain", xanchor="right",
                                   y=0.5, yref="y", yanchor="bottom")]}
    return go.Figure(data=traces, layout=layout)
