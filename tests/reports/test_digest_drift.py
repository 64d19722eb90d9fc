"""The digest's "Reviewers drifting": who crossed a drift-watch limit since the last digest, for ops only.

The words are checked on hand-made rows with :func:`compose`; the reading on a 20,000-candidate demo
agency (16 reviewers, enough ratings for a monthly point per reviewer and dimension), where the demo
plants one reviewer who grows harsher over the last nine months (the second-last account of the pool,
:func:`scoring.demo.generator.standout_reviewers`) and no other drift.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.agency.access import OPERATOR, SERVER, PermissionDenied
from scoring.reports.digest import NOTHING, Recipient, compose, daily_digests, digest_drift
from tests.conftest import DEMO_AS_OF
from tests.ops_fixture import AS_OF

OPS = Recipient("Otto Ops", "ops", 2, "ops@ops.example")
LEA = Recipient("Lea Lead", "hiring_lead", 3, "lead@ops.example")
CHANNEL = Recipient("the ops channel", "webhook")
SINCE = date(2025, 6, 27)
NO_ITEMS = pd.DataFrame(columns=["kind", "ref", "client", "client_ref", "owner_account_id", "owner", "started_on",
                                 "elapsed", "limit", "days_left", "unit", "p_breach", "basis"])
NO_BREACHES = pd.DataFrame(columns=["promise", "promise_name", "entity", "reference", "client", "figure", "limit",
                                    "unit", "detail", "owner_account_id"])


def drifting(*rows: dict) -> pd.DataFrame:
    base = {"reviewer": "Ivan Kim", "dimension": "Model Deployment", "stage": "Take-home assessment",
            "month": pd.Timestamp("2025-06-01"), "direction": "harsher", "reviewer_id": 9, "dimension_id": 2,
            "stage_id": 3}
    return pd.DataFrame([{**base, **row} for row in rows])


# -- the words ------------------------------------------------------------------------------------------
def test_ops_is_told_who_drifts_which_way_on_what_and_since_when():
    crossed = drifting({}, {"reviewer": "Ana <Silva>", "dimension": "Governance", "direction": "softer",
                            "stage": "Production incident interview", "month": pd.Timestamp("2025-05-01")})
    digest = compose(OPS, AS_OF, SINCE, NO_ITEMS, NO_BREACHES, crossed)

    assert "Reviewers drifting since Fri 27 Jun 2025" in digest.text
    assert "- Ivan Kim: harsher on Model Deployment (Take-home assessment, Jun 2025)" in digest.text
    assert "- Ana <Silva>: softer on Governance (Production incident interview, May 2025)" in digest.text
    assert "Ana &lt;Silva&gt;: softer on Governance" in digest.html and "<Silva>" not in digest.html
    assert digest.subject.endswith("all on track; 2 reviewers drifting")
    assert digest.payload["digest"]["drifting"][0] == {"reviewer": "Ivan Kim", "dimension": "Model Deployment",
                                                       "stage": "Take-home assessment", "month": "2025-06-01",
                                                       "direction": "harsher"}
    assert "EWMA" in digest.text and "calibration page" in digest.text


def test_the_promises_stay_on_track_when_only_a_reviewer_drifts():
    digest = compose(OPS, AS_OF, SINCE, NO_ITEMS, NO_BREACHES, drifting({}))
    assert digest.on_track and "All on track" in digest.text


def test_one_reviewer_drifting_on_two_dimensions_is_one_reviewer_in_the_subject_and_two_lines():
    digest = compose(OPS, AS_OF, SINCE, NO_ITEMS, NO_BREACHES, drifting({}, {"dimension": "Monitoring"}))
    assert digest.subject.endswith("1 reviewer drifting")
    assert "Reviewers drifting since Fri 27 Jun 2025 (severity on a dimension beyond its control limit: invite " \
           "them to the next calibration session): 2" in digest.text


def test_no_one_drifting_says_nothing_and_the_channel_gets_the_section_too():
    for recipient in (OPS, CHANNEL):
        digest = compose(recipient, AS_OF, SINCE, NO_ITEMS, NO_BREACHES, drifting({}).iloc[0:0])
        assert sum(line.endswith(f": {NOTHING}") for line in digest.text.splitlines()) == 4
        assert digest.html.count(f": {NOTHING}</h2>") == 4
        assert digest.payload["digest"]["drifting"] == []
        assert digest.subject.endswith("all on track")


def test_a_hiring_lead_never_gets_the_section():
    digest = compose(LEA, AS_OF, SINCE, NO_ITEMS, NO_BREACHES, drifting({}))
    assert "drifting" not in digest.text.lower() and "drifting" not in digest.payload["digest"]
    assert digest.drifting.empty


def test_without_the_watch_the_digest_is_as_before():
    digest = compose(OPS, AS_OF, SINCE, NO_ITEMS, NO_BREACHES)
    assert "drifting" not in digest.text.lower() and "drifting" not in digest.payload["digest"]


def test_the_words_are_a_persons_never_a_missing_value_or_a_column_name():
    digest = compose(OPS, AS_OF, SINCE, NO_ITEMS, NO_BREACHES, drifting({}))
    for text in (digest.text, digest.html, digest.payload["text"]):
        for word in ("nan", "None", "NaT", "reviewer_id", "dimension_id", "stage_id"):
            assert word not in text


# -- reading it -----------------------------------------------------------------------------------------
DRIFTING_REVIEWER = 15          # the second-last of the 16 reviewers


@pytest.fixture(scope="module")
def agency(monthly_demo_db):
    return monthly_demo_db


@pytest.mark.slow
def test_the_planted_drifting_reviewer_is_found_harsher_and_no_one_else(agency):
    crossed = digest_drift(agency, SERVER, DEMO_AS_OF, date(2026, 10, 20))

    assert not crossed.empty
    assert set(crossed["reviewer_id"]) == {DRIFTING_REVIEWER}
    assert set(crossed["direction"]) == {"harsher"}
    assert crossed["month"].min() >= pd.Timestamp("2026-09-01")     # in the last three months


@pytest.mark.slow
def test_a_crossing_already_there_at_the_last_digest_is_not_repeated(agency):
    assert digest_drift(agency, SERVER, DEMO_AS_OF, DEMO_AS_OF).empty


@pytest.mark.slow
def test_the_ops_digest_lists_them_and_the_lead_digest_does_not(agency):
    ops, lead = (Recipient("Ops", "ops", 2, "ops@demo.example"), Recipient("Lead", "hiring_lead", 3, "l@demo.example"))
    since = {ops: date(2026, 10, 20), lead: date(2026, 10, 20)}
    got_ops, got_lead = daily_digests(agency, OPERATOR, DEMO_AS_OF, [ops, lead], since, drift_reader=SERVER)

    assert set(got_ops.drifting["reviewer_id"]) == {DRIFTING_REVIEWER}
    name = str(got_ops.drifting["reviewer"].iloc[0])
    assert f"- {name}: harsher on " in got_ops.text
    assert got_lead.drifting.empty and name not in got_lead.text


def test_reading_the_drift_needs_calibration_and_ops_has_not_it(empty_db):
    with pytest.raises(PermissionDenied):
        digest_drift(empty_db, OPERATOR, DEMO_AS_OF, date(2026, 10, 20))
