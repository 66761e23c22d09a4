"""A WSGI app for tests/test_web_gc.py, served by gunicorn with the Procfile's gunicorn.conf.py.

Each request makes reference cycles the way a rendered page does (ORM states, template
macros): garbage only the collector frees. `/stats` tells what the collector did, and
when: inside a request or between them.
"""

import gc
import json
import weakref


class Node:
    pass


_alive = weakref.WeakSet()
_in_request = False
_collections = {"in_request": 0, "between": 0}


def _count(phase, info):
    if phase == "stop":
        _collections["in_request" if _in_request else "between"] += 1


gc.callbacks.append(_count)


def app(environ, start_response):
    global _in_request
    _in_request = True
    try:
        if environ["PATH_INFO"] == "/stats":
            body = json.dumps({**_collections, "alive": len(_alive), "frozen": gc.get_freeze_count(),
                               "threshold": gc.get_threshold()[0]}).encode()
        else:
            for _ in range(int(environ.get("QUERY_STRING") or 1000)):
                node = Node()
                node.me = node  # a cycle
                _alive.add(node)
            body = b"made"
    finally:
        _in_request = False
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
