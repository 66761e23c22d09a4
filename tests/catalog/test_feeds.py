"""Reading feeds (CSV with a column mapping, JSON arrays, JSON Lines) and fetching them
over HTTP from a local server, with the size limit and the timeout."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app import netguard
from app.catalog.feeds import (
    ByteCounter,
    FeedError,
    FeedSettings,
    fetch_feed,
    parse_mapping,
    read_rows,
    save_feed_settings,
)
from app.catalog.feeds_models import SupplierFeed
from app.catalog.models import SupplyProduct
from app.errors import DomainError
from app.extensions import db
from tests.catalog.feed_helpers import feed_csv, feeds_dir, sync_now
from tests.factories import make_product, make_supplier

__all__ = ["feeds_dir"]

RECORD = {"product_code": "MUG", "title": "Stoneware Mug", "category": "home", "sku": "MUG-1",
          "options": {"colour": "Blue"}, "wholesale_price": 8.5, "min_retail_price": "12.00", "stock": 10}


def rows(data: str | bytes, fmt: str, mapping=None):
    data = data.encode() if isinstance(data, str) else data
    return list(read_rows(ByteCounter(io.BytesIO(data)), fmt, mapping))


def test_csv_rows_with_a_column_mapping():
    text = ("Code,Name,Kind,Item,Cost,RRP,Qty\n"
            "MUG,Stoneware Mug,home,MUG-1,8.50,12.00,10\n"
            "\n"
            "MUG,,,MUG-2,8.50,12.00,3\n")
    mapping = parse_mapping("product_code=Code\ntitle=Name\ncategory=Kind\nsku=Item\n"
                            "wholesale_price=Cost\nmin_retail_price=RRP\nstock=Qty")
    found = rows(text, "csv", mapping)
    assert [row.line for row in found] == [2, 4]
    assert found[0].fields["title"] == "Stoneware Mug" and found[1].sku == "MUG-2"
    assert found[0].fields["wholesale_price"] == "8.50"


def test_csv_line_numbers_count_the_lines_inside_quoted_values_and_blank_rows():
    text = ("product_code,title,description,category,sku,wholesale_price,min_retail_price,stock\n"
            'MUG,Mug,"Two\nlines\r\nthree",home,MUG-1,8.50,12.00,10\n'
            ",,,,,,,\n"
            "\n"
            "MUG,,,,MUG-2,8.50,12.00\n")
    found = rows(text, "csv")
    assert [row.line for row in found] == [2, 7]
    assert found[0].fields["description"] == "Two\nlines\r\nthree" and found[1].problem


def test_csv_without_required_columns_is_refused():
    with pytest.raises(FeedError, match="lacks the column"):
        rows("Code,Name\nA,B\n", "csv")


def test_csv_row_with_too_many_values_is_a_row_problem():
    found = rows(feed_csv("A,T,,home,A-1,,1,50,2.00,3,"), "csv")
    assert found[0].problem and found[0].line == 2 and found[0].sku == "A-1"


def test_json_array_streamed_with_line_numbers():
    second = dict(RECORD, sku="MUG-2", options={"colour": "Red"})
    text = "[\n  " + json.dumps(RECORD) + ",\n\n  " + json.dumps(second) + "\n]\n"
    found = rows(text, "json")
    assert [row.line for row in found] == [2, 4]
    assert found[0].fields["options"] == "colour=Blue" and found[0].fields["wholesale_price"] == "8.5"


def test_json_array_larger_than_a_chunk():
    records = [dict(RECORD, sku=f"MUG-{i}", title="x" * 200) for i in range(2000)]
    found = rows(json.dumps(records, indent=1), "json")
    assert len(found) == 2000 and found[-1].sku == "MUG-1999"


def test_json_lines_with_a_bad_line():
    text = json.dumps(RECORD) + "\n{not json}\n" + json.dumps([1]) + "\n" + json.dumps(dict(RECORD, sku="B")) + "\n"
    found = rows(text, "json")
    assert [(row.line, bool(row.problem)) for row in found] == [(1, False), (2, True), (3, True), (4, False)]


@pytest.mark.parametrize("text, message", [
    ("[" + json.dumps(RECORD) + ", {\"broken\": ", "not valid"),
    ("[" + json.dumps(RECORD) + " " + json.dumps(RECORD) + "]", "expected"),
    ("[" + json.dumps(RECORD) + "] extra", "after the JSON array"),
    ('"just a string"', "not JSON"),
    ('[{"title": "no code"}]', r"lacks the fields product_code"),
])
def test_broken_json_is_refused(text, message):
    with pytest.raises(FeedError, match=message):
        rows(text, "json")


def test_json_feed_set_to_csv_is_refused():
    with pytest.raises(FeedError, match="looks like JSON"):
        rows(json.dumps([RECORD]), "csv")


def test_json_feeds_sync(feeds_dir):
    from tests.catalog.feed_helpers import upload_feed

    supplier = make_supplier()
    upload_feed(supplier, "\n".join(json.dumps(dict(RECORD, sku=f"MUG-{c}", options={"colour": c}))
                                    for c in ("Blue", "Red")) + "\n", fmt="json")
    run, result = sync_now(supplier)
    assert result == "succeeded" and run.created_count == 1
    upload_feed(supplier, json.dumps([dict(RECORD, sku=f"MUG-{c}", options={"colour": c})
                                      for c in ("Blue", "Red")]), fmt="json")
    run, result = sync_now(supplier)
    assert result == "succeeded" and run.unchanged_count == 1


# Settings -------------------------------------------------------------------------------------


def test_mapping_errors_name_the_line():
    with pytest.raises(DomainError, match="Line 2"):
        parse_mapping("title=Name\nnonsense")
    with pytest.raises(DomainError, match="not one of our columns"):
        parse_mapping("colour=Colour")


@pytest.mark.parametrize("settings, field", [
    (FeedSettings(source="url", url="ftp://example.com/feed.csv"), "url"),
    (FeedSettings(source="url", url=""), "url"),
    (FeedSettings(source="upload"), "upload"),
    (FeedSettings(url="https://example.com/f.csv", format="xml"), "format"),
    (FeedSettings(url="https://example.com/f.csv", schedule_every="2", schedule_unit="minutes"), "schedule_every"),
    (FeedSettings(url="https://example.com/f.csv", schedule_every="x"), "schedule_every"),
    (FeedSettings(url="https://example.com/f.csv", column_mapping="title"), "column_mapping"),
])
def test_bad_settings_name_their_field_and_save_nothing(settings, field):
    supplier = make_supplier()
    with pytest.raises(DomainError) as caught:
        save_feed_settings(supplier, settings)
    assert caught.value.field == field
    assert db.session.scalar(select(SupplierFeed).where(SupplierFeed.supplier_id == supplier.id)) is None


def test_settings_saved():
    supplier = make_supplier()
    feed = save_feed_settings(supplier, FeedSettings(url="https://example.com/f.csv", schedule_every="6",
                                                     schedule_unit="hours", column_mapping="title=Name"))
    assert (feed.schedule_minutes, feed.column_mapping, feed.source) == (360, {"title": "Name"}, "url")


# Fetching over HTTP --------------------------------------------------------------------------


class FeedServer:
    """A local HTTP server thread on 127.0.0.1 serving path -> (status, body, delay), or
(status, body, delay, headers)."""

    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, float]] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.server.requests.append(self.path)
                status, body, delay, *headers = routes.get(self.path, (404, b"missing", 0))
                self.send_response(status)
                for name, value in (headers[0] if headers else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if delay:
                    self.wfile.write(body[:10])
                    self.wfile.flush()
                    time.sleep(delay)
                with contextlib.suppress(OSError):
                    self.wfile.write(body[10:] if delay else body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.requests = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_port

    @property
    def requests(self) -> list[str]:
        return self.server.requests

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed_server(app, monkeypatch):
    """The server, with its host:port in OUTBOUND_ALLOW (a private address is refused otherwise)."""
    server = FeedServer()
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW", f"127.0.0.1:{server.port}")
    yield server
    server.close()


def url_feed(supplier, url: str, fmt: str = "csv"):
    return save_feed_settings(supplier, FeedSettings(source="url", url=url, format=fmt))


def test_url_feed_syncs(feeds_dir, feed_server):
    feed_server.routes["/feed.csv"] = (200, feed_csv("MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,").encode(), 0)
    supplier = make_supplier()
    url_feed(supplier, feed_server.url("/feed.csv"))
    run, result = sync_now(supplier)
    assert result == "succeeded" and run.created_count == 1
    assert not any((feeds_dir / "downloads").iterdir())  # the download is removed


@pytest.mark.parametrize("route, config, message", [
    ((500, b"oops", 0), {}, "HTTP 500"),
    ((200, b"x" * 5000, 0), {"FEED_MAX_BYTES": 1000}, "limit"),
    ((200, b"x" * 100, 3), {"FEED_TIMEOUT": 0.5}, "0.5 s"),
    ((200, b"\x89PNG\r\n\x1a\n\x00\x00binary", 0), {}, "not UTF-8"),
])
def test_unfetchable_url_feed_fails_and_changes_nothing(app, feeds_dir, feed_server, monkeypatch,
                                                        route, config, message):
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    feed_server.routes["/feed.csv"] = route
    supplier = make_supplier()
    existing = make_product(supplier)
    url_feed(supplier, feed_server.url("/feed.csv"))
    run, result = sync_now(supplier)
    assert result == "failed" and message in run.error, run.error
    product = db.session.scalar(select(SupplyProduct).where(SupplyProduct.id == existing.id)
                                .execution_options(populate_existing=True))
    assert product.status == "active"


def test_unreachable_host_fails_without_saying_what_listens(app, feeds_dir, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW", "127.0.0.1:9")
    supplier = make_supplier()
    feed = url_feed(supplier, "http://127.0.0.1:9/feed.csv")
    with pytest.raises(FeedError, match=r"^The feed URL cannot be reached \(connection failed\)\.$"):
        fetch_feed(feed, run_id=1)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/feed.csv", "http://localhost/feed.csv", "https://[::1]/feed.csv",
    "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/feed.csv", "http://100.100.1.1/feed.csv",
])
def test_a_private_feed_url_is_refused_when_saved(url):
    with pytest.raises(DomainError, match="private network address") as error:
        save_feed_settings(make_supplier(), FeedSettings(source="url", url=url))
    assert error.value.field == "url"


def test_a_feed_name_resolving_to_loopback_is_refused_when_fetching(feeds_dir, feed_server, app, monkeypatch):
    """Saved while the name looked public; by the sync it resolves to 127.0.0.1 (where a
    server does listen): nothing is fetched."""
    feed_server.routes["/feed.csv"] = (200, feed_csv("MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,").encode(), 0)
    supplier = make_supplier()
    real_resolve = netguard.resolve
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["93.184.215.14"])
    feed = url_feed(supplier, feed_server.url("/feed.csv", host="localhost"))
    monkeypatch.setattr(netguard, "resolve", real_resolve)
    with pytest.raises(FeedError, match=r"cannot be reached \(refused: private address\)"):
        fetch_feed(feed, run_id=1)
    assert feed_server.requests == []


def test_a_feed_redirect_is_not_followed(feeds_dir, feed_server):
    feed_server.routes["/inside.csv"] = (200, feed_csv("MUG,Stoneware Mug,,home,MUG-1,,8.00,12.00,10,").encode(), 0)
    feed_server.routes["/feed.csv"] = (302, b"", 0, {"Location": feed_server.url("/inside.csv")})
    supplier = make_supplier()
    url_feed(supplier, feed_server.url("/feed.csv"))
    run, result = sync_now(supplier)
    assert result == "failed" and "redirect" in run.error and "not followed" in run.error, run.error
    assert feed_server.requests == ["/feed.csv"]


def test_the_sample_feeds_sync_without_rejects(feeds_dir):
    from app.config import BASE_DIR
    from tests.catalog.feed_helpers import upload_feed

    for fmt in ("csv", "json"):
        supplier = make_supplier()
        upload_feed(supplier, (BASE_DIR / "samples" / f"feed-sample.{fmt}").read_bytes(), fmt=fmt)
        run, result = sync_now(supplier)
        assert result == "succeeded", run.error
        assert (run.created_count, run.rejected_count, run.rows_read) == (3, 0, 6)
