"""The dashboard: my groups and the alerts that need me."""
from __future__ import annotations

from flask import g, render_template

from services.web.auth.guard import staff_required
from services.web.console import console


@console.get("/")
@staff_required
def dashboard():
    groups = g.api.get("roster", "/v1/groups", limit=200)["items"]
    return render_template("console/dashboard.html", groups=groups)


@console.get("/admin")
@staff_required(admin=True)
def admin_home():
    return render_template("console/admin.html")
