"""The at-risk list on the hand-built agency of :mod:`tests.ops_fixture`, plus one request and two owners.

Added to the fixture (audit date Mon 30 Jun 2025): RP-00006, a replacement requested on Sat 28 Jun 2025
for PL-08 (search SR-10 of Delta Freight, signed 30 May 2025), and Lea Lead as the hiring lead of SR-10
and SR-11. Every probability is worked by hand from the rows in the comments (Kaplan-Meier: S(t) is the
product over event times up to t of 1 - events / at risk).
"""

from __future__ import annotations

from datetime import date

import pytest

from scoring.agency.access import Account, PermissionDenied
from scoring.reports.at_risk import ITEM_COLUMNS, at_risk_report, risk_backtest
from scoring.reports.formatting import MISSING
from scoring.reports.ops import ops_report
from scoring.store import Database
from scoring.store.searches import SearchFilter
from tests.conftest import account
from tests.ops_fixture import AS_OF, build, person


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    handle = Database(build(tmp_path_factory.mktemp("at_risk") / "ops.duckdb"))

    def extend(cur):
        cur.execute("INSERT INTO replacements (replacement_id, external_id, placement_id, requested_on) "
                    "VALUES (6, 'RP-00006', 8, DATE '2025-06-28')")
        cur.execute("UPDATE searches SET lead_account_id = 3 WHERE search_id IN (10, 11)")

    handle.write(extend)
    yield handle
    handle.close()


@pytest.fixture(scope="module")
def report(db):
    return at_risk_report(db, person("ops"), AS_OF)


def test_the_columns_are_the_shared_interface(report):
    assert tuple(report.items.columns) == ITEM_COLUMNS
    assert report.as_of == AS_OF


def test_every_open_item_riskiest_first(report):
    rows = report.items[["kind", "ref", "p_breach", "days_left"]].values.tolist()
    assert [r[:2] for r in rows] == [["replacement", "RP-00005"], ["replacement", "RP-00006"],
                                     ["shortlist", "SR-06"], ["retention", "CL-4"]]
    # Replacements, calendar days: R1 11 fulfilled, R2 18 fulfilled, R3 4 fulfilled, R4 18 open, R5 5 open,
    # R6 2 open. t=4: n=5 -> 4/5; t=11: n=3 -> 8/15; t=18: n=2 -> 4/15.
    # RP-00005 (5 days): S(14)/S(5) = (8/15)/(4/5) = 2/3;  RP-00006 (2 days): S(14)/S(2) = 8/15.
    # SR-06 (junior, 5 business days): all 11 searches (too few juniors). 0 E, 3 C, 5 C, 6 EE, 7 EE, 13 E,
    # 14 E, 17 E, 19 C: S(0) = 10/11, S(6) = 10/11 * 6/8, S(7) = * 4/6, S(13) = * 3/4, S(14) = * 2/3 = 5/22;
    # S(14)/S(5) = (5/22)/(10/11) = 1/4.
    # CL-4 Delta (31 days a client, 92 to its 3-month mark, a replacement asked for): all 6 clients (one
    # other asked early: Ember). t=31 C, t=61 Birch leaves: n=5 -> 4/5: 1 - S(92)/S(31) = 1/5.
    assert [r[2] for r in rows] == pytest.approx([2 / 3, 8 / 15, 1 / 4, 1 / 5])
    assert [r[3] for r in rows] == [9, 12, 9, 61]


def test_each_item_says_what_its_estimate_rests_on(report):
    basis = dict(zip(report.items["ref"], report.items["basis"]))
    assert basis == {
        "RP-00005": "6 past replacement requests",
        "RP-00006": "6 past replacement requests",
        "SR-06": "overall history: 11 past searches (too few junior searches: 3)",
        "CL-4": "overall history: 6 past clients (too few clients who asked for a replacement in their first "
                "3 months: 2)",
    }


def test_each_item_names_its_owner_the_hiring_lead_of_its_search(report):
    owners = report.items.set_index("ref")[["owner_account_id", "owner", "client_ref"]]
    assert owners.loc["RP-00005"].tolist() == [3, "Lea Lead", "CL-5"]       # PL-11 -> SR-11
    assert owners.loc["RP-00006"].tolist() == [3, "Lea Lead", "CL-4"]       # PL-08 -> SR-10
    assert owners.loc["CL-4"].tolist() == [3, "Lea Lead", "CL-4"]           # its latest request's search
    assert owners.loc["SR-06", "owner"] == MISSING and owners["owner_account_id"].isna().sum() == 1


def test_items_are_the_open_rows_of_the_ops_audit_on_the_same_date(db, report):
    audit = ops_report(db, person("ops"), SearchFilter(), AS_OF)
    searches = audit.evidence["shortlist_time"]
    waiting = searches[~searches["delivered"] & ~searches["cancelled"] & ~searches["breach"]]
    requests = audit.evidence["replacement"]
    pending = requests[~requests["fulfilled"] & ~requests["breach"]]
    items = report.items.groupby("kind")["ref"].apply(sorted).to_dict()
    assert items["shortlist"] == sorted(waiting["search_ref"])
    assert items["replacement"] == sorted(pending["replacement_ref"])
    elapsed = dict(zip(report.items["ref"], report.items["elapsed"]))
    assert elapsed["SR-06"] == waiting.set_index("search_ref").loc["SR-06", "business_days"]
    assert elapsed["RP-00005"] == pending.set_index("replacement_ref").loc["RP-00005", "days"]


def test_a_later_date_sees_later_facts_and_an_earlier_one_does_not(db):
    # On 24 Jun 2025 SR-06 (opened 23 Jun) had 1 business day; RP-00005 and RP-00006 were not requested;
    # RP-00004 (12 Jun) had 12 days and was still inside its limit.
    earlier = at_risk_report(db, person("ops"), date(2025, 6, 24)).items
    assert set(earlier["ref"]) >= {"SR-06", "RP-00004"} and not {"RP-00005", "RP-00006"} & set(earlier["ref"])
    assert earlier.set_index("ref").loc["SR-06", "elapsed"] == 1


def test_hiring_leads_and_reviewers_are_refused(db):
    for role in ("hiring_lead", "reviewer"):
        with pytest.raises(PermissionDenied):
            at_risk_report(db, person(role), AS_OF)


def test_the_backtest_on_the_small_demo(module_demo_db):
    from tests.conftest import DEMO_AS_OF

    ops = account(module_demo_db, "ops")
    # 75 searches: too few for the list's own rule (200 known outcomes), so the replay says so...
    assert risk_backtest(module_demo_db, ops, DEMO_AS_OF).summary.startswith("No past estimate to check yet")
    # ...and with a smaller one it replays them
    backtest = risk_backtest(module_demo_db, ops, DEMO_AS_OF, min_history=30)
    predictions = backtest.predictions
    assert len(predictions) and predictions["p_breach"].between(0, 1).all()
    assert (predictions["on"] <= DEMO_AS_OF).all()
    assert 0 <= backtest.brier < 0.25
    assert backtest.calibration["n"].sum() == len(predictions)
    assert "Brier score" in backtest.summary and "nan" not in backtest.summary


@pytest.fixture(scope="module")
def replay_demo(tmp_path_factory):
    """A demo agency large enough for the list's own rule: 12,000 candidates, about 300 searches, of which the
    last hundred or so are replayed once the history holds 200 known outcomes (about 15 s to build)."""
    from scoring.demo.generator import DemoConfig, build_demo
    from tests.conftest import DEMO_AS_OF, SMALL_DEMO

    path = tmp_path_factory.mktemp("replay") / "demo.duckdb"
    build_demo(path, DemoConfig(candidates=12_000, seed=SMALL_DEMO.seed, as_of=DEMO_AS_OF))
    with Database(path) as handle:
        yield handle


@pytest.mark.slow
def test_on_the_demo_the_predicted_and_observed_breach_rates_agree_within_their_intervals(replay_demo):
    from scoring.stats.forecast import calibration_table
    from tests.conftest import DEMO_AS_OF

    backtest = risk_backtest(replay_demo, account(replay_demo, "ops"), DEMO_AS_OF)
    predictions = backtest.predictions
    assert backtest.searches > 50 and backtest.brier < backtest.base_rate_brier
    # Each decile compares two estimates, each with its 95% interval: the observed rate counting each search
    # once, and the mean estimate with its Greenwood standard error (an estimate from a history of a few hundred
    # searches is off by a point or so, and the deciles sort by that error).
    table = backtest.calibration
    assert (table["spread"] > 0).all() and (table["predicted_low"] < table["predicted"]).all()
    # Ten deciles at 95% each would disagree somewhere about four times in ten by chance alone even if the estimate
    # were right: that all ten agree is a claim about ten comparisons at once, so it is checked at 95% for
    # the ten together (Bonferroni: 99.5% each).
    together = calibration_table(predictions["p_breach"], predictions["breached"], bins=10,
                                 confidence=1 - 0.05 / 10, clusters=predictions["search_id"],
                                 forecast_se=predictions["p_se"])
    assert together["agrees"].all(), together.round(3).to_string()


def test_the_demo_names_an_owner_for_every_open_search(module_demo_db):
    from tests.conftest import DEMO_AS_OF

    items = at_risk_report(module_demo_db, account(module_demo_db, "ops"), DEMO_AS_OF).items
    searches = items[items["kind"] == "shortlist"]
    assert len(searches) and searches["owner_account_id"].notna().all()
    assert "nan" not in " ".join(items["basis"]) and items["p_breach"].between(0, 1).all()


def test_the_searches_to_give_an_owner_are_those_of_the_list_unowned_first(db, report):
    from scoring.reports.at_risk import owner_choices

    choices = owner_choices(db, person("ops"), report)
    # One row per search: SR-06 (no lead) before SR-10 and SR-11 (Lea Lead), whatever the items' order
    assert choices["label"].iloc[0].endswith(": no owner yet") and choices["label"].iloc[0].startswith("SR-06 · ")
    assert choices["search_id"].is_unique and set(report.items["search_id"].dropna()) == set(choices["search_id"])
    assert choices["owner_account_id"].isna().tolist() == sorted(choices["owner_account_id"].isna(), reverse=True)
    with pytest.raises(PermissionDenied):
        owner_choices(db, person("hiring_lead"), report)


def test_an_agency_with_nothing_open_has_an_empty_list(empty_db):
    empty_db.write(lambda cur: cur.execute("INSERT INTO accounts (account_id, email, display_name, role) "
                                           "VALUES (1, 'ops@empty.example', 'Otto Ops', 'ops')"))
    report = at_risk_report(empty_db, Account(1, "ops@empty.example", "Otto Ops", "ops"), AS_OF)
    assert report.items.empty and tuple(report.items.columns) == ITEM_COLUMNS
