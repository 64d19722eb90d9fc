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
