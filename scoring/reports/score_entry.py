"""The score-entry report: the anchored rubric a reviewer scores against, the others' scores once
the reviewer's own card is in, and the tooling checklist's verdict.

The page draws the widgets; every label, rule and threshold it shows comes from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from scoring.agency.access import Account
from scoring.agency.rubric import (DIMENSIONS, DISAGREEMENT_GAP, LEVEL_LABELS, LEVELS, STAGE_EVIDENCE, anchors_for,
                                   disagreements, stage_code)
from scoring.agency.scorecard import rating_grid
from scoring.agency.tooling import CATEGORY_LABELS, REQUIRED_CATEGORIES, ToolingVerdict, evaluate_tooling
from scoring.store import scorecards
from scoring.store.db import Database

__all__ = ["CHOICES", "DIMENSIONS", "NOT_ASSESSED", "REQUIRED_TOOLS", "PeerReview", "anchors_for", "choice_label",
           "peer_review", "stage_evidence", "tooling_verdict"]

NOT_ASSESSED = "not assessed"
#: The choices beside each dimension: the five anchored levels, or not assessed.
CHOICES: tuple[int | str, ...] = (*LEVELS, NOT_ASSESSED)
#: The categories where the tooling rule needs a verified tool, by name, in the rule's order.
REQUIRED_TOOLS: tuple[str, ...] = tuple(CATEGORY_LABELS[c] for c in REQUIRED_CATEGORIES)
_DIMENSION_NAMES: Mapping[str, str] = {d.code: d.name for d in DIMENSIONS}


def choice_label(choice: int | str) -> str:
    """A choice as the radio shows it: ``"4 Strong"``..., or ``"Not assessed"``.

    Examples
    --------
    >>> choice_label(NOT_ASSESSED), choice_label(1) == f"1 {LEVEL_LABELS[1]}"
    ('Not assessed', True)
    """
    return "Not assessed" if choice == NOT_ASSESSED else f"{choice} {LEVEL_LABELS[int(choice)]}"


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
    return PeerReview(grid=rating_grid(peers), not_assessed=not_assessed, disagreements=gaps)


def tooling_verdict(checklist: pd.DataFrame) -> ToolingVerdict:
    """The tooling rule applied to a checklist (``tool``, ``claimed``, ``verified``) as the reviewer left it."""
    return evaluate_tooling([(row.tool, bool(row.verified)) for row in checklist.itertuples() if row.claimed])
