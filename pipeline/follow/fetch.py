"""GET one URL, carefully: the only code in essaycast that `import` uses to reach the network.

http and https only; a timeout on every socket operation and a deadline for the
whole answer; a size cap counted as the bytes arrive (a 50 MB answer is refused
after the cap, never held); at most a few redirects, each to http(s) again;
gzip and deflate undone under the same cap. Text is decoded by its byte-order
mark, then the charset the server or the document declares, then UTF-8. Every
failure is one FetchError line that names the URL and what to do.
"""

from __future__ import annotations

import codecs
import http.client
import re
import ssl
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from ..errors import ConfigError, EssaycastError

TIMEOUT = 20.0  # seconds a connect or a read may wait for the next bytes
DEADLINE = 120.0  # seconds for a whole answer: a server dripping a byte a second ends too
MAX_BYTES = 20_000_000  # a blog's full-content feed is a few MB; 20 MB is far past any
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "essaycast-import/1 (a podcast made from a blog's posts)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, text/html;q=0.8, */*;q=0.5"
)
_REDIRECTS = {301, 302, 303, 307, 308}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
# Servers default text/* to ISO-8859-1 when nobody configured a charset; valid UTF-8 with
# non-ASCII bytes is almost never meant as Latin-1, so it wins over these labels.
_WEAK_LABELS = {"latin-1", "iso8859-1", "cp1252", "ascii"}


class FetchError(EssaycastError):
    """A URL could not be fetched or read; the message names it and what to do."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True)
class Fetched:
    """One answer: the final URL after redirects, its media type and its (decompressed) bytes."""

    url: str
    media_type: str  # "application/rss+xml", lower case, no parameters; "" when not given
    charset: str | None  # the Content-Type header's charset, if any
    body: bytes

    def text(self) -> str:
        """The body as text (BOM, declared charset, UTF-8); FetchError if it is none of them."""
        return decode_text(self.body, self.charset, self.url)


def check_url(url: str) -> str:
    """The URL, if it is http(s) with a host; ConfigError (exit 2) otherwise.

    >>> check_url("https://example.org/feed")
    'https://example.org/feed'
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{url!r} is not an http(s) address; give the blog's feed or a post's page, "
            "e.g. https://example.org/feed",
            source="command line",
        )
    return url.strip()


def fetch(
    url: str,
    *,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET `url`, following at most `max_redirects` http(s) redirects; FetchError on any failure."""
    check_url(url)
    ends_at = time.monotonic() + deadline
    current = url
    for _hop in range(max_redirects + 1):
        parts = urlsplit(current)
        connection = _connect(parts.scheme, parts.hostname or "", parts.port, timeout)
        try:
            target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
            if parts.query:
                target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
            connection.request(
                "GET",
                target,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": ACCEPT,
                    "Accept-Encoding": "gzip, deflate",
                },
            )
            response = connection.getresponse()
            if response.status in _REDIRECTS:
                current = _redirect_target(current, response.getheader("Location"), url)
                continue
            if response.status >= 400:
                raise FetchError(current, _status_advice(response.status, response.reason))
            if response.status != 200:
                raise FetchError(
                    current, f"answered HTTP {response.status} {response.reason}, not the page"
                )
            body = _read_capped(response, current, max_bytes, ends_at, deadline)
            media_type, charset = _content_type(response.getheader("Content-Type", ""))
            return Fetched(current, media_type, charset, body)
        except TimeoutError:
            raise FetchError(
                current, f"gave no answer within {timeout:g} s; try again later"
            ) from None
        except ssl.SSLError as exc:
            raise FetchError(
                current, f"its https certificate or connection failed ({exc.reason or exc})"
            ) from None
        except http.client.HTTPException as exc:
            raise FetchError(
                current, f"answered with broken HTTP ({type(exc).__name__}); try again later"
            ) from None
        except OSError as exc:
            raise FetchError(
                current,
                f"cannot connect ({exc.strerror or exc}); check the address and your network",
            ) from None
        finally:
            connection.close()
    raise FetchError(url, f"redirects more than {max_redirects} times; give the final address")


def _connect(scheme: str, host: str, port: int | None, timeout: float):
    if scheme == "https":
        return http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _redirect_target(current: str, location: str | None, asked: str) -> str:
    if not location:
        raise FetchError(current, "redirects without saying where (no Location header)")
    target = urljoin(current, location.strip())
    if urlsplit(target).scheme not in ("http", "https"):
        # file:, ftp:, data: ... a feed must never steer us off the web
        raise FetchError(asked, f"redirects to {target!r}, which is not http(s); refused")
    return target


def _status_advice(status: int, reason: str) -> str:
    said = f"answered HTTP {status} {reason}".rstrip()
    if status == 404 or status == 410:
        return f"{said}; check the address (a blog's feed is often /feed, /rss.xml or /atom.xml)"
    if status in (401, 403):
        return f"{said}; the site refuses this reader: the feed may be private or blocked"
    if status == 429:
        return f"{said}; the site asks us to slow down: try again later"
    if status >= 500:
        return f"{said}; the site has a problem: try again later"
    return f"{said}; check the address"


def _content_type(header: str) -> tuple[str, str | None]:
    """'text/xml; charset="UTF-8"' -> ('text/xml', 'UTF-8')."""
    media, _, rest = header.partition(";")
    match = re.search(r"""charset\s*=\s*["']?([^"';\s]+)""", rest, re.I)
    return media.strip().lower(), (match.group(1) if match else None)


def _read_capped(
    response: http.client.HTTPResponse, url: str, max_bytes: int, ends_at: float, deadline: float
) -> bytes:
    """The body, decompressed, refused as soon as it passes `max_bytes` either way."""
    too_big = (
        f"is larger than {max_bytes // 1_000_000} MB; refused (a feed or a post is far smaller: "
        "check the address)"
    )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(url, too_big)
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    inflater = _inflater(encoding, url)
    raw = 0
    out: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > ends_at:
            raise FetchError(url, f"took longer than {deadline:g} s to answer; try again later")
        chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
        if not chunk:
            break
        raw += len(chunk)
        if raw > max_bytes:
            raise FetchError(url, too_big)
        try:
            piece = inflater.feed(chunk, max_bytes - size + 1) if inflater else chunk
        except _TooBig:
            raise FetchError(url, too_big) from None
        size += len(piece)
        if size > max_bytes:  # a small gzip can unpack to gigabytes
            raise FetchError(url, too_big)
        out.append(piece)
    body = b"".join(out)
    if inflater:
        inflater.finish()
    elif body.startswith(b"\x1f\x8b"):
        # a .gz file served as-is (no Content-Encoding): unpack it under the same cap
        unpacker = _Inflater(zlib.MAX_WBITS | 16, url)
        try:
            body = unpacker.feed(body, max_bytes + 1)
        except _TooBig:
            raise FetchError(url, too_big) from None
        unpacker.finish()
        if len(body) > max_bytes:
            raise FetchError(url, too_big)
    return body


class _TooBig(Exception):
    """An answer passed the size cap while unpacking."""


class _Inflater:
    """gzip or zlib/raw deflate, fed chunk by chunk, with a cap on what comes out."""

    def __init__(self, wbits: int, url: str, fallback_raw: bool = False) -> None:
        self.url = url
        self.fallback_raw = fallback_raw  # "deflate" is zlib-wrapped by the RFC, raw in practice
        self.engine = zlib.decompressobj(wbits)
        self.started = False

    def feed(self, chunk: bytes, limit: int) -> bytes:
        try:
            data = self.engine.decompress(chunk, limit)
        except zlib.error as exc:
            if self.fallback_raw and not self.started:
                self.fallback_raw = False
                self.engine = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(chunk, limit)
            raise FetchError(self.url, self._corrupt(exc)) from None
        self.started = True
        if self.engine.unconsumed_tail:
            raise _TooBig  # more would come out than the cap allows
        return data

    def finish(self) -> None:
        if not self.engine.eof:
            raise FetchError(self.url, self._corrupt("the compressed answer ends early"))

    def _corrupt(self, why: object) -> str:
        return f"sent a compressed answer that does not unpack ({why}); try again later"


def _inflater(encoding: str, url: str) -> _Inflater | None:
    if encoding in ("identity", ""):
        return None
    if encoding in ("gzip", "x-gzip"):
        return _Inflater(zlib.MAX_WBITS | 16, url)
    if encoding == "deflate":
        return _Inflater(zlib.MAX_WBITS, url, fallback_raw=True)
    raise FetchError(url, f"sent Content-Encoding {encoding!r}, which was not asked for; refused")


def decode_text(data: bytes, declared: str | None, url: str) -> str:
    """Bytes -> text: a BOM wins, then the server's charset, then the document's own, then UTF-8.

    >>> decode_text("café".encode("cp1252"), "windows-1252", "http://x/")
    'café'
    >>> decode_text(b"\\xef\\xbb\\xbfhi", "latin-1", "http://x/")
    'hi'
    """
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], bom_encoding, url, "its byte-order mark")
    in_document = _declared_in_document(data[:4096])
    tried: list[str] = []
    for label, where in ((declared, "the server"), (in_document, "the document")):
        if not label:
            continue
        encoding = _codec(label)
        if encoding is None:
            if where == "the server" and in_document:
                continue  # a garbled header: the document's own declaration may do
            raise FetchError(
                url, f"{where} declares charset {label!r}, which is unknown; tell the site's owner"
            )
        if encoding in _WEAK_LABELS and encoding not in tried:
            try:
                text = data.decode("utf-8")
                if not text.isascii():
                    return text
            except UnicodeDecodeError:
                pass
        if encoding in tried:
            continue
        tried.append(encoding)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if "utf-8" not in tried:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            tried.append("utf-8")
    said = " nor ".join(tried)
    how = (
        "as declared (a wrong charset at the source)"
        if declared or in_document
        else ("and no charset is declared")
    )
    raise FetchError(
        url,
        f"its text is not {said} {how}; tell the site's owner, or import the post's page instead",
    )


def _decode(data: bytes, encoding: str, url: str, where: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FetchError(
            url, f"is not {encoding} text although {where} says so (at byte {exc.start})"
        ) from None


def _declared_in_document(head: bytes) -> str | None:
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _codec(label: str) -> str | None:
    """A charset label as Python's codec name; None if Python does not know it."""
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    # WHATWG: browsers read "iso-8859-1" and "us-ascii" as windows-1252, and so do sites
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name
