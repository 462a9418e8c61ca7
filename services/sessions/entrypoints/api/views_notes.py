"""Session notes (SPEC 8): the group note and each attending member's note, drafted, signed, co-signed,
with addenda after locking; a group's note settings; what waits for a signature; note exports.

Views stay thin (one handler each); every read and change of a note is in the access audit (SPEC 8, 9)."""
from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint

from services.sessions import bootstrap
from services.sessions.bootstrap import options, unit_of_work
from services.sessions.entrypoints.api.note_presenters import (addendum_view, note_export_view, note_view,
                                                               unsigned_view)
from services.sessions.entrypoints.api.schemas_notes import (AddendumIn, AddendumOut, ApplyToAllIn, ApplyToAllOut,
                                                             NoteExportIn, NoteExportOut, NoteIn, NoteList, NoteOut,
                                                             NotePatch, NoteSettingsIn, NoteSettingsOut, SignIn,
                                                             UnsignedArgs, UnsignedList)
from services.sessions.service_layer import note_exports, notes
from shared.audit import audited
from shared.auth import current_principal

blp = Blueprint("notes", __name__, url_prefix="/v1", description="Session notes (facilitators and admins only)")


def _settings_view(settings) -> dict:
    return {"group_id": settings.group_id, "requires_cosignature": settings.requires_cosignature,
            "template": settings.template, "updated_at": settings.updated_at if settings.updated_by else None}


@blp.route("/groups/<group_id>/note-settings")
class GroupNoteSettings(MethodView):
    @blp.response(200, NoteSettingsOut)
    def get(self, group_id):
        """Whether co-facilitators' notes need the lead's co-signature, and the notes' template."""
        return _settings_view(notes.group_note_settings(unit_of_work(), current_principal(), group_id,
                                                        bootstrap.now()))

    @blp.arguments(NoteSettingsIn)
    @blp.response(200, NoteSettingsOut)
    def put(self, data, group_id):
        """Change the settings; fields left out stay as they are. New notes start from the template."""
        return _settings_view(notes.change_note_settings(unit_of_work(), current_principal(), group_id,
                                                         data, bootstrap.now()))


@blp.route("/sessions/<session_id>/notes")
class SessionNotes(MethodView):
    @blp.response(200, NoteList)
    @audited("note.list")
    def get(self, session_id):
        """The session's notes. One whose stored text fails its integrity check is listed with
        `readable: false` and no text; the others are unaffected."""
        items = notes.session_notes(unit_of_work(), current_principal(), session_id)
        return {"items": [note_view(n) for n in items], "next_cursor": None}

    @blp.arguments(NoteIn)
    @blp.response(201, NoteOut)
    @audited("note.create")
    def post(self, data, session_id):
        """Start the group note, or a member's individualized note (only for someone who attended:
        present, late or left early, walk-ins included; 422 otherwise). 409 when it exists already."""
        participant_id = uuid.UUID(data["participant_id"]) if data.get("participant_id") else None
        note = notes.create_note(unit_of_work(), current_principal(), session_id, data["kind"],
                                 participant_id, data["sections"], bootstrap.now())
        return note_view(note)


@blp.route("/sessions/<session_id>/notes/apply-to-all")
class SessionNotesApplyToAll(MethodView):
    @blp.arguments(ApplyToAllIn)
    @blp.response(200, ApplyToAllOut)
    @audited("note.apply_to_all")
    def post(self, data, session_id):
        """Add one sentence to a section of every attending member's draft note (drafts are started
        where missing); each note stays its own. Locked notes are left alone and listed."""
        changed, skipped = notes.apply_to_all(unit_of_work(), current_principal(), session_id,
                                              data["field"], data["text"], bootstrap.now())
        return {"items": [note_view(n) for n in changed], "skipped_note_ids": skipped}


@blp.route("/notes/<note_id>")
class NoteById(MethodView):
    @blp.response(200, NoteOut)
    @audited("note.read")
    def get(self, note_id):
        """A note with its addenda; 409 when its stored text fails its integrity check."""
        return note_view(notes.read_note(unit_of_work(), current_principal(), note_id))

    @blp.arguments(NotePatch)
    @blp.response(200, NoteOut)
    @audited("note.update")
    def patch(self, data, note_id):
        """Edit a draft (any of the group's facilitators). `version` must be the note's current one:
        otherwise 409, so two facilitators never overwrite each other. A locked note: 409."""
        return note_view(notes.edit_note(unit_of_work(), current_principal(), note_id, data["version"],
                                         data["sections"], bootstrap.now()))


@blp.route("/notes/<note_id>/sign")
class NoteSign(MethodView):
    @blp.arguments(SignIn)
    @blp.response(200, NoteOut)
    @audited("note.sign")
    def post(self, data, note_id):
        """The author signs their draft, which locks it (someone else's note: 403). When the group
        requires co-signature, a note not written by the lead becomes `awaiting_cosignature`."""
        return note_view(notes.sign_note(unit_of_work(), current_principal(), note_id, data["version"],
                                         bootstrap.now()))


@blp.route("/notes/<note_id>/cosign")
class NoteCosign(MethodView):
    @blp.response(200, NoteOut)
    @audited("note.cosign")
    def post(self, note_id):
        """The group's lead facilitator co-signs a note awaiting it (anyone else: 403)."""
        return note_view(notes.cosign_note(unit_of_work(), current_principal(), note_id, bootstrap.now()))


@blp.route("/notes/<note_id>/addenda")
class NoteAddenda(MethodView):
    @blp.arguments(AddendumIn)
    @blp.response(201, AddendumOut)
    @audited("note.addendum")
    def post(self, data, note_id):
        """Add to a locked note (author, time, text); a locked note is never edited. A draft: 409."""
        _, addendum = notes.add_addendum(unit_of_work(), current_principal(), note_id, data["text"],
                                         bootstrap.now())
        return addendum_view(addendum)


@blp.route("/unsigned-notes")
class UnsignedNotes(MethodView):
    @blp.arguments(UnsignedArgs, location="query")
    @blp.response(200, UnsignedList)
    @audited("note.unsigned_list")
    def get(self, args):
        """The caller's drafts and the notes awaiting their co-signature, oldest session first, with
        `overdue` (still unsigned 24 hours after the session ended). No text: ids and states."""
        items = notes.unsigned_notes(unit_of_work(), current_principal(), args.get("facilitator_id"),
                                     args["overdue"], bootstrap.now())
        return {"items": [unsigned_view(i) for i in items], "next_cursor": None}


@blp.route("/participants/<participant_id>/note-exports")
class ParticipantNoteExports(MethodView):
    @blp.arguments(NoteExportIn)
    @blp.response(201, NoteExportOut)
    @audited("note_export.create")
    def post(self, data, participant_id):
        """Export the participant's signed individualized notes of a period with their attendance, under
        the disclosure rules: recipient, purpose, the participant's written consent, the redisclosure
        notice, and an entry in the disclosure log (`GET .../attendance-exports` lists both kinds)."""
        disclosure, summary, items = note_exports.export_notes(
            unit_of_work(), current_principal(), participant_id, data, options().weekly_minimum_hours,
            bootstrap.now())
        return note_export_view(disclosure, summary, items)
