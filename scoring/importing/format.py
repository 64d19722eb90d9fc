"""The import file format as data: which tables can be imported, their columns and their rules.

Every importable table is one :class:`TableFormat`: its columns (name, kind, required, allowed
values, which table a reference points at), the columns that identify a row across imports (its
key), the columns an import may never change once a row exists, other column sets that must be
unique, and its row rules (dates in order, values that come in pairs). ``docs/import-format.md``
describes the same format for people; a test checks the two agree.

Rows refer to each other by external ids (``client_ref``, ``search_ref``, ``candidate_ref``,
``application_ref``, ``placement_ref``) and by e-mail (reviewers), never by database ids, so the
same files can be imported into any database, and importing them again finds the rows they made.

Nothing here reads files or touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

import numpy as np
import pandas as pd

from scoring.agency import records as shared_rules
from scoring.domain.dimensions import DIMENSION_CODES
from scoring.domain.ratings import NOTE_REQUIRED_LEVELS, RATING_MAX, RATING_MIN
from scoring.domain.self_identification import RACE_ETHNICITY, SEX
from scoring.domain.seniorities import SENIORITIES
from scoring.domain.stages import SCORED_STAGES, Stage

Kind = Literal["ref", "text", "email", "country", "date", "timestamp", "integer", "money", "boolean",
               "choice", "tool"]

#: What each kind of cell accepts, as the problem messages and the documentation say it.
KIND_HELP: dict[str, str] = {
    "ref": "text: an external id, compared exactly (case matters)",
    "text": "text",
    "email": "an e-mail address (name@domain.tld); compared and stored in lower case",
    "country": "a two-letter ISO 3166 country code (e.g. US, IN)",
    "date": "a date written YYYY-MM-DD",
    "timestamp": "a date and time written YYYY-MM-DD HH:MM[:SS] (or with a T), local time, no offset",
    "integer": "a whole number",
    "money": "an amount in US dollars with at most two decimals, no currency sign or separators",
    "boolean": "true or false (also yes/no, 1/0)",
    "choice": "one of the allowed values",
    "tool": "a tool of the catalogue (case and common spellings such as 'wandb' are accepted)",
}

#: The stages of vetting by code, with their ids in the database (scoring.domain.stages).
STAGE_IDS: dict[str, int] = {stage.code: int(stage) for stage in Stage}
SCORED_STAGE_CODES = tuple(stage.code for stage in SCORED_STAGES)
#: The ratings that need a note, in words ("1 or 5").
_NOTE_LEVELS = " or ".join(str(level) for level in sorted(NOTE_REQUIRED_LEVELS))
#: The reason recorded for a dimension a scorecard in the files has no row for.
NOT_IN_HISTORY = "not in the imported history"
#: The length limit (a kind of :data:`scoring.agency.text.MAX_CHARS`) of each kind of free-text cell:
#: external ids are keys; e-mail addresses are keys too, with their own limit.
TEXT_LIMITS: dict[str, str] = {"ref": "key", "email": "email", "text": "text"}
FILE_SUFFIXES = (".csv", ".parquet")
#: Characters that may follow a table's name in a file name: ``scores-2025.csv``, ``clients_eu.csv``.
NAME_SEPARATORS = "-_. "


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import: where (file, spreadsheet row, column) and why.

    ``row`` counts as a spreadsheet does, the header being row 1; it is None for a problem with
    the whole file. ``column`` is empty when the problem is not about one column.
    """

    file: str
    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = [self.file] + ([f"row {self.row}"] if self.row is not None else []) + (
            [self.column] if self.column else [])
        return f"{', '.join(where)}: {self.reason}"


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    Parameters
    ----------
    name : str
        The header cell (matched ignoring case and surrounding spaces).
    kind : Kind
        How the cell is read; see :data:`KIND_HELP`.
    required : bool
        Whether every row must have a value.
    help : str
        What the column holds, for the documentation.
    choices : tuple of str
        Allowed values of a ``choice`` column (matched ignoring case).
    references : str, optional
        The table whose key this column names; the row must exist in the files or the database.
    minimum, maximum : float, optional
        Inclusive bounds of a number; ``above`` is an exclusive lower bound.
    default : object, optional
        The value an empty cell of an optional column stands for.
    required_unless : str, optional
        Another column whose value makes an empty cell of this one acceptable; a row with both
        cells empty is refused (checked on the cells as written, so a cell that is there but
        unreadable is reported once, for what it is).
    may_be_absent : bool
        Whether a file may leave the column out of its header (files written before the column
        existed); every cell is then empty.
    limit : str, optional
        The kind of text the cell is, for its longest length (:data:`scoring.agency.text.MAX_CHARS`);
        by default its cell kind's (:data:`TEXT_LIMITS`). A text column of names says ``"name"``.
    """

    name: str
    kind: Kind
    required: bool
    help: str
    choices: tuple[str, ...] = ()
    references: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None
    default: object = None
    required_unless: str | None = None
    may_be_absent: bool = False
    limit: str | None = None

    @property
    def text_limit(self) -> str | None:
        """The kind of text limit the cell has (a key of :data:`scoring.agency.text.MAX_CHARS`), or None."""
        return self.limit or TEXT_LIMITS.get(self.kind)


@dataclass(frozen=True)
class RowRule:
    """A rule over several cells of one row, checked on the parsed values of every row at once.

    ``broken(frame)`` returns a boolean Series: True where the row breaks the rule. It must be
    False where a cell it needs is missing (a missing required cell is reported on its own).
    """

    column: str
    reason: str
    broken: Callable[[pd.DataFrame], pd.Series]

    def check(self, frame: pd.DataFrame) -> pd.Series:
        """Per row, the reason it breaks the rule or ``None`` (as :meth:`scoring.agency.records.Rule.check`)."""
        broken = self.broken(frame).to_numpy(dtype=bool)
        # numpy's stubs refuse None as a choice of np.where, which numpy itself accepts
        return pd.Series(np.where(broken, self.reason, None), index=frame.index, dtype=object)  # type: ignore[call-overload]


@dataclass(frozen=True)
class TableFormat:
    """One importable table: the file it comes from and what its rows must satisfy."""

    name: str
    summary: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    fixed: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    rules: tuple[RowRule | shared_rules.Rule, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def missing_from_header(self, header: list[str]) -> list[str]:
        """The columns ``header`` lacks that a file must have (all but those that may be absent)."""
        return [c.name for c in self.columns if c.name not in header and not c.may_be_absent]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


# -- row rules --------------------------------------------------------------------------------------
# The rules on rows that a form can also record live in scoring.agency.records (TABLE_RULES), shared with the
# store; the scorecard's own rule stays here beside its table.
def _note_for_extreme_ratings(f: pd.DataFrame) -> pd.Series:
    return f["rating"].isin(sorted(NOTE_REQUIRED_LEVELS)).fillna(False).astype(bool) & f["note"].isna()


def _rated_and_not_assessed(f: pd.DataFrame) -> pd.Series:
    return f["rating"].notna() & f["not_assessed_reason"].notna()


# -- the tables -------------------------------------------------------------------------------------
def _ref(name: str, what: str, references: str | None = None, required: bool = True) -> Column:
    return Column(name, "ref", required, what, references=references)


TABLES: tuple[TableFormat, ...] = (
    TableFormat(
        "clients", "Client companies the agency serves.",
        (_ref("client_ref", "the client's external id; identifies the row across imports"),
         Column("name", "text", True, "company name", limit="name"),
         Column("country", "country", True, "country whose public holidays its searches' business days skip"),
         Column("signed_on", "date", True, "date the client signed with the agency"),
         Column("churned_on", "date", False, "date the client left; empty while it is a client")),
        key=("client_ref",),
        rules=shared_rules.TABLE_RULES["clients"]),
    TableFormat(
        "searches", "A client's request for an engineer; the shortlist promise runs from its opening.",
        (_ref("search_ref", "the search's external id"),
         _ref("client_ref", "the client who opened it", "clients"),
         Column("role_title", "text", True, "title of the role", limit="name"),
         Column("seniority", "choice", True, "seniority sought", SENIORITIES),
         Column("opened_on", "date", True, "date the search opened"),
         Column("shortlist_delivered_on", "date", False, "date the shortlist went to the client"),
         Column("closed_on", "date", False, "date the search was filled or cancelled"),
         Column("status", "choice", True, "where the search stands",
                ("open", "shortlisted", "filled", "cancelled")),
         Column("lead_email", "email", False, "the hiring lead who owns the search: the e-mail of an account "
                "with the hiring lead role; empty leaves the stored lead as it is (a new search has none)",
                may_be_absent=True)),
        key=("search_ref",), fixed=("client_ref",),
        rules=shared_rules.TABLE_RULES["searches"]),
    TableFormat(
        "candidates", "Engineers in the agency's database (personal data: name and e-mail).",
        (_ref("candidate_ref", "the candidate's external id"),
         Column("full_name", "text", True, "full name (personal data)", limit="name"),
         Column("email", "email", True, "e-mail address (personal data); unique among candidates"),
         Column("country", "country", True, "country of residence"),
         Column("seniority", "choice", True, "seniority the agency assessed", SENIORITIES),
         Column("sourced_on", "date", True, "date the candidate entered the database")),
        key=("candidate_ref",), fixed=("email",), unique=(("email",),)),
    TableFormat(
        "self_identification", "Candidates' voluntary self-identification, in the EEO-1 categories (special "
        "personal data): kept apart from every score, read only by auditors and admins, never used by any score. "
        "Optional: a candidate who gave no answer has no row.",
        (_ref("candidate_ref", "the candidate who answered; one row each", "candidates"),
         Column("sex", "choice", True, "self-identified sex, or prefer_not_to_say", tuple(SEX)),
         Column("race_ethnicity", "choice", True, "self-identified race/ethnicity, or prefer_not_to_say",
                tuple(RACE_ETHNICITY)),
         Column("recorded_on", "date", True, "date the candidate answered; figures as of an earlier date "
                "count the candidate as no answer")),
        key=("candidate_ref",)),
    TableFormat(
        "applications", "A candidate put forward for a search.",
        (_ref("application_ref", "the application's external id"),
         _ref("candidate_ref", "the candidate", "candidates"),
         _ref("search_ref", "the search", "searches"),
         Column("applied_on", "date", True, "date the application was made")),
        key=("application_ref",), fixed=("candidate_ref", "search_ref"),
        unique=(("candidate_ref", "search_ref"),)),
    TableFormat(
        "stage_decisions", "Each vetting stage an application entered, and its pass/fail decision.",
        (_ref("application_ref", "the application", "applications"),
         Column("stage", "choice", True, "the vetting stage", tuple(STAGE_IDS)),
         Column("entered_on", "date", True, "date the application entered the stage"),
         Column("decided_on", "date", False, "date of the decision; empty while the stage is open"),
         Column("decision", "choice", False, "the decision; at client_shortlist, pass means the client "
                "accepted the candidate", ("pass", "fail"))),
        key=("application_ref", "stage"),
        rules=shared_rules.TABLE_RULES["stage_decisions"]),
    TableFormat(
        "reviewers", "Reviewer accounts. No passwords: reviewers sign in through single sign-on, or an "
        "admin sets a password on the Admin page.",
        (Column("email", "email", True, "the reviewer's e-mail; identifies the account"),
         Column("display_name", "text", True, "name shown in the dashboard", limit="name"),
         Column("active", "boolean", False, "whether the account may sign in; empty means true",
                default=True)),
        key=("email",)),
    TableFormat(
        "scores", "Reviewers' ratings: one row per reviewer, application, stage and dimension. The rows "
        "of one reviewer for one application and stage form one submitted scorecard.",
        (_ref("application_ref", "the application scored", "applications"),
         Column("stage", "choice", True, "the scored stage", SCORED_STAGE_CODES),
         Column("reviewer_email", "email", True, "the reviewer", references="reviewers"),
         Column("dimension", "choice", True, "the scorecard dimension", DIMENSION_CODES),
         Column("rating", "integer", False, "the anchored rating; empty when the dimension was not assessed",
                minimum=RATING_MIN, maximum=RATING_MAX, required_unless="not_assessed_reason"),
         Column("note", "text", False, f"the reviewer's evidence; required for a rating of {_NOTE_LEVELS}"),
         Column("submitted_at", "timestamp", True, "when the scorecard was submitted; the same on "
                "every row of one scorecard"),
         Column("not_assessed_reason", "text", False, "why the reviewer could not judge the dimension; given "
                "exactly when the rating is empty", may_be_absent=True)),
        key=("application_ref", "stage", "reviewer_email", "dimension"),
        rules=(RowRule("note", f"is required for a rating of {_NOTE_LEVELS}: say what was (or was not) heard or seen",
                       _note_for_extreme_ratings),
               RowRule("not_assessed_reason", "must be empty when a rating is given: a dimension is rated or "
                       "not assessed, not both", _rated_and_not_assessed))),
    TableFormat(
        "tooling_evidence", "Stage-1 evidence: a candidate's claimed experience with a tool, and whether "
        "a reviewer verified it.",
        (_ref("candidate_ref", "the candidate", "candidates"),
         Column("tool", "tool", True, "the tool, by its catalogue name"),
         Column("verified", "boolean", True, "whether the experience was verified, not only claimed"),
         Column("evidence", "text", False, "what it was verified against (or where it was claimed)"),
         Column("checked_by", "email", False, "the reviewer who checked it", references="reviewers"),
         Column("checked_on", "date", True, "date of the check")),
        key=("candidate_ref", "tool")),
    TableFormat(
        "placements", "An engineer placed with a client, from an accepted application.",
        (_ref("placement_ref", "the placement's external id"),
         _ref("application_ref", "the accepted application; one placement per application", "applications"),
         Column("weekly_rate_usd", "money", True, "price to the client, USD per week", above=0,
                maximum=999_999.99),
         Column("accepted_on", "date", True, "date the client accepted the engineer"),
         Column("first_day", "date", True, "the engineer's first working day"),
         Column("ended_on", "date", False, "date the placement ended; empty while it runs"),
         Column("end_reason", "choice", False, "why it ended",
                ("not_a_fit", "client_churned", "completed", "engineer_left"))),
        key=("placement_ref",), fixed=("application_ref",), unique=(("application_ref",),),
        rules=shared_rules.TABLE_RULES["placements"]),
    TableFormat(
        "replacements", "The replacement guarantee: a placement that was not a fit, and the placement "
        "that replaced it.",
        (_ref("replacement_ref", "the replacement's external id"),
         _ref("placement_ref", "the placement being replaced; at most one replacement each", "placements"),
         Column("requested_on", "date", True, "date the client asked for a replacement"),
         Column("fulfilled_on", "date", False, "date the replacement engineer was placed; empty while pending"),
         Column("replacing_placement_ref", "ref", False, "the new engineer's placement", references="placements"),
         Column("cost_usd", "money", False, "what the client was charged; empty means 0",
                **shared_rules.CHARGE_BOUNDS, default=0.0),
         Column("cost_reason", "text", False, "why anything was charged; required when cost_usd is above 0")),
        key=("replacement_ref",), fixed=("placement_ref",),
        unique=(("placement_ref",), ("replacing_placement_ref",)),
        rules=shared_rules.TABLE_RULES["replacements"]),
)

FORMATS: dict[str, TableFormat] = {t.name: t for t in TABLES}
#: Tables in the order their rows are written: every reference points at a table written earlier.
IMPORT_ORDER: tuple[str, ...] = tuple(FORMATS)


def table_for_name(file_name: str) -> str | None:
    """The table a file's name announces: its stem is the table's name, alone or followed by a separator.

    Examples
    --------
    >>> table_for_name("data/clients.csv"), table_for_name("Scores-2025.parquet"), table_for_name("notes.csv")
    ('clients', 'scores', None)
    """
    stem = PurePath(file_name).name.lower()
    for suffix in FILE_SUFFIXES:
        stem = stem.removesuffix(suffix)
    for name in FORMATS:
        if stem == name or (stem.startswith(name) and stem[len(name)] in NAME_SEPARATORS):
            return name
    return None


def table_for_header(header: list[str]) -> str | None:
    """The table whose columns are exactly ``header`` (in any order), if there is one.

    Examples
    --------
    >>> table_for_header(["client_ref", "name", "country", "signed_on", "churned_on"])
    'clients'
    """
    given = set(header)
    for table in TABLES:
        if given <= set(table.column_names) and not table.missing_from_header(header):
            return table.name
    return None


def normalise_header(header: list[str]) -> list[str]:
    """Header cells as the format names them: surrounding spaces removed, lower case."""
    return [str(cell).strip().lower() for cell in header]


def format_summary() -> pd.DataFrame:
    """One row per table and column: type, whether required, allowed values; for the import page.

    Examples
    --------
    >>> summary = format_summary()
    >>> summary[summary["table"] == "scores"]["column"].tolist()[:3]
    ['application_ref', 'stage', 'reviewer_email']
    """
    rows = []
    for table in TABLES:
        for column in table.columns:
            allowed = ", ".join(column.choices) if column.choices else (
                f"a {column.references} row (files or database)" if column.references else "")
            rows.append({"table": table.name, "column": column.name, "type": column.kind,
                         "required": column.required, "in the key": column.name in table.key,
                         "allowed values": allowed, "meaning": column.help})
    return pd.DataFrame(rows)
