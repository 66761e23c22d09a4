"""Secrets out of access logs: the tokens some URLs carry are replaced by "[token]".

A private order link (/orders/<number>/<token>), a supplier invitation, an e-mail
confirmation link and a theme preview (?token=) each work for whoever holds the URL, and
access logs are read, shipped and kept by more people and systems than those links were
meant for. The gunicorn logger (gunicorn.conf.py) and a filter on the werkzeug and app
loggers (installed by create_app) both use `redact_tokens`.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[token]"

# A path segment that is a secret, after a prefix that starts the path: at the start of the
# text, after a space or quote (a request line), or after scheme://host (a Referer). A scheme
# starts where a run of scheme characters starts (the lookbehind): tried at every letter of
# a long cookie or token, `[a-z][a-z0-9+.-]*://` scanned the rest of the run each time, which
# made a 3,000-character cookie cost 68 ms of the access log's CPU per request.
_PATH_START = r"(?P<start>^|[\s\"'(]|(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://[^/\s\"']+)"
_SEGMENT = r"[^/?#\s\"']+"
# The paths whose next segment is a secret, and what comes between (an order's number).
_TOKEN_PATHS = {"/orders/": _SEGMENT + "/", "/supplier/invite/": "", "/verify-email/": ""}
_PATH_TOKENS = re.compile(
    _PATH_START + "(?P<prefix>" + "|".join(re.escape(path) + between for path, between in _TOKEN_PATHS.items())
    + ")" + _SEGMENT, re.IGNORECASE)
# Query-string secrets: ?token= (theme previews) and Stripe's ?session_id= on a return
# (also a bare query string, gunicorn's %(q)s).
_TOKEN_KEYS = ("token", "session_id")
_QUERY_TOKENS = re.compile(r"(?P<key>(?:^|[?&;])(?:" + "|".join(_TOKEN_KEYS) + r")=)[^&#\s\"']+", re.IGNORECASE)
# Every text that holds a token holds one of these (lower-cased): most atoms of a request
# (its headers, cookies, the user agent) hold none, and skip the regular expressions.
_NEEDLES = (*_TOKEN_PATHS, *(f"{key}=" for key in _TOKEN_KEYS))


def redact_tokens(text: str) -> str:
    """The text with every URL-borne token replaced by [token]."""
    if not text or not isinstance(text, str):
        return text
    lowered = text.lower()
    if not any(needle in lowered for needle in _NEEDLES):
        return text
    text = _PATH_TOKENS.sub(lambda m: m["start"] + m["prefix"] + REDACTED, text)
    return _QUERY_TOKENS.sub(lambda m: m["key"] + REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """Rewrites a record's message with the tokens redacted (its arguments folded in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# The development server's request lines, and Flask's "Exception on /path [GET]".
REDACTED_LOGGERS = ("werkzeug",)


def install_log_redaction(app_logger: logging.Logger) -> None:
    """Add the filter to the loggers that print request paths (once each)."""
    for logger in (*(logging.getLogger(name) for name in REDACTED_LOGGERS), app_logger):
        if not any(isinstance(f, RedactTokensFilter) for f in logger.filters):
            logger.addFilter(RedactTokensFilter())


def gunicorn_logger_class():
    """gunicorn's logger with every access-log atom (request line, path, query, Referer,
    headers) redacted; named by gunicorn.conf.py."""
    from gunicorn.glogging import Logger

    class RedactingLogger(Logger):
        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            return {key: redact_tokens(value) if isinstance(value, str) else value
                    for key, value in atoms.items()}

    return RedactingLogger
