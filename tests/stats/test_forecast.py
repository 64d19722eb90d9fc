"""Brier score and calibration table, on forecasts small enough to score by hand."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.stats.forecast import brier_score, calibration_table


def test_brier_1950_definition_by_hand():
    # (0.7 - 1)^2 + (0.3 - 0)^2 + (1.0 - 1)^2 + (0.0 - 1)^2 = 0.09 + 0.09 + 0 + 1 = 1.18; / 4 = 0.295
    assert brier_score([0.7, 0.3, 1.0, 0.0], [True, False, True, True]) == pytest.approx(0.295)


def test_brier_is_zero_for_certain_right_forecasts_and_one_for_certain_wrong_ones():
    assert brier_score([1, 0, 1], [1, 0, 1]) == 0.0
    assert brier_score([1, 0], [0, 1]) == 1.0


def test_forecasting_the_base_rate_scores_its_variance():
    outcome = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])        # share 0.2
    assert brier_score(np.full(10, 0.2), outcome) == pytest.approx(0.2 * 0.8)


@pytest.mark.parametrize("forecast, outcome, message", [
    ([0.5, 1.2], [0, 1], "between 0 and 1"),
    ([0.5, np.nan], [0, 1], "between 0 and 1"),
    ([0.5, 0.5], [0, 2], "0 or 1"),
    ([0.5], [0, 1], "1 values, outcome 2"),
])
def test_bad_inputs_are_refused_with_their_reason(forecast, outcome, message):
    with pytest.raises(ValueError, match=message):
        brier_score(forecast, outcome)


def test_calibration_deciles_by_hand():
    # 20 forecasts, 10 bins of 2 by rank: bin b holds the forecasts (b - 1) / 10 and (b - 1) / 10 + 0.05
    forecast = np.repeat(np.arange(10) / 10, 2) + np.tile([0, 0.05], 10)
    outcome = np.zeros(20, dtype=bool)
    outcome[[19, 18, 17]] = True             # both of bin 10, one of bin 9
    table = calibration_table(forecast, outcome)
    assert table["bin"].tolist() == list(range(1, 11))
    assert table["n"].tolist() == [2] * 10
    assert table["predicted"].round(3).tolist() == [round(b / 10 + 0.025, 3) for b in range(10)]
    assert table["observed"].tolist() == [0] * 8 + [0.5, 1.0]
    # Wilson 95% for 1 of 2: 0.5 +- 1.96 * sqrt(0.25 / 2 + 1.96^2 / 16) / (1 + 1.96^2 / 2) -> 0.0945 to 0.9055
    assert table.loc[8, ["ci_low", "ci_high"]].round(4).tolist() == [0.0945, 0.9055]
    # 0 of 2 reaches 1.96^2 / (2 + 1.96^2) = 0.658 at most: bin 8 (forecasts 0.7, 0.75) said too much
    assert table["agrees"].tolist() == [True] * 7 + [False, True, True]


def test_repeated_forecasts_of_one_subject_count_once_in_the_interval():
    # One bin: subject A forecast 3 times, B once. Kish: (3 + 1)^2 / (3^2 + 1^2) = 16 / 10 = 1.6
    table = calibration_table([0.2, 0.3, 0.4, 0.5], [1, 1, 1, 0], bins=1, clusters=["A", "A", "A", "B"])
    assert table["effective_n"].tolist() == [1.6]
    alone = calibration_table([0.2, 0.3, 0.4, 0.5], [1, 1, 1, 0], bins=1)
    assert table["ci_high"].iloc[0] - table["ci_low"].iloc[0] > alone["ci_high"].iloc[0] - alone["ci_low"].iloc[0]
    assert table["observed"].tolist() == alone["observed"].tolist() == [0.75]


def test_no_forecasts_give_an_empty_table_and_no_score():
    assert calibration_table([], []).empty
    assert np.isnan(brier_score([], []))
