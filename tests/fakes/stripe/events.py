"""Listing events: a part of the fake Stripe (see server.py)."""

from __future__ import annotations

import fnmatch
from typing import Any

from .forms import _Params
from .records import _Ctx


class EventResources:
    """Listing events (a part of FakeStripe)."""

    def _api_list_events(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("limit", "starting_after", "ending_before", "expand", "type", "types", "created", "delivery_success")
        event_type = p.str("type")
        types = p.list("types")
        p.bool("delivery_success")
        created = p.created_filter()
        events = [
            e
            for e in self._of_type("event")
            if (event_type is None or fnmatch.fnmatchcase(e["type"], event_type))
            and (not types or e["type"] in types)
            and created(e["created"])
        ]
        return self._list(events, "/v1/events", p, "event")
