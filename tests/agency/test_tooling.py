"""Specification of the stage-1 pipeline and tooling audit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.agency.tooling import ToolingVerdict, evaluate_tooling, resolve_tool
from scoring.domain.tools import CATEGORIES, CATEGORY_LABELS, REQUIRED_CATEGORIES, TOOL_CATALOGUE, TOOL_CATEGORY

ALL_TOOLS = tuple(TOOL_CATEGORY)


def one_verified_each():
    return [("Airflow", True), ("MLflow", True), ("BentoML", True)]


def two_verified_each():
    return one_verified_each() + [("Prefect", True), ("Neptune", True), ("Triton", True)]


# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------


def test_catalogue_has_the_agreed_categories_and_tools():
    assert dict(TOOL_CATALOGUE) == {
        "orchestration": ("Kubeflow", "Airflow", "Prefect", "Dagster"),
        "experiment_tracking": ("MLflow", "Weights & Biases", "Neptune"),
        "serving": ("Triton", "BentoML", "Seldon", "TorchServe", "TensorFlow Serving", "KServe"),
        "monitoring": ("Evidently", "Arize", "WhyLabs", "Fiddler"),
        "feature_store": ("Feast", "Tecton", "Hopsworks", "Databricks Feature Store"),
        "data_versioning": ("DVC", "LakeFS"),
        "ci_cd": ("GitHub Actions", "Jenkins", "GitLab CI"),
        "cloud_ml": ("SageMaker", "Vertex AI", "Azure ML"),
    }
    assert len(TOOL_CATEGORY) == 29


def test_every_category_has_a_label_and_the_required_ones_are_the_audit_three():
    assert set(CATEGORY_LABELS) == set(CATEGORIES)
    assert all(label.strip() for label in CATEGORY_LABELS.values())
    assert REQUIRED_CATEGORIES == ("orchestration", "experiment_tracking", "serving")


@pytest.mark.parametrize("spelling, expected", [
    ("MLflow", ("experiment_tracking", "MLflow")),
    ("  mlflow ", ("experiment_tracking", "MLflow")),
    ("tensorflow   serving", ("serving", "TensorFlow Serving")),
    ("Evidently AI", ("monitoring", "Evidently")),
    ("Whylogs", ("monitoring", "WhyLabs")),
    ("AWS SageMaker", ("cloud_ml", "SageMaker")),
])
def test_tool_names_resolve_to_their_catalogue_spelling(spelling, expected):
    assert resolve_tool(spelling) == expected


# --------------------------------------------------------------------------
# Minimum and strict bars
# --------------------------------------------------------------------------


def test_one_verified_tool_in_each_required_category_passes_the_minimum_only():
    v = evaluate_tooling(one_verified_each())
    assert v.passes_minimum is True
    assert v.passes_strict is False
    assert v.missing == ()
    assert len(v.strict_missing) == 3


def test_two_verified_tools_in_each_required_category_pass_the_strict_bar():
    v = evaluate_tooling(two_verified_each())
    assert v.passes_minimum and v.passes_strict
    assert v.missing == () and v.strict_missing == ()
    assert {c: v.verified_counts[c] for c in REQUIRED_CATEGORIES} == {
        "orchestration": 2, "experiment_tracking": 2, "serving": 2,
    }


def test_strict_needs_two_in_every_required_category_not_in_total():
    evidence = [("Airflow", True), ("Prefect", True), ("Kubeflow", True),
                ("MLflow", True), ("Neptune", True), ("Triton", True)]
    v = evaluate_tooling(evidence)
    assert v.passes_minimum and not v.passes_strict
    assert v.strict_missing == ("serving: 1 verified tool (Triton), 2 needed",)


def test_a_required_category_with_nothing_fails():
    v = evaluate_tooling([("Airflow", True), ("MLflow", True)])
    assert not v.passes_minimum
    assert v.missing == ("serving: no verified tool (none claimed)",)


def test_optional_categories_do_not_make_up_for_a_required_one():
    evidence = [("Airflow", True), ("MLflow", True), ("Evidently", True), ("Feast", True),
                ("DVC", True), ("Jenkins", True), ("SageMaker", True)]
    v = evaluate_tooling(evidence)
    assert not v.passes_minimum
    assert v.verified_counts["monitoring"] == 1


def test_no_evidence_fails_every_required_category():
    v = evaluate_tooling([])
    assert not v.passes_minimum and not v.passes_strict
    assert [m.split(":")[0] for m in v.missing] == list(REQUIRED_CATEGORIES)


# --------------------------------------------------------------------------
# Unverified claims
# --------------------------------------------------------------------------


def test_a_claimed_but_unverified_tool_does_not_count():
    v = evaluate_tooling([("Airflow", True), ("MLflow", True), ("BentoML", False)])
    assert not v.passes_minimum
    assert v.verified_counts["serving"] == 0
    assert v.claimed_counts["serving"] == 1
    assert v.missing == ("serving: no verified tool (claimed: BentoML, unverified)",)


def test_several_unverified_claims_are_all_named():
    v = evaluate_tooling([("Airflow", True), ("MLflow", True),
                          ("Seldon", False), ("BentoML", False), ("KServe", False)])
    assert v.missing == ("serving: no verified tool (claimed: BentoML, Seldon and KServe, unverified)",)


def test_an_unverified_second_tool_does_not_reach_the_strict_bar():
    v = evaluate_tooling(two_verified_each()[:-1] + [("Triton", False)])
    assert v.passes_minimum and not v.passes_strict
    assert v.strict_missing == (
        "serving: 1 verified tool (BentoML), 2 needed (claimed: Triton, unverified)",
    )


def test_counts_cover_every_category_and_claimed_includes_verified():
    v = evaluate_tooling([("Airflow", True), ("Prefect", False), ("DVC", False)])
    assert set(v.verified_counts) == set(CATEGORIES) == set(v.claimed_counts)
    assert v.verified_counts["orchestration"] == 1
    assert v.claimed_counts["orchestration"] == 2
    assert v.claimed_counts["data_versioning"] == 1
    assert v.verified_counts["cloud_ml"] == 0
    assert v.verified_tools["orchestration"] == ("Airflow",)
    assert v.unverified_tools["orchestration"] == ("Prefect",)


def test_a_tool_listed_twice_counts_once_and_is_verified_if_any_row_is():
    v = evaluate_tooling([("MLflow", False), ("mlflow", True), ("MLflow", False)])
    assert v.verified_counts["experiment_tracking"] == 1
    assert v.claimed_counts["experiment_tracking"] == 1


# --------------------------------------------------------------------------
# Evidence shapes
# --------------------------------------------------------------------------


def test_evidence_may_name_the_category_with_the_tool():
    v = evaluate_tooling([(("orchestration", "Airflow"), True),
                          (("experiment_tracking", "MLflow"), True),
                          (("serving", "Triton"), True)])
    assert v.passes_minimum


def test_evidence_may_be_a_dataframe():
    frame = pd.DataFrame({
        "category": ["orchestration", "experiment_tracking", "serving", "serving"],
        "tool": ["Dagster", "Weights & Biases", "KServe", "Seldon"],
        "verified": np.array([True, True, False, True]),
    })
    v = evaluate_tooling(frame)
    assert v.passes_minimum and not v.passes_strict
    assert v.verified_tools["serving"] == ("Seldon",)
    assert v.unverified_tools["serving"] == ("KServe",)


def test_the_three_shapes_give_the_same_verdict():
    rows = [("Kubeflow", True), ("Neptune", True), ("TorchServe", False)]
    frame = pd.DataFrame(
        [(TOOL_CATEGORY[t], t, ok) for t, ok in rows], columns=["category", "tool", "verified"]
    )
    assert evaluate_tooling(rows) == evaluate_tooling(frame) == evaluate_tooling(dict(rows))


def test_a_frame_without_the_needed_columns_is_refused():
    with pytest.raises(ValueError, match="category, tool, verified"):
        evaluate_tooling(pd.DataFrame({"name": ["MLflow"], "ok": [True]}))


@pytest.mark.parametrize("flag", [None, "yes", 1])
def test_verified_must_be_a_boolean(flag):
    with pytest.raises(ValueError, match="verified must be True or False"):
        evaluate_tooling([("MLflow", flag)])


def test_a_malformed_row_is_refused():
    with pytest.raises(ValueError, match="not a pair"):
        evaluate_tooling([("MLflow",)])


# --------------------------------------------------------------------------
# Unknown tools and categories
# --------------------------------------------------------------------------


def test_an_unknown_tool_is_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match="unknown tool 'Kubernetes'; valid tools: Kubeflow, Airflow"):
        evaluate_tooling([("Kubernetes", True)])


def test_an_unknown_category_is_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match="unknown tool category 'labelling'; valid categories: orchestration"):
        evaluate_tooling([(("labelling", "Label Studio"), True)])


def test_an_unknown_tool_in_a_known_category_names_that_category_s_tools():
    with pytest.raises(ValueError, match="unknown serving tool 'Flask'; valid: Triton, BentoML"):
        evaluate_tooling([(("serving", "Flask"), True)])


def test_a_tool_filed_under_the_wrong_category_is_refused():
    with pytest.raises(ValueError, match="'MLflow' is an experiment_tracking tool, not serving"):
        evaluate_tooling([(("serving", "MLflow"), True)])


def test_an_unknown_tool_in_a_frame_is_refused():
    frame = pd.DataFrame({"category": ["serving"], "tool": ["Flask"], "verified": [True]})
    with pytest.raises(ValueError, match="Flask"):
        evaluate_tooling(frame)


# --------------------------------------------------------------------------
# The verdict
# --------------------------------------------------------------------------


def test_the_verdict_is_immutable():
    v = evaluate_tooling(one_verified_each())
    assert isinstance(v, ToolingVerdict)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.passes_minimum = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        v.verified_counts["serving"] = 9  # type: ignore[index]


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

evidence_rows = st.lists(st.tuples(st.sampled_from(ALL_TOOLS), st.booleans()), max_size=25)


@given(evidence_rows, st.sampled_from(ALL_TOOLS))
def test_adding_a_verified_tool_never_turns_a_pass_into_a_fail(rows, extra):
    before = evaluate_tooling(rows)
    after = evaluate_tooling(rows + [(extra, True)])
    assert after.passes_minimum >= before.passes_minimum
    assert after.passes_strict >= before.passes_strict
    for category in CATEGORIES:
        assert after.verified_counts[category] >= before.verified_counts[category]


@given(evidence_rows, st.sampled_from(ALL_TOOLS))
def test_adding_an_unverified_claim_never_changes_the_verdict(rows, extra):
    before = evaluate_tooling(rows)
    after = evaluate_tooling(rows + [(extra, False)])
    assert (after.passes_minimum, after.passes_strict) == (before.passes_minimum, before.passes_strict)
    assert after.verified_counts == before.verified_counts


@given(evidence_rows)
def test_verdict_is_consistent_with_its_counts(rows):
    v = evaluate_tooling(rows)
    assert v.passes_strict <= v.passes_minimum
    assert v.passes_minimum == all(v.verified_counts[c] >= 1 for c in REQUIRED_CATEGORIES)
    assert v.passes_strict == all(v.verified_counts[c] >= 2 for c in REQUIRED_CATEGORIES)
    assert v.passes_minimum == (v.missing == ())
    for category in CATEGORIES:
        assert 0 <= v.verified_counts[category] <= v.claimed_counts[category]


@given(evidence_rows, st.randoms())
def test_row_order_does_not_matter(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert evaluate_tooling(shuffled) == evaluate_tooling(rows)
