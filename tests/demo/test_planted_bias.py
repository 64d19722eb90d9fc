"""On the demo, the Fairness audit finds the reviewer the generator made to mark one group down, and no one else.

The demo plants one ordinary reviewer who rates Hispanic or Latino candidates about half a point lower on
Model Deployment over its last 18 months (scoring.demo.generator: BIASED_AGAINST, BIASED_DIMENSION,
biased_reviewer). The page opens on the last year grouped as chosen; grouped by race/ethnicity, the
reviewer x group analysis must flag that reviewer, group and dimension. The demo is the smallest at which
the targets hold (20,000 candidates, 16 reviewers): there the planted cell holds about 150 ratings, while at
the test suite's small demo (3,000) it holds too few to tell half a point from chance.
"""

from __future__ import annotations

import pytest

from scoring.agency.group_bias import LOWER
from scoring.demo.generator import BIASED_AGAINST, BIASED_DIMENSION, DemoConfig, biased_reviewer, build_demo
from scoring.demo.targets import HOLDS_FROM_CANDIDATES
from scoring.domain.dimensions import DIMENSION_NAMES
from scoring.domain.self_identification import CATEGORIES
from scoring.reports.fairness import BIAS_COLUMNS, fairness_report
from scoring.store import Database
from tests.conftest import DEMO_AS_OF, account
from tests.demo.test_targets import LAST_YEAR

pytestmark = pytest.mark.slow
C = BIAS_COLUMNS


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Database:
    path = tmp_path_factory.mktemp("planted_bias") / "demo.duckdb"
    build_demo(path, DemoConfig(candidates=HOLDS_FROM_CANDIDATES, seed=11, as_of=DEMO_AS_OF))
    with Database(path) as db:
        yield db


def test_the_planted_reviewer_is_the_one_flagged(demo):
    reviewers = int(demo.scalar("SELECT count(*) FROM accounts WHERE role = 'reviewer'"))
    name = demo.scalar("SELECT display_name FROM accounts WHERE account_id = ?", [biased_reviewer(reviewers) + 1])
    attribute, code = BIASED_AGAINST
    report = fairness_report(demo, account(demo, "auditor"), DEMO_AS_OF, LAST_YEAR, DEMO_AS_OF, grouping=attribute)
    flagged = report.bias_flagged
    assert flagged[[C["reviewer"], C["group"], C["dimension"]]].values.tolist() == [
        [name, CATEGORIES[attribute][code], DIMENSION_NAMES[BIASED_DIMENSION]]]
    row = flagged.iloc[0]
    assert row[C["verdict"]] == LOWER
    assert -0.6 < row[C["difference"]] < -0.2 and row[C["difference_high"]] < 0
    assert row[C["p_adjusted"]] < 0.05 and row[C["ratings"]] >= 100
