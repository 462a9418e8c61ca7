"""`GET /v1/audit` (admins: who read or changed what, filtered and paged) and
`GET /v1/participants/<id>/access-report` (a participant's accounting of who saw their record, by
role and id), the same on every service; the console merges the services' answers."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from shared.audit.hook import audited
from shared.audit.record import ALLOWED
from shared.auth import require_role
from shared.fields import Id
from shared.pagination import PageArgs, paginate
from shared.web.schemas import page_of

blp = Blueprint("audit", __name__, url_prefix="/v1", description="The access audit (admins)")


class AuditArgs(PageArgs):
    participant_id = Id(load_default=None, metadata={"description": "Rows naming this participant"})
    actor = fields.String(load_default=None, validate=validate.Length(max=64),
                          metadata={"description": "The actor's id (a token's subject)"})
    action = fields.String(load_default=None, validate=validate.Length(max=64),
                           metadata={"description": "e.g. participant.read, attendance.update"})
    from_ = fields.AwareDateTime(data_key="from", load_default=None, metadata={"description": "At or after"})
    to = fields.AwareDateTime(load_default=None, metadata={"description": "At or before"})


class ReportArgs(PageArgs):
    from_ = fields.AwareDateTime(data_key="from", load_default=None)
    to = fields.AwareDateTime(load_default=None)


class AuditEntry(Schema):
    id = fields.String(required=True)
    at = fields.DateTime(required=True)
    service = fields.String(required=True)
    actor_role = fields.String(required=True)
    actor_id = fields.String(allow_none=True, required=True)
    action = fields.String(required=True)
    method = fields.String(required=True)
    resource = fields.String(required=True)
    participant_id = fields.String(allow_none=True, required=True)
    request_id = fields.String(required=True)
    correlation_id = fields.String(allow_none=True, required=True)
    client_address = fields.String(allow_none=True, required=True)
    outcome = fields.String(required=True, metadata={"description": "allowed, refused (401/403/404) or failed"})
    status = fields.Integer(allow_none=True, required=True,
                            metadata={"description": "null for a change, recorded in its own transaction"})


class Access(Schema):
    at = fields.DateTime(required=True)
    actor_role = fields.String(required=True)
    actor_id = fields.String(allow_none=True, required=True)
    action = fields.String(required=True)
    service = fields.String(required=True)


AuditPage = page_of(AuditEntry, "AuditPage")


class AccessReport(Schema):
    participant_id = fields.String(required=True)
    service = fields.String(required=True)
    items = fields.List(fields.Nested(Access), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


def _table_and_engine():
    context = current_app.extensions["iop"]
    return context.audit, context.engine


def _period(query, column, args):
    if args.get("from_") is not None:
        query = query.where(column >= args["from_"])
    if args.get("to") is not None:
        query = query.where(column <= args["to"])
    return query


@blp.route("/audit")
class AuditLog(MethodView):
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditPage)
    def get(self, args):
        """Every recorded access, oldest first (admins). Reads reach the table within a second."""
        require_role("admin")
        table, engine = _table_and_engine()
        query = _period(select(table), table.c.at, args)
        for name, column in (("participant_id", table.c.participant_id), ("actor", table.c.actor_id),
                             ("action", table.c.action)):
            if args.get(name) is not None:
                query = query.where(column == args[name])
        with engine.connect() as connection:
            rows, cursor = paginate(connection, query, table.c.at, table.c.id, args["limit"], args["cursor"],
                                    scalars=False)
        return {"items": [row._asdict() for row in rows], "next_cursor": cursor}


@blp.route("/participants/<participant_id>/access-report")
class AccessReportView(MethodView):
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, AccessReport)
    @audited("access_report.read")
    def get(self, args, participant_id):
        """Who saw or changed this participant's record here, by role and id (never by name), oldest
        first; their own accesses left out (admins produce it for them: 42 CFR 2.24)."""
        participant_id = str(participant_id)  # the column holds canonical text on every backend
        require_role("admin")
        table, engine = _table_and_engine()
        query = _period(select(table.c.id, table.c.at, table.c.actor_role, table.c.actor_id, table.c.action,
                               table.c.service), table.c.at, args).where(
            table.c.participant_id == participant_id, table.c.outcome == ALLOWED,
            ~((table.c.actor_role == "participant") & (table.c.actor_id == participant_id)))
        with engine.connect() as connection:
            rows, cursor = paginate(connection, query, table.c.at, table.c.id, args["limit"], args["cursor"],
                                    scalars=False)
        return {"participant_id": participant_id, "service": current_app.extensions["iop"].settings.service,
                "items": [row._asdict() for row in rows], "next_cursor": cursor}
