"""Plotly figures of the validity page: data in, figure out. No Streamlit and no statistics here.

Reviewer display names go through :func:`ui.text.chart_text`: Plotly shows them as written instead of
reading them as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.charts import LAYOUT
from ui.text import chart_text

CURRENT_COLOUR, SUGGESTED_COLOUR = "#4C78A8", "#F58518"
TRACE_COLOURS = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D")


def band_rates(table: pd.DataFrame, event_label: str, score_label: str) -> go.Figure:
    """Outcome rate per score band with its Wilson interval; bands under the floor show no point.

    ``table`` is :func:`scoring.agency.validity.band_rates` output: ``band``, ``cases``, ``events``,
    ``rate``, ``ci_low``, ``ci_high``, ``reason``.
    """
    shown = table["rate"].notna()
    text = [f"{int(c):,} cases" if ok else f"{int(c):,} cases: not shown"
            for c, ok in zip(table["cases"], shown)]
    figure = go.Figure(go.Scatter(
        x=table["band"], y=table["rate"], mode="markers", marker=dict(size=11, color=CURRENT_COLOUR),
        name=event_label, text=text, customdata=np.stack([table["events"], table["cases"]], axis=1),
        hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        error_y=dict(type="data", symmetric=False, array=(table["ci_high"] - table["rate"]).tolist(),
                     arrayminus=(table["rate"] - table["ci_low"]).tolist(), thickness=1.5)))
    for band, label in zip(table["band"], text):
        figure.add_annotation(x=band, y=0, yref="paper", yanchor="top", text=label, showarrow=False,
                              font=dict(size=10, color="#666"), yshift=-22)
    figure.update_layout(title=f"{event_label} by score band (95% Wilson interval)",
                         yaxis=dict(tickformat=".0%", rangemode="tozero", title=event_label),
                         xaxis=dict(title=dict(text=score_label, standoff=28), type="category"),
                         **{**LAYOUT, "height": 380, "margin": dict(l=10, r=10, t=40, b=70)})
    return figure


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


def roc_curves(roc: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Empirical ROC curve of each predictor (``predictor``, ``fpr``, ``tpr``, ``auc``) with the chance line."""
    figure = go.Figure()
    for i, (predictor, rows) in enumerate(roc.groupby("predictor", sort=False)):
        area = float(rows["auc"].iloc[0])
        rows = rows[corners(rows["fpr"], rows["tpr"])]          # the same steps from fewer points
        figure.add_trace(go.Scatter(
            x=rows["fpr"], y=rows["tpr"], mode="lines", line=dict(shape="hv", color=TRACE_COLOURS[i % 8]),
            name=f"{labels.get(predictor, predictor)} (AUC {area:.3f})"))
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="No discrimination (AUC 0.5)",
                                line=dict(dash="dot", color="#999")))
    figure.update_layout(title="ROC curves: good outcomes found vs bad outcomes let through",
                         xaxis=dict(title="Share of bad outcomes above the cut", range=[0, 1], tickformat=".0%"),
                         yaxis=dict(title="Share of good outcomes above the cut", range=[0, 1], tickformat=".0%"),
                         legend=dict(orientation="h", y=-0.25), **{**LAYOUT, "height": 440})
    return figure


def weights_side_by_side(current_pct: Mapping[str, float], suggested_pct: Mapping[str, float],
                         names: Mapping[str, str], current_label: str) -> go.Figure:
    """Current and suggested weight of each dimension (percent) as grouped bars."""
    codes = list(names)
    figure = go.Figure()
    figure.add_trace(go.Bar(x=[names[c] for c in codes], y=[current_pct.get(c) for c in codes],
                            name=current_label, marker_color=CURRENT_COLOUR, texttemplate="%{y:.0f}%"))
    if suggested_pct:
        figure.add_trace(go.Bar(x=[names[c] for c in codes], y=[suggested_pct.get(c) for c in codes],
                                name="Suggested by the outcome model", marker_color=SUGGESTED_COLOUR,
                                texttemplate="%{y:.0f}%"))
    figure.update_layout(title="Dimension weights: current and suggested", barmode="group",
                         yaxis=dict(title="Weight (%)", rangemode="tozero"), **LAYOUT)
    return figure


def reviewer_validity(reviewers: pd.DataFrame) -> go.Figure:
    """Each reviewer's AUC (own scores vs outcome) against their severity, with the AUC interval.

    Rows need ``reviewer``, ``severity``, ``auc``, ``ci_low``, ``ci_high``, ``n``, ``fit_flag``;
    reviewers under the floor (NaN AUC) are left out.
    """
    rows = reviewers.dropna(subset=["auc", "severity"])
    figure = go.Figure()
    for flag, part in rows.groupby(rows["fit_flag"].replace("", "within the fit band"), sort=True):
        figure.add_trace(go.Scatter(
            x=part["severity"], y=part["auc"], mode="markers", name=chart_text(flag),
            text=part["reviewer"].map(chart_text),
            customdata=part["n"], hovertemplate="%{text}: AUC %{y:.3f}, severity %{x:+.2f} logits, "
                                                "%{customdata} applications<extra></extra>",
            error_y=dict(type="data", symmetric=False, array=(part["ci_high"] - part["auc"]).tolist(),
                         arrayminus=(part["auc"] - part["ci_low"]).tolist(), thickness=1)))
    figure.add_hline(y=0.5, line_dash="dot", annotation_text="no discrimination")
    figure.update_layout(title="Reviewers: does their own score predict the outcome? (95% DeLong interval)",
                         xaxis_title="Severity (logits, positive = harsher)", yaxis_title="AUC of own scores",
                         **LAYOUT)
    return figure
