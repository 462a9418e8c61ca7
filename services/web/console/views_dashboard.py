"""The dashboard: my groups (status, active/capacity, waitlist, next session) and what needs me."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import g, render_template

from services.web.auth.guard import staff_required
from services.web.console import console


@console.get("/")
@staff_required
def dashboard():
    now = datetime.now(timezone.utc)
    groups = g.api.get("roster", "/v1/groups", limit=200)["items"]
    upcoming = g.api.get("sessions", "/v1/sessions", status="scheduled", limit=200,
                         **{"from": now.isoformat(), "to": (now + timedelta(days=8)).isoformat()})["items"]
    absences = g.api.get("notifications", "/v1/notifications", type="absence_alert", limit=20)["items"]
    failed = g.api.get("notifications", "/v1/notifications", status="failed", limit=20)["items"]
    next_session = {}
    for session in sorted(upcoming, key=lambda s: s["starts_at"]):
        next_session.setdefault(session["group_id"], session)
    names = {group["id"]: group for group in groups}
    if g.staff["role"] == "facilitator":  # an alert about me, not about a group, needs no group
        absences = [a for a in absences if a["recipient_id"] == g.staff["sub"]]
    return render_template("console/dashboard.html", groups=groups, next_session=next_session, groups_by_id=names,
                           absences=absences, failed=failed)
