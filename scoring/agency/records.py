"""The agency's rules for what may be stored, written once for every way a fact arrives.

A fact reaches the database through an import (many rows at once, :mod:`scoring.importing.validation`)
or through a dashboard form (one fact at a time, :mod:`scoring.store`). Both ask the rules here, so
the same fact is accepted or refused the same way, with the same words, however it came. The
schema (``schema.sql``) refuses the simplest of them again, whatever code writes the row.

Every rule works on whole columns, so an import checks a million rows at once:

* a rule on one value (:func:`country_reasons`, :func:`date_reasons`, :func:`email_reasons`,
  :func:`range_reasons`) takes a Series of values and returns, per value, the reason it is
  refused, or ``None``;
* a rule on several values (:class:`Rule`) takes a frame whose columns carry the import format's
  names (``churned_on``, ``placement_ref``...) and returns the same per row. A rule that relates
  rows of two tables (a replacement and the placement it replaces) takes them side by side, one
  pair per row, the other table's columns named as :class:`Rule` says.

A rule never refuses a row for a value it needs that is missing: a missing required value is
reported once, on its own. A form checks its one fact with :meth:`Rule.problem` (or
:func:`value_problem`), which names the field: ``"churned_on: 2025-05-01 is before ..."``.

Nothing here reads files or touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

import numpy as np
import pandas as pd
import pycountry

from scoring.agency.scorecard import EARLIEST_DATE

#: ISO 3166-1 alpha-2 codes, from the ``pycountry`` package (the ISO tables as Debian packages
#: them), never a hand-typed list. ``schema.sql`` checks the same list; a test keeps them equal.
COUNTRY_CODES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries)
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"


# -- helpers ------------------------------------------------------------------------------------------
def _days(values: pd.Series) -> pd.Series:
    """Dates, timestamps, ISO strings or missing values as day-precision timestamps (``NaT``)."""
    return pd.to_datetime(pd.Series(values), errors="coerce").dt.normalize()


def _iso(values: pd.Series) -> pd.Series:
    """Dates as ``YYYY-MM-DD`` text (empty where missing)."""
    return _days(values).dt.strftime("%Y-%m-%d").fillna("")


def _text(values: pd.Series) -> pd.Series:
    return pd.Series(values).astype(object).where(pd.Series(values).notna(), "").astype(str)


def _refused(broken: pd.Series | np.ndarray, reason: pd.Series | str, index: pd.Index) -> pd.Series:
    """Per row: ``reason`` where ``broken``, ``None`` elsewhere (an object Series on ``index``)."""
    mask = np.asarray(pd.Series(broken).fillna(False), dtype=bool)
    text = reason.to_numpy(dtype=object) if isinstance(reason, pd.Series) else reason
    # numpy's stubs refuse None as a choice of np.where, which numpy itself accepts
    return pd.Series(np.where(mask, text, None), index=index, dtype=object)  # type: ignore[arg-type]


def _first(*reasons: pd.Series) -> pd.Series:
    """Per row, the first of several reasons that is not ``None``."""
    out = reasons[0].copy()
    for more in reasons[1:]:
        out = out.where(out.notna(), more)
    return out


def _one(values: dict) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([value], dtype=object) for name, value in values.items()})


# -- rules on one value -------------------------------------------------------------------------------
def country_reasons(codes: pd.Series) -> pd.Series:
    """Why each code is not a country of ISO 3166-1 alpha-2 (upper case), or ``None``.

    Examples
    --------
    >>> country_reasons(pd.Series(["GB", "XX", None])).tolist()
    [None, "'XX' is not an ISO 3166-1 country code (two letters, e.g. US, GB, IN)", None]
    """
    codes = pd.Series(codes)
    unknown = codes.notna() & ~codes.isin(COUNTRY_CODES)
    return _refused(unknown, "'" + _text(codes) + "' is not an ISO 3166-1 country code (two letters, e.g. US, GB, "
                    "IN)", codes.index)


def date_reasons(days: pd.Series, today: date | None = None) -> pd.Series:
    """Why each date cannot be stored: before :data:`~scoring.agency.scorecard.EARLIEST_DATE`, or after
    ``today`` (what has happened is recorded, not what is planned). Timestamps are judged by their day.

    Examples
    --------
    >>> date_reasons(pd.Series(["1899-12-31", "2025-06-30", "2025-07-01"]), date(2025, 6, 30)).tolist()[1:]
    [None, '2025-07-01 is after today (2025-06-30); record what has happened, not what is planned']
    >>> date_reasons(pd.Series([date(1899, 12, 31)]))[0]
    '1899-12-31 is before 1900-01-01, the earliest date a fact may carry'
    """
    values = _days(days)
    early = values < pd.Timestamp(EARLIEST_DATE)
    out = _refused(early, _iso(values) + f" is before {EARLIEST_DATE.isoformat()}, the earliest date a fact may "
                   "carry", values.index)
    if today is not None:
        late = values > pd.Timestamp(today)
        out = _first(out, _refused(late, _iso(values) + f" is after today ({today.isoformat()}); record what has "
                                   "happened, not what is planned", values.index))
    return out


def email_reasons(texts: pd.Series) -> pd.Series:
    """Why each text is not an email address (``name@domain.tld``), or ``None``.

    Examples
    --------
    >>> email_reasons(pd.Series(["ana@agency.example", "ana at agency"])).tolist()
    [None, "'ana at agency' is not an email address"]
    """
    texts = pd.Series(texts)
    bad = texts.notna() & ~_text(texts).str.fullmatch(EMAIL_PATTERN)
    return _refused(bad, "'" + _text(texts) + "' is not an email address", texts.index)


def range_reasons(values: pd.Series, minimum: float | None = None, maximum: float | None = None,
                  above: float | None = None, shown: pd.Series | None = None) -> pd.Series:
    """Why each number is outside its bounds (``minimum``/``maximum`` inclusive, ``above`` exclusive).

    ``shown`` is how each value is written in the reason (the cell as typed); the number otherwise.

    Examples
    --------
    >>> range_reasons(pd.Series([-1.0, 0.0]), minimum=0, maximum=99_999_999.99).tolist()
    ['must be from 0 to 99,999,999.99, not -1', None]
    """
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    outside = pd.Series(False, index=numbers.index)
    if minimum is not None:
        outside |= numbers < minimum
    if above is not None:
        outside |= numbers <= above
    if maximum is not None:
        outside |= numbers > maximum
    if minimum is not None and maximum is not None:
        allowed = f"from {_number(minimum)} to {_number(maximum)}"
    else:
        bounds = [f"above {_number(above)}" if above is not None else "",
                  f"at least {_number(minimum)}" if minimum is not None else "",
                  f"at most {_number(maximum)}" if maximum is not None else ""]
        allowed = " and ".join(b for b in bounds if b)
    written = shown if shown is not None else numbers.map(lambda v: "" if pd.isna(v) else f"{v:g}")
    return _refused(outside, f"must be {allowed}, not " + _text(written), numbers.index)


def _number(value: float) -> str:
    """1 -> '1', 999999.99 -> '999,999.99'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def value_problem(reasons: Callable[..., pd.Series], field: str, value, **options) -> str | None:
    """A form's check of one value: ``"field: reason"``, or ``None`` when it may be stored.

    Examples
    --------
    >>> value_problem(country_reasons, "country", "XX")
    "country: 'XX' is not an ISO 3166-1 country code (two letters, e.g. US, GB, IN)"
    >>> value_problem(date_reasons, "requested_on", date(2025, 6, 2), today=date(2025, 6, 30)) is None
    True
    """
    reason = reasons(pd.Series([value], dtype=object), **options).iloc[0]
    return None if reason is None else f"{field}: {reason}"


# -- rules on several values --------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """A rule over several values of one fact, checked on every row of a frame at once.

    Parameters
    ----------
    column : str
        The column (form field) a refusal names: the value to correct.
    summary : str
        The rule in one sentence, for people.
    reasons : callable
        ``reasons(frame)``: per row, why it breaks the rule, or ``None``.
    """

    column: str
    summary: str
    reasons: Callable[[pd.DataFrame], pd.Series]

    def check(self, frame: pd.DataFrame) -> pd.Series:
        """Per row of ``frame``, the reason it breaks the rule, or ``None``."""
        if frame.empty:
            return pd.Series([], index=frame.index, dtype=object)
        return pd.Series(self.reasons(frame), index=frame.index, dtype=object)

    def problem(self, **values) -> str | None:
        """One fact, as a form gives it: ``"column: reason"``, or ``None`` when it keeps the rule."""
        reason = self.check(_one(values)).iloc[0]
        return None if reason is None else f"{self.column}: {reason}"


def not_before(later: str, earlier: str) -> Rule:
    """``later`` on or after ``earlier`` (both dates of the same row).

    Examples
    --------
    >>> rule = not_before("first_day", "accepted_on")
    >>> rule.problem(first_day="2025-05-16", accepted_on="2025-05-26")
    'first_day: must not be before accepted_on (2025-05-26)'
    """
    def reasons(f: pd.DataFrame) -> pd.Series:
        broken = _days(f[later]) < _days(f[earlier])
        return _refused(broken, f"must not be before {earlier} (" + _iso(f[earlier]) + ")", f.index)

    return Rule(later, f"{later} is on or after {earlier}", reasons)


def together(first: str, second: str) -> Rule:
    """Both values given or both missing."""
    return Rule(second, f"{second} is given exactly when {first} is",
                lambda f: _refused(f[first].isna() != f[second].isna(),
                                   f"must be filled exactly when {first} is filled", f.index))


# Clients ---------------------------------------------------------------------------------------------
CHURN_AFTER_SIGNING = Rule(
    "churned_on", "A client leaves on or after the day it signed.",
    lambda f: _refused(_days(f["churned_on"]) < _days(f["signed_on"]),
                       _iso(f["churned_on"]) + " is before " + _text(f["name"]) + " signed on "
                       + _iso(f["signed_on"]) + "; a client cannot leave before it joined", f.index))

# Searches --------------------------------------------------------------------------------------------
OPEN_SEARCH_NOT_CLOSED = Rule(
    "closed_on", "An open search has no closing date.",
    lambda f: _refused((f["status"] == "open") & f["closed_on"].notna(), "must be empty while the status is open",
                       f.index))
DELIVERED_SEARCH_HAS_SHORTLIST = Rule(
    "shortlist_delivered_on", "A shortlisted or filled search has its shortlist's date.",
    lambda f: _refused(f["status"].isin(["shortlisted", "filled"]) & f["shortlist_delivered_on"].isna(),
                       "is required when the status is shortlisted or filled", f.index))

# Replacements ----------------------------------------------------------------------------------------
FULFILLED_AFTER_REQUEST = Rule(
    "fulfilled_on", "A replacement is fulfilled on or after the day it was requested.",
    lambda f: _refused(_days(f["fulfilled_on"]) < _days(f["requested_on"]),
                       _iso(f["fulfilled_on"]) + " is before the request (" + _iso(f["requested_on"])
                       + "); a replacement cannot be fulfilled before it is requested", f.index))
REPLACED_BY_ANOTHER = Rule(
    "replacing_placement_ref", "The replacing placement is another than the one replaced.",
    lambda f: _refused(f["replacing_placement_ref"].notna() & (f["replacing_placement_ref"] == f["placement_ref"]),
                       _text(f["replacing_placement_ref"]) + " is the placement being replaced; choose the new "
                       "engineer's placement", f.index))
CHARGE_NEEDS_REASON = Rule(
    "cost_reason", "Replacements are free; a charge (above 0 USD) needs its reason.",
    lambda f: _refused((pd.to_numeric(pd.Series(f["cost_usd"], dtype=object), errors="coerce").fillna(0) > 0)
                       & _text(f["cost_reason"]).str.strip().eq(""),
                       "replacements are free under the guarantee; a charge of "
                       + pd.to_numeric(pd.Series(f["cost_usd"], dtype=object), errors="coerce").map(
                           lambda v: f"{v:.2f}") + " USD needs a reason", f.index))


class Bounds(TypedDict):
    """The smallest and largest value a number may take, as keyword arguments of a range check."""

    minimum: float
    maximum: float


#: Bounds of a replacement's charge (USD): what ``replacements.cost_usd DECIMAL(10, 2)`` holds, never negative.
CHARGE_BOUNDS: Bounds = {"minimum": 0, "maximum": 99_999_999.99}


def _request_reasons(f: pd.DataFrame) -> pd.Series:
    requested, first_day, ended = _days(f["requested_on"]), _days(f["first_day"]), _days(f["ended_on"])
    before = _refused(requested < first_day, _iso(requested) + " is before " + _text(f["placement_ref"])
                      + "'s first day (" + _iso(first_day) + "); the guarantee covers an engagement that has begun",
                      f.index)
    after = _refused(requested > ended, _iso(requested) + " is after " + _text(f["placement_ref"]) + " ended on "
                     + _iso(ended) + " (" + _text(f["end_reason"]) + "); a replacement is requested while the "
                     "engagement runs", f.index)
    return _first(before, after)


#: Across tables: a replacement (``requested_on``) and the placement it replaces (``placement_ref``,
#: ``first_day``, ``ended_on``, ``end_reason``).
REQUEST_DURING_ENGAGEMENT = Rule(
    "requested_on", "A replacement is requested between the placement's first day and its end.", _request_reasons)

#: Across tables: a replacement (``fulfilled_on``) and the placement filling it
#: (``replacing_placement_ref``, ``replacing_accepted_on``).
FULFILLED_AFTER_ACCEPTANCE = Rule(
    "fulfilled_on", "A replacement is fulfilled once the new engineer was accepted.",
    lambda f: _refused(_days(f["fulfilled_on"]) < _days(f["replacing_accepted_on"]),
                       _iso(f["fulfilled_on"]) + " is before " + _text(f["replacing_placement_ref"])
                       + " was accepted (" + _iso(f["replacing_accepted_on"]) + ")", f.index))

#: Across tables: a replacement (``fulfilled_on``) and the placement filling it
#: (``replacing_placement_ref``, ``replacing_ended_on``, ``replacing_end_reason``).
REPLACING_IN_POST = Rule(
    "replacing_placement_ref", "The new engineer is in post on the day the replacement is fulfilled.",
    lambda f: _refused(_days(f["replacing_ended_on"]) < _days(f["fulfilled_on"]),
                       _text(f["replacing_placement_ref"]) + " ended on " + _iso(f["replacing_ended_on"]) + " ("
                       + _text(f["replacing_end_reason"]) + "), before the fulfilment; the new engineer must be in "
                       "post", f.index))

#: Across tables: a replacement (``replacement_ref``), the client of the placement it replaces
#: (``client_ref``, ``client``) and the client of the placement filling it (``replacing_client_ref``,
#: ``replacing_client``).
REPLACED_FOR_THE_SAME_CLIENT = Rule(
    "replacing_placement_ref", "A replacement is filled by a placement with the same client.",
    lambda f: _refused(f["replacing_client_ref"].notna() & f["client_ref"].notna()
                       & (f["replacing_client_ref"] != f["client_ref"]),
                       _text(f["replacing_placement_ref"]) + " is with " + _text(f["replacing_client"]) + ", but "
                       + _text(f["replacement_ref"]) + " is for " + _text(f["client"]), f.index))

#: Across tables: a client's churn (``churned_on``, ``name``) beside one of its placements that is
#: still running (``placement_ref``, ``first_day``): the churn ends it, so it must have begun.
CHURN_AFTER_RUNNING_STARTS = Rule(
    "churned_on", "A client leaves on or after the first day of each placement still running for it.",
    lambda f: _refused(_days(f["churned_on"]) < _days(f["first_day"]),
                       _iso(f["churned_on"]) + " is before " + _text(f["placement_ref"]) + " of " + _text(f["name"])
                       + " starts (" + _iso(f["first_day"]) + "); record the churn on or after its first day", f.index))

#: Across tables: a client's churn (``churned_on``, ``name``) beside one of its open searches
#: (``search_ref``, ``opened_on``): the churn cancels it, so it must have opened.
CHURN_AFTER_OPEN_SEARCHES = Rule(
    "churned_on", "A client leaves on or after the opening of each search still open for it.",
    lambda f: _refused(_days(f["churned_on"]) < _days(f["opened_on"]),
                       _iso(f["churned_on"]) + " is before open search " + _text(f["search_ref"]) + " of "
                       + _text(f["name"]) + " opened (" + _iso(f["opened_on"]) + "); record the churn on or after "
                       "its opening", f.index))

#: The rules on the rows of each imported table (the store applies the same ones to the facts its
#: forms record).
TABLE_RULES: dict[str, tuple[Rule, ...]] = {
    "clients": (CHURN_AFTER_SIGNING,),
    "searches": (not_before("shortlist_delivered_on", "opened_on"), not_before("closed_on", "opened_on"),
                 OPEN_SEARCH_NOT_CLOSED, DELIVERED_SEARCH_HAS_SHORTLIST),
    "stage_decisions": (not_before("decided_on", "entered_on"), together("decided_on", "decision")),
    "placements": (not_before("first_day", "accepted_on"), not_before("ended_on", "first_day"),
                   together("ended_on", "end_reason")),
    "replacements": (FULFILLED_AFTER_REQUEST, together("fulfilled_on", "replacing_placement_ref"),
                     REPLACED_BY_ANOTHER, CHARGE_NEEDS_REASON),
}
