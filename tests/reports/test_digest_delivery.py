"""``scorecard digest`` sends through a real SMTP server and a real HTTP server started on 127.0.0.1 here,
and what arrived is checked: who got which digest, its subject and bodies, the webhook's JSON; that a
second run sends nothing, that temporary failures are tried again, that a failure for good is left for a
later run, and that a dry run sends and records nothing.

Runs on copies of the hand-built agency of :mod:`tests.ops_fixture` (audit date Monday 30 Jun 2025) with
its leads as in :mod:`tests.reports.test_digest`: Otto Ops and the hiring leads Lea Lead and Hugo Lead.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from scoring.cli import main
from scoring.reports.delivery import FAILED, SENT, SKIPPED, DeliverySettings, send_digests
from scoring.reports.digest import Recipient, compose
from scoring.store import Database
from scoring.store import digests as record
from tests.delivery_servers import start_hook, start_smtp
from tests.ops_fixture import AS_OF, build
from tests.reports.test_digest import HUGO, LEA, NO_BREACHES, OPS, items_frame, with_leads

PEOPLE = {"ops@ops.example", "lead@ops.example", "hugo@ops.example"}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = build(tmp_path_factory.mktemp("delivery") / "agency.duckdb")
    with_leads(path)
    return path


@pytest.fixture
def agency(template, tmp_path):
    path = tmp_path / "agency.duckdb"
    shutil.copy(template, path)
    return path


@pytest.fixture
def smtp():
    server, box = start_smtp()
    yield server, box
    server.stop()


@pytest.fixture
def hook():
    server, posts = start_hook()
    yield server, posts
    server.stop()


@pytest.fixture
def configured(monkeypatch, smtp, hook):
    """The digest's settings pointing at the two servers."""
    monkeypatch.setenv("SCORECARD_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SCORECARD_SMTP_PORT", str(smtp[0].port))
    monkeypatch.setenv("SCORECARD_SMTP_SECURITY", "none")
    monkeypatch.setenv("SCORECARD_SMTP_SENDER", "digest@agency.example")
    monkeypatch.setenv("SCORECARD_DIGEST_WEBHOOK", f"http://127.0.0.1:{hook[0].port}/hooks/ops")
    for name in ("SCORECARD_SMTP_USER", "SCORECARD_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return smtp[1], hook[1]


def digest(agency, *extra: str) -> int:
    return main(["digest", "--db", str(agency), "--as-of", AS_OF.isoformat(), *extra])


def recorded(agency) -> list[tuple]:
    with Database(agency) as db:
        return [tuple(row) for row in db.frame(
            "SELECT channel, recipient, sent_at IS NOT NULL FROM digests_sent ORDER BY ALL").itertuples(index=False)]


def test_every_lead_and_ops_gets_their_digest_by_mail_and_the_channel_gets_the_ops_digest(agency, configured, capsys):
    box, posts = configured

    assert digest(agency) == 0

    by_address = {recipients[0]: message for _, recipients, message in box.messages}
    assert len(box.messages) == 3 and set(by_address) == PEOPLE
    assert {sender for sender, _, _ in box.messages} == {"digest@agency.example"}
    for address, message in by_address.items():
        assert message["To"] == address and message["From"] == "digest@agency.example"
        assert message["Subject"].strip().startswith("Scorecard digest, Mon 30 Jun 2025")
        text = message.get_body(("plain",)).get_content()
        page = message.get_body(("html",)).get_content()
        assert "Breached since Fri 27 Jun 2025" in text and "<h2" in page
    assert "Good morning Lea Lead" in by_address["lead@ops.example"].get_body(("plain",)).get_content()
    assert "every client and search" in by_address["ops@ops.example"].get_body(("plain",)).get_content()

    assert len(posts.posts) == 1
    path, body = posts.posts[0]
    assert path == "/hooks/ops" and body["text"].startswith("Scorecard digest, Mon 30 Jun 2025")
    assert body["digest"]["as_of"] == "2025-06-30" and body["digest"]["breaches_since"] == "2025-06-27"
    assert {"at_risk", "breached", "due"} <= set(body["digest"])

    assert recorded(agency) == sorted([("email", a, True) for a in PEOPLE] + [("webhook", "webhook", True)])
    assert "4 sent, 0 skipped, 0 failed" in capsys.readouterr().out


def test_a_second_run_for_the_same_date_sends_nothing(agency, configured, capsys):
    box, posts = configured
    assert digest(agency) == 0
    capsys.readouterr()

    assert digest(agency) == 0

    assert len(box.messages) == 3 and len(posts.posts) == 1
    out = capsys.readouterr().out
    assert "0 sent, 4 skipped, 0 failed" in out and "already sent for this date" in out


def test_the_next_digest_counts_breaches_from_the_last_one_sent(agency, configured):
    box, posts = configured
    assert main(["digest", "--db", str(agency), "--as-of", "2025-06-10"]) == 0
    box.messages.clear()
    posts.posts.clear()

    assert digest(agency) == 0

    assert posts.posts[0][1]["digest"]["breaches_since"] == "2025-06-10"
    breached = {row["reference"] for row in posts.posts[0][1]["digest"]["breached"]}
    assert breached == {"SR-05", "RP-00004"}        # RP-00002 was late by 10 Jun already
    lea = next(m for _, to, m in box.messages if to == ["lead@ops.example"])
    assert "SR-05" in lea.get_body(("plain",)).get_content()


def test_the_dry_run_prints_every_digest_and_sends_and_records_nothing(agency, configured, capsys):
    box, posts = configured

    assert digest(agency, "--dry-run") == 0

    out = capsys.readouterr().out
    assert box.data_commands == 0 and posts.requests == 0 and recorded(agency) == []
    for address in PEOPLE:
        assert f"To: {address}" in out
    assert "To: the webhook, as JSON" in out and "/hooks/ops" not in out      # the hook's address is a secret
    assert "nothing was sent or recorded" in out


def digests_for(agency, recipients: list[Recipient]):
    """Digests composed from a hand-built open item, without reading the agency: sending is under test here."""
    return [compose(r, AS_OF, date(2025, 6, 27), items_frame(), NO_BREACHES) for r in recipients]


def settings_for(smtp_port: int, hook_port: int) -> DeliverySettings:
    return DeliverySettings(host="127.0.0.1", port=smtp_port, security="none", sender="digest@agency.example",
                            webhook_url=f"http://127.0.0.1:{hook_port}/hooks/ops", timeout=5)


def test_temporary_failures_are_tried_again_with_pauses_that_double(agency, smtp, hook):
    (mail_server, box), (hook_server, posts) = smtp, hook
    box.replies.extend(["451 try again later", "421 too busy"])
    posts.statuses.extend([503, 429])
    digests = digests_for(agency, [OPS, Recipient("the ops channel", "webhook")])
    pauses: list[float] = []

    with Database(agency) as db:
        outcomes = send_digests(db, digests, settings_for(mail_server.port, hook_server.port), sleep=pauses.append)

    assert [o.status for o in outcomes] == [SENT, SENT]
    assert box.data_commands == 3 and len(box.messages) == 1
    assert posts.requests == 3 and len(posts.posts) == 1
    assert pauses == [2.0, 4.0, 2.0, 4.0]
    assert recorded(agency) == [("email", "ops@ops.example", True), ("webhook", "webhook", True)]


def test_a_failure_for_good_is_not_recorded_so_the_next_run_sends_it(agency, smtp, hook):
    (mail_server, box), (hook_server, _) = smtp, hook
    box.refuse.add("lead@ops.example")
    settings = settings_for(mail_server.port, hook_server.port)
    pauses: list[float] = []

    with Database(agency) as db:
        outcomes = send_digests(db, digests_for(agency, [OPS, LEA]), settings, sleep=pauses.append)
    assert [o.status for o in outcomes] == [SENT, FAILED] and "refused the address" in outcomes[1].reason
    assert pauses == [] and recorded(agency) == [("email", "ops@ops.example", True)]

    box.refuse.clear()
    with Database(agency) as db:
        again = send_digests(db, digests_for(agency, [OPS, LEA]), settings, sleep=pauses.append)
    assert [o.status for o in again] == [SKIPPED, SENT]
    assert [to for _, to, _ in box.messages] == [["ops@ops.example"], ["lead@ops.example"]]


def test_a_digest_claimed_by_a_run_that_stopped_is_not_sent_again(agency, smtp, hook):
    (mail_server, box), (hook_server, _) = smtp, hook
    with Database(agency) as db:      # a run took Hugo's digest, then was killed before confirming it
        record.claim_digest(db, digest_date=AS_OF, channel="email", recipient="hugo@ops.example", account_id=5,
                            covers_from=date(2025, 6, 27), now=datetime(2025, 6, 30, 7, 30))
        outcomes = send_digests(db, digests_for(agency, [HUGO]), settings_for(mail_server.port, hook_server.port))

    assert [o.status for o in outcomes] == [SKIPPED] and "did not confirm" in outcomes[0].reason
    assert box.messages == []


def test_the_command_refuses_to_run_with_nowhere_to_send(agency, monkeypatch, capsys):
    for name in ("SCORECARD_SMTP_HOST", "SCORECARD_DIGEST_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)

    assert digest(agency) == 1
    assert "give --dry-run" in capsys.readouterr().err and recorded(agency) == []


@pytest.mark.parametrize("setting, value, words", [
    ("SCORECARD_SMTP_PORT", "twenty-five", "port number"),
    ("SCORECARD_SMTP_SECURITY", "tls", "starttls, ssl, none"),
    ("SCORECARD_SMTP_SENDER", "", "SCORECARD_SMTP_SENDER is empty"),
])
def test_a_wrong_setting_is_refused_by_name_before_anything_is_sent(agency, configured, monkeypatch, capsys,
                                                                     setting, value, words):
    monkeypatch.setenv(setting, value)

    assert digest(agency) == 1
    assert words in capsys.readouterr().err and configured[0].data_commands == 0
