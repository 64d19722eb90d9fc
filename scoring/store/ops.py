"""Ops reads and writes: the rows behind every promise, replacement requests and client churn.

Reads cover the searches a :class:`~scoring.store.pipeline.SearchFilter` selects and what hangs off
them: their stage-4 (client shortlist) entries, the placements made from them and the replacements
of those placements. Clients are selected by their own signing date (the retention promise runs
from it) and by the filter's clients; seniority belongs to searches and does not narrow clients.
All filtering happens in SQL; the frames carry the column names :mod:`scoring.agency.sla` and
:mod:`scoring.agency.retention` expect, plus the external references a person can look up.

Every read takes the audit date ``as_of`` and reads the tables as they stood at the end of that day
(:mod:`scoring.store.as_of`): a search opened later is not there, a decision, shortlist, end,
churn or fulfilment dated later has not happened. ``as_of=None`` reads the rows as stored.

Writes validate first, then run in one transaction that also appends an audit entry (before and
after) per changed row, so a refused write leaves every table as it was. Their rules are those of
:mod:`scoring.agency.records`, which an import applies to the same facts, so a form and an import accept and
refuse alike, in the same words.
"""

from __future__ import annotations

import numbers
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import duckdb
import pandas as pd

from scoring.agency import records as rules
from scoring.agency.access import Account, require
from scoring.store import pipeline
from scoring.store.authorization import authorize
from scoring.store.as_of import known
from scoring.store.db import Database, DatabaseError, audit, next_id, storable_text
from scoring.store.pipeline import SearchFilter

SHORTLIST_STAGE = 4   # stages.code 'client_shortlist'
REPLACEMENT_PREFIX = "RP-"
REPLACEMENT_DIGITS = 5   # RP-00042, as the demo numbers them
CHURN_END_REASON = "client_churned"
MISFIT_END_REASON = "not_a_fit"


# -- reads -------------------------------------------------------------------------------------
def searches(db: Database, actor: Account, search_filter: SearchFilter, as_of: date | None = None) -> pd.DataFrame:
    """One row per filtered search with its client's name and country (its holiday calendar).

    The same read as :func:`scoring.store.pipeline.searches` (one query for both pages), for an
    account holding ``read_ops``; the columns are listed there.
    """
    authorize(db, actor, "read_ops")
    return pipeline.searches(db, actor, search_filter, as_of)


def shortlist_entries(db: Database, actor: Account, search_filter: SearchFilter,
                      as_of: date | None = None) -> pd.DataFrame:
    """Stage-4 entries of the filtered searches: ``application_id``, ``stage_id``, ``entered_on``,
    ``search_id``. One row per application presented to the client by ``as_of``."""
    authorize(db, actor, "read_ops")
    cut, cut_params = known(as_of, "searches", "decisions")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT d.application_id, d.stage_id, d.entered_on, a.search_id
        FROM known_decisions AS d
        JOIN applications AS a USING (application_id)
        JOIN known_searches AS s ON s.search_id = a.search_id
        WHERE d.stage_id = ? AND {where}
        ORDER BY a.search_id, d.application_id""", [*cut_params, SHORTLIST_STAGE, *params])


def placements(db: Database, actor: Account, search_filter: SearchFilter, as_of: date | None = None) -> pd.DataFrame:
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
        SELECT p.placement_id, p.external_id AS placement_ref, p.application_id,
               cand.external_id AS candidate_ref, s.search_id, s.external_id AS search_ref, s.client_id,
               c.name AS client, s.seniority, s.opened_on, p.accepted_on, p.first_day, p.ended_on,
               p.end_reason, p.weekly_rate_usd::DOUBLE AS weekly_rate_usd,
               EXISTS (SELECT 1 FROM known_replacements AS r
                       WHERE r.replacing_placement_id = p.placement_id) AS is_replacement
        FROM known_placements AS p
        JOIN applications AS a USING (application_id)
        JOIN candidates AS cand USING (candidate_id)
        JOIN known_searches AS s ON s.search_id = a.search_id
        JOIN clients AS c ON c.client_id = s.client_id
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
               p.external_id AS placement_ref, r.requested_on, r.fulfilled_on, r.replacing_placement_id,
               np.external_id AS replacing_placement_ref, r.cost_usd::DOUBLE AS cost_usd, r.cost_reason,
               s.search_id, s.client_id, c.name AS client
        FROM known_replacements AS r
        JOIN known_placements AS p ON p.placement_id = r.placement_id
        JOIN applications AS a ON a.application_id = p.application_id
        JOIN known_searches AS s ON s.search_id = a.search_id
        JOIN clients AS c ON c.client_id = s.client_id
        LEFT JOIN known_placements AS np ON np.placement_id = r.replacing_placement_id
        WHERE {where}
        ORDER BY r.requested_on, r.replacement_id""", [*cut_params, *params])


def clients(db: Database, actor: Account, search_filter: SearchFilter, as_of: date | None = None) -> pd.DataFrame:
    """Clients signed within the filter's period and by ``as_of`` (and among the filter's clients,
    when it names any); a churn dated after ``as_of`` has not happened.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``client_ref``, ``client``, ``country``, ``signed_on``, ``churned_on``.
    """
    authorize(db, actor, "read_ops")
    cut, cut_params = known(as_of, "clients")
    clauses, params = ["true"], []
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


def scorecard_ratings(db: Database, actor: Account, search_filter: SearchFilter,
                      as_of: date | None = None) -> pd.DataFrame:
    """The ratings behind each scored stage of the filtered searches' applications, as of ``as_of``.

    Per reviewer, application and stage, the newest revision submitted by the end of ``as_of``: a
    scorecard submitted later is not there yet, and an amendment submitted later has not replaced
    the revision it later superseded.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``application_ref``, ``stage_id``, ``stage`` (stage code),
        ``entered_on`` (when the application entered the stage: it picks the weight version),
        ``reviewer_id``, ``dimension`` (dimension code), ``rating`` (1-5); ordered by application,
        stage, reviewer and dimension.
    """
    authorize(db, actor, "read_ops")
    require(actor, "read_all_scores")
    cut, cut_params = known(as_of, "searches", "decisions", "current_scores")
    where, params = search_filter.where("s")
    return db.frame(f"""
        WITH {cut}
        SELECT a.application_id, a.external_id AS application_ref, k.stage_id, st.code AS stage,
               d.entered_on, k.reviewer_id, dm.code AS dimension, k.rating
        FROM known_current_scores AS k
        JOIN dimensions AS dm USING (dimension_id)
        JOIN stages AS st ON st.stage_id = k.stage_id
        JOIN applications AS a ON a.application_id = k.application_id
        JOIN known_searches AS s ON s.search_id = a.search_id
        LEFT JOIN known_decisions AS d ON d.application_id = k.application_id AND d.stage_id = k.stage_id
        WHERE {where}
        ORDER BY a.application_id, k.stage_id, k.reviewer_id, dm.dimension_id""",
        [*cut_params, *params])


# -- choices for the ops forms ------------------------------------------------------------------
def replaceable_placements(db: Database, actor: Account) -> pd.DataFrame:
    """Placements a replacement can be requested for: no request yet, and running or ended as not
    a fit. ``placement_id``, ``label``, ``client_id``, ``first_day``, ``ended_on``; newest first."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        SELECT p.placement_id,
               p.external_id || ' · ' || cand.external_id || ' · ' || c.name || ' · since '
                   || strftime(p.first_day, '%Y-%m-%d') AS label,
               s.client_id, p.first_day, p.ended_on
        FROM placements AS p
        JOIN applications AS a USING (application_id)
        JOIN candidates AS cand USING (candidate_id)
        JOIN searches AS s ON s.search_id = a.search_id
        JOIN clients AS c ON c.client_id = s.client_id
        WHERE NOT EXISTS (SELECT 1 FROM replacements AS r WHERE r.placement_id = p.placement_id)
          AND (p.ended_on IS NULL OR p.end_reason = ?)
        ORDER BY p.first_day DESC, p.placement_id DESC""", [MISFIT_END_REASON])


def open_requests(db: Database, actor: Account) -> pd.DataFrame:
    """Replacement requests not yet fulfilled: ``replacement_id``, ``label``, ``placement_id``,
    ``client_id``, ``requested_on``; oldest first."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        SELECT r.replacement_id,
               r.external_id || ' · replaces ' || p.external_id || ' · ' || c.name || ' · requested '
                   || strftime(r.requested_on, '%Y-%m-%d') AS label,
               r.placement_id, s.client_id, r.requested_on
        FROM replacements AS r
        JOIN placements AS p ON p.placement_id = r.placement_id
        JOIN applications AS a ON a.application_id = p.application_id
        JOIN searches AS s ON s.search_id = a.search_id
        JOIN clients AS c ON c.client_id = s.client_id
        WHERE r.fulfilled_on IS NULL
        ORDER BY r.requested_on, r.replacement_id""")


def replacing_options(db: Database, actor: Account, replacement_id: int) -> pd.DataFrame:
    """Placements that could fill request ``replacement_id``: the same client's placements other
    than the one replaced and not already filling another request. ``placement_id``, ``label``,
    ``accepted_on``; newest first."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        WITH wanted AS (
            SELECT r.placement_id, s.client_id
            FROM replacements AS r
            JOIN placements AS p ON p.placement_id = r.placement_id
            JOIN applications AS a ON a.application_id = p.application_id
            JOIN searches AS s ON s.search_id = a.search_id
            WHERE r.replacement_id = ?
        )
        SELECT p.placement_id,
               p.external_id || ' · ' || cand.external_id || ' · accepted '
                   || strftime(p.accepted_on, '%Y-%m-%d') AS label,
               p.accepted_on
        FROM placements AS p
        JOIN applications AS a USING (application_id)
        JOIN candidates AS cand USING (candidate_id)
        JOIN searches AS s ON s.search_id = a.search_id
        JOIN wanted AS w ON w.client_id = s.client_id
        WHERE p.placement_id <> w.placement_id
          AND NOT EXISTS (SELECT 1 FROM replacements AS r WHERE r.replacing_placement_id = p.placement_id)
        ORDER BY p.accepted_on DESC, p.placement_id DESC""", [replacement_id])


def active_clients(db: Database, actor: Account) -> pd.DataFrame:
    """Clients that have not churned: ``client_id``, ``label``, ``signed_on``; by name."""
    authorize(db, actor, "write_ops")
    return db.frame("""
        SELECT client_id, name || ' (' || external_id || ', signed ' || strftime(signed_on, '%Y-%m-%d')
                   || ')' AS label, signed_on
        FROM clients WHERE churned_on IS NULL ORDER BY name""")


# -- writes --------------------------------------------------------------------------------------
def _day(value, field: str) -> date:
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


def _storable_day(day: date, field: str, as_of: date | None) -> None:
    """Refuse a day before the earliest a fact may carry, or after today (``as_of``), if given."""
    _refuse(rules.value_problem(rules.date_reasons, field, day, today=as_of))


def _refuse(*problems: str | None) -> None:
    """Raise a :class:`DatabaseError` with every problem given (``None`` is none)."""
    found = [problem for problem in problems if problem]
    if found:
        raise DatabaseError("; ".join(found))


def _placement(cur: duckdb.DuckDBPyConnection, placement_id: int) -> dict | None:
    row = cur.execute("""
        SELECT p.placement_id, p.external_id, p.accepted_on, p.first_day, p.ended_on, p.end_reason,
               s.client_id, c.name
        FROM placements AS p
        JOIN applications AS a ON a.application_id = p.application_id
        JOIN searches AS s ON s.search_id = a.search_id
        JOIN clients AS c ON c.client_id = s.client_id
        WHERE p.placement_id = ?""", [placement_id]).fetchone()
    if row is None:
        return None
    keys = ("placement_id", "ref", "accepted_on", "first_day", "ended_on", "end_reason", "client_id", "client")
    return dict(zip(keys, row))


def _whole_id(value, field: str) -> int:
    """``value`` as an integer id (numpy integers accepted), or a :class:`DatabaseError`."""
    if value is None:
        raise DatabaseError(f"{field}: none chosen")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DatabaseError(f"{field}: {value!r} is not an id")
    try:
        whole = int(value)
    except (ValueError, OverflowError) as problem:
        raise DatabaseError(f"{field}: {value!r} is not an id") from problem
    if whole != value:
        raise DatabaseError(f"{field}: {value!r} is not an id")
    return whole


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
    placement_id = _whole_id(placement_id, "placement_id")
    requested_on = _day(requested_on, "requested_on")
    _storable_day(requested_on, "requested_on", as_of)
    note = storable_text("note", (note or "").strip())

    def write(cur: duckdb.DuckDBPyConnection) -> int:
        placed = _placement(cur, placement_id)
        if placed is None:
            raise DatabaseError(f"placement_id: there is no placement {placement_id}; only a placed engineer "
                                "can be replaced")
        earlier = cur.execute("SELECT external_id, requested_on FROM replacements WHERE placement_id = ?",
                              [placement_id]).fetchone()
        if earlier is not None:
            raise DatabaseError(f"placement_id: {placed['ref']} already has replacement request {earlier[0]} "
                                f"(requested {earlier[1]})")
        _refuse(rules.REQUEST_DURING_ENGAGEMENT.problem(
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
    _refuse(rules.value_problem(rules.range_reasons, "cost_usd", cost, **rules.CHARGE_BOUNDS))
    cost = cost.quantize(Decimal("0.01"))
    reason = storable_text("cost_reason", (cost_reason or "").strip()) or None
    _refuse(rules.CHARGE_NEEDS_REASON.problem(cost_usd=cost, cost_reason=reason))
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
    replacement_id = _whole_id(replacement_id, "replacement_id")
    replacing_placement_id = _whole_id(replacing_placement_id, "replacing_placement_id")
    fulfilled_on = _day(fulfilled_on, "fulfilled_on")
    _storable_day(fulfilled_on, "fulfilled_on", as_of)
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
        _refuse(rules.FULFILLED_AFTER_REQUEST.problem(fulfilled_on=fulfilled_on, requested_on=requested_on))
        original = _placement(cur, original_id)
        new = _placement(cur, replacing_placement_id)
        if new is None:
            raise DatabaseError(f"replacing_placement_id: there is no placement {replacing_placement_id}; "
                                "the replacement must be a placed engineer")
        _refuse(rules.REPLACED_BY_ANOTHER.problem(replacing_placement_ref=new["ref"], placement_ref=original["ref"]))
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
            _refuse(rule.problem(**pair))
        cur.execute("""UPDATE replacements SET fulfilled_on = ?, replacing_placement_id = ?, cost_usd = ?,
                       cost_reason = ? WHERE replacement_id = ?""",
                    [fulfilled_on, replacing_placement_id, cost, reason, replacement_id])
        audit(cur, actor.account_id, "fulfil_replacement", "replacement", replacement_id,
              before={"fulfilled_on": None, "replacing_placement_id": done_by, "cost_usd": old_cost,
                      "cost_reason": old_reason},
              after={"fulfilled_on": fulfilled_on, "replacing_placement_id": replacing_placement_id,
                     "replacing_placement": new["ref"], "cost_usd": float(cost), "cost_reason": reason})
        if original["ended_on"] is None and fulfilled_on >= original["first_day"]:
            _end_placement(cur, actor, original, fulfilled_on, MISFIT_END_REASON, f"replaced under {ref}")

    db.write(write)


def _end_placement(cur: duckdb.DuckDBPyConnection, actor: Account, placed: dict, ended_on: date, reason: str,
                   why: str) -> None:
    cur.execute("UPDATE placements SET ended_on = ?, end_reason = ? WHERE placement_id = ?",
                [ended_on, reason, placed["placement_id"]])
    audit(cur, actor.account_id, "end_placement", "placement", placed["placement_id"],
          before={"ended_on": None, "end_reason": None},
          after={"ended_on": ended_on, "end_reason": reason, "because": why})


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
    client_id = _whole_id(client_id, "client_id")
    churned_on = _day(churned_on, "churned_on")
    _storable_day(churned_on, "churned_on", as_of)

    def write(cur: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
        client = cur.execute("SELECT name, signed_on, churned_on FROM clients WHERE client_id = ?",
                             [client_id]).fetchone()
        if client is None:
            raise DatabaseError(f"client_id: there is no client {client_id}")
        name, signed_on, already = client
        if already is not None:
            raise DatabaseError(f"client_id: {name} already churned on {already}")
        _refuse(rules.CHURN_AFTER_SIGNING.problem(churned_on=churned_on, signed_on=signed_on, name=name))
        running = cur.execute("""
            SELECT p.placement_id FROM placements AS p
            JOIN applications AS a ON a.application_id = p.application_id
            JOIN searches AS s ON s.search_id = a.search_id
            WHERE s.client_id = ? AND p.ended_on IS NULL ORDER BY p.placement_id""", [client_id]).fetchall()
        placed = [_placement(cur, row[0]) for row in running]
        _refuse(*(rules.CHURN_AFTER_RUNNING_STARTS.problem(churned_on=churned_on, name=name, placement_ref=p["ref"],
                                                           first_day=p["first_day"]) for p in placed))
        open_searches = cur.execute("""SELECT search_id, external_id, opened_on FROM searches
                                       WHERE client_id = ? AND status = 'open' ORDER BY search_id""",
                                    [client_id]).fetchall()
        _refuse(*(rules.CHURN_AFTER_OPEN_SEARCHES.problem(churned_on=churned_on, name=name, search_ref=search_ref,
                                                          opened_on=opened_on)
                  for _, search_ref, opened_on in open_searches))
        cur.execute("UPDATE clients SET churned_on = ? WHERE client_id = ?", [churned_on, client_id])
        audit(cur, actor.account_id, "record_churn", "client", client_id,
              before={"churned_on": None}, after={"churned_on": churned_on})
        for placement in placed:
            _end_placement(cur, actor, placement, churned_on, CHURN_END_REASON, f"{name} churned")
        for search_id, external_id, _ in open_searches:
            cur.execute("UPDATE searches SET status = 'cancelled', closed_on = ? WHERE search_id = ?",
                        [churned_on, search_id])
            audit(cur, actor.account_id, "cancel_search", "search", search_id,
                  before={"status": "open", "closed_on": None},
                  after={"status": "cancelled", "closed_on": churned_on, "because": f"{name} churned"})
        return {"placements_ended": [p["ref"] for p in placed],
                "searches_cancelled": [row[1] for row in open_searches]}

    return db.write(write)
