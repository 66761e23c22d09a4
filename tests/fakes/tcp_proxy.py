"""A small TCP proxy in front of a real server (Redis), to make it misbehave for one test
without touching the shared server: `refuse()` (nothing listens: connections are refused,
open ones are cut, as when Redis restarts), `stall()` (connections are accepted and bytes
are held: a hung server), `restore()` (pass everything through again)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.host = host
        self.port = 0
        self.mode = "pass"
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    # -------------------------------------------------------------- control

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def refuse(self) -> None:
        """Stop listening and cut every open connection: clients get 'connection refused'."""
        self.mode = "refuse"
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not, and
            # the socket would go on accepting.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        self._cut_all()

    def stall(self) -> None:
        """Accept connections but pass nothing in either direction."""
        if self._listener is None:
            self._listen()
        self.mode = "stall"

    def restore(self) -> None:
        if self._listener is None:
            self._listen()
        self.mode = "pass"

    def stop(self) -> None:
        self.refuse()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def url(self, path: str = "") -> str:
        return f"redis://{self.host}:{self.port}{path}"

    # -------------------------------------------------------------- internals

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by refuse()
            with self._lock:
                self._sockets.append(client)
            if self.mode == "stall":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == "stall":
                    time.sleep(0.02)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
