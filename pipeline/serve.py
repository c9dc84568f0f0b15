"""HTTP server over a show's output/ folder, for podcast apps on the local network.

It serves output/ and nothing else, the way a podcast host would: GET and HEAD,
single byte ranges (206/416), Content-Type and Content-Length for every file the
build writes, strong ETags and Last-Modified with 304 answers, no directory
listings, and no path that resolves outside output/ (dot-segments, encoded dots,
symlinks that lead out all get 404).

URLs are rewritten on the fly rather than rebuilt: a preview server must not
change what `essaycast build` wrote and will publish. When a client reaches the
server at an address other than the show's base_url (another port, or a phone on
the LAN that knows this machine as 192.168.x.y), every occurrence of base_url in
the text files that carry URLs (feed.xml, index.html, JSON chapters) is replaced
by the address that client used, taken from its Host header, so the enclosures
it downloads point back at this server. Audio and images are never touched.

Browser-based apps and the Podcast Index tools read the feed from another
origin, so every answer carries CORS headers (any origin, no credentials) and
OPTIONS answers a preflight. Text (the feed, the page, transcripts) is gzipped
for a client that asks; audio and images never are, so byte ranges always
address the bytes on disk (FEED-RULES J6). A gzipped answer has its own ETag.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import logging
import mimetypes
import os
import re
import signal
import socket
import socketserver
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import unquote_to_bytes, urlsplit

from .config import Show
from .errors import EssaycastError

log = logging.getLogger(__name__)

# Our own table first: mimetypes reads /etc/mime.types, which differs between
# machines (and lacks .vtt/.srt on some), and a podcast app trusts these headers.
CONTENT_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
CHAPTERS_TYPE = "application/json+chapters"  # Podcast Namespace, FEED-RULES E3

# Text that may name base_url; everything else is sent exactly as built.
REWRITTEN_SUFFIXES = frozenset({".xml", ".rss", ".html", ".htm", ".json"})
# Text worth compressing; everything else (audio, images) is sent as it is on disk.
GZIP_SUFFIXES = frozenset(
    {".xml", ".rss", ".html", ".htm", ".json", ".vtt", ".srt", ".txt", ".css", ".js"}
)
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# What a browser app may send (Range for players, validators for polling) and read.
CORS_REQUEST_HEADERS = "Range, If-Range, If-None-Match, If-Modified-Since"
CORS_EXPOSED_HEADERS = (
    "Accept-Ranges, Content-Encoding, Content-Length, Content-Range, ETag, Last-Modified"
)

CHUNK = 64 * 1024
# A Host header is echoed into feed URLs, so accept only a host[:port] shape.
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_type(path: Path) -> str:
    """The Content-Type to send for a file under output/."""
    if path.name.endswith(".chapters.json"):
        return CHAPTERS_TYPE
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def parse_range(header: str, size: int) -> tuple[int, int] | None | Literal[False]:
    """Parse a Range header against `size` bytes.

    Returns (first, last) inclusive for a satisfiable single range, None when the
    header must be ignored (another unit, several ranges, bad syntax: RFC 9110
    §14.2 lets a server answer 200 with the whole file), or False when the range
    is well-formed but unsatisfiable (416).

    >>> parse_range("bytes=0-1", 10), parse_range("bytes=-3", 10), parse_range("bytes=8-", 10)
    ((0, 1), (7, 9), (8, 9))
    >>> parse_range("bytes=10-", 10), parse_range("bytes=5-2", 10), parse_range("items=0-1", 10)
    (False, None, None)
    """
    match = _RANGE.match(header.replace(" ", "").replace("\t", ""))
    if not match:
        return None
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None  # "bytes=-" is not a range at all
        suffix = _offset(last_text)
        if suffix == 0 or size == 0:
            return False
        return max(0, size - suffix), size - 1
    first = _offset(first_text)
    last = _offset(last_text) if last_text else size - 1
    if last_text and last < first:
        return None  # invalid, not unsatisfiable: ignore it
    if first >= size:
        return False
    return first, min(last, size - 1)


_BEYOND = 2**63  # past any file: an offset of more digits than that means "past the end"


def _offset(digits: str) -> int:
    """A Range offset; 4,300 digits would make int() raise (CVE-2020-10735's limit), and
    any offset with more than 18 digits is past the end of every file anyway.

    >>> _offset("007"), _offset("9" * 5000) == _BEYOND
    (7, True)
    """
    digits = digits.lstrip("0") or "0"
    return _BEYOND if len(digits) > 18 else int(digits)


@dataclass(frozen=True)
class _Resource:
    """What a GET of one file will send: either a body in memory or a byte count on disk."""

    path: Path
    size: int
    mtime: float
    etag: str
    body: bytes | None  # the bytes to send when they differ from the file's
    varies_by_host: bool  # a text file whose URLs follow the Host header
    compressible: bool = False  # its answer depends on Accept-Encoding (Vary)
    encoding: str | None = None  # "gzip" when body is the gzipped file


class OutputServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that knows which folder it serves and the show's base_url."""

    daemon_threads = True  # Ctrl-C must not wait for a podcast app's idle keep-alive
    block_on_close = False

    def __init__(self, address: tuple[str, int], output_dir: Path, base_url: str | None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.root = os.path.realpath(output_dir)
        self.base_url = base_url or None
        super().__init__(address, OutputHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(), a DNS lookup that can
        # stall for seconds on a machine without a resolver; we never need the name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    @property
    def url(self) -> str:
        """The address this server answers at, as a client on this machine would type it."""
        host, port = str(self.server_address[0]), self.server_address[1]
        if host in ("0.0.0.0", "::"):
            host = _lan_address()
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{port}/"

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # A podcast app that hangs up mid-download is normal, not a server error.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class OutputHandler(BaseHTTPRequestHandler):
    """GET and HEAD for the files under the server's output folder."""

    server: OutputServer
    protocol_version = "HTTP/1.1"  # keep-alive: apps probe with HEAD and ranges, then download
    server_version = "essaycast-serve"
    timeout = 60  # an idle keep-alive connection frees its thread after this

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def do_OPTIONS(self) -> None:  # noqa: N802
        """A CORS preflight (or a plain OPTIONS): which methods and headers are allowed."""
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Allow", ALLOWED_METHODS)
        self._cors_headers()
        self.send_header("Access-Control-Allow-Methods", ALLOWED_METHODS)
        self.send_header("Access-Control-Allow-Headers", CORS_REQUEST_HEADERS)
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    # -- request -> file ---------------------------------------------------

    def _respond(self, send_body: bool) -> None:
        # Origin-form ("/a/b?q") is split by hand: urlsplit would read "//x/y" as host x.
        target = self.path if self.path.startswith("/") else urlsplit(self.path).path
        raw_path = target.split("?", 1)[0].split("#", 1)[0]
        path = self._resolve(raw_path)
        if path is None:
            self._send_status(HTTPStatus.NOT_FOUND, send_body)
            return
        if os.path.isdir(path):
            if not raw_path.endswith("/"):
                # Relative links in an index.html only work under the slash form.
                self._redirect(raw_path + "/")
                return
            path = os.path.join(path, "index.html")
            if not os.path.isfile(path) or not self._inside(os.path.realpath(path)):
                self._send_status(HTTPStatus.NOT_FOUND, send_body)  # no listings
                return
        try:
            # O_NONBLOCK: opening a FIFO (or a device) would otherwise wait for a writer
            # and hold this thread for good; _describe then serves regular files only
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            self._send_status(HTTPStatus.NOT_FOUND, send_body)
            return
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                self._send_status(HTTPStatus.NOT_FOUND, send_body)
                return
            os.set_blocking(fd, True)
            file = os.fdopen(fd, "rb")
        except OSError:
            os.close(fd)
            self._send_status(HTTPStatus.NOT_FOUND, send_body)
            return
        try:
            # Size, validators and bytes all come from this one open file, so a
            # build that renames a new file into place mid-request cannot mix them.
            resource = self._describe(Path(path), file)
            if resource is None:
                self._send_status(HTTPStatus.NOT_FOUND, send_body)
            else:
                self._send_resource(resource, file, send_body)
        finally:
            file.close()

    def _resolve(self, raw_path: str) -> str | None:
        """The real path of a request path, or None if it is not a file we may serve."""
        try:
            # Decode exactly once: "%252e" stays a literal "%2e" file name.
            decoded = unquote_to_bytes(raw_path).decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\0" in decoded or not decoded.startswith("/"):
            return None
        parts = [part for part in decoded.split("/") if part]
        # Dot-segments never come from a real client (RFC 3986 removes them), and
        # dot-files are build temporaries or .gitkeep: neither is published.
        if any(part.startswith(".") for part in parts):
            return None
        real = os.path.realpath(os.path.join(self.server.root, *parts))
        return real if self._inside(real) else None

    def _inside(self, real: str) -> bool:
        root = self.server.root
        return real == root or real.startswith(root.rstrip(os.sep) + os.sep)

    def _describe(self, path: Path, file: BinaryIO) -> _Resource | None:
        """Size, ETag and (for rewritten text) the body of an open regular file."""
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        base_url = self.server.base_url
        suffix = path.suffix.lower()
        varies = bool(base_url) and suffix in REWRITTEN_SUFFIXES
        compressible = suffix in GZIP_SUFFIXES
        served_url = self._served_url()
        body: bytes | None = None
        if varies and base_url and served_url != base_url:
            body = file.read().replace(base_url.encode(), served_url.encode())
            # The ETag must change with the bytes, so hash what is actually sent.
            etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        else:
            etag = f'"{info.st_size:x}-{info.st_mtime_ns:x}"'
        # A Range asks for bytes of the file: answer it from the identity bytes.
        if compressible and self._accepts_gzip() and not self.headers.get("Range"):
            # mtime=0: the same file always gzips to the same bytes (and ETag)
            body = gzip.compress(body if body is not None else file.read(), mtime=0)
            return _Resource(
                path,
                len(body),
                info.st_mtime,
                etag[:-1] + '-gzip"',
                body,
                varies,
                compressible,
                "gzip",
            )
        size = len(body) if body is not None else info.st_size
        return _Resource(path, size, info.st_mtime, etag, body, varies, compressible)

    def _accepts_gzip(self) -> bool:
        """Accept-Encoding names gzip (or *) with a q-value above 0 (RFC 9110 §12.5.3)."""
        accepted: dict[str, float] = {}
        for item in (self.headers.get("Accept-Encoding") or "").split(","):
            coding, _, params = item.strip().lower().partition(";")
            quality = 1.0
            match = re.search(r"q\s*=\s*([0-9.]+)", params)
            if match:
                try:
                    quality = float(match.group(1))
                except ValueError:
                    quality = 0.0
            if coding:
                accepted[coding.strip()] = quality
        for name in ("gzip", "x-gzip", "*"):
            if name in accepted:
                return accepted[name] > 0
        return False

    def _served_url(self) -> str:
        """The base URL this client used to reach us (from Host), ending in '/'."""
        host = (self.headers.get("Host") or "").strip()
        if _HOST.match(host):
            return f"http://{host}/"
        return self.server.url

    # -- file -> response --------------------------------------------------

    def _send_resource(self, res: _Resource, file: BinaryIO, send_body: bool) -> None:
        last_modified = email.utils.formatdate(res.mtime, usegmt=True)
        if self._not_modified(res):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._common_headers(res, last_modified)
            self.end_headers()
            return

        status, first, last = HTTPStatus.OK, 0, res.size - 1
        range_header = self.headers.get("Range")
        if range_header and self._if_range_holds(res, last_modified):
            wanted = parse_range(range_header, res.size)
            if wanted is False:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{res.size}")
                self.send_header("Content-Length", "0")
                self._common_headers(res, last_modified)
                self.end_headers()
                return
            if wanted is not None:
                status, (first, last) = HTTPStatus.PARTIAL_CONTENT, wanted

        length = last - first + 1
        self.send_response(status)
        self.send_header("Content-Type", content_type(res.path))
        self.send_header("Content-Length", str(length))
        if res.encoding:
            self.send_header("Content-Encoding", res.encoding)
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {first}-{last}/{res.size}")
        self._common_headers(res, last_modified)
        self.end_headers()
        if not send_body or length <= 0:
            return
        try:
            if res.body is not None:
                self.wfile.write(res.body[first : last + 1])
            else:
                for chunk in _read_range(file, first, length):
                    self.wfile.write(chunk)
        except ConnectionError:
            # The app hung up (it often does after a probe); nothing to tell it.
            self.close_connection = True

    def _common_headers(self, res: _Resource, last_modified: str) -> None:
        """Validators and policy headers that 200, 206, 304 and 416 answers share."""
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", res.etag)
        self.send_header("Last-Modified", last_modified)
        # A preview changes with every build: let apps cache, but revalidate.
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self._cors_headers()
        vary = [
            name
            for name, on in (("Host", res.varies_by_host), ("Accept-Encoding", res.compressible))
            if on
        ]
        if vary:
            self.send_header("Vary", ", ".join(vary))

    def _cors_headers(self) -> None:
        """Any origin may read what we serve; no credentials (FEED-RULES E6)."""
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", CORS_EXPOSED_HEADERS)

    def _not_modified(self, res: _Resource) -> bool:
        """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            if if_none_match.strip() == "*":
                return True
            # Weak comparison (RFC 9110 §8.8.3.2): W/"x" matches "x".
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return res.etag in tags
        since = _parse_http_date(self.headers.get("If-Modified-Since"))
        return since is not None and int(res.mtime) <= since

    def _if_range_holds(self, res: _Resource, last_modified: str) -> bool:
        """If-Range: honour Range only if the client's copy is still the current one."""
        if_range = self.headers.get("If-Range")
        if if_range is None:
            return True
        if_range = if_range.strip()
        if if_range.startswith(('"', "W/")):
            return if_range == res.etag  # strong comparison; a weak tag never matches
        return if_range == last_modified

    def _send_status(self, status: HTTPStatus, send_body: bool) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self._cors_headers()
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def version_string(self) -> str:
        return self.server_version  # not the Python version: nobody on the LAN needs it

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        # The library logs; `essaycast serve -v` can turn these on.
        log.info("%s %s", self.address_string(), format % args)


def make_server(
    output_dir: Path, host: str = "127.0.0.1", port: int = 8000, base_url: str | None = None
) -> ThreadingHTTPServer:
    """A threaded server over `output_dir` (port 0 picks a free one); call serve_forever()."""
    return OutputServer((host, port), Path(output_dir), base_url)


def serve_show(show: Show, host: str, port: int) -> None:
    """Serve the show's output/ until Ctrl-C, printing the feed URL to subscribe to."""
    output_dir = show.output_dir
    if not output_dir.is_dir():
        raise EssaycastError(f"{output_dir}: no such folder; run `essaycast build` first")
    try:
        server = make_server(output_dir, host, port, show.podcast.base_url or None)
    except OSError as exc:
        raise EssaycastError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; try another --port"
        ) from None
    with server:
        url = server.url  # type: ignore[attr-defined]
        print(f"Serving {output_dir} at {url}")
        print(f"Subscribe to: {url}feed.xml")
        if not (output_dir / "feed.xml").is_file():
            print("(no feed.xml yet: run `essaycast build`; it is served as soon as it exists)")
        base_url = show.podcast.base_url
        if base_url and base_url != url:
            print(f"Feed URLs under {base_url} are rewritten to the address each app uses.")
        if host in ("127.0.0.1", "localhost", "::1"):
            print("Only this machine can connect; use --host 0.0.0.0 for a phone on your network.")
        print("Press Ctrl-C to stop.", flush=True)
        # SIGTERM (kill, systemd, a script's background job, which ignores Ctrl-C)
        # stops it as cleanly as Ctrl-C does
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nStopped.")
        finally:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _read_range(file: BinaryIO, first: int, length: int) -> Iterator[bytes]:
    """Yield `length` bytes of `file` from offset `first`, in chunks (episodes can be large)."""
    file.seek(first)
    while length > 0:
        chunk = file.read(min(CHUNK, length))
        if not chunk:
            return  # the file shrank under us; the client sees a short body
        length -= len(chunk)
        yield chunk


def _parse_http_date(value: str | None) -> int | None:
    """An HTTP-date as a Unix timestamp, or None if absent or unparseable (then it is ignored)."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


def _lan_address() -> str:
    """This machine's address on the local network, for the URL to type on a phone."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # connect() on UDP sends nothing; it only asks the kernel which source
        # address it would route from.
        probe.connect(("10.255.255.255", 1))
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()
