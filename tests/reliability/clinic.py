"""A clinic's worth of traffic over HTTP, and the ledger that checks what it must have caused.

`Clinic.prepare()` builds the settled starting point: facilitators, 148 participants, six small
groups with their sessions (their membership never changes afterwards) and twenty larger groups
already holding five members each. `Clinic.stream()` is the traffic a fault test runs its fault
against: 1,000 enrollments into the large groups (50 of 100 people into each; 10 places left in
each, so 800 go to the waitlist), the 100 first members leaving (each freeing a place for the head
of the waitlist), and 60 session changes in the small groups (30 reschedules, 30 cancellations),
shuffled and sent by 12 clients.

`Ledger` knows what must come out, from the events the services committed (their outboxes are the
record of every change that happened, whatever the HTTP clients saw): a welcome or "promoted" email
per activation, a waitlist email per waitlisting, and an email to every member and facilitator of
the group per session change. It compares that with the notification log and with the .eml files
the SMTP server stored, message by message.
"""
from __future__ import annotations

import itertools
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import NamedTuple

import requests
import sqlalchemy as sa

from tests.support.tokens import bearer
from tests.support.workers import wait_for

ADMIN = bearer("admin", str(uuid.uuid4()), ttl=timedelta(hours=2))
NOTIFICATIONS_HANDLES = {
    "roster.facilitator.registered", "roster.participant.registered", "roster.participant.updated",
    "roster.group.created", "roster.group.updated", "roster.group.closed", "roster.enrollment.activated",
    "roster.enrollment.waitlisted", "roster.enrollment.ended", "sessions.session.scheduled",
    "sessions.session.rescheduled", "sessions.session.cancelled", "sessions.absence.streak"}
SESSIONS_HANDLES = {"roster.group.created", "roster.group.updated", "roster.group.closed",
                    "roster.enrollment.activated", "roster.enrollment.ended"}
SESSION_CHANGE_KINDS = {"sessions.session.rescheduled": "session_rescheduled",
                        "sessions.session.cancelled": "session_cancelled"}


class ApiError(AssertionError):
    pass


class Api:
    """HTTP calls as an admin; one keep-alive connection pool per client thread.

    With `ride_out_outages`, a 5xx answer or a refused connection is retried (as a real client
    would) until it works or `outage_limit` seconds have passed; every such answer is counted in
    `outage_answers`, keyed by status code ("connection" when nothing answered).
    """

    def __init__(self, urls: dict[str, str | list[str]], ride_out_outages: bool = False, outage_limit: float = 120.0):
        # A service's URL, or the URLs of its replicas: each client thread keeps to one of them, as
        # kube-proxy balances connections (not requests) over a Service's pods.
        self.urls = urls
        self._clients = itertools.count()
        self.ride_out = ride_out_outages
        self.outage_limit = outage_limit
        self.outage_answers: Counter = Counter()
        self.answers: Counter = Counter()
        self._local = threading.local()
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            self._local.session.headers.update(ADMIN)
        return self._local.session

    def call(self, service: str, method: str, path: str, body: dict | None = None) -> requests.Response:
        deadline = time.monotonic() + self.outage_limit
        while True:
            try:
                response = self._session().request(method, f"{self._base(service)}{path}", json=body, timeout=30)
                status: int | str = response.status_code
            except requests.ConnectionError:
                response, status = None, "connection"
            with self._lock:
                self.answers[status] += 1
            if response is not None and response.status_code < 500:
                return response
            with self._lock:
                self.outage_answers[status] += 1
            if not self.ride_out or time.monotonic() > deadline:
                raise ApiError(f"{method} {path}: {status} {response.text[:300] if response is not None else ''}")
            time.sleep(0.25)

    def _base(self, service: str) -> str:
        url = self.urls[service]
        if isinstance(url, str):
            return url
        if not hasattr(self._local, "client"):
            with self._lock:
                self._local.client = next(self._clients)
        return url[self._local.client % len(url)]

    def post(self, service: str, path: str, body: dict, expect: tuple[int, ...] = (200, 201)) -> dict:
        response = self.call(service, "POST", path, body)
        if response.status_code not in expect:
            raise ApiError(f"POST {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else {}


@dataclass
class Clinic:
    api: Api
    facilitators: list[str] = field(default_factory=list)
    session_groups: list[str] = field(default_factory=list)
    stream_groups: list[str] = field(default_factory=list)
    prep_people: list[str] = field(default_factory=list)
    stream_people: list[str] = field(default_factory=list)
    prefill: list[tuple[str, str]] = field(default_factory=list)  # (group id, enrollment id) that end in the stream
    sessions: dict[str, list[dict]] = field(default_factory=dict)  # session group -> its sessions
    stream_answers: Counter = field(default_factory=Counter)  # "operation status" -> count, over the stream

    # --- the settled starting point -------------------------------------------------------------
    def prepare(self, pool_size: int = 12) -> None:
        tag = uuid.uuid4().hex[:8]
        with ThreadPoolExecutor(pool_size) as pool:
            self.facilitators = list(pool.map(lambda i: self.api.post("roster", "/v1/facilitators", {
                "name": f"Lead {i}", "email": f"lead{i}-{tag}@clinic.example"})["id"], range(3)))
            self.session_groups = list(pool.map(lambda i: self._group(i, "process", 10, ["mon", "thu"]), range(6)))
            self.stream_groups = list(pool.map(lambda i: self._group(i, "psychoeducation", 15, ["tue"]), range(20)))
            people = list(pool.map(lambda i: self.api.post("roster", "/v1/participants", {
                "preferred_name": f"Member {i}", "email": f"m{i}-{tag}@mail.example", "timezone": "America/Chicago",
                "channels": ["email"], "quiet_hours": None})["id"], range(48 + 100)))
            self.prep_people, self.stream_people = people[:48], people[48:]
            # Each small group: 8 members for good. Each large group: 5 members who leave in the stream.
            list(pool.map(lambda gi: [self._enroll(self.session_groups[gi], pid)
                                      for pid in self.prep_people[8 * gi:8 * gi + 8]], range(6)))
            self.prefill = [pair for pairs in pool.map(
                lambda si: [(self.stream_groups[si], self._enroll(self.stream_groups[si],
                                                                  self.prep_people[(5 * si + j) % 48])["id"])
                            for j in range(5)], range(20)) for pair in pairs]
            for group_id in self.session_groups:  # 404 until sessions has the group from roster's event
                generate = f"/v1/groups/{group_id}/sessions/generate"
                wait_for(lambda path=generate: self.api.call("sessions", "POST", path, {
                    "from": "2030-01-07", "to": "2030-02-10"}).status_code == 200,
                    timeout=60, interval=0.3, message="sessions to know the group")
                listed = self.api.call("sessions", "GET", f"/v1/sessions?group_id={group_id}&limit=200").json()
                self.sessions[group_id] = sorted(listed["items"], key=lambda s: s["starts_at"])
                assert len(self.sessions[group_id]) >= 10, listed

    def _group(self, i: int, kind: str, capacity: int, weekdays: list[str]) -> str:
        return self.api.post("roster", "/v1/groups", {
            "name": f"Group {i}", "kind": kind, "capacity": capacity, "modality": "virtual",
            "facilitator_ids": [self.facilitators[i % 3]], "starts_on": "2030-01-07",
            "schedule": {"weekdays": weekdays, "start_time": "18:00", "duration_minutes": 180,
                         "timezone": "America/Chicago"}})["id"]

    def _enroll(self, group_id: str, participant_id: str) -> dict:
        return self.api.post("roster", f"/v1/groups/{group_id}/enrollments", {"participant_id": participant_id},
                             expect=(201,))

    # --- the stream ----------------------------------------------------------------------------
    def operations(self, seed: int = 6) -> list[tuple[str, Callable[[], int]]]:
        rng = random.Random(seed)
        enrollments = []
        for g, group_id in enumerate(self.stream_groups):  # 50 of the 100 people into each (each in 10 groups)
            people = [self.stream_people[(37 * g + j) % 100] for j in range(50)]
            enrollments += [("enroll", self._op("roster", f"/v1/groups/{group_id}/enrollments",
                                                {"participant_id": pid}, (201, 409))) for pid in people]
        changes = []
        for group_id, sessions in self.sessions.items():
            for s in sessions[:5]:
                moved = (datetime.fromisoformat(s["starts_at"]) + timedelta(days=1)).isoformat()
                changes.append(("reschedule", self._op("sessions", f"/v1/sessions/{s['id']}/reschedule",
                                                       {"starts_at": moved}, (200, 201))))
            for s in sessions[5:10]:
                changes.append(("cancel", self._op("sessions", f"/v1/sessions/{s['id']}/cancel",
                                                   {"reason": "facility closed"}, (200, 201, 409))))
        ends = [("end", self._op("roster", f"/v1/groups/{g}/enrollments/{e}/end", {"reason": "completed"},
                                 (200, 409))) for g, e in self.prefill]
        ops = enrollments + changes
        rng.shuffle(ops)
        # Members leave once their group has a waitlist, so most leavings promote someone.
        tail = len(ops) * 6 // 10
        late = ops[tail:] + ends
        rng.shuffle(late)
        return ops[:tail] + late

    def _op(self, service: str, path: str, body: dict, accept: tuple[int, ...]) -> Callable[[], int]:
        def run() -> int:
            # A 409 after a retried request means the first try had committed (already enrolled/ended).
            status = self.api.call(service, "POST", path, body).status_code
            if status not in accept:
                raise ApiError(f"POST {path}: {status}")
            return status
        return run

    def stream(self, faults: Callable[[Progress], None] | None = None, clients: int = 12) -> Progress:
        """Run every operation with `clients` threads while `faults(progress)` runs alongside."""
        ops = self.operations()
        progress = Progress(len(ops))
        fault_thread = None
        fault_error: list[BaseException] = []
        if faults is not None:
            def run_faults():
                try:
                    faults(progress)
                except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                    fault_error.append(exc)
                    progress.abort()
            fault_thread = threading.Thread(target=run_faults, name="faults", daemon=True)
            fault_thread.start()

        def run(op):
            name, call = op
            status = call()
            with progress.lock:
                self.stream_answers[f"{name} {status}"] += 1
            progress.step()
        started = time.monotonic()
        try:
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(run, ops))
        except BaseException:
            progress.abort()  # the fault script stops at its next wait instead of acting on a failed run
            if fault_thread is not None:
                fault_thread.join(timeout=120)
            raise
        progress.stream_seconds = time.monotonic() - started
        if fault_thread is not None:
            fault_thread.join(timeout=300)
            assert not fault_thread.is_alive(), "the fault script did not finish"
        if fault_error:
            raise fault_error[0]
        return progress


class Progress:
    """How far the stream is, for a fault script to act at the right moment."""

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.aborted = False
        self.stream_seconds = 0.0

    def step(self) -> None:
        with self.changed:
            self.done += 1
            self.changed.notify_all()

    def abort(self) -> None:
        with self.changed:
            self.aborted = True
            self.changed.notify_all()

    def wait_until(self, fraction: float, timeout: float = 300) -> None:
        target = int(self.total * fraction)
        with self.changed:
            if not self.changed.wait_for(lambda: self.done >= target or self.aborted, timeout=timeout):
                raise AssertionError(f"the stream did not reach {fraction:.0%} in {timeout}s")
            if self.aborted:
                raise AssertionError("the stream was aborted")


# --- what must have come out ---------------------------------------------------------------------
Key = tuple[str, str, str]  # (recipient id, message kind, source event id)


class Email(NamedTuple):
    notification_id: str  # from the Message-ID, which the sender derives from the log entry's id
    to: str
    subject: str


@dataclass
class Delivery:
    events: int
    expected: int
    emails: int
    lost: int
    duplicated: int
    unexpected: int
    log_sent: int
    log_missing: int  # expected messages the log does not show as sent
    log_extra: int  # messages the log shows as sent that no event called for
    log_not_sent: dict
    events_not_handled: dict
    wrong_address: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def assert_each_notification_sent_once(delivery: Delivery, settled: bool, ledger: "Ledger") -> None:
    """What every fault test ends with: after a stream of at least 1,700 expected emails, none lost,
    none twice, none unasked for or misaddressed, every event handled, and the log agreeing."""
    assert (delivery.lost, delivery.duplicated, delivery.unexpected, delivery.wrong_address) == (0, 0, 0, 0)
    assert delivery.events_not_handled == {"notifications": 0, "sessions": 0}
    assert (delivery.log_missing, delivery.log_extra, delivery.log_not_sent) == (0, 0, {})
    assert delivery.emails == delivery.expected >= 1700
    assert settled, ledger.state()


class Ledger:
    def __init__(self, database_urls: dict[str, str], mail_dir: Path):
        self.engines = {service: sa.create_engine(url, poolclass=sa.pool.NullPool,
                                                  connect_args={"connect_timeout": 3})
                        for service, url in database_urls.items()}
        self.mail_dir = mail_dir

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()

    def rows(self, service: str, sql: str, **params) -> list:
        with self.engines[service].connect() as conn:
            return conn.execute(sa.text(sql), params).all()

    def events(self) -> list[dict]:
        """Every event the producers committed, parsed."""
        rows = (self.rows("roster", "SELECT body FROM outbox ORDER BY seq")
                + self.rows("sessions", "SELECT body FROM outbox ORDER BY seq"))
        return [json.loads(row.body) for row in rows]

    def expected(self, events: list[dict]) -> Counter:
        members: dict[str, set[str]] = {}
        for row in self.rows("roster", "SELECT group_id, participant_id FROM enrollments WHERE status = 'active'"):
            members.setdefault(row.group_id, set()).add(row.participant_id)
        leads: dict[str, set[str]] = {}
        for row in self.rows("roster", "SELECT group_id, facilitator_id FROM group_facilitators"):
            leads.setdefault(row.group_id, set()).add(row.facilitator_id)
        expected: Counter = Counter()
        for event in events:
            data, kind = event["data"], event["type"]
            if kind == "roster.enrollment.activated":
                expected[(data["participant_id"], "promoted" if data["from_waitlist"] else "welcome", event["id"])] += 1
            elif kind == "roster.enrollment.waitlisted":
                expected[(data["participant_id"], "waitlisted", event["id"])] += 1
            elif kind in SESSION_CHANGE_KINDS:
                for recipient in members.get(data["group_id"], set()) | leads.get(data["group_id"], set()):
                    expected[(recipient, SESSION_CHANGE_KINDS[kind], event["id"])] += 1
        return expected

    def log(self) -> list:
        return self.rows("notifications", "SELECT id, recipient_id, kind, event_id, channel, status, reason, "
                                           "dedupe_key, session_id FROM notifications WHERE channel = 'email'")

    def emails(self) -> list[Email]:
        """Every message the SMTP server stored, oldest first."""
        parser = BytesHeaderParser(policy=policy.default)
        found = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            headers = parser.parsebytes(path.read_bytes())
            found.append(Email(str(headers["Message-ID"]).strip("<>").split("@", 1)[0], str(headers["To"]),
                               str(headers["Subject"])))
        return found

    def addresses(self) -> dict[str, str]:
        rows = (self.rows("roster", "SELECT id, email FROM participants")
                + self.rows("roster", "SELECT id, email FROM facilitators"))
        return {row.id: row.email for row in rows}

    # --- progress and figures ------------------------------------------------------------------
    def in_flight(self) -> dict:
        """Work caused but not finished right now: events not yet handled, emails not yet sent."""
        # Handled first, emitted after: what was handled had been emitted, so the difference is >= 0.
        handled = self.rows("notifications", "SELECT count(*) AS n FROM inbox")[0].n
        unsent = sum(self.rows(service, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")[0].n
                     for service in ("roster", "sessions"))
        emitted = sum(1 for e in self._outbox_types() if e in NOTIFICATIONS_HANDLES)
        due = self.rows("notifications", "SELECT count(*) AS n FROM notifications WHERE channel = 'email' "
                                          "AND status IN ('pending', 'sending') AND due_at <= now()")[0].n
        return {"outbox_unpublished": unsent, "events_not_yet_handled": emitted - handled,
                "events_on_the_broker": max(emitted - handled - unsent, 0), "emails_due_not_sent": due}

    def _outbox_types(self) -> list[str]:
        return [row.event_type for service in ("roster", "sessions")
                for row in self.rows(service, "SELECT event_type FROM outbox")]

    def settled(self) -> bool:
        if any(self.rows(s, "SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1") for s in ("roster", "sessions")):
            return False
        if any(self.unhandled().values()):
            return False
        if self.rows("notifications", "SELECT 1 FROM notifications WHERE status IN ('pending', 'sending') "
                                       "AND due_at <= now() LIMIT 1"):
            return False
        sent = self.rows("notifications", "SELECT count(*) AS n FROM notifications "
                                           "WHERE channel = 'email' AND status = 'sent'")[0].n
        return len(list(self.mail_dir.glob("*.eml"))) >= sent

    def state(self) -> dict:
        """Where things stand, for a failure message."""
        statuses = self.rows("notifications", "SELECT channel, status, reason, count(*) AS n FROM notifications "
                                               "WHERE due_at <= now() GROUP BY channel, status, reason")
        return {**self.in_flight(), "unhandled": self.unhandled(), "emails": len(list(self.mail_dir.glob("*.eml"))),
                "log": {f"{r.channel}:{r.status}:{r.reason}": r.n for r in statuses}}

    def unhandled(self) -> dict[str, int]:
        """Committed events a consumer has not (yet) handled, per consumer."""
        emitted = [(row.event_id, row.event_type) for service in ("roster", "sessions")
                   for row in self.rows(service, "SELECT event_id, event_type FROM outbox")]
        seen = {"notifications": {r.event_id for r in self.rows("notifications", "SELECT event_id FROM inbox")},
                "sessions": {r.event_id for r in self.rows("sessions", "SELECT event_id FROM inbox")}}
        wants = {"notifications": NOTIFICATIONS_HANDLES, "sessions": SESSIONS_HANDLES}
        return {consumer: sum(1 for eid, kind in emitted if kind in wants[consumer] and eid not in seen[consumer])
                for consumer in wants}

    def wait_settled(self, timeout: float = 240, quiet: float = 3.0, stall: float = 45.0) -> bool:
        """Wait until every event is handled and every due email sent; True if so. Returns False
        early when nothing has moved for `stall` seconds (something was lost: the figures say what),
        and fails after `timeout` if things keep moving without ever settling."""
        deadline = time.monotonic() + timeout
        last, moved = None, time.monotonic()
        while not self.settled():
            now = self.state()
            if now != last:
                last, moved = now, time.monotonic()
            elif time.monotonic() - moved > stall:
                return False
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled after {timeout}s; now: {now}")
            time.sleep(0.5)
        time.sleep(quiet)  # a duplicate would arrive now: a re-sent batch, a redelivered event
        return True

    def delivery(self) -> Delivery:
        events = self.events()
        expected = self.expected(events)
        rows = self.log()
        by_id = {row.id: row for row in rows}
        log_sent = Counter((r.recipient_id, r.kind, r.event_id) for r in rows if r.status == "sent")
        log_not_sent = Counter(f"{r.status}:{r.reason}" for r in rows
                               if r.status != "sent" and not r.kind.startswith("reminder"))
        emails = self.emails()
        addresses = self.addresses()
        received: Counter = Counter()
        unknown = wrong_address = 0
        for notification_id, to, _ in emails:
            row = by_id.get(notification_id)
            if row is None:
                unknown += 1
                continue
            received[(row.recipient_id, row.kind, row.event_id)] += 1
            wrong_address += addresses.get(row.recipient_id) != to
        lost = sum(1 for key in expected if received[key] == 0)
        duplicated = sum(count - 1 for count in received.values() if count > 1)
        unexpected = unknown + sum(count for key, count in received.items() if key not in expected)
        return Delivery(events=len(events), expected=sum(expected.values()), emails=len(emails), lost=lost,
                        duplicated=duplicated, unexpected=unexpected, log_sent=sum(log_sent.values()),
                        log_missing=sum((expected - log_sent).values()),
                        log_extra=sum((log_sent - expected).values()), log_not_sent=dict(log_not_sent),
                        events_not_handled=self.unhandled(), wrong_address=wrong_address)
