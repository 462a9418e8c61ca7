"""The rules of session notes and their encryption, with no database."""
from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.sessions.adapters.note_cipher import NoteCipher, Sealed, Undecryptable, parse_keys
from services.sessions.domain.errors import Conflict, Forbidden, ValidationFailed
from services.sessions.domain.note_settings import NoteSettings
from services.sessions.domain.notes import Author, start_note
from shared.config import ConfigError

NOW = datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
LEAD, CO = Author("facilitator", "lead"), Author("facilitator", "co")
MEMBER = uuid.uuid4()


def draft(author=CO, **starter):
    note, event = start_note(uuid.uuid4(), uuid.uuid4(), "individual", MEMBER, author, {MEMBER}, starter,
                             NOW - timedelta(hours=1), NOW)
    return note, event


def test_a_draft_is_edited_by_version_then_signed_and_locked():
    note, drafted = draft()
    assert (drafted.status, drafted.author_id, drafted.type) == ("draft", "co", "sessions.note.drafted")
    note.edit({"progress": "steady"}, 1, NOW)
    with pytest.raises(Conflict, match="version 1"):
        note.edit({"progress": "again"}, 1, NOW)
    with pytest.raises(Forbidden):
        note.sign(LEAD, 2, "lead", False, NOW)
    signed = note.sign(CO, 2, "lead", False, NOW)
    assert (note.status, note.locked, signed.status) == ("signed", True, "signed")
    with pytest.raises(Conflict, match="locked"):
        note.edit({"plan": "late change"}, 3, NOW)


def test_cosignature_by_the_lead_only_when_the_group_requires_it():
    note, _ = draft()
    note.sign(CO, 1, "lead", True, NOW)
    assert note.status == "awaiting_cosignature"
    with pytest.raises(Forbidden):
        note.cosign(CO, "lead", NOW)
    assert note.cosign(LEAD, "lead", NOW).status == "cosigned"
    own, _ = draft(author=LEAD)
    own.sign(LEAD, 1, "lead", True, NOW)
    assert own.status == "signed"  # the lead's own note needs nobody else


def test_addenda_only_after_locking_and_never_empty():
    note, _ = draft()
    with pytest.raises(Conflict):
        note.add_addendum(LEAD, "too early", NOW)
    note.sign(CO, 1, "lead", False, NOW)
    with pytest.raises(ValidationFailed):
        note.add_addendum(LEAD, "  ", NOW)
    addendum, event = note.add_addendum(LEAD, "called back", NOW)
    assert (addendum.text, event.addendum_id) == ("called back", str(addendum.id))
    assert "called back" not in repr(note) + str(event.data())


def test_notes_only_for_attendees_and_within_limits():
    with pytest.raises(ValidationFailed) as refused:
        start_note(uuid.uuid4(), uuid.uuid4(), "individual", uuid.uuid4(), CO, {MEMBER}, {}, NOW, NOW)
    assert refused.value.field == "participant_id"
    note, _ = draft()
    with pytest.raises(ValidationFailed) as too_long:
        note.edit({"plan": "x" * 20_001}, 1, NOW)
    assert too_long.value.field == "sections.plan" and "x" * 50 not in str(too_long.value)


def test_template_starts_new_notes_and_overdue_after_a_day():
    settings = NoteSettings.default(uuid.uuid4(), NOW)
    settings.change(None, {"individual": {"progress": "Progress toward goals:"}}, "lead", NOW)
    note, _ = draft(**settings.starter("individual"))
    assert note.sections["progress"] == "Progress toward goals:\n"
    note.append("plan", "Practice breathing.", NOW)
    assert (note.sections["plan"], note.version) == ("Practice breathing.", 2)
    ended = NOW - timedelta(hours=1)
    assert not note.overdue(ended, NOW) and note.overdue(ended, NOW + timedelta(hours=23))


KEY_A = "a:" + base64.b64encode(b"a" * 32).decode()
KEY_B = "b:" + base64.b64encode(b"b" * 32).decode()


def test_cipher_binds_each_ciphertext_to_its_row_and_reads_old_keys():
    row = uuid.uuid4()
    old = NoteCipher(parse_keys(KEY_A))
    sealed = old.seal("note", row, {"plan": "secret plan"})
    assert b"secret" not in sealed.ciphertext
    new = NoteCipher(parse_keys(f"{KEY_B},{KEY_A}"))
    assert new.open("note", row, sealed) == {"plan": "secret plan"}
    assert new.seal("note", row, "x").key_id == "b"
    with pytest.raises(Undecryptable):
        new.open("note", uuid.uuid4(), sealed)  # copied onto another row
    tampered = Sealed(sealed.key_id, sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1]))
    with pytest.raises(Undecryptable, match="failed authentication"):
        new.open("note", row, tampered)
    with pytest.raises(Undecryptable, match="no longer holds"):
        NoteCipher(parse_keys(KEY_B)).open("note", row, sealed)


@pytest.mark.parametrize("raw", ["", "a:", "a:abc", "no-colon", f"{KEY_A},{KEY_A}", "bad id!:" + KEY_A[2:]])
def test_malformed_keys_are_refused_without_repeating_them(raw):
    with pytest.raises(ConfigError) as refused:
        parse_keys(raw)
    assert KEY_A[2:] not in str(refused.value)
