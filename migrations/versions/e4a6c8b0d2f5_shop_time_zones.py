"""shop time zones: the clock a shop's times are shown and typed in

Revision ID: e4a6c8b0d2f5
Revises: d4f6b8c0e2a4
Create Date: 2026-12-04 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'e4a6c8b0d2f5'
down_revision = 'd4f6b8c0e2a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False))


def downgrade():
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('timezone')
