"""Kaplan-Meier survival with right-censoring: a published example (Gehan 1965), statsmodels'
independent estimator with its Greenwood intervals, and the layout of the curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.duration.survfunc import SurvfuncRight

from scoring.stats.survival import kaplan_meier, survival_curves

# Freireich et al. (1963) 6-MP arm of the leukaemia remission trial, as analysed by Gehan (1965,
# Biometrika 52:203-223): weeks in remission, '+' censored. Published Kaplan-Meier estimates at the
# event times 6, 7, 10, 13, 16, 22, 23: 0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448.
GEHAN_6MP = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+".split()


def six_mp() -> pd.DataFrame:
    return pd.DataFrame({"t_days": [int(v.rstrip("+")) for v in GEHAN_6MP],
                         "event": [not v.endswith("+") for v in GEHAN_6MP]})


def test_km_freireich_6mp_gehan_1965():
    curve = survival_curves(six_mp(), by=None).set_index("t_days")
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for week, value in published.items():
        assert round(curve.loc[week, "survival"], 3) == value
    assert curve.loc[6, ["at_risk", "events"]].tolist() == [21, 3]


def greenwood_reference(data: pd.DataFrame, confidence: float):
    """Survival, Greenwood SE and both intervals from statsmodels' independent estimator."""
    fit = SurvfuncRight(data["t_days"].to_numpy(float), data["event"].to_numpy(int))
    z = norm.ppf(0.5 + confidence / 2)
    s, se = fit.surv_prob, fit.surv_prob_se
    linear = (np.clip(s - z * se, 0, 1), np.clip(s + z * se, 0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        width = z * se / (s * np.abs(np.log(s)))
    loglog = (s ** np.exp(width), s ** np.exp(-width))
    return fit.surv_times, s, linear, loglog


@pytest.mark.parametrize("method", ["log-log", "linear"])
def test_matches_statsmodels_on_6mp(method):
    times, s, linear, loglog = greenwood_reference(six_mp(), 0.95)
    curve = survival_curves(six_mp(), by=None, ci_method=method).set_index("t_days").loc[times.astype(int)]
    np.testing.assert_allclose(curve["survival"], s, rtol=1e-12)
    low, high = loglog if method == "log-log" else linear
    np.testing.assert_allclose(curve["ci_low"], low, rtol=1e-9)
    np.testing.assert_allclose(curve["ci_high"], high, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=1, max_size=40))
def test_survival_matches_statsmodels(rows):
    data = pd.DataFrame(rows, columns=["t_days", "event"])
    if not data["event"].any():
        assert (survival_curves(data, by=None)["survival"] == 1).all()
        return
    times, s, _, _ = greenwood_reference(data, 0.95)
    curve = survival_curves(data, by=None).set_index("t_days")
    np.testing.assert_allclose(curve.loc[times.astype(int), "survival"], s, rtol=1e-12, atol=1e-15)
    assert curve["survival"].is_monotonic_decreasing
    assert ((curve["ci_low"] <= curve["survival"] + 1e-12) & (curve["survival"] <= curve["ci_high"] + 1e-12)).all()
    assert curve["at_risk"].iloc[0] == len(data)


def test_curves_by_cohort_with_censored_only_cohort_and_day_zero_event():
    data = pd.DataFrame({
        "cohort": ["2025Q1", "2025Q1", "2025Q2", "2025Q2"],
        "t_days": [0, 10, 5, 8],
        "event": [True, False, False, False],
    })
    curves = survival_curves(data)
    assert list(curves.columns) == ["cohort", "t_days", "survival", "ci_low", "ci_high", "at_risk", "events"]
    q1 = curves[curves["cohort"] == "2025Q1"]
    assert q1["t_days"].tolist() == [0, 10]  # the day-0 event is the first row, no extra start row
    assert q1["survival"].tolist() == [0.5, 0.5]
    q2 = curves[curves["cohort"] == "2025Q2"]
    assert q2["t_days"].tolist() == [0, 5, 8]
    assert (q2[["survival", "ci_low", "ci_high"]] == 1.0).all().all()  # no events: no spread


def test_curve_options_checked():
    with pytest.raises(ValueError, match="ci_method"):
        survival_curves(six_mp(), by=None, ci_method="plain")
    assert survival_curves(six_mp().iloc[:0], by=None).empty


def test_kaplan_meier_of_one_group_is_the_curve_of_that_group():
    data = six_mp()
    one = kaplan_meier(data["t_days"], data["event"])
    assert one.equals(survival_curves(data, by=None).drop(columns="cohort"))


def test_kaplan_meier_checks_its_inputs():
    with pytest.raises(ValueError, match="ci_method"):
        kaplan_meier([1, 2], [True, False], ci_method="plain")
    with pytest.raises(ValueError, match="t_days has 2 values, event 1"):
        kaplan_meier([1, 2], [True])
