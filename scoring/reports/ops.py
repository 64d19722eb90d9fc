"""The ops audit: each promise's headline, the rows behind every figure, breaches and survival.

:func:`ops_report` reads the filtered rows through :mod:`scoring.store.applications`,
:mod:`scoring.store.placements` and :mod:`scoring.store.clients`, judges them with
:mod:`scoring.agency.sla` and :mod:`scoring.agency.retention`, and returns an :class:`OpsReport`: small frames a
page only draws. Every headline figure has an evidence frame in :attr:`OpsReport.evidence` whose
``in_figure`` rows are exactly the rows the figure is computed over (their count is the figure's
``n``) and whose ``breach`` rows are exactly that promise's rows of the breach list.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from scoring.agency import sla
from scoring.agency.access import Account
from scoring.agency.retention import client_outcomes, placement_outcomes, retention_share
from scoring.agency.sla import FIRST_DAY_FROM, FirstDayFrom, PromiseStatus, SlaAudit
from scoring.domain.promises import CLIENT_HORIZON, PLACEMENT_HORIZON, Horizon, Promise
from scoring.domain.promises import PROMISES as PROMISES
from scoring.reports.formatting import counted, shown
from scoring.reports.shortlist import LISTED_COLUMNS, shortlist_figures
from scoring.stats.survival import survival_curves
from scoring.store import applications
from scoring.store import clients as client_store
from scoring.store import placements as placement_store
from scoring.store.db import Database
from scoring.store.searches import SearchFilter

#: Headline states; a promise without a promised figure is reported, never judged.
MET, BREACHED, NO_DATA, REPORTED = "met", "breached", "not enough data", "no figure promised"

#: Each promise's short name, for a metric's label that must fit a third of the page at 1024 px; the
#: promise's full name goes in the metric's help.
SHORT_NAMES: dict[str, str] = {
    "shortlist_time": "Shortlist time",
    "shortlist_size": "Shortlist size",
    "first_day": "Time to first day",
    "replacement": "Replacements",
    "client_retention": "Client retention",
    "placement_retention": f"In post at {PLACEMENT_HORIZON}",
}

#: Which rows of an evidence frame to show: label per choice.
EVIDENCE_VIEWS: dict[str, str] = {
    "all": "All rows",
    "in_figure": "Rows counted in the figure",
    "breach": "Rows that break the promise",
}

#: How each promise's target reads, built from the thresholds in :data:`scoring.domain.promises.PROMISES`.
TARGET_TEXT: dict[str, Callable[[Promise], str]] = {
    "shortlist_time": lambda p: f"every search within {p.limit:g} business days (target {p.target:g})",
    "shortlist_size": lambda p: f"every shortlist {p.target:g}-{p.limit:g} candidates",
    "first_day": lambda p: f"mean at most {p.target:g} days",
    "replacement": lambda p: f"every replacement within {p.limit:g} days, at zero cost",
    "client_retention": lambda p: f"at least {p.target:.0%} retained",
    "placement_retention": lambda p: "none promised",
}

DATE_COLUMNS = ("opened_on", "shortlist_delivered_on", "closed_on", "accepted_on", "first_day", "ended_on",
                "requested_on", "fulfilled_on", "signed_on", "churned_on", "mark", "stop")

# Evidence columns per promise: the flags first, then the references, then the measured values.
EVIDENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "shortlist_time": ("in_figure", "breach", "search_ref", "client", "country", "seniority", "status", "opened_on",
                       "shortlist_delivered_on", "closed_on", "business_days", "delivered", "within_target",
                       "within_limit", "at_risk", "cancelled", "note", "search_id", "client_id"),
    "shortlist_size": ("in_figure", "breach", "search_ref", "client", "seniority", "shortlist_delivered_on",
                       "shortlisted", "flag", "search_id", "client_id"),
    "first_day": ("in_figure", "breach", "placement_ref", "candidate_ref", "search_ref", "client", "opened_on",
                  "accepted_on", "first_day", "days", "note", "placement_id", "search_id", "client_id"),
    "replacement": ("in_figure", "breach", "replacement_ref", "placement_ref", "client", "requested_on",
                    "fulfilled_on", "replacing_placement_ref", "days", "cost_usd", "cost_reason", "fulfilled",
                    "within_target", "within_limit", "zero_cost", "late", "note", "replacement_id", "placement_id",
                    "client_id"),
    "client_retention": ("in_figure", "breach", "client_ref", "client", "country", "signed_on", "churned_on",
                         "mark", "stop", "t_days", "outcome", "note", "cohort", "client_id"),
    "placement_retention": ("in_figure", "breach", "placement_ref", "candidate_ref", "client", "first_day",
                            "ended_on", "end_reason", "mark", "stop", "t_days", "outcome", "note", "cohort",
                            "placement_id", "client_id"),
}

BREACH_COLUMNS = ("promise", "promise_name", "entity", "reference", "client", "figure", "limit", "unit", "detail",
                  "client_id", "search_id", "placement_id", "replacement_id")
_REFERENCE_OF = {"search": "search_id", "placement": "placement_id", "replacement": "replacement_id",
                 "client": "client_id"}
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class OpsReport:
    """Everything the ops page shows, as of one date, for one filter.

    Attributes
    ----------
    headline : pandas.DataFrame
        One row per promise, in the order of :data:`scoring.domain.promises.PROMISES`: ``key``, ``name``,
        ``figure``, ``target`` (as in :class:`scoring.agency.sla.PromiseStatus`), ``status`` (one of
        :data:`MET`, :data:`BREACHED`, :data:`NO_DATA`, :data:`REPORTED`), ``n``, ``detail``,
        ``figure_text`` and ``target_text``.
    shortlist : pandas.Series
        :func:`scoring.agency.sla.shortlist_summary` of all counted searches (shares within 7 and 14).
    distribution, trend : pandas.DataFrame
        :func:`scoring.agency.sla.shortlist_distribution` and :func:`scoring.agency.sla.shortlist_trend`.
    at_risk, cancelled : pandas.DataFrame
        Open searches past the 7-day target and not past 14 (not counted yet), and searches
        cancelled without a shortlist (left out of the figure), listed apart
        (:data:`scoring.reports.shortlist.LISTED_COLUMNS`). Every shortlist figure here comes from
        :func:`scoring.reports.shortlist.shortlist_figures`, as the pipeline page's do.
    client_curves, placement_curves : pandas.DataFrame
        Kaplan-Meier curves by start cohort (quarter of signing / of the first day).
    client_cohorts, placement_cohorts : pandas.DataFrame
        :func:`scoring.agency.retention.retention_share` by the same cohorts.
    breaches : pandas.DataFrame
        :data:`BREACH_COLUMNS`: the breach list with references and client names.
    evidence : dict of str to pandas.DataFrame
        Per promise key, the rows behind its figure (:data:`EVIDENCE_COLUMNS`).
    holidays : pandas.DataFrame
        ``country``, ``date``, ``holiday``: the calendars the business days exclude.
    horizons : dict of str to (int, str)
        Per retention promise, the horizon in days (months at their mean length) and its label.
    """

    as_of: date
    search_filter: SearchFilter
    first_day_from: str
    headline: pd.DataFrame
    shortlist: pd.Series
    distribution: pd.DataFrame
    trend: pd.DataFrame
    client_curves: pd.DataFrame
    placement_curves: pd.DataFrame
    client_cohorts: pd.DataFrame
    placement_cohorts: pd.DataFrame
    breaches: pd.DataFrame
    evidence: dict[str, pd.DataFrame] = field(repr=False)
    holidays: pd.DataFrame = field(repr=False)
    countries: tuple[str, ...] = ()
    horizons: dict[str, tuple[int, str]] = field(default_factory=dict)
    at_risk: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(LISTED_COLUMNS)), repr=False)
    cancelled: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(LISTED_COLUMNS)), repr=False)


def ops_report(db: Database, actor: Account, search_filter: SearchFilter, as_of: date,
               first_day_from: FirstDayFrom = "opened_on") -> OpsReport:
    """Audit every promise over the filtered rows as of ``as_of``.

    Parameters
    ----------
    db, actor
        The database and an account holding ``read_ops`` (ops, admin).
    search_filter : SearchFilter
        Searches opened in the period, of the clients and seniorities chosen; their shortlists,
        placements and replacements follow them. Clients are those signed in the period (and among
        the chosen clients); seniority does not apply to them.
    as_of : date
        The audit date: the tables are read as they stood at the end of that day
        (:mod:`scoring.store.as_of`), so later events have not happened yet.
    first_day_from : {'opened_on', 'accepted_on'}, default 'opened_on'
        Where the first-day clock starts (see :data:`scoring.domain.promises.PROMISES`).

    Returns
    -------
    OpsReport
    """
    if first_day_from not in FIRST_DAY_FROM:
        raise ValueError(f"first_day_from must be one of {tuple(FIRST_DAY_FROM)}, got {first_day_from!r}")
    shortlist = shortlist_figures(db, actor, search_filter, as_of)     # the pipeline page's figures too
    searches = shortlist.searches
    entries = applications.shortlist_entries(db, actor, search_filter, as_of)
    placements = placement_store.read(db, actor, search_filter, as_of)
    replacements = placement_store.replacements(db, actor, search_filter, as_of)
    clients = client_store.read(db, actor, search_filter, as_of)

    stamp = pd.Timestamp(as_of)
    filling = placements.loc[placements["is_replacement"], ["placement_id"]].rename(
        columns={"placement_id": "replacing_placement_id"})
    audit = SlaAudit(
        as_of=stamp,
        shortlist=shortlist.times,
        sizes=sla.shortlist_sizes(searches, entries, stamp),
        first_days=sla.first_day_times(placements, stamp, filling, first_day_from),
        replacements=sla.replacement_times(replacements, stamp),
        clients=client_outcomes(clients, stamp),
        placements=placement_outcomes(placements, stamp),
    )
    statuses = sla.promise_statuses(audit)
    names = _client_names(searches, placements, replacements, clients)
    evidence = {
        "shortlist_time": _shortlist_evidence(audit.shortlist),
        "shortlist_size": _size_evidence(audit.sizes, searches),
        "first_day": _first_day_evidence(placements, audit.first_days, stamp),
        "replacement": _replacement_evidence(audit.replacements),
        "client_retention": _client_evidence(audit.clients),
        "placement_retention": _placement_evidence(audit.placements),
    }
    return OpsReport(
        as_of=as_of,
        search_filter=search_filter,
        first_day_from=first_day_from,
        headline=headline(statuses),
        shortlist=shortlist.summary,
        distribution=shortlist.distribution,
        trend=shortlist.trend,
        client_curves=survival_curves(audit.clients, by="cohort"),
        placement_curves=survival_curves(audit.placements, by="cohort"),
        client_cohorts=retention_share(audit.clients, by="cohort") if len(audit.clients) else _no_cohorts(),
        placement_cohorts=(retention_share(audit.placements, by="cohort") if len(audit.placements)
                           else _no_cohorts()),
        breaches=_breaches(sla.breach_list(audit), evidence, names),
        evidence=evidence,
        holidays=shortlist.holidays,
        countries=shortlist.countries,
        horizons={"client_retention": _horizon(CLIENT_HORIZON), "placement_retention": _horizon(PLACEMENT_HORIZON)},
        at_risk=shortlist.at_risk,
        cancelled=shortlist.cancelled,
    )


# -- headline ------------------------------------------------------------------------------------
def status_label(status: PromiseStatus) -> str:
    """:data:`MET`, :data:`BREACHED`, :data:`NO_DATA` (nothing measured) or :data:`REPORTED`."""
    if status.n == 0:
        return NO_DATA
    if status.met is None:
        return REPORTED if PROMISES[status.key].target is None else NO_DATA
    return MET if status.met else BREACHED


def figure_text(key: str, figure: float) -> str:
    """A headline figure as shown: mean days for the first day, a percentage otherwise.

    Examples
    --------
    >>> figure_text("first_day", 30.2857), figure_text("client_retention", 0.8)
    ('30.3 days', '80.0%')
    >>> figure_text("replacement", float("nan"))
    '—'
    """
    return shown(figure, "{:.1f} days" if key == "first_day" else "{:.1%}")


def headline(statuses: Iterable[PromiseStatus]) -> pd.DataFrame:
    """The statuses of :func:`scoring.agency.sla.promise_statuses` as a table with their display text."""
    rows = [{"key": s.key, "name": s.name, "figure": s.figure, "target": s.target, "status": status_label(s),
             "n": s.n, "detail": s.detail, "figure_text": figure_text(s.key, s.figure),
             "target_text": TARGET_TEXT[s.key](PROMISES[s.key])} for s in statuses]
    return pd.DataFrame(rows)


# -- evidence --------------------------------------------------------------------------------------
def _as_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamp columns as calendar dates (``None`` where missing): exact in CSV, date32 in Parquet."""
    out = frame.copy()
    for column in DATE_COLUMNS:
        if column in out.columns:
            values = pd.to_datetime(out[column])
            out[column] = values.dt.date.astype(object).where(values.notna(), None)
    return out


def _shaped(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    columns = list(EVIDENCE_COLUMNS[key])
    out = _as_dates(frame.reindex(columns=columns))
    out[["in_figure", "breach"]] = out[["in_figure", "breach"]].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def _shortlist_evidence(times: pd.DataFrame) -> pd.DataFrame:
    promise = PROMISES["shortlist_time"]
    note = np.select(
        [times["delivered"], times["cancelled"], times["breach"], times["at_risk"]],
        ["delivered", "cancelled without a shortlist: left out of the figure (neither met nor breached)",
         f"no shortlist after {promise.limit:g} business days",
         f"no shortlist yet, past the {promise.target:g}-day target: at risk, not counted yet"],
        f"waiting, within the {promise.target:g}-day target: not counted yet")
    return _shaped(times.assign(in_figure=times["counted"], note=note), "shortlist_time")


def _size_evidence(sizes: pd.DataFrame, searches: pd.DataFrame) -> pd.DataFrame:
    refs = searches[["search_id", "search_ref", "client", "seniority"]]
    return _shaped(sizes.merge(refs, on="search_id", how="left").assign(in_figure=True), "shortlist_size")


def _first_day_evidence(placements: pd.DataFrame, first_days: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Every placement of the filter: the ones the mean is taken over, and why the others are not."""
    measured = first_days[["placement_id", "days", "over_target"]]
    rows = placements.merge(measured, on="placement_id", how="left")
    rows["in_figure"] = rows["placement_id"].isin(measured["placement_id"])
    rows["breach"] = rows["over_target"].fillna(False).astype(bool)
    rows["note"] = np.select(
        [rows["is_replacement"], pd.to_datetime(rows["first_day"]) > as_of],
        ["fills a replacement request: judged by the replacement promise", "not started by the audit date"], "")
    return _shaped(rows, "first_day")


def _replacement_evidence(times: pd.DataFrame) -> pd.DataFrame:
    limit = PROMISES["replacement"].limit
    note = np.select(
        [times["fulfilled"], times["late"]],
        ["fulfilled", f"unfulfilled after {limit:g} days"],
        f"requested, still within {limit:g} days: not counted")
    return _shaped(times.assign(in_figure=times["counted"], note=note), "replacement")


def _client_evidence(outcomes: pd.DataFrame) -> pd.DataFrame:
    note = np.select(
        [outcomes["outcome"] == "lost", outcomes["outcome"] == "retained"],
        [f"left within its first {CLIENT_HORIZON}", f"still a client after its first {CLIENT_HORIZON}"],
        f"signed less than {CLIENT_HORIZON} before the audit date: censored, not counted")
    return _shaped(outcomes.assign(in_figure=outcomes["outcome"] != "censored",
                                   breach=outcomes["outcome"] == "lost", note=note), "client_retention")


def _placement_evidence(outcomes: pd.DataFrame) -> pd.DataFrame:
    ended = pd.to_datetime(outcomes["ended_on"])
    ended_early = ended.notna() & (ended == outcomes["stop"]) & (outcomes["stop"] <= outcomes["mark"])
    note = np.select(
        [outcomes["outcome"] == "lost", outcomes["outcome"] == "retained", ended_early],
        [f"ended (not a fit or the engineer left) within {PLACEMENT_HORIZON}", f"in post after {PLACEMENT_HORIZON}",
         f"ended for another reason within {PLACEMENT_HORIZON}: censored, not counted"],
        f"fewer than {PLACEMENT_HORIZON} in post by the audit date: censored, not counted")
    # No figure is promised, so no row is a breach; 'lost' rows are in the outcome column.
    return _shaped(outcomes.assign(in_figure=outcomes["outcome"] != "censored", breach=False, note=note),
                   "placement_retention")


def _client_names(*frames: pd.DataFrame) -> dict[int, str]:
    names: dict[int, str] = {}
    for frame in frames:
        names.update(zip(frame["client_id"].astype(int), frame["client"]))
    return names


def _breaches(rows: pd.DataFrame, evidence: dict[str, pd.DataFrame], names: dict[int, str]) -> pd.DataFrame:
    """The breach list with each row's external reference, client name and promise name."""
    refs = {
        "search": dict(zip(evidence["shortlist_time"]["search_id"], evidence["shortlist_time"]["search_ref"])),
        "placement": dict(zip(evidence["first_day"]["placement_id"], evidence["first_day"]["placement_ref"])),
        "replacement": dict(zip(evidence["replacement"]["replacement_id"],
                                evidence["replacement"]["replacement_ref"])),
        "client": dict(zip(evidence["client_retention"]["client_id"], evidence["client_retention"]["client_ref"])),
    }
    out = rows.copy()
    out["promise_name"] = out["promise"].map({key: p.name for key, p in PROMISES.items()})
    out["reference"] = pd.Series(None, index=out.index, dtype=object)
    for entity, column in _REFERENCE_OF.items():
        rows = out["entity"] == entity
        out.loc[rows, "reference"] = out.loc[rows, column].astype("int64").map(refs[entity])
    out["client"] = out["client_id"].map(lambda c: names.get(int(c)) if pd.notna(c) else None)
    return out.reindex(columns=list(BREACH_COLUMNS)).reset_index(drop=True)


def _no_cohorts() -> pd.DataFrame:
    return pd.DataFrame(columns=["cohort", "retained", "lost", "censored", "share", "ci_low", "ci_high"])


def _horizon(horizon: Horizon) -> tuple[int, str]:
    days = horizon.length if horizon.unit == "days" else round(horizon.length * DAYS_PER_MONTH)
    return int(days), str(horizon)


# -- selections and exports for the page -----------------------------------------------------------
def filter_breaches(breaches: pd.DataFrame, promises: Iterable[str] = (),
                    client_ids: Iterable[int] = ()) -> pd.DataFrame:
    """Breach rows of the chosen promises and clients; an empty choice keeps everything."""
    promises, client_ids = list(promises), [int(c) for c in client_ids]
    unknown = sorted(set(promises) - set(PROMISES))
    if unknown:
        raise ValueError(f"unknown promise(s) {unknown}; valid: {list(PROMISES)}")
    keep = pd.Series(True, index=breaches.index)
    if promises:
        keep &= breaches["promise"].isin(promises)
    if client_ids:
        keep &= breaches["client_id"].isin(client_ids)
    return breaches[keep].reset_index(drop=True)


def evidence_rows(report: OpsReport, key: str, view: str = "all") -> pd.DataFrame:
    """The rows behind promise ``key``: all of them, those in the figure, or the breaches."""
    if key not in report.evidence:
        raise ValueError(f"unknown promise {key!r}; valid: {list(report.evidence)}")
    if view not in EVIDENCE_VIEWS:
        raise ValueError(f"unknown view {view!r}; valid: {list(EVIDENCE_VIEWS)}")
    rows = report.evidence[key]
    if view != "all":
        rows = rows[rows[view]]
    return rows.reset_index(drop=True)


def to_parquet(frame: pd.DataFrame) -> bytes:
    """The frame as a Parquet file (pyarrow) without the index."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()



def evidence_caption(report: OpsReport, key: str, shown_rows: int) -> str:
    """What the rows behind promise ``key`` are, in words: how many are shown, counted and breaking it,
    what was promised and what was measured (how each promise is measured is listed apart)."""
    head = report.headline.set_index("key").loc[key]
    breaking = int(report.evidence[key]["breach"].sum())
    return (f"{counted(shown_rows, 'row', 'rows')} shown; the figure is computed over the "
            f"{counted(int(head['n']), 'row', 'rows')} marked as counted, and "
            f"{counted(breaking, 'row breaks', 'rows break')} the promise. Promised: {head['target_text']}. "
            f"Measured: {head['detail']}.")


def breach_texts(breaches: pd.DataFrame) -> pd.Series:
    """Each breach in a few words: the value measured against the promised limit, then what broke it.

    Examples
    --------
    >>> rows = pd.DataFrame({"detail": ["shortlist delivered after the limit", "fewer than 2 candidates"],
    ...                      "figure": [18.0, 1.0], "limit": [14.0, 2.0], "unit": ["business days", "candidates"]})
    >>> for text in breach_texts(rows):
    ...     print(text)
    18 business days (limit 14): shortlist delivered after the limit
    1 candidate (limit 2): fewer than 2 candidates
    """
    def one(row: pd.Series) -> str:
        unit = str(row["unit"])
        if row["figure"] == 1 and unit.endswith("s"):
            unit = unit[:-1]
        return f"{shown(row['figure'], '{:g}')} {unit} (limit {shown(row['limit'], '{:g}')}): {row['detail']}"

    return breaches.apply(one, axis=1).astype(object) if len(breaches) else pd.Series([], dtype=object)


def churn_message(client: str, churned_on: date, placements_ended: int, searches_cancelled: int) -> str:
    """The confirmation of a recorded churn, with its consequences counted in words that agree in number.

    Examples
    --------
    >>> churn_message("Ember Energy", date(2025, 6, 27), 1, 2)
    'Churn of Ember Energy recorded on 27 Jun 2025: 1 placement ended, 2 open searches cancelled.'
    """
    return (f"Churn of {client} recorded on {churned_on:%d %b %Y}: "
            f"{counted(placements_ended, 'placement', 'placements')} ended, "
            f"{counted(searches_cancelled, 'open search', 'open searches')} cancelled.")
