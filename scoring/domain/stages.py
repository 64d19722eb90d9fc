"""The four vetting stages, in the order a candidate passes them (``stages`` in ``schema.sql``)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["SCORED_STAGES", "Stage", "sql_list"]


class Stage(IntEnum):
    """A vetting stage; its value is ``stages.stage_id``.

    Examples
    --------
    >>> Stage.TAKE_HOME.code, Stage.TAKE_HOME.label, Stage.TAKE_HOME.is_scored
    ('take_home', 'Take-home assessment', True)
    """

    TOOLING_AUDIT = 1
    INCIDENT_INTERVIEW = 2
    TAKE_HOME = 3
    CLIENT_SHORTLIST = 4

    @property
    def code(self) -> str:
        """Stable machine code (``stages.code``)."""
        return self.name.lower()

    @property
    def label(self) -> str:
        """Name shown to people (``stages.name``)."""
        return _LABELS[self]

    @property
    def is_scored(self) -> bool:
        """Whether reviewers fill a five-dimension scorecard at this stage."""
        return self in SCORED_STAGES


_LABELS = {
    Stage.TOOLING_AUDIT: "Pipeline and tooling audit",
    Stage.INCIDENT_INTERVIEW: "Production incident interview",
    Stage.TAKE_HOME: "Take-home assessment",
    Stage.CLIENT_SHORTLIST: "Client shortlist",
}

SCORED_STAGES: tuple[Stage, ...] = (Stage.INCIDENT_INTERVIEW, Stage.TAKE_HOME)
"""Stages where reviewers fill a scorecard. Stage 1 is a pass/fail tooling rule; stage 4 is the
client's decision (at stage 4 'pass' means the client accepted the candidate)."""


def sql_list(values: tuple[int, ...] | tuple[Stage, ...]) -> str:
    """The values as the inside of a SQL ``IN (...)`` list.

    Examples
    --------
    >>> f"stage_id IN ({sql_list(SCORED_STAGES)})"
    'stage_id IN (2, 3)'
    """
    return ", ".join(str(int(value)) for value in values)
