"""The monthly client report's content, on the hand-built agencies of :mod:`tests.ops_fixture` and
:mod:`tests.client_month_fixture`, every figure counted by hand from their tables.

Business days skip weekends and the client's country's public holidays (US here: Juneteenth 19 Jun
2024, Independence Day 4 Jul 2024, Memorial Day 26 May 2025, Juneteenth 19 Jun 2025), counting the days
after the opening day up to and including the end day. The report judges nothing itself: it reads the
ops audit of the one client as of the month's last day and as of the day before the month, so the
last test adds up every month's promises and finds the ops page's own counts.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from scoring.agency.access import PermissionDenied
from scoring.reports.client_month import client_month_report, month_span
from scoring.reports.ops import ops_report
from scoring.store import Database, client_months
from scoring.store.searches import SearchFilter
from tests import client_month_fixture, ops_fixture
from tests.ops_fixture import person

TODAY = date(2025, 6, 30)


@pytest.fixture(scope="module")
def agency(tmp_path_factory):
    with Database(ops_fixture.build(tmp_path_factory.mktemp("client_month") / "ops.duckdb")) as db:
        yield db


def report(db, ref, month, today=TODAY, role="ops"):
    return client_month_report(db, person(role), ref, month, today)


def promise_row(month_report, key_words):
    rows = month_report.promises[month_report.promises["Promise"].str.startswith(key_words)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_month_runs_from_its_first_to_its_last_day():
    assert month_span("2025-06") == (date(2025, 6, 1), date(2025, 6, 30))
    assert month_span(" 2024-12 ") == (date(2024, 12, 1), date(2024, 12, 31))
    for bad in ("2025-6", "June 2025", "2025-00", "1899-12"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            month_span(bad)


def test_june_for_ember_a_search_past_its_limit_and_one_within_its_target(agency):
    june = report(agency, "CL-5", "2025-06")
    assert (june.client, june.month_label, june.as_of, june.complete) == ("Ember Energy", "June 2025", TODAY, True)
    # SR-05 opened Mon 2 Jun: 21 weekdays to Mon 30 Jun, less Juneteenth, 19 so far. SR-06 opened Mon 23 Jun: 5.
    # SR-11 (delivered 20 Feb) is not June's.
    assert june.searches.to_dict("records") == [
        {"Search": "MLOps engineer (senior), opened 02 Jun 2025", "Opened": "02 Jun 2025",
         "Shortlist delivered": "not yet", "Business days": "19",
         "Against the promise": "no shortlist yet: 19 business days so far, past the 14-business-day limit"},
        {"Search": "MLOps engineer (junior), opened 23 Jun 2025", "Opened": "23 Jun 2025",
         "Shortlist delivered": "not yet", "Business days": "5",
         "Against the promise": "no shortlist yet: 5 business days so far, within the 7-day target"},
    ]
    assert june.times[["business_days", "state"]].values.tolist() == [[19, "waiting"], [5, "waiting"]]
    # SR-05 passed its 14th business day in June (it did not exist on 31 May): due, and not kept.
    shortlist = promise_row(june, "Shortlist within")
    assert (shortlist["Fell due this month"], shortlist["Kept"], shortlist["Not kept"]) == (1, 0, 1)
    assert shortlist["What happened"] == ("1 search: 0 within the 14-business-day limit, 1 past it "
                                          "(1 still without a shortlist)")
    # RP-00005 (for PL-11, Engineer 19) was requested on 25 Jun: 5 days, still within 14, so not due yet.
    assert promise_row(june, "Replacement")["Fell due this month"] == 0
    assert june.replacements.to_dict("records") == [
        {"Engineer replaced": "Engineer 19", "Requested": "25 Jun 2025", "Replacement started": "not yet",
         "Days": "5", "Charged": "nothing",
         "Against the promise": "not replaced yet: 9 days left within the 14-day limit"}]
    assert june.placements.empty and june.shortlists == ()
    assert june.summary == (
        "2 searches open during the month: 0 shortlists delivered, 2 still waiting for one.",
        "No placement was accepted, started or ended this month.",
        "1 replacement request open during the month.",
        "Promises that fell due this month: 1; kept: 0.")


def test_a_month_not_over_is_reported_as_of_today(agency):
    mid_june = report(agency, "CL-5", "2025-06", today=date(2025, 6, 15))
    assert (mid_june.as_of, mid_june.complete) == (date(2025, 6, 15), False)
    # SR-05 on Sun 15 Jun: Tue 3 - Fri 6 and Mon 9 - Fri 13, 9 business days: past the target, 5 left.
    assert mid_june.searches["Against the promise"].tolist() == [
        "no shortlist yet: 9 business days so far, past the 7-day target; 5 business days left"]
    assert promise_row(mid_june, "Shortlist within")["Fell due this month"] == 0


def test_may_for_acme_a_shortlist_too_long_a_replacement_in_time_and_a_replacement_engineer(agency):
    may = report(agency, "CL-1", "2025-05")
    # SR-04: Mon 19 May to Wed 28 May, 7 weekdays less Memorial Day: 6.
    assert may.searches[["Business days", "Against the promise"]].values.tolist() == [
        ["6", "delivered within the 7-business-day target"]]
    assert promise_row(may, "Shortlist of")[["Fell due this month", "Kept", "Not kept", "What happened"]].tolist() \
        == [1, 0, 1, "1 shortlist of 4 candidates"]
    # RP-00001: requested 19 May, PL-04 started 30 May: 11 days, no charge.
    assert promise_row(may, "Replacement")[["Fell due this month", "Kept"]].tolist() == [1, 1]
    assert may.replacements["Against the promise"].tolist() == ["replaced within the 14-day limit, at no cost"]
    # PL-01 ended on 20 May (not a fit); PL-04, the replacement, started on 30 May and is not a first-day case.
    assert may.placements[["Engineer", "Time to first day", "Now"]].values.tolist() == [
        ["Engineer 01", "28 days from the search opening", "ended: not a fit on 20 May 2025"],
        ["Engineer 02", "replacement engineer (the replacement promise applies)", "in post"]]
    assert promise_row(may, "First day")["Fell due this month"] == 0
    assert may.summary[1] == "2 placements accepted, started or ended this month; 1 of them in post on 31 May 2025."
    # The shortlist of SR-04 as the client stood on 31 May: Engineer 07 was accepted only on 2 June.
    (shortlist,) = may.shortlists
    assert dict(zip(shortlist.table["Candidate"], shortlist.table["Your decision"])) == {
        "Engineer 07": "awaiting your decision", "Engineer 08": "declined", "Engineer 09": "declined",
        "Engineer 10": "declined"}


def test_july_and_august_2024_for_birch_a_late_shortlist_then_a_client_lost(agency):
    july = report(agency, "CL-2", "2024-07")
    # SR-03 opened Mon 10 Jun 2024: 13 business days by 30 Jun (Juneteenth off), 17 at delivery on Fri 5 Jul
    # (4 Jul off). It passed the limit in July, so July is when the promise fell due.
    assert july.searches[["Business days", "Against the promise"]].values.tolist() == [
        ["17", "delivered 3 business days after the 14-business-day limit"]]
    kept = {row["Promise"]: (row["Fell due this month"], row["Kept"]) for _, row in july.promises.iterrows()}
    assert kept == {"Shortlist within 7-14 business days": (1, 0), "Shortlist of 2-3 candidates": (1, 0),
                    "First day within 30 days on average": (1, 0), "Replacement within 7-14 days at zero cost": (0, 0),
                    "95% of clients continue beyond their first 3 months": (0, 0)}
    assert july.placements["Time to first day"].tolist() == [
        "35 days from the search opening (over the 30-day average promised)"]
    august = report(agency, "CL-2", "2024-08")
    assert august.searches.empty and august.summary[0] == "No search was open during the month."
    assert promise_row(august, "95% of clients")[["Not kept", "What happened"]].tolist() == [
        1, "your contract ended within its first three months"]
    assert august.placements["Now"].tolist() == ["ended with your contract on 01 Aug 2024"]


def test_since_you_joined_is_the_ops_page_for_that_client(agency):
    june = report(agency, "CL-1", "2025-06")
    ops = ops_report(agency, person("ops"), SearchFilter(client_ids=(1,)), TODAY).headline
    ops = ops[ops["key"] != "placement_retention"]
    assert june.to_date["Promise"].tolist() == ops["name"].tolist()
    assert june.to_date["Since you joined"].tolist() == ops["figure_text"].tolist()
    assert june.to_date["Measured over"].tolist() == [str(n) for n in ops["n"]]


def test_the_months_add_up_to_the_ops_page(agency):
    """Every promise falls due in exactly one month: Ember's months, added, are the ops audit's counts."""
    months = [report(agency, "CL-5", f"2025-{m:02d}") for m in range(2, 7)]
    due = sum(m.promises.set_index("Promise")["Fell due this month"] for m in months)
    broken = sum(m.promises.set_index("Promise")["Not kept"] for m in months)
    audit = ops_report(agency, person("ops"), SearchFilter(client_ids=(5,)), TODAY)
    headline = audit.headline.set_index("name")
    for key, name in zip(headline["key"], headline.index):
        if key == "placement_retention":
            continue
        assert due[name] == headline.loc[name, "n"], name
        assert broken[name] == int(audit.evidence[key].query("in_figure")["breach"].sum()), name
    # Feb: SR-11 (7 days, 3 candidates); Mar: PL-10's first day; Apr: RP-00003 charged 500 USD;
    # May: three months with us; Jun: SR-05 past its limit.
    assert [int(m.promises["Fell due this month"].sum()) for m in months] == [2, 1, 1, 1, 1]
    assert [int(m.promises["Not kept"].sum()) for m in months] == [0, 0, 1, 0, 1]
    assert months[2].replacements["Charged"].tolist() == ["500 USD"]


def test_the_shortlists_compare_take_home_ratings_as_they_stood(scored_agency):
    march = report(scored_agency, "CL-1", "2025-03")
    first, second = march.shortlists
    assert first.table[["Candidate", "Take-home score", "Governance", "Your decision"]].values.tolist() == [
        ["Engineer 01", "4.15", "3.00", "accepted"], ["Engineer 02", "3.00", "3.00", "awaiting your decision"]]
    assert second.table[["Candidate", "Take-home score", "Governance"]].values.tolist() == [
        ["Engineer 03", "4.00", "4.00"], ["Engineer 04", "2.45", "2.00"],
        [client_month_fixture.MARKUP_NAME, "Incomplete: Governance not rated by any reviewer", "not rated"]]
    assert first.traces["Engineer 01"].tolist() == [4.0, 5.0, 4.0, 4.0, 3.0]
    assert list(second.traces) == second.table["Candidate"].tolist()     # the radar's legend in the table's order
    # Application 3's amendment (2 everywhere) came on 10 Apr, after March.
    assert client_months.take_home_ratings(scored_agency, person("ops"), [3], date(2025, 4, 30))["rating"].tolist() \
        == [2] * 5


def test_the_client_reads_no_reviewer_no_reference_and_no_e_mail(scored_agency):
    march = report(scored_agency, "CL-1", "2025-03")
    frames = [march.searches, march.placements, march.replacements, march.promises, march.to_date,
              *(s.table for s in march.shortlists)]
    text = " ".join([*march.summary, *(f.to_csv() for f in frames), *(s.search for s in march.shortlists),
                     *(name for s in march.shortlists for name in s.traces)])
    for hidden in (*client_month_fixture.REVIEWER_NAMES, "@ops.example", "SR-0", "PL-0", "RP-0", "CL-1", "CA-0"):
        assert hidden not in text, hidden
    assert not re.search(r"\b(nan|None|NaT)\b", text)


@pytest.mark.parametrize(("ref", "month", "today", "reason"), [
    ("CL-9", "2025-06", TODAY, "there is no client with the reference 'CL-9'"),
    ("CL-4", "2025-04", TODAY, "Delta Freight signed on 30 May 2025, after April 2025"),
    ("CL-1", "2025-07", TODAY, "July 2025 has not begun yet"),
    ("CL-1", "2025/06", TODAY, "the month must be written YYYY-MM"),
])
def test_a_report_that_cannot_be_made_says_why(agency, ref, month, today, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        report(agency, ref, month, today)


def test_only_ops_and_admins_may_read_it(agency):
    assert report(agency, "CL-1", "2025-06", role="admin").client == "Acme Robotics"
    for role in ("hiring_lead", "reviewer"):
        with pytest.raises(PermissionDenied):
            report(agency, "CL-1", "2025-06", role=role)
