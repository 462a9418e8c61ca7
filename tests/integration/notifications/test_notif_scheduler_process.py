"""The scheduler as `make run` and the containers start it: sends, beats, stops cleanly on SIGTERM."""
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.integration.notifications.notif_world import World
from tests.support.tokens import TEST_SECRET
from tests.support.workers import wait_for

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_scheduler_process_sends_beats_and_stops_on_sigterm(settings_for, sink, tmp_path):
    world = World(settings_for, sink)
    member = world.participant()
    world.enroll(world.group([world.facilitator()]), member)
    heartbeat = tmp_path / "heartbeat"
    env = {**os.environ, "DATABASE_URL": world.settings.database_url, "SMTP_PORT": str(sink.port),
           "JWT_SECRET": TEST_SECRET, "HEARTBEAT_FILE": str(heartbeat), "APP_ENV": "test"}
    process = subprocess.Popen([sys.executable, "-m", "services.notifications.entrypoints.scheduler"],
                               cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: sink.messages(), timeout=20, message="the welcome email")
        assert heartbeat.exists()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "scheduler stopped" in output
    assert f"p-{member[:8]}" not in output and "Jordan" not in output  # logs carry ids only
