"""Tables whose figures rest on too few cases: those cells read "too few to judge", greyed.

A report marks each row as judged or not (a count under its stated minimum); :func:`greyed_table`
turns the figures of an unjudged row into the words, in grey, and formats the judged ones. The
column stays numeric underneath, so it still sorts by value. In ``st.dataframe`` a number column
shows the table's own text only when its ``column_config`` gives no ``format``: give those columns a
label and help only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from scoring.domain.thresholds import TOO_FEW
from scoring.reports.formatting import MISSING, is_missing, shown

#: The text colour of a figure too few cases judge (a mid grey, readable on light and dark themes).
GREY = "#8a8a8a"


#: Pixels a column needs to show "too few to judge" whole (number columns are sized for their numbers).
TOO_FEW_WIDTH = 128


def figure_width(judged: Sequence[bool] | pd.Series | np.ndarray) -> int | None:
    """The width of a column whose figures may read "too few to judge": wide enough for the words when
    any row is unjudged, else ``None`` (the table's own sizing).

    >>> figure_width([True, False]), figure_width([True, True])
    (128, None)
    """
    return None if np.asarray(judged, dtype=bool).all() else TOO_FEW_WIDTH


def figure_text(value: object, pattern: str, judged: bool) -> str:
    """How one figure reads: formatted when judged, the words when not, the dash when absent.

    Examples
    --------
    >>> figure_text(0.81234, "{:.3f}", True), figure_text(0.81234, "{:.3f}", False)
    ('0.812', 'too few to judge')
    >>> figure_text(float("nan"), "{:.3f}", False)
    '—'
    """
    if is_missing(value):
        return MISSING
    return shown(value, pattern) if judged else TOO_FEW


def greyed_table(table: pd.DataFrame, judged: Sequence[bool] | pd.Series | np.ndarray,
                 formats: Mapping[str, str], also_grey: Sequence[str] = ()) -> Styler:
    """``table`` styled so the ``formats`` columns of unjudged rows read :data:`TOO_FEW`, greyed.

    Parameters
    ----------
    table : pandas.DataFrame
        Exactly the columns to show, in order.
    judged : sequence of bool
        One per row of ``table``: whether that row's figures rest on enough cases.
    formats : mapping
        Column -> :meth:`str.format` pattern of its judged figures (``"{:.3f}"``, ``"{:.0f}%"``).
        Every other column keeps its ``column_config`` format; missing values read :data:`MISSING`.
        Columns not in ``table`` are passed over, so one mapping can serve several tables.
    also_grey : sequence of str
        Columns greyed in unjudged rows but shown as they are (an interval, which shows its own
        uncertainty).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    flags = np.asarray(judged, dtype=bool).reshape(-1)
    if flags.size != len(table):
        raise ValueError(f"judged has {flags.size} flags for a table of {len(table)} rows")
    frame = table.reset_index(drop=True)
    styler = frame.style.format(na_rep=MISSING)
    present = {column: pattern for column, pattern in formats.items() if column in frame.columns}
    grey = [*present, *(column for column in also_grey if column in frame.columns and column not in present)]
    for ok in (True, False):
        rows = list(np.flatnonzero(flags == ok))
        if not rows:
            continue
        for column, pattern in present.items():
            styler = styler.format(lambda value, p=pattern, o=ok: figure_text(value, p, o),
                                   subset=pd.IndexSlice[rows, [column]])
        if not ok and grey:
            styler = styler.map(lambda _: f"color: {GREY}", subset=pd.IndexSlice[rows, grey])
    return styler
