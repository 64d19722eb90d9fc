"""The Admin page's report: the words and limits it shows beside the weight versions and accounts.

The page draws the tables the store returns; the roles, dimension names, default weights and which
versions may still be withdrawn come from here, declared in :mod:`scoring.agency` once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from scoring.agency.access import ROLE_LABELS, ROLES
from scoring.agency.rubric import DEFAULT_WEIGHTS_PCT
from scoring.agency.scorecard import DIMENSIONS

__all__ = ["DIMENSIONS", "ROLES", "newest_weights", "role_label", "waiting_versions", "weights_shown"]


def role_label(role: str | None, unset: str = "unchanged") -> str:
    """A role as a person reads it (``"Hiring lead"``), or ``unset`` for no role chosen.

    Examples
    --------
    >>> role_label("hiring_lead"), role_label(None)
    ('Hiring lead', 'unchanged')
    """
    return unset if role is None else ROLE_LABELS[role]


def weights_shown(versions: pd.DataFrame) -> pd.DataFrame:
    """The weight versions with each dimension's column under its name."""
    return versions.rename(columns=DIMENSIONS)


def waiting_versions(versions: pd.DataFrame, today: date) -> pd.DataFrame:
    """The versions that have not taken effect by ``today``: the only ones that may be withdrawn."""
    starts = pd.to_datetime(versions["effective_from"]).dt.date
    return versions[starts > today]


def newest_weights(versions: pd.DataFrame) -> Mapping[str, float]:
    """Dimension code to weight (percent) of the newest version: where a new version's form starts.

    Without any version, the default weights.
    """
    if versions.empty:
        return {code: float(weight) for code, weight in DEFAULT_WEIGHTS_PCT.items()}
    newest = versions.iloc[-1]
    return {code: float(newest[code]) for code in DIMENSIONS}
