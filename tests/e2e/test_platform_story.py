"""The platform as ops run it and as people use it: every process of deploy/Procfile.dev (three
gunicorn APIs, two relays, two consumers, the reminder scheduler) on fresh PostgreSQL databases, the
real RabbitMQ and a real SMTP server. Each story is walked over HTTP and checked where a person would
see it: API answers, emails, texts and in-app notifications received, the join link's redirect; ops'
view is the logs and /metrics. The module ends with the privacy scan of everything the stories wrote.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from services.notifications.domain.messages import participant_ref
from tests.e2e.clinic import PROPAGATION, Clinic, Person, join_link_in, notification_id_of, text_of
from tests.e2e.privacy import scan_what_the_stack_wrote
from tests.e2e.stack import EVERYTHING, Stack, metric
from tests.support.workers import wait_for

pytestmark = pytest.mark.e2e

WELCOME, WAITLISTED, PROMOTED = "Welcome", "You are on the waiting list", "A place has opened up"
REMINDER, CANCELLED, ABSENCE_ALERT = "Reminder:", "Session cancelled:", "Attendance alert:"
NOTE_WAITING = "You have a session note waiting for your signature"
# What a message must never say (privacy by default): the program, the group's kind, a diagnosis.
NEW_YORK = ZoneInfo("America/New_York")
DISCLOSING = ("therapy", "substance", "addiction", "recovery", "psychoeducation", "treatment", "outpatient")
# How members of a roster are reached, in turn: texts with consent, in-app, both, and a number given
# with SMS chosen but no consent (never texted). Everyone also has email, which the stories wait on.
CONTACT_PREFERENCES = (
    {"channels": ("email", "sms"), "sms_consent": True},
    {"channels": ("email", "in_app"), "phone": True},
    {"channels": ("email", "sms", "in_app"), "sms_consent": True},
    {"channels": ("email", "sms"), "sms_consent": False},
)


@pytest.fixture(scope="module")
def stack(databases, e2e_amqp_url, tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("platform"), databases, e2e_amqp_url)
    try:
        stack.start(*EVERYTHING)
        yield stack
    finally:
        stack.close()


@dataclass
class Roster:
    lead: Person
    co: Person
    group: dict
    members: list[Person]
    waiting: list[Person]
    enrollments: dict[str, dict]  # participant id -> their enrollment

    @property
    def facilitators(self) -> list[Person]:
        return [self.lead, self.co]


def build_roster(clinic: Clinic, members: int = 6, waiting: int = 0) -> Roster:
    """A lead and a co-facilitator build a virtual group of 6 and enroll its members, then the waitlist
    (reached as CONTACT_PREFERENCES say, in turn); returns once every active member has their welcome
    email (so every service knows them)."""
    lead, co = clinic.facilitator(), clinic.facilitator()
    group = clinic.group(lead, co, capacity=6)
    people = [clinic.participant(lead, **CONTACT_PREFERENCES[n % len(CONTACT_PREFERENCES)])
              for n in range(members + waiting)]
    enrollments = {p.id: clinic.enroll(lead, group, p) for p in people}
    roster = Roster(lead, co, group, people[:members], people[members:], enrollments)
    for member in roster.members:
        clinic.mail.wait(member, WELCOME)
    return roster


def test_a_facilitator_builds_a_group_generates_a_month_and_members_are_welcomed(clinic):
    roster = build_roster(clinic, members=6, waiting=1)
    statuses = [roster.enrollments[p.id]["status"] for p in roster.members + roster.waiting]
    assert statuses == ["active"] * 6 + ["waitlisted"]
    assert roster.enrollments[roster.waiting[0].id]["waitlist_position"] == 1
    shown = clinic.shown_group(roster.lead, roster.group)
    assert (shown["active_count"], shown["waitlist_count"], shown["status"]) == (6, 1, "full")

    first = date.today() + timedelta(days=1)
    last = first + timedelta(days=27)
    generated = clinic.generate(roster.lead, roster.group, first, last)
    meeting_days = [first + timedelta(days=n) for n in range(28) if (first + timedelta(days=n)).weekday() in (0, 2, 3)]
    assert (generated["created_count"], generated["existing_count"]) == (len(meeting_days), 0) == (12, 0)
    local_starts = [datetime.fromisoformat(s["starts_at"]).astimezone(NEW_YORK) for s in generated["items"]]
    assert [(t.date(), t.hour, t.minute) for t in local_starts] == [(day, 18, 0) for day in meeting_days]
    again = clinic.generate(roster.lead, roster.group, first, last)
    assert (again["created_count"], again["existing_count"]) == (0, 12)  # never twice

    for member in roster.members:
        welcome = text_of(clinic.mail.wait(member, WELCOME)[0])
        assert "The group meets Mondays, Wednesdays and Thursdays at 6:00 PM" in welcome
    waitlisted = text_of(clinic.mail.wait(roster.waiting[0], WAITLISTED)[0])
    assert "Your place on the list: 1." in waitlisted
    assert clinic.mail.to(roster.waiting[0], WELCOME) == []
    for message in clinic.mail.all():
        assert not any(word in f"{message['Subject']} {text_of(message)}".lower() for word in DISCLOSING)

    # Texts only to those who consented; in-app to those who chose it.
    for member in roster.members:
        if member.texted:
            texts = wait_for(lambda m=member: clinic.sms.to(m.phone), timeout=PROPAGATION, interval=0.1,
                             message=f"a welcome SMS to participant {member.id}")
            assert len(texts) == 1 and "6:00 PM" in texts[0]
        if "in_app" in member.channels:
            inbox = wait_for(lambda m=member: clinic.inbox(m), timeout=PROPAGATION, interval=0.1,
                             message=f"a welcome in participant {member.id}'s inbox")
            assert [item["type"] for item in inbox] == ["welcome"]
    assert all(clinic.sms.to(member.phone) == [] for member in roster.members if member.phone and not member.texted)


def test_reminders_carry_each_members_own_join_link_and_following_it_marks_them_present(clinic):
    roster = build_roster(clinic)
    # Reminders go 6 s and 3 s before (REMINDER_OFFSETS); a slot already past when the event arrives is
    # skipped, so the start leaves the event 14 s to get through relay, broker and consumer on a busy machine.
    starts_at = datetime.now(UTC) + timedelta(seconds=20)
    session = clinic.schedule(roster.lead, roster.group, starts_at)
    links = wait_for(lambda: len(clinic.join_links(roster.lead, session)) == 6 and
                     clinic.join_links(roster.lead, session), timeout=PROPAGATION, message="6 join links")

    reminded = {}
    for member in roster.members:
        reminders = clinic.mail.wait(member, REMINDER, count=2)  # one per offset
        found = {join_link_in(reminder, clinic.sessions) for reminder in reminders}
        assert found == {links[member.id]}, "each reminder carries the member's own link"
        reminded[member.id] = found.pop()
    assert len(set(reminded.values())) == 6

    joining, others = roster.members[0], roster.members[1:]
    own_view = requests.get(f"{clinic.sessions}/v1/participants/{joining.id}/sessions", headers=joining.headers,
                            timeout=10).json()
    assert [s["join_url"] for s in own_view["items"] if s["id"] == session["id"]] == [reminded[joining.id]]
    joined = requests.get(reminded[joining.id], allow_redirects=False, timeout=10)
    assert joined.status_code == 302
    assert joined.headers["Location"] == session["video_room_url"]
    sheet = clinic.attendance(roster.lead, session)
    assert sheet[joining.id]["status"] == "present" and sheet[joining.id]["joined_at"] is not None
    assert {sheet[m.id]["status"] for m in others} == {"not_recorded"}
    forged = requests.get(reminded[others[0].id][:-3] + "xyz", allow_redirects=False, timeout=10)
    assert forged.status_code == 404 and forged.headers["Content-Type"].startswith("text/html")


def test_two_unexcused_absences_in_a_row_alert_both_facilitators(clinic):
    roster = build_roster(clinic)
    absent, present = roster.members[0], roster.members[1]
    # Sessions held after they joined, recorded after the fact (the API allows a start in the past).
    joined = datetime.fromisoformat(roster.enrollments[absent.id]["activated_at"])
    held = [joined + timedelta(seconds=1), joined + timedelta(seconds=2)]
    wait_for(lambda: datetime.now(UTC) > held[-1] + timedelta(seconds=1), timeout=5)
    sessions = [clinic.schedule(roster.lead, roster.group, starts_at) for starts_at in held]
    wait_for(lambda: {m.id for m in roster.members} <= set(clinic.attendance(roster.lead, sessions[0])),
             timeout=PROPAGATION, message="the members to be expected at the session")

    for session in sessions:
        sheet = clinic.take_attendance(roster.lead, session, [
            {"participant_id": absent.id, "status": "absent"}, {"participant_id": present.id, "status": "present"}])
        assert sheet[absent.id]["status"] == "absent" and sheet[absent.id]["expected"] is True

    for facilitator in roster.facilitators:
        alert = clinic.mail.wait(facilitator, ABSENCE_ALERT)[0]
        assert f"ref {participant_ref(absent.id)}" in text_of(alert)
        assert "two sessions in a row" in alert["Subject"]
        assert absent.email not in text_of(alert) and absent.name not in text_of(alert)
    # Re-sending the same sheet changes nothing and alerts nobody twice.
    clinic.take_attendance(roster.lead, sessions[-1], [{"participant_id": absent.id, "status": "absent"}])
    time.sleep(1.5)
    assert len(clinic.mail.to(roster.lead, ABSENCE_ALERT)) == 1


def test_session_notes_are_written_signed_and_locked_and_an_unsigned_one_reminds_its_author_once(clinic):
    roster = build_roster(clinic)
    # A session held two days ago, recorded after the fact: the members came as walk-ins.
    session = clinic.schedule(roster.lead, roster.group, datetime.now(UTC) - timedelta(days=2), minutes=90)
    came = roster.members[:4]
    clinic.take_attendance(roster.lead, session, [{"participant_id": m.id, "status": "present"} for m in came])

    group_note = clinic.write_note(roster.lead, session, topic="chose coping with cravings as the theme",
                                   dynamics="the group supported a member after a lapse")
    signed = [clinic.sign_note(roster.lead, group_note)]
    for member in came[:3]:
        note = clinic.write_note(roster.lead, session, member, participation="engaged, shared about a lapse",
                                 progress="fewer cravings this week", plan="continue daily check-ins")
        signed.append(clinic.sign_note(roster.lead, note))
    left = clinic.write_note(roster.co, session, came[3], progress="quiet; reported trouble sleeping")
    assert {n["status"] for n in signed} == {"signed"} and all(n["locked"] for n in signed)
    edit = requests.patch(f"{clinic.sessions}/v1/notes/{signed[1]['id']}", headers=roster.lead.headers, timeout=10,
                          json={"version": signed[1]["version"], "sections": {"plan": "changed"}})
    assert edit.status_code == 409 and "locked" in edit.json()["message"]

    assert [(n["note_id"], n["overdue"]) for n in clinic.unsigned_notes(roster.co)] == [(left["id"], True)]
    assert clinic.unsigned_notes(roster.lead) == []
    reminder = clinic.mail.wait(roster.co, NOTE_WAITING)[0]
    assert "waiting for your signature" in text_of(reminder)
    assert clinic.mail.to(roster.lead, NOTE_WAITING) == []
    # What the notes say is the privacy scan's to look for everywhere (the last test of this module).


def test_a_cancelled_session_is_announced_to_every_member_and_facilitator(clinic):
    roster = build_roster(clinic)
    first = date.today() + timedelta(days=2)
    month = clinic.generate(roster.lead, roster.group, first, first + timedelta(days=27))["items"]
    session = month[0]
    links = wait_for(lambda: len(clinic.join_links(roster.lead, session)) == 6 and
                     clinic.join_links(roster.lead, session), timeout=PROPAGATION, message="6 join links")
    planned = 2 * sum(len(member.channels) for member in roster.members)
    wait_for(lambda: len(clinic.notification_log(session_id=session["id"], type="reminder_virtual")) == planned,
             timeout=PROPAGATION, message="two reminders planned per member and channel")

    cancelled = clinic.cancel(roster.lead, session, "facilitator unwell")
    assert cancelled["status"] == "cancelled"

    for person in roster.members + roster.facilitators:
        notice = clinic.mail.wait(person, CANCELLED)[0]
        assert "facilitator unwell" not in text_of(notice)  # free text could disclose something
    reminders = clinic.notification_log(session_id=session["id"], type="reminder_virtual")
    assert {(n["status"], n["reason"]) for n in reminders} == {("suppressed", "session_cancelled")}
    refused = requests.get(links[roster.members[0].id], allow_redirects=False, timeout=10)
    assert refused.status_code == 403 and "cancel" in refused.text.lower()


def test_when_a_member_leaves_the_first_on_the_waitlist_is_promoted_and_told(clinic, stack):
    roster = build_roster(clinic, members=6, waiting=2)
    first_waiting, second_waiting = roster.waiting
    clinic.mail.wait(first_waiting, WAITLISTED)
    assert first_waiting.texted  # CONTACT_PREFERENCES: and the SMS provider has a bad minute for them
    wait_for(lambda: clinic.sms.to(first_waiting.phone), timeout=PROPAGATION, interval=0.1,
             message="the waitlisted SMS")
    clinic.sms.refuse_next(first_waiting.phone, 503)

    leaving = roster.members[2]
    ended = clinic.end(roster.lead, roster.group, roster.enrollments[leaving.id], "withdrew")
    assert ended["status"] == "withdrew"

    active = {e["participant_id"] for e in clinic.enrollments(roster.lead, roster.group, "active")}
    assert first_waiting.id in active and leaving.id not in active and len(active) == 6
    still_waiting = clinic.enrollments(roster.lead, roster.group, "waitlisted")
    assert [(e["participant_id"], e["waitlist_position"]) for e in still_waiting] == [(second_waiting.id, 1)]
    promoted = clinic.mail.wait(first_waiting, PROMOTED)[0]
    assert "you are now a member" in text_of(promoted)
    # The refused text is sent again after a back-off, once.
    texted = wait_for(lambda: [t for t in clinic.sms.to(first_waiting.phone) if "A place has opened up" in t],
                      timeout=PROPAGATION, interval=0.1, message="the promotion SMS, sent again")
    sms = [n for n in clinic.notification_log(recipient_id=first_waiting.id, type="promoted") if n["channel"] == "sms"]
    assert [(n["status"], n["attempts"]) for n in sms] == [("sent", 2)]
    assert [line["error"] for line in stack.logs("notifications-scheduler") if line.get("msg") == "delivery failed"
            and line.get("notification_id") == sms[0]["id"]] == ["SMS webhook answered 503"]
    time.sleep(1.0)
    assert len(texted) == 1 and len(clinic.sms.to(first_waiting.phone)) == 2  # waitlisted, promoted
    assert clinic.mail.to(second_waiting, PROMOTED) == []
    shown = clinic.shown_group(roster.lead, roster.group)
    assert (shown["active_count"], shown["waitlist_count"]) == (6, 1)


def test_one_correlation_id_leads_from_the_enrollment_request_to_the_email_it_caused(clinic, stack):
    lead = clinic.facilitator()
    group = clinic.group(lead)
    member = clinic.participant(lead)
    correlation_id = f"e2e-{uuid.uuid4().hex[:12]}"
    enrollment = clinic.enroll(lead, group, member, headers={"X-Correlation-ID": correlation_id})
    email = clinic.mail.wait(member, WELCOME)[0]
    notification_id = notification_id_of(email)

    def lines(process, **fields):
        return [line for line in stack.logs(process) if line.get("correlation_id") == correlation_id
                and all(line.get(key) == value for key, value in fields.items())]

    # roster: the request, as the access log shows it, and the application's own line under it.
    assert lines("roster", logger="gunicorn.access", method="POST", status=201,
                 path=f"/v1/groups/{group['id']}/enrollments")
    assert lines("roster", msg="participant enrolled", enrollment_id=enrollment["id"])
    # both consumers handled the event under the same id ...
    for consumer in ("sessions-consumer", "notifications-consumer"):
        wait_for(lambda name=consumer: lines(name, msg="event handled", event_type="roster.enrollment.activated"),
                 timeout=PROPAGATION, message=f"{consumer}'s line")
    # ... and the scheduler logged the send of that very email under it.
    sent = wait_for(lambda: lines("notifications-scheduler", notification_id=notification_id), timeout=10)
    assert sent[0]["msg"] == "notification sent" and sent[0]["channel"] == "email"
    log = clinic.notification_log(recipient_id=member.id, type="welcome")
    assert [(n["id"], n["correlation_id"]) for n in log] == [(notification_id, correlation_id)]
    # That the logs carry ids and never contact data is the privacy scan's to show (the last test).


def test_metrics_show_latency_per_endpoint_outbox_consumers_and_notifications(clinic, stack):
    roster = build_roster(clinic, members=6)  # some traffic of our own, whatever ran before
    clinic.schedule(roster.lead, roster.group, datetime.now(UTC) + timedelta(days=3))

    api = stack.metrics("roster")
    assert metric(api, "http_request_duration_seconds_count", service="roster", method="POST",
                  endpoint="/v1/groups/<group_id>/enrollments", status="201") >= 6
    assert metric(api, "http_request_duration_seconds_bucket", endpoint="/v1/participants", le="+Inf") >= 6
    wait_for(lambda: metric(stack.metrics("roster"), "outbox_backlog", service="roster") == 0, timeout=PROPAGATION)
    assert ("outbox_oldest_age_seconds", frozenset({("service", "roster")})) in stack.metrics("roster")
    assert ("outbox_backlog", frozenset({("service", "sessions")})) in stack.metrics("sessions")

    assert metric(stack.metrics("roster-relay"), "outbox_events_relayed_total", service="roster",
                  outcome="confirmed") > 0
    for consumer, service in (("sessions-consumer", "sessions"), ("notifications-consumer", "notifications")):
        samples = stack.metrics(consumer)
        queue = stack.queues[service]
        assert metric(samples, "events_consumed_total", queue=queue, event_type="roster.enrollment.activated",
                      outcome="handled") >= 6
        assert ("consumer_queue_depth", frozenset({("queue", queue)})) in samples
    wait_for(lambda: metric(stack.metrics("notifications-scheduler"), "notifications_total",
                            channel="email", status="sent") >= 6, timeout=PROPAGATION)
    assert metric(stack.metrics("notifications-scheduler"), "notifications_total", status="failed") == 0


@pytest.mark.privacy_scan  # runs after every other test of this module (tests/e2e/conftest.py)
def test_no_log_line_or_message_of_these_stories_names_anyone_or_gives_their_contact_details(clinic, stack):
    """SPEC 3, privacy by default: every line every process wrote (stdout and stderr, access logs
    included, until it exited), every email, SMS and in-app notification, and the notification log,
    hold no name, email or phone number of anyone the stories registered (the address or number a
    message was sent to aside: see privacy.Scan), and no word of any session note they wrote (SPEC 8)."""
    people = stack.people.everyone
    participants = [person for person in people if person.role == "participant"]
    wait_for(lambda: not [n for n in clinic.notification_log(status="pending")
                          if datetime.fromisoformat(n["due_at"]) <= datetime.now(UTC)],
             timeout=PROPAGATION, interval=0.2, message="every notification due to have been sent or settled")
    inboxes = {person.id: clinic.inbox(person) for person in participants}
    log_entries = clinic.notification_log()
    scan, transcripts = scan_what_the_stack_wrote(stack)
    for participant_id, items in inboxes.items():
        scan.in_app(participant_id, items)
    scan.records("notification log", log_entries)

    # It read what there was: every process, gunicorn's access lines, every kind of message.
    assert set(transcripts) >= set(EVERYTHING) and all(text.strip() for text in transcripts.values())
    for api in ("roster", "sessions", "notifications"):
        assert '"logger": "gunicorn.access"' in transcripts[api], f"{api}'s access log is not in its output"
    assert len(participants) >= 40 and any(person.phone for person in participants)
    scan.assert_saw({"log lines": 500, "emails": 50, "sms": 20, "in-app notifications": 20, "notification log": 300,
                     "audit rows": 300})
    assert len(scan.note_texts) >= 10  # the notes story wrote its notes: their text is looked for too
    scan.assert_clean()
