"""One access to participant data, as the audit keeps it: ids only, never a name or a contact."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import datetime

ALLOWED, REFUSED, FAILED = "allowed", "refused", "failed"
# Out of scope answers 404 (whether someone is a client is itself protected), a role that may never
# do something 403, a missing or broken credential 401: each is a refusal. Any other error (invalid
# input, a conflict, a server error) is a failure: nothing was shown or changed.
REFUSAL_STATUSES = frozenset({401, 403, 404, 410})


def outcome_of(status: int) -> str:
    if status < 400:
        return ALLOWED
    return REFUSED if status in REFUSAL_STATUSES else FAILED


@dataclass(frozen=True)
class AccessRecord:
    """One request's access: it is stored as one row per participant it touched (or one without)."""
    at: datetime
    service: str
    actor_role: str          # admin, facilitator, participant; join_link, feed_token; anonymous
    actor_id: str | None     # the token's subject (an id), None when there is no valid credential
    action: str              # e.g. participant.read, enrollment.create
    method: str
    resource: str            # the request path (ids only; credentials in paths masked)
    participant_ids: tuple[str | None, ...]
    request_id: str          # the rows of one request share it (32 hex digits: new_request_id)
    correlation_id: str | None
    client_address: str | None
    outcome: str
    status: int | None       # None for a change recorded in its own transaction, before the response

    def rows(self) -> list[dict]:
        """Row ids are the request id and the row's number: unique, cheap, and in the request's order."""
        common = {name: getattr(self, name) for name in _COMMON}
        return [{**common, "id": f"{self.request_id}{index:04x}", "participant_id": pid}
                for index, pid in enumerate(self.participant_ids or (None,))]


def new_request_id() -> str:
    return os.urandom(16).hex()


_COMMON = tuple(f.name for f in fields(AccessRecord) if f.name != "participant_ids")
