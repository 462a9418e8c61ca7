"""Renders a notification kind for one channel from the Jinja2 templates in ../templates/.

Files are named `<kind>.<channel>.txt` (plus `<kind>.email.html` for the HTML alternative); names
starting with "_" are layouts. The full render is the message text; the `subject` block is the email
subject or the in-app title. Each kind accepts a fixed set of context variables (CONTEXT_VARIABLES)
and anything else is refused, so a group name or a free-text reason cannot slip into a message.
"""
from __future__ import annotations

import functools
import re
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from services.notifications.domain.local_time import describe_weekly_schedule, format_when
from services.notifications.domain.messages import (
    SENDER_NAME, SMS_MAX_CHARS, Channel, MessageKind, MessageTooLong, RenderedMessage,
    count_in_words, participant_ref,
)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

# Every kind takes these; the timezone is required because every text shows times.
COMMON_REQUIRED = frozenset({"recipient_timezone"})
# No name, email or phone: a message may be read on a shared or locked screen, forwarded, or
# kept by a mail provider; the greeting is "Hello," for everyone (SPEC 3, privacy by default).
# The participant's own page link: every message to a participant ends with a fresh one.
COMMON_OPTIONAL: frozenset[str] = frozenset({"page_url"})

_MEMBERSHIP_OPTIONAL = frozenset({"schedule", "first_session_starts_at", "location"})

# kind -> (required, optional) context variables, besides the common ones.
CONTEXT_VARIABLES: dict[MessageKind, tuple[frozenset[str], frozenset[str]]] = {
    MessageKind.WELCOME: (frozenset(), _MEMBERSHIP_OPTIONAL),
    MessageKind.WAITLISTED: (frozenset({"waitlist_position"}), frozenset()),
    MessageKind.PROMOTED: (frozenset(), _MEMBERSHIP_OPTIONAL),
    MessageKind.SESSION_RESCHEDULED: (frozenset({"previous_starts_at", "starts_at"}), frozenset()),
    MessageKind.SESSION_CANCELLED: (frozenset({"starts_at"}), frozenset()),
    MessageKind.SESSION_RELOCATED: (frozenset({"starts_at", "online"}), frozenset({"location", "join_url"})),
    MessageKind.PAGE_LINK: (frozenset({"page_url"}), frozenset()),
    MessageKind.REMINDER_VIRTUAL: (frozenset({"starts_at", "join_url"}), frozenset({"location"})),
    MessageKind.REMINDER_IN_PERSON: (frozenset({"starts_at", "location"}), frozenset()),
    MessageKind.ABSENCE_ALERT: (
        frozenset({"participant_id"}), frozenset({"missed_count", "last_session_starts_at"}),
    ),
    # Only when the session was: never what the note is about, whom it concerns or what it says.
    MessageKind.NOTE_UNSIGNED: (frozenset(), frozenset({"session_starts_at"})),
}


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,  # a misspelt variable fails loudly instead of rendering blank
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the image: no file check on every render
    )


def _variables(kind: MessageKind, context: Mapping[str, Any]) -> dict[str, Any]:
    required, optional = CONTEXT_VARIABLES[kind]
    required, optional = required | COMMON_REQUIRED, optional | COMMON_OPTIONAL
    missing = sorted(name for name in required if context.get(name) is None)
    unexpected = sorted(set(context) - required - optional)
    if missing or unexpected:
        raise ValueError(f"context for {kind}: missing {missing}, not accepted {unexpected}")

    timezone = context["recipient_timezone"]
    ZoneInfo(timezone)  # fail here, not halfway through a template
    values: dict[str, Any] = dict.fromkeys(optional) | dict(context)
    values["sender_name"] = SENDER_NAME
    values["when"] = functools.partial(format_when, timezone=timezone)

    schedule = values.pop("schedule", None)
    reference = values.get("first_session_starts_at") or datetime.now(dt_timezone.utc)
    values["schedule_text"] = describe_weekly_schedule(
        schedule["weekdays"], schedule["start_time"], schedule["timezone"], timezone,
        reference=reference, duration_minutes=schedule.get("duration_minutes"),
    ) if schedule else None

    if kind is MessageKind.ABSENCE_ALERT:
        # The template only ever sees the short reference, not the id.
        values["participant_ref"] = participant_ref(values.pop("participant_id"))
        values["missed_words"] = count_in_words(int(values.pop("missed_count") or 2))
    for name in ("join_url", "page_url"):
        if values.get(name) is not None and not re.match(r"^https?://", values[name]):
            raise ValueError(f"{name} must be an http(s) URL")
    return values


def _template(kind: MessageKind, channel: Channel, extension: str = "txt") -> Template:
    return environment().get_template(f"{kind}.{channel}.{extension}")


def _block(template: Template, name: str, values: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(values)))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    """Trim the layout's whitespace: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def has_html(kind: MessageKind | str) -> bool:
    return (TEMPLATE_DIR / f"{MessageKind(kind)}.email.html").is_file()


def render(kind: MessageKind | str, channel: Channel | str, context: Mapping[str, Any]) -> RenderedMessage:
    """Render `kind` for `channel` with the kind's context variables (see CONTEXT_VARIABLES).

    Datetimes may be aware datetimes or ISO 8601 strings; they are shown in `recipient_timezone`.
    Raises ValueError for a bad context and MessageTooLong for an SMS over SMS_MAX_CHARS.
    """
    kind, channel = MessageKind(kind), Channel(channel)
    values = _variables(kind, context)
    template = _template(kind, channel)
    text = template.render(values)
    if channel is Channel.SMS:
        text = _one_line(text)
        page = f" Your page: {values['page_url']}" if values.get("page_url") else ""
        if page and kind is not MessageKind.PAGE_LINK and len(text) + len(page) < SMS_MAX_CHARS:
            text += page  # the page link when it fits: the join link or place matters more
        if len(text) >= SMS_MAX_CHARS:
            raise MessageTooLong(f"{kind} SMS is {len(text)} characters; the limit is {SMS_MAX_CHARS}")
        return RenderedMessage(subject=None, text=text)
    subject = _one_line(_block(template, "subject", values))
    if channel is Channel.IN_APP:
        return RenderedMessage(subject=subject, text=_one_line(text))
    html = _template(kind, channel, "html").render(values).strip() if has_html(kind) else None
    return RenderedMessage(subject=subject, text=_paragraphs(text), html=html)
