"""A participant: their groups, weekly hours against the minimum; the attendance export (a PDF letter
resting on their written consent) and the disclosure log."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, g, render_template, request

from services.web.api_client import ApiError
from services.web.auth.guard import staff_required
from services.web.console import console
from services.web.console.consent import check_consent
from services.web.console.forms import typed
from services.web.console.letters import attendance_letter, verification_code
from services.web.console.views_groups import _refused


@console.get("/participants/<participant_id>")
@staff_required
def participant_page(participant_id):
    participant = g.api.get("roster", f"/v1/participants/{participant_id}")
    enrollments = g.api.get("roster", f"/v1/participants/{participant_id}/enrollments", limit=200)["items"]
    groups = {grp["id"]: grp for grp in g.api.get("roster", "/v1/groups", limit=200)["items"]}
    summary = g.api.get("sessions", f"/v1/participants/{participant_id}/attendance",
                        **{"from": (date.today() - timedelta(weeks=8)).isoformat()})
    return render_template("console/participant.html", participant=participant, enrollments=enrollments,
                           groups=groups, summary=summary)


@console.route("/participants/<participant_id>/export", methods=["GET", "POST"])
@staff_required
def export(participant_id):
    participant = g.api.get("roster", f"/v1/participants/{participant_id}")
    today = date.today()
    values = {"from": (today - timedelta(weeks=4)).isoformat(), "to": today.isoformat()}
    errors: dict = {}
    if request.method == "POST":
        values = typed(request.form)
        consent, errors = check_consent(request.form, today)
        body = {key: (request.form.get(key) or "").strip() for key in ("from", "to", "purpose", "recipient")}
        missing = {key: ["Required."] for key, value in body.items() if not value}
        errors.update(missing)
        if not errors:
            try:
                result = g.api.post("sessions", f"/v1/participants/{participant_id}/attendance-exports", body)
            except ApiError as exc:
                errors = _refused(exc)
            else:
                code = verification_code(current_app.config["IOP_WEB"].secret_key, result["disclosure"]["id"])
                pdf = attendance_letter(result, participant, consent, code, g.staff["name"])
                return Response(pdf, mimetype="application/pdf", headers={
                    "Content-Disposition": f'inline; filename="attendance-letter-{code}.pdf"'})
    disclosures = g.api.get("sessions", f"/v1/participants/{participant_id}/attendance-exports", limit=50)["items"]
    secret = current_app.config["IOP_WEB"].secret_key
    codes = {d["id"]: verification_code(secret, d["id"]) for d in disclosures}
    return render_template("console/export.html", participant=participant, values=values, errors=errors,
                           disclosures=disclosures, codes=codes), (422 if errors else 200)
