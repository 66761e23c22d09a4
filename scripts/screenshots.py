"""Take the README's tour screenshots in headless Chromium: `python scripts/screenshots.py`.

Starts the app on a throw-away SQLite database with the demo data, opens each page as the
right user at desktop and phone widths, and writes PNGs to docs/screenshots/.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.demo import ADMIN_EMAIL, ADMIN_PASSWORD, OWNER_PASSWORD, load_demo  # noqa: E402
from app.extensions import db  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# (file name, who, path on which host, phone?)
SHOTS = [
    ("platform-home", None, ("platform", "/"), False),
    ("storefront-mia", None, ("mia", "/"), False),
    ("storefront-maple-phone", None, ("maple", "/"), True),
    ("product-phone", None, ("mia", "/products/the-perfect-organic-tee"), True),
    ("dashboard-home", "mia@flagship.example", ("platform", "/dashboard/mia/"), False),
    ("dashboard-catalog", "mia@flagship.example", ("platform", "/dashboard/mia/catalog"), False),
    ("dashboard-orders", "mia@flagship.example", ("platform", "/dashboard/mia/orders"), False),
    ("admin-suppliers", ADMIN_EMAIL, ("platform", "/admin/suppliers"), False),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp())
    server = make_server("127.0.0.1", 0, None)
    port = server.server_port
    server.server_close()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'shots.sqlite3'}",
                      "SERVER_NAME": f"localhost:{port}", "SECRET_KEY": "screenshots",
                      "REDIS_URL": "", "JOBS_INLINE": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(host: str, path: str) -> str:
        return f"http://{'' if host == 'platform' else host + '.'}localhost:{port}{path}"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"])
        for name, user, (host, path), phone in SHOTS:
            viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            if user:
                page.goto(url("platform", "/login"))
                page.get_by_label("Email").fill(user)
                page.get_by_label("Password").fill(ADMIN_PASSWORD if user == ADMIN_EMAIL else OWNER_PASSWORD)
                page.get_by_role("button", name="Log in").click()
            page.goto(url(host, path))
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
            context.close()
            print("wrote", OUT / f"{name}.png")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
