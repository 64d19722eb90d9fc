"""Helpers for the store specifications: the demo agency's people, its open work and its tables.

Every test gets its own writable copy of the demo agency (the ``demo_db`` fixture) and reaches it
through :class:`Agency`, which signs people in by email, finds assigned work the way a reviewer
would (through their queue), and takes snapshots of every table so a test can prove that a refused
call wrote nothing.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pytest

from scoring.agency.access import Account
from scoring.domain.stages import SCORED_STAGES, Stage
from scoring.store import Database, accounts, scorecards
from scoring.store.archive import schema_description
from scoring.store.db import next_id

DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class Work:
    """One application and stage assigned to a reviewer."""

    reviewer: Account
    application_id: int
    stage_id: int


class Agency:
    """The demo agency as the store sees it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.as_of = date.fromisoformat(db.metadata("demo_as_of"))

    # -- people -------------------------------------------------------------------------------
    def person(self, email: str) -> Account:
        row = self.db.frame("SELECT account_id, email, display_name, role, session_version FROM accounts "
                            "WHERE email = ?", [email]).iloc[0]
        return Account(int(row["account_id"]), row["email"], row["display_name"], row["role"],
                       int(row["session_version"]))

    def by_id(self, account_id: int) -> Account:
        email = self.db.scalar("SELECT email FROM accounts WHERE account_id = ?", [account_id])
        return self.person(email)

    @property
    def reviewer(self) -> Account:
        return self.person("reviewer@demo.example")

    @property
    def lead(self) -> Account:
        return self.person("lead@demo.example")

    @property
    def ops(self) -> Account:
        return self.person("ops@demo.example")

    @property
    def admin(self) -> Account:
        return self.person("admin@demo.example")

    def of_role(self, role: str) -> Account:
        return {"reviewer": self.reviewer, "hiring_lead": self.lead, "ops": self.ops, "admin": self.admin}[role]

    def reviewers(self) -> list[Account]:
        ids = self.db.frame("SELECT account_id FROM accounts WHERE role = 'reviewer' ORDER BY account_id")
        return [self.by_id(int(i)) for i in ids["account_id"]]

    # -- work ---------------------------------------------------------------------------------
    def open_work(self, reviewer: Account, *, drafted: bool | None = False) -> list[Work]:
        """Scored items in the reviewer's queue; by default only those without a saved draft."""
        items = scorecards.queue(self.db, reviewer, self.as_of)
        items = items[items["stage_id"].isin(SCORED_STAGES)]
        if drafted is not None:
            items = items[items["has_draft"] == drafted]
        return [Work(reviewer, int(r.application_id), int(r.stage_id)) for r in items.itertuples()]

    def first_open(self, reviewer: Account | None = None) -> Work:
        work = self.open_work(reviewer or self.reviewer)
        assert work, "the demo should give this reviewer open, undrafted work"
        return work[0]

    def not_assigned_to(self, reviewer: Account, stage_id: int = Stage.INCIDENT_INTERVIEW) -> int:
        """An application that entered ``stage_id`` and is assigned to others, but not to ``reviewer``."""
        found = self.db.scalar("""
            SELECT min(x.application_id) FROM assignments AS x
            WHERE x.stage_id = ? AND x.reviewer_id <> ?
              AND NOT EXISTS (SELECT 1 FROM assignments AS mine WHERE mine.application_id = x.application_id
                              AND mine.stage_id = x.stage_id AND mine.reviewer_id = ?)""",
            [stage_id, reviewer.account_id, reviewer.account_id])
        assert found is not None, f"the demo should assign someone else work at stage {stage_id}"
        return int(found)

    def colleague(self, reviewer: Account, free_for: Work | None = None) -> Account:
        """Another reviewer; with ``free_for``, one not yet assigned to that application and stage."""
        for other in self.reviewers():
            if other.account_id == reviewer.account_id:
                continue
            if free_for is None or not self.db.scalar(
                    "SELECT count(*) FROM assignments WHERE application_id = ? AND stage_id = ? AND reviewer_id = ?",
                    [free_for.application_id, free_for.stage_id, other.account_id]):
                return other
        raise AssertionError("the demo should have another reviewer free for this work")

    def assign(self, reviewer: Account, application_id: int, stage_id: int) -> Work:
        """Arrange an extra assignment directly in SQL (test set-up only; the store has no such write)."""
        self.db.write(lambda cur: cur.execute(
            "INSERT INTO assignments VALUES (?, ?, ?, ?, ?)",
            [application_id, stage_id, reviewer.account_id, self.as_of, self.as_of + timedelta(days=3)]))
        return Work(reviewer, application_id, stage_id)

    def scored_by_someone_else(self) -> Work:
        """Work in the demo reviewer's queue that another reviewer has already submitted a scorecard for."""
        for work in self.open_work(self.reviewer):
            if self.others_submitted(work):
                return work
        work = self.first_open()
        colleague = self.colleague(work.reviewer, free_for=work)
        self.assign(colleague, work.application_id, work.stage_id)
        scorecards.submit(self.db, colleague, work.application_id, work.stage_id,
                          {"infrastructure": 2, "deployment": 3, "monitoring": 4, "automation": 3, "governance": 2},
                          {"monitoring": "Explained the drift alert they tuned"})
        return work

    def others_submitted(self, work: Work) -> int:
        return int(self.db.scalar("SELECT count(*) FROM current_scores WHERE application_id = ? AND stage_id = ? "
                                  "AND reviewer_id <> ?", [work.application_id, work.stage_id,
                                                           work.reviewer.account_id]))

    def someone_elses_draft(self) -> tuple[Account, Work]:
        """(author, the demo reviewer's work) where the author holds a draft on the same application and stage."""
        me = self.reviewer.account_id
        found = self.db.frame("""
            SELECT d.reviewer_id, d.application_id, d.stage_id FROM scorecards AS d
            JOIN assignments AS x ON x.application_id = d.application_id AND x.stage_id = d.stage_id
            WHERE d.status = 'draft' AND x.reviewer_id = ? AND d.reviewer_id <> ?
              AND NOT EXISTS (SELECT 1 FROM scorecards AS mine WHERE mine.application_id = d.application_id
                              AND mine.stage_id = d.stage_id AND mine.reviewer_id = ?)
            ORDER BY d.application_id LIMIT 1""", [me, me, me])
        if not found.empty:
            row = found.iloc[0]
            return (self.by_id(int(row["reviewer_id"])),
                    Work(self.reviewer, int(row["application_id"]), int(row["stage_id"])))
        work = self.first_open()
        author = self.colleague(work.reviewer, free_for=work)
        self.assign(author, work.application_id, work.stage_id)
        scorecards.save_draft(self.db, author, work.application_id, work.stage_id,
                              {"infrastructure": 4, "automation": 2}, {"automation": "half-finished thought"})
        return author, work

    def open_tooling_audit(self, reviewer: Account | None = None) -> int:
        """An application whose stage-1 audit is open and assigned to ``reviewer`` (default: the demo reviewer).

        Taken from the reviewer's queue when there is one; otherwise arranged: a new application of an
        existing candidate to an existing search, entered into stage 1 and assigned today.
        """
        reviewer = reviewer or self.reviewer
        queued = scorecards.queue(self.db, reviewer, self.as_of)
        queued = queued[queued["stage_id"] == 1]
        if not queued.empty:
            return int(queued["application_id"].iloc[0])
        candidate_id, search_id = self.db.frame("""
            SELECT c.candidate_id, s.search_id FROM candidates AS c, searches AS s
            WHERE NOT EXISTS (SELECT 1 FROM applications AS a
                              WHERE a.candidate_id = c.candidate_id AND a.search_id = s.search_id)
            ORDER BY s.search_id, c.candidate_id LIMIT 1""").iloc[0]

        def enter(cur) -> int:
            application_id = next_id(cur, "application_ids")
            cur.execute("INSERT INTO applications (application_id, external_id, candidate_id, search_id, applied_on) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [application_id, f"AP-AUDIT-{reviewer.account_id}", int(candidate_id), int(search_id),
                         self.as_of])
            cur.execute("INSERT INTO stage_decisions (application_id, stage_id, entered_on) VALUES (?, 1, ?)",
                        [application_id, self.as_of])
            return application_id

        application_id = self.db.write(enter)
        self.assign(reviewer, application_id, 1)
        return application_id

    # -- tables -------------------------------------------------------------------------------
    def tables(self) -> list[str]:
        return existing_tables(self.db)

    def counts(self) -> dict[str, int]:
        return {t: int(self.db.scalar(f'SELECT count(*) FROM "{t}"')) for t in self.tables()}

    def fingerprint(self) -> dict[str, tuple[int, int]]:
        return fingerprint(self.db)

    def scorecards_of(self, work: Work) -> pd.DataFrame:
        return self.db.frame("SELECT * FROM scorecards WHERE application_id = ? AND stage_id = ? AND reviewer_id = ? "
                             "ORDER BY revision", [work.application_id, work.stage_id, work.reviewer.account_id])

    def audit_entries(self, action: str, entity_key) -> pd.DataFrame:
        return self.db.frame("SELECT * FROM audit_log WHERE action = ? AND entity_key = ? ORDER BY audit_id",
                             [action, str(entity_key)])


def changed_tables(before: dict, after: dict) -> set[str]:
    """Tables whose fingerprint differs between two snapshots (a vanished table counts as changed)."""
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The hand-built agency of the ops specifications (:mod:`tests.ops_fixture`) in a database file; a module
    may add to it with a ``template`` of its own, and ``on_postgres`` puts it in PostgreSQL instead."""
    from tests.ops_fixture import build

    return build(tmp_path_factory.mktemp("ops_store") / "template.duckdb")


@pytest.fixture
def db(template, tmp_path):
    """A writable copy of ``template``."""
    path = tmp_path / "ops.duckdb"
    shutil.copy(template, path)
    handle = Database(path)
    yield handle
    handle.close()


@pytest.fixture
def agency(demo_db) -> Agency:
    return Agency(demo_db)


@pytest.fixture
def diff():
    """``diff(before, after)``: the set of tables that changed between two fingerprints."""
    return changed_tables


def existing_tables(db: Database) -> list[str]:
    """The base tables the database holds now, read from its catalog (so a dropped table would show)."""
    with db.cursor() as cur:
        return sorted(schema_description(cur))


def fingerprint(db: Database) -> dict[str, tuple[int, int]]:
    """Per table: its row count and an order-independent hash of every row's content, to compare with
    :func:`changed_tables` before and after a call."""
    return {t: tuple(int(v) for v in db.frame(
                f'SELECT count(*) AS n, coalesce(bit_xor(hash(t)), 0) AS h FROM "{t}" AS t').iloc[0])
            for t in existing_tables(db)}


@pytest.fixture
def hashes_checked(monkeypatch) -> list[str]:
    """Every Argon2 hash sign-in checks a password against (the account's or the dummy), in order,
    whichever thread checked it (appending to a list is atomic)."""
    checked: list[str] = []
    real = accounts.verify_password

    def counting(password_hash, password):
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    return checked


class PauseBefore:
    """A cursor that, at the first statement containing ``fragment``, waits until it is told to go on.

    It pins down the interleaving where the other save commits after this one read the card and
    before it writes.
    """

    def __init__(self, cursor, fragment: str, reached: threading.Event, resume: threading.Event) -> None:
        self._cursor, self._fragment, self._reached, self._resume = cursor, fragment, reached, resume

    def __enter__(self):
        self._cursor.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cursor.__exit__(*exc)

    def execute(self, sql, *args):
        if self._fragment in sql and not self._reached.is_set():
            self._reached.set()
            self._resume.wait(timeout=30)
        return self._cursor.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._cursor, name)
