"""A participant's own view: their sessions and links, weekly hours, exports, calendar feed."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.sessions import bootstrap
from services.sessions.bootstrap import links, options, read_connection, unit_of_work
from services.sessions.entrypoints.api.presenters import disclosure_view, export_view, sessions_view, summary_view
from services.sessions.entrypoints.api.schemas import ParticipantSessionArgs, ParticipantSessionsOut
from services.sessions.entrypoints.api.schemas_participants import (AttendanceSummaryOut, DisclosureListArgs,
                                                                    DisclosurePage, ExportIn, ExportOut,
                                                                    PeriodArgs)
from services.sessions.service_layer import attendance, join
from services.sessions.service_layer.access import ensure_sees_participant
from services.sessions.service_layer.calendar import calendar_feed
from shared.audit import audited
from shared.auth import current_principal, jwt_secret, principal_from_header, public
from shared.errors import NotFound

blp = Blueprint("participants", __name__, url_prefix="/v1", description="A participant's sessions and attendance")
DEFAULT_PERIOD = timedelta(days=27)  # four weeks, today included


@blp.route("/participants/<participant_id>/sessions")
class ParticipantSessions(MethodView):
    @blp.arguments(ParticipantSessionArgs, location="query")
    @blp.response(200, ParticipantSessionsOut)
    @audited("session.list")
    def get(self, args, participant_id):
        """The participant's sessions (upcoming unless `from`/`to` are given), each virtual or hybrid
        one with their personal `join_url`, and `calendar_url`, a signed feed for calendar apps."""
        now, principal, pid = bootstrap.now(), current_principal(), participant_id
        items, cursor, joins = join.participant_sessions(read_connection, principal, pid, args, links(), now)
        return {"items": sessions_view(items, principal, now, joins), "next_cursor": cursor,
                "calendar_url": links().feed_url(pid)}


@blp.route("/participants/<participant_id>/attendance")
class ParticipantAttendance(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, AttendanceSummaryOut)
    @audited("attendance.read")
    def get(self, args, participant_id):
        """Hours attended per week (Monday to Sunday) and whether each week is below the program
        minimum (WEEKLY_MINIMUM_HOURS, default 9). Only sessions held so far count."""
        now = bootstrap.now()
        to = args.get("to") or now.date()
        summary = attendance.weekly_attendance(
            unit_of_work(), current_principal(), participant_id, args.get("from_") or to - DEFAULT_PERIOD,
            to, args.get("timezone"), options().weekly_minimum_hours, now)
        return summary_view(summary)


@blp.route("/participants/<participant_id>/attendance-exports")
class ParticipantAttendanceExports(MethodView):
    @blp.arguments(ExportIn)
    @blp.response(201, ExportOut)
    @audited("attendance_export.create")
    def post(self, data, participant_id):
        """Export the attendance record of a period (court, probation or payer proof).

        Every export is recorded as a disclosure (who asked, for whom, why, when) and carries the
        42 CFR Part 2 redisclosure notice."""
        disclosure, summary = attendance.export_attendance(
            unit_of_work(), current_principal(), participant_id, data, options().weekly_minimum_hours,
            bootstrap.now())
        return export_view(disclosure, summary)

    @blp.arguments(DisclosureListArgs, location="query")
    @blp.response(200, DisclosurePage)
    @audited("disclosure.list")
    def get(self, args, participant_id):
        """The disclosures of this participant's records (an accounting they may ask for too)."""
        pid = participant_id
        with unit_of_work() as uow:
            ensure_sees_participant(uow, current_principal(), pid)
            items, cursor = uow.disclosures.page_for_participant(pid, args["limit"], args["cursor"])
        return {"items": [disclosure_view(d) for d in items], "next_cursor": cursor}


@blp.route("/participants/<participant_id>/calendar.ics", parameters=[{
    "in": "query", "name": "token", "required": False, "schema": {"type": "string"},
    "description": "The signed feed token of `calendar_url`, instead of a bearer token."}])
@blp.doc(security=[{"bearerAuth": []}, {}], responses={"200": {
    "description": "iCalendar feed", "content": {"text/calendar": {"schema": {"type": "string"}}}}})
@public
@audited("calendar_feed.read", credential="feed_token")
def calendar(participant_id: str):
    """Upcoming, not cancelled sessions as an iCalendar feed: with a bearer token, or with the
    signed `?token=` of `calendar_url` so a calendar app can subscribe. Event titles are neutral."""
    pid = participant_id
    token = request.args.get("token")
    if token is not None:
        if not links().feed_token_names(token, pid):
            raise NotFound("no such calendar feed")
        principal = None
    else:
        principal = _bearer_principal()
    body = calendar_feed(unit_of_work(), principal, pid, links(), bootstrap.now())
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="sessions.ics"'})


def _bearer_principal():
    # The view is public (for the signed URL), so shared auth has not checked the header here.
    return principal_from_header(jwt_secret(), missing="a bearer token or a signed feed token is required")
