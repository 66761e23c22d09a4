"""pre-sale deposits: a run's deposit share; what each card payment is for

Revision ID: a1c3e5f7b9d2
Revises: 9d5f7b1c4e60
Create Date: 2026-12-04 07:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'a1c3e5f7b9d2'
down_revision = '9d5f7b1c4e60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deal_rounds') as batch_op:
        batch_op.add_column(sa.Column('deposit_bp', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('payments') as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=10), server_default='order', nullable=False))


def downgrade():
    with op.batch_alter_table('payments') as batch_op:
        batch_op.drop_column('purpose')
    with op.batch_alter_table('deal_rounds') as batch_op:
        batch_op.drop_column('deposit_bp')
