"""The demo agency tells the seed's story: every figure of scoring.demo.targets, measured on a demo
with the functions the pages use (the ops, calibration and validity reports), lands within its
tolerance. The demo is built once, at the smallest scale the targets are stated for."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from scoring.demo import generator, pipeline
from scoring.demo.generator import (
    BIASED_AGAINST,
    BIASED_DIMENSION,
    VAGUE_DIMENSION,
    DemoConfig,
    biased_reviewer,
    build_demo,
    standout_reviewers,
)
from scoring.demo.targets import HOLDS_FROM_CANDIDATES, TARGETS
from scoring.domain.dimensions import DIMENSION_IDS, DIMENSION_NAMES
from scoring.domain.self_identification import PREFER_NOT_TO_SAY
from scoring.domain.stages import SCORED_STAGES
from scoring.reports.calibration import CalibrationReport, calibration_drift, calibration_report, default_filter
from scoring.reports.fairness import FairnessReport, fairness_report
from scoring.reports.ops import OpsReport, ops_report
from scoring.reports.validity import ValidityReport, validity_report
from scoring.store import Database, ratings
from scoring.store import self_identification as answers
from scoring.store.searches import SearchFilter
from tests.conftest import DEMO_AS_OF, account

#: The fairness page opens on the last year, within the months the planted unfairness acts.
LAST_YEAR = DEMO_AS_OF - timedelta(days=365)
TARGET_DEMO = DemoConfig(candidates=HOLDS_FROM_CANDIDATES, seed=11, as_of=DEMO_AS_OF)


@dataclass(frozen=True)
class Pages:
    """What the ops, calibration (per scored stage) and validity pages compute on the target demo."""

    ops: OpsReport
    calibration: dict[int, CalibrationReport]
    sessions: dict[int, pd.DataFrame]
    validity: ValidityReport
    reviewers: int
    fairness: FairnessReport
    group_ratings: pd.DataFrame


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Pages:
    path = tmp_path_factory.mktemp("target_demo") / "demo.duckdb"
    build_demo(path, TARGET_DEMO)
    with Database(path) as db:
        ops_staff, lead = account(db, "ops"), account(db, "hiring_lead")
        options = ratings.filter_options(db, lead)
        opening = {int(stage): default_filter(options["first"], options["last"], int(stage)) for stage in SCORED_STAGES}
        return Pages(
            ops=ops_report(db, ops_staff, SearchFilter(), DEMO_AS_OF),
            calibration={stage: calibration_report(db, lead, chosen) for stage, chosen in opening.items()},
            sessions={stage: calibration_drift(db, lead, chosen).session for stage, chosen in opening.items()},
            validity=validity_report(db, lead, SearchFilter(), DEMO_AS_OF),
            reviewers=int(db.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer'")),
            fairness=fairness_report(db, account(db, "auditor"), DEMO_AS_OF, LAST_YEAR, DEMO_AS_OF, grouping="sex"),
            group_ratings=answers.reviewer_group_ratings(db, account(db, "auditor"), DEMO_AS_OF, LAST_YEAR),
        )


def headline(key: str) -> Callable[[Pages], list[float]]:
    return lambda pages: [float(pages.ops.headline.set_index("key").loc[key, "figure"])]


def alphas(vague: bool) -> Callable[[Pages], list[float]]:
    """Alpha of the vague dimension, or of every other one, at every scored stage."""
    name = DIMENSION_NAMES[VAGUE_DIMENSION]

    def measure(pages: Pages) -> list[float]:
        values = []
        for report in pages.calibration.values():
            rows = report.agreement[(report.agreement["dimension"] == name) == vague]
            values.extend(rows["alpha"].astype(float))
        return values

    return measure


def auc(outcome: str) -> Callable[[Pages], list[float]]:
    return lambda pages: [float(pages.validity.headline(outcome)["auc"])]


def take_home_impact(pages: Pages) -> list[float]:
    stages = pages.fairness.stages
    return [float(stages[(stages["stage_id"] == 3) & (stages["group"] == "Female")]["ratio"].iloc[0])]


def reviewer_group_gap(pages: Pages) -> list[float]:
    """The biased reviewer's gap between the marked-down group and the other stated groups on the biased
    dimension, less the same gap over all other reviewers."""
    attribute, code = BIASED_AGAINST
    rows = pages.group_ratings
    rows = rows[(rows["dimension_id"] == DIMENSION_IDS[BIASED_DIMENSION]) & rows[attribute].notna()
                & (rows[attribute] != PREFER_NOT_TO_SAY)]

    def gap(part: pd.DataFrame) -> float:
        marked = part[attribute] == code
        return float(part[marked]["rating_sum"].sum() / part[marked]["ratings"].sum()
                     - part[~marked]["rating_sum"].sum() / part[~marked]["ratings"].sum())

    biased = rows["reviewer_id"] == biased_reviewer(pages.reviewers) + 1
    return [gap(rows[biased]) - gap(rows[~biased])]


#: Target key -> the figures it covers, as the pages compute them (several where it holds for each).
MEASURES: dict[str, Callable[[Pages], list[float]]] = {
    "shortlist_within_limit": headline("shortlist_time"),
    "shortlist_median_days": lambda pages: [float(pages.ops.shortlist["median_days"])],
    "shortlist_size": headline("shortlist_size"),
    "first_day_mean": headline("first_day"),
    "replacement_kept": headline("replacement"),
    "client_retention": headline("client_retention"),
    "dimension_alpha": alphas(vague=False),
    "governance_alpha": alphas(vague=True),
    "session_reviewers": lambda pages: [float(len(session)) for session in pages.sessions.values()],
    "auc_accepted": auc("accepted"),
    "auc_retained": auc("retained"),
    "auc_replaced": auc("replaced"),
    "take_home_impact_ratio": take_home_impact,
    "reviewer_group_gap": reviewer_group_gap,
}


def test_every_target_is_measured_and_sourced():
    assert set(MEASURES) == set(TARGETS)
    for target in TARGETS.values():
        assert target.tolerance >= 0 and target.low <= target.figure <= target.high, target.key
        assert target.source and target.measured and target.unit, target.key


@pytest.mark.parametrize("key", list(TARGETS))
def test_the_demo_lands_on_its_target(pages, key):
    target = TARGETS[key]
    values = MEASURES[key](pages)
    assert values, f"{key}: nothing measured"
    missed = [round(v, 3) for v in values if not target.holds(v)]
    assert not missed, f"{target.name}: {missed} outside {target.low:g}-{target.high:g} {target.unit} ({target.source})"


def test_promises_are_mostly_kept_with_breaches_to_find(pages):
    """Most promises met, a handful of breaches on the list for ops staff to open."""
    status = pages.ops.headline.set_index("key")["status"]
    assert status["first_day"] == "met" and status["client_retention"] == "met"
    counts = pages.ops.breaches["promise"].value_counts()
    for key in ("shortlist_time", "shortlist_size", "replacement"):
        assert counts.get(key, 0) >= 1, key


def test_governance_is_the_dimension_calibration_flags(pages):
    name = DIMENSION_NAMES[VAGUE_DIMENSION]
    for stage, report in pages.calibration.items():
        flagged = report.agreement.loc[report.agreement["band"] == "unreliable", "dimension"].tolist()
        assert flagged == [name], stage
        assert report.agreement.set_index("dimension")["alpha"].idxmin() == name, stage


def test_the_session_list_names_the_lenient_drifting_and_erratic_reviewers(pages):
    lenient, drifting, erratic = (position + 1 for position in standout_reviewers(pages.reviewers))
    for stage, report in pages.calibration.items():
        session = pages.sessions[stage].set_index("reviewer_id")
        assert sorted(session.index) == sorted([lenient, drifting, erratic]), stage
        assert session.loc[lenient, "lenient"], stage
        assert session.loc[drifting, "severity_drift"] and session.loc[drifting, "harsh"] is not None, stage
        assert session.loc[erratic, "fit"], stage
        erratic_row = report.reviewers.set_index("reviewer_id").loc[erratic]
        assert erratic_row["flag"] == "erratic", stage


def test_scores_relate_to_outcomes_with_intervals_clear_of_chance(pages):
    for outcome in ("accepted", "retained", "replaced"):
        row = pages.validity.headline(outcome)
        assert row["ci_low"] > 0.5, (outcome, row.to_dict())


# -- how the demo is put together ------------------------------------------------------------------

def _imported_modules(module) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_pipeline_walk_does_not_import_the_generator():
    """One direction only: the generator drives the pipeline walk, which reads what it is given."""
    assert "scoring.demo.pipeline" in _imported_modules(generator)
    assert not {name for name in _imported_modules(pipeline) if name.startswith("scoring.demo")}


def test_the_vocabulary_comes_from_the_domain_layer():
    from scoring.domain import dimensions, seniorities

    for module in (generator, pipeline):
        imported = _imported_modules(module)
        assert "scoring.domain.dimensions" in imported or "scoring.domain.stages" in imported, module.__name__
        assert "scoring.agency.rubric" not in imported
    assert tuple(generator.SENIORITIES) == seniorities.SENIORITIES
    assert set(generator.DIFFICULTY) == set(dimensions.DIMENSION_CODES)
    assert VAGUE_DIMENSION in dimensions.DIMENSION_CODES
    assert set(pipeline.SECOND_WEIGHTS_PCT) == set(dimensions.DIMENSION_CODES)
    assert set(pipeline.WEEKLY_RATE_BAND) == set(seniorities.SENIORITIES)
    assert pd.Series(pipeline.SECOND_WEIGHTS_PCT).sum() == 100


def test_the_demo_answers_in_the_domain_vocabulary():
    from scoring.domain.self_identification import RACE_ETHNICITY, SEX

    assert {code for code, _ in generator.SEX_SHARES} == set(SEX)
    assert {code for code, _ in generator.RACE_SHARES} == set(RACE_ETHNICITY)
    assert BIASED_DIMENSION in DIMENSION_IDS and BIASED_AGAINST[1] in RACE_ETHNICITY


def test_only_the_planted_stage_falls_below_four_fifths_by_sex(pages):
    flagged = pages.fairness.stages[pages.fairness.stages["verdict"] == "Below four-fifths"]
    assert flagged[["stage_id", "group"]].values.tolist() == [[3, "Female"]]
