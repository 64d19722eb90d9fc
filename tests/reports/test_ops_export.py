"""The ops audit document as of a date, on the agency of :mod:`tests.audit_fixture`.

Every expected value is counted by hand from the fixture's rows (the arithmetic is in the comments),
never recomputed with the library under test. The audit date is Friday 30 May 2025; the fixture's
history runs on to 30 June, and none of it may show up in the audit as of 30 May.
"""

from __future__ import annotations

import csv
import io
import json
import math

import duckdb
import pytest

from scoring.agency.access import OPERATOR, PermissionDenied
from scoring.reports.ops_export import CSV_HEADER, SECTIONS, ops_audit, to_csv, to_json
from scoring.store import Database
from scoring.store import placements as placement_store
from scoring.store.searches import SearchFilter
from tests.audit_fixture import AS_OF, TODAY, build, person

EVERYTHING = SearchFilter()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    handle = Database(build(tmp_path_factory.mktemp("audit") / "audit.duckdb"))
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def document(db):
    return ops_audit(db, person("ops"), EVERYTHING, AS_OF)


def by(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows}


def wilson(passed: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval (Newcombe 1998, method 3), written out here independently of the library."""
    p = passed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


# -- the document, section by section ------------------------------------------------------------------
def test_the_document_names_its_date_and_filter(document):
    assert document["as_of"] == "2025-05-30"
    assert document["filter"] == {"opened_from": None, "opened_to": None, "client_ids": [], "seniorities": []}
    assert document["first_day_from"] == "opened_on"
    assert document["holiday_countries"] == ["DE", "US"]
    assert list(document)[4:] == list(SECTIONS)


def test_promises_as_of_the_audit_date(document):
    promises = by(document["promises"], "promise")
    assert list(promises) == ["shortlist_time", "shortlist_size", "first_day", "replacement", "client_retention"]
    # Shortlist time, counted: SR-1 7, SR-2 11 (German holidays), SR-5 18 -> 2 of 3 within 14. Not
    # counted: SR-3 cancelled, SR-4 (9), SR-6 (13) and SR-8 (8, its shortlist comes on 2 June) still waiting.
    assert promises["shortlist_time"] == {
        "promise": "shortlist_time", "figure": 0.666667, "counted": 3, "met": False, "status": "breached",
        "name": "Shortlist within 7-14 business days",
        "measure": "share of counted searches shortlisted within 14 business days", "target": 1.0}
    # Shortlists delivered by 30 May: SR-1 2, SR-2 2, SR-5 1 -> 2 of 3 with 2-3 candidates.
    assert (promises["shortlist_size"]["figure"], promises["shortlist_size"]["counted"]) == (0.666667, 3)
    # First day, started original placements: PL-1 29 (3 Mar -> 1 Apr), PL-2 28 (14 Apr -> 12 May) ->
    # 28.5 <= 30. PL-4 starts on 9 June; PL-5 fills RP-1.
    assert {k: promises["first_day"][k] for k in ("figure", "counted", "met", "status")} == {
        "figure": 28.5, "counted": 2, "met": True, "status": "met"}
    # Replacements counted: RP-1 10 days at no cost (kept), RP-3 20 days unfulfilled (late) -> 1 of 2.
    # RP-2 is 10 days old and unfulfilled: pending, not counted.
    assert (promises["replacement"]["figure"], promises["replacement"]["counted"]) == (0.5, 2)
    # Clients: Alder and Brook retained, Cedar lost, Dune and Elm under 3 months -> 2 of 3.
    assert {k: promises["client_retention"][k] for k in ("figure", "counted", "met", "target")} == {
        "figure": 0.666667, "counted": 3, "met": False, "target": 0.95}


def test_searches_as_they_stood(document):
    searches = document["searches"]
    # SR-7 opens on 3 June: absent. Ordered by opening date.
    assert [s["search_ref"] for s in searches] == ["SR-1", "SR-3", "SR-2", "SR-5", "SR-6", "SR-4", "SR-8"]
    rows = by(searches, "search_ref")
    assert rows["SR-1"] == {
        "search_ref": "SR-1", "status": "filled", "business_days": 7, "within_target": True, "within_limit": True,
        "counted": True, "shortlist_size": 2, "size_flag": "ok", "breach": False, "at_risk": False,
        "cancelled": False, "opened_on": "2025-03-03", "shortlist_delivered_on": "2025-03-12",
        "closed_on": "2025-03-31"}
    # Brook is German: 15-17 Apr, 22-25 Apr, 28-30 Apr and 2 May (Good Friday, Easter Monday and
    # 1 May off) = 11; the US calendar would give 14.
    assert (rows["SR-2"]["business_days"], rows["SR-2"]["within_target"], rows["SR-2"]["within_limit"]) == \
        (11, False, True)
    # 29-30 Apr, 1-2 May, 5-9, 12-16 and 19-22 May = 18: late, and one candidate on the shortlist.
    assert {k: rows["SR-5"][k] for k in ("business_days", "breach", "counted", "shortlist_size", "size_flag")} == {
        "business_days": 18, "breach": True, "counted": True, "shortlist_size": 1, "size_flag": "under"}
    # Cancelled after 5 business days without a shortlist: left out, no size.
    assert {k: rows["SR-3"][k] for k in ("status", "business_days", "counted", "breach", "cancelled",
                                         "shortlist_size", "size_flag")} == {
        "status": "cancelled", "business_days": 5, "counted": False, "breach": False, "cancelled": True,
        "shortlist_size": None, "size_flag": None}
    # Elm cancels SR-6 on 2 June, when it churns: on 30 May the search is open, 13 business days old
    # (13-16 May, 19-23 May, 27-30 May; Memorial Day off): past the 7-day target, at risk.
    assert {k: rows["SR-6"][k] for k in ("status", "business_days", "counted", "at_risk", "cancelled",
                                         "closed_on")} == {
        "status": "open", "business_days": 13, "counted": False, "at_risk": True, "cancelled": False,
        "closed_on": None}
    # SR-8's shortlist is delivered on 2 June: on 30 May it is open, 8 business days old, no size yet.
    assert {k: rows["SR-8"][k] for k in ("status", "business_days", "counted", "shortlist_delivered_on",
                                         "shortlist_size")} == {
        "status": "open", "business_days": 8, "counted": False, "shortlist_delivered_on": None,
        "shortlist_size": None}
    assert (rows["SR-4"]["status"], rows["SR-4"]["business_days"], rows["SR-4"]["at_risk"]) == ("open", 9, True)
    assert [ref for ref, row in rows.items() if row["at_risk"]] == ["SR-6", "SR-4", "SR-8"]


def test_stages_count_only_what_was_decided_by_the_audit_date(document):
    stages = document["stages"]
    assert [s["stage"] for s in stages] == ["tooling_audit", "incident_interview", "take_home", "client_shortlist"]
    counts = {s["stage"]: (s["entered"], s["decided"], s["passed"], s["open"]) for s in stages}
    # Tooling audit: AP-01..AP-08 entered and decided; AP-06 failed.
    assert counts["tooling_audit"] == (8, 8, 7, 0)
    # Interview: AP-01..05, AP-07, AP-08 entered; AP-07's decision (2 June) is still open.
    assert counts["incident_interview"] == (7, 6, 6, 1)
    # Take-home: AP-01..05 and AP-08 entered; AP-08's decision (1 June) is still open.
    assert counts["take_home"] == (6, 5, 5, 1)
    # Client shortlist: AP-01, 02, 03, 04, 05 entered (AP-08 enters on 2 June); AP-02 refused;
    # the client decides on AP-04 on 4 June.
    assert counts["client_shortlist"] == (5, 4, 3, 1)
    audit = by(stages, "stage")["tooling_audit"]
    low, high = wilson(7, 8)
    assert audit["pass_rate"] == 0.875
    assert (audit["ci_low"], audit["ci_high"]) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))
    assert by(stages, "stage")["client_shortlist"]["pass_rate"] == 0.75


def test_placements_replacements_and_clients(document):
    # PL-3 (accepted 4 June) and PL-6 (5 June) are absent; PL-4 starts on 9 June: not counted.
    assert [(p["placement_ref"], p["days_to_first_day"], p["counted"]) for p in document["placements"]] == [
        ("PL-1", 29, True), ("PL-5", None, False), ("PL-2", 28, True), ("PL-4", None, False)]
    # RP-2 is fulfilled on 6 June with a 300 USD charge: on 30 May it is open, 10 days old, and free.
    assert [(r["replacement_ref"], r["days"], r["cost_usd"], r["breach"], r["fulfilled"], r["counted"])
            for r in document["replacements"]] == [
        ("RP-1", 10, 0.0, False, True, True), ("RP-3", 20, 0.0, True, False, True),
        ("RP-2", 10, 0.0, False, False, False)]
    # Fern signs on 2 June: absent. Elm churns on 2 June: on 30 May it is 50 days old, censored.
    assert [(c["client_ref"], c["retention"], c["churned_on"]) for c in document["clients"]] == [
        ("CL-A", "retained", None), ("CL-C", "lost", "2025-01-10"), ("CL-B", "retained", None),
        ("CL-D", "censored", None), ("CL-E", "censored", None)]


def test_scorecards_with_a_gap_an_incomplete_card_and_a_later_amendment(document):
    cards = {(c["application_ref"], c["stage"]): c for c in document["scorecards"]}
    # AP-08's take-home scorecard is submitted on 31 May: absent.
    assert list(cards) == [("AP-01", "incident_interview"), ("AP-01", "take_home"), ("AP-03", "take_home"),
                           ("AP-04", "take_home"), ("AP-05", "incident_interview"), ("AP-08", "incident_interview")]
    # Means 4, 4, 3, 3, 3 (governance 2 and 4): .25*4 + .25*4 + .2*3 + .2*3 + .1*3 = 3.5 -> (3.5 - 1) / 4 = 62.5%.
    assert {k: cards["AP-01", "incident_interview"][k] for k in ("score", "score_pct", "complete", "reviewers")} \
        == {"score": 3.5, "score_pct": 62.5, "complete": True, "reviewers": 2}
    # One reviewer: 1.25 + 1 + .8 + .6 + .3 = 3.95 -> 73.75%.
    assert (cards["AP-01", "take_home"]["score"], cards["AP-01", "take_home"]["score_pct"]) == (3.95, 73.75)
    # The first reviewer left governance out; the second rated it 4: means 4, 4, 4, 4, 4 -> complete, 4.0.
    assert {k: cards["AP-03", "take_home"][k] for k in ("score", "complete", "missing_dimensions")} == {
        "score": 4.0, "complete": True, "missing_dimensions": []}
    # Neither reviewer rated governance: no total, never a zero, and the dimension named.
    assert cards["AP-04", "take_home"] == {
        "application_ref": "AP-04", "stage": "take_home", "score": None, "score_pct": None, "complete": False,
        "missing_dimensions": ["governance"], "reviewers": 2, "weight_version": 2}
    # Revision 1 (all 2s) stood on 30 May; the amendment to all 5s comes on 3 June.
    assert (cards["AP-05", "incident_interview"]["score"], cards["AP-05", "incident_interview"]["score_pct"]) == \
        (2.0, 25.0)
    # Submitted at 18:00 on the audit day itself: counted.
    assert cards["AP-08", "incident_interview"]["score"] == 3.0


def test_a_later_date_sees_what_happened_since(db):
    later = ops_audit(db, person("ops"), EVERYTHING, TODAY)
    assert "SR-7" in by(later["searches"], "search_ref")
    assert by(later["searches"], "search_ref")["SR-6"]["status"] == "cancelled"
    assert "PL-3" in by(later["placements"], "placement_ref")
    # RP-2: 20 May -> 6 June is 17 days, and charged: a breach.
    rp2 = by(later["replacements"], "replacement_ref")["RP-2"]
    assert (rp2["days"], rp2["cost_usd"], rp2["breach"]) == (17, 300.0, True)
    clients = by(later["clients"], "client_ref")
    assert clients["CL-E"]["retention"] == "lost" and "CL-F" in clients
    assert by(later["stages"], "stage")["client_shortlist"]["open"] == 1        # AP-08 now waits there
    assert {(c["application_ref"], c["stage"]): c["score"] for c in later["scorecards"]}[
        "AP-05", "incident_interview"] == 5.0


# -- bytes --------------------------------------------------------------------------------------------
def test_the_same_data_gives_the_same_bytes(db, tmp_path):
    first_json = to_json(ops_audit(db, person("ops"), EVERYTHING, AS_OF))
    first_csv = to_csv(ops_audit(db, person("ops"), EVERYTHING, AS_OF))
    with Database(build(tmp_path / "again.duckdb")) as again:           # a second database from the same rows
        document = ops_audit(again, OPERATOR, EVERYTHING, AS_OF)
    assert to_json(document) == first_json
    assert to_csv(document) == first_csv
    assert json.loads(first_json) == ops_audit(db, person("admin"), EVERYTHING, AS_OF)


def test_json_has_nulls_never_nan(db):
    # Only the cancelled SR-3 is a junior search: no applications, so no pass rate at any stage.
    juniors = ops_audit(db, person("ops"), SearchFilter(seniorities=("junior",)), AS_OF)
    assert {s["pass_rate"] for s in juniors["stages"]} == {None}
    text = to_json(juniors).decode()
    assert "NaN" not in text and "Infinity" not in text and text.endswith("}\n")
    assert json.loads(text)["promises"][2] == {
        "promise": "first_day", "figure": None, "counted": 0, "met": None, "status": "not_enough_data",
        "name": "First day within 30 days on average", "measure": "mean calendar days to the first day",
        "target": 30.0}


def test_csv_is_the_long_layout_of_the_same_document(document):
    rows = list(csv.reader(io.StringIO(to_csv(document).decode())))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1] == ["report", "", "as_of", "2025-05-30"]
    assert ["report", "", "filter.opened_from", ""] in rows
    assert ["report", "", "holiday_countries", "DE;US"] in rows
    searches = [row for row in rows if row[0] == "searches"]
    # Search 4 in document order is SR-5.
    assert ["searches", "4", "search_ref", "SR-5"] in searches
    assert ["searches", "4", "business_days", "18"] in searches
    assert ["searches", "4", "breach", "true"] in searches
    assert ["searches", "2", "shortlist_size", ""] in searches          # SR-3: null is empty
    assert ["scorecards", "4", "missing_dimensions", "governance"] in rows
    assert ["scorecards", "4", "score", ""] in rows
    assert ["promises", "3", "figure", "28.5"] in rows
    fields_per_search = len(SECTIONS["searches"])
    assert len(searches) == fields_per_search * len(document["searches"])


# -- who may produce it --------------------------------------------------------------------------------
def test_the_operator_reads_like_ops_staff_and_cannot_write(db):
    assert ops_audit(db, OPERATOR, EVERYTHING, AS_OF) == ops_audit(db, person("ops"), EVERYTHING, AS_OF)
    before = db.scalar("SELECT count(*) FROM audit_log")
    # PL-3 runs from 16 June and has no request: only the audit entry, naming an account that does not
    # exist, stands in the way.
    with pytest.raises(duckdb.ConstraintException, match="foreign key"):
        placement_store.request_replacement(db, OPERATOR, 3, TODAY, as_of=TODAY)
    assert db.scalar("SELECT count(*) FROM audit_log") == before
    assert db.scalar("SELECT count(*) FROM replacements") == 3


@pytest.mark.parametrize("role", ["reviewer", "hiring_lead"])
def test_reviewers_and_hiring_leads_cannot_produce_it(db, role):
    with pytest.raises(PermissionDenied):
        ops_audit(db, person(role), EVERYTHING, AS_OF)
