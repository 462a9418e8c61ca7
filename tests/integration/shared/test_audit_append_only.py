"""The access audit is append-only in the database itself, not only in the code (SPEC 9).

On both backends a trigger refuses UPDATE and DELETE of an audit row (on PostgreSQL TRUNCATE too),
whoever connects: the services connect as their tables' owner, and an owner or a superuser ignores a
revoked privilege. On PostgreSQL the migration also revokes UPDATE, DELETE and TRUNCATE from the role
that runs it (the role of DATABASE_URL): shown here with a role of its own, trigger dropped.
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from shared.audit.table import TABLE_NAME
from shared.migrations import upgrade
from tests.integration.roster.roster_client import ADMIN, RosterClient
from tests.support.databases import PG_URL, _with_database

SERVICES = ("roster", "sessions", "notifications")


def _one_row(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(
            f"INSERT INTO {TABLE_NAME} (id, at, service, actor_role, action, method, resource, request_id, outcome) "
            "VALUES (:id, CURRENT_TIMESTAMP, 'test', 'admin', 'participant.read', 'GET', '/v1/x', :id, 'allowed')"),
            {"id": str(uuid.uuid4())})
    engine.dispose()


def _refused(url: str, statement: str) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with pytest.raises(sa.exc.DBAPIError) as refused, engine.begin() as conn:
            conn.execute(sa.text(statement))
        with engine.connect() as conn:
            assert conn.scalar(sa.text(f"SELECT count(*) FROM {TABLE_NAME} WHERE outcome = 'allowed'")) == 1
        return str(refused.value.orig)
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_an_audit_row_cannot_be_updated_or_deleted(databases, backend, service):
    url = databases.new(backend, service)
    _one_row(url)
    assert "append-only" in _refused(url, f"UPDATE {TABLE_NAME} SET outcome = 'refused'")
    assert "append-only" in _refused(url, f"DELETE FROM {TABLE_NAME}")
    if backend == "postgresql":
        assert "append-only" in _refused(url, f"TRUNCATE {TABLE_NAME}")


def test_the_services_role_is_denied_update_and_delete_without_the_trigger(databases):
    """A role of its own owns a database and migrates it, as a service's DATABASE_URL role does; with
    the trigger dropped (the owner may), its UPDATE and DELETE are still refused: the privileges are gone."""
    role, name = f"iop_audit_{uuid.uuid4().hex[:8]}", f"iop_audit_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {role}')
    url = sa.engine.make_url(_with_database(PG_URL, name)).set(username=role).render_as_string(hide_password=False)
    try:
        upgrade("roster", url)
        _one_row(url)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TRIGGER audit_log_no_change ON {TABLE_NAME}")
            conn.exec_driver_sql(f"DROP TRIGGER audit_log_no_truncate ON {TABLE_NAME}")
        engine.dispose()
        for statement in (f"UPDATE {TABLE_NAME} SET outcome = 'refused'", f"DELETE FROM {TABLE_NAME}",
                          f"TRUNCATE {TABLE_NAME}"):
            assert "permission denied" in _refused(url, statement)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


def test_what_the_service_records_is_refused_too(settings_for, backend):
    """Through the service itself: a read it recorded cannot be rewritten afterwards."""
    client = RosterClient(settings_for("roster"))
    participant = client.participant()
    assert client.http.get(f"/v1/participants/{participant['id']}", headers=ADMIN).status_code == 200
    client.app.extensions["iop_audit_buffer"].flush()
    with pytest.raises(sa.exc.DBAPIError), client.context.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {TABLE_NAME} SET actor_id = NULL WHERE action = 'participant.read'"))
    with client.context.engine.connect() as conn:
        actors = conn.scalars(sa.text(f"SELECT actor_id FROM {TABLE_NAME} WHERE action = 'participant.read'")).all()
    assert len(actors) == 1 and actors[0] is not None
