"""Who owns each search: its hiring lead (``searches.lead_account_id``), for the at-risk list and digests.

A search's lead is read as stored, not as of a date: the person to ask about a search is the one who
holds it now. History imported without a lead has none (``owner_account_id`` missing).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring.agency.access import Account
from scoring.store.as_of import known
from scoring.store.authorization import authorize_any
from scoring.store.db import Database


def search_owners(db: Database, actor: Account, as_of: date | None = None) -> pd.DataFrame:
    """One row per search opened by ``as_of``: its client's reference and its hiring lead.

    Needs ``read_pipeline`` or ``read_ops``.

    Returns
    -------
    pandas.DataFrame
        ``search_id``, ``client_ref``, ``owner_account_id`` (nullable ``Int64``: missing when the search
        has no lead) and ``owner`` (the lead's display name, missing likewise).
    """
    authorize_any(db, actor, ("read_pipeline", "read_ops"))
    cut, cut_params = known(as_of, "searches")
    frame = db.frame(f"""
        WITH {cut}
        SELECT s.search_id, c.external_id AS client_ref, lead.lead_account_id AS owner_account_id,
               a.display_name AS owner
        FROM known_searches AS s
        JOIN searches AS lead USING (search_id)
        JOIN clients AS c ON c.client_id = s.client_id
        LEFT JOIN accounts AS a ON a.account_id = lead.lead_account_id
        ORDER BY s.search_id""", cut_params)
    frame["owner_account_id"] = frame["owner_account_id"].astype("Int64")
    return frame


def hiring_leads(db: Database, actor: Account) -> pd.DataFrame:
    """Active hiring leads' accounts, for choosing a search's owner: ``account_id``, ``email``,
    ``display_name``. Needs ``read_pipeline`` or ``read_ops``."""
    authorize_any(db, actor, ("read_pipeline", "read_ops"))
    return db.frame("""SELECT account_id, email, display_name FROM accounts
                       WHERE role = 'hiring_lead' AND active ORDER BY display_name, account_id""")
