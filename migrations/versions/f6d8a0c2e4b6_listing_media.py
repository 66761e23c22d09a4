"""listing media: an owner's own photos of a listing, in order, each maybe shown for one variant

Revision ID: f6d8a0c2e4b6
Revises: e5b7d9f1a3c6
Create Date: 2026-12-05 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = 'f6d8a0c2e4b6'
down_revision = 'e5b7d9f1a3c6'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def upgrade():
    op.create_table(
        'listing_media',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('variant_id', sa.Integer(), nullable=True),
        sa.Column('alt_text', sa.String(length=200), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id', 'listing_id'], ['listings.shop_id', 'listings.id'],
                                name='fk_listing_media_shop_id_listings', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id', 'media_id'], ['shop_media.shop_id', 'shop_media.id'],
                                name='fk_listing_media_shop_id_shop_media'),
        sa.ForeignKeyConstraint(['variant_id'], ['supply_variants.id'],
                                name='fk_listing_media_variant_id_supply_variants'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_listing_media_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_listing_media'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_listing_media_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'listing_id', 'media_id', name='uq_listing_media_shop_id_listing_id_media_id'),
    )
    op.create_index('ix_listing_media_listing_id', 'listing_media', ['listing_id'])
    op.create_index('ix_listing_media_shop_id', 'listing_media', ['shop_id'])
    if op.get_bind().dialect.name == "postgresql":  # keyed and walled like every tenant table
        op.execute("ALTER TABLE listing_media DROP CONSTRAINT pk_listing_media")
        op.execute("ALTER TABLE listing_media ADD CONSTRAINT pk_listing_media PRIMARY KEY (shop_id, id)")
        op.execute("ALTER TABLE listing_media ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE listing_media FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON listing_media USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade():
    op.drop_table('listing_media')
