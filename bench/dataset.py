"""The benchmark's data set, loaded in about a minute instead of through hours of API calls.

Realistic means made by the services' own code, not by hand-written rows:
- roster: facilitators, participants, groups and enrollments (with waitlists and members who left)
  are made by the domain model (`Participant.register`, `Group.create`, `group.enroll`,
  `group.end_enrollment`) at past times; their events are built with `new_envelope` (validated
  against the catalogue) and stored in the outbox as already sent;
- sessions: those very events go through the sessions consumer's handlers (read_model.HANDLERS),
  and a month of sessions is made by the domain calls of the `generate` use case (the group's
  weekly occurrences, `schedule_session`), with their events;
- notifications: the roster and sessions events go through the notifications consumer's handlers
  (welcomes, reminders 24 h and 1 h before each session); what fell due before now is marked sent,
  later reminders stay pending, as in production.
Each consumer's inbox holds the ids of the events it was given. Two shortcuts keep the load to about
a minute: the broker is skipped (the handlers run in this process), and the handlers work on
in-memory stand-ins of their unit of work (`InMemorySessions`, `InMemoryNotifications`: the same
reads and writes, held in dicts), whose rows are then written with PostgreSQL's COPY.

Default sizes: 1,000 groups (40% process groups of 10, 60% psychoeducation of 15; 1 in 10 process
groups full with a waitlist), 10,000 participants, 600 facilitators, sessions from 14 days ago to 16
days ahead (about 13,000). Nobody has quiet hours, so no message is held back during a measurement.
"""
from __future__ import annotations

import base64
import random
import secrets
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from shared.config import Settings

WEEKDAY_SETS = [["mon", "wed", "thu"], ["tue", "thu", "fri"], ["mon", "tue", "thu"], ["mon", "wed", "fri"],
                ["tue", "wed", "sat"]]
START_TIMES = ["09:00", "09:30", "10:00", "13:00", "17:30", "18:00", "18:30"]
TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix"]
MODALITIES = ["virtual"] * 5 + ["in_person"] * 3 + ["hybrid"] * 2
CHUNK = 1000


@dataclass
class Sizes:
    groups: int = 1000
    participants: int = 10000
    facilitators: int = 600
    days_back: int = 14
    days_ahead: int = 16


@dataclass
class GroupFacts:
    id: str
    facilitator_ids: list[str]
    kind: str
    capacity: int
    modality: str
    active: list[str] = field(default_factory=list)  # participant ids
    waitlisted: int = 0

    @property
    def lead(self) -> str:
        return self.facilitator_ids[0]


@dataclass
class Dataset:
    t0: datetime
    facilitators: list[str]
    participants: list[str]
    groups: list[GroupFacts]
    sessions: dict[str, list[tuple[str, datetime]]]  # group id -> (session id, starts_at)
    counts: dict[str, int]
    seconds: dict[str, float]

    def groups_of(self) -> dict[str, list[str]]:
        """participant id -> ids of the groups they are an active member of."""
        out: dict[str, list[str]] = defaultdict(list)
        for g in self.groups:
            for pid in g.active:
                out[pid].append(g.id)
        return out


def settings_for(service: str, database_url: str, amqp_url: str, jwt_secret: str, extra: dict[str, str]) -> Settings:
    # Production settings need a session-note key; the data set writes no notes, so any valid key does.
    extra = {"NOTES_KEY": "bench:" + base64.b64encode(secrets.token_bytes(32)).decode(), **extra}
    return Settings(service=service, app_env="production", database_url=database_url, amqp_url=amqp_url,
                    jwt_secret=jwt_secret, public_base_url=extra.get("PUBLIC_BASE_URL", "http://127.0.0.1"),
                    extra=extra)


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def load(urls: dict[str, str], amqp_url: str, jwt_secret: str, sessions_public_url: str, sizes: Sizes,
         seed: int = 7, log=print) -> Dataset:
    rng = random.Random(seed)
    t0 = datetime.now(UTC).replace(microsecond=0)
    timings: dict[str, float] = {}

    # --- roster: the domain model at past times ------------------------------------------------
    from services.roster import bootstrap as roster_boot
    from services.roster.domain.model import Group
    from services.roster.domain.people import Facilitator, Participant

    started = time.perf_counter()
    roster_ctx = roster_boot.build_context(settings_for("roster", urls["roster"], amqp_url, jwt_secret, {}))
    objects, events = [], []  # events in the order they happened
    facilitators = []
    for i in range(sizes.facilitators):
        f, ev = Facilitator.register(name=f"Facilitator {i}", email=f"facilitator{i}@bench.example.org",
                                     credentials="LCSW", now=t0 - timedelta(days=120, seconds=-i))
        facilitators.append(f.id)
        objects.append(f)
        events += ev
    participants = []
    for i in range(sizes.participants):
        channels = ["email", "in_app"] if i % 5 == 0 else ["email"]
        p, ev = Participant.register(
            preferred_name=f"P{i}", email=f"participant{i}@bench.example.org", timezone=rng.choice(TIMEZONES),
            channels=channels, sms_consent=False, quiet_hours=None,
            registered_by=rng.choice(facilitators), now=t0 - timedelta(days=90) + timedelta(seconds=i * 60))
        participants.append(p.id)
        objects.append(p)
        events += ev

    groups: list[GroupFacts] = []
    domain_groups = []
    pool = participants[:]
    rng.shuffle(pool)
    cursor = 0

    def next_participant(taken: set[str]) -> str:
        nonlocal cursor
        while True:
            pid = pool[cursor % len(pool)]
            cursor += 1
            if pid not in taken:
                return pid

    starts_on = (t0 - timedelta(days=42)).date()
    for i in range(sizes.groups):
        kind = "process" if i % 5 < 2 else "psychoeducation"
        capacity = 10 if kind == "process" else 15
        modality = MODALITIES[i % len(MODALITIES)]
        lead = facilitators[i % len(facilitators)]
        team = [lead] if i % 2 else [lead, facilitators[(i * 7 + 3) % len(facilitators)]]
        if len(team) == 2 and team[0] == team[1]:
            team = [lead]
        created = t0 - timedelta(days=60) + timedelta(seconds=i * 30)
        group, ev = Group.create(
            name=f"Group {i}", kind=kind, capacity=capacity, modality=modality,
            location=None if modality == "virtual" else f"Room {i % 40 + 1}, 100 Main Street",
            enrollment_policy="open", facilitator_ids=team, starts_on=starts_on, now=created,
            schedule={"weekdays": WEEKDAY_SETS[i % len(WEEKDAY_SETS)], "start_time": START_TIMES[i % len(START_TIMES)],
                      "duration_minutes": 180, "timezone": TIMEZONES[i % len(TIMEZONES)]})
        events += ev
        facts = GroupFacts(group.id, team, kind, capacity, modality)
        # Rolling admission over the past six weeks; some members already left; a few groups are
        # full with people waiting.
        full = kind == "process" and i % 10 == 0
        wanted = capacity if full else (9 if kind == "process" else 11)
        taken: set[str] = set()
        moment = created + timedelta(days=1)
        if i % 2 == 0:  # one member who has since completed or withdrawn
            pid = next_participant(taken)
            taken.add(pid)
            enrollment, ev = group.enroll(pid, moment)
            events += ev
            events += group.end_enrollment(enrollment.id, rng.choice(["completed", "withdrew"]),
                                           moment + timedelta(days=20))
        for n in range(wanted + (2 if full else 0)):
            pid = next_participant(taken)
            taken.add(pid)
            _, ev = group.enroll(pid, moment + timedelta(hours=n * 20))
            events += ev
        facts.active = [e.participant_id for e in group.enrollments if e.status == "active"]
        facts.waitlisted = group.waitlist_count
        groups.append(facts)
        domain_groups.append(group)

    from services.roster.adapters import orm as roster_orm
    from shared.events import new_envelope

    # Each event as the unit of work would have written it (validated against the catalogue), put in
    # the outbox already sent: the consumers below get them directly.
    roster_envelopes = [new_envelope(e.type, e.data(), producer="roster", correlation_id=uuid.uuid4().hex)
                        for e in events]
    engine = roster_ctx.engine
    copy_rows(engine, roster_orm.facilitators, [_attrs(roster_orm.facilitators, o) for o in objects
                                                if isinstance(o, Facilitator)])
    copy_rows(engine, roster_orm.participants, [_attrs(roster_orm.participants, o) for o in objects
                                                if isinstance(o, Participant)])
    copy_rows(engine, roster_orm.groups, [{**_attrs(roster_orm.groups, g), "schedule": g.schedule.to_dict()}
                                          for g in domain_groups])
    copy_rows(engine, roster_orm.group_facilitators, [{"group_id": g.id, "facilitator_id": fid, "position": pos}
                                                      for g in domain_groups for pos, fid in enumerate(g.facilitator_ids)])
    copy_rows(engine, roster_orm.enrollments, [_attrs(roster_orm.enrollments, e)
                                               for g in domain_groups for e in g.enrollments])
    copy_rows(roster_ctx.engine, roster_ctx.tables.outbox, _outbox_rows(roster_envelopes, t0))
    roster_ctx.engine.dispose()
    timings["roster"] = time.perf_counter() - started
    log(f"  roster: {len(facilitators)} facilitators, {len(participants)} participants, {len(groups)} groups, "
        f"{len(roster_envelopes)} events ({timings['roster']:.1f}s)")

    # --- sessions: the consumer's handlers on an in-memory read model, then a month of sessions made
    # by the same domain calls as the `generate` use case; saved by COPY ------------------------------
    from services.sessions import bootstrap as sessions_boot
    from services.sessions.adapters import orm as sessions_orm
    from services.sessions.domain.model import schedule_session
    from services.sessions.domain.schedule import missing_occurrences
    from services.sessions.service_layer.read_model import HANDLERS

    started = time.perf_counter()
    sessions_ctx = sessions_boot.build_context(settings_for(
        "sessions", urls["sessions"], amqp_url, jwt_secret, {"PUBLIC_BASE_URL": sessions_public_url}))
    routed = [e for e in roster_envelopes if e.type in HANDLERS]
    held = InMemorySessions()
    for envelope in routed:
        HANDLERS[envelope.type](envelope, held)
    options = sessions_boot.options(sessions_ctx)
    first, last = (t0 - timedelta(days=sizes.days_back)).date(), (t0 + timedelta(days=sizes.days_ahead)).date()
    generated_at = t0 - timedelta(days=sizes.days_back + 1)
    session_rows, session_events, sessions_by_group = [], [], {}
    for g in groups:  # as services/sessions/service_layer/handlers.py `generate` does, for each group
        group = held.groups.get(uuid.UUID(g.id))
        slots = group.weekly_schedule().occurrences(group.starts_on, group.ends_on, first, last)
        created = []
        for slot in missing_occurrences(slots, []):
            session, event = schedule_session(group.id, slot, group.session_minutes, group.modality, group.location,
                                              None, generated_at, options.video_room_template,
                                              occurrence_starts_at=slot)
            created.append(session)
            session_events.append(event)
            session_rows.append(_session_row(sessions_orm.sessions, session))
        sessions_by_group[g.id] = [(str(s.id), s.starts_at) for s in created]
    session_envelopes = [new_envelope(e.type, e.data(), producer="sessions", correlation_id=uuid.uuid4().hex)
                         for e in session_events]
    engine = sessions_ctx.engine
    copy_rows(engine, sessions_orm.groups, [_attrs(sessions_orm.groups, g) for g in held.groups.rows.values()])
    copy_rows(engine, sessions_orm.group_facilitators, [{"group_id": g.id, "facilitator_id": f}
                                                        for g in held.groups.rows.values() for f in g.facilitator_ids])
    copy_rows(engine, sessions_orm.memberships, [_attrs(sessions_orm.memberships, m)
                                                 for m in held.memberships.rows.values()])
    copy_rows(engine, sessions_orm.sessions, session_rows)
    copy_rows(engine, sessions_ctx.tables.outbox, _outbox_rows(session_envelopes, t0))
    copy_rows(engine, sessions_ctx.tables.inbox, [{"consumer": "sessions", "event_id": e.id, "processed_at": t0}
                                                  for e in routed])
    engine.dispose()
    timings["sessions"] = time.perf_counter() - started
    total_sessions = len(session_rows)
    log(f"  sessions: read model from {len(routed)} events, {total_sessions} sessions generated "
        f"({timings['sessions']:.1f}s)")

    # --- notifications: the consumer's handlers, on read models held in memory, then COPY ----------
    from services.notifications import bootstrap as notif_boot
    from services.notifications.adapters import orm as notif_orm
    from services.notifications.service_layer.handlers import EventHandlers

    started = time.perf_counter()
    notif_ctx = notif_boot.build_context(settings_for(
        "notifications", urls["notifications"], amqp_url, jwt_secret,
        {"SESSIONS_PUBLIC_URL": sessions_public_url}))
    clock = [t0 - timedelta(days=1)]
    table = EventHandlers(notif_boot.config(notif_ctx).reminder_offsets, clock=lambda: clock[0]).table()
    memory = InMemoryNotifications()
    roster_routed = [e for e in roster_envelopes if e.type in table]
    for envelope in roster_routed:
        table[envelope.type](envelope, memory)
    clock[0] = generated_at
    for envelope in session_envelopes:
        table[envelope.type](envelope, memory)
    # What fell due before now went out at its time; later reminders wait, as in production.
    rm, log_rows = memory.read_models, memory.log.rows
    for row in log_rows:
        if row["due_at"] <= t0:
            row.update(status="sent", attempts=1, sent_at=row["due_at"], updated_at=row["due_at"])
    engine = notif_ctx.engine
    copy_rows(engine, notif_orm.recipients, list(rm.recipient_rows.values()))
    copy_rows(engine, notif_orm.groups, list(rm.group_rows.values()))
    copy_rows(engine, notif_orm.group_facilitators, [{"group_id": g["id"], "facilitator_id": f}
                                                     for g in rm.group_rows.values() for f in g["facilitator_ids"]])
    copy_rows(engine, notif_orm.memberships, list(rm.membership_rows.values()))
    copy_rows(engine, notif_orm.sessions, list(rm.session_rows.values()))
    copy_rows(engine, notif_orm.notifications, log_rows)
    copy_rows(engine, notif_ctx.tables.inbox, [{"consumer": "notifications", "event_id": e.id, "processed_at": t0}
                                               for e in roster_routed + session_envelopes])
    with engine.begin() as conn:
        counts = dict(conn.execute(text("SELECT status, count(*) FROM notifications GROUP BY status")).all())
    engine.dispose()
    timings["notifications"] = time.perf_counter() - started
    log(f"  notifications: {sum(counts.values())} rows in the log {counts} ({timings['notifications']:.1f}s)")

    started = time.perf_counter()
    for url in urls.values():
        vacuum_analyze(url)
    timings["vacuum_analyze"] = time.perf_counter() - started

    return Dataset(
        t0=t0, facilitators=facilitators, participants=participants, groups=groups, sessions=sessions_by_group,
        counts={"facilitators": len(facilitators), "participants": len(participants), "groups": len(groups),
                "active_enrollments": sum(len(g.active) for g in groups),
                "waitlisted": sum(g.waitlisted for g in groups), "sessions": total_sessions,
                "roster_events": len(roster_envelopes), "sessions_events": len(session_envelopes),
                "notifications": sum(counts.values()),
                "notifications_pending": counts.get("pending", 0)},
        seconds={k: round(v, 1) for k, v in timings.items()})


def _outbox_rows(envelopes, sent_at: datetime) -> list[dict]:
    return [{"event_id": e.id, "event_type": e.type, "exchange": "iop.events", "routing_key": e.type,
             "body": e.to_json(), "correlation_id": e.correlation_id, "created_at": sent_at, "sent_at": sent_at,
             "attempts": 0} for e in envelopes]


def _attrs(table, obj) -> dict:
    return {c.key: getattr(obj, c.key) for c in table.c}


def _session_row(table, session) -> dict:
    row = {c.key: getattr(session, c.key) for c in table.c if c.key != "ends_at"}
    row["ends_at"] = session.ends_at  # stored copy of the derived end (see the sessions ORM mapping)
    return row


class _Repo:
    """A repository of the sessions unit of work (get/add by id), held in a dict."""

    def __init__(self):
        self.rows: dict = {}

    def get(self, key):
        return self.rows.get(key)

    def add(self, obj) -> None:
        self.rows[obj.id] = obj

    def sync_facilitators(self, group) -> None:
        pass  # written from each group's facilitator_ids when saved


class InMemorySessions:
    """Stands in for the sessions unit of work while its read-model handlers apply roster's events."""

    def __init__(self):
        self.groups = _Repo()
        self.memberships = _Repo()


class _Log:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, rows: list[dict]) -> None:
        self.rows.extend(rows)


class _ReadModels:
    """The notifications read models (adapters/read_models.py), held in dicts. Every entity arrives
    once and in order here, so the upserts' version checks have nothing to decide."""

    def __init__(self):
        self.recipient_rows: dict[str, dict] = {}
        self.group_rows: dict[str, dict] = {}
        self.membership_rows: dict[str, dict] = {}
        self.session_rows: dict[str, dict] = {}
        self._members: dict[str, list[str]] | None = None

    # --- writes ---
    def save_recipient(self, values):
        self.recipient_rows[values["id"]] = dict(values)

    def save_group(self, values):
        self.group_rows[values["id"]] = {**values, "closed_at": None}

    def close_group(self, group_id, closed_at):
        self.group_rows[group_id]["closed_at"] = closed_at

    def _membership(self, enrollment_id, group_id, participant_id) -> dict:
        self._members = None
        return self.membership_rows.setdefault(enrollment_id, {
            "enrollment_id": enrollment_id, "group_id": group_id, "participant_id": participant_id,
            "active_from": None, "ended_at": None})

    def start_membership(self, enrollment_id, group_id, participant_id, active_from):
        self._membership(enrollment_id, group_id, participant_id)["active_from"] = active_from

    def end_membership(self, enrollment_id, group_id, participant_id, ended_at):
        self._membership(enrollment_id, group_id, participant_id)["ended_at"] = ended_at

    def save_session(self, values):
        self.session_rows[values["id"]] = dict(values)
        return True

    # --- reads ---
    def recipients(self, ids):
        from services.notifications.adapters.read_models import to_recipient
        return {i: to_recipient(_Row(self.recipient_rows[i])) for i in ids if i in self.recipient_rows}

    def group(self, group_id):
        from services.notifications.adapters.read_models import to_group
        row = self.group_rows.get(group_id)
        return to_group(_Row(row)) if row else None

    def session_facts(self, session_id):
        from services.notifications.adapters.read_models import to_session
        row = self.session_rows.get(session_id)
        return to_session(_Row(row)) if row else None

    def active_members(self, group_id):
        if self._members is None:
            by_group: dict[str, set[str]] = defaultdict(set)
            for m in self.membership_rows.values():
                if m["active_from"] is not None and m["ended_at"] is None:
                    by_group[m["group_id"]].add(m["participant_id"])
            self._members = {g: sorted(p) for g, p in by_group.items()}
        return list(self._members.get(group_id, []))

    def upcoming_sessions(self, group_id, after, limit=None):
        upcoming = sorted((r for r in self.session_rows.values() if r["group_id"] == group_id
                           and r["status"] == "scheduled" and r["starts_at"] > after), key=lambda r: r["starts_at"])
        return [self.session_facts(r["id"]) for r in upcoming[:limit]]


class InMemoryNotifications:
    """Stands in for the notifications unit of work while the real handlers plan from the events:
    `read_models` and `log` as the handlers use them, saved by COPY afterwards."""

    def __init__(self):
        self.read_models = _ReadModels()
        self.log = _Log()


class _Row:
    def __init__(self, values: dict):
        self.__dict__.update(values)


def copy_rows(engine, table, rows: list[dict]) -> None:
    """Bulk-load rows with PostgreSQL's COPY (JSON columns as jsonb text, times as they are)."""
    if not rows:
        return
    from sqlalchemy import JSON

    present = set().union(*(row.keys() for row in rows))
    columns = [c for c in table.c if c.key in present]
    is_json = [isinstance(c.type, JSON) or isinstance(getattr(c.type, "impl", None), JSON) for c in columns]
    names = ", ".join(f'"{c.name}"' for c in columns)
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([_jsonb(row.get(c.key)) if j else row.get(c.key) for c, j in zip(columns, is_json)])
        conn.commit()
    finally:
        raw.close()


def vacuum_analyze(url: str) -> None:
    """What autovacuum would have done on a database that grew over weeks (visibility map, statistics)."""
    import sqlalchemy as sa
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        engine.dispose()


def _jsonb(value):
    from psycopg.types.json import Jsonb
    return None if value is None else Jsonb(value)


PROFILING_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"  # not used while loading: the broker is skipped
PROFILING_SESSIONS_URL = "http://127.0.0.1:8002"


def load_for_profiling(databases, groups: int) -> tuple[dict[str, str], str, Dataset]:
    """Fresh, migrated databases of the three services filled with a data set of `groups` groups (ten
    participants each), for the in-process profiling tools; returns (urls, JWT secret, data set)."""
    import secrets

    from shared.migrations import upgrade
    urls = {s: databases.create(s) for s in ("roster", "sessions", "notifications")}
    for service, url in urls.items():
        upgrade(service, url)
    secret = secrets.token_urlsafe(36)
    data = load(urls, PROFILING_AMQP_URL, secret, PROFILING_SESSIONS_URL,
                Sizes(groups=groups, participants=groups * 10, facilitators=max(2, groups * 6 // 10)))
    return urls, secret, data
