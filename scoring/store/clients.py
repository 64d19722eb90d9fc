"""Clients: the rows behind the retention promise, the clients a form can pick, and recording a churn.

Clients are selected by their own signing date (the retention promise runs from it) and by a
:class:`~scoring.store.searches.SearchFilter`'s clients; seniority belongs to searches and does not
narrow clients. Reads given an audit date ``as_of`` see the clients as they stood at the end of that
day (:mod:`scoring.store.as_of`): a churn dated later has not happened.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from scoring.agency import records as rules
from scoring.agency.access import Account
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit
from scoring.store.placements import (
    CHURN_END_REASON,
    as_day,
    end_placement,
    refuse,
    refuse_unstorable_day,
    stored_placement,
    whole_id,
)
from scoring.store.searches import SearchFilter


def read(db: Database, actor: Account, search_filter: SearchFilter, as_of: date | None = None) -> pd.DataFrame:
    """Clients signed within the filter's period and by ``as_of`` (and among the filter's clients,
    when it names any); a churn dated after ``as_of`` has not happened.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``client_ref``, ``client``, ``country``, ``signed_on``, ``churned_on``.
    """
    authorize(db, actor, "read_ops")
    cut, cut_params = known(as_of, "clients")
    clauses: list[str] = ["true"]
    params: list[object] = []
    if search_filter.start is not None:
        clauses.append("c.signed_on >= ?")
        params.append(search_filter.start)
    if search_filter.end is not None:
        clauses.append("c.signed_on <= ?")
        params.append(search_filter.end)
    if search_filter.client_ids:
        clauses.append("c.client_id IN (SELECT unnest(?::INTEGER[]))")
        params.append(list(search_filter.client_ids))
    return db.frame(f"""
        WITH {cut}
        SELECT c.client_id, c.external_id AS client_ref, c.name AS client, c.country, c.signed_on,
               c.churned_on
        FROM known_clients AS c
        WHERE {" AND ".join(clauses)}
        ORDER BY c.signed_on, c.client_id""", [*cut_params, *params])


def active(db: Database, actor: Account) -> pd.DataFrame:
    """Clients that have not churned: ``client_id``, ``label``, ``signed_on``; by name."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        SELECT client_id, name || ' (' || external_id || ', signed ' || strftime(signed_on, '%Y-%m-%d')
                   || ')' AS label, signed_on
        FROM clients WHERE churned_on IS NULL ORDER BY name""")


def record_client_churn(db: Database, actor: Account, client_id: int, churned_on: date,
                        *, as_of: date | None = None) -> dict[str, list[str]]:
    """Record that a client left the agency on ``churned_on``.

    Its running placements end that day as 'client_churned' and its open searches are cancelled
    that day, so neither keeps counting against a promise. Each change is audited.

    Parameters
    ----------
    client_id : int
        An existing client that has not churned yet.
    churned_on : date
        On or after the day it signed, not after ``as_of``, and not before the first day of any of
        its running placements or the opening of any of its open searches (those would have to end
        before they began).
    as_of : date, optional
        Today.

    Returns
    -------
    dict
        ``placements_ended`` and ``searches_cancelled``: external ids of the rows changed.

    Raises
    ------
    DatabaseError
        Any rule above broken; nothing is written.
    PermissionDenied
        The account may not record ops events.
    """
    authorize(db, actor, "write_ops")
    client_id = whole_id(client_id, "client_id")
    churned_on = as_day(churned_on, "churned_on")
    refuse_unstorable_day(churned_on, "churned_on", as_of)

    def write(cur: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
        client = cur.execute("SELECT name, signed_on, churned_on FROM clients WHERE client_id = ?",
                             [client_id]).fetchone()
        if client is None:
            raise DatabaseError(f"client_id: there is no client {client_id}")
        name, signed_on, already = client
        if already is not None:
            raise DatabaseError(f"client_id: {name} already churned on {already}")
        refuse(rules.CHURN_AFTER_SIGNING.problem(churned_on=churned_on, signed_on=signed_on, name=name))
        running = cur.execute("""
            SELECT p.placement_id FROM placements AS p JOIN placement_refs AS k USING (placement_id)
            WHERE k.client_id = ? AND p.ended_on IS NULL ORDER BY p.placement_id""", [client_id]).fetchall()
        placed = [stored_placement(cur, row[0]) for row in running]
        refuse(*(rules.CHURN_AFTER_RUNNING_STARTS.problem(churned_on=churned_on, name=name, placement_ref=p["ref"],
                                                first_day=p["first_day"]) for p in placed))
        open_searches = cur.execute("""SELECT search_id, external_id, opened_on FROM searches
                                       WHERE client_id = ? AND status = 'open' ORDER BY search_id""",
                                    [client_id]).fetchall()
        refuse(*(rules.CHURN_AFTER_OPEN_SEARCHES.problem(churned_on=churned_on, name=name, search_ref=search_ref,
                                               opened_on=opened_on)
                 for _, search_ref, opened_on in open_searches))
        cur.execute("UPDATE clients SET churned_on = ? WHERE client_id = ?", [churned_on, client_id])
        audit(cur, actor.account_id, "record_churn", "client", client_id,
              before={"churned_on": None}, after={"churned_on": churned_on})
        for placement in placed:
            end_placement(cur, actor.account_id, placement, churned_on, CHURN_END_REASON, f"{name} churned")
        for search_id, _, _ in open_searches:
            cur.execute("UPDATE searches SET status = 'cancelled', closed_on = ? WHERE search_id = ?",
                        [churned_on, search_id])
            audit(cur, actor.account_id, "cancel_search", "search", search_id,
                  before={"status": "open", "closed_on": None},
                  after={"status": "cancelled", "closed_on": churned_on, "because": f"{name} churned"})
        return {"placements_ended": [p["ref"] for p in placed],
                "searches_cancelled": [row[1] for row in open_searches]}

    return db.write(write)
