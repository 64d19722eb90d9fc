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


def test_a_forecasts_own_standard_error_widens_the_comparison_by_hand():
    # One bin of 100 forecasts of 0.10 from ten subjects, 20 events in all (two subjects of ten, each forecast
    # ten times): Kish n_eff = 100^2 / (10 * 10^2) = 10; Wilson 95% for 2 of 10: 0.0567 to 0.5098.
    forecast, outcome = np.full(100, 0.1), np.repeat([1] * 2 + [0] * 8, 10)
    clusters = np.repeat(np.arange(10), 10)
    exact = calibration_table(forecast, outcome, bins=1, clusters=clusters)
    assert exact[["ci_low", "ci_high"]].round(4).values.tolist() == [[0.0567, 0.5098]]
    assert exact["spread"].tolist() == [0.0] and exact["agrees"].tolist() == [True]
    # Now 0.04 with no spread: below 0.0567, so it disagrees...
    low = calibration_table(np.full(100, 0.04), outcome, bins=1, clusters=clusters)
    assert low["agrees"].tolist() == [False]
    # ...and an estimate with a standard error of 0.01 (its interval 0.0204 to 0.0596) still does: the gap
    # 0.2 - 0.04 = 0.16 exceeds hypot(0.2 - 0.0567, 1.96 * 0.01) = 0.1446. With a standard error of 0.05 the
    # allowance is hypot(0.1433, 0.098) = 0.1736, and 0.16 is within it.
    spread = calibration_table(np.full(100, 0.04), outcome, bins=1, clusters=clusters, forecast_se=np.full(100, 0.01))
    assert spread[["predicted_low", "predicted_high"]].round(4).values.tolist() == [[0.0204, 0.0596]]
    assert spread["agrees"].tolist() == [False]
    wide = calibration_table(np.full(100, 0.04), outcome, bins=1, clusters=clusters, forecast_se=np.full(100, 0.05))
    assert wide["spread"].tolist() == pytest.approx([0.05]) and wide["agrees"].tolist() == [True]
    assert wide[["predicted_low", "predicted_high"]].round(4).values.tolist() == [[0.0, 0.138]]   # kept in 0-1


def test_a_bad_standard_error_is_refused():
    with pytest.raises(ValueError, match="forecast_se has 1 values, forecast 2"):
        calibration_table([0.1, 0.2], [0, 1], forecast_se=[0.1])
    with pytest.raises(ValueError, match="0 or more"):
        calibration_table([0.1, 0.2], [0, 1], forecast_se=[0.1, -0.1])
