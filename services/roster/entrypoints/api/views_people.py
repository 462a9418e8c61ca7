"""Facilitators and participants."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.roster.bootstrap import unit_of_work
from services.roster.entrypoints.api.schemas import (EnrollmentPage, FacilitatorIn, FacilitatorListArgs,
                                                     FacilitatorOut, FacilitatorPage, PageLinkRequestIn,
                                                     ParticipantIn, ParticipantListArgs, ParticipantOut,
                                                     ParticipantPage, ParticipantPatch)
from services.roster.service_layer import handlers, lists
from services.roster.service_layer.access import require
from shared.audit import audited
from shared.auth import current_principal, public
from shared.pagination import PageArgs
from shared.rate_limit import client_address

blp = Blueprint("people", __name__, url_prefix="/v1", description="Facilitators and participants")


@blp.route("/facilitators")
class Facilitators(MethodView):
    @blp.arguments(FacilitatorIn)
    @blp.response(201, FacilitatorOut)
    def post(self, data):
        """Register a facilitator (admin)."""
        return handlers.register_facilitator(unit_of_work(), current_principal(), data)

    @blp.arguments(FacilitatorListArgs, location="query")
    @blp.response(200, FacilitatorPage)
    def get(self, args):
        """List facilitators (admins and facilitators); `?email=` finds one by address (admins only:
        the web console's sign-in matches the provider's verified email this way)."""
        principal = current_principal()
        require(principal, *(("admin",) if args.get("email") else ("admin", "facilitator")))
        with unit_of_work() as uow:
            items, cursor = uow.facilitators.page(args["limit"], args["cursor"], email=args.get("email"))
        return {"items": items, "next_cursor": cursor}


@blp.route("/facilitators/<facilitator_id>")
class FacilitatorById(MethodView):
    @blp.response(200, FacilitatorOut)
    def get(self, facilitator_id):
        return handlers.get_facilitator(unit_of_work(), current_principal(), str(facilitator_id))


@blp.route("/participants")
class Participants(MethodView):
    @blp.arguments(ParticipantIn)
    @blp.response(201, ParticipantOut)
    @audited("participant.create")
    def post(self, data):
        """Register a participant (admins and facilitators; a facilitator sees those they register)."""
        return handlers.register_participant(unit_of_work(), current_principal(), data)

    @blp.arguments(ParticipantListArgs, location="query")
    @blp.response(200, ParticipantPage)
    @audited("participant.list", subject_field="id")
    def get(self, args):
        """List participants: all for admins; for a facilitator, those they registered or facilitate."""
        items, cursor = lists.list_participants(unit_of_work(), current_principal(), args)
        return {"items": items, "next_cursor": cursor}


@blp.route("/participants/<participant_id>")
class ParticipantById(MethodView):
    @blp.response(200, ParticipantOut)
    @audited("participant.read", subject_field="id")
    def get(self, participant_id):
        return handlers.get_participant(unit_of_work(), current_principal(), str(participant_id))

    @blp.arguments(ParticipantPatch)
    @blp.response(200, ParticipantOut)
    @audited("participant.update")
    def patch(self, changes, participant_id):
        """Change a profile; participants may change their own contact preferences."""
        return handlers.update_participant(unit_of_work(), current_principal(), str(participant_id), changes)


@blp.route("/participants/<participant_id>/enrollments")
class ParticipantEnrollments(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, EnrollmentPage)
    @audited("enrollment.list")
    def get(self, args, participant_id):
        """A participant's enrollments (a facilitator sees those in their own groups)."""
        items, cursor = lists.list_participant_enrollments(unit_of_work(), current_principal(), str(participant_id),
                                                           args)
        return {"items": items, "next_cursor": cursor}



@blp.route("/participants/<participant_id>/page-link/revoke")
class PageLinkRevoke(MethodView):
    @blp.response(200, ParticipantOut)
    @audited("page_link.revoke")
    def post(self, participant_id):
        """End every personal page link sent to this participant so far (their facilitators, admins).

        The next message they get carries a link of the new generation."""
        return handlers.revoke_page_links(unit_of_work(), current_principal(), str(participant_id))


@blp.route("/page-link-requests", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(PageLinkRequestIn)
@blp.response(202)
@public
def page_link_request(data):
    """Ask for a fresh personal page link by email (no bearer token).

    Always 202, whether or not the address is known. A registered participant's address gets an
    email with a link; requests beyond RATE_LIMIT_PAGE_LINK_REQUESTS_PER_MINUTE per caller, or per
    address, are dropped silently (the answer is the same)."""
    limits = current_app.extensions["iop_page_link_limits"]
    if not limits.by_caller.acquire(client_address()) and not limits.by_email.acquire(data["email"].lower()):
        handlers.request_page_link(unit_of_work(), data["email"])
    return ""
