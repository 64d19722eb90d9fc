"""The daily digest: for each hiring lead and for ops, what is at risk, what breached, what is due.

One digest per recipient and day, as of that day:

* **At risk now**: open items (a search without a shortlist, an open replacement request, a client in
  its first three months who raised a replacement) whose estimated chance of breaking the promise is
  at least :data:`AT_RISK_PROBABILITY`, from :func:`scoring.reports.at_risk.at_risk_report`, highest
  first, as the ops page's "At risk" view orders them.
* **Breached since the last digest**: the rows of the ops page's breach list
  (:func:`scoring.reports.ops.ops_report`, all clients and seniorities) as of the digest's date that
  were not on it as of the day of the recipient's last confirmed digest, or of the previous working
  day when there is none. The same definitions as the ops page, to the row.
* **Due in the next few days**: the other open items whose limit falls within
  :data:`DUE_WITHIN_DAYS` days (business days for a shortlist, calendar days otherwise).

A hiring lead's digest holds the items and breaches of the searches they lead (a placement's and a
replacement's through the search it filled); ops's holds everything, and so does the webhook's post.

Ops's digest (and the webhook's) has one more section, **Reviewers drifting**: the crossings of the
calibration page's drift watch (:mod:`scoring.agency.drift_watch`: each reviewer's severity on each
dimension, month by month, on an EWMA chart) that were not there as of the day its breaches count
after, in the recent months the page invites reviewers to the next calibration session for, at
either scored stage, over the months the calibration page opens on (:func:`digest_drift`).
An empty section says "nothing"; a digest with nothing in it still goes out, saying all is on track,
so a missing digest is never mistaken for a quiet day.

Pure functions compose the text, HTML and JSON; :func:`daily_digests` reads the figures.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

import pandas as pd

from scoring.agency import drift_watch
from scoring.agency.access import Account
from scoring.agency.calibration import SEVERITY_TOL
from scoring.domain.dimensions import DIMENSIONS
from scoring.domain.stages import Stage
from scoring.reports.at_risk import KINDS, at_risk_report
from scoring.reports.calibration import STAGE_LABELS, default_filter, reviewer_labels
from scoring.reports.formatting import MISSING, counted, is_missing, shown
from scoring.reports.ops import breach_texts, ops_report
from scoring.stats.business_days import configured_country, holiday_dates
from scoring.stats.severity import fit_severity
from scoring.store import accounts
from scoring.store import ratings as rating_store
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.digests import recipient_key
from scoring.store.owners import search_owners
from scoring.store.searches import SearchFilter

#: An open item is "at risk" once its estimated chance of breaking the promise is at least this: more
#: likely to break it than not. The agency's choice, stated in every digest.
AT_RISK_PROBABILITY = 0.5
#: "Due in the next few days": an item whose limit falls within this many days (business days for a
#: shortlist, as its promise counts them; calendar days otherwise).
DUE_WITHIN_DAYS = 3
#: How many rows a section lists before it says how many more there are (the ops page has them all).
LISTED_ROWS = 25
#: A breach is the same breach on two days when these agree.
BREACH_KEY = ("promise", "entity", "reference")
#: The columns of the at-risk items a digest's JSON carries (of :func:`scoring.reports.at_risk.at_risk_report`).
ITEM_COLUMNS = ("kind", "ref", "client", "client_ref", "owner", "started_on", "elapsed", "limit", "days_left", "unit",
                "p_breach", "basis")
NOTHING = "nothing"
#: The columns of a drifting reviewer a digest's JSON carries.
DRIFT_COLUMNS = ("reviewer", "dimension", "stage", "month", "direction")


@dataclass(frozen=True)
class Recipient:
    """Who a digest is for: a hiring lead or ops staff (by e-mail), or the webhook's chat channel.

    ``role`` is ``hiring_lead``, ``ops`` or ``webhook``; a hiring lead sees their own searches only.
    """

    name: str
    role: str
    account_id: int | None = None
    email: str | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role != "hiring_lead"


@dataclass(frozen=True)
class Digest:
    """One recipient's digest as of ``as_of``: its three sections, and the words and JSON that carry them.

    ``since`` is the day breaches count after (the last confirmed digest's date, or the previous
    working day). ``at_risk``, ``breached`` and ``due`` are the rows listed; ``drifting`` the reviewers
    whose drift watch crossed a limit since then (ops and the webhook only: :func:`digest_drift`).
    """

    recipient: Recipient
    as_of: date
    since: date
    at_risk: pd.DataFrame = field(repr=False)
    breached: pd.DataFrame = field(repr=False)
    due: pd.DataFrame = field(repr=False)
    subject: str = ""
    text: str = field(default="", repr=False)
    html: str = field(default="", repr=False)
    payload: dict[str, Any] = field(default_factory=dict, repr=False)
    drifting: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DRIFT_COLUMNS)), repr=False)

    @property
    def on_track(self) -> bool:
        return self.at_risk.empty and self.breached.empty and self.due.empty


# -- dates -----------------------------------------------------------------------------------------
def previous_working_day(day: date, country: str | None = None) -> date:
    """The last working day before ``day``: not a weekend, not a public holiday of ``country``.

    Examples
    --------
    >>> previous_working_day(date(2025, 6, 30), "US")      # a Monday: the Friday before
    datetime.date(2025, 6, 27)
    >>> previous_working_day(date(2025, 7, 7), "US")       # Friday 4 July is Independence Day
    datetime.date(2025, 7, 3)
    """
    country = (country or configured_country()).upper()
    off = set(holiday_dates(country, day.year - 1, day.year))
    earlier = day - timedelta(days=1)
    while earlier.weekday() >= 5 or earlier in off:
        earlier -= timedelta(days=1)
    return earlier


def last_confirmed(sent: pd.DataFrame, channel: str, recipient: str, before: date) -> date | None:
    """The newest confirmed digest of ``channel`` to ``recipient`` dated before ``before``; None if none.

    ``sent`` is :func:`scoring.store.digests.sent_digests`; an unconfirmed row (``sent_at`` missing) does
    not count, so the next digest repeats whatever it may have missed.

    Examples
    --------
    >>> sent = pd.DataFrame({"digest_date": [date(2025, 6, 27), date(2025, 6, 26)], "channel": ["email"] * 2,
    ...                      "recipient": ["a@x.example"] * 2, "sent_at": [pd.NaT, pd.Timestamp("2025-06-26 07:30")]})
    >>> last_confirmed(sent, "email", "a@x.example", date(2025, 6, 30))
    datetime.date(2025, 6, 26)
    """
    rows = sent[(sent["channel"] == channel) & (sent["recipient"] == recipient) & sent["sent_at"].notna()]
    dates = [d for d in pd.to_datetime(rows["digest_date"]).dt.date if d < before]
    return max(dates) if dates else None


def covers_from(as_of: date, last_sent: date | None, country: str | None = None) -> date:
    """The day a digest's breaches count after: its recipient's last confirmed digest, or else the previous
    working day.

    Examples
    --------
    >>> covers_from(date(2025, 6, 30), None, "US"), covers_from(date(2025, 6, 30), date(2025, 6, 20), "US")
    (datetime.date(2025, 6, 27), datetime.date(2025, 6, 20))
    """
    return last_sent if last_sent is not None else previous_working_day(as_of, country)


def channel_of(recipient: Recipient) -> str:
    """``webhook`` for the chat channel, ``email`` for a person."""
    return "webhook" if recipient.role == "webhook" else "email"


def since_days(recipients: Iterable[Recipient], sent: pd.DataFrame, as_of: date,
               country: str | None = None) -> dict[Recipient, date]:
    """For each recipient, the day their digest's breaches count after (:func:`covers_from`), from the
    record of digests sent (:func:`scoring.store.digests.sent_digests`)."""
    return {r: covers_from(as_of, last_confirmed(sent, channel_of(r), recipient_key(channel_of(r), r.email or ""),
                                                 as_of), country)
            for r in recipients}


# -- the sections ----------------------------------------------------------------------------------
def new_breaches(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """The rows of the breach list ``now`` that were not on the list ``before`` (matched on :data:`BREACH_KEY`).

    Examples
    --------
    >>> now = pd.DataFrame({"promise": ["shortlist_time", "replacement"], "entity": ["search", "replacement"],
    ...                     "reference": ["SR-05", "RP-4"]})
    >>> new_breaches(now, now.iloc[:1])["reference"].tolist()
    ['RP-4']
    """
    seen = set(before.reindex(columns=list(BREACH_KEY)).itertuples(index=False, name=None))
    keep = [key not in seen for key in now.reindex(columns=list(BREACH_KEY)).itertuples(index=False, name=None)]
    return now[keep].reset_index(drop=True)


def breach_owners(breaches: pd.DataFrame, placement_searches: pd.DataFrame, owners: pd.DataFrame) -> pd.DataFrame:
    """``breaches`` with ``owner_account_id``: the hiring lead of the search each breach belongs to.

    A search's breach is its lead's; a placement's and a replacement's belong to the search the placement
    filled (``placement_searches``: ``placement_id``, ``search_id``); a lost client's to no one (ops only).
    ``owners`` is :func:`scoring.store.owners.search_owners` (``search_id``, ``owner_account_id``).

    Examples
    --------
    >>> breaches = pd.DataFrame({"search_id": [5, None, None], "placement_id": [None, 9, None]})
    >>> owners = breach_owners(breaches, pd.DataFrame({"placement_id": [9], "search_id": [4]}),
    ...                        pd.DataFrame({"search_id": [4, 5], "owner_account_id": [3, 7]}))
    >>> owners["owner_account_id"].tolist()
    [7, 3, <NA>]
    """
    out = breaches.copy()
    by_placement = dict(zip(placement_searches["placement_id"].astype("int64"),
                            placement_searches["search_id"].astype("int64")))
    search = pd.to_numeric(out["search_id"], errors="coerce").astype("Int64")
    through = pd.to_numeric(out["placement_id"], errors="coerce").astype("Int64").map(
        lambda p: by_placement.get(int(p)) if pd.notna(p) else None)
    search = search.fillna(pd.to_numeric(through, errors="coerce").astype("Int64"))
    known = owners.dropna(subset=["owner_account_id"])
    lead_of = dict(zip(known["search_id"].astype("int64"), known["owner_account_id"].astype("int64")))
    out["owner_account_id"] = search.map(lambda s: lead_of.get(int(s)) if pd.notna(s) else None).astype("Int64")
    return out


def _mine(frame: pd.DataFrame, recipient: Recipient) -> pd.DataFrame:
    if recipient.sees_everything:
        return frame.reset_index(drop=True)
    owners = pd.to_numeric(frame["owner_account_id"], errors="coerce")
    return frame[owners == recipient.account_id].reset_index(drop=True)


def split_items(items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The open items at risk now, and the others due within :data:`DUE_WITHIN_DAYS` days.

    Items already past their limit are breaches, not risks: they are on the breach list.

    Examples
    --------
    >>> items = pd.DataFrame({"p_breach": [0.9, 0.2, 0.1, 1.0], "days_left": [5, 2, 9, -1]})
    >>> [frame.index.tolist() for frame in split_items(items)]
    [[0], [1]]
    """
    open_ = items[pd.to_numeric(items["days_left"]) >= 0]
    risky = pd.to_numeric(open_["p_breach"]) >= AT_RISK_PROBABILITY
    due = ~risky & (pd.to_numeric(open_["days_left"]) <= DUE_WITHIN_DAYS)
    return open_[risky], open_[due]


# -- words -----------------------------------------------------------------------------------------
def _days(n: object, unit: str) -> str:
    """``n`` days in ``unit`` ("business days", "calendar days"), singular for one."""
    words = str(unit) if n != 1 else str(unit).removesuffix("s")
    return f"{shown(n, '{:g}')} {words}"


def item_text(item: pd.Series, with_owner: bool) -> str:
    """One open item in a sentence: what it is, how long it has left, how likely it is to break its limit.

    Examples
    --------
    >>> item = pd.Series({"kind": "shortlist", "ref": "SR-06", "client": "Ember Energy", "elapsed": 12.0,
    ...                   "limit": 14.0, "days_left": 2.0, "unit": "business days", "p_breach": 0.64,
    ...                   "basis": "41 past senior searches", "owner": "Lea Lead"})
    >>> print(item_text(item, with_owner=True).replace("; ", ";\\n"))
    Shortlist SR-06 (Ember Energy): 2 business days left of 14 (12 gone);
    64% chance of passing the limit, from 41 past senior searches;
    lead: Lea Lead
    """
    kind = str(item["kind"])
    words = (f"{KINDS.get(kind, kind.capitalize())} {shown(item['ref'])} ({shown(item['client'])}): "
             f"{_days(item['days_left'], item['unit'])} left of {shown(item['limit'], '{:g}')} "
             f"({shown(item['elapsed'], '{:g}')} gone); {shown(item['p_breach'], '{:.0%}')} chance of passing the "
             f"limit, from {shown(item['basis'])}")
    if not with_owner:
        return words
    owner = item.get("owner")
    return words + ("; no lead named" if is_missing(owner) or owner == MISSING else f"; lead: {owner}")


def breach_text(row: pd.Series) -> str:
    """One breach in a sentence, as the ops page's breach list words it.

    Examples
    --------
    >>> row = pd.Series({"promise_name": "Shortlist within 7-14 business days", "entity": "search",
    ...                  "reference": "SR-05", "client": "Ember Energy", "figure": 19.0, "limit": 14.0,
    ...                  "unit": "business days", "detail": "no shortlist yet and past the limit"})
    >>> print(breach_text(row).replace(", ", ",\\n"))
    Shortlist within 7-14 business days: search SR-05 (Ember Energy),
    19 business days (limit 14): no shortlist yet and past the limit
    """
    what = breach_texts(pd.DataFrame([row])).iloc[0]
    return f"{row['promise_name']}: {row['entity']} {shown(row['reference'])} ({shown(row['client'])}), {what}"


@dataclass(frozen=True)
class _Section:
    key: str
    title: str
    lines: list[str]
    total: int


def _section(key: str, title: str, lines: Iterable[str]) -> _Section:
    every = list(lines)
    return _Section(key, title, every[:LISTED_ROWS], len(every))


def drift_text(row: pd.Series) -> str:
    """One drifting reviewer in a sentence: who, which way, on what, where and when.

    Examples
    --------
    >>> row = pd.Series({"reviewer": "Ivan Kim", "direction": "harsher", "dimension": "Model Deployment",
    ...                  "stage": "Take-home assessment", "month": pd.Timestamp("2026-11-01")})
    >>> drift_text(row)
    'Ivan Kim: harsher on Model Deployment (Take-home assessment, Nov 2026)'
    """
    return (f"{shown(row['reviewer'])}: {shown(row['direction'])} on {shown(row['dimension'])} "
            f"({shown(row['stage'])}, {pd.Timestamp(row['month']):%b %Y})")


def _drift_section(drifting: pd.DataFrame, since: date) -> _Section:
    return _section("drifting", f"Reviewers drifting since {since:%a %d %b %Y} (severity on a dimension beyond its "
                                "control limit: invite them to the next calibration session)",
                    (drift_text(r) for _, r in drifting.iterrows()))


def _sections(digest_rows: dict[str, pd.DataFrame], recipient: Recipient, as_of: date, since: date) -> list[_Section]:
    with_owner = recipient.sees_everything
    return [
        _section("at_risk", f"At risk now (a {AT_RISK_PROBABILITY:.0%} chance or more of breaking the promise)",
                 (item_text(r, with_owner) for _, r in digest_rows["at_risk"].iterrows())),
        _section("breached", f"Breached since {since:%a %d %b %Y}",
                 (breach_text(r) for _, r in digest_rows["breached"].iterrows())),
        _section("due", f"Due in the next {DUE_WITHIN_DAYS} days, likely on time",
                 (item_text(r, with_owner) for _, r in digest_rows["due"].iterrows())),
    ]


def subject_line(as_of: date, at_risk: int, breached: int, due: int, drifting: int = 0) -> str:
    """The e-mail's subject: the date and the three counts, or "all on track"; drifting reviewers if any.

    Examples
    --------
    >>> subject_line(date(2025, 6, 30), 2, 1, 0)
    'Scorecard digest, Mon 30 Jun 2025: 2 at risk, 1 new breach, 0 due soon'
    >>> subject_line(date(2025, 6, 30), 0, 0, 0)
    'Scorecard digest, Mon 30 Jun 2025: all on track'
    >>> subject_line(date(2025, 6, 30), 0, 0, 0, drifting=2)
    'Scorecard digest, Mon 30 Jun 2025: all on track; 2 reviewers drifting'
    """
    head = f"Scorecard digest, {as_of:%a %d %b %Y}"
    drift = f"; {counted(drifting, 'reviewer')} drifting" if drifting else ""
    if not (at_risk or breached or due):
        return f"{head}: all on track{drift}"
    return f"{head}: {at_risk:,} at risk, {counted(breached, 'new breach', 'new breaches')}, {due:,} due soon{drift}"


def _scope(recipient: Recipient) -> str:
    if recipient.sees_everything:
        return "every client and search"
    return "the searches you lead"


def _on_track(waiting: int) -> str:
    """The one line of a digest with nothing in it.

    Examples
    --------
    >>> _on_track(0), _on_track(4)
    ('nothing open, nothing breached.', '4 open items, none at risk or due in the next 3 days; nothing breached.')
    """
    if not waiting:
        return "nothing open, nothing breached."
    return f"{counted(waiting, 'open item')}, none at risk or due in the next {DUE_WITHIN_DAYS} days; nothing breached."


DRIFT_NOTE = ("Reviewers drifting: each reviewer's severity on each dimension, month by month, smoothed on an "
              "EWMA chart against their own first months, as the calibration page's drift watch draws it over the "
              "months it opens on; a chart beyond its control limit is listed once, in the month it crossed.")


def _page_of(section: _Section) -> str:
    return "calibration page" if section.key == "drifting" else "ops page"


def _text(recipient: Recipient, as_of: date, sections: list[_Section], on_track: bool, waiting: int) -> str:
    lines = [f"Good morning {recipient.name}," if recipient.role != "webhook" else "Good morning,", "",
             f"The promises to clients as of {as_of:%a %d %b %Y}, for {_scope(recipient)}."]
    if on_track:
        lines += [f"All on track: {_on_track(waiting)}"]
    for section in sections:
        lines += ["", f"{section.title}: {section.total:,}" if section.total else f"{section.title}: {NOTHING}"]
        lines += [f"- {line}" for line in section.lines]
        if section.total > len(section.lines):
            lines.append(f"- and {section.total - len(section.lines):,} more on the {_page_of(section)}")
    lines += ["", "Figures as the ops page counts them on the same date (business days skip weekends and the "
                  "client's public holidays)."]
    if any(section.key == "drifting" for section in sections):
        lines += [DRIFT_NOTE]
    return "\n".join(lines) + "\n"


def _html(recipient: Recipient, as_of: date, sections: list[_Section], on_track: bool, subject: str,
          waiting: int) -> str:
    e = html.escape
    greeting = f"Good morning {recipient.name}," if recipient.role != "webhook" else "Good morning,"
    parts = [f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{e(subject)}</title></head>",
             "<body style=\"font-family: sans-serif; max-width: 48em\">", f"<p>{e(greeting)}</p>",
             f"<p>The promises to clients as of {e(f'{as_of:%a %d %b %Y}')}, for {e(_scope(recipient))}.</p>"]
    if on_track:
        parts.append(f"<p><strong>All on track</strong>: {e(_on_track(waiting))}</p>")
    for section in sections:
        count = f"{section.total:,}" if section.total else NOTHING
        parts.append(f"<h2 style=\"font-size: 1.1em\">{e(section.title)}: {e(count)}</h2>")
        if section.lines:
            items = "".join(f"<li>{e(line)}</li>" for line in section.lines)
            more = (f"<li>and {section.total - len(section.lines):,} more on the {_page_of(section)}</li>"
                    if section.total > len(section.lines) else "")
            parts.append(f"<ul>{items}{more}</ul>")
    drift_note = (f" {e(DRIFT_NOTE)}" if any(section.key == "drifting" for section in sections) else "")
    parts.append("<p style=\"color: #555\">Figures as the ops page counts them on the same date (business days skip "
                 f"weekends and the client's public holidays).{drift_note}</p></body></html>")
    return "\n".join(parts) + "\n"


def _records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: numbers as numbers, dates as ISO text, missing as null."""
    out = []
    for _, row in frame.reindex(columns=list(columns)).iterrows():
        record: dict[str, Any] = {}
        for column, value in row.items():
            if is_missing(value) or (isinstance(value, str) and value == MISSING):
                record[str(column)] = None
            elif hasattr(value, "isoformat"):
                record[str(column)] = value.isoformat()[:10]
            elif hasattr(value, "item"):
                record[str(column)] = value.item()
            else:
                record[str(column)] = value
        out.append(record)
    return out


def compose(recipient: Recipient, as_of: date, since: date, items: pd.DataFrame, breaches: pd.DataFrame,
            drifting: pd.DataFrame | None = None) -> Digest:
    """The digest of ``recipient``: their share of the open ``items`` and of the new ``breaches``, in words.

    Parameters
    ----------
    recipient : Recipient
    as_of, since : date
        The digest's date, and the day its breaches count after.
    items : pandas.DataFrame
        Every open item (:data:`ITEM_COLUMNS`, from :func:`scoring.reports.at_risk.at_risk_report`).
    breaches : pandas.DataFrame
        Every new breach (:func:`new_breaches` with :func:`breach_owners`).
    drifting : pandas.DataFrame, optional
        The drift watch's new crossings (:func:`digest_drift`); ops's and the webhook's digest list them
        under "Reviewers drifting" (saying "nothing" when there are none); None leaves the section out.
    """
    mine = _mine(items, recipient)
    at_risk, due = split_items(mine)
    breached = _mine(breaches, recipient)
    rows = {"at_risk": at_risk.reset_index(drop=True), "breached": breached, "due": due.reset_index(drop=True)}
    sections = _sections(rows, recipient, as_of, since)
    on_track = all(section.total == 0 for section in sections)
    drift = (drifting if drifting is not None and recipient.sees_everything
             else pd.DataFrame(columns=list(DRIFT_COLUMNS))).reset_index(drop=True)
    if drifting is not None and recipient.sees_everything:
        sections.append(_drift_section(drift, since))
    subject = subject_line(as_of, len(at_risk), len(breached), len(due), int(drift["reviewer"].nunique()))
    waiting = int((pd.to_numeric(mine["days_left"]) >= 0).sum())
    text = _text(recipient, as_of, sections, on_track, waiting)
    payload: dict[str, Any] = {
        "text": f"{subject}\n\n{text}",
        "digest": {
            "as_of": as_of.isoformat(), "breaches_since": since.isoformat(), "for": recipient.name,
            "scope": _scope(recipient), "all_on_track": on_track,
            "at_risk_probability": AT_RISK_PROBABILITY, "due_within_days": DUE_WITHIN_DAYS,
            "at_risk": _records(rows["at_risk"], ITEM_COLUMNS),
            "breached": _records(breached, ("promise", "promise_name", "entity", "reference", "client", "figure",
                                            "limit", "unit", "detail")),
            "due": _records(rows["due"], ITEM_COLUMNS),
        },
    }
    if drifting is not None and recipient.sees_everything:
        payload["digest"]["drifting"] = _records(drift, DRIFT_COLUMNS)
    return Digest(recipient, as_of, since, rows["at_risk"], breached, rows["due"], subject, text,
                  _html(recipient, as_of, sections, on_track, subject, waiting), payload, drift)


# -- reading the figures ---------------------------------------------------------------------------
def digest_breaches(db: Database, actor: Account, as_of: date, since: date) -> pd.DataFrame:
    """The ops page's breach list as of ``as_of`` less the one as of ``since``, each with its owner.

    Needs ``read_ops``. All clients and seniorities, as ``scorecard report ops`` without a period.
    """
    authorize(db, actor, "read_ops")
    now = ops_report(db, actor, SearchFilter(), as_of)
    before = ops_report(db, actor, SearchFilter(), since).breaches if since < as_of else now.breaches
    placed = now.evidence["first_day"][["placement_id", "search_id"]].dropna()
    return breach_owners(new_breaches(now.breaches, before), placed, search_owners(db, actor, as_of))


def _watched(ratings: pd.DataFrame) -> pd.DataFrame:
    """The drift watch's charts of some live ratings (:func:`scoring.agency.drift_watch.watch`)."""
    if ratings.empty:
        return pd.DataFrame(columns=drift_watch.WATCH_COLUMNS)
    weights: dict[Hashable, float] = {d.id: d.default_weight_pct / 100 for d in DIMENSIONS}  # move no severity
    fit = fit_severity(ratings, weights, tol=SEVERITY_TOL)
    return drift_watch.watch(drift_watch.dimension_severity_by_month(ratings, fit, tol=SEVERITY_TOL))


def digest_drift(db: Database, actor: Account, as_of: date, since: date) -> pd.DataFrame:
    """The drift watch's crossings as of ``as_of`` that it did not show as of ``since``, at both scored stages.

    Each stage is watched over the months the calibration page opens on as of ``as_of`` (the last
    twelve, by submission; :func:`scoring.reports.calibration.default_filter`), once with the ratings
    submitted by the end of ``as_of`` and once with those submitted by the end of ``since``; a crossing
    (reviewer, dimension, month, direction) in the recent months (:data:`drift_watch.RECENT_MONTHS`)
    of the first and not the second is new (:func:`scoring.agency.drift_watch.new_crossings`).

    Needs ``read_calibration``.

    Returns
    -------
    pandas.DataFrame
        :data:`DRIFT_COLUMNS` (``stage`` and ``dimension`` in words, ``month`` the first day of the month
        crossed) with ``reviewer_id``, ``dimension_id``, ``stage_id``; reviewers in name order.
    """
    authorize(db, actor, "read_calibration")
    columns = [*DRIFT_COLUMNS, "reviewer_id", "dimension_id", "stage_id"]
    options = rating_store.filter_options(db, actor)
    labels = reviewer_labels(accounts.reviewers(db, actor))
    dimensions = cast(pd.DataFrame, options["dimensions"])
    names = dict(zip(dimensions["dimension_id"].astype(int), dimensions["name"]))
    found = []
    for stage_id in STAGE_LABELS:
        chosen = default_filter(cast("date | None", options["first"]), as_of, stage_id)
        live = rating_store.live_ratings(db, actor, chosen)
        submitted = pd.to_datetime(live["submitted_at"])
        now = _watched(live[submitted < pd.Timestamp(as_of) + pd.Timedelta(days=1)])
        before = (_watched(live[submitted < pd.Timestamp(since) + pd.Timedelta(days=1)]) if since < as_of
                  else now)
        recent = drift_watch.invitations(now, as_of)[["reviewer_id", "dimension_id"]]
        fresh = drift_watch.new_crossings(now, before)
        earliest = (pd.Timestamp(as_of).to_period("M") - (int(drift_watch.RECENT_MONTHS.value) - 1)).to_timestamp()
        fresh = fresh[pd.to_datetime(fresh["month"]) >= earliest].merge(recent, on=["reviewer_id", "dimension_id"])
        found.append(fresh.assign(stage_id=stage_id, stage=Stage(stage_id).label))
    if not any(len(part) for part in found):
        return pd.DataFrame(columns=columns)
    out = pd.concat([part for part in found if len(part)], ignore_index=True)
    out["reviewer"] = out["reviewer_id"].map(labels)
    out["dimension"] = out["dimension_id"].map(names)
    return out.sort_values(["reviewer", "stage_id", "dimension_id", "month"], kind="stable").reset_index(drop=True)[
        columns]


def daily_digests(db: Database, actor: Account, as_of: date, recipients: list[Recipient],
                  since: dict[Recipient, date], drift_reader: Account | None = None) -> list[Digest]:
    """Every recipient's digest as of ``as_of``; ``since[recipient]`` is the day their breaches count after.

    Needs ``read_ops`` (the command line runs it as :data:`scoring.agency.access.OPERATOR`). The open items
    are read once and the breach list once per distinct ``since`` day. With ``drift_reader``, an account
    that may read calibration, ops's and the webhook's digests list the reviewers drifting since their
    ``since`` day (:func:`digest_drift`, once per distinct day); without it they have no such section.
    """
    authorize(db, actor, "read_ops")
    items = at_risk_report(db, actor, as_of).items
    breaches: dict[date, pd.DataFrame] = {}
    drifting: dict[date, pd.DataFrame] = {}
    digests = []
    for recipient in recipients:
        day = since[recipient]
        if day not in breaches:
            breaches[day] = digest_breaches(db, actor, as_of, day)
        drift = None
        if drift_reader is not None and recipient.sees_everything:
            if day not in drifting:
                drifting[day] = digest_drift(db, drift_reader, as_of, day)
            drift = drifting[day]
        digests.append(compose(recipient, as_of, day, items, breaches[day], drift))
    return digests
