"""The ops audit report on the hand-built agency of :mod:`tests.ops_fixture`.

Every expected value is counted by hand from the fixture's rows (the arithmetic is in the comments),
never recomputed with the library under test.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pyarrow.parquet as pq
import pytest

from scoring.agency.access import PermissionDenied
from scoring.domain.promises import PROMISES
from scoring.reports.exports import to_csv
from scoring.reports.ops import BREACHED, MET, NO_DATA, REPORTED, evidence_rows, filter_breaches, ops_report, to_parquet
from scoring.store import Database
from scoring.store.searches import SearchFilter
from tests.ops_fixture import AS_OF, build, person


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    handle = Database(build(tmp_path_factory.mktemp("ops_report") / "ops.duckdb"))
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def ops_staff():
    return person("ops")


@pytest.fixture(scope="module")
def report(db, ops_staff):
    return ops_report(db, ops_staff, SearchFilter(), AS_OF)


def by_key(report) -> dict[str, dict]:
    return {row["key"]: row for row in report.headline.to_dict("records")}


# -- headline -------------------------------------------------------------------------------------
def test_every_promise_has_its_hand_counted_headline(report):
    head = by_key(report)
    assert list(head) == list(PROMISES)

    # Shortlist time, counted searches: delivered S1 7, S2 14, S3 17, S4 6, S7 13 (GB), S9 0,
    # S10 6, S11 7, plus S5 still without a shortlist after 19 business days; S6 (5 so far) and S8
    # (cancelled after 3) are not counted. Within 14: all delivered but S3 -> 7 of 9.
    assert head["shortlist_time"]["n"] == 9
    assert head["shortlist_time"]["figure"] == pytest.approx(7 / 9)
    assert head["shortlist_time"]["status"] == BREACHED          # S3 late, S5 open past the limit
    assert head["shortlist_time"]["figure_text"] == "77.8%"

    # Shortlist size over the 8 delivered shortlists: S1 2, S2 3, S3 1, S4 4, S7 2, S9 3, S10 2,
    # S11 3 -> 6 of 8 within 2-3.
    assert head["shortlist_size"]["n"] == 8
    assert head["shortlist_size"]["figure"] == pytest.approx(6 / 8)
    assert head["shortlist_size"]["status"] == BREACHED

    # First day, started non-replacement placements: P1 28, P2 42, P3 35, P5 30, P6 28, P9 21,
    # P10 28 -> (28 + 42 + 35 + 30 + 28 + 21 + 28) / 7 = 212 / 7 = 30.29 > 30.
    assert head["first_day"]["n"] == 7
    assert head["first_day"]["figure"] == pytest.approx(212 / 7)
    assert head["first_day"]["status"] == BREACHED
    assert head["first_day"]["figure_text"] == "30.3 days"

    # Replacements counted: R1 (11 days, free: kept), R2 (18: late), R3 (4 days but 500 USD),
    # R4 (unfulfilled after 18) -> 1 of 4 kept; R5 (5 days so far) is pending.
    assert head["replacement"]["n"] == 4
    assert head["replacement"]["figure"] == pytest.approx(1 / 4)
    assert head["replacement"]["status"] == BREACHED

    # Clients: Acme, Cobalt, Ember, Fjord retained (Fjord left after 10 months), Birch lost after
    # 61 days, Delta censored (31 days old) -> 4 / (4 + 1) = 0.8 < 0.95.
    assert head["client_retention"]["n"] == 5
    assert head["client_retention"]["figure"] == pytest.approx(0.8)
    assert head["client_retention"]["status"] == BREACHED
    assert head["client_retention"]["target_text"] == "at least 95% retained"

    # Placements at 90 days: P5 retained (208 days); P1, P2, P6, P10 lost (50, 49, 14, 36 days);
    # P3 (client churned at 17 days), P4, P7, P9, P11 (under 90 days) censored -> 1 / 5.
    assert head["placement_retention"]["n"] == 5
    assert head["placement_retention"]["figure"] == pytest.approx(0.2)
    assert head["placement_retention"]["status"] == REPORTED
    assert head["placement_retention"]["target"] is None or pd.isna(head["placement_retention"]["target"])


def test_shortlist_shares_within_seven_and_fourteen_business_days(report):
    summary = report.shortlist
    # Within 7: S1 7, S4 6, S9 0, S10 6, S11 7 -> 5 of 9; within 14: those plus S2 14, S7 13 -> 7 of 9.
    assert int(summary["searches"]) == 9
    assert int(summary["within_target"]) == 5
    assert int(summary["within_limit"]) == 7
    assert summary["share_within_target"] == pytest.approx(5 / 9)
    assert summary["share_within_limit"] == pytest.approx(7 / 9)
    assert int(summary["breaches"]) == 2          # S3 delivered after 17, S5 waiting after 19
    assert int(summary["open_breaches"]) == 1     # S5
    # Delivered days sorted: 0, 6, 6, 7, 7, 13, 14, 17 -> median (7 + 7) / 2 = 7; the 90th
    # percentile sits at position 0.9 * 7 = 6.3: 14 + 0.3 * (17 - 14) = 14.9.
    assert summary["median_days"] == 7
    assert summary["p90_days"] == pytest.approx(14.9)


def test_business_days_per_search_follow_each_clients_calendar(report):
    rows = report.evidence["shortlist_time"].set_index("search_ref")
    expected = {
        "SR-01": 7,    # Mon 3 Mar -> Wed 12 Mar 2025: 4 + 3
        "SR-02": 14,   # Mon 3 Mar -> Fri 21 Mar: 4 + 5 + 5
        "SR-03": 17,   # Mon 10 Jun -> Fri 5 Jul 2024: 4 + 4 (19 Jun off) + 5 + 4 (4 Jul off)
        "SR-04": 6,    # Mon 19 May -> Wed 28 May 2025: 4 + 2 (26 May off)
        "SR-05": 19,   # Mon 2 Jun -> audit Mon 30 Jun: 4 + 5 + 4 (19 Jun off) + 5 + 1
        "SR-06": 5,    # Mon 23 Jun -> Mon 30 Jun: 4 + 1
        "SR-07": 13,   # GB, Mon 14 Apr -> Fri 2 May: 3 (18 Apr off) + 5 + 5
        "SR-08": 3,    # GB, Mon 6 Jan -> cancelled Thu 9 Jan
        "SR-09": 0,    # delivered the day it opened
        "SR-10": 6,    # Mon 2 Jun -> Tue 10 Jun: 4 + 2
        "SR-11": 7,    # Mon 10 Feb -> Thu 20 Feb: 4 + 3 (17 Feb off)
    }
    assert rows["business_days"].to_dict() == expected
    assert rows.loc["SR-07", "country"] == "GB"
    assert sorted(rows.index[~rows["in_figure"]]) == ["SR-06", "SR-08"]
    assert sorted(rows.index[rows["breach"]]) == ["SR-03", "SR-05"]


def test_distribution_counts_every_day_from_the_fastest_to_the_slowest(report):
    table = report.distribution.set_index("business_days")["searches"]
    assert list(table.index) == list(range(0, 18))           # 0 to 17 business days
    assert table[table > 0].to_dict() == {0: 1, 6: 2, 7: 2, 13: 1, 14: 1, 17: 1}   # ties at 6 and 7
    assert int(table.sum()) == 8                               # delivered shortlists
    assert report.distribution["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_trend_by_month_keeps_the_empty_months(report):
    trend = report.trend.set_index("month")
    # Counted searches open from June 2024 (S3) to June 2025: 13 months, 6 of them empty.
    assert list(trend.index) == [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
    empty = ["2024-07", "2024-08", "2024-09", "2024-10", "2024-12", "2025-01"]
    assert (trend.loc[empty, "searches"] == 0).all()
    assert trend.loc[empty, "share_within_limit"].isna().all()
    assert trend.loc["2025-03", "searches"] == 2              # S1 (7) and S2 (14)
    assert trend.loc["2025-03", "share_within_target"] == pytest.approx(1 / 2)
    assert trend.loc["2025-06", "searches"] == 2              # S5 (open breach) and S10 (6); S6 pending
    assert trend.loc["2025-06", "share_within_limit"] == pytest.approx(1 / 2)
    assert int(trend["searches"].sum()) == 9


def test_shortlist_sizes_flag_too_few_and_too_many(report):
    rows = report.evidence["shortlist_size"].set_index("search_ref")
    assert rows["shortlisted"].to_dict() == {"SR-01": 2, "SR-02": 3, "SR-03": 1, "SR-04": 4, "SR-07": 2,
                                             "SR-09": 3, "SR-10": 2, "SR-11": 3}
    assert rows.loc["SR-03", "flag"] == "fewer than 2"
    assert rows.loc["SR-04", "flag"] == "more than 3"


def test_first_day_rows_explain_what_the_mean_leaves_out(report):
    rows = report.evidence["first_day"].set_index("placement_ref")
    counted = rows[rows["in_figure"]]
    assert counted["days"].to_dict() == {"PL-01": 28, "PL-02": 42, "PL-03": 35, "PL-05": 30, "PL-06": 28,
                                         "PL-09": 21, "PL-10": 28}
    assert sorted(counted.index[counted["breach"]]) == ["PL-02", "PL-03"]     # 30 exactly is not over
    for filling in ("PL-04", "PL-07", "PL-11"):
        assert "replacement" in rows.loc[filling, "note"]
    assert rows.loc["PL-08", "note"] == "not started by the audit date"      # first day 7 Jul 2025


def test_first_day_can_be_counted_from_acceptance(db, ops_staff):
    report = ops_report(db, ops_staff, SearchFilter(), AS_OF, first_day_from="accepted_on")
    # Accepted -> first day: P1 11, P2 17, P3 5, P5 19, P6 6, P9 7, P10 7 = 72 over 7 placements.
    head = by_key(report)["first_day"]
    assert head["figure"] == pytest.approx(72 / 7)
    assert head["status"] == MET


def test_replacement_rows_carry_days_cost_and_state(report):
    rows = report.evidence["replacement"].set_index("replacement_ref")
    assert rows["days"].to_dict() == {"RP-00001": 11, "RP-00002": 18, "RP-00003": 4, "RP-00004": 18,
                                      "RP-00005": 5}     # R4 and R5 counted to the audit date
    assert rows.loc["RP-00003", "cost_usd"] == 500
    assert not rows.loc["RP-00003", "zero_cost"]
    assert list(rows.index[rows["breach"]]) == ["RP-00003", "RP-00002", "RP-00004"]   # by request date
    assert not rows.loc["RP-00005", "in_figure"]
    assert rows.loc["RP-00001", "replacing_placement_ref"] == "PL-04"


def test_client_outcomes_right_censor_the_young_client(report):
    rows = report.evidence["client_retention"].set_index("client")
    assert rows["outcome"].to_dict() == {
        "Acme Robotics": "retained", "Fjord Media": "retained", "Birch Analytics": "lost",
        "Cobalt Health": "retained", "Ember Energy": "retained", "Delta Freight": "censored"}
    assert rows.loc["Birch Analytics", "t_days"] == 61          # 1 Jun -> 1 Aug 2024
    assert rows.loc["Delta Freight", "t_days"] == 31            # 30 May -> 30 Jun 2025
    assert rows.loc["Delta Freight", "mark"] == date(2025, 8, 30)
    assert not rows.loc["Delta Freight", "in_figure"]


def test_client_survival_curve_by_signing_quarter(report):
    curve = report.client_curves[report.client_curves["cohort"] == "2024Q1"]
    # Acme (532 days, still a client) and Fjord (left after 304): S = 1 - 1/2 at day 304, then flat.
    assert curve["t_days"].tolist() == [0, 304, 532]
    assert curve["survival"].tolist() == [1.0, 0.5, 0.5]
    assert curve["at_risk"].tolist() == [2, 2, 1]
    birch = report.client_curves[report.client_curves["cohort"] == "2024Q2"]
    assert birch["survival"].tolist() == [1.0, 0.0]              # its only client left at day 61
    cohorts = report.client_cohorts.set_index("cohort")
    assert cohorts.loc["2025Q2", "censored"] == 1                # Delta


def test_placement_survival_curve_by_starting_quarter(report):
    curve = report.placement_curves[report.placement_curves["cohort"] == "2025Q2"]
    # Started Apr-Jun 2025: P2 lost at 49, P4 31, P6 lost at 14, P7 17, P9 21, P11 73 (censored).
    # S(14) = 5/6; S(49) = 5/6 * (1 - 1/2), two still at risk at day 49.
    assert curve["t_days"].tolist() == [0, 14, 17, 21, 31, 49, 73]
    assert curve["survival"].tolist() == pytest.approx([1, 5 / 6, 5 / 6, 5 / 6, 5 / 6, 5 / 12, 5 / 12])
    assert curve["at_risk"].tolist() == [6, 6, 5, 4, 3, 2, 1]
    outcomes = report.evidence["placement_retention"].set_index("placement_ref")
    assert outcomes.loc["PL-03", "outcome"] == "censored"       # ended because the client churned
    assert "another reason" in outcomes.loc["PL-03", "note"]


# -- breach list and drill-down ------------------------------------------------------------------------
def test_breach_list_has_one_row_per_broken_rule(report):
    rows = report.breaches
    assert list(zip(rows["promise"], rows["reference"], rows["figure"])) == [
        ("shortlist_time", "SR-05", 19), ("shortlist_time", "SR-03", 17),
        ("shortlist_size", "SR-04", 4), ("shortlist_size", "SR-03", 1),
        ("first_day", "PL-02", 42), ("first_day", "PL-03", 35),
        ("replacement", "RP-00002", 18), ("replacement", "RP-00004", 18), ("replacement", "RP-00003", 4),
        ("client_retention", "CL-2", 61),
    ]
    assert rows.loc[rows["reference"] == "RP-00003", "detail"].item() == "charged to the client"
    assert rows.loc[rows["reference"] == "PL-02", "client"].item() == "Acme Robotics"


def test_evidence_matches_each_figure_and_the_breach_list(report):
    head = by_key(report)
    for key in PROMISES:
        rows = report.evidence[key]
        assert int(rows["in_figure"].sum()) == head[key]["n"], key
        assert int(rows["breach"].sum()) == int((report.breaches["promise"] == key).sum()), key
        assert len(evidence_rows(report, key, "in_figure")) == head[key]["n"]
        assert len(evidence_rows(report, key, "breach")) == int(rows["breach"].sum())


def test_breaches_filter_by_promise_and_client(report):
    assert len(filter_breaches(report.breaches)) == 10
    assert len(filter_breaches(report.breaches, ["replacement"])) == 3
    # Birch (client 2): S3 late, S3 with one candidate, P3 after 35 days, and the client itself.
    birch = filter_breaches(report.breaches, client_ids=[2])
    assert sorted(birch["promise"]) == ["client_retention", "first_day", "shortlist_size", "shortlist_time"]
    assert len(filter_breaches(report.breaches, ["replacement"], [1])) == 1      # RP-00004 for Acme
    with pytest.raises(ValueError, match="unknown promise"):
        filter_breaches(report.breaches, ["speed"])


def test_exports_round_trip_as_csv_and_parquet(report):
    frame = report.evidence["replacement"]
    parquet = pq.read_table(io.BytesIO(to_parquet(frame)))
    assert str(parquet.schema.field("requested_on").type) == "date32[day]"
    back = parquet.to_pandas()
    assert back["replacement_ref"].tolist() == frame["replacement_ref"].tolist()
    assert back["days"].tolist() == frame["days"].tolist()
    csv = pd.read_csv(io.BytesIO(to_csv(report.breaches)))
    assert len(csv) == 10
    assert csv["reference"].tolist()[:2] == ["SR-05", "SR-03"]


# -- filters ---------------------------------------------------------------------------------------------
def test_seniority_narrows_searches_and_what_follows_them_but_not_clients(db, ops_staff):
    report = ops_report(db, ops_staff, SearchFilter(seniorities=("junior",)), AS_OF)
    head = by_key(report)
    # Junior searches: S3 (17, late), S6 (pending), S9 (0) -> 1 of 2 counted within 14.
    assert head["shortlist_time"]["n"] == 2
    assert head["shortlist_time"]["figure"] == pytest.approx(1 / 2)
    # Their placements: P3 35 and P5 30 -> 65 / 2 = 32.5.
    assert head["first_day"]["figure"] == pytest.approx(32.5)
    # No replacement of a junior placement: nothing to judge.
    assert head["replacement"]["status"] == NO_DATA
    assert head["replacement"]["figure_text"] == "—"
    # Clients have no seniority: still 4 of 5.
    assert head["client_retention"]["figure"] == pytest.approx(0.8)


def test_one_client(db, ops_staff):
    report = ops_report(db, ops_staff, SearchFilter(client_ids=(1,)), AS_OF)
    head = by_key(report)
    # Acme's searches S1 7, S2 14, S4 6, S9 0: all within 14 -> met; within 7: 3 of 4.
    assert head["shortlist_time"]["status"] == MET
    assert report.shortlist["share_within_target"] == pytest.approx(3 / 4)
    # Shortlists 2, 3, 4, 3 -> 3 of 4.
    assert head["shortlist_size"]["figure"] == pytest.approx(3 / 4)
    # P1 28, P2 42, P5 30, P9 21 -> 121 / 4 = 30.25.
    assert head["first_day"]["figure"] == pytest.approx(30.25)
    # R1 kept, R4 late -> 1 of 2.
    assert head["replacement"]["figure"] == pytest.approx(1 / 2)
    # Acme itself, retained -> 1 of 1: met.
    assert head["client_retention"]["status"] == MET
    assert head["client_retention"]["figure"] == 1.0


def test_last_twelve_months(db, ops_staff):
    report = ops_report(db, ops_staff, SearchFilter(start=date(2024, 6, 30), end=AS_OF), AS_OF)
    head = by_key(report)
    # S3 (opened 10 Jun 2024) drops out: 8 counted, only S5 breaches -> 7 / 8.
    assert head["shortlist_time"]["figure"] == pytest.approx(7 / 8)
    # Clients signed since 30 Jun 2024: Cobalt and Ember retained, Delta censored -> 2 / 2.
    assert head["client_retention"]["n"] == 2
    assert head["client_retention"]["status"] == MET


def test_a_period_without_any_search_has_not_enough_data(db, ops_staff):
    report = ops_report(db, ops_staff, SearchFilter(start=date(2024, 12, 1), end=date(2024, 12, 31)), AS_OF)
    assert set(report.headline["status"]) == {NO_DATA}
    assert (report.headline["n"] == 0).all()
    assert report.breaches.empty
    assert report.trend.empty and report.distribution.empty and report.client_curves.empty
    assert len(to_parquet(report.breaches)) > 0


def test_holiday_calendars_of_the_countries_used(report):
    assert report.countries == ("GB", "US")
    holidays = report.holidays
    assert set(pd.to_datetime(holidays["date"]).dt.year) == {2024, 2025}
    gb = set(holidays.loc[holidays["country"] == "GB", "date"])
    us = set(holidays.loc[holidays["country"] == "US", "date"])
    assert date(2025, 4, 18) in gb and date(2025, 4, 18) not in us    # Good Friday
    assert date(2025, 6, 19) in us and date(2025, 6, 19) not in gb    # Juneteenth


@pytest.mark.parametrize("role", ["hiring_lead", "reviewer"])
def test_only_ops_and_admins_read_the_audit(db, role):
    with pytest.raises(PermissionDenied):
        ops_report(db, person(role), SearchFilter(), AS_OF)


def test_admins_read_the_audit(db, report):
    assert ops_report(db, person("admin"), SearchFilter(), AS_OF).headline.equals(report.headline)
