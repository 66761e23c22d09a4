"""Browser tests: a live server in a thread and Debian's Chromium driven by Playwright.

The live app has its own SQLite file (browser tests exercise pages, not the database) and
SERVER_NAME localhost:<port>, so storefronts are at http://<shop>.localhost:<port>/
(Chromium resolves *.localhost to the loopback address itself).
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests import markup_checks
from tests.conftest import test_config

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def _chromium() -> str | None:
    for path in (os.environ.get("CHROMIUM_PATH"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if path and os.path.exists(path):
            return path
    return None


@pytest.fixture(scope="session")
def chromium_path():
    path = _chromium()
    if path is None:
        if os.environ.get("FLAGSHIP_REQUIRE_BROWSER"):
            pytest.fail("FLAGSHIP_REQUIRE_BROWSER is set but no Chromium was found")
        pytest.skip("no Chromium found (apt-get install chromium); browser tests skipped")
    return path


class LiveServer:
    running: list[LiveServer] = []

    def __init__(self, app, port: int, markup_problems: list[str]):
        self.app, self.port = app, port
        self.markup_problems = markup_problems  # pages wired wrong (markup_checks)
        LiveServer.running.append(self)

    def platform(self, path: str = "/") -> str:
        return f"http://localhost:{self.port}{path}"

    def shop(self, subdomain: str, path: str = "/") -> str:
        return f"http://{subdomain}.localhost:{self.port}{path}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    db_file = tmp_path_factory.mktemp("live") / "live.sqlite3"
    server = make_server("127.0.0.1", 0, None, threaded=True)  # pick a free port first
    port = server.server_port
    server.server_close()
    app = create_app(test_config(f"sqlite:///{db_file}", SERVER_NAME=f"localhost:{port}",
                                 WTF_CSRF_ENABLED=True, TESTING=False))
    markup_problems: list[str] = []
    markup_checks.install(app, markup_problems)
    with app.app_context():
        upgrade()
        from app.demo import load_demo

        load_demo(if_empty=False)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, port, markup_problems)
    server.shutdown()


@pytest.fixture(autouse=True)
def _pages_ids_add_up():
    """Every page a live server drew during a browser test ties its labels and errors to ids
    it holds (markup_checks); one that does not fails the test."""
    yield
    found = []
    for live in LiveServer.running:
        found += live.markup_problems
        live.markup_problems.clear()
    assert not found, "\n".join(found)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"],
        )
        yield browser
        browser.close()


# Every Content-Security-Policy violation on a page, as a console message the tests collect
# (page.csp_violations): the policy must never block one of our own scripts or styles.
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", function (e) {
  console.warn("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
               + " in " + e.sourceFile + ":" + e.lineNumber);
}, true);"""


def watch_csp(context, page) -> None:
    context.add_init_script(CSP_LISTENER)
    page.csp_violations = []
    page.on("console", lambda msg: page.csp_violations.append(msg.text)
            if msg.text.startswith("CSP violation") or "Content Security Policy" in msg.text else None)


# Where each heading and paragraph of the first screen starts, page-relative (those shown).
FIRST_SCREEN_TOPS = """(screen) => Array.from(document.querySelectorAll("main h1, main h2, main h3, main p"))
  .filter(e => e.getClientRects().length)
  .map(e => [e.tagName + " " + (e.textContent || "").trim().slice(0, 40), Math.round(e.getBoundingClientRect().top + scrollY)])
  .filter(([, top]) => top < screen)"""


def moved_once_drawn(browser, url: str, width: int = 390, height: int = 844) -> list:
    """What on the first screen is somewhere else once the scripts have run and the pictures
    have come than where the bare HTML and CSS put it: what a visitor on a slow phone sees
    jump (Core Web Vitals' layout shift). Timing does not enter into it: the page is drawn
    once without scripts or pictures, once with them."""
    tops = []
    for scripts in (False, True):
        context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=scripts)
        page = context.new_page()
        if not scripts:
            page.route("**/*", lambda route: route.abort() if route.request.resource_type == "image" else route.continue_())
        page.goto(url)
        page.wait_for_timeout(300 if scripts else 0)  # a countdown's first tick, say
        tops.append(page.evaluate(FIRST_SCREEN_TOPS, height))
        context.close()
    bare, drawn = tops
    # (a script may change a text, "From $2.75" to the chosen option's "$2.75": only places count)
    return [(before, after) for before, after in zip(bare, drawn, strict=False) if before[1] != after[1]] + (
        [("count", len(bare), len(drawn))] if len(bare) != len(drawn) else [])


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    watch_csp(context, page)
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    page.on("response", lambda r: page.console_errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    yield page
    context.close()
