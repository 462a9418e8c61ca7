"""A session's attendance sheet and its personal join links (staff only)."""
from __future__ import annotations


from flask.views import MethodView
from flask_smorest import Blueprint

from services.sessions import bootstrap
from services.sessions.bootstrap import links, unit_of_work
from services.sessions.entrypoints.api.schemas import AttendanceIn, SheetOut
from services.sessions.entrypoints.api.schemas_participants import JoinLinksOut
from services.sessions.service_layer import attendance, join
from shared.audit import audited
from shared.auth import current_principal

blp = Blueprint("attendance", __name__, url_prefix="/v1", description="Attendance and join links")


@blp.route("/sessions/<session_id>/attendance")
class SessionAttendance(MethodView):
    @blp.response(200, SheetOut)
    @audited("attendance.read")
    def get(self, session_id):
        """The sheet: everyone expected at the start (`not_recorded` until taken), then walk-ins.

        Rolling enrollment: members who joined later appear from their first session on; members
        who had left by the start do not appear."""
        _, rows = attendance.attendance_sheet(unit_of_work(), current_principal(), session_id)
        return {"items": rows, "next_cursor": None}

    @blp.arguments(AttendanceIn(many=True))
    @blp.response(200, SheetOut)
    @audited("attendance.update")
    def put(self, entries, session_id):
        """Take or correct attendance, once the session has started (409 before).

        Minutes default to the whole session for `present`, 0 for `absent`/`excused`; `late` (unless
        the join link timed it) and `left_early` need them. Someone not expected is a walk-in. Two
        consecutive unexcused absences alert the group's facilitators (`sessions.absence.streak`)."""
        _, rows = attendance.save_attendance(unit_of_work(), current_principal(), session_id, entries,
                                             bootstrap.now())
        return {"items": rows, "next_cursor": None}


@blp.route("/sessions/<session_id>/join-links")
class SessionJoinLinks(MethodView):
    @blp.response(200, JoinLinksOut)
    @audited("join_link.list")
    def get(self, session_id):
        """Each active member's personal link (virtual and hybrid sessions; the group's facilitators
        and admins). A link works from 15 minutes before the start until the end."""
        items = join.join_links(unit_of_work(), current_principal(), session_id, links(), bootstrap.now())
        return {"items": items}
