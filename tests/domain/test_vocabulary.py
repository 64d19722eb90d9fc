"""The domain layer on its own: it depends on nothing else in the project, its records agree with
each other, and the sentences people read are built from its numbers."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import scoring.domain
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT, DIMENSION_CODES, DIMENSION_IDS, DIMENSIONS, dimension
from scoring.domain.promises import CLIENT_HORIZON, PLACEMENT_HORIZON, PROMISES, SHORTLIST_STAGE
from scoring.domain.ratings import LEVEL_LABELS, LEVELS, NOTE_REQUIRED_LEVELS, RATING_MAX, RATING_MIN
from scoring.domain.stages import SCORED_STAGES, Stage
from scoring.domain.thresholds import CALIBRATION_THRESHOLDS, DRIFT_MIN_Z, SEVERITY_DRIFT
from scoring.domain.tools import (
    CATEGORIES,
    CATEGORY_LABELS,
    REQUIRED_CATEGORIES,
    TOOL_ALIASES,
    TOOL_CATALOGUE,
    TOOL_CATEGORY,
    TOOLS,
)

DOMAIN_DIR = Path(scoring.domain.__file__).parent
MODULES = sorted(info.name for info in pkgutil.iter_modules([str(DOMAIN_DIR)]))


@pytest.mark.parametrize("name", MODULES)
def test_the_domain_imports_nothing_else_from_the_project(name):
    tree = ast.parse((DOMAIN_DIR / f"{name}.py").read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    outside = [module for module in imported
               if module.split(".")[0] == "scoring" and not module.startswith("scoring.domain")]
    assert outside == []


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_run_as_documented(name):
    failures, _ = doctest.testmod(importlib.import_module(f"scoring.domain.{name}"))
    assert failures == 0


def test_dimension_ids_come_from_the_dimensions_themselves():
    assert dict(DIMENSION_IDS) == {d.code: d.id for d in DIMENSIONS}
    assert tuple(DEFAULT_WEIGHTS_PCT) == DIMENSION_CODES
    assert sum(DEFAULT_WEIGHTS_PCT.values()) == 100
    with pytest.raises(ValueError, match="unknown dimension 'latency'; valid: infrastructure"):
        dimension("latency")


def test_the_rating_scale_and_its_rules():
    assert LEVELS == (1, 2, 3, 4, 5) and (RATING_MIN, RATING_MAX) == (1, 5)
    assert set(LEVEL_LABELS) == set(LEVELS)
    assert NOTE_REQUIRED_LEVELS == {RATING_MIN, RATING_MAX}


def test_scored_stages_are_the_interview_and_the_take_home():
    assert SCORED_STAGES == (Stage.INCIDENT_INTERVIEW, Stage.TAKE_HOME)
    assert [s for s in Stage if s.is_scored] == list(SCORED_STAGES)
    assert SHORTLIST_STAGE == Stage.CLIENT_SHORTLIST == 4


def test_the_tool_catalogue_is_numbered_in_order_and_consistent():
    assert [t.id for t in TOOLS] == list(range(1, len(TOOLS) + 1))
    assert len(TOOLS) == 29 and tuple(TOOL_CATALOGUE) == CATEGORIES == tuple(CATEGORY_LABELS)
    assert {t.name: t.category for t in TOOLS} == dict(TOOL_CATEGORY)
    assert set(REQUIRED_CATEGORIES) == {"orchestration", "experiment_tracking", "serving"}
    assert set(TOOL_ALIASES.values()) <= set(TOOL_CATEGORY)


def test_promises_state_their_own_numbers():
    for promise in PROMISES.values():
        for number in (promise.target, promise.limit):
            if number is not None and promise.key != "client_retention":
                assert f"{number:g}" in promise.name, promise.key
    assert PROMISES["client_retention"].name.startswith(f"{PROMISES['client_retention'].target:.0%}")
    assert PROMISES["client_retention"].horizon is CLIENT_HORIZON
    assert PROMISES["placement_retention"].horizon is PLACEMENT_HORIZON
    assert str(CLIENT_HORIZON) in PROMISES["client_retention"].name
    assert str(PLACEMENT_HORIZON) in PROMISES["placement_retention"].name


def test_every_threshold_has_a_unit_meaning_and_source():
    everything = (*CALIBRATION_THRESHOLDS, SEVERITY_DRIFT, DRIFT_MIN_Z)
    assert all(t.unit and t.meaning.strip() and t.source.strip() for t in everything)
    assert len({t.name for t in everything}) == len(everything)
    assert (SEVERITY_DRIFT.value, DRIFT_MIN_Z.value) == (0.5, 1.96)
