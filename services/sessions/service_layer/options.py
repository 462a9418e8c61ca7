"""The sessions service's own settings, read once from the environment through shared Settings.

    VIDEO_ROOM_TEMPLATE   video room of a virtual/hybrid session, with {session_id} and/or {group_id}
                          (default: a Jitsi Meet room, which needs no account)
    JOIN_LINK_SECRET      signs personal join links and calendar feed URLs (default: JWT_SECRET)
    JOIN_GRACE_MINUTES    a join after the start plus this many minutes counts as late (default 10)
    WEEKLY_MINIMUM_HOURS  the program's weekly minimum (default 9, ASAM level 2.1 for adults)
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.sessions.domain.engagement import DEFAULT_MINIMUM_HOURS
from services.sessions.domain.errors import ValidationFailed
from services.sessions.domain.join_window import DEFAULT_GRACE_MINUTES
from services.sessions.domain.model import DEFAULT_VIDEO_ROOM_TEMPLATE, video_room_url
from shared.config import ConfigError, Settings
from shared.join_links import join_link_secret


@dataclass(frozen=True)
class SessionsOptions:
    video_room_template: str
    join_link_secret: str
    join_grace_minutes: int
    weekly_minimum_hours: float
    public_base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionsOptions:
        template = settings.get("VIDEO_ROOM_TEMPLATE", DEFAULT_VIDEO_ROOM_TEMPLATE)
        try:
            video_room_url(template, uuid.uuid4(), uuid.uuid4())
        except ValidationFailed as exc:
            raise ConfigError(f"VIDEO_ROOM_TEMPLATE: {exc.reason}") from None
        secret = join_link_secret(settings)
        if settings.production and len(secret) < 32:
            raise ConfigError("production needs JOIN_LINK_SECRET (or JWT_SECRET) of 32+ characters")
        return cls(
            video_room_template=template,
            join_link_secret=secret,
            join_grace_minutes=_number(settings, "JOIN_GRACE_MINUTES", DEFAULT_GRACE_MINUTES, int),
            weekly_minimum_hours=_number(settings, "WEEKLY_MINIMUM_HOURS", DEFAULT_MINIMUM_HOURS, float),
            public_base_url=settings.public_base_url,
        )


def _number(settings: Settings, name: str, default, kind):
    raw = settings.get(name, str(default))
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative")
    return value
