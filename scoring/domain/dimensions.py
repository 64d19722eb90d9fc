"""The five scored dimensions of the MLOps hiring scorecard (``dimensions`` in ``schema.sql``).

Source of names, scopes and default weights: the seed "MLOps Hiring Scorecard" (Infrastructure 25%,
Model Deployment 25%, Monitoring 20%, Automation 20%, Governance 10%). Admins may publish other weight
versions; the defaults are what every new database starts from (weight version 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DEFAULT_WEIGHTS_PCT", "DIMENSIONS", "DIMENSION_CODES", "DIMENSION_IDS", "DIMENSION_NAMES",
           "Dimension", "dimension"]


@dataclass(frozen=True)
class Dimension:
    """One scored dimension.

    Attributes
    ----------
    id : int
        ``dimensions.dimension_id``, 1-5.
    code : str
        Stable machine code, e.g. ``'deployment'``.
    name : str
        Name shown to people, e.g. ``'Model Deployment'``.
    scope : str
        What the dimension covers.
    default_weight_pct : int
        Weight in percent in the seed's scorecard.
    """

    id: int
    code: str
    name: str
    scope: str
    default_weight_pct: int


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(1, "infrastructure", "Infrastructure",
              "Containers, Kubernetes, GPU scheduling, autoscaling, cloud ML platforms", 25),
    Dimension(2, "deployment", "Model Deployment",
              "Serving frameworks, batching, versioning, A/B and canary, rollback", 25),
    Dimension(3, "monitoring", "Monitoring",
              "Data and concept drift, model quality vs operational metrics, thresholds, alerting", 20),
    Dimension(4, "automation", "Automation",
              "CI/CD with ML-aware gates, parameterised pipelines, retraining workflows", 20),
    Dimension(5, "governance", "Governance",
              "Reproducibility, data versioning, model registry, audit trails", 10),
)
"""The five dimensions, in scorecard order."""

DIMENSION_CODES: tuple[str, ...] = tuple(d.code for d in DIMENSIONS)
"""Dimension codes in scorecard order."""

DIMENSION_IDS: Mapping[str, int] = MappingProxyType({d.code: d.id for d in DIMENSIONS})
"""Dimension code -> ``dimension_id``."""

DIMENSION_NAMES: Mapping[str, str] = MappingProxyType({d.code: d.name for d in DIMENSIONS})
"""Dimension code -> name shown to people."""

DEFAULT_WEIGHTS_PCT: Mapping[str, int] = MappingProxyType({d.code: d.default_weight_pct for d in DIMENSIONS})
"""Dimension code -> default weight in percent; they total 100."""

_BY_CODE: Mapping[str, Dimension] = MappingProxyType({d.code: d for d in DIMENSIONS})


def dimension(code: str) -> Dimension:
    """The dimension whose code is ``code``.

    Examples
    --------
    >>> dimension('deployment').name
    'Model Deployment'
    >>> dimension('latency')
    Traceback (most recent call last):
    ...
    ValueError: unknown dimension 'latency'; valid: infrastructure, deployment, monitoring, automation, governance
    """
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise ValueError(f"unknown dimension {code!r}; valid: {', '.join(DIMENSION_CODES)}") from None
