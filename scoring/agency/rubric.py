"""The anchored rubric reviewers score candidates against.

Reviewers rate a candidate from 1 to 5 on each of five dimensions at the two
scored vetting stages: the production incident interview (stage 2) and the
take-home assessment (stage 3).  Every level of every dimension has a written
anchor describing what a reviewer actually hears (stage 2) or finds in the
submitted repository (stage 3) at that level.  Level 1 means no evidence or
only generic claims, level 3 solid but partial evidence, level 5 specific
production evidence with numbers, named tools and the trade-offs weighed.

The anchors are drawn from the strong and weak signals an agency screens MLOps
candidates for (model monitoring, rollback strategy, training pipeline design,
cross-functional communication and incident response) and from the scope of
each dimension; :data:`SIGNAL_SOURCES` records which signals feed which
dimension.

Everything here is data plus small pure functions: the rubric, the note rule
and the disagreement rule.  The dimensions, stages, rating scale and default
weights are the agency's vocabulary, in :mod:`scoring.domain`.  Nothing talks
to a database.

Examples
--------
>>> [d.code for d in DIMENSIONS]
['infrastructure', 'deployment', 'monitoring', 'automation', 'governance']
>>> anchors_for(2, 'monitoring')[0].label
'No evidence'
>>> validate_scorecard({'infrastructure': 3}, {})[0]
'Model Deployment: no rating given'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple, TypeGuard

from scoring.domain.dimensions import (
    DIMENSION_CODES,
    DIMENSIONS,
    dimension,
)
from scoring.domain.ratings import DISAGREEMENT_GAP, LEVEL_LABELS, LEVELS, NOTE_REQUIRED_LEVELS, RATING_MAX, RATING_MIN
from scoring.domain.stages import SCORED_STAGES

__all__ = [
    "Anchor",
    "Disagreement",
    "RUBRIC",
    "SIGNAL_SOURCES",
    "STAGE_EVIDENCE",
    "anchors_for",
    "disagreements",
    "note_required",
    "stage_code",
    "validate_scorecard",
]


_SCALE = f"{RATING_MIN}-{RATING_MAX}"
_SCALE_WORDS = f"{RATING_MIN} to {RATING_MAX}"


def _is_int(value: object) -> TypeGuard[int]:
    """True for ints (Python or numpy), False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_missing(value: object) -> bool:
    """True for ``None`` and float NaN (how pandas marks an absent rating)."""
    if value is None:
        return True
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, numbers.Integral)
        and math.isnan(float(value))
    )


# --------------------------------------------------------------------------
# Stages (their ids, codes and names are in scoring.domain.stages)
# --------------------------------------------------------------------------

STAGE_EVIDENCE: Mapping[str, str] = MappingProxyType({
    "incident_interview": (
        "What the candidate says in the 45-minute structured interview about real "
        "production incidents they handled: what went wrong, how it was noticed, how it "
        "was contained and what was changed afterwards. Follow-up questions count; "
        "hypothetical answers ('I would...') are not evidence of having done it."
    ),
    "take_home": (
        "What the reviewer finds in the submitted repository from the 3-4 hour "
        "assessment: the training pipeline, the inference service and the monitoring "
        "write-up or hook, plus its README and configuration. Judge what the code does "
        "when run, not what the README promises."
    ),
})
"""Stage code -> the kind of evidence reviewers rate at that stage."""


# --------------------------------------------------------------------------
# Anchors (the levels and their labels are in scoring.domain.ratings)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A behavioural description of one rating level.

    Parameters
    ----------
    level : int
        The rating, 1-5.
    label : str
        Short name of the level, e.g. ``'Solid but partial'``.
    description : str
        What a reviewer hears or sees from a candidate at this level.

    Raises
    ------
    ValueError
        If ``level`` is not an integer from 1 to 5 or a text is blank.

    Examples
    --------
    >>> Anchor(3, 'Solid but partial', 'Names the tool and the metric.').level
    3
    >>> Anchor(6, 'Beyond', 'x')
    Traceback (most recent call last):
    ...
    ValueError: anchor level must be an integer from 1 to 5, got 6
    """

    level: int
    label: str
    description: str

    def __post_init__(self) -> None:
        if not _is_int(self.level) or self.level not in LEVELS:
            raise ValueError(f"anchor level must be an integer from {_SCALE_WORDS}, got {self.level!r}")
        if not self.label.strip() or not self.description.strip():
            raise ValueError(f"anchor at level {self.level} needs a label and a description")


SIGNAL_SOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "infrastructure": ("production incident response", "cross-functional communication"),
    "deployment": ("rollback strategy", "production incident response"),
    "monitoring": ("model monitoring", "production incident response"),
    "automation": ("training pipeline design", "production incident response"),
    "governance": ("training pipeline design", "cross-functional communication"),
})
"""Dimension code -> the screening signals its anchors are written from."""


# Stage 2: what the reviewer hears in the incident interview.
_INTERVIEW_TEXT: dict[str, tuple[str, str, str, str, str]] = {
    "infrastructure": (
        "Talks about infrastructure only in general terms ('we ran it on Kubernetes', "
        "'it was in the cloud') and cannot say what the model ran on during the incident "
        "or whether the platform played any part in it.",

        "Names the container platform or cloud service involved but describes it as an "
        "ordinary application stack; model-specific concerns such as GPU allocation, "
        "model load time or an inference latency budget do not come up even when asked.",

        "Explains concretely how the affected model was packaged and scheduled and what "
        "the platform did during the incident (pods restarted, capacity added), and "
        "raises at least one ML-specific concern (GPU scheduling, warm-up, autoscaling "
        "on inference load), but gives no figures and no lasting change.",

        "Walks through the serving infrastructure with named components and rough "
        "figures (instance or GPU type, replica counts, latency target), ties an "
        "infrastructure factor to the cause or the fix, and names what was changed "
        "afterwards.",

        "Gives exact figures (GPU type and quota, cold-start time, autoscaling trigger, "
        "p95/p99 latency before and after), says why the platform was chosen, explains a "
        "trade-off actually made (cost against headroom, spot against on-demand), and "
        "recounts arguing an operability concern with model builders in plain terms.",
    ),
    "deployment": (
        "Cannot describe a real model release or rollback: answers are hypothetical, or "
        "rolling back means 'put the old image back' with no model version, traffic "
        "control or serving framework mentioned.",

        "Names a serving framework, but the release and rollback story stays at the "
        "level of code and containers: nothing about the model artifact version, the "
        "feature schema it expects or the consumers downstream.",

        "Recounts a real rollback or release of a model, including which model version "
        "was live and how traffic went back to the previous one, but the decision to "
        "roll back was ad hoc (someone noticed) and no review or follow-up is described.",

        "Describes a staged rollout (canary, shadow or A/B split) with a named framework "
        "and a stated rollback trigger, and makes clear the rollback restored the model "
        "artifact and its feature schema together, not only the code.",

        "Tells a specific incident with the numbers: traffic percentages at each step, "
        "the metric and threshold that triggered rollback, time to restore, model and "
        "feature versions involved, downstream consumers checked, batching or latency "
        "trade-offs, and the change the post-mortem made to the release process.",
    ),
    "monitoring": (
        "Monitoring is asserted ('we had it covered') but no tool or metric is named "
        "and no alert that led to action can be recalled; or users reported the "
        "incident and the candidate does not see that as a gap.",

        "Mentions dashboards or alerts, but only operational signals (uptime, CPU, "
        "latency, error rate); cannot say how a drop in prediction quality would have "
        "shown up. Drift is a word, not something that was measured.",

        "Separates operational metrics from model-quality metrics, names at least one "
        "drift or quality signal watched in production and says how the incident was "
        "detected; thresholds, alert routing or the retraining trigger stay vague.",

        "Names the monitoring tool, the drift and quality metrics and the thresholds or "
        "alert rules that fired (or should have), tells data drift from concept drift "
        "in the incident, and describes checking the new or restored model before "
        "trusting it again.",

        "Gives numbers: the drift statistic and its threshold, the metric that triggered "
        "retraining, how long detection took, how the retrained model was validated "
        "before any traffic reached it, and the balance chosen between alert noise and "
        "detection delay; the candidate built the monitor and it flagged a genuine fault.",
    ),
    "automation": (
        "Retraining and releases were manual or cannot be explained; the candidate "
        "cannot say how the fix for the incident reached production.",

        "The pipeline is a chain of scripts or a scheduled job; CI runs code tests only. "
        "No data validation, no model evaluation gate and no story of what happens when "
        "a step fails.",

        "Describes a parameterised pipeline on a named orchestrator with at least one "
        "ML-aware step (data validation, or evaluation against the production baseline) "
        "and explains how retraining was started in the incident; caching, failure "
        "recovery and retraining cadence are not discussed.",

        "Takes the retraining workflow end to end with the named orchestrator and CI "
        "system, gates that compare a candidate model with the live one before "
        "promotion, and the concrete change made to the pipeline after the incident.",

        "Justifies pipeline design by retraining frequency and cost (step caching, "
        "parameterised DAGs, validation gates that stop a bad run, evaluation gates with "
        "metric thresholds, automatic promotion through shadow or canary) with figures "
        "such as run time and how often gates block, and the pipeline change that "
        "prevents a repeat.",
    ),
    "governance": (
        "Cannot say which model, data or code version was live when the incident "
        "happened, or how anyone would have found out.",

        "Code was in version control, but training data and model versions were not "
        "recorded; reproducing the faulty model would rely on memory.",

        "Identifies the live model version from a registry or experiment tracker, but "
        "the training data was not versioned or linked, so the incident could only be "
        "partly reconstructed.",

        "Traces the incident through registry entry, experiment run and versioned "
        "dataset with named tools (e.g. MLflow with DVC or LakeFS), could rebuild the "
        "faulty model, and knows who approved its promotion.",

        "Reconstructs the incident from records alone (model version, data snapshot, "
        "code commit, approvals and promotions), explains a trade-off made (retention "
        "cost against reproducibility, approval friction against release speed), says "
        "what was added afterwards, and can explain it to a non-technical stakeholder.",
    ),
}

# Stage 3: what the reviewer finds in the take-home submission.
_TAKE_HOME_TEXT: dict[str, tuple[str, str, str, str, str]] = {
    "infrastructure": (
        "The submission does not run from a single command, or runs only on the "
        "author's machine (hard-coded paths, undeclared dependencies); there is no "
        "container or environment definition.",

        "A dependency file or Dockerfile is present and builds, but versions are "
        "unpinned or the image is a development setup; nothing says how the service "
        "would be sized or scheduled.",

        "Builds and runs from one command in a container with pinned dependencies, with "
        "training and serving packaged separately; the README names a target platform "
        "but says nothing about resource requests, scaling or model load time.",

        "Container setup is production-minded (small image, health and readiness "
        "checks, resource requests and limits, configuration from the environment) and "
        "the write-up explains how the service would scale on a named platform, "
        "allowing for model warm-up.",

        "Includes deployment manifests or platform configuration with concrete figures "
        "(resource requests, autoscaling on inference load, latency and throughput "
        "measured on the submission itself) and argues the hardware and platform choice "
        "(CPU or GPU, managed or self-hosted) with its trade-offs for this workload.",
    ),
    "deployment": (
        "The model is not served, or is served from a development server with no input "
        "validation; the endpoint returns a bare prediction.",

        "There is an inference API, but it is a thin wrapper: little or no input "
        "validation, no model version in responses or logs, and no thought given to "
        "releasing a new model or rolling one back.",

        "Serves through a purpose-built framework or a hardened API with input "
        "validation, returns a confidence with each prediction and loads a versioned "
        "artifact; rollout and rollback are mentioned only in passing.",

        "The endpoint checks inputs against the feature schema and returns prediction, "
        "confidence and model version; a chosen version can be loaded; the write-up "
        "describes a canary or A/B rollout and a rollback that restores model artifact "
        "and feature schema together.",

        "Serving is production-grade and measured: batching configured with latency "
        "numbers from the candidate's own test, versions that can run side by side, a "
        "rollback plan with a trigger condition and traffic steps, and a reasoned choice "
        "of framework (latency against throughput) grounded in the submission.",
    ),
    "monitoring": (
        "The monitoring part is missing or is one sentence ('we would monitor the "
        "model') with no metric, tool or trigger.",

        "Lists metrics, but only operational ones (latency, error rate, CPU), or mixes "
        "them with quality metrics without telling them apart; no thresholds and no "
        "retraining trigger.",

        "Keeps service health (latency, errors) apart from what the model outputs "
        "(shifts in predictions or in input features) and names a tool; a retraining "
        "trigger is stated but not quantified, and the monitoring exists only as prose.",

        "Includes a working hook (inputs and predictions logged, a drift report from a "
        "named tool) with specific metrics and thresholds and a concrete condition "
        "under which retraining starts.",

        "Implements or precisely specifies drift and quality checks with thresholds "
        "derived from the provided data (e.g. a baseline from the training split), "
        "separates data drift from concept drift and delayed labels, and says how a "
        "retrained model would be validated before taking traffic and how alert noise "
        "is kept down.",
    ),
    "automation": (
        "Training is a notebook or a single script with hard-coded values, no distinct "
        "steps, and it crashes or carries on silently when given bad input.",

        "Steps exist as separate scripts run in order by hand or by a shell script; few "
        "parameters, runs not logged to an experiment tracker, or bad input makes it "
        "fail with a stack trace.",

        "A pipeline with separate steps for checking the data, building features and "
        "training, parameterised from configuration and logged to MLflow "
        "or Weights & Biases, that rejects bad input with a clear message; no CI and no "
        "evaluation gate.",

        "The pipeline runs as a DAG or on an orchestrator, is parameterised, has a "
        "validation step that stops bad runs and an evaluation step against a baseline, "
        "and tests or a CI configuration run on the submission.",

        "Ships CI with ML-aware gates (model metric thresholds, not only unit tests), "
        "cached or idempotent steps, and a retraining entry point the monitoring "
        "trigger could call; the write-up explains the design against an assumed "
        "retraining cadence and reports run times.",
    ),
    "governance": (
        "Nothing records which data, parameters or code produced the model; artifacts "
        "are overwritten on every run and results cannot be reproduced.",

        "Seeds or requirements are pinned, but artifacts and data are not versioned; "
        "the reviewer cannot tell which run produced the served model.",

        "Runs are logged with parameters and metrics and artifacts are stored per run, "
        "so the served model can be traced to its run; the data itself is not "
        "versioned or hashed.",

        "The served model traces to run, code and data version (DVC, LakeFS or a "
        "recorded data hash) through a registry or an equivalent convention with "
        "stages, and re-running reproduces the reported metrics.",

        "Lineage is captured automatically (data snapshot, code commit, parameters, "
        "environment, metrics) in a registry with promotion stages and a recorded "
        "reason for each promotion; re-running reproduces metrics within a stated "
        "tolerance, and the README explains the audit trail and what it costs.",
    ),
}


def _build_rubric() -> Mapping[str, Mapping[str, tuple[Anchor, ...]]]:
    texts = {"incident_interview": _INTERVIEW_TEXT, "take_home": _TAKE_HOME_TEXT}
    rubric: dict[str, Mapping[str, tuple[Anchor, ...]]] = {}
    for stage in (s.code for s in SCORED_STAGES):
        by_dim: dict[str, tuple[Anchor, ...]] = {}
        for code in DIMENSION_CODES:
            descriptions = texts[stage][code]
            if len(descriptions) != len(LEVELS) or len(set(descriptions)) != len(LEVELS):
                raise ValueError(f"rubric for {stage}/{code} needs five distinct descriptions")
            by_dim[code] = tuple(
                Anchor(level, LEVEL_LABELS[level], text)
                for level, text in zip(LEVELS, descriptions)
            )
        if set(texts[stage]) != set(DIMENSION_CODES):
            raise ValueError(f"rubric for {stage} covers {sorted(texts[stage])}")
        rubric[stage] = MappingProxyType(by_dim)
    return MappingProxyType(rubric)


RUBRIC: Mapping[str, Mapping[str, tuple[Anchor, ...]]] = _build_rubric()
"""Stage code -> dimension code -> the five anchors, levels 1 to 5 in order."""


# --------------------------------------------------------------------------
# Notes and disagreement (the rules' numbers are in scoring.domain.ratings)
# --------------------------------------------------------------------------

class Disagreement(NamedTuple):
    """Reviewers' lowest and highest rating on a dimension where they disagree."""

    dimension: str
    low: int
    high: int


def stage_code(stage_id: int | str) -> str:
    """Return the code of a scored stage, given its id (or its code).

    Parameters
    ----------
    stage_id : int or str
        2 or 3, or ``'incident_interview'`` or ``'take_home'``.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the stage is not one reviewers score.

    Examples
    --------
    >>> stage_code(3)
    'take_home'
    >>> stage_code(1)
    Traceback (most recent call last):
    ...
    ValueError: stage 1 has no scorecard; scored stages: 2 (incident_interview), 3 (take_home)
    """
    for stage in SCORED_STAGES:
        if stage_id == stage.code or (_is_int(stage_id) and int(stage_id) == stage):
            return stage.code
    valid = ", ".join(f"{int(s)} ({s.code})" for s in SCORED_STAGES)
    raise ValueError(f"stage {stage_id!r} has no scorecard; scored stages: {valid}")


def anchors_for(stage_id: int | str, dimension_code: str) -> tuple[Anchor, ...]:
    """Return the five anchors for one dimension at one scored stage.

    Parameters
    ----------
    stage_id : int or str
        2 (production incident interview) or 3 (take-home assessment); the stage
        code is accepted too.
    dimension_code : str
        One of :data:`DIMENSION_CODES`.

    Returns
    -------
    tuple of Anchor
        Five anchors, levels 1 to 5 in order, so ``anchors[r - 1]`` describes
        rating ``r``.

    Raises
    ------
    ValueError
        If the stage is not scored or the dimension is unknown.

    Examples
    --------
    >>> anchors = anchors_for(3, 'deployment')
    >>> [a.level for a in anchors]
    [1, 2, 3, 4, 5]
    >>> anchors[4].label
    'Production-proven'
    >>> anchors_for(4, 'deployment')
    Traceback (most recent call last):
    ...
    ValueError: stage 4 has no scorecard; scored stages: 2 (incident_interview), 3 (take_home)
    """
    stage = stage_code(stage_id)
    return RUBRIC[stage][dimension(dimension_code).code]


def note_required(rating: int) -> bool:
    """Whether a rating must be backed by a written note.

    The ends of the scale are the ratings that most move a weighted score and
    the ones reviewers most often give on impression; a 1 or a 5 therefore
    needs a note saying what was (or was not) heard or seen.

    Parameters
    ----------
    rating : int
        A rating from 1 to 5.

    Returns
    -------
    bool
        True for 1 and 5, False for 2, 3 and 4.

    Examples
    --------
    >>> [note_required(r) for r in (1, 2, 3, 4, 5)]
    [True, False, False, False, True]
    """
    return _is_int(rating) and int(rating) in NOTE_REQUIRED_LEVELS


def validate_scorecard(
    ratings: Mapping[str, int | None],
    notes: Mapping[str, str],
    not_assessed: Mapping[str, str] | None = None,
) -> list[str]:
    """List what is wrong with a scorecard before it may be submitted.

    A card is valid when every dimension either has an integer rating from 1
    to 5 or is marked not assessed with a reason, at least one dimension is
    rated, no unknown dimension is present, and every 1 or 5 has a non-blank
    note. A dimension left untouched (neither rated nor marked) is a problem:
    not assessing one is a choice the reviewer states, never a default.

    Parameters
    ----------
    ratings : Mapping[str, int or None]
        Dimension code -> rating. ``None`` or NaN means not yet rated.
    notes : Mapping[str, str]
        Dimension code -> the reviewer's note; absent or blank means no note.
    not_assessed : Mapping[str, str], optional
        Dimension code -> why the reviewer could not judge it (the stage gave
        no evidence either way). A dimension named here must have no rating
        and a non-blank reason.

    Returns
    -------
    list of str
        One human-readable problem per line, dimensions in scorecard order and
        unknown codes last; empty when the card may be submitted.

    Examples
    --------
    >>> card = {'infrastructure': 4, 'deployment': 3, 'monitoring': 5,
    ...         'automation': 2, 'governance': 3}
    >>> validate_scorecard(card, {'monitoring': 'PSI > 0.2 alert caught a catalogue change'})
    []
    >>> for problem in validate_scorecard({**card, 'deployment': 6, 'governance': None}, {}):
    ...     print(problem)
    Model Deployment: rating 6 is outside 1-5
    Monitoring: a rating of 5 needs a note giving the evidence
    Governance: no rating given
    >>> skipped = {'governance': 'the take-home had no registry or data-versioning part'}
    >>> validate_scorecard({**card, 'monitoring': 4, 'governance': None}, {}, skipped)
    []
    >>> validate_scorecard({**card, 'monitoring': 4, 'governance': None}, {}, {'governance': ' '})
    ['Governance: marked not assessed without a reason; say why it could not be judged']
    """
    skipped = {} if not_assessed is None else not_assessed
    problems: list[str] = []
    rated = 0
    for dim in DIMENSIONS:
        rating = ratings.get(dim.code)
        if dim.code in skipped:
            reason = skipped[dim.code]
            if not _is_missing(rating):
                problems.append(f"{dim.name}: marked not assessed but also rated {rating!r}; "
                                "give a rating or mark it not assessed, not both")
            elif reason is None or not str(reason).strip():
                problems.append(f"{dim.name}: marked not assessed without a reason; "
                                "say why it could not be judged")
            continue
        if _is_missing(rating):
            problems.append(f"{dim.name}: no rating given")
        elif not _is_int(rating):
            problems.append(f"{dim.name}: rating {rating!r} is not a whole number from {_SCALE_WORDS}")
        elif int(rating) not in LEVELS:
            problems.append(f"{dim.name}: rating {int(rating)} is outside {_SCALE}")
        else:
            rated += 1
            if note_required(rating):
                note = notes.get(dim.code)
                if note is None or not str(note).strip():
                    problems.append(
                        f"{dim.name}: a rating of {int(rating)} needs a note giving the evidence"
                    )
    if not problems and rated == 0:
        problems.append("a scorecard needs at least one rated dimension; "
                        "a stage that gave no evidence on any of them is not scored")
    unknown = sorted({str(k) for k in (*ratings, *notes, *skipped)} - set(DIMENSION_CODES))
    for code in unknown:
        problems.append(
            f"unknown dimension {code!r}; valid: {', '.join(DIMENSION_CODES)}"
        )
    return problems


def disagreements(
    ratings_by_reviewer: Mapping[Hashable, Mapping[str, int | None]],
    gap: int = DISAGREEMENT_GAP,
) -> list[Disagreement]:
    """Find dimensions on which reviewers of one candidate disagree.

    Reviewers disagree on a dimension when their highest and lowest ratings
    differ by ``gap`` (default :data:`DISAGREEMENT_GAP`, 2) or more; a one-point
    spread is ordinary noise on a five-point scale. Missing ratings (``None``,
    NaN or an absent key) are skipped; a dimension needs at least two ratings
    to show a disagreement.

    Parameters
    ----------
    ratings_by_reviewer : Mapping[reviewer, Mapping[str, int or None]]
        Reviewer (any hashable key) -> dimension code -> rating.
    gap : int, default 2
        Smallest spread that counts as a disagreement; at least 1.

    Returns
    -------
    list of Disagreement
        ``(dimension, low, high)`` tuples in scorecard order.

    Raises
    ------
    ValueError
        For an unknown dimension code, a rating that is not an integer from 1
        to 5, or a ``gap`` below 1.

    Examples
    --------
    >>> disagreements({'ana': {'monitoring': 2, 'deployment': 3},
    ...                'ben': {'monitoring': 4, 'deployment': 4}})
    [Disagreement(dimension='monitoring', low=2, high=4)]
    >>> disagreements({'ana': {'monitoring': 3}, 'ben': {'monitoring': 4}})
    []
    """
    if not _is_int(gap) or gap < 1:
        raise ValueError(f"gap must be an integer of at least 1, got {gap!r}")
    seen: dict[str, list[int]] = {code: [] for code in DIMENSION_CODES}
    for reviewer, ratings in ratings_by_reviewer.items():
        for code, rating in ratings.items():
            dimension(code)  # raises for unknown codes
            if _is_missing(rating):
                continue
            if not _is_int(rating) or int(rating) not in LEVELS:
                raise ValueError(
                    f"reviewer {reviewer!r}, {code}: "
                    f"rating {rating!r} is not an integer from {_SCALE_WORDS}"
                )
            seen[code].append(int(rating))
    found: list[Disagreement] = []
    for code in DIMENSION_CODES:
        values = seen[code]
        if len(values) >= 2 and max(values) - min(values) >= gap:
            found.append(Disagreement(code, min(values), max(values)))
    return found
