"""How a figure is shown, and what is shown for one that is not there.

Every page, table, metric and text (reports included) shows a missing value as :data:`MISSING`, so
a person never reads ``nan``, ``None`` or ``NaT``, and never two different marks for the same thing.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

#: What a person sees in place of a missing value: in tables, metrics and sentences alike.
MISSING = "—"


def is_missing(value: object) -> bool:
    """Whether ``value`` is no value at all: ``None``, NaN, ``NaT`` or ``pd.NA``.

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), pd.NaT, pd.NA, 0, "", "x")]
    [True, True, True, True, False, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (str, bytes, date)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):      # a list or an array is a value, even one holding NaN
        return False


def as_day(value: object) -> date | None:
    """The calendar day of a date-like ``value`` (a date, a timestamp, an ISO text), or ``None`` when it
    is missing (:func:`is_missing`): how a stored date column is read one cell at a time.

    Examples
    --------
    >>> as_day(pd.Timestamp("2025-03-12 16:30")), as_day("2025-03-12"), as_day(pd.NaT)
    (datetime.date(2025, 3, 12), datetime.date(2025, 3, 12), None)
    """
    return None if is_missing(value) else pd.Timestamp(value).date()   # type: ignore[arg-type]


def shown(value: object, pattern: str = "{}") -> str:
    """``value`` formatted with ``pattern`` (a :meth:`str.format` pattern), or :data:`MISSING`.

    Parameters
    ----------
    value : object
        A number, a date, a text; ``None``, NaN, ``NaT`` and ``pd.NA`` are missing.
    pattern : str
        Where the value goes, as in ``"{:.1%}"`` or ``"{:.2f} / 5"``.

    Returns
    -------
    str

    Examples
    --------
    >>> shown(0.4567, "{:.1%}"), shown(float("nan"), "{:.1%}"), shown(None), shown(3)
    ('45.7%', '—', '—', '3')
    """
    return MISSING if is_missing(value) else pattern.format(value)


def signed_rounded(frame: pd.DataFrame, places: dict[str, int]) -> pd.DataFrame:
    """``frame`` with each signed column in ``places`` rounded to its number of decimals, without
    negative zeros: a severity of -0.001 shown with a sign would read "-0.00", a harshness that is not there.

    Examples
    --------
    >>> signed_rounded(pd.DataFrame({"severity": [-0.001, 0.456, None]}), {"severity": 2})["severity"].tolist()
    [0.0, 0.46, nan]
    """
    rounded = {column: frame[column].astype(float).round(decimals) + 0.0 for column, decimals in places.items()}
    return frame.assign(**rounded)


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n``, with thousands separators, and the noun that agrees with it (``many`` defaults to ``one`` + "s").

    Examples
    --------
    >>> counted(1, "row"), counted(2, "row"), counted(1_200, "search", "searches"), counted(0, "reviewer")
    ('1 row', '2 rows', '1,200 searches', '0 reviewers')
    """
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
