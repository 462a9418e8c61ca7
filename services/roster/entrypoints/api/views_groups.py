"""Groups and their enrollments (roster, waitlist)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.roster.bootstrap import read_connection, unit_of_work
from services.roster.entrypoints.api.schemas import (EnrollmentEndIn, EnrollmentIn, EnrollmentListArgs,
                                                     EnrollmentOut, EnrollmentPage, GroupIn, GroupListArgs,
                                                     GroupOut, GroupPage, GroupPatch)
from services.roster.service_layer import handlers, lists
from shared.audit import audited
from shared.auth import current_principal

blp = Blueprint("groups", __name__, url_prefix="/v1", description="Groups, rosters and waitlists")


@blp.route("/groups")
class Groups(MethodView):
    @blp.arguments(GroupIn)
    @blp.response(201, GroupOut)
    def post(self, data):
        """Create a group; capacity defaults to 10 for process groups, 15 for psychoeducation."""
        return handlers.create_group(unit_of_work(), current_principal(), data)

    @blp.arguments(GroupListArgs, location="query")
    @blp.response(200, GroupPage)
    def get(self, args):
        """List groups: admins all, facilitators their own, participants those they belong to."""
        items, cursor = lists.list_groups(unit_of_work(), current_principal(), args)
        return {"items": items, "next_cursor": cursor}


@blp.route("/groups/<group_id>")
class GroupById(MethodView):
    @blp.response(200, GroupOut)
    def get(self, group_id):
        return handlers.get_group(read_connection, current_principal(), str(group_id))

    @blp.arguments(GroupPatch)
    @blp.response(200, GroupOut)
    @audited("group.update")
    def patch(self, changes, group_id):
        """Change a group; capacity may not go below the active count (409); raising it promotes."""
        return handlers.update_group(unit_of_work(), current_principal(), str(group_id), changes)


@blp.route("/groups/<group_id>/close")
class GroupClose(MethodView):
    @blp.response(200, GroupOut)
    @audited("group.close")
    def post(self, group_id):
        """Close a group: active members complete, waitlisted ones are transferred."""
        return handlers.close_group(unit_of_work(), current_principal(), str(group_id))


@blp.route("/groups/<group_id>/enrollments")
class GroupEnrollments(MethodView):
    @blp.arguments(EnrollmentIn)
    @blp.response(201, EnrollmentOut)
    @audited("enrollment.create")
    def post(self, data, group_id):
        """Enroll a participant: `active` while there is a place, else `waitlisted` with a position."""
        return handlers.enroll(unit_of_work(), current_principal(), str(group_id), data["participant_id"])

    @blp.arguments(EnrollmentListArgs, location="query")
    @blp.response(200, EnrollmentPage)
    @audited("enrollment.list")
    def get(self, args, group_id):
        items, cursor = lists.list_group_enrollments(read_connection, current_principal(), str(group_id), args)
        return {"items": items, "next_cursor": cursor}


@blp.route("/groups/<group_id>/enrollments/<enrollment_id>/end")
class EnrollmentEnd(MethodView):
    @blp.arguments(EnrollmentEndIn)
    @blp.response(200, EnrollmentOut)
    @audited("enrollment.end")
    def post(self, data, group_id, enrollment_id):
        """End an enrollment; ending an active one promotes waitlist position 1."""
        return handlers.end_enrollment(unit_of_work(), current_principal(), str(group_id), str(enrollment_id),
                                       data["reason"])
