"""The vetting funnel: how many applications enter, pass, fail or wait at each of the four stages.

Input is a ``stage_decisions`` frame (columns as in ``schema.sql``: ``application_id``,
``stage_id`` 1-4, ``entered_on``, ``decided_on``, ``decision`` 'pass'/'fail'/missing), optionally
joined with grouping columns (entry month, ``client_id``, ``seniority``, ``reviewer_id``...). The
counting rules below are the module's contract; :data:`FUNNEL_RULES` states them for the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scoring.domain.stages import Stage
from scoring.stats.intervals import wilson_interval

#: Every stage id (``stages.stage_id``) in vetting order, as plain integers for frame columns.
STAGE_IDS: tuple[int, ...] = tuple(int(stage) for stage in Stage)
LAST_STAGE = STAGE_IDS[-1]
DECISIONS = ("pass", "fail")
P90 = 0.9  # upper quantile reported beside the median (linear interpolation between order statistics)
REQUIRED_COLUMNS = ("application_id", "stage_id", "entered_on", "decided_on", "decision")

FUNNEL_RULES: tuple[str, ...] = (
    "Each application counts once per stage, from the day it first entered that stage.",
    "A stage is passed only by a recorded 'pass' decision; moving to another stage, and in "
    "particular back to an earlier one, is never counted as a pass.",
    "An application counts only in the stages it entered; a stage it skipped does not count it.",
    "An application still waiting for a decision is open, not failed: pass rates, days in stage "
    "and drop-off use decided applications only.",
    "Drop-off at a stage is the share of decided applications that never entered a later stage "
    f"on or after entering it; the {Stage(LAST_STAGE).label.lower()} (stage {LAST_STAGE}) is the last stage "
    "and has none.",
    "Days in stage are calendar days from entry to decision; open applications are aged to the "
    "as-of date.",
    "Nothing dated after the as-of date is used: an entry made later is not counted, and a "
    "decision taken later is still open.",
)

FUNNEL_COLUMNS = (
    "stage_id", "entered", "decided", "passed", "failed", "open",
    "pass_rate", "pass_rate_low", "pass_rate_high",
    "days_median", "days_p90", "open_age_median", "open_age_p90",
    "dropped", "drop_off",
)


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _clean(stage_decisions: pd.DataFrame, by: list[str], as_of=None) -> pd.DataFrame:
    """Checked copy with one row per application, stage and group: the first entry.

    With ``as_of``, the rows as known at the end of that day: entries made later are dropped and
    decisions taken later are still open.
    """
    missing = [c for c in (*REQUIRED_COLUMNS, *by) if c not in stage_decisions.columns]
    if missing:
        raise ValueError(f"stage_decisions lacks column(s) {missing}")
    frame = stage_decisions.copy()
    frame["entered_on"] = pd.to_datetime(frame["entered_on"])
    frame["decided_on"] = pd.to_datetime(frame["decided_on"])
    frame["decision"] = frame["decision"].astype(object).where(frame["decision"].notna(), None)
    bad_stage = ~frame["stage_id"].isin(STAGE_IDS)
    if bad_stage.any():
        found = sorted(frame.loc[bad_stage, "stage_id"].unique())
        raise ValueError(f"stage_id must be one of {STAGE_IDS}; got {found}")
    bad_decision = frame["decision"].notna() & ~frame["decision"].isin(DECISIONS)
    if bad_decision.any():
        found = sorted(frame.loc[bad_decision, "decision"].unique())
        raise ValueError(f"decision must be one of {DECISIONS} or missing; got {found}")
    if (frame["decision"].isna() != frame["decided_on"].isna()).any():
        raise ValueError("decision and decided_on must be both present or both missing")
    if (frame["decided_on"] < frame["entered_on"]).any():
        raise ValueError("decided_on precedes entered_on")
    if frame["entered_on"].isna().any():
        raise ValueError("entered_on is missing")
    if as_of is not None:
        cut = pd.Timestamp(as_of)
        frame = frame[frame["entered_on"] <= cut].copy()
        later = frame["decided_on"] > cut
        frame.loc[later, "decided_on"] = pd.NaT
        frame.loc[later, "decision"] = None
    frame = frame.sort_values(["entered_on", "decided_on"], na_position="last", kind="stable")
    return frame.drop_duplicates(["application_id", "stage_id", *by], keep="first")


def _moved_on(first_entries: pd.DataFrame) -> pd.Series:
    """True per row when its application entered a later stage on or after entering this one."""
    entries = first_entries.drop_duplicates(["application_id", "stage_id"])
    day = (entries["entered_on"] - pd.Timestamp(0)).dt.days.astype(float)
    entered = day.groupby([entries["application_id"], entries["stage_id"]]).first().unstack()
    entered = entered.reindex(columns=list(STAGE_IDS))  # NaN where a stage was never entered
    moved = pd.DataFrame(False, index=entered.index, columns=list(STAGE_IDS))
    for position, stage in enumerate(STAGE_IDS):
        for later in STAGE_IDS[position + 1:]:
            moved[stage] |= entered[later] >= entered[stage]  # NaN compares False
    lookup = moved.stack().rename("moved_on")
    keys = pd.MultiIndex.from_frame(first_entries[["application_id", "stage_id"]])
    return pd.Series(lookup.reindex(keys).to_numpy(dtype=bool), index=first_entries.index)


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.days.astype(float)


def funnel_table(
    stage_decisions: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    as_of=None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per stage (and group): entered, decided, passed, failed, open, pass rate, time and drop-off.

    Parameters
    ----------
    stage_decisions : pandas.DataFrame
        Columns ``application_id``, ``stage_id``, ``entered_on``, ``decided_on``, ``decision``
        plus the grouping columns named in ``by``.
    by : str or sequence of str, optional
        Grouping columns; every group gets a row for each of the four stages (zeros where empty).
    as_of : date-like, optional
        The audit date: entries made after it are not counted, decisions taken after it are still
        open, and open applications are aged to it. Without it every row counts as stored and the
        open-age columns are ``NaN``.
    confidence : float, default 0.95
        Level of the Wilson interval on the pass rate.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns then :data:`FUNNEL_COLUMNS`:
        ``entered`` (applications counted in the stage), ``decided = passed + failed``,
        ``open = entered - decided``, ``pass_rate = passed / decided`` with its Wilson bounds
        ``pass_rate_low``/``pass_rate_high``; ``days_median``/``days_p90``: calendar days from
        ``entered_on`` to ``decided_on`` over decided rows; ``open_age_median``/``open_age_p90``:
        days from ``entered_on`` to ``as_of`` over open rows; ``dropped``: decided rows whose
        application entered no later stage; ``drop_off = dropped / decided`` (``NaN`` at stage 4).
        Ratios with a zero denominator are ``NaN``.

    Notes
    -----
    The rules applied are :data:`FUNNEL_RULES`. Quantiles use linear interpolation between order
    statistics (``numpy.quantile``'s default), so the median of 2 and 5 days is 3.5.

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "application_id": [1, 1, 2, 3],
    ...     "stage_id": [1, 2, 1, 1],
    ...     "entered_on": ["2025-01-01", "2025-01-05", "2025-01-01", "2025-01-02"],
    ...     "decided_on": ["2025-01-04", None, "2025-01-03", None],
    ...     "decision": ["pass", None, "fail", None],
    ... })
    >>> table = funnel_table(rows, as_of="2025-01-10")
    >>> table[["stage_id", "entered", "decided", "passed", "failed", "open"]].values.tolist()
    [[1, 3, 2, 1, 1, 1], [2, 1, 0, 0, 0, 1], [3, 0, 0, 0, 0, 0], [4, 0, 0, 0, 0, 0]]
    >>> table.loc[0, ["pass_rate", "days_median", "open_age_median", "drop_off"]].tolist()
    [0.5, 2.5, 8.0, 0.5]
    """
    groups = _as_list(by)
    frame = _clean(stage_decisions, groups, as_of)
    frame["is_decided"] = frame["decision"].notna()
    frame["is_pass"] = frame["decision"].eq("pass")
    frame["is_fail"] = frame["decision"].eq("fail")
    frame["days"] = _days(frame["decided_on"], frame["entered_on"])
    age_to = pd.Timestamp(as_of) if as_of is not None else pd.NaT
    age = _days(pd.Series(age_to, index=frame.index), frame["entered_on"])
    frame["open_age"] = age.where(~frame["is_decided"])
    frame["is_dropped"] = frame["is_decided"] & ~_moved_on(frame)
    keys = [*groups, "stage_id"]
    grouped = frame.groupby(keys, dropna=False, observed=True, sort=True)
    table = pd.DataFrame({
        "entered": grouped.size(),
        "decided": grouped["is_decided"].sum(),
        "passed": grouped["is_pass"].sum(),
        "failed": grouped["is_fail"].sum(),
        "days_median": grouped["days"].median(),
        "days_p90": grouped["days"].quantile(P90),
        "open_age_median": grouped["open_age"].median(),
        "open_age_p90": grouped["open_age"].quantile(P90),
        "dropped": grouped["is_dropped"].sum(),
    })
    return finish_funnel(table, groups, confidence)


def finish_funnel(table: pd.DataFrame, groups: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Rates, intervals and drop-off from per-stage counts, in the layout of :func:`funnel_table`.

    ``table`` is indexed by the ``groups`` then ``stage_id`` and holds ``entered``, ``decided``,
    ``passed``, ``failed``, ``dropped`` and the day quantiles, however they were aggregated (in
    pandas here, or in the database by the store's funnel query).
    """
    table = _every_stage(table, groups)
    counts = ["entered", "decided", "passed", "failed", "dropped"]
    table[counts] = table[counts].fillna(0).astype("int64")
    table["open"] = table["entered"] - table["decided"]
    decided = table["decided"].where(table["decided"] > 0)
    table["pass_rate"] = table["passed"] / decided
    low, high = wilson_interval(table["passed"], table["decided"], confidence)
    table["pass_rate_low"], table["pass_rate_high"] = low, high
    last = table.index.get_level_values("stage_id") == LAST_STAGE
    table["dropped"] = table["dropped"].where(~last, 0)
    table["drop_off"] = (table["dropped"] / decided).where(~last)
    return table.reset_index()[[*groups, *FUNNEL_COLUMNS]]


def _every_stage(table: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Reindex so each observed group has one row per stage."""
    if groups:
        observed = table.index.droplevel("stage_id").unique()
        tuples = [(*(g if isinstance(g, tuple) else (g,)), s) for g in observed for s in STAGE_IDS]
        full = pd.MultiIndex.from_tuples(tuples, names=[*groups, "stage_id"])
    else:
        full = pd.Index(STAGE_IDS, name="stage_id")
    return table.reindex(full)


def add_entry_month(stage_decisions: pd.DataFrame, column: str = "entry_month") -> pd.DataFrame:
    """Copy with ``column``: the month ('YYYY-MM') the application first entered the funnel.

    Grouping a funnel by this column follows cohorts of applications, so a month's row counts the
    same applications at every stage.

    Examples
    --------
    >>> rows = pd.DataFrame({"application_id": [7, 7], "entered_on": ["2025-01-30", "2025-02-03"]})
    >>> add_entry_month(rows)["entry_month"].tolist()
    ['2025-01', '2025-01']
    """
    entered = pd.to_datetime(stage_decisions["entered_on"])
    first = entered.groupby(stage_decisions["application_id"]).transform("min")
    months = np.datetime_as_string(first.to_numpy("datetime64[M]"), unit="M")
    return stage_decisions.assign(**{column: months})


def stalled(stage_decisions: pd.DataFrame, as_of, top: int = 10) -> pd.DataFrame:
    """Open applications waiting longest in each stage.

    Parameters
    ----------
    stage_decisions : pandas.DataFrame
        As for :func:`funnel_table`; any extra columns (``search_id``, ``client_id``...) are
        carried through for drill-down.
    as_of : date-like
        Date waiting time is measured to; entries made after it are left out and decisions taken
        after it are still open.
    top : int, default 10
        Rows kept per stage.

    Returns
    -------
    pandas.DataFrame
        ``stage_id``, ``rank`` (1 = longest wait), ``application_id``, ``entered_on``,
        ``age_days`` (calendar days from ``entered_on`` to ``as_of``), then the extra columns;
        sorted by stage and rank, ties in age broken by ``application_id``.

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "application_id": [1, 2, 3], "stage_id": [2, 2, 2],
    ...     "entered_on": ["2025-01-01", "2025-01-05", "2025-01-03"],
    ...     "decided_on": [None, None, "2025-01-04"], "decision": [None, None, "pass"],
    ... })
    >>> stalled(rows, "2025-01-10", top=1)[["stage_id", "rank", "application_id", "age_days"]].values.tolist()
    [[2, 1, 1, 9]]
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    frame = _clean(stage_decisions, [], as_of)
    frame = frame[frame["decision"].isna()].drop(columns=["decided_on", "decision"])
    frame["age_days"] = (pd.Timestamp(as_of) - frame["entered_on"]).dt.days.astype("int64")
    frame = frame.sort_values(["stage_id", "age_days", "application_id"], ascending=[True, False, True])
    frame["rank"] = frame.groupby("stage_id").cumcount() + 1
    frame = frame[frame["rank"] <= top]
    lead = ["stage_id", "rank", "application_id", "entered_on", "age_days"]
    rest = [c for c in frame.columns if c not in lead]
    return frame[lead + rest].reset_index(drop=True)
