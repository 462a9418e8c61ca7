"""participants: page link generation, SMS consent time and wording, lookup by address

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:40:00.000000
"""
import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_consent_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sms_consent_wording', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('page_link_generation', sa.Integer(), nullable=False,
                                      server_default=sa.text('1')))
    op.create_index('ix_participants_email_lower', 'participants', [sa.text('lower(email)')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_participants_email_lower', table_name='participants')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('page_link_generation')
        batch_op.drop_column('sms_consent_wording')
        batch_op.drop_column('sms_consent_at')
