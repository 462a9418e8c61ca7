"""access audit

The append-only record of who read or changed which participant's data (SPEC 9); the table, its
indexes and the database's refusal of UPDATE and DELETE are shared.audit.migration's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:30:00.000000
"""
from shared.audit.migration import create_audit_table, drop_audit_table

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
