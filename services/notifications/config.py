"""The notifications service's own settings, read from the shared Settings (environment only).

    SMTP_HOST (127.0.0.1), SMTP_PORT (1025), SMTP_FROM (no-reply@groupsessions.local; only the
    address is used: the display name is always the neutral SENDER_NAME), SMTP_TIMEOUT (10)
    SMS_WEBHOOK_URL (unset: SMS is suppressed with reason no_sms_provider), SMS_TIMEOUT (5)
    SESSIONS_PUBLIC_URL (http://localhost:8002): the base of personal join links, i.e. the sessions
        service's PUBLIC_BASE_URL
    WEB_PUBLIC_URL (http://localhost:8000): the base of personal page links (the web app)
    JOIN_LINK_SECRET (JWT_SECRET): must equal the sessions service's and the web app's, which check
        the links
    REMINDER_OFFSETS (24h,1h)
    NOTE_REMINDER_AFTER (24h): a session note still unsigned this long after its session ended sends its
        author one reminder (same units as REMINDER_OFFSETS)
    NOTE_REMINDER_GRACE (1h): never sooner than this after the note was started (a note begun late is
        not chased while it is being written)
    SCHEDULER_BATCH_SIZE (500), SCHEDULER_IDLE_POLL_SECONDS (0.02), SCHEDULER_LEASE_SECONDS (600),
    SCHEDULER_SEND_LANES (4): parallel SMTP connections (and SMS sessions) per scheduler
    NOTIFY_MAX_ATTEMPTS (10), NOTIFY_RETRY_BASE_SECONDS (10), NOTIFY_RETRY_MAX_SECONDS (600)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from services.notifications.domain.reminders import parse_offsets
from shared.config import ConfigError, Settings
from shared.join_links import join_link_secret
from shared.page_links import web_public_url


@dataclass(frozen=True)
class NotificationSettings:
    smtp_host: str
    smtp_port: int
    smtp_from: str
    smtp_timeout: float
    sms_webhook_url: str | None
    sms_timeout: float
    sessions_public_url: str
    web_public_url: str
    join_secret: str
    reminder_offsets: list[timedelta]
    note_reminder_after: timedelta
    note_reminder_grace: timedelta
    batch_size: int
    idle_poll: float
    lease: timedelta
    send_lanes: int
    max_attempts: int
    retry_base: float
    retry_max: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "NotificationSettings":
        get = settings.get
        if settings.production and len(join_link_secret(settings)) < 32:
            raise ConfigError("production needs JOIN_LINK_SECRET (or JWT_SECRET) of 32+ characters")
        try:
            return cls(
                smtp_host=get("SMTP_HOST", "127.0.0.1"),
                smtp_port=int(get("SMTP_PORT", "1025")),
                smtp_from=parseaddr(get("SMTP_FROM", "no-reply@groupsessions.local"))[1]
                or "no-reply@groupsessions.local",
                smtp_timeout=float(get("SMTP_TIMEOUT", "10")),
                sms_webhook_url=get("SMS_WEBHOOK_URL", "") or None,
                sms_timeout=float(get("SMS_TIMEOUT", "5")),
                sessions_public_url=get("SESSIONS_PUBLIC_URL", "http://localhost:8002").rstrip("/"),
                web_public_url=web_public_url(settings),
                join_secret=join_link_secret(settings),
                reminder_offsets=parse_offsets(get("REMINDER_OFFSETS", "24h,1h")),
                note_reminder_after=parse_offsets(get("NOTE_REMINDER_AFTER", "24h"))[0],
                note_reminder_grace=parse_offsets(get("NOTE_REMINDER_GRACE", "1h"))[0],
                batch_size=int(get("SCHEDULER_BATCH_SIZE", "500")),
                idle_poll=float(get("SCHEDULER_IDLE_POLL_SECONDS", "0.02")),
                lease=timedelta(seconds=float(get("SCHEDULER_LEASE_SECONDS", "600"))),
                send_lanes=int(get("SCHEDULER_SEND_LANES", "4")),
                max_attempts=int(get("NOTIFY_MAX_ATTEMPTS", "10")),
                retry_base=float(get("NOTIFY_RETRY_BASE_SECONDS", "10")),
                retry_max=float(get("NOTIFY_RETRY_MAX_SECONDS", "600")),
            )
        except ValueError as exc:
            raise ConfigError(f"notifications settings: {exc}") from exc

    def retry_delay(self, attempts: int) -> timedelta:
        """Back-off after the `attempts`-th failed try: base, 2x base, 4x base ... capped."""
        return timedelta(seconds=min(self.retry_base * 2 ** max(attempts - 1, 0), self.retry_max))
