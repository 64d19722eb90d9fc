"""A real SMTP server and a real HTTP server on 127.0.0.1, in threads of the test process, that keep what
arrives: for the daily digest's tests to send through, and to fail on purpose a given number of times.

The SMTP server speaks just enough of RFC 5321 for Python's ``smtplib`` (EHLO/HELO, MAIL, RCPT, DATA
with dot-unstuffing, RSET, NOOP, QUIT), without encryption or sign-in. Its ``replies`` queue holds the
reply to give to the next DATA instead of accepting it (``451`` temporary, ``554`` permanent); its
``refuse`` set holds addresses RCPT refuses for good (``550``).
"""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Mailbox:
    """What the SMTP server received, and how it is told to misbehave."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    replies: deque[str] = field(default_factory=deque)
    refuse: set[str] = field(default_factory=set)
    data_commands: int = 0


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        box = self.server.box
        sender, recipients = "", list[str]()
        self._say("220 digest-test ESMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self._say("250-digest-test")
                self._say("250 8BITMIME")
            elif verb == "HELO":
                self._say("250 digest-test")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip().split()[0].strip("<>"), []
                self._say("250 OK")
            elif verb == "RCPT":
                address = line.split(":", 1)[1].strip().strip("<>")
                if address.lower() in box.refuse:
                    self._say("550 no such mailbox")
                else:
                    recipients.append(address)
                    self._say("250 OK")
            elif verb == "DATA":
                box.data_commands += 1
                self._say("354 end with <CRLF>.<CRLF>")
                lines = []
                while (body := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(body[1:] if body.startswith(b"..") else body)
                if box.replies:
                    self._say(box.replies.popleft())
                    continue
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                box.messages.append((sender, recipients, message))       # type: ignore[arg-type]
                self._say("250 queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self._say("250 OK")
            elif verb == "NOOP":
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    box: Mailbox


@dataclass
class Hook:
    """What the HTTP server received (each POST's path and JSON), and the statuses to answer first."""

    posts: list[tuple[str, dict]] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    requests: int = 0


class _HookHandler(BaseHTTPRequestHandler):
    server: _HookServer

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        hook = self.server.hook
        hook.requests += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = hook.statuses.popleft() if hook.statuses else 200
        if status == 200:
            hook.posts.append((self.path, json.loads(body)))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:     # keep the test output quiet
        pass


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True
    hook: Hook


class Running:
    """A started server: its port and what it received; ``stop()`` shuts it down."""

    def __init__(self, server: socketserver.BaseServer, port: int) -> None:
        self.server, self.port = server, port
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()       # type: ignore[attr-defined]


def start_smtp() -> tuple[Running, Mailbox]:
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    server.box = Mailbox()
    return Running(server, server.server_address[1]), server.box


def start_hook() -> tuple[Running, Hook]:
    server = _HookServer(("127.0.0.1", 0), _HookHandler)
    server.hook = Hook()
    return Running(server, server.server_address[1]), server.hook
