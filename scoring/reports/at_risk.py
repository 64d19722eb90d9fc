"""What is about to break a promise: every open item with its risk of breach, owner and basis.

:func:`at_risk_report` reads the same rows as the ops audit (:mod:`scoring.reports.shortlist`,
:mod:`scoring.store.placements`, :mod:`scoring.store.clients`), judges them with the same rules
(:mod:`scoring.agency.sla`, :mod:`scoring.agency.retention`) as of the same date, and estimates each
open item's risk from the agency's history (:mod:`scoring.agency.risk`). Three kinds of open item:

* ``shortlist``: a search with neither a shortlist nor a cancellation, not yet past the shortlist-time
  limit (14 business days); the history is every search opened by the as-of date, by seniority where
  a seniority has enough of them;
* ``replacement``: a replacement request not yet fulfilled, not yet past its limit (14 calendar days);
  the history is every request made by then;
* ``retention``: a client in its first three months that has asked for a replacement; the risk is
  that it leaves before the three months are up, from the clients who also asked for one in their
  first three months (or all clients, when too few did).

:func:`risk_backtest` replays the shortlist history to check the estimates against what happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from scoring.agency import risk, sla
from scoring.agency.access import Account
from scoring.agency.retention import client_outcomes
from scoring.domain.promises import CLIENT_HORIZON, PROMISES
from scoring.reports.candidate import profile_link
from scoring.reports.formatting import MISSING
from scoring.reports.shortlist import shortlist_figures
from scoring.stats.forecast import brier_score, calibration_table
from scoring.store import clients as client_store
from scoring.store import placements as placement_store
from scoring.store.authorization import authorize
from scoring.store.db import Database
from scoring.store.owners import search_candidates, search_owners
from scoring.store.searches import SearchFilter

#: The columns of :attr:`AtRiskReport.items`, in order: the shared interface first, then the ids a page
#: links with and the unit of ``elapsed``, ``limit`` and ``days_left``.
ITEM_COLUMNS = ("kind", "ref", "client", "client_ref", "owner_account_id", "owner", "started_on", "elapsed", "limit",
                "days_left", "p_breach", "basis", "unit", "seniority", "search_id", "client_id")
#: Each kind of item in words: the promise it may break.
KINDS: dict[str, str] = {
    "shortlist": "Shortlist",
    "replacement": "Replacement",
    "retention": "Client's first months",
}
#: The words for a seniority's searches in a basis.
SENIORITY_WORDS = {"junior": "junior searches", "mid": "mid-level searches", "senior": "senior searches"}
_RAISED = "raised"
_EARLY_WORDS = f"clients who asked for a replacement in their first {CLIENT_HORIZON}"


@dataclass(frozen=True)
class AtRiskReport:
    """The open items of one date, riskiest first.

    Attributes
    ----------
    as_of : date
        The date every item is judged as of: the ops page's.
    items : pandas.DataFrame
        :data:`ITEM_COLUMNS`, one row per open item: ``kind`` (a key of :data:`KINDS`), ``ref`` (the
        search, replacement or client reference), ``client``, ``client_ref``, ``owner_account_id``
        (nullable) and ``owner`` (the search's hiring lead, or :data:`MISSING`), ``started_on``,
        ``elapsed`` and ``limit`` (business days for shortlists, calendar days otherwise),
        ``days_left``, ``p_breach`` (0-1) and ``basis`` (what the estimate rests on, in words).
        Sorted by ``p_breach``, highest first, then by ``days_left``.
    method : str
        How the probability is estimated, in a sentence, for a caption.
    """

    as_of: date
    items: pd.DataFrame
    method: str = field(default="")


def at_risk_report(db: Database, actor: Account, as_of: date) -> AtRiskReport:
    """Every open item as of ``as_of`` with its risk of breaking its promise.

    Parameters
    ----------
    db, actor
        The database and an account holding ``read_ops`` (ops, admin).
    as_of : date
        The audit date: tables as they stood at the end of that day, as on the ops page.

    Returns
    -------
    AtRiskReport
    """
    everything = SearchFilter()
    figures = shortlist_figures(db, actor, everything, as_of)
    owners = search_owners(db, actor, as_of)
    replacements = placement_store.replacements(db, actor, everything, as_of)
    clients = client_store.read(db, actor, everything, as_of)
    stamp = pd.Timestamp(as_of)
    parts = [
        _shortlist_items(figures.times),
        _replacement_items(sla.replacement_times(replacements, stamp)),
        _retention_items(client_outcomes(clients, stamp), replacements, stamp),
    ]
    items = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else _empty()
    items = _with_owners(items, owners, clients)
    items = items.sort_values(["p_breach", "days_left", "started_on", "ref"], ascending=[False, True, True, True],
                              kind="stable", na_position="last").reset_index(drop=True)
    return AtRiskReport(as_of=as_of, items=items, method=METHOD)


METHOD = (
    "Each probability is the share of comparable past items that, having waited as long as this one, "
    "still broke the limit: a Kaplan-Meier estimate over the agency's history as of the same date, with "
    "cancelled and still-open items counted only as far as they were seen. Searches are compared with "
    f"searches of their seniority when at least {risk.MIN_HISTORY} exist, otherwise with all searches.")


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ITEM_COLUMNS})


def _shortlist_items(times: pd.DataFrame) -> pd.DataFrame:
    limit = float(PROMISES["shortlist_time"].limit or 0)
    history = risk.shortlist_history(times)
    waiting = times[~times["delivered"] & ~times["cancelled"] & ~times["breach"]]
    items = pd.DataFrame({
        "kind": "shortlist", "ref": waiting["search_ref"], "client": waiting["client"],
        "started_on": waiting["opened_on"], "elapsed": waiting["business_days"].astype(float), "limit": limit,
        "unit": PROMISES["shortlist_time"].unit, "seniority": waiting["seniority"],
        "search_id": waiting["search_id"], "client_id": waiting["client_id"]})
    return risk.breach_risks(history, items, noun="searches", by="seniority", labels=SENIORITY_WORDS)


def _replacement_items(times: pd.DataFrame) -> pd.DataFrame:
    limit = float(PROMISES["replacement"].limit or 0)
    history = pd.DataFrame({"t": times["days"].astype("int64"), "event": times["fulfilled"].astype(bool)})
    waiting = times[~times["fulfilled"] & ~times["late"]]
    items = pd.DataFrame({
        "kind": "replacement", "ref": waiting["replacement_ref"], "client": waiting["client"],
        "started_on": waiting["requested_on"], "elapsed": waiting["days"].astype(float), "limit": limit,
        "unit": PROMISES["replacement"].unit, "seniority": None,
        "search_id": waiting["search_id"], "client_id": waiting["client_id"]})
    return risk.breach_risks(history, items, noun="replacement requests")


def _retention_items(outcomes: pd.DataFrame, replacements: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Clients inside their first months who asked for a replacement then: the risk they leave before the mark."""
    requests = replacements.assign(requested_on=pd.to_datetime(replacements["requested_on"]))
    requests = requests.merge(outcomes[["client_id", "signed_on", "mark"]], on="client_id")
    requests = requests[(requests["requested_on"] <= requests["mark"]) & (requests["requested_on"] <= as_of)]
    latest = requests.sort_values(["requested_on", "replacement_id"]).groupby("client_id").tail(1)
    early = set(latest["client_id"])
    history = pd.DataFrame({"t": outcomes["t_days"].astype("int64"), "event": outcomes["event"].astype(bool),
                            "group": np.where(outcomes["client_id"].isin(early), _RAISED, "other")})
    young = outcomes[~outcomes["event"] & (outcomes["mark"] > as_of) & outcomes["client_id"].isin(early)]
    signed = pd.to_datetime(young["signed_on"])
    search_of = dict(zip(latest["client_id"], latest["search_id"]))
    items = pd.DataFrame({
        "kind": "retention", "ref": young["client_ref"], "client": young["client"], "started_on": young["signed_on"],
        "elapsed": young["t_days"].astype(float), "limit": (young["mark"] - signed).dt.days.astype(float),
        "unit": "calendar days", "seniority": None,
        "search_id": young["client_id"].map(search_of), "client_id": young["client_id"], "group": _RAISED})
    risks = risk.breach_risks(history, items, noun="clients", by="group", labels={_RAISED: _EARLY_WORDS},
                              breach_is="event")
    return risks.drop(columns="group")


def _with_owners(items: pd.DataFrame, owners: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    """Each item's owner (the hiring lead of its search), client reference and days left, in the report's
    columns; dates as calendar dates."""
    out = items.copy()
    search_ids = pd.to_numeric(out["search_id"], errors="coerce").astype("Int64")
    lead = owners.set_index("search_id")
    out["owner_account_id"] = search_ids.map(lead["owner_account_id"]).astype("Int64")
    names = search_ids.map(lead["owner"]).astype(object)
    out["owner"] = names.where(names.notna(), MISSING)
    refs = dict(zip(clients["client_id"], clients["client_ref"]))
    by_search = search_ids.map(lead["client_ref"])
    out["client_ref"] = by_search.where(by_search.notna(), out["client_id"].map(refs)).astype(object)
    out["days_left"] = (out["limit"].astype(float) - out["elapsed"].astype(float))
    started = pd.to_datetime(out["started_on"])
    out["started_on"] = started.dt.date.astype(object).where(started.notna(), None)
    out["search_id"] = search_ids
    out["client_id"] = pd.to_numeric(out["client_id"]).astype("Int64")
    for column in ("elapsed", "limit", "days_left", "p_breach"):
        out[column] = out[column].astype(float)
    return out.reindex(columns=list(ITEM_COLUMNS))


# -- the backtest ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RiskBacktest:
    """How the shortlist-breach estimates of the past compare with what happened.

    Attributes
    ----------
    as_of : date
    predictions : pandas.DataFrame
        :func:`scoring.agency.risk.backtest_shortlists`: one estimate per search and business day.
    brier : float
        :func:`scoring.stats.forecast.brier_score` of all of them.
    base_rate_brier : float
        The Brier score of always forecasting the observed breach share: what the estimates must beat.
    calibration : pandas.DataFrame
        :func:`scoring.stats.forecast.calibration_table` in deciles of the estimate: the observed breach
        rate's interval counts each search once (Kish), and the mean estimate's interval its standard error
        (Greenwood: each estimate comes from a history of finite size); a decile agrees when the two rates
        do not differ beyond both.
    searches : int
        Searches whose outcome is known, the estimates come from.
    min_history : int
        Searches with a known outcome the history needed before a day's estimates were scored.
    """

    as_of: date
    predictions: pd.DataFrame = field(repr=False)
    brier: float
    base_rate_brier: float
    calibration: pd.DataFrame
    searches: int
    min_history: int = risk.MIN_HISTORY

    @property
    def summary(self) -> str:
        """The backtest in a sentence."""
        if not len(self.predictions):
            return (f"No past estimate to check yet: the history as of {self.as_of:%d %b %Y} never held "
                    f"{self.min_history} searches whose outcome was known.")
        agree = int(self.calibration["agrees"].sum()) if len(self.calibration) else 0
        return (f"{len(self.predictions):,} past estimates for {self.searches:,} searches whose outcome is known "
                f"as of {self.as_of:%d %b %Y}: Brier score {self.brier:.3f} (always forecasting the overall breach "
                f"share would score {self.base_rate_brier:.3f}; lower is better); in {agree} of "
                f"{len(self.calibration)} deciles the predicted and observed breach rates agree within their 95% "
                "intervals.")


def risk_backtest(db: Database, actor: Account, as_of: date, bins: int = 10,
                  min_history: int = risk.MIN_HISTORY) -> RiskBacktest:
    """Replay every shortlist-breach estimate the at-risk list would have made before ``as_of``.

    Needs ``read_ops``. See :func:`scoring.agency.risk.backtest_shortlists` for what is replayed;
    ``min_history`` is the at-risk list's own rule (:data:`scoring.agency.risk.MIN_HISTORY`), smaller
    only to try the replay on a small agency.
    """
    figures = shortlist_figures(db, actor, SearchFilter(), as_of)
    predictions = risk.backtest_shortlists(figures.times, as_of, labels=SENIORITY_WORDS, min_history=min_history)
    p, y = predictions["p_breach"].to_numpy(float), predictions["breached"].to_numpy(bool)
    share = float(y.mean()) if len(y) else float("nan")
    return RiskBacktest(
        as_of=as_of, predictions=predictions,
        brier=brier_score(p, y), base_rate_brier=share * (1 - share),
        calibration=calibration_table(p, y, bins=bins, clusters=predictions["search_id"].to_numpy(),
                                      forecast_se=predictions["p_se"].to_numpy(float)),
        searches=int(predictions["search_id"].nunique()), min_history=min_history,
    )


# -- naming a search's owner ---------------------------------------------------------------------------
NO_OWNER = "no owner yet"


def owner_choices(db: Database, actor: Account, report: AtRiskReport) -> pd.DataFrame:
    """The searches behind the list's items, for giving one an owner or handing it to another hiring lead.

    Needs ``read_ops``. One row per search (a replacement request or a young client stands for the search of
    its latest placement): ``search_id``, ``label`` in words ('SR-06 · Acme Robotics: no owner yet'), and
    ``owner_account_id``; searches without an owner first, then in the list's order (riskiest first).
    """
    authorize(db, actor, "read_ops")
    items = report.items.dropna(subset=["search_id"])
    if items.empty:
        return pd.DataFrame({"search_id": pd.Series(dtype="int64"), "label": pd.Series(dtype=object),
                             "owner_account_id": pd.Series(dtype="Int64")})
    refs = search_owners(db, actor, report.as_of).set_index("search_id")["search_ref"]
    first = items.drop_duplicates("search_id").reset_index(drop=True)
    search_ids = first["search_id"].astype("int64")
    owned = first["owner_account_id"].notna()
    owners = first["owner"].where(owned, NO_OWNER).astype(str)
    labels = [f"{refs.get(search_id, search_id)} · {client}: {'owner ' if has else ''}{owner}"
              for search_id, client, owner, has in zip(search_ids, first["client"], owners, owned)]
    out = pd.DataFrame({"search_id": search_ids, "label": labels,
                        "owner_account_id": first["owner_account_id"].astype("Int64"), "owned": owned})
    return out.sort_values("owned", kind="stable").drop(columns="owned").reset_index(drop=True)


def owner_message(outcome: Mapping[str, object]) -> str:
    """What a page says once :func:`scoring.store.owners.set_search_lead` has run, in words.

    Examples
    --------
    >>> owner_message({"search_ref": "SR-06", "lead": "Lea Lead", "previous": None, "changed": True})
    'Lea Lead now owns search SR-06.'
    >>> owner_message({"search_ref": "SR-06", "lead": "Hal Lead", "previous": "Lea Lead", "changed": True})
    'Hal Lead now owns search SR-06, which Lea Lead owned before.'
    >>> owner_message({"search_ref": "SR-06", "lead": "Lea Lead", "previous": "Lea Lead", "changed": False})
    'Lea Lead already owned search SR-06: nothing changed.'
    """
    lead, ref, previous = outcome["lead"], outcome["search_ref"], outcome["previous"]
    if not outcome["changed"]:
        return f"{lead} already owned search {ref}: nothing changed."
    return f"{lead} now owns search {ref}" + (f", which {previous} owned before." if previous else ".")


# -- the rows behind an item ---------------------------------------------------------------------------
#: How the backtest's deciles are compared, for a caption and the bench's output.
CALIBRATION_METHOD = (
    "Each past search is estimated again on every business day it waited, from the history known that day, and "
    "the estimate is compared with what then happened. In each decile of the estimate, the observed breach rate "
    "has a 95% interval counting each search once, however many days it was estimated (Kish's effective size), "
    "and the mean estimate has one from its own standard error (Greenwood's, from the size of the history it was "
    "made from): ranking estimates into deciles gathers those that came out low by chance in the first decile and "
    "those high by chance in the last, so an estimate is not taken as exact. A decile agrees when the two rates "
    "do not differ beyond both intervals.")

#: Words for a stage decision in the rows behind an item.
DECISION_WORDS = {"pass": "passed", "fail": "did not pass"}


@dataclass(frozen=True)
class RowsBehind:
    """The stored rows one at-risk item stands for, as a page lists them.

    ``rows`` holds, for a search waiting for its shortlist, its applications (``candidate``, ``profile``: the
    address of the candidate's profile, ``stage``, ``entered_on``, ``decision`` in words), those still in
    play first; for a replacement request or a young client, the client's replacement requests
    (``replacement_ref``, ``placement_ref``, ``requested_on``, ``fulfilled_on``, ``replacing_placement_ref``).
    ``caption`` says what they are.
    """

    kind: str
    caption: str
    rows: pd.DataFrame


def rows_behind(db: Database, actor: Account, report: AtRiskReport, ref: str) -> RowsBehind:
    """The rows behind the item ``ref`` of ``report``, read as of the report's date. Needs ``read_ops``."""
    authorize(db, actor, "read_ops")      # first: an ended session learns that, whatever it passes
    matches = report.items[report.items["ref"] == ref]
    if matches.empty:
        raise ValueError(f"no item {ref!r} in the at-risk list of {report.as_of:%d %b %Y}")
    item = matches.iloc[0]
    if item["kind"] == "shortlist":
        rows = search_candidates(db, actor, int(item["search_id"]), report.as_of)
        rows = rows.assign(
            profile=rows["candidate_ref"].map(profile_link),
            stage=rows["stage"].fillna("not started"),
            decision=rows["decision"].map(DECISION_WORDS).fillna("open").where(rows["stage_id"].notna(), MISSING),
            entered_on=pd.to_datetime(rows["entered_on"]).dt.date.astype(object),
        )
        rows["entered_on"] = rows["entered_on"].where(rows["stage_id"].notna(), None)
        open_ones = int((rows["decision"] != DECISION_WORDS["fail"]).sum())
        caption = (f"The {len(rows):,} applications of search {ref} ({item['client']}) as of "
                   f"{report.as_of:%d %b %Y}; the {open_ones:,} still in play come first: its shortlist waits on them.")
        return RowsBehind("shortlist", caption, rows[["candidate", "profile", "stage", "entered_on", "decision"]])
    requests = placement_store.replacements(db, actor, SearchFilter(client_ids=(int(item["client_id"]),)),
                                            report.as_of)
    if item["kind"] == "replacement":
        requests = requests[requests["replacement_ref"] == ref]
        caption = f"Replacement request {ref} of {item['client']}, as of {report.as_of:%d %b %Y}."
    else:
        caption = (f"The replacement requests of {item['client']} ({ref}), signed on "
                   f"{item['started_on']:%d %b %Y}, as of {report.as_of:%d %b %Y}.")
    columns = ["replacement_ref", "placement_ref", "requested_on", "fulfilled_on", "replacing_placement_ref"]
    out = requests[columns].copy()
    for column in ("requested_on", "fulfilled_on"):
        values = pd.to_datetime(out[column])
        out[column] = values.dt.date.astype(object).where(values.notna(), None)
    return RowsBehind(str(item["kind"]), caption, out.reset_index(drop=True))
