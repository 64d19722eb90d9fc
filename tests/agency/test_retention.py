"""Retention with right-censoring: hand-classified clients and placements, and their Kaplan-Meier
curves checked by hand (the estimator itself is specified in tests/stats/test_survival.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.agency.retention import client_outcomes, placement_outcomes, retention_share
from scoring.domain.promises import CLIENT_HORIZON, PLACEMENT_HORIZON, PLACEMENT_LOST_REASONS
from scoring.stats.survival import survival_curves

AS_OF = "2025-06-30"

# client_id, signed_on, churned_on, expected outcome
CLIENTS = [
    (1, "2025-01-01", "2025-02-10", "lost"),
    (2, "2025-01-01", None, "retained"),
    (3, "2025-05-15", None, "censored"),      # younger than 3 months
    (4, "2025-01-01", "2025-04-01", "lost"),  # churned on the 3-month mark: did not continue past it
    (5, "2025-01-01", "2025-04-02", "retained"),
    (6, "2025-04-15", "2025-05-01", "lost"),  # young, but its loss is already known
    (7, "2025-03-01", "2025-08-01", "retained"),  # churn after as_of is not known yet
    (8, "2025-07-15", None, None),            # signed after as_of: not a client yet
    (9, "2025-03-31", None, "censored"),      # mark is 30 June = as_of: not yet past it
    (10, "2024-11-30", "2025-02-28", "lost"),  # 30 Nov + 3 months = 28 Feb
]

# placement_id, first_day, ended_on, end_reason, expected outcome
PLACEMENTS = [
    (1, "2025-01-01", "2025-02-01", "not_a_fit", "lost"),
    (2, "2025-01-01", "2025-02-01", "completed", "censored"),      # ended, but not lost
    (3, "2025-01-01", None, None, "retained"),
    (4, "2025-06-01", None, None, "censored"),                     # 29 days old
    (5, "2025-01-01", "2025-04-01", "engineer_left", "lost"),      # day 90
    (6, "2025-01-01", "2025-04-02", "engineer_left", "retained"),  # day 91
    (7, "2025-01-01", "2025-05-01", "client_churned", "retained"),
    (8, "2025-07-01", None, None, None),                           # not started
]


@pytest.fixture
def clients() -> pd.DataFrame:
    frame = pd.DataFrame([c[:3] for c in CLIENTS], columns=["client_id", "signed_on", "churned_on"])
    return frame.assign(signed_on=pd.to_datetime(frame["signed_on"]), churned_on=pd.to_datetime(frame["churned_on"]))


@pytest.fixture
def placements() -> pd.DataFrame:
    frame = pd.DataFrame([p[:4] for p in PLACEMENTS], columns=["placement_id", "first_day", "ended_on", "end_reason"])
    return frame.assign(first_day=pd.to_datetime(frame["first_day"]), ended_on=pd.to_datetime(frame["ended_on"]))


def test_client_outcomes(clients):
    outcomes = client_outcomes(clients, AS_OF)
    expected = {c[0]: c[3] for c in CLIENTS if c[3] is not None}
    assert dict(zip(outcomes["client_id"], outcomes["outcome"])) == expected
    row = outcomes.set_index("client_id")
    assert row.loc[7, "event"] == False  # noqa: E712 - churn after as_of is not yet an event
    assert row.loc[7, "t_days"] == 121   # 1 March to 30 June
    assert row.loc[1, "t_days"] == 40 and row.loc[1, "event"]
    assert row.loc[10, "cohort"] == "2024Q4" and row.loc[1, "cohort"] == "2025Q1"
    assert row.loc[10, "mark"] == pd.Timestamp("2025-02-28")


def test_client_share_excludes_censored(clients):
    share = retention_share(client_outcomes(clients, AS_OF)).iloc[0]
    assert [int(share[k]) for k in ("retained", "lost", "censored")] == [3, 4, 2]
    assert share["share"] == pytest.approx(3 / 7)
    assert share["ci_low"] < 3 / 7 < share["ci_high"]


def test_placement_outcomes(placements):
    outcomes = placement_outcomes(placements, AS_OF)
    expected = {p[0]: p[4] for p in PLACEMENTS if p[4] is not None}
    assert dict(zip(outcomes["placement_id"], outcomes["outcome"])) == expected
    assert outcomes.set_index("placement_id")["t_days"].to_dict() == {1: 31, 2: 31, 3: 180, 4: 29, 5: 90, 6: 91, 7: 120}
    share = retention_share(outcomes).iloc[0]
    assert [int(share[k]) for k in ("retained", "lost", "censored")] == [3, 2, 2]


def test_placement_lost_reasons_are_configurable(placements):
    outcomes = placement_outcomes(placements, AS_OF, lost_reasons=("not_a_fit",))
    assert outcomes.set_index("placement_id").loc[5, "outcome"] == "censored"


def test_horizons_declared_with_sources():
    assert (CLIENT_HORIZON.length, CLIENT_HORIZON.unit) == (3, "months")
    assert (PLACEMENT_HORIZON.length, PLACEMENT_HORIZON.unit) == (90, "days")
    assert CLIENT_HORIZON.source and PLACEMENT_HORIZON.source
    assert set(PLACEMENT_LOST_REASONS) == {"not_a_fit", "engineer_left"}


def test_share_by_cohort_and_empty_groups(clients):
    table = retention_share(client_outcomes(clients, AS_OF), by="cohort").set_index("cohort")
    assert table.loc["2024Q4", ["retained", "lost", "censored"]].tolist() == [0, 1, 0]
    q2 = table.loc["2025Q2"]
    assert q2[["retained", "lost", "censored"]].tolist() == [0, 1, 1]
    assert q2["share"] == 0.0
    nothing_known = retention_share(pd.DataFrame({"outcome": ["censored"]})).iloc[0]
    assert np.isnan(nothing_known["share"]) and np.isnan(nothing_known["ci_low"])
    unlabelled = retention_share(pd.DataFrame({"outcome": ["lost", "retained"], "segment": [None, "a"]}), by="segment")
    assert len(unlabelled) == 2  # a missing label is a group of its own, not dropped
    empty = retention_share(pd.DataFrame({"outcome": pd.Series([], dtype=object)})).iloc[0]
    assert int(empty["retained"]) == 0 and np.isnan(empty["share"])


def test_km_hand_computed(placements):
    curve = survival_curves(placement_outcomes(placements, AS_OF), by=None)
    # Times 29c 31e 31c 90e 91e 120c 180c. At risk at 31: 6 -> 5/6; at 90: 4 -> x 3/4; at 91: 3 -> x 2/3.
    assert curve["t_days"].tolist() == [0, 29, 31, 90, 91, 120, 180]
    assert curve["survival"].tolist() == pytest.approx([1, 1, 5 / 6, 5 / 8, 5 / 12, 5 / 12, 5 / 12])
    assert curve["at_risk"].tolist() == [7, 7, 6, 4, 3, 2, 1]
    assert curve["events"].tolist() == [0, 0, 1, 1, 1, 0, 0]
    assert (curve["cohort"] == "all").all()
    # Kaplan-Meier at 90 days (0.625) differs from the share over known outcomes (3 / 5).
    assert curve.set_index("t_days").loc[90, "survival"] == pytest.approx(0.625)


def test_curves_from_client_outcomes(clients):
    curves = survival_curves(client_outcomes(clients, AS_OF))
    assert set(curves["cohort"]) == {"2024Q4", "2025Q1", "2025Q2"}
    q4 = curves[curves["cohort"] == "2024Q4"]  # client 10 alone: churned on day 90
    assert q4["t_days"].tolist() == [0, 90] and q4["survival"].tolist() == [1.0, 0.0]
    assert q4["ci_low"].tolist() == [1.0, 0.0] and q4["ci_high"].tolist() == [1.0, 0.0]
