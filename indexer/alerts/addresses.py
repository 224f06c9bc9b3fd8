"""Checking the address typed into an alert form (email-validator; no DNS lookups).

The address is checked for syntax and a domain that could receive mail (a dot,
no reserved names); deliverability is not looked up, so the check works offline
and takes no time. What comes back is the normalised address: the only one a
form can make wrans send to, with no CR or LF that could start a mail header.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321's limit on a forward path


class BadAddress(ValueError):
    """An address wrans will not send to; the message says why, for the page."""


def checked_address(typed: str) -> str:
    """Return `typed` normalised, or raise BadAddress."""
    text = (typed or "").strip()
    if not text:
        raise BadAddress("Type the email address the alerts should go to.")
    if any(ch in text for ch in "\r\n\0") or len(text) > MAX_LENGTH:
        raise BadAddress("That is not an email address.")
    try:
        found = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise BadAddress(f"That is not an email address we can send to: {exc}") from None
    return found.normalized
