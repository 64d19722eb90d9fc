"""CSV that is safe to open in a spreadsheet: every CSV download and file the product writes.

A spreadsheet opening a CSV file treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula, and some also after a leading tab or carriage return. Stored text comes from people and
files (a client named ``=HYPERLINK("http://x","Acme")``), so a download could run a formula on the
reader's machine or send data out of it. Following OWASP's guidance on CSV injection, a text cell
that begins with one of :data:`FORMULA_STARTS` is written with a single quote in front
(:func:`neutralise`) and inside double quotes, so the spreadsheet shows it as text.

Only text is changed: a number stays a number (a column of negative amounts is written as it is),
while the text ``"-5"`` is text and is neutralised. Parquet files keep the exact values; these
functions are for CSV only.

Nothing here touches Streamlit or the database.

References
----------
OWASP Foundation, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: What goes in front of such a cell so that it is read as text.
TEXT_PREFIX = "'"
#: Characters that oblige a CSV cell to be quoted (RFC 4180).
_NEEDS_QUOTES = (",", '"', "\r", "\n")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet cell that cannot be read as a formula.

    Parameters
    ----------
    text : str
        Any text, e.g. a name, a note or an external id.

    Returns
    -------
    str
        ``text`` with a single quote in front when it begins with one of :data:`FORMULA_STARTS`;
        otherwise ``text`` unchanged.

    Examples
    --------
    >>> print(neutralise('=HYPERLINK("http://x","Acme")'))
    '=HYPERLINK("http://x","Acme")
    >>> print(neutralise("-5"), neutralise("Acme Robotics"))
    '-5 Acme Robotics
    """
    return TEXT_PREFIX + text if text.startswith(FORMULA_STARTS) else text


def is_neutralised(cell: str) -> bool:
    """Whether ``cell`` is text that :func:`neutralise` prefixed (or that looks just like it).

    Examples
    --------
    >>> is_neutralised("'=1+1"), is_neutralised("'quoted'"), is_neutralised("-5")
    (True, False, False)
    """
    return cell.startswith(TEXT_PREFIX) and cell[len(TEXT_PREFIX):].startswith(FORMULA_STARTS)


def csv_cell(cell: str) -> str:
    """One cell as CSV text: quoted when it is neutralised or holds a comma, a quote or a line break.

    Examples
    --------
    >>> print(csv_cell("SR-5"), csv_cell("a, b"), csv_cell("'+1"), csv_cell('6" rack'))
    SR-5 "a, b" "'+1" "6"" rack"
    """
    if is_neutralised(cell) or any(mark in cell for mark in _NEEDS_QUOTES):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_line(cells: Iterable[str]) -> str:
    """One row of cells (already text) as a CSV line ending with ``\\n``.

    A row of one empty cell is written ``""`` so that it is not read as a blank line.

    Examples
    --------
    >>> print(csv_line(["clients", "1", "name", "'=1+1"]), end="")
    clients,1,name,"'=1+1"
    """
    cells = list(cells)
    if cells == [""]:
        return '""\n'
    return ",".join(csv_cell(cell) for cell in cells) + "\n"


def _may_hold_text(column: pd.Series) -> bool:
    """Whether a column can hold text: object, string and categorical columns (numbers, booleans and
    dates cannot)."""
    dtype = column.dtype
    return (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype))


def _neutralise_cell(value: object) -> object:
    return neutralise(value) if isinstance(value, str) else value


def neutralised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells went through :func:`neutralise`; every other cell as it was."""
    safe = frame.copy()
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if _may_hold_text(column):
            safe.isetitem(position, column.astype(object).map(_neutralise_cell))
    return safe


def to_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV without the index, safe to open in a spreadsheet.

    Values are written as pandas writes them (numbers, dates, booleans; an empty cell for a missing
    value); text cells are neutralised (:func:`neutralise`) and a neutralised cell is quoted.
    Header names are treated like text cells. Lines end with ``\\n``.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    bytes

    Examples
    --------
    >>> frame = pd.DataFrame({"client": ["=HYPERLINK(\\"http://x\\",\\"Acme\\")", "Acme"], "days": [-3, 4]})
    >>> print(to_csv(frame).decode(), end="")
    client,days
    "'=HYPERLINK(""http://x"",""Acme"")",-3
    Acme,4
    """
    # Written with \r\n line ends so that pandas quotes every cell holding either \r or \n, then read
    # back cell by cell to be written again with the quoting above.
    written = neutralised_frame(frame).to_csv(index=False, lineterminator="\r\n")
    rows = csv.reader(io.StringIO(written, newline=""))
    header = next(rows, None)
    out = io.StringIO()
    if header is not None:
        out.write(csv_line(neutralise(name) for name in header))
    for row in rows:
        out.write(csv_line(row))
    return out.getvalue().encode("utf-8")
