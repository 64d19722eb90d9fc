"""Mapped imports: another system's export, turned into the import format by a mapping file.

A mapping (TOML, ``docs/import-mapping.md``) says, for each table of the import format
(:mod:`scoring.importing.format`), which source files feed it and, for each of the table's columns
(its *fields*), the source column it is read from or a constant, the date format of the source, and
the value map (*vocabulary*) that turns the source's words into the format's values: stage names,
decisions, dimension names, rating words to 1-5 or to "not assessed". A *wide* source (one column
per dimension) is unpivoted into one row per rating; a *long* source already has one.

:func:`apply_mapping` only translates: it writes each table's rows as a file of the native format
and remembers where every cell came from (source file, row, column). The import then reads those
files exactly as it reads native ones, so the same validation and the same all-or-nothing write
apply, and :meth:`MappedFiles.translate` names each problem it finds by its source file, row and
column. What only the mapping can find is reported here, by name: a source column the mapping
neither reads nor lists under ``ignore``, a word missing from a vocabulary, a date not in the
declared format.

Nothing here touches the database.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from scoring.domain.ratings import RATING_MAX, RATING_MIN
from scoring.importing.files import FIRST_DATA_ROW, Source
from scoring.importing.format import FILE_SUFFIXES, FORMATS, IMPORT_ORDER, Problem

#: The vocabulary target that makes a rating word "not assessed" rather than a number.
NOT_ASSESSED = "not assessed"
#: The reason recorded for a rating word mapped to "not assessed", unless the mapping gives one.
NOT_ASSESSED_REASON = "the source's rating was {word!r}"
#: How a cell of each kind is written in the native files.
NATIVE_FORMATS = {"date": "%Y-%m-%d", "timestamp": "%Y-%m-%d %H:%M:%S"}
#: Formats for times written as a count since 1970-01-01 00:00 UTC (Unix time), which ``strftime``
#: codes cannot read, with how many of the unit make a second: Lever's API, say, gives milliseconds.
UNIX_FORMATS = {"unix-seconds": 1, "unix-milliseconds": 1000}
#: The reason recorded for an empty rating cell a vocabulary maps to "not assessed".
NO_RATING_REASON = "the source gave no rating"
TABLE_KEYS = {"file", "fields", "ignore", "wide", "distinct", "skip"}
FIELD_KEYS = {"column", "value", "format", "values", "reason"}
TOP_KEYS = {"name", "documentation", "date_format", "timestamp_format", "vocabularies", "tables"}


class MappingError(ValueError):
    """A mapping file that cannot be used; ``errors`` names each fault by its place in the file."""

    def __init__(self, source: str, errors: Sequence[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(errors))
        self.source = source
        self.errors = list(errors)


@dataclass(frozen=True)
class FieldSpec:
    """Where one field (a column of the import format) comes from.

    Parameters
    ----------
    field : str
        The import format's column.
    column : str, optional
        The source column read (compared ignoring case and surrounding spaces).
    value : str, optional
        A constant for every row (instead of a column).
    format : str, optional
        The source's ``strftime`` format of a date or timestamp field.
    values : dict of str to str, optional
        The vocabulary: source word (compared ignoring case and surrounding spaces) to the format's
        value; a word not in it is refused by name.
    vocabulary : str
        The vocabulary's name in the mapping file, for messages ("" when written inline).
    reason : str, optional
        For ``rating``: the not-assessed reason recorded for a word mapped to "not assessed".
    """

    field: str
    column: str | None = None
    value: str | None = None
    format: str | None = None
    values: dict[str, str] | None = None
    vocabulary: str = ""
    reason: str | None = None


@dataclass(frozen=True)
class Wide:
    """A wide source: each of ``columns`` (source column to label) becomes one row, its label in
    ``label_field`` and its cell in ``value_field``; an empty cell makes no row."""

    label_field: str
    value_field: str
    columns: dict[str, str]


@dataclass(frozen=True)
class TableMapping:
    """How one table of the import format is read from source files."""

    table: str
    files: tuple[str, ...]
    fields: dict[str, FieldSpec]
    ignore: tuple[str, ...] = ()
    wide: Wide | None = None
    distinct: bool = False
    skip: tuple[str, tuple[str, ...]] | None = None

    def reads(self, file_name: str) -> bool:
        """Whether a source file (by its base name, ignoring case) feeds this table."""
        name = PurePath(file_name).name.lower()
        return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in self.files)

    def source_columns(self) -> set[str]:
        """The source columns the table reads, in normalised form."""
        used = {_norm(s.column) for s in self.fields.values() if s.column} | (
            {_norm(self.skip[0])} if self.skip else set())
        return used | ({_norm(c) for c in self.wide.columns} if self.wide else set())


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file: its name, the documentation it follows, and its tables."""

    name: str
    documentation: str
    tables: tuple[TableMapping, ...]
    text: str = ""

    def table(self, name: str) -> TableMapping:
        """The mapping of the import format's table ``name``; ``KeyError`` when the file maps no such table."""
        for table in self.tables:
            if table.table == name:
                return table
        raise KeyError(name)


class Origin(NamedTuple):
    """Where a generated row came from: its source file and spreadsheet row, and per field the
    source column (a constant's field is absent). A named tuple: one is made per generated row."""

    file: str
    row: int
    columns: dict[str, str]


@dataclass
class MappedFiles:
    """The outcome of :func:`apply_mapping`: native files to import, and how to name problems."""

    sources: list[Source]
    origins: dict[str, list[Origin]]
    feeding: dict[str, list[str]]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the source files were read and mapped without a problem, so the files may be imported."""
        return not self.problems

    def translate(self, problem: Problem) -> Problem:
        """A problem of a generated file, named by the source file, row and column it came from."""
        origins = self.origins.get(problem.file)
        if origins is None:
            return problem
        table = problem.file.removesuffix(".csv")
        if problem.row is None or not FIRST_DATA_ROW <= problem.row < FIRST_DATA_ROW + len(origins):
            fed = ", ".join(self.feeding.get(table, [])) or "no file"
            return Problem(f"{table} (mapped from {fed})", problem.row, problem.column, problem.reason)
        origin = origins[problem.row - FIRST_DATA_ROW]
        if not problem.column:
            return Problem(origin.file, origin.row, "", problem.reason)
        column = origin.columns.get(problem.column)
        if column is None:
            return Problem(origin.file, origin.row, f"{problem.column} (a constant of the mapping)", problem.reason)
        reason = problem.reason if _norm(column) == problem.column else f"{problem.reason} (read as {problem.column})"
        return Problem(origin.file, origin.row, column, reason)


# -- reading a mapping -----------------------------------------------------------------------------
def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file; raises :class:`MappingError` naming every fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(str(path), [f"cannot be read: {error}"]) from error
    return parse_mapping(text, str(path))


def parse_mapping(text: str, source: str = "mapping") -> Mapping:
    """A mapping from its TOML text.

    Parameters
    ----------
    text : str
        The TOML document (``docs/import-mapping.md``).
    source : str
        The file's name, for messages.

    Returns
    -------
    Mapping

    Raises
    ------
    MappingError
        The text is not TOML, or names a table, field, vocabulary or value the import format does
        not have, or leaves a required field unmapped; every fault is listed.

    Examples
    --------
    >>> m = parse_mapping('''
    ... [tables.reviewers]
    ... file = "people.csv"
    ... fields = { email = "Work e-mail", display_name = "Name", active = { value = "true" } }
    ... ''')
    >>> m.table("reviewers").fields["email"].column
    'Work e-mail'
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(source, [f"is not valid TOML: {error}"]) from error
    errors: list[str] = []
    errors += [f"unknown key {key!r} (known: {', '.join(sorted(TOP_KEYS))})" for key in document if key not in TOP_KEYS]
    vocabularies = _vocabularies(document.get("vocabularies", {}), errors)
    defaults = {"date": document.get("date_format"), "timestamp": document.get("timestamp_format")}
    tables_given = document.get("tables", {})
    if not isinstance(tables_given, dict) or not tables_given:
        errors.append("no [tables.NAME] section: name at least one table of the import format")
        tables_given = {}
    tables = []
    for name, spec in tables_given.items():
        if name not in FORMATS:
            errors.append(f"[tables.{name}]: no such table; the import format's tables are {', '.join(FORMATS)}")
            continue
        table = _table(name, spec, vocabularies, defaults, errors)
        if table is not None:
            tables.append(table)
    if errors:
        raise MappingError(source, errors)
    order = {name: i for i, name in enumerate(IMPORT_ORDER)}
    return Mapping(str(document.get("name", "")), str(document.get("documentation", "")),
                   tuple(sorted(tables, key=lambda t: order[t.table])), text)


def _vocabularies(given: object, errors: list[str]) -> dict[str, dict[str, str]]:
    if not isinstance(given, dict):
        errors.append("[vocabularies] must be a table of named value maps")
        return {}
    vocabularies = {}
    for name, words in given.items():
        words_map = _words(words, f"[vocabularies.{name}]", errors)
        if words_map is not None:
            vocabularies[name] = words_map
    return vocabularies


def _words(given: object, where: str, errors: list[str]) -> dict[str, str] | None:
    if not isinstance(given, dict):
        errors.append(f"{where} must map source words to values")
        return None
    words: dict[str, str] = {}
    for word, value in given.items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            errors.append(f"{where}: {word!r} must map to a text or a whole number, not {value!r}")
            continue
        words[_norm(word)] = str(value).strip()
    return words


def _table(name: str, spec: object, vocabularies: dict[str, dict[str, str]],
           defaults: dict[str, object], errors: list[str]) -> TableMapping | None:
    where = f"[tables.{name}]"
    if not isinstance(spec, dict):
        errors.append(f"{where} must be a table")
        return None
    errors += [f"{where}: unknown key {key!r} (known: {', '.join(sorted(TABLE_KEYS))})"
               for key in spec if key not in TABLE_KEYS]
    files = spec.get("file")
    files = [files] if isinstance(files, str) else files
    if not files or not all(isinstance(f, str) and f.strip() for f in files):
        errors.append(f"{where}: 'file' must name the source file (or a list of names; * matches any text)")
        files = []
    fmt = FORMATS[name]
    wide = _wide(name, spec.get("wide"), errors)
    fields: dict[str, FieldSpec] = {}
    given_fields = spec.get("fields", {})
    if not isinstance(given_fields, dict):
        errors.append(f"{where}: 'fields' must be a table of field = source column (or {{ ... }})")
        given_fields = {}
    for field_name, given in given_fields.items():
        if field_name not in fmt.column_names:
            errors.append(f"{where}: no field {field_name!r}; {name} has {', '.join(fmt.column_names)}")
            continue
        parsed = _field(name, field_name, given, vocabularies, defaults, wide, errors)
        if parsed is not None:
            fields[field_name] = parsed
    covered = set(fields) | ({wide.label_field, wide.value_field} if wide else set())
    for column in fmt.columns:
        if column.name not in covered and not column.may_be_absent and (column.required or column.required_unless):
            errors.append(f"{where}: required field {column.name!r} is not mapped: give its source column or a "
                          "constant value")
    ignore = spec.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
        errors.append(f"{where}: 'ignore' must list source column names")
        ignore = []
    skip = spec.get("skip")
    if skip is not None and not (isinstance(skip, dict) and isinstance(skip.get("column"), str)
                                 and isinstance(skip.get("words"), list) and skip["words"]):
        errors.append(f"{where}: 'skip' must be {{ column = \"...\", words = [\"...\"] }}: the rows whose cell in "
                      "that source column is one of the words are left out on purpose")
        skip = None
    skip_rule = (skip["column"], tuple(_norm(w) for w in skip["words"])) if skip else None
    return TableMapping(name, tuple(files), fields, tuple(ignore), wide, bool(spec.get("distinct", False)),
                        skip_rule)


def _wide(name: str, given: object, errors: list[str]) -> Wide | None:
    if given is None:
        return None
    where = f"[tables.{name}.wide]"
    fmt = FORMATS[name]
    if not isinstance(given, dict) or not {"field", "value", "columns"} <= set(given):
        errors.append(f"{where} needs 'field' (receives each column's label), 'value' (receives its cell) and "
                      "'columns' (source column = label)")
        return None
    label, value, columns = given["field"], given["value"], given["columns"]
    for role, chosen in (("field", label), ("value", value)):
        if chosen not in fmt.column_names:
            errors.append(f"{where}: {role} {chosen!r} is not a field of {name}")
    if not isinstance(columns, dict) or not columns or not all(isinstance(v, str) for v in columns.values()):
        errors.append(f"{where}: 'columns' must map each source column to its label, such as "
                      "{ \"Infra\" = \"infrastructure\" }")
        return None
    return Wide(label, value, {str(c): v.strip() for c, v in columns.items()})


def _field(table: str, name: str, given: object, vocabularies: dict[str, dict[str, str]],
           defaults: dict[str, object], wide: Wide | None, errors: list[str]) -> FieldSpec | None:
    where = f"[tables.{table}.fields] {name}"
    if isinstance(given, str):
        given = {"column": given}
    if not isinstance(given, dict):
        errors.append(f"{where} must be a source column name or an inline table such as {{ column = \"...\" }}")
        return None
    errors += [f"{where}: unknown key {key!r} (known: {', '.join(sorted(FIELD_KEYS))})"
               for key in given if key not in FIELD_KEYS]
    column, value = given.get("column"), given.get("value")
    in_wide = wide is not None and name in (wide.label_field, wide.value_field)
    if in_wide and (column is not None or value is not None):
        errors.append(f"{where}: this field is filled from the wide columns; give only its 'values' or 'format'")
    elif not in_wide and (column is None) == (value is None):
        errors.append(f"{where}: give either 'column' (a source column) or 'value' (a constant), not both or none")
        return None
    kind = FORMATS[table].column(name).kind
    fmt = given.get("format") or (defaults.get(kind) if column is not None or in_wide else None)
    if fmt is not None and kind not in NATIVE_FORMATS:
        errors.append(f"{where}: 'format' applies to dates and timestamps, and {name} is a {kind}")
    elif isinstance(fmt, str) and fmt.startswith("unix") and fmt not in UNIX_FORMATS:
        errors.append(f"{where}: no format {fmt!r}; a Unix time is {' or '.join(map(repr, UNIX_FORMATS))}")
    values, vocabulary = given.get("values"), ""
    if isinstance(values, str):
        vocabulary = values
        if values not in vocabularies:
            errors.append(f"{where}: no vocabulary {values!r} in [vocabularies]")
        values = vocabularies.get(values)
    elif values is not None:
        values = _words(values, where, errors)
    if values:
        _check_targets(table, name, values, vocabulary or where, errors)
    return FieldSpec(name, column, None if value is None else str(value), fmt if isinstance(fmt, str) else None,
                     values, vocabulary, given.get("reason"))


def _check_targets(table: str, name: str, values: dict[str, str], where: str, errors: list[str]) -> None:
    """Each value a vocabulary maps to must be one the field accepts (ratings: 1-5 or not assessed)."""
    column = FORMATS[table].column(name)
    if table == "scores" and name == "rating":
        allowed = {str(r) for r in range(RATING_MIN, RATING_MAX + 1)} | {NOT_ASSESSED}
        explain = f"a rating from {RATING_MIN} to {RATING_MAX} or {NOT_ASSESSED!r}"
    elif column.choices:
        allowed, explain = set(column.choices), f"one of {', '.join(column.choices)}"
    else:
        return
    for word, target in values.items():
        if target.lower() not in allowed:
            errors.append(f"{where}: {word!r} maps to {target!r}, but {table}.{name} takes {explain}")


# -- applying a mapping ----------------------------------------------------------------------------
def apply_mapping(mapping: Mapping, sources: Iterable[Source]) -> MappedFiles:
    """Read the source files and write each mapped table as a native import file.

    Parameters
    ----------
    mapping : Mapping
        The mapping to apply.
    sources : iterable of Source
        The source files (CSV or Parquet); each must be read by at least one table of the mapping.

    Returns
    -------
    MappedFiles
        A ``<table>.csv`` source per table with rows, the origin of each of its cells, and what only
        the mapping can find wrong (unmapped columns and words, dates not in the declared format).
        A cell with a problem is left empty, so the import's own checks still run on the rest.

    Notes
    -----
    The work is done a column at a time: each distinct cell of a source column is converted once
    (an export repeats its words and times on many rows), and the rows of a table are only put
    together when its file is written, so a long export maps in about the time it takes to read.
    """
    problems: list[Problem] = []
    parts: dict[str, list[_Part]] = {t.table: [] for t in mapping.tables}
    feeding: dict[str, list[str]] = {t.table: [] for t in mapping.tables}
    for source in sources:
        readers = [t for t in mapping.tables if t.reads(source.name)]
        if not readers:
            patterns = ", ".join(p for t in mapping.tables for p in t.files)
            problems.append(Problem(source.name, None, "", f"no table of the mapping reads this file (its files: "
                                                           f"{patterns}); rename it or add it to the mapping"))
            continue
        header, cells, found = _read_cells(source)
        problems += found
        if cells is None:
            continue
        for table in readers:
            feeding[table.table].append(source.name)
            problems += _check_header(source.name, header, table)
            part, cell_problems = _map_rows(source.name, cells, table)
            parts[table.table].append(part)
            problems += cell_problems
    generated, origins = [], {}
    for table in mapping.tables:
        columns, made_origins = _joined(table.table, parts[table.table])
        if table.distinct:
            columns, made_origins = _distinct(columns, made_origins)
        origins[f"{table.table}.csv"] = made_origins
        if feeding[table.table]:
            generated.append(Source(f"{table.table}.csv", data=_native_csv(table.table, columns, len(made_origins))))
    return MappedFiles(generated, origins, feeding, problems)


@dataclass
class _Cells:
    """A source file's text cells, a list per column (by its normalised name), and the spreadsheet row of each."""

    rows: list[int]
    columns: dict[str, list[str]]


@dataclass
class _Part:
    """The native rows one source file gives one table: a list per field, and where each row came from."""

    columns: dict[str, list[str]]
    origins: list[Origin]


def read_source(source: Source) -> tuple[list[str], pd.DataFrame | None, list[Problem]]:
    """A source file's header (as written) and text cells, columns named in normalised form.

    The frame's index is the spreadsheet row of each data row; rows with no value are dropped.
    """
    header, cells, problems = _read_cells(source)
    if cells is None:
        return header, None, problems
    return header, pd.DataFrame(cells.columns, index=cells.rows, columns=list(cells.columns), dtype=object), problems


def _read_cells(source: Source) -> tuple[list[str], _Cells | None, list[Problem]]:
    """:func:`read_source`'s work, keeping the cells as lists of text (what mapping reads)."""
    suffix = PurePath(source.name).suffix.lower()
    if suffix not in FILE_SUFFIXES:
        return [], None, [Problem(source.name, None, "", f"unsupported file type {suffix or '(none)'!r}: "
                                                         "map .csv or .parquet files")]
    try:
        data = source.read()
    except OSError as error:
        return [], None, [Problem(source.name, None, "", f"cannot be read: {error.strerror or error}")]
    if suffix == ".parquet":
        try:
            table = pq.read_table(io.BytesIO(data))
            table = pa.table({n: pc.cast(c, pa.string()) for n, c in zip(table.column_names, table.columns)})
        except (pa.ArrowException, OSError) as error:
            return [], None, [Problem(source.name, None, "", f"is not a readable Parquet file ({error})")]
        header = [str(c) for c in table.column_names]
        raw = [["" if cell is None else cell.strip() for cell in column.to_pylist()] for column in table.columns]
        count = table.num_rows
    elif (fast := _arrow_csv(data)) is not None:
        header, raw, count = fast
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            bad = f"byte 0x{data[error.start]:02X} at byte {error.start + 1}"
            return [], None, [Problem(source.name, None, "", f"{bad} is not UTF-8 text; save the file as CSV UTF-8")]
        lines = list(csv.reader(io.StringIO(text, newline="")))
        if not lines:
            return [], None, [Problem(source.name, None, "", "the file is empty: it needs a header row")]
        header, body = [c.strip() for c in lines[0]], lines[1:]
        width = len(header)
        problems = [Problem(source.name, n, "", f"has {len(r)} cells but the header names {width} columns")
                    for n, r in enumerate(body, start=FIRST_DATA_ROW)
                    if len(r) > width and any(c.strip() for c in r[width:])]
        if problems:
            return header, None, problems
        padded = [r if len(r) == width else (r + [""] * width)[:width] for r in body]
        raw = [[cell.strip() for cell in column] for column in zip(*padded)] if padded else [[] for _ in header]
        count = len(body)
    normalised = [_norm(c) for c in header]
    duplicated = sorted({c for c in normalised if normalised.count(c) > 1})
    if duplicated:
        return header, None, [Problem(source.name, 1, c, "this column appears more than once in the header")
                              for c in duplicated]
    columns = dict(zip(normalised, raw))
    filled = np.zeros(count, dtype=bool)
    for column_cells in columns.values():
        filled |= np.asarray(column_cells, dtype=object) != ""
    rows = list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + count))
    if not filled.all():
        kept = np.flatnonzero(filled).tolist()
        rows = [rows[i] for i in kept]
        columns = {name: [column_cells[i] for i in kept] for name, column_cells in columns.items()}
    return header, _Cells(rows, columns), []


#: The characters Python's ``str.strip()`` removes, for Arrow to remove the same ones.
_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def _arrow_csv(data: bytes) -> tuple[list[str], list[list[str]], int] | None:
    """A regular CSV file's header (stripped) and cells, read by Arrow; None for any file that is not
    regular (not UTF-8, a row of another width, a blank line in a file of several columns), which the
    Python reader then reads and names each fault of.

    The cells are read as text, exactly as written: no value is taken for missing, and a quoted cell
    may hold line breaks, as for Python's reader.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        first = next(csv.reader(io.StringIO(body[:1 << 16].decode("utf-8", errors="ignore"), newline="")), None)
        if not first:
            return None
        width = len(first)
        table = pa_csv.read_csv(
            io.BytesIO(body),
            read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(width)], block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types={f"c{i}": pa.string() for i in range(width)},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowException, UnicodeDecodeError):
        return None
    if table.num_rows == 0:
        return None
    stripped = [pc.utf8_trim(column, characters=_SPACES).to_pylist() for column in table.columns]
    header = [column[0] for column in stripped]
    if header != [c.strip() for c in first]:
        return None
    return header, [column[1:] for column in stripped], table.num_rows - 1


def _check_header(name: str, header: list[str], table: TableMapping) -> list[Problem]:
    """Source columns the table reads that are missing, and columns neither read nor ignored."""
    given = {_norm(c) for c in header}
    read_by = table.source_columns()
    ignored = {_norm(c) for c in table.ignore}
    problems = [Problem(name, 1, column, f"the mapping's {table.table} read column {column!r}, which this file "
                                         "does not have") for column in sorted(read_by - given)]
    problems += [Problem(name, 1, column.strip(), f"column {column.strip()!r} is not mapped: the mapping's "
                                                  f"{table.table} neither reads it nor lists it under 'ignore'; map "
                                                  "it to a field or ignore it by name, so no data is dropped "
                                                  "unseen")
                 for column in header if _norm(column) not in read_by | ignored]
    return problems


def _map_rows(name: str, cells: _Cells, table: TableMapping) -> tuple[_Part, list[Problem]]:
    """The native rows of one source file for one table: one per source row it keeps, or in a wide
    source one per non-empty cell of the wide columns, in source row order; and their problems."""
    problems: list[Problem] = []
    kept = range(len(cells.rows))
    if table.skip:
        skip_cells = cells.columns.get(_norm(table.skip[0]), [""] * len(cells.rows))
        kept = [i for i in kept if skip_cells[i].casefold() not in table.skip[1]]    # type: ignore[assignment]
    rows = [cells.rows[i] for i in kept]

    def column_of(source_column: str) -> list[str]:
        found = cells.columns.get(_norm(source_column))
        return [""] * len(rows) if found is None else [found[i] for i in kept]

    wide_fields = (table.wide.label_field, table.wide.value_field) if table.wide else ()
    base: dict[str, list[str]] = {}
    read_from: dict[str, str] = {}
    for spec in table.fields.values():
        if spec.field in wide_fields:
            continue
        if spec.value is not None:
            base[spec.field] = [spec.value] * len(rows)
            continue
        assert spec.column is not None
        read_from[spec.field] = spec.column
        base[spec.field] = _convert_column(name, rows, spec.column, column_of(spec.column), table, spec, problems)
    if table.wide is None:
        words = column_of(read_from["rating"]) if "rating" in read_from else [""] * len(rows)
        origins = [Origin(name, row, read_from) for row in rows]
        return _Part(_with_not_assessed(base, table, words), origins), problems
    label_spec = table.fields.get(table.wide.label_field, FieldSpec(table.wide.label_field))
    value_spec = table.fields.get(table.wide.value_field, FieldSpec(table.wide.value_field))
    pieces: list[tuple[list[int], dict[str, list[str]], list[str], dict[str, str]]] = []
    for column, label in table.wide.columns.items():
        if _norm(column) not in cells.columns:
            continue
        raw = column_of(column)
        filled = [i for i, cell in enumerate(raw) if cell]
        filled_rows = [rows[i] for i in filled]
        piece = {field: [values[i] for i in filled] for field, values in base.items()}
        piece[table.wide.label_field] = _convert_column(name, filled_rows, column, [label] * len(filled), table,
                                                        label_spec, problems)
        piece[table.wide.value_field] = _convert_column(name, filled_rows, column, [raw[i] for i in filled], table,
                                                        value_spec, problems)
        pieces.append((filled, piece, [raw[i] for i in filled],
                       {**read_from, table.wide.label_field: column, table.wide.value_field: column}))
    # source row order, as read: a row's wide columns in the order the mapping lists them
    position = np.concatenate([np.asarray(filled, dtype=np.int64) for filled, *_ in pieces]) if pieces else \
        np.zeros(0, dtype=np.int64)
    order = np.argsort(position, kind="stable").tolist()
    fields = list(base) + [table.wide.label_field, table.wide.value_field]
    joined = {field: _in_order([piece[field] for _, piece, _, _ in pieces], order) for field in fields}
    words = _in_order([piece_words for _, _, piece_words, _ in pieces], order)
    origins = _in_order([[Origin(name, rows[i], columns) for i in filled] for filled, _, _, columns in pieces], order)
    return _Part(_with_not_assessed(joined, table, words), origins), problems


def _in_order(chunks: Sequence[list], order: list[int]) -> list:
    """The chunks one after the other, then taken in ``order``."""
    whole = [item for chunk in chunks for item in chunk]
    return [whole[k] for k in order]


def _convert_column(name: str, rows: list[int], column: str, raw: list[str], table: TableMapping, spec: FieldSpec,
                    problems: list[Problem]) -> list[str]:
    """A source column's cells in the format's terms, each distinct cell converted once; a refused
    cell is left empty and reported on each row that holds it."""
    distinct = list(dict.fromkeys(raw))
    converted = _times_at_once(distinct, table, spec) if len(distinct) > _AT_ONCE else {}
    converted.update({cell: _convert(cell, table, spec) for cell in distinct if cell not in converted})
    refused = {cell for cell, (_, reason) in converted.items() if reason is not None}
    if refused:
        problems += [Problem(name, row, column, converted[cell][1] or "") for row, cell in zip(rows, raw)
                     if cell in refused]
    if all(value == cell for cell, (value, _) in converted.items()):
        return list(raw)
    return [converted[cell][0] for cell in raw]


def _convert(raw: str, table: TableMapping, spec: FieldSpec) -> tuple[str, str | None]:
    """One cell in the format's terms (through the vocabulary, then the date format), or "" and why not.

    An empty cell stays empty, unless the vocabulary names the empty word ``""``: an export that
    writes no value for "no score selected" can then say what that means.
    """
    if raw == "" and (spec.values is None or "" not in spec.values):
        return "", None
    value = raw
    if spec.values is not None:
        mapped = spec.values.get(_norm(raw))
        if mapped is None:
            where = f"vocabulary {spec.vocabulary!r}" if spec.vocabulary else f"values of {spec.field}"
            return "", (f"{raw!r} is not in the mapping's {where}: add it there with the {table.table}.{spec.field} "
                        "value it stands for")
        value = mapped
    if spec.format:
        kind = FORMATS[table.table].column(spec.field).kind
        try:
            moment = _unix_time(value, spec.format) if spec.format in UNIX_FORMATS else datetime.strptime(
                value, spec.format)
        except (ValueError, OverflowError, OSError):
            return "", f"{value!r} is not a {kind} written as the mapping says ({spec.format!r})"
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        value = moment.strftime(NATIVE_FORMATS[kind])
    return value, None


#: Above this many distinct cells, a column of times is parsed at once (:func:`_times_at_once`).
_AT_ONCE = 64
#: Formats of zero-padded numbers and literal text only: what :func:`_times_at_once` may parse.
_PLAIN_FORMAT = re.compile(r"(?:%[YmdHMS]|%%|[^%])+")


def _times_at_once(cells: list[str], table: TableMapping, spec: FieldSpec) -> dict[str, tuple[str, str | None]]:
    """The cells of a time column whose format has only ``%Y %m %d %H %M %S`` and literal text,
    converted at once; a cell is taken only when writing its time back in that format gives the cell
    itself, so it is exactly what ``strptime`` reads, and the rest are left to :func:`_convert`.

    Examples
    --------
    >>> spec = FieldSpec("submitted_at", column="when", format="%d/%m/%Y %H:%M")
    >>> table = TableMapping("scores", ("*.csv",), {"submitted_at": spec})
    >>> _times_at_once(["05/11/2026 15:20", "5/11/2026 15:20", "soon"], table, spec)
    {'05/11/2026 15:20': ('2026-11-05 15:20:00', None)}
    """
    fmt = spec.format
    if spec.values is not None or fmt is None or fmt in UNIX_FORMATS or not _PLAIN_FORMAT.fullmatch(fmt):
        return {}
    kind = FORMATS[table.table].column(spec.field).kind
    values = pd.Series([c for c in cells if c], dtype=object)
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    written_back = parsed.dt.strftime(fmt)
    native = parsed.dt.strftime(NATIVE_FORMATS[kind])
    return {cell: (str(out), None) for cell, back, out in zip(values, written_back, native)
            if isinstance(back, str) and back == cell}


def _unix_time(value: str, fmt: str) -> datetime:
    """A whole count of seconds or milliseconds since 1970-01-01 00:00 UTC, as a UTC time.

    Examples
    --------
    >>> _unix_time("1423231549510", "unix-milliseconds")
    datetime.datetime(2015, 2, 6, 14, 5, 49, 510000, tzinfo=datetime.timezone.utc)
    """
    if not value.isascii() or not value.isdigit():
        raise ValueError(value)
    whole, part = divmod(int(value), UNIX_FORMATS[fmt])
    return datetime.fromtimestamp(whole, UTC) + timedelta(seconds=part / UNIX_FORMATS[fmt])


def _with_not_assessed(columns: dict[str, list[str]], table: TableMapping, words: list[str]) -> dict[str, list[str]]:
    """Rating words mapped to "not assessed": no rating, and a reason saying what the source said."""
    ratings = columns.get("rating")
    if table.table != "scores" or ratings is None or NOT_ASSESSED not in {r.lower() for r in set(ratings)}:
        return columns
    spec = table.fields.get("rating")
    given = spec.reason if spec is not None and spec.reason else None
    reasons = columns.get("not_assessed_reason", [""] * len(ratings))
    new_ratings, new_reasons = [], []
    for rating, reason, word in zip(ratings, reasons, words):
        if rating.lower() == NOT_ASSESSED:
            said = NOT_ASSESSED_REASON.format(word=word) if word else NO_RATING_REASON
            new_ratings.append("")
            new_reasons.append(reason or given or said)
        else:
            new_ratings.append(rating)
            new_reasons.append(reason)
    return {**columns, "rating": new_ratings, "not_assessed_reason": new_reasons}


def _joined(table: str, parts: list[_Part]) -> tuple[dict[str, list[str]], list[Origin]]:
    """One table's rows from all its source files, in the order the files were given."""
    count = sum(len(part.origins) for part in parts)
    columns = {column: [value for part in parts
                        for value in part.columns.get(column, [""] * len(part.origins))]
               for column in FORMATS[table].column_names if any(column in part.columns for part in parts)}
    return columns, [origin for part in parts for origin in part.origins] if count else []


def _distinct(columns: dict[str, list[str]], origins: list[Origin]) -> tuple[dict[str, list[str]], list[Origin]]:
    """Rows repeated whole are kept once (their first origin); rows that differ all stay."""
    if not columns:
        return columns, origins
    seen: set[tuple[str, ...]] = set()
    kept = []
    for k, key in enumerate(zip(*columns.values())):
        if key not in seen:
            seen.add(key)
            kept.append(k)
    if len(kept) == len(origins):
        return columns, origins
    return {field: [values[k] for k in kept] for field, values in columns.items()}, [origins[k] for k in kept]


def _native_csv(table: str, columns: dict[str, list[str]], count: int) -> bytes:
    """The rows as a file of the import format: every column of the table, empty where unmapped."""
    names = FORMATS[table].column_names
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(zip(*[columns.get(c, [""] * count) for c in names]))
    return out.getvalue().encode("utf-8")


def preview(mapped: MappedFiles, rows: int = 5) -> dict[str, pd.DataFrame]:
    """The first ``rows`` rows of each generated table as they will be imported, with their source."""
    shown = {}
    for source in mapped.sources:
        frame = pd.read_csv(io.BytesIO(source.read()), dtype=str, keep_default_na=False).head(rows)
        origins = mapped.origins[source.name][:rows]
        frame.insert(0, "source row", [o.row for o in origins])
        frame.insert(0, "source file", [o.file for o in origins])
        shown[source.name.removesuffix(".csv")] = frame
    return shown


def _norm(text: str) -> str:
    """Text as compared: Unicode normal form C, surrounding spaces removed, case folded."""
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


__all__ = ["Mapping", "MappingError", "MappedFiles", "TableMapping", "FieldSpec", "Wide", "Origin",
           "NOT_ASSESSED", "apply_mapping", "load_mapping", "parse_mapping", "read_source", "preview"]
