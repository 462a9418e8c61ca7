"""A small client for the roster API in tests: builds the app on a given database and offers the
requests the stories need."""
from __future__ import annotations

import uuid

from services.roster.entrypoints.api.app import create_app
from tests.support.tokens import bearer

ADMIN = bearer("admin", str(uuid.uuid4()))


def schedule(weekdays=("mon", "wed", "thu"), start="18:00", tz="America/New_York") -> dict:
    return {"weekdays": list(weekdays), "start_time": start, "duration_minutes": 180, "timezone": tz}


class RosterClient:
    def __init__(self, settings):
        self.app = create_app(settings)
        self.http = self.app.test_client()
        self.context = self.app.extensions["iop"]

    def facilitator(self, name="Lead") -> dict:
        r = self.http.post("/v1/facilitators", json={"name": name, "email": f"{uuid.uuid4().hex[:8]}@clinic.example"},
                           headers=ADMIN)
        assert r.status_code == 201, r.json
        return r.json

    def participant(self, headers=ADMIN, **fields) -> dict:
        body = {"preferred_name": "Sam", "email": f"{uuid.uuid4().hex[:8]}@mail.example",
                "timezone": "America/New_York", **fields}
        r = self.http.post("/v1/participants", json=body, headers=headers)
        assert r.status_code == 201, r.json
        return r.json

    def group(self, facilitator_ids, headers=ADMIN, **fields) -> dict:
        body = {"name": "Tuesday evening", "kind": "process", "modality": "in_person", "location": "Room 2",
                "facilitator_ids": facilitator_ids, "schedule": schedule(), "starts_on": "2030-01-07", **fields}
        r = self.http.post("/v1/groups", json=body, headers=headers)
        assert r.status_code == 201, r.json
        return r.json

    def enroll(self, group_id, participant_id, headers=ADMIN):
        return self.http.post(f"/v1/groups/{group_id}/enrollments", json={"participant_id": participant_id},
                              headers=headers)

    def outbox_types(self) -> list[str]:
        from sqlalchemy import select
        outbox = self.context.tables.outbox
        with self.context.session_factory() as session:
            return list(session.scalars(select(outbox.c.event_type).order_by(outbox.c.seq)))
