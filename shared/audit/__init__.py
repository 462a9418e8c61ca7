"""The access audit (SPEC 9): who read or changed which participant's data, when, from where, and
whether they were let in.

- `record`: the plain record of one access (ids only) and how an HTTP status reads as an outcome.
- `table`: the audit table each service keeps in its own database (append-only).
- `buffer`: reads are queued in memory and written by a background thread, flushed at exit.
- `hook`: the Flask and SQLAlchemy side. A view opts in with `@audited("participant.read")`; the
  participants it touched are found in its path (`participant_id`), in what it returns (items'
  `participant_id`, or `id` for a participant resource), in the rows a change writes, or in
  `note_participants(...)`. A change is recorded inside the transaction that makes it.
- `api`: `GET /v1/audit` and `GET /v1/participants/<id>/access-report` (admins).
"""
from shared.audit.hook import audited, install_audit, note_participants

__all__ = ["audited", "install_audit", "note_participants"]
