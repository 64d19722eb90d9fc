"""Reading import files (CSV or Parquet) into frames of text cells, and recognising their table.

Everything a file can get wrong before its cells are looked at is found here: no header, the wrong
encoding, lines ended by a carriage return alone, a row with more cells than the header, a header
of another table, missing or unexpected columns. Each becomes a
:class:`~scoring.importing.format.Problem`; a file whose header cannot be matched to one table is
set aside, the others go on to validation even when some of their rows had bad bytes, so that one
run reports everything.

Cells are kept as text here (surrounding spaces removed, empty cells as ""), whatever the file
type; :mod:`scoring.importing.validation` parses them. Row labels are data-row positions (0 for the
first row under the header), so a row's spreadsheet number is its label plus 2.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scoring.importing.format import FILE_SUFFIXES, FORMATS, Problem, normalise_header, table_for_header, table_for_name

FIRST_DATA_ROW = 2            # the header is row 1, as a spreadsheet counts
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
CR_ONLY = ("its lines end with a carriage return alone (the old Mac OS format), so its rows cannot be told apart; "
           "save it again as CSV UTF-8, with Windows (CR LF) or Unix (LF) line endings")
MAX_ROW_PROBLEMS = 200        # bad-byte or cell-count rows listed per file; a Latin-1 file fails on many


@dataclass(frozen=True)
class Source:
    """A file to import: a path on disk, or the bytes of an upload with its file name."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.path is None:
            raise ValueError(f"{self.name}: neither a path nor the file's bytes")
        return Path(self.path).read_bytes()

    @property
    def size(self) -> int:
        """Bytes to read (0 for a path that does not exist: reading it reports the problem)."""
        if self.data is not None:
            return len(self.data)
        if self.path is None:
            return 0
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0


@dataclass
class LoadedFile:
    """A file read into text cells; ``frame`` is None when the file could not be used at all."""

    name: str
    table: str | None
    frame: pd.DataFrame | None

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)


def sources_from_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Source]:
    """Sources for paths given on a command line; a directory stands for its CSV and Parquet files."""
    sources = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            sources += [Source(str(p), p) for p in sorted(path.iterdir()) if p.suffix.lower() in FILE_SUFFIXES]
        else:
            sources.append(Source(str(given), path))
    return sources


def load(source: Source) -> tuple[LoadedFile, list[Problem]]:
    """Read one file, recognise its table and check its header.

    Returns
    -------
    LoadedFile
        With ``frame`` None if the file cannot be used (unreadable, or header problems).
    list of Problem
        Everything wrong with the file as a whole, plus rows with bad bytes or too many cells.
    """
    name = source.name
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_SUFFIXES:
        return LoadedFile(name, None, None), [Problem(
            name, None, "", f"unsupported file type {suffix or '(none)'!r}: import .csv or .parquet files")]
    try:
        data = source.read()
    except OSError as error:
        return LoadedFile(name, None, None), [Problem(name, None, "", f"cannot be read: {error.strerror or error}")]
    reader = _read_parquet if suffix == ".parquet" else _read_csv
    loaded, problems = reader(name, data)
    return _with_absent_columns(loaded), problems


def _with_absent_columns(loaded: LoadedFile) -> LoadedFile:
    """The columns a file may leave out of its header, added with every cell empty."""
    if loaded.frame is None or loaded.table is None:
        return loaded
    absent = [c.name for c in FORMATS[loaded.table].columns if c.may_be_absent and c.name not in loaded.frame]
    if not absent:
        return loaded
    return LoadedFile(loaded.name, loaded.table, loaded.frame.assign(**{column: "" for column in absent}))


# -- CSV --------------------------------------------------------------------------------------------
def _read_csv(name: str, data: bytes) -> tuple[LoadedFile, list[Problem]]:
    if not data.strip():
        return _unusable(name, "the file is empty: it needs at least a header row naming the columns")
    if data.startswith(UTF16_MARKS):
        return _unusable(name, "the file is UTF-16 encoded; save it as UTF-8 (\"CSV UTF-8\" in spreadsheet "
                               "programs)")
    if b"\r" in data and b"\n" not in data:
        return _unusable(name, CR_ONLY)
    try:
        header = _csv_header(data)
    except csv.Error:              # Python's words ("universal-newline mode") would not help a person
        return _unusable(name, "its header row cannot be split into cells: it holds a line break outside "
                               "quotes, such as a carriage return alone; check its quoting and line endings")
    table, problems = _recognise(name, header)
    if problems:
        return LoadedFile(name, table, None), problems
    try:
        cells, overflow = _csv_cells(data, len(header), "strict")
    except UnicodeDecodeError:
        problems = _encoding_problems(name, data)
        cells, overflow = _csv_cells(data, len(header), "replace")
    if overflow or cells is None:
        return LoadedFile(name, table, None), problems + _cell_count_problems(name, data, len(header))
    cells.columns = header
    return LoadedFile(name, table, _tidy(cells)), problems


def _csv_cells(data: bytes, width: int, errors: str) -> tuple[pd.DataFrame | None, bool]:
    """The data rows as text cells, and whether some row has more cells than the header.

    One spare column catches a row with one cell too many; the reader warns about (or refuses) rows
    with more. Rows with fewer cells than the header get empty trailing cells.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            cells = pd.read_csv(io.BytesIO(data), header=None, skiprows=1, names=list(range(width + 1)),
                                index_col=False, dtype=str, keep_default_na=False, na_filter=False,
                                skip_blank_lines=False, encoding="utf-8-sig", encoding_errors=errors)
        except pd.errors.EmptyDataError:
            return pd.DataFrame(columns=range(width), dtype="str"), False
        except pd.errors.ParserError:
            return None, True
    spare = cells.pop(width)
    overflow = any(issubclass(w.category, pd.errors.ParserWarning) for w in caught) or bool((spare != "").any())
    return cells, overflow


def _csv_header(data: bytes) -> list[str]:
    first_line = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    return normalise_header(next(csv.reader([first_line]), []))


def _encoding_problems(name: str, data: bytes) -> list[Problem]:
    """One problem per line holding bytes that are not UTF-8, naming the first bad byte of the line."""
    problems: list[Problem] = []
    lines_with_errors = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            lines_with_errors += 1
            if len(problems) < MAX_ROW_PROBLEMS:
                problems.append(Problem(name, number, "", (
                    f"byte 0x{line[error.start]:02X} at byte {error.start + 1} of the row is not UTF-8 text; "
                    "save the file as UTF-8 (this looks like Latin-1 or Windows-1252)")))
    if lines_with_errors > len(problems):
        problems.append(Problem(name, None, "", f"{lines_with_errors - len(problems):,} more rows hold bytes "
                                                "that are not UTF-8"))
    return problems


def _cell_count_problems(name: str, data: bytes, expected: int) -> list[Problem]:
    """Every row with more (non-empty) cells than the header; rows counted as a spreadsheet does."""
    text = data.decode("utf-8-sig", errors="replace")
    problems = []
    try:
        for row, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if row > 1 and len(cells) > expected and any(c.strip() for c in cells[expected:]):
                problems.append(Problem(name, row, "", f"has {len(cells)} cells but the header names {expected} "
                                                       "columns"))
                if len(problems) == MAX_ROW_PROBLEMS:
                    break
    except csv.Error:      # a carriage return inside an unquoted cell, say: the rows found so far stand
        problems.append(Problem(name, None, "", "the rows could not be split into cells: a line break outside "
                                                "quotes, such as a carriage return alone; check the quoting and "
                                                "line endings"))
    return problems or [Problem(name, None, "", "the rows could not be split into cells; check the quoting")]


# -- Parquet ----------------------------------------------------------------------------------------
def _read_parquet(name: str, data: bytes) -> tuple[LoadedFile, list[Problem]]:
    if not data:
        return _unusable(name, "the file is empty")
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as error:
        return _unusable(name, f"is not a readable Parquet file ({error})")
    header = normalise_header(table.column_names)
    recognised, problems = _recognise(name, header)
    if problems:
        return LoadedFile(name, recognised, None), problems
    columns = {}
    for column_name, column in zip(header, table.columns):
        try:
            columns[column_name] = pc.cast(column, pa.string())
        except pa.ArrowException:
            problems.append(Problem(name, 1, column_name, f"holds {column.type} values, which cannot be read as "
                                                          "cells; use plain text, numbers, dates or booleans"))
    if problems:
        return LoadedFile(name, recognised, None), problems
    cells = pa.table(columns).to_pandas().fillna("")
    return LoadedFile(name, recognised, _tidy(cells)), []


# -- shared ---------------------------------------------------------------------------------------
def _recognise(name: str, header: list[str]) -> tuple[str | None, list[Problem]]:
    """The file's table (from its name, else its header) and what is wrong with its header.

    When the header is wrong the table is still the one the name announces (or None), so that the
    other files' references to that table are not all reported as dangling.
    """
    by_name, by_header = table_for_name(name), table_for_header(header)
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        return by_name, [Problem(name, 1, c, "this column appears more than once in the header") for c in duplicated]
    if by_name is None and by_header is None:
        tables = ", ".join(f"{t}.csv" for t in FORMATS)
        return None, [Problem(name, 1, "", "cannot tell which table this file holds: name it after its table "
                                           f"({tables}) or give it exactly the columns of one table")]
    if by_name is None or by_name == by_header:
        return by_name or by_header, []
    if by_header is not None:
        return by_name, [Problem(name, 1, "", f"the file name says {by_name}, but the columns are those of "
                                              f"{by_header}: rename the file to {by_header}.csv or fix its header")]
    expected = FORMATS[by_name].column_names
    problems = [Problem(name, 1, c, f"required column {c!r} is missing from the header")
                for c in FORMATS[by_name].missing_from_header(header)]
    problems += [Problem(name, 1, c, f"unexpected column {c!r}: {by_name} files have exactly the columns "
                                     f"{', '.join(expected)}; remove it") for c in header if c not in expected]
    return by_name, problems


def _tidy(cells: pd.DataFrame) -> pd.DataFrame:
    """Strip every cell and drop rows with no value at all (row labels keep the file's positions)."""
    cells = cells.astype("str").fillna("")
    for column in cells.columns:
        cells[column] = cells[column].str.strip()
    blank = (cells == "").all(axis=1)
    return cells[~blank] if blank.any() else cells


def _unusable(name: str, reason: str) -> tuple[LoadedFile, list[Problem]]:
    return LoadedFile(name, table_for_name(name), None), [Problem(name, None, "", reason)]
