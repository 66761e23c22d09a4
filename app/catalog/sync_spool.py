"""What a sync's single read of the feed leaves for its writing pass: a local spool file.

The feed is parsed once (parsing dominates an unchanged re-sync). That read checks the whole
feed (a feed broken halfway fails before any write), groups and hashes the products and
records, in feed order, each read-time rejected row and each product. A product whose hash
matches the catalog's is recorded by its code alone; the others keep their rows, for the
writing pass to check and write batch by batch. The spool is a temporary file, read back
one chunk at a time, so memory stays bounded by a chunk whatever the feed's size.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator

CHUNK_EVENTS = 1000

# Events, as tuples (marshal writes them fast and they stay small):
#   ("r", line, sku, reason, rows_read)                      a row rejected as it was read
#   ("g", code, rows_read, rows_done, bytes_read, None)      a product recorded by its code alone
#   ("g", code, rows_read, rows_done, bytes_read, (content_hash, problems, rows))
#       a product to check and write; rows are (line, fields, problem) tuples


class Spool:
    def __init__(self):
        self.file = tempfile.TemporaryFile(prefix="flagship-sync-")  # noqa: SIM115 (close() closes it)
        self.pending: list[tuple] = []
        self.total_rows = 0

    def add(self, event: tuple) -> None:
        self.pending.append(event)
        if len(self.pending) >= CHUNK_EVENTS:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            # Length-prefixed marshal.dumps: marshal.load on a file reads it in tiny pieces.
            data = marshal.dumps(self.pending)
            self.file.write(len(data).to_bytes(8, "little") + data)
            self.pending = []

    def finish(self, total_rows: int) -> None:
        self._flush()
        self.total_rows = total_rows

    def events(self) -> Iterator[tuple]:
        self.file.seek(0)
        while size := self.file.read(8):
            yield from marshal.loads(self.file.read(int.from_bytes(size, "little")))

    def close(self) -> None:
        self.file.close()
