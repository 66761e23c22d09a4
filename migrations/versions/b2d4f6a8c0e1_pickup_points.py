"""pickup points: a shop's neighbourhood points; orders collected there with a pickup code;
purchase orders know their point (shipped together)

Revision ID: b2d4f6a8c0e1
Revises: a1c3e5f7b9d2
Create Date: 2026-12-04 07:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = 'b2d4f6a8c0e1'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def upgrade():
    op.create_table(
        'pickup_points',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('line1', sa.String(length=200), nullable=False),
        sa.Column('city', sa.String(length=100), nullable=False),
        sa.Column('postcode', sa.String(length=20), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('hours', sa.String(length=200), nullable=False),
        sa.Column('contact_name', sa.String(length=120), nullable=False),
        sa.Column('contact_phone', sa.String(length=40), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('staff_token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_pickup_points_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_pickup_points'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_pickup_points_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'name', name='uq_pickup_points_shop_id_name'),
    )
    op.create_index('ix_pickup_points_shop_id', 'pickup_points', ['shop_id'])
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('pickup_point_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pickup_code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('collected_at', app.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_orders_pickup_point_id', ['pickup_point_id'])
        batch_op.create_index('uq_orders_shop_id_pickup_code', ['shop_id', 'pickup_code'], unique=True)
    with op.batch_alter_table('purchase_orders') as batch_op:
        batch_op.add_column(sa.Column('pickup_point_id', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":  # keyed and walled like every tenant table
        op.execute("ALTER TABLE pickup_points DROP CONSTRAINT pk_pickup_points")
        op.execute("ALTER TABLE pickup_points ADD CONSTRAINT pk_pickup_points PRIMARY KEY (shop_id, id)")
        op.execute("ALTER TABLE pickup_points ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE pickup_points FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON pickup_points USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade():
    with op.batch_alter_table('purchase_orders') as batch_op:
        batch_op.drop_column('pickup_point_id')
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_index('uq_orders_shop_id_pickup_code')
        batch_op.drop_index('ix_orders_pickup_point_id')
        batch_op.drop_column('collected_at')
        batch_op.drop_column('pickup_code')
        batch_op.drop_column('pickup_point_id')
    op.drop_table('pickup_points')
