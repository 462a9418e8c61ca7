"""A group: roster, waitlist, enrolling (find or register), ending an enrollment, editing, closing,
generating sessions, and its upcoming and past sessions."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import flash, g, redirect, render_template, request, url_for

from services.web.api_client import ApiError
from services.web.auth.guard import staff_required
from services.web.console import console
from services.web.console.forms import group_body, group_values, participant_body, typed

FORM_ERRORS = (400, 409, 422)


def _refused(exc: ApiError) -> dict:
    """Field errors to show beside the fields; a refusal without a field shows above the form."""
    if exc.status not in FORM_ERRORS:
        raise exc
    return exc.fields or {"_form": [exc.message]}


@console.route("/groups/new", methods=["GET", "POST"])
@staff_required
def new_group():
    facilitators = g.api.get("roster", "/v1/facilitators", limit=200)["items"]
    values, errors = {"facilitator_ids": [g.staff["facilitator_id"]], "schedule.duration_minutes": "180",
                      "schedule.timezone": "America/New_York", "starts_on": date.today().isoformat(),
                      "kind": "process", "modality": "in_person", "enrollment_policy": "open"}, {}
    if request.method == "POST":
        values = typed(request.form)
        try:
            group = g.api.post("roster", "/v1/groups", group_body(request.form))
        except ApiError as exc:
            errors = _refused(exc)
        else:
            flash("Group created. Its sessions can be generated in a moment, once the sessions service "
                  "has heard of it.")
            return redirect(url_for("console.group_page", group_id=group["id"]))
    return render_template("console/group_new.html", values=values, errors=errors, facilitators=facilitators), \
        (422 if errors else 200)


@console.get("/groups/<group_id>")
@staff_required
def group_page(group_id):
    group = g.api.get("roster", f"/v1/groups/{group_id}")
    enrollments = g.api.get("roster", f"/v1/groups/{group_id}/enrollments", limit=200)["items"]
    people = {p["id"]: p for p in g.api.get("roster", "/v1/participants", group_id=group_id, limit=200)["items"]}
    now = datetime.now(timezone.utc)
    try:
        sessions = g.api.get("sessions", "/v1/sessions", group_id=group_id, limit=200,
                             **{"from": (now - timedelta(days=28)).isoformat(),
                                "to": (now + timedelta(days=42)).isoformat()})["items"]
        sessions_known = True
    except ApiError as exc:
        if exc.status != 404:
            raise
        sessions, sessions_known = [], False  # the sessions service has not heard of the group yet
    active = sorted((e for e in enrollments if e["status"] == "active"), key=lambda e: e["activated_at"] or "")
    waitlist = sorted((e for e in enrollments if e["status"] == "waitlisted"), key=lambda e: e["waitlist_position"])
    ended = [e for e in enrollments if e["status"] not in ("active", "waitlisted")]
    upcoming = [s for s in sessions if s["ends_at"] >= now.isoformat()]
    past = [s for s in sessions if s["ends_at"] < now.isoformat()][::-1]
    return render_template("console/group.html", group=group, active=active, waitlist=waitlist, ended=ended,
                           people=people, upcoming=upcoming, past=past, sessions_known=sessions_known,
                           today=date.today().isoformat(),
                           four_weeks=(date.today() + timedelta(days=28)).isoformat())


@console.route("/groups/<group_id>/enroll", methods=["GET", "POST"])
@staff_required
def enroll(group_id):
    """Find a participant (by name or email) and enroll them; or register someone new and enroll them."""
    group = g.api.get("roster", f"/v1/groups/{group_id}")
    query = (request.values.get("q") or "").strip()
    found, errors, values = None, {}, {"timezone": group["schedule"]["timezone"]}
    if request.method == "POST":
        values = typed(request.form)
        try:
            if request.form.get("participant_id"):
                participant_id = request.form["participant_id"]
            else:
                participant_id = g.api.post("roster", "/v1/participants", participant_body(request.form))["id"]
            enrollment = g.api.post("roster", f"/v1/groups/{group_id}/enrollments", {"participant_id": participant_id})
        except ApiError as exc:
            errors = _refused(exc)
        else:
            if enrollment["status"] == "waitlisted":
                flash(f"The group is full: added to the waitlist at position {enrollment['waitlist_position']}.")
            else:
                flash("Enrolled: active in the group.")
            return redirect(url_for("console.group_page", group_id=group_id))
    elif len(query) >= 2:
        found = g.api.get("roster", "/v1/participants", q=query, limit=20)["items"]
    return render_template("console/enroll.html", group=group, query=query, found=found, values=values,
                           errors=errors), (422 if errors else 200)


@console.post("/groups/<group_id>/enrollments/<enrollment_id>/end")
@staff_required
def end_enrollment(group_id, enrollment_id):
    try:
        g.api.post("roster", f"/v1/groups/{group_id}/enrollments/{enrollment_id}/end",
                   {"reason": request.form.get("reason", "")})
    except ApiError as exc:
        errors = _refused(exc)
        flash("Not ended: " + "; ".join(m for messages in errors.values() for m in messages), "error")
    else:
        flash("Enrollment ended. If someone was waiting, the first on the waitlist is now active.")
    return redirect(url_for("console.group_page", group_id=group_id))


@console.route("/groups/<group_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_group(group_id):
    group = g.api.get("roster", f"/v1/groups/{group_id}")
    facilitators = g.api.get("roster", "/v1/facilitators", limit=200)["items"]
    values, errors = group_values(group), {}
    if request.method == "POST":
        values = typed(request.form)
        try:
            g.api.patch("roster", f"/v1/groups/{group_id}", group_body(request.form, partial=True))
        except ApiError as exc:
            errors = _refused(exc)
        else:
            flash("Group saved. Changes to the schedule apply to sessions generated from now on.")
            return redirect(url_for("console.group_page", group_id=group_id))
    return render_template("console/group_edit.html", group=group, values=values, errors=errors,
                           facilitators=facilitators), (422 if errors else 200)


@console.post("/groups/<group_id>/close")
@staff_required
def close_group(group_id):
    try:
        g.api.post("roster", f"/v1/groups/{group_id}/close")
    except ApiError as exc:
        flash("Not closed: " + "; ".join(m for ms in _refused(exc).values() for m in ms), "error")
    else:
        flash("Group closed: it takes no new enrollments.")
    return redirect(url_for("console.group_page", group_id=group_id))


@console.post("/groups/<group_id>/generate")
@staff_required
def generate_sessions(group_id):
    body = {"from": request.form.get("from", ""), "to": request.form.get("to", "")}
    try:
        result = g.api.post("sessions", f"/v1/groups/{group_id}/sessions/generate", body)
    except ApiError as exc:
        if exc.status == 404:
            flash("Sessions for this new group appear in a moment: the sessions service has not heard of it "
                  "yet. Try again in a few seconds.")
        else:
            flash("Not generated: " + "; ".join(m for ms in _refused(exc).values() for m in ms), "error")
    else:
        flash(f"{result['created_count']} sessions created ({result['existing_count']} already existed).")
    return redirect(url_for("console.group_page", group_id=group_id))
