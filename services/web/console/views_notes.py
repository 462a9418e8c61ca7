"""The session's notes beside its attendance sheet (SPEC 8): the group note and each attending member's,
saved as drafts, signed (then shown locked, with addenda). A draft saved from a stale version is
shown as a conflict with what was typed kept, never overwritten; the page saves drafts before it
is left (static/app.js sends them with `autosave=1` and takes the new version back)."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from services.web.api_client import ApiError
from services.web.auth.guard import staff_required
from services.web.console import console

SECTIONS = {"group": (("topic", "Topic"), ("activities", "What was done"), ("dynamics", "Group dynamics")),
            "individual": (("participation", "Participation"), ("progress", "Progress"), ("plan", "Plan"))}
ATTENDED = ("present", "late", "left_early")


def notes_panel(session: dict, rows: list[dict]) -> dict:
    """What the panel shows: one entry per note to write (the group's, then each attending member's)."""
    if session["status"] not in ("in_progress", "completed"):
        return {"open": False, "entries": []}
    notes = g.api.get("sessions", f"/v1/sessions/{session['id']}/notes")["items"]
    by_subject = {note["participant_id"] or "group": note for note in notes}
    entries = [{"subject": "group", "kind": "group", "note": by_subject.get("group")}]
    entries += [{"subject": row["participant_id"], "kind": "individual", "note": by_subject.get(row["participant_id"])}
                for row in rows if row["status"] in ATTENDED]
    return {"open": True, "entries": entries, "sections": SECTIONS}


@console.post("/sessions/<session_id>/notes")
@staff_required
def save_note(session_id):
    """Create or edit a draft from the panel's form; with action=sign, sign it too."""
    form = request.form
    kind, subject, note_id = form.get("kind", ""), form.get("subject", ""), form.get("note_id") or None
    sections = {name: form.get(name, "") for name, _ in SECTIONS.get(kind, ())}
    autosave = request.args.get("autosave") == "1"
    try:
        if note_id is None:
            body = {"kind": kind, "participant_id": None if kind == "group" else subject, "sections": sections}
            note = g.api.post("sessions", f"/v1/sessions/{session_id}/notes", body)
        else:
            note = g.api.patch("sessions", f"/v1/notes/{note_id}",
                               {"version": int(form.get("version") or 0), "sections": sections})
        if form.get("action") == "sign" and not autosave:
            note = g.api.post("sessions", f"/v1/notes/{note['id']}/sign", {"version": note["version"]})
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        if autosave:
            return "", exc.status
        from services.web.console.views_sessions import render_session  # noqa: PLC0415 - the two import each other
        return render_session(session_id, note_problem={"subject": subject, "message": exc.message,
                                                        "fields": exc.fields, "typed": sections}), exc.status
    if autosave:  # the page keeps editing: it needs the new version (and the id of a note just started)
        return {"note_id": note["id"], "version": note["version"]}
    flash("Note signed and locked." if note["locked"] else "Draft saved.")
    return redirect(url_for("console.session_page", session_id=session_id) + f"#note-{subject}")


@console.post("/sessions/<session_id>/notes/<note_id>/addenda")
@staff_required
def add_addendum(session_id, note_id):
    try:
        g.api.post("sessions", f"/v1/notes/{note_id}/addenda", {"text": request.form.get("text", "")})
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        flash(f"The addendum was not added: {exc.message}")
    else:
        flash("Addendum added.")
    return redirect(url_for("console.session_page", session_id=session_id))

