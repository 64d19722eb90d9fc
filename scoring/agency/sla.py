"""The agency's promises to clients, declared once as data, and the audit of each against the rows.

Inputs are frames with ``schema.sql`` column names, selected (and joined) by the SQL layer:

* ``searches``: ``search_id``, ``client_id``, ``opened_on``, ``shortlist_delivered_on``,
  ``closed_on``, optional ``country`` (the client's, for its holiday calendar);
* ``shortlist_entries``: ``stage_decisions`` rows of stage 4 with ``search_id``
  (``application_id``, ``stage_id``, ``entered_on``, ``search_id``);
* ``placements``: ``placement_id``, ``accepted_on``, ``first_day``, ``ended_on``, ``end_reason``,
  plus ``opened_on`` of the search filled (and optionally ``search_id``, ``client_id``);
* ``replacements``: ``replacement_id``, ``placement_id``, ``requested_on``, ``fulfilled_on``,
  ``replacing_placement_id``, ``cost_usd`` (optionally ``client_id``);
* ``clients``: ``client_id``, ``signed_on``, ``churned_on``.

Everything is judged as of one date: a row dated after ``as_of`` has not happened yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from scoring.agency.retention import retention_share
from scoring.domain.promises import CLIENT_HORIZON, PROMISES, SHORTLIST_STAGE
from scoring.stats.business_days import business_days_by_country
from scoring.stats.intervals import wilson_interval

_SHORTLIST_TIME = PROMISES["shortlist_time"]
_SHORTLIST_SIZE = PROMISES["shortlist_size"]
_FIRST_DAY = PROMISES["first_day"]
_REPLACEMENT = PROMISES["replacement"]


def _number(value: float | None) -> float:
    """A promise's target or limit that the rule at hand needs; every promise using one declares it."""
    if value is None:
        raise ValueError("this promise declares no such figure")
    return float(value)


FirstDayFrom = Literal["opened_on", "accepted_on"]
FIRST_DAY_FROM: dict[str, str] = {"opened_on": "Search opening", "accepted_on": "Offer accepted"}
MIN_N_FOR_VERDICT = 1  # fewer measured rows than this: met is None
SEARCH_COLUMNS = ("search_id", "client_id", "opened_on", "shortlist_delivered_on", "closed_on")
REPLACEMENT_COLUMNS = ("replacement_id", "placement_id", "requested_on", "fulfilled_on", "cost_usd")


@dataclass(frozen=True)
class PromiseStatus:
    """Headline state of one promise: the figure, what it is held to, and whether it holds.

    ``met`` is ``None`` when there is not enough data or no promised figure.
    """

    key: str
    name: str
    figure: float
    target: float | None
    met: bool | None
    n: int
    detail: str


def _dates(frame: pd.DataFrame, columns: tuple[str, ...], as_of: pd.Timestamp) -> pd.DataFrame:
    """Copy with date columns parsed; dates after ``as_of`` have not happened yet (NaT)."""
    out = frame.copy()
    for column in columns:
        values = pd.to_datetime(out[column])
        out[column] = values.where(values <= as_of)
    return out


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}")


def shortlist_times(searches: pd.DataFrame, as_of, country: str | None = None) -> pd.DataFrame:
    """Business days to shortlist per search, and whether it met the shortlist-time promise.

    Parameters
    ----------
    searches : pandas.DataFrame
        ``search_id``, ``client_id``, ``opened_on``, ``shortlist_delivered_on``, ``closed_on``,
        optional ``country``; other columns pass through. Searches opened after ``as_of`` are
        dropped.
    as_of : date-like
        Audit date: the clock of a search still waiting runs to it.
    country : str, optional
        Holiday calendar for rows without ``country``; the configured one when omitted.

    Returns
    -------
    pandas.DataFrame
        Input columns plus ``month`` ('YYYY-MM' of ``opened_on``), ``delivered``,
        ``cancelled`` (closed by ``as_of`` without a shortlist), ``business_days`` (to delivery;
        for a search without a shortlist, elapsed to ``closed_on`` or ``as_of``),
        ``within_target`` / ``within_limit`` (delivered within the promise's target / limit, 7 / 14),
        ``breach`` (past the limit, delivered or still open; never a cancelled search), ``at_risk``
        (still open without a shortlist, past the target and not past the limit) and ``counted``
        (delivered, or in breach: an open search inside its limit is pending, and a cancelled one is
        left out and listed apart).

    Notes
    -----
    The counting convention of the brief (``DESIGN.md``, "Shortlist-time figure"): searches with a
    delivered shortlist are the denominator; an open search is "not yet", flagged at risk past the
    target and counted as a breach past the limit; a search cancelled without a shortlist is
    neither met nor breached.

    Examples
    --------
    >>> searches = pd.DataFrame({
    ...     "search_id": [1, 2, 3, 4], "client_id": [1, 1, 1, 1],
    ...     "opened_on": ["2025-03-03"] * 4,
    ...     "shortlist_delivered_on": ["2025-03-10", None, None, None],
    ...     "closed_on": [None, None, "2025-03-25", None],
    ... })
    >>> times = shortlist_times(searches, "2025-03-31", "US")
    >>> times[["business_days", "breach", "cancelled", "counted"]].values.tolist()
    [[5.0, False, False, True], [20.0, True, False, True], [16.0, False, True, False], [20.0, True, False, True]]

    On 14 March the third search was still open, so it was at risk like the others without a
    shortlist:

    >>> shortlist_times(searches, "2025-03-14", "US")["at_risk"].tolist()
    [False, True, True, True]
    """
    _require(searches, SEARCH_COLUMNS, "searches")
    as_of = pd.Timestamp(as_of)
    frame = _dates(searches, ("opened_on", "shortlist_delivered_on", "closed_on"), as_of)
    frame = frame[frame["opened_on"].notna()].reset_index(drop=True)
    frame["month"] = frame["opened_on"].dt.strftime("%Y-%m")
    frame["delivered"] = frame["shortlist_delivered_on"].notna()
    frame["cancelled"] = ~frame["delivered"] & frame["closed_on"].notna()
    clock_end = frame["shortlist_delivered_on"].fillna(frame["closed_on"]).fillna(as_of)
    countries = frame["country"] if "country" in frame.columns else pd.Series(None, frame.index, object)
    frame["business_days"] = business_days_by_country(frame["opened_on"], clock_end, countries, country)
    promise = _SHORTLIST_TIME
    waiting = ~frame["delivered"] & ~frame["cancelled"]
    frame["within_target"] = frame["delivered"] & (frame["business_days"] <= promise.target)
    frame["within_limit"] = frame["delivered"] & (frame["business_days"] <= promise.limit)
    frame["breach"] = ~frame["cancelled"] & (frame["business_days"] > promise.limit)
    frame["at_risk"] = waiting & (frame["business_days"] > promise.target) & (frame["business_days"] <= promise.limit)
    frame["counted"] = frame["delivered"] | frame["breach"]
    return frame


def shortlist_summary(times: pd.DataFrame, by: str | list[str] | None = None,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Shares of searches within the target and the limit, and delivered-time quantiles.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``searches`` (counted), ``delivered``, ``within_target``,
        ``within_limit``, ``breaches``, ``open_breaches`` (no shortlist, past 14 days),
        ``at_risk`` (open, past 7 and not past 14: not counted yet) and ``cancelled`` (cancelled
        without a shortlist: left out), ``share_within_target``, ``share_within_limit`` (each
        ``/ searches``), its Wilson bounds ``share_within_limit_low``/``_high``, ``median_days``
        and ``p90_days`` over delivered searches (linear interpolation).
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    rows = times.assign(
        open_breach=lambda f: f["breach"] & ~f["delivered"],
        delivered_days=lambda f: f["business_days"].where(f["delivered"]),
    )
    grouped = rows.groupby(keys if keys else (lambda _: "all"), dropna=False, sort=True)
    table = pd.DataFrame({
        "searches": grouped["counted"].sum(),
        "delivered": grouped["delivered"].sum(),
        "within_target": grouped["within_target"].sum(),
        "within_limit": grouped["within_limit"].sum(),
        "breaches": grouped["breach"].sum(),
        "open_breaches": grouped["open_breach"].sum(),
        "at_risk": grouped["at_risk"].sum(),
        "cancelled": grouped["cancelled"].sum(),
        "median_days": grouped["delivered_days"].median(),
        "p90_days": grouped["delivered_days"].quantile(0.9),
    })
    if not keys and table.empty:
        table = table.reindex(["all"])
    return _shares(table, confidence).reset_index(drop=not keys)


SUMMARY_COUNTS = ("searches", "delivered", "within_target", "within_limit", "breaches", "open_breaches",
                  "at_risk", "cancelled")


def _shares(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Counts filled with 0 where a group is empty, then the shares and their interval."""
    counts = list(SUMMARY_COUNTS)
    table[counts] = table[counts].fillna(0).astype("int64")
    n = table["searches"].where(table["searches"] > 0)
    table["share_within_target"] = table["within_target"] / n
    table["share_within_limit"] = table["within_limit"] / n
    low, high = wilson_interval(table["within_limit"], table["searches"], confidence)
    table["share_within_limit_low"], table["share_within_limit_high"] = low, high
    order = [*counts, "share_within_target", "share_within_limit", "share_within_limit_low",
             "share_within_limit_high", "median_days", "p90_days"]
    return table[order]


def shortlist_trend(times: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`shortlist_summary` by month of opening, every month present (empty ones as zeros).

    Examples
    --------
    >>> times = pd.DataFrame({"month": ["2025-01", "2025-03"], "counted": [True, True],
    ...                       "delivered": [True, True], "business_days": [5.0, 9.0],
    ...                       "within_target": [True, False], "within_limit": [True, True],
    ...                       "breach": [False, False], "at_risk": [False, False],
    ...                       "cancelled": [False, False]})
    >>> shortlist_trend(times)[["month", "searches", "share_within_target"]].values.tolist()
    [['2025-01', 1, 1.0], ['2025-02', 0, nan], ['2025-03', 1, 0.0]]
    """
    table = shortlist_summary(times, by="month", confidence=confidence).set_index("month")
    if table.empty:
        return table.reset_index()
    months = pd.period_range(min(table.index), max(table.index), freq="M").strftime("%Y-%m")
    return _shares(table.reindex(months), confidence).rename_axis("month").reset_index()


def shortlist_distribution(times: pd.DataFrame) -> pd.DataFrame:
    """How many delivered shortlists took each number of business days.

    Returns ``business_days`` (every value from the smallest to the largest seen), ``searches``,
    ``share`` and ``cumulative_share`` over delivered searches.

    Examples
    --------
    >>> times = pd.DataFrame({"delivered": [True, True, True, False], "business_days": [3.0, 5.0, 5.0, 20.0]})
    >>> shortlist_distribution(times)[["business_days", "searches"]].values.tolist()
    [[3, 1], [4, 0], [5, 2]]
    """
    days = times.loc[times["delivered"], "business_days"].astype("int64")
    if days.empty:
        return pd.DataFrame(columns=["business_days", "searches", "share", "cumulative_share"])
    counts = days.value_counts().reindex(range(days.min(), days.max() + 1), fill_value=0).sort_index()
    table = counts.rename("searches").rename_axis("business_days").reset_index()
    table["share"] = table["searches"] / len(days)
    table["cumulative_share"] = table["share"].cumsum()
    return table


def shortlist_sizes(searches: pd.DataFrame, shortlist_entries: pd.DataFrame, as_of) -> pd.DataFrame:
    """Candidates on each delivered shortlist, flagged when outside the promised size (2-3).

    The count is of distinct applications of the search that entered the client shortlist stage
    (:data:`scoring.domain.promises.SHORTLIST_STAGE`) by ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``search_id``, ``client_id``, ``shortlist_delivered_on``, ``shortlisted``, ``flag``
        ('fewer than 2', 'more than 3' or '') and ``breach``; searches with a shortlist only.
    """
    _require(searches, ("search_id", "client_id", "shortlist_delivered_on"), "searches")
    _require(shortlist_entries, ("application_id", "stage_id", "entered_on", "search_id"), "shortlist_entries")
    as_of = pd.Timestamp(as_of)
    frame = _dates(searches, ("shortlist_delivered_on",), as_of)
    delivered = frame["shortlist_delivered_on"].notna()
    frame = frame.loc[delivered, ["search_id", "client_id", "shortlist_delivered_on"]]
    entries = shortlist_entries[(shortlist_entries["stage_id"] == SHORTLIST_STAGE)
                                & (pd.to_datetime(shortlist_entries["entered_on"]) <= as_of)]
    sizes = entries.groupby("search_id")["application_id"].nunique()
    frame["shortlisted"] = frame["search_id"].map(sizes).fillna(0).astype("int64")
    promise = _SHORTLIST_SIZE
    low, high = int(_number(promise.target)), int(_number(promise.limit))
    frame["flag"] = np.select([frame["shortlisted"] < low, frame["shortlisted"] > high],
                              [f"fewer than {low}", f"more than {high}"], "")
    frame["breach"] = frame["flag"] != ""
    return frame.reset_index(drop=True)


def first_day_times(placements: pd.DataFrame, as_of, replacements: pd.DataFrame | None = None,
                    start: FirstDayFrom = "opened_on") -> pd.DataFrame:
    """Calendar days to each placed engineer's first day.

    Parameters
    ----------
    placements : pandas.DataFrame
        ``placement_id``, ``first_day`` and the ``start`` column (``opened_on`` of the search
        filled, or ``accepted_on``); other columns pass through.
    as_of : date-like
        Placements whose first day is after it have not started and are dropped.
    replacements : pandas.DataFrame, optional
        With ``replacing_placement_id``: those placements fill a replacement, judged by that
        promise, and are dropped here. With ``fulfilled_on`` too, only fulfilments by ``as_of``
        count: until then the placement is not known to fill one.
    start : {'opened_on', 'accepted_on'}, default 'opened_on'
        Where the clock starts (see :data:`PROMISES` ``first_day``).

    Returns
    -------
    pandas.DataFrame
        Rows kept, plus ``days = first_day - start`` and ``over_target`` (``days`` above the
        promise's target, 30).
    """
    if start not in FIRST_DAY_FROM:
        raise ValueError(f"start must be one of {tuple(FIRST_DAY_FROM)}, got {start!r}")
    _require(placements, ("placement_id", "first_day", start), "placements")
    as_of = pd.Timestamp(as_of)
    frame = placements.copy()
    frame["first_day"] = pd.to_datetime(frame["first_day"])
    frame = frame[frame["first_day"] <= as_of]
    if replacements is not None:
        filling = replacements
        if "fulfilled_on" in replacements.columns:
            filling = replacements[pd.to_datetime(replacements["fulfilled_on"]) <= as_of]
        frame = frame[~frame["placement_id"].isin(filling["replacing_placement_id"].dropna())]
    frame = frame.reset_index(drop=True)
    frame["days"] = (frame["first_day"] - pd.to_datetime(frame[start])).dt.days.astype(float)
    frame["over_target"] = frame["days"] > _FIRST_DAY.target
    return frame


def replacement_times(replacements: pd.DataFrame, as_of) -> pd.DataFrame:
    """Calendar days to each replacement and whether it kept the replacement promise (limit, zero cost).

    Returns
    -------
    pandas.DataFrame
        Input columns (requests after ``as_of`` dropped; a fulfilment after it, with its
        ``replacing_placement_id`` and the charge ``cost_usd`` recorded with it, not yet
        made) plus ``fulfilled``, ``days`` (to
        ``fulfilled_on``, or elapsed to ``as_of``), ``within_target`` / ``within_limit``
        (fulfilled within the promise's target / limit, 7 / 14 days), ``zero_cost``, ``late`` (past
        the limit),
        ``breach`` (late or charged) and ``counted`` (fulfilled or already in breach).

    Examples
    --------
    >>> rows = pd.DataFrame({"replacement_id": [1, 2, 3], "placement_id": [1, 2, 3],
    ...     "requested_on": ["2025-01-01"] * 3, "fulfilled_on": ["2025-01-08", None, "2025-01-05"],
    ...     "cost_usd": [0, 0, 500]})
    >>> replacement_times(rows, "2025-02-01")[["days", "late", "breach"]].values.tolist()
    [[7.0, False, False], [31.0, True, True], [4.0, False, True]]
    """
    _require(replacements, REPLACEMENT_COLUMNS, "replacements")
    as_of = pd.Timestamp(as_of)
    frame = _dates(replacements, ("requested_on", "fulfilled_on"), as_of)
    later = pd.to_datetime(replacements["fulfilled_on"]) > as_of      # a charge is made with the fulfilment
    frame["cost_usd"] = frame["cost_usd"].astype(float).where(~later, 0.0)   # DECIMAL arrives as Decimal
    if "replacing_placement_id" in frame.columns:
        frame["replacing_placement_id"] = frame["replacing_placement_id"].where(~later)
    frame = frame[frame["requested_on"].notna()].reset_index(drop=True)
    frame["fulfilled"] = frame["fulfilled_on"].notna()
    frame["days"] = (frame["fulfilled_on"].fillna(as_of) - frame["requested_on"]).dt.days.astype(float)
    promise = _REPLACEMENT
    frame["within_target"] = frame["fulfilled"] & (frame["days"] <= promise.target)
    frame["within_limit"] = frame["fulfilled"] & (frame["days"] <= promise.limit)
    frame["zero_cost"] = frame["cost_usd"] == 0
    frame["late"] = frame["days"] > promise.limit
    frame["breach"] = frame["late"] | ~frame["zero_cost"]
    frame["counted"] = frame["fulfilled"] | frame["breach"]
    return frame


@dataclass(frozen=True)
class SlaAudit:
    """Per-row evidence behind every promise, all as of one date: each frame is the named function's
    result on the same ``as_of`` (see :func:`scoring.reports.ops.ops_report`)."""

    as_of: pd.Timestamp
    shortlist: pd.DataFrame      # shortlist_times
    sizes: pd.DataFrame          # shortlist_sizes
    first_days: pd.DataFrame     # first_day_times
    replacements: pd.DataFrame   # replacement_times
    clients: pd.DataFrame        # retention.client_outcomes
    placements: pd.DataFrame     # retention.placement_outcomes


def _verdict(ok: bool, n: int) -> bool | None:
    return None if n < MIN_N_FOR_VERDICT else bool(ok)


def _pct(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.1%}"


def promise_statuses(audit: SlaAudit, confidence: float = 0.95) -> list[PromiseStatus]:
    """Headline status of each promise, in the order of :data:`PROMISES`.

    Figures: shortlist time and replacement, the share of counted rows kept (target 1.0: every
    one); shortlist size, the share of delivered shortlists of the promised size (target 1.0);
    first day, the mean days (met when at most the promise's target); client retention, the
    retained share (met when at least the promise's target); placement retention, the retained
    share (no target, so ``met`` is ``None``). ``n`` is the number of rows the figure is computed
    over. Every number in the details comes from :data:`PROMISES`.
    """
    time, size, first_day, replacement = _SHORTLIST_TIME, _SHORTLIST_SIZE, _FIRST_DAY, _REPLACEMENT
    statuses = []
    shortlist = shortlist_summary(audit.shortlist, confidence=confidence).iloc[0].to_dict()
    n = int(shortlist["searches"])
    statuses.append(PromiseStatus(
        "shortlist_time", time.name, float(shortlist["share_within_limit"]), 1.0,
        _verdict(shortlist["breaches"] == 0, n), n,
        f"{int(shortlist['within_target'])} of {n} {'search' if n == 1 else 'searches'} within "
        f"{time.target:g} {time.unit}, "
        f"{int(shortlist['within_limit'])} within {time.limit:g}; {int(shortlist['open_breaches'])} still "
        f"without a shortlist after {time.limit:g}; "
        + (f"median {shortlist['median_days']:g} business days (delivered ones)"
           if np.isfinite(shortlist["median_days"]) else "no shortlist delivered yet")
        + f". Not counted: open searches at risk (past {time.target:g}): {int(shortlist['at_risk'])}; "
        f"cancelled without a shortlist: {int(shortlist['cancelled'])}",
    ))
    sizes = audit.sizes
    n = len(sizes)
    statuses.append(PromiseStatus(
        "shortlist_size", size.name,
        float((~sizes["breach"]).mean()) if n else np.nan, 1.0, _verdict(not sizes["breach"].any(), n), n,
        f"{int((sizes['flag'] == f'fewer than {size.target:g}').sum())} shortlists with fewer than "
        f"{size.target:g} candidates, {int((sizes['flag'] == f'more than {size.limit:g}').sum())} with more "
        f"than {size.limit:g}, of {n}",
    ))
    days = audit.first_days["days"]
    n = int(days.notna().sum())
    mean = float(days.mean()) if n else np.nan
    statuses.append(PromiseStatus(
        "first_day", first_day.name, mean, first_day.target,
        _verdict(mean <= _number(first_day.target), n), n,
        (f"mean {mean:.1f} days (median {days.median():g}) over {n} {'placement' if n == 1 else 'placements'}; "
         f"{int(audit.first_days['over_target'].sum())} took more than {first_day.target:g}" if n
         else "no placement has started yet"),
    ))
    counted = audit.replacements[audit.replacements["counted"]]
    n = len(counted)
    kept = int((~counted["breach"]).sum())
    statuses.append(PromiseStatus(
        "replacement", replacement.name, kept / n if n else np.nan, 1.0,
        _verdict(kept == n, n), n,
        f"{int(counted['within_target'].sum())} of {n} {'replacement' if n == 1 else 'replacements'} within "
        f"{replacement.target:g} days, "
        f"{int(counted['within_limit'].sum())} within {replacement.limit:g}; "
        f"{int((~counted['fulfilled']).sum())} unfulfilled past {replacement.limit:g} days; "
        f"{int((~counted['zero_cost']).sum())} charged",
    ))
    for key, outcomes in (("client_retention", audit.clients), ("placement_retention", audit.placements)):
        share = retention_share(outcomes, confidence=confidence).iloc[0]
        n = int(share["retained"] + share["lost"])
        target = PROMISES[key].target
        met = None if target is None else _verdict(share["share"] >= target, n)
        statuses.append(PromiseStatus(
            key, PROMISES[key].name, float(share["share"]), target, met, n,
            f"{int(share['retained'])} retained, {int(share['lost'])} lost, "
            f"{int(share['censored'])} not known yet (censored: too recent or ended for another "
            "reason, not counted); "
            f"{confidence:.0%} interval {_pct(share['ci_low'])} to {_pct(share['ci_high'])}",
        ))
    return statuses


BREACH_COLUMNS = ("promise", "entity", "client_id", "search_id", "placement_id", "replacement_id",
                  "figure", "limit", "unit", "detail")


def breach_list(audit: SlaAudit) -> pd.DataFrame:
    """One row per search, placement, replacement or client that breaks a promise's rule.

    Rows: searches past the shortlist-time limit (delivered late or still without a shortlist);
    shortlists outside the promised size; placements whose first day took longer than the
    first-day target (that promise holds on the average, so these are the rows pulling it up);
    replacements later than their limit or charged; clients lost within the client-retention
    horizon. The limits are those of :data:`PROMISES` (14 business days, 2-3 candidates, 30 days,
    14 days, 3 months).

    Returns
    -------
    pandas.DataFrame
        :data:`BREACH_COLUMNS`: ``promise`` (key of :data:`PROMISES`), ``entity``, the ids for
        drill-down (missing where not known), ``figure`` (the row's value), ``limit``, ``unit``
        and a plain-English ``detail``; ordered as :data:`PROMISES`, then by figure, largest
        first. Client rows have no limit: their figure is the days the client stayed.
    """
    time, size, first_day, replacement = _SHORTLIST_TIME, _SHORTLIST_SIZE, _FIRST_DAY, _REPLACEMENT
    parts = []
    late = audit.shortlist[audit.shortlist["breach"]]
    parts.append(late.assign(
        promise="shortlist_time", entity="search", figure=late["business_days"], limit=_number(time.limit),
        unit=time.unit,
        detail=np.where(late["delivered"], "shortlist delivered after the limit",
                        "no shortlist yet and past the limit")))
    flagged = audit.sizes[audit.sizes["breach"]]
    parts.append(flagged.assign(
        promise="shortlist_size", entity="search", figure=flagged["shortlisted"].astype(float),
        unit=size.unit,
        limit=np.where(flagged["shortlisted"] < size.target, _number(size.target), _number(size.limit)),
        detail=flagged["flag"] + " candidates"))
    slow = audit.first_days[audit.first_days["over_target"]]
    parts.append(slow.assign(
        promise="first_day", entity="placement", figure=slow["days"], limit=_number(first_day.target),
        unit=first_day.unit,
        detail=f"first day more than {first_day.target:g} days out (the promise is on the average)"))
    broken = audit.replacements[audit.replacements["breach"]]
    parts.append(broken.assign(
        promise="replacement", entity="replacement", figure=broken["days"], limit=_number(replacement.limit),
        unit=replacement.unit,
        detail=np.select([broken["late"] & ~broken["zero_cost"], broken["late"]],
                         ["late and charged", f"later than {replacement.limit:g} days"], "charged to the client")))
    lost = audit.clients[audit.clients["outcome"] == "lost"]
    parts.append(lost.assign(
        promise="client_retention", entity="client", figure=lost["t_days"].astype(float), limit=np.nan,
        unit="days as a client",
        detail=f"left within its first {CLIENT_HORIZON}"))
    order = {key: i for i, key in enumerate(PROMISES)}
    rows = pd.concat([p.reindex(columns=BREACH_COLUMNS) for p in parts], ignore_index=True)
    ids = ["client_id", "search_id", "placement_id", "replacement_id"]
    rows[ids] = rows[ids].astype("Int64")  # missing where the entity has no such id
    rows = rows.sort_values(["promise", "figure"], key=lambda c: c.map(order) if c.name == "promise" else -c,
                            kind="stable")
    return rows.reset_index(drop=True)
