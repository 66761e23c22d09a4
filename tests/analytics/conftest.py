import pytest

from app.analytics.counting import MemoryVisitStore, visit_counter


@pytest.fixture(autouse=True)
def fresh_counter(app, monkeypatch):
    """Each test starts with an empty in-process store (the app lives for the session)."""
    counter = visit_counter(app)
    monkeypatch.setattr(counter, "store", MemoryVisitStore())
    monkeypatch.setattr(counter, "hosts", type(counter.hosts)())
    return counter
