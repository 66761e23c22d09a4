"""gunicorn settings for the Procfile's `web` process (`gunicorn -c gunicorn.conf.py`).

The access log goes to stdout in the combined format, with the tokens of private links
(order status, supplier invitation, e-mail confirmation, theme preview) replaced by
"[token]": see app/access_log.py.
"""

import os

from app import web_gc
from app.access_log import gunicorn_logger_class

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
logger_class = gunicorn_logger_class()


# The garbage collector runs after responses, not inside requests: see app/web_gc.py.
def post_worker_init(worker):
    web_gc.after_loading()


def post_request(worker, req, environ, resp):
    web_gc.after_response()
