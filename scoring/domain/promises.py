"""The agency's promises to its clients, each with its numbers, how it is measured and its source.

The names and descriptions people read are built from the numbers below, so changing a target
changes every sentence that states it. Source of the figures: the agency seed (F5 Hiring
Solutions, MLOps hiring guide: vetting stage four and FAQ); placement retention has no promised
figure and is reported, not judged.

Examples
--------
>>> PROMISES["shortlist_time"].name
'Shortlist within 7-14 business days'
>>> str(PROMISES["client_retention"].horizon)
'3 months'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from scoring.domain.stages import Stage

__all__ = ["CLIENT_HORIZON", "PLACEMENT_HORIZON", "PLACEMENT_LOST_REASONS", "PROMISES", "SEED",
           "SHORTLIST_STAGE", "Horizon", "Promise"]

SEED = "agency seed (F5 Hiring Solutions, MLOps hiring guide: vetting stage four and FAQ)"
"""Where the promised figures come from."""

SHORTLIST_STAGE: Stage = Stage.CLIENT_SHORTLIST
"""The stage an application enters when it is put on a client's shortlist."""

PLACEMENT_LOST_REASONS: tuple[str, ...] = ("not_a_fit", "engineer_left")
"""End reasons that count as losing a placement; 'completed' and 'client_churned' ends censor it."""


@dataclass(frozen=True)
class Horizon:
    """How long a subject must stay to count as retained, and where the figure comes from.

    Examples
    --------
    >>> str(Horizon("x", "stays", 90, "days", "policy"))
    '90 days'
    """

    key: str
    label: str
    length: int
    unit: Literal["months", "days"]
    source: str

    def __str__(self) -> str:
        return f"{self.length} {self.unit}"


_CLIENT_MONTHS = 3
_CLIENT_SHARE = 0.95
_PLACEMENT_DAYS = 90

CLIENT_HORIZON = Horizon(
    f"client_{_CLIENT_MONTHS}_months", f"client continues beyond its first {_CLIENT_MONTHS} months",
    _CLIENT_MONTHS, "months",
    f"Agency seed (F5 Hiring Solutions MLOps hiring guide): {_CLIENT_SHARE:.0%} client retention, measured "
    f"as clients who continue beyond the first {_CLIENT_MONTHS} months.",
)
"""Client retention counts clients still with the agency after their first 3 calendar months."""

PLACEMENT_HORIZON = Horizon(
    f"placement_{_PLACEMENT_DAYS}_days", f"placed engineer still in post {_PLACEMENT_DAYS} days after the first day",
    _PLACEMENT_DAYS, "days",
    "No figure in the seeds; the quality signal behind the zero-cost replacement guarantee.",
)
"""Placement retention counts engineers still in post 90 days after their first day."""


@dataclass(frozen=True)
class Promise:
    """One promise: its figure, how it is measured and where it comes from.

    ``target`` and ``limit`` are read per promise as ``measured`` says (for the shortlist size they
    are the fewest and the most candidates). ``horizon`` is the time a retention promise looks
    ahead; ``None`` for the others.
    """

    key: str
    name: str
    target: float | None
    limit: float | None
    unit: str
    measured: str
    source: str
    horizon: Horizon | None = None


def _shortlist_time(target: int, limit: int) -> Promise:
    return Promise(
        "shortlist_time", f"Shortlist within {target}-{limit} business days", target, limit, "business days",
        "Business days from the day a search opened to the day its shortlist was delivered, the opening day "
        "not counted, "
        f"weekends and the client's country's public holidays excluded. {target} is the target, {limit} "
        "the limit for every search; a search without a shortlist breaches once "
        f"{limit} business days have passed (to the audit date) and is at risk past the target; a search "
        "cancelled without a shortlist is left out of the figure (neither met nor breached) and listed "
        "apart.", SEED)


def _shortlist_size(fewest: int, most: int) -> Promise:
    return Promise(
        "shortlist_size", f"Shortlist of {fewest}-{most} candidates", fewest, most, "candidates",
        f"Applications of a search with a delivered shortlist that entered stage {int(SHORTLIST_STAGE)} "
        f"({SHORTLIST_STAGE.label.lower()}); fewer than the target ({fewest}) or more than the limit "
        f"({most}) is flagged.", SEED)


def _first_day(target: int) -> Promise:
    return Promise(
        "first_day", f"First day within {target} days on average", target, None, "calendar days",
        "Mean calendar days from the day a search opened to the placed engineer's first day, over placements "
        "started by the audit date that are not replacements. Measured from the search opening, as the client "
        "waits from its request; counting from the day the offer was accepted is available as an option.", SEED)


def _replacement(target: int, limit: int) -> Promise:
    return Promise(
        "replacement", f"Replacement within {target}-{limit} days at zero cost", target, limit, "calendar days",
        f"Calendar days from the day a replacement was requested to the day it was fulfilled; {limit} is the "
        f"limit and the client must be charged nothing. An unfulfilled request breaches once {limit} days have "
        "passed.", SEED)


def _client_retention(share: float, horizon: Horizon) -> Promise:
    return Promise(
        "client_retention", f"{share:.0%} of clients continue beyond their first {horizon}", share, None,
        "share of clients",
        f"Clients still with the agency {horizon.length} calendar {horizon.unit} after signing, among "
        f"those whose outcome is known; clients younger than {horizon} are censored, not counted.",
        SEED, horizon)


def _placement_retention(horizon: Horizon) -> Promise:
    reasons = " or ".join(f"'{reason.replace('_', ' ')}'" for reason in PLACEMENT_LOST_REASONS)
    return Promise(
        "placement_retention", f"Placed engineers still in post at {horizon}", None, None,
        "share of placements",
        f"Placements not ended as {reasons} within {horizon} of the first day, among those whose outcome "
        "is known. No figure is promised: reported, not judged.",
        "no figure in the seeds; the quality signal behind the replacement guarantee", horizon)


PROMISES: Mapping[str, Promise] = MappingProxyType({p.key: p for p in (
    _shortlist_time(7, 14),
    _shortlist_size(2, 3),
    _first_day(30),
    _replacement(7, 14),
    _client_retention(_CLIENT_SHARE, CLIENT_HORIZON),
    _placement_retention(PLACEMENT_HORIZON),
)})
"""Every promise, in the order the ops page and its export list them."""
