"""A session: the attendance sheet in one screen, walk-ins, reschedule, cancel, the printable sign-in sheet."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for

from services.web.api_client import ApiError
from services.web.auth.guard import staff_required
from services.web.console import console
from services.web.console.forms import typed
from services.web.console.views_groups import _refused

STATUSES = ("present", "late", "left_early", "absent", "excused")


def _sheet(session_id: str) -> tuple[dict, list[dict], dict]:
    """The session, its sheet and the names of everyone on it (three calls)."""
    session = g.api.get("sessions", f"/v1/sessions/{session_id}")
    rows = g.api.get("sessions", f"/v1/sessions/{session_id}/attendance")["items"]
    ids = [row["participant_id"] for row in rows]
    people = {p["id"]: p for p in g.api.get("roster", "/v1/participants", id=ids, limit=200)["items"]} if ids else {}
    return session, rows, people


@console.get("/sessions/<session_id>")
@staff_required
def session_page(session_id):
    session, rows, people = _sheet(session_id)
    group = g.api.get("roster", f"/v1/groups/{session['group_id']}")
    return render_template("console/session.html", session=session, rows=rows, people=people, group=group,
                           errors={}, values={}, statuses=STATUSES)


@console.post("/sessions/<session_id>/attendance")
@staff_required
def save_attendance(session_id):
    entries = attendance_entries(request.form)
    if not entries:
        flash("Nothing changed on the sheet.")
        return redirect(url_for("console.session_page", session_id=session_id))
    try:
        g.api.put("sessions", f"/v1/sessions/{session_id}/attendance", [body for _, body in entries])
    except ApiError as exc:
        errors = _refused(exc)
        by_row = _errors_by_participant(errors, entries)
        session, rows, people = _sheet(session_id)
        return render_template("console/session.html", session=session, rows=rows, people=people, group=None,
                               errors=by_row, values=typed(request.form), statuses=STATUSES,
                               form_errors=[m for k, ms in errors.items() if not k.split(".")[0].isdigit()
                                            for m in ms]), 422
    flash(f"Attendance saved for {len(entries)} {'person' if len(entries) == 1 else 'people'}.")
    return redirect(url_for("console.session_page", session_id=session_id))


def attendance_entries(form) -> list[tuple[str, dict]]:
    """The rows whose status or minutes changed ("all present" marks every row present)."""
    everyone_present = "all_present" in form
    entries = []
    for participant_id in form.getlist("participant"):
        status = "present" if everyone_present else form.get(f"status-{participant_id}", "")
        minutes_text = "" if everyone_present else (form.get(f"minutes-{participant_id}") or "").strip()
        was = (form.get(f"was-{participant_id}", ""), form.get(f"was-minutes-{participant_id}", ""))
        if not status or status == "not_recorded" or (status, minutes_text) == was:
            continue
        if everyone_present and was[0] == "present":
            continue
        body = {"participant_id": participant_id, "status": status}
        if minutes_text:
            body["minutes"] = int(minutes_text) if minutes_text.isdigit() else minutes_text
        entries.append((participant_id, body))
    return entries


def _errors_by_participant(errors: dict, entries: list[tuple[str, dict]]) -> dict:
    """The API names a row by its index in what was sent; the page names it by participant."""
    by_row = {}
    for key, messages in errors.items():
        index, _, field = key.partition(".")
        if index.isdigit() and int(index) < len(entries):
            by_row[f"{field or 'status'}-{entries[int(index)][0]}"] = messages
        elif key in ("minutes", "status") and len(entries) == 1:
            by_row[f"{key}-{entries[0][0]}"] = messages
    return by_row


@console.route("/sessions/<session_id>/walk-in", methods=["GET", "POST"])
@staff_required
def walk_in(session_id):
    session = g.api.get("sessions", f"/v1/sessions/{session_id}")
    query = (request.values.get("q") or "").strip()
    found, errors = None, {}
    if request.method == "POST":
        try:
            g.api.put("sessions", f"/v1/sessions/{session_id}/attendance",
                      [{"participant_id": request.form.get("participant_id", ""), "status": "present"}])
        except ApiError as exc:
            errors = _refused(exc)
        else:
            flash("Walk-in added to the sheet as present.")
            return redirect(url_for("console.session_page", session_id=session_id))
    if len(query) >= 2:
        found = g.api.get("roster", "/v1/participants", q=query, limit=20)["items"]
    return render_template("console/walk_in.html", session=session, query=query, found=found, errors=errors), \
        (422 if errors else 200)


@console.route("/sessions/<session_id>/reschedule", methods=["GET", "POST"])
@staff_required
def reschedule(session_id):
    session = g.api.get("sessions", f"/v1/sessions/{session_id}")
    group = g.api.get("roster", f"/v1/groups/{session['group_id']}")
    tz = group["schedule"]["timezone"]
    starts = datetime.fromisoformat(session["starts_at"]).astimezone(ZoneInfo(tz))
    values = {"date": starts.date().isoformat(), "time": starts.strftime("%H:%M"),
              "duration_minutes": str(session["duration_minutes"])}
    errors = {}
    if request.method == "POST":
        values = typed(request.form)
        try:
            when = datetime.fromisoformat(f"{request.form.get('date', '')}T{request.form.get('time', '')}")
        except ValueError:
            errors = {"date": ["Enter a date and a time."]}
        else:
            duration = (request.form.get("duration_minutes") or "").strip()
            body = {"starts_at": when.replace(tzinfo=ZoneInfo(tz)).isoformat()}
            if duration:
                body["duration_minutes"] = int(duration) if duration.isdigit() else duration
            try:
                g.api.post("sessions", f"/v1/sessions/{session_id}/reschedule", body)
            except ApiError as exc:
                errors = _refused(exc)
                if "starts_at" in errors:
                    errors["date"] = errors.pop("starts_at")
            else:
                flash("Session moved. Members are told of the new time.")
                return redirect(url_for("console.session_page", session_id=session_id))
    return render_template("console/reschedule.html", session=session, group=group, values=values, errors=errors), \
        (422 if errors else 200)


@console.route("/sessions/<session_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel(session_id):
    session = g.api.get("sessions", f"/v1/sessions/{session_id}")
    values, errors = {}, {}
    if request.method == "POST":
        values = typed(request.form)
        try:
            g.api.post("sessions", f"/v1/sessions/{session_id}/cancel", {"reason": request.form.get("reason", "")})
        except ApiError as exc:
            errors = _refused(exc)
        else:
            flash("Session cancelled. Members are told; their join links stop working.")
            return redirect(url_for("console.session_page", session_id=session_id))
    return render_template("console/cancel.html", session=session, values=values, errors=errors), \
        (422 if errors else 200)


@console.get("/sessions/<session_id>/sign-in-sheet")
@staff_required
def sign_in_sheet(session_id):
    session, rows, people = _sheet(session_id)
    group = g.api.get("roster", f"/v1/groups/{session['group_id']}")
    names = sorted((people[row["participant_id"]]["preferred_name"] for row in rows
                    if row["participant_id"] in people), key=str.lower)
    return render_template("console/sign_in_sheet.html", session=session, group=group, names=names)
