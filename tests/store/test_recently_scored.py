"""The candidate profile page offers the candidates scored most recently before anything is typed:
everyone's scorecards for a hiring lead, only their own for a reviewer (blind review)."""

from __future__ import annotations

import pytest

from scoring.store import candidates, scorecards
from tests.store.test_blind_review import MINE, TAKE_HOME, Scene, build_scene


@pytest.fixture
def scene(empty_db) -> Scene:
    return build_scene(empty_db)


def test_a_hiring_lead_sees_each_candidate_once_newest_scorecard_first(scene):
    recent = candidates.recently_scored(scene.db, scene.lead)

    # The peer's last submission is Dana's take-home; Casey's two applications make one row.
    assert recent["external_id"].tolist() == ["CA-2", "CA-1"]
    assert recent.iloc[0]["stage_id"] == TAKE_HOME
    assert recent["submitted_at"].is_monotonic_decreasing


def test_a_reviewer_sees_only_their_own_submissions_and_a_draft_is_none(scene):
    assert candidates.recently_scored(scene.db, scene.reviewer).empty

    scorecards.submit(scene.db, scene.reviewer, scene.item, TAKE_HOME, MINE, {})

    assert candidates.recently_scored(scene.db, scene.reviewer)["external_id"].tolist() == ["CA-1"]


def test_the_list_is_capped(scene):
    assert len(candidates.recently_scored(scene.db, scene.lead, limit=1)) == 1
