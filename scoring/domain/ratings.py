"""The rating scale of the anchored rubric and the rules that go with it (``scores.rating``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["DISAGREEMENT_GAP", "LEVELS", "LEVEL_LABELS", "NOTE_REQUIRED_LEVELS", "RATING_MAX", "RATING_MIN"]

RATING_MIN: int = 1
"""Lowest rating: no evidence."""

RATING_MAX: int = 5
"""Highest rating: production-proven."""

LEVELS: tuple[int, ...] = tuple(range(RATING_MIN, RATING_MAX + 1))
"""The rating scale, 1-5."""

LEVEL_LABELS: Mapping[int, str] = MappingProxyType({
    1: "No evidence",
    2: "Thin",
    3: "Solid but partial",
    4: "Strong",
    5: "Production-proven",
})
"""Short label for each level, the same for every dimension and stage."""

NOTE_REQUIRED_LEVELS: frozenset[int] = frozenset({RATING_MIN, RATING_MAX})
"""Ratings at the ends of the scale must carry a note with the evidence."""

DISAGREEMENT_GAP: int = 2
"""Reviewers whose ratings on one dimension differ by this much or more disagree."""
