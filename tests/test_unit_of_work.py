"""One unit of work per request (app/unit_of_work.py): views never commit or roll back by
hand; the request commits on success and rolls back on a refusal, an error answer or an
exception."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Response
from sqlalchemy import select

from app.accounts.models import User
from app.errors import DomainError
from app.extensions import db
from app.unit_of_work import finish, refuse
from tests.factories import make_user

APP = Path(__file__).resolve().parent.parent / "app"
PAGES = ("storefront", "dashboard", "admin", "supplier", "platform")


def _page_modules() -> list[Path]:
    modules = [p for package in PAGES for p in (APP / package).glob("*.py")]
    modules += list((APP / "accounts").glob("*views.py"))
    return modules + [APP / "web.py", APP / "payout_onboarding.py"]


def _hand_made_transactions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
                and ast.unparse(node.func.value) == "db.session"):
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    return found


def test_no_view_commits_or_rolls_back_by_hand():
    modules = _page_modules()
    assert len(modules) > 30  # the scan sees the views
    found = [hit for path in modules for hit in _hand_made_transactions(path)]
    assert found == []


def _queries(path: Path) -> list[str]:
    """Database reads written in a module: `select(...)`, `db.session.<anything>`, `db.paginate`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("select", "db.select", "db.paginate") or name.startswith("db.session."):
                found.append(f"{path.name}:{node.lineno} {name}")
    return found


def test_views_hold_no_queries():
    """Queries live in the domain packages (and admin/queries.py, supplier/services.py, the
    back offices' read models); views call them."""
    allowed = {APP / "admin" / "queries.py", APP / "supplier" / "services.py"}
    found = [hit for path in _page_modules() if path not in allowed for hit in _queries(path)]
    assert found == []


def test_the_scan_finds_a_hand_made_commit(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def view():\n    db.session.scalar(select(X))\n    db.session.commit()\n")
    assert len(_hand_made_transactions(sample)) == 1
    assert len(_queries(sample)) == 3


def _user(email: str):
    return db.session.scalar(select(User).where(User.email == email))


@pytest.mark.parametrize("status, kept", [(200, True), (302, True), (303, True), (404, False),
                                          (422, False), (500, False)])
def test_the_answer_decides_whether_the_request_commits(app, status, kept):
    with app.test_request_context("/"):
        make_user("unit@example.com")
        finish(Response(status=status))
        assert (_user("unit@example.com") is not None) is kept


@pytest.mark.parametrize("method, expired", [("GET", False), ("HEAD", False), ("POST", True)])
def test_a_read_pages_commit_leaves_its_rows_loaded(app, method, expired):
    """A page that was read commits without expiring what it loaded (nothing after reads it
    for newer values); a form's answer expires them as SQLAlchemy does."""
    from sqlalchemy import inspect

    with app.test_request_context("/", method=method):
        user = make_user("loaded@example.com")
        assert not inspect(user).expired
        finish(Response(status=200))
        assert inspect(user).expired is expired
        assert _user("loaded@example.com") is not None  # committed either way


def test_a_refusal_rolls_back_at_once_and_nothing_later_commits(app):
    with app.test_request_context("/"):
        make_user("before@example.com")
        assert refuse(DomainError("No.")).message == "No."
        assert _user("before@example.com") is None  # rolled back now, before the page renders
        make_user("after@example.com")
        finish(Response(status=200))
        assert _user("after@example.com") is None


def test_a_refused_form_writes_nothing_it_began(shop_a, login):
    """The profile is saved first, then the guardrail refused: the name must not change."""
    from app.shops.models import Shop
    from app.tenancy import unscoped

    owner = login(shop_a.owner)
    page = owner.post("/dashboard/alpha/settings", data={
        "name": "Half written", "bio": "", "price_change_tolerance": "10", "margin_floor": "95"})
    assert page.status_code == 422
    with unscoped():
        shop = db.session.scalar(select(Shop).where(Shop.id == shop_a.shop.id)
                                 .execution_options(populate_existing=True))
    assert shop.name != "Half written"
