"""Reviewer calibration: agreement, pairwise kappa, severity, drift, who to calibrate, exercises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

import pandas as pd
import streamlit as st

from scoring.reports.calibration import (
    AGREEMENT_DRIFT,
    ALPHA_BANDS,
    BOOTSTRAP_RESAMPLES,
    DRIFT_BASELINE_MONTHS,
    DRIFT_MIN_Z,
    DRIFT_PERSISTENCE,
    DRIFT_THRESHOLD,
    FIT_BAND,
    LIVE_ICC_FORM,
    LIVE_ICC_SLOTS,
    LOW_AGREEMENT_MARGIN,
    MIN_AGREEMENT_UNITS,
    MIN_COMPARED_RATINGS,
    MIN_MONTH_RATINGS,
    MIN_SHARED_RATINGS,
    NOTABLE_MOVE,
    RECENT_MONTHS,
    SEVERITY_MARGIN,
    TOO_FEW,
    WATCH_DESIGN,
    CalibrationReport,
    DriftReport,
    ExerciseReport,
    alpha_bands_text,
    awaited_text,
    calibration_drift,
    calibration_report,
    default_filter,
    exercise_report,
    pick_reference,
    reviewers_done,
)
from scoring.reports.calibration import STAGE_LABELS as STAGES
from scoring.reports.formatting import MISSING, counted, is_missing, shown, signed_rounded
from scoring.store import calibration_exercises, ratings
from scoring.store.ratings import PERIOD_BASES, CalibrationFilter
from ui import calibration_charts as charts
from ui.access import Account
from ui.certification import accuracy_section
from ui.context import database, guarded, guarded_fragment, read, require_account, today
from ui.empty_states import nothing_yet
from ui.shared_reads import read_shared
from ui.small_samples import figure_width, greyed_table
from ui.tables import paged_table, profile_column
from ui.tabs import lazy_tabs
from ui.text import labelled, plain
from ui.writes import run_write, show_outcome

REFERENCE_CHOICES = 300
#: A candidate's reference shown as a link to their profile (the report gives the address).
CANDIDATE_LINK = profile_column()
#: The reviewer's name, kept in view when a wide table scrolls sideways.
REVIEWER_COLUMN = st.column_config.TextColumn("Reviewer", pinned=True)
#: A reviewer's severity (many-facet Rasch), over the whole selection or in one month.
SEVERITY_COLUMN = st.column_config.NumberColumn("Severity", format="%+.2f",
                                                help="Logits; positive is harsher, 0 the average reviewer")
ICC_EXPLANATION = (
    "**Which ICC, and why.** Live scoring is sparse: each application is scored by two or three of the "
    "{reviewers} reviewers, so no group of reviewers rates every application, and the two-way models "
    "ICC(2,1) and ICC(3,1) (which need the same reviewers on every unit) cannot be estimated. The live ICC "
    "is therefore **ICC(1,1)**, the one-way random model (Shrout & Fleiss 1979, case 1), on a units x "
    "rating-slot table: the first {slots} submitted ratings of each application. It is the reliability of "
    "one rating by a reviewer drawn at random. ICC(2,1) and ICC(3,1) are reported for calibration "
    "exercises below, where every reviewer scores every reference application.")


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from ``first`` to ``last``."""
    return [stamp.date() for stamp in pd.date_range(first, last, freq="MS")]


def sidebar_filter(actor: Account) -> CalibrationFilter:
    """Stage, dimensions and month range in the sidebar."""
    options = read_shared("read_calibration", ratings.filter_options, actor)
    dimensions = cast(pd.DataFrame, options["dimensions"])
    first = cast("date | None", options["first"])
    last = cast("date | None", options["last"])
    names = dict(zip(dimensions["dimension_id"].astype(int), dimensions["name"]))
    with st.sidebar:
        st.subheader("Filters")
        stage_id = st.radio("Stage", list(STAGES), format_func=labelled(STAGES), key="calibration_stage")
        chosen = st.multiselect("Dimensions", list(names), format_func=labelled(names), placeholder="All dimensions",
                                key="calibration_dimensions")
        basis = st.radio("Month of", list(PERIOD_BASES), format_func=lambda b: PERIOD_BASES[b][1].capitalize(),
                         key="calibration_basis")
        opening = default_filter(first, last, stage_id)
        first_month, last_month = opening.first_month, opening.last_month
        if first is not None and last is not None:
            months = months_between(first, last)
            first_month, last_month = st.select_slider(
                "Months", months, value=(opening.first_month, opening.last_month),
                format_func=lambda m: f"{m:%b %Y}", key="calibration_months")
    return CalibrationFilter(stage_id=stage_id, dimension_ids=tuple(int(d) for d in chosen),
                             first_month=first_month, last_month=last_month, basis=basis)


def fmt(value: float, pattern: str = "{:.3f}") -> str:
    return shown(value, pattern)


PERCENT = "%.0f%%"


def in_percent(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with shares (0-1) in ``columns`` as percentages, for a table's whole-percent format."""
    return frame.assign(**{column: frame[column] * 100 for column in columns})


def interval(low: object, high: object, pattern: str = "{:.3f}") -> str:
    """``low to high``, or the one dash when there is no interval."""
    return MISSING if is_missing(low) or is_missing(high) else f"{shown(low, pattern)} to {shown(high, pattern)}"


#: The columns of an agreement table whose figures grey out under the minimum, with their formats.
AGREEMENT_FIGURES = {"alpha": "{:.3f}", "icc": "{:.3f}", "icc2": "{:.3f}", "icc3": "{:.3f}", "exact": "{:.0f}%",
                     "within_one": "{:.0f}%"}
#: Greyed with them but kept: the band, which then says "too few to judge", and the intervals, which show
#: their own uncertainty.
AGREEMENT_INTERVALS = ("band", "alpha_ci", "icc_ci", "icc2_ci", "icc3_ci")
#: The same for a reviewer's distance from peers.
PEER_FIGURES = {"mad": "{:.2f}", "bias": "{:+.2f}", "within_one": "{:.0f}%"}
#: The counts behind an agreement figure, as the tables head them.
COUNT_COLUMNS = {
    "pairable": st.column_config.NumberColumn(
        "Applications", format="%d", help="Applications rated by at least two reviewers: the units of the figures"),
    "pairs": st.column_config.NumberColumn(
        "Rating pairs", format="%d", help="Pairs of ratings of the same application: m (m - 1) / 2 for m ratings"),
}


def too_few_caption(noun: str) -> str:
    """The sentence that says under which count a figure is greyed."""
    return (f"A figure resting on fewer than {int(MIN_AGREEMENT_UNITS.value)} {noun} rated by at least two "
            f"reviewers is greyed and reads \"{TOO_FEW}\" ({MIN_AGREEMENT_UNITS.source.rstrip('.')})")


def agreement_section(report: CalibrationReport) -> None:
    st.subheader("Agreement per dimension")
    agreement = report.agreement
    table = in_percent(agreement, "exact", "within_one").assign(
        alpha_ci=[interval(lo, hi) for lo, hi in zip(agreement["alpha_low"], agreement["alpha_high"])],
        icc_ci=[interval(lo, hi) for lo, hi in zip(agreement["icc_low"], agreement["icc_high"])])
    shown_columns = ["dimension", "alpha", "band", "icc", "exact", "within_one", "pairable", "pairs", "alpha_ci",
                     "icc_ci"]
    wide = figure_width(agreement["judged"])
    st.dataframe(
        greyed_table(table[shown_columns], agreement["judged"], AGREEMENT_FIGURES, AGREEMENT_INTERVALS),
        hide_index=True, width="stretch",
        column_config={
            "dimension": st.column_config.TextColumn("Dimension", pinned=True),
            "alpha": st.column_config.NumberColumn("Alpha", help="Krippendorff's alpha for ordinal ratings",
                                                   width=wide),
            "alpha_ci": st.column_config.TextColumn(
                "Alpha 95% interval", help=f"Bootstrap interval from {BOOTSTRAP_RESAMPLES:,} resamples"),
            "band": st.column_config.TextColumn("Reliability", help=f"Bands: {alpha_bands_text()}; {TOO_FEW} under "
                                                                    f"{int(MIN_AGREEMENT_UNITS.value)} applications",
                                                width=wide),
            "icc": st.column_config.NumberColumn(LIVE_ICC_FORM, help="Intraclass correlation, one-way random model",
                                                 width=wide),
            "icc_ci": st.column_config.TextColumn(
                f"{LIVE_ICC_FORM} 95% interval",
                help="Over the applications in the ICC: those with the first ratings filled"),
            "exact": st.column_config.NumberColumn("Exact", help="Share of rating pairs on the same point", width=wide),
            "within_one": st.column_config.NumberColumn("Within one", width=wide,
                                                        help="Share of rating pairs at most one point apart"),
            **COUNT_COLUMNS},
        placeholder=MISSING)
    st.plotly_chart(charts.alpha_by_dimension(report.agreement, ALPHA_BANDS, "Krippendorff's alpha per dimension, "
                                              "95% bootstrap interval"), width="stretch")
    st.caption(f"Bands: {alpha_bands_text()}. Source: {report.alpha_source}. Exact and within-one agreement count "
               "pairs of ratings of the same application and dimension; they are not corrected for chance. "
               f"{too_few_caption('applications')}.")
    if report.n_reviewers < 2:
        st.info(f"Agreement needs two reviewers or more scoring the same applications; this selection has "
                f"{counted(report.n_reviewers, 'reviewer')}.")
    else:
        st.info(ICC_EXPLANATION.format(reviewers=f"{report.n_reviewers:,}", slots=int(LIVE_ICC_SLOTS.value)))


def pairs_section(report: CalibrationReport) -> None:
    st.subheader("Reviewer pairs: weighted kappa")
    threshold = int(MIN_SHARED_RATINGS.value)
    kappa = report.kappa
    scored = kappa.dropna(subset=["kappa"])
    st.caption(f"Quadratic-weighted Cohen's kappa on the 1-5 categories, from ratings of the same application and "
               f"dimension. Shown for pairs sharing at least **{threshold} ratings** "
               f"({MIN_SHARED_RATINGS.source}): {len(scored):,} of {len(kappa):,} pairs that share any. "
               "Reviewers are ordered by severity, softest first.")
    if kappa.empty:         # one reviewer alone still has a row in the matrix, but no pair
        st.info("No two reviewers rated the same application in this selection.")
        return
    st.plotly_chart(charts.kappa_heatmap(report.kappa_matrix, threshold, report.kappa_shared), width="stretch")
    if not scored.empty:
        st.markdown("**Pairs that agree least**")
        st.dataframe(scored.nsmallest(10, "kappa")[["name_a", "name_b", "shared", "kappa"]], hide_index=True,
                     width="stretch",
                     column_config={"name_a": "Reviewer", "name_b": "With",
                                    "shared": st.column_config.NumberColumn("Shared ratings", format="%d"),
                                    "kappa": st.column_config.NumberColumn(
                                        "Weighted kappa", format="%.2f", help="Quadratic weights, 1-5 categories")},
                     placeholder=MISSING)


def severity_section(report: CalibrationReport) -> None:
    st.subheader("Reviewer severity")
    st.caption(f"{report.severity_note} Weights: {report.weights_version}, as fractions over the chosen "
               "dimensions. Severity 0 is the average reviewer; the interval is the estimate plus or minus 1.96 "
               f"standard errors, and one wholly beyond the dashed lines (±{SEVERITY_MARGIN.value:g} logits) marks "
               f"the reviewer harsh or lenient. Fit flags: infit mean-square above {FIT_BAND.erratic_above} is "
               f"erratic, below {FIT_BAND.too_predictable_below} too predictable ({FIT_BAND.source})")
    if report.reviewers["severity"].notna().any():
        left, right = st.columns(2)
        left.plotly_chart(charts.severity_intervals(report.reviewers, SEVERITY_MARGIN.value), width="stretch")
        right.plotly_chart(charts.rating_shares(report.distribution, list(report.reviewers["reviewer"])),
                           width="stretch")
    reviewers = signed_rounded(in_percent(report.reviewers, "within_one"), {"severity": 2}).assign(
        interval=[interval(lo, hi, "{:+.2f}") for lo, hi in zip(report.reviewers["ci_low"],
                                                                report.reviewers["ci_high"])])
    st.dataframe(
        greyed_table(reviewers[["reviewer", "severity", "flag", "raw_mean", "mad", "interval", "infit_mnsq",
                                "outfit_mnsq", "n_ratings", "compared", "within_one"]],
                     report.reviewers["peers_judged"], PEER_FIGURES),
        hide_index=True, width="stretch",
        column_config={"reviewer": REVIEWER_COLUMN, "severity": SEVERITY_COLUMN,
                       "interval": st.column_config.TextColumn("95% interval", help="Logits"),
                       "infit_mnsq": st.column_config.NumberColumn("Infit", format="%.2f",
                                                                   help="Infit mean-square; near 1 is healthy"),
                       "outfit_mnsq": st.column_config.NumberColumn("Outfit", format="%.2f",
                                                                    help="Outfit mean-square; near 1 is healthy"),
                       "flag": "Fit flag",
                       "n_ratings": st.column_config.NumberColumn("Ratings", format="%d"),
                       "raw_mean": st.column_config.NumberColumn("Mean rating", format="%.2f", help="On the 1-5 scale"),
                       "mad": st.column_config.NumberColumn("Distance from peers",
                                                            width=figure_width(report.reviewers["peers_judged"]),
                                                            help="Mean absolute difference from the other "
                                                                 "reviewers' mean on the same application and "
                                                                 "dimension (rating points); "
                                                                 f"{TOO_FEW} under "
                                                                 f"{int(MIN_COMPARED_RATINGS.value)} compared ratings"),
                       "compared": st.column_config.NumberColumn(
                           "Compared ratings", format="%d", help="Ratings of an application and dimension that "
                                                                 "another reviewer also rated"),
                       "within_one": st.column_config.NumberColumn(
                           "Within one of peers", width=figure_width(report.reviewers["peers_judged"]))},
        placeholder=MISSING)


def ranking_section(report: CalibrationReport) -> None:
    st.subheader("Ranking with severity removed")
    if report.ranking.empty:
        st.info("No fair scores without a severity fit.")
        return
    summary = report.ranking_summary
    notable = NOTABLE_MOVE.value
    top = st.columns(4)
    top[0].metric("Ranked", f"{int(summary['ranked']):,}",
                  help="Applications with a rating on every chosen dimension")
    top[1].metric("Rank correlation", fmt(summary["spearman"], "{:.2f}"),
                  help="Spearman's rho between the raw and the fair ranking")
    top[2].metric("Median move", fmt(summary["median_move"], "{:.1f}"), help="In percentile points")
    top[3].metric("Big moves", fmt(summary["share_notable"], "{:.1%}"),
                  help=f"Share of applications moving more than {notable:g} percentile points")
    st.caption("Raw: the weights-sum of each dimension's mean rating. Fair: the same weights applied to the "
               "rating an average reviewer (severity 0) would be expected to give (many-facet Rasch fair "
               "average). Ranks are 1 = best; tied raw scores share their mean rank.")
    st.plotly_chart(charts.rank_shift_histogram(report.ranking, notable), width="stretch")
    st.markdown(f"**Top {len(report.movers)} movers**")
    st.dataframe(report.movers[["candidate", "candidate_link", "raw", "fair", "shift", "percentile_shift", "raw_rank",
                                "fair_rank", "application"]], hide_index=True, width="stretch",
                 column_config={"candidate": st.column_config.TextColumn("Candidate", pinned=True),
                                "candidate_link": CANDIDATE_LINK, "application": "Application",
                                "raw": st.column_config.NumberColumn("Raw score", format="%.2f",
                                                                     help="Weighted consensus, 1-5 scale"),
                                "fair": st.column_config.NumberColumn("Fair score", format="%.2f",
                                                                      help="Severity removed, 1-5 scale"),
                                "raw_rank": st.column_config.NumberColumn("Raw rank", format="%.0f"),
                                "fair_rank": st.column_config.NumberColumn("Fair rank", format="%.0f"),
                                "shift": st.column_config.NumberColumn("Places moved up", format="%+.0f"),
                                "percentile_shift": st.column_config.NumberColumn(
                                    "Percentile move", format="%+.1f", help="In percentile points")},
                 placeholder=MISSING)


@guarded_fragment
def drift_section(drift: DriftReport, colours: dict[str, str]) -> None:
    """Monthly severity and agreement; choosing reviewers reruns this part alone."""
    st.subheader("Severity and agreement month by month")
    monthly = drift.monthly
    flagged = monthly[monthly["severity_flag"] | monthly["agreement_flag"]]
    st.caption(f"Severity drift: more than {DRIFT_THRESHOLD} logits from the reviewer's own baseline (their first "
               f"{int(DRIFT_BASELINE_MONTHS.value)} months here) and at least {DRIFT_MIN_Z} standard errors. "
               f"Agreement drift: distance from peers up by more than {AGREEMENT_DRIFT.value} rating points "
               "over the same kind of baseline. Either needs a month with at least "
               f"{int(MIN_MONTH_RATINGS.value)} ratings. Monthly severities are measured against that month's "
               "average reviewer: a shift shared by every reviewer in a month cannot be told apart from that month's "
               "candidates being stronger or weaker. Flagged months are marked with a cross; a month under that "
               f"many ratings is an open grey point, {TOO_FEW}.")
    names = sorted(monthly["reviewer"].dropna().unique())
    if not names:
        st.info("No reviewer has a month to show here yet: severity needs enough ratings to fit the model, and "
                "distance from peers needs applications rated by two reviewers or more.")
        return
    default = list(dict.fromkeys(flagged["reviewer"]))[:6] or names[:3]
    shown = st.multiselect("Reviewers", names, default=default, key="calibration_drift_reviewers")
    part = monthly[monthly["reviewer"].isin(shown)]
    left, right = st.columns(2)
    fewest = MIN_MONTH_RATINGS.value
    left.plotly_chart(charts.monthly_trend(part, "severity", "ci_low", "ci_high", "severity_flag",
                                           "Severity by month (95% interval)", "Severity (logits)", colours,
                                           "n_ratings", fewest), width="stretch")
    right.plotly_chart(charts.monthly_trend(part, "mad", None, None, "agreement_flag",
                                            "Distance from peers by month", "Rating points", colours,
                                            "compared", fewest), width="stretch")
    st.markdown(f"**Flagged reviewer-months: {len(flagged):,}**")
    if flagged.empty:
        st.caption("No reviewer-month crosses a drift threshold in this selection.")
        return
    flagged = signed_rounded(flagged, {"severity": 2, "drift": 2, "agreement_drift": 2})
    paged_table(flagged[["reviewer", "month", "severity", "drift", "direction", "severity_flag", "mad",
                         "agreement_drift", "agreement_flag"]],
                ("the flagged months", "calibration_flagged_months", "calibration_flagged_download"),
                noun=("reviewer-month", "reviewer-months"), hide_index=True, width="stretch",
                column_config={"reviewer": REVIEWER_COLUMN,
                               "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                               "severity": SEVERITY_COLUMN,
                               "drift": st.column_config.NumberColumn("Severity drift", format="%+.2f",
                                                                      help="Logits from the reviewer's baseline"),
                               "direction": "Direction",
                               "severity_flag": st.column_config.CheckboxColumn("Severity flagged"),
                               "mad": st.column_config.NumberColumn("Distance from peers", format="%.2f",
                                                                    help="Rating points"),
                               "agreement_drift": st.column_config.NumberColumn(
                                   "Agreement drift", format="%+.2f", help="Rating points from the baseline"),
                               "agreement_flag": st.column_config.CheckboxColumn("Agreement flagged")},
                placeholder=MISSING)


INVITE_HEADING = "Invite to the next calibration session"


@guarded_fragment
def drift_watch_section(report: CalibrationReport, drift: DriftReport) -> None:
    """Each reviewer's severity per dimension on an EWMA chart; choosing a reviewer reruns this part alone."""
    st.subheader("Drift watch: each reviewer, each dimension")
    watch = drift.watch
    st.caption(f"Each month's severity of a reviewer on a dimension (against that month's average reviewer on it), "
               f"minus their own baseline (their first {int(DRIFT_BASELINE_MONTHS.value)} months here with at least "
               f"{int(MIN_MONTH_RATINGS.value)} ratings, in grey), in standard errors from the model, is smoothed "
               f"month by month (weight {WATCH_DESIGN.lam:g} on the newest month, an EWMA chart). The dashed lines "
               f"are its control limits, {WATCH_DESIGN.width:g} of its standard deviations, allowing for the "
               "baseline being an estimate too; they widen as months add up. A reviewer who has not changed "
               f"crosses them about once in {WATCH_DESIGN.arl_in_control:.0f} months per dimension; a shift of "
               f"two standard errors is caught in about {dict(WATCH_DESIGN.arl_shifted)[2.0]:g} months. "
               f"Source: {WATCH_DESIGN.source}")
    if watch.empty or not watch["charted"].any():
        st.info(f"No reviewer has months here beyond their baseline with {int(MIN_MONTH_RATINGS.value)} ratings or "
                "more on a dimension: choose a longer period to draw the charts.")
    else:
        names = sorted(watch.loc[watch["charted"].astype(bool), "reviewer"].dropna().unique())
        invited = [name for name in dict.fromkeys(drift.invitations["reviewer"].dropna()) if name in names]
        chosen = st.selectbox("Reviewer", invited + [n for n in names if n not in invited],
                              key="calibration_watch_reviewer",
                              help="Reviewers invited to the next session come first")
        st.plotly_chart(charts.drift_watch_panels(watch, str(chosen), list(report.dimensions["name"])),
                        width="stretch")
    invitation_list(drift)


def invitation_list(drift: DriftReport) -> None:
    """The reviewers whose drift watch crossed a limit recently, with the dimension and the month."""
    st.markdown(f"**{INVITE_HEADING}**")
    invited = drift.invitations
    recent = int(RECENT_MONTHS.value)
    if invited.empty:
        st.caption(f"No reviewer's chart crossed a control limit in the last {recent} months of this period.")
        return
    st.caption(f"{counted(invited['reviewer_id'].nunique(), 'reviewer')} whose chart crossed a control limit on a "
               f"dimension in the last {recent} months of this period; the month is the newest one beyond it. They "
               "are on the Next session tab's list too.")
    table = invited.assign(months_crossed=invited["months_crossed"].astype(int),
                           direction=invited["direction"].str.capitalize())
    st.dataframe(table[["reviewer", "dimension", "direction", "month", "months_crossed"]], hide_index=True,
                 width="stretch", placeholder=MISSING,
                 column_config={"reviewer": REVIEWER_COLUMN,
                                "dimension": "Dimension", "direction": "Drifting",
                                "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
                                "months_crossed": st.column_config.NumberColumn(
                                    "Months beyond", format="%d",
                                    help=f"Months beyond a limit among the last {recent}")})


def session_section(drift: DriftReport) -> None:
    st.subheader("Who should join the next calibration session")
    if drift.session.empty:
        st.success("No reviewer crosses a calibration threshold in this selection.")
        return
    st.caption("Reasons: a fit flag, a severity interval clear of zero by more than "
               f"{SEVERITY_MARGIN.value} logits, severity or agreement drift flagged in at least "
               f"{int(DRIFT_PERSISTENCE.value)} months (severity: in one direction), a distance from peers "
               f"more than {LOW_AGREEMENT_MARGIN.value} rating points above the panel's median, or a drift-watch "
               f"chart beyond its control limit on a dimension in the last {int(RECENT_MONTHS.value)} months.")
    marks = {"fit": "Fit flag", "harsh": "Harsh", "lenient": "Lenient", "severity_drift": "Severity drift",
             "agreement_drift": "Agreement drift", "low_agreement": "Far from peers", "drift_watch": "Drift watch"}
    st.dataframe(drift.session[["reviewer", "n_reasons", *marks]], hide_index=True, width="stretch",
                 column_config={"reviewer": REVIEWER_COLUMN,
                                "n_reasons": st.column_config.NumberColumn("Reasons", format="%d"),
                                **{key: st.column_config.CheckboxColumn(label) for key, label in marks.items()}},
                 placeholder=MISSING)
    with st.expander(f"Why, for each of the {len(drift.session)} reviewers"):
        st.markdown("\n".join(f"- **{plain(row.reviewer)}**: {row.reasons}" for row in drift.session.itertuples()))


def exercise_form(actor: Account, expanded: bool) -> None:
    """Admins pick reference applications and start a new exercise."""
    with st.expander("Start a calibration exercise", expanded=expanded):
        stage_id = st.selectbox("Stage", list(STAGES), format_func=labelled(STAGES), key="exercise_stage")
        pool = read(calibration_exercises.reference_applications, actor, stage_id)
        st.caption(f"{len(pool):,} applications have complete scorecards from at least two reviewers at this stage "
                   "and are in no exercise yet. Every active reviewer will be assigned every chosen application, "
                   f"due in {calibration_exercises.EXERCISE_DUE_DAYS} days. Its agreement figures are judged from "
                   f"{int(MIN_AGREEMENT_UNITS.value)} references; with fewer they read \"{TOO_FEW}\".")
        recent = pool.head(REFERENCE_CHOICES)
        labels = {int(r.application_id): f"{r.application} · {r.candidate} · entered {r.entered_on:%d %b %Y}"
                  for r in recent.itertuples()}
        with st.form("new_exercise"):
            name = st.text_input("Name", key="exercise_name")
            picked = st.multiselect(f"Reference applications (from the {len(recent)} most recent)", list(labels),
                                    format_func=labelled(labels), key="exercise_picked")
            left, right = st.columns(2)
            count = left.number_input("Or draw this many at random", 2, 100, 10, key="exercise_count")
            seed = right.number_input("Random seed", 0, 1_000_000, 1, key="exercise_seed")
            submitted = st.form_submit_button("Create exercise and assign reviewers", type="primary")
        if submitted:
            ids = picked or pick_reference(pool["application_id"].tolist(), int(count), int(seed))
            run_write(lambda: calibration_exercises.create_exercise(database(), actor, name, ids, stage_id, today()),
                      lambda set_id: f"Exercise {plain(repr(name.strip()))} (#{set_id}) created with "
                                     f"{len(ids)} applications.", refused="Not created")


@guarded_fragment
def exercise_section(actor: Account) -> None:
    """The exercises; choosing one, or a stage to draw references from, reruns this part alone."""
    st.subheader("Calibration exercises")
    sets = read(calibration_exercises.exercises, actor)
    if sets.empty:
        st.info("No calibration exercise yet. An exercise is a set of reference applications that every active "
                "reviewer scores, so agreement can be measured on a fully crossed design."
                + ("" if actor.may("manage_calibration") else " An admin can start one."))
    else:
        labels = {int(r.set_id): f"{r.name} · stage {r.stage_id} · {counted(int(r.items), 'reference')} · created "
                                 f"{r.created_at:%d %b %Y}" for r in sets.itertuples()}
        set_id = st.selectbox("Exercise", list(labels), format_func=labelled(labels), key="exercise_choice")
        show_exercise(read(exercise_report, actor, set_id))
        accuracy_section(actor, int(set_id))
    if actor.may("manage_calibration"):
        exercise_form(actor, expanded=sets.empty)


def show_exercise(report: ExerciseReport) -> None:
    info = report.exercise
    stage = STAGES.get(int(info["stage_id"]), MISSING)
    asked = int(info["scored_since"]) + int(info["awaited"])
    top = st.columns(3)
    top[0].metric("References", f"{int(info['items']):,}", help=f"Applications every reviewer scores, at {stage}")
    top[1].metric("Scorecards in", f"{int(info['scored_since']):,} of {asked:,}",
                  help="Scorecards submitted for this exercise, of those asked for when it was created")
    top[2].metric("Reviewers done", f"{reviewers_done(report.progress):,} of {len(report.progress):,}",
                  help="Reviewers who owe no scorecard of this exercise")
    st.caption(exercise_status(report))
    if not report.has_results and int(info["awaited"]):
        st.info("No results yet: agreement is shown once two reviewers have scored the same reference for this "
                "exercise.", icon=":material/hourglass_empty:")
    elif not report.has_results:
        st.info("No agreement figures for this exercise: no two reviewers have scored a reference for it, and none "
                "is asked to. Every rating of its references, in live scoring too, counts in the accuracy against "
                "the experts below.")
    else:
        exercise_agreement_section(report)
    progress_table(report)
    with st.expander("Reference applications and their consensus ratings"):
        st.dataframe(report.items[["application", "candidate", "candidate_link", "search"]], hide_index=True,
                     width="stretch",
                     column_config={"application": "Application", "candidate": "Candidate",
                                    "candidate_link": CANDIDATE_LINK, "search": "Search"}, placeholder=MISSING)
        if report.has_results:
            st.dataframe(report.consensus[["application", "dimension", "mean", "sd", "raters"]], hide_index=True,
                         width="stretch",
                         column_config={"application": "Application", "dimension": "Dimension",
                                        "mean": st.column_config.NumberColumn("Mean rating", format="%.2f",
                                                                              help="On the 1-5 scale"),
                                        "sd": st.column_config.NumberColumn("Spread", format="%.2f",
                                                                            help="Standard deviation, rating points"),
                                        "raters": st.column_config.NumberColumn("Reviewers", format="%d")},
                         placeholder=MISSING)


def exercise_status(report: ExerciseReport) -> str:
    """Where the exercise stands in words: what is awaited, from whom, by when, and what counts."""
    info = report.exercise
    awaited, before = int(info["awaited"]), int(info["scored_before"])
    created = f"Created {pd.Timestamp(info['created_at']):%d %b %Y} by {plain(info['created_by'])}."
    if awaited:
        owing = awaited_text(report.progress)
        status = (f" {counted(awaited, 'scorecard')} awaited from {counted(int(info['awaited_from']), 'reviewer')}, "
                  f"due {pd.Timestamp(info['due_on']):%d %b %Y}: {plain(owing)}.")
    elif int(info["scored_since"]):
        status = " Every scorecard asked for is in."
    else:
        status = " No scorecard was asked for."
    earlier = ("" if before == 0 else
               f" {counted(before, 'scorecard')} of these references had been submitted in live scoring before the "
               "exercise: those reviewers are not asked again, and their earlier ratings join the agreement figures "
               "once two reviewers have scored a reference for the exercise.")
    return created + status + earlier


def exercise_agreement_section(report: ExerciseReport) -> None:
    st.caption("Figures below use only this exercise's references, separately from live scoring. Alpha uses every "
               "rating; ICC(2,1) (two-way random, absolute agreement) and ICC(3,1) (two-way mixed, consistency) use "
               "the reviewers who have scored every reference, the fully crossed part. Source of the alpha bands: "
               f"{report.alpha_source}.")
    agreement = report.agreement
    if agreement["alpha"].notna().any():
        st.plotly_chart(charts.alpha_by_dimension(agreement, ALPHA_BANDS, "Exercise: Krippendorff's alpha per "
                                                  "dimension, 95% bootstrap interval"), width="stretch")
    table = in_percent(agreement, "within_one").assign(**{
        f"{name}_ci": [interval(lo, hi) for lo, hi in zip(agreement[f"{name}_low"], agreement[f"{name}_high"])]
        for name in ("alpha", "icc2", "icc3")})
    shown_columns = ["dimension", "alpha", "band", "icc2", "icc3", "within_one", "pairable", "pairs",
                     "complete_raters", "alpha_ci", "icc2_ci", "icc3_ci"]
    wide = figure_width(agreement["judged"])
    st.dataframe(greyed_table(table[shown_columns], agreement["judged"], AGREEMENT_FIGURES, AGREEMENT_INTERVALS),
                 hide_index=True, width="stretch",
                 column_config={"dimension": st.column_config.TextColumn("Dimension", pinned=True),
                                "alpha": st.column_config.NumberColumn(
                                    "Alpha", help="Krippendorff's alpha for ordinal ratings", width=wide),
                                "alpha_ci": st.column_config.TextColumn(
                                    "Alpha 95% interval", help=f"Bootstrap, {BOOTSTRAP_RESAMPLES:,} resamples"),
                                "band": st.column_config.TextColumn(
                                    "Reliability", width=wide, help=f"Bands: {alpha_bands_text()}; {TOO_FEW} under "
                                                                    f"{int(MIN_AGREEMENT_UNITS.value)} references"),
                                "icc2": st.column_config.NumberColumn("ICC(2,1)", width=wide,
                                                                      help="Two-way random, absolute agreement"),
                                "icc2_ci": "ICC(2,1) 95% interval",
                                "icc3": st.column_config.NumberColumn("ICC(3,1)", help="Two-way mixed, consistency",
                                                                      width=wide),
                                "icc3_ci": "ICC(3,1) 95% interval",
                                "complete_raters": st.column_config.NumberColumn(
                                    "Reviewers in the ICC", format="%d", help="Reviewers who scored every reference"),
                                "within_one": st.column_config.NumberColumn(
                                    "Within one", help="Share of rating pairs at most one point apart", width=wide),
                                **COUNT_COLUMNS,
                                "pairable": st.column_config.NumberColumn(
                                    "References", format="%d", help="References rated by at least two reviewers")},
                 placeholder=MISSING)
    st.caption(f"{too_few_caption('references')}. A reviewer's distance from the others over fewer than "
               f"{int(MIN_COMPARED_RATINGS.value)} compared ratings is greyed the same way.")
    if not report.distances.empty:
        st.plotly_chart(charts.distance_heatmap(report.distances, int(MIN_COMPARED_RATINGS.value)), width="stretch")


def progress_table(report: ExerciseReport) -> None:
    with st.expander(f"Progress by reviewer ({counted(len(report.progress), 'reviewer')})"):
        st.dataframe(report.progress[["reviewer", "assigned", "scored_since", "scored_before", "awaited", "due_on",
                                      "active"]], hide_index=True, width="stretch",
                     column_config={"reviewer": REVIEWER_COLUMN,
                                    "assigned": st.column_config.NumberColumn("References", format="%d"),
                                    "scored_since": st.column_config.NumberColumn(
                                        "Scored for it", format="%d", help="Submitted since the exercise began"),
                                    "scored_before": st.column_config.NumberColumn(
                                        "Scored before", format="%d",
                                        help="Submitted in live scoring before the exercise; not asked again"),
                                    "awaited": st.column_config.NumberColumn("Awaited", format="%d"),
                                    "due_on": st.column_config.DateColumn("Due", format="D MMM YYYY"),
                                    "active": st.column_config.CheckboxColumn("Active")},
                     placeholder=MISSING)


def thresholds_section(report: CalibrationReport) -> None:
    st.subheader("Thresholds and their sources")
    st.dataframe(report.thresholds, hide_index=True, width="stretch", placeholder=MISSING,
                 column_config={"threshold": st.column_config.TextColumn("Threshold", width="medium"),
                                "value": "Value", "unit": "Unit",
                                "meaning": st.column_config.TextColumn("Meaning", width="large"),
                                "source": "Source"})


@guarded_fragment
def tabbed_sections(actor: Account, report: CalibrationReport, colours: dict[str, str]) -> None:
    """The tabs below the caption. Only the open tab's part runs and is sent, and choosing another reruns
    this part alone; the tab stays chosen across reruns (a new visit opens the first). The month by month
    tabs read their own report, whose monthly fits no other tab waits for."""
    def months() -> DriftReport:
        with st.spinner("Fitting reviewer severities month by month, once per change to the data"):
            return read_shared("read_calibration", calibration_drift, actor, report.chosen, stale_ok=True)

    live = {"Agreement": agreement_section, "Reviewer pairs": pairs_section, "Severity": severity_section,
            "Ranking": ranking_section, "Over time": lambda shown: drift_section(months(), colours),
            "Drift watch": lambda shown: drift_watch_section(shown, months()),
            "Next session": lambda shown: session_section(months())}

    def live_section(draw: Callable[[CalibrationReport], None]) -> Callable[[], None]:
        return lambda: nothing_yet("ratings") if report.n_ratings == 0 else draw(report)

    lazy_tabs({**{label: live_section(draw) for label, draw in live.items()},
               "Exercises": lambda: exercise_section(actor), "Thresholds": lambda: thresholds_section(report)},
              key="calibration_tab")


def body() -> None:
    actor = require_account()
    st.title("Reviewer calibration")
    show_outcome()
    chosen = sidebar_filter(actor)
    with st.spinner("Measuring agreement and fitting reviewer severities (a few seconds for a year of ratings; "
                    "longer for several years), once per change to the data"):
        report = read_shared("read_calibration", calibration_report, actor, chosen, stale_ok=True)
    colours = charts.reviewer_colours(report.reviewers["reviewer"].dropna())
    period = ("all months" if chosen.first_month is None else
              f"{chosen.first_month:%b %Y} to {chosen.last_month:%b %Y} ({PERIOD_BASES[chosen.basis][1]})")
    st.caption(f"Live scoring at {STAGES[chosen.stage_id].lower()}, {period}: {counted(report.n_ratings, 'rating')} of "
               f"{counted(report.n_applications, 'application')} by {counted(report.n_reviewers, 'reviewer')}. "
               "Ratings made for "
               "calibration exercises are left out here and reported in their own tab.")
    tabbed_sections(actor, report, colours)


guarded(body)
