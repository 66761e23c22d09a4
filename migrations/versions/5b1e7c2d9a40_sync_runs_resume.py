"""sync runs resume: feed digest, committed progress, resumed-from run

Revision ID: 5b1e7c2d9a40
Revises: 5d2f7c1a9e40
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c2d9a40'
down_revision = '5d2f7c1a9e40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_digest', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('products_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rows_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('resumed_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resumed_products', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_sync_runs_resumed_from_id_sync_runs'), 'sync_runs',
                                    ['resumed_from_id'], ['id'])


def downgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sync_runs_resumed_from_id_sync_runs'), type_='foreignkey')
        batch_op.drop_column('resumed_products')
        batch_op.drop_column('resumed_from_id')
        batch_op.drop_column('rows_done')
        batch_op.drop_column('products_done')
        batch_op.drop_column('feed_digest')
