"""Reading the append-only audit log. There is deliberately no function that changes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from scoring.agency.access import Account
from scoring.store.authorization import authorize
from scoring.store.db import Database

PAGE_SIZE = 500


@dataclass(frozen=True)
class AuditFilter:
    start: date | None = None
    end: date | None = None
    actor_id: int | None = None
    actions: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    text: str = ""


def entries(db: Database, actor: Account, chosen: AuditFilter, limit: int = PAGE_SIZE) -> pd.DataFrame:
    """Newest first: who, when, what, and the before/after record of each write."""
    authorize(db, actor, "read_audit_log")
    clauses: list[str] = ["true"]
    params: list[object] = []
    if chosen.start:
        clauses.append("l.logged_at >= ?")
        params.append(chosen.start)
    if chosen.end:
        clauses.append("l.logged_at < ?")
        params.append(chosen.end + timedelta(days=1))
    if chosen.actor_id is not None:
        clauses.append("l.actor_id = ?")
        params.append(chosen.actor_id)
    if chosen.actions:
        clauses.append("l.action IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(chosen.actions))
    if chosen.entities:
        clauses.append("l.entity IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(chosen.entities))
    if chosen.text:
        clauses.append("(l.entity_key = ? OR CAST(l.after AS VARCHAR) ILIKE ? OR CAST(l.before AS VARCHAR) ILIKE ?)")
        like = f"%{chosen.text}%"
        params += [chosen.text, like, like]
    return db.frame(f"""
        SELECT l.audit_id, l.logged_at, coalesce(a.display_name, 'system') AS actor, l.action, l.entity,
               l.entity_key, CAST(l.before AS VARCHAR) AS before, CAST(l.after AS VARCHAR) AS after
        FROM audit_log AS l LEFT JOIN accounts AS a ON a.account_id = l.actor_id
        WHERE {' AND '.join(clauses)}
        ORDER BY l.audit_id DESC LIMIT ?""", [*params, limit])


def vocabulary(db: Database, actor: Account) -> dict[str, list]:
    """The actions, entities and actors that occur, for the filter widgets."""
    authorize(db, actor, "read_audit_log")
    return {
        "actions": db.frame("SELECT DISTINCT action FROM audit_log ORDER BY 1")["action"].tolist(),
        "entities": db.frame("SELECT DISTINCT entity FROM audit_log ORDER BY 1")["entity"].tolist(),
        "actors": db.frame("SELECT DISTINCT l.actor_id, a.display_name FROM audit_log AS l "
                           "JOIN accounts AS a ON a.account_id = l.actor_id ORDER BY 2"),
    }
