"""Flask CLI commands: `flask --app wsgi create-admin EMAIL`, `flask --app wsgi demo`."""

from __future__ import annotations

import click
from flask import current_app

from app.errors import DomainError
from app.extensions import db


def register_cli(app) -> None:
    from app.tenancy import citus

    citus.register(app)

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.password_option(help="prompted for when not given")
    def create_admin(email: str, password: str) -> None:
        """Create a platform admin (or promote an existing user)."""
        from app.accounts.services import make_admin

        try:
            user = make_admin(email, password)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"{user.email} is a platform admin. Log in at "
                   f"{current_app.config['PREFERRED_URL_SCHEME']}://{current_app.config['SERVER_NAME']}/login")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="do nothing when the database has data")
    def demo(if_empty: bool) -> None:
        """Load demo suppliers, products, shops and orders, and print the demo logins."""
        from app.demo import load_demo, print_logins

        try:
            created = load_demo(if_empty=if_empty)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
        if created:
            db.session.commit()
        print_logins()
