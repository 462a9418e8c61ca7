"""Sessions: scheduling one, generating from the weekly schedule, listing, moving, cancelling."""
from __future__ import annotations


from flask.views import MethodView
from flask_smorest import Blueprint

from services.sessions import bootstrap
from services.sessions.bootstrap import links, options, read_connection, unit_of_work
from services.sessions.entrypoints.api.presenters import session_view, sessions_view
from services.sessions.entrypoints.api.schemas import (CancelIn, GeneratedOut, GenerateIn, RescheduleIn,
                                                       SessionIn, SessionListArgs, SessionOut, SessionPage,
                                                       SessionPatch)
from services.sessions.service_layer import handlers
from shared.audit import audited
from shared.auth import current_principal

blp = Blueprint("sessions", __name__, url_prefix="/v1", description="Scheduling group sessions")


@blp.route("/groups/<group_id>/sessions")
class GroupSessions(MethodView):
    @blp.arguments(SessionIn)
    @blp.response(201, SessionOut)
    def post(self, data, group_id):
        """Schedule one session; modality, place and length default to the group's.

        A start in the past is allowed, to record a session after the fact. A group created in
        roster is known here a moment later (404 until then)."""
        now, principal = bootstrap.now(), current_principal()
        session = handlers.schedule_one(unit_of_work(), principal, group_id, data, options(), now)
        return session_view(session, principal, now)


@blp.route("/groups/<group_id>/sessions/generate")
class GroupSessionsGenerate(MethodView):
    @blp.arguments(GenerateIn)
    @blp.response(200, GeneratedOut)
    def post(self, data, group_id):
        """Create the sessions of the group's weekly schedule for `from`..`to` (local dates).

        Idempotent: slots that already have a session (even a moved or cancelled one) are counted in
        `existing_count`, never created twice. Local times hold across daylight-saving changes."""
        now, principal = bootstrap.now(), current_principal()
        created, existing = handlers.generate(unit_of_work(), principal, group_id, data["from_"],
                                              data["to"], options(), now)
        return {"items": sessions_view(created, principal, now), "created_count": len(created),
                "existing_count": existing}


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.arguments(SessionListArgs, location="query")
    @blp.response(200, SessionPage)
    @audited("session.list")
    def get(self, args):
        """List sessions by start: admins all, facilitators their groups', participants their own.

        `status` follows the clock; `from`/`to` take a date or a date-time with offset."""
        now, principal = bootstrap.now(), current_principal()
        items, cursor, joins = handlers.list_sessions(read_connection, principal, args, links(), now)
        return {"items": sessions_view(items, principal, now, joins), "next_cursor": cursor}


@blp.route("/sessions/<session_id>")
class SessionById(MethodView):
    @blp.response(200, SessionOut)
    @audited("session.read")
    def get(self, session_id):
        now, principal = bootstrap.now(), current_principal()
        session, join = handlers.get_session(unit_of_work(), principal, session_id, links(), now)
        return session_view(session, principal, now, join)

    @blp.arguments(SessionPatch)
    @blp.response(200, SessionOut)
    def patch(self, changes, session_id):
        """Hold one session differently (a snow day turns it virtual) or set its topic.

        A change of modality or place is announced as `sessions.session.relocated`: members hear
        what changed, with their own join link when the session is now online."""
        now, principal = bootstrap.now(), current_principal()
        session = handlers.change(unit_of_work(), principal, session_id, changes, options(), now)
        return session_view(session, principal, now)


@blp.route("/sessions/<session_id>/reschedule")
class SessionReschedule(MethodView):
    @blp.arguments(RescheduleIn)
    @blp.response(200, SessionOut)
    def post(self, data, session_id):
        """Move a session (and optionally change its length); not once it is over or cancelled."""
        now, principal = bootstrap.now(), current_principal()
        session = handlers.reschedule(unit_of_work(), principal, session_id, data["starts_at"],
                                      data.get("duration_minutes"), now)
        return session_view(session, principal, now)


@blp.route("/sessions/<session_id>/cancel")
class SessionCancel(MethodView):
    @blp.arguments(CancelIn)
    @blp.response(200, SessionOut)
    def post(self, data, session_id):
        """Cancel a session with a reason; its join links stop working."""
        now, principal = bootstrap.now(), current_principal()
        session = handlers.cancel(unit_of_work(), principal, session_id, data["reason"], now)
        return session_view(session, principal, now)
