"""The scorecard-validity report for hiring leads: do take-home scores predict who succeeds?

:func:`validity_report` reads through :mod:`scoring.store.ratings`, labels outcomes and computes
every figure with :mod:`scoring.agency.validity` and :mod:`scoring.stats.severity`; :func:`adopt_suggested_weights`
turns a suggestion that improves out of sample into a new weight version (admins only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from scoring.agency import validity
from scoring.agency.access import Account
from scoring.domain import thresholds
from scoring.domain.dimensions import DIMENSION_NAMES as DIMENSION_NAMES
from scoring.reports import exports
from scoring.stats import discrimination
from scoring.stats.severity import FIT_BAND as FIT_BAND  # the page states it beside the fit figures
from scoring.stats.severity import fit_severity
from scoring.store import accounts, weights
from scoring.store import ratings as store
from scoring.store.authorization import authorize
from scoring.store.db import Database, DatabaseError
from scoring.store.searches import SearchFilter

#: predictor column -> label; every one is on the 1-5 scale.
PREDICTORS: dict[str, str] = {
    "score_in_force": "Weighted score (weights in force)",
    "score_newest": "Weighted score (newest weights)",
    "fair_score": "Severity-adjusted score (newest weights)",
    **{code: f"{name} (mean rating)" for code, name in DIMENSION_NAMES.items()},
}
SCORE_PREDICTORS = ("score_in_force", "score_newest", "fair_score")
#: Headline metrics' labels, short enough for a quarter of a 1024 px page; the full name goes in their help.
HEADLINE_LABELS: dict[str, str] = {"score_in_force": "AUC, weighted", "fair_score": "AUC, adjusted"}
#: The outcomes the page lets a person choose, the floors under which a figure is not shown and the
#: weight model's settings, stated beside the figures (declared in :mod:`scoring.agency.validity`).
Outcome = validity.Outcome
OUTCOMES = validity.OUTCOMES
OUTCOME_BY_KEY = validity.OUTCOME_BY_KEY
FLOOR = validity.FLOOR
MODEL = validity.MODEL

COVERAGE_COLUMNS = ["outcome", "label", "scored", "complete", "with_outcome", "good", "bad", "excluded",
                    "share_with_outcome"]
PREDICTOR_COLUMNS = ["outcome", "predictor", "label", "n", "n_good", "n_bad", "auc", "se", "ci_low", "ci_high",
                     "reason"]
REVIEWER_COLUMNS = ["reviewer_id", "reviewer", "outcome", "n", "n_good", "n_bad", "auc", "ci_low", "ci_high",
                    "reason", "severity", "severity_se", "infit_mnsq", "outfit_mnsq", "fit_flag", "n_ratings",
                    "compared", "mad", "bias", "peers_judged"]
#: A reviewer's distance from peers and leniency are judged over at least this many compared ratings.
MIN_COMPARED_RATINGS = thresholds.MIN_COMPARED_RATINGS
TOO_FEW = thresholds.TOO_FEW
EVIDENCE_COLUMNS = ["application_id", "application", "search", "client", "seniority", "opened_on",
                    "stage_entered_on", "reviewers", "dimensions_rated", *DIMENSION_NAMES, "version_in_force",
                    "score_in_force", "version_newest", "score_newest", "fair_score", "score_band",
                    "shortlisted_on", "client_decision", "placement_id", "first_day", "ended_on", "end_reason",
                    *[c for o in validity.OUTCOMES for c in (o.key, f"{o.key}_status")]]


@dataclass(frozen=True)
class ValidityReport:
    """What the validity page shows for one search filter.

    Attributes
    ----------
    chosen : SearchFilter
        The searches covered.
    as_of : date
        Outcomes known by this date.
    stage_id : int
        The scored stage validated (:data:`scoring.agency.validity.SCORED_STAGE`, the take-home).
    newest_version : int or None
        The newest weight version; ``newest_from`` its effective date; ``current_pct`` its weights.
    coverage : pandas.DataFrame
        Per outcome (:data:`COVERAGE_COLUMNS`): applications scored at the stage, of them complete
        (all five dimensions rated), with the outcome, good and bad, and those excluded.
    exclusions : pandas.DataFrame
        Per outcome and status: how many complete scored applications have no outcome, and why.
    restriction : pandas.DataFrame
        Per outcome: :func:`scoring.stats.discrimination.range_restriction` of the in-force weighted score
        (``ratio`` is Thorndike's ``u``), with ``r_observed``, the point-biserial correlation of that
        score and the good outcome among the applications with the outcome (``r_n`` of them),
        ``r_corrected`` (:func:`scoring.agency.validity.thorndike_case_ii`) and ``reason``, why both
        are NaN (below :data:`FLOOR`), else ``""``.
    predictors : pandas.DataFrame
        Per outcome and predictor (:data:`PREDICTOR_COLUMNS`): AUC with DeLong 95% interval, NaN
        below the floor with the reason.
    bands : pandas.DataFrame
        Per outcome and score predictor: :func:`scoring.agency.validity.band_rates` of the outcome's event.
    roc : pandas.DataFrame
        ``outcome``, ``predictor``, ``fpr``, ``tpr`` for score predictors shown above the floor.
    reviewers : pandas.DataFrame
        Per reviewer and outcome (:data:`REVIEWER_COLUMNS`): AUC of the reviewer's own weighted
        score on the applications they rated, beside their severity and fit from the many-facet
        Rasch fit and their distance from the other reviewers (``mad``, ``bias`` over ``compared``
        ratings; ``peers_judged`` is False below :data:`MIN_COMPARED_RATINGS`, too few to judge).
    suggestions : dict
        Outcome key -> :class:`scoring.agency.validity.WeightSuggestion`.
    evidence : pandas.DataFrame
        The per-application rows behind every figure (:data:`EVIDENCE_COLUMNS`); no personal data.
    severity_note : str
        How the severity fit went, or why there is none.
    thresholds : pandas.DataFrame
        :func:`scoring.agency.validity.threshold_table`.
    """

    chosen: SearchFilter
    as_of: date
    stage_id: int
    newest_version: int | None
    newest_from: date | None
    current_pct: dict
    coverage: pd.DataFrame
    exclusions: pd.DataFrame
    restriction: pd.DataFrame
    predictors: pd.DataFrame
    bands: pd.DataFrame
    roc: pd.DataFrame
    reviewers: pd.DataFrame
    suggestions: dict
    evidence: pd.DataFrame
    severity_note: str
    thresholds: pd.DataFrame = field(default_factory=validity.threshold_table)

    def suggestion(self, outcome: str) -> validity.WeightSuggestion:
        if outcome not in self.suggestions:
            raise ValueError(f"unknown outcome '{outcome}'; valid: {', '.join(self.suggestions)}")
        return self.suggestions[outcome]

    def headline(self, outcome: str, predictor: str = "score_in_force") -> pd.Series:
        """The predictor row of one outcome."""
        rows = self.predictors[(self.predictors["outcome"] == outcome) & (self.predictors["predictor"] == predictor)]
        if rows.empty:
            raise ValueError(f"no figure for outcome '{outcome}' and predictor '{predictor}'")
        return rows.iloc[0]


def _band_label(score: pd.Series) -> pd.Series:
    labels = pd.Series("", index=score.index, dtype=object)
    for band in validity.SCORE_BANDS:
        labels[(score >= band.low) & (score < band.high)] = band.label
    return labels


def _severity(db: Database, actor: Account, chosen: SearchFilter, newest: pd.DataFrame, stage_id: int,
              as_of: date):
    """The many-facet Rasch fit of the stage's ratings, weighted by the newest weights, and a note."""
    ratings = store.stage_ratings(db, actor, chosen, stage_id, as_of)
    if ratings.empty or newest.empty:
        return None, "No ratings at this stage in the chosen searches: no severity fit."
    rated = set(ratings["dimension_id"].unique())
    weights_by_id = {int(d): float(p) for d, p in zip(newest["dimension_id"], newest["weight_pct"]) if d in rated}
    total = sum(weights_by_id.values())
    if total <= 0:
        return None, "The newest weights give no weight to the rated dimensions: no severity fit."
    try:
        fit = fit_severity(ratings, {d: w / total for d, w in weights_by_id.items()})
    except ValueError as problem:
        return None, f"Severity could not be estimated on these ratings: {problem}."
    note = (f"Many-facet Rasch fit on {fit.n_ratings:,} stage-{stage_id} ratings: "
            f"{'converged' if fit.converged else 'did NOT converge'} in {fit.iterations} iterations"
            + ("" if fit.n_subsets <= 1 else
               f"; the reviewer network falls into {fit.n_subsets} disconnected subsets, so severities are "
               "comparable only within a subset") + ".")
    return fit, note


def _reviewers(db: Database, actor: Account, chosen: SearchFilter, labelled: pd.DataFrame, fit,
               stage_id: int, as_of: date) -> pd.DataFrame:
    own = store.reviewer_scores(db, actor, chosen, stage_id, as_of)
    own = own[own["dimensions_rated"] == len(DIMENSION_NAMES)]
    names = accounts.reviewers(db, actor)
    parts = []
    for outcome in validity.OUTCOMES:
        good = validity.good_outcome(labelled, outcome).rename("good")
        rows = own.merge(pd.concat([labelled["application_id"], good], axis=1), on="application_id", how="inner")
        table = validity.discrimination_by_group(rows, "reviewer_id", "own_score", "good")
        parts.append(table.assign(outcome=outcome.key))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REVIEWER_COLUMNS)
    if fit is not None:
        severity = fit.reviewers.rename_axis("reviewer_id").reset_index()[
            ["reviewer_id", "severity", "se", "infit_mnsq", "outfit_mnsq", "flag", "n_ratings"]]
        severity = severity.rename(columns={"se": "severity_se", "flag": "fit_flag"})
    else:
        severity = pd.DataFrame(columns=["reviewer_id", "severity", "severity_se", "infit_mnsq", "outfit_mnsq",
                                         "fit_flag", "n_ratings"])
    agreement = store.reviewer_agreement(db, actor, chosen, stage_id, as_of)
    table = (table.merge(severity, on="reviewer_id", how="left").merge(agreement, on="reviewer_id", how="left")
             .merge(names.rename(columns={"display_name": "reviewer"}), on="reviewer_id", how="left"))
    table["reviewer"] = table["reviewer"].fillna(table["reviewer_id"].astype(str))
    table["fit_flag"] = table["fit_flag"].fillna("")
    table["peers_judged"] = table["compared"].fillna(0) >= MIN_COMPARED_RATINGS.value
    return table.sort_values(["outcome", "reviewer_id"]).reset_index(drop=True)[REVIEWER_COLUMNS]


def validity_report(db: Database, actor: Account, chosen: SearchFilter, as_of: date) -> ValidityReport:
    """Every figure of the validity page for the searches of ``chosen``, as the data stood at the end
    of ``as_of``: nothing dated after it is used (:mod:`scoring.store.ratings`).

    Parameters
    ----------
    db : Database
    actor : Account
        Needs ``read_validity``.
    chosen : SearchFilter
        Searches by opening date, client and seniority.
    as_of : date
        Scores submitted, amendments made, stages entered, decisions taken and placements accepted
        or ended after it are not known; placements younger than the horizons by then are censored.

    Returns
    -------
    ValidityReport
    """
    authorize(db, actor, "read_validity")
    stage_id = validity.SCORED_STAGE
    apps = store.application_outcomes(db, actor, chosen, stage_id, as_of)
    labelled = validity.outcome_labels(apps, as_of)
    newest = weights.newest(db, actor)
    current_pct = {code: float(p) for code, p in zip(newest["dimension"], newest["weight_pct"])}

    fit, note = _severity(db, actor, chosen, newest, stage_id, as_of)
    fair = fit.applications["fair_weighted"] if fit is not None else pd.Series(dtype=float)
    is_complete = labelled["dimensions_rated"] == len(DIMENSION_NAMES)
    # The Rasch model could fill in a dimension nobody rated; an incomplete scorecard has no total at all.
    labelled["fair_score"] = labelled["application_id"].map(fair).astype(float).where(is_complete)
    labelled["score_band"] = _band_label(labelled["score_in_force"]).where(is_complete, "incomplete")
    complete = labelled[is_complete]

    coverage, restriction, predictor_rows, bands, rocs, suggestions = [], [], [], [], [], {}
    exclusions: list[tuple[str, str, int]] = []
    for outcome in validity.OUTCOMES:
        good = validity.good_outcome(complete, outcome)
        known = good.notna()
        coverage.append((outcome.key, outcome.label, len(labelled), len(complete), int(known.sum()),
                         int((good == 1).sum()), int((good == 0).sum()), int((~known).sum()),
                         known.sum() / len(complete) if len(complete) else float("nan")))
        counts = complete.loc[~known, f"{outcome.key}_status"].value_counts()
        exclusions.extend((outcome.key, status, int(count)) for status, count in counts.items())
        spread = discrimination.range_restriction(complete["score_in_force"].to_numpy(float), known.to_numpy())
        corrected = validity.restricted_validity(complete["score_in_force"].to_numpy(float), good.to_numpy(float),
                                                 spread["ratio"])
        restriction.append({"outcome": outcome.key, **spread,
                            **{k: corrected[k] for k in ("r_observed", "r_corrected", "reason")},
                            "r_n": corrected["n"]})
        for predictor, label in PREDICTORS.items():
            est = validity.discrimination(complete[predictor].to_numpy(float), good.to_numpy(float))
            predictor_rows.append((outcome.key, predictor, label, est.n, est.n_good, est.n_bad, est.auc, est.se,
                                   est.ci_low, est.ci_high, est.reason))
            if predictor in SCORE_PREDICTORS:
                table = validity.band_rates(complete[predictor].to_numpy(float),
                                            complete[outcome.key].to_numpy(float))
                bands.append(table.assign(outcome=outcome.key, predictor=predictor))
                if est.shown:
                    curve = discrimination.roc_points(complete[predictor].to_numpy(float), good.to_numpy(float))
                    rocs.append(curve.assign(outcome=outcome.key, predictor=predictor, auc=est.auc))
        if current_pct:
            suggestions[outcome.key] = validity.suggest_weights(complete[list(DIMENSION_NAMES)], good.to_numpy(float),
                                                                current_pct, outcome=outcome.key)
        else:
            suggestions[outcome.key] = validity.WeightSuggestion(
                outcome=outcome.key, n=0, n_good=0, n_bad=0, reason="there is no weight version", current_pct={})

    evidence = labelled.reindex(columns=EVIDENCE_COLUMNS)
    return ValidityReport(
        chosen=chosen, as_of=as_of, stage_id=stage_id,
        newest_version=int(newest["version_id"].iloc[0]) if len(newest) else None,
        newest_from=pd.Timestamp(newest["effective_from"].iloc[0]).date() if len(newest) else None,
        current_pct=current_pct,
        coverage=pd.DataFrame(coverage, columns=COVERAGE_COLUMNS),
        exclusions=pd.DataFrame(exclusions, columns=["outcome", "status", "applications"]),
        restriction=pd.DataFrame(restriction),
        predictors=pd.DataFrame(predictor_rows, columns=PREDICTOR_COLUMNS),
        bands=(pd.concat(bands, ignore_index=True) if bands else pd.DataFrame()),
        roc=(pd.concat(rocs, ignore_index=True) if rocs else
             pd.DataFrame(columns=["threshold", "fpr", "tpr", "outcome", "predictor", "auc"])),
        reviewers=_reviewers(db, actor, chosen, labelled, fit, stage_id, as_of),
        suggestions=suggestions, evidence=evidence, severity_note=note)


def adoption_note(outcome: validity.Outcome, suggestion: validity.WeightSuggestion) -> str:
    """The note stored with an adopted weight version: what it was fitted to, and the evidence."""
    return (f"Fitted to {outcome.label.lower()} on {suggestion.n:,} take-home scores: cross-validated AUC "
            f"{suggestion.auc_suggested:.3f} vs {suggestion.auc_current:.3f} for the weights it replaces, "
            f"gain {suggestion.difference:+.3f} (95% interval {suggestion.ci_low:+.3f} to {suggestion.ci_high:+.3f}).")


def adopt_suggested_weights(db: Database, actor: Account, chosen: SearchFilter, as_of: date, outcome: str,
                            effective_from: date, today: date) -> int:
    """Add the weights suggested for ``outcome`` as a new weight version; admins only.

    The report is recomputed from the database here, not taken from a page's cache, so what is
    adopted is what the data says now. Refused (:class:`DatabaseError`, nothing written) unless the
    suggestion improves the cross-validated AUC with the whole interval above zero. The version is
    written by :func:`scoring.store.weights.add_version`, which audits it.

    Returns
    -------
    int
        The new version's id.
    """
    authorize(db, actor, "manage_weights")
    if outcome not in validity.OUTCOME_BY_KEY:
        raise ValueError(f"unknown outcome '{outcome}'; valid: {', '.join(validity.OUTCOME_BY_KEY)}")
    report = validity_report(db, actor, chosen, as_of)
    suggestion = report.suggestion(outcome)
    if suggestion.reason:
        raise DatabaseError(f"no suggested weights to adopt: {suggestion.reason}")
    if not suggestion.is_improvement:
        raise DatabaseError(
            f"the suggested weights are not an improvement: the cross-validated AUC gain is "
            f"{suggestion.difference:+.3f}, 95% interval {suggestion.ci_low:+.3f} to {suggestion.ci_high:+.3f}, "
            "which includes no gain")
    return weights.add_version(db, actor, suggestion.suggested_pct, effective_from,
                               adoption_note(validity.OUTCOME_BY_KEY[outcome], suggestion), today)


def evidence_csv(report: ValidityReport) -> bytes:
    """The per-application evidence as CSV (UTF-8), safe to open in a spreadsheet."""
    return exports.to_csv(report.evidence)

