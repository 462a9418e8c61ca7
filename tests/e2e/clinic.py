"""The people of an end-to-end story and what they do, over HTTP only: an admin registers
facilitators; a facilitator registers participants, builds a group, enrolls its members and runs its
sessions; participants read their email (the mail sink's .eml files), their texts (the SMS gateway)
and their in-app inbox, and follow their join links.

Everyone is registered with a distinctive name, email and (for many) phone number, and recorded in the
stack's `people`, so that the privacy scan (privacy.py) can look for them wherever they must not be.

Every story makes its own people and groups, so stories do not depend on each other's order.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import requests

from tests.e2e.stack import Stack
from tests.support.tokens import bearer
from tests.support.workers import wait_for

PROPAGATION = 45  # seconds an event may take through relay, broker, consumer and scheduler (generous: CI is shared)


@dataclass(frozen=True)
class Person:
    id: str
    email: str = field(repr=False)  # repr: a failing assertion shows ids, not personal data
    headers: dict[str, str] = field(repr=False)  # their own bearer token
    name: str = field(default="", repr=False)
    phone: str | None = field(default=None, repr=False)
    role: str = "participant"
    channels: tuple[str, ...] = ("email",)
    sms_consent: bool = False

    @property
    def texted(self) -> bool:
        """Whether SMS may reach them: they chose it, consented, and have a number."""
        return "sms" in self.channels and self.sms_consent and self.phone is not None


class Clinic:
    def __init__(self, stack: Stack):
        self.roster = stack.urls["roster"]
        self.sessions = stack.urls["sessions"]
        self.notifications = stack.urls["notifications"]
        self.admin = bearer("admin", str(uuid.uuid4()))
        self.mail = Mailbox(stack.mail.directory)
        self.sms = stack.sms
        self.people = stack.people

    # --- roster ---------------------------------------------------------------------------------
    def facilitator(self) -> Person:
        name, email, _ = self.people.invent("facilitator")
        body = expect(201, requests.post(f"{self.roster}/v1/facilitators", headers=self.admin, timeout=10,
                                         json={"name": name, "email": email, "credentials": "LCSW"}))
        return self.people.add(Person(body["id"], email, bearer("facilitator", body["id"]), name,
                                      role="facilitator"))

    def participant(self, by: Person, channels=("email",), headers: dict | None = None, *,
                    phone: bool = False, sms_consent: bool = False) -> Person:
        """A new participant; with a phone number if asked for or if they choose SMS."""
        name, email, number = self.people.invent("participant", phone=phone or "sms" in channels)
        body = expect(201, requests.post(f"{self.roster}/v1/participants", headers={**by.headers, **(headers or {})},
                                         timeout=10, json={"preferred_name": name, "email": email, "phone": number,
                                                           "timezone": "America/New_York",
                                                           "channels": list(channels), "sms_consent": sms_consent}))
        return self.people.add(Person(body["id"], email, bearer("participant", body["id"]), name, number,
                                      channels=tuple(channels), sms_consent=sms_consent))

    def group(self, lead: Person, *co: Person, capacity: int = 6, modality: str = "virtual") -> dict:
        """A rolling group meeting Monday, Wednesday and Thursday evenings, from last week on."""
        return expect(201, requests.post(f"{self.roster}/v1/groups", headers=lead.headers, timeout=10, json={
            "name": "Evening group", "kind": "process", "capacity": capacity, "modality": modality,
            "facilitator_ids": [lead.id, *(f.id for f in co)], "enrollment_policy": "open",
            "starts_on": (date.today() - timedelta(days=7)).isoformat(),
            "schedule": {"weekdays": ["mon", "wed", "thu"], "start_time": "18:00", "duration_minutes": 180,
                         "timezone": "America/New_York"}}))

    def enroll(self, by: Person, group: dict, member: Person, headers: dict | None = None) -> dict:
        return expect(201, requests.post(f"{self.roster}/v1/groups/{group['id']}/enrollments", timeout=10,
                                         headers={**by.headers, **(headers or {})},
                                         json={"participant_id": member.id}))

    def end(self, by: Person, group: dict, enrollment: dict, reason: str) -> dict:
        return expect(200, requests.post(
            f"{self.roster}/v1/groups/{group['id']}/enrollments/{enrollment['id']}/end", headers=by.headers,
            timeout=10, json={"reason": reason}))

    def enrollments(self, by: Person, group: dict, status: str) -> list[dict]:
        return expect(200, requests.get(f"{self.roster}/v1/groups/{group['id']}/enrollments", headers=by.headers,
                                        params={"status": status, "limit": 200}, timeout=10))["items"]

    def shown_group(self, by: Person, group: dict) -> dict:
        return expect(200, requests.get(f"{self.roster}/v1/groups/{group['id']}", headers=by.headers, timeout=10))

    # --- sessions -------------------------------------------------------------------------------
    def schedule(self, by: Person, group: dict, starts_at: datetime, minutes: int = 60) -> dict:
        """One session; waits until sessions has heard of the group from roster (404 until then)."""
        def post():
            response = requests.post(f"{self.sessions}/v1/groups/{group['id']}/sessions", headers=by.headers,
                                     timeout=10, json={"starts_at": starts_at.isoformat(),
                                                       "duration_minutes": minutes})
            return None if response.status_code == 404 else response
        return expect(201, wait_for(post, timeout=PROPAGATION, interval=0.1, message="sessions to know the group"))

    def generate(self, by: Person, group: dict, first: date, last: date) -> dict:
        def post():
            response = requests.post(f"{self.sessions}/v1/groups/{group['id']}/sessions/generate",
                                     headers=by.headers, timeout=10,
                                     json={"from": first.isoformat(), "to": last.isoformat()})
            return None if response.status_code == 404 else response
        return expect(200, wait_for(post, timeout=PROPAGATION, interval=0.1, message="sessions to know the group"))

    def attendance(self, by: Person, session: dict) -> dict[str, dict]:
        sheet = expect(200, requests.get(f"{self.sessions}/v1/sessions/{session['id']}/attendance",
                                         headers=by.headers, timeout=10))
        return {row["participant_id"]: row for row in sheet["items"]}

    def take_attendance(self, by: Person, session: dict, entries: list[dict]) -> dict[str, dict]:
        sheet = expect(200, requests.put(f"{self.sessions}/v1/sessions/{session['id']}/attendance",
                                         headers=by.headers, timeout=10, json=entries))
        return {row["participant_id"]: row for row in sheet["items"]}

    def join_links(self, by: Person, session: dict) -> dict[str, str]:
        links = expect(200, requests.get(f"{self.sessions}/v1/sessions/{session['id']}/join-links",
                                         headers=by.headers, timeout=10))
        return {item["participant_id"]: item["url"] for item in links["items"]}

    def cancel(self, by: Person, session: dict, reason: str) -> dict:
        return expect(200, requests.post(f"{self.sessions}/v1/sessions/{session['id']}/cancel", headers=by.headers,
                                         timeout=10, json={"reason": reason}))

    # --- session notes --------------------------------------------------------------------------
    def write_note(self, by: Person, session: dict, member: Person | None = None, **sections: str) -> dict:
        """A draft (the group note, or the member's); each section's text is made by People.note_text,
        so the privacy scan looks for it everywhere it must not be."""
        whose = f"note of session {session['id']}" + (f" on participant {member.id}" if member else "")
        body = {"kind": "individual" if member else "group", "participant_id": member.id if member else None,
                "sections": {name: self.people.note_text(whose, text) for name, text in sections.items()}}
        return expect(201, requests.post(f"{self.sessions}/v1/sessions/{session['id']}/notes", headers=by.headers,
                                         timeout=10, json=body))

    def sign_note(self, by: Person, note: dict) -> dict:
        return expect(200, requests.post(f"{self.sessions}/v1/notes/{note['id']}/sign", headers=by.headers,
                                         timeout=10, json={"version": note["version"]}))

    def unsigned_notes(self, by: Person) -> list[dict]:
        return expect(200, requests.get(f"{self.sessions}/v1/unsigned-notes", headers=by.headers,
                                        timeout=10))["items"]

    def wait_until_member_known(self, by: Person, group: dict, members: list[Person]) -> None:
        """Sessions has applied these members' enrollments: a session far ahead expects them."""
        probe = self.schedule(by, group, datetime.now(UTC) + timedelta(days=60))
        wait_for(lambda: {m.id for m in members} <= set(self.attendance(by, probe)), timeout=PROPAGATION,
                 interval=0.1, message="sessions to know the members")

    # --- notifications --------------------------------------------------------------------------
    def notification_log(self, **filters) -> list[dict]:
        items, cursor = [], None
        while True:
            params = {**filters, "limit": 200, **({"cursor": cursor} if cursor else {})}
            page = expect(200, requests.get(f"{self.notifications}/v1/notifications", headers=self.admin,
                                            params=params, timeout=10))
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items

    def inbox(self, person: Person) -> list[dict]:
        """A participant's in-app notifications, as they read them with their own token."""
        items, cursor = [], None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = expect(200, requests.get(f"{self.notifications}/v1/participants/{person.id}/notifications",
                                            headers=person.headers, params=params, timeout=10))
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


class Mailbox:
    """The mail sink's folder as a set of inboxes, one per address."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._parsed: dict[Path, EmailMessage] = {}

    def all(self) -> list[EmailMessage]:
        for path in sorted(self.directory.glob("*.eml")):
            if path not in self._parsed:
                raw = path.read_bytes().replace(b"\r\n", b"\n")
                self._parsed[path] = BytesParser(policy=policy.default).parsebytes(raw)
        return list(self._parsed.values())

    def to(self, person: Person, subject: str = "") -> list[EmailMessage]:
        """Messages addressed to this person whose subject starts with `subject`."""
        return [m for m in self.all() if m["To"] == person.email and m["Subject"].startswith(subject)]

    def wait(self, person: Person, subject: str, count: int = 1, timeout: float = PROPAGATION) -> list[EmailMessage]:
        """Wait until the person has `count` such messages, then return them (failing if more came)."""
        wait_for(lambda: len(self.to(person, subject)) >= count, timeout=timeout, interval=0.1,
                 message=f"{count} email(s) '{subject}...' to participant {person.id}")
        messages = self.to(person, subject)
        assert len(messages) == count, f"{len(messages)} emails '{subject}...' to {person.id}, expected {count}"
        return messages


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def join_link_in(message: EmailMessage, sessions_url: str) -> str:
    links = re.findall(rf"^{re.escape(sessions_url)}/join/\S+$", text_of(message), flags=re.MULTILINE)
    assert len(links) == 1, f"expected one join link in:\n{text_of(message)}"
    return links[0]


def notification_id_of(message: EmailMessage) -> str:
    """The Message-ID is <notification id@sender domain>."""
    return message["Message-ID"].strip("<>").split("@")[0]


def expect(status: int, response: requests.Response) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.url}: " \
                                           f"{response.status_code} {response.text[:500]}"
    return response.json()
