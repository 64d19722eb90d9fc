"""The tables as they stood at the end of an audit date: nothing dated after it is used.

Every figure of the pipeline, ops and validity pages is computed as of a date (see ``DESIGN.md``, "As-of
date"). Rather than each query remembering which of its date columns to cut, the reads select from
common table expressions named ``known_<table>``, built here, that hold the rows as they were known
at the end of that day:

===================  ============================================================================
``known_clients``    clients signed on or before the date; a churn dated later has not happened
                     (``churned_on`` missing).
``known_searches``   searches opened on or before the date; a shortlist delivered later, or a close
                     dated later, has not happened (missing), and ``status`` is the status the
                     search had then: 'open' until its shortlist, 'shortlisted' from its shortlist
                     until it closed, then the status it closed with. A search closed without a
                     ``closed_on`` (possible in imported history) keeps its stored status.
``known_decisions``  stage entries made on or before the date; a decision taken later is still open
                     (``decision`` and ``decided_on`` missing).
``known_placements`` placements accepted on or before the date (a first day later than it is kept:
                     the engineer has not started); an end dated later has not happened
                     (``ended_on`` and ``end_reason`` missing).
``known_replacements`` requests made on or before the date; a fulfilment dated later has not
                     happened: ``fulfilled_on`` and ``replacing_placement_id`` missing, and the
                     charge recorded with it (``cost_usd``, ``cost_reason``) not yet made (0, missing).
``known_scorecards`` per reviewer, application and stage, the newest revision submitted on or before
                     the date, with ``status`` 'submitted': a scorecard submitted later is not there
                     yet, and a revision amended later is still the one in force. Drafts are left out.
``known_current_scores`` the ``current_scores`` view as it stood: the ratings of ``known_scorecards``
                     (a dimension marked not assessed is no rating). It reads ``known_scorecards``,
                     which :func:`known` adds when asked for this one alone.
===================  ============================================================================

Each CTE keeps its table's column names, so a query reads ``known_searches AS s`` where it read
``searches AS s``. The date is bound wherever a CTE compares with it (``?``; the parameters come first
in the query's list, in that order), so DuckDB can compare each column with a constant; a missing
date (``None``) cuts nothing. :func:`known` returns the CTE text and its parameters.
"""

from __future__ import annotations

from datetime import date

#: Beyond every stored date: the cut used when no as-of date is given.
NO_CUT = date(9999, 12, 31)
#: Where a CTE compares with the as-of date.
DAY = "?::DATE"

_KNOWN: dict[str, str] = {
    "clients": """
        SELECT c.client_id, c.external_id, c.name, c.country, c.signed_on,
               CASE WHEN c.churned_on <= {day} THEN c.churned_on END AS churned_on
        FROM clients AS c
        WHERE c.signed_on <= {day}""",
    "searches": """
        SELECT s.search_id, s.external_id, s.client_id, s.role_title, s.seniority, s.opened_on,
               CASE WHEN s.shortlist_delivered_on <= {day} THEN s.shortlist_delivered_on END
                   AS shortlist_delivered_on,
               CASE WHEN s.closed_on <= {day} THEN s.closed_on END AS closed_on,
               CASE WHEN s.closed_on > {day}
                         OR (s.status IN ('shortlisted', 'filled') AND s.shortlist_delivered_on > {day})
                    THEN CASE WHEN s.shortlist_delivered_on <= {day} THEN 'shortlisted' ELSE 'open' END
                    ELSE s.status END AS status
        FROM searches AS s
        WHERE s.opened_on <= {day}""",
    "decisions": """
        SELECT d.application_id, d.stage_id, d.entered_on,
               CASE WHEN d.decided_on <= {day} THEN d.decided_on END AS decided_on,
               CASE WHEN d.decided_on <= {day} THEN d.decision END AS decision
        FROM stage_decisions AS d
        WHERE d.entered_on <= {day}""",
    "placements": """
        SELECT p.placement_id, p.external_id, p.application_id, p.weekly_rate_usd, p.accepted_on, p.first_day,
               CASE WHEN p.ended_on <= {day} THEN p.ended_on END AS ended_on,
               CASE WHEN p.ended_on <= {day} THEN p.end_reason END AS end_reason
        FROM placements AS p
        WHERE p.accepted_on <= {day}""",
    "replacements": """
        SELECT r.replacement_id, r.external_id, r.placement_id, r.requested_on,
               CASE WHEN r.fulfilled_on <= {day} THEN r.fulfilled_on END AS fulfilled_on,
               CASE WHEN r.fulfilled_on <= {day} THEN r.replacing_placement_id END AS replacing_placement_id,
               CASE WHEN r.fulfilled_on > {day} THEN 0 ELSE r.cost_usd END AS cost_usd,
               CASE WHEN r.fulfilled_on > {day} THEN NULL ELSE r.cost_reason END AS cost_reason
        FROM replacements AS r
        WHERE r.requested_on <= {day}""",
    "scorecards": """
        SELECT sc.scorecard_id, sc.application_id, sc.stage_id, sc.reviewer_id, sc.revision,
               'submitted' AS status, sc.created_at, sc.submitted_at, sc.amendment_reason
        FROM scorecards AS sc
        WHERE sc.status IN ('submitted', 'superseded') AND sc.submitted_at::DATE <= {day}
        QUALIFY row_number() OVER (PARTITION BY sc.application_id, sc.stage_id, sc.reviewer_id
                                   ORDER BY sc.revision DESC) = 1""",
    "current_scores": """
        SELECT k.scorecard_id, k.application_id, k.stage_id, k.reviewer_id, k.submitted_at,
               s.dimension_id, s.rating, s.note
        FROM known_scorecards AS k
        JOIN scores AS s USING (scorecard_id)
        WHERE s.rating IS NOT NULL""",
}

#: The CTEs a CTE reads, which :func:`known` puts before it.
_NEEDS: dict[str, tuple[str, ...]] = {"current_scores": ("scorecards",)}

#: The tables :func:`known` can cut, by the name their CTE carries after ``known_``.
TABLES: tuple[str, ...] = tuple(_KNOWN)


def known(as_of: date | None, *tables: str) -> tuple[str, list]:
    """The CTE ``known_<table>`` of each of ``tables``, and their bound parameters.

    Parameters
    ----------
    as_of : date or None
        The audit date (its whole day counts); ``None`` keeps every row as stored.
    *tables : str
        Any of :data:`TABLES`; a CTE that reads another (``current_scores`` reads ``scorecards``)
        brings it along, once.

    Returns
    -------
    (str, list)
        Text to follow ``WITH`` (comma-separated CTEs, no trailing comma) and its parameters (the
        date, once per comparison), to come first among the query's parameters.

    Examples
    --------
    >>> sql, params = known(date(2025, 6, 30), "clients")
    >>> sql.split(" AS (")[0], params
    ('known_clients', [datetime.date(2025, 6, 30), datetime.date(2025, 6, 30)])
    >>> known(None, "clients")[1][0]
    datetime.date(9999, 12, 31)
    >>> sql, _ = known(None, "current_scores")
    >>> sql.index("known_scorecards AS (") < sql.index("known_current_scores AS (")
    True
    """
    unknown = [t for t in tables if t not in _KNOWN]
    if unknown:
        raise ValueError(f"no as-of view of {unknown}; known: {list(TABLES)}")
    if as_of is not None and not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, got {type(as_of).__name__}")
    ordered: list[str] = []
    for table in tables:
        ordered.extend(t for t in (*_NEEDS.get(table, ()), table) if t not in ordered)
    parts = [f"known_{table} AS ({_KNOWN[table].format(day=DAY)})" for table in ordered]
    text = ",\n".join(parts)
    return text, [NO_CUT if as_of is None else as_of] * text.count(DAY)
