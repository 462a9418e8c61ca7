"""Lists cost O(page), not O(table): the time of a page of 50 when its table holds 1,000 rows and
when it holds 100,000 (SPEC: within 1.5x).

The lists run on databases of their own (so the table sizes are exactly 1,000 and 100,000, whatever
the main data set holds), served by the same gunicorn settings. For each list two pages are timed:
the first, and one from the middle of the table reached by its cursor (keyset pagination should
make both cost the same). Rows are added with COPY; VACUUM ANALYZE after each fill, as autovacuum
would have done on a table that grew over time.
"""
from __future__ import annotations

import random
import uuid

from services.notifications.adapters import orm as notif_orm
from datetime import UTC, datetime, timedelta

from bench.dataset import copy_rows, vacuum_analyze
from bench.loadgen import Req, sequential
from shared.pagination import encode_cursor

TIMEZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles"]
THEIRS = 60  # the facilitator's own rows: a caseload, the same at 1,000 and at 100,000 rows


class ListTables:
    """Fills the three list tables in step, remembering each row's sort key for cursors."""

    def __init__(self, urls: dict[str, str], facilitator_id: str, seed: int = 11):
        from services.roster.adapters import orm as roster_orm
        from services.sessions.adapters import orm as sessions_orm
        from shared.db import make_engine

        self.rng = random.Random(seed)
        self.facilitator_id = facilitator_id
        self.engines = {name: make_engine(url) for name, url in urls.items()}
        self.urls = urls
        self.tables = {"roster": roster_orm.participants, "sessions": sessions_orm.sessions,
                       "notifications": notif_orm.notifications}
        self.keys: dict[str, list[tuple[datetime, str]]] = {"roster": [], "sessions": [], "notifications": []}
        # What the facilitator sees is a fixed caseload, THEIRS rows, whatever the table's size: their
        # page must not cost more because other facilitators' rows were added.
        self.facilitator_keys: dict[str, list[tuple[datetime, str]]] = {"roster": [], "notifications": []}
        self.group_id = uuid.uuid4()
        self.their_group = str(uuid.uuid4())  # the facilitator's group in the notifications read model
        self.other_groups = [str(uuid.uuid4()) for _ in range(1000)]
        self.base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
        self.count = 0
        with self.engines["sessions"].begin() as conn:  # the sessions' group, known from roster
            conn.execute(sessions_orm.groups.insert().values(
                id=self.group_id, facilitator_ids=[facilitator_id], modality="in_person",
                location="Room 1", timezone="America/New_York", starts_on=self.base.date(), ends_on=None,
                roster_changed_at=self.base,
                schedule={"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
                          "timezone": "America/New_York"}))
            conn.execute(sessions_orm.group_facilitators.insert().values(group_id=self.group_id,
                                                                           facilitator_id=facilitator_id))
        with self.engines["notifications"].begin() as conn:
            conn.execute(notif_orm.group_facilitators.insert().values(group_id=self.their_group,
                                                                        facilitator_id=facilitator_id))

    def grow_to(self, total: int) -> None:
        from services.notifications.adapters.notification_log import new_row

        participants, sessions, notes = [], [], []
        for n in range(self.count, total):
            # Spread over 400 days in random order, so new rows do not simply append to the index.
            at = self.base + timedelta(seconds=self.rng.randrange(400 * 86400))
            pid = str(uuid.uuid4())
            mine = n < THEIRS
            participants.append({
                "id": pid, "preferred_name": f"L{n}", "email": f"list{n}@bench.example.org", "phone": None,
                "timezone": TIMEZONES[n % 3], "channels": ["email"], "sms_consent": False,
                "quiet_hours_start": None, "quiet_hours_end": None, "status": "active",
                "registered_by": self.facilitator_id if mine else str(uuid.uuid4()),
                "created_at": at, "updated_at": at})
            self.keys["roster"].append((at, pid))
            if mine:
                self.facilitator_keys["roster"].append((at, pid))
            sid = uuid.uuid4()
            starts = self.base + timedelta(hours=self.rng.randrange(400 * 24))
            sessions.append({
                "id": sid, "group_id": self.group_id, "starts_at": starts, "ends_at": starts + timedelta(hours=3),
                "duration_minutes": 180, "modality": "in_person", "location": "Room 1", "video_room_url": None,
                "topic": None, "generated": False, "occurrence_starts_at": None, "cancelled_at": None,
                "cancel_reason": None, "created_at": at, "updated_at": at})
            self.keys["sessions"].append((starts, str(sid)))
            group = self.their_group if mine else self.rng.choice(self.other_groups)
            row = new_row(recipient_id=pid, recipient_kind="participant", channel="email", kind="welcome",
                          dedupe_key=f"event:{uuid.uuid4()}", due_at=at, now=at, group_id=group,
                          event_id=str(uuid.uuid4()))
            row.update(status="sent", attempts=1, sent_at=at)
            notes.append(row)
            self.keys["notifications"].append((at, row["id"]))
            if mine:
                self.facilitator_keys["notifications"].append((at, row["id"]))
        copy_rows(self.engines["roster"], self.tables["roster"], participants)
        copy_rows(self.engines["sessions"], self.tables["sessions"], sessions)
        copy_rows(self.engines["notifications"], self.tables["notifications"], notes)
        self.count = total
        for url in self.urls.values():
            vacuum_analyze(url)
        for keys in (*self.keys.values(), *self.facilitator_keys.values()):
            keys.sort()

    def middle_cursor(self, name: str) -> str:
        keys = self.facilitator_keys[name.split(":")[1]] if name.startswith("facilitator:") else self.keys[name]
        at, row_id = keys[len(keys) // 2]
        return encode_cursor(at, row_id)

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def measure(apis: dict[str, str], tables: ListTables, admin: str, facilitator: str, repeat: int) -> dict:
    """Median time of the first and a middle page of 50 of each list, at the tables' current size."""
    auth = {"Authorization": f"Bearer {admin}"}
    fac = {"Authorization": f"Bearer {facilitator}"}
    lists = {
        "roster GET /v1/participants (admin)": ("roster", "/v1/participants", auth, "roster"),
        f"roster GET /v1/participants (facilitator with {THEIRS} of them)":
            ("roster", "/v1/participants", fac, "facilitator:roster"),
        "sessions GET /v1/sessions (admin)": ("sessions", "/v1/sessions", auth, "sessions"),
        "notifications GET /v1/notifications (admin)": ("notifications", "/v1/notifications", auth, "notifications"),
        f"notifications GET /v1/notifications (facilitator of a group with {THEIRS})":
            ("notifications", "/v1/notifications", fac, "facilitator:notifications"),
    }
    out = {}
    for label, (service, path, headers, keys) in lists.items():
        first = sequential(apis[service], Req("GET", f"{path}?limit=50", headers), repeat)
        middle = sequential(apis[service], Req("GET", f"{path}?limit=50&cursor={tables.middle_cursor(keys)}",
                                               headers), repeat)
        out[label] = {"first_page": first, "middle_page": middle}
    return out

