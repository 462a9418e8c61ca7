"""The privacy scan of the end-to-end stories (privacy.py) finds what it is meant to find, in the forms
the platform would write it, and nothing in ordinary text: a scan that cannot see would pass forever.
No processes: crafted log lines, .eml files, SMS requests and inbox items."""
from __future__ import annotations

import json
from email.header import Header
from pathlib import Path

import pytest

from tests.e2e.clinic import Person
from tests.e2e.privacy import People, Scan

pytestmark = pytest.mark.e2e


@pytest.fixture
def people() -> list[Person]:
    """Four participants, p0 to p3: names and addresses as the stories' (People.invent) are."""
    registry = People()
    everyone = []
    for n in range(4):
        name, email, phone = registry.invent("participant", phone=True)
        everyone.append(registry.add(Person(f"p{n}", email, {}, name, phone)))
    return everyone


def found(scan: Scan) -> list[tuple[str, str]]:
    return [(finding.needle.whose, finding.needle.what) for finding in scan.findings]


def test_names_emails_and_phones_are_found_in_log_lines_in_any_case_and_format(people):
    marisol, thaddeus, oluwaseun, anneliese = people
    scan = Scan(people)
    scan.log("roster.log", "\n".join([
        json.dumps({"msg": "participant registered", "name": marisol.name.upper()}),
        f"Traceback ... ValueError: bad address {thaddeus.email}",
        f"texting {oluwaseun.phone.removeprefix('+')}",
        "calling (617) 555-0100",  # marisol's number, as people write it
        f"user {anneliese.email.split('@')[0]} logged in",
        "Thaddeus",  # a first name alone
    ]))
    assert found(scan) == [("participant p0", "full name"), ("participant p1", "email"), ("participant p2", "phone"),
                           ("participant p0", "phone"), ("participant p3", "email local part"),
                           ("participant p1", "name token")]
    assert str(scan.findings[0]) == "roster.log line 1, field 'name': full name of participant p0"
    assert all(person.name not in str(finding) and person.email not in str(finding)
               for finding in scan.findings for person in people), "a finding must not repeat the leak"


def test_a_session_notes_text_is_found_whole_or_by_its_word(people):
    registry = People()
    text = registry.note_text("note n1", "spoke about cravings; plan: daily check-ins")
    scan = Scan(people, registry.note_texts)
    scan.log("sessions.log", "\n".join([
        json.dumps({"msg": "note saved", "error": text}),
        f"ValueError: {text.split()[0].upper()} ...",
        "spoke about cravings in general",  # ordinary words are not the note
    ]))
    assert found(scan) == [("note n1", "note text"), ("note n1", "note text word")]
    assert text not in "".join(str(finding) for finding in scan.findings)


def test_ordinary_text_ids_and_timestamps_are_not_hits(people):
    scan = Scan(people)
    scan.log("sessions.log", '{"ts": "2026-11-22T12:42:13.231+00:00", "msg": "Please arrive in advance", '
                             '"participant_id": "8f0c2d8e-5b1e-4c1a-9d1f-0a1b2c3d4e5f", "duration_ms": 1617}\n'
                             "Vancer and Marisolo are other words; 5550100 is too short to be anyone's number")
    assert scan.findings == [] and scan.seen["log lines"] == 2


def test_an_email_may_name_its_own_recipient_in_to_and_nowhere_else(people, tmp_path: Path):
    marisol, thaddeus = people[:2]
    clean = _eml(tmp_path / "clean.eml", marisol.email, "Reminder: your group session starts at 6:00 PM",
                 "Hello,\nsee you soon.", "<p>Hello,</p>")
    leaky = _eml(tmp_path / "leaky.eml", f"{marisol.name} <{marisol.email}>",
                 Header(f"Hi {marisol.name.split()[0]}", "utf-8").encode(),  # an RFC 2047 encoded subject
                 f"Hello,\nyour address is {marisol.email}, your co-member's number {thaddeus.phone}.",
                 f"<p>Hello {marisol.name.replace('-', '&#45;')},</p>", envelope_to=marisol.email)
    scan = Scan(people)
    scan.email(clean)
    assert scan.findings == [] and scan.seen["email parts"] == 2
    scan.email(leaky)
    assert [str(finding) for finding in scan.findings] == [
        "leaky.eml header 'To': full name of participant p0",
        "leaky.eml header 'Subject': name token of participant p0",
        "leaky.eml text/plain part: email of participant p0",
        "leaky.eml text/plain part: phone of participant p1",
        "leaky.eml text/html part: full name of participant p0",
    ]
    with pytest.raises(AssertionError) as failure:
        scan.assert_clean()
    report = str(failure.value)
    assert "5 hits" in report and "1 x email in email text/plain part" in report
    assert not any(secret.lower() in report.lower() for secret in (marisol.name, marisol.email, thaddeus.phone))


def test_an_sms_may_carry_its_recipients_number_in_to_and_nowhere_else(people):
    marisol = people[0]
    scan = Scan(people)
    scan.sms({"path": "/sms", "headers": {"Idempotency-Key": "n1"},
              "body": {"to": marisol.phone, "text": "Reminder: your group session starts at 6:00 PM"}})
    assert scan.findings == []
    scan.sms({"path": "/sms", "headers": {}, "body": {"to": "+15550000000", "text": f"Hi {marisol.phone}"}})
    assert [str(finding) for finding in scan.findings] == ["SMS #2 field 'to': phone of nobody registered",
                                                           "SMS #2 field 'text': phone of participant p0"]


def test_in_app_items_and_too_little_read_are_reported(people):
    scan = Scan(people)
    scan.in_app("p1", [{"id": "n1", "title": "Welcome", "text": f"Welcome, {people[1].name}"}])
    assert [str(finding) for finding in scan.findings] == [
        "in-app notification n1 of participant p1, field 'text': full name of participant p1"]
    with pytest.raises(AssertionError, match="read too little"):
        scan.assert_saw({"in-app notifications": 1, "emails": 1})
    with pytest.raises(AssertionError, match="1 hits"):
        scan.assert_clean()


def _eml(path: Path, to: str, subject: str, text: str, html: str, envelope_to: str | None = None) -> Path:
    """An email as the mail sink stores it: its envelope line, then the message as sent, the plain text
    in quoted-printable with lines cut short (soft line breaks can split a name)."""
    boundary = "=_b"
    text = "\r\n".join("=\r\n".join(line[i:i + 20] for i in range(0, len(line), 20)) for line in text.split("\n"))
    path.write_bytes((f"X-Envelope-To: {envelope_to or to}\r\nFrom: Group Sessions <no-reply@groupsessions.local>\r\n"
                      f"To: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
                      f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
                      f"--{boundary}\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
                      f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{text}\r\n"
                      f"--{boundary}\r\nContent-Type: text/html; charset=\"utf-8\"\r\n\r\n{html}\r\n"
                      f"--{boundary}--\r\n").encode())
    return path


def test_participant_facing_text_naming_the_program_or_a_group_is_a_hit_but_tokens_are_not(people):
    scan = Scan(people, discreet_also=("Tuesday evening",))
    scan.surface("page", "page /p/...", "<title>Your page</title> Your substance use group meets Monday")
    scan.surface("feed", "calendar feed", "PRODID:-//IOP Groups//Sessions//EN")
    scan.surface("page", "page /p/...", "Tuesday Evening, Room 4")
    scan.surface("url", "join url", "http://localhost:8002/join/fR4vOgAAQACAAiopAAAAAloMHz4AAEAAgAAAAAAAAAE.UJ1dKU7DhMgYAErLFHhjzcVSJhs")
    scan.surface("page", "page /p/...", "Your session starts Monday at 6:00 PM. Join with your link.")
    assert [(f.where, f.needle.what) for f in scan.findings] == [
        ("page /p/...", "the word 'substance'"), ("calendar feed", "the word 'iop'"),
        ("calendar feed", "the word 'iop groups'"), ("page /p/...", "the word 'tuesday evening'")]
    assert scan.seen["participant pages"] == 3 and scan.seen["participant feeds"] == 1
