"""`essaycast validate`: a table of named rules run over a feed and its local media.

Each rule is a row: the ID and level from FEED-RULES.md, what it asks, and a
check that yields one message per failure. MUST failures are errors (exit 1),
SHOULD failures are warnings. Media behind the feed's URLs is found under the
output folder when the URL starts with the base URL.

Not checked here: F5 (needs history), H1-H5 loudness (the audio tests measure
it), J1-J8 HTTP serving (serve's tests), K1-K4 client smoke tests (the test suite).

A feed whose URLs all point at this machine or the local network (a preview
for `essaycast serve`) cannot use https; A10 and D9 are not applied to it
unless `publish=True` (`--publish`), which holds it to them like any real feed.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..categories import APPLE_CATEGORIES
from ..config import EMAIL
from ..standards import (
    ARTWORK_MAX_BYTES,
    ARTWORK_MAX_PX,
    ARTWORK_MIN_PX,
    ATOM_NS,
    CONTENT_NS,
    DESCRIPTION_BYTES,
    ITUNES_NS,
    PODCAST_NS,
    TITLE_CHARS,
)

ITUNES, PODCAST, ATOM, CONTENT = ITUNES_NS, PODCAST_NS, ATOM_NS, CONTENT_NS
NS = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "content": CONTENT}

MUST, SHOULD = "MUST", "SHOULD"
Check = Callable[["Context"], Iterator[str]]

# ISO 639-1: the two-letter primary language subtags (B4)
_ISO_639_1 = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1.split())
_ITUNES_TAGS = (
    "author block category complete duration email episode episodeType explicit image "
    "isClosedCaptioned keywords name new-feed-url order owner season subtitle summary title "
    "type"
)
ITUNES_TAGS = frozenset(_ITUNES_TAGS.split())
TRANSCRIPT_TYPES = frozenset(
    {
        "text/plain",
        "text/html",
        "text/vtt",
        "application/json",
        "application/x-subrip",
        "application/srt",
    }
)
MEDIUMS = frozenset(
    {"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher", "course"}
)
PERSON_GROUPS = frozenset(
    {
        "creative direction",
        "cast",
        "writing",
        "audio production",
        "audio post-production",
        "administration",
        "visuals",
        "community",
        "misc.",
        "video production",
        "video post-production",
    }
)
RFC2822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT)$"
)
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_CLOCK = r"(\d{2,}):([0-5]\d):([0-5]\d)"
VTT_TIMING = re.compile(rf"^{_CLOCK}\.(\d{{3}}) --> {_CLOCK}\.(\d{{3}})")
SRT_TIMING = re.compile(rf"^{_CLOCK},(\d{{3}}) --> {_CLOCK},(\d{{3}})$")


@dataclass(frozen=True)
class Rule:
    """One named rule: FEED-RULES.md's ID and level, and the check that tests it."""

    id: str
    level: str
    description: str
    check: Callable[[Context], Iterator[str]]


@dataclass(frozen=True)
class Finding:
    """One failure of one rule."""

    rule: str
    level: str
    message: str

    def line(self) -> str:
        return f"{self.rule}: {'error' if self.level == MUST else 'warning'}: {self.message}"


@dataclass
class Report:
    """What validate found, and what it left out."""

    feed: Path
    findings: list[Finding] = field(default_factory=list)
    rules: int = 0
    items: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == MUST]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level != MUST]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        errors, warnings = len(self.errors), len(self.warnings)
        text = (
            f"{self.feed}: {errors} {'error' if errors == 1 else 'errors'}, {warnings} "
            f"{'warning' if warnings == 1 else 'warnings'} ({self.rules} rules, "
            f"{self.items} {'episode' if self.items == 1 else 'episodes'})"
        )
        return text + "".join(f"; {note}" for note in self.notes)


@dataclass
class Context:
    """The parsed feed and where its media lives on disk; rules read it, never change it."""

    feed_path: Path
    data: bytes
    feed_url: str
    base_url: str
    output_dir: Path
    preview: bool
    root: Any = None  # lxml element of <rss>, None when the XML did not parse
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def channel(self) -> Any:
        found = self.root.find("channel") if self.root is not None else None
        return found

    @property
    def items(self) -> list[Any]:
        return list(self.channel.findall("item")) if self.channel is not None else []

    def local(self, url: str | None) -> Path | None:
        """The file under output/ that `url` serves, if the URL is under the base URL."""
        if not url or not url.startswith(self.base_url):
            return None
        relative = url[len(self.base_url) :].split("?", 1)[0].split("#", 1)[0]
        path = (self.output_dir / relative).resolve()
        if not path.is_relative_to(self.output_dir.resolve()):
            return None
        return path

    @functools.cached_property
    def enclosures(self) -> list[tuple[Any, Any, Path | None]]:
        """(item, enclosure, local MP3) for each item with exactly one enclosure."""
        found = []
        for item in self.items:
            enclosures = item.findall("enclosure")
            if len(enclosures) == 1:
                found.append((item, enclosures[0], self.local(enclosures[0].get("url"))))
        return found

    @functools.cached_property
    def mp3s(self) -> list[tuple[str, Path]]:
        """(item title, path) of each local MP3 that exists."""
        return [
            (_label(item), path)
            for item, _, path in self.enclosures
            if path is not None and path.is_file()
        ]

    _media: dict[tuple[str, Path], Any] = field(default_factory=dict)

    def mp3_info(self, path: Path) -> Any:
        """mutagen's MP3 view of `path` (None if it is not MPEG audio), read once."""
        if ("mp3", path) not in self._media:
            self._media["mp3", path] = _mp3(path)
        return self._media["mp3", path]

    def id3(self, path: Path) -> Any:
        """The ID3v2 tag of `path`, or None, read once."""
        if ("id3", path) not in self._media:
            self._media["id3", path] = _id3(path)
        return self._media["id3", path]


# -- declaring a rule ------------------------------------------------------------

_DECLARED: list[Rule] = []


def rule(
    id: str, level: str, description: str, *, per: Callable[[Any], Check] | None = None
) -> Callable[[Any], Any]:
    """Declare the check below it as FEED-RULES.md's rule `id` (MUST or SHOULD).

    `per=_each_item` runs it on every <item> (its messages name the item);
    `per=_each_mp3` on every MP3 found in the output folder. RULES is derived.
    """

    def declare(check: Any) -> Any:
        _DECLARED.append(Rule(id, level, description, per(check) if per else check))
        return check

    return declare


# -- helpers -----------------------------------------------------------------


def _label(item: Any) -> str:
    title = (item.findtext("title") or "").strip()
    return repr(title) if title else "an untitled item"


def _text(element: Any, path: str) -> str | None:
    return element.findtext(path, namespaces=NS) if element is not None else None


def _all_urls(ctx: Context) -> Iterator[tuple[str, str]]:
    """(where, url) for every URL in the feed that A9 names."""
    ch = ctx.channel
    if ch is None:
        return
    if ch.findtext("link"):
        yield "channel link", ch.findtext("link").strip()
    for link in ch.findall("atom:link", NS):
        yield "atom:link", link.get("href", "")
    for image in ch.findall("itunes:image", NS):
        yield "channel itunes:image", image.get("href", "")
    for element in ch.iter(f"{{{PODCAST}}}*"):
        for attr in ("url", "href", "img"):
            if element.get(attr) is not None:
                yield element.tag.split("}")[1], element.get(attr)
    for item in ctx.items:
        where = f"item {_label(item)}"
        if item.findtext("link"):
            yield f"{where} link", item.findtext("link").strip()
        for enclosure in item.findall("enclosure"):
            yield f"{where} enclosure", enclosure.get("url", "")
        for image in item.findall("itunes:image", NS):
            yield f"{where} itunes:image", image.get("href", "")


def _podcast_urls(ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.root is None:
        return
    for element in ctx.root.iter(f"{{{PODCAST}}}*"):
        for attr in ("url", "href", "img"):
            value = element.get(attr)
            if value is not None:
                yield f"podcast:{element.tag.split('}')[1]} @{attr}", value


def is_local_address(url: str) -> bool:
    """Is `url` on this machine or the local network (a preview, not a publication)?

    >>> is_local_address("http://127.0.0.1:8000/"), is_local_address("https://example.org/")
    (True, False)
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _pubdate(item: Any) -> datetime | None:
    raw = (item.findtext("pubDate") or "").strip()
    try:
        return email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None


def _mp3(path: Path) -> Any:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        return MP3(str(path))
    except MutagenError:
        return None


def _id3(path: Path) -> Any:
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        return ID3(str(path))
    except ID3NoHeaderError:
        return None


def _image_problems(data: bytes, url: str) -> Iterator[tuple[str, str]]:
    """(rule, message) for artwork bytes against F1-F4."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, mode, size, info = image.format, image.mode, image.size, dict(image.info)
    except (UnidentifiedImageError, OSError):
        yield "F2", f"{url} is not a readable image"
        return
    width, height = size
    if width != height or not ARTWORK_MIN_PX <= width <= ARTWORK_MAX_PX:
        yield (
            "F1",
            (
                f"{url} is {width}x{height} px; it must be square, "
                f"{ARTWORK_MIN_PX} to {ARTWORK_MAX_PX} px a side"
            ),
        )
    path = urlsplit(url).path.lower()
    expected = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}.get(Path(path).suffix)
    if fmt not in ("JPEG", "PNG") or (expected and fmt != expected):
        yield "F2", f"{url} is a {fmt} file; it must be JPEG or PNG, matching its extension"
    if mode != "RGB":
        yield "F3", f"{url} is in {mode} mode; it must be RGB without alpha"
    dpi = info.get("dpi")
    if dpi is not None and round(float(dpi[0])) != 72:
        yield "F4", f"{url} is set to {round(float(dpi[0]))} dpi; 72 dpi is expected"
    if len(data) > ARTWORK_MAX_BYTES:
        yield (
            "F4",
            (f"{url} is {len(data) // 1024} KB; keep artwork under {ARTWORK_MAX_BYTES // 1024} KB"),
        )


def _artwork(ctx: Context) -> list[tuple[str, bytes | None]]:
    """(url, bytes or None if not local) for the channel and item itunes:image files."""
    urls: list[str] = []
    for element in ctx.root.iter(f"{{{ITUNES}}}image") if ctx.root is not None else ():
        href = element.get("href")
        if href and href not in urls:
            urls.append(href)
    found: list[tuple[str, bytes | None]] = []
    for url in urls:
        path = ctx.local(url)
        found.append((url, path.read_bytes() if path and path.is_file() else None))
    return found


def _artwork_rule(rule: str) -> Check:
    def check(ctx: Context) -> Iterator[str]:
        for url, data in _artwork(ctx):
            if data is None:
                if rule == "F1" and ctx.local(url) is not None:
                    yield f"{url}: the file is missing from the output folder"
                continue
            for found, message in _image_problems(data, url):
                if found == rule:
                    yield message

    return check


rule("F1", MUST, f"artwork square, {ARTWORK_MIN_PX} to {ARTWORK_MAX_PX} px")(_artwork_rule("F1"))
rule("F2", MUST, "artwork JPEG or PNG, matching its extension")(_artwork_rule("F2"))
rule("F3", MUST, "artwork RGB without alpha")(_artwork_rule("F3"))
rule("F4", SHOULD, f"artwork 72 dpi and at most {ARTWORK_MAX_BYTES // 1024} KB")(
    _artwork_rule("F4")
)


def _parse_clock(groups: tuple[str, ...]) -> tuple[float, float]:
    h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in groups)
    return h1 * 3600 + m1 * 60 + s1 + f1 / 1000, h2 * 3600 + m2 * 60 + s2 + f2 / 1000


def _transcripts(ctx: Context, mime: str) -> Iterator[tuple[Any, Any, Path, float | None]]:
    """(item, element, local file, episode duration) for each local transcript of `mime`."""
    for item in ctx.items:
        duration = _item_duration(ctx, item)
        for element in item.findall("podcast:transcript", NS):
            if element.get("type") != mime:
                continue
            path = ctx.local(element.get("url"))
            if path is not None and path.is_file():
                yield item, element, path, duration


def _item_duration(ctx: Context, item: Any) -> float | None:
    for candidate, _, path in ctx.enclosures:
        if candidate is item and path is not None and path.is_file():
            info = ctx.mp3_info(path)
            return float(info.info.length) if info is not None else None
    return None


# -- A. document -------------------------------------------------------------


@rule("A1", MUST, "well-formed XML in UTF-8, declared UTF-8")
def check_a1(ctx: Context) -> Iterator[str]:
    first = ctx.data.split(b"\n", 1)[0]
    if not re.match(rb"<\?xml[^>]*encoding=[\"']UTF-8[\"']", first, re.IGNORECASE):
        yield "the XML declaration does not say encoding UTF-8"
    try:
        ctx.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield f"the file is not UTF-8: {exc}"


@rule("A2", MUST, 'root <rss version="2.0"> with one <channel>')
def check_a2(ctx: Context) -> Iterator[str]:
    if ctx.root.tag != "rss" or ctx.root.get("version") != "2.0":
        yield f'the root is <{ctx.root.tag}>, not <rss version="2.0">'
    if len(ctx.root.findall("channel")) != 1:
        yield "there must be exactly one <channel>"


@rule("A3", MUST, "itunes and content namespaces declared exactly")
def check_a3(ctx: Context) -> Iterator[str]:
    declared = ctx.root.nsmap
    for prefix, uri in (("itunes", ITUNES), ("content", CONTENT)):
        if declared.get(prefix) != uri:
            yield f"xmlns:{prefix} must be {uri!r}, not {declared.get(prefix)!r}"


@rule("A4", MUST, "podcast prefix bound to the canonical namespace URI")
def check_a4(ctx: Context) -> Iterator[str]:
    uses = any(True for _ in ctx.root.iter(f"{{{PODCAST}}}*"))
    for prefix, uri in ctx.root.nsmap.items():
        if prefix == "podcast" and uri != PODCAST:
            yield f"xmlns:podcast is {uri!r}; it must be {PODCAST!r}"
    if uses and ctx.root.nsmap.get("podcast") != PODCAST:
        yield f"podcast:* elements are used but the prefix is not bound to {PODCAST!r}"


@rule("A5", MUST, "one atom:link rel=self pointing at the feed")
def check_a5(ctx: Context) -> Iterator[str]:
    links = [link for link in ctx.channel.findall("atom:link", NS) if link.get("rel") == "self"]
    if len(links) != 1:
        yield f'there must be one atom:link rel="self"; found {len(links)}'
        return
    href, kind = links[0].get("href"), links[0].get("type")
    if href != ctx.feed_url:
        yield f"atom:link self is {href!r}, but the feed is published at {ctx.feed_url!r}"
    if kind != "application/rss+xml":
        yield f'atom:link self has type {kind!r}; use "application/rss+xml"'


@rule("A6", MUST, "iTunes tag names in their exact case")
def check_a6(ctx: Context) -> Iterator[str]:
    for element in ctx.root.iter(f"{{{ITUNES}}}*"):
        name = element.tag.split("}")[1]
        if name not in ITUNES_TAGS:
            near = [t for t in ITUNES_TAGS if t.lower() == name.lower()]
            yield f"itunes:{name} is not an iTunes tag" + (
                f"; did you mean itunes:{near[0]}?" if near else ""
            )


@rule("A7", MUST, "no leading or trailing whitespace in values")
def check_a7(ctx: Context) -> Iterator[str]:
    for element in ctx.root.iter():
        if not isinstance(element.tag, str):
            continue
        if len(element) == 0 and element.text and element.text != element.text.strip():
            yield f"<{_qname(element)}> text has leading or trailing whitespace"
        for attr in ("url", "href", "length", "type", "text"):
            value = element.get(attr)
            if value is not None and value != value.strip():
                yield f"<{_qname(element)} {attr}> has leading or trailing whitespace"


def _qname(element: Any) -> str:
    if "}" not in element.tag:
        return element.tag
    uri, name = element.tag[1:].split("}")
    prefix = next((p for p, u in NS.items() if u == uri), "?")
    return f"{prefix}:{name}"


@rule("A8", SHOULD, f"titles and names at most {TITLE_CHARS} characters")
def check_a8(ctx: Context) -> Iterator[str]:
    for path in ("title", "itunes:author", "itunes:owner/itunes:name"):
        for element in [ctx.channel, *ctx.items]:
            value = _text(element, path)
            if value and len(value) > TITLE_CHARS:
                yield f"{path} is {len(value)} characters; keep it to {TITLE_CHARS}"


@rule("A9", MUST, "every URL absolute http(s)")
def check_a9(ctx: Context) -> Iterator[str]:
    for where, url in _all_urls(ctx):
        if not _absolute(url):
            yield f"{where} {url!r} is not an absolute http(s) URL"


@rule("A10", SHOULD, "URLs use https")
def check_a10(ctx: Context) -> Iterator[str]:
    if ctx.preview:
        return
    urls = list(_all_urls(ctx))
    plain = [url for _, url in urls if url.startswith("http:")]
    if plain:
        yield f"{len(plain)} URLs use http, not https (first: {plain[0]})"


@rule("A11", SHOULD, "ASCII-only file names in URLs")
def check_a11(ctx: Context) -> Iterator[str]:
    for where, url in _all_urls(ctx):
        path = urlsplit(url).path
        if path and not re.fullmatch(r"[A-Za-z0-9._/~-]+", path):
            yield f"{where} {url!r}: use only ASCII letters, digits, . _ - / in file names"


@rule("A12", SHOULD, "lastBuildDate stable: the newest pubDate")
def check_a12(ctx: Context) -> Iterator[str]:
    built = (ctx.channel.findtext("lastBuildDate") or "").strip()
    dates = [d for d in (_pubdate(i) for i in ctx.items) if d is not None]
    if built and dates:
        try:
            stamp = email.utils.parsedate_to_datetime(built)
        except (TypeError, ValueError, IndexError):
            yield f"lastBuildDate {built!r} is not an RFC 2822 date"
            return
        if stamp != max(dates):
            yield (
                "lastBuildDate is not the newest pubDate: a feed regenerated without "
                "changes would change bytes"
            )


# -- B. channel --------------------------------------------------------------


@rule("B1", MUST, f"channel title present, at most {TITLE_CHARS} characters")
def check_b1(ctx: Context) -> Iterator[str]:
    titles = ctx.channel.findall("title")
    if len(titles) != 1 or not (titles[0].text or "").strip():
        yield "the channel needs exactly one non-empty <title>"
    elif len(titles[0].text) > TITLE_CHARS:
        yield (f"the channel title is {len(titles[0].text)} characters; the limit is {TITLE_CHARS}")


@rule("B2", MUST, f"channel description present, at most {DESCRIPTION_BYTES} bytes")
def check_b2(ctx: Context) -> Iterator[str]:
    text = ctx.channel.findtext("description") or ""
    if not text.strip():
        yield "the channel <description> is empty"
    elif len(text.encode("utf-8")) > DESCRIPTION_BYTES:
        yield (
            f"the channel description is {len(text.encode('utf-8'))} bytes; "
            f"the limit is {DESCRIPTION_BYTES}"
        )


@rule("B3", MUST, "channel link is the website, not the feed")
def check_b3(ctx: Context) -> Iterator[str]:
    link = (ctx.channel.findtext("link") or "").strip()
    if not _absolute(link):
        yield f"the channel <link> {link!r} is not an absolute URL"
    elif link == ctx.feed_url:
        yield "the channel <link> is the feed itself; it must be the show's website"


@rule("B4", MUST, "channel language is an ISO 639 code")
def check_b4(ctx: Context) -> Iterator[str]:
    language = (ctx.channel.findtext("language") or "").strip()
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", language):
        yield f"<language> {language!r} is not a language code such as en or en-GB"
        return
    primary = language.split("-")[0]
    if len(primary) == 2 and primary not in ISO_639_1:
        yield f"<language> {language!r}: {primary!r} is not an ISO 639 language"


@rule("B5", MUST, "itunes:category from Apple's list")
def check_b5(ctx: Context) -> Iterator[str]:
    categories = ctx.channel.findall("itunes:category", NS)
    if not categories:
        yield "the channel has no itunes:category"
    for category in categories:
        name = category.get("text", "")
        if name not in APPLE_CATEGORIES:
            yield f"itunes:category {name!r} is not an Apple category"
            continue
        for sub in category.findall("itunes:category", NS):
            if sub.get("text") not in APPLE_CATEGORIES[name]:
                yield f"{sub.get('text')!r} is not a subcategory of {name!r}"


@rule("B6", MUST, "channel itunes:explicit true or false")
def check_b6(ctx: Context) -> Iterator[str]:
    values = [e.text for e in ctx.channel.findall("itunes:explicit", NS)]
    if len(values) != 1 or values[0] not in ("true", "false"):
        yield f"the channel needs one itunes:explicit of true or false; found {values}"


@rule("B7", MUST, "one channel itunes:image, absolute .jpg/.png URL")
def check_b7(ctx: Context) -> Iterator[str]:
    images = ctx.channel.findall("itunes:image", NS)
    if len(images) != 1:
        yield f"the channel needs exactly one itunes:image; found {len(images)}"
        return
    href = images[0].get("href", "")
    if not _absolute(href) or not urlsplit(href).path.lower().endswith((".jpg", ".jpeg", ".png")):
        yield f"itunes:image {href!r} must be an absolute URL ending in .jpg or .png"


@rule("B8", SHOULD, "channel itunes:author present")
def check_b8(ctx: Context) -> Iterator[str]:
    if not (_text(ctx.channel, "itunes:author") or "").strip():
        yield "the channel has no itunes:author"


@rule("B9", SHOULD, "itunes:owner with name and e-mail")
def check_b9(ctx: Context) -> Iterator[str]:
    owner = ctx.channel.find("itunes:owner", NS)
    if owner is None:
        yield "the channel has no itunes:owner (Spotify verifies ownership by its e-mail)"
        return
    if not (_text(owner, "itunes:name") or "").strip():
        yield "itunes:owner has no itunes:name"
    mail = (_text(owner, "itunes:email") or "").strip()
    if not EMAIL.match(mail):
        yield f"itunes:owner e-mail {mail!r} is not an e-mail address"


@rule("B10", SHOULD, "itunes:type episodic or serial")
def check_b10(ctx: Context) -> Iterator[str]:
    kind = _text(ctx.channel, "itunes:type")
    if kind not in ("episodic", "serial"):
        yield f"itunes:type is {kind!r}; use episodic or serial"
    if kind == "serial":
        for item in ctx.items:
            if item.find("itunes:episode", NS) is None:
                yield f"item {_label(item)} has no itunes:episode, which a serial show needs"


@rule("B11", MUST, "itunes:block / itunes:complete not set to yes")
def check_b11(ctx: Context) -> Iterator[str]:
    for name in ("block", "complete"):
        value = _text(ctx.channel, f"itunes:{name}")
        if value is not None and value.strip().lower() == "yes":
            yield f"itunes:{name} is yes: the show is {'hidden' if name == 'block' else 'closed'}"


@rule("B12", MUST, "at least one episode with an enclosure")
def check_b12(ctx: Context) -> Iterator[str]:
    if not ctx.enclosures:
        yield "the feed has no episode with an enclosure"


@rule("B13", SHOULD, "items newest first")
def check_b13(ctx: Context) -> Iterator[str]:
    dates = [_pubdate(item) for item in ctx.items]
    known = [d for d in dates if d is not None]
    if known != sorted(known, reverse=True):
        yield "items are not ordered newest first"


@rule("B14", SHOULD, "channel copyright present")
def check_b14(ctx: Context) -> Iterator[str]:
    if not (ctx.channel.findtext("copyright") or "").strip():
        yield "the channel has no <copyright>"


@rule("B15", SHOULD, "podcast:guid and podcast:locked present")
def check_b15(ctx: Context) -> Iterator[str]:
    for name in ("guid", "locked"):
        if ctx.channel.find(f"podcast:{name}", NS) is None:
            yield f"the channel has no podcast:{name}"


# -- C. items ----------------------------------------------------------------


def _each_item(check: Callable[[Any, Context], Iterator[str]]) -> Check:
    def run(ctx: Context) -> Iterator[str]:
        for item in ctx.items:
            for message in check(item, ctx):
                yield f"item {_label(item)}: {message}"

    return run


@rule("C1", MUST, f"item title present, at most {TITLE_CHARS} characters", per=_each_item)
def check_c1(item: Any, ctx: Context) -> Iterator[str]:
    title = (item.findtext("title") or "").strip()
    if not title:
        yield "has no title"
    elif len(title) > TITLE_CHARS:
        yield f"title is {len(title)} characters; the limit is {TITLE_CHARS}"


@rule("C2", MUST, "one enclosure with url, length and type", per=_each_item)
def check_c2(item: Any, ctx: Context) -> Iterator[str]:
    enclosures = item.findall("enclosure")
    if len(enclosures) != 1:
        yield f"has {len(enclosures)} enclosures; it needs exactly one"
        return
    missing = [a for a in ("url", "length", "type") if not enclosures[0].get(a)]
    if missing:
        yield f"enclosure lacks {', '.join(missing)}"


@rule("C3", MUST, "enclosure length is the file's exact byte size")
def check_c3(ctx: Context) -> Iterator[str]:
    for item, enclosure, path in ctx.enclosures:
        length = enclosure.get("length", "")
        if not length.isdigit() or int(length) <= 0:
            yield f"item {_label(item)}: enclosure length {length!r} is not a byte count"
            continue
        if path is None:
            continue  # not under base_url: nothing on this disk to compare with
        if not path.is_file():
            yield f"item {_label(item)}: {enclosure.get('url')} is missing from the output folder"
        elif path.stat().st_size != int(length):
            yield (
                f"item {_label(item)}: enclosure length {length} but the file has "
                f"{path.stat().st_size} bytes"
            )


@rule("C4", MUST, "enclosure type audio/mpeg", per=_each_item)
def check_c4(item: Any, ctx: Context) -> Iterator[str]:
    for enclosure in item.findall("enclosure"):
        if enclosure.get("type") != "audio/mpeg":
            yield f"enclosure type is {enclosure.get('type')!r}; an MP3 is audio/mpeg"


@rule("C5", MUST, "enclosure URL absolute, ending in .mp3", per=_each_item)
def check_c5(item: Any, ctx: Context) -> Iterator[str]:
    for enclosure in item.findall("enclosure"):
        url = enclosure.get("url", "")
        parts = urlsplit(url)
        if not _absolute(url) or not parts.path.lower().endswith(".mp3"):
            yield f"enclosure URL {url!r} must be absolute and end in .mp3"
        elif parts.query:
            yield f"enclosure URL {url!r} has a query string"


@rule("C6", MUST, "enclosure URLs unique")
def check_c6(ctx: Context) -> Iterator[str]:
    urls = [e.get("url") for item in ctx.items for e in item.findall("enclosure")]
    for url in sorted({u for u in urls if urls.count(u) > 1}):
        yield f"enclosure URL {url} is used by more than one item"


@rule("C7", MUST, "item guid present and unique")
def check_c7(ctx: Context) -> Iterator[str]:
    guids: list[str] = []
    for item in ctx.items:
        guid = item.find("guid")
        text = (guid.text or "").strip() if guid is not None else ""
        if not text:
            yield f"item {_label(item)} has no guid"
            continue
        if guid.get("isPermaLink", "true") != "false" and not _absolute(text):
            yield f'item {_label(item)}: guid {text!r} is not a URL; set isPermaLink="false"'
        guids.append(text)
    for guid in sorted({g for g in guids if guids.count(g) > 1}):
        yield f"guid {guid} is used by more than one item"


@rule("C8", MUST, "pubDate in RFC 2822 with the right weekday", per=_each_item)
def check_c8(item: Any, ctx: Context) -> Iterator[str]:
    raw = (item.findtext("pubDate") or "").strip()
    when = _pubdate(item)
    if not RFC2822.match(raw) or when is None:
        yield f"pubDate {raw!r} is not an RFC 2822 date"
    elif raw[:3] != when.strftime("%a"):
        yield f"pubDate {raw!r}: the weekday does not match the date"


@rule("C9", SHOULD, "pubDate not in the future", per=_each_item)
def check_c9(item: Any, ctx: Context) -> Iterator[str]:
    when = _pubdate(item)
    if when is not None and when.tzinfo is not None and when > ctx.now:
        yield f"pubDate {item.findtext('pubDate')} is in the future; AntennaPod drops it"


@rule(
    "C10",
    SHOULD,
    f"item description present, at most {DESCRIPTION_BYTES} bytes",
    per=_each_item,
)
def check_c10(item: Any, ctx: Context) -> Iterator[str]:
    text = item.findtext("description") or ""
    if not text.strip():
        yield "has no description"
    elif len(text.encode("utf-8")) > DESCRIPTION_BYTES:
        yield f"description is {len(text.encode('utf-8'))} bytes; the limit is {DESCRIPTION_BYTES}"


@rule("C11", SHOULD, "itunes:duration whole seconds, within 1 s of the file")
def check_c11(ctx: Context) -> Iterator[str]:
    for item, _, path in ctx.enclosures:
        value = (_text(item, "itunes:duration") or "").strip()
        if not re.fullmatch(r"\d+", value):
            yield f"item {_label(item)}: itunes:duration {value!r} is not whole seconds"
            continue
        if path is not None and path.is_file() and ctx.mp3_info(path) is not None:
            length = float(ctx.mp3_info(path).info.length)
            if abs(int(value) - length) > 1:
                yield (
                    f"item {_label(item)}: itunes:duration {value} s but the MP3 lasts "
                    f"{length:.1f} s"
                )


@rule("C12", SHOULD, "itunes:episode a positive integer, unique per season")
def check_c12(ctx: Context) -> Iterator[str]:
    seen: dict[tuple[str | None, str], int] = {}
    for item in ctx.items:
        value = _text(item, "itunes:episode")
        if value is None:
            continue
        if not value.isdigit() or int(value) < 1:
            yield f"item {_label(item)}: itunes:episode {value!r} is not a positive integer"
            continue
        key = (_text(item, "itunes:season"), value)
        seen[key] = seen.get(key, 0) + 1
    for (season, number), count in sorted(seen.items(), key=str):
        if count > 1:
            yield f"episode number {number} (season {season or '-'}) is used {count} times"


@rule("C13", SHOULD, "itunes:season a positive integer", per=_each_item)
def check_c13(item: Any, ctx: Context) -> Iterator[str]:
    value = _text(item, "itunes:season")
    if value is not None and (not value.isdigit() or int(value) < 1):
        yield f"itunes:season {value!r} is not a positive integer"


@rule("C14", SHOULD, "itunes:episodeType full, trailer or bonus", per=_each_item)
def check_c14(item: Any, ctx: Context) -> Iterator[str]:
    value = _text(item, "itunes:episodeType")
    if value is not None and value not in ("full", "trailer", "bonus"):
        yield f"itunes:episodeType {value!r}; use full, trailer or bonus"


@rule("C15", SHOULD, "item itunes:explicit true or false", per=_each_item)
def check_c15(item: Any, ctx: Context) -> Iterator[str]:
    values = [e.text for e in item.findall("itunes:explicit", NS)]
    if len(values) != 1 or values[0] not in ("true", "false"):
        yield f"itunes:explicit should be true or false; found {values}"


@rule("C16", SHOULD, "item link absolute", per=_each_item)
def check_c16(item: Any, ctx: Context) -> Iterator[str]:
    link = (item.findtext("link") or "").strip()
    if not _absolute(link):
        yield f"<link> {link!r} is not an absolute URL of the episode's page"


@rule("C17", SHOULD, "item itunes:image absolute .jpg/.png URL", per=_each_item)
def check_c17(item: Any, ctx: Context) -> Iterator[str]:
    for image in item.findall("itunes:image", NS):
        href = image.get("href", "")
        if not _absolute(href) or not urlsplit(href).path.lower().endswith(
            (".jpg", ".jpeg", ".png")
        ):
            yield f"itunes:image {href!r} must be an absolute URL ending in .jpg or .png"


@rule("C18", MUST, "item itunes:block not set to yes", per=_each_item)
def check_c18(item: Any, ctx: Context) -> Iterator[str]:
    value = _text(item, "itunes:block")
    if value is not None and value.strip().lower() == "yes":
        yield "itunes:block is yes: the episode is hidden"


# -- D. Podcast Namespace ------------------------------------------------------


@rule("D1", MUST, "single podcast:guid, locked, medium; one chapters per item")
def check_d1(ctx: Context) -> Iterator[str]:
    for name in ("guid", "locked", "medium"):
        count = len(ctx.channel.findall(f"podcast:{name}", NS))
        if count > 1:
            yield f"the channel has {count} podcast:{name} elements; at most one"
    for item in ctx.items:
        if len(item.findall("podcast:chapters", NS)) > 1:
            yield f"item {_label(item)} has more than one podcast:chapters"


@rule("D2", SHOULD, "podcast:guid a UUIDv5 of the feed URL")
def check_d2(ctx: Context) -> Iterator[str]:
    from ..publish.feed import podcast_guid

    guid = (_text(ctx.channel, "podcast:guid") or "").strip()
    if not guid:
        return
    if not UUID_RE.match(guid) or guid[14] != "5":
        yield f"podcast:guid {guid!r} is not a version 5 UUID"
    elif guid != podcast_guid(ctx.feed_url):
        # allowed when the feed moved: the GUID is fixed at first publication
        yield f"podcast:guid {guid} is not derived from {ctx.feed_url} (fine if the feed moved)"


@rule("D3", SHOULD, "podcast:locked yes or no, owner an e-mail")
def check_d3(ctx: Context) -> Iterator[str]:
    locked = ctx.channel.find("podcast:locked", NS)
    if locked is None:
        return
    if (locked.text or "").strip() not in ("yes", "no"):
        yield f"podcast:locked is {locked.text!r}; use yes or no"
    owner = locked.get("owner")
    if owner is not None and not EMAIL.match(owner):
        yield f"podcast:locked owner {owner!r} is not an e-mail address"


@rule("D4", MUST, "podcast:transcript url and a known type")
def check_d4(ctx: Context) -> Iterator[str]:
    for item in ctx.items:
        for element in item.findall("podcast:transcript", NS):
            kind, rel = element.get("type"), element.get("rel")
            if not element.get("url"):
                yield f"item {_label(item)}: a podcast:transcript has no url"
            if kind not in TRANSCRIPT_TYPES:
                yield f"item {_label(item)}: podcast:transcript type {kind!r} is not recognised"
            if rel is not None and (
                rel != "captions"
                or kind
                not in ("text/vtt", "application/x-subrip", "application/srt", "application/json")
            ):
                yield f"item {_label(item)}: podcast:transcript rel={rel!r} on a {kind} file"


@rule("D5", MUST, "podcast:chapters url and type application/json+chapters")
def check_d5(ctx: Context) -> Iterator[str]:
    for item in ctx.items:
        for element in item.findall("podcast:chapters", NS):
            if not element.get("url"):
                yield f"item {_label(item)}: podcast:chapters has no url"
            if element.get("type") != "application/json+chapters":
                yield (
                    f"item {_label(item)}: podcast:chapters type {element.get('type')!r}; "
                    "use application/json+chapters"
                )


@rule("D6", MUST, "podcast:person name and group from the taxonomy")
def check_d6(ctx: Context) -> Iterator[str]:
    for person in ctx.root.iter(f"{{{PODCAST}}}person"):
        name = (person.text or "").strip()
        if not name or len(name) > 128:
            yield f"podcast:person {name!r} must have a name of 1 to 128 characters"
        group = (person.get("group") or "cast").lower()
        if group not in PERSON_GROUPS:
            yield f"podcast:person {name!r}: group {group!r} is not in the taxonomy"


@rule("D7", MUST, "podcast:funding url, text at most 128 characters")
def check_d7(ctx: Context) -> Iterator[str]:
    for funding in ctx.root.iter(f"{{{PODCAST}}}funding"):
        if not funding.get("url"):
            yield "podcast:funding has no url"
        if len((funding.text or "").strip()) > 128:
            yield "podcast:funding text is longer than 128 characters"


@rule("D8", SHOULD, "podcast:medium a known value")
def check_d8(ctx: Context) -> Iterator[str]:
    medium = _text(ctx.channel, "podcast:medium")
    if medium is None:
        return
    base = medium[:-1] if medium.endswith("L") else medium
    if base not in MEDIUMS and medium != "mixed":
        yield f"podcast:medium {medium!r} is not a known medium"


@rule("D9", MUST, "podcast:* URLs use https")
def check_d9(ctx: Context) -> Iterator[str]:
    if ctx.preview:
        return
    for where, url in _podcast_urls(ctx):
        if not url.startswith("https:"):
            yield f"{where} {url} must use https"


@rule("D10", SHOULD, "podcast:season / podcast:episode numeric")
def check_d10(ctx: Context) -> Iterator[str]:
    for element in ctx.root.iter(f"{{{PODCAST}}}season"):
        if not (element.text or "").strip().isdigit():
            yield f"podcast:season {element.text!r} is not an integer"
    for element in ctx.root.iter(f"{{{PODCAST}}}episode"):
        try:
            float((element.text or "").strip())
        except ValueError:
            yield f"podcast:episode {element.text!r} is not a number"


# -- E. chapter and transcript files ----------------------------------------------


def _chapter_files(ctx: Context) -> Iterator[tuple[Any, Path, float | None]]:
    for item in ctx.items:
        for element in item.findall("podcast:chapters", NS):
            path = ctx.local(element.get("url"))
            if path is not None and path.is_file():
                yield item, path, _item_duration(ctx, item)


def _load_chapters(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@rule("E1", MUST, "JSON chapters: version, chapters[], startTime numbers")
def check_e1(ctx: Context) -> Iterator[str]:
    for _, path, _ in _chapter_files(ctx):
        data = _load_chapters(path)
        where = f"{path.name}"
        if not isinstance(data, dict):
            yield f"{where} is not a JSON object"
            continue
        if not isinstance(data.get("version"), str):
            yield f"{where} has no version string"
        chapters = data.get("chapters")
        if not isinstance(chapters, list):
            yield f"{where} has no chapters array"
            continue
        for n, chapter in enumerate(chapters, start=1):
            start = chapter.get("startTime") if isinstance(chapter, dict) else None
            if not isinstance(start, int | float) or isinstance(start, bool) or start < 0:
                yield f"{where} chapter {n}: startTime must be a number >= 0"
                continue
            end = chapter.get("endTime")
            if end is not None and (not isinstance(end, int | float) or end <= start):
                yield f"{where} chapter {n}: endTime must be a number after startTime"
            if "title" in chapter and not isinstance(chapter["title"], str):
                yield f"{where} chapter {n}: title must be a string"
            for key in ("img", "url"):
                if key in chapter and not str(chapter[key]).startswith("https://"):
                    yield f"{where} chapter {n}: {key} must be an https URL"


@rule("E2", SHOULD, "JSON chapters sorted, first at 0, inside the episode")
def check_e2(ctx: Context) -> Iterator[str]:
    for _, path, duration in _chapter_files(ctx):
        data = _load_chapters(path)
        if not isinstance(data, dict) or not isinstance(data.get("chapters"), list):
            continue
        chapters = [
            c
            for c in data["chapters"]
            if isinstance(c, dict) and isinstance(c.get("startTime"), int | float)
        ]
        starts = [c["startTime"] for c in chapters]
        if starts != sorted(starts):
            yield f"{path.name}: chapters are not sorted by startTime"
        if starts and starts[0] != 0:
            yield f"{path.name}: the first chapter starts at {starts[0]}, not 0"
        if duration is not None and any(s >= duration for s in starts):
            yield f"{path.name}: a chapter starts after the episode ends ({duration:.1f} s)"
        for before, after in zip(chapters, chapters[1:], strict=False):
            if isinstance(before.get("endTime"), int | float) and (
                before["endTime"] > after["startTime"] + 0.001
            ):
                yield f"{path.name}: chapters overlap at {after['startTime']}"


@rule("E4", MUST, "WebVTT header and ordered cue timings")
def check_e4(ctx: Context) -> Iterator[str]:
    for _, element, path, duration in _transcripts(ctx, "text/vtt"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if not text.startswith(("WEBVTT", "\ufeffWEBVTT")):
            yield f"{path.name} does not start with WEBVTT"
            continue
        previous = 0.0
        for row in text.splitlines():
            if "-->" not in row:
                continue
            match = VTT_TIMING.match(row)
            if not match:
                yield f"{path.name}: bad cue timing {row!r}"
                break
            start, end = _parse_clock(match.groups())
            if start < previous or end < start:
                yield f"{path.name}: cue at {row[:12]} runs backwards"
                break
            if duration is not None and end > duration + 0.5:
                yield f"{path.name}: cue at {row[:12]} ends after the episode ({duration:.1f} s)"
                break
            previous = start
        if element.get("rel") == "captions":  # caption lines are read on screen: keep them short
            long = [r for r in _cue_text_rows(text) if len(r) > 65]
            if long:
                yield f"{path.name}: {len(long)} caption lines are longer than 65 characters"


def _cue_text_rows(text: str) -> list[str]:
    rows: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            if "-->" in line:
                rows += lines[i + 1 :]
                break
    return rows


@rule("E5", SHOULD, "SRT numbered cues with HH:MM:SS,mmm timings")
def check_e5(ctx: Context) -> Iterator[str]:
    for _, element, path, _ in _transcripts(ctx, "application/x-subrip"):
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
        for expected, block in enumerate(blocks, start=1):
            lines = block.splitlines()
            if (
                len(lines) < 3
                or lines[0].strip() != str(expected)
                or not SRT_TIMING.match(lines[1].strip())
            ):
                yield f"{path.name}: cue {expected} is not 'number, HH:MM:SS,mmm --> ..., text'"
                break
            if element.get("rel") == "captions" and (
                len(lines) > 4 or any(len(line) > 32 for line in lines[2:])
            ):
                yield f"{path.name}: caption cue {expected} exceeds 2 lines of 32 characters"
                break


@rule("E7", SHOULD, "JSON chapters agree with the ID3 CHAP frames")
def check_e7(ctx: Context) -> Iterator[str]:
    for item, path, _ in _chapter_files(ctx):
        mp3 = next((p for i, _, p in ctx.enclosures if i is item and p and p.is_file()), None)
        data = _load_chapters(path)
        if mp3 is None or not isinstance(data, dict) or ctx.id3(mp3) is None:
            continue
        frames = sorted(ctx.id3(mp3).getall("CHAP"), key=lambda f: f.start_time)
        if not frames:
            continue
        json_marks = [
            (round(c.get("startTime", 0) * 1000), c.get("title"))
            for c in data.get("chapters", [])
            if isinstance(c, dict)
        ]
        id3_marks = [
            (f.start_time, str(f.sub_frames["TIT2"]) if "TIT2" in f.sub_frames else None)
            for f in frames
        ]
        if len(json_marks) != len(id3_marks) or any(
            abs(a[0] - b[0]) > 2 or a[1] != b[1]
            for a, b in zip(json_marks, id3_marks, strict=False)
        ):
            yield f"{path.name} and the CHAP frames in {mp3.name} disagree"


# -- G. MP3 technical / I. ID3 ---------------------------------------------------


def _each_mp3(check: Callable[[Path, Any, Context], Iterator[str]]) -> Check:
    def run(ctx: Context) -> Iterator[str]:
        for _, path in ctx.mp3s:
            for message in check(path, ctx.mp3_info(path), ctx):
                yield f"{path.name}: {message}"

    return run


@rule("G1", MUST, "MPEG-1/2 audio layer III", per=_each_mp3)
def check_g1(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is None:
        yield "is not an MPEG audio file"
    elif mp3.info.layer != 3:
        yield f"is MPEG layer {mp3.info.layer}, not layer III (MP3)"


@rule("G2", MUST, "decodes without errors", per=_each_mp3)
def check_g2(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    from ..ffmpeg import ffmpeg_command

    proc = subprocess.run(
        ffmpeg_command(["-i", str(path), "-f", "null", "-"]), capture_output=True, text=True
    )
    if proc.returncode != 0 or proc.stderr.strip():
        yield f"ffmpeg reports decoding errors: {proc.stderr.strip().splitlines()[-1:]}"
    if shutil.which("mp3val"):  # a finer frame/Xing check, when installed
        out = subprocess.run(["mp3val", str(path)], capture_output=True, text=True).stdout
        problems = [line for line in out.splitlines() if line.startswith(("WARNING", "PROBLEM"))]
        if problems:
            yield f"mp3val: {problems[0]}"


@rule("G3", MUST, "duration greater than zero", per=_each_mp3)
def check_g3(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is not None and mp3.info.length <= 0:
        yield "has no duration"


@rule("G4", SHOULD, "constant bit rate", per=_each_mp3)
def check_g4(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    from mutagen.mp3 import BitrateMode

    if mp3 is not None and mp3.info.bitrate_mode not in (BitrateMode.CBR, BitrateMode.UNKNOWN):
        yield f"is {mp3.info.bitrate_mode.name} bit rate; constant bit rate seeks reliably"


@rule("G5", SHOULD, "44.1 kHz (or 48 kHz)", per=_each_mp3)
def check_g5(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is not None and mp3.info.sample_rate not in (44100, 48000):
        yield f"sample rate is {mp3.info.sample_rate} Hz; use 44100"


# MPEG audio's own bit rates (kbps): mutagen averages over the file, so a short CBR file
# can read 95 for 96; the nearest standard rate is what the encoder was asked for.
_KBPS = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)


def _kbps(mp3: Any) -> int:
    return min(_KBPS, key=lambda rate: abs(rate * 1000 - mp3.info.bitrate))


@rule("G6", MUST, "bit rate at Apple's minimum or above", per=_each_mp3)
def check_g6(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is None:
        return
    floor = 32 if mp3.info.channels == 1 else 64
    if _kbps(mp3) < floor:
        yield f"bit rate {_kbps(mp3)} kbps is under Apple's {floor} kbps"


@rule("G7", SHOULD, "bit rate 96-128 kbps mono", per=_each_mp3)
def check_g7(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is None:
        return
    low, high = (96, 128) if mp3.info.channels == 1 else (128, 256)
    if not low <= _kbps(mp3) <= high:
        yield f"bit rate {_kbps(mp3)} kbps; {low}-{high} kbps is recommended"


@rule("G8", SHOULD, "mono for a single voice", per=_each_mp3)
def check_g8(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    if mp3 is not None and mp3.info.channels != 1:
        yield f"has {mp3.info.channels} channels; one voice needs only mono"


@rule("G9", SHOULD, "ID3v2 tag at byte 0", per=_each_mp3)
def check_g9(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    with open(path, "rb") as handle:
        if handle.read(3) != b"ID3":
            yield "does not start with an ID3v2 tag"


@rule("I1", SHOULD, "ID3v2.3 tags", per=_each_mp3)
def check_i1(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    tags = ctx.id3(path)
    if tags is None:
        yield "has no ID3v2 tag"
    elif tags.version[:2] != (2, 3):
        yield f"has an ID3v2.{tags.version[1]} tag; v2.3 is read by the most players"


@rule("I2", SHOULD, "TIT2, TPE1, TALB and TCON=Podcast frames", per=_each_mp3)
def check_i2(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    tags = ctx.id3(path)
    if tags is None:
        return
    missing = [f for f in ("TIT2", "TPE1", "TALB", "TCON") if not tags.getall(f)]
    if missing:
        yield f"lacks the {', '.join(missing)} frames"
    elif str(tags["TCON"]) != "Podcast":
        yield f"genre is {str(tags['TCON'])!r}, not Podcast"


@rule("I3", SHOULD, "one front-cover APIC, square, tag under 300 KB", per=_each_mp3)
def check_i3(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    import io

    from PIL import Image, UnidentifiedImageError

    tags = ctx.id3(path)
    if tags is None:
        return
    covers = [a for a in tags.getall("APIC") if a.type == 3]
    if len(covers) != 1:
        yield f"has {len(covers)} front-cover APIC frames; one is expected"
        return
    if covers[0].mime not in ("image/jpeg", "image/png"):
        yield f"cover art is {covers[0].mime}; use image/jpeg or image/png"
    try:
        with Image.open(io.BytesIO(covers[0].data)) as image:
            width, height = image.size
        if width != height:
            yield f"cover art is {width}x{height}, not square"
    except (UnidentifiedImageError, OSError):
        yield "cover art is not a readable image"
    if tags.size > 300 * 1024:
        yield f"the ID3 tag is {tags.size // 1024} KB; keep it under 300 KB (art ~800 px)"


@rule("I4", SHOULD, "CHAP frames ordered, titled, listed by one CTOC", per=_each_mp3)
def check_i4(path: Path, mp3: Any, ctx: Context) -> Iterator[str]:
    from mutagen.id3 import CTOCFlags

    tags = ctx.id3(path)
    if tags is None or not tags.getall("CHAP"):
        return
    chapters = sorted(tags.getall("CHAP"), key=lambda f: f.start_time)
    tocs = tags.getall("CTOC")
    if len(tocs) != 1:
        yield f"has {len(tocs)} CTOC frames; one lists the chapters"
    else:
        toc = tocs[0]
        if not (toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED):
            yield "CTOC is not flagged top-level and ordered"
        if list(toc.child_element_ids) != [c.element_id for c in chapters]:
            yield "CTOC does not list every CHAP in time order"
    if chapters[0].start_time != 0:
        yield f"the first chapter starts at {chapters[0].start_time} ms, not 0"
    duration_ms = (mp3.info.length * 1000) if mp3 is not None else None
    for before, after in zip(chapters, chapters[1:], strict=False):
        if before.end_time > after.start_time:
            yield f"chapters {before.element_id} and {after.element_id} overlap"
    for chapter in chapters:
        if chapter.start_time >= chapter.end_time:
            yield f"chapter {chapter.element_id} ends before it starts"
        if duration_ms is not None and chapter.end_time > duration_ms + 500:
            yield f"chapter {chapter.element_id} ends after the episode"
        if "TIT2" not in chapter.sub_frames:
            yield f"chapter {chapter.element_id} has no title (TIT2)"


# -- the table ---------------------------------------------------------------------

# Derived from the declarations above, in FEED-RULES.md's order (A1, A2, ..., A10, B1, ...).
RULES: tuple[Rule, ...] = tuple(sorted(_DECLARED, key=lambda r: (r.id[0], int(r.id[1:]))))


def validate_feed(
    feed: Path,
    *,
    base_url: str | None = None,
    feed_url: str | None = None,
    publish: bool = False,
    rules: tuple[Rule, ...] = RULES,
) -> Report:
    """Run every rule over `feed` and the media beside it; return the findings."""
    from lxml import etree

    data = feed.read_bytes()
    report = Report(feed=feed, rules=len(rules))
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        report.findings.append(Finding("A1", MUST, f"not well-formed XML: {exc}"))
        return report
    self_link = root.find("channel/atom:link[@rel='self']", NS)
    feed_url = feed_url or (self_link.get("href") if self_link is not None else None) or ""
    base = base_url or (feed_url.rsplit("/", 1)[0] + "/" if feed_url else "")
    preview = bool(base) and not publish and is_local_address(base)
    ctx = Context(
        feed_path=feed,
        data=data,
        feed_url=feed_url,
        base_url=base,
        output_dir=feed.parent,
        preview=preview,
        root=root,
    )
    report.items = len(ctx.items)
    if ctx.channel is None:
        report.findings.append(Finding("A2", MUST, "there is no <channel>"))
        return report
    for rule in rules:
        report.findings += [Finding(rule.id, rule.level, m) for m in rule.check(ctx)]
    if preview:
        report.notes.append(
            f"local preview at {base}: A10 and D9 (https) not applied; --publish applies them"
        )
    return report
