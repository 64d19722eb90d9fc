"""The shortlist-time figures, computed once for every page that shows them.

The pipeline page (hiring leads) and the ops audit both show how quickly shortlists reach clients.
They get those figures from :func:`shortlist_figures` alone: one store read of the filtered searches
with each client's country (:func:`scoring.store.searches.read`) and one pass of
:mod:`scoring.agency.sla` over it, so the two pages cannot disagree on a search's business days, on which
searches are counted, or on the calendar of holidays skipped.

Counting convention (``DESIGN.md``, "Shortlist-time figure"): searches with a delivered shortlist
are the denominator; an open search is "not yet", at risk past the 7-day target, a breach past the
14-day limit; a search cancelled without a shortlist is left out of the figure and listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from scoring.agency import sla
from scoring.agency.access import Account
from scoring.domain.promises import PROMISES
from scoring.stats.business_days import configured_country, holiday_table
from scoring.store import searches
from scoring.store.db import Database
from scoring.store.searches import SearchFilter

#: The promise these figures measure; its target and limit (business days) are shown beside them.
SHORTLIST_PROMISE = PROMISES["shortlist_time"]
#: Columns of the searches listed apart (at risk, cancelled), as a page shows them.
LISTED_COLUMNS = ("search_ref", "client", "country", "seniority", "role_title", "opened_on", "closed_on",
                  "business_days", "search_id", "client_id")


@dataclass(frozen=True)
class ShortlistFigures:
    """Every shortlist-time figure of one filter, as of one date.

    Attributes
    ----------
    searches : pandas.DataFrame
        The read the figures come from (:func:`scoring.store.searches.read`).
    times : pandas.DataFrame
        :func:`scoring.agency.sla.shortlist_times`, one row per search opened by ``as_of``, each on its
        client's country's calendar.
    summary : pandas.Series
        :func:`scoring.agency.sla.shortlist_summary` over all of them (counted searches, shares within 7
        and 14, at-risk and cancelled counts, delivered-time median).
    distribution, trend : pandas.DataFrame
        :func:`scoring.agency.sla.shortlist_distribution` and :func:`scoring.agency.sla.shortlist_trend`.
    at_risk : pandas.DataFrame
        Open searches past the target and not past the limit (:data:`LISTED_COLUMNS`), oldest first.
    cancelled : pandas.DataFrame
        Searches cancelled without a shortlist, left out of the figure (:data:`LISTED_COLUMNS`).
    holidays : pandas.DataFrame
        ``country``, ``date``, ``holiday``: the calendars the business days skip.
    countries : tuple of str
        The clients' countries (the configured one when there is no search).
    """

    as_of: date
    searches: pd.DataFrame = field(repr=False)
    times: pd.DataFrame = field(repr=False)
    summary: pd.Series
    distribution: pd.DataFrame = field(repr=False)
    trend: pd.DataFrame = field(repr=False)
    at_risk: pd.DataFrame
    cancelled: pd.DataFrame
    holidays: pd.DataFrame = field(repr=False)
    countries: tuple[str, ...]


def shortlist_figures(db: Database, actor: Account, search_filter: SearchFilter, as_of: date) -> ShortlistFigures:
    """Read the filtered searches once and compute every shortlist-time figure from them.

    Parameters
    ----------
    db, actor
        The database and an account holding ``read_pipeline`` (hiring leads, ops, admins).
    search_filter : SearchFilter
        Searches opened in the period, of the clients and seniorities chosen.
    as_of : date
        The audit date: later events have not happened yet.
    """
    return figures_from(searches.read(db, actor, search_filter, as_of), as_of)


def figures_from(searches: pd.DataFrame, as_of: date) -> ShortlistFigures:
    """:class:`ShortlistFigures` of an already-read frame of searches (with ``country``).

    Examples
    --------
    A British client's search spanning Good Friday (18 Apr 2025), and an American one:

    >>> searches = pd.DataFrame({
    ...     "search_id": [1, 2], "search_ref": ["SR-1", "SR-2"], "client_id": [1, 2],
    ...     "client": ["Cobalt", "Acme"], "country": ["GB", "US"], "seniority": ["mid", "mid"],
    ...     "role_title": ["MLOps engineer"] * 2, "opened_on": ["2025-04-14", "2025-06-09"],
    ...     "shortlist_delivered_on": ["2025-05-02", None], "closed_on": [None, None]})
    >>> figures = figures_from(searches, date(2025, 6, 30))
    >>> figures.times["business_days"].tolist(), figures.countries
    ([13.0, 14.0], ('GB', 'US'))
    >>> figures.at_risk["search_ref"].tolist(), int(figures.summary["searches"])
    (['SR-2'], 1)
    """
    stamp = pd.Timestamp(as_of)
    times = sla.shortlist_times(searches, stamp)
    countries = tuple(sorted(searches["country"].dropna().unique())) or (configured_country(),)
    first_year = int(pd.to_datetime(searches["opened_on"]).dt.year.min()) if len(searches) else as_of.year
    return ShortlistFigures(
        as_of=as_of,
        searches=searches,
        times=times,
        summary=sla.shortlist_summary(times).iloc[0],
        distribution=sla.shortlist_distribution(times),
        trend=sla.shortlist_trend(times),
        at_risk=_listed(times[times["at_risk"]].sort_values(["business_days", "opened_on"], ascending=[False, True])),
        cancelled=_listed(times[times["cancelled"]]),
        holidays=holidays(countries, min(first_year, as_of.year), as_of.year),
        countries=countries,
    )


def holidays(countries: tuple[str, ...], first_year: int, last_year: int) -> pd.DataFrame:
    """``country``, ``date``, ``holiday`` of each country's calendar over the years given."""
    tables = [holiday_table(country, first_year, last_year).assign(country=country) for country in countries]
    return pd.concat(tables, ignore_index=True)[["country", "date", "holiday"]]


def _listed(rows: pd.DataFrame) -> pd.DataFrame:
    """Searches to list apart, with calendar dates (``None`` where missing) and whole business days."""
    out = rows.reindex(columns=list(LISTED_COLUMNS)).reset_index(drop=True)
    for column in ("opened_on", "closed_on"):
        values = pd.to_datetime(out[column])
        out[column] = values.dt.date.astype(object).where(values.notna(), None)
    out["business_days"] = out["business_days"].astype("int64")
    return out
