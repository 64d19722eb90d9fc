"""Funnel counts on a hand-built set of applications where every figure is known in advance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.agency.funnel import FUNNEL_COLUMNS, FUNNEL_RULES, add_entry_month, funnel_table, stalled
from scoring.stats.intervals import wilson_interval

AS_OF = "2025-02-01"

# (application_id, client_id, stage_id, entered_on, decided_on, decision); dates are in January 2025.
PATHS = [
    (1, 10, 1, "01", "03", "pass"), (1, 10, 2, "04", "09", "pass"), (1, 10, 3, "10", "20", "pass"),
    (1, 10, 4, "21", "23", "pass"),                                   # all the way
    (2, 10, 1, "01", "05", "pass"), (2, 10, 2, "06", "08", "fail"),   # fails stage 2
    (3, 10, 1, "02", "04", "fail"),                                   # fails stage 1
    (4, 10, 1, "02", "04", "pass"), (4, 10, 2, "05", None, None),     # waiting at stage 2
    (5, 20, 1, "03", None, None),                                     # waiting at stage 1
    (6, 20, 1, "03", "07", "pass"), (6, 20, 3, "08", "18", "fail"),   # skips stage 2
    (7, 20, 1, "04", "06", "pass"),                                   # passes, never moves on
    (8, 20, 1, "05", "06", "pass"), (8, 20, 2, "07", "10", "pass"), (8, 20, 3, "11", None, None),
]


def day(value):
    return None if value is None else f"2025-01-{value}"


@pytest.fixture
def decisions() -> pd.DataFrame:
    rows = [(a, c, s, day(e), day(d), x) for a, c, s, e, d, x in PATHS]
    frame = pd.DataFrame(rows, columns=["application_id", "client_id", "stage_id", "entered_on", "decided_on",
                                        "decision"])
    frame["entered_on"] = pd.to_datetime(frame["entered_on"])
    frame["decided_on"] = pd.to_datetime(frame["decided_on"])
    return frame


def by_stage(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("stage_id")


def test_counts_per_stage(decisions):
    table = by_stage(funnel_table(decisions, as_of=AS_OF))
    counts = table[["entered", "decided", "passed", "failed", "open", "dropped"]]
    assert counts.loc[1].tolist() == [8, 7, 6, 1, 1, 2]   # dropped: 3 failed, 7 passed but stopped
    assert counts.loc[2].tolist() == [4, 3, 2, 1, 1, 1]   # 6 skipped stage 2; dropped: 2
    assert counts.loc[3].tolist() == [3, 2, 1, 1, 1, 1]   # dropped: 6
    assert counts.loc[4].tolist() == [1, 1, 1, 0, 0, 0]


def test_rates(decisions):
    table = by_stage(funnel_table(decisions, as_of=AS_OF))
    assert table["pass_rate"].tolist() == pytest.approx([6 / 7, 2 / 3, 1 / 2, 1.0])
    assert table.loc[[1, 2, 3], "drop_off"].tolist() == pytest.approx([2 / 7, 1 / 3, 1 / 2])
    assert np.isnan(table.loc[4, "drop_off"])  # the last stage has no drop-off
    low, high = wilson_interval(table["passed"], table["decided"])
    np.testing.assert_array_equal(table["pass_rate_low"], low)
    np.testing.assert_array_equal(table["pass_rate_high"], high)


def test_days_in_stage_with_ties(decisions):
    table = by_stage(funnel_table(decisions, as_of=AS_OF))
    # Stage 1 decided durations: 2, 4, 2, 2, 4, 2, 1 -> sorted 1 2 2 2 2 4 4; p90 at position 5.4.
    assert table.loc[1, ["days_median", "days_p90"]].tolist() == [2.0, 4.0]
    # Stage 2: 5, 2, 3 -> median 3, p90 = 3 + 0.8 * (5 - 3).
    assert table.loc[2, ["days_median", "days_p90"]].tolist() == pytest.approx([3.0, 4.6])
    assert table.loc[3, ["days_median", "days_p90"]].tolist() == [10.0, 10.0]  # a tie
    assert table.loc[4, ["days_median", "days_p90"]].tolist() == [2.0, 2.0]


def test_open_ages(decisions):
    table = by_stage(funnel_table(decisions, as_of=AS_OF))
    assert table.loc[1, "open_age_median"] == 29  # application 5, since 3 January
    assert table.loc[2, "open_age_median"] == 27  # application 4, since 5 January
    assert table.loc[3, "open_age_median"] == 21  # application 8, since 11 January
    assert np.isnan(table.loc[4, "open_age_median"])
    without_date = funnel_table(decisions)
    assert without_date["open_age_median"].isna().all()


def test_columns_and_types(decisions):
    table = funnel_table(decisions, by="client_id", as_of=AS_OF)
    assert list(table.columns) == ["client_id", *FUNNEL_COLUMNS]
    for column in ("entered", "decided", "passed", "failed", "open", "dropped"):
        assert table[column].dtype == "int64"


def test_grouped_every_stage_present(decisions):
    table = funnel_table(decisions, by="client_id", as_of=AS_OF).set_index(["client_id", "stage_id"])
    assert len(table) == 8
    assert table.loc[(10, 1), ["entered", "decided", "passed"]].tolist() == [4, 4, 3]
    assert table.loc[(20, 1), ["entered", "decided", "passed", "open"]].tolist() == [4, 3, 3, 1]
    empty = table.loc[(20, 4)]
    assert empty[["entered", "decided", "passed"]].tolist() == [0, 0, 0]
    assert np.isnan(empty["pass_rate"]) and np.isnan(empty["pass_rate_low"]) and np.isnan(empty["days_median"])
    # Group rows add up to the ungrouped table.
    total = funnel_table(decisions, as_of=AS_OF).set_index("stage_id")
    summed = table.groupby(level="stage_id")[["entered", "decided", "passed", "failed", "open", "dropped"]].sum()
    pd.testing.assert_frame_equal(summed, total[summed.columns])


def test_rule_first_entry_counts_once():
    rows = pd.DataFrame({
        "application_id": [1, 1],
        "stage_id": [1, 1],
        "entered_on": ["2025-01-10", "2025-01-01"],  # the second row is the first entry
        "decided_on": ["2025-01-12", "2025-01-02"],
        "decision": ["fail", "pass"],
    })
    stage = by_stage(funnel_table(rows)).loc[1]
    assert stage[["entered", "decided", "passed", "failed"]].tolist() == [1, 1, 1, 0]
    assert stage["days_median"] == 1


def test_rule_moving_backwards_is_not_a_pass():
    # Application 1 was at the take-home (stage 3) from 5 January, then sent back to the
    # interview (stage 2) on 8 January, which it passed; it has not gone forward since.
    rows = pd.DataFrame({
        "application_id": [1, 1],
        "stage_id": [3, 2],
        "entered_on": ["2025-01-05", "2025-01-08"],
        "decided_on": [None, "2025-01-09"],
        "decision": [None, "pass"],
    })
    table = by_stage(funnel_table(rows, as_of="2025-01-20"))
    assert table.loc[3, ["entered", "passed", "failed", "open"]].tolist() == [1, 0, 0, 1]
    # Stage 3 was entered before stage 2, so the pass at stage 2 did not lead on: dropped.
    assert table.loc[2, ["passed", "dropped"]].tolist() == [1, 1]


def test_rule_skipped_stage_does_not_count(decisions):
    table = by_stage(funnel_table(decisions[decisions["application_id"] == 6]))
    assert table["entered"].tolist() == [1, 0, 1, 0]
    assert table.loc[1, "dropped"] == 0  # skipping stage 2 is still moving on


def test_rule_open_is_not_failed(decisions):
    open_only = decisions[decisions["decision"].isna()]
    table = by_stage(funnel_table(open_only, as_of=AS_OF))
    assert table["failed"].sum() == 0 and table["dropped"].sum() == 0
    assert table["pass_rate"].isna().all() and table["drop_off"].isna().all()
    assert table["open"].tolist() == [1, 1, 1, 0]


def test_rules_are_plain_sentences():
    assert len(FUNNEL_RULES) >= 4
    assert all(isinstance(rule, str) and rule.endswith(".") for rule in FUNNEL_RULES)


def test_reviewer_grouping_counts_each_reviewer_once_and_progress_per_application():
    # Two reviewers assessed stage 2 of application 1; only reviewer 9 saw stage 3.
    rows = pd.DataFrame({
        "application_id": [1, 1, 1],
        "stage_id": [2, 2, 3],
        "reviewer_id": [8, 9, 9],
        "entered_on": ["2025-01-01", "2025-01-01", "2025-01-05"],
        "decided_on": ["2025-01-04", "2025-01-04", None],
        "decision": ["pass", "pass", None],
    })
    table = funnel_table(rows, by="reviewer_id").set_index(["reviewer_id", "stage_id"])
    assert table.loc[(8, 2), ["entered", "passed", "dropped"]].tolist() == [1, 1, 0]
    assert table.loc[(9, 2), ["entered", "passed", "dropped"]].tolist() == [1, 1, 0]
    assert table.loc[(9, 3), "open"] == 1


def test_entry_month_cohorts(decisions):
    late = pd.DataFrame({
        "application_id": [9, 9], "client_id": [10, 10], "stage_id": [1, 2],
        "entered_on": pd.to_datetime(["2025-01-31", "2025-02-03"]),
        "decided_on": pd.to_datetime(["2025-02-02", None]), "decision": ["pass", None],
    })
    cohorts = add_entry_month(pd.concat([decisions, late], ignore_index=True))
    assert cohorts.loc[cohorts["application_id"] == 9, "entry_month"].tolist() == ["2025-01", "2025-01"]
    table = funnel_table(cohorts, by="entry_month", as_of=AS_OF)
    assert table["entry_month"].unique().tolist() == ["2025-01"]
    assert table.loc[table["stage_id"] == 1, "entered"].item() == 9


def test_empty_input_gives_four_empty_stages():
    empty = pd.DataFrame(columns=["application_id", "stage_id", "entered_on", "decided_on", "decision"])
    table = funnel_table(empty)
    assert table["stage_id"].tolist() == [1, 2, 3, 4]
    assert table["entered"].tolist() == [0, 0, 0, 0]
    assert table["pass_rate"].isna().all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stage_id": 5}, "stage_id"),
        ({"decision": "maybe"}, "decision must be"),
        ({"decision": None}, "both present or both missing"),
        ({"decided_on": pd.Timestamp("2024-12-01")}, "precedes"),
    ],
)
def test_impossible_rows_raise(decisions, change, message):
    bad = decisions.copy()
    for column, value in change.items():
        bad[column] = bad[column].astype(object)
        bad.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        funnel_table(bad)


def test_missing_column_raises(decisions):
    with pytest.raises(ValueError, match="lacks column"):
        funnel_table(decisions.drop(columns="decision"))
    with pytest.raises(ValueError, match="lacks column"):
        funnel_table(decisions, by="seniority")


def test_stalled_longest_waits_per_stage(decisions):
    extra = pd.DataFrame({
        "application_id": [0, 5], "client_id": [30, 20], "stage_id": [1, 1],
        "entered_on": pd.to_datetime(["2025-01-03", "2025-01-03"]),  # 0 ties with 5; 5 duplicated
        "decided_on": pd.NaT, "decision": None,
    })
    rows = pd.concat([decisions, extra], ignore_index=True)
    result = stalled(rows, AS_OF, top=5)
    assert result[["stage_id", "rank", "application_id", "age_days"]].values.tolist() == [
        [1, 1, 0, 29], [1, 2, 5, 29], [2, 1, 4, 27], [3, 1, 8, 21],
    ]
    assert result["client_id"].tolist() == [30, 20, 10, 20]  # carried through for drill-down
    assert stalled(rows, AS_OF, top=1)["application_id"].tolist() == [0, 4, 8]
    with pytest.raises(ValueError, match="top"):
        stalled(rows, AS_OF, top=0)


def test_rule_nothing_after_the_as_of_date_is_used():
    rows = pd.DataFrame({
        "application_id": [1, 1, 2, 3],
        "stage_id": [1, 2, 1, 1],
        "entered_on": ["2025-01-01", "2025-01-08", "2025-01-02", "2025-01-12"],
        "decided_on": ["2025-01-05", None, "2025-01-11", None],
        "decision": ["pass", None, "fail", None],
    })
    # On 10 January: application 2's failure (11 Jan) has not happened and application 3 has not entered.
    table = by_stage(funnel_table(rows, as_of="2025-01-10"))
    assert table.loc[1, ["entered", "decided", "passed", "failed", "open"]].tolist() == [2, 1, 1, 0, 1]
    assert table.loc[1, "open_age_median"] == 8.0                        # application 2, 2 -> 10 January
    later = by_stage(funnel_table(rows, as_of="2025-01-31"))
    assert later.loc[1, ["entered", "decided", "passed", "failed", "open"]].tolist() == [3, 2, 1, 1, 1]
    waiting = stalled(rows, "2025-01-10", top=5)
    assert waiting[["stage_id", "application_id", "age_days"]].values.tolist() == [[1, 2, 8], [2, 1, 2]]
