"""The facilitator console and the admin pages (SPEC section 7). A facilitator sees only their
groups: the APIs enforce it, and a page outside scope shows the API's 404 as a clear page."""
from flask import Blueprint

console = Blueprint("console", __name__)

from services.web.console import views_dashboard  # noqa: E402,F401  (routes register on import)
