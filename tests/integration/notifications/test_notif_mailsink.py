"""The development mail sink as `make run` starts it: a foreground process that files every email."""
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.notifications.adapters.email_smtp import SmtpEmailSender
from services.notifications.domain.messages import RenderedMessage
from shared.mailsink import MailSink
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"mail sink did not listen on {port} within {seconds}s")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_foreground_process_stores_logs_discreetly_and_stops_cleanly(tmp_path, stop_signal):
    port, mail_dir = free_port(), tmp_path / "mail"
    process = subprocess.Popen(
        [sys.executable, "-m", "shared.mailsink", "--host", "127.0.0.1", "--port", str(port),
         "--dir", str(mail_dir)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for_port(port, process)
        rendered = RenderedMessage(subject="Welcome: your session schedule", text="Hi Jordan, welcome.")
        SmtpEmailSender("127.0.0.1", port, "noreply@sessions.example.org").send(
            "jordan.lee@example.com", rendered, "n-42")
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, stderr
    [stored] = sorted(mail_dir.glob("*.eml"))
    assert b"Hi Jordan, welcome." in stored.read_bytes()
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    [stored_event] = [event for event in events if event["event"] == "mail.stored"]
    assert stored_event == {"event": "mail.stored", "file": stored.name,
                            "message_id": "<n-42@sessions.example.org>"}
    for secret in ("jordan.lee@example.com", "Welcome: your session", "Hi Jordan"):
        assert secret not in stdout + stderr


def test_port_in_use_is_reported_and_exits_non_zero(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        result = subprocess.run(
            [sys.executable, "-m", "shared.mailsink", "--port", str(taken.getsockname()[1]),
             "--dir", str(tmp_path)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30,
        )
    assert result.returncode == 1
    assert "mailsink.failed" in result.stdout + result.stderr


def test_in_process_sink_returns_parsed_messages_and_restarts(tmp_path):
    sink = MailSink("127.0.0.1", 0, tmp_path / "mail")
    sink.start()
    try:
        assert sink.port != 0
        SmtpEmailSender("127.0.0.1", sink.port, "noreply@sessions.example.org").send(
            "jordan@example.com", RenderedMessage("First", "one"), "n-1")
    finally:
        sink.stop()
    with MailSink("127.0.0.1", 0, tmp_path / "mail") as again:  # same directory: messages are kept
        SmtpEmailSender("127.0.0.1", again.port, "noreply@sessions.example.org").send(
            "jordan@example.com", RenderedMessage("Second", "two"), "n-2")
        assert [message["Subject"] for message in again.messages()] == ["First", "Second"]
    assert not list((tmp_path / "mail").glob(".*"))  # no partial files left behind
