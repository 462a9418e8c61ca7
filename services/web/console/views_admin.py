"""Admin pages: facilitators, all groups, the notification log, dead letters with replay."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from services.web.api_client import ApiError
from services.web.auth.guard import staff_required
from services.web.console import console
from services.web.console.forms import typed
from services.web.console.views_groups import _refused

NOTIFICATION_STATUSES = ("pending", "sent", "failed", "suppressed")


@console.get("/admin")
@staff_required(admin=True)
def admin_home():
    return render_template("console/admin.html")


@console.route("/admin/facilitators", methods=["GET", "POST"])
@staff_required(admin=True)
def admin_facilitators():
    values, errors = {}, {}
    if request.method == "POST":
        values = typed(request.form)
        body = {"name": (request.form.get("name") or "").strip(), "email": (request.form.get("email") or "").strip(),
                "credentials": (request.form.get("credentials") or "").strip() or None}
        try:
            g.api.post("roster", "/v1/facilitators", body)
        except ApiError as exc:
            errors = _refused(exc)
        else:
            flash("Facilitator registered: they can sign in with that email address now.")
            return redirect(url_for("console.admin_facilitators"))
    page = g.api.get("roster", "/v1/facilitators", limit=200, cursor=request.args.get("cursor"))
    return render_template("console/admin_facilitators.html", facilitators=page["items"],
                           next_cursor=page.get("next_cursor"), values=values, errors=errors), (422 if errors else 200)


@console.get("/admin/groups")
@staff_required(admin=True)
def admin_groups():
    status = request.args.get("status") or None
    page = g.api.get("roster", "/v1/groups", limit=100, status=status, cursor=request.args.get("cursor"))
    return render_template("console/admin_groups.html", groups=page["items"], next_cursor=page.get("next_cursor"),
                           status=status)


@console.get("/admin/notifications")
@staff_required(admin=True)
def admin_notifications():
    status = request.args.get("status") if request.args.get("status") in NOTIFICATION_STATUSES else None
    page = g.api.get("notifications", "/v1/notifications", limit=100, status=status, cursor=request.args.get("cursor"))
    return render_template("console/admin_notifications.html", items=page["items"],
                           next_cursor=page.get("next_cursor"), status=status, statuses=NOTIFICATION_STATUSES)


@console.get("/admin/dead-letters")
@staff_required(admin=True)
def admin_dead_letters():
    include = request.args.get("include_replayed") == "1"
    items = g.api.get("notifications", "/v1/dead-letters", limit=200, include_replayed=str(include).lower())["items"]
    return render_template("console/admin_dead_letters.html", items=items, include_replayed=include)


@console.post("/admin/dead-letters/<dead_letter_id>/replay")
@staff_required(admin=True)
def replay_dead_letter(dead_letter_id):
    try:
        result = g.api.post("notifications", f"/v1/dead-letters/{dead_letter_id}/replay")
    except ApiError as exc:
        flash("Not replayed: " + (exc.message or "refused"), "error")
    else:
        outcomes = {"handled": "Replayed: the event was handled.",
                    "duplicate": "Already handled before: nothing done twice.",
                    "ignored": "Replayed: the event needed nothing.",
                    "already_replayed": "This dead letter was already replayed.",
                    "failed": "Replayed, and it failed again: " + (result.get("error") or "")}
        flash(outcomes.get(result["outcome"], result["outcome"]), "error" if result["outcome"] == "failed" else "info")
    return redirect(url_for("console.admin_dead_letters"))
