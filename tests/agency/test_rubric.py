"""Specification of the anchored rubric, the note rule, weights and disagreement."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.agency import rubric
from scoring.agency.rubric import (
    RUBRIC,
    Anchor,
    anchors_for,
    disagreements,
    note_required,
    validate_scorecard,
)
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT, DIMENSION_CODES, DIMENSIONS
from scoring.domain.ratings import DISAGREEMENT_GAP, NOTE_REQUIRED_LEVELS
from scoring.domain.stages import SCORED_STAGES

STAGE_IDS = tuple(int(stage) for stage in SCORED_STAGES)


def valid_card() -> tuple[dict[str, int], dict[str, str]]:
    ratings = {"infrastructure": 3, "deployment": 4, "monitoring": 5,
               "automation": 2, "governance": 1}
    notes = {"monitoring": "Named the drift threshold and the retraining metric.",
             "governance": "Could not say which model version was live."}
    return ratings, notes


# --------------------------------------------------------------------------
# The dimensions and stages
# --------------------------------------------------------------------------


def test_the_five_dimensions_have_the_agreed_codes_names_and_ids():
    assert [(d.id, d.code, d.name) for d in DIMENSIONS] == [
        (1, "infrastructure", "Infrastructure"),
        (2, "deployment", "Model Deployment"),
        (3, "monitoring", "Monitoring"),
        (4, "automation", "Automation"),
        (5, "governance", "Governance"),
    ]
    assert DIMENSION_CODES == tuple(d.code for d in DIMENSIONS)


def test_the_rubric_covers_exactly_the_two_scored_stages_and_every_dimension():
    assert [(int(s), s.code) for s in SCORED_STAGES] == [(2, "incident_interview"), (3, "take_home")]
    assert set(RUBRIC) == {"incident_interview", "take_home"}
    for stage in RUBRIC:
        assert set(RUBRIC[stage]) == set(DIMENSION_CODES)


# --------------------------------------------------------------------------
# Anchors
# --------------------------------------------------------------------------


@pytest.mark.parametrize("stage_id", STAGE_IDS)
@pytest.mark.parametrize("code", DIMENSION_CODES)
def test_every_dimension_has_five_anchors_one_per_level(stage_id, code):
    anchors = anchors_for(stage_id, code)
    assert len(anchors) == 5
    assert [a.level for a in anchors] == [1, 2, 3, 4, 5]
    assert all(isinstance(a, Anchor) for a in anchors)


@pytest.mark.parametrize("stage_id", STAGE_IDS)
@pytest.mark.parametrize("code", DIMENSION_CODES)
def test_anchor_descriptions_are_substantial_and_distinct(stage_id, code):
    anchors = anchors_for(stage_id, code)
    descriptions = [a.description for a in anchors]
    assert all(len(d.strip()) >= 60 for d in descriptions), "an anchor must describe behaviour"
    assert len(set(descriptions)) == 5
    assert all(a.label.strip() for a in anchors)
    assert len({a.label for a in anchors}) == 5


@pytest.mark.parametrize("code", DIMENSION_CODES)
def test_interview_and_take_home_anchors_describe_different_evidence(code):
    # The interview is rated on what is said, the take-home on what is submitted.
    interview = {a.description for a in anchors_for(2, code)}
    take_home = {a.description for a in anchors_for(3, code)}
    assert interview.isdisjoint(take_home)


def test_every_stage_states_the_kind_of_evidence_it_rates():
    assert "interview" in rubric.STAGE_EVIDENCE["incident_interview"]
    assert "repository" in rubric.STAGE_EVIDENCE["take_home"]


def test_anchors_are_ordered_so_index_is_rating_minus_one():
    anchors = anchors_for(2, "deployment")
    for rating in range(1, 6):
        assert anchors[rating - 1].level == rating


def test_anchors_can_be_looked_up_by_stage_code_too():
    assert anchors_for("take_home", "monitoring") == anchors_for(3, "monitoring")
    assert anchors_for(np.int64(2), "monitoring") == anchors_for(2, "monitoring")


@pytest.mark.parametrize("stage_id", [1, 4, 0, "client_shortlist", True])
def test_unscored_stages_have_no_anchors(stage_id):
    with pytest.raises(ValueError, match="scored stages: 2 \\(incident_interview\\), 3 \\(take_home\\)"):
        anchors_for(stage_id, "monitoring")


def test_unknown_dimension_is_rejected_naming_the_valid_ones():
    with pytest.raises(ValueError, match="unknown dimension 'latency'.*infrastructure, deployment"):
        anchors_for(2, "latency")


def test_anchors_are_immutable_data():
    anchor = anchors_for(2, "monitoring")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        anchor.level = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        RUBRIC["take_home"]["monitoring"] = ()  # type: ignore[index]


@pytest.mark.parametrize("level", [0, 6, 2.0, True, None])
def test_an_anchor_level_outside_the_scale_is_refused(level):
    with pytest.raises(ValueError):
        Anchor(level, "label", "description")


def test_an_anchor_without_text_is_refused():
    with pytest.raises(ValueError):
        Anchor(3, "Solid", "   ")


# --------------------------------------------------------------------------
# Notes
# --------------------------------------------------------------------------


def test_a_note_is_required_at_the_ends_of_the_scale_only():
    assert NOTE_REQUIRED_LEVELS == frozenset({1, 5})
    assert [r for r in range(1, 6) if note_required(r)] == [1, 5]


def test_note_rule_accepts_numpy_integers():
    assert note_required(np.int8(5)) is True
    assert note_required(np.int64(3)) is False


# --------------------------------------------------------------------------
# validate_scorecard
# --------------------------------------------------------------------------


def test_a_complete_card_with_notes_on_its_ones_and_fives_is_valid():
    ratings, notes = valid_card()
    assert validate_scorecard(ratings, notes) == []


def test_a_card_of_middle_ratings_needs_no_notes():
    assert validate_scorecard({c: 3 for c in DIMENSION_CODES}, {}) == []


def test_numpy_integer_ratings_are_valid():
    ratings = {c: np.int64(3) for c in DIMENSION_CODES}
    assert validate_scorecard(ratings, {}) == []


def test_a_missing_dimension_is_reported_by_name():
    ratings, notes = valid_card()
    del ratings["automation"]
    assert validate_scorecard(ratings, notes) == ["Automation: no rating given"]


@pytest.mark.parametrize("empty", [None, float("nan"), np.float64("nan")])
def test_an_empty_rating_counts_as_missing(empty):
    ratings, notes = valid_card()
    ratings["deployment"] = empty
    assert validate_scorecard(ratings, notes) == ["Model Deployment: no rating given"]


def test_an_empty_card_reports_every_dimension():
    problems = validate_scorecard({}, {})
    assert len(problems) == 5
    assert [p.split(":")[0] for p in problems] == [d.name for d in DIMENSIONS]


@pytest.mark.parametrize("rating", [0, 6, -1, 10])
def test_a_rating_outside_one_to_five_is_reported(rating):
    ratings, notes = valid_card()
    ratings["infrastructure"] = rating
    assert validate_scorecard(ratings, notes) == [f"Infrastructure: rating {rating} is outside 1-5"]


@pytest.mark.parametrize("rating", [3.5, 3.0, "4", True])
def test_a_rating_that_is_not_an_integer_is_reported(rating):
    ratings, notes = valid_card()
    ratings["infrastructure"] = rating
    assert validate_scorecard(ratings, notes) == [
        f"Infrastructure: rating {rating!r} is not a whole number from 1 to 5"
    ]


@pytest.mark.parametrize("note", [None, "", "   \n"])
@pytest.mark.parametrize("rating", [1, 5])
def test_a_one_or_five_without_a_note_is_reported(rating, note):
    ratings, notes = valid_card()
    ratings["automation"] = rating
    if note is not None:
        notes["automation"] = note
    assert validate_scorecard(ratings, notes) == [
        f"Automation: a rating of {rating} needs a note giving the evidence"
    ]


@pytest.mark.parametrize("rating", [2, 3, 4])
def test_middle_ratings_are_valid_without_a_note(rating):
    ratings, notes = valid_card()
    ratings["automation"] = rating
    notes.pop("automation", None)
    assert validate_scorecard(ratings, notes) == []


def test_an_unknown_dimension_is_reported_with_the_valid_codes():
    ratings, notes = valid_card()
    ratings["latency"] = 3
    problems = validate_scorecard(ratings, notes)
    assert len(problems) == 1
    assert "unknown dimension 'latency'" in problems[0]
    assert "infrastructure, deployment, monitoring, automation, governance" in problems[0]


def test_a_note_on_an_unknown_dimension_is_reported():
    ratings, notes = valid_card()
    notes["culture"] = "nice person"
    assert any("unknown dimension 'culture'" in p for p in validate_scorecard(ratings, notes))


def test_several_problems_are_all_reported_in_scorecard_order():
    problems = validate_scorecard(
        {"infrastructure": 7, "deployment": 5, "monitoring": None, "automation": 2.5},
        {},
    )
    assert problems == [
        "Infrastructure: rating 7 is outside 1-5",
        "Model Deployment: a rating of 5 needs a note giving the evidence",
        "Monitoring: no rating given",
        "Automation: rating 2.5 is not a whole number from 1 to 5",
        "Governance: no rating given",
    ]


# Not assessed: a dimension the stage gave no evidence on, marked as such with a reason.
NO_GOVERNANCE = {"governance": "The take-home had no model registry or data versioning part"}


def test_a_dimension_marked_not_assessed_with_a_reason_is_valid():
    ratings, notes = valid_card()
    del ratings["governance"]
    assert validate_scorecard(ratings, notes, NO_GOVERNANCE) == []
    assert validate_scorecard({**ratings, "governance": None}, notes, NO_GOVERNANCE) == []


def test_an_untouched_dimension_still_blocks_the_card_when_another_is_not_assessed():
    ratings, notes = valid_card()
    del ratings["governance"], ratings["automation"]
    assert validate_scorecard(ratings, notes, NO_GOVERNANCE) == ["Automation: no rating given"]


@pytest.mark.parametrize("reason", [None, "", "  \t\n"])
def test_not_assessed_needs_a_reason(reason):
    ratings, notes = valid_card()
    del ratings["governance"]
    assert validate_scorecard(ratings, notes, {"governance": reason}) == [
        "Governance: marked not assessed without a reason; say why it could not be judged"]


def test_a_dimension_cannot_be_both_rated_and_not_assessed():
    ratings, notes = valid_card()
    problems = validate_scorecard({**ratings, "governance": 3}, notes, NO_GOVERNANCE)
    assert problems == ["Governance: marked not assessed but also rated 3; give a rating or mark it not assessed, "
                        "not both"]


def test_a_card_needs_at_least_one_rated_dimension():
    everything = {code: "The candidate left after ten minutes" for code in DIMENSION_CODES}
    assert validate_scorecard({}, {}, everything) == [
        "a scorecard needs at least one rated dimension; a stage that gave no evidence on any of them is not scored"]


def test_a_one_or_five_still_needs_its_note_beside_a_not_assessed_dimension():
    ratings, notes = valid_card()
    del ratings["governance"]
    ratings["monitoring"] = 5
    notes.pop("monitoring", None)
    assert validate_scorecard(ratings, notes, NO_GOVERNANCE) == [
        "Monitoring: a rating of 5 needs a note giving the evidence"]


def test_not_assessed_on_an_unknown_dimension_is_reported():
    ratings, notes = valid_card()
    problems = validate_scorecard(ratings, notes, {"culture": "not part of the rubric"})
    assert len(problems) == 1 and "unknown dimension 'culture'" in problems[0]


@given(st.fixed_dictionaries({c: st.integers(2, 4) for c in DIMENSION_CODES}))
def test_any_card_of_middle_ratings_is_valid(ratings):
    assert validate_scorecard(ratings, {}) == []


# --------------------------------------------------------------------------
# Default weights
# --------------------------------------------------------------------------


def test_default_weights_follow_the_seed_scorecard_and_total_100():
    assert dict(DEFAULT_WEIGHTS_PCT) == {
        "infrastructure": 25, "deployment": 25, "monitoring": 20,
        "automation": 20, "governance": 10,
    }
    assert sum(DEFAULT_WEIGHTS_PCT.values()) == 100
    assert tuple(DEFAULT_WEIGHTS_PCT) == DIMENSION_CODES


def test_default_weights_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        DEFAULT_WEIGHTS_PCT["governance"] = 50  # type: ignore[index]


# --------------------------------------------------------------------------
# Disagreement
# --------------------------------------------------------------------------


def test_disagreement_gap_is_two():
    assert DISAGREEMENT_GAP == 2


def test_a_two_point_spread_is_a_disagreement():
    found = disagreements({"ana": {"monitoring": 2}, "ben": {"monitoring": 4}})
    assert found == [("monitoring", 2, 4)]
    assert found[0].dimension == "monitoring" and found[0].low == 2 and found[0].high == 4


def test_a_one_point_spread_is_not_a_disagreement():
    assert disagreements({"ana": {"monitoring": 3}, "ben": {"monitoring": 4}}) == []


def test_disagreement_reports_the_extremes_across_many_reviewers():
    found = disagreements({
        "ana": {"deployment": 3, "governance": 1},
        "ben": {"deployment": 4, "governance": 2},
        "cy": {"deployment": 5, "governance": 2},
    })
    assert found == [("deployment", 3, 5)]


def test_disagreements_come_in_scorecard_order():
    found = disagreements({
        1: {"governance": 1, "infrastructure": 5, "automation": 3},
        2: {"governance": 5, "infrastructure": 1, "automation": 3},
    })
    assert [d.dimension for d in found] == ["infrastructure", "governance"]


def test_a_single_rating_or_missing_ratings_cannot_disagree():
    assert disagreements({"ana": {"monitoring": 1}}) == []
    assert disagreements({"ana": {"monitoring": 1}, "ben": {"monitoring": None}}) == []
    assert disagreements({"ana": {"monitoring": 1}, "ben": {}}) == []
    assert disagreements({}) == []


def test_disagreement_rejects_unknown_dimensions_and_bad_ratings():
    with pytest.raises(ValueError, match="unknown dimension"):
        disagreements({"ana": {"latency": 1}, "ben": {"latency": 5}})
    with pytest.raises(ValueError, match="'ben', monitoring"):
        disagreements({"ana": {"monitoring": 1}, "ben": {"monitoring": 9}})


def test_a_custom_gap_can_be_asked_for_but_not_below_one():
    ratings = {"ana": {"monitoring": 3}, "ben": {"monitoring": 4}}
    assert disagreements(ratings, gap=1) == [("monitoring", 3, 4)]
    with pytest.raises(ValueError):
        disagreements(ratings, gap=0)


@given(st.dictionaries(
    st.text(min_size=1, max_size=3),
    st.fixed_dictionaries({c: st.integers(1, 5) for c in DIMENSION_CODES}),
    max_size=6,
))
def test_disagreement_matches_the_spread_rule(by_reviewer):
    found = {d.dimension: (d.low, d.high) for d in disagreements(by_reviewer)}
    for code in DIMENSION_CODES:
        values = [r[code] for r in by_reviewer.values()]
        spread = max(values) - min(values) if values else 0
        if spread >= DISAGREEMENT_GAP:
            assert found[code] == (min(values), max(values))
        else:
            assert code not in found
