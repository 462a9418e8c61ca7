"""Event handlers: each keeps a read model up to date and plans the notifications the event calls for.

They run inside the consumer's transaction (EventPipeline: inbox row + effect, committed together),
so a redelivered event changes nothing twice; the log's uniqueness key guards the same again.
Nothing is sent here: the scheduler sends what is due, deciding at that moment (domain/dispatch.py).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from services.notifications.adapters.notification_log import new_row
from services.notifications.domain.messages import Channel, MessageKind
from services.notifications.domain.model import FACILITATOR_CHANNELS, Reason
from services.notifications.domain.urgency import is_urgent
from services.notifications.service_layer.planning import (GroupNotKnownYet, add_reminders, facilitators_of,
                                                           message_rows, move_reminders, note_reminder_key,
                                                           note_reminder_rows, notify, reminder_rows)
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.events import Envelope


class EventHandlers:
    def __init__(self, reminder_offsets: list[timedelta], clock: Callable[[], datetime] | None = None,
                 note_reminder_after: timedelta = timedelta(hours=24),
                 note_reminder_grace: timedelta = timedelta(hours=1)):
        self.offsets = reminder_offsets
        self.clock = clock or (lambda: datetime.now(UTC))
        self.note_reminder_after = note_reminder_after
        self.note_reminder_grace = note_reminder_grace

    def table(self) -> dict[str, Callable[[Envelope, NotificationsUnitOfWork], None]]:
        return {
            "roster.facilitator.registered": self.facilitator_registered,
            "roster.participant.registered": self.participant_changed,
            "roster.participant.updated": self.participant_changed,
            "roster.participant.page_link_requested": self.page_link_requested,
            "roster.group.created": self.group_changed,
            "roster.group.updated": self.group_changed,
            "roster.group.closed": self.group_closed,
            "roster.enrollment.activated": self.enrollment_activated,
            "roster.enrollment.waitlisted": self.enrollment_waitlisted,
            "roster.enrollment.ended": self.enrollment_ended,
            "sessions.session.scheduled": self.session_scheduled,
            "sessions.session.rescheduled": self.session_rescheduled,
            "sessions.session.relocated": self.session_relocated,
            "sessions.session.cancelled": self.session_cancelled,
            "sessions.absence.streak": self.absence_streak,
            "sessions.note.drafted": self.note_drafted,
            "sessions.note.signed": self.note_signed,
        }

    # --- roster: who and where ------------------------------------------------------------------
    def facilitator_registered(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data = event.typed_data()
        uow.read_models.save_recipient({
            "id": data["facilitator_id"], "kind": "facilitator", "name": data["name"], "email": data["email"],
            "phone": None, "timezone": None, "channels": [str(c) for c in FACILITATOR_CHANNELS],
            "sms_consent": False, "quiet_start": None, "quiet_end": None, "status": "active",
            "page_link_generation": 1, "version_at": _occurred(event)})

    def participant_changed(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data = event.typed_data()
        quiet = data.get("quiet_hours") or {}
        uow.read_models.save_recipient({
            "id": data["participant_id"], "kind": "participant", "name": data["preferred_name"],
            "email": data["email"], "phone": data.get("phone"), "timezone": data["timezone"],
            "channels": list(data["channels"]), "sms_consent": data["sms_consent"],
            "quiet_start": _clock(quiet.get("start")), "quiet_end": _clock(quiet.get("end")),
            "status": data["status"], "page_link_generation": data["page_link_generation"],
            "version_at": _occurred(event)})

    def page_link_requested(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        # Asked for by email on the fresh-link page: by email only, and at once (they are waiting).
        data = event.typed_data()
        uow.log.add([new_row(recipient_id=data["participant_id"], recipient_kind="participant",
                             channel=Channel.EMAIL, kind=MessageKind.PAGE_LINK, dedupe_key=f"event:{event.id}",
                             due_at=self.clock(), now=self.clock(), group_id=None, event_id=event.id,
                             urgent=True)])

    def group_changed(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data = event.data  # the JSON form: the schedule is stored as the event carries it
        uow.read_models.save_group({
            "id": data["group_id"], "modality": data["modality"], "location": data.get("location"),
            "schedule": data["schedule"], "facilitator_ids": list(data["facilitator_ids"]),
            "version_at": _occurred(event)})

    def group_closed(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data = event.typed_data()
        uow.read_models.close_group(data["group_id"], data["closed_at"])

    # --- roster: membership ---------------------------------------------------------------------
    def enrollment_activated(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data, now = event.typed_data(), self.clock()
        group_id, participant_id = data["group_id"], data["participant_id"]
        if uow.read_models.group(group_id) is None:
            raise GroupNotKnownYet(f"group {group_id} is not known yet")  # the welcome needs its schedule
        uow.read_models.start_membership(data["enrollment_id"], group_id, participant_id, data["active_from"])
        # The welcome and every upcoming session's reminders: one recipient lookup, one insert.
        kind = MessageKind.PROMOTED if data["from_waitlist"] else MessageKind.WELCOME
        known = uow.read_models.recipients({participant_id})
        welcome = message_rows(known, [participant_id], "participant", kind, event.id, now, group_id=group_id)
        reminders = reminder_rows(uow.read_models.upcoming_sessions(group_id, now), known, [participant_id],
                                  self.offsets, now)
        uow.log.add(welcome + reminders)

    def enrollment_waitlisted(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data = event.typed_data()
        notify(uow, [data["participant_id"]], "participant", MessageKind.WAITLISTED, event.id, self.clock(),
               group_id=data["group_id"], params={"waitlist_position": data["position"]})

    def enrollment_ended(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        # Pending reminders stay in the log; the scheduler suppresses them (not_a_member) when due,
        # which also covers an end that arrives before its activation, or a later re-enrollment.
        data = event.typed_data()
        if data["previous_status"] == "active":
            uow.read_models.end_membership(data["enrollment_id"], data["group_id"], data["participant_id"],
                                           data["ended_at"])

    # --- sessions -------------------------------------------------------------------------------
    def session_scheduled(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data, now = event.typed_data(), self.clock()
        uow.read_models.save_session(_session_values(data, "scheduled", event))
        session = uow.read_models.session_facts(data["session_id"])  # a newer fact may have won
        add_reminders(uow, session, uow.read_models.active_members(session.group_id), self.offsets, now)

    def session_rescheduled(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data, now = event.typed_data(), self.clock()
        facilitators = facilitators_of(uow, data["group_id"])
        fresh = uow.read_models.save_session(_session_values(data, "scheduled", event))
        move_reminders(uow, uow.read_models.session_facts(data["session_id"]), self.offsets, now)
        if not fresh:
            return  # a later change to this session is already known (and announced): this one is stale
        urgent = is_urgent(MessageKind.SESSION_RESCHEDULED, now, data["starts_at"], data["previous_starts_at"])
        params = {"previous_starts_at": data["previous_starts_at"].isoformat(),
                  "starts_at": data["starts_at"].isoformat()}
        self._tell_everyone(uow, data, MessageKind.SESSION_RESCHEDULED, event, now, urgent, params, facilitators)

    def session_relocated(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        """Same time, another modality or place: its own notice (urgent under 24 h), each member's
        own join link when there is now a room (added when sent), and the pending reminders turn into
        the right kind (their text is composed from the session as it is when they go)."""
        data, now = event.typed_data(), self.clock()
        facilitators = facilitators_of(uow, data["group_id"])
        fresh = uow.read_models.save_session(_session_values(data, "scheduled", event))
        move_reminders(uow, uow.read_models.session_facts(data["session_id"]), self.offsets, now)
        if not fresh:
            return
        urgent = is_urgent(MessageKind.SESSION_RELOCATED, now, data["starts_at"])
        params = {"starts_at": data["starts_at"].isoformat(), "previous_modality": data["previous_modality"]}
        self._tell_everyone(uow, data, MessageKind.SESSION_RELOCATED, event, now, urgent, params, facilitators)

    def session_cancelled(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data, now = event.typed_data(), self.clock()
        facilitators = facilitators_of(uow, data["group_id"])
        # Unknown until now (the scheduled event is late): stored with what the cancellation says.
        uow.read_models.cancel_session(_session_values(
            {**data, "ends_at": data["starts_at"], "modality": "in_person"}, "cancelled", event))
        uow.log.cancel_reminders(data["session_id"], now)
        urgent = is_urgent(MessageKind.SESSION_CANCELLED, now, data["starts_at"])
        params = {"starts_at": data["starts_at"].isoformat()}
        self._tell_everyone(uow, data, MessageKind.SESSION_CANCELLED, event, now, urgent, params, facilitators)

    def _tell_everyone(self, uow, data, kind, event, now, urgent, params, facilitators) -> None:
        """Every active member and the group's facilitators."""
        where = {"group_id": data["group_id"], "session_id": data["session_id"], "urgent": urgent,
                 "params": params}
        members = uow.read_models.active_members(data["group_id"])
        notify(uow, members, "participant", kind, event.id, now, **where)
        notify(uow, facilitators, "facilitator", kind, event.id, now, **where)

    def absence_streak(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data = event.typed_data()
        params = {"participant_id": data["participant_id"], "missed_count": data["count"]}
        last = uow.read_models.session_facts(data["session_ids"][-1]) if data["session_ids"] else None
        if last is not None:
            params["last_session_starts_at"] = last.starts_at.isoformat()
        notify(uow, facilitators_of(uow, data["group_id"]), "facilitator", MessageKind.ABSENCE_ALERT, event.id,
               self.clock(), group_id=data["group_id"], params=params)


    # --- session notes: one signature reminder to the author, cancelled once they have signed -------
    def note_drafted(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data = event.typed_data()
        if data["author_role"] != "facilitator":
            return  # admins get no reminders: they are no recipients here
        author, session_id = data["author_id"], data["session_id"]
        if uow.unsigned_notes.drafted(data["note_id"], author, session_id):
            now = self.clock()
            due = max(data["session_ends_at"] + self.note_reminder_after, now + self.note_reminder_grace)
            uow.log.add(note_reminder_rows(author, data["group_id"], session_id, due, event.id, now))

    def note_signed(self, event: Envelope, uow: NotificationsUnitOfWork) -> None:
        data, now = event.typed_data(), self.clock()
        if data["author_role"] != "facilitator" or data["status"] == "cosigned":
            return  # the author signed before; a co-signature changes nothing for them
        author, session_id = data["author_id"], data["session_id"]
        uow.unsigned_notes.signed(data["note_id"], author, session_id, now)
        if not uow.unsigned_notes.any_unsigned(author, session_id):
            uow.log.suppress_pending(author, note_reminder_key(session_id), Reason.NOTE_SIGNED, now)


def _occurred(event: Envelope) -> datetime:
    return datetime.fromisoformat(event.occurred_at)


def _clock(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def _session_values(data: dict, status: str, event: Envelope) -> dict:
    return {"id": data["session_id"], "group_id": data["group_id"], "starts_at": data["starts_at"],
            "ends_at": data["ends_at"], "modality": data["modality"], "location": data.get("location"),
            "status": status, "version_at": _occurred(event)}
