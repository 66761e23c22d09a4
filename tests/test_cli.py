from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db


def test_create_admin_prompts_for_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "boss@example.com"],
                           input="a long admin password\na long admin password\n")
    assert result.exit_code == 0, result.output
    assert "boss@example.com is a platform admin" in result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.is_admin and user.password_hash.startswith("$argon2id$")


def test_create_admin_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "boss@example.com"],
                                          input="short\nshort\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert db.session.scalar(select(User)) is None
