"""Long row lists drawn as a person reads them: the first rows in the list's order, a caption saying
how many there are, and the whole list behind a download.

A table of a few thousand rows costs a page its speed (every cell travels to the browser and is
laid out there) while a person reads the top of it; the rest is for a spreadsheet. One mechanism,
:func:`paged_table`, serves every page, so every long list says the same thing in the same words.
The downloads are made when their button is clicked, never on a page's run. Every link to a candidate's
profile is drawn by :func:`profile_column`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from scoring.reports.candidate import PROFILE_LINK_TEXT
from scoring.reports.exports import to_csv
from scoring.reports.formatting import counted
from scoring.reports.ops import to_parquet

#: Rows a long list shows on its page: about two screens, more than a person reads before sorting
#: the download instead.
ROWS_SHOWN = 100
PARQUET = "application/vnd.apache.parquet"


def downloads(frame: pd.DataFrame | Callable[[], pd.DataFrame], what: str, stem: str, key: str) -> None:
    """CSV and Parquet downloads of ``frame`` (every column) side by side, saved as ``stem``.

    ``frame`` may be a function returning it, for a list only worth making when someone downloads it.
    Each file is written when its button is clicked, not when the page runs.
    """
    def rows() -> pd.DataFrame:
        return frame() if callable(frame) else frame

    left, right = st.columns(2)
    left.download_button(f"Download {what} (CSV)", lambda: to_csv(rows()), f"{stem}.csv", "text/csv",
                         key=f"{key}_csv", on_click="ignore", icon=":material/download:",
                         help=f"Saved as {stem}.csv")
    right.download_button(f"Download {what} (Parquet)", lambda: to_parquet(rows()), f"{stem}.parquet", PARQUET,
                          key=f"{key}_parquet", on_click="ignore", icon=":material/download:",
                          help=f"Saved as {stem}.parquet")


def first_rows_caption(total: int, shown: int, noun: tuple[str, str]) -> str | None:
    """What a shortened list says above itself, or ``None`` when every row is shown.

    >>> first_rows_caption(1234, 100, ("row", "rows"))
    'The first 100 of 1,234 rows, in the order listed; the downloads hold every one.'
    >>> first_rows_caption(80, 100, ("row", "rows")) is None
    True
    """
    if total <= shown:
        return None
    return f"The first {shown:,} of {counted(total, *noun)}, in the order listed; the downloads hold every one."


def first_rows(frame: pd.DataFrame, noun: tuple[str, str] = ("row", "rows"), rows: int = ROWS_SHOWN) -> pd.DataFrame:
    """The first ``rows`` rows of ``frame``, after a caption saying how many there are when it is longer.

    For a list drawn by a table helper with its own columns; :func:`paged_table` draws a plain one.
    ``noun`` is what a row is, singular and plural ("breach", "breaches").
    """
    note = first_rows_caption(len(frame), rows, noun)
    if note is not None:
        st.caption(note)
    return frame.head(rows)


def paged_table(frame: pd.DataFrame, download: tuple[str, str, str], *, noun: tuple[str, str] = ("row", "rows"),
                rows: int = ROWS_SHOWN, **dataframe: Any) -> None:
    """The first ``rows`` rows of ``frame`` as a table, saying how many there are, with the whole list
    behind the downloads.

    Parameters
    ----------
    frame : pandas.DataFrame
        The whole list, already in the order a person reads it (the worst first, the newest first...).
    download : tuple of str
        ``(what, stem, key)`` of :func:`downloads`: the button's words, the file name's stem and the
        widget key's start.
    noun : tuple of str
        What a row is, singular and plural, for the caption.
    rows : int
        How many rows the page shows.
    **dataframe
        Passed to ``st.dataframe`` (column configuration, order, placeholder...).
    """
    st.dataframe(first_rows(frame, noun, rows), **dataframe)
    downloads(frame, *download)


def profile_column(label: str = "Profile", width: int | None = None) -> ColumnConfig:
    """A link column for the addresses :func:`scoring.reports.candidate.profile_link` makes: it shows the
    candidate's reference, and a click opens their profile."""
    return st.column_config.LinkColumn(label, width=width, help="Opens the candidate's profile",
                                       display_text=PROFILE_LINK_TEXT)
