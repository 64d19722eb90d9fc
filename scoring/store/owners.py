"""Who owns each search: its hiring lead (``searches.lead_account_id``), for the at-risk list and digests.

A search's lead is read as stored, not as of a date: the person to ask about a search is the one who
holds it now. History imported without a lead has none (``owner_account_id`` missing). The import sets
it from ``lead_email``; :func:`set_search_lead` sets or changes it from the dashboard, with an audit entry.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from scoring.agency.access import ROLE_LABELS, Account
from scoring.store.as_of import known
from scoring.store.authorization import authorize, authorize_any
from scoring.store.db import Database, DatabaseError, audit
from scoring.store.placements import whole_id


def search_owners(db: Database, actor: Account, as_of: date | None = None) -> pd.DataFrame:
    """One row per search opened by ``as_of``: its client's reference and its hiring lead.

    Needs ``read_pipeline`` or ``read_ops``.

    Returns
    -------
    pandas.DataFrame
        ``search_id``, ``search_ref``, ``client_ref``, ``owner_account_id`` (nullable ``Int64``: missing when
        the search has no lead) and ``owner`` (the lead's display name, missing likewise).
    """
    authorize_any(db, actor, ("read_pipeline", "read_ops"))
    cut, cut_params = known(as_of, "searches")
    frame = db.frame(f"""
        WITH {cut}
        SELECT s.search_id, s.external_id AS search_ref, c.external_id AS client_ref,
               lead.lead_account_id AS owner_account_id,
               a.display_name AS owner
        FROM known_searches AS s
        JOIN searches AS lead USING (search_id)
        JOIN clients AS c ON c.client_id = s.client_id
        LEFT JOIN accounts AS a ON a.account_id = lead.lead_account_id
        ORDER BY s.search_id""", cut_params)
    frame["owner_account_id"] = frame["owner_account_id"].astype("Int64")
    return frame


def hiring_leads(db: Database, actor: Account) -> pd.DataFrame:
    """The active hiring leads, for choosing a search's owner: ``account_id``, ``email``, ``display_name``, by
    name. Needs ``write_ops``, the permission that sets an owner (:func:`set_search_lead`)."""
    authorize(db, actor, "write_ops")
    return db.frame("""SELECT account_id, email, display_name FROM accounts
                       WHERE role = 'hiring_lead' AND active ORDER BY display_name, account_id""")


def search_candidates(db: Database, actor: Account, search_id: int, as_of: date | None = None) -> pd.DataFrame:
    """The applications of one search as of ``as_of``, each with the furthest stage it had entered by then:
    the people an open search's shortlist waits on. Needs ``read_ops`` or ``read_pipeline``.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``candidate_ref``, ``candidate`` (personal data), ``applied_on``, ``stage_id``
        (missing before the first stage), ``stage``, ``entered_on``, ``decision`` (missing while open):
        those still in play (open or passed) first, each group furthest stage first.
    """
    authorize_any(db, actor, ("read_pipeline", "read_ops"))
    cut, cut_params = known(as_of, "decisions")
    return db.frame(f"""
        WITH {cut},
        furthest AS (
            SELECT d.application_id, d.stage_id, d.entered_on, d.decision
            FROM known_decisions AS d
            QUALIFY row_number() OVER (PARTITION BY d.application_id ORDER BY d.stage_id DESC) = 1)
        SELECT a.application_id, c.external_id AS candidate_ref, c.full_name AS candidate, a.applied_on,
               f.stage_id, st.name AS stage, f.entered_on, f.decision
        FROM applications AS a
        JOIN candidates AS c USING (candidate_id)
        LEFT JOIN furthest AS f USING (application_id)
        LEFT JOIN stages AS st ON st.stage_id = f.stage_id
        WHERE a.search_id = ? AND a.applied_on <= ?
        ORDER BY coalesce(f.decision, 'open') = 'fail', f.stage_id DESC NULLS LAST, f.entered_on,
                 c.external_id""",
        [*cut_params, int(search_id), as_of or date.max])


def set_search_lead(db: Database, actor: Account, search_id: int, lead_account_id: int) -> dict[str, object]:
    """Make an active hiring lead the owner of a search (``searches.lead_account_id``), with an audit entry.

    Parameters
    ----------
    db, actor
        The database and the ops or admin account making the change (``write_ops``: those who record
        what happens to searches).
    search_id : int
        An existing search, open or not: its lead is the person to ask about it, whatever its state.
    lead_account_id : int
        The account to own it: it must exist, hold the hiring lead role and be active.

    Returns
    -------
    dict
        ``search_ref``, ``lead`` (the new lead's display name), ``previous`` (the former lead's display
        name, ``None`` when the search had none) and ``changed`` (False when the account already led the
        search: nothing is written then, not even an audit entry).

    Raises
    ------
    DatabaseError
        A missing search, or an account that is missing, not a hiring lead or deactivated, said in words;
        nothing is written.
    PermissionDenied
        The account may not record ops events.
    """
    authorize(db, actor, "write_ops")
    search_id = whole_id(search_id, "search")
    lead_account_id = whole_id(lead_account_id, "lead")

    def write(cur: duckdb.DuckDBPyConnection) -> dict[str, object]:
        search = cur.execute("SELECT external_id, lead_account_id FROM searches WHERE search_id = ?",
                             [search_id]).fetchone()
        if search is None:
            raise DatabaseError(f"search: there is no search {search_id}")
        search_ref, previous_id = search
        lead = cur.execute("SELECT email, display_name, role, active FROM accounts WHERE account_id = ?",
                           [lead_account_id]).fetchone()
        if lead is None:
            raise DatabaseError(f"lead: there is no account {lead_account_id}; a search's lead is an active "
                                "hiring lead's account")
        email, name, role, active = lead
        if role != "hiring_lead":
            raise DatabaseError(f"lead: {email} is {_with_article(ROLE_LABELS.get(role, role).lower())} account, "
                                f"not a hiring lead; search {search_ref} can only be led by an active hiring lead")
        if not active:
            raise DatabaseError(f"lead: {email} is deactivated; search {search_ref} can only be led by an active "
                                "hiring lead")
        previous = None if previous_id is None else cur.execute(
            "SELECT email, display_name FROM accounts WHERE account_id = ?", [previous_id]).fetchone()
        outcome: dict[str, object] = {"search_ref": search_ref, "lead": name,
                                      "previous": previous[1] if previous else None,
                                      "changed": previous_id != lead_account_id}
        if previous_id == lead_account_id:
            return outcome
        cur.execute("UPDATE searches SET lead_account_id = ? WHERE search_id = ?", [lead_account_id, search_id])
        audit(cur, actor.account_id, "set_search_lead", "search", search_id,
              before={"search": search_ref, "lead_account_id": previous_id,
                      "lead": previous[0] if previous else None},
              after={"search": search_ref, "lead_account_id": lead_account_id, "lead": email})
        return outcome

    return db.write(write)


def _with_article(noun: str) -> str:
    """'an ops', 'a reviewer': the indefinite article a role's name takes."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
