"""notification correlation id

The correlation id of the request behind each notification, so the scheduler logs the send under
it and one id leads from an enrollment request to its email. Nullable: rows planned before this
revision have none (their sends are logged without one). A nullable column without a default is
added in place on PostgreSQL, with no table rewrite.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:19:52.087224
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correlation_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('correlation_id')
