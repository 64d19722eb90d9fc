"""The ops audit as one document, as of a date: what ``scorecard report ops`` writes and the ops page
offers for download.

:func:`ops_document` is pure: it lays out an :class:`~scoring.reports.ops.OpsReport` (the figures
the ops page shows) with the funnel per stage and the weighted scorecards of the same searches,
read as of the same date by :func:`audit_extras`. :func:`to_json` and :func:`to_csv` turn the
document into bytes that depend on nothing but the data, the filter and the date: rows in a fixed
order, no generation time, floats rounded to :data:`FLOAT_DIGITS` decimals, a missing figure
written as JSON ``null`` (never ``NaN``). Running the report again on the same data therefore gives
the same bytes. Every field is described in ``docs/ops-report.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from scoring.agency import funnel
from scoring.agency.access import Account
from scoring.agency.scorecard import scores_under_versions
from scoring.agency.sla import FirstDayFrom
from scoring.domain.promises import CLIENT_HORIZON, PROMISES
from scoring.reports import exports
from scoring.reports.ops import BREACHED, MET, NO_DATA, REPORTED, OpsReport, ops_report
from scoring.store import applications
from scoring.store import ratings as rating_store
from scoring.store import weights as weight_store
from scoring.store.db import Database
from scoring.store.searches import SearchFilter

#: Decimals kept in every float of the document (shares, days, scores, interval bounds).
FLOAT_DIGITS = 6
#: The promises of the ``promises`` section, in this order; placement retention has no promised
#: figure and stays on the page only.
PROMISE_KEYS: tuple[str, ...] = ("shortlist_time", "shortlist_size", "first_day", "replacement", "client_retention")
#: What each promise's ``figure`` is; ``target`` is on the same scale.
MEASURES: dict[str, str] = {
    "shortlist_time": (f"share of counted searches shortlisted within {PROMISES['shortlist_time'].limit:g} "
                       "business days"),
    "shortlist_size": (f"share of delivered shortlists with {PROMISES['shortlist_size'].target:g}-"
                       f"{PROMISES['shortlist_size'].limit:g} candidates"),
    "first_day": "mean calendar days to the first day",
    "replacement": f"share of counted replacements within {PROMISES['replacement'].limit:g} days at zero cost",
    "client_retention": f"share of clients with a known outcome retained past their first {CLIENT_HORIZON}",
}
#: Headline status on the page -> status code in the document.
STATUS_CODES: dict[str, str] = {MET: "met", BREACHED: "breached", NO_DATA: "not_enough_data",
                                REPORTED: "reported"}
#: Shortlist-size flag of :func:`scoring.agency.sla.shortlist_sizes` -> ``size_flag``.
SIZE_FLAGS: dict[str, str] = {"fewer than 2": "under", "more than 3": "over", "": "ok"}
#: The list sections of the document, in order; each is a list of objects with these fields first.
SECTIONS: dict[str, tuple[str, ...]] = {
    "promises": ("promise", "figure", "counted", "met", "status", "name", "measure", "target"),
    "searches": ("search_ref", "status", "business_days", "within_target", "within_limit", "counted",
                 "shortlist_size", "size_flag", "breach", "at_risk", "cancelled", "opened_on",
                 "shortlist_delivered_on", "closed_on"),
    "stages": ("stage", "passed", "decided", "open", "pass_rate", "ci_low", "ci_high", "entered"),
    "placements": ("placement_ref", "days_to_first_day", "counted", "search_ref", "accepted_on", "first_day"),
    "replacements": ("replacement_ref", "days", "cost_usd", "breach", "fulfilled", "counted", "placement_ref",
                     "requested_on", "fulfilled_on"),
    "clients": ("client_ref", "retention", "signed_on", "churned_on"),
    "scorecards": ("application_ref", "stage", "score", "score_pct", "complete", "missing_dimensions",
                   "reviewers", "weight_version"),
}
CSV_HEADER = ("section", "item", "field", "value")
SCORECARD_COLUMNS = ["application_id", "application_ref", "stage_id", "stage", "score", "score_pct", "complete",
                     "missing_dimensions", "reviewers", "version_id"]


@dataclass(frozen=True)
class AuditExtras:
    """What the document adds to the ops page's report, read for the same searches and date.

    Attributes
    ----------
    stages : pandas.DataFrame
        :func:`scoring.agency.funnel.finish_funnel` per stage with the stage ``code``.
    scorecards : pandas.DataFrame
        :data:`SCORECARD_COLUMNS`: one row per application and scored stage.
    """

    stages: pd.DataFrame
    scorecards: pd.DataFrame


def audit_extras(db: Database, actor: Account, search_filter: SearchFilter, as_of: date) -> AuditExtras:
    """The funnel per stage and the weighted scorecards of the filtered searches, as of ``as_of``.

    Parameters
    ----------
    db, actor
        The database and an account holding ``read_ops``, ``read_pipeline`` and ``read_all_scores``
        (ops, admin, or :data:`scoring.agency.access.OPERATOR`).
    search_filter : SearchFilter
    as_of : date
        Nothing dated after it is used: an entry or decision made later, a scorecard or an
        amendment submitted later.

    Returns
    -------
    AuditExtras
    """
    counts = applications.funnel_counts(db, actor, search_filter, as_of).set_index("stage_id")
    stages = funnel.finish_funnel(counts, []).merge(applications.stage_names(db, actor), on="stage_id")
    ratings = rating_store.scorecard_ratings(db, actor, search_filter, as_of)
    return AuditExtras(stages=stages, scorecards=scorecard_scores(ratings, weight_store.version_weights(db, actor)))


def scorecard_scores(ratings: pd.DataFrame, versions: pd.DataFrame) -> pd.DataFrame:
    """Weighted score per application and scored stage, under the weight version in force at entry.

    Parameters
    ----------
    ratings : pandas.DataFrame
        As :func:`scoring.store.ratings.scorecard_ratings`: ``application_id``, ``application_ref``,
        ``stage_id``, ``stage``, ``entered_on``, ``reviewer_id``, ``dimension``, ``rating``.
    versions : pandas.DataFrame
        ``version_id``, ``effective_from``, ``dimension``, ``weight_pct``.

    Returns
    -------
    pandas.DataFrame
        :data:`SCORECARD_COLUMNS`, ordered by application and stage. ``score`` (1-5) and
        ``score_pct`` (0-100) are NaN when a dimension was rated by no reviewer (``complete``
        false, ``missing_dimensions`` naming it): never a total with that dimension counted as zero
        or left out.
    """
    if ratings.empty:
        return pd.DataFrame(columns=SCORECARD_COLUMNS)
    keys = ["application_id", "stage_id"]
    dates = ratings[[*keys, "entered_on"]].drop_duplicates(keys)
    scored = scores_under_versions(ratings, dates, versions)     # no total where a dimension has no rating
    names = ratings[[*keys, "application_ref", "stage"]].drop_duplicates(keys)
    out = scored.merge(names, on=keys, how="left").sort_values(keys, kind="stable")
    return out[SCORECARD_COLUMNS].reset_index(drop=True)


# -- the document ----------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """A JSON-ready Python value: numpy scalars unwrapped, NaN/NaT/None as None, floats rounded,
    dates as 'YYYY-MM-DD', lists element by element."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return None
        rounded = round(number, FLOAT_DIGITS)
        return rounded + 0.0 if rounded != 0 else 0.0          # no '-0.0'
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


#: Source columns holding whole numbers of days, written as integers.
WHOLE_DAYS = ("business_days", "days")


def _rows(frame: pd.DataFrame, fields: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of ``frame`` as objects: output field -> source column."""
    frame = frame.copy()
    for column in WHOLE_DAYS:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column]).round().astype("Int64")
    return [{name: _plain(row[column]) for name, column in fields.items()}
            for row in frame.to_dict("records")]


def _promises(report: OpsReport) -> list[dict[str, Any]]:
    rows = []
    for head in report.headline.to_dict("records"):
        key = head["key"]
        if key not in PROMISE_KEYS:
            continue
        status = head["status"]
        rows.append({"promise": key, "figure": _plain(head["figure"]), "counted": int(head["n"]),
                     "met": None if status not in (MET, BREACHED) else status == MET,
                     "status": STATUS_CODES[status], "name": PROMISES[key].name, "measure": MEASURES[key],
                     "target": _plain(head["target"])})
    return rows


def _searches(report: OpsReport) -> list[dict[str, Any]]:
    times = report.evidence["shortlist_time"]
    sizes = report.evidence["shortlist_size"][["search_id", "shortlisted", "flag"]]
    rows = times.merge(sizes, on="search_id", how="left")
    rows["size_flag"] = rows["flag"].map(SIZE_FLAGS)
    rows["shortlisted"] = rows["shortlisted"].astype("Int64")
    return _rows(rows, {"search_ref": "search_ref", "status": "status", "business_days": "business_days",
                        "within_target": "within_target", "within_limit": "within_limit",
                        "counted": "in_figure", "shortlist_size": "shortlisted", "size_flag": "size_flag",
                        "breach": "breach", "at_risk": "at_risk", "cancelled": "cancelled", "opened_on": "opened_on",
                        "shortlist_delivered_on": "shortlist_delivered_on", "closed_on": "closed_on"})


def _stages(stages: pd.DataFrame) -> list[dict[str, Any]]:
    return _rows(stages.sort_values("stage_id"),
                 {"stage": "code", "passed": "passed", "decided": "decided", "open": "open",
                  "pass_rate": "pass_rate", "ci_low": "pass_rate_low", "ci_high": "pass_rate_high",
                  "entered": "entered"})


def _scorecards(scorecards: pd.DataFrame) -> list[dict[str, Any]]:
    rows = scorecards.copy()
    rows["reviewers"] = rows["reviewers"].astype("Int64")
    return _rows(rows, {"application_ref": "application_ref", "stage": "stage", "score": "score",
                        "score_pct": "score_pct", "complete": "complete",
                        "missing_dimensions": "missing_dimensions", "reviewers": "reviewers",
                        "weight_version": "version_id"})


def ops_document(report: OpsReport, extras: AuditExtras) -> dict[str, Any]:
    """The audit document: the ops page's figures as of ``report.as_of`` and the rows behind them.

    Parameters
    ----------
    report : OpsReport
        From :func:`scoring.reports.ops.ops_report`.
    extras : AuditExtras
        From :func:`audit_extras` for the same filter and date.

    Returns
    -------
    dict
        ``as_of``, ``filter``, ``first_day_from``, ``holiday_countries``, then the sections of
        :data:`SECTIONS`, each a list of objects whose fields come in that order. Plain Python
        values only (``None`` for a missing figure).
    """
    chosen = report.search_filter
    evidence = report.evidence
    return {
        "as_of": report.as_of.isoformat(),
        "filter": {"opened_from": _plain(chosen.start), "opened_to": _plain(chosen.end),
                   "client_ids": [int(c) for c in chosen.client_ids], "seniorities": list(chosen.seniorities)},
        "first_day_from": report.first_day_from,
        "holiday_countries": list(report.countries),
        "promises": _promises(report),
        "searches": _searches(report),
        "stages": _stages(extras.stages),
        "placements": _rows(evidence["first_day"],
                            {"placement_ref": "placement_ref", "days_to_first_day": "days", "counted": "in_figure",
                             "search_ref": "search_ref", "accepted_on": "accepted_on", "first_day": "first_day"}),
        "replacements": _rows(evidence["replacement"],
                              {"replacement_ref": "replacement_ref", "days": "days", "cost_usd": "cost_usd",
                               "breach": "breach", "fulfilled": "fulfilled", "counted": "in_figure",
                               "placement_ref": "placement_ref", "requested_on": "requested_on",
                               "fulfilled_on": "fulfilled_on"}),
        "clients": _rows(evidence["client_retention"],
                         {"client_ref": "client_ref", "retention": "outcome", "signed_on": "signed_on",
                          "churned_on": "churned_on"}),
        "scorecards": _scorecards(extras.scorecards),
    }


def ops_audit(db: Database, actor: Account, search_filter: SearchFilter, as_of: date,
              first_day_from: FirstDayFrom = "opened_on") -> dict[str, Any]:
    """:func:`ops_document` of :func:`~scoring.reports.ops.ops_report` and :func:`audit_extras`."""
    report = ops_report(db, actor, search_filter, as_of, first_day_from)
    return ops_document(report, audit_extras(db, actor, search_filter, as_of))


# -- bytes ------------------------------------------------------------------------------------------
def to_json(document: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON, indented by two spaces, ending with a newline; refuses NaN."""
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    """A value as CSV text: empty for null, JSON spelling for numbers and booleans, lists joined by ';';
    text (or a list holding text) neutralised against spreadsheet formulas (:func:`exports.neutralise`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return exports.neutralise(value)
    if isinstance(value, list):
        joined = ";".join(_cell(v) if not isinstance(v, str) else v for v in value)
        return exports.neutralise(joined) if any(isinstance(v, str) for v in value) else joined
    return json.dumps(value, allow_nan=False)


def long_rows(document: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """The document as (section, item, field, value) rows, in document order.

    Top-level values are in section ``report`` with an empty item (a nested object's fields as
    ``filter.opened_from``...); a list section's objects are items 1, 2, ... in list order.
    """
    for key, value in document.items():
        if key in SECTIONS:
            for item, row in enumerate(value, start=1):
                for field, cell in row.items():
                    yield key, str(item), field, _cell(cell)
        elif isinstance(value, dict):
            for field, cell in value.items():
                yield "report", "", f"{key}.{field}", _cell(cell)
        else:
            yield "report", "", key, _cell(value)


def to_csv(document: dict[str, Any]) -> bytes:
    """The document as one UTF-8 CSV in the long layout of :func:`long_rows`, header
    :data:`CSV_HEADER`, ``\\n`` line ends; a text value that a spreadsheet would take for a formula
    is written neutralised and quoted (:mod:`scoring.reports.exports`)."""
    lines = [exports.csv_line(CSV_HEADER), *(exports.csv_line(row) for row in long_rows(document))]
    return "".join(lines).encode("utf-8")
