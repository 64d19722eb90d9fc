"""Importing a file set: read, validate against the database, then write everything in one transaction.

The whole import runs inside one transaction: the database snapshot validation compares against is
the one the rows are written into, any problem rolls everything back, and a crash before the
commit leaves the database as it was. Rows are matched to stored rows by their external ids:

* a row whose key is new is inserted;
* a row whose key exists with the same values changes nothing;
* a row whose key exists with other values updates the stored row's plain columns, and the audit
  log records the row before and after (action ``import_update``). Columns that place a row (its
  parent, a unique e-mail) are refused by validation instead; they are never updated;
* a scorecard (a reviewer's rows for one application and stage) that differs from the stored
  submitted one becomes its next revision, the stored one is kept as superseded (action
  ``import_amend``), exactly as an amendment made on the score-entry page.

An import that changes nothing writes nothing, not even an audit entry; one that changes something
adds one ``import`` entry with the files and the counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from scoring.agency.access import Account
from scoring.importing.files import LoadedFile, Source, load, sources_from_paths
from scoring.importing.format import FORMATS, IMPORT_ORDER, NOT_IN_HISTORY, Problem
from scoring.importing.mapping import MappedFiles, Mapping, apply_mapping
from scoring.importing.rules import tables_needed
from scoring.importing.validation import LISTED_PROBLEMS, Checked, Existing, validate
from scoring.store.authorization import authorize, operator_command
from scoring.store.db import Database, DatabaseError, audit, is_constraint_violation, next_ids, scalar_of

Progress = Callable[[str, float], None]
READ_SHARE, CHECK_SHARE = 0.15, 0.25          # of the progress bar; writing takes the rest
AMENDMENT_REASON = "corrected by import"
ASSIGNMENT_DUE_DAYS = 3                        # an imported scorecard's assignment: due 3 days after


@dataclass
class TableCounts:
    """What an import did to one table's rows."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """The outcome of :func:`import_sources`: either counts written, or the problems (nothing written)."""

    files: list[tuple[str, str | None, int]]            # (file, table, data rows)
    counts: dict[str, TableCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.total_problems == 0

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.counts.values())


class _Refused(Exception):
    """Raised inside the transaction to roll it back when validation found problems (or only checking)."""

    def __init__(self, checked: Checked) -> None:
        super().__init__("import refused")
        self.checked = checked


@operator_command
def import_paths(db: Database, paths: Sequence[str | Path], **options) -> ImportResult:
    """Operator command (``scorecard import``): :func:`operator_import` of files (or directories of them)
    on disk."""
    return operator_import(db, sources_from_paths(paths), **options)


@operator_command
def operator_import(db: Database, sources: Sequence[Source], progress: Progress | None = None,
                    today: date | None = None, check_only: bool = False, limit: int = LISTED_PROBLEMS,
                    mapping: Mapping | None = None) -> ImportResult:
    """Operator command: :func:`import_sources` with no signed-in account; the audit log records the
    import as the system's."""
    return _import(db, sources, None, progress, today, check_only, limit, mapping)


def import_sources(db: Database, sources: Sequence[Source], actor: Account,
                   progress: Progress | None = None, today: date | None = None, check_only: bool = False,
                   limit: int = LISTED_PROBLEMS, mapping: Mapping | None = None) -> ImportResult:
    """Validate a file set and, if it has no problem, write it whole.

    Parameters
    ----------
    db : Database
        Where the rows go.
    sources : sequence of Source
        The files; each one's table is recognised from its name or its header.
    actor : Account
        The admin importing through the dashboard (needs ``import_export``); the command line
        imports with :func:`operator_import` instead.
    progress : callable, optional
        ``progress(message, share_done)``, share from 0 to 1.
    today : date, optional
        Dates after it are refused; default: the real today.
    check_only : bool
        Validate only; write nothing even when all is well.
    limit : int
        How many problems to list (all are counted).
    mapping : Mapping, optional
        The files are another system's export, read through this mapping
        (:mod:`scoring.importing.mapping`): the mapped rows are checked and written exactly as native
        files, and each problem names the source file, row and column it came from.

    Returns
    -------
    ImportResult
        ``ok`` and ``counts`` per table, or ``problems``; ``written`` says whether anything was committed.

    Raises
    ------
    PermissionDenied
        ``actor`` may not import (or its session has ended).
    DatabaseError
        The database refused a row that validation let through; nothing was written.
    """
    authorize(db, actor, "import_export")
    return _import(db, sources, actor.account_id, progress, today, check_only, limit, mapping)


def _import(db: Database, sources: Sequence[Source], actor_id: int | None, progress: Progress | None,
            today: date | None, check_only: bool, limit: int, mapping: Mapping | None = None) -> ImportResult:
    """The import itself, audited under ``actor_id`` (None: the system)."""
    say = progress or (lambda message, done: None)
    today = today or date.today()
    mapped = apply_mapping(mapping, sources) if mapping is not None else None
    written_from = [s.name for s in sources]         # the files named in the audit log: those given
    if mapped is not None:
        if not mapped.sources:                       # no source file could be read through the mapping
            refused = mapped.problems or [Problem("(no files)", None, "", "no files were given")]
            return ImportResult([(s.name, None, 0) for s in sources], {}, refused[:limit], len(refused))
        sources, check_only = mapped.sources, check_only or not mapped.ok
    loaded, file_problems = _load_all(sources, say)
    files = [(f.name, f.table, f.rows) for f in loaded]
    if mapped is not None:
        files = [(mapped.translate(Problem(name, None, "", "")).file, table, rows) for name, table, rows in files]
    unusable = sorted({f.table for f in loaded if f.table and f.frame is None})

    def work(cur: duckdb.DuckDBPyConnection) -> dict[str, TableCounts]:
        tables = {f.table for f in loaded if f.frame is not None and f.table is not None}
        existing = snapshot(cur, tables)
        checked = validate(loaded, existing, today, file_problems, unusable, limit,
                           lambda message, done: say(message, READ_SHARE + CHECK_SHARE * done))
        if not checked.ok or check_only:
            raise _Refused(checked)
        return write_tables(cur, checked.frames, actor_id, written_from, say)

    try:
        counts = db.write(work)
    except _Refused as refusal:
        say("checked" if refusal.checked.ok else "refused", 1.0)
        checked = refusal.checked
        if mapped is not None:
            return ImportResult(files, {}, *_mapped_problems(mapped, checked, limit), written=False)
        return ImportResult(files, {}, checked.problems, checked.total_problems, written=False)
    except duckdb.Error as error:    # a rule the validation missed; the database kept it
        if not is_constraint_violation(error):
            raise
        raise DatabaseError(f"the database refused the import, nothing was written: {error}") from error
    say("done", 1.0)
    return ImportResult(files, counts, written=any(c.inserted or c.updated for c in counts.values()))


def _mapped_problems(mapped: MappedFiles, checked: Checked, limit: int) -> tuple[list[Problem], int]:
    """The mapping's own problems, then the validation's named by their source file, row and column.

    A cell the mapping refused was left empty; the validation's complaint about that same cell is
    dropped, so each fault is reported once.
    """
    refused = {(p.file, p.row, p.column) for p in mapped.problems}
    translated = [mapped.translate(p) for p in checked.problems]
    kept = [p for p in translated if (p.file, p.row, p.column) not in refused]
    total = len(mapped.problems) + checked.total_problems - (len(translated) - len(kept))
    return (mapped.problems + kept)[:limit], total


def _load_all(sources: Sequence[Source], say: Progress) -> tuple[list[LoadedFile], list[Problem]]:
    total = sum(max(s.size, 1) for s in sources) or 1
    done, loaded, problems = 0, [], []
    for source in sources:
        say(f"reading {source.name}", READ_SHARE * done / total)
        file, found = load(source)
        loaded.append(file)
        problems += found
        done += max(source.size, 1)
    if not sources:
        problems.append(Problem("(no files)", None, "", "no files were given"))
    return loaded, problems


# -- the database's side of validation ------------------------------------------------------------
#: What each table already holds, in the import format's terms (see scoring.importing.validation.Existing).
EXISTING_SQL = {
    "clients": "SELECT external_id AS client_ref, name, signed_on, churned_on FROM clients",
    "searches": """SELECT s.external_id AS search_ref, c.external_id AS client_ref, s.opened_on, s.status
                   FROM searches AS s JOIN clients AS c USING (client_id)""",
    "candidates": "SELECT external_id AS candidate_ref, lower(email) AS email FROM candidates",
    "applications": """SELECT a.external_id AS application_ref, c.external_id AS candidate_ref,
                              s.external_id AS search_ref
                       FROM applications AS a JOIN candidates AS c USING (candidate_id)
                       JOIN searches AS s USING (search_id)""",
    "stage_decisions": """SELECT a.external_id AS application_ref, st.code AS stage
                          FROM stage_decisions AS d JOIN applications AS a USING (application_id)
                          JOIN stages AS st USING (stage_id)""",
    "reviewers": "SELECT lower(email) AS email, role FROM accounts",
    "placements": """SELECT p.external_id AS placement_ref, a.external_id AS application_ref, p.accepted_on,
                            p.first_day, p.ended_on, p.end_reason
                     FROM placements AS p JOIN applications AS a USING (application_id)""",
    "replacements": """SELECT r.external_id AS replacement_ref, p.external_id AS placement_ref,
                              q.external_id AS replacing_placement_ref, r.requested_on, r.fulfilled_on
                       FROM replacements AS r JOIN placements AS p ON p.placement_id = r.placement_id
                       LEFT JOIN placements AS q ON q.placement_id = r.replacing_placement_id""",
}
DRAFT_CARDS_SQL = """
    SELECT a.external_id AS application_ref, st.code AS stage, lower(acc.email) AS reviewer_email
    FROM scorecards AS sc JOIN applications AS a USING (application_id) JOIN stages AS st USING (stage_id)
    JOIN accounts AS acc ON acc.account_id = sc.reviewer_id
    WHERE sc.status = 'draft'"""


def snapshot(cur: duckdb.DuckDBPyConnection, tables: set[str]) -> Existing:
    """The stored rows that the files' rows must agree with: the tables imported and those they refer to."""
    needed = set(tables)
    for table in tables:
        needed |= {c.references for c in FORMATS[table].columns if c.references}
    if "scores" in tables:
        needed |= {"applications", "stage_decisions"}
    if "searches" in tables:
        needed.add("reviewers")            # every account's e-mail and role: a search's lead is a hiring lead
    needed |= tables_needed(tables)        # the rules relating two tables (scoring.importing.rules)
    existing = Existing({name: cur.execute(sql).df() for name, sql in EXISTING_SQL.items() if name in needed})
    if "scores" in tables:
        existing.draft_cards = cur.execute(DRAFT_CARDS_SQL).df()
    return existing


# -- writing ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TableWrite:
    """How one import table lands in the database.

    ``staged`` selects, from the registered frame ``incoming``, the database columns of each row
    (references resolved to ids) plus ``entity_key`` for the audit log. ``key`` matches a staged
    row ``s`` to a stored row ``t``; ``columns`` are inserted; ``updatable`` may change.
    """

    target: str
    staged: str
    key: str
    columns: tuple[str, ...]
    updatable: tuple[str, ...]


def _dates(*names: str) -> str:
    return ", ".join(f"CAST(i.{n} AS DATE) AS {n}" for n in names)


WRITES: dict[str, TableWrite] = {
    "clients": TableWrite(
        "clients", f"""SELECT i.client_ref AS entity_key, i.client_ref AS external_id, i.name, i.country,
                              {_dates('signed_on', 'churned_on')} FROM incoming AS i""",
        "t.external_id = s.external_id", ("external_id", "name", "country", "signed_on", "churned_on"),
        ("name", "country", "signed_on", "churned_on")),
    "searches": TableWrite(
        # An empty lead_email keeps the stored lead (files from before the column say nothing about it).
        "searches", f"""SELECT i.search_ref AS entity_key, i.search_ref AS external_id, c.client_id, i.role_title,
                               i.seniority, {_dates('opened_on', 'shortlist_delivered_on', 'closed_on')}, i.status,
                               coalesce(lead.account_id, stored.lead_account_id) AS lead_account_id
                        FROM incoming AS i JOIN clients AS c ON c.external_id = i.client_ref
                        LEFT JOIN accounts AS lead ON lower(lead.email) = i.lead_email
                        LEFT JOIN searches AS stored ON stored.external_id = i.search_ref""",
        "t.external_id = s.external_id",
        ("external_id", "client_id", "role_title", "seniority", "opened_on", "shortlist_delivered_on", "closed_on",
         "status", "lead_account_id"),
        ("role_title", "seniority", "opened_on", "shortlist_delivered_on", "closed_on", "status", "lead_account_id")),
    "candidates": TableWrite(
        "candidates", f"""SELECT i.candidate_ref AS entity_key, i.candidate_ref AS external_id, i.full_name, i.email,
                                 i.country, i.seniority, {_dates('sourced_on')} FROM incoming AS i""",
        "t.external_id = s.external_id", ("external_id", "full_name", "email", "country", "seniority", "sourced_on"),
        ("full_name", "country", "seniority", "sourced_on")),
    "self_identification": TableWrite(
        "self_identification", f"""SELECT i.candidate_ref AS entity_key, c.candidate_id, i.sex, i.race_ethnicity,
                                          {_dates('recorded_on')}
                                   FROM incoming AS i JOIN candidates AS c ON c.external_id = i.candidate_ref""",
        "t.candidate_id = s.candidate_id", ("candidate_id", "sex", "race_ethnicity", "recorded_on"),
        ("sex", "race_ethnicity", "recorded_on")),
    "applications": TableWrite(
        "applications", f"""SELECT i.application_ref AS entity_key, i.application_ref AS external_id, c.candidate_id,
                                   s.search_id, {_dates('applied_on')}
                            FROM incoming AS i JOIN candidates AS c ON c.external_id = i.candidate_ref
                            JOIN searches AS s ON s.external_id = i.search_ref""",
        "t.external_id = s.external_id", ("external_id", "candidate_id", "search_id", "applied_on"), ("applied_on",)),
    "stage_decisions": TableWrite(
        "stage_decisions", f"""SELECT i.application_ref || '/' || i.stage AS entity_key, a.application_id,
                                      st.stage_id, {_dates('entered_on', 'decided_on')}, i.decision
                               FROM incoming AS i JOIN applications AS a ON a.external_id = i.application_ref
                               JOIN stages AS st ON st.code = i.stage""",
        "t.application_id = s.application_id AND t.stage_id = s.stage_id",
        ("application_id", "stage_id", "entered_on", "decided_on", "decision"),
        ("entered_on", "decided_on", "decision")),
    "reviewers": TableWrite(
        "accounts", """SELECT i.email AS entity_key, i.email, i.display_name, 'reviewer' AS role, i.active
                       FROM incoming AS i""",
        "lower(t.email) = s.email", ("email", "display_name", "role", "active"), ("display_name", "active")),
    "tooling_evidence": TableWrite(
        "tooling_evidence", f"""SELECT i.candidate_ref || '/' || i.tool AS entity_key, c.candidate_id, tl.tool_id,
                                       i.verified, coalesce(i.evidence, '') AS evidence,
                                       acc.account_id AS checked_by, {_dates('checked_on')}
                                FROM incoming AS i JOIN candidates AS c ON c.external_id = i.candidate_ref
                                JOIN tools AS tl ON tl.name = i.tool
                                LEFT JOIN accounts AS acc ON lower(acc.email) = i.checked_by""",
        "t.candidate_id = s.candidate_id AND t.tool_id = s.tool_id",
        ("candidate_id", "tool_id", "verified", "evidence", "checked_by", "checked_on"),
        ("verified", "evidence", "checked_by", "checked_on")),
    "placements": TableWrite(
        "placements", f"""SELECT i.placement_ref AS entity_key, i.placement_ref AS external_id, a.application_id,
                                 CAST(i.weekly_rate_usd AS DECIMAL(8, 2)) AS weekly_rate_usd,
                                 {_dates('accepted_on', 'first_day', 'ended_on')}, i.end_reason
                          FROM incoming AS i JOIN applications AS a ON a.external_id = i.application_ref""",
        "t.external_id = s.external_id",
        ("external_id", "application_id", "weekly_rate_usd", "accepted_on", "first_day", "ended_on", "end_reason"),
        ("weekly_rate_usd", "accepted_on", "first_day", "ended_on", "end_reason")),
    "replacements": TableWrite(
        "replacements", f"""SELECT i.replacement_ref AS entity_key, i.replacement_ref AS external_id, p.placement_id,
                                   {_dates('requested_on', 'fulfilled_on')},
                                   q.placement_id AS replacing_placement_id,
                                   CAST(i.cost_usd AS DECIMAL(10, 2)) AS cost_usd, i.cost_reason
                            FROM incoming AS i JOIN placements AS p ON p.external_id = i.placement_ref
                            LEFT JOIN placements AS q ON q.external_id = i.replacing_placement_ref""",
        "t.external_id = s.external_id",
        ("external_id", "placement_id", "requested_on", "fulfilled_on", "replacing_placement_id", "cost_usd",
         "cost_reason"),
        ("requested_on", "fulfilled_on", "replacing_placement_id", "cost_usd", "cost_reason")),
}


def write_tables(cur: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame], actor_id: int | None,
                 file_names: Sequence[str], say: Progress) -> dict[str, TableCounts]:
    """Write validated frames in reference order inside the caller's transaction; audit what changed."""
    order = [t for t in IMPORT_ORDER if t in frames]
    total = sum(len(frames[t]) + 1 for t in order)
    done, counts = 0, {}
    for table in order:
        say(f"writing {table}", READ_SHARE + CHECK_SHARE + (1 - READ_SHARE - CHECK_SHARE) * done / total)
        incoming = pa.Table.from_pandas(frames[table], preserve_index=False)
        cur.register("incoming", incoming)
        try:
            if table == "scores":
                counts[table] = _write_scorecards(cur, actor_id)
            else:
                counts[table] = _upsert(cur, table, WRITES[table], len(frames[table]), actor_id)
        finally:
            cur.unregister("incoming")
        done += len(frames[table]) + 1
    for temporary in ("import_staged", "import_changed", "import_score_rows", "import_cards", "import_new_cards"):
        cur.execute(f"DROP TABLE IF EXISTS {temporary}")
    if any(c.inserted or c.updated for c in counts.values()):
        names = [Path(n).name for n in file_names]
        audit(cur, actor_id, "import", "import", ", ".join(names)[:200], after={
            "files": names, "inserted": {t: c.inserted for t, c in counts.items()},
            "updated": {t: c.updated for t, c in counts.items()}})
    return counts


def _upsert(cur: duckdb.DuckDBPyConnection, table: str, spec: TableWrite, rows: int,
            actor_id: int | None) -> TableCounts:
    """Insert the new rows, update the changed ones (auditing each before/after), leave the rest."""
    cur.execute(f"CREATE OR REPLACE TEMP TABLE import_staged AS {spec.staged}")
    staged = scalar_of(cur, "SELECT count(*) FROM import_staged")
    if staged != rows:
        raise DatabaseError(f"{table}: {rows - staged} rows lost their references while writing; nothing was written")
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in spec.updatable)
    stored = ", ".join(f"t.{c} AS stored_{c}" for c in spec.updatable)
    cur.execute(f"""CREATE OR REPLACE TEMP TABLE import_changed AS
                    SELECT s.*, {stored} FROM import_staged AS s JOIN {spec.target} AS t ON {spec.key}
                    WHERE {differs}""")
    changed = scalar_of(cur, "SELECT count(*) FROM import_changed")
    columns = ", ".join(spec.columns)
    inserted = scalar_of(cur, f"""INSERT INTO {spec.target} ({columns}) SELECT {columns} FROM import_staged AS s
                               WHERE NOT EXISTS (SELECT 1 FROM {spec.target} AS t WHERE {spec.key})""")
    if changed:
        assignments = ", ".join(f"{c} = s.{c}" for c in spec.updatable)
        cur.execute(f"UPDATE {spec.target} AS t SET {assignments} FROM import_changed AS s WHERE {spec.key}")
        before = ", ".join(f"{c} := stored_{c}" for c in spec.updatable)
        after = ", ".join(f"{c} := {c}" for c in spec.updatable)
        cur.execute(f"""INSERT INTO audit_log (actor_id, action, entity, entity_key, before, after)
                        SELECT ?, 'import_update', ?, entity_key, to_json(struct_pack({before})),
                               to_json(struct_pack({after}))
                        FROM import_changed ORDER BY entity_key""", [actor_id, spec.target])
    return TableCounts(int(inserted), int(changed), int(rows - inserted - changed))


def _write_scorecards(cur: duckdb.DuckDBPyConnection, actor_id: int | None) -> TableCounts:
    """Score rows grouped into submitted scorecards; a changed scorecard becomes its next revision.

    A dimension a scorecard has no row for is written as not assessed, with the reason
    :data:`~scoring.importing.format.NOT_IN_HISTORY`; a row with an empty rating, with its own reason.
    Counts are of the files' score rows: inserted (rows of new scorecards), updated (rows of new
    revisions of changed scorecards), unchanged.
    """
    cur.execute("""
        CREATE OR REPLACE TEMP TABLE import_score_rows AS
        WITH given AS (
            SELECT a.application_id, st.stage_id, acc.account_id AS reviewer_id, d.dimension_id,
                   CAST(i.rating AS TINYINT) AS rating, coalesce(i.note, '') AS note,
                   CASE WHEN i.rating IS NULL THEN CAST(i.not_assessed_reason AS VARCHAR) END AS not_assessed_reason,
                   CAST(i.submitted_at AS TIMESTAMP) AS submitted_at, true AS in_file
            FROM incoming AS i
            JOIN applications AS a ON a.external_id = i.application_ref
            JOIN stages AS st ON st.code = i.stage
            JOIN accounts AS acc ON lower(acc.email) = i.reviewer_email
            JOIN dimensions AS d ON d.code = i.dimension),
        cards AS (
            SELECT application_id, stage_id, reviewer_id, min(submitted_at) AS submitted_at FROM given GROUP BY ALL)
        SELECT * FROM given
        UNION ALL
        SELECT c.application_id, c.stage_id, c.reviewer_id, d.dimension_id, CAST(NULL AS TINYINT), '', ?,
               c.submitted_at, false
        FROM cards AS c CROSS JOIN dimensions AS d
        WHERE NOT EXISTS (SELECT 1 FROM given AS g WHERE g.application_id = c.application_id
                          AND g.stage_id = c.stage_id AND g.reviewer_id = c.reviewer_id
                          AND g.dimension_id = d.dimension_id)""", [NOT_IN_HISTORY])
    cur.execute("""
        CREATE OR REPLACE TEMP TABLE import_cards AS
        WITH cards AS (
            SELECT application_id, stage_id, reviewer_id, min(submitted_at) AS submitted_at,
                   count(*) FILTER (WHERE in_file) AS n, count(*) AS dimensions
            FROM import_score_rows GROUP BY ALL),
        current AS (
            SELECT sc.scorecard_id, sc.application_id, sc.stage_id, sc.reviewer_id, sc.revision, sc.submitted_at
            FROM scorecards AS sc JOIN cards USING (application_id, stage_id, reviewer_id)
            WHERE sc.status = 'submitted'),
        same_rows AS (
            SELECT c.scorecard_id, count(*) AS n
            FROM import_score_rows AS r JOIN current AS c USING (application_id, stage_id, reviewer_id)
            JOIN scores AS s ON s.scorecard_id = c.scorecard_id AND s.dimension_id = r.dimension_id
                 AND s.rating IS NOT DISTINCT FROM r.rating AND s.note = r.note
                 AND s.not_assessed_reason IS NOT DISTINCT FROM r.not_assessed_reason
            GROUP BY ALL),
        stored_rows AS (
            SELECT s.scorecard_id, count(*) AS n FROM scores AS s JOIN current AS c USING (scorecard_id) GROUP BY ALL)
        SELECT cards.*, c.scorecard_id AS old_id, c.revision AS old_revision,
               CASE WHEN c.scorecard_id IS NULL THEN 'new'
                    WHEN c.submitted_at = cards.submitted_at AND coalesce(m.n, 0) = cards.dimensions
                         AND coalesce(k.n, 0) = cards.dimensions THEN 'same'
                    ELSE 'changed' END AS fate
        FROM cards
        LEFT JOIN current AS c USING (application_id, stage_id, reviewer_id)
        LEFT JOIN same_rows AS m ON m.scorecard_id = c.scorecard_id
        LEFT JOIN stored_rows AS k ON k.scorecard_id = c.scorecard_id""")
    new_cards = int(scalar_of(cur, "SELECT count(*) FROM import_cards WHERE fate <> 'same'"))
    card_ids = pd.DataFrame({"card": range(1, new_cards + 1),
                             "scorecard_id": next_ids(cur, "scorecard_ids", new_cards)})
    cur.register("import_card_ids", card_ids)
    cur.execute("""CREATE OR REPLACE TEMP TABLE import_new_cards AS
                   SELECT c.*, i.scorecard_id
                   FROM (SELECT *, row_number() OVER (ORDER BY application_id, stage_id, reviewer_id) AS card
                         FROM import_cards WHERE fate <> 'same') AS c
                   JOIN import_card_ids AS i USING (card)""")
    cur.unregister("import_card_ids")
    fates = dict(cur.execute("SELECT fate, sum(n) FROM import_cards GROUP BY fate").fetchall())
    if fates.get("changed"):
        cur.execute("""UPDATE scorecards SET status = 'superseded'
                       WHERE scorecard_id IN (SELECT old_id FROM import_new_cards WHERE fate = 'changed')""")
    cur.execute("""
        INSERT INTO scorecards (scorecard_id, application_id, stage_id, reviewer_id, revision, status, created_at,
                                submitted_at, amendment_reason)
        SELECT scorecard_id, application_id, stage_id, reviewer_id, coalesce(old_revision, 0) + 1, 'submitted',
               submitted_at, submitted_at, CASE WHEN fate = 'changed' THEN ? END
        FROM import_new_cards ORDER BY scorecard_id""", [AMENDMENT_REASON])
    cur.execute("""
        INSERT INTO scores (scorecard_id, dimension_id, rating, note, not_assessed_reason)
        SELECT n.scorecard_id, r.dimension_id, r.rating, r.note, r.not_assessed_reason
        FROM import_score_rows AS r JOIN import_new_cards AS n USING (application_id, stage_id, reviewer_id)""")
    cur.execute("""
        INSERT INTO assignments (application_id, stage_id, reviewer_id, assigned_on, due_on)
        SELECT n.application_id, n.stage_id, n.reviewer_id, day, day + ?
        FROM (SELECT n.*, least(coalesce(d.entered_on, CAST(n.submitted_at AS DATE)),
                                CAST(n.submitted_at AS DATE)) AS day
              FROM import_new_cards AS n LEFT JOIN stage_decisions AS d USING (application_id, stage_id)) AS n
        WHERE NOT EXISTS (SELECT 1 FROM assignments AS x WHERE x.application_id = n.application_id
                          AND x.stage_id = n.stage_id AND x.reviewer_id = n.reviewer_id)""", [ASSIGNMENT_DUE_DAYS])
    if fates.get("changed"):
        _audit_amendments(cur, actor_id)
    return TableCounts(int(fates.get("new", 0)), int(fates.get("changed", 0)), int(fates.get("same", 0)))


def _audit_amendments(cur: duckdb.DuckDBPyConnection, actor_id: int | None) -> None:
    """One audit entry per corrected scorecard: the stored revision's ratings before, the new ones after."""
    cur.execute("""
        INSERT INTO audit_log (actor_id, action, entity, entity_key, before, after)
        WITH cards AS (
            SELECT s.* FROM scores AS s
            WHERE s.scorecard_id IN (SELECT old_id FROM import_new_cards WHERE fate = 'changed'
                                     UNION ALL SELECT scorecard_id FROM import_new_cards WHERE fate = 'changed')),
        skipped AS (
            SELECT s.scorecard_id, json_group_object(dm.code, s.not_assessed_reason) AS not_assessed
            FROM cards AS s JOIN dimensions AS dm USING (dimension_id)
            WHERE s.rating IS NULL GROUP BY s.scorecard_id),
        ratings AS (
            SELECT s.scorecard_id, json_group_object(dm.code, s.rating) AS ratings,
                   json_group_object(dm.code, s.note) AS notes,
                   coalesce(any_value(k.not_assessed), '{}') AS not_assessed
            FROM cards AS s JOIN dimensions AS dm USING (dimension_id)
            LEFT JOIN skipped AS k USING (scorecard_id)
            GROUP BY s.scorecard_id)
        SELECT ?, 'import_amend', 'scorecard', CAST(n.scorecard_id AS VARCHAR),
               to_json(struct_pack(scorecard_id := n.old_id, submitted_at := old.submitted_at,
                                   ratings := o.ratings, notes := o.notes, not_assessed := o.not_assessed)),
               to_json(struct_pack(scorecard_id := n.scorecard_id, submitted_at := n.submitted_at,
                                   ratings := r.ratings, notes := r.notes, not_assessed := r.not_assessed,
                                   reason := ?))
        FROM import_new_cards AS n
        JOIN scorecards AS old ON old.scorecard_id = n.old_id
        JOIN ratings AS o ON o.scorecard_id = n.old_id
        JOIN ratings AS r ON r.scorecard_id = n.scorecard_id
        WHERE n.fate = 'changed'
        ORDER BY n.scorecard_id""", [actor_id, AMENDMENT_REASON])
