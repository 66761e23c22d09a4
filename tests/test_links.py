"""No dead links: crawl every page reachable by GET from each entry point, as each kind of
user, on the demo data, and fail on any link that does not answer 200 (after redirects).
The visitors' crawl also fails on an image whose alt text repeats its link's text."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from app.demo import ADMIN_EMAIL, ADMIN_PASSWORD, OWNER_PASSWORD, load_demo
from tests.conftest import PLATFORM

# Links and embedded resources; form actions are POST targets, exercised by their own tests.
HREF = re.compile(r'(?:href|src)="([^"#]*)"')
MAX_PAGES = 600


def _visit_key(url: str) -> str:
    """A language switch answers alike on every page (it redirects back to `next`): visited
    once per host and language, not once per page, so it cannot crowd out real pages."""
    parts = urlsplit(url)
    if parts.path.endswith("/language"):
        return f"{parts.netloc}/language?to={parse_qs(parts.query).get('to', [''])[0]}"
    return url


def _crawl(app, start_urls: list[str], login: tuple[str, str] | None = None,
           on_page: Callable[[str, str], None] = lambda url, html: None, language: str | None = None) -> dict[str, int]:
    """GET every same-site URL reachable from the start URLs (each HTML page is handed to
    `on_page`), in `language` when given (its cookie, as the switcher sets it). Returns
    {url: status}."""
    clients = {}

    def client_for(host: str):
        if host not in clients:
            clients[host] = app.test_client()
            # The dashboard's "Preview" link redirects to the shop's own host.
            clients[host].allow_subdomain_redirects = True
            if language:
                clients[host].set_cookie("lang", language, domain=host)
            if login and host == PLATFORM:
                with app.app_context():
                    response = clients[host].post("/login", base_url=f"http://{PLATFORM}",
                                                  data={"email": login[0], "password": login[1]})
                assert response.status_code == 302
        return clients[host]

    seen: dict[str, int] = {}
    queue = deque(start_urls)
    while queue:
        url = queue.popleft()
        if _visit_key(url) in seen:
            continue
        # Stopping early would pass with pages never opened: a cap reached is a failure.
        assert len(seen) < MAX_PAGES, f"more than {MAX_PAGES} pages to crawl: {url} and {len(queue)} more"
        parts = urlsplit(url)
        host = parts.netloc
        if not host.endswith(PLATFORM) or "/logout" in parts.path:
            continue
        with app.app_context():
            response = client_for(host).get(
                parts.path + (f"?{parts.query}" if parts.query else ""),
                base_url=f"http://{host}", follow_redirects=True)
        seen[_visit_key(url)] = response.status_code
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        html = response.get_data(as_text=True)
        on_page(url, html)
        for link in HREF.findall(html):
            if not link or link.startswith(("mailto:", "tel:", "javascript:", "data:")):
                continue
            absolute = urljoin(response.request.url, link.replace("&amp;", "&"))
            if urlsplit(absolute).netloc.endswith(PLATFORM) and _visit_key(absolute) not in seen:
                queue.append(absolute)
    return seen


@pytest.fixture
def demo(app):
    load_demo(if_empty=False)


def _assert_no_dead_links(seen: dict[str, int]) -> None:
    dead = {url: status for url, status in seen.items() if status != 200}
    assert len(seen) > 5
    assert not dead, dead


class _RepeatedAlts(HTMLParser):
    """Images whose alt text is the very text of the link or button they are in: a screen
    reader reads it twice (Lighthouse's "image-redundant-alt"); the image's alt should be ""."""

    def __init__(self):
        super().__init__()
        self.open: list[dict] = []  # the links and buttons the parser is inside
        self.repeated: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "button"):
            self.open.append({"text": [], "alts": []})
        elif tag == "img" and self.open and (alt := dict(attrs).get("alt")):
            self.open[-1]["alts"].append(alt)

    def handle_data(self, data):
        for element in self.open:
            element["text"].append(data)

    def handle_endtag(self, tag):
        if tag in ("a", "button") and self.open:
            element = self.open.pop()
            text = " ".join("".join(element["text"]).split()).casefold()
            self.repeated += [alt for alt in element["alts"] if " ".join(alt.split()).casefold() == text]


def test_no_dead_links_for_visitors_and_shoppers(app, demo):
    repeated = {}

    def check_alts(url: str, html: str) -> None:
        parser = _RepeatedAlts()
        parser.feed(html)
        if parser.repeated:
            repeated[url] = parser.repeated

    seen = _crawl(app, [f"http://{PLATFORM}/", f"http://mia.{PLATFORM}/",
                        f"http://nora.{PLATFORM}/", f"http://maple.{PLATFORM}/"], on_page=check_alts)
    _assert_no_dead_links(seen)
    assert repeated == {}


# Each demo shop shows other parts: mia's orders and referrals, maple's group buy, pre-sale,
# weekly deal and pickup points, lin's Chinese shop.
@pytest.mark.parametrize("owner", ["mia@flagship.example", "maple@flagship.example", "lin@flagship.example"])
def test_no_dead_links_for_a_shop_owner(app, demo, owner):
    seen = _crawl(app, [f"http://{PLATFORM}/dashboard/"], login=(owner, OWNER_PASSWORD))
    _assert_no_dead_links(seen)


def test_no_dead_links_for_the_admin(app, demo):
    seen = _crawl(app, [f"http://{PLATFORM}/admin/"], login=(ADMIN_EMAIL, ADMIN_PASSWORD))
    _assert_no_dead_links(seen)
