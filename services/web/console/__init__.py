"""The facilitator console and the admin pages (SPEC section 7). A facilitator sees only their
groups: the APIs enforce it, and a page outside scope shows the API's 404 as a clear page."""
from flask import Blueprint

from services.web.console.presenting import install_filters

console = Blueprint("console", __name__)
console.record_once(install_filters)

# Routes register on import.
from services.web.console import (views_admin, views_dashboard, views_groups, views_participants,  # noqa: E402,F401
                                  views_sessions)
