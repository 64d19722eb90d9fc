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

__all__ = ["ATTRIBUTES", "ATTRIBUTE_LABELS", "CATEGORIES", "MIN_GROUP_SHARE", "MIN_GROUP_SIZE", "NO_ANSWER_LABEL",
           "PREFER_NOT_TO_SAY", "RACE_ETHNICITY", "SEX"]

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

MIN_GROUP_SIZE: int = 30
"""Fewest decisions (or scored applications) a group needs at a stage before its impact ratio is shown:
below it, the ratio's 95% interval spans most of the range a ratio can take, and one decision more or
less moves it past the four-fifths line; such a group is shown as "too few to judge", never as a ratio.
The agency's choice, stated on the page and in the report."""

MIN_GROUP_SHARE: float = 0.02
"""Smallest share of a stage's stated decisions (or scored applications) a group needs before its impact
ratio is shown. The rules under New York City's Local Law 144 (6 RCNY 5-301) let an auditor leave a
category under 2% of the data out of the impact ratios: left in, a group of a few dozen can hold the
highest rate by chance, become the reference and put most other groups below four-fifths. Such a group
is shown as "too few to judge", like one under :data:`MIN_GROUP_SIZE`."""

NO_ANSWER_LABEL = "No answer"
"""What a candidate who gave no answer (or answered after the audit date) is counted under."""
