"""The fairness report and ``scorecard report fairness``: adverse impact per stage for auditors and admins
only, as of a date and period, the same bytes every time from the same data.

The figures are the agency layer's (checked by hand in ``tests/agency/test_fairness.py``); here the report
reads the right counts for the right people, keeps to its period, and the command writes it.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from scoring.agency.access import PermissionDenied
from scoring.agency.fairness import BELOW, NOT_STATED, REFERENCE, TOO_FEW
from scoring.agency.group_bias import LOWER, NO_CLEAR_DIFFERENCE
from scoring.cli import main
from scoring.reports.fairness import ALL_DIMENSIONS, BIAS_COLUMNS, COUNTING, fairness_report, to_json
from scoring.store import Database
from scoring.store import self_identification as store
from tests.conftest import DEMO_AS_OF, account


@pytest.fixture(scope="module")
def demo(demo_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("fairness") / "demo.duckdb"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture(scope="module")
def db(demo):
    with Database(demo) as handle:
        yield handle


@pytest.mark.parametrize("role", ["reviewer", "hiring_lead", "ops"])
def test_only_auditors_and_admins_get_the_report(db, role):
    with pytest.raises(PermissionDenied, match="read fairness is for: Auditor, Admin"):
        fairness_report(db, account(db, role), DEMO_AS_OF)


def test_the_auditor_sees_every_stage_and_the_planted_take_home_gap(db):
    report = fairness_report(db, account(db, "auditor"), DEMO_AS_OF)
    assert sorted(report.stages["stage_id"].unique()) == [1, 2, 3, 4]
    assert sorted(report.scoring["stage_id"].unique()) == [2, 3]
    take_home = report.stages[report.stages["stage_id"] == 3].set_index("group")
    assert take_home.loc["Male", "verdict"] == REFERENCE
    assert take_home.loc["Female", "ratio"] < 0.85           # about 0.75 on larger demos (tests/demo)
    assert take_home.loc["No answer", "verdict"] == NOT_STATED
    assert take_home.loc["Female", "stage"] == "Take-home assessment"


def test_the_stage_counts_behind_the_report_are_the_stores(db):
    auditor = account(db, "auditor")
    report = fairness_report(db, auditor, DEMO_AS_OF, grouping="race_ethnicity")
    counts = store.stage_counts(db, auditor, DEMO_AS_OF)
    assert report.stages.groupby("stage_id")["total"].sum().tolist() == \
        counts.groupby("stage_id")["decided"].sum().tolist()


def test_a_group_below_the_minimum_shows_no_ratio(db):
    report = fairness_report(db, account(db, "admin"), DEMO_AS_OF, grouping="sex_and_race")
    small = report.stages[report.stages["stated"] & (report.stages["total"] < report.min_size)]
    assert len(small) > 0
    assert set(small["verdict"]) == {TOO_FEW}
    assert small["ratio"].isna().all()


def test_the_period_narrows_what_is_counted(db):
    auditor = account(db, "auditor")
    whole = fairness_report(db, auditor, DEMO_AS_OF)
    spring = fairness_report(db, auditor, DEMO_AS_OF, date(2026, 3, 1), date(2026, 5, 31))
    assert 0 < spring.stages["total"].sum() < whole.stages["total"].sum()
    with pytest.raises(ValueError, match="starts"):
        fairness_report(db, auditor, DEMO_AS_OF, date(2026, 6, 1), date(2026, 5, 31))


def test_flagged_lists_the_rows_below_four_fifths(db):
    report = fairness_report(db, account(db, "auditor"), DEMO_AS_OF, min_size=5)
    assert set(report.flagged["verdict"]) <= {BELOW}
    assert set(report.flagged["measure"]) <= {"stage", "score"}


def test_the_command_writes_the_report_the_same_every_time(demo, db, tmp_path, capsys):
    arguments = ["report", "fairness", "--db", str(demo), "--account", "auditor@demo.example",
                 "--as-of", DEMO_AS_OF.isoformat(), "--by", "race_ethnicity", "--format", "json"]
    assert main([*arguments, "--out", str(tmp_path / "a.json")]) == 0
    assert main([*arguments, "--out", str(tmp_path / "b.json")]) == 0
    written = (tmp_path / "a.json").read_bytes()
    assert written == (tmp_path / "b.json").read_bytes()
    expected = fairness_report(db, account(db, "auditor"), DEMO_AS_OF, grouping="race_ethnicity")
    assert written == to_json(expected)
    document = json.loads(written)
    assert document["counting"] == COUNTING and document["min_group_size"] == 30 and document["min_group_share"] == 0.02
    assert "NaN" not in written.decode()                    # a missing figure is null
    assert {row["verdict"] for row in document["stages"]} >= {REFERENCE, NOT_STATED}


# -- reviewers who score one group differently ----------------------------------------------------------

def test_flagged_says_which_gaps_chance_is_unlikely_to_explain(db):
    flagged = fairness_report(db, account(db, "auditor"), DEMO_AS_OF, min_size=5).flagged
    assert (flagged["significant"] == (flagged["p_value"] < 0.05)).all()


def test_the_reviewer_group_table_lists_the_likeliest_bias_first_and_cells_too_few_to_judge_last(db):
    table = fairness_report(db, account(db, "auditor"), DEMO_AS_OF, grouping="race_ethnicity").reviewer_bias
    adjusted = table[BIAS_COLUMNS["p_adjusted"]]
    judged = adjusted.notna()
    assert judged.any() and (~judged).any()
    assert adjusted[judged].is_monotonic_increasing
    assert not judged[: judged.sum()].eq(False).any()          # every judged cell before the first unjudged one


def test_the_reviewer_group_table_reads_in_peoples_words(db):
    report = fairness_report(db, account(db, "auditor"), DEMO_AS_OF, grouping="race_ethnicity")
    table = report.reviewer_bias
    assert list(table.columns) == list(BIAS_COLUMNS.values())
    assert table.attrs["title"] == "Reviewers who score one group differently"
    assert "Benjamini-Hochberg" in table.attrs["explanation"]
    names = set(db.frame("SELECT display_name FROM accounts WHERE role = 'reviewer'")["display_name"])
    assert set(table["Reviewer"]) <= names
    assert ALL_DIMENSIONS in set(table["Dimension"]) and "Model Deployment" in set(table["Dimension"])
    assert {"Hispanic or Latino", "Asian"} <= set(table["Group"])
    assert "No answer" not in set(table["Group"])
    judged = table[table["Reading"] != "Too few to judge"]
    assert len(judged) and set(judged["Reading"]) <= {LOWER, NO_CLEAR_DIFFERENCE, "Scores this group higher"}
    assert (judged["95% low"] <= judged["Difference (rating points)"]).all()
    assert (judged["Difference (rating points)"] <= judged["95% high"]).all()


def test_the_reviewer_group_ratings_keep_to_the_period(db):
    auditor = account(db, "auditor")
    whole = fairness_report(db, auditor, DEMO_AS_OF, grouping="race_ethnicity").reviewer_bias
    spring = fairness_report(db, auditor, DEMO_AS_OF, date(2026, 3, 1), date(2026, 5, 31),
                             grouping="race_ethnicity").reviewer_bias
    overall = whole[whole["Dimension"] == ALL_DIMENSIONS]["Ratings"].sum()
    assert 0 < spring[spring["Dimension"] == ALL_DIMENSIONS]["Ratings"].sum() < overall
    stated = store.group_ratings(db, auditor, DEMO_AS_OF).query(
        "race_ethnicity.notna() and race_ethnicity != 'prefer_not_to_say'").shape[0]
    # every stated rating counts once, but those of an application rated all 1s or all 5s, which the model
    # can place only by convention (scoring.stats.bias)
    assert 0.98 * stated < overall <= stated


def test_the_json_carries_the_reviewer_group_rows_and_their_method(db):
    report = fairness_report(db, account(db, "auditor"), DEMO_AS_OF, grouping="race_ethnicity")
    document = json.loads(to_json(report))
    assert len(document["reviewer_bias"]) == len(report.reviewer_bias)
    assert set(document["reviewer_bias"][0]) == set(BIAS_COLUMNS)
    method = document["reviewer_bias_method"]
    assert method["correction"] == "Benjamini-Hochberg" and method["alpha"] == 0.05 and method["min_ratings"] == 30
    too_few = [row for row in document["reviewer_bias"] if row["verdict"] == "Too few to judge"]
    assert too_few and all(row["p_adjusted"] is None for row in too_few)


@pytest.mark.parametrize("email", ["ops@demo.example", "lead@demo.example", "reviewer@demo.example",
                                   "nobody@demo.example"])
def test_the_command_refuses_anyone_but_an_auditor_or_admin(demo, tmp_path, capsys, email):
    out = tmp_path / "f.json"
    code = main(["report", "fairness", "--db", str(demo), "--account", email, "--as-of", DEMO_AS_OF.isoformat(),
                 "--format", "json", "--out", str(out)])
    assert code == 1 and not out.exists()
    assert "not an active auditor or admin account" in capsys.readouterr().err
