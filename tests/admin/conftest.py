"""Admin test helpers: a platform admin logged in on the platform host."""

from __future__ import annotations

import pytest

from tests.factories import make_user


@pytest.fixture
def admin(login):
    """The platform client, logged in as a platform admin."""
    return login(make_user("boss@flagship.example", is_admin=True))


def page_text(response) -> str:
    return response.get_data(as_text=True)
