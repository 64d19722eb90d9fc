"""Promise audit on a hand-built agency where every figure is counted in advance, with a breach
of each promise.

Shortlist time follows the counting convention settled in the brief (DESIGN.md, "Counting
conventions already settled", shortlist-time figure): searches with a delivered shortlist are the
denominator; an open search is "not yet", flagged at risk past the 7-day target and a breach past
the 14-day limit; a search cancelled without a shortlist is left out (neither met nor breached)
and listed apart.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.agency.retention import client_outcomes, placement_outcomes
from scoring.agency.sla import (
    BREACH_COLUMNS,
    FirstDayFrom,
    PromiseStatus,
    SlaAudit,
    breach_list,
    first_day_times,
    promise_statuses,
    replacement_times,
    shortlist_distribution,
    shortlist_sizes,
    shortlist_summary,
    shortlist_times,
    shortlist_trend,
)
from scoring.domain.promises import PROMISES

AS_OF = "2025-06-30"

# search_id, client_id, opened_on, shortlist_delivered_on, closed_on, country; business days (US
# holidays unless GB) counted by hand in the comment.
SEARCHES = [
    (1, 1, "2025-03-03", "2025-03-12", None, "US"),  # 7: within the target
    (2, 1, "2025-03-03", "2025-03-13", None, "US"),  # 8: within the limit
    (3, 1, "2025-03-03", "2025-03-21", None, "US"),  # 14: on the limit
    (4, 2, "2025-03-03", "2025-03-24", None, "US"),  # 15: delivered late
    (5, 2, "2025-06-02", None, None, "US"),          # 19 to as_of (Juneteenth off): open breach
    (6, 2, "2025-06-23", None, None, "US"),          # 5 to as_of: pending, not counted
    (7, 3, "2025-05-01", None, "2025-05-06", "US"),  # cancelled after 3: not counted
    (8, 3, "2025-04-01", None, "2025-05-01", "US"),  # cancelled after 22 without a shortlist: left out
    (9, 4, "2025-05-02", "2025-05-23", None, "GB"),  # 14 in GB (5 May bank holiday); 15 in the US
    (10, 1, "2025-01-10", "2025-01-10", None, "US"),  # 0: same day
    (11, 1, "2025-07-10", None, None, "US"),         # opened after as_of: not yet
    (12, 2, "2025-06-09", None, None, "US"),         # 14 to as_of (Juneteenth off): at risk, on the limit
    (13, 2, "2025-06-19", None, None, "US"),         # 7 to as_of: on the target, not at risk
]

# (search_id, application_id) pairs that entered stage 4 (client shortlist).
SHORTLISTED = [(1, 101), (1, 102), (2, 103), (2, 104), (2, 105), (3, 106), (4, 107), (4, 108),
               (4, 109), (4, 110), (9, 111), (9, 112), (9, 112)]  # 112 twice (one row per reviewer)

# placement_id, application_id, search_id, client_id, opened_on, accepted_on, first_day, ended_on, end_reason
PLACEMENTS = [
    (1, 101, 1, 1, "2025-03-03", "2025-03-20", "2025-03-31", "2025-05-20", "not_a_fit"),  # 28 days
    (2, 103, 2, 1, "2025-03-03", "2025-03-25", "2025-04-14", "2025-05-01", "not_a_fit"),  # 42 days
    (3, 107, 4, 2, "2025-03-03", "2025-04-01", "2025-04-02", "2025-05-01", "not_a_fit"),  # 30 days
    (4, 102, 1, 1, "2025-03-03", "2025-05-27", "2025-06-01", None, None),   # replaces placement 1
    (5, 111, 9, 4, "2025-05-02", "2025-06-20", "2025-07-15", None, None),   # starts after as_of
]

# replacement_id, placement_id, requested_on, fulfilled_on, replacing_placement_id, cost_usd
REPLACEMENTS = [
    (1, 1, "2025-05-20", "2025-05-27", 4, 0),      # 7 days
    (2, 2, "2025-05-01", "2025-05-15", 6, 0),      # 14 days: on the limit
    (3, 3, "2025-05-01", "2025-05-16", 7, 0),      # 15 days: late
    (4, 9, "2025-06-01", None, None, 0),           # 29 days and waiting: late
    (5, 10, "2025-06-25", None, None, 0),          # 5 days and waiting: pending
    (6, 11, "2025-04-01", "2025-04-05", 8, 500),   # charged
    (7, 12, "2025-07-05", None, None, 0),          # requested after as_of
]

CLIENTS = [
    (1, "2025-01-01", None),          # retained
    (2, "2025-01-01", "2025-02-01"),  # lost after 31 days
    (3, "2025-05-01", None),          # censored
    (4, "2024-06-01", None),          # retained
]



def sla_audit(searches: pd.DataFrame, shortlist_entries: pd.DataFrame, placements: pd.DataFrame,
              replacements: pd.DataFrame, clients: pd.DataFrame, as_of, *,
              first_day_from: FirstDayFrom = "opened_on") -> SlaAudit:
    """Every promise's rows as of one date, as the ops report puts them together from the store."""
    as_of = pd.Timestamp(as_of)
    return SlaAudit(
        as_of=as_of,
        shortlist=shortlist_times(searches, as_of),
        sizes=shortlist_sizes(searches, shortlist_entries, as_of),
        first_days=first_day_times(placements, as_of, replacements, first_day_from),
        replacements=replacement_times(replacements, as_of),
        clients=client_outcomes(clients, as_of),
        placements=placement_outcomes(placements, as_of),
    )


def frame(rows, columns, dates):
    out = pd.DataFrame(rows, columns=columns)
    for column in dates:
        out[column] = pd.to_datetime(out[column])
    return out


@pytest.fixture
def searches():
    return frame(SEARCHES, ["search_id", "client_id", "opened_on", "shortlist_delivered_on", "closed_on", "country"],
                 ["opened_on", "shortlist_delivered_on", "closed_on"])


@pytest.fixture
def entries():
    out = pd.DataFrame(SHORTLISTED, columns=["search_id", "application_id"])
    return out.assign(stage_id=4, entered_on=pd.Timestamp("2025-03-10"))


@pytest.fixture
def placements():
    return frame(PLACEMENTS, ["placement_id", "application_id", "search_id", "client_id", "opened_on",
                              "accepted_on", "first_day", "ended_on", "end_reason"],
                 ["opened_on", "accepted_on", "first_day", "ended_on"])


@pytest.fixture
def replacements():
    return frame(REPLACEMENTS, ["replacement_id", "placement_id", "requested_on", "fulfilled_on",
                                "replacing_placement_id", "cost_usd"], ["requested_on", "fulfilled_on"])


@pytest.fixture
def clients():
    return frame(CLIENTS, ["client_id", "signed_on", "churned_on"], ["signed_on", "churned_on"])


@pytest.fixture
def audit(searches, entries, placements, replacements, clients):
    return sla_audit(searches, entries, placements, replacements, clients, AS_OF)


def test_promises_declared_once_with_sources():
    assert list(PROMISES) == ["shortlist_time", "shortlist_size", "first_day", "replacement",
                              "client_retention", "placement_retention"]
    assert (PROMISES["shortlist_time"].target, PROMISES["shortlist_time"].limit) == (7, 14)
    assert (PROMISES["shortlist_size"].target, PROMISES["shortlist_size"].limit) == (2, 3)
    assert PROMISES["first_day"].target == 30
    assert (PROMISES["replacement"].target, PROMISES["replacement"].limit) == (7, 14)
    assert PROMISES["client_retention"].target == 0.95
    assert PROMISES["placement_retention"].target is None
    assert all(p.source and p.measured and p.unit for p in PROMISES.values())
    assert [str(p.horizon) for p in PROMISES.values() if p.horizon] == ["3 months", "90 days"]


def test_promise_prose_states_the_promise_numbers():
    assert PROMISES["shortlist_time"].name == "Shortlist within 7-14 business days"
    assert PROMISES["shortlist_size"].name == "Shortlist of 2-3 candidates"
    assert PROMISES["first_day"].name == "First day within 30 days on average"
    assert PROMISES["replacement"].name == "Replacement within 7-14 days at zero cost"
    assert PROMISES["client_retention"].name == "95% of clients continue beyond their first 3 months"
    assert PROMISES["placement_retention"].name == "Placed engineers still in post at 90 days"
    assert "14 business days have passed" in PROMISES["shortlist_time"].measured
    assert "entered stage 4 (client shortlist)" in PROMISES["shortlist_size"].measured


def test_shortlist_times_per_search(searches):
    times = shortlist_times(searches, AS_OF).set_index("search_id")
    assert 11 not in times.index
    assert times["business_days"].to_dict() == {1: 7, 2: 8, 3: 14, 4: 15, 5: 19, 6: 5, 7: 3, 8: 22, 9: 14, 10: 0,
                                                12: 14, 13: 7}
    assert times.index[times["breach"]].tolist() == [4, 5]
    assert times.index[times["counted"]].tolist() == [1, 2, 3, 4, 5, 9, 10]
    assert times.index[times["cancelled"]].tolist() == [7, 8]
    assert times.index[times["at_risk"]].tolist() == [12]
    assert times.index[times["within_target"]].tolist() == [1, 10]
    assert times.index[times["within_limit"]].tolist() == [1, 2, 3, 9, 10]
    assert times.loc[3, "month"] == "2025-03"


def test_shortlist_country_calendar(searches):
    without_country = searches.drop(columns="country")
    assert shortlist_times(without_country, AS_OF, "US").set_index("search_id").loc[9, "business_days"] == 15
    assert shortlist_times(without_country, AS_OF, "GB").set_index("search_id").loc[9, "business_days"] == 14


def test_delivery_after_as_of_is_not_yet_delivered(searches):
    times = shortlist_times(searches, "2025-03-20").set_index("search_id")
    assert not times.loc[3, "delivered"] and times.loc[3, "business_days"] == 13
    assert not times.loc[3, "counted"] and times.loc[3, "at_risk"]


def test_shortlist_summary(searches):
    summary = shortlist_summary(shortlist_times(searches, AS_OF)).iloc[0]
    counts = ["searches", "delivered", "within_target", "within_limit", "breaches", "open_breaches"]
    assert [int(summary[c]) for c in counts] == [7, 6, 2, 5, 2, 1]
    assert (int(summary["at_risk"]), int(summary["cancelled"])) == (1, 2)      # S12; S7 and S8
    assert summary["share_within_target"] == pytest.approx(2 / 7)
    assert summary["share_within_limit"] == pytest.approx(5 / 7)
    assert summary["share_within_limit_low"] < 5 / 7 < summary["share_within_limit_high"]
    # Delivered: 0 7 8 14 14 15 -> median 11; p90 at position 4.5 -> 14.5.
    assert (summary["median_days"], summary["p90_days"]) == (11.0, 14.5)


def test_shortlist_trend_keeps_empty_months(searches):
    trend = shortlist_trend(shortlist_times(searches, AS_OF)).set_index("month")
    assert trend.index.tolist() == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert trend["searches"].tolist() == [1, 0, 4, 0, 1, 1]
    assert trend["breaches"].tolist() == [0, 0, 1, 0, 0, 1]
    assert trend["cancelled"].tolist() == [0, 0, 0, 1, 1, 0]
    assert trend["at_risk"].tolist() == [0, 0, 0, 0, 0, 1]
    assert math.isnan(trend.loc["2025-02", "share_within_limit"])
    assert trend.loc["2025-03", "share_within_limit"] == 0.75
    assert trend.loc["2025-06", "open_breaches"] == 1


def test_shortlist_distribution(searches):
    table = shortlist_distribution(shortlist_times(searches, AS_OF)).set_index("business_days")
    assert table.index.tolist() == list(range(0, 16))
    assert table["searches"][[0, 7, 8, 14, 15]].tolist() == [1, 1, 1, 2, 1]
    assert table["searches"].sum() == 6
    assert table.loc[14, "cumulative_share"] == pytest.approx(5 / 6)
    empty = shortlist_distribution(shortlist_times(searches.iloc[4:8], AS_OF))
    assert empty.empty


def test_shortlist_sizes(searches, entries):
    late_entry = pd.DataFrame({"search_id": [1], "application_id": [113], "stage_id": [4],
                               "entered_on": [pd.Timestamp("2025-07-02")]})
    other_stage = pd.DataFrame({"search_id": [1], "application_id": [114], "stage_id": [3],
                                "entered_on": [pd.Timestamp("2025-03-05")]})
    sizes = shortlist_sizes(searches, pd.concat([entries, late_entry, other_stage]), AS_OF).set_index("search_id")
    assert sizes["shortlisted"].to_dict() == {1: 2, 2: 3, 3: 1, 4: 4, 9: 2, 10: 0}
    assert sizes["flag"].to_dict() == {1: "", 2: "", 3: "fewer than 2", 4: "more than 3", 9: "", 10: "fewer than 2"}
    assert sizes.index[sizes["breach"]].tolist() == [3, 4, 10]


def test_first_day_from_search_opening(placements, replacements):
    times = first_day_times(placements, AS_OF, replacements).set_index("placement_id")
    assert times["days"].to_dict() == {1: 28, 2: 42, 3: 30}  # 4 is a replacement, 5 not started
    assert times.index[times["over_target"]].tolist() == [2]
    assert times["days"].mean() == pytest.approx(100 / 3)


def test_first_day_from_acceptance(placements, replacements):
    times = first_day_times(placements, AS_OF, replacements, start="accepted_on")
    assert times["days"].tolist() == [11, 20, 1]
    with pytest.raises(ValueError, match="start must be one of"):
        first_day_times(placements, AS_OF, start="signed_on")
    assert len(first_day_times(placements, AS_OF)) == 4  # without replacements nothing is dropped


def test_replacement_times(replacements):
    times = replacement_times(replacements, AS_OF).set_index("replacement_id")
    assert 7 not in times.index
    assert times["days"].to_dict() == {1: 7, 2: 14, 3: 15, 4: 29, 5: 5, 6: 4}
    assert times.index[times["late"]].tolist() == [3, 4]
    assert times.index[~times["zero_cost"]].tolist() == [6]
    assert times.index[times["breach"]].tolist() == [3, 4, 6]
    assert times.index[times["counted"]].tolist() == [1, 2, 3, 4, 6]
    assert times.index[times["within_target"]].tolist() == [1, 6]


def test_a_fulfilment_after_the_audit_date_has_not_happened(placements, replacements):
    # On 1 May: request 6 (1 Apr, fulfilled 5 Apr with a 500 USD charge) is done and charged; request 2
    # (1 May) is fulfilled only on 15 May, so on 1 May it is open, 0 days old, and nothing is charged.
    early = replacement_times(replacements, "2025-05-01").set_index("replacement_id")
    assert early.index.tolist() == [2, 3, 6]
    assert early["fulfilled"].to_dict() == {2: False, 3: False, 6: True}
    assert early["cost_usd"].to_dict() == {2: 0.0, 3: 0.0, 6: 500.0}
    assert early["replacing_placement_id"].isna().to_dict() == {2: True, 3: True, 6: False}
    # Had request 6 been fulfilled (and charged) on 10 April, on 5 April it would be 4 days old and free.
    charged_later = replacements.assign(fulfilled_on=replacements["fulfilled_on"].where(
        replacements["replacement_id"] != 6, pd.Timestamp("2025-04-10")))
    on_5_april = replacement_times(charged_later, "2025-04-05").set_index("replacement_id").loc[6]
    assert (on_5_april["days"], on_5_april["cost_usd"], bool(on_5_april["breach"])) == (4, 0.0, False)
    assert bool(replacement_times(charged_later, "2025-04-10").set_index("replacement_id").loc[6, "breach"])
    # Placement 4 (first day 1 June) fills request 1, fulfilled on 27 May: on 30 June it is judged by the
    # replacement promise. Had the fulfilment been recorded on 1 July, on 30 June placement 4 would not
    # yet be known to fill a request, and would count as an original placement.
    fills_later = replacements.assign(fulfilled_on=replacements["fulfilled_on"].where(
        replacements["replacement_id"] != 1, pd.Timestamp("2025-07-01")))
    assert 4 in first_day_times(placements, AS_OF, fills_later)["placement_id"].tolist()
    assert 4 not in first_day_times(placements, AS_OF, replacements)["placement_id"].tolist()


def test_replacement_cost_as_decimal(replacements):
    from decimal import Decimal

    as_decimal = replacements.assign(cost_usd=[Decimal("0.00")] * 5 + [Decimal("500.00"), Decimal("0")])
    assert replacement_times(as_decimal, AS_OF)["zero_cost"].tolist() == [True] * 5 + [False]


def test_headline_statuses(audit):
    statuses = {s.key: s for s in promise_statuses(audit)}
    assert list(statuses) == list(PROMISES)
    assert all(isinstance(s, PromiseStatus) for s in statuses.values())
    expected = {
        "shortlist_time": (5 / 7, 1.0, False, 7),
        "shortlist_size": (3 / 6, 1.0, False, 6),
        "first_day": (100 / 3, 30, False, 3),
        "replacement": (2 / 5, 1.0, False, 5),
        "client_retention": (2 / 3, 0.95, False, 3),
        "placement_retention": (0.0, None, None, 3),  # no figure promised: not judged
    }
    for key, (figure, target, met, n) in expected.items():
        status = statuses[key]
        assert status.figure == pytest.approx(figure), key
        assert (status.target, status.met, status.n) == (target, met, n), key
        assert status.detail
    assert "1 still without a shortlist" in statuses["shortlist_time"].detail
    assert "open searches at risk (past 7): 1" in statuses["shortlist_time"].detail
    assert "cancelled without a shortlist: 2" in statuses["shortlist_time"].detail
    assert "1 not known yet (censored" in statuses["client_retention"].detail


def test_first_day_met_when_measured_from_acceptance(searches, entries, placements, replacements, clients):
    audit = sla_audit(searches, entries, placements, replacements, clients, AS_OF, first_day_from="accepted_on")
    status = next(s for s in promise_statuses(audit) if s.key == "first_day")
    assert status.figure == pytest.approx(32 / 3) and status.met is True


def test_statuses_met_on_good_rows(searches, entries, placements, replacements, clients):
    good = sla_audit(
        searches[searches["search_id"].isin([1, 2])], entries,
        placements[placements["placement_id"] == 1], replacements[replacements["replacement_id"].isin([1, 2])],
        clients[clients["client_id"].isin([1, 4])], AS_OF,
    )
    statuses = {s.key: s for s in promise_statuses(good)}
    for key in ("shortlist_time", "shortlist_size", "first_day", "replacement", "client_retention"):
        assert statuses[key].met is True, key
    assert breach_list(good).empty


def test_statuses_without_data_are_not_judged(searches, entries, placements, replacements, clients):
    empty = sla_audit(searches.iloc[:0], entries.iloc[:0], placements.iloc[:0], replacements.iloc[:0],
                      clients.iloc[:0], AS_OF)
    for status in promise_statuses(empty):
        assert status.met is None and status.n == 0 and np.isnan(status.figure), status.key
    assert list(breach_list(empty).columns) == list(BREACH_COLUMNS)


def test_breach_list(audit):
    rows = breach_list(audit)
    assert list(rows.columns) == list(BREACH_COLUMNS)
    assert rows["search_id"].dtype == "Int64"
    got = rows[["promise", "entity", "figure", "limit"]].astype({"figure": float}).values.tolist()
    expected = [
        ["shortlist_time", "search", 19.0, 14.0], ["shortlist_time", "search", 15.0, 14.0],
        ["shortlist_size", "search", 4.0, 3.0], ["shortlist_size", "search", 1.0, 2.0],
        ["shortlist_size", "search", 0.0, 2.0],
        ["first_day", "placement", 42.0, 30.0],
        ["replacement", "replacement", 29.0, 14.0], ["replacement", "replacement", 15.0, 14.0],
        ["replacement", "replacement", 4.0, 14.0],
    ]
    assert got[:-1] == expected
    assert got[-1][:3] == ["client_retention", "client", 31.0] and math.isnan(got[-1][3])
    # Ids to drill down.
    assert rows.loc[rows["promise"] == "shortlist_time", "search_id"].tolist() == [5, 4]  # never cancelled S8
    assert rows.loc[rows["promise"] == "shortlist_size", "search_id"].tolist() == [4, 3, 10]
    first_day = rows.loc[rows["promise"] == "first_day", ["placement_id", "search_id", "client_id"]]
    assert first_day.values.tolist() == [[2, 2, 1]]
    assert rows.loc[rows["promise"] == "replacement", "replacement_id"].tolist() == [4, 3, 6]
    assert rows.loc[rows["promise"] == "client_retention", "client_id"].tolist() == [2]
    details = rows.set_index(["promise", "search_id"])["detail"]
    assert details[("shortlist_time", 5)] == "no shortlist yet and past the limit"
    assert details[("shortlist_time", 4)] == "shortlist delivered after the limit"
    assert rows.loc[rows["replacement_id"] == 6, "detail"].item() == "charged to the client"


# -- open and cancelled searches (DESIGN.md, shortlist-time figure) ---------------------------------
def one_search(opened_on, delivered_on=None, closed_on=None, country="US"):
    return pd.DataFrame({"search_id": [1], "client_id": [1], "opened_on": [opened_on],
                         "shortlist_delivered_on": [delivered_on], "closed_on": [closed_on], "country": [country]})


@pytest.mark.parametrize(("as_of", "days", "at_risk", "breach"), [
    ("2025-06-11", 7, False, False),    # Mon 2 Jun + 7 business days: on the target, not past it
    ("2025-06-12", 8, True, False),     # past the target
    ("2025-06-23", 14, True, False),    # on the limit (Juneteenth, Thu 19 Jun, not counted)
    ("2025-06-24", 15, False, True),    # past the limit: a breach, counted
])
def test_open_search_is_at_risk_past_the_target_until_the_limit(as_of, days, at_risk, breach):
    row = shortlist_times(one_search("2025-06-02"), as_of).iloc[0]
    assert row["business_days"] == days
    assert (bool(row["at_risk"]), bool(row["breach"]), bool(row["counted"])) == (at_risk, breach, breach)


def test_a_delivered_search_is_never_at_risk():
    row = shortlist_times(one_search("2025-06-02", delivered_on="2025-06-12"), "2025-06-30").iloc[0]
    assert row["business_days"] == 8 and row["within_limit"] and not row["at_risk"]


@pytest.mark.parametrize(("closed_on", "days"), [("2025-06-05", 3), ("2025-06-16", 10), ("2025-06-30", 19)])
def test_a_search_cancelled_without_a_shortlist_is_neither_met_nor_breached(closed_on, days):
    times = shortlist_times(one_search("2025-06-02", closed_on=closed_on), "2025-07-31")
    row = times.iloc[0]
    assert row["business_days"] == days and row["cancelled"]
    assert not (row["counted"] or row["breach"] or row["at_risk"] or row["within_limit"])
    summary = shortlist_summary(times).iloc[0]
    assert (int(summary["searches"]), int(summary["breaches"]), int(summary["cancelled"])) == (0, 0, 1)
    assert math.isnan(summary["share_within_limit"])


def test_a_cancellation_after_the_audit_date_has_not_happened_yet():
    # Closed on 30 June, but on 24 June the search was still open and 15 business days old: a breach.
    row = shortlist_times(one_search("2025-06-02", closed_on="2025-06-30"), "2025-06-24").iloc[0]
    assert not row["cancelled"] and row["breach"] and row["counted"]


def test_cancelled_searches_stay_out_of_the_breach_list(searches, entries, placements, replacements, clients):
    audit = sla_audit(searches, entries, placements, replacements, clients, AS_OF)
    cancelled = audit.shortlist.loc[audit.shortlist["cancelled"], "search_id"].tolist()
    assert cancelled == [7, 8]
    listed = breach_list(audit)
    assert not listed["search_id"].isin(cancelled).any()


def test_at_risk_follows_the_client_country_calendar():
    # Opened Mon 14 Apr 2025; by Thu 24 Apr, 8 weekdays have passed. The US counts all 8 (at risk);
    # the UK-wide calendar ("GB") skips Good Friday, 18 Apr: 7, on the target, not yet at risk.
    us = shortlist_times(one_search("2025-04-14"), "2025-04-24").iloc[0]
    gb = shortlist_times(one_search("2025-04-14", country="GB"), "2025-04-24").iloc[0]
    assert (us["business_days"], bool(us["at_risk"])) == (8, True)
    assert (gb["business_days"], bool(gb["at_risk"])) == (7, False)
