"""Scorecard validity: do take-home scores predict who succeeds, and are the weights right?"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import streamlit as st

from scoring.reports.formatting import MISSING, signed_rounded
from scoring.reports.validity import (
    DIMENSION_NAMES,
    FIT_BAND,
    FLOOR,
    HEADLINE_LABELS,
    MIN_COMPARED_RATINGS,
    MODEL,
    OUTCOME_BY_KEY,
    OUTCOMES,
    PREDICTORS,
    SCORE_PREDICTORS,
    TOO_FEW,
    Outcome,
    ValidityReport,
    adopt_suggested_weights,
    evidence_csv,
    validity_report,
)
from scoring.store.searches import SearchFilter
from ui import validity_charts as charts
from ui.access import Account, account_allowed
from ui.context import database, guarded, guarded_fragment, today
from ui.empty_states import nothing_yet
from ui.filters import search_filter
from ui.shared_reads import read_shared
from ui.small_samples import figure_width, greyed_table
from ui.text import labelled
from ui.writes import run_write, show_outcome

#: A reviewer's distance and leniency, "too few to judge" over too few compared ratings (the report says which).
PEER_FIGURES = {"mad": "{:.2f}", "bias": "{:+.2f}"}
#: The weight model's coefficient table in people's words.
COEFFICIENT_COLUMNS = {
    "dimension": st.column_config.TextColumn("Dimension", width="medium"),
    "coef_standardised": st.column_config.NumberColumn("Coefficient per SD", format="%+.3f",
                                                       help="Per standard deviation of the dimension's mean rating"),
    "coef_raw": st.column_config.NumberColumn("Coefficient per point", format="%+.3f",
                                              help="Per rating point of the dimension's mean rating"),
    "clipped": st.column_config.CheckboxColumn("Clipped to 0", help="A negative coefficient gets no weight"),
    "current_pct": st.column_config.NumberColumn("Current weight", format="%.0f%%"),
    "suggested_pct": st.column_config.NumberColumn("Suggested weight", format="%.0f%%"),
}


def _auc_text(row: pd.Series) -> tuple[str, str]:
    """The metric value and its help text for one predictor row of the report."""
    if row["reason"]:
        return MISSING, f"Not shown: {row['reason']}."
    return (f"{row['auc']:.3f}",
            f"95% DeLong interval {row['ci_low']:.3f} to {row['ci_high']:.3f}; {int(row['n']):,} applications "
            f"({int(row['n_good']):,} good and {int(row['n_bad']):,} bad outcomes). 0.5 = no better than chance.")


def evidence_section(report: ValidityReport, outcome: Outcome) -> None:
    st.subheader("Do the scores separate good outcomes from bad?")
    rows = report.predictors[report.predictors["outcome"] == outcome.key]
    top = st.columns(4)
    coverage = report.coverage.set_index("outcome").loc[outcome.key]
    top[0].metric("Scored", f"{int(coverage['complete']):,}",
                  help="Applications of the chosen searches with every dimension rated at stage "
                       f"{report.stage_id}; {int(coverage['scored'] - coverage['complete']):,} incomplete ones "
                       "left out.")
    top[1].metric("With this outcome", f"{int(coverage['with_outcome']):,}",
                  help=f"{int(coverage['good']):,} good and {int(coverage['bad']):,} bad outcomes; "
                       f"{int(coverage['excluded']):,} scored applications have no outcome (see below).")
    for column, predictor in zip(top[2:], ("score_in_force", "fair_score")):
        value, help_text = _auc_text(rows.set_index("predictor").loc[predictor])
        column.metric(HEADLINE_LABELS[predictor], value, help=f"{PREDICTORS[predictor]}. {help_text}")

    if rows["auc"].isna().all():
        st.info(f"No AUC for {outcome.label.lower()} in this period: {rows['reason'].iloc[0]}. The table says why "
                "for each score; a longer period or an earlier filter gathers more cases.")
    st.dataframe(rows[["label", "auc", "ci_low", "ci_high", "n_good", "n_bad", "n", "reason"]],
                 hide_index=True, width="stretch",
                 column_config={"label": st.column_config.TextColumn("Predictor", pinned=True),
                                "auc": st.column_config.NumberColumn(
                                    "AUC", format="%.3f", help="Chance that a good outcome outscores a bad one; "
                                                               "0.5 is no better than chance"),
                                "ci_low": st.column_config.NumberColumn("95% low", format="%.3f",
                                                                        help="DeLong interval"),
                                "ci_high": st.column_config.NumberColumn("95% high", format="%.3f",
                                                                         help="DeLong interval"),
                                "n": st.column_config.NumberColumn("Applications", format="%d"),
                                "n_good": st.column_config.NumberColumn("Good outcomes", format="%d"),
                                "n_bad": st.column_config.NumberColumn("Bad outcomes", format="%d"),
                                "reason": st.column_config.TextColumn("Not shown because", width="medium")},
                 placeholder=MISSING)

    # One under the other: side by side, a 1024 px screen cuts both titles and crowds the band labels.
    predictor = st.selectbox("Score for the bands", SCORE_PREDICTORS, format_func=labelled(PREDICTORS),
                             key="validity_band_score", width=360)
    bands = report.bands[(report.bands["outcome"] == outcome.key) & (report.bands["predictor"] == predictor)]
    if bands["rate"].notna().any():
        st.plotly_chart(charts.band_rates(bands, outcome.rate_label, PREDICTORS[predictor]), width="stretch")
    else:
        st.info(f"No band has enough cases to show its {outcome.rate_label.lower()}: each needs at least "
                f"{FLOOR.min_cases} applications. The cases per band are listed below.")
    with st.expander("Rates by band, with the cases behind them"):
        percent = bands.assign(**{c: bands[c] * 100 for c in ("rate", "ci_low", "ci_high")})
        st.dataframe(percent[["band", "cases", "events", "rate", "ci_low", "ci_high", "reason"]], hide_index=True,
                     width="stretch",
                     column_config={"band": st.column_config.TextColumn("Score band", help="Weighted score, 1-5"),
                                    "cases": st.column_config.NumberColumn("Applications", format="%d"),
                                    "events": st.column_config.NumberColumn(
                                        "Outcome met", format="%d", help=f"Applications where {outcome.event}"),
                                    "rate": st.column_config.NumberColumn("Rate", format="%.1f%%"),
                                    "ci_low": st.column_config.NumberColumn("95% low", format="%.1f%%",
                                                                            help="Wilson interval"),
                                    "ci_high": st.column_config.NumberColumn("95% high", format="%.1f%%",
                                                                             help="Wilson interval"),
                                    "reason": st.column_config.TextColumn("Not shown because", width="medium")},
                     placeholder=MISSING)
    curves = report.roc[report.roc["outcome"] == outcome.key]
    if curves.empty:
        st.info("No ROC curve: every score falls under the floor for this outcome.")
    else:
        st.plotly_chart(charts.roc_curves(curves, PREDICTORS), width="stretch")


def restriction_note(report: ValidityReport, outcome: Outcome) -> None:
    coverage = report.coverage.set_index("outcome").loc[outcome.key]
    spread = report.restriction.set_index("outcome").loc[outcome.key]
    excluded = report.exclusions[report.exclusions["outcome"] == outcome.key]
    reasons = "; ".join(f"{r.status}: {r.applications:,}" for r in excluded.itertuples())
    with_outcome = int(coverage["with_outcome"])
    text = (f"**Range restriction.** This outcome exists only for candidates who {outcome.restricted_to}: "
            f"{with_outcome:,} of {int(coverage['complete']):,} scored applications"
            + (f" ({coverage['share_with_outcome']:.1%})" if with_outcome else "")
            + f". Left out: {reasons or 'none'}.")
    if np.isfinite(spread["ratio"]):    # two or more scores with the outcome: their spread can be compared
        text += (f" Their weighted scores start at {spread['min_outcome']:.2f} and spread {spread['ratio']:.0%} as "
                 f"widely as all take-home scores (SD {spread['sd_outcome']:.2f} vs {spread['sd_all']:.2f}), so "
                 "these figures measure discrimination among strong candidates only and understate what the "
                 "scorecard does across everyone it scores.")
    good = outcome.label.lower() if outcome.event_is_good else f"avoiding {outcome.label.lower()}"
    if spread["reason"] or not np.isfinite(spread["r_corrected"]):
        why = spread["reason"] or "their scores do not spread"
        text += f" Among them, the score's correlation with {good}: :gray[{TOO_FEW} ({why})]."
    else:
        text += (f" Among them, the weighted score correlates {spread['r_observed']:.2f} with {good} (point-biserial, "
                 f"{int(spread['r_n']):,} applications); corrected for the narrower range (u = {spread['ratio']:.2f}), "
                 f"about {spread['r_corrected']:.2f} across everyone scored, if selection was on this score alone. "
                 "The correction (Thorndike's case II) also assumes a straight-line relation with an even spread "
                 "around it; selection that rested on other things too makes it an underestimate.")
    st.warning(text, icon=":material/filter_alt:")


def reviewer_section(report: ValidityReport, outcome: Outcome) -> None:
    st.subheader("Reviewers: calibration judged by results")
    st.caption(f"Each reviewer's own weighted take-home score of the applications they rated, against the "
               f"outcome; beside it their severity and infit from the many-facet Rasch fit (flags outside "
               f"{FIT_BAND.too_predictable_below}-{FIT_BAND.erratic_above}) and their mean absolute distance "
               f"from the other reviewers of the same application and dimension. {report.severity_note}")
    rows = report.reviewers[report.reviewers["outcome"] == outcome.key]
    if rows.empty:
        st.info("No reviewer has a complete take-home scorecard (every dimension rated) in the chosen searches yet.")
        return
    if rows["auc"].notna().any():
        st.plotly_chart(charts.reviewer_validity(rows), width="stretch")
    else:
        st.info(f"No reviewer has enough scored applications with this outcome for an AUC of their own (at least "
                f"{FLOOR.min_cases}, with {FLOOR.min_per_class} of each outcome); their severity and agreement are "
                "still listed.")
    wide = figure_width(rows["peers_judged"])
    st.dataframe(
        greyed_table(signed_rounded(rows, {"severity": 2, "bias": 2})[
            ["reviewer", "auc", "n", "severity", "fit_flag", "mad", "bias", "reason", "ci_low", "ci_high", "n_good",
             "n_bad", "severity_se", "infit_mnsq", "compared"]], rows["peers_judged"], PEER_FIGURES),
        hide_index=True, width="stretch",
        column_config={"reviewer": st.column_config.TextColumn("Reviewer", pinned=True),
                       "auc": st.column_config.NumberColumn("AUC", format="%.3f",
                                                            help="Of the reviewer's own weighted scores"),
                       "ci_low": st.column_config.NumberColumn("95% low", format="%.3f", help="DeLong interval"),
                       "ci_high": st.column_config.NumberColumn("95% high", format="%.3f", help="DeLong interval"),
                       "n": st.column_config.NumberColumn("Applications", format="%d"),
                       "n_good": st.column_config.NumberColumn("Good", format="%d", help="Good outcomes"),
                       "n_bad": st.column_config.NumberColumn("Bad", format="%d", help="Bad outcomes"),
                       "reason": st.column_config.TextColumn("AUC not shown because", width="medium"),
                       "severity": st.column_config.NumberColumn("Severity", format="%+.2f",
                                                                 help="Logits; positive is harsher"),
                       "severity_se": st.column_config.NumberColumn("Standard error", format="%.2f",
                                                                    help="Of the severity, in logits"),
                       "infit_mnsq": st.column_config.NumberColumn("Infit", format="%.2f",
                                                                   help="Infit mean-square; near 1 is healthy"),
                       "fit_flag": "Fit flag",
                       "mad": st.column_config.NumberColumn(
                           "Distance from others", width=wide,
                           help=f"Mean absolute difference, rating points; {TOO_FEW} under "
                                f"{int(MIN_COMPARED_RATINGS.value)} ratings compared"),
                       "bias": st.column_config.NumberColumn("Leniency vs others", width=wide,
                                                             help="Rating points; positive is more lenient"),
                       "compared": st.column_config.NumberColumn("Ratings compared", format="%d")},
        placeholder=MISSING)


def weights_section(actor: Account, report: ValidityReport, outcome: Outcome, chosen: SearchFilter,
                    as_of: date) -> None:
    st.subheader("Are the weights right?")
    suggestion = report.suggestion(outcome.key)
    current_label = (f"Newest weights (version {report.newest_version})" if report.newest_version is not None
                     else "No version")
    st.plotly_chart(charts.weights_side_by_side(report.current_pct, suggestion.suggested_pct, DIMENSION_NAMES,
                                                current_label), width="stretch")
    if suggestion.reason:
        st.info(f"No suggested weights for {outcome.label.lower()}: {suggestion.reason}.")
        return
    clipped = suggestion.coefficients.loc[suggestion.coefficients["clipped"], "dimension"].map(DIMENSION_NAMES).tolist()
    cols = st.columns(3)
    held_out = (f"Mean over {MODEL.splits} splits of the applications: weights fitted on one part, "
                f"the AUC measured on the {MODEL.holdout_share:.0%} held out")
    cols[0].metric("AUC, current weights", f"{suggestion.auc_current:.3f}", help=held_out)
    cols[1].metric("AUC, suggested weights", f"{suggestion.auc_suggested:.3f}", help=held_out)
    gains = suggestion.fold_differences
    cols[2].metric("Gain", f"{suggestion.difference:+.3f}",
                   help=f"95% interval {suggestion.ci_low:+.3f} to {suggestion.ci_high:+.3f} from DeLong's test for "
                        f"correlated AUCs on each split's held-out part, the splits combined by twice the median "
                        f"p-value (Meinshausen, Meier & Buhlmann 2009); {suggestion.n:,} applications; gains per "
                        f"split from {min(gains):+.3f} to {max(gains):+.3f}.")
    interval = f"95% interval {suggestion.ci_low:+.3f} to {suggestion.ci_high:+.3f}"
    if suggestion.is_improvement:
        st.success(f"The suggested weights rank {outcome.label.lower()} better out of sample: gain "
                   f"{suggestion.difference:+.3f} AUC, {interval}, entirely above zero.")
    else:
        st.info(f"Not an improvement: the out-of-sample gain is {suggestion.difference:+.3f} AUC, {interval}, "
                "which includes no gain. Keep the current weights.")
    st.caption(
        f"L2-regularised logistic regression of the outcome on the five standardised dimension means "
        f"(C = {suggestion.c:g}, chosen by {MODEL.inner_folds}-fold inner cross-validation), coefficients turned "
        f"into weights per rating point, negatives clipped at 0, normalised to 100%. Compared with the current "
        f"weights on {MODEL.splits} stratified splits, each holding out {MODEL.holdout_share:.0%} of the "
        "applications." + (f" Clipped to 0 (negative coefficient): {', '.join(clipped)}."
                                              if clipped else " No coefficient was negative."))
    with st.expander("Coefficients"):
        st.dataframe(suggestion.coefficients.assign(dimension=suggestion.coefficients["dimension"].map(DIMENSION_NAMES)),
                     hide_index=True, width="stretch", placeholder=MISSING, column_config=COEFFICIENT_COLUMNS)
    if actor.may("manage_weights"):
        now = today()                        # a new version applies from tomorrow, whatever the as-of date
        first = max(now, report.newest_from or now) + timedelta(days=1)
        with st.form("adopt_weights"):
            effective = st.date_input("Effective from", first, min_value=first, key="validity_effective")
            submitted = st.form_submit_button(
                "Adopt suggested weights as a new version", type="primary", disabled=not suggestion.is_improvement,
                help=None if suggestion.is_improvement else
                "Only a suggestion whose whole interval is a gain can be adopted.")
        if submitted:
            run_write(lambda: adopt_suggested_weights(database(), actor, chosen, as_of, outcome.key, effective,
                                                      today()),
                      lambda version: f"Weight version {version} added from the {outcome.label.lower()} model, "
                                      f"effective {effective:%d %b %Y}.", refused="Not adopted")


@guarded_fragment
def outcome_sections(actor: Account, report: ValidityReport, chosen: SearchFilter, as_of: date) -> None:
    """Everything that depends on the chosen outcome; choosing another reruns this part alone."""
    key = st.segmented_control("Outcome", [o.key for o in OUTCOMES], default=OUTCOMES[0].key, required=True,
                               format_func=lambda k: OUTCOME_BY_KEY[k].label, key="validity_outcome")
    outcome = OUTCOME_BY_KEY[key or OUTCOMES[0].key]
    st.caption(f"Take-home (stage {report.stage_id}) scores of the searches opened in the chosen period, "
               f"against whether {outcome.event}. {outcome.population} Outcomes as of {as_of:%d %b %Y}.")
    if int(report.coverage["complete"].max()) == 0:
        nothing_yet("take_home_scores")
        return
    restriction_note(report, outcome)
    evidence_section(report, outcome)
    reviewer_section(report, outcome)
    weights_section(actor, report, outcome, chosen, as_of)
    with st.expander("Thresholds and their sources"):
        st.caption(f"A figure resting on fewer than {FLOOR.min_cases} cases, or on fewer than "
                   f"{FLOOR.min_per_class} of either outcome, is not shown.")
        st.dataframe(report.thresholds, hide_index=True, width="stretch", placeholder=MISSING,
                     column_config={"threshold": st.column_config.TextColumn("Threshold", width="medium"),
                                    "value": "Value", "unit": "Unit", "source": "Source"})
    st.download_button("Download the evidence (CSV)", lambda: evidence_csv(report),
                       file_name=f"validity_evidence_{as_of:%Y%m%d}.csv", mime="text/csv", on_click="ignore",
                       help="One row per application scored at the take-home: ratings, scores, outcomes and why "
                            "an outcome is missing. No names or emails.")


def body() -> None:
    actor = account_allowed("read_validity")
    st.title("Scorecard validity")
    show_outcome()
    chosen, as_of = search_filter(actor, "validity")
    report = read_shared("read_validity", validity_report, actor, chosen, as_of, stale_ok=True)
    outcome_sections(actor, report, chosen, as_of)


guarded(body)
