"""A table's figures over too few cases read "too few to judge", greyed, and stay numbers underneath."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.domain.thresholds import TOO_FEW
from scoring.reports.formatting import MISSING
from ui.small_samples import GREY, greyed_table


def display(styler) -> list[list[str]]:
    """The text of every body cell, as the styled table shows it."""
    return [[cell["display_value"] for cell in row[1:]] for row in styler._translate(False, False)["body"]]


def colours(styler) -> dict[tuple[int, int], str]:
    styler._compute()
    return {cell: ";".join(f"{k}: {v}" for k, v in css) for cell, css in styler.ctx.items()}


TABLE = pd.DataFrame({"dimension": ["Infrastructure", "Governance", None], "alpha": [0.8123, 0.41, np.nan],
                      "ci": ["0.70 to 0.90", "0.10 to 0.70", None], "units": [120, 12, 0]})


def test_unjudged_figures_read_too_few_in_grey_and_judged_ones_their_format():
    styler = greyed_table(TABLE, [True, False, False], {"alpha": "{:.3f}", "absent": "{}"}, also_grey=["ci"])
    assert display(styler) == [["Infrastructure", "0.812", "0.70 to 0.90", "120"],
                               ["Governance", TOO_FEW, "0.10 to 0.70", "12"],
                               [MISSING, MISSING, MISSING, "0"]]
    grey = f"color: {GREY}"
    assert colours(styler) == {(1, 1): grey, (1, 2): grey, (2, 1): grey, (2, 2): grey}
    assert styler.data["alpha"].tolist()[:2] == [0.8123, 0.41]          # still numbers: the column sorts


def test_everything_judged_greys_nothing():
    styler = greyed_table(TABLE, [True] * 3, {"alpha": "{:.2f}"})
    assert [row[1] for row in display(styler)] == ["0.81", "0.41", MISSING]
    assert colours(styler) == {}


def test_one_flag_per_row_is_required():
    with pytest.raises(ValueError, match="2 flags for a table of 3 rows"):
        greyed_table(TABLE, [True, False], {"alpha": "{:.3f}"})
