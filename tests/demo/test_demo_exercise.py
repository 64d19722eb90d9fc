"""The demo's calibration exercise (scoring.demo.exercise): past take-homes the experts rated, so the
calibration page's accuracy table has something real to find, while live scoring and every reviewer's queue
stay as they were."""

from __future__ import annotations

import pandas as pd

from scoring.agency.certification import FAILED, PASSED, PassingBar, verdict
from scoring.demo.exercise import EXERCISE_NAME, REFERENCES_PER_REVIEWER
from scoring.demo.generator import standout_reviewers
from scoring.domain.dimensions import DIMENSIONS
from scoring.store import calibration_exercises, certification, scorecards
from tests.conftest import account

BAR = PassingBar(0.6, 0.75)


def overall(db) -> pd.DataFrame:
    result = certification.exercise_accuracy(db, account(db, "hiring_lead"), 1)
    return result[result["dimension_id"] == 0].set_index("reviewer_id")


def test_the_demo_has_one_exercise_of_past_take_homes_each_with_the_experts_rating_of_every_dimension(
        module_demo_db):
    db = module_demo_db
    lead = account(db, "hiring_lead")
    reviewers = int(db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer'"))
    listed = calibration_exercises.exercises(db, lead)
    assert listed["name"].tolist() == [EXERCISE_NAME]
    exercise = listed.iloc[0]
    assert int(exercise["items"]) == REFERENCES_PER_REVIEWER * reviewers
    # nothing was asked of anyone: every rating of the references was given in live work before it
    assert int(exercise["scored_since"]) == 0 and int(exercise["awaited"]) == 0
    references = certification.references(db, lead, 1)
    assert len(references) == int(exercise["items"]) * len(DIMENSIONS) and references["rating"].between(1, 5).all()


def test_the_planted_reviewers_stand_furthest_from_the_experts(module_demo_db):
    db = module_demo_db
    reviewers = int(db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer'"))
    result = overall(db)
    assert len(result) == reviewers and result["judged"].mean() > 0.8
    lenient, drifting, erratic = (position + 1 for position in standout_reviewers(reviewers))
    ordinary = result.drop(index=[lenient, drifting, erratic])
    ordinary = ordinary[ordinary["judged"]]
    assert (ordinary["mad"] < 0.45).all() and (ordinary["kappa"] > 0.6).all()
    assert result.loc[erratic, "mad"] > 1 and result.loc[lenient, "mad"] > ordinary["mad"].max()
    verdicts = {i: verdict(int(r.rated), float(r.kappa), float(r.mad), BAR) for i, r in result.iterrows()}
    assert verdicts[erratic] == FAILED and verdicts[1] == PASSED            # the demo reviewer account passes


def test_no_bar_is_set_and_once_one_is_the_erratic_reviewer_is_told_their_result(demo_db):
    reviewers = int(demo_db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer'"))
    assert certification.passing_bar(demo_db, account(demo_db, "reviewer")) is None
    certification.set_bar(demo_db, account(demo_db, "admin"), BAR.min_kappa, BAR.max_mad)
    erratic = account(demo_db, "reviewer", standout_reviewers(reviewers)[2])
    notice = scorecards.held_notice(demo_db, erratic, demo_db_as_of(demo_db))
    assert f'In exercise "{EXERCISE_NAME}" your weighted kappa was' in notice
    assert scorecards.held_notice(demo_db, account(demo_db, "reviewer"), demo_db_as_of(demo_db)) == ""


def demo_db_as_of(db):
    from datetime import date
    return date.fromisoformat(db.metadata("demo_as_of"))
