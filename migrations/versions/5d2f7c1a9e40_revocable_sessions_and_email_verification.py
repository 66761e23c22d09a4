"""revocable sessions and e-mail verification

Revision ID: 5d2f7c1a9e40
Revises: 98bc9dc87710
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.db_types


# revision identifiers, used by Alembic.
revision = '5d2f7c1a9e40'
down_revision = '98bc9dc87710'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('email_verified_at', app.db_types.UTCDateTime(timezone=True), nullable=True))
    # Accounts made before verification existed keep working (their shops stay open).
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
        batch_op.drop_column('session_version')
