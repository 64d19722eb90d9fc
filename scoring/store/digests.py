"""The daily digest's recipients and the record of what was sent, so that no digest goes out twice.

``scorecard digest`` is an operator command: it runs from a scheduled job, with no one signed in, and
whoever runs it can open the database itself. Its reads of the agency go through the ordinary store
functions as :data:`scoring.agency.access.OPERATOR`; the functions here are marked as operator commands
and write the ``digests_sent`` table of schema.sql, audited with no actor.

Never twice, and what a crash does: a digest is *claimed* (its row written, ``sent_at`` empty) in a
transaction of its own before it is sent, and *confirmed* (``sent_at`` filled) once the mail server or
webhook accepted it. The primary key (digest date, channel, recipient) lets only one run claim it, even
two runs started at once. A send that fails for good *releases* the claim, so a later run may try
again. A run stopped between the claim and the confirmation (killed, the machine lost) leaves the row
unconfirmed, and no run sends that digest again: the error is on the side of sending once or not at
all. Nothing is lost for long, since the next digest's breaches count from the last *confirmed* digest
(:func:`scoring.reports.digest.last_confirmed`), so it repeats whatever the unconfirmed one held.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from scoring.store.authorization import operator_command
from scoring.store.db import (
    Database,
    DatabaseError,
    audit,
    is_constraint_violation,
    is_duplicate_key,
    is_write_conflict,
    storable_text,
)

CHANNELS: tuple[str, ...] = ("email", "webhook")
#: The recipient key of the webhook: its address is a secret (it grants posting), so it is never stored.
WEBHOOK_RECIPIENT = "webhook"
#: The roles that receive a digest by e-mail: hiring leads (their own searches) and ops (everything).
DIGEST_ROLES: tuple[str, ...] = ("hiring_lead", "ops")

#: What :func:`claim_digest` found.
CLAIMED, ALREADY_SENT, UNCONFIRMED = "claimed", "already sent", "unconfirmed"


@operator_command
def digest_recipients(db: Database) -> pd.DataFrame:
    """Operator command: the active hiring leads and ops staff, who get a digest by e-mail.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``email``, ``display_name``, ``role``; ops first, then hiring leads, each by name.
    """
    return db.frame("""
        SELECT account_id, email, display_name, role
        FROM accounts
        WHERE active AND role IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY CASE role WHEN 'ops' THEN 0 ELSE 1 END, lower(display_name), account_id""", [list(DIGEST_ROLES)])


@operator_command
def sent_digests(db: Database, through: date) -> pd.DataFrame:
    """Operator command: every recorded digest dated on or before ``through``, newest first.

    Returns
    -------
    pandas.DataFrame
        ``digest_date``, ``channel``, ``recipient``, ``account_id``, ``covers_from``, ``claimed_at``,
        ``sent_at`` (missing while unconfirmed).
    """
    return db.frame("""
        SELECT digest_date, channel, recipient, account_id, covers_from, claimed_at, sent_at
        FROM digests_sent WHERE digest_date <= ?
        ORDER BY digest_date DESC, channel, recipient""", [through])


def recipient_key(channel: str, address: str) -> str:
    """How a recipient is recorded: an e-mail address in lower case, or :data:`WEBHOOK_RECIPIENT`.

    Examples
    --------
    >>> recipient_key("email", " Lea.Lead@Ops.Example "), recipient_key("webhook", "https://hooks.example/T1")
    ('lea.lead@ops.example', 'webhook')
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; valid: {', '.join(CHANNELS)}")
    return WEBHOOK_RECIPIENT if channel == "webhook" else address.strip().lower()


@operator_command
def claim_digest(db: Database, *, digest_date: date, channel: str, recipient: str, account_id: int | None,
                 covers_from: date, now: datetime) -> str:
    """Operator command: take the digest of ``digest_date`` for ``recipient`` before sending it.

    Returns
    -------
    str
        :data:`CLAIMED` when this run may send it; :data:`ALREADY_SENT` when it was confirmed before;
        :data:`UNCONFIRMED` when an earlier run claimed it and never confirmed it (it is not sent again:
        see the module's notes), or another run is sending it right now.

    Raises
    ------
    DatabaseError
        The row cannot be: breaches counted from after the digest's date, an e-mail without its account.
    """
    key = storable_text("recipient", recipient_key(channel, recipient), "email")

    def take(cur: duckdb.DuckDBPyConnection) -> str:
        row = cur.execute("SELECT sent_at FROM digests_sent WHERE digest_date = ? AND channel = ? AND recipient = ?",
                          [digest_date, channel, key]).fetchone()
        if row is not None:
            return UNCONFIRMED if row[0] is None else ALREADY_SENT
        cur.execute("INSERT INTO digests_sent (digest_date, channel, recipient, account_id, covers_from, claimed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [digest_date, channel, key, account_id, covers_from, now])
        return CLAIMED

    try:
        return db.write(take, refresh_copy=False)
    except duckdb.Error as error:
        # Another run holds the same key: it may not have committed yet, so its row cannot be looked for.
        if is_duplicate_key(error) or is_write_conflict(error):
            return UNCONFIRMED
        if not is_constraint_violation(error):
            raise
        raise DatabaseError(f"the digest of {digest_date} for {key} cannot be recorded: {error}") from None


@operator_command
def confirm_digest(db: Database, *, digest_date: date, channel: str, recipient: str, now: datetime) -> None:
    """Operator command: record that the claimed digest was accepted by the mail server or the webhook.

    Audited with no actor (entity ``digest``; the e-mail address is in the key, never the webhook's).
    """
    key = recipient_key(channel, recipient)

    def confirm(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("UPDATE digests_sent SET sent_at = ? WHERE digest_date = ? AND channel = ? AND recipient = ? "
                    "AND sent_at IS NULL", [now, digest_date, channel, key])
        audit(cur, None, "send", "digest", f"{digest_date.isoformat()} {channel} {key}",
              after={"digest_date": digest_date.isoformat(), "channel": channel, "recipient": key})

    db.write(confirm)


@operator_command
def release_digest(db: Database, *, digest_date: date, channel: str, recipient: str) -> None:
    """Operator command: give up a claim whose sending failed for good, so that a later run may send it."""
    key = recipient_key(channel, recipient)
    db.write(lambda cur: cur.execute(
        "DELETE FROM digests_sent WHERE digest_date = ? AND channel = ? AND recipient = ? AND sent_at IS NULL",
        [digest_date, channel, key]), refresh_copy=False)
