"""Flask CLI commands: `flask --app wsgi create-admin EMAIL`, `flask --app wsgi demo`."""

from __future__ import annotations

import click
from flask import current_app

from app.errors import DomainError
from app.extensions import db


def register_cli(app) -> None:
    from app.tenancy import citus

    citus.register(app)
    _register_i18n(app)

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


def _register_i18n(app) -> None:
    from app import i18n_catalog

    @app.cli.group("i18n")
    def i18n_group() -> None:
        """Translations: extract marked strings, list the untranslated, compile the catalogs."""

    @i18n_group.command("extract")
    def extract() -> None:
        """Write app/translations/messages.pot from every marked string."""
        click.echo(f"wrote {i18n_catalog.write_template()}")

    @i18n_group.command("missing")
    @click.argument("under", default="")
    @click.option("--language", default="zh", show_default=True)
    def missing(under: str, language: str) -> None:
        """Print the untranslated strings used under a path (app/templates/admin, themes, ...)
        as .po entries to fill in and add to a part."""
        click.echo(i18n_catalog.missing_as_po(language, under))

    @i18n_group.command("compile")
    def compile_() -> None:
        """Merge the parts of every language into the messages.mo Flask-Babel reads."""
        for language in i18n_catalog.TARGET_LANGUAGES:
            _, problems = i18n_catalog.merged(language)
            for problem in problems:
                click.echo(f"warning: {problem}", err=True)
        for path in i18n_catalog.compile_all():
            click.echo(f"wrote {path}")

    @i18n_group.command("unused")
    @click.option("--language", default="zh", show_default=True)
    @click.option("--prune", is_flag=True, help="Remove them from the parts.")
    def unused(language: str, prune: bool) -> None:
        """List (or remove) the entries of the parts that no code asks for any more."""
        stale = i18n_catalog.unused(language)
        for area, keys in stale.items():
            for message_id, context in keys:
                click.echo(f"{area}.po: {message_id!r}" + (f" (context {context!r})" if context else ""))
        if prune and stale:
            click.echo(f"removed {i18n_catalog.prune(language, stale)} entries; now run `flask i18n compile`")

    @i18n_group.command("check")
    @click.argument("under", default="")
    def check(under: str) -> None:
        """Exit non-zero if a marked string under a path is untranslated or loses a placeholder."""
        problems = [p for language in i18n_catalog.TARGET_LANGUAGES
                    for p in i18n_catalog.problems(language, under)]
        for problem in problems:
            click.echo(problem)
        if problems:
            raise click.ClickException(f"{len(problems)} translation problems")
        click.echo("every marked string is translated")
