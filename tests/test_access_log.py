"""Private-link tokens never reach the access logs (gunicorn's, werkzeug's, the app's)."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.access_log import RedactTokensFilter, gunicorn_logger_class, redact_tokens


@pytest.mark.parametrize("line, expected", [
    ('1.2.3.4 - - [x] "GET /orders/A1B2-C3/s3cr3tTok_en-x HTTP/1.1" 200 512',
     '1.2.3.4 - - [x] "GET /orders/A1B2-C3/[token] HTTP/1.1" 200 512'),
    ("POST /orders/1001/tok/cancel-payment HTTP/1.1", "POST /orders/1001/[token]/cancel-payment HTTP/1.1"),
    ("/orders/1001/tok?session_id=cs_test_123&x=1", "/orders/1001/[token]?session_id=[token]&x=1"),
    ("GET /supplier/invite/Zm9vYmFy_- HTTP/1.1", "GET /supplier/invite/[token] HTTP/1.1"),
    ("GET /verify-email/eyJ1c2VyIjoxfQ.ZxY.abc HTTP/1.1", "GET /verify-email/[token] HTTP/1.1"),
    ("GET /_preview?token=abc.def HTTP/1.1", "GET /_preview?token=[token] HTTP/1.1"),
    ('"https://mia.example.com/orders/1001/tok" "Mozilla"', '"https://mia.example.com/orders/1001/[token]" "Mozilla"'),
    # Paths that only look alike keep their ids: the dashboard's orders are not secrets.
    ("GET /dashboard/mia/orders/12/refund HTTP/1.1", "GET /dashboard/mia/orders/12/refund HTTP/1.1"),
    ("GET /orders HTTP/1.1", "GET /orders HTTP/1.1"),
    ("GET /search?q=token HTTP/1.1", "GET /search?q=token HTTP/1.1"),
])
def test_redact_tokens(line, expected):
    assert redact_tokens(line) == expected


def test_werkzeug_and_app_loggers_are_filtered(app):
    for logger in (logging.getLogger("werkzeug"), app.logger):
        assert sum(isinstance(f, RedactTokensFilter) for f in logger.filters) == 1  # once, however many apps


def test_the_filter_rewrites_a_werkzeug_request_line():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '%s - - [%s] "%s" %s %s', ("127.0.0.1", "now",
                                                          "GET /orders/1001/tok HTTP/1.1", "200", "-"), None)
    assert RedactTokensFilter().filter(record)
    assert record.getMessage() == '127.0.0.1 - - [now] "GET /orders/1001/[token] HTTP/1.1" 200 -'


def test_gunicorn_access_log_atoms_are_redacted():
    from gunicorn.config import Config

    logger = gunicorn_logger_class()(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/orders/1001/tok?session_id=cs_1",
               "PATH_INFO": "/orders/1001/tok", "QUERY_STRING": "session_id=cs_1",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": "https://shop.example/supplier/invite/abc"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", "https://shop.example/supplier/invite/abc")])
    atoms = logger.atoms(response, request, environ, timedelta(seconds=1))
    assert atoms["r"] == "GET /orders/1001/[token]?session_id=[token] HTTP/1.1"
    assert atoms["U"] == "/orders/1001/[token]" and atoms["q"] == "session_id=[token]"
    assert atoms["f"] == "https://shop.example/supplier/invite/[token]"
    assert atoms["{referer}i"] == "https://shop.example/supplier/invite/[token]"


def test_gunicorn_config_uses_the_redacting_logger():
    import runpy
    from pathlib import Path

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert settings["logger_class"].__name__ == "RedactingLogger" and settings["accesslog"] == "-"
    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    assert "gunicorn -c gunicorn.conf.py wsgi:app" in procfile


@pytest.mark.parametrize("text", [
    "s=" + "aB9" * 33_000,                                  # a long session cookie: no token in it
    "a" * 50_000 + " /orders/1/tok",                        # a token after a long run of scheme characters
    "a" * 50_000 + "://" + "h" * 50_000 + "/verify-email/x",
    "a" * 50_000 + "/orders/1/tok",                         # not a path's start: left alone
])
def test_long_header_values_take_linear_time(text):
    """Every request header goes through redact_tokens (gunicorn's atoms). A scheme tried at
    every letter of a run made it quadratic: 3,000 characters took 68 ms, these 100,000 about
    a minute. A ReDoS guard with a wide margin (linear takes about a millisecond), not a
    speed figure (those are in bench/)."""
    import time

    started = time.perf_counter()
    redacted = redact_tokens(text)
    assert time.perf_counter() - started < 2.0
    assert redacted.endswith("[token]") == (" /orders/" in text or "/verify-email/" in text)


def test_a_token_after_a_scheme_is_still_found_whatever_precedes_it():
    assert redact_tokens('Referer: "x-app+v1://host/orders/7/tok"') == 'Referer: "x-app+v1://host/orders/7/[token]"'
    assert redact_tokens("see HTTPS://Host/Verify-Email/abc") == "see HTTPS://Host/Verify-Email/[token]"
