"""Business-day arithmetic for the agency's service-level promises.

The shortlist promise is counted in business days: weekends and the public holidays of one
configured country do not count. Holidays come from the ``holidays`` package, a maintained
calendar of public holidays, never from a hand-typed list.

Convention: a span from ``start`` to ``end`` counts the days in ``(start, end]``, the start day not
counted and the end day counted, so a shortlist delivered on the day the search opened took 0
business days. Observed days count as holidays: when a holiday falls on a weekend the calendar
carries the weekday it is observed on (for the US, Saturday holidays are observed on the Friday
before, Sunday ones on the Monday after).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scoring.domain.settings import HOLIDAY_COUNTRY


def configured_country() -> str:
    """Return the ISO 3166 alpha-2 country whose public holidays are excluded.

    Read from the setting :data:`scoring.domain.settings.HOLIDAY_COUNTRY` (``SCORECARD_HOLIDAY_COUNTRY``,
    ``US`` when unset).
    """
    return HOLIDAY_COUNTRY.read().upper()


def _calendar(country: str, first_year: int, last_year: int) -> holidays.HolidayBase:
    """The ``holidays`` calendar of ``country`` for the years given, or ``ValueError``."""
    if first_year > last_year:
        raise ValueError(f"first_year {first_year} is after last_year {last_year}")
    try:
        return holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError as error:
        raise ValueError(f"no public-holiday calendar for country {country!r}") from error


@lru_cache(maxsize=64)
def holiday_dates(country: str, first_year: int, last_year: int) -> tuple[date, ...]:
    """Public holidays of ``country`` from ``first_year`` to ``last_year`` inclusive, sorted.

    Raises
    ------
    ValueError
        If the country is not known to the holiday calendar.

    Examples
    --------
    >>> date(2025, 12, 25) in holiday_dates("US", 2025, 2025)
    True
    """
    return tuple(sorted(_calendar(country, first_year, last_year).keys()))


def holiday_table(country: str, first_year: int, last_year: int) -> pd.DataFrame:
    """The calendar as a table (date, holiday name) for display beside the figures.

    Examples
    --------
    >>> holiday_table("US", 2022, 2022).iloc[-1].tolist()
    [datetime.date(2022, 12, 26), 'Christmas Day (observed)']
    """
    rows = sorted(_calendar(country, first_year, last_year).items())
    return pd.DataFrame(rows, columns=["date", "holiday"])


def _days(values: ArrayLike) -> np.ndarray:
    """Any scalar or sequence of dates as a 1-d ``datetime64[D]`` array (``NaT`` for missing)."""
    series = pd.to_datetime(pd.Series(np.atleast_1d(values)))
    return series.to_numpy("datetime64[D]")


def business_days_between(start, end, country: str | None = None) -> np.ndarray:
    """Business days from ``start`` up to ``end``: the start day is not counted, the end day is.

    A shortlist opened on a Monday and delivered the next Monday took 5 business days; delivered
    the same day it took 0. Missing dates (``NaT``/``None``) at either end give ``NaN``.

    Parameters
    ----------
    start, end : array-like of dates
        Equal-length sequences (or scalars) of dates; either may hold missing values.
    country : str, optional
        ISO country code of the holiday calendar; the configured country when omitted.

    Returns
    -------
    numpy.ndarray of float
        Business days per pair; negative when ``end`` precedes ``start``.

    Notes
    -----
    ``numpy.busday_count(a, b)`` counts valid days in ``[a, b)``; shifting both ends by one day
    gives ``(a, b]``, which is the convention of a promise "within N business days". A reversed
    pair counts ``(end, start]`` negated, so swapping the ends only flips the sign.

    Examples
    --------
    >>> business_days_between(["2025-11-21"], ["2025-12-01"], "US").tolist()  # Fri -> Mon, Thanksgiving
    [5.0]
    """
    country = country or configured_country()
    starts, ends = np.broadcast_arrays(_days(start), _days(end))
    missing = np.isnat(starts) | np.isnat(ends)
    counts = np.full(starts.shape, np.nan)
    if missing.all():
        return counts
    known = np.concatenate([starts[~missing], ends[~missing]]).astype("datetime64[Y]").astype(int) + 1970
    calendar = np.array(holiday_dates(country, int(known.min()), int(known.max()) + 1), dtype="datetime64[D]")
    # numpy counts a reversed pair over (end, start] shifted differently from a forward one, so
    # count the ordered pair and restore the sign: business_days(a, b) == -business_days(b, a).
    low = np.minimum(starts[~missing], ends[~missing])
    high = np.maximum(starts[~missing], ends[~missing])
    sign = np.where(ends[~missing] < starts[~missing], -1, 1)
    one = np.timedelta64(1, "D")
    counts[~missing] = sign * np.busday_count(low + one, high + one, holidays=calendar)
    return counts


def business_days_by_country(start, end, countries, default_country: str | None = None) -> np.ndarray:
    """:func:`business_days_between` with a holiday calendar per row.

    Each client's searches follow the public holidays of the client's country
    (``clients.country``); this counts every pair against its own row's calendar.

    Parameters
    ----------
    start, end : array-like of dates
        Equal-length sequences of dates; either may hold missing values (result ``NaN``).
    countries : array-like of str
        ISO 3166 alpha-2 code per pair; a missing code uses ``default_country``.
    default_country : str, optional
        Calendar for rows without a country; the configured country when omitted.

    Returns
    -------
    numpy.ndarray of float
        Business days per pair, in ``(start, end]``.

    Examples
    --------
    Boxing Day is a holiday in Great Britain, not in the US:

    >>> business_days_by_country(["2025-12-24"] * 2, ["2025-12-29"] * 2, ["US", "GB"]).tolist()
    [2.0, 1.0]
    """
    starts, ends = _days(start), _days(end)
    codes = pd.Series(np.atleast_1d(np.asarray(countries, dtype=object)))
    codes = codes.fillna(default_country or configured_country()).astype(str).str.upper()
    if not len(starts) == len(ends) == len(codes):
        raise ValueError("start, end and countries must have the same length")
    counts = np.full(len(starts), np.nan)
    for code, rows in codes.groupby(codes).indices.items():
        counts[rows] = business_days_between(starts[rows], ends[rows], code)
    return counts
