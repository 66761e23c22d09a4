"""gunicorn settings for the Procfile's `web` process (`gunicorn -c gunicorn.conf.py`).

The access log goes to stdout in the combined format, with the tokens of private links
(order status, supplier invitation, e-mail confirmation, theme preview) replaced by
"[token]": see app/access_log.py.
"""

import os

from app.access_log import gunicorn_logger_class

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
logger_class = gunicorn_logger_class()


def post_worker_init(worker):
    """Move everything the app made while loading (modules, templates' machinery, the
    ORM's mappers: about 160,000 objects) out of the garbage collector's reach. A full
    collection walked them all, 40-50 ms in the middle of some request: the p99 of pages
    that otherwise take a millisecond. Requests' own garbage is collected as before."""
    import gc

    gc.collect()
    gc.freeze()
