"""A local SMTP server for development and tests that keeps every message as a file.

`make run` starts it on port 1025 so a person can open the emails under var/mail/ with any mail
reader or text editor; tests start it on a free port and read the messages back. It speaks real SMTP
(aiosmtpd), so what it stores is exactly what a real server would have been handed.

    python -m shared.mailsink --host 127.0.0.1 --port 1025 --dir var/mail

Files are named <UTC time>-<uuid>.eml and so sort by arrival; one file per accepted message (one
SMTP transaction, whatever its recipients). Logs name the file and Message-ID, never an address.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import uuid
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

log = logging.getLogger("mailsink")


def _bindable_port(host: str, port: int) -> int:
    """Bind and release (host, port), returning the port; raises OSError if it is taken."""
    with socket.create_server((host, port)) as probe:  # same SO_REUSEADDR as asyncio's server
        return probe.getsockname()[1]


class _StoreEachMessage:
    """aiosmtpd handler: accept every message and write it to its own file."""

    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope) -> str:
        content: bytes = envelope.original_content or envelope.content
        # Kept in the file so a reader sees every envelope recipient, including any Bcc.
        envelope_to = ", ".join(envelope.rcpt_tos)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
        name = f"{stamp}-{uuid.uuid4()}.eml"
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(f"X-Envelope-To: {envelope_to}\r\n".encode("utf-8") + content)
        # Renamed into place so a reader polling the directory never sees half a message.
        os.replace(partial, self.directory / name)
        message_id = BytesHeaderParser(policy=policy.default).parsebytes(content).get("Message-ID")
        log.info(json.dumps({"event": "mail.stored", "file": name, "message_id": message_id}))
        return "250 Message accepted for delivery"


class MailSink:
    """The SMTP server in a background thread. Port 0 picks a free port (see `port` after start)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1025, directory: str | Path = "var/mail"):
        self.host = host
        self.port = port
        self.directory = Path(directory)
        self._controller: Controller | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Bound once here first: aiosmtpd's Controller checks it is up by connecting to its own
        # port, so it cannot be given port 0; and when the port is taken it would only report so
        # after its start timeout, while this fails at once with "Address already in use".
        self.port = _bindable_port(self.host, self.port)
        self._controller = Controller(
            _StoreEachMessage(self.directory), hostname=self.host, port=self.port,
            server_hostname="mailsink.localhost",  # skips a reverse-DNS lookup on start
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "MailSink":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        """Every stored message, oldest first, parsed with the modern email API."""
        parser = BytesParser(policy=policy.default)
        # Files keep the wire's CRLF line ends; the email package works in "\n" and would otherwise
        # leave "\r" in decoded text.
        return [parser.parsebytes(path.read_bytes().replace(b"\r\n", b"\n"))
                for path in self.files()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.mailsink", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("MAILSINK_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("MAILSINK_PORT", "1025")))
    parser.add_argument("--dir", default=os.environ.get("MAILSINK_DIR", "var/mail"))
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    # aiosmtpd logs each SMTP command at INFO, addresses included; keep only its warnings.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    sink = MailSink(args.host, args.port, args.dir)
    try:
        sink.start()
    except OSError as error:
        log.error(json.dumps({"event": "mailsink.failed", "error": str(error)}))
        return 1
    log.info(json.dumps({"event": "mailsink.listening", "host": sink.host, "port": sink.port,
                         "dir": str(sink.directory)}))
    try:
        stopping.wait()
    finally:
        sink.stop()
    log.info(json.dumps({"event": "mailsink.stopped"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
