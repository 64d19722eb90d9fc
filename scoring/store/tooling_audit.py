"""Stage 1, the pipeline and tooling audit: the checklist of a candidate's tools and its decision."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from scoring.agency.access import Account, PermissionDenied, require
from scoring.agency.tooling import ToolingVerdict, evaluate_tooling
from scoring.domain.stages import Stage
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit, storable_text

TOOLING_STAGE = int(Stage.TOOLING_AUDIT)


def _candidate_of(cur, application_id: int) -> int:
    row = cur.execute("SELECT candidate_id FROM applications WHERE application_id = ?", [application_id]).fetchone()
    if row is None:
        raise DatabaseError(f"application_id: no application {application_id}")
    return int(row[0])


def _assert_may_audit(cur, actor: Account, application_id: int) -> None:
    require(actor, "write_scores")
    if not cur.execute("SELECT 1 FROM assignments WHERE application_id = ? AND stage_id = ? AND reviewer_id = ?",
                       [application_id, TOOLING_STAGE, actor.account_id]).fetchone():
        raise PermissionDenied(f"the tooling audit of application {application_id} is not assigned to {actor.email}")


def checklist(db: Database, actor: Account, application_id: int) -> pd.DataFrame:
    """Every catalogue tool with what the candidate claimed, whether it was verified, and the evidence."""
    authorize(db, actor)         # which role may see it is decided below, by the assignment
    with db.cursor() as cur:
        if not actor.may("read_all_scores"):
            _assert_may_audit(cur, actor, application_id)
        candidate_id = _candidate_of(cur, application_id)
    return db.frame("""
        SELECT t.tool_id, t.category, t.name AS tool, e.tool_id IS NOT NULL AS claimed,
               coalesce(e.verified, false) AS verified, coalesce(e.evidence, '') AS evidence, e.checked_on
        FROM tools AS t
        LEFT JOIN tooling_evidence AS e ON e.tool_id = t.tool_id AND e.candidate_id = ?
        ORDER BY t.tool_id""", [candidate_id])


def verdict(checklist_rows: pd.DataFrame) -> ToolingVerdict:
    """The stage-1 rule applied to a checklist's claimed rows."""
    claimed = checklist_rows[checklist_rows["claimed"]]
    return evaluate_tooling(claimed[["category", "tool", "verified"]])


def submit_audit(db: Database, actor: Account, application_id: int, rows: Iterable[dict], on: date) -> ToolingVerdict:
    """Store the checklist and decide stage 1 by the rule; a pass opens stage 2 the same day.

    ``rows`` hold ``tool`` (catalogue name), ``claimed``, ``verified`` and ``evidence``. A verified
    tool must be claimed. All of it is written in one transaction.
    """
    authorize(db, actor, "write_scores")
    entries = [dict(r) for r in rows]
    for index, entry in enumerate(entries, start=1):
        if entry.get("verified") and not entry.get("claimed"):
            raise DatabaseError(f"row {index} ({entry.get('tool')}): a tool can't be verified without being claimed")
        entry["evidence"] = storable_text(f"row {index} ({entry.get('tool')}), evidence",
                                          str(entry.get("evidence") or ""))
    claimed = [e for e in entries if e.get("claimed")]
    result = evaluate_tooling([(e["tool"], bool(e.get("verified"))) for e in claimed])

    def write(cur) -> ToolingVerdict:
        _assert_may_audit(cur, actor, application_id)
        decided = cur.execute("SELECT decision FROM stage_decisions WHERE application_id = ? AND stage_id = ?",
                              [application_id, TOOLING_STAGE]).fetchone()
        if decided is None:
            raise DatabaseError(f"application {application_id} has not entered the tooling audit")
        if decided[0] is not None:
            raise DatabaseError(f"the tooling audit of application {application_id} was already decided: {decided[0]}")
        candidate_id = _candidate_of(cur, application_id)
        before = cur.execute("SELECT tool_id, verified FROM tooling_evidence WHERE candidate_id = ?",
                             [candidate_id]).fetchall()
        cur.execute("DELETE FROM tooling_evidence WHERE candidate_id = ?", [candidate_id])
        for entry in claimed:
            tool_id = cur.execute("SELECT tool_id FROM tools WHERE name = ?", [entry["tool"]]).fetchone()
            if tool_id is None:
                raise DatabaseError(f"tool: {entry['tool']!r} is not in the catalogue")
            cur.execute("INSERT INTO tooling_evidence VALUES (?, ?, ?, ?, ?, ?)",
                        [candidate_id, tool_id[0], bool(entry.get("verified")), str(entry.get("evidence") or ""),
                         actor.account_id, on])
        decision = "pass" if result.passes_minimum else "fail"
        cur.execute("UPDATE stage_decisions SET decision = ?, decided_on = ? WHERE application_id = ? AND stage_id = ?",
                    [decision, on, application_id, TOOLING_STAGE])
        if decision == "pass":
            cur.execute("INSERT INTO stage_decisions (application_id, stage_id, entered_on) VALUES (?, 2, ?) "
                        "ON CONFLICT DO NOTHING", [application_id, on])
        audit(cur, actor.account_id, "tooling_audit", "application", application_id,
              before={"tools": [[int(t), bool(v)] for t, v in before]},
              after={"tools": [[e["tool"], bool(e.get("verified"))] for e in claimed], "decision": decision,
                     "passes_strict": result.passes_strict})
        return result

    return db.write(write)
