"""Voluntary self-identification: the categories a candidate may choose for sex and race/ethnicity.

The categories are those of the U.S. Equal Employment Opportunity Commission's EEO-1 report (the
"Component 1" data collection: two sex categories and seven race/ethnicity categories), each with
"prefer not to say", which a candidate may always choose. They are stored apart from everything a
score reads (``self_identification`` in ``schema.sql``), readable only by auditors and admins, and never
used by any score.

References
----------
U.S. Equal Employment Opportunity Commission, EEO-1 Component 1 Instruction Booklet, "Race and Ethnic
Identification" and "Sex" (categories and their definitions).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ATTRIBUTES", "ATTRIBUTE_LABELS", "CATEGORIES", "PREFER_NOT_TO_SAY", "RACE_ETHNICITY", "SEX"]

PREFER_NOT_TO_SAY = "prefer_not_to_say"
"""The answer a candidate may give to either question instead of a category."""

SEX: Mapping[str, str] = MappingProxyType({
    "female": "Female",
    "male": "Male",
    PREFER_NOT_TO_SAY: "Prefer not to say",
})
"""Sex code -> words shown to people (EEO-1 categories)."""

RACE_ETHNICITY: Mapping[str, str] = MappingProxyType({
    "hispanic_latino": "Hispanic or Latino",
    "white": "White",
    "black": "Black or African American",
    "pacific_islander": "Native Hawaiian or Other Pacific Islander",
    "asian": "Asian",
    "american_indian": "American Indian or Alaska Native",
    "two_or_more": "Two or More Races",
    PREFER_NOT_TO_SAY: "Prefer not to say",
})
"""Race/ethnicity code -> words shown to people (EEO-1 categories)."""

ATTRIBUTES: tuple[str, ...] = ("sex", "race_ethnicity")
"""The self-identified attributes, as column names of ``self_identification``."""

ATTRIBUTE_LABELS: Mapping[str, str] = MappingProxyType({"sex": "Sex", "race_ethnicity": "Race/ethnicity"})
"""Attribute -> words shown to people."""

CATEGORIES: Mapping[str, Mapping[str, str]] = MappingProxyType({"sex": SEX, "race_ethnicity": RACE_ETHNICITY})
"""Attribute -> its categories (code -> words)."""
