"""Placements and their replacements: the rows behind the first-day and replacement promises, and their writes.

Reads cover the placements made from the searches a :class:`~scoring.store.searches.SearchFilter`
selects, and the replacement requests of those placements, with the column names
:mod:`scoring.agency.sla` and :mod:`scoring.agency.retention` expect plus the external references a
person can look up. Every read takes the audit date ``as_of`` and reads the tables as they stood at
the end of that day (:mod:`scoring.store.as_of`): a placement accepted later is not there, an end or
a fulfilment dated later has not happened. ``as_of=None`` reads the rows as stored.

Writes validate first, then run in one transaction that also appends an audit entry (before and
after) per changed row, so a refused write leaves every table as it was. Their rules are those of
:mod:`scoring.agency.records`, which an import applies to the same facts, so a form and an import
accept and refuse alike, in the same words.
"""

from __future__ import annotations

import math
import numbers
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import duckdb
import pandas as pd

from scoring.agency import records as rules
from scoring.agency.access import Account
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError, audit, next_id, storable_text
from scoring.store.searches import SearchFilter

REPLACEMENT_PREFIX = "RP-"
REPLACEMENT_DIGITS = 5   # RP-00042, as the demo numbers them
CHURN_END_REASON = "client_churned"
MISFIT_END_REASON = "not_a_fit"


# -- reads -----------------------------------------------------------------------------------------
def read(db: Database, actor: Account, search_filter: SearchFilter, as_of: date | None = None) -> pd.DataFrame:
    """Placements made from the filtered searches by ``as_of``, with the search's opening date.

    Returns
    -------
    pandas.DataFrame
        ``placement_id``, ``placement_ref``, ``application_id``, ``candidate_ref``, ``search_id``,
        ``search_ref``, ``client_id``, ``client``, ``seniority``, ``opened_on``, ``accepted_on``,
        ``first_day``, ``ended_on``, ``end_reason``, ``weekly_rate_usd`` (USD per week) and
        ``is_replacement`` (the placement fills a replacement request of any search, fulfilled by
        ``as_of``). A placement accepted by ``as_of`` whose first day is later has not started.
    """
    authorize(db, actor, "read_ops")
    cut, cut_params = known(as_of, "searches", "placements", "replacements")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT p.placement_id, k.placement_ref, p.application_id, k.candidate_ref, s.search_id, k.search_ref,
               s.client_id, k.client, s.seniority, s.opened_on, p.accepted_on, p.first_day, p.ended_on,
               p.end_reason, p.weekly_rate_usd::DOUBLE AS weekly_rate_usd,
               EXISTS (SELECT 1 FROM known_replacements AS r
                       WHERE r.replacing_placement_id = p.placement_id) AS is_replacement
        FROM known_placements AS p
        JOIN placement_refs AS k USING (placement_id)
        JOIN known_searches AS s ON s.search_id = k.search_id
        WHERE {where}
        ORDER BY p.first_day, p.placement_id""", [*cut_params, *params])


def replacements(db: Database, actor: Account, search_filter: SearchFilter,
                 as_of: date | None = None) -> pd.DataFrame:
    """Replacement requests made by ``as_of`` for placements made from the filtered searches.

    Returns
    -------
    pandas.DataFrame
        ``replacement_id``, ``replacement_ref``, ``placement_id``, ``placement_ref``,
        ``requested_on``, ``fulfilled_on``, ``replacing_placement_id``, ``replacing_placement_ref``,
        ``cost_usd`` (USD charged to the client), ``cost_reason``, ``search_id``, ``client_id``,
        ``client``. A fulfilment dated after ``as_of`` has not happened, nor the charge recorded
        with it.
    """
    authorize(db, actor, "read_ops")
    cut, cut_params = known(as_of, "searches", "placements", "replacements")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT r.replacement_id, r.external_id AS replacement_ref, r.placement_id,
               k.placement_ref, r.requested_on, r.fulfilled_on, r.replacing_placement_id,
               np.external_id AS replacing_placement_ref, r.cost_usd::DOUBLE AS cost_usd, r.cost_reason,
               s.search_id, s.client_id, k.client
        FROM known_replacements AS r
        JOIN known_placements AS p ON p.placement_id = r.placement_id
        JOIN placement_refs AS k ON k.placement_id = r.placement_id
        JOIN known_searches AS s ON s.search_id = k.search_id
        LEFT JOIN known_placements AS np ON np.placement_id = r.replacing_placement_id
        WHERE {where}
        ORDER BY r.requested_on, r.replacement_id""", [*cut_params, *params])


# -- choices for the ops forms ------------------------------------------------------------------
def replaceable_placements(db: Database, actor: Account) -> pd.DataFrame:
    """Placements a replacement can be requested for: no request yet, and running or ended as not
    a fit. ``placement_id``, ``label``, ``client_id``, ``first_day``, ``ended_on``; newest first."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        SELECT p.placement_id,
               k.placement_ref || ' · ' || k.candidate_ref || ' · ' || k.client || ' · since '
                   || strftime(p.first_day, '%Y-%m-%d') AS label,
               k.client_id, p.first_day, p.ended_on
        FROM placements AS p
        JOIN placement_refs AS k USING (placement_id)
        WHERE NOT EXISTS (SELECT 1 FROM replacements AS r WHERE r.placement_id = p.placement_id)
          AND (p.ended_on IS NULL OR p.end_reason = ?)
        ORDER BY p.first_day DESC, p.placement_id DESC""", [MISFIT_END_REASON])


def open_requests(db: Database, actor: Account) -> pd.DataFrame:
    """Replacement requests not yet fulfilled: ``replacement_id``, ``label``, ``placement_id``,
    ``client_id``, ``requested_on``; oldest first."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        SELECT r.replacement_id,
               r.external_id || ' · replaces ' || k.placement_ref || ' · ' || k.client || ' · requested '
                   || strftime(r.requested_on, '%Y-%m-%d') AS label,
               r.placement_id, k.client_id, r.requested_on
        FROM replacements AS r
        JOIN placement_refs AS k ON k.placement_id = r.placement_id
        WHERE r.fulfilled_on IS NULL
        ORDER BY r.requested_on, r.replacement_id""")


def replacing_options(db: Database, actor: Account, replacement_id: int) -> pd.DataFrame:
    """Placements that could fill request ``replacement_id``: the same client's placements other
    than the one replaced and not already filling another request. ``placement_id``, ``label``,
    ``accepted_on``; newest first."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        WITH wanted AS (
            SELECT r.placement_id, k.client_id
            FROM replacements AS r
            JOIN placement_refs AS k ON k.placement_id = r.placement_id
            WHERE r.replacement_id = ?
        )
        SELECT p.placement_id,
               k.placement_ref || ' · ' || k.candidate_ref || ' · accepted '
                   || strftime(p.accepted_on, '%Y-%m-%d') AS label,
               p.accepted_on
        FROM placements AS p
        JOIN placement_refs AS k USING (placement_id)
        JOIN wanted AS w ON w.client_id = k.client_id
        WHERE p.placement_id <> w.placement_id
          AND NOT EXISTS (SELECT 1 FROM replacements AS r WHERE r.replacing_placement_id = p.placement_id)
        ORDER BY p.accepted_on DESC, p.placement_id DESC""", [replacement_id])


# -- writes --------------------------------------------------------------------------------------
def as_day(value, field: str) -> date:
    """``value`` as a calendar date, or a :class:`DatabaseError` naming ``field``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DatabaseError(f"{field}: {value!r} is not a date (YYYY-MM-DD)")


def refuse_unstorable_day(day: date, field: str, as_of: date | None) -> None:
    """Refuse a day before the earliest a fact may carry, or after today (``as_of``), if given."""
    refuse(rules.value_problem(rules.date_reasons, field, day, today=as_of))


def refuse(*problems: str | None) -> None:
    """Raise a :class:`DatabaseError` with every problem given (``None`` is none)."""
    found = [problem for problem in problems if problem]
    if found:
        raise DatabaseError("; ".join(found))


def whole_id(value, field: str) -> int:
    """``value`` as an integer id (numpy integers accepted), or a :class:`DatabaseError`."""
    if value is None:
        raise DatabaseError(f"{field}: none chosen")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DatabaseError(f"{field}: {value!r} is not an id")
    try:
        whole = int(math.trunc(value))
    except (ValueError, OverflowError) as problem:
        raise DatabaseError(f"{field}: {value!r} is not an id") from problem
    if whole != value:
        raise DatabaseError(f"{field}: {value!r} is not an id")
    return whole


def placement_row(cur: duckdb.DuckDBPyConnection, placement_id: int) -> dict | None:
    """One placement with its client, inside a write: ``placement_id``, ``ref``, dates, ``client_id``, ``client``."""
    row = cur.execute("""
        SELECT p.placement_id, k.placement_ref, p.accepted_on, p.first_day, p.ended_on, p.end_reason,
               k.client_id, k.client
        FROM placements AS p
        JOIN placement_refs AS k USING (placement_id)
        WHERE p.placement_id = ?""", [placement_id]).fetchone()
    if row is None:
        return None
    keys = ("placement_id", "ref", "accepted_on", "first_day", "ended_on", "end_reason", "client_id", "client")
    return dict(zip(keys, row))


def stored_placement(cur: duckdb.DuckDBPyConnection, placement_id: int) -> dict:
    """:func:`placement_row` of a placement the database holds (named by a foreign key or a query just run)."""
    row = placement_row(cur, placement_id)
    if row is None:
        raise DatabaseError(f"placement_id: there is no placement {placement_id}")
    return row


def replacement_ref(replacement_id: int) -> str:
    """The external id given to a new replacement request.

    Examples
    --------
    >>> replacement_ref(42)
    'RP-00042'
    """
    return f"{REPLACEMENT_PREFIX}{int(replacement_id):0{REPLACEMENT_DIGITS}d}"


def request_replacement(db: Database, actor: Account, placement_id: int, requested_on: date, note: str = "",
                        *, as_of: date | None = None) -> int:
    """Record a client's request to replace a placed engineer who is not the right fit.

    Parameters
    ----------
    db, actor
        The database and the ops or admin account recording the request.
    placement_id : int
        The placement to replace; it must exist (only a placed engineer can be replaced) and have
        no request yet.
    requested_on : date
        On or after the placement's first day (the guarantee covers an engagement that has
        begun) and not after the day it ended, if it has.
    note : str, optional
        Free text kept in the audit entry (the table has no column for it).
    as_of : date, optional
        Today; a request dated later is refused.

    Returns
    -------
    int
        The new ``replacement_id``; its external id is ``RP-`` and the id in five digits.

    Raises
    ------
    DatabaseError
        A missing placement, a second request, or a date outside the engagement. Nothing is written.
    PermissionDenied
        The account may not record ops events.
    """
    authorize(db, actor, "write_ops")
    placement_id = whole_id(placement_id, "placement_id")
    requested_on = as_day(requested_on, "requested_on")
    refuse_unstorable_day(requested_on, "requested_on", as_of)
    note = storable_text("note", (note or "").strip())

    def write(cur: duckdb.DuckDBPyConnection) -> int:
        placed = placement_row(cur, placement_id)
        if placed is None:
            raise DatabaseError(f"placement_id: there is no placement {placement_id}; only a placed engineer "
                                "can be replaced")
        earlier = cur.execute("SELECT external_id, requested_on FROM replacements WHERE placement_id = ?",
                              [placement_id]).fetchone()
        if earlier is not None:
            raise DatabaseError(f"placement_id: {placed['ref']} already has replacement request {earlier[0]} "
                                f"(requested {earlier[1]})")
        refuse(rules.REQUEST_DURING_ENGAGEMENT.problem(
            requested_on=requested_on, placement_ref=placed["ref"], first_day=placed["first_day"],
            ended_on=placed["ended_on"], end_reason=placed["end_reason"]))
        replacement_id = next_id(cur, "replacement_ids")
        external_id = replacement_ref(replacement_id)
        cur.execute("INSERT INTO replacements (replacement_id, external_id, placement_id, requested_on) "
                    "VALUES (?, ?, ?, ?)", [replacement_id, external_id, placement_id, requested_on])
        audit(cur, actor.account_id, "request_replacement", "replacement", replacement_id,
              after={"external_id": external_id, "placement_id": placement_id, "placement": placed["ref"],
                     "requested_on": requested_on, "note": note})
        return replacement_id

    return db.write(write)


def _cost(cost_usd, cost_reason: str | None) -> tuple[Decimal, str | None]:
    """The charge as cents-exact Decimal and its reason; a charge without a reason is refused."""
    try:
        cost = Decimal(str(cost_usd if cost_usd is not None else 0))
    except (InvalidOperation, ValueError) as problem:
        raise DatabaseError(f"cost_usd: {cost_usd!r} is not an amount in USD") from problem
    if not cost.is_finite():
        raise DatabaseError(f"cost_usd: {cost_usd!r} is not an amount in USD")
    refuse(rules.value_problem(rules.range_reasons, "cost_usd", cost, **rules.CHARGE_BOUNDS))
    cost = cost.quantize(Decimal("0.01"))
    reason = storable_text("cost_reason", (cost_reason or "").strip()) or None
    refuse(rules.CHARGE_NEEDS_REASON.problem(cost_usd=cost, cost_reason=reason))
    return cost, reason


def fulfil_replacement(db: Database, actor: Account, replacement_id: int, fulfilled_on: date,
                       replacing_placement_id: int, cost_usd: float | Decimal = 0, cost_reason: str | None = None,
                       *, as_of: date | None = None) -> None:
    """Record that a replacement request was filled by another placement.

    The replaced placement, if still running, ends on ``fulfilled_on`` as 'not_a_fit' (audited
    as its own entry).

    Parameters
    ----------
    replacement_id : int
        An open request.
    fulfilled_on : date
        On or after the request (no fulfilment before the request) and after the replacing
        engineer was accepted; not after ``as_of``.
    replacing_placement_id : int
        An existing placement for the same client, other than the one replaced, not already
        filling another request, and not ended before ``fulfilled_on``.
    cost_usd : number, default 0
        Charged to the client (USD); anything but 0 needs ``cost_reason``.
    cost_reason : str, optional
    as_of : date, optional
        Today.

    Raises
    ------
    DatabaseError
        Any rule above broken; nothing is written.
    PermissionDenied
        The account may not record ops events.
    """
    authorize(db, actor, "write_ops")
    replacement_id = whole_id(replacement_id, "replacement_id")
    replacing_placement_id = whole_id(replacing_placement_id, "replacing_placement_id")
    fulfilled_on = as_day(fulfilled_on, "fulfilled_on")
    refuse_unstorable_day(fulfilled_on, "fulfilled_on", as_of)
    cost, reason = _cost(cost_usd, cost_reason)

    def write(cur: duckdb.DuckDBPyConnection) -> None:
        request = cur.execute("""
            SELECT external_id, placement_id, requested_on, fulfilled_on, replacing_placement_id,
                   cost_usd::DOUBLE, cost_reason
            FROM replacements WHERE replacement_id = ?""", [replacement_id]).fetchone()
        if request is None:
            raise DatabaseError(f"replacement_id: there is no replacement request {replacement_id}")
        ref, original_id, requested_on, done_on, done_by, old_cost, old_reason = request
        if done_on is not None:
            raise DatabaseError(f"replacement_id: {ref} was already fulfilled on {done_on}")
        refuse(rules.FULFILLED_AFTER_REQUEST.problem(fulfilled_on=fulfilled_on, requested_on=requested_on))
        original = stored_placement(cur, original_id)
        new = placement_row(cur, replacing_placement_id)
        if new is None:
            raise DatabaseError(f"replacing_placement_id: there is no placement {replacing_placement_id}; "
                                "the replacement must be a placed engineer")
        refuse(rules.REPLACED_BY_ANOTHER.problem(replacing_placement_ref=new["ref"], placement_ref=original["ref"]))
        already = cur.execute("SELECT external_id FROM replacements WHERE replacing_placement_id = ?",
                              [replacing_placement_id]).fetchone()
        if already is not None:
            raise DatabaseError(f"replacing_placement_id: {new['ref']} already fills replacement {already[0]}")
        pair = dict(replacement_ref=ref, fulfilled_on=fulfilled_on, client_ref=original["client_id"],
                    client=original["client"], replacing_placement_ref=new["ref"],
                    replacing_client_ref=new["client_id"], replacing_client=new["client"],
                    replacing_accepted_on=new["accepted_on"], replacing_ended_on=new["ended_on"],
                    replacing_end_reason=new["end_reason"])
        for rule in (rules.REPLACED_FOR_THE_SAME_CLIENT, rules.FULFILLED_AFTER_ACCEPTANCE, rules.REPLACING_IN_POST):
            refuse(rule.problem(**pair))
        cur.execute("""UPDATE replacements SET fulfilled_on = ?, replacing_placement_id = ?, cost_usd = ?,
                       cost_reason = ? WHERE replacement_id = ?""",
                    [fulfilled_on, replacing_placement_id, cost, reason, replacement_id])
        audit(cur, actor.account_id, "fulfil_replacement", "replacement", replacement_id,
              before={"fulfilled_on": None, "replacing_placement_id": done_by, "cost_usd": old_cost,
                      "cost_reason": old_reason},
              after={"fulfilled_on": fulfilled_on, "replacing_placement_id": replacing_placement_id,
                     "replacing_placement": new["ref"], "cost_usd": float(cost), "cost_reason": reason})
        if original["ended_on"] is None and fulfilled_on >= original["first_day"]:
            end_placement(cur, actor.account_id, original, fulfilled_on, MISFIT_END_REASON, f"replaced under {ref}")

    db.write(write)


def end_placement(cur: duckdb.DuckDBPyConnection, actor_id: int, placed: dict, ended_on: date, reason: str,
                  why: str) -> None:
    """End a running placement inside a write that has authorised ``actor_id``, with its audit entry."""
    cur.execute("UPDATE placements SET ended_on = ?, end_reason = ? WHERE placement_id = ?",
                [ended_on, reason, placed["placement_id"]])
    audit(cur, actor_id, "end_placement", "placement", placed["placement_id"],
          before={"ended_on": None, "end_reason": None},
          after={"ended_on": ended_on, "end_reason": reason, "because": why})
