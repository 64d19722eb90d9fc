"""The periods the search filter offers, and the one it opens on.

Declared apart from the filter's widgets (:mod:`ui.filters`) because the background that prepares the
pages' figures (:mod:`ui.shared_reads`) needs the same periods, and the filter reads its options
through that background's shared results.
"""

from __future__ import annotations

from datetime import date, timedelta

from scoring.store.searches import SearchFilter

#: Each period's length in days back from the as-of date; ``None`` for all time, -1 for dates chosen by hand.
PERIODS: dict[str, int | None] = {"Last 90 days": 90, "Last 12 months": 365, "All time": None, "Custom": -1}
#: The period the search filter opens on.
OPENING_PERIOD = "Last 12 months"
#: The periods whose dates follow from the as-of date alone (every one but "Custom").
FIXED_PERIODS = [name for name, days in PERIODS.items() if days != -1]


def period_filter(period: str, as_of: date) -> SearchFilter:
    """The search filter of a fixed ``period`` as of ``as_of``: every client and level.

    >>> period_filter("Last 90 days", date(2025, 6, 30)).start
    datetime.date(2025, 4, 1)
    >>> period_filter("All time", date(2025, 6, 30))
    SearchFilter(start=None, end=None, client_ids=(), seniorities=())
    """
    if period not in FIXED_PERIODS:
        raise ValueError(f"{period!r} is not a fixed period; fixed: {', '.join(FIXED_PERIODS)}")
    days = PERIODS[period]
    if days is None:
        return SearchFilter()
    return SearchFilter(start=as_of - timedelta(days=days), end=as_of)


def opening_filter(as_of: date) -> SearchFilter:
    """The search filter a page opens on as of ``as_of``: the opening period, every client and level.

    >>> opening_filter(date(2025, 6, 30))
    SearchFilter(start=datetime.date(2024, 6, 30), end=datetime.date(2025, 6, 30), client_ids=(), seniorities=())
    """
    return period_filter(OPENING_PERIOD, as_of)
