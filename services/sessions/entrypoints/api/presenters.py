"""What each caller sees of a session, a summary or a disclosure, as dicts for the response schemas.

Participants never get the bare video room URL: they enter through their personal link, which is
what records their attendance and what stops working when their enrollment ends.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.sessions.domain.disclosure import Disclosure
from services.sessions.domain.model import Session
from services.sessions.service_layer.attendance import Summary
from services.sessions.service_layer.join import JoinLink
from shared.principal import Principal

_SESSION_FIELDS = ("id", "group_id", "starts_at", "ends_at", "duration_minutes", "modality", "location",
                   "video_room_url", "topic", "generated", "cancelled_at", "cancel_reason", "created_at",
                   "updated_at")


def session_view(session: Session, principal: Principal, now: datetime, join: JoinLink | None = None) -> dict:
    view: dict[str, Any] = {name: getattr(session, name) for name in _SESSION_FIELDS}
    view["status"] = session.status_at(now)
    if principal.is_participant:
        view["video_room_url"] = None
    if join is not None:
        view.update(join_url=join.url, join_valid_from=join.valid_from, join_valid_until=join.valid_until)
    return view


def sessions_view(sessions: list[Session], principal: Principal, now: datetime,
                  joins: dict | None = None) -> list[dict]:
    joins = joins or {}
    return [session_view(s, principal, now, joins.get(s.id)) for s in sessions]


def summary_view(summary: Summary) -> dict:
    weeks = summary.weeks
    return {
        "participant_id": summary.participant_id, "from_": summary.from_, "to": summary.to,
        "timezone": summary.timezone, "minimum_hours": summary.minimum_hours, "weeks": weeks,
        "total_hours": round(summary.total_minutes / 60, 2),
        "weeks_below_minimum": sum(1 for week in weeks if week.below_minimum),
    }


def disclosure_view(disclosure: Disclosure) -> dict:
    return {
        "id": disclosure.id, "participant_id": disclosure.participant_id,
        "requested_by": {"role": disclosure.requested_by_role, "sub": disclosure.requested_by_sub},
        "purpose": disclosure.purpose, "recipient": disclosure.recipient, "from_": disclosure.period_from,
        "to": disclosure.period_to, "sessions_disclosed": disclosure.sessions_disclosed,
        "created_at": disclosure.created_at, "contents": disclosure.contents,
    }


def export_view(disclosure: Disclosure, summary: Summary) -> dict:
    """The record handed to a court or payer: times and attendance only, no group name or kind."""
    sessions = [{
        "session_id": session.id, "starts_at": session.starts_at, "ends_at": session.ends_at,
        "status": record.status if record else "not_recorded",
        "minutes": (record.minutes or 0) if record else 0, "walk_in": bool(record and record.walk_in),
    } for session, record in summary.sessions]
    return {**summary_view(summary), "disclosure": disclosure_view(disclosure), "sessions": sessions,
            "redisclosure_notice": disclosure.notice}
