import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name)
logger = logging.getLogger('alembic.env')


_owner_engine = None


def get_engine():
    """The schema owner's connection (MIGRATION_DATABASE_URL) when set, else the app's."""
    global _owner_engine
    url = current_app.config.get('MIGRATION_DATABASE_URI')
    if not url:
        return current_app.extensions['migrate'].db.engine
    if _owner_engine is None:
        from sqlalchemy import create_engine, pool

        _owner_engine = create_engine(url, poolclass=pool.NullPool)
    return _owner_engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == 'sqlite'
        # One transaction for the whole run on SQLite too (PostgreSQL's default): a
        # downgrade that fails or refuses halfway (app/downgrade_guard.py) changes nothing.
        options = dict(conf_args, **({'transactional_ddl': True} if sqlite else {}))
        enforced = _sqlite_foreign_keys(connection, False) if sqlite else False
        try:
            from app.db_types import autogenerate_filter

            options.setdefault('include_object', autogenerate_filter(connection.dialect.name))
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                **options
            )

            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_sqlite_foreign_keys(connection)
                # Same transaction: the app's role gets its rights on whatever now exists.
                from app.tenancy.roles import after_migrations

                after_migrations(connection, current_app.config)
        finally:
            if enforced:
                _sqlite_foreign_keys(connection, True)


def _sqlite_foreign_keys(connection, on):
    """Set SQLite's foreign key enforcement; returns whether it was on before.

    Off while migrating, as Alembic's batch mode needs: it recreates a table (copy, DROP,
    rename), and with enforcement on, the DROP fails on a referenced table or, worse,
    cascades: dropping `shops` to drop one column deleted every shop's orders. The pragma
    is a no-op inside a transaction, hence the raw driver connection (autocommit mode,
    see app/__init__.py), before the migration's transaction begins and after it ends.
    """
    driver = connection.connection.driver_connection
    was_on = bool(driver.execute('PRAGMA foreign_keys').fetchone()[0])
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if bool(driver.execute('PRAGMA foreign_keys').fetchone()[0]) != on:
        raise RuntimeError('could not switch SQLite foreign keys (a transaction is open)')
    return was_on


def _check_sqlite_foreign_keys(connection):
    """With enforcement off, check by hand before committing (SQLite's own recipe for
    schema changes): a row pointing nowhere, or at a table already dropped, rolls the
    whole run back."""
    broken = connection.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
    if broken:
        described = ', '.join(f'{row[0]} row {row[1]} -> {row[2]}' for row in broken[:10])
        raise RuntimeError(f'migration broke {len(broken)} foreign key(s), rolled back: {described}')


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
