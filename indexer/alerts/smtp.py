"""Handing messages to the SMTP server (stdlib smtplib), as the settings say.

`Mailer` opens one connection for a run and reopens it if the server drops it;
`send` returns only once the server accepted the message (its 250 to DATA),
which is what lets the send run move a watermark.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import urlsplit

from ..errors import MailError

log = logging.getLogger("wrans.alerts")
TIMEOUT = 60


def mail_from(settings) -> str:
    """WRANS_MAIL_FROM, else alerts@ the host of WRANS_SITE_URL."""
    if settings.mail_from.strip():
        return settings.mail_from.strip()
    host = urlsplit(settings.site_url).hostname or "localhost"
    return f"wrans alerts <alerts@{host}>"


class Mailer:
    """One SMTP connection, opened on the first message."""

    def __init__(self, settings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Send `message`; raise MailError unless the server accepted it for its recipient."""
        for attempt in (1, 2):  # once more on a connection the server closed between messages
            try:
                return self._send_once(message)
            except smtplib.SMTPServerDisconnected as exc:
                self.close()
                if attempt == 2:
                    raise MailError(f"disconnected: {exc}") from exc
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                raise MailError(f"{type(exc).__name__}: {exc}") from exc

    def _send_once(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        sender = parseaddr(message["From"])[1]
        refused = self._smtp.send_message(message, from_addr=sender)
        if refused:
            raise MailError(f"refused: {', '.join(refused)}")

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT)
        try:
            if s.smtp_starttls.strip() not in ("", "0", "no", "false", "off"):
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
