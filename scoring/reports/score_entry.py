"""The score-entry report: the anchored rubric a reviewer scores against, the others' scores once
the reviewer's own card is in, and the tooling checklist's verdict.

The page draws the widgets; every label, rule and threshold it shows comes from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from scoring.agency.access import Account
from scoring.agency.rubric import STAGE_EVIDENCE, anchors_for, disagreements, stage_code
from scoring.agency.scorecard import rating_grid
from scoring.agency.tooling import ToolingVerdict, evaluate_tooling
from scoring.domain.dimensions import DIMENSIONS as DIMENSIONS
from scoring.domain.ratings import DISAGREEMENT_GAP, LEVEL_LABELS, LEVELS
from scoring.domain.tools import CATEGORY_LABELS, MINIMUM_VERIFIED, REQUIRED_CATEGORIES
from scoring.reports.candidate import profile_link  # the queue links to the profile page
from scoring.store import scorecards
from scoring.store.db import Database

__all__ = ["CHOICES", "DIMENSIONS", "NOT_ASSESSED", "QUEUE_COLUMNS", "REQUIRED_TOOLS", "TOOL_COLUMNS",
           "PeerReview", "anchors_for", "choice_label", "item_key", "nothing_verified", "peer_review", "queue_labels",
           "queue_table", "shortfalls", "stage_evidence", "tooling_rows", "tooling_verdict", "unverified_warning"]

NOT_ASSESSED = "not assessed"
#: The choices beside each dimension: the five anchored levels, or not assessed.
CHOICES: tuple[int | str, ...] = (*LEVELS, NOT_ASSESSED)
#: The categories where the tooling rule needs a verified tool, by name, in the rule's order.
REQUIRED_TOOLS: tuple[str, ...] = tuple(CATEGORY_LABELS[c] for c in REQUIRED_CATEGORIES)
_DIMENSION_NAMES: Mapping[str, str] = {d.code: d.name for d in DIMENSIONS}
#: The queue table's columns, as :func:`queue_table` names them, in the order they are shown.
#: What a reviewer came for first (who, which stage, when it is due), then where the work comes from.
QUEUE_COLUMNS: tuple[str, ...] = ("Candidate", "Candidate id", "Stage", "Due", "Overdue", "Draft saved", "Role",
                                  "Client", "Assigned")
#: The tooling checklist's columns as a reviewer reads them, by the name :func:`tooling_rows` gives them.
TOOL_COLUMNS: Mapping[str, str] = {"category": "Category", "tool": "Tool", "claimed": "Claimed",
                                   "verified": "Verified", "evidence": "Evidence"}


def choice_label(choice: int | str) -> str:
    """A choice as the radio shows it: ``"4 Strong"``..., or ``"Not assessed"``.

    Examples
    --------
    >>> choice_label(NOT_ASSESSED), choice_label(1) == f"1 {LEVEL_LABELS[1]}"
    ('Not assessed', True)
    """
    return "Not assessed" if choice == NOT_ASSESSED else f"{choice} {LEVEL_LABELS[int(choice)]}"


def item_key(item: pd.Series) -> tuple[int, int]:
    """What identifies one piece of queued work: its application and stage ids."""
    return int(item["application_id"]), int(item["stage_id"])


def queue_table(queue: pd.DataFrame) -> pd.DataFrame:
    """The reviewer's queue (:func:`scoring.store.scorecards.queue`) under :data:`QUEUE_COLUMNS`.

    ``Candidate id`` holds the link to the candidate's profile (:func:`~scoring.reports.candidate.profile_link`); the
    dates are days, without a time.
    """
    return pd.DataFrame({
        "Candidate": queue["candidate"].to_numpy(),
        "Candidate id": queue["candidate_ref"].map(profile_link).to_numpy(),
        "Stage": queue["stage"].to_numpy(),
        "Role": queue["role_title"].to_numpy(),
        "Client": queue["client"].to_numpy(),
        "Assigned": pd.to_datetime(queue["assigned_on"]).dt.date.to_numpy(),
        "Due": pd.to_datetime(queue["due_on"]).dt.date.to_numpy(),
        "Overdue": queue["overdue"].astype(bool).to_numpy(),
        "Draft saved": queue["has_draft"].astype(bool).to_numpy(),
    }, columns=list(QUEUE_COLUMNS))


def queue_labels(queue: pd.DataFrame) -> dict[tuple[int, int], str]:
    """Each queued item (by :func:`item_key`) as the "Work on" box names it: candidate, stage, due day."""
    return {item_key(row): f"{'OVERDUE · ' if row['overdue'] else ''}{row['candidate']} · {row['stage']} · "
                           f"due {pd.Timestamp(row['due_on']):%d %b}"
            for _, row in queue.iterrows()}


def tooling_rows(checklist: pd.DataFrame) -> pd.DataFrame:
    """The checklist (:func:`scoring.store.tooling_audit.checklist`) as the reviewer edits it: the keys
    of :data:`TOOL_COLUMNS`, each category under its label."""
    rows = checklist[list(TOOL_COLUMNS)].copy()
    rows["category"] = rows["category"].map(CATEGORY_LABELS).fillna(rows["category"])
    return rows.reset_index(drop=True)


def nothing_verified(checklist: pd.DataFrame) -> bool:
    """Whether the reviewer marked no tool verified: submitting then records a fail."""
    return not checklist["verified"].fillna(False).astype(bool).any()


def unverified_warning(candidate: str) -> str:
    """What submitting a checklist with nothing verified will record, asked before it is."""
    return (f"No tool is marked verified, so submitting records a **fail** for {candidate}'s tooling audit "
            f"(it needs a verified tool in each of {', '.join(REQUIRED_TOOLS)}) and ends this candidate's "
            "application at this stage. Record the fail?")


def stage_evidence(stage_id: int) -> str:
    """What a stage can show a reviewer, put above its scorecard."""
    return STAGE_EVIDENCE[stage_code(stage_id)]


@dataclass(frozen=True)
class PeerReview:
    """Every reviewer's scores of one application at one stage, shown once one's own is in."""

    #: Reviewers by dimension, as :func:`scoring.agency.scorecard.rating_grid` lays them out.
    grid: pd.DataFrame
    #: ``reviewer``, ``dimension`` (its name) and ``reason`` for each dimension a reviewer did not assess.
    not_assessed: pd.DataFrame
    #: ``"Monitoring (2 vs 4)"`` for each dimension where ratings differ by :attr:`gap` or more.
    disagreements: tuple[str, ...]
    #: How many reviewers other than the one asking have submitted: the grid is worth showing only above 0.
    others: int = 0
    gap: int = DISAGREEMENT_GAP


def peer_review(db: Database, actor: Account, application_id: int, stage_id: int) -> PeerReview:
    """The others' scores beside one's own; the store refuses them until one's own card is submitted."""
    peers = scorecards.peer_ratings(db, actor, application_id, stage_id)
    skipped = peers[peers["rating"].isna()]
    not_assessed = pd.DataFrame({"reviewer": skipped["reviewer"],
                                 "dimension": skipped["dimension"].map(_DIMENSION_NAMES),
                                 "reason": skipped["not_assessed_reason"]}).reset_index(drop=True)
    rated = peers.dropna(subset=["rating"])       # a dimension not assessed is no rating to disagree with
    by_reviewer = {name: dict(zip(rows["dimension"], rows["rating"].astype(int)))
                   for name, rows in rated.groupby("reviewer")}
    gaps = tuple(f"{_DIMENSION_NAMES[g.dimension]} ({g.low} vs {g.high})" for g in disagreements(by_reviewer))
    grid = rating_grid(peers).reset_index().rename(columns={"reviewer": "Reviewer"})
    others = int(peers.loc[peers["reviewer_id"] != actor.account_id, "reviewer_id"].nunique())
    return PeerReview(grid=grid, not_assessed=not_assessed, disagreements=gaps, others=others)


def _names(tools: tuple[str, ...]) -> str:
    return tools[0] if len(tools) == 1 else f"{', '.join(tools[:-1])} and {tools[-1]}"


def shortfalls(verdict: ToolingVerdict) -> list[str]:
    """Why the minimum bar is not met, one sentence per required category short of a verified tool,
    the category named as people read it; empty when the bar is met.

    Examples
    --------
    >>> verdict = evaluate_tooling([("Airflow", False), ("MLflow", True), ("KServe", True)])
    >>> shortfalls(verdict)
    ['Pipeline orchestration: no verified tool yet (claimed, not verified: Airflow).']
    >>> shortfalls(evaluate_tooling([("MLflow", True)]))[1]
    'Model serving: no tool claimed.'
    """
    out = []
    for category in REQUIRED_CATEGORIES:
        if verdict.verified_counts.get(category, 0) >= MINIMUM_VERIFIED:
            continue
        unverified = tuple(verdict.unverified_tools.get(category, ()))
        said = f"no verified tool yet (claimed, not verified: {_names(unverified)})" if unverified else (
            "no tool claimed")
        out.append(f"{CATEGORY_LABELS[category]}: {said}.")
    return out


def tooling_verdict(checklist: pd.DataFrame) -> ToolingVerdict:
    """The tooling rule applied to a checklist (``tool``, ``claimed``, ``verified``) as the reviewer left it."""
    return evaluate_tooling([(row.tool, bool(row.verified)) for row in checklist.itertuples() if row.claimed])
