"""languages: the shop's storefront language, a user's language, an order's language

Revision ID: d2f4a6c8e0b1
Revises: b8f0c2e4a6d9
Create Date: 2026-12-04 19:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'd2f4a6c8e0b1'
down_revision = 'b8f0c2e4a6d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('language')
