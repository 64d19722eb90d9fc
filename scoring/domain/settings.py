"""Settings read from the environment: each with its name, default and meaning.

The README's "Settings" section documents every one of them; a test keeps the two equal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["DATABASE", "DIGEST_SETTINGS", "DIGEST_WEBHOOK", "HOLIDAY_COUNTRY", "REFRESH_SECONDS", "SETTINGS",
           "SMTP_HOST", "SMTP_PASSWORD", "SMTP_PORT", "SMTP_SECURITY", "SMTP_SENDER", "SMTP_USER", "Setting"]


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

SMTP_HOST = Setting(
    "SCORECARD_SMTP_HOST", "",
    "The mail server the daily digest is sent through (scorecard digest); empty: no digest goes by e-mail.")

SMTP_PORT = Setting(
    "SCORECARD_SMTP_PORT", "587",
    "The mail server's port: 587 for STARTTLS (submission), 465 for SSL, 25 for a server on the same network.")

SMTP_SECURITY = Setting(
    "SCORECARD_SMTP_SECURITY", "starttls",
    "How the connection to the mail server is encrypted: starttls, ssl, or none (only for a server on the same "
    "machine or network).")

SMTP_USER = Setting(
    "SCORECARD_SMTP_USER", "",
    "The user name the digest signs in to the mail server with; empty: it sends without signing in.")

SMTP_PASSWORD = Setting(
    "SCORECARD_SMTP_PASSWORD", "",
    "The password for SCORECARD_SMTP_USER; keep it in the environment of the scheduled job, never in a file "
    "in the project.")

SMTP_SENDER = Setting(
    "SCORECARD_SMTP_SENDER", "",
    "The address the digest comes from (its From line); needed whenever SCORECARD_SMTP_HOST is set.")

DIGEST_WEBHOOK = Setting(
    "SCORECARD_DIGEST_WEBHOOK", "",
    "An incoming-webhook address (a chat channel's) that the ops digest is posted to as JSON each morning; "
    "empty: none. Its address is a secret: it is never stored or printed.")

DIGEST_SETTINGS: tuple[Setting, ...] = (SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USER, SMTP_PASSWORD, SMTP_SENDER,
                                        DIGEST_WEBHOOK)
"""The settings of the daily digest's delivery (scoring.reports.delivery)."""

SETTINGS: tuple[Setting, ...] = (DATABASE, REFRESH_SECONDS, HOLIDAY_COUNTRY, *DIGEST_SETTINGS)
"""Every setting, in the order the README lists them."""
