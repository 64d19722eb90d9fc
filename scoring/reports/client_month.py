"""A client's month, as the client reads it: its searches, shortlists, placements, replacements and promises.

:func:`client_month_report` judges nothing itself. It runs the ops audit
(:func:`scoring.reports.ops.ops_report`) for the one client twice, as of the month's last day and as of
the day before the month began, with the ops page's as-of rules, and reads off the rows the month
touched. A promise *fell due* in the month when its row entered the audit's figure during the month
(the audit's ``in_figure`` flag: a shortlist delivered, or an open search past its limit; a replacement
fulfilled, or an open request past its limit; a client's third month completed, or the client lost), and
it was *kept* unless the audit marks the row a breach. The shortlist size falls due with the shortlist,
and the first day with the engineer's first day (that promise holds on the average, stated beside it).

What the client reads: names of its own engineers and shortlisted candidates, dates, business and
calendar days, and the promises in words; never the agency's internal references, a reviewer's name or
a candidate's e-mail address.

When the month is not over yet, the report is as of the ``today`` given, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from scoring.agency.access import Account
from scoring.agency.scorecard import incomplete_message, scores_under_versions
from scoring.domain.dimensions import DIMENSION_NAMES
from scoring.domain.promises import PROMISES
from scoring.reports.candidate import ShortlistComparison, seniority_label, shortlist_traces
from scoring.reports.formatting import MISSING, as_day, counted, is_missing, shown
from scoring.reports.ops import OpsReport, ops_report
from scoring.store import client_months
from scoring.store import searches as search_store
from scoring.store import weights as weight_store
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.searches import SearchFilter

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_SHORTLIST, _SIZE = PROMISES["shortlist_time"], PROMISES["shortlist_size"]
_FIRST_DAY, _REPLACEMENT = PROMISES["first_day"], PROMISES["replacement"]
#: The promises a client is told about, in the ops page's order (placement retention has no figure promised).
CLIENT_PROMISES = ("shortlist_time", "shortlist_size", "first_day", "replacement", "client_retention")

#: Why a placement ended, in a client's words.
END_REASONS = {"not_a_fit": "ended: not a fit", "engineer_left": "ended: the engineer left",
               "completed": "ended: engagement completed", "client_churned": "ended with your contract"}
#: The client's decision on a shortlisted candidate, as stored at stage 4.
DECISIONS = {"pass": "accepted", "fail": "declined"}
AWAITING = "awaiting your decision"
#: The headline states of :mod:`scoring.reports.ops`, in a client's words.
STATUS_WORDS = {"met": "kept", "breached": "not kept", "not enough data": "nothing measured yet",
                "no figure promised": "reported only"}


@dataclass(frozen=True)
class Shortlist:
    """One shortlist delivered in the month: who was presented, their take-home ratings side by side.

    ``table`` has ``Candidate``, ``Take-home score`` (1-5 under the weights in force, or why there is
    none), the five dimensions by name (the mean rating of the reviewers, or "not rated") and ``Your
    decision``; ``traces`` are the radar's lines, one per candidate (:func:`shortlist_traces`).
    """

    search: str
    delivered_on: date
    table: pd.DataFrame
    traces: dict[str, pd.Series] = field(repr=False)


@dataclass(frozen=True)
class ClientMonth:
    """Everything the monthly report of one client shows; every table's columns are headings a client reads.

    Attributes
    ----------
    searches : pandas.DataFrame
        ``Search``, ``Opened``, ``Shortlist delivered``, ``Business days``, ``Against the promise``: the
        searches open at some time in the month (opened in it, or still without a shortlist when it began).
    times : pandas.DataFrame
        The same searches for the shortlist-time figure: ``search`` (a unique label), ``business_days``
        and ``state`` ('delivered', 'waiting' or 'cancelled').
    promises : pandas.DataFrame
        ``Promise``, ``Fell due this month``, ``Kept``, ``Not kept``, ``What happened``: one row per
        promise of :data:`CLIENT_PROMISES`.
    to_date : pandas.DataFrame
        ``Promise``, ``What we promise``, ``Since you joined``, ``Measured over``, ``Result``: the ops
        page's headline for this client as of :attr:`as_of`.
    """

    client: str
    client_ref: str
    month: str
    start: date
    end: date
    as_of: date
    summary: tuple[str, ...]
    searches: pd.DataFrame
    times: pd.DataFrame
    shortlists: tuple[Shortlist, ...]
    placements: pd.DataFrame
    replacements: pd.DataFrame
    promises: pd.DataFrame
    to_date: pd.DataFrame
    definitions: tuple[tuple[str, str], ...]
    target: float
    limit: float

    @property
    def month_label(self) -> str:
        """The month as a person says it (``June 2025``)."""
        return f"{self.start:%B %Y}"

    @property
    def complete(self) -> bool:
        """Whether the report covers the whole month (its last day is on or before the report's date)."""
        return self.as_of >= self.end


def month_span(month: str) -> tuple[date, date]:
    """The first and last day of a month written ``YYYY-MM``.

    Examples
    --------
    >>> month_span("2024-02")
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> month_span("2025-13")
    Traceback (most recent call last):
    ...
    ValueError: the month must be written YYYY-MM (for example 2025-06); got '2025-13'
    """
    found = _MONTH.match(str(month).strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        raise ValueError(f"the month must be written YYYY-MM (for example 2025-06); got {month!r}")
    first = date(int(found.group(1)), int(found.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def report_months(signed_on: date, churned_on: date | None, today: date) -> list[str]:
    """The months a client's report can be written for, newest first: from the month it signed to the month
    it left, or to this month.

    Examples
    --------
    >>> report_months(date(2025, 4, 20), None, date(2025, 6, 30))
    ['2025-06', '2025-05', '2025-04']
    >>> report_months(date(2024, 11, 5), date(2025, 1, 10), date(2025, 6, 30))
    ['2025-01', '2024-12', '2024-11']
    """
    last = min(today, churned_on) if churned_on is not None else today
    months = pd.period_range(pd.Period(signed_on, "M"), pd.Period(last, "M"), freq="M")
    return [f"{month:%Y-%m}" for month in reversed(months)]


def client_month_report(db: Database, actor: Account, client_ref: str, month: str, today: date) -> ClientMonth:
    """The monthly report of the client whose reference is ``client_ref``.

    Parameters
    ----------
    db, actor
        The database and an account holding ``read_ops`` and ``read_all_scores`` (ops, admin).
    client_ref : str
        The client's external reference (``CL-0001``).
    month : str
        ``YYYY-MM``.
    today : date
        The database's today: a month not over yet is reported as of this day.

    Raises
    ------
    ValueError
        Saying why, in words, when the month is malformed or not begun, the client is unknown, or the
        client had not signed by the month's end.
    """
    authorize(db, actor, "read_ops")      # first: an ended session learns that, whatever it passes
    start, end = month_span(month)
    if start > today:
        raise ValueError(f"{start:%B %Y} has not begun yet (today is {today:%d %b %Y}); choose an earlier month")
    client = client_months.client_by_ref(db, actor, client_ref)
    if client is None:
        raise ValueError(f"there is no client with the reference {client_ref.strip()!r}")
    as_of = min(end, today)
    signed = pd.Timestamp(client["signed_on"]).date()
    if signed > as_of:
        raise ValueError(f"{client['client']} signed on {signed:%d %b %Y}, after {start:%B %Y}; there is nothing "
                         "to report for that month")
    chosen = SearchFilter(client_ids=(int(client["client_id"]),))
    now = ops_report(db, actor, chosen, as_of)
    before = ops_report(db, actor, chosen, start - timedelta(days=1))
    roles = search_store.read(db, actor, chosen, as_of)[["search_id", "role_title"]]

    searches = _month_searches(now, roles, start)
    placements = _month_placements(db, actor, now, start, as_of)
    replacements = _month_replacements(db, actor, now, start)
    shortlists = _shortlists(db, actor, int(client["client_id"]), searches, start, as_of)
    promises = _promises(now, before, start, as_of)
    return ClientMonth(
        client=str(client["client"]), client_ref=str(client["client_ref"]), month=f"{start:%Y-%m}",
        start=start, end=end, as_of=as_of,
        summary=_summary(searches, placements, replacements, promises, as_of),
        searches=_search_table(searches), times=_times(searches), shortlists=shortlists,
        placements=_placement_table(placements, as_of), replacements=_replacement_table(replacements),
        promises=promises, to_date=_to_date(now),
        definitions=client_definitions(),
        target=float(_SHORTLIST.target or 0), limit=float(_SHORTLIST.limit or 0),
    )


def client_definitions() -> tuple[tuple[str, str], ...]:
    """Each promise's name and how it is counted, in a client's words, with the numbers of
    :data:`scoring.domain.promises.PROMISES` (the ops page states the same rules in its own words).

    Examples
    --------
    >>> client_definitions()[1]
    ('Shortlist of 2-3 candidates', 'Every shortlist we send holds 2 to 3 vetted candidates.')
    """
    retention = PROMISES["client_retention"]
    texts = {
        "shortlist_time": (
            f"Business days from the day after a search opens to the day its shortlist reaches you, weekends and "
            f"your country's public holidays not counted. We aim for {_SHORTLIST.target:g} and promise at most "
            f"{_SHORTLIST.limit:g}; a search still without a shortlist after {_SHORTLIST.limit:g} business days "
            "counts as a promise not kept, and a search cancelled before its shortlist is not counted."),
        "shortlist_size": f"Every shortlist we send holds {_SIZE.target:g} to {_SIZE.limit:g} vetted candidates.",
        "first_day": (
            "Calendar days from the day a search opens to the placed engineer's first day, on average over the "
            f"engineers placed with you; we promise at most {_FIRST_DAY.target:g} days on average. A replacement "
            "engineer is counted under the replacement promise instead."),
        "replacement": (
            f"When a placed engineer has to be replaced, the replacement starts within {_REPLACEMENT.limit:g} "
            f"calendar days of your request (we aim for {_REPLACEMENT.target:g}), at no cost to you. A request "
            f"still open after {_REPLACEMENT.limit:g} days, or any charge, counts as a promise not kept."),
        "client_retention": (
            f"We aim for {retention.target:.0%} of our clients to stay with us beyond their first "
            f"{retention.horizon}; for you, it is kept once your first {retention.horizon} with us are complete."),
    }
    return tuple((PROMISES[key].name, texts[key]) for key in CLIENT_PROMISES)


# -- choosing the month's rows ---------------------------------------------------------------------------
def _within(values: pd.Series, start: date, end: date) -> pd.Series:
    days = values.map(as_day)
    return days.map(lambda d: d is not None and start <= d <= end).astype(bool)


def _before(values: pd.Series, start: date) -> pd.Series:
    return values.map(as_day).map(lambda d: d is not None and d < start).astype(bool)


def _newly(now: pd.DataFrame, before: pd.DataFrame, key: str, flag: str = "in_figure") -> pd.Series:
    """Rows of ``now`` whose ``flag`` holds now and did not hold on the day before the month."""
    earlier = set(before.loc[before[flag], key]) if len(before) else set()
    return now[flag] & ~now[key].isin(earlier)


def _month_searches(now: OpsReport, roles: pd.DataFrame, start: date) -> pd.DataFrame:
    """The searches open at some time in the month, with the audit's flags, oldest first."""
    rows = now.evidence["shortlist_time"].merge(roles, on="search_id", how="left")
    settled_before = _before(rows["shortlist_delivered_on"], start) | (
        rows["cancelled"] & _before(rows["closed_on"], start))
    rows = rows[~settled_before].sort_values(["opened_on", "search_id"], kind="stable").reset_index(drop=True)
    base = [f"{row.role_title} ({seniority_label(row.seniority).lower()}), opened {row.opened_on:%d %b %Y}"
            for row in rows.itertuples()]
    rows["label"] = _unique(base)
    return rows


def _unique(labels: list[str]) -> list[str]:
    """Labels made unique by a number after the second and later repeats.

    >>> _unique(["a", "b", "a"])
    ['a', 'b', 'a (2)']
    """
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def search_words(row: pd.Series) -> str:
    """Where one search stands against the shortlist promise, in a client's words.

    Examples
    --------
    >>> flags = dict(delivered=True, cancelled=False, breach=False, within_target=False, at_risk=False)
    >>> search_words(pd.Series({**flags, "business_days": 9.0}))
    'delivered within the 14-business-day limit (target 7)'
    >>> search_words(pd.Series({**flags, "business_days": 17.0, "breach": True}))
    'delivered 3 business days after the 14-business-day limit'
    >>> search_words(pd.Series({**flags, "delivered": False, "business_days": 4.0}))
    'no shortlist yet: 4 business days so far, within the 7-day target'
    """
    target, limit, days = _SHORTLIST.target or 0, _SHORTLIST.limit or 0, int(row["business_days"])
    if row["cancelled"]:
        return "cancelled without a shortlist: not counted against the promise"
    if row["delivered"]:
        if row["breach"]:
            return f"delivered {counted(days - int(limit), 'business day')} after the {limit:g}-business-day limit"
        if row["within_target"]:
            return f"delivered within the {target:g}-business-day target"
        return f"delivered within the {limit:g}-business-day limit (target {target:g})"
    so_far = f"no shortlist yet: {counted(days, 'business day')} so far"
    if row["breach"]:
        return f"{so_far}, past the {limit:g}-business-day limit"
    if row["at_risk"]:
        return f"{so_far}, past the {target:g}-day target; {counted(int(limit) - days, 'business day')} left"
    return f"{so_far}, within the {target:g}-day target"


def _search_table(rows: pd.DataFrame) -> pd.DataFrame:
    delivered = [shown(as_day(d), "{:%d %b %Y}") if ok else ("cancelled" if cancelled else "not yet")
                 for d, ok, cancelled in zip(rows["shortlist_delivered_on"], rows["delivered"], rows["cancelled"])]
    return pd.DataFrame({
        "Search": rows["label"].to_numpy(),
        "Opened": [f"{as_day(d):%d %b %Y}" for d in rows["opened_on"]],
        "Shortlist delivered": delivered,
        "Business days": [f"{int(d)}" for d in rows["business_days"]],
        "Against the promise": [search_words(row) for _, row in rows.iterrows()],
    })


def _times(rows: pd.DataFrame) -> pd.DataFrame:
    state = ["delivered" if ok else ("cancelled" if cancelled else "waiting")
             for ok, cancelled in zip(rows["delivered"], rows["cancelled"])]
    return pd.DataFrame({"search": rows["label"].to_numpy(), "business_days": rows["business_days"].astype(int),
                         "state": state})


def _month_placements(db: Database, actor: Account, now: OpsReport, start: date, end: date) -> pd.DataFrame:
    """Placements accepted, started or ended in the month, with the engineer's name and the role."""
    first = now.evidence["first_day"]
    ends = now.evidence["placement_retention"][["placement_id", "ended_on", "end_reason"]]
    rows = first.merge(ends, on="placement_id", how="left")
    touched = (_within(rows["accepted_on"], start, end) | _within(rows["first_day"], start, end)
               | _within(rows["ended_on"], start, end))
    rows = rows[touched]
    names = client_months.engineers(db, actor, rows["placement_id"].tolist())
    rows = rows.merge(names, on="placement_id", how="left")
    return rows.sort_values(["first_day", "placement_id"], kind="stable").reset_index(drop=True)


def _placement_state(row: pd.Series, end: date) -> str:
    ended = as_day(row["ended_on"])
    if ended is not None:
        return f"{END_REASONS.get(str(row['end_reason']), 'ended')} on {ended:%d %b %Y}"
    started = as_day(row["first_day"])
    return "in post" if started is not None and started <= end else f"starts on {started:%d %b %Y}"


def _placement_table(rows: pd.DataFrame, as_of: date) -> pd.DataFrame:
    days = []
    for _, row in rows.iterrows():
        if "replacement" in str(row["note"]):
            days.append("replacement engineer (the replacement promise applies)")
        elif row["in_figure"]:
            over = f" (over the {_FIRST_DAY.target:g}-day average promised)" if row["breach"] else ""
            days.append(f"{int(row['days'])} days from the search opening{over}")
        else:
            days.append("not started yet")
    return pd.DataFrame({
        "Engineer": rows["engineer"].fillna(MISSING).to_numpy(),
        "Role": rows["role_title"].fillna(MISSING).to_numpy(),
        "Offer accepted": [shown(as_day(d), "{:%d %b %Y}") for d in rows["accepted_on"]],
        "First day": [shown(as_day(d), "{:%d %b %Y}") for d in rows["first_day"]],
        "Time to first day": days,
        "Now": [_placement_state(row, as_of) for _, row in rows.iterrows()],
    })


def _month_replacements(db: Database, actor: Account, now: OpsReport, start: date) -> pd.DataFrame:
    """Replacement requests open at some time in the month, with the name of the engineer replaced."""
    rows = now.evidence["replacement"]
    rows = rows[~_before(rows["fulfilled_on"], start)]
    names = client_months.engineers(db, actor, rows["placement_id"].tolist())[["placement_id", "engineer"]]
    return rows.merge(names, on="placement_id", how="left").sort_values(
        ["requested_on", "replacement_id"], kind="stable").reset_index(drop=True)


def replacement_words(row: pd.Series) -> str:
    """Where one replacement stands against the replacement promise, in a client's words.

    Examples
    --------
    >>> flags = dict(fulfilled=True, late=False, zero_cost=True)
    >>> replacement_words(pd.Series({**flags, "days": 11.0}))
    'replaced within the 14-day limit, at no cost'
    >>> replacement_words(pd.Series({**flags, "days": 4.0, "zero_cost": False}))
    'replaced within the 14-day limit, but charged'
    >>> replacement_words(pd.Series({**flags, "fulfilled": False, "days": 5.0}))
    'not replaced yet: 9 days left within the 14-day limit'
    """
    limit, days = _REPLACEMENT.limit or 0, int(row["days"])
    if not row["fulfilled"]:
        if row["late"]:
            return f"not replaced yet: past the {limit:g}-day limit"
        return f"not replaced yet: {counted(int(limit) - days, 'day')} left within the {limit:g}-day limit"
    timing = f"later than the {limit:g}-day limit" if row["late"] else f"within the {limit:g}-day limit"
    return f"replaced {timing}, {'at no cost' if row['zero_cost'] else 'but charged'}"


def _replacement_table(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Engineer replaced": rows["engineer"].fillna(MISSING).to_numpy(),
        "Requested": [shown(as_day(d), "{:%d %b %Y}") for d in rows["requested_on"]],
        "Replacement started": [shown(as_day(d), "{:%d %b %Y}") if as_day(d) else "not yet"
                                for d in rows["fulfilled_on"]],
        "Days": [f"{int(d)}" for d in rows["days"]],
        "Charged": ["nothing" if not cost else f"{cost:,.0f} USD" for cost in rows["cost_usd"].astype(float)],
        "Against the promise": [replacement_words(row) for _, row in rows.iterrows()],
    })


# -- shortlists and their ratings ---------------------------------------------------------------------
def _shortlists(db: Database, actor: Account, client_id: int, searches: pd.DataFrame, start: date,
                as_of: date) -> tuple[Shortlist, ...]:
    delivered = searches[searches["delivered"] & _within(searches["shortlist_delivered_on"], start, as_of)]
    if delivered.empty:
        return ()
    people = client_months.shortlisted(db, actor, client_id, as_of)
    people = people[people["search_id"].isin(delivered["search_id"])]
    ids = people["application_id"].tolist()
    scores = scores_under_versions(client_months.take_home_ratings(db, actor, ids, as_of),
                                   client_months.take_home_dates(db, actor, ids, as_of),
                                   weight_store.version_weights(db, actor))
    out = []
    for search in delivered.itertuples():
        presented = people[people["search_id"] == search.search_id].copy()
        presented["full_name"] = _unique(presented["full_name"].astype(str).tolist())
        merged = _best_first(presented.merge(scores, on="application_id", how="left"))
        out.append(Shortlist(search=search.label, delivered_on=as_day(search.shortlist_delivered_on) or start,
                             table=_shortlist_table(merged),
                             traces=shortlist_traces(ShortlistComparison(candidates=presented, scores=merged))))
    return tuple(out)


def _score_words(row: pd.Series) -> str:
    if not is_missing(row.get("score")):
        return f"{row['score']:.2f}"
    missing = row.get("missing_dimensions")
    if isinstance(missing, list) and missing:
        return incomplete_message(missing)
    return "no take-home scores"


def _best_first(rows: pd.DataFrame) -> pd.DataFrame:
    """Complete scorecards by weighted score, best first, then the others (never ranked against them), so
    the table and the radar's legend list the candidates in one order."""
    scored = rows["score"].notna() if "score" in rows else pd.Series(False, index=rows.index)
    return pd.concat([rows[scored].sort_values("score", ascending=False, kind="stable"), rows[~scored]])


def _shortlist_table(rows: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"Candidate": rows["full_name"].to_numpy(),
                          "Take-home score": [_score_words(row) for _, row in rows.iterrows()]})
    for code, name in DIMENSION_NAMES.items():
        values = rows[code] if code in rows else pd.Series(float("nan"), index=rows.index)
        table[name] = [shown(v, "{:.2f}") if not is_missing(v) else "not rated" for v in values]
    table["Your decision"] = [DECISIONS.get(str(d), AWAITING) if not is_missing(d) else AWAITING
                              for d in rows["decision"]]
    return table


# -- promises ---------------------------------------------------------------------------------------------
def _promises(now: OpsReport, before: OpsReport, start: date, end: date) -> pd.DataFrame:
    """Per promise, the rows that fell due in the month and how many were kept."""
    evidence, earlier = now.evidence, before.evidence
    due = {
        "shortlist_time": evidence["shortlist_time"][_newly(evidence["shortlist_time"], earlier["shortlist_time"],
                                                            "search_id")],
        "shortlist_size": evidence["shortlist_size"][_within(evidence["shortlist_size"]["shortlist_delivered_on"],
                                                             start, end)],
        "first_day": evidence["first_day"][evidence["first_day"]["in_figure"]
                                           & _within(evidence["first_day"]["first_day"], start, end)],
        "replacement": evidence["replacement"][_newly(evidence["replacement"], earlier["replacement"],
                                                      "replacement_id")],
        "client_retention": evidence["client_retention"][_newly(evidence["client_retention"],
                                                                earlier["client_retention"], "client_id")],
    }
    rows = []
    for key in CLIENT_PROMISES:
        rows_due = due[key]
        n, broken = len(rows_due), int(rows_due["breach"].sum())
        rows.append({"Promise": PROMISES[key].name, "Fell due this month": n, "Kept": n - broken,
                     "Not kept": broken, "What happened": _due_words(key, rows_due)})
    return pd.DataFrame(rows)


def _due_words(key: str, rows: pd.DataFrame) -> str:
    """One sentence on the rows of one promise that fell due in the month."""
    if rows.empty:
        return "nothing fell due this month"
    n = len(rows)
    if key == "shortlist_time":
        late = int(rows["breach"].sum())
        waiting = int((rows["breach"] & ~rows["delivered"]).sum())
        text = f"{counted(n, 'search', 'searches')}: {n - late} within the {_SHORTLIST.limit:g}-business-day limit"
        if late:
            text += f", {late} past it" + (f" ({waiting} still without a shortlist)" if waiting else "")
        return text
    if key == "shortlist_size":
        sizes = ", ".join(str(int(s)) for s in rows["shortlisted"])
        return f"{counted(n, 'shortlist')} of {sizes} {'candidate' if sizes == '1' else 'candidates'}"
    if key == "first_day":
        mean = float(rows["days"].mean())
        return (f"{counted(n, 'engineer')} started, {mean:.0f} days after the search opened on average "
                f"(the promise is {_FIRST_DAY.target:g} days on average)")
    if key == "replacement":
        charged = int((rows["cost_usd"].astype(float) > 0).sum())
        late = int((rows["days"] > (_REPLACEMENT.limit or 0)).sum())
        return f"{counted(n, 'replacement')}: {late} later than {_REPLACEMENT.limit:g} days, {charged} charged"
    outcome = str(rows.iloc[0]["outcome"])
    return ("you completed your first three months with us" if outcome == "retained"
            else "your contract ended within its first three months")


def _to_date(now: OpsReport) -> pd.DataFrame:
    rows = now.headline[now.headline["key"].isin(CLIENT_PROMISES)]
    return pd.DataFrame({
        "Promise": rows["name"].to_numpy(),
        "What we promise": rows["target_text"].to_numpy(),
        "Since you joined": rows["figure_text"].to_numpy(),
        "Measured over": [str(int(n)) for n in rows["n"]],
        "Result": [STATUS_WORDS.get(str(s), str(s)) for s in rows["status"]],
    })


def _summary(searches: pd.DataFrame, placements: pd.DataFrame, replacements: pd.DataFrame,
             promises: pd.DataFrame, as_of: date) -> tuple[str, ...]:
    """The month in a few sentences, for the report's first page."""
    delivered = int(searches["delivered"].sum())
    waiting = int((~searches["delivered"] & ~searches["cancelled"]).sum())
    lines = [f"{counted(len(searches), 'search', 'searches')} open during the month: "
             f"{counted(delivered, 'shortlist')} delivered, {waiting} still waiting for one."
             if len(searches) else "No search was open during the month."]
    if len(placements):
        lines.append(f"{counted(len(placements), 'placement')} accepted, started or ended this month; "
                     f"{_in_post(placements, as_of)} of them in post on {as_of:%d %b %Y}.")
    else:
        lines.append("No placement was accepted, started or ended this month.")
    lines.append(f"{counted(len(replacements), 'replacement request')} open during the month."
                 if len(replacements) else "No replacement was needed this month.")
    due, kept = int(promises["Fell due this month"].sum()), int(promises["Kept"].sum())
    lines.append(f"Promises that fell due this month: {due}; kept: {kept}." if due
                 else "No promise fell due this month.")
    return tuple(lines)


def _in_post(placements: pd.DataFrame, as_of: date) -> int:
    """Placements whose engineer had started by ``as_of`` and had not left."""
    started = placements["first_day"].map(as_day).map(lambda d: d is not None and d <= as_of)
    return int((started & placements["ended_on"].map(as_day).isna()).sum())
