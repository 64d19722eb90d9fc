"""The daily digest's contents: each recipient's share of what is at risk, breached and due, in words.

Runs on the hand-built agency of :mod:`tests.ops_fixture` (audit date Monday 30 Jun 2025), with two
hiring leads: Lea Lead leads SR-04, SR-05 and SR-06, Hugo Lead leads SR-07. Its breaches, counted by hand
in that module: SR-05 without a shortlist past 14 business days (the 14th was Mon 23 Jun, Juneteenth
skipped), replacement RP-00002 late (18 days; past 14 on 10 Jun) and RP-00004 unfulfilled past 14
days (requested 12 Jun), among others older than June. RP-00002 replaced PL-06 of SR-07 (Hugo's);
RP-00004 replaces PL-09 of SR-04 (Lea's).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.agency.access import OPERATOR
from scoring.reports.at_risk import at_risk_report
from scoring.reports.digest import (
    AT_RISK_PROBABILITY,
    DUE_WITHIN_DAYS,
    NOTHING,
    Recipient,
    compose,
    daily_digests,
    digest_breaches,
)
from scoring.reports.ops import ops_report
from scoring.store import Database
from scoring.store.searches import SearchFilter
from tests.ops_fixture import AS_OF, build

OPS = Recipient("Otto Ops", "ops", 2, "ops@ops.example")
LEA = Recipient("Lea Lead", "hiring_lead", 3, "lead@ops.example")
HUGO = Recipient("Hugo Lead", "hiring_lead", 5, "hugo@ops.example")
CHANNEL = Recipient("the ops channel", "webhook")


def with_leads(path) -> None:
    """Give the fixture a second hiring lead and the searches their leads."""
    with Database(path) as db:
        db.write(lambda cur: cur.execute(
            "INSERT INTO accounts (account_id, email, display_name, role) VALUES (5, 'hugo@ops.example', "
            "'Hugo Lead', 'hiring_lead')"))
        db.write(lambda cur: cur.execute("UPDATE searches SET lead_account_id = 3 WHERE search_id IN (4, 5, 6)"))
        db.write(lambda cur: cur.execute("UPDATE searches SET lead_account_id = 5 WHERE search_id = 7"))


@pytest.fixture(scope="module")
def agency(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("digest") / "agency.duckdb")
    with_leads(path)
    with Database(path) as db:
        yield db


def keys(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["promise"], frame["reference"]))


def test_the_breaches_are_the_ops_pages_breaches_new_since_the_day_counted_from(agency):
    for since in (date(2025, 6, 10), date(2025, 6, 27)):
        now = ops_report(agency, OPERATOR, SearchFilter(), AS_OF).breaches
        before = ops_report(agency, OPERATOR, SearchFilter(), since).breaches

        digest = daily_digests(agency, OPERATOR, AS_OF, [OPS], {OPS: since})[0]

        assert keys(digest.breached) == keys(now) - keys(before), since


def test_every_breach_of_the_ops_page_is_in_a_digest_counted_from_before_the_agency_began(agency):
    now = ops_report(agency, OPERATOR, SearchFilter(), AS_OF).breaches

    assert keys(digest_breaches(agency, OPERATOR, AS_OF, date(2023, 12, 31))) == keys(now)
    assert len(now) >= 8


def test_breaches_since_1_june_by_hand(agency):
    breached = digest_breaches(agency, OPERATOR, AS_OF, date(2025, 6, 1))

    assert keys(breached) == {("shortlist_time", "SR-05"), ("replacement", "RP-00002"), ("replacement", "RP-00004")}
    owners = dict(zip(breached["reference"], breached["owner_account_id"]))
    assert owners == {"SR-05": 3, "RP-00002": 5, "RP-00004": 3}


def test_a_hiring_lead_sees_only_the_searches_they_lead_and_ops_sees_everything(agency):
    since = {r: date(2025, 6, 1) for r in (OPS, LEA, HUGO, CHANNEL)}
    ops, lea, hugo, channel = daily_digests(agency, OPERATOR, AS_OF, [OPS, LEA, HUGO, CHANNEL], since)

    assert set(lea.breached["reference"]) == {"SR-05", "RP-00004"}
    assert set(hugo.breached["reference"]) == {"RP-00002"}
    assert set(ops.breached["reference"]) == set(channel.breached["reference"]) == {"SR-05", "RP-00002", "RP-00004"}
    assert "SR-05" in lea.text and "RP-00002" not in lea.text and "the searches you lead" in lea.text
    assert "every client and search" in ops.text


def test_the_at_risk_and_due_items_are_the_at_risk_lists_by_its_probability_and_days_left(agency):
    items = at_risk_report(agency, OPERATOR, AS_OF).items
    digest = daily_digests(agency, OPERATOR, AS_OF, [OPS], {OPS: date(2025, 6, 27)})[0]

    risky = items[(items["p_breach"] >= AT_RISK_PROBABILITY) & (items["days_left"] >= 0)]
    due = items[(items["p_breach"] < AT_RISK_PROBABILITY) & items["days_left"].between(0, DUE_WITHIN_DAYS)]
    assert digest.at_risk["ref"].tolist() == risky["ref"].tolist()
    assert digest.due["ref"].tolist() == due["ref"].tolist()
    for ref in risky["ref"]:
        assert ref in digest.text and ref in digest.html


def items_frame(**rows) -> pd.DataFrame:
    base = {"kind": "shortlist", "ref": "SR-1", "client": "Acme <Robotics>", "client_ref": "CL-1",
            "owner_account_id": 3, "owner": "Lea Lead", "started_on": date(2025, 6, 2), "elapsed": 12.0,
            "limit": 14.0, "days_left": 2.0, "unit": "business days", "p_breach": 0.7,
            "basis": "40 past senior searches"}
    return pd.DataFrame([{**base, **row} for row in rows.get("rows", [{}])])


NO_BREACHES = pd.DataFrame(columns=["promise", "promise_name", "entity", "reference", "client", "figure", "limit",
                                    "unit", "detail", "owner_account_id"])


def test_an_empty_day_still_sends_a_short_all_on_track_digest_whose_sections_say_nothing():
    digest = compose(LEA, AS_OF, date(2025, 6, 27), items_frame().iloc[0:0], NO_BREACHES)

    assert digest.on_track and digest.subject.endswith("all on track")
    assert sum(line.endswith(f": {NOTHING}") for line in digest.text.splitlines()) == 3
    assert "All on track" in digest.text
    assert digest.html.count(f": {NOTHING}</h2>") == 3
    assert digest.payload["digest"]["all_on_track"] is True
    assert digest.payload["digest"]["at_risk"] == digest.payload["digest"]["breached"] == []


def test_the_words_are_a_persons_never_a_missing_value_or_a_column_name():
    items = items_frame(rows=[{}, {"ref": "RP-9", "kind": "replacement", "owner": "—", "owner_account_id": None,
                                   "unit": "calendar days", "p_breach": 0.2, "days_left": 1.0}])
    digest = compose(OPS, AS_OF, date(2025, 6, 27), items, NO_BREACHES)

    assert "2 business days left of 14 (12 gone); 70% chance of passing the limit" in digest.text
    assert "Replacement RP-9" in digest.text and "1 calendar day left" in digest.text
    for text in (digest.text, digest.html, digest.payload["text"]):
        for word in ("nan", "None", "NaT", "p_breach", "days_left", "owner_account_id"):
            assert word not in text
    assert "Acme &lt;Robotics&gt;" in digest.html and "<Robotics>" not in digest.html


def test_a_hiring_lead_is_not_told_their_own_name_and_ops_is_told_whose_item_it_is():
    ops = compose(OPS, AS_OF, date(2025, 6, 27), items_frame(), NO_BREACHES)
    lea = compose(LEA, AS_OF, date(2025, 6, 27), items_frame(), NO_BREACHES)

    assert "lead: Lea Lead" in ops.text and "lead:" not in lea.text
    assert compose(HUGO, AS_OF, date(2025, 6, 27), items_frame(), NO_BREACHES).on_track


def test_an_on_track_digest_says_how_many_items_are_open_and_not_at_risk():
    quiet = items_frame(rows=[{"p_breach": 0.1, "days_left": 8.0}, {"ref": "SR-2", "p_breach": 0.2, "days_left": 9.0}])
    digest = compose(LEA, AS_OF, date(2025, 6, 27), quiet, NO_BREACHES)

    assert digest.on_track
    assert "All on track: 2 open items, none at risk or due in the next 3 days; nothing breached." in digest.text
