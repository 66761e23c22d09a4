"""When a web worker collects garbage: after a response, not in the middle of a request.

A rendered page leaves objects in reference cycles, which only the collector frees: the
template macros and the contexts they were defined in; about 800 on the 100-listing home
(3,900 before `rendering._render` emptied the page's contexts and `exchange.priced_in`
stopped linking each priced variant back to its product).
CPython's collector runs when 700 new objects are counted, so a page was paused several
times while its own live objects were walked and promoted, and every few dozen pages by a
full collection walking every long-lived object (10-30 ms even with `freeze`): the p99 of
whichever page it landed in.

Once a response is sent, the young objects are that garbage and nothing else, so a
collection there frees them in one walk. The collector's own threshold stays as a safety
net for a request that makes an unusual number of objects (a big export).
"""

from __future__ import annotations

import gc

# The collector's own threshold for new objects: only a request making this many is
# collected in the middle of itself.
IN_REQUEST = 200_000
# After a response: collect once this many new objects were counted since the last
# collection (the 100-listing home counts about 4,000, a stored page a few dozen).
BETWEEN_REQUESTS = 10_000
# Of the collections after responses: every 10th takes the middle generation too, every
# 100th is full (objects that outlived a request, then died: evicted cache entries), the
# ratios of CPython's own schedule.
MIDDLE_EVERY = 10
FULL_EVERY = 100

_collections = 0


def after_loading() -> None:
    """Once the app is loaded: move what loading made (modules, the ORM's configured
    mappers, the templates' machinery: about 180,000 objects) out of the collector's reach,
    and keep the collector out of requests."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(IN_REQUEST, *gc.get_threshold()[1:])


def after_response() -> None:
    global _collections
    if gc.get_count()[0] < BETWEEN_REQUESTS:
        return
    _collections += 1
    if _collections % FULL_EVERY == 0:
        gc.collect(2)
    elif _collections % MIDDLE_EVERY == 0:
        gc.collect(1)
    else:
        gc.collect(0)
