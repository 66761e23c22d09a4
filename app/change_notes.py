"""What a transaction changed that stored pages show: noted on the session, acted on after
its commit (app/storefront/page_cache.py moves the generations then; a rollback forgets).

Flushed rows and ORM statements are noted by the page cache itself. Code that writes past
the ORM (the catalog sync's COPY into the supply tables) notes its change here, from any
layer, without knowing about the cache.
"""

from __future__ import annotations

PENDING = "flagship_page_generations"  # session.info key: the generations to move
EVERY_SHOP = "all"  # the shared catalog, or anything every shop's pages show


def note(session, key) -> None:
    """After this session commits, pages under `key` (a shop id, or EVERY_SHOP) are stale."""
    session.info.setdefault(PENDING, set()).add(str(key))
