"""The audit table's migration, shared by the three services' `0003` revisions.

Append-only, enforced by the database twice over:
- a trigger refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) of any row, whoever connects: the
  services connect as their tables' owner (the role of DATABASE_URL, which also runs the migrations),
  and an owner or a superuser is not bound by a revoked privilege;
- on PostgreSQL, UPDATE, DELETE and TRUNCATE are revoked from PUBLIC and from the role running the
  migration, so even with the trigger dropped that role is refused unless it re-grants itself.
Removing rows after the retention period is an operator's act outside the service (OPERATIONS.md).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.audit.table import TABLE_NAME

APPEND_ONLY = "audit rows are append-only"


def create_audit_table() -> None:
    op.create_table(
        TABLE_NAME,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("resource", sa.String(300), nullable=False),
        sa.Column("participant_id", sa.String(36)),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("correlation_id", sa.String(64)),
        sa.Column("client_address", sa.String(64)),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("status", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE_NAME}"),
    )
    op.create_index("ix_audit_log_page", TABLE_NAME, ["at", "id"])
    op.create_index("ix_audit_log_participant", TABLE_NAME, ["participant_id", "at", "id"])
    op.create_index("ix_audit_log_actor", TABLE_NAME, ["actor_id", "at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege'; END $$""")
        op.execute(f"CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON {TABLE_NAME} "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        op.execute(f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {TABLE_NAME} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {TABLE_NAME} FROM PUBLIC, CURRENT_USER")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON {TABLE_NAME} "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")


def drop_audit_table() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TABLE {TABLE_NAME}")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.drop_table(TABLE_NAME)
