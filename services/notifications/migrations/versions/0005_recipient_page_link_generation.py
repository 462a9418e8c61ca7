"""recipients: the participant's page link generation

Every message a participant gets carries a personal page link of roster's current generation
(revoking bumps it). Existing rows start at 1, roster's own starting value.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01 23:45:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_link_generation', sa.Integer(), nullable=False,
                                      server_default=sa.text('1')))


def downgrade() -> None:
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_column('page_link_generation')
