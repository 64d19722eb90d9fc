"""Business days in (start, end]: hand-counted cases, then properties against a day-by-day count."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.domain.settings import HOLIDAY_COUNTRY
from scoring.stats.business_days import (
    business_days_between,
    business_days_by_country,
    configured_country,
    holiday_dates,
    holiday_table,
)


def one(start, end, country="US") -> float:
    (value,) = business_days_between([start], [end], country)
    return value


# Each case is counted by hand on a calendar; comments name the days that count.
US_CASES = [
    ("same day", "2025-03-03", "2025-03-03", 0),
    ("Mon to next Mon", "2025-03-03", "2025-03-10", 5),  # Tue-Fri + Mon
    ("Fri to Mon over a weekend", "2025-03-07", "2025-03-10", 1),  # Mon
    ("Fri to Sat", "2025-03-07", "2025-03-08", 0),
    ("Sat to Sun", "2025-03-08", "2025-03-09", 0),
    ("Sat to Mon", "2025-03-08", "2025-03-10", 1),
    ("Thanksgiving Thu 2025-11-27", "2025-11-26", "2025-11-28", 1),  # Fri only
    ("Fri before Thanksgiving to Mon after", "2025-11-21", "2025-12-01", 5),  # 24 25 26 28 1
    ("Christmas Thu 2025-12-25", "2025-12-24", "2025-12-26", 1),  # Fri 26
    ("New Year Thu 2026-01-01 across the year end", "2025-12-31", "2026-01-02", 1),  # Fri 2
    ("Christmas week into the new year", "2025-12-24", "2026-01-02", 5),  # 26 29 30 31 2
    ("Juneteenth Thu 2025-06-19", "2025-06-18", "2025-06-20", 1),  # Fri 20
    ("Juneteenth Sun 2022-06-19, observed Mon 20", "2022-06-17", "2022-06-21", 1),  # Tue 21
    ("Christmas Sun 2022-12-25, observed Mon 26", "2022-12-23", "2022-12-27", 1),  # Tue 27
    # New Year's Day 2022 was a Saturday, observed on Friday 31 December 2021: the observed day
    # sits in the year before the holiday.
    ("New Year Sat 2022-01-01, observed Fri 2021-12-31", "2021-12-30", "2022-01-03", 1),  # Mon 3
    ("end before start is negative", "2025-03-10", "2025-03-03", -5),
]


@pytest.mark.parametrize(("case", "start", "end", "expected"), US_CASES, ids=[c[0] for c in US_CASES])
def test_us_hand_counted(case, start, end, expected):
    assert one(start, end, "US") == expected


OTHER_COUNTRY_CASES = [
    # Boxing Day (Fri 2025-12-26) is a holiday in GB, not in the US.
    ("GB", "2025-12-24", "2025-12-29", 1),
    ("US", "2025-12-24", "2025-12-29", 2),
    # GB 2022: Christmas on Sunday is observed Tue 27 (Boxing Day holds Mon 26).
    ("GB", "2022-12-23", "2022-12-28", 1),
    ("US", "2022-12-23", "2022-12-28", 2),
    # DE: German Unity Day Fri 2025-10-03; Good Friday 2025-04-18 and Easter Monday 2025-04-21.
    ("DE", "2025-10-02", "2025-10-06", 1),
    ("US", "2025-10-02", "2025-10-06", 2),
    ("DE", "2025-04-17", "2025-04-22", 1),
    ("US", "2025-04-17", "2025-04-22", 3),
]


@pytest.mark.parametrize(("country", "start", "end", "expected"), OTHER_COUNTRY_CASES)
def test_other_countries_hand_counted(country, start, end, expected):
    assert one(start, end, country) == expected


def test_missing_dates_give_nan():
    result = business_days_between(["2025-03-03", None, "2025-03-03"], [None, "2025-03-10", "2025-03-04"], "US")
    assert np.isnan(result[0]) and np.isnan(result[1])
    assert result[2] == 1


def test_all_missing_and_empty():
    assert np.isnan(business_days_between([None], [None], "US")).all()
    assert business_days_between([], [], "US").size == 0


def test_accepts_dates_timestamps_series_and_scalars():
    start = pd.Series(pd.to_datetime(["2025-03-03", "2025-03-07"]))
    end = np.array(["2025-03-10", "2025-03-10"], dtype="datetime64[D]")
    assert business_days_between(start, end, "US").tolist() == [5.0, 1.0]
    assert business_days_between(date(2025, 3, 3), date(2025, 3, 10), "US").tolist() == [5.0]
    # A scalar start against many ends broadcasts.
    assert business_days_between("2025-03-03", ["2025-03-03", "2025-03-04"], "US").tolist() == [0.0, 1.0]


def test_configured_country_from_environment(monkeypatch):
    monkeypatch.delenv(HOLIDAY_COUNTRY.name, raising=False)
    assert configured_country() == "US"
    monkeypatch.setenv(HOLIDAY_COUNTRY.name, "gb")
    assert configured_country() == "GB"
    assert one("2025-12-24", "2025-12-29", None) == 1  # GB calendar: Boxing Day off


def test_unknown_country_raises():
    with pytest.raises(ValueError, match="no public-holiday calendar"):
        business_days_between(["2025-01-01"], ["2025-01-10"], "XX")


def test_holiday_dates_and_table():
    assert date(2021, 12, 31) in holiday_dates("US", 2021, 2021)  # observed New Year 2022
    with pytest.raises(ValueError, match="after last_year"):
        holiday_dates("US", 2026, 2025)
    table = holiday_table("US", 2022, 2022)
    assert list(table.columns) == ["date", "holiday"]
    assert (date(2022, 6, 20), "Juneteenth National Independence Day (observed)") in set(
        table.itertuples(index=False, name=None)
    )


def test_by_country_uses_each_rows_calendar():
    result = business_days_by_country(
        ["2025-12-24", "2025-12-24", "2025-10-02", "2025-12-24", None],
        ["2025-12-29", "2025-12-29", "2025-10-06", "2025-12-29", "2025-12-29"],
        ["US", "gb", "DE", None, "US"],
        default_country="GB",
    )
    assert result[:4].tolist() == [2.0, 1.0, 1.0, 1.0]
    assert np.isnan(result[4])


def test_by_country_length_mismatch():
    with pytest.raises(ValueError, match="same length"):
        business_days_by_country(["2025-01-01"], ["2025-01-02"], ["US", "GB"])


def naive_count(start: date, end: date, country: str) -> int:
    """Day-by-day count of (start, end], straight from the holidays package."""
    low, high, sign = (start, end, 1) if start <= end else (end, start, -1)
    calendar = holidays.country_holidays(country, years=range(low.year, high.year + 2))
    days = (low + timedelta(days=k) for k in range(1, (high - low).days + 1))
    return sign * sum(1 for d in days if d.weekday() < 5 and d not in calendar)


dates = st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31))


@settings(max_examples=150, deadline=None)
@given(start=dates, end=dates, country=st.sampled_from(["US", "GB", "DE"]))
def test_matches_day_by_day_count(start, end, country):
    assert one(start, end, country) == naive_count(start, end, country)


@settings(max_examples=100, deadline=None)
@given(a=dates, b=dates, c=dates)
def test_spans_add_up_and_reverse(a, b, c):
    ab, bc, ac, ba = business_days_between([a, b, a, b], [b, c, c, a], "US")
    assert ab + bc == ac
    assert ba == -ab
