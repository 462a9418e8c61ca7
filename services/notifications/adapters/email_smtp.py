"""Email over SMTP: turns a rendered message into a proper MIME email and hands it to the server.

`send` opens one connection per message; a scheduler sending a batch uses `connection()`, which
keeps one SMTP connection open for the whole batch (reconnecting after a failure), as a round trip
per message is what a burst of reminders can afford, a TCP and SMTP handshake per message is not.
The Message-ID comes from the notification id, so a retried send carries the same id and a mailbox
(or a person reading var/mail/) can tell a retry from a second message.
"""
from __future__ import annotations

import hashlib
import re
import contextlib
import smtplib
from collections.abc import Iterator
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from services.notifications.adapters import mime
from services.notifications.adapters.delivery import DeliveryFailed
from services.notifications.domain.messages import SENDER_NAME, RenderedMessage

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")  # RFC 5322 dot-atom
# "Message-ID: " plus the value must fit one 78-character header line: a folded Message-ID is legal
# but some parsers (Python's among them) then read it back with a leading space.
_MAX_ID_CHARS = 78 - len("Message-ID: ")


def message_id_for(notification_id: str, sender_address: str) -> str:
    """A stable RFC 5322 Message-ID for a notification: <id@sender-domain>."""
    domain = sender_address.rpartition("@")[2] or "localhost"
    local = str(notification_id)
    if not _SAFE_ID.match(local) or len(local) + len(domain) + 3 > _MAX_ID_CHARS:
        # Hashed rather than escaped or cut: the same notification id still gives the same header.
        local = hashlib.sha256(local.encode("utf-8")).hexdigest()[:24]
    return f"<{local}@{domain}>"


class SmtpEmailSender:
    def __init__(
        self,
        host: str,
        port: int,
        sender_address: str,
        sender_name: str = SENDER_NAME,
        timeout: float = 10,
    ):
        self.host = host
        self.port = port
        self.sender_address = sender_address
        self.sender_name = sender_name
        self.timeout = timeout

    def compose(self, to_address: str, rendered: RenderedMessage, message_id: str) -> EmailMessage:
        """The email as it will be sent: plain text, or multipart/alternative when there is HTML."""
        if not rendered.subject:
            raise ValueError("an email needs a subject")
        message = EmailMessage()  # policy "default": UTF-8 aware, refuses header injection
        message["From"] = Address(display_name=self.sender_name, addr_spec=self.sender_address)
        message["To"] = to_address
        message["Subject"] = rendered.subject
        message["Date"] = format_datetime(datetime.now(timezone.utc), usegmt=True)
        message["Message-ID"] = message_id_for(message_id, self.sender_address)
        # RFC 3834: tells auto-responders (vacation replies) not to answer a notification.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(rendered.text, charset="utf-8")
        if rendered.html:
            message.add_alternative(rendered.html, subtype="html", charset="utf-8")
        return message

    def wire_bytes(self, to_address: str, rendered: RenderedMessage, message_id: str) -> bytes | None:
        """The same email as `compose` gives, written by the fast path; None if it needs `compose`."""
        if not rendered.subject:
            raise ValueError("an email needs a subject")
        try:
            return mime.build(sender_name=self.sender_name, sender_address=self.sender_address,
                              to_address=to_address, subject=rendered.subject,
                              date=format_datetime(datetime.now(timezone.utc), usegmt=True),
                              message_id=message_id_for(message_id, self.sender_address),
                              text=rendered.text, html=rendered.html)
        except mime.NeedsEmailPackage:
            return None

    def send(self, to_address: str, rendered: RenderedMessage, message_id: str) -> None:
        """Deliver one email, or raise DeliveryFailed saying whether a retry can help."""
        with self.connection() as connection:
            connection.send(to_address, rendered, message_id)

    @contextlib.contextmanager
    def connection(self) -> Iterator["SmtpConnection"]:
        """One SMTP connection for many messages, opened on the first send, closed at the end."""
        connection = SmtpConnection(self)
        try:
            yield connection
        finally:
            connection.close()


class SmtpConnection:
    """A lazily opened SMTP connection; after a failed send it is dropped and reopened on the next."""

    def __init__(self, sender: SmtpEmailSender):
        self.sender = sender
        self._smtp: smtplib.SMTP | None = None

    def send(self, to_address: str, rendered: RenderedMessage, message_id: str) -> None:
        message, wire = None, self.sender.wire_bytes(to_address, rendered, message_id)
        if wire is None:
            message = self.sender.compose(to_address, rendered, message_id)
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(self.sender.host, self.sender.port, timeout=self.sender.timeout)
            if wire is not None:
                self._smtp.sendmail(self.sender.sender_address, [to_address], wire)
            else:
                self._smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            if isinstance(error, smtplib.SMTPRecipientsRefused):
                self._reset()  # the server said no to this address only; the session is still good
            else:
                self.close()  # the session state is unknown: the next message starts a fresh one
            failure = delivery_failure(error)
            # Only "unreachable" keeps its cause: the other errors' texts may echo the address.
            raise failure from (error if failure.retryable and failure.status is None else None)

    def _reset(self) -> None:
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def delivery_failure(error: smtplib.SMTPException | OSError) -> DeliveryFailed:
    """An smtplib failure as DeliveryFailed, saying whether a retry can help, without the address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted(code for code, _ in error.recipients.values())
        return DeliveryFailed(f"SMTP server refused the recipient ({codes[0]})",
                              retryable=codes[0] < 500, status=codes[0])
    if isinstance(error, smtplib.SMTPResponseException):
        return DeliveryFailed(f"SMTP server answered {error.smtp_code} ({type(error).__name__})",
                              retryable=error.smtp_code < 500, status=error.smtp_code)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        # e.g. a non-ASCII address for a server without SMTPUTF8: retrying will not change it.
        return DeliveryFailed("SMTP server lacks a required extension", retryable=False)
    # Refused connections, timeouts and dropped connections: the server may be back soon.
    return DeliveryFailed(f"SMTP server unreachable ({type(error).__name__})", retryable=True)
