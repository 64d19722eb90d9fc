"""The seniorities a search asks for and a candidate is assessed at (``searches.seniority``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["SENIORITIES", "SENIORITY_LABELS"]

SENIORITIES: tuple[str, ...] = ("junior", "mid", "senior")
"""Seniority codes, most junior first."""

SENIORITY_LABELS: Mapping[str, str] = MappingProxyType({"junior": "Junior", "mid": "Mid-level", "senior": "Senior"})
"""Seniority code -> word shown to people."""
