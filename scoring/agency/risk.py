"""The risk that an open promise will be broken, from the agency's own history, and its backtest.

A search still waiting for its shortlist after ``e`` business days will break the shortlist-time
promise if its shortlist takes more than the limit (14). The history of past searches gives the
Kaplan-Meier curve :math:`S(t) = P(T > t)` of the time to shortlist, with a cancelled search and a
search still open censored where it was last seen waiting; the risk is then

.. math:: P(T > \\text{limit} \\mid T > e) = S(\\text{limit}) / S(e).

Replacement requests are judged the same way against 14 calendar days. For a client in its first
three months the event is the client leaving, so the risk is that it happens before the mark:
:math:`1 - S(\\text{limit}) / S(e)`.

The curve is taken from the item's own group (a search's seniority) when that group has at least
:data:`MIN_HISTORY` past subjects, and from the whole history otherwise; every estimate says which,
and how many past subjects it rests on (:func:`breach_risks`). :func:`backtest_shortlists` replays the
history to check the estimates against what happened; :mod:`scoring.stats.forecast` scores them.

Every date rule is the ops page's (:mod:`scoring.agency.sla`): the inputs are
:func:`scoring.agency.sla.shortlist_times`, :func:`scoring.agency.sla.replacement_times` and
:func:`scoring.agency.retention.client_outcomes` as of one date.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from scoring.domain.promises import PROMISES
from scoring.stats.business_days import holiday_dates
from scoring.stats.survival import kaplan_meier

__all__ = ["BACKTEST_COLUMNS", "MIN_HISTORY", "RISK_COLUMNS", "BreachIs", "backtest_shortlists",
           "breach_risks", "conditional_breach", "survival_at"]

MIN_HISTORY = 200
"""Fewest past subjects a group needs for its own curve; with fewer it falls back to the whole history,
saying so. With breaches about one search in twenty, 200 searches hold about ten that passed the limit:
the curve's tail past the limit, which the risk is read from, rests on no fewer. On the demo's history
(bench/backtest_risk.py) groups of 30 to 100 searches gave estimates near 0 for searches that then
breached about one time in twenty; from 200 the deciles of the estimate agree with what happened."""

BreachIs = Literal["no_event", "event"]
_BREACH_IS: dict[str, str] = {
    "no_event": "the promise breaks when the event (a shortlist, a fulfilment) has not happened by the limit",
    "event": "the promise breaks when the event (a client leaving) happens by the limit",
}

#: Columns :func:`breach_risks` adds to the items.
RISK_COLUMNS = ("p_breach", "basis", "rests_on", "fallback")
#: Columns of :func:`backtest_shortlists`.
BACKTEST_COLUMNS = ("search_id", "seniority", "day", "on", "p_breach", "p_se", "breached", "rests_on", "fallback")


def survival_at(curve: pd.DataFrame, t: float) -> float:
    """:math:`\\hat S(t)` of a Kaplan-Meier curve, a right-continuous step function.

    Parameters
    ----------
    curve : pandas.DataFrame
        :func:`scoring.stats.survival.kaplan_meier` (``t_days``, ``survival``), starting at 0.
    t : float
        The time; before the first row the survival is 1.

    Examples
    --------
    >>> curve = kaplan_meier([1, 2, 3], [True, False, True])
    >>> survival_at(curve, 0), round(survival_at(curve, 2.5), 4), survival_at(curve, 3)
    (1.0, 0.6667, 0.0)
    """
    times = curve["t_days"].to_numpy()
    position = int(np.searchsorted(times, t, side="right")) - 1
    return 1.0 if position < 0 else float(curve["survival"].iloc[position])


def conditional_breach(curve: pd.DataFrame, elapsed: float, limit: float, breach_is: BreachIs = "no_event") -> float:
    """Probability that a subject still without its event after ``elapsed`` breaks the promise.

    Parameters
    ----------
    curve : pandas.DataFrame
        Kaplan-Meier curve of the time to the event (:func:`scoring.stats.survival.kaplan_meier`).
    elapsed : float
        Time the subject has already waited without the event.
    limit : float
        The promise's limit on the same clock.
    breach_is : {'no_event', 'event'}, default 'no_event'
        'no_event': breached when the event has not happened by ``limit`` (a shortlist, a
        replacement); 'event': breached when it happens by ``limit`` (a client leaving).

    Returns
    -------
    float
        :math:`S(\\text{limit}) / S(\\text{elapsed})`, or one minus it for 'event'; 0 or 1 once
        ``elapsed`` reaches ``limit`` (the outcome is then known). Where the history has no subject
        left waiting at ``elapsed`` (:math:`S = 0`), nobody in it ever waited this long: a
        'no_event' breach counts as certain (1) and an 'event' breach as impossible to estimate
        beyond the record, also 1 (the event has always happened by now).

    Examples
    --------
    Four past searches shortlisted after 5, 10, 15 and 20 days: :math:`S(14) = 0.5`,
    :math:`S(8) = 0.75`, so a search waiting 8 days breaks the limit with probability 2/3:

    >>> curve = kaplan_meier([5, 10, 15, 20], [True] * 4)
    >>> round(conditional_breach(curve, 8, 14), 4)
    0.6667
    """
    if breach_is not in _BREACH_IS:
        raise ValueError(f"breach_is must be one of {tuple(_BREACH_IS)}, got {breach_is!r}")
    if elapsed > limit:
        return 1.0 if breach_is == "no_event" else 0.0
    reached = survival_at(curve, elapsed)
    if reached <= 0.0:
        return 1.0
    kept = survival_at(curve, limit) / reached
    return float(min(1.0, max(0.0, kept if breach_is == "no_event" else 1.0 - kept)))


def _curve(history: pd.DataFrame) -> pd.DataFrame:
    return kaplan_meier(history["t"].to_numpy("int64"), history["event"].to_numpy(bool))


def breach_risks(history: pd.DataFrame, items: pd.DataFrame, *, noun: str, by: str | None = None,
                 labels: Mapping[str, str] | None = None, breach_is: BreachIs = "no_event",
                 min_history: int = MIN_HISTORY) -> pd.DataFrame:
    """The risk of each open item, from the Kaplan-Meier curve of its group or of the whole history.

    Parameters
    ----------
    history : pandas.DataFrame
        One row per past subject: ``t`` (whole time units to the event or to when it was last seen
        without it), ``event`` (bool) and, with ``by``, its group.
    items : pandas.DataFrame
        One row per open item: ``elapsed`` and ``limit`` (same units) and, with ``by``, its group.
        Other columns pass through.
    noun : str
        What the subjects are, in the plural, for the words: 'searches'.
    by : str, optional
        Column of both frames naming the group (a search's seniority); ``None``: the whole history.
    labels : mapping of str to str, optional
        A group's subjects in words, in the plural ('senior searches'); by default the group's
        value before ``noun``.
    breach_is : {'no_event', 'event'}
        See :func:`conditional_breach`.
    min_history : int, default :data:`MIN_HISTORY`
        Fewest past subjects for a group's own curve.

    Returns
    -------
    pandas.DataFrame
        ``items`` plus :data:`RISK_COLUMNS`: ``p_breach`` (0-1), ``basis`` in words ('412 past senior
        searches', or 'overall history: 1,210 past searches (too few senior searches: 8)'), ``rests_on`` (past
        subjects in the curve used) and ``fallback`` (the group had too few). ``p_breach`` is
        missing only when there is no history at all.

    Examples
    --------
    >>> history = pd.DataFrame({"t": [5, 10, 15, 20, 3], "event": [True] * 5,
    ...                         "seniority": ["mid"] * 4 + ["senior"]})
    >>> items = pd.DataFrame({"elapsed": [8, 8], "limit": [14, 14], "seniority": ["mid", "senior"]})
    >>> risks = breach_risks(history, items, noun="searches", by="seniority", min_history=4)
    >>> risks["p_breach"].round(4).tolist()
    [0.6667, 0.6667]
    >>> risks["basis"].tolist()
    ['4 past mid searches', 'overall history: 5 past searches (too few senior searches: 1)']
    """
    missing = [c for c in ("t", "event", *([by] if by else [])) if c not in history.columns]
    missing += [c for c in ("elapsed", "limit", *([by] if by else [])) if c not in items.columns]
    if missing:
        raise ValueError(f"missing column(s) {sorted(set(missing))}")
    labels = labels or {}
    out = items.copy()
    overall = _curve(history) if len(history) else None
    overall_words = f"{len(history):,} past {noun}"
    curves: dict[object, tuple[pd.DataFrame | None, str, int, bool]] = {}
    groups = history.groupby(by).groups if by else {}
    for group in (out[by].unique() if by else [None]):
        rows = history.loc[groups[group]] if group in groups else history.iloc[:0]
        label = labels.get(str(group), f"{group} {noun}") if group is not None else noun
        if by is not None and len(rows) >= min_history:
            curves[group] = (_curve(rows), f"{len(rows):,} past {label}", len(rows), False)
        elif by is not None:
            curves[group] = (overall, f"overall history: {overall_words} (too few {label}: {len(rows)})",
                             len(history), True)
        else:
            curves[group] = (overall, overall_words, len(history), False)
    p, basis, rests, fallback = [], [], [], []
    for group, elapsed, limit in zip(out[by] if by else [None] * len(out), out["elapsed"], out["limit"]):
        curve, words, n, fell = curves[group]
        p.append(np.nan if curve is None else conditional_breach(curve, float(elapsed), float(limit), breach_is))
        basis.append(words if curve is not None else f"no past {noun}")
        rests.append(n)
        fallback.append(fell)
    out["p_breach"] = np.asarray(p, dtype=float)
    out["basis"] = pd.Series(basis, index=out.index, dtype=object)
    out["rests_on"] = np.asarray(rests, dtype="int64")
    out["fallback"] = np.asarray(fallback, dtype=bool)
    return out


def shortlist_history(times: pd.DataFrame) -> pd.DataFrame:
    """The Kaplan-Meier subjects of :func:`scoring.agency.sla.shortlist_times`: every search opened by the
    audit date, its business days to the shortlist (``event``) or to when it was last seen waiting
    (cancelled, or still open at the audit date: censored), and its ``seniority``."""
    return pd.DataFrame({"t": times["business_days"].astype("int64"), "event": times["delivered"].astype(bool),
                         "seniority": times["seniority"], "search_id": times["search_id"]})


def _ordinals(days: np.ndarray, calendar: np.ndarray) -> np.ndarray:
    """Business days from a fixed origin through each day: (a, b] holds ``ord(b) - ord(a)`` of them."""
    origin = np.datetime64("1900-01-01")
    return np.busday_count(origin, days + np.timedelta64(1, "D"), holidays=calendar)


def _breach_by_day(t: np.ndarray, event: np.ndarray, limit: int) -> np.ndarray:
    """:func:`conditional_breach` of the Kaplan-Meier curve of ``(t, event)`` for every ``elapsed`` from 0 to
    ``limit``, from the counts at risk and the events of each time (the product-limit form,
    :math:`S(\\text{limit}) / S(k) = \\prod_{k < t_i \\le \\text{limit}} (1 - d_i / n_i)`), without a
    curve per day: the backtest needs it for every day of the history. Equal to
    :func:`conditional_breach` on :func:`scoring.stats.survival.kaplan_meier` (a test holds them equal)."""
    events = np.bincount(t[event & (t <= limit)], minlength=limit + 1)[: limit + 1].astype(float)
    at_risk = len(t) - np.searchsorted(np.sort(t), np.arange(limit + 1), side="left")
    factor = np.where(at_risk > 0, 1.0 - events / np.maximum(at_risk, 1), 1.0)
    survival = np.cumprod(factor)                 # S(k) for k = 0..limit
    ratio = np.ones(limit + 1)
    alive = survival > 0
    ratio[alive] = survival[limit] / survival[alive]
    return np.clip(ratio, 0.0, 1.0)


def _breach_se_by_day(t: np.ndarray, event: np.ndarray, limit: int) -> np.ndarray:
    """Standard error of :func:`_breach_by_day` for every ``elapsed`` from 0 to ``limit``: Greenwood's variance
    of the product over the times the estimate multiplies,
    :math:`\\operatorname{Var} \\log \\hat r_k = \\sum_{k < t_i \\le \\text{limit}} d_i / (n_i (n_i - d_i))`,
    carried to :math:`\\hat r_k` by the delta method (:math:`\\operatorname{se} = \\hat r_k \\sqrt{\\cdot}`). At
    ``elapsed = 0`` it is the Greenwood standard error of :math:`\\hat S(\\text{limit})` itself; where the curve
    reaches 0 the estimate is 0 and so is its error. How far an estimate made from this history could be from
    the risk it estimates, only because the history is a sample (Greenwood 1926; Kalbfleisch & Prentice 2002,
    section 1.4)."""
    events = np.bincount(t[event & (t <= limit)], minlength=limit + 1)[: limit + 1].astype(float)
    at_risk = (len(t) - np.searchsorted(np.sort(t), np.arange(limit + 1), side="left")).astype(float)
    defined = (at_risk > events) & (at_risk > 0)
    term = np.zeros(limit + 1)
    term[defined] = events[defined] / (at_risk[defined] * (at_risk[defined] - events[defined]))
    after = np.cumsum(term[::-1])[::-1]                      # sum over t_i >= k
    variance = np.append(after[1:], 0.0)                     # sum over k < t_i <= limit
    return _breach_by_day(t, event, limit) * np.sqrt(variance)


def backtest_shortlists(times: pd.DataFrame, as_of, *, labels: Mapping[str, str] | None = None,
                        min_history: int = MIN_HISTORY) -> pd.DataFrame:
    """Replay the history: every estimate of shortlist-breach risk that would have been made, against
    what then happened.

    For every search whose outcome is known at ``as_of`` (shortlisted, or without a shortlist past the
    limit, whether still open or cancelled later) and each business day ``k`` it then had behind it
    without a shortlist, from 0 to one before the limit, the estimate of :func:`breach_risks` is made
    as the page would have made it on that day ``D``: from the history known at the end of ``D``
    (searches opened by then; a shortlist or cancellation after ``D`` not yet happened), by seniority
    with the same fallback.

    Parameters
    ----------
    times : pandas.DataFrame
        :func:`scoring.agency.sla.shortlist_times` as of ``as_of``, with ``seniority`` and ``country``.
    as_of : date-like
        The date the history is read as of.
    labels, min_history
        As for :func:`breach_risks`.

    Returns
    -------
    pandas.DataFrame
        :data:`BACKTEST_COLUMNS`, one row per search and day: ``day`` (k), ``on`` (the date ``D``),
        ``p_breach`` (the estimate made then), ``p_se`` (its standard error from the size of the history it
        was made from, :func:`_breach_se_by_day`), ``breached`` (its shortlist took more than the limit),
        ``rests_on``, ``fallback``.

    Notes
    -----
    What is estimated is whether the shortlist takes longer than the limit, a cancellation censoring
    it (as in the history): a search cancelled after the limit without a shortlist did take longer and
    counts as breached here, although the ops audit leaves cancelled searches out of its figure. A
    search cancelled inside the limit, or still open inside it at ``as_of``, has no known outcome and is
    left out (its days still count in the history the estimates are made from). On
    day ``k = limit`` with no shortlist the breach is certain, so that day is not scored. Each search
    contributes up to ``limit`` correlated estimates. Days on which the history held fewer than
    ``min_history`` searches whose outcome was known (shortlisted, or waiting past the limit) are not
    scored: in the agency's first weeks the curve has not been followed as far as the limit, and an
    estimate then says more about the short record than about the searches.
    """
    as_of = pd.Timestamp(as_of)
    limit = int(PROMISES["shortlist_time"].limit or 0)
    rows = times[times["opened_on"].notna()].reset_index(drop=True)
    opened = rows["opened_on"].to_numpy("datetime64[D]")
    delivered = rows["shortlist_delivered_on"].to_numpy("datetime64[D]")
    closed = rows["closed_on"].to_numpy("datetime64[D]")
    final_t = rows["business_days"].to_numpy(float)
    country = rows["country"].fillna("US").astype(str).to_numpy() if "country" in rows else np.full(len(rows), "US")
    first_year, last_year = int(pd.Timestamp(opened.min()).year) if len(rows) else as_of.year, as_of.year + 1
    open_ord = np.zeros(len(rows), dtype="int64")
    calendars: dict[str, np.ndarray] = {}
    for code in np.unique(country):
        calendars[code] = np.array(holiday_dates(code, first_year, last_year), dtype="datetime64[D]")
        mask = country == code
        open_ord[mask] = _ordinals(opened[mask], calendars[code])
    # The scored (search, k) pairs: outcome known, still waiting at the end of its k-th business day.
    known = rows["delivered"].to_numpy(bool) | (final_t > limit)
    pairs = []
    for code, calendar in calendars.items():
        mask = known & (country == code)
        for k in range(limit):
            waiting = mask & (final_t > k)
            idx = np.nonzero(waiting)[0]
            if not len(idx):
                continue
            on = np.busday_offset(opened[idx], k, roll="backward", holidays=calendar) if k else opened[idx]
            pairs.append(pd.DataFrame({"row": idx, "day": k, "on": on}))
    if not pairs:
        return pd.DataFrame(columns=list(BACKTEST_COLUMNS))
    scored = pd.concat(pairs, ignore_index=True)
    seniority = rows["seniority"].astype(str).to_numpy()
    p_breach = np.full(len(scored), np.nan)
    p_se = np.full(len(scored), np.nan)
    rests_on = np.zeros(len(scored), dtype="int64")
    fallback = np.zeros(len(scored), dtype=bool)
    for when, at in scored.groupby("on", sort=True).indices.items():
        day = np.datetime64(pd.Timestamp(when).date(), "D")
        seen = opened <= day
        elapsed = np.empty(len(rows))
        for code, calendar in calendars.items():
            mask = country == code
            elapsed[mask] = _ordinals(np.array([day]), calendar)[0] - open_ord[mask]
        got = seen & ~np.isnat(delivered) & (delivered <= day)
        stopped = seen & ~got & ~np.isnat(closed) & (closed <= day)
        t = np.where(got | stopped, final_t, elapsed).astype("int64")
        if (got | (seen & (t > limit))).sum() < min_history:   # the agency's first weeks: not scored
            continue
        overall = _breach_by_day(t[seen], got[seen], limit), _breach_se_by_day(t[seen], got[seen], limit)
        item_rows = scored["row"].to_numpy()[at]
        for group in np.unique(seniority[item_rows]):
            members = seen & (seniority == group)
            own = int(members.sum()) >= min_history
            table, spread = ((_breach_by_day(t[members], got[members], limit),
                              _breach_se_by_day(t[members], got[members], limit)) if own else overall)
            these = at[seniority[item_rows] == group]
            p_breach[these] = table[scored["day"].to_numpy()[these]]
            p_se[these] = spread[scored["day"].to_numpy()[these]]
            rests_on[these] = int(members.sum()) if own else int(seen.sum())
            fallback[these] = not own
    kept = ~np.isnan(p_breach)
    scored, p_breach, p_se = scored[kept], p_breach[kept], p_se[kept]
    rests_on, fallback = rests_on[kept], fallback[kept]
    index = scored["row"].to_numpy()
    out = pd.DataFrame({
        "search_id": rows["search_id"].to_numpy()[index],
        "seniority": rows["seniority"].to_numpy()[index],
        "day": scored["day"].to_numpy("int64"),
        "on": pd.to_datetime(scored["on"]).dt.date.to_numpy(),
        "p_breach": p_breach,
        "p_se": p_se,
        "breached": final_t[index] > limit,
        "rests_on": rests_on,
        "fallback": fallback,
    })
    return out.sort_values(["search_id", "day"]).reset_index(drop=True)[list(BACKTEST_COLUMNS)]
