"""Risk of breach from Kaplan-Meier: small histories whose curve is computed by hand in the comments.

lifelines is not installed here, so the reference is the product-limit formula worked by hand
(Kaplan & Meier 1958: S(t) = prod over event times t_i <= t of (1 - d_i / n_i), a subject censored at
t_i still at risk there).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from scoring.agency import risk, sla
from scoring.agency.risk import backtest_shortlists, breach_risks, conditional_breach, survival_at
from scoring.stats.survival import kaplan_meier

# Six past searches, business days to their shortlist (event) or to when last seen without one:
#   5 shortlisted, 8 shortlisted, 10 cancelled, 12 shortlisted, 16 shortlisted, 20 still open.
# t=5: n=6, d=1 -> S = 5/6;  t=8: n=5, d=1 -> S = 4/6;  t=10 censored;  t=12: n=3, d=1 -> S = 4/9;
# t=16: n=2, d=1 -> S = 2/9;  t=20 censored.
TIMES = [5, 8, 10, 12, 16, 20]
EVENTS = [True, True, False, True, True, False]


@pytest.fixture(scope="module")
def curve():
    return kaplan_meier(TIMES, EVENTS)


def test_survival_steps_as_computed_by_hand(curve):
    assert survival_at(curve, 4) == 1.0
    assert survival_at(curve, 5) == pytest.approx(5 / 6)
    assert survival_at(curve, 9) == pytest.approx(4 / 6)
    assert survival_at(curve, 14) == pytest.approx(4 / 9)
    assert survival_at(curve, 16) == pytest.approx(2 / 9)


@pytest.mark.parametrize("elapsed, expected", [
    (0, 4 / 9),                 # S(14) / S(0) = (4/9) / 1
    (4, 4 / 9),
    (9, (4 / 9) / (4 / 6)),     # = 2/3: two of the three still waiting at 9 went past 14
    (11, 2 / 3),
    (12, 1.0),                  # no shortlist came between 12 and 14 in the history: S(14) = S(12)
    (14, 1.0),                  # still waiting at the end of day 14: day 15 at the earliest
    (15, 1.0),                  # past the limit already
])
def test_conditional_breach_of_the_shortlist_limit(curve, elapsed, expected):
    assert conditional_breach(curve, elapsed, 14) == pytest.approx(expected)


def test_an_event_that_breaks_the_promise_is_one_minus_the_kept_share(curve):
    # A client leaving is the breach: 1 - S(14) / S(9) = 1 - 2/3
    assert conditional_breach(curve, 9, 14, "event") == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="breach_is must be one of"):
        conditional_breach(curve, 9, 14, "sometimes")  # type: ignore[arg-type]


def test_nobody_in_the_history_waited_this_long():
    every_one_delivered = kaplan_meier([3, 4, 5], [True, True, True])   # S(5) = 0
    assert conditional_breach(every_one_delivered, 6, 14) == 1.0


def test_a_group_with_enough_history_uses_its_own_curve_and_says_so():
    history = pd.DataFrame({"t": TIMES + [2, 3], "event": EVENTS + [True, True],
                            "seniority": ["senior"] * 6 + ["junior"] * 2})
    items = pd.DataFrame({"ref": ["A", "B"], "elapsed": [9, 1], "limit": [14, 14], "seniority": ["senior", "junior"]})
    risks = breach_risks(history, items, noun="searches", by="seniority", min_history=6,
                         labels={"senior": "senior searches"})
    a, b = risks.to_dict("records")
    assert a["p_breach"] == pytest.approx(2 / 3) and a["rests_on"] == 6 and not a["fallback"]
    assert a["basis"] == "6 past senior searches"
    # Junior has 2 (< 6): the whole history of 8. Its curve: t=2: 7/8, t=3: 6/8, t=5: 5/8, t=8: 4/8,
    # t=12: 4/8 * 2/3 = 1/3 (n=3), so S(14) / S(1) = 1/3.
    assert b["p_breach"] == pytest.approx(1 / 3) and b["rests_on"] == 8 and b["fallback"]
    assert b["basis"] == "overall history: 8 past searches (too few junior searches: 2)"
    assert risks["ref"].tolist() == ["A", "B"]      # other columns pass through


def test_a_group_with_no_history_at_all_falls_back_too():
    history = pd.DataFrame({"t": TIMES, "event": EVENTS, "seniority": ["mid"] * 6})
    items = pd.DataFrame({"elapsed": [9], "limit": [14], "seniority": ["senior"]})
    risks = breach_risks(history, items, noun="searches", by="seniority", min_history=3)
    assert risks["basis"].tolist() == ["overall history: 6 past searches (too few senior searches: 0)"]
    assert risks["p_breach"].tolist() == pytest.approx([2 / 3])


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="elapsed"):
        breach_risks(pd.DataFrame({"t": [1], "event": [True]}), pd.DataFrame({"limit": [14]}), noun="searches")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_backtest_counts_give_the_same_risk_as_the_kaplan_meier_curve(seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 25, 60)
    event = rng.random(60) < 0.7
    curve = kaplan_meier(t, event)
    by_day = risk._breach_by_day(t, event, 14)
    assert by_day == pytest.approx([conditional_breach(curve, k, 14) for k in range(15)])


def _searches(rows):
    frame = pd.DataFrame(rows, columns=["search_id", "seniority", "opened_on", "shortlist_delivered_on", "closed_on"])
    return frame.assign(client_id=1, country="US")


def test_the_backtest_replays_each_day_with_the_history_known_then():
    # Four searches opened on Mondays in 2025 (no US holiday in these weeks): business days in comments.
    searches = _searches([
        (1, "mid", "2025-03-03", "2025-03-10", None),      # 5: shortlisted
        (2, "mid", "2025-03-03", "2025-03-24", None),      # 15: breached
        (3, "mid", "2025-03-03", None, "2025-03-05"),      # cancelled on day 2: censored, not scored
        (4, "mid", "2025-03-17", "2025-03-19", None),      # 2: shortlisted
    ])
    times = sla.shortlist_times(searches, "2025-04-30", "US")
    out = backtest_shortlists(times, date(2025, 4, 30), min_history=1)
    # Scored: each day a search was still waiting at its end, once the history knew one outcome (search 1's
    # shortlist, Mon 10 Mar): search 2 on its days 5-13, search 4 on days 0-1; search 1's own days 0-4
    # came before (nothing known yet) and search 3 was cancelled inside the limit.
    assert out.groupby("search_id")["day"].apply(list).to_dict() == {2: list(range(5, 14)), 4: [0, 1]}
    assert out.groupby("search_id")["breached"].first().to_dict() == {2: True, 4: False}
    # Search 4 on its day 1 (Tue 18 Mar): known then, 1 shortlisted at 5, 2 waiting at 11 business days,
    # 3 cancelled at 2, 4 waiting at 1. t=5: n=2 (1 and 2), d=1 -> S = 1/2, flat after: S(14)/S(1) = 1/2.
    row = out[(out["search_id"] == 4) & (out["day"] == 1)].iloc[0]
    assert row["on"] == date(2025, 3, 18)
    assert row["p_breach"] == pytest.approx(0.5) and row["rests_on"] == 4 and not row["fallback"]
    # Search 2 on day 5 (Mon 10 Mar, the day search 1 was shortlisted): t=2 censored (3), t=5: n=2, d=1
    # (search 2 itself at risk at 5) -> S = 1/2 = S(14): S(14)/S(5) = 1.
    assert out[(out["search_id"] == 2) & (out["day"] == 5)]["p_breach"].tolist() == [1.0]


def test_the_backtest_leaves_out_days_before_enough_outcomes_were_known():
    searches = _searches([
        (1, "mid", "2025-03-03", "2025-03-10", None),
        (2, "mid", "2025-03-03", "2025-03-24", None),
    ])
    times = sla.shortlist_times(searches, "2025-04-30", "US")
    assert backtest_shortlists(times, date(2025, 4, 30), min_history=5).empty


def test_the_backtest_spread_is_greenwoods_standard_error_worked_by_hand():
    # TIMES/EVENTS above, limit 14. Greenwood: Var log r_k = sum over events k < t_i <= 14 of d / (n (n - d)).
    # k = 9: only t=12 (n=3, d=1) -> 1/6; r_9 = 2/3, se = 2/3 * sqrt(1/6) = 0.2722.
    # k = 0: t=5 (n=6, d=1) 1/30, t=8 (n=5, d=1) 1/20, t=12 1/6 -> 1/4; r_0 = 4/9, se = 4/9 * 1/2 = 2/9.
    # k = 12 and later: no event left before the limit -> 0.
    se = risk._breach_se_by_day(np.array(TIMES), np.array(EVENTS), 14)
    assert se[9] == pytest.approx(2 / 3 * np.sqrt(1 / 6))
    assert se[0] == pytest.approx(2 / 9)
    assert se[12:].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_spread_from_nothing_waited_is_the_greenwood_error_scipy_gives(seed):
    # At k = 0 the estimate is S(14) itself; scipy's linear interval is S(14) +- z * Greenwood se.
    from scipy import stats
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 25, 80)
    event = rng.random(80) < 0.7
    band = stats.ecdf(stats.CensoredData(uncensored=t[event], right=t[~event])).sf.confidence_interval(
        confidence_level=0.95, method="linear")
    at_14 = np.searchsorted(band.low.quantiles, 14, side="right") - 1
    half = (band.high.probabilities[at_14] - band.low.probabilities[at_14]) / 2
    assert risk._breach_se_by_day(t, event, 14)[0] == pytest.approx(half / stats.norm.ppf(0.975))


def test_each_replayed_estimate_carries_its_standard_error():
    searches = _searches([
        (1, "mid", "2025-03-03", "2025-03-10", None),
        (2, "mid", "2025-03-03", "2025-03-24", None),
        (3, "mid", "2025-03-03", None, "2025-03-05"),
        (4, "mid", "2025-03-17", "2025-03-19", None),
    ])
    times = sla.shortlist_times(searches, "2025-04-30", "US")
    out = backtest_shortlists(times, date(2025, 4, 30), min_history=1)
    # Search 4 on day 1 (see above): the history's one event before the limit at t=5 (n=2, d=1):
    # r = 1/2, Var log r = 1 / (2 * 1) -> se = 1/2 * sqrt(1/2)
    row = out[(out["search_id"] == 4) & (out["day"] == 1)].iloc[0]
    assert row["p_se"] == pytest.approx(0.5 * np.sqrt(0.5))
    assert tuple(out.columns) == risk.BACKTEST_COLUMNS and out["p_se"].ge(0).all()
