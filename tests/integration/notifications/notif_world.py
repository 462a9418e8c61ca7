"""A small world for notifications tests: real databases, real SMTP (MailSink), a real SMS webhook,
and roster/sessions events built as their producers build them (shared.events.new_envelope)."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from services.notifications.adapters.orm import notifications
from services.notifications.bootstrap import build_context, build_pipeline, build_scheduler
from shared.events import Envelope, new_envelope
from shared.mailsink import MailSink

SCHEDULE = {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
            "timezone": "America/New_York"}


class _Provider(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sink(tmp_path):
    with MailSink("127.0.0.1", 0, tmp_path / "mail") as running:
        yield running


@pytest.fixture
def sms_provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def now() -> datetime:
    return datetime.now(UTC)


class World:
    def __init__(self, settings_for, sink: MailSink | None, sms_provider=None, **extra: str):
        env = {"SMTP_PORT": str(sink.port if sink else 9), "REMINDER_OFFSETS": "24h,1h",
               "SESSIONS_PUBLIC_URL": "http://sessions.test", "NOTIFY_RETRY_BASE_SECONDS": "0.2",
               "NOTIFY_RETRY_MAX_SECONDS": "0.5", "SMTP_TIMEOUT": "2", **extra}
        if sms_provider is not None:
            env["SMS_WEBHOOK_URL"] = f"http://127.0.0.1:{sms_provider.server_address[1]}/sms"
        self.settings = settings_for("notifications", extra=env)
        self.context = build_context(self.settings)
        self.pipeline = build_pipeline(self.context)
        self.events: list[Envelope] = []

    # --- events, as roster and sessions publish them --------------------------------------------
    def publish(self, event_type: str, data: dict, occurred_at: datetime | None = None) -> Envelope:
        envelope = new_envelope(event_type, data, event_type.split(".")[0], None, occurred_at)
        self.events.append(envelope)
        self.pipeline.handle(envelope)
        return envelope

    def facilitator(self) -> str:
        fid = str(uuid.uuid4())
        self.publish("roster.facilitator.registered", {"facilitator_id": fid, "name": "Dr. Alvarez",
                                                       "email": f"f-{fid[:8]}@example.org"})
        return fid

    def participant(self, channels=("email",), sms_consent=False, phone=None, quiet_hours=None,
                    timezone="America/New_York", status="active", participant_id=None,
                    event="roster.participant.registered", page_link_generation=1) -> str:
        pid = participant_id or str(uuid.uuid4())
        self.publish(event, {
            "participant_id": pid, "preferred_name": "Jordan", "email": f"p-{pid[:8]}@example.org",
            "phone": phone, "timezone": timezone, "channels": list(channels), "sms_consent": sms_consent,
            "quiet_hours": quiet_hours, "status": status, "page_link_generation": page_link_generation})
        return pid

    def group(self, facilitator_ids: list[str], modality="virtual", location=None, group_id=None) -> str:
        gid = group_id or str(uuid.uuid4())
        self.publish("roster.group.created", {
            "group_id": gid, "name": "Tuesday evening", "kind": "process", "capacity": 10, "modality": modality,
            "location": location, "enrollment_policy": "open", "facilitator_ids": facilitator_ids,
            "schedule": SCHEDULE, "starts_on": "2026-01-05", "ends_on": None, "status": "forming"})
        return gid

    def enroll(self, group_id: str, participant_id: str, from_waitlist=False) -> str:
        eid = str(uuid.uuid4())
        self.publish("roster.enrollment.activated", {
            "enrollment_id": eid, "group_id": group_id, "participant_id": participant_id,
            "from_waitlist": from_waitlist, "active_from": now().isoformat()})
        return eid

    def end(self, enrollment_id: str, group_id: str, participant_id: str) -> None:
        self.publish("roster.enrollment.ended", {
            "enrollment_id": enrollment_id, "group_id": group_id, "participant_id": participant_id,
            "reason": "completed", "ended_at": now().isoformat(), "previous_status": "active"})

    def session(self, group_id: str, starts_at: datetime, modality="virtual", location=None) -> str:
        sid = str(uuid.uuid4())
        self.publish("sessions.session.scheduled", {
            "session_id": sid, "group_id": group_id, "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=3)).isoformat(), "duration_minutes": 180,
            "modality": modality, "location": location, "video_room_url": None, "topic": None})
        return sid

    def reschedule(self, session_id: str, group_id: str, previous: datetime, starts_at: datetime,
                   modality="virtual", location=None) -> Envelope:
        return self.publish("sessions.session.rescheduled", {
            "session_id": session_id, "group_id": group_id, "previous_starts_at": previous.isoformat(),
            "starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(hours=3)).isoformat(),
            "modality": modality, "location": location, "video_room_url": None})

    def relocate(self, session_id: str, group_id: str, starts_at: datetime, previous_modality: str,
                 modality: str, previous_location=None, location=None) -> Envelope:
        return self.publish("sessions.session.relocated", {
            "session_id": session_id, "group_id": group_id, "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=3)).isoformat(), "previous_modality": previous_modality,
            "modality": modality, "previous_location": previous_location, "location": location,
            "video_room_url": None if modality == "in_person" else f"https://meet.example/{session_id}"})

    def cancel(self, session_id: str, group_id: str, starts_at: datetime) -> Envelope:
        return self.publish("sessions.session.cancelled", {
            "session_id": session_id, "group_id": group_id, "starts_at": starts_at.isoformat(),
            "reason": "weather"})

    # --- the scheduler and the log --------------------------------------------------------------
    def scheduler(self, **kwargs):
        return build_scheduler(self.context, **kwargs)

    def send_due(self, scheduler=None, rounds: int = 20) -> None:
        """Run batches until none is due."""
        scheduler = scheduler or self.scheduler()
        for _ in range(rounds):
            if scheduler.run_once() == 0:
                return

    def rows(self, **where):
        query = select(notifications).order_by(notifications.c.created_at, notifications.c.id)
        for name, value in where.items():
            query = query.where(notifications.c[name] == value)
        with self.context.session_factory() as session:
            return session.execute(query).all()
