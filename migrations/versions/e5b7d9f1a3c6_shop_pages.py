"""shop pages: a shop's own text of its returns, shipping, privacy and terms pages; Reply-To on outbox e-mails (a shopper's message to the owners)

Revision ID: e5b7d9f1a3c6
Revises: e4a6c8b0d2f5
Create Date: 2026-12-05 08:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types

revision = 'e5b7d9f1a3c6'
down_revision = 'e4a6c8b0d2f5'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"


def upgrade():
    op.create_table(
        'shop_pages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('returns', 'shipping', 'privacy', 'terms')",
                           name=op.f('ck_shop_pages_kind_known')),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_shop_pages_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_shop_pages'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_shop_pages_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'kind', name='uq_shop_pages_shop_id_kind'),
    )
    op.create_index('ix_shop_pages_shop_id', 'shop_pages', ['shop_id'])
    if op.get_bind().dialect.name == "postgresql":  # keyed and walled like every tenant table
        op.execute("ALTER TABLE shop_pages DROP CONSTRAINT pk_shop_pages")
        op.execute("ALTER TABLE shop_pages ADD CONSTRAINT pk_shop_pages PRIMARY KEY (shop_id, id)")
        op.execute("ALTER TABLE shop_pages ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE shop_pages FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY shop_isolation ON shop_pages USING ({POLICY}) WITH CHECK ({POLICY})")

    with op.batch_alter_table('outbound_emails') as batch:
        batch.add_column(sa.Column('reply_to', sa.String(length=254), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('outbound_emails') as batch:
        batch.drop_column('reply_to')
    op.drop_table('shop_pages')
