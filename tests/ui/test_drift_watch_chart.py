"""The drift watch's small multiples: one panel per dimension, the limits drawn, crossings marked, names as text."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ui import calibration_charts as charts

DIMENSIONS = ["Infrastructure", "Model Deployment", "Governance"]


def watch(reviewer: str = "Ana <b>Lima</b>") -> pd.DataFrame:
    """Five months of one reviewer on three dimensions: three baseline months, then two charted; Model
    Deployment crosses in the last month; Governance has no month after its baseline."""
    rows = []
    for dimension in DIMENSIONS:
        for i, month in enumerate(pd.date_range("2026-01-01", periods=5, freq="MS")):
            charted = i >= 3 and dimension != "Governance"
            crossed = int(dimension == "Model Deployment" and i == 4)
            rows.append({"reviewer": reviewer, "dimension": dimension, "month": month, "severity": 0.1 * i,
                         "baseline": 0.0, "n_ratings": 30, "in_baseline": i < 3, "charted": charted,
                         "statistic": (1.2 if crossed else 0.3) if charted else np.nan,
                         "limit": (0.8 if i == 4 else 0.7) if charted else np.nan, "crossed": crossed})
    return pd.DataFrame(rows)


def spec(figure) -> dict:
    return json.loads(figure.to_json())


def test_one_panel_per_dimension_with_the_limits_both_ways_and_the_crossing_marked():
    figure = spec(charts.drift_watch_panels(watch(), "Ana <b>Lima</b>", DIMENSIONS))
    assert [a["text"].replace("<br>", " ") for a in figure["layout"]["annotations"][:3]] == DIMENSIONS
    limits = [t for t in figure["data"] if t.get("legendgroup") == "limit"]
    assert len(limits) == 4                                  # upper and lower, for the two charted panels
    crossed = [t for t in charts.drift_watch_panels(watch(), "Ana <b>Lima</b>", DIMENSIONS).data
               if t.name == "beyond the limit"]
    assert len(crossed) == 1 and list(crossed[0].y) == [1.2]
    assert any("no month after" in a["text"] for a in figure["layout"]["annotations"])


def test_the_reviewers_name_is_shown_as_written_never_read_as_markup():
    title = spec(charts.drift_watch_panels(watch(), "Ana <b>Lima</b>", DIMENSIONS))["layout"]["title"]["text"]
    assert "<b>" not in title and "Lima" in title


def test_a_reviewer_without_months_gets_a_sentence_not_bare_axes():
    figure = spec(charts.drift_watch_panels(watch(), "Bo", DIMENSIONS))
    assert figure["data"] == [] and "No monthly severities" in figure["layout"]["annotations"][0]["text"]
