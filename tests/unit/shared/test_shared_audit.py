"""The access audit's pure parts: how a status reads as an outcome, and the read buffer keeping every
row until the database takes it."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from shared.audit.buffer import AuditBuffer
from shared.audit.record import AccessRecord, new_request_id, outcome_of
from shared.audit.table import define_audit_table


@pytest.mark.parametrize(("status", "outcome"), [(200, "allowed"), (201, "allowed"), (302, "allowed"),
                                                 (401, "refused"), (403, "refused"), (404, "refused"),
                                                 (410, "refused"), (409, "failed"), (422, "failed"),
                                                 (500, "failed")])
def test_a_status_reads_as_an_outcome(status, outcome):
    assert outcome_of(status) == outcome


def _record(*participant_ids) -> AccessRecord:
    return AccessRecord(at=datetime.now(UTC), service="roster", actor_role="admin", actor_id=str(uuid.uuid4()),
                        action="participant.list", method="GET", resource="/v1/participants",
                        participant_ids=participant_ids, request_id=new_request_id(), correlation_id="c1",
                        client_address="127.0.0.1", outcome="allowed", status=200)


def test_a_record_is_one_row_per_participant_or_one_without():
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    rows = _record(a, b).rows()
    assert [row["participant_id"] for row in rows] == [a, b]
    assert len({row["id"] for row in rows}) == 2 and {row["request_id"] for row in rows} == {rows[0]["request_id"]}
    assert [row["participant_id"] for row in _record().rows()] == [None]


def test_rows_the_database_refuses_stay_queued_and_are_written_later(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    metadata = sa.MetaData()
    table = define_audit_table(metadata)
    buffer = AuditBuffer(engine, table, flush_seconds=3600)
    rows = _record(*(str(uuid.uuid4()) for _ in range(3))).rows()
    buffer.add(rows)
    with pytest.raises(sa.exc.OperationalError):  # no table yet: the database refuses the batch
        buffer.flush()
    assert buffer.pending == 3
    metadata.create_all(engine)
    assert buffer.flush() == 3 and buffer.pending == 0
    with engine.connect() as conn:
        assert sorted(conn.scalars(sa.select(table.c.id))) == sorted(row["id"] for row in rows)
    buffer.close()
    engine.dispose()


def test_a_dropped_buffer_does_not_outlive_its_app(tmp_path):
    """Its thread lets go: tests build hundreds of apps, each with an engine and pooled connections."""
    import gc
    import weakref

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    metadata = sa.MetaData()
    table = define_audit_table(metadata)
    metadata.create_all(engine)
    buffer = AuditBuffer(engine, table, flush_seconds=0.01)
    buffer.add(_record(str(uuid.uuid4())).rows())
    thread, ref = buffer._thread, weakref.ref(buffer)
    buffer.flush()
    del buffer
    gc.collect()
    thread.join(timeout=5)
    assert ref() is None and not thread.is_alive()
    engine.dispose()
