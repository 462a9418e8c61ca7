"""The notification log, a participant's in-app inbox, and the consumer's dead letters."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.notifications.bootstrap import unit_of_work
from services.notifications.entrypoints.api.schemas import (DeadLetterArgs, DeadLetterPage, InboxArgs, InboxPage,
                                                            MarkReadIn, MarkReadOut, NotificationListArgs,
                                                            NotificationPage, ReplayOut)
from shared.audit import audited
from shared.auth import current_principal, require_role
from shared.errors import NotFound
from shared.messaging.dead_letters import list_dead_letters, replay_dead_letter

blp = Blueprint("notifications", __name__, url_prefix="/v1", description="Notification log and inbox")


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.arguments(NotificationListArgs, location="query")
    @blp.response(200, NotificationPage)
    @audited("notification.list", subject_field=lambda n: n.recipient_id if n.recipient_kind == "participant"
             else None)
    def get(self, args):
        """The notification log: admins all; facilitators their groups' and their own; participants their own."""
        principal = current_principal()
        scope = {}
        if principal.is_facilitator:
            scope["facilitator_id"] = principal.sub
        elif principal.is_participant:
            scope["participant_id"] = principal.sub
        with unit_of_work() as uow:
            items, cursor = uow.log.page(
                args["limit"], args["cursor"], recipient_id=args.get("recipient_id"), status=args.get("status"),
                kind=args.get("type"), session_id=args.get("session_id"), **scope)
        return {"items": items, "next_cursor": cursor}


@blp.route("/participants/<participant_id>/notifications")
class ParticipantInbox(MethodView):
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, InboxPage)
    @audited("notification.list")
    def get(self, args, participant_id):
        """A participant's in-app inbox (the participant themself, or an admin)."""
        _inbox_owner(participant_id, "participant", "admin")
        with unit_of_work() as uow:
            items, cursor = uow.log.inbox_page(str(participant_id), args["limit"], args["cursor"], args.get("since"))
        return {"items": items, "next_cursor": cursor}


@blp.route("/participants/<participant_id>/notifications/read")
class ParticipantInboxRead(MethodView):
    @blp.arguments(MarkReadIn)
    @blp.response(200, MarkReadOut)
    def post(self, data, participant_id):
        """Mark in-app messages read: the participant's page does when it shows them (themself only)."""
        _inbox_owner(participant_id, "participant")
        with unit_of_work() as uow:
            marked = uow.log.mark_read(str(participant_id), data["ids"], datetime.now(UTC))
            uow.commit()
        return {"marked": marked}


def _inbox_owner(participant_id, *roles: str) -> None:
    principal = require_role(*roles)
    if principal.is_participant and principal.sub != str(participant_id):
        raise NotFound("no such participant")  # whether someone is a client is itself private


@blp.route("/dead-letters")
class DeadLetters(MethodView):
    @blp.arguments(DeadLetterArgs, location="query")
    @blp.response(200, DeadLetterPage)
    def get(self, args):
        """Events the consumer gave up on, oldest first (admin)."""
        require_role("admin")
        with unit_of_work() as uow:
            items = list_dead_letters(uow.session, uow.tables, args["limit"], args["include_replayed"])
        return {"items": items, "next_cursor": None}


@blp.route("/dead-letters/<dead_letter_id>/replay")
class DeadLetterReplay(MethodView):
    @blp.response(200, ReplayOut)
    def post(self, dead_letter_id):
        """Handle a dead letter again through the consumer's own pipeline (admin); at most one effect."""
        require_role("admin")
        result = replay_dead_letter(current_app.extensions["notifications_pipeline"], str(dead_letter_id))
        if result is None:
            raise NotFound("no such dead letter")
        return result
