"""The migrations build the schema the models describe (no pending autogenerate diff)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(app):
    # The session's database was built by `flask db upgrade` (see conftest), not create_all.
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"
