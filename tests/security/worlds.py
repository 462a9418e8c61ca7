"""Real data for each service, built the way the service itself gets it, for the matrix and the fuzzer.

Each world has a subject: one group led by `lead`, with participant `me` in it (and, in sessions,
its sessions). Another group, led by `other_lead` with participant `other`, is the rest of the
clinic. Roster is driven through its API; sessions and notifications are fed roster's (and
sessions') events through their real consumer pipelines, as in production.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse

from services.notifications.entrypoints.api.app import create_app as notifications_app
from shared.events import new_envelope
from shared.messaging.dead_letters import record_dead_letter
from tests.integration.notifications.notif_world import World, now
from tests.integration.roster.roster_client import RosterClient
from tests.integration.sessions.sessions_client import SessionsClient, midnight, monday
from tests.security.callers import headers_for


class RosterWorld:
    def __init__(self, settings_for, extra: dict[str, str]):
        self.client = c = RosterClient(settings_for("roster", extra=extra))
        self.http, self.context = c.http, c.context
        self.lead, self.other_lead = c.facilitator()["id"], c.facilitator()["id"]
        self.me, self.other = c.participant()["id"], c.participant()["id"]
        self.group = c.group([self.lead])["id"]
        other_group = c.group([self.other_lead])["id"]
        enrollment = c.enroll(self.group, self.me)
        assert enrollment.status_code == 201 and c.enroll(other_group, self.other).status_code == 201
        self.headers = headers_for(self.lead, self.other_lead, self.me, self.other)
        self.subject_ids = {self.me, self.group}
        self.known_ids = {"facilitator_id": self.lead, "participant_id": self.me, "group_id": self.group,
                          "enrollment_id": enrollment.json["id"], "facilitator_ids": [self.lead]}

    def fresh_group_with_me(self) -> tuple[str, str]:
        """A group of the own facilitator with the participant in it: (group id, their enrollment id)."""
        group_id = self.client.group([self.lead])["id"]
        return group_id, self.client.enroll(group_id, self.me).json["id"]


class SessionsWorld:
    def __init__(self, settings_for, extra: dict[str, str]):
        self.client = c = SessionsClient(settings_for("sessions", extra=extra))
        self.http, self.context = c.http, c.context
        self.lead, self.other_lead = str(uuid.uuid4()), str(uuid.uuid4())
        self.group = c.group([self.lead], modality="virtual")["group_id"]
        other_group = c.group([self.other_lead], modality="virtual")["group_id"]
        self.me = c.enroll(self.group, midnight(monday(5)))["participant_id"]
        self.other = c.enroll(other_group, midnight(monday(5)))["participant_id"]
        self.start = now().replace(second=0, microsecond=0)
        self.running = c.schedule(self.group, self.start - timedelta(minutes=30))["id"]  # join links open
        self.upcoming = c.schedule(self.group, self.start + timedelta(days=1))["id"]
        c.schedule(other_group, self.start + timedelta(days=1))
        self.join_path = urlparse(c.join_link(self.running, self.me)).path
        self.headers = headers_for(self.lead, self.other_lead, self.me, self.other)
        self._minutes = 0
        # Notes: a session held yesterday that the participant attended, a draft and a signed note of
        # it by the lead, and co-signature required (so an admin's signed note awaits the lead's).
        self.held = c.schedule(self.group, self.start - timedelta(days=1))["id"]
        for session_id in (self.running, self.held):
            c.take_attendance(session_id, [{"participant_id": self.me, "status": "present"}])
        self._as_admin("put", f"/v1/groups/{self.group}/note-settings", {"requires_cosignature": True})
        self.draft = self._note(self.held, self.headers["own_facilitator"], participant_id=self.me)
        self.signed = self._note(self.held, self.headers["own_facilitator"])
        self._as_admin("post", f"/v1/notes/{self.signed}/sign", {"version": 1}, self.headers["own_facilitator"])
        self.subject_ids = {self.me, self.group, self.running, self.upcoming}
        self.known_ids = {"group_id": self.group, "session_id": self.running, "participant_id": self.me,
                          "token": self.join_path.removeprefix("/join/"), "note_id": self.draft}

    def _next_start(self) -> datetime:
        # A new future start each call, so repeated scheduling and moving never collide.
        self._minutes += 5
        return self.start + timedelta(days=2, minutes=self._minutes)

    def later(self) -> str:
        return self._next_start().isoformat()

    def fresh_session(self) -> str:
        return self.client.schedule(self.group, self._next_start())["id"]

    def fresh_past_session(self) -> str:
        """A session of the subject group that has already been held (notes can be written)."""
        self._minutes += 5
        return self.client.schedule(self.group, self.start - timedelta(days=3, minutes=self._minutes))["id"]

    def fresh_draft(self, by: str = "own_facilitator") -> str:
        return self._note(self.fresh_past_session(), self.headers[by])

    def awaiting_cosignature(self) -> str:
        """A group note an admin wrote and signed: it waits for the lead's co-signature."""
        note = self.fresh_draft("admin")
        self._as_admin("post", f"/v1/notes/{note}/sign", {"version": 1})
        return note

    def draft_version(self) -> int:
        return self.http.get(f"/v1/notes/{self.draft}", headers=self.headers["admin"]).json["version"]

    def _note(self, session_id: str, headers: dict, participant_id: str | None = None) -> str:
        body = {"kind": "individual" if participant_id else "group", "participant_id": participant_id}
        response = self.http.post(f"/v1/sessions/{session_id}/notes", json=body, headers=headers)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def _as_admin(self, method: str, path: str, body: dict, headers: dict | None = None) -> None:
        response = self.http.open(path, method=method.upper(), json=body, headers=headers or self.headers["admin"])
        assert response.status_code < 300, response.json


class NotificationsWorld:
    def __init__(self, settings_for, extra: dict[str, str]):
        world = World(settings_for, None, **extra)
        self.lead, self.other_lead = world.facilitator(), world.facilitator()
        self.group, other_group = world.group([self.lead]), world.group([self.other_lead])
        self.me = world.participant(channels=("email", "in_app"))
        self.other = world.participant(channels=("email", "in_app"))
        world.enroll(self.group, self.me)
        world.enroll(other_group, self.other)
        session = world.session(self.group, now() + timedelta(days=3))
        world.session(other_group, now() + timedelta(days=3))
        app = notifications_app(world.settings)
        self.http, self.context = app.test_client(), app.extensions["iop"]
        event = new_envelope("roster.enrollment.activated", {
            "enrollment_id": str(uuid.uuid4()), "group_id": str(uuid.uuid4()), "participant_id": self.me,
            "from_waitlist": False, "active_from": now().isoformat()}, "roster", None)
        self.dead_letter = record_dead_letter(self.context.session_factory, self.context.tables, "notifications",
                                              event.to_json().encode(), "GroupNotKnownYet", 5, event.id, event.type)
        self.headers = headers_for(self.lead, self.other_lead, self.me, self.other)
        self.subject_ids = {self.me, self.group, session}
        self.known_ids = {"participant_id": self.me, "dead_letter_id": self.dead_letter}
