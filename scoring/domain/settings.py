"""Settings read from the environment: each with its name, default and meaning.

The README's "Settings" section documents every one of them; a test keeps the two equal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["DATABASE", "HOLIDAY_COUNTRY", "REFRESH_SECONDS", "SETTINGS", "Setting"]


@dataclass(frozen=True)
class Setting:
    """One environment variable the product reads.

    Examples
    --------
    >>> Setting("SCORECARD_EXAMPLE", "7", "an example").read({})
    '7'
    >>> Setting("SCORECARD_EXAMPLE", "7", "an example").read({"SCORECARD_EXAMPLE": "9"})
    '9'
    """

    name: str
    default: str
    meaning: str

    def read(self, environ: dict[str, str] | None = None) -> str:
        """The setting's value, or its default when unset or empty."""
        value = (os.environ if environ is None else environ).get(self.name, "")
        return value or self.default


DATABASE = Setting(
    "SCORECARD_DB", "data/scorecard.duckdb",
    "Where the database lives: a DuckDB file path (relative to the project folder) or a PostgreSQL "
    "connection string (postgresql://...).")

REFRESH_SECONDS = Setting(
    "SCORECARD_REFRESH_SECONDS", "5",
    "On PostgreSQL, how many seconds the pages' local analytics copy may lag behind the database.")

HOLIDAY_COUNTRY = Setting(
    "SCORECARD_HOLIDAY_COUNTRY", "US",
    "ISO country code whose public holidays business days skip when a client's country is unknown.")

SETTINGS: tuple[Setting, ...] = (DATABASE, REFRESH_SECONDS, HOLIDAY_COUNTRY)
"""Every setting, in the order the README lists them."""
