"""One colour per reviewer across the calibration page's charts (issue 15: the walk found a reviewer
in two colours in the two month-by-month charts drawn side by side)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ui import calibration_charts as charts


def monthly(names: list[str], severities: dict[str, float]) -> pd.DataFrame:
    """Two months per reviewer; a reviewer missing from ``severities`` has no severity (only a distance)."""
    rows = []
    for name in names:
        for month in ("2026-09-01", "2026-10-01"):
            rows.append({"reviewer": name, "month": pd.Timestamp(month), "severity": severities.get(name, np.nan),
                         "ci_low": severities.get(name, np.nan) - 0.2, "ci_high": severities.get(name, np.nan) + 0.2,
                         "mad": 0.8, "severity_flag": False, "agreement_flag": False})
    return pd.DataFrame(rows)


def line_colours(figure) -> dict[str, str]:
    return {trace["name"]: trace["line"]["color"] for trace in json.loads(figure.to_json())["data"]
            if "lines" in trace["mode"]}


def test_each_reviewer_gets_one_colour_whatever_the_order_or_subset():
    colours = charts.reviewer_colours(["Cy", "Ana", "Bo", "Ana"])
    assert list(colours) == ["Ana", "Bo", "Cy"] and len(set(colours.values())) == 3
    assert charts.reviewer_colours(["Bo", "Cy", "Ana"]) == colours


def test_a_reviewer_has_the_same_colour_in_both_monthly_charts():
    names = ["Ana", "Bo", "Cy"]
    table = monthly(names, {"Bo": 0.4, "Cy": -0.3})      # Ana has no severity: her line is only in one chart
    colours = charts.reviewer_colours(names)
    severity = line_colours(charts.monthly_trend(table, "severity", "ci_low", "ci_high", "severity_flag",
                                                 "Severity", "Logits", colours))
    distance = line_colours(charts.monthly_trend(table, "mad", None, None, "agreement_flag", "Distance",
                                                 "Rating points", colours))
    assert set(severity) == {"Bo", "Cy"} and set(distance) == set(names)
    for name, colour in severity.items():
        assert distance[name] == colour == colours[name]


def test_colours_repeat_only_after_the_palette_is_used_up():
    names = [f"Reviewer {i:02d}" for i in range(len(charts.REVIEWER_PALETTE) + 2)]
    colours = charts.reviewer_colours(names)
    assert len(set(colours.values())) == len(charts.REVIEWER_PALETTE)
