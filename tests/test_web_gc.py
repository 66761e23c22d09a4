"""Web workers collect garbage between requests, not in the middle of one (app/web_gc.py,
wired into gunicorn.conf.py, which the Procfile's web process uses)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from app import web_gc

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def probe():
    """gunicorn with the Procfile's settings, serving tests/web_gc_probe (one worker)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1"}
    process = subprocess.Popen([gunicorn, "-c", "gunicorn.conf.py", "tests.web_gc_probe.app:app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/stats", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    try:
        yield lambda path: urllib.request.urlopen(base + path, timeout=30).read()
    finally:
        os.killpg(process.pid, 15)
        process.wait(20)


def _stats(get) -> dict:
    return json.loads(get("/stats"))


def test_a_worker_collects_requests_garbage_after_them_and_never_inside_one(probe):
    before = _stats(probe)
    assert before["threshold"] == web_gc.IN_REQUEST
    assert before["frozen"] > 10_000  # what loading made is out of the collector's reach

    for _ in range(60):  # 2,000 new objects each, in reference cycles: 120,000 in all
        probe("/make?1000")
    after = _stats(probe)

    assert after["in_request"] == before["in_request"]  # no request was paused to collect
    assert after["between"] - before["between"] >= 60 * 2_000 // web_gc.BETWEEN_REQUESTS - 1
    assert after["alive"] <= web_gc.BETWEEN_REQUESTS  # the cycles are freed: at most the last few requests'


def test_a_request_making_an_unusual_number_of_objects_is_still_collected_inside(probe):
    before = _stats(probe)
    probe(f"/make?{web_gc.IN_REQUEST}")  # twice the threshold's objects within one request
    after = _stats(probe)
    assert after["in_request"] > before["in_request"]
    assert after["alive"] <= web_gc.BETWEEN_REQUESTS


def test_the_procfile_config_wires_the_hooks(monkeypatch):
    """post_worker_init freezes what loading made and keeps the collector out of requests;
    post_request collects. (The probe above shows it in a real worker.)"""
    import gc
    import runpy

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    threshold = gc.get_threshold()
    try:
        settings["post_worker_init"](SimpleNamespace())
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold()[0] == web_gc.IN_REQUEST
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    called = []
    monkeypatch.setattr(web_gc, "after_response", lambda: called.append(True))
    settings["post_request"](SimpleNamespace(), None, {}, None)
    assert called == [True]


def test_collections_after_responses_are_young_mostly_and_full_now_and_then(monkeypatch):
    made = []
    monkeypatch.setattr(web_gc, "gc", SimpleNamespace(get_count=lambda: (web_gc.BETWEEN_REQUESTS, 0, 0),
                                                      collect=made.append))
    monkeypatch.setattr(web_gc, "_collections", 0)
    for _ in range(web_gc.FULL_EVERY):
        web_gc.after_response()
    assert made.count(2) == 1 and made[-1] == 2
    assert made.count(1) == web_gc.FULL_EVERY // web_gc.MIDDLE_EVERY - 1
    assert made.count(0) == len(made) - made.count(1) - 1


def test_a_quiet_worker_does_not_collect(monkeypatch):
    made = []
    monkeypatch.setattr(web_gc, "gc", SimpleNamespace(get_count=lambda: (web_gc.BETWEEN_REQUESTS - 1, 0, 0),
                                                      collect=made.append))
    web_gc.after_response()
    assert made == []
