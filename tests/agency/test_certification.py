"""Specification of certification by reference candidates (scoring.agency.certification): a reviewer's
accuracy against expert reference ratings, the verdict against the passing bar, who may score live
candidates, what the queue says, and how entered or uploaded reference rows are checked.

The weighted kappas below are worked by hand in the disagreement form of Cohen's (1968) weighted kappa,
kappa_w = 1 - sum(v_ij p_ij) / sum(v_ij p_i. p_.j) with quadratic disagreement weights v_ij = (i - j)^2
(the quadratic agreement weights 1 - (i - j)^2 / (q - 1)^2 give the same ratio).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from scoring.agency.certification import (
    ALL_DIMENSIONS,
    FAILED,
    PASSED,
    Certification,
    PassingBar,
    ReferenceRow,
    accuracy,
    bar_problems,
    certification,
    held_message,
    parse_reference_rows,
    verdict,
)
from scoring.domain.thresholds import MIN_REFERENCE_RATINGS, TOO_FEW

BAR = PassingBar(0.6, 0.75)


def ratings(reviewer_id: int, dimension_id: int, given: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"reviewer_id": reviewer_id, "application_id": range(1, len(given) + 1),
                         "dimension_id": dimension_id, "rating": given})


def references(dimension_id: int, given: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"application_id": range(1, len(given) + 1), "dimension_id": dimension_id,
                         "rating": given})


def test_accuracy_on_four_references_worked_by_hand() -> None:
    # Reviewer (2, 3, 4, 4) against experts (2, 3, 3, 4): one pair a point apart.
    # Observed disagreement: 1/4. Margins: reviewer 2:1/4, 3:1/4, 4:1/2; experts 2:1/4, 3:1/2, 4:1/4.
    # Expected disagreement: 1/4 * (0 + 1/2 + 1) + 1/4 * (1/4 + 0 + 1/4) + 1/2 * (1 + 1/2 + 0) = 1.25.
    # kappa = 1 - 0.25 / 1.25 = 0.8; mean absolute difference 1/4.
    result = accuracy(ratings(7, 1, [2, 3, 4, 4]), references(1, [2, 3, 3, 4]))
    row = result[result["dimension_id"] == 1].iloc[0]
    assert row["rated"] == 4
    assert row["kappa"] == pytest.approx(0.8, abs=1e-12)
    assert row["mad"] == pytest.approx(0.25, abs=1e-12)
    assert not row["judged"]                                 # four pairs are under the minimum


def test_the_overall_row_pools_every_dimension_and_agrees_with_scikit_learn() -> None:
    own = pd.concat([ratings(7, 1, [2, 3, 4, 4]), ratings(7, 2, [5, 1, 2, 3])], ignore_index=True)
    experts = pd.concat([references(1, [2, 3, 3, 4]), references(2, [4, 1, 3, 3])], ignore_index=True)
    result = accuracy(own, experts).set_index("dimension_id")
    assert list(result.index) == [ALL_DIMENSIONS, 1, 2]
    assert result.loc[ALL_DIMENSIONS, "rated"] == 8
    assert result.loc[ALL_DIMENSIONS, "mad"] == pytest.approx(3 / 8)
    expected = cohen_kappa_score([2, 3, 4, 4, 5, 1, 2, 3], [2, 3, 3, 4, 4, 1, 3, 3], weights="quadratic",
                                 labels=[1, 2, 3, 4, 5])
    assert result.loc[ALL_DIMENSIONS, "kappa"] == pytest.approx(expected, abs=1e-12)
    assert result.loc[2, "mad"] == pytest.approx(0.5)


def test_a_reference_not_assessed_takes_no_part_and_each_reviewer_is_measured_alone() -> None:
    own = pd.concat([ratings(7, 3, [1, 2, 3]), ratings(8, 3, [5, 5, 5])], ignore_index=True)
    result = accuracy(own, references(3, [1, 2, np.nan]))
    overall = result[result["dimension_id"] == ALL_DIMENSIONS].set_index("reviewer_id")
    assert overall["rated"].to_dict() == {7: 2, 8: 2}
    assert overall.loc[7, "mad"] == 0 and overall.loc[8, "mad"] == pytest.approx(3.5)
    assert overall.loc[7, "kappa"] == pytest.approx(1.0)


def test_a_reviewer_with_enough_pairs_is_judged() -> None:
    n = int(MIN_REFERENCE_RATINGS.value)
    levels = [1 + i % 5 for i in range(n)]
    result = accuracy(ratings(7, 4, levels), references(4, levels))
    assert result["judged"].all() and result["rated"].eq(n).all()


@pytest.mark.parametrize(("rated", "kappa", "mad", "expected"), [
    (20, 0.60, 0.75, PASSED),            # the bar itself passes
    (20, 0.59, 0.50, FAILED),
    (20, 0.90, 0.76, FAILED),
    (19, 0.99, 0.00, TOO_FEW),
    (40, float("nan"), 0.0, TOO_FEW),    # no kappa: both sides used one level only
])
def test_the_verdict_needs_both_figures_over_enough_pairs(rated, kappa, mad, expected) -> None:
    assert verdict(rated, kappa, mad, BAR) == expected


def results(*rows: tuple[str, str, int, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["name", "created_at", "rated", "kappa", "mad"]).assign(
        created_at=lambda f: pd.to_datetime(f["created_at"]))


NOTHING_OWED = pd.DataFrame(columns=["name", "created_at", "awaited"])


def test_without_a_bar_everyone_may_score_live_and_nothing_is_said() -> None:
    status = certification(results(("May", "2026-05-01", 25, 0.1, 2.0)), NOTHING_OWED, None)
    assert status.may_score_live and held_message(status, 4) == ""


def test_the_newest_judged_exercise_decides() -> None:
    passed_then_failed = results(("May", "2026-05-01", 25, 0.8, 0.4), ("June", "2026-06-01", 25, 0.3, 1.2))
    status = certification(passed_then_failed, NOTHING_OWED, BAR)
    assert (status.decided_by, status.verdict, status.may_score_live) == ("June", FAILED, False)
    # an exercise scored too little to judge does not undo an earlier pass
    passed_then_partial = results(("May", "2026-05-01", 25, 0.8, 0.4), ("June", "2026-06-01", 5, 0.0, 3.0))
    assert certification(passed_then_partial, NOTHING_OWED, BAR).may_score_live


def test_the_queue_message_says_which_exercise_to_score_and_what_passes() -> None:
    owed = pd.DataFrame({"name": ["Old", "Autumn references"], "created_at": pd.to_datetime(["2026-01-01",
                                                                                            "2026-10-01"]),
                         "awaited": [2, 6]})
    status = certification(results(), owed, BAR)
    message = held_message(status, 3)
    assert message.startswith("3 live candidates are held until you pass the reference check.")
    assert 'Score the reference candidates in exercise "Autumn references" (6 left)' in message
    assert "weighted kappa of at least 0.60" in message and "at most 0.75 rating points" in message
    assert f"at least {int(MIN_REFERENCE_RATINGS.value)} rated reference dimensions" in message


def test_a_reviewer_below_the_bar_with_nothing_owed_is_told_their_result_and_to_ask_for_an_exercise() -> None:
    status = certification(results(("June", "2026-06-01", 25, 0.41, 1.1)), NOTHING_OWED, BAR)
    message = held_message(status, 1)
    assert message.startswith("1 live candidate is held")
    assert 'In exercise "June" your weighted kappa was 0.41 and your mean difference 1.10' in message
    assert "Ask an admin for a new calibration exercise" in message
    never = held_message(Certification(BAR), 0)
    assert "No calibration exercise with reference ratings is waiting for you" in never


def test_a_bar_out_of_range_is_refused_field_by_field() -> None:
    assert bar_problems(0.6, 0.75) == []
    assert bar_problems(-1, 0.5) == ["minimum kappa: must be above -1 and at most 1, got -1"]
    assert bar_problems("high", 5) == ["minimum kappa: must be above -1 and at most 1, got high",
                                       "maximum difference: must be from 0 to 4 rating points, got 5"]


APPLICATIONS = {"APP-1": 11, "APP-2": 12}


def test_reference_rows_accept_codes_names_levels_and_not_assessed_with_a_reason() -> None:
    rows = [{"application": "APP-1", "dimension": "monitoring", "rating": 4},
            {"application": "APP-1", "dimension": "Model Deployment", "rating": "2"},
            {"application": "APP-2", "dimension": "Governance", "rating": "Not assessed", "reason": "no repository"}]
    parsed, problems = parse_reference_rows(rows, APPLICATIONS)
    assert problems == []
    assert parsed == [ReferenceRow(11, 3, 4, None), ReferenceRow(11, 2, 2, None),
                      ReferenceRow(12, 5, None, "no repository")]


def test_every_problem_is_named_by_row_field_and_reason() -> None:
    rows = [{"application": "APP-9", "dimension": "Monitoring", "rating": 3},
            {"application": "APP-1", "dimension": "Charisma", "rating": 3},
            {"application": "APP-1", "dimension": "Monitoring", "rating": 3.5},
            {"application": "APP-1", "dimension": "Governance", "rating": "not assessed"},
            {"application": "APP-2", "dimension": "Automation", "rating": 5},
            {"application": "APP-2", "dimension": "automation", "rating": 4}]
    parsed, problems = parse_reference_rows(rows, APPLICATIONS)
    assert problems == [
        "row 1, application: APP-9 is not a reference of this exercise",
        "row 2, dimension: Charisma is not one of Infrastructure, Model Deployment, Monitoring, Automation, "
        "Governance",
        'row 3, rating: must be a whole number from 1 to 5 or "not assessed", got 3.5',
        "row 4, reason: a reference marked not assessed needs the reason",
        "row 6, dimension: APP-2 already has a rating for automation (row 5)",
    ]
    assert parsed == [ReferenceRow(12, 4, 5, None)]
