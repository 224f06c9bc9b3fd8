"""Building alert emails: the confirmation request and the digest, as text and HTML.

Templates are jinja2 files beside this module (autoescaped for HTML), not
Flask's: the send run has no app. Nothing a person typed goes into a header but
the checked address itself (`addresses.py`); labels and queries go only in
bodies, escaped in the HTML part. `EmailMessage` refuses CR or LF in a header.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache

import jinja2
from markupsafe import Markup

MARK = re.compile(r"</?mark\b[^>]*>")
MARK_OPEN = re.compile(r"<mark\b[^>]*>")
ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass
class Item:
    """One answer in a digest."""

    heading: str
    department: str
    date: str
    url: str
    passages: list[str] = field(default_factory=list)  # safe HTML, searched words in <mark>
    status: str = ""

    @property
    def passages_text(self) -> list[str]:
        return [html.unescape(MARK.sub(lambda m: "]" if m.group().startswith("</") else "[", p))
                for p in self.passages]

    @property
    def passages_html(self) -> list[Markup]:
        # The page's mark classes mean nothing in a mail.
        return [Markup(MARK_OPEN.sub("<mark>", p)) for p in self.passages]


@dataclass
class Section:
    """One alert's part of a digest: what changed, and how to stop it."""

    title: str
    items: list[Item]
    unsubscribe_url: str
    more: int = 0
    more_url: str = ""


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("indexer.alerts", "templates"),
                              autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _render(name: str, **context) -> tuple[str, str]:
    text = _environment(False).get_template(f"{name}.txt").render(**context)
    body = _environment(True).get_template(f"{name}.html").render(**context)
    return text, body


def _message(mail_from: str, to: str, subject: str, text: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(body, subtype="html")
    return message


def confirmation_message(mail_from: str, to: str, label: str, confirm_url: str,
                         site_url: str) -> EmailMessage:
    """The double opt-in request: the only mail an unconfirmed address ever gets."""
    text, body = _render("confirm", label=label, confirm_url=confirm_url, site_url=site_url)
    return _message(mail_from, to, "Confirm your wrans email alert", text, body)


def digest_message(mail_from: str, to: str, sections: list[Section], manage_url: str,
                   unsubscribe_url: str, site_url: str) -> EmailMessage:
    """One address's digest; the one-click unsubscribe (RFC 8058) stops every alert in it."""
    count = sum(len(s.items) + s.more for s in sections)
    subject = f"wrans: {count} new or changed answer{'s' if count != 1 else ''} for your alerts"
    text, body = _render("digest", sections=sections, manage_url=manage_url,
                         unsubscribe_url=unsubscribe_url, site_url=site_url)
    message = _message(mail_from, to, subject, text, body)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = ONE_CLICK
    return message
