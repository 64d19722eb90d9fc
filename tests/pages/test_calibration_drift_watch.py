"""The calibration page's drift watch, run headless with AppTest: charts per dimension, and who to invite.

The small session demo has too few ratings per reviewer and month for a chart (the page says so); a
20,000-candidate demo (16 reviewers, enough ratings a month) plants one reviewer who grows harsher over
its last nine months, whom the watch must chart beyond its limits and invite to the next session.
"""

from __future__ import annotations

import numpy as np
import pytest

from scoring.reports.calibration import calibration_drift
from tests.conftest import account
from tests.pages.test_calibration_page import chart, decoded, open_tab, opening_report, run_page

INVITE = "Invite to the next calibration session"


def test_without_enough_ratings_a_month_the_tab_says_so_and_invites_no_one(demo_db, monkeypatch):
    lead = account(demo_db, "hiring_lead")
    drift = opening_report(demo_db, lead, calibration_drift)
    app = open_tab(run_page(demo_db, monkeypatch, lead), "Drift watch")

    text = " ".join(str(m.value) for m in [*app.markdown, *app.caption, *app.info])
    assert INVITE in text
    assert "Lucas & Saccucci (1990)" in text and "EWMA" in text
    if not drift.watch["charted"].any():
        assert any("choose a longer period" in str(i.value) for i in app.info)
    if drift.invitations.empty:
        assert "No reviewer's chart crossed a control limit" in text
    for word in ("nan", "None", "months_crossed", "in_baseline", "charted"):
        assert word not in text


def test_the_watch_and_its_limits_are_in_the_thresholds_table(demo_db, monkeypatch):
    app = open_tab(run_page(demo_db, monkeypatch, account(demo_db, "hiring_lead")), "Thresholds")
    names = app.dataframe[-1].value["threshold"].tolist()
    assert "Drift watch: EWMA weight and limit width" in names and "Drift watch: recent crossings" in names


DRIFTING_REVIEWER = 15          # the second-last of the 16 reviewers


@pytest.fixture(scope="module")
def agency(monthly_demo_db):
    return monthly_demo_db


@pytest.mark.slow
def test_the_drifting_reviewer_comes_first_charted_per_dimension_with_the_reports_limits(agency, monkeypatch):
    lead = account(agency, "hiring_lead")
    report, drift = opening_report(agency, lead), opening_report(agency, lead, calibration_drift)
    invited = drift.invitations
    assert set(invited["reviewer_id"]) == {DRIFTING_REVIEWER}
    name = str(invited["reviewer"].iloc[0])

    app = open_tab(run_page(agency, monkeypatch, lead), "Drift watch")

    picker = app.selectbox(key="calibration_watch_reviewer")
    assert picker.value == name and picker.options[0] == name
    spec = chart(app, f"Drift watch: {name}")
    titles = [a["text"].replace("<br>", " ") for a in spec["layout"]["annotations"]]
    assert titles[:5] == list(report.dimensions["name"])
    mine = drift.watch[(drift.watch["reviewer_id"] == DRIFTING_REVIEWER) & drift.watch["charted"]]
    limits = [decoded(t["y"]).astype(float) for t in spec["data"] if t.get("name") == "control limit"]
    expected = [mine[mine["dimension_id"] == d]["limit"].to_numpy() for d in report.dimensions["dimension_id"]]
    assert len(limits) == len(expected)
    for got, want in zip(limits, expected, strict=True):
        assert np.allclose(got, want)
    crosses = [t for t in spec["data"] if t.get("name") == "beyond the limit"]
    assert sum(len(decoded(t["y"])) for t in crosses) == int((mine["crossed"] != 0).sum()) > 0

    table = app.dataframe[-1].value
    assert set(table["reviewer"]) == {name} and set(table["direction"]) == {"Harsher"}
    assert set(table["dimension"]) <= set(report.dimensions["name"])


@pytest.mark.slow
def test_the_next_session_list_marks_the_drift_watch_and_says_why(agency, monkeypatch):
    lead = account(agency, "hiring_lead")
    app = open_tab(run_page(agency, monkeypatch, lead), "Next session")

    listed = app.dataframe[0].value.set_index("reviewer")
    name = str(opening_report(agency, lead, calibration_drift).invitations["reviewer"].iloc[0])
    assert bool(listed.loc[name, "drift_watch"])
    assert int(listed["drift_watch"].sum()) == 1
    why = " ".join(str(m.value) for m in app.markdown)
    assert "EWMA chart of severity crossed a control limit in the last 3 months: harsher on" in why
