"""Stage 1 of vetting: the pipeline and tooling audit.

The rule, as the agency states it: before a candidate is interviewed, their
experience must be *verified* (a reviewer confirmed it from the candidate's
code or employment record, not just read it on a CV) with one or more tools in
each of three categories: pipeline orchestration, experiment tracking and model
serving.  A tool the
candidate claims but nobody could confirm does not count; listing MLflow
without being able to say what an MLflow run stores is a claim, not evidence.
The same sources also set a stricter bar of two tools per category, which this
module reports alongside the minimum so a hiring lead can see both.

The tool catalogue (eight categories, the tools in each, a label per
category) and the bar are the agency's vocabulary, declared in
:mod:`scoring.domain.tools`; this module applies them.

Examples
--------
>>> v = evaluate_tooling([('Airflow', True), ('MLflow', True), ('BentoML', False)])
>>> v.passes_minimum
False
>>> v.missing
('serving: no verified tool (claimed: BentoML, unverified)',)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from scoring.domain.tools import (
    CATEGORIES,
    MINIMUM_VERIFIED,
    REQUIRED_CATEGORIES,
    STRICT_VERIFIED,
    TOOL_ALIASES,
    TOOL_CATALOGUE,
    TOOL_CATEGORY,
)

__all__ = [
    "ToolingVerdict",
    "evaluate_tooling",
    "resolve_tool",
]

# --------------------------------------------------------------------------
# Catalogue lookup (the catalogue itself is scoring.domain.tools)
# --------------------------------------------------------------------------


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


_LOOKUP: Mapping[str, str] = MappingProxyType({
    **{_norm(alias): tool for alias, tool in TOOL_ALIASES.items()},
    **{_norm(tool): tool for tool in TOOL_CATEGORY},
})



def resolve_tool(tool: str, category: str | None = None) -> tuple[str, str]:
    """Return ``(category, tool)`` with the tool's catalogue spelling.

    Matching ignores case and repeated spaces and accepts the spellings in
    :data:`TOOL_ALIASES` (e.g. ``'Evidently AI'``, ``'wandb'``).

    Parameters
    ----------
    tool : str
        A tool name.
    category : str, optional
        If given, the tool must belong to this category.

    Returns
    -------
    tuple of (str, str)
        Category code and catalogue name.

    Raises
    ------
    ValueError
        For an unknown category or tool, or a tool outside the given
        category; the message names the valid choices.

    Examples
    --------
    >>> resolve_tool('mlflow')
    ('experiment_tracking', 'MLflow')
    >>> resolve_tool('Whylogs', 'monitoring')
    ('monitoring', 'WhyLabs')
    >>> resolve_tool('MLflow', 'serving')
    Traceback (most recent call last):
    ...
    ValueError: 'MLflow' is an experiment_tracking tool, not serving; serving tools: Triton, BentoML, ...
    >>> resolve_tool('Kubernetes')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown tool 'Kubernetes'; valid tools: Kubeflow, Airflow, Prefect, ..., Azure ML
    """
    if category is not None and category not in TOOL_CATALOGUE:
        raise ValueError(
            f"unknown tool category {category!r}; valid categories: {', '.join(CATEGORIES)}"
        )
    name = _LOOKUP.get(_norm(tool)) if isinstance(tool, str) else None
    if name is None:
        if category is not None:
            raise ValueError(
                f"unknown {category} tool {tool!r}; valid: {', '.join(TOOL_CATALOGUE[category])}"
            )
        raise ValueError(f"unknown tool {tool!r}; valid tools: {', '.join(TOOL_CATEGORY)}")
    actual = TOOL_CATEGORY[name]
    if category is not None and actual != category:
        article = "an" if actual[0] in "aeiou" else "a"
        raise ValueError(
            f"{name!r} is {article} {actual} tool, not {category}; "
            f"{category} tools: {', '.join(TOOL_CATALOGUE[category])}"
        )
    return actual, name


# --------------------------------------------------------------------------
# Verdict
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolingVerdict:
    """Outcome of the stage-1 audit for one candidate.

    Attributes
    ----------
    passes_minimum : bool
        At least :data:`MINIMUM_VERIFIED` verified tool in every required
        category; this is the stage-1 pass.
    passes_strict : bool
        At least :data:`STRICT_VERIFIED` verified tools in every required
        category. Implies ``passes_minimum``.
    verified_counts : Mapping[str, int]
        Category code -> number of distinct verified tools, for every category.
    claimed_counts : Mapping[str, int]
        Category code -> number of distinct tools claimed (verified or not),
        for every category; never less than the verified count.
    verified_tools, unverified_tools : Mapping[str, tuple of str]
        Category code -> tool names in catalogue order, for every category.
    missing : tuple of str
        Why the minimum bar is not met, one reason per required category that
        falls short; empty when ``passes_minimum``.
    strict_missing : tuple of str
        The same for the strict bar; empty when ``passes_strict``.
    """

    passes_minimum: bool
    passes_strict: bool
    verified_counts: Mapping[str, int]
    claimed_counts: Mapping[str, int]
    verified_tools: Mapping[str, tuple[str, ...]]
    unverified_tools: Mapping[str, tuple[str, ...]]
    missing: tuple[str, ...]
    strict_missing: tuple[str, ...]


ToolRef: TypeAlias = str | tuple[str, str]
Evidence: TypeAlias = pd.DataFrame | Mapping[Any, Any] | Iterable[tuple[ToolRef, bool]]


def _as_bool(value: object, where: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{where}: verified must be True or False, got {value!r}")


def _rows(evidence: Evidence) -> Iterable[tuple[ToolRef, object]]:
    """Yield ``(tool reference, verified)`` from any accepted evidence shape."""
    if isinstance(evidence, pd.DataFrame):
        needed = {"tool", "verified"}
        if not needed <= set(evidence.columns):
            raise ValueError(
                "evidence frame needs columns category, tool, verified; "
                f"got {list(evidence.columns)}"
            )
        has_category = "category" in evidence.columns
        for row in evidence.itertuples(index=False):
            category = row.category if has_category else None
            if category is None or (not isinstance(category, str) and pd.isna(category)):
                yield row.tool, row.verified
            else:
                yield (category, row.tool), row.verified
        return
    if isinstance(evidence, str):
        raise ValueError("evidence must be rows of (tool, verified), not a single string")
    items = evidence.items() if isinstance(evidence, Mapping) else evidence
    for item in items:
        try:
            ref, verified = item
        except (TypeError, ValueError):
            raise ValueError(
                f"evidence row {item!r} is not a pair of (tool or (category, tool), verified)"
            ) from None
        yield ref, verified


def _join(names: Iterable[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _shortfall(category: str, verified: tuple[str, ...], unverified: tuple[str, ...],
               needed: int) -> str:
    if verified:
        head = f"{category}: {len(verified)} verified tool{'s' if len(verified) > 1 else ''} " \
               f"({_join(verified)}), {needed} needed"
    elif needed == MINIMUM_VERIFIED:
        head = f"{category}: no verified tool"
    else:
        head = f"{category}: no verified tool, {needed} needed"
    if unverified:
        return f"{head} (claimed: {_join(unverified)}, unverified)"
    if not verified:
        return f"{head} (none claimed)"
    return head


def evaluate_tooling(evidence: Evidence) -> ToolingVerdict:
    """Apply the stage-1 tooling rule to a candidate's tool evidence.

    A candidate passes when, in each of :data:`REQUIRED_CATEGORIES`
    (orchestration, experiment tracking, serving), at least one tool they
    claimed was verified by a reviewer. Unverified claims are counted and
    reported but never help a candidate pass. The stricter bar asks for two
    verified tools in each of those categories. A tool named in several rows
    counts once, and counts as verified if any row verifies it.

    Parameters
    ----------
    evidence : iterable, Mapping or pandas.DataFrame
        Either rows ``(tool, verified)`` or ``((category, tool), verified)``;
        a mapping ``{tool or (category, tool): verified}``; or a DataFrame
        with columns ``category``, ``tool`` and ``verified`` (a null category
        is looked up from the tool). ``verified`` must be a boolean.

    Returns
    -------
    ToolingVerdict

    Raises
    ------
    ValueError
        For an unknown tool or category, a tool filed under the wrong
        category, a malformed row or a non-boolean ``verified``.

    Examples
    --------
    >>> v = evaluate_tooling([('Airflow', True), ('Prefect', True),
    ...                       (('experiment_tracking', 'MLflow'), True),
    ...                       ('Triton', True), ('Seldon', False)])
    >>> v.passes_minimum, v.passes_strict
    (True, False)
    >>> v.verified_counts['serving'], v.claimed_counts['serving']
    (1, 2)
    >>> for shortfall in v.strict_missing:
    ...     print(shortfall)
    experiment_tracking: 1 verified tool (MLflow), 2 needed
    serving: 1 verified tool (Triton), 2 needed (claimed: Seldon, unverified)
    >>> evaluate_tooling([]).missing[0]
    'orchestration: no verified tool (none claimed)'
    """
    status: dict[str, bool] = {}
    for ref, raw_verified in _rows(evidence):
        if isinstance(ref, tuple):
            if len(ref) != 2:
                raise ValueError(f"tool reference {ref!r} must be (category, tool)")
            category, name = resolve_tool(ref[1], ref[0])
        else:
            category, name = resolve_tool(ref)
        verified = _as_bool(raw_verified, name)
        status[name] = status.get(name, False) or verified

    verified_tools: dict[str, tuple[str, ...]] = {}
    unverified_tools: dict[str, tuple[str, ...]] = {}
    for category, tools in TOOL_CATALOGUE.items():
        verified_tools[category] = tuple(t for t in tools if status.get(t) is True)
        unverified_tools[category] = tuple(t for t in tools if status.get(t) is False)

    missing: list[str] = []
    strict_missing: list[str] = []
    for category in REQUIRED_CATEGORIES:
        ver, unver = verified_tools[category], unverified_tools[category]
        if len(ver) < MINIMUM_VERIFIED:
            missing.append(_shortfall(category, ver, unver, MINIMUM_VERIFIED))
        if len(ver) < STRICT_VERIFIED:
            strict_missing.append(_shortfall(category, ver, unver, STRICT_VERIFIED))

    return ToolingVerdict(
        passes_minimum=not missing,
        passes_strict=not strict_missing,
        verified_counts=MappingProxyType({c: len(verified_tools[c]) for c in CATEGORIES}),
        claimed_counts=MappingProxyType(
            {c: len(verified_tools[c]) + len(unverified_tools[c]) for c in CATEGORIES}
        ),
        verified_tools=MappingProxyType(verified_tools),
        unverified_tools=MappingProxyType(unverified_tools),
        missing=tuple(missing),
        strict_missing=tuple(strict_missing),
    )
