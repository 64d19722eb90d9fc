"""What a client's monthly report reads beyond the ops audit: the client, its shortlists, its engineers' names.

The ops audit (:func:`scoring.reports.ops.ops_report`) gives every promise's rows by reference; a report
written for the client names people instead, and compares the candidates it was shown on their
take-home ratings. Every read takes the report's date ``as_of`` and reads the tables as they stood at the
end of that day (:mod:`scoring.store.as_of`): a candidate presented later is not on the shortlist, a
decision the client took later is still open, a scorecard submitted or amended later is not counted.
Reading needs both ``read_ops`` (the report is the ops staff's) and ``read_all_scores`` (the ratings of
every reviewer).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from scoring.agency.access import Account
from scoring.domain.stages import Stage
from scoring.store.as_of import known
from scoring.store.authorization import authorize
from scoring.store.db import Database

# A client as every read here names it.
_CLIENTS = """SELECT client_id, external_id AS client_ref, name AS client, country, signed_on, churned_on
              FROM clients"""


def clients(db: Database, actor: Account) -> pd.DataFrame:
    """Every client, by name: ``client_id``, ``client_ref``, ``client``, ``country``, ``signed_on``,
    ``churned_on``."""
    authorize(db, actor, "read_ops")
    authorize(db, actor, "read_all_scores")
    return db.frame(f"{_CLIENTS} ORDER BY name, client_id")


def client_by_ref(db: Database, actor: Account, client_ref: str) -> pd.Series | None:
    """The client whose external reference is ``client_ref`` (as :func:`clients`), or None."""
    authorize(db, actor, "read_ops")
    authorize(db, actor, "read_all_scores")
    rows = db.frame(f"{_CLIENTS} WHERE external_id = ?", [client_ref.strip()])
    return None if rows.empty else rows.iloc[0]


def shortlisted(db: Database, actor: Account, client_id: int, as_of: date) -> pd.DataFrame:
    """The candidates presented to the client by ``as_of``, one row per application.

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``search_id``, ``full_name``, ``presented_on`` and ``decision`` (the
        client's, as it stood on ``as_of``: 'pass', 'fail' or missing while still open), by search
        then name.
    """
    authorize(db, actor, "read_ops")
    authorize(db, actor, "read_all_scores")
    cut, cut_params = known(as_of, "searches", "decisions")
    return db.frame(f"""
        WITH {cut}
        SELECT a.application_id, a.search_id, c.full_name, d.entered_on AS presented_on, d.decision
        FROM known_decisions AS d
        JOIN applications AS a USING (application_id)
        JOIN known_searches AS s ON s.search_id = a.search_id
        JOIN candidates AS c ON c.candidate_id = a.candidate_id
        WHERE d.stage_id = ? AND s.client_id = ?
        ORDER BY a.search_id, c.full_name, a.application_id""",
        [*cut_params, int(Stage.CLIENT_SHORTLIST), int(client_id)])


def take_home_ratings(db: Database, actor: Account, application_ids: Sequence[int], as_of: date) -> pd.DataFrame:
    """The take-home ratings of these applications submitted by ``as_of`` (the revision then in force).

    Returns
    -------
    pandas.DataFrame
        ``application_id``, ``stage_id``, ``reviewer_id``, ``dimension`` (code), ``rating``: the long
        format :func:`scoring.agency.scorecard.scores_under_versions` reads. No reviewer's name.
    """
    authorize(db, actor, "read_ops")
    authorize(db, actor, "read_all_scores")
    cut, cut_params = known(as_of, "current_scores")
    return db.frame(f"""
        WITH {cut}
        SELECT cs.application_id, cs.stage_id, cs.reviewer_id, dm.code AS dimension, cs.rating
        FROM known_current_scores AS cs
        JOIN dimensions AS dm USING (dimension_id)
        WHERE cs.stage_id = ? AND cs.application_id IN (SELECT unnest(?::INTEGER[]))
        ORDER BY cs.application_id, cs.reviewer_id, dm.dimension_id""",
        [*cut_params, int(Stage.TAKE_HOME), [int(i) for i in application_ids]])


def take_home_dates(db: Database, actor: Account, application_ids: Sequence[int], as_of: date) -> pd.DataFrame:
    """When each of these applications entered the take-home stage (the date that picks the weights in
    force): ``application_id``, ``stage_id``, ``entered_on``."""
    authorize(db, actor, "read_ops")
    authorize(db, actor, "read_all_scores")
    cut, cut_params = known(as_of, "decisions")
    return db.frame(f"""
        WITH {cut}
        SELECT application_id, stage_id, entered_on FROM known_decisions
        WHERE stage_id = ? AND application_id IN (SELECT unnest(?::INTEGER[]))""",
        [*cut_params, int(Stage.TAKE_HOME), [int(i) for i in application_ids]])


def engineers(db: Database, actor: Account, placement_ids: Sequence[int]) -> pd.DataFrame:
    """The engineer placed and the role filled by each placement: ``placement_id``, ``engineer``,
    ``role_title``."""
    authorize(db, actor, "read_ops")
    authorize(db, actor, "read_all_scores")
    return db.frame("""
        SELECT p.placement_id, c.full_name AS engineer, s.role_title
        FROM placements AS p
        JOIN applications AS a USING (application_id)
        JOIN candidates AS c ON c.candidate_id = a.candidate_id
        JOIN searches AS s ON s.search_id = a.search_id
        WHERE p.placement_id IN (SELECT unnest(?::INTEGER[]))
        ORDER BY p.placement_id""", [[int(i) for i in placement_ids]])
