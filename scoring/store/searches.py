"""Searches: the filter every pipeline, ops and validity figure is cut by, and the one read of searches.

Reads given an audit date ``as_of`` see the tables as they stood at the end of that day
(:mod:`scoring.store.as_of`): a search opened later is not there; ``as_of=None`` reads the rows as
stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from scoring.agency.access import Account
from scoring.store.as_of import known
from scoring.store.authorization import authorize, authorize_any
from scoring.store.db import Database


@dataclass(frozen=True)
class SearchFilter:
    """Which searches a figure covers: opened between ``start`` and ``end`` (inclusive)."""

    start: date | None = None
    end: date | None = None
    client_ids: tuple[int, ...] = ()
    seniorities: tuple[str, ...] = ()

    def where(self, alias: str = "s") -> tuple[str, list[object]]:
        """A SQL condition on the searches table ``alias`` and its bound parameters."""
        clauses: list[str] = ["true"]
        params: list[object] = []
        if self.start is not None:
            clauses.append(f"{alias}.opened_on >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append(f"{alias}.opened_on <= ?")
            params.append(self.end)
        if self.client_ids:
            clauses.append(f"{alias}.client_id IN (SELECT unnest(?::INTEGER[]))")
            params.append(list(self.client_ids))
        if self.seniorities:
            clauses.append(f"{alias}.seniority IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(self.seniorities))
        return " AND ".join(clauses), params


def filter_options(db: Database, actor: Account,
                   as_of: date | None = None) -> dict[str, pd.DataFrame | tuple[date, date]]:
    """Clients signed by ``as_of`` and the span of opening dates of searches opened by then, for the
    filter widgets."""
    authorize(db, actor, "read_pipeline")
    cut, cut_params = known(as_of, "clients", "searches")
    clients = db.frame(f"WITH {cut} SELECT client_id, name FROM known_clients ORDER BY name", cut_params)
    span = db.frame(f"WITH {cut} SELECT min(opened_on) AS first, max(opened_on) AS last FROM known_searches",
                    cut_params).iloc[0]
    return {"clients": clients, "span": (span["first"], span["last"])}


def read(db: Database, actor: Account, search_filter: SearchFilter, as_of: date | None = None) -> pd.DataFrame:
    """One row per filtered search, as of ``as_of``, with its client's name and country.

    The one read of searches behind every shortlist-time figure, on the pipeline page and in the ops
    audit alike (:mod:`scoring.reports.shortlist`): the client's country picks the holiday calendar
    its business days skip. Needs ``read_pipeline`` or ``read_ops``.

    Returns
    -------
    pandas.DataFrame
        ``search_id``, ``search_ref``, ``client_id``, ``client``, ``country``, ``role_title``,
        ``seniority``, ``status`` (as of ``as_of``), ``opened_on``, ``shortlist_delivered_on``,
        ``closed_on``.
    """
    authorize_any(db, actor, ("read_pipeline", "read_ops"))
    cut, cut_params = known(as_of, "searches")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT s.search_id, s.external_id AS search_ref, s.client_id, c.name AS client, c.country,
               s.role_title, s.seniority, s.status, s.opened_on, s.shortlist_delivered_on, s.closed_on
        FROM known_searches AS s
        JOIN clients AS c USING (client_id)
        WHERE {where}
        ORDER BY s.opened_on, s.search_id""", [*cut_params, *params])
