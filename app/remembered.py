"""Answers a web process reads once and keeps until what they depend on changes.

Some reads are the same on every request until an owner or an admin changes something: a
shop's published theme settings, its canonical domain, whether its owner confirmed their
address, its menu; the suppliers a catalog filter lists. They cost a query each (and the
Python to turn rows into values) on every rendered page. `remembered` keeps such an answer
in this process under the same *generations* the page cache stores whole pages under
(app/storefront/page_cache.py): every committed change to a shop's rows that its pages
read (`SHOWN`) moves its generation, every change to the shared catalog or to who may open
a shop moves the platform's. So a kept answer must read only those tables (a shop's orders,
say, move nothing), and is then used only while nothing it depends on has changed, and
for `PAGE_CACHE_SECONDS` at most; the generations are read *before* the answer is made, so
a change committed meanwhile is never hidden behind it.

Kept answers are plain values (strings, tuples, dataclasses of them): never rows of a
database session, which belong to one request. With the page cache off (`PAGE_CACHE_SECONDS`
0, debug mode, Redis unreachable) every call makes its answer afresh.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

from .change_notes import EVERY_SHOP

T = TypeVar("T")
EXTENSION = "remembered"
GRIDS = "remembered_grids"  # rendered product grids: bigger answers, a keeper of their own
GRIDS_KEPT = 300  # a 60-card grid is about 30 KB of HTML


class Remembered:
    """The kept answers of one app (an LRU of `most` entries, each kept `seconds` at most)."""

    def __init__(self, generations, seconds: int, most: int):
        self.generations = generations  # app.storefront.page_cache.Generations
        self.seconds = seconds
        self.most = most
        self.answers: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, name: str, make: Callable[[], T], shop_id: int | None, parts: tuple[Hashable, ...]) -> T:
        if self.seconds <= 0 or current_app.debug:
            return make()
        keys = (str(shop_id), EVERY_SHOP) if shop_id is not None else (EVERY_SHOP,)
        generations = self.generations.read_keys(keys)
        if generations is None:  # Redis unreachable: nothing is known to be current
            return make()
        key = (name, shop_id, parts, generations)
        now = time.monotonic()
        with self.lock:
            found = self.answers.get(key)
            if found is not None and found[0] >= now:
                self.answers.move_to_end(key)
                return found[1]  # type: ignore[return-value]
        answer = make()
        with self.lock:
            self.answers[key] = (now + self.seconds, answer)
            while len(self.answers) > self.most:
                self.answers.popitem(last=False)
        return answer


def remembered(name: str, make: Callable[[], T], *, shop_id: int | None = None,
               parts: tuple[Hashable, ...] = (), store: str = EXTENSION) -> T:
    """`make()`, or the answer it gave before in this process if nothing it reads has changed
    since: the shop `shop_id`'s rows or the platform's (shop_id None: the platform's alone).
    `parts` is what else the answer depends on (a currency, the shopper's language).
    `store`: which keeper's LRU holds it (GRIDS for rendered product grids)."""
    keeper: Remembered | None = current_app.extensions.get(store)
    if keeper is None:
        return make()
    return keeper.get(name, make, shop_id, parts)
