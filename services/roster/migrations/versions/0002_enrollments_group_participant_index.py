"""enrollments by group and participant

Everyone ever enrolled in a facilitator's groups (their caseload: who they may see) read from the
index alone, without visiting each enrollment row; a group's history grows with every cohort.
Also answers "was this participant ever in this group" for a participant reading a group.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:10:00.000000
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_group_participant', ['group_id', 'participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_group_participant')
