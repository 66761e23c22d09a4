"""suppliers.language: the language a supplier's feed jobs write in

Revision ID: f1b3d5e7a9c2
Revises: e3a5c7e9b1d4
Create Date: 2026-12-04 22:20:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'f1b3d5e7a9c2'
down_revision = 'e3a5c7e9b1d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suppliers') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))


def downgrade():
    with op.batch_alter_table('suppliers') as batch:
        batch.drop_column('language')
