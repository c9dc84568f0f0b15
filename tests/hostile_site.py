"""A published site that misbehaves on demand: a local HTTP server on 127.0.0.1 only.

It serves a folder (an earlier build's output/) like a static host, except for the
paths told to misbehave (`site.misbehave[path] = "how"`):

- "garbage-status": a status line that is not HTTP
- "short-chunked": a chunked body cut off in the middle of a chunk
- "many-headers": 150 header lines (http.client allows 100)
- "huge-header": one 70 KB header line (http.client allows 64 KB)
- "slow-drip": one byte every DRIP seconds, for at most DRIP_FOR seconds (bounded)
- "oversize-declared": Content-Length of 400 MB, and bytes until the client hangs up
- "oversize-stream": the same without a Content-Length
- "wrong-bytes": the right number of bytes, the wrong ones
- "off-host": a redirect to another host (never contacted)

`site.overrides[path] = bytes` serves other bytes for a path (a tampered manifest).
`site.sent[path]` counts the body bytes actually written, `site.asked` every path asked.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DRIP = 0.25  # seconds between bytes of a slow drip
DRIP_FOR = 8.0  # a drip ends by itself after this, so no test waits on it for long
OVERSIZE = 400 * 2**20

MISBEHAVIOURS = (
    "garbage-status",
    "short-chunked",
    "many-headers",
    "huge-header",
    "slow-drip",
    "oversize-declared",
    "oversize-stream",
    "wrong-bytes",
    "off-host",
)


class HostileSite:
    """Start with `with HostileSite(folder) as site:`; `site.base` is its base_url."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.misbehave: dict[str, str] = {}
        self.overrides: dict[str, bytes] = {}
        self.sent: dict[str, int] = defaultdict(int)
        self.asked: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> HostileSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def body(self, name: str) -> bytes | None:
        if name in self.overrides:
            return self.overrides[name]
        if self.root is None:
            return None
        path = self.root / name
        return path.read_bytes() if path.is_file() else None


def _handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            name = self.path.lstrip("/")
            site.asked.append(name)
            how = site.misbehave.get(name)
            body = site.body(name)
            try:
                if how:
                    self._misbehave(how, name, body or b"x" * 1000)
                elif body is None:
                    self._send(404, b"not found")
                else:
                    self._send(200, body, name)
            except (ConnectionError, OSError):
                pass  # the client hung up: what a capped download does
            self.close_connection = True

        def _send(self, status: int, body: bytes, name: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            site.sent[name] += len(body)

        def _misbehave(self, how: str, name: str, body: bytes) -> None:
            raw = self.wfile.write
            if how == "garbage-status":
                raw(b"BANANA 200 YES\r\n\r\n" + body)
            elif how == "short-chunked":
                raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                raw(b"%x\r\n" % len(body) + body[: len(body) // 2])
            elif how == "many-headers":
                raw(b"HTTP/1.1 200 OK\r\n" + b"X-Noise: 1\r\n" * 150 + b"\r\n" + body)
            elif how == "huge-header":
                raw(b"HTTP/1.1 200 OK\r\nX-Huge: " + b"h" * 70_000 + b"\r\n\r\n" + body)
            elif how == "slow-drip":
                raw(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
                ends = time.monotonic() + DRIP_FOR
                for byte in body:
                    if time.monotonic() > ends:
                        break
                    raw(bytes([byte]))
                    self.wfile.flush()
                    site.sent[name] += 1
                    time.sleep(DRIP)
            elif how in ("oversize-declared", "oversize-stream"):
                length = b"Content-Length: %d\r\n" % OVERSIZE if how == "oversize-declared" else b""
                raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n" + length + b"\r\n")
                block = b"\0" * 2**16
                while site.sent[name] < OVERSIZE:  # until the client hangs up
                    raw(block)
                    site.sent[name] += len(block)
            elif how == "wrong-bytes":
                self._send(200, bytes(len(body)), name)
            elif how == "off-host":
                raw(b"HTTP/1.1 302 Found\r\nLocation: http://localhost:9/" + name.encode())
                raw(b"\r\nContent-Length: 0\r\n\r\n")
            else:
                raise ValueError(how)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
