"""How requests become audit rows.

A view opts in with `@audited(action)`, placed right above its `def` (under the blueprint's
decorators). Which participants the request touched is found, in this order of discovery:
- the path's `participant_id`, and for a change the `participant_id`s of its JSON body;
- `note_participants(...)`, for a view that knows better (optional);
- for a change, every row the change writes that names a participant (a mapped object whose table
  is `participants`, or one with a `participant_id`), recorded by the SQLAlchemy session itself in
  the same transaction, just before it commits;
- for a read, what the view returns: its `items`' (or its own) `subject_field` (`participant_id`,
  or `id` for a participant resource). A participant let in reads their own record.
A request that touched none still leaves one row without a participant (a list that came back
empty, a refusal of a session id). Reads and refusals are queued (shared.audit.buffer).
"""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import Table, event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from shared.access_log import mask_path
from shared.audit.buffer import AuditBuffer
from shared.audit.record import ALLOWED, AccessRecord, new_request_id, outcome_of
from shared.logging import current_correlation_id
from shared.rate_limit import client_address

PARTICIPANT_TABLES = frozenset({"participants"})  # rows whose own id is a participant's id
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class AuditSpec:
    action: str
    subject_field: str | Callable[[Any], Any] = "participant_id"  # or a function of one returned item
    change: bool | None = None       # None: every method but GET and HEAD changes data
    credential: str | None = None    # the actor's role when the view's own credential let them in

    def changes(self, method: str) -> bool:
        return method not in _READ_METHODS if self.change is None else self.change and method != "HEAD"


def audited(action: str, *, subject_field: str | Callable[[Any], Any] = "participant_id", change: bool | None = None,
            credential: str | None = None):
    """Record every call of this view (see the module's docstring)."""
    spec = AuditSpec(action, subject_field, change, credential)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            result = view(*args, **kwargs)
            state = _state()
            if state is not None and not state.change:
                state.add(_subjects(result, spec.subject_field), stored=True)
            return result
        wrapper.iop_audit = spec
        return wrapper
    return decorate


def note_participants(*participant_ids) -> None:
    """Tell the audit which participants this request read or changed (any the view knows of)."""
    state = _state()
    if state is not None:
        state.add(participant_ids)


@dataclass
class RequestAudit:
    spec: AuditSpec
    change: bool
    request_id: str = field(default_factory=new_request_id)
    participants: dict[str, None] = field(default_factory=dict)  # an ordered set
    in_flight: list[str | None] = field(default_factory=list)
    committed: set[str | None] = field(default_factory=set)

    def add(self, ids: Iterable, stored: bool = False) -> None:
        """Note participant ids; unless `stored` (read from this service's own rows), each is checked
        to be a UUID, since paths and bodies hold whatever a client sent."""
        if stored:
            for value in ids:
                if value is not None:
                    self.participants[str(value)] = None
            return
        for value in ids:
            if value is None:
                continue
            try:  # canonical text: ids reach the audit as UUIDs, strings, or whatever a path held
                text = str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
            except ValueError:
                continue
            self.participants[text] = None


def _subjects(result, name) -> list:
    if isinstance(result, tuple):  # (body, status) or (body, status, headers)
        result = result[0] if result else None
    if isinstance(result, dict) and isinstance(result.get("items"), list):
        return [_field(item, name) for item in result["items"]]
    value = _field(result, name)
    return [] if value is None else [value]


def _field(item, name):
    if callable(name):
        return name(item)
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _spec_for(app: Flask, endpoint: str, method: str) -> AuditSpec | None:
    cache = app.extensions["iop_audit_specs"]
    key = (endpoint, method)
    if key not in cache:
        view = app.view_functions.get(endpoint)
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            handler = getattr(view_class, method.lower(), None)
            if handler is None and method == "HEAD":
                handler = getattr(view_class, "get", None)
            view = handler
        cache[key] = getattr(view, "iop_audit", None)
    return cache[key]


def _state() -> RequestAudit | None:
    if not has_request_context():
        return None
    state = g.get("iop_audit")
    if state is None:
        if "iop_audit_specs" not in current_app.extensions or request.endpoint is None:
            return None
        spec = _spec_for(current_app, request.endpoint, request.method)
        if spec is None:
            return None
        state = g.iop_audit = RequestAudit(spec, spec.changes(request.method))
        state.add([(request.view_args or {}).get("participant_id")])
        if state.change:
            state.add(_body_participants())
    return state


def _body_participants() -> list:
    """The `participant_id`s a change's JSON body names (an enrollment, an attendance list): the
    change concerns them even when it turns out to change nothing, or is refused."""
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except Exception:  # noqa: BLE001 - too large or too deep: refused already (413, 400), nobody named
        return []
    items = body if isinstance(body, list) else [body]
    return [item.get("participant_id") for item in items if isinstance(item, dict)]


def _actor(spec: AuditSpec, status: int) -> tuple[str, str | None]:
    principal = g.get("principal")  # set by shared.auth, also when a public view checks a bearer itself
    if principal is not None:
        return principal.role, principal.sub[:64]
    if spec.credential and status < 400:
        return spec.credential, None  # let in by the view's own credential (a signed link or feed)
    return "anonymous", None


def _records(state: RequestAudit, participant_ids: list[str | None], outcome: str, status: int | None
             ) -> list[dict]:
    settings = current_app.extensions["iop"].settings
    role, actor_id = _actor(state.spec, status or 200)
    now = datetime.now(timezone.utc)
    resource = mask_path(request.path)[:300]
    correlation, address = current_correlation_id(), client_address()[:64]
    return AccessRecord(
        at=now, service=settings.service, actor_role=role, actor_id=actor_id, action=state.spec.action,
        method=request.method, resource=resource, participant_ids=tuple(participant_ids),
        request_id=state.request_id, correlation_id=correlation, client_address=address, outcome=outcome,
        status=status).rows()


def _participant_of(obj) -> str | None:
    if inspect(obj).mapper.local_table.name in PARTICIPANT_TABLES:
        return getattr(obj, "id", None)
    return getattr(obj, "participant_id", None)


def install_audit(app: Flask, session_factory: sessionmaker[Session], table: Table, buffer: AuditBuffer) -> None:
    app.extensions["iop_audit_specs"] = {}
    app.extensions["iop_audit_buffer"] = buffer

    @app.after_request
    def _record(response: Response):
        state = _state()
        if state is None or state.committed:
            return response  # not audited, or a change already recorded in its own transaction
        status = response.status_code
        ids = list(state.participants)
        if not ids and status < 400:
            principal = g.get("principal")
            if principal is not None and principal.is_participant:
                ids = [principal.sub]  # a participant let in read their own record
        buffer.add(_records(state, ids or [None], outcome_of(status), status))
        return response

    @event.listens_for(session_factory, "after_flush")
    def _collect(session: Session, _context) -> None:
        state = _state()
        if state is None or not state.change:
            return
        # Dirty even when set to the same values: re-recording someone's attendance concerns them.
        state.add(_participant_of(obj) for obj in chain(session.new, session.dirty, session.deleted))

    @event.listens_for(session_factory, "before_commit")
    def _stage(session: Session) -> None:
        state = _state()
        if state is None or not state.change:
            return
        session.flush()  # the last changes' participants, collected by _collect
        ids: list[str | None] = [pid for pid in state.participants if pid not in state.committed]
        if not ids and not state.committed:
            ids = [None]
        state.in_flight = ids
        if ids:
            session.execute(insert(table), _records(state, ids, ALLOWED, None))

    @event.listens_for(session_factory, "after_commit")
    def _committed(_session: Session) -> None:
        state = _state()
        if state is not None and state.change and state.in_flight:
            state.committed.update(state.in_flight)
            state.in_flight = []

    @event.listens_for(session_factory, "after_rollback")
    def _rolled_back(_session: Session) -> None:
        state = _state()
        if state is not None:
            state.in_flight = []
