"""order exports: a large shop's orders CSV, made by a job and kept a week for its link

Revision ID: c7e9a1b3d5f7
Revises: a3c5e7b9d1f4
Create Date: 2026-12-06 21:45:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = 'c7e9a1b3d5f7'
down_revision = 'a3c5e7b9d1f4'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope() = 'all') OR shop_id::text = (SELECT flagship_scope())"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        'order_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('file_gzip', sa.LargeBinary(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('preparing', 'ready', 'failed')", name=op.f('ck_order_exports_status_known')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name='fk_order_exports_requested_by_id_users',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_order_exports_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_order_exports'),
        # The tenant key (app.tenancy.row_key): on PostgreSQL the primary key, below.
        *([sa.UniqueConstraint('shop_id', 'id', name='uq_order_exports_shop_id_id')] if sqlite else []),
    )
    if not sqlite:  # keyed and walled like every tenant table (id keeps its sequence)
        op.execute("ALTER TABLE order_exports DROP CONSTRAINT pk_order_exports")
        op.execute("ALTER TABLE order_exports ADD CONSTRAINT pk_order_exports PRIMARY KEY (shop_id, id)")
        op.execute("ALTER TABLE order_exports ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE order_exports FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON order_exports USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade():
    op.drop_table('order_exports')
