"""The record of digests sent: one claim per date, channel and recipient, even from runs started at once;
a claim is confirmed once sent or released after a failure; the table refuses rows that cannot be.

Runs on an empty database with one hiring lead.
"""

from __future__ import annotations

import threading
from datetime import date, datetime

import duckdb
import pytest

from scoring.store import DatabaseError
from scoring.store import digests as record
from scoring.store.accounts import create_operator_account

DAY = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 7, 30)


@pytest.fixture
def db(empty_db):
    create_operator_account(empty_db, email="lead@agency.example", display_name="Lea Lead", role="hiring_lead",
                            password=None)
    create_operator_account(empty_db, email="rev@agency.example", display_name="Rui Reviewer", role="reviewer",
                            password=None)
    return empty_db


def claim(db, recipient: str = "lead@agency.example", channel: str = "email", account_id: int | None = 1) -> str:
    return record.claim_digest(db, digest_date=DAY, channel=channel, recipient=recipient, account_id=account_id,
                               covers_from=date(2025, 6, 27), now=NOW)


def test_the_recipients_are_the_active_hiring_leads_and_ops(db):
    assert record.digest_recipients(db)["email"].tolist() == ["lead@agency.example"]


def test_a_digest_is_claimed_once_then_confirmed_and_never_claimed_again(db):
    assert claim(db) == record.CLAIMED
    assert claim(db, " LEAD@agency.example") == record.UNCONFIRMED       # the same address, written otherwise

    record.confirm_digest(db, digest_date=DAY, channel="email", recipient="lead@agency.example", now=NOW)

    assert claim(db) == record.ALREADY_SENT
    sent = record.sent_digests(db, DAY)
    assert sent[["channel", "recipient"]].values.tolist() == [["email", "lead@agency.example"]]
    assert sent["sent_at"].notna().all()
    assert db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'digest' AND actor_id IS NULL") == 1


def test_a_released_claim_may_be_taken_again_but_a_confirmed_one_is_never_released(db):
    claim(db)
    record.release_digest(db, digest_date=DAY, channel="email", recipient="lead@agency.example")
    assert claim(db) == record.CLAIMED

    record.confirm_digest(db, digest_date=DAY, channel="email", recipient="lead@agency.example", now=NOW)
    record.release_digest(db, digest_date=DAY, channel="email", recipient="lead@agency.example")
    assert claim(db) == record.ALREADY_SENT


def test_the_webhooks_address_is_never_stored(db):
    assert claim(db, "https://hooks.example/T0/secret-token", "webhook", None) == record.CLAIMED
    assert record.sent_digests(db, DAY)["recipient"].tolist() == ["webhook"]


def test_runs_started_at_once_claim_a_digest_once(db):
    results: list[str] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        results.append(claim(db))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [record.CLAIMED] + [record.UNCONFIRMED] * 3


@pytest.mark.parametrize("columns, values", [
    ("'email', 'lead@agency.example', NULL", "an e-mail without its account"),
    ("'webhook', 'webhook', 1", "the webhook with an account"),
    ("'sms', 'lead@agency.example', 1", "an unknown channel"),
])
def test_the_table_refuses_rows_that_cannot_be(db, columns, values):
    with pytest.raises(duckdb.ConstraintException):
        db.write(lambda cur: cur.execute(
            f"INSERT INTO digests_sent (digest_date, channel, recipient, account_id, covers_from, claimed_at) "
            f"VALUES (DATE '2025-06-30', {columns}, DATE '2025-06-27', TIMESTAMP '2025-06-30 07:30')"))


def test_breaches_cannot_count_from_after_the_digests_date(db):
    with pytest.raises(DatabaseError, match="cannot be recorded"):
        record.claim_digest(db, digest_date=DAY, channel="email", recipient="lead@agency.example", account_id=1,
                            covers_from=date(2025, 7, 1), now=NOW)
