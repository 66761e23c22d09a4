"""referral programme: shop rates, promoters, bindings, commissions; pickup points' fee per order; promoters and pickup points in the ledger

Revision ID: d4f6b8c0e2a4
Revises: c3e5a7b9d1f2
Create Date: 2026-12-04 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

import app.db_types
from app.downgrade_guard import DestructiveDowngradeRefused, forced, refuse_to_drop_money

revision = 'd4f6b8c0e2a4'
down_revision = 'c3e5a7b9d1f2'
branch_labels = None
depends_on = None

POLICY = "(SELECT flagship_scope()) IN ('all', shop_id::text)"
PAYEES = "'supplier', 'shop', 'platform', 'processor'"
APPEND_ONLY = "ledger_entries is append-only: write a reversing entry instead"


def _wall(table):
    """Keyed and walled like every tenant table (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (shop_id, id)")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")


def _payee_check(payees):
    """Change ledger_entries' payee CHECK. SQLite rebuilds the table, which drops its
    append-only triggers: they are made again."""
    check = f"payee_type IN ({payees})"
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ledger_entries DROP CONSTRAINT ck_ledger_entries_payee_type_known")
        op.execute(f"ALTER TABLE ledger_entries ADD CONSTRAINT ck_ledger_entries_payee_type_known CHECK ({check})")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS ledger_entries_no_{action}")
    with op.batch_alter_table('ledger_entries', recreate="always") as batch:
        batch.drop_constraint(op.f('ck_ledger_entries_payee_type_known'), type_='check')
        batch.create_check_constraint(op.f('ck_ledger_entries_payee_type_known'), sa.text(check))
    for action in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER ledger_entries_no_{action.lower()} BEFORE {action} ON ledger_entries "
                   f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")


def upgrade():
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('referral_open', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('referral_invite_only', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('referral_level1_bp', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('referral_level2_bp', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('referral_binding_days', sa.Integer(), server_default='30', nullable=False))

    op.create_table(
        'promoters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('page_token_hash', sa.String(length=64), nullable=False),
        sa.Column('recruited_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('clicks', sa.Integer(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('paused_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('recruited_by_id IS NULL OR recruited_by_id <> id',
                           name=op.f('ck_promoters_not_own_recruiter')),
        sa.CheckConstraint("status IN ('active', 'paused')", name=op.f('ck_promoters_status_known')),
        sa.ForeignKeyConstraint(['shop_id', 'recruited_by_id'], ['promoters.shop_id', 'promoters.id'],
                                name='fk_promoters_shop_id_recruited_by_id_promoters'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_promoters_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_promoters'),
        sa.UniqueConstraint('shop_id', 'code', name='uq_promoters_shop_id_code'),
        sa.UniqueConstraint('shop_id', 'email', name='uq_promoters_shop_id_email'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_promoters_shop_id_id'),
    )
    op.create_index('ix_promoters_shop_id', 'promoters', ['shop_id'])
    _wall('promoters')

    op.create_table(
        'referral_bindings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('promoter_id', sa.Integer(), nullable=False),
        sa.Column('bound_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id', 'promoter_id'], ['promoters.shop_id', 'promoters.id'],
                                name='fk_referral_bindings_shop_id_promoter_id_promoters'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_referral_bindings_shop_id_shops',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_referral_bindings'),
        sa.UniqueConstraint('shop_id', 'email', name='uq_referral_bindings_shop_id_email'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_referral_bindings_shop_id_id'),
    )
    op.create_index('ix_referral_bindings_shop_id', 'referral_bindings', ['shop_id'])
    op.create_index('ix_referral_bindings_promoter_id', 'referral_bindings', ['promoter_id'])
    _wall('referral_bindings')

    op.create_table(
        'commissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('promoter_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('rate_bp', sa.Integer(), nullable=False),
        sa.Column('base', sa.BigInteger(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('booked', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('settled_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('level IN (1, 2)', name=op.f('ck_commissions_two_levels_at_most')),
        sa.CheckConstraint('rate_bp > 0 AND rate_bp <= 5000', name=op.f('ck_commissions_rate_in_range')),
        sa.CheckConstraint('amount >= 0 AND booked >= 0', name=op.f('ck_commissions_amounts_not_negative')),
        sa.CheckConstraint("status IN ('pending', 'payable', 'cancelled')", name=op.f('ck_commissions_status_known')),
        sa.ForeignKeyConstraint(['shop_id', 'order_id'], ['orders.shop_id', 'orders.id'],
                                name='fk_commissions_shop_id_order_id_orders', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id', 'promoter_id'], ['promoters.shop_id', 'promoters.id'],
                                name='fk_commissions_shop_id_promoter_id_promoters'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name='fk_commissions_shop_id_shops', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_commissions'),
        sa.UniqueConstraint('shop_id', 'id', name='uq_commissions_shop_id_id'),
        sa.UniqueConstraint('shop_id', 'order_id', 'level', name='uq_commissions_shop_id_order_id_level'),
    )
    op.create_index('ix_commissions_shop_id', 'commissions', ['shop_id'])
    op.create_index('ix_commissions_order_id', 'commissions', ['order_id'])
    op.create_index('ix_commissions_promoter_id', 'commissions', ['promoter_id'])
    op.create_index('ix_commissions_pending', 'commissions', ['status', 'shop_id'])
    _wall('commissions')

    with op.batch_alter_table('pickup_points') as batch:
        batch.add_column(sa.Column('fee_per_order', sa.Integer(), server_default='0', nullable=False))
    _payee_check(PAYEES + ", 'promoter', 'pickup_point'")


NEW_MONEY = "payee_type IN ('promoter', 'pickup_point') OR kind IN ('commission', 'pickup_fee')"


def _drop_new_payees_entries():
    """The ledger's promoter and pickup-point entries (and the shops' sides of them) cannot
    exist below this revision: refused while there are any, deleted when forced."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:  # the policy is FORCEd: the owner would count only its scope's rows
        op.execute("ALTER TABLE ledger_entries NO FORCE ROW LEVEL SECURITY")
    count = bind.execute(sa.text(f"SELECT count(*) FROM ledger_entries WHERE {NEW_MONEY}")).scalar_one()
    if count and not forced():
        raise DestructiveDowngradeRefused(
            f"Refusing to downgrade: it would delete {count} ledger entries of promoters' commissions and "
            "pickup points' fees. Nothing was changed. Back up the database first; to delete them anyway, "
            "run the downgrade with -x force=1.")
    if count:
        if postgres:
            op.execute("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS ledger_entries_no_{action}")
        op.execute(f"DELETE FROM ledger_entries WHERE {NEW_MONEY}")
        if postgres:
            op.execute("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only")
    if postgres:
        op.execute("ALTER TABLE ledger_entries FORCE ROW LEVEL SECURITY")


def downgrade():
    refuse_to_drop_money("commissions")
    _drop_new_payees_entries()
    _payee_check(PAYEES)
    with op.batch_alter_table('pickup_points') as batch:
        batch.drop_column('fee_per_order')
    op.drop_table('commissions')
    op.drop_table('referral_bindings')
    op.drop_table('promoters')
    with op.batch_alter_table('shops') as batch:
        for column in ('referral_binding_days', 'referral_level2_bp', 'referral_level1_bp',
                       'referral_invite_only', 'referral_open'):
            batch.drop_column(column)
