"""The tool catalogue of the pipeline and tooling audit (``tools`` in ``schema.sql``) and its bar.

Source of categories and tools: the seed's stage-1 description (orchestration, experiment tracking,
serving required; monitoring, feature stores, data versioning, CI/CD and cloud ML also listed). A
candidate passes stage 1 with :data:`MINIMUM_VERIFIED` verified tool in each of
:data:`REQUIRED_CATEGORIES`; the seed's stronger bar is :data:`STRICT_VERIFIED` per category.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["CATEGORIES", "CATEGORY_LABELS", "MINIMUM_VERIFIED", "REQUIRED_CATEGORIES", "STRICT_VERIFIED",
           "TOOLS", "TOOL_ALIASES", "TOOL_CATALOGUE", "TOOL_CATEGORY", "TOOL_IDS", "Tool"]


@dataclass(frozen=True)
class Tool:
    """One tool of the catalogue.

    Attributes
    ----------
    id : int
        ``tools.tool_id``.
    name : str
        The catalogue spelling, e.g. ``'Weights & Biases'``.
    category : str
        Its category code, e.g. ``'experiment_tracking'``.
    """

    id: int
    name: str
    category: str


CATEGORY_LABELS: Mapping[str, str] = MappingProxyType({
    "orchestration": "Pipeline orchestration",
    "experiment_tracking": "Experiment tracking",
    "serving": "Model serving",
    "monitoring": "Model monitoring",
    "feature_store": "Feature store",
    "data_versioning": "Data versioning",
    "ci_cd": "CI/CD",
    "cloud_ml": "Cloud ML platform",
})
"""Category code -> label shown to people, in catalogue order."""

CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)
"""Category codes in catalogue order (the values ``tools.category`` allows)."""

_NAMES_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "orchestration": ("Kubeflow", "Airflow", "Prefect", "Dagster"),
    "experiment_tracking": ("MLflow", "Weights & Biases", "Neptune"),
    "serving": ("Triton", "BentoML", "Seldon", "TorchServe", "TensorFlow Serving", "KServe"),
    "monitoring": ("Evidently", "Arize", "WhyLabs", "Fiddler"),
    "feature_store": ("Feast", "Tecton", "Hopsworks", "Databricks Feature Store"),
    "data_versioning": ("DVC", "LakeFS"),
    "ci_cd": ("GitHub Actions", "Jenkins", "GitLab CI"),
    "cloud_ml": ("SageMaker", "Vertex AI", "Azure ML"),
}

TOOLS: tuple[Tool, ...] = tuple(
    Tool(tool_id, name, category)
    for tool_id, (category, name) in enumerate(
        ((category, name) for category in CATEGORIES for name in _NAMES_BY_CATEGORY[category]), start=1)
)
"""Every tool, numbered in catalogue order as ``schema.sql`` numbers them."""

TOOL_CATALOGUE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {category: tuple(t.name for t in TOOLS if t.category == category) for category in CATEGORIES})
"""Category code -> the tools the audit recognises in it, in catalogue order."""

TOOL_CATEGORY: Mapping[str, str] = MappingProxyType({t.name: t.category for t in TOOLS})
"""Tool name -> its category code."""

TOOL_IDS: Mapping[str, int] = MappingProxyType({t.name: t.id for t in TOOLS})
"""Tool name -> ``tools.tool_id``."""

REQUIRED_CATEGORIES: tuple[str, ...] = ("orchestration", "experiment_tracking", "serving")
"""Categories in which verified experience is required to pass stage 1."""

MINIMUM_VERIFIED: int = 1
"""Verified tools needed in each required category to pass."""

STRICT_VERIFIED: int = 2
"""Verified tools per required category for the stricter bar."""

TOOL_ALIASES: Mapping[str, str] = MappingProxyType({
    "evidently ai": "Evidently",
    "whylogs": "WhyLabs",
    "w&b": "Weights & Biases",
    "wandb": "Weights & Biases",
    "weights and biases": "Weights & Biases",
    "apache airflow": "Airflow",
    "nvidia triton": "Triton",
    "triton inference server": "Triton",
    "seldon core": "Seldon",
    "tf serving": "TensorFlow Serving",
    "databricks": "Databricks Feature Store",
    "aws sagemaker": "SageMaker",
    "amazon sagemaker": "SageMaker",
    "google vertex ai": "Vertex AI",
    "azure machine learning": "Azure ML",
    "gitlab ci/cd": "GitLab CI",
})
"""Other spellings met in CVs and imports (lower case) -> catalogue name."""

if not (set(REQUIRED_CATEGORIES) <= set(CATEGORIES) and set(TOOL_ALIASES.values()) <= set(TOOL_CATEGORY)
        and set(_NAMES_BY_CATEGORY) == set(CATEGORIES)):
    raise ValueError("tool catalogue, aliases and required categories are inconsistent")
