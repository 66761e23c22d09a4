"""pay-on-delivery orders held for confirmation (shopper's e-mail link or owner's approval)

Revision ID: 6a2c4e8f1b37
Revises: 5c1e9a7d3b20
Create Date: 2026-12-04 01:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = '6a2c4e8f1b37'
down_revision = '5c1e9a7d3b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shops') as batch_op:
        batch_op.add_column(sa.Column('cod_confirmation', sa.String(length=10), nullable=False,
                                      server_default='off'))
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('hold', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('hold_expires_at', app.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirm_token_hash', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('confirmed_at', app.db_types.UTCDateTime(timezone=True), nullable=True))
    # The expiry sweep looks only at held orders.
    op.create_index('ix_orders_held', 'orders', ['hold_expires_at'],
                    postgresql_where=sa.text("hold <> ''"), sqlite_where=sa.text("hold <> ''"))


def downgrade():
    op.drop_index('ix_orders_held', table_name='orders')
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirm_token_hash')
        batch_op.drop_column('hold_expires_at')
        batch_op.drop_column('hold')
    with op.batch_alter_table('shops') as batch_op:
        batch_op.drop_column('cod_confirmation')
