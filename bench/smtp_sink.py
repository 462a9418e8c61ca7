"""A real SMTP server (aiosmtpd) for the benchmark that only records when each message was accepted.

    python -m bench.smtp_sink --port 2525 --out var/bench/smtp.log

Unlike shared.mailsink it writes no message files, so the server is not the bottleneck being
measured: per accepted message it appends one line "<unix time> <Message-ID local part> <count of
recipients>" to --out (line-buffered). The platform sets the Message-ID from the notification id
(services/notifications/adapters/email_smtp.py), which is how the benchmark matches an email to
the enrollment or reminder it was for. The time is taken when the DATA command is accepted, i.e.
when the sender's SMTP transaction succeeds.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller

_MARK = b"Message-ID: <"


class _Record:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope) -> str:
        now = time.time()
        content: bytes = envelope.original_content or envelope.content or b""
        message_id = "-"
        start = content.find(_MARK)  # the header block comes first, so the first hit is the header
        if start >= 0:
            begin = start + len(_MARK)
            end = content.find(b">", begin, begin + 200)
            if end > 0:
                message_id = content[begin:end].split(b"@", 1)[0].decode("ascii", "replace")
        self.out.write(f"{now:.6f} {message_id} {len(envelope.rcpt_tos)}\n")
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs addresses at INFO
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with open(args.out, "a", buffering=1) as out:
        controller = Controller(_Record(out), hostname=args.host, port=args.port,
                                server_hostname="bench-smtp.localhost")
        controller.start()
        print(f"bench smtp sink listening on {args.host}:{args.port}", flush=True)
        try:
            stopping.wait()
        finally:
            controller.stop()
    return 0


def read_log(path) -> dict[str, float]:
    """Message-ID local part -> first acceptance time (unix seconds)."""
    accepted: dict[str, float] = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[1] not in accepted:
                    try:
                        accepted[parts[1]] = float(parts[0])
                    except ValueError:
                        continue
    except FileNotFoundError:
        pass
    return accepted


if __name__ == "__main__":
    sys.exit(main())
