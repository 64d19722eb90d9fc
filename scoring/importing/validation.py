"""Validating a set of import files before anything is written: every problem, all at once.

The checks run on whole columns (pandas), never row by row, so a million score rows validate in
seconds; only the messages of failing rows are formatted, and a listing is capped
(:data:`LISTED_PROBLEMS`) while the total is counted in full. What the database already holds
arrives as an :class:`Existing` snapshot, so this module stays free of SQL.

Text cells are taken in Unicode normal form C (as every text is stored, :mod:`scoring.agency.text`).
Checks, in the order they are reported for a row: required cells, text longer than its column
holds and invisible characters in keys (external ids, e-mails), cell types and allowed values
(countries of ISO 3166-1), ranges, dates before the earliest one or in the future, row rules (dates
in order, cells that come in pairs), keys repeated in the files, values that must be unique,
references to rows in neither the files nor the database, key-fixed columns an import would
change, the rules relating rows of two tables (:mod:`scoring.importing.rules`), and the scorecard
rules (at least one rated dimension, one submission time, an entered stage, no draft in the way).

Every rule a dashboard form also enforces comes from :mod:`scoring.agency.records`, so a fact is refused
the same way, with the same words, whether it is imported or typed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from scoring.agency import records as shared_rules
from scoring.agency.text import KIND_WORDS, MAX_CHARS, NUL, NUL_REASON, invisible_reason, normalised
from scoring.agency.tooling import resolve_tool
from scoring.importing.files import FIRST_DATA_ROW, LoadedFile
from scoring.importing.format import FORMATS, IMPORT_ORDER, KIND_HELP, Column, Problem, TableFormat
from scoring.importing.rules import check_across_tables

LISTED_PROBLEMS = 1_000
SHOWN_VALUE_CHARS = 60
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00(?:\.0+)?)?)?"
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
INTEGER_PATTERN = r"[+-]?\d+(?:\.0+)?"
MONEY_PATTERN = r"[+-]?\d+(?:\.\d{1,2})?"
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1", "t", "y"), ("false", "no", "0", "f", "n")
META = ("_file", "_row")
CARD = ("application_ref", "stage", "reviewer_email")


@dataclass
class Existing:
    """The database's side of the checks, in the import format's terms (external ids, codes, e-mails).

    ``rows[table]`` holds, for each stored row of an importable table, its key columns and the
    columns named in the table's ``fixed`` and ``unique`` sets (accounts: ``email`` and ``role``).
    ``draft_cards`` lists the ``application_ref, stage, reviewer_email`` of unsubmitted scorecards.
    """

    rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    draft_cards: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CARD)))

    def table(self, name: str) -> pd.DataFrame:
        fmt = FORMATS[name]
        wanted = list(dict.fromkeys([*fmt.key, *fmt.fixed, *(c for u in fmt.unique for c in u)]))
        return self.rows.get(name, pd.DataFrame(columns=wanted + (["role"] if name == "reviewers" else [])))


@dataclass
class Checked:
    """The outcome of validation: parsed rows per table, and the problems (empty when all is well)."""

    frames: dict[str, pd.DataFrame]
    problems: list[Problem]
    total_problems: int

    @property
    def ok(self) -> bool:
        return self.total_problems == 0


class ProblemLog:
    """Problems gathered as column-wise batches; messages are put together only for listed rows."""

    def __init__(self, file_order: Sequence[str]) -> None:
        self._order = {name: i for i, name in enumerate(file_order)}
        self._batches: list[pd.DataFrame] = []
        self._single: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self._single.append(problem)

    def add_rows(self, rows: pd.DataFrame, column: str, reason: str | pd.Series) -> None:
        """One problem per row of ``rows`` (which carry ``_file`` and ``_row``) in ``column``."""
        if len(rows) == 0:
            return
        self._batches.append(pd.DataFrame({
            "file": rows["_file"].to_numpy(), "row": rows["_row"].to_numpy(), "column": column,
            "reason": reason if isinstance(reason, str) else np.asarray(reason, dtype=object)}))

    @property
    def total(self) -> int:
        return len(self._single) + sum(len(b) for b in self._batches)

    def listing(self, limit: int = LISTED_PROBLEMS) -> list[Problem]:
        """The first ``limit`` problems in file order, then row order (file-wide problems first)."""
        parts = self._batches + ([pd.DataFrame([vars(p) for p in self._single])] if self._single else [])
        if not parts:
            return []
        every = pd.concat(parts, ignore_index=True)
        every["order"] = every["file"].map(self._order).fillna(len(self._order))
        every["row_order"] = every["row"].fillna(-1).astype(float)
        every = every.sort_values(["order", "row_order"], kind="stable").head(limit)
        return [Problem(f, None if pd.isna(r) else int(r), c, str(why))
                for f, r, c, why in zip(every["file"], every["row"], every["column"], every["reason"])]


def validate(files: Sequence[LoadedFile], existing: Existing, today: date,
             file_problems: Sequence[Problem] = (), unusable: Sequence[str] = (),
             limit: int = LISTED_PROBLEMS,
             progress: Callable[[str, float], None] | None = None) -> Checked:
    """Check a file set against the format, itself and the database.

    Parameters
    ----------
    files : sequence of LoadedFile
        The files in the order given (problems are listed in that order); those that could not be
        read are skipped. A table may come in several files; their rows are checked together.
    existing : Existing
        What the database holds, for references, uniqueness and unchangeable columns.
    today : date
        Dates after it are refused.
    file_problems : sequence of Problem
        Problems already found while reading; they are listed first and count in the total.
    unusable : sequence of str
        Tables that had a file which could not be read: references to them are not checked
        (their rows are unknown), to avoid a cascade of false alarms.
    limit : int
        How many problems to list.

    Returns
    -------
    Checked
        Parsed frames per table (columns as the format names them) and the problems.
    """
    say = progress or (lambda message, done: None)
    log = ProblemLog([f.name for f in files] + [p.file for p in file_problems])
    for problem in file_problems:
        log.add(problem)
    frames: dict[str, pd.DataFrame] = {}
    tables = [t for t in IMPORT_ORDER if any(f.table == t and f.frame is not None for f in files)]
    for i, table in enumerate(tables):
        say(f"checking {table}", i / (2 * max(len(tables), 1)))
        raw = _gather(table, files)
        frames[table] = _check_cells(FORMATS[table], raw, today, log)
    for i, table in enumerate(tables):
        say(f"checking {table} against the other files and the database", 0.5 + i / (2 * max(len(tables), 1)))
        _check_keys(FORMATS[table], frames[table], existing, log)
        _check_references(FORMATS[table], frames, existing, set(unusable), log)
        _check_fixed(FORMATS[table], frames[table], existing, log)
    check_across_tables(frames, existing, log)
    if "reviewers" in frames:
        _check_reviewer_roles(frames["reviewers"], existing, log)
    if "searches" in frames:
        _check_search_leads(frames["searches"], existing, log)
    if "scores" in frames:
        _check_scorecards(frames["scores"], frames, existing, log)
    listing = log.listing(limit)
    return Checked({t: f.drop(columns=list(META)) for t, f in frames.items()}, listing, log.total)


def _gather(table: str, files: Sequence[LoadedFile]) -> pd.DataFrame:
    """The rows of every file of ``table``, in file order, labelled with file and spreadsheet row."""
    parts = []
    for loaded in files:
        if loaded.table == table and loaded.frame is not None:
            part = loaded.frame.copy()
            part["_file"] = loaded.name
            part["_row"] = part.index.to_numpy() + FIRST_DATA_ROW
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


# -- cells ----------------------------------------------------------------------------------------
def _check_cells(fmt: TableFormat, raw: pd.DataFrame, today: date, log: ProblemLog) -> pd.DataFrame:
    """Parse every column; report empty required cells, unreadable values, ranges, future dates, rules."""
    parsed = raw[list(META)].copy()
    for column in fmt.columns:
        cells = raw[column.name] = _nfc(raw[column.name])
        empty = cells == ""
        if column.required:
            log.add_rows(raw[empty], column.name, "is required but empty")
        if column.required_unless:
            log.add_rows(raw[empty & (raw[column.required_unless] == "")], column.name,
                         f"is required unless {column.required_unless} is given")
        has_nul = cells.str.contains(NUL, regex=False)
        log.add_rows(raw[has_nul], column.name, NUL_REASON)
        refused = _check_text(column, cells, has_nul, raw, log)
        values, bad, reason = _parse(column, cells)
        bad = bad & ~refused                    # one problem per cell: its text was refused already
        log.add_rows(raw[bad], column.name, reason[bad] if isinstance(reason, pd.Series) else _quoted(cells[bad])
                     + reason)
        values = values.where(~(bad | refused))
        _check_range(column, values, raw, log)
        _check_dates(column, values, raw, today, log)
        if column.default is not None:
            values = values.where(~empty, column.default)
        parsed[column.name] = values
    for rule in fmt.rules:
        reasons = rule.check(parsed)
        broken = reasons.notna().to_numpy(dtype=bool)
        log.add_rows(raw[broken], rule.column, reasons[broken])
    return parsed


def _nfc(cells: pd.Series) -> pd.Series:
    """Cells in Unicode normal form C; only the cells with a character beyond ASCII can change."""
    beyond = ~cells.str.isascii()
    if not beyond.any():
        return cells
    before = cells[beyond]
    after = before.map(normalised)
    changed = after != before
    if not changed.any():
        return cells
    cells = cells.copy()
    cells[changed[changed].index] = after[changed]
    return cells


def _check_text(column: Column, cells: pd.Series, has_nul: pd.Series, raw: pd.DataFrame, log: ProblemLog) -> pd.Series:
    """Report cells longer than the column holds, and keys holding an invisible character; returns which.

    The limits are :data:`scoring.agency.text.MAX_CHARS`, the ones every store write applies. A key
    (an external id, an e-mail address) holding a character that is not printable is refused
    (:func:`scoring.agency.text.invisible_reason`), so that a look-alike key never becomes a second row.
    """
    kind = column.text_limit
    if kind is None:
        return pd.Series(False, index=cells.index)
    lengths = cells.str.len()
    long = (lengths > MAX_CHARS[kind]).to_numpy(dtype=bool)
    if long.any():
        log.add_rows(raw[long], column.name, "is " + lengths[long].map("{:,}".format) + " characters long; "
                     f"{KIND_WORDS[kind]} may have at most {MAX_CHARS[kind]:,}")
    refused = pd.Series(long, index=cells.index)
    if kind in ("key", "email"):
        hidden = _not_printable(cells) & ~refused & ~has_nul
        if hidden.any():
            log.add_rows(raw[hidden], column.name, cells[hidden].map(invisible_reason))
        refused |= hidden
    return refused


def _not_printable(cells: pd.Series) -> pd.Series:
    """Which cells hold a character that is not printable (:meth:`str.isprintable`), fast for ASCII cells."""
    ascii_cells = cells.str.isascii()
    hidden = ascii_cells & cells.str.contains(r"[\x00-\x1f\x7f]", regex=True)
    others = ~ascii_cells
    if others.any():
        hidden[others] = ~cells[others].map(str.isprintable).astype(bool)
    return hidden.astype(bool)


def _parse(column: Column, cells: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """(values, which non-empty cells are unreadable, why) for one column; empty cells give missing values.

    ``why`` follows the quoted cell, or is a Series of whole reasons (a rule of :mod:`scoring.agency.records`)."""
    present = cells != ""
    kind = column.kind
    if kind in ("ref", "text"):
        return cells.where(present), present & False, ""
    if kind == "email":
        values = cells.str.lower()
        reasons = shared_rules.email_reasons(values.where(present))
        return values.where(present), reasons.notna(), reasons
    if kind == "country":
        values = cells.str.upper().where(present)
        reasons = shared_rules.country_reasons(values)
        return values, reasons.notna(), reasons
    if kind == "choice":
        values = cells.str.lower()
        return (values.where(present), present & ~values.isin(column.choices),
                f" is not one of: {', '.join(column.choices)}")
    if kind == "tool":
        values = _per_unique(cells, _tool_names)
        return values, present & values.isna(), " is not a tool of the catalogue (see docs/import-format.md)"
    if kind == "boolean":
        lowered = cells.str.lower()
        values = pd.Series(pd.NA, index=cells.index, dtype="boolean")
        values[lowered.isin(TRUE_WORDS)] = True
        values[lowered.isin(FALSE_WORDS)] = False
        return values, present & values.isna(), " is not true or false"
    if kind in ("date", "timestamp"):
        pattern, help_text = (DATE_PATTERN, "YYYY-MM-DD") if kind == "date" else (TIMESTAMP_PATTERN,
                                                                                  "YYYY-MM-DD HH:MM:SS")
        shaped = cells.str.fullmatch(pattern)
        values = _per_unique(cells.where(shaped & present, ""), _dates if kind == "date" else _timestamps)
        what = "date" if kind == "date" else "date and time"
        return values, present & values.isna(), f" is not a {what} ({help_text})"
    if kind in ("integer", "money"):
        pattern = INTEGER_PATTERN if kind == "integer" else MONEY_PATTERN
        shaped = present & cells.str.fullmatch(pattern)
        values = pd.to_numeric(cells.where(shaped, None), errors="coerce")
        why = " is not a whole number" if kind == "integer" else (
            " is not an amount (digits with at most two decimals, no currency sign or thousands separator)")
        return values, present & values.isna(), why
    raise ValueError(f"unknown column kind {kind!r}; valid: {', '.join(KIND_HELP)}")


def _per_unique(cells: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``convert`` applied to each distinct cell once (dates and tools repeat a lot)."""
    codes, uniques = pd.factorize(cells)
    converted = convert(pd.Series(uniques)).to_numpy()
    return pd.Series(converted[codes], index=cells.index)


def _dates(texts: pd.Series) -> pd.Series:
    return pd.to_datetime(texts.str.slice(0, 10), format="%Y-%m-%d", errors="coerce").astype("datetime64[s]")


def _timestamps(texts: pd.Series) -> pd.Series:
    return pd.to_datetime(texts, format="ISO8601", errors="coerce").astype("datetime64[us]")


def _tool_names(texts: pd.Series) -> pd.Series:
    def one(text: str) -> str | None:
        try:
            return resolve_tool(text)[1] if text else None
        except ValueError:
            return None

    return texts.map(one).astype(object)


def _check_range(column: Column, values: pd.Series, raw: pd.DataFrame, log: ProblemLog) -> None:
    """Numbers outside the column's bounds (``minimum``/``maximum`` inclusive, ``above`` exclusive)."""
    if column.kind not in ("integer", "money"):
        return
    reasons = shared_rules.range_reasons(values, column.minimum, column.maximum, column.above,
                                         shown=raw[column.name])
    outside = reasons.notna().to_numpy(dtype=bool)
    log.add_rows(raw[outside], column.name, reasons[outside])


def _check_dates(column: Column, values: pd.Series, raw: pd.DataFrame, today: date, log: ProblemLog) -> None:
    """Dates before the earliest a fact may carry, or after ``today`` (:func:`scoring.agency.records.date_reasons`)."""
    if column.kind not in ("date", "timestamp"):
        return
    reasons = shared_rules.date_reasons(values, today)
    refused = reasons.notna().to_numpy(dtype=bool)
    log.add_rows(raw[refused], column.name, reasons[refused])


def _quoted(cells: pd.Series) -> pd.Series:
    shown = cells.str.slice(0, SHOWN_VALUE_CHARS)
    return "'" + shown.where(cells.str.len() <= SHOWN_VALUE_CHARS, shown + "...") + "'"


# -- keys, uniqueness, references -----------------------------------------------------------------
def _check_keys(fmt: TableFormat, frame: pd.DataFrame, existing: Existing, log: ProblemLog) -> None:
    """A key used twice in the files; a unique value held by another key in the files or the database."""
    key = list(fmt.key)
    for rows, original, same in _repeats(frame, key):
        log.add_rows(rows, _columns_label(key), "repeats the key of " + _where(original)
                     + np.where(same, " (a duplicate row)", ", with different values (a conflicting duplicate)"))
    stored = existing.table(fmt.name)
    for unique in fmt.unique:
        columns = list(unique)
        distinct = frame.drop_duplicates(key + columns)
        for rows, original, _ in _repeats(distinct, columns):
            log.add_rows(rows, _columns_label(columns), "has the same value as " + _where(original)
                         + f", another {_columns_label(key)}; it must be unique")
        filled = distinct.dropna(subset=columns + key)
        if stored.empty or filled.empty:
            continue
        clash = filled[columns + key + list(META)].merge(stored[columns + key], on=columns, suffixes=("", "_db"))
        other = np.zeros(len(clash), dtype=bool)
        for k in key:
            other |= (clash[k] != clash[k + "_db"]).to_numpy(dtype=bool)
        clash = clash[other]
        owner = clash[[k + "_db" for k in key]].astype(str).agg("/".join, axis=1)
        log.add_rows(clash, _columns_label(columns), f"is already used in the database by {_columns_label(key)} '"
                     + owner + "'; it must be unique")


def _repeats(frame: pd.DataFrame, columns: list[str]):
    """Rows whose ``columns`` repeat an earlier row's: (those rows, the earlier rows, whether all else is equal)."""
    filled = frame.dropna(subset=columns)
    repeated = filled[filled.duplicated(columns, keep=False)]
    if repeated.empty:
        return []
    position = pd.Series(repeated.index, index=repeated.index)
    first = position.groupby([repeated[c] for c in columns], sort=False).transform("min").to_numpy()
    later = repeated.index.to_numpy() != first
    rows, original = repeated[later], frame.loc[first[later]]
    same = np.ones(len(rows), dtype=bool)
    for column in frame.columns.difference(list(META)):
        same &= _text(rows[column]) == _text(original[column])
    return [(rows, original, same)]


def _text(values: pd.Series) -> np.ndarray:
    """Values as comparable text, missing ones included (NaN and NaT never equal themselves)."""
    return values.astype(str).fillna("\0").to_numpy(dtype=object)


def _where(rows: pd.DataFrame) -> np.ndarray:
    return rows["_file"].to_numpy(dtype=object) + " row " + rows["_row"].astype(str).to_numpy(dtype=object)


def _columns_label(columns: Sequence[str]) -> str:
    return " + ".join(columns)


def _check_references(fmt: TableFormat, frames: dict[str, pd.DataFrame], existing: Existing, unusable: set[str],
                      log: ProblemLog) -> None:
    frame = frames[fmt.name]
    for column in fmt.columns:
        target = column.references
        if target is None or target in unusable:
            continue
        values = frame[column.name]
        known = _known_keys(target, frames, existing)
        dangling = values.notna() & ~values.isin(known)
        if not dangling.any():
            continue
        rows = frame[dangling]
        what = FORMATS[target].key[0]
        if target == "reviewers":
            roles = existing.table("reviewers").set_index("email")["role"]
            role = rows[column.name].map(roles).astype(object)
            reason = np.where(role.notna(), "'" + rows[column.name] + "' is an account with role "
                              + role.fillna("") + ", not a reviewer",
                              "no reviewer with email '" + rows[column.name] + "' in these files or the database")
        else:
            reason = f"no {target} row with {what} '" + rows[column.name] + "' in these files or the database"
        log.add_rows(rows, column.name, pd.Series(reason))


def _known_keys(table: str, frames: dict[str, pd.DataFrame], existing: Existing) -> pd.Index:
    key = FORMATS[table].key[0]
    stored = existing.table(table)
    if table == "reviewers":
        stored = stored[stored["role"] == "reviewer"]
    in_files = frames[table][key].dropna() if table in frames else pd.Series([], dtype=object)
    return pd.Index(pd.concat([in_files.astype(object), stored[key].astype(object)], ignore_index=True).unique())


def _check_fixed(fmt: TableFormat, frame: pd.DataFrame, existing: Existing, log: ProblemLog) -> None:
    """Columns that place a row (its parent, its identity) cannot be changed by a later import."""
    stored = existing.table(fmt.name)
    if not fmt.fixed or stored.empty:
        return
    key = list(fmt.key)
    both = frame.dropna(subset=key).merge(stored[key + list(fmt.fixed)], on=key, how="inner",
                                          suffixes=("", "_stored"))
    for column in fmt.fixed:
        changed = both[column].notna() & (both[column] != both[column + "_stored"]).fillna(True).astype(bool)
        rows = both[changed]
        log.add_rows(rows, column, "is '" + rows[column + "_stored"].astype(str) + "' in the database; an "
                     "import cannot change it (it places the row). Correct the file, or give the row a new "
                     + _columns_label(fmt.key))


def _check_search_leads(frame: pd.DataFrame, existing: Existing, log: ProblemLog) -> None:
    """A search's ``lead_email`` names an account of the database with the hiring lead role (an import
    never makes hiring leads: an admin adds them)."""
    if "lead_email" not in frame.columns:
        return
    roles = existing.table("reviewers").set_index("email")["role"]
    given = frame["lead_email"].notna()
    role = frame["lead_email"].map(roles).astype(object)
    unknown = given & role.isna()
    log.add_rows(frame[unknown], "lead_email", "no account with e-mail '" + frame.loc[unknown, "lead_email"]
                 + "' in the database; a search's lead is an existing hiring lead's account (an admin adds "
                 "it first)")
    other = given & role.notna() & (role != "hiring_lead")
    log.add_rows(frame[other], "lead_email", "'" + frame.loc[other, "lead_email"] + "' is an account with role "
                 + role[other].astype(str) + ", not a hiring lead")


def _check_reviewer_roles(frame: pd.DataFrame, existing: Existing, log: ProblemLog) -> None:
    roles = existing.table("reviewers").set_index("email")["role"]
    role = frame["email"].map(roles)
    other = role.notna() & (role != "reviewer")
    rows = frame[other]
    log.add_rows(rows, "email", "belongs to an account with role " + role[other].astype(str)
                 + "; an import only adds and updates reviewers")


# -- scorecards -----------------------------------------------------------------------------------
def _check_scorecards(scores: pd.DataFrame, frames: dict[str, pd.DataFrame], existing: Existing,
                      log: ProblemLog) -> None:
    """Each reviewer's rows for one application and stage form one submitted scorecard.

    A dimension without a row is not assessed (see :func:`_check_dimensions`).
    """
    rows = scores.dropna(subset=list(CARD))
    if rows.empty:
        return
    card = rows.groupby(list(CARD), sort=False).ngroup().to_numpy()
    firsts = pd.Series(np.arange(len(rows))).groupby(card).min().to_numpy()
    first_rows = rows.iloc[firsts]
    label = ("scorecard of " + first_rows["reviewer_email"] + " for " + first_rows["application_ref"]
             + " at " + first_rows["stage"])
    _check_dimensions(rows, card, first_rows, label, log)
    _check_submission_time(rows, card, firsts, log)
    entered = _entered_stages(frames, existing)
    known_apps = _known_keys("applications", frames, existing)
    stage_key = first_rows["application_ref"] + "/" + first_rows["stage"]
    not_entered = first_rows["application_ref"].isin(known_apps) & ~stage_key.isin(entered)
    log.add_rows(first_rows[not_entered], "stage", label[not_entered] + ": the application has no stage_decisions "
                 "row for this stage in these files or the database (it never entered the stage)")
    drafts = existing.draft_cards
    if len(drafts):
        draft_key = drafts["application_ref"] + "/" + drafts["stage"] + "/" + drafts["reviewer_email"]
        card_key = stage_key + "/" + first_rows["reviewer_email"]
        blocked = card_key.isin(pd.Index(draft_key))
        log.add_rows(first_rows[blocked], "reviewer_email", label[blocked] + ": the reviewer has an unsubmitted "
                     "draft of this scorecard in the database; it must be submitted or removed first")


def _check_dimensions(rows: pd.DataFrame, card: np.ndarray, first_rows: pd.DataFrame, label: pd.Series,
                      log: ProblemLog) -> None:
    """A scorecard rates at least one dimension (as on the score-entry page).

    A dimension a scorecard has no row for is recorded as not assessed when it is written, so
    fewer than five rows is fine; a card whose every row says not assessed is no scorecard.
    """
    not_assessed = rows["not_assessed_reason"].notna().to_numpy()
    only_reasons = pd.Series(not_assessed).groupby(card).all().to_numpy()
    if not only_reasons.any():
        return
    log.add_rows(first_rows[only_reasons], "rating", label[only_reasons] + ": every row says not assessed; a "
                 "scorecard rates at least one dimension (leave a scorecard that rated nothing out of the file)")


def _check_submission_time(rows: pd.DataFrame, card: np.ndarray, firsts: np.ndarray, log: ProblemLog) -> None:
    stamps = rows["submitted_at"].to_numpy()
    first_stamp = stamps[firsts][card]
    differs = ~pd.isna(stamps) & ~pd.isna(first_stamp) & (stamps != first_stamp)
    if differs.any():
        first_row = rows["_row"].to_numpy()[firsts][card]
        bad = rows[differs]
        log.add_rows(bad, "submitted_at", "differs from row " + pd.Series(first_row[differs]).astype(str).to_numpy(
            dtype=object) + " of the same scorecard: a scorecard is submitted once")


def _entered_stages(frames: dict[str, pd.DataFrame], existing: Existing) -> pd.Index:
    parts = [existing.table("stage_decisions")]
    if "stage_decisions" in frames:
        parts.append(frames["stage_decisions"][["application_ref", "stage"]].dropna())
    both = pd.concat([p[["application_ref", "stage"]].astype(object) for p in parts], ignore_index=True)
    return pd.Index((both["application_ref"] + "/" + both["stage"]).unique())


__all__ = ["Checked", "Existing", "LISTED_PROBLEMS", "ProblemLog", "validate"]
