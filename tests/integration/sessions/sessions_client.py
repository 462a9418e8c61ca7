"""A small client for the sessions API in tests: builds the app on a given database, feeds its read
model with roster events through the real pipeline (inbox included), and reads its outbox."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from services.sessions.adapters.orm import groups, memberships

from services.sessions.bootstrap import build_pipeline
from services.sessions.entrypoints.api.app import create_app
from shared.events import Envelope, new_envelope
from tests.support.tokens import bearer

ADMIN = bearer("admin", str(uuid.uuid4()))
NY = "America/New_York"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def monday(weeks_ago: int) -> date:
    """The Monday `weeks_ago` weeks before this week's: that week's sessions are over, whatever today is."""
    today = now().date()
    return today - timedelta(days=today.weekday() + 7 * weeks_ago)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def as_facilitator(facilitator_id: str) -> dict:
    return bearer("facilitator", facilitator_id)


def as_participant(participant_id: str) -> dict:
    return bearer("participant", participant_id)


class SessionsClient:
    def __init__(self, settings):
        self.app = create_app(settings)
        self.http = self.app.test_client()
        self.context = self.app.extensions["iop"]
        self.pipeline = build_pipeline(self.context)

    # --- the read model, fed as roster would feed it ----------------------------------------------
    def roster_event(self, event_type: str, data: dict, occurred_at: datetime | None = None) -> Envelope:
        envelope = new_envelope(event_type, data, producer="roster", correlation_id=None, occurred_at=occurred_at)
        self.pipeline.handle(envelope)
        return envelope

    def group(self, facilitator_ids=None, *, modality="virtual", weekdays=("mon", "wed", "thu"), start="18:00",
              duration=180, tz=NY, starts_on=date(2026, 1, 1), ends_on=None, location=None) -> dict:
        data = group_data(facilitator_ids or [str(uuid.uuid4())], modality=modality, weekdays=weekdays, start=start,
                          duration=duration, tz=tz, starts_on=starts_on, ends_on=ends_on,
                          location=location or (None if modality == "virtual" else "Room 2"))
        self.roster_event("roster.group.created", data)
        return data

    def enroll(self, group_id: str, active_from: datetime, participant_id: str | None = None) -> dict:
        data = {"enrollment_id": str(uuid.uuid4()), "group_id": group_id,
                "participant_id": participant_id or str(uuid.uuid4()), "from_waitlist": False,
                "active_from": active_from.isoformat()}
        self.roster_event("roster.enrollment.activated", data)
        return data

    def end(self, enrollment: dict, ended_at: datetime, reason="completed") -> None:
        self.roster_event("roster.enrollment.ended", {
            **{k: enrollment[k] for k in ("enrollment_id", "group_id", "participant_id")},
            "reason": reason, "ended_at": ended_at.isoformat(), "previous_status": "active"})

    # --- API calls ---------------------------------------------------------------------------------
    def schedule(self, group_id: str, starts_at: datetime, headers=ADMIN, expect=201, **body) -> dict:
        r = self.http.post(f"/v1/groups/{group_id}/sessions", json={"starts_at": starts_at.isoformat(), **body},
                           headers=headers)
        assert r.status_code == expect, r.json
        return r.json

    def generate(self, group_id: str, from_: str | date, to: str | date, headers=ADMIN) -> dict:
        r = self.http.post(f"/v1/groups/{group_id}/sessions/generate", json={"from": str(from_), "to": str(to)},
                           headers=headers)
        assert r.status_code == 200, r.json
        return r.json

    def take_attendance(self, session_id: str, entries: list[dict], headers=ADMIN, expect=200):
        r = self.http.put(f"/v1/sessions/{session_id}/attendance", json=entries, headers=headers)
        assert r.status_code == expect, r.json
        return r.json

    def sheet(self, session_id: str, headers=ADMIN) -> dict:
        r = self.http.get(f"/v1/sessions/{session_id}/attendance", headers=headers)
        assert r.status_code == 200, r.json
        return {row["participant_id"]: row for row in r.json["items"]}

    def join_link(self, session_id: str, participant_id: str) -> str:
        r = self.http.get(f"/v1/sessions/{session_id}/join-links", headers=ADMIN)
        assert r.status_code == 200, r.json
        [link] = [i for i in r.json["items"] if i["participant_id"] == participant_id]
        return link["url"]

    # --- the outbox --------------------------------------------------------------------------------
    def events(self, event_type: str | None = None) -> list[dict]:
        outbox = self.context.tables.outbox
        query = select(outbox.c.body).order_by(outbox.c.seq)
        if event_type:
            query = query.where(outbox.c.event_type == event_type)
        with self.context.session_factory() as db:
            return [json.loads(body) for body in db.scalars(query)]


def read_model(sessions: SessionsClient) -> tuple:
    """(groups, memberships, inbox size): everything the consumer writes, to compare before and after."""
    inbox = sessions.context.tables.inbox
    with sessions.context.session_factory() as db:
        return (sorted(tuple(r) for r in db.execute(select(groups))),
                sorted(tuple(r) for r in db.execute(select(memberships))),
                db.scalar(select(func.count()).select_from(inbox)))


def group_data(facilitator_ids, *, modality="virtual", weekdays=("mon", "wed", "thu"), start="18:00", duration=180,
               tz=NY, starts_on=date(2026, 1, 1), ends_on=None, location=None, group_id=None) -> dict:
    return {"group_id": group_id or str(uuid.uuid4()), "name": "Evening group", "kind": "process", "capacity": 10,
            "modality": modality, "location": location, "enrollment_policy": "open",
            "facilitator_ids": list(facilitator_ids),
            "schedule": {"weekdays": list(weekdays), "start_time": start, "duration_minutes": duration,
                         "timezone": tz},
            "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat() if ends_on else None,
            "status": "forming"}


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
