"""Schemas of the session-notes endpoints (SPEC 8). Text limits are checked here and again in the
domain, each naming the field; no error message ever repeats a note's text."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.sessions.domain.note_settings import MAX_PROMPT
from services.sessions.domain.notes import KINDS, MAX_TEXT, SECTIONS, STATUSES
from services.sessions.entrypoints.api.schemas_participants import DisclosureOut, ExportIn, ExportOut
from shared.fields import Id
from shared.web.schemas import page_of

_TEXT = validate.Length(max=MAX_TEXT)
_ALL_SECTIONS = sorted({field for fields_ in SECTIONS.values() for field in fields_})


class SectionsIn(Schema):
    """Group note: topic, activities, dynamics. Individualized note: participation, progress, plan."""

    topic = fields.String(validate=_TEXT)
    activities = fields.String(validate=_TEXT)
    dynamics = fields.String(validate=_TEXT)
    participation = fields.String(validate=_TEXT)
    progress = fields.String(validate=_TEXT)
    plan = fields.String(validate=_TEXT)


class NoteIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    participant_id = Id(allow_none=True, metadata={"description": "Individualized notes: the member it is about."})
    sections = fields.Nested(SectionsIn, load_default=dict, metadata={
        "description": "Replaces the template's start of these sections."})


class NotePatch(Schema):
    version = fields.Integer(required=True, strict=True, metadata={
        "description": "The version this edit was made on; a stale one answers 409, never overwrites."})
    sections = fields.Nested(SectionsIn, required=True)


class SignIn(Schema):
    version = fields.Integer(required=True, strict=True)


class AddendumIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class ApplyToAllIn(Schema):
    field = fields.String(required=True, validate=validate.OneOf(SECTIONS["individual"]))
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT))


class Signer(Schema):
    role = fields.String()
    id = fields.String()


class AddendumOut(Schema):
    id = fields.UUID()
    author = fields.Nested(Signer)
    text = fields.String(allow_none=True)
    created_at = fields.DateTime()


class NoteOut(Schema):
    id = fields.UUID()
    session_id = fields.UUID()
    group_id = fields.UUID()
    kind = fields.String(metadata={"enum": list(KINDS)})
    participant_id = fields.UUID(allow_none=True)
    author = fields.Nested(Signer)
    status = fields.String(metadata={"enum": list(STATUSES)})
    version = fields.Integer()
    locked = fields.Boolean()
    readable = fields.Boolean(metadata={
        "description": "False when the stored text failed its integrity check: no text is shown."})
    needs_cosignature = fields.Boolean()
    sections = fields.Dict(keys=fields.String(validate=validate.OneOf(_ALL_SECTIONS)), values=fields.String(),
                           allow_none=True)
    addenda = fields.List(fields.Nested(AddendumOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    signed_at = fields.DateTime(allow_none=True)
    cosigned_by = fields.String(allow_none=True)
    cosigned_at = fields.DateTime(allow_none=True)


NoteList = page_of(NoteOut, "NoteList")


class ApplyToAllOut(Schema):
    items = fields.List(fields.Nested(NoteOut), required=True)
    skipped_note_ids = fields.List(fields.UUID(), required=True, metadata={
        "description": "Locked (or unreadable) notes the sentence was not added to."})


class UnsignedArgs(Schema):
    facilitator_id = fields.String(validate=validate.Length(max=64), metadata={
        "description": "Admins: whose list. Facilitators see their own."})
    overdue = fields.Boolean(load_default=False, metadata={
        "description": "Only notes still unsigned 24 hours after their session ended."})


class UnsignedNoteOut(Schema):
    note_id = fields.UUID()
    session_id = fields.UUID()
    group_id = fields.UUID()
    kind = fields.String()
    participant_id = fields.UUID(allow_none=True)
    status = fields.String()
    version = fields.Integer()
    session_ends_at = fields.DateTime()
    overdue = fields.Boolean()


UnsignedList = page_of(UnsignedNoteOut, "UnsignedNoteList")


class TemplateIn(Schema):
    group = fields.Dict(keys=fields.String(validate=validate.OneOf(SECTIONS["group"])),
                        values=fields.String(validate=validate.Length(max=MAX_PROMPT)))
    individual = fields.Dict(keys=fields.String(validate=validate.OneOf(SECTIONS["individual"])),
                             values=fields.String(validate=validate.Length(max=MAX_PROMPT)))


class NoteSettingsIn(Schema):
    requires_cosignature = fields.Boolean()
    template = fields.Nested(TemplateIn, metadata={
        "description": "Per kind of note, a prompt per section: new notes start from it."})


class NoteSettingsOut(Schema):
    group_id = fields.UUID()
    requires_cosignature = fields.Boolean()
    template = fields.Dict()
    updated_at = fields.DateTime(allow_none=True)


class ConsentIn(Schema):
    given_on = fields.Date(required=True, metadata={"description": "Date of the participant's written consent."})
    expires_on = fields.Date(allow_none=True, load_default=None)


class NoteExportIn(ExportIn):
    consent = fields.Nested(ConsentIn, required=True)


class ExportedNote(Schema):
    note_id = fields.UUID()
    session_id = fields.UUID()
    session_starts_at = fields.DateTime()
    status = fields.String()
    author = fields.Nested(Signer)
    signed_at = fields.DateTime(allow_none=True)
    cosigned_by = fields.String(allow_none=True)
    cosigned_at = fields.DateTime(allow_none=True)
    sections = fields.Dict(keys=fields.String(), values=fields.String())
    addenda = fields.List(fields.Nested(AddendumOut))


class NoteDisclosureOut(DisclosureOut):
    consent_given_on = fields.Date(allow_none=True)
    consent_expires_on = fields.Date(allow_none=True)


class NoteExportOut(ExportOut):
    disclosure = fields.Nested(NoteDisclosureOut)
    notes = fields.List(fields.Nested(ExportedNote))
