"""Field rules shared by the session factory and its changes, each failing with the field's name."""
from __future__ import annotations

from datetime import datetime, timezone

from .errors import ValidationFailed

from shared.vocabulary import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, MODALITIES
MAX_LOCATION_LENGTH = 300


def require_utc(field: str, moment: datetime) -> datetime:
    """Refuse a naive time (its zone would be a guess) and store the instant in UTC."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValidationFailed(field, "must be a date-time with a UTC offset")
    return moment.astimezone(timezone.utc)


def valid_duration(minutes: int) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise ValidationFailed("duration_minutes", "must be a whole number of minutes")
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise ValidationFailed(
            "duration_minutes", f"must be between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES}"
        )
    return minutes


def valid_place(
    modality: str, location: str | None, video_room_url: str | None
) -> tuple[str, str | None, str | None]:
    """Where a session happens: a location for anyone in the room, a video room for anyone remote.

    A virtual session drops its location and an in-person one its room, so reminders never point
    participants to a place or a link that is not in use.
    """
    if modality not in MODALITIES:
        raise ValidationFailed("modality", f"must be one of {', '.join(MODALITIES)}")
    location = (location or "").strip() or None
    if modality == "virtual":
        location = None
    elif location is None:
        raise ValidationFailed("location", f"required for a {modality} session")
    elif len(location) > MAX_LOCATION_LENGTH:
        raise ValidationFailed("location", f"at most {MAX_LOCATION_LENGTH} characters")
    if modality == "in_person":
        video_room_url = None
    elif not video_room_url:
        raise ValidationFailed("video_room_url", f"required for a {modality} session")
    return modality, location, video_room_url
