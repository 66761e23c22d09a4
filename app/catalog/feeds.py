"""Supplier feeds: their settings, fetching them, and reading them as a stream of rows.

A feed is a URL (http/https, fetched by the worker with a timeout and a size limit,
streamed to a file under FEEDS_DIR, never held in memory whole) or an uploaded file kept
under FEEDS_DIR. It is CSV (with a header; other column names are mapped onto ours) or JSON
(an array of objects, or JSON Lines: one object per line). The format is in docs/feeds.md.

`read_rows` yields one `FeedRow` per product-variant row with our column names; a row
that cannot be read at all (a JSON Lines line that is not JSON) comes back with a
`problem` instead of fields, so a bad row never stops the good ones. A feed that cannot
be read at all (not CSV/JSON, not UTF-8, missing columns) raises `FeedError`.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from app import netguard
from app.errors import DomainError
from app.extensions import db
from app.i18n import _, ngettext
from app.wording import counted, named

from .feeds_models import FEED_FORMATS, FEED_SOURCES, SupplierFeed
from .importer import COLUMNS, REQUIRED_COLUMNS
from .models import Supplier
from .services import format_options

DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # FEED_MAX_BYTES
DEFAULT_TIMEOUT = 60  # seconds, for the whole download (FEED_TIMEOUT)
MAX_JSON_RECORD = 1024 * 1024  # one JSON object larger than this is a broken feed
CHUNK = 64 * 1024
UPLOAD_SUFFIXES = ("csv", "tsv", "txt", "json", "jsonl", "xml")  # kept on the stored file, for people
SCHEDULE_UNITS = {"minutes": 1, "hours": 60}
MIN_SCHEDULE_MINUTES = 5
MAX_SCHEDULE_MINUTES = 7 * 24 * 60


class FeedError(Exception):
    """The feed cannot be fetched or read at all; the message says why, for the admin."""


# Settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSettings:
    """A feed's settings as typed in the admin form (the upload, if any, comes apart)."""

    source: str = "url"
    url: str = ""
    format: str = "auto"
    column_mapping: str = ""  # "our_column=their column" per line
    schedule_every: str = ""  # blank: manual only
    schedule_unit: str = "hours"
    is_full_feed: bool = True


def feeds_dir() -> Path:
    return Path(current_app.config.get("FEEDS_DIR") or Path(current_app.instance_path) / "feeds")


def get_feed(supplier: Supplier) -> SupplierFeed | None:
    return db.session.scalar(db.select(SupplierFeed).where(SupplierFeed.supplier_id == supplier.id))


def feeds_by_supplier(supplier_ids: list[int]) -> dict[int, SupplierFeed]:
    """{supplier id: its feed} for those of these suppliers that have one."""
    if not supplier_ids:
        return {}
    return {feed.supplier_id: feed for feed in db.session.scalars(
        select(SupplierFeed).where(SupplierFeed.supplier_id.in_(supplier_ids)))}


def parse_mapping(text: str) -> dict[str, str]:
    """ "title=Product name" lines -> {"title": "Product name"} (our column -> theirs)."""
    mapping: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        ours, equals, theirs = line.partition("=")
        ours, theirs = ours.strip().lower(), theirs.strip()
        if not equals or not ours or not theirs:
            raise DomainError(_('Line %(number)s: write each mapping as our_column=their column (like title=Product name); “%(line)s” is not.', number=number, line=line[:60]), field="column_mapping")
        if ours not in COLUMNS:
            raise DomainError(_("Line %(number)s: “%(ours)s” is not one of our columns: %(columns)s.", number=number,
                                ours=ours[:40], columns=", ".join(COLUMNS)), field="column_mapping")
        if ours in mapping:
            raise DomainError(_('Line %(number)s: the column %(ours)s is mapped twice.', number=number, ours=ours), field="column_mapping")
        if len(theirs) > 100:
            raise DomainError(_('Line %(number)s: keep column names under 100 characters.', number=number),
                              field="column_mapping")
        mapping[ours] = theirs
    return mapping


def format_mapping(mapping: Mapping[str, str]) -> str:
    return "\n".join(f"{ours}={theirs}" for ours, theirs in mapping.items())


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Give the feed’s URL (or choose an uploaded file)."), field="url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DomainError(_('The feed URL must start with http:// or https:// and name a host.'), field="url")
    if len(url) > 500 or any(ch.isspace() for ch in url):
        raise DomainError(_('The feed URL must be one address of up to 500 characters, without spaces.'),
                          field="url")
    try:
        netguard.check_url(url)
    except netguard.OutboundError as error:
        message = (_("The feed URL points at a private network address (refused: private address); give the supplier's public address.") if str(error) == netguard.REFUSED_PRIVATE
                   else _('The feed URL must start with http:// or https:// and name a host.'))
        raise DomainError(message, field="url") from None
    return url


def _clean_schedule(every: str, unit: str) -> int | None:
    every = (every or "").strip()
    if not every:
        return None
    if unit not in SCHEDULE_UNITS:
        raise DomainError(_('Choose minutes or hours.'), field="schedule_unit")
    if not every.isdigit() or int(every) < 1:
        raise DomainError(_('Write the interval as a whole number, like 6 (or leave it blank for manual syncs only).'), field="schedule_every")
    minutes = int(every) * SCHEDULE_UNITS[unit]
    if not MIN_SCHEDULE_MINUTES <= minutes <= MAX_SCHEDULE_MINUTES:
        raise DomainError(_('Sync between every %(min_schedule_minutes)s minutes and once a week.', min_schedule_minutes=MIN_SCHEDULE_MINUTES),
                          field="schedule_every")
    return minutes


def save_feed_settings(supplier: Supplier, settings: FeedSettings, upload=None) -> SupplierFeed:
    """Create or change the supplier's feed. `upload` is a werkzeug FileStorage (or None):
    stored under FEEDS_DIR, it replaces the previous upload. Every field is checked before
    anything is written or stored."""
    if settings.source not in FEED_SOURCES:
        raise DomainError(_('Choose a URL or an uploaded file.'), field="source")
    if settings.format not in FEED_FORMATS:
        raise DomainError(_('Choose one of the listed formats.'), field="format")
    feed = get_feed(supplier)
    url = _clean_url(settings.url) if settings.source == "url" else (settings.url or "").strip()[:500]
    has_upload = upload is not None and getattr(upload, "filename", "")
    if settings.source == "upload" and not has_upload and not (feed and feed.upload_path):
        raise DomainError(_('Choose the feed file to upload.'), field="upload")
    mapping = parse_mapping(settings.column_mapping)
    schedule = _clean_schedule(settings.schedule_every, settings.schedule_unit)
    if feed is None:
        feed = SupplierFeed(supplier_id=supplier.id)
        db.session.add(feed)
    if has_upload:
        folder = feeds_dir() / f"supplier-{supplier.id}"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(upload.filename).suffix.lower().lstrip(".")
        name = f"{uuid.uuid4().hex}.{suffix if suffix in UPLOAD_SUFFIXES else 'feed'}"
        upload.save(folder / name)
        feed.upload_path = f"supplier-{supplier.id}/{name}"
        feed.upload_name = Path(upload.filename).name[:255]
    feed.source, feed.url, feed.format = settings.source, url, settings.format
    feed.column_mapping, feed.schedule_minutes = mapping, schedule
    feed.is_full_feed = bool(settings.is_full_feed)
    db.session.flush()
    return feed


def describe_schedule(minutes: int | None) -> str:
    if not minutes:
        return _('Manual only')
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("Every hour", "Every %(num)d hours", hours)
    return ngettext("Every minute", "Every %(num)d minutes", minutes)


# Fetching ----------------------------------------------------------------------------------


def _limits() -> tuple[int, float]:
    config = current_app.config
    return int(config.get("FEED_MAX_BYTES") or DEFAULT_MAX_BYTES), float(config.get("FEED_TIMEOUT") or DEFAULT_TIMEOUT)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass
class FetchedFeed:
    path: Path
    size: int
    temporary: bool  # a download, deleted after the run

    def discard(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def fetch_feed(feed: SupplierFeed, run_id: int,
               on_progress: Callable[[int], None] | None = None) -> FetchedFeed:
    """The feed as a local file: the uploaded one, or the URL downloaded in chunks to a
    temporary file (at most FEED_MAX_BYTES, within FEED_TIMEOUT seconds). FeedError otherwise."""
    max_bytes, timeout = _limits()
    if feed.source == "upload":
        if not feed.upload_path:
            raise FeedError(_('No feed file has been uploaded for this supplier.'))
        path = feeds_dir() / feed.upload_path
        if not path.is_file():
            raise FeedError(_('The uploaded feed file “%(upload_name)s” is missing from the server; upload it again.', upload_name=feed.upload_name))
        size = path.stat().st_size
        if size > max_bytes:
            raise FeedError(_('The feed file is %(size)s; the limit is %(limit)s.', size=_mb(size), limit=_mb(max_bytes)))
        return FetchedFeed(path, size, temporary=False)
    return _download(feed.url, run_id, max_bytes, timeout, on_progress)


def _download(url: str, run_id: int, max_bytes: int, timeout: float, on_progress) -> FetchedFeed:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise FeedError(_('The feed URL must start with http:// or https://.'))
    folder = feeds_dir() / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run-{run_id}-{uuid.uuid4().hex[:8]}.part"
    deadline = time.monotonic() + timeout
    size = 0
    headers = {"User-Agent": "Flagship feed sync", "Accept-Encoding": "identity"}
    try:
        # Public addresses only, no redirects (app.netguard): a feed URL is no way inside.
        with netguard.open_url("GET", url, headers=headers, timeout=timeout) as response, \
                path.open("wb") as out:
            if netguard.is_redirect(response.status):
                raise FeedError(_("The feed URL answered HTTP %(status)s (a redirect); redirects are not followed: give the feed's final address.", status=response.status))
            if response.status >= 400:
                raise FeedError(_('The feed URL answered HTTP %(status)s %(reason)s.', status=response.status, reason=response.reason))
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(_('The feed is %(size)s; the limit is %(limit)s.', size=_mb(int(declared)), limit=_mb(max_bytes)))
            while chunk := response.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(_('The feed is larger than the limit of %(limit)s.', limit=_mb(max_bytes)))
                if time.monotonic() > deadline:
                    raise FeedError(_('The feed took longer than %(timeout)s s to download.', timeout=format(timeout, "g")))
                out.write(chunk)
                if on_progress is not None:
                    on_progress(size)
    except FeedError:
        path.unlink(missing_ok=True)
        raise
    except netguard.OutboundError as error:
        path.unlink(missing_ok=True)
        raise FeedError(_('The feed URL cannot be reached (%(error)s).', error=error)) from None
    except TimeoutError:
        path.unlink(missing_ok=True)
        raise FeedError(_('The feed URL did not answer within %(timeout)s s.', timeout=format(timeout, "g"))) from None
    except (OSError, ValueError, http.client.HTTPException):
        path.unlink(missing_ok=True)
        raise FeedError(_('The feed could not be downloaded (connection failed).')) from None
    return FetchedFeed(path, size, temporary=True)


# Reading ------------------------------------------------------------------------------------


@dataclass(slots=True)  # (slots: a sync makes one per feed row)
class FeedRow:
    """One row of the feed: its line (the CSV header is line 1; for JSON, the line its object
    starts on) and our columns as text, or a `problem` when the row cannot be read."""

    line: int
    fields: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    # Set by the readers of other platforms' exports (app.catalog.feed_formats):
    fault: str = ""  # the row reads, but its values are wrong: its whole product is rejected
    currency: str = ""  # the currency its prices were stated in, when the feed says
    skipped: bool = False  # with `problem`: left out on purpose (a draft), not broken

    @property
    def sku(self) -> str:
        return (self.fields.get("sku") or "").strip()[:80]

    def fault_for(self, currency: str) -> str:
        """Why this row's product must not be written for a supplier pricing in `currency`."""
        if self.fault:
            return self.fault
        if self.currency and self.currency != currency:
            return (_("The prices are in %(given)s, but this supplier's catalog is priced in %(currency)s; give the prices in "
                      "%(currency)s.", given=self.currency, currency=currency))
        return ""


class ByteCounter(io.RawIOBase):
    """A binary file that counts the bytes read from it (the progress bar's numerator)."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n


_NOT_UTF8 = "The feed is not UTF-8 text."


def read_rows(binary, fmt: str, mapping: Mapping[str, str] | None = None) -> Iterator[FeedRow]:
    """Stream the rows of a feed (a binary file object) in `fmt`: "csv" or "json" (ours),
    an export of another platform ("shopify", "woo", "google"), or "auto" (detected from
    the content)."""
    buffered = io.BufferedReader(binary, CHUNK)
    head = buffered.peek(CHUNK)[:CHUNK]
    first = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")[:1]
    if first == "":
        raise FeedError(_('The feed is empty.'))
    if fmt not in ("csv", "json"):
        from .feed_formats import detect_format, read_export_rows  # (it builds on this module)

        if fmt == "auto":
            fmt = detect_format(head, mapping or {})
        if fmt not in ("csv", "json"):
            yield from read_export_rows(buffered, fmt, mapping or {})
            return
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
    if first == "<":
        raise FeedError(_('The feed is not CSV or JSON (it looks like an HTML or XML page).'))
    if fmt == "json":
        if first == "[":
            rows = _json_array_rows(text, mapping or {})
        elif first == "{":
            rows = _json_lines_rows(text, mapping or {})
        else:
            raise FeedError(_('The feed is not JSON: it must be an array of objects ([ ... ]) or JSON Lines (one { ... } object per line).'))
    elif fmt == "csv":
        if first in "[{":
            raise FeedError(_('The feed looks like JSON, but its format is set to CSV.'))
        rows = _csv_rows(text, mapping or {})
    else:
        raise FeedError(_('Unknown feed format %(fmt)s.', fmt=repr(fmt)))
    try:
        yield from rows
    except UnicodeDecodeError:
        raise FeedError(_NOT_UTF8) from None


def _csv_rows(text, mapping: Mapping[str, str]) -> Iterator[FeedRow]:
    reader = csv.reader(text, strict=True)  # a stray quote is a broken feed, not a guess
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise FeedError(_('The header cannot be read as CSV (%(error)s).', error=error)) from None
    if not header:
        raise FeedError(_('The feed is empty.'))
    theirs_to_ours = {theirs.strip().lower(): ours for ours, theirs in mapping.items()}
    names = []
    for name in header:
        name = (name or "").lstrip("\ufeff").strip().lower()
        names.append(theirs_to_ours.get(name, name))
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise FeedError(_("The feed lacks %(named)s (map the supplier's column names onto ours in the feed "
                          "settings). Its header is: %(header)s", named=named(missing, "column"),
                          header=", ".join(header)[:300]))
    index = {name: position for position, name in enumerate(names) if name in COLUMNS}
    ours, positions = list(index), list(index.values())
    pick = itemgetter(*positions) if len(positions) > 1 else (lambda values: (values[positions[0]],))
    width = len(names)
    ended = reader.line_num  # the physical line the previous record ended on
    try:
        for values in reader:
            line, ended = ended + 1, reader.line_num  # a record starts on the line after the last
            count = len(values)
            if count == width:  # the usual row: no blank check needed unless it starts blank
                if not values[0].strip() and not any(value.strip() for value in values):
                    continue
                yield FeedRow(line, dict(zip(ours, pick(values), strict=False)))  # (one value per name)
                continue
            if not (values and values[0].strip()) and not any(value.strip() for value in values):
                continue
            if count > width:
                row = FeedRow(line, dict(zip(ours, pick(values), strict=False)))
                row.problem = _("The line has %(counted)s than the header has columns (a comma inside a value "
                                "needs quotes).", counted=counted(count - width, "more value"))
            else:
                row = FeedRow(line, {name: (values[position] if position < count else "")
                                     for name, position in index.items()})
                row.problem = _('The line has %(values)s values; the header has %(width)s columns.', values=count,
                                width=width)
            yield row
    except csv.Error as error:
        raise FeedError(_('Line %(line_num)s cannot be read as CSV (%(error)s).', line_num=reader.line_num,
                          error=error)) from None


def _json_fields(record, mapping: Mapping[str, str]) -> tuple[dict[str, str], str]:
    if not isinstance(record, dict):
        return {}, "This JSON value is not an object ({...})."
    lowered = {str(key).strip().lower(): value for key, value in record.items()}
    fields = {}
    for column in COLUMNS:
        key = mapping.get(column, column).strip().lower()
        value = lowered.get(key)
        if value is None:
            continue
        if isinstance(value, dict):
            value = format_options({str(k): str(v) for k, v in value.items()})
        elif isinstance(value, bool | list):
            return {}, f"The value of “{key}” must be text or a number."
        fields[column] = str(value)
    return fields, ""


def _check_json_columns(fields: dict[str, str]) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in fields]
    if missing:
        raise FeedError(_("The feed's first object lacks %(named)s (map the supplier's field names onto ours in the "
                          "feed settings).", named=named(missing, "field")))


def _json_lines_rows(text, mapping) -> Iterator[FeedRow]:
    first = True
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            if first:
                raise FeedError(_('Line %(number)s is not valid JSON (%(error)s).', number=number, error=error)) from None
            yield FeedRow(number, problem=_('This line is not valid JSON (%(error)s).', error=error))
            continue
        fields, problem = _json_fields(record, mapping)
        if first:
            if problem:
                raise FeedError(_('Line %(number)s: %(problem)s', number=number, problem=problem))
            _check_json_columns(fields)
            first = False
        yield FeedRow(number, fields, problem)


_WS = re.compile(r"\s*")


class _JsonBuffer:
    """A window on a text stream for json.JSONDecoder.raw_decode, with line numbers."""

    def __init__(self, text):
        self.text_stream, self.text, self.pos, self.eof = text, "", 0, False
        self.line, self.counted = 1, 0  # line of text[counted]

    def fill(self) -> bool:
        chunk = self.text_stream.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.line_at(self.pos)
        self.text = self.text[self.pos:] + chunk
        self.pos, self.counted = 0, 0
        return True

    def line_at(self, pos: int) -> int:
        self.line += self.text.count("\n", self.counted, pos)
        self.counted = pos
        return self.line

    def next_char(self) -> str:
        while True:
            self.pos = _WS.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""


def _json_array_rows(text, mapping) -> Iterator[FeedRow]:
    decoder = json.JSONDecoder()
    buffer = _JsonBuffer(text)
    buffer.next_char()
    buffer.pos += 1  # the "["
    if buffer.next_char() == "]":
        return
    first = True
    while True:
        buffer.next_char()
        line = buffer.line_at(buffer.pos)
        while True:
            try:
                record, end = decoder.raw_decode(buffer.text, buffer.pos)
            except ValueError as error:
                if buffer.eof or len(buffer.text) - buffer.pos > MAX_JSON_RECORD:
                    raise FeedError(_('The JSON value starting on line %(line)s is not valid (%(error)s).', line=line, error=error)) from None
                buffer.fill()
                continue
            if end >= len(buffer.text) and not buffer.eof and buffer.fill():
                continue  # a number or literal may go on in the next chunk
            break
        buffer.pos = end
        fields, problem = _json_fields(record, mapping)
        if first:
            if problem:
                raise FeedError(_('Line %(line)s: %(problem)s', line=line, problem=problem))
            _check_json_columns(fields)
            first = False
        yield FeedRow(line, fields, problem)
        separator = buffer.next_char()
        if separator == ",":
            buffer.pos += 1
            continue
        if separator == "]":
            buffer.pos += 1
            if buffer.next_char():
                raise FeedError(_('Line %(line)s: unexpected data after the JSON array.', line=buffer.line_at(buffer.pos)))
            return
        where = buffer.line_at(buffer.pos)
        raise FeedError(_('Line %(where)s: expected “,” or “]” between the objects of the JSON array', where=where)
                        + (" but the feed ends." if not separator else "."))
