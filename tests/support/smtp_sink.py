"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it accepts, for the alert tests.

`SmtpSink.messages` holds each accepted message, parsed; a message is added only
when the server answers 250 to its DATA, so it is exactly what a sender may
count as delivered. `stall_after=N` makes the server accept N messages and then
hold every later DATA unanswered (a server that hangs mid-run), so a test can
kill the sender while it waits.
"""

from __future__ import annotations

import asyncio
import email
import re
import socket
import threading
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

URL = re.compile(r"https?://[^\s<>\"]+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        if self.sink.stall_after is not None and len(self.sink.messages) >= self.sink.stall_after:
            await asyncio.sleep(3600)  # never answers: the sender waits until it is killed
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpSink:
    def __init__(self, stall_after: int | None = None):
        self.port = free_port()
        self.stall_after = stall_after
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def env(self) -> dict[str, str]:
        """The WRANS_* settings that send mail here."""
        return {"WRANS_SMTP_HOST": "127.0.0.1", "WRANS_SMTP_PORT": str(self.port),
                "WRANS_SMTP_STARTTLS": "0", "WRANS_MAIL_FROM": "wrans <alerts@wrans.test>"}

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def links_in(message: EmailMessage, path: str) -> list[str]:
    """The URLs in the plain text part whose path starts with `path`."""
    return [url for url in URL.findall(text_of(message)) if path in url]


def log_line(message: EmailMessage) -> str:
    """One line of a mail log: to, subject, and the lines that carry links or passages."""
    keys, in_item = [], False
    for line in map(str.strip, text_of(message).splitlines()):
        in_item = (in_item or line.startswith("*")) and "/answers/" not in line
        if line and (in_item or line.startswith(("==", "...")) or "/answers/" in line):
            keys.append(line)
        elif "/alerts/confirm/" in line:
            keys.append(line.split("/alerts/confirm/")[0] + "/alerts/confirm/<token>")
    unsubscribe = "List-Unsubscribe: yes" if message["List-Unsubscribe"] else "no List-Unsubscribe"
    return f"to={message['To']} subject={message['Subject']!r} ({unsubscribe}) | " + " | ".join(keys)
