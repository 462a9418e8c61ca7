"""The notifications tests' mail sink and SMS provider fixtures (defined with the world they serve)."""
from tests.integration.notifications.notif_world import sink, sms_provider  # noqa: F401 - fixtures
