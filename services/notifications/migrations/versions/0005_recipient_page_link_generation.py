"""recipients: the participant's page link generation; notifications: when an in-app one was read

Every message a participant gets carries a personal page link of roster's current generation
(revoking bumps it). Existing rows start at 1, roster's own starting value. `read_at`: the
participant's page marks in-app messages read when it shows them (nullable: added in place).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:45:00.000000
"""
from alembic import op
import sqlalchemy as sa

import shared.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_link_generation', sa.Integer(), nullable=False,
                                      server_default=sa.text('1')))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', shared.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('read_at')
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_column('page_link_generation')
