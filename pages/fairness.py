"""Fairness audit: does each stage, and the weighted score, select every self-identified group alike?"""

from __future__ import annotations

from datetime import date
from typing import cast

import pandas as pd
import streamlit as st

from scoring.reports.fairness import (
    ALL_DIMENSIONS,
    BIAS_COLUMNS,
    BIAS_EXPLANATION,
    GROUPINGS,
    TOO_FEW,
    FairnessReport,
    Grouping,
    fairness_report,
    to_json,
    too_few_rule,
)
from scoring.reports.fairness_document import fairness_document, file_name, impact_chart
from scoring.reports.fairness_method import METHOD_TITLE, method_markdown
from scoring.reports.formatting import MISSING, counted
from ui.access import account_allowed
from ui.context import guarded, today
from ui.figure_cache import kept
from ui.periods import opening_filter
from ui.shared_reads import read_shared
from ui.tables import paged_table

#: Rates are shown in percent with one decimal, whatever their size.
PERCENT = "%.1f%%"

#: The impact tables in people's words.
IMPACT_COLUMNS = {
    "stage": st.column_config.TextColumn("Stage", width="medium"),
    "group": st.column_config.TextColumn("Group", width="medium"),
    "verdict": st.column_config.TextColumn("Reading", width="medium"),
    "ratio": st.column_config.NumberColumn("Impact ratio", format="%.2f",
                                           help="The group's rate over the highest rate at the stage"),
    "total": st.column_config.NumberColumn("Decided", format="%d"),
    "selected": st.column_config.NumberColumn("Passed", format="%d"),
    "rate": st.column_config.NumberColumn("Pass rate", format=PERCENT),
    "ratio_low": st.column_config.NumberColumn("95% low", format="%.2f", help="Katz interval of the ratio"),
    "ratio_high": st.column_config.NumberColumn("95% high", format="%.2f", help="Katz interval of the ratio"),
    "p_value": st.column_config.NumberColumn("Fisher p-value", format="%.3f",
                                             help="Two-sided: the chance of a gap this large if both groups "
                                                  "passed at the same rate"),
}
SCORING_COLUMNS = {**IMPACT_COLUMNS,
                   "total": st.column_config.NumberColumn("Scored", format="%d"),
                   "selected": st.column_config.NumberColumn("Above the median", format="%d"),
                   "rate": st.column_config.NumberColumn("Scoring rate", format=PERCENT),
                   "median_score": st.column_config.NumberColumn("Stage median", format="%.2f")}


#: The reviewer x group table: its columns are already people's words; these say how to show them.
_B = BIAS_COLUMNS
BIAS_TABLE = {
    _B["reviewer"]: st.column_config.TextColumn(width="medium"),
    _B["group"]: st.column_config.TextColumn(width="medium"),
    _B["dimension"]: st.column_config.TextColumn(width="medium"),
    _B["verdict"]: st.column_config.TextColumn(width="medium"),
    _B["ratings"]: st.column_config.NumberColumn(format="%d"),
    _B["observed"]: st.column_config.NumberColumn(format="%.2f"),
    _B["expected"]: st.column_config.NumberColumn(
        format="%.2f", help="What the model expected from this reviewer for these candidates: their skill from all "
                            "their ratings, and the reviewer's severity towards everyone"),
    _B["difference"]: st.column_config.NumberColumn(format="%+.2f", help="Given less expected; negative: rated lower"),
    _B["difference_low"]: st.column_config.NumberColumn(format="%+.2f", help="95% interval of the difference"),
    _B["difference_high"]: st.column_config.NumberColumn(format="%+.2f", help="95% interval of the difference"),
    _B["bias"]: st.column_config.NumberColumn(format="%+.2f", help="The bias term; positive: harsher on the group"),
    _B["se"]: st.column_config.NumberColumn(format="%.2f"),
    _B["t"]: st.column_config.NumberColumn(format="%.2f", help="Bias over its standard error; degrees of freedom: "
                                                                "the ratings less one"),
    _B["p_value"]: st.column_config.NumberColumn(format="%.4f", help="Two-sided, before the correction"),
    _B["p_adjusted"]: st.column_config.NumberColumn(
        format="%.3f", help="Benjamini-Hochberg over every reviewer-group cell tested; below 0.05 is flagged"),
}
#: Shown first, in this order; the rest of the table follows.
BIAS_FIRST = [_B[k] for k in ("reviewer", "group", "dimension", "difference", "verdict", "ratings", "difference_low",
                              "difference_high", "p_adjusted")]


def _reviewer_bias(report: FairnessReport) -> None:
    st.subheader("Reviewers who score one group differently")
    st.caption(BIAS_EXPLANATION.format(min_ratings=report.bias_min_ratings))
    for note in report.bias_notes:
        st.warning(note)
    table = report.reviewer_bias
    if table.empty:
        st.info("No rating of a candidate who stated a group was submitted in this period.")
        return
    flagged = report.bias_flagged
    judged = int((table[_B["verdict"]] != TOO_FEW).sum())
    if judged == 0:
        st.info(f"No reviewer gave any group {report.bias_min_ratings} ratings in this period, too few to judge: "
                "choose a longer period.")
    elif flagged.empty:
        st.success(f"No reviewer scores a group differently by more than chance explains, over the {judged:,} "
                   "reviewer-group cells with enough ratings to judge.")
    for row in flagged.to_dict("records"):
        where = "" if row[_B["dimension"]] == ALL_DIMENSIONS else f" on {row[_B['dimension']]}"
        direction = "lower" if row[_B["difference"]] < 0 else "higher"
        st.warning(f"{row[_B['reviewer']]} rates {row[_B['group']]} candidates {abs(row[_B['difference']]):.2f} "
                   f"points {direction} than expected{where} ({row[_B['ratings']]:,} ratings; 95% interval "
                   f"{row[_B['difference_low']]:+.2f} to {row[_B['difference_high']]:+.2f}; p after correction "
                   f"{row[_B['p_adjusted']]:.3f}).")
    shown = BIAS_FIRST + [c for c in table.columns if c not in BIAS_FIRST]
    paged_table(table[shown], ("the reviewer and group cells", "reviewer-group-bias", "fairness_bias"),
                noun=("reviewer and group cell", "reviewer and group cells"), hide_index=True, width="stretch",
                placeholder=MISSING, column_config=BIAS_TABLE, key="fairness_reviewer_bias")


def _table(frame: pd.DataFrame, columns: dict, key: str) -> None:
    shown = [c for c in columns if c in frame.columns]
    # The report keeps rates as fractions (as its JSON does); the table reads them in percent.
    st.dataframe(frame[shown].assign(rate=frame["rate"] * 100), hide_index=True, width="stretch",
                 placeholder=MISSING, column_config=columns, key=key)


@st.fragment
def _impact_chart(frame: pd.DataFrame, key: str) -> None:
    """One stage's impact ratios against the four-fifths line, the stage picked above it: choosing another
    reruns this part alone, and only the chart looked at is drawn."""
    stages = list(dict.fromkeys(frame["stage"]))
    if not stages:
        return
    stage = st.segmented_control("Stage", stages, default=stages[0], required=True, key=key,
                                 label_visibility="collapsed") if len(stages) > 1 else stages[0]
    figure = drawn_impact_chart(frame[frame["stage"] == stage])
    if figure is None:
        st.caption(f"No group at {stage} is large enough to compare: too few to judge.")
    else:
        st.plotly_chart(figure, width="stretch", config={"displayModeBar": False}, key=f"{key}_chart")


#: The impact chart, built once per content of its rows and drawn from memory after that.
drawn_impact_chart = kept(impact_chart)


def _flags(report: FairnessReport) -> None:
    """One notice listing every group below four-fifths, each saying whether chance could explain it."""
    flagged = report.flagged
    if flagged.empty:
        st.success("No group large enough to judge falls below four-fifths of the highest rate, at any stage "
                   "or for the weighted score.")
        return
    lines = []
    for row in flagged.itertuples():
        what = "passes" if row.measure == "stage" else "scores above the stage median"
        chance = "unlikely to be chance" if row.significant else "could be chance"
        lines.append(f"- {row.stage}: **{row.group}** {what} at {row.ratio:.2f} of the highest rate (95% interval "
                     f"{row.ratio_low:.2f} to {row.ratio_high:.2f}; Fisher p = {row.p_value:.3f}, {chance})")
    st.warning(f"{counted(len(flagged), 'rate')} below four-fifths of the highest rate: a reason to look "
               "closer, whether or not chance could explain the gap.\n\n" + "\n".join(lines))


def body() -> None:
    actor = account_allowed("read_fairness")
    st.title("Fairness audit")
    as_of = today()
    left, middle, _ = st.columns([1, 1, 2])
    # Opens on the search filter's opening period, which the background keeps fitted.
    start = left.date_input("Decisions from", cast(date, opening_filter(as_of).start), max_value=as_of,
                            key="fairness_from")
    end = middle.date_input("to", as_of, max_value=as_of, key="fairness_to")
    chosen = st.segmented_control("Groups by", list(GROUPINGS), default="sex", required=True,
                                  format_func=lambda key: GROUPINGS[key], key="fairness_grouping")
    grouping: Grouping = "race_ethnicity" if chosen == "race_ethnicity" else (
        "sex_and_race" if chosen == "sex_and_race" else "sex")
    if start > end:
        st.error("The period starts after it ends: choose a start on or before its end.")
        return
    # The reviewer x group model takes seconds on a large agency: kept ready by the background for the
    # opening period, and shown a moment old, with a note, while the new data is being fitted.
    report = read_shared("read_fairness", fairness_report, actor, as_of, start, end, grouping, stale_ok=True)
    st.caption(f"As of {as_of:%d %b %Y}, decisions from {start:%d %b %Y} to {end:%d %b %Y}, grouped by "
               f"{GROUPINGS[grouping].lower()} as candidates chose to identify themselves. Counts only: no "
               "candidate is shown here, self-identification is never shown beside a candidate's scores, and no "
               f"score uses it. {too_few_rule(report.min_size)}")
    if not report.stages["stated"].any():
        st.info("No self-identification for the decisions of this period: an admin imports it with the optional "
                "self_identification.csv file (Import and export page).")
        return
    _flags(report)
    st.subheader("Pass rate at each stage")
    _impact_chart(report.stages, "fairness_stage_charts")
    _table(report.stages, IMPACT_COLUMNS, "fairness_stages")
    st.subheader("Scoring rate: share above the stage's median weighted score")
    st.caption("Local Law 144's scoring rate, for the scored stages: complete scorecards only, under the weights "
               "in force when the application entered the stage.")
    _impact_chart(report.scoring, "fairness_scoring_charts")
    _table(report.scoring, SCORING_COLUMNS, "fairness_scoring")
    _reviewer_bias(report)
    with st.expander(METHOD_TITLE):
        st.markdown(method_markdown(report.min_size))
    left, right = st.columns(2)
    left.download_button("Download the audit (HTML)", lambda: fairness_document(report, actor).encode("utf-8"),
                         file_name=file_name(report, "html"), mime="text/html", on_click="ignore",
                         key="fairness_download_html",
                         help="One page with the tables, the charts, the method and its sources, that opens offline "
                              "and prints to PDF: counts per group, no candidate.")
    right.download_button("Download the figures (JSON)", lambda: to_json(report),
                          file_name=file_name(report, "json"), mime="application/json", on_click="ignore",
                          key="fairness_download_json",
                          help="The same document as scorecard report fairness: counts per group, no candidate.")


guarded(body)
