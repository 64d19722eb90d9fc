"""Sending the daily digest: by e-mail (SMTP) and to a chat channel's incoming webhook (JSON over HTTP).

The mail server, its port, its encryption (STARTTLS, SSL or none), the sign-in and the sender come from
the settings :data:`scoring.domain.settings.DIGEST_SETTINGS` (environment variables, listed in the
README); so does the webhook's address. Python's own ``smtplib`` and ``urllib`` do the sending: nothing
beyond the standard library.

A temporary failure (the server unreachable or dropping the connection, an SMTP 4xx reply, an HTTP 429
or 5xx) is tried again after a pause that doubles each time (:data:`ATTEMPTS` tries in all); a permanent
one (a refused sign-in or address, an SMTP 5xx reply, another HTTP 4xx) is not. Each digest is claimed
before it is sent and confirmed once accepted (:mod:`scoring.store.digests`), so that no digest goes to
the same recipient twice for the same date.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TypeVar

from scoring.domain.settings import (
    DIGEST_WEBHOOK,
    SMTP_HOST,
    SMTP_PASSWORD,
    SMTP_PORT,
    SMTP_SECURITY,
    SMTP_SENDER,
    SMTP_USER,
)
from scoring.reports.digest import Digest
from scoring.store import digests as record
from scoring.store.authorization import operator_command
from scoring.store.db import Database
from scoring.store.sessions import utc_now

T = TypeVar("T")

SECURITY_MODES = ("starttls", "ssl", "none")
#: Tries per message, the first included; the pauses between them double from :data:`FIRST_PAUSE` seconds.
ATTEMPTS = 4
FIRST_PAUSE = 2.0
#: Seconds to wait for the mail server or the webhook before giving up on one try.
TIMEOUT = 30.0
#: What each outcome of :func:`send_digests` is called in its summary.
SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


class DeliveryError(RuntimeError):
    """A digest could not be delivered; ``temporary`` says whether trying again later may work."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


class SettingsError(ValueError):
    """The delivery settings are incomplete or wrong; the message names the setting."""


@dataclass(frozen=True)
class DeliverySettings:
    """Where and how digests are sent, read from the environment by :meth:`from_environment`.

    An empty ``host`` sends no e-mail; an empty ``webhook_url`` posts nothing.
    """

    host: str = ""
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = ""
    webhook_url: str = ""
    timeout: float = TIMEOUT

    @property
    def sends_email(self) -> bool:
        """Whether a mail server is set, so digests go out by e-mail."""
        return bool(self.host)

    @property
    def posts_webhook(self) -> bool:
        """Whether a chat webhook is set, so the ops digest is posted to it."""
        return bool(self.webhook_url)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DeliverySettings:
        """The settings as the environment (or ``environ``) gives them, checked.

        Raises
        ------
        SettingsError
            A port that is not a number, an unknown encryption, a mail server without a sender, a
            password without a user, or a webhook address that is not http(s).

        Examples
        --------
        >>> DeliverySettings.from_environment({"SCORECARD_SMTP_HOST": "mail.example", "SCORECARD_SMTP_SENDER":
        ...                                    "digest@agency.example"}).port
        587
        >>> DeliverySettings.from_environment({"SCORECARD_SMTP_HOST": "mail.example"})
        Traceback (most recent call last):
        ...
        scoring.reports.delivery.SettingsError: SCORECARD_SMTP_SENDER is empty: set the address the digest comes from
        """
        env = dict(environ) if environ is not None else None
        port_text = SMTP_PORT.read(env).strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"{SMTP_PORT.name} is {port_text!r}: give a port number from 1 to 65535")
        security = SMTP_SECURITY.read(env).strip().lower()
        if security not in SECURITY_MODES:
            raise SettingsError(f"{SMTP_SECURITY.name} is {security!r}: give one of {', '.join(SECURITY_MODES)}")
        settings = cls(host=SMTP_HOST.read(env).strip(), port=int(port_text), security=security,
                       user=SMTP_USER.read(env).strip(), password=SMTP_PASSWORD.read(env),
                       sender=SMTP_SENDER.read(env).strip(), webhook_url=DIGEST_WEBHOOK.read(env).strip())
        if settings.host and not settings.sender:
            raise SettingsError(f"{SMTP_SENDER.name} is empty: set the address the digest comes from")
        if settings.password and not settings.user:
            raise SettingsError(f"{SMTP_PASSWORD.name} is set but {SMTP_USER.name} is empty: set both or neither")
        if settings.webhook_url and not settings.webhook_url.startswith(("https://", "http://")):
            raise SettingsError(f"{DIGEST_WEBHOOK.name} is not an http(s) address")
        return settings


# -- what is sent ----------------------------------------------------------------------------------
def email_message(digest: Digest, sender: str) -> EmailMessage:
    """The digest as an e-mail to its recipient: plain text, with the HTML as the alternative."""
    if not digest.recipient.email:
        raise ValueError(f"{digest.recipient.name} has no e-mail address")
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = digest.recipient.email
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"          # RFC 3834: no out-of-office replies
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message


def webhook_body(digest: Digest) -> bytes:
    """The JSON posted to the webhook: ``text`` (what a chat channel shows) and ``digest`` (the sections)."""
    return json.dumps(digest.payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


# -- sending, with retries -------------------------------------------------------------------------
def send_email(settings: DeliverySettings, message: EmailMessage) -> None:
    """Hand ``message`` to the mail server once.

    Raises
    ------
    DeliveryError
        ``temporary`` for an unreachable server, a dropped connection or a 4xx reply; permanent for a
        refused sign-in, a refused address or another 5xx reply.
    """
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise DeliveryError(f"the mail server refused the address {message['To']} ({', '.join(map(str, codes))})",
                            temporary=all(400 <= code < 500 for code in codes)) from error
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"the mail server replied {error.smtp_code}: {_reply(error.smtp_error)}",
                            temporary=400 <= error.smtp_code < 500) from error
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(f"the mail server does not offer what {SMTP_SECURITY.name} asks for: {error}",
                            temporary=False) from error
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as error:
        raise DeliveryError(f"could not reach the mail server {settings.host}:{settings.port}: {error}",
                            temporary=True) from error
    except smtplib.SMTPException as error:
        raise DeliveryError(f"the mail server refused the digest: {error}", temporary=False) from error


def _reply(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def post_webhook(settings: DeliverySettings, body: bytes) -> None:
    """Post ``body`` (JSON) to the webhook once; any 2xx reply is success.

    Raises
    ------
    DeliveryError
        ``temporary`` for an unreachable server, HTTP 408, 429 or 5xx; permanent for another 4xx. The
        message never holds the webhook's address, which is a secret.
    """
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "scorecard-digest"})
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:   # noqa: S310 (http(s) only)
            response.read()
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"the webhook replied HTTP {error.code}",
                            temporary=error.code in (408, 429) or error.code >= 500) from None
    except OSError as error:            # URLError, a refused connection, a timeout
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"could not reach the webhook: {reason}", temporary=True) from None


def with_retries(action: Callable[[], T], *, attempts: int = ATTEMPTS, first_pause: float = FIRST_PAUSE,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[int, DeliveryError, float], None] | None = None) -> T:
    """``action()``, tried again after a temporary :class:`DeliveryError`, pausing ``first_pause`` seconds and
    twice as long each time after, up to ``attempts`` tries; a permanent error or the last one is raised.

    Examples
    --------
    >>> calls, pauses = [], []
    >>> def flaky():
    ...     calls.append(1)
    ...     if len(calls) < 3:
    ...         raise DeliveryError("busy", temporary=True)
    ...     return "done"
    >>> with_retries(flaky, sleep=pauses.append), pauses
    ('done', [2.0, 4.0])
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except DeliveryError as error:
            if not error.temporary or attempt == attempts:
                raise
            pause = first_pause * 2 ** (attempt - 1)
            if on_retry is not None:
                on_retry(attempt, error, pause)
            sleep(pause)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Outcome:
    """What became of one digest on one channel: :data:`SENT`, :data:`FAILED` or :data:`SKIPPED`, and why."""

    recipient: str
    channel: str
    status: str
    reason: str = ""


@operator_command
def send_digests(db: Database, digests: list[Digest], settings: DeliverySettings, *,
                 attempts: int = ATTEMPTS, first_pause: float = FIRST_PAUSE,
                 sleep: Callable[[float], None] = time.sleep,
                 say: Callable[[str], None] = lambda _: None) -> list[Outcome]:
    """Operator command: send each digest by e-mail (to a person) or to the webhook, at most once per date.

    Each one is claimed, sent with retries and confirmed (:mod:`scoring.store.digests`); a digest already
    sent or left unconfirmed by an earlier run is skipped, and one that failed for good is released for a
    later run. ``say`` hears one line per step, for the command's progress.

    Returns
    -------
    list of Outcome
        One per digest, in order.
    """
    outcomes = []
    for digest in digests:
        channel = "webhook" if digest.recipient.role == "webhook" else "email"
        address = settings.webhook_url if channel == "webhook" else (digest.recipient.email or "")
        shown_as = "the webhook" if channel == "webhook" else f"{digest.recipient.name} <{address}>"
        if (channel == "email" and not settings.sends_email) or (channel == "webhook" and not settings.posts_webhook):
            outcomes.append(Outcome(shown_as, channel, SKIPPED, "not configured"))
            continue
        claim = record.claim_digest(db, digest_date=digest.as_of, channel=channel, recipient=address,
                                    account_id=digest.recipient.account_id, covers_from=digest.since, now=utc_now())
        if claim != record.CLAIMED:
            why = ("already sent for this date" if claim == record.ALREADY_SENT else
                   "an earlier run took it and did not confirm it was sent; not sent again")
            say(f"{shown_as}: {why}")
            outcomes.append(Outcome(shown_as, channel, SKIPPED, why))
            continue

        def once(digest: Digest = digest, channel: str = channel) -> None:
            if channel == "webhook":
                post_webhook(settings, webhook_body(digest))
            else:
                send_email(settings, email_message(digest, settings.sender))

        def retrying(attempt: int, error: DeliveryError, pause: float, shown_as: str = shown_as) -> None:
            say(f"{shown_as}: try {attempt} failed ({error}); trying again in {pause:g} s")

        try:
            with_retries(once, attempts=attempts, first_pause=first_pause, sleep=sleep, on_retry=retrying)
        except DeliveryError as error:
            record.release_digest(db, digest_date=digest.as_of, channel=channel, recipient=address)
            say(f"{shown_as}: not sent ({error})")
            outcomes.append(Outcome(shown_as, channel, FAILED, str(error)))
            continue
        record.confirm_digest(db, digest_date=digest.as_of, channel=channel, recipient=address, now=utc_now())
        say(f"{shown_as}: sent")
        outcomes.append(Outcome(shown_as, channel, SENT))
    return outcomes
