"""Notes as the response schemas show them: a note that failed decryption has no text, only ids."""
from __future__ import annotations

from datetime import datetime

from services.sessions.domain.disclosure import Disclosure
from services.sessions.domain.notes import Addendum, Author, Note
from services.sessions.entrypoints.api.presenters import disclosure_view, export_view
from services.sessions.service_layer.attendance import Summary
from services.sessions.service_layer.notes import UnsignedNote


def _signer(author: Author) -> dict:
    return {"role": author.role, "id": author.id}


def addendum_view(addendum: Addendum) -> dict:
    return {"id": addendum.id, "author": _signer(addendum.author), "text": addendum.text,
            "created_at": addendum.created_at}


def note_view(note: Note) -> dict:
    return {
        "id": note.id, "session_id": note.session_id, "group_id": note.group_id, "kind": note.kind,
        "participant_id": note.participant_id, "author": _signer(note.author), "status": note.status,
        "version": note.version, "locked": note.locked, "readable": note.readable,
        "needs_cosignature": note.needs_cosignature, "sections": note.sections,
        "addenda": [addendum_view(a) for a in note.addenda], "created_at": note.created_at,
        "updated_at": note.updated_at, "signed_at": note.signed_at, "cosigned_by": note.cosigned_by,
        "cosigned_at": note.cosigned_at,
    }


def unsigned_view(item: UnsignedNote) -> dict:
    note = item.note
    return {"note_id": note.id, "session_id": note.session_id, "group_id": note.group_id, "kind": note.kind,
            "participant_id": note.participant_id, "status": note.status, "version": note.version,
            "session_ends_at": item.session_ends_at, "overdue": item.overdue}


def note_export_view(disclosure: Disclosure, summary: Summary, notes: list[tuple[Note, datetime]]) -> dict:
    """What the recipient gets: attendance as in the attendance export, the signed notes, the notice."""
    view = export_view(disclosure, summary)
    view["disclosure"] = {**disclosure_view(disclosure), "consent_given_on": disclosure.consent_given_on,
                          "consent_expires_on": disclosure.consent_expires_on}
    view["notes"] = [{
        "note_id": note.id, "session_id": note.session_id, "session_starts_at": starts_at, "status": note.status,
        "author": _signer(note.author), "signed_at": note.signed_at, "cosigned_by": note.cosigned_by,
        "cosigned_at": note.cosigned_at, "sections": note.sections,
        "addenda": [addendum_view(a) for a in note.addenda],
    } for note, starts_at in notes]
    return view
