"""Rules A to D of FEED-RULES.md: the document, the channel, the items and the Podcast
Namespace tags; they read the XML (and C3, C11 the size and length of local MP3s)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ..categories import APPLE_CATEGORIES
from ..config import EMAIL
from ..standards import DESCRIPTION_BYTES, TITLE_CHARS
from .context import (
    CONTENT,
    ITUNES,
    MUST,
    NS,
    PODCAST,
    SHOULD,
    Check,
    Context,
    label,
    rule,
)

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
        where = f"item {label(item)}"
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


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _pubdate(item: Any) -> datetime | None:
    raw = (item.findtext("pubDate") or "").strip()
    try:
        return email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
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
                yield f"item {label(item)} has no itunes:episode, which a serial show needs"


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


def each_item(check: Callable[[Any, Context], Iterator[str]]) -> Check:
    def run(ctx: Context) -> Iterator[str]:
        for item in ctx.items:
            for message in check(item, ctx):
                yield f"item {label(item)}: {message}"

    return run


@rule("C1", MUST, f"item title present, at most {TITLE_CHARS} characters", per=each_item)
def check_c1(item: Any, ctx: Context) -> Iterator[str]:
    title = (item.findtext("title") or "").strip()
    if not title:
        yield "has no title"
    elif len(title) > TITLE_CHARS:
        yield f"title is {len(title)} characters; the limit is {TITLE_CHARS}"


@rule("C2", MUST, "one enclosure with url, length and type", per=each_item)
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
            yield f"item {label(item)}: enclosure length {length!r} is not a byte count"
            continue
        if path is None:
            continue  # not under base_url: nothing on this disk to compare with
        if not path.is_file():
            yield f"item {label(item)}: {enclosure.get('url')} is missing from the output folder"
        elif path.stat().st_size != int(length):
            yield (
                f"item {label(item)}: enclosure length {length} but the file has "
                f"{path.stat().st_size} bytes"
            )


@rule("C4", MUST, "enclosure type audio/mpeg", per=each_item)
def check_c4(item: Any, ctx: Context) -> Iterator[str]:
    for enclosure in item.findall("enclosure"):
        if enclosure.get("type") != "audio/mpeg":
            yield f"enclosure type is {enclosure.get('type')!r}; an MP3 is audio/mpeg"


@rule("C5", MUST, "enclosure URL absolute, ending in .mp3", per=each_item)
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
            yield f"item {label(item)} has no guid"
            continue
        if guid.get("isPermaLink", "true") != "false" and not _absolute(text):
            yield f'item {label(item)}: guid {text!r} is not a URL; set isPermaLink="false"'
        guids.append(text)
    for guid in sorted({g for g in guids if guids.count(g) > 1}):
        yield f"guid {guid} is used by more than one item"


@rule("C8", MUST, "pubDate in RFC 2822 with the right weekday", per=each_item)
def check_c8(item: Any, ctx: Context) -> Iterator[str]:
    raw = (item.findtext("pubDate") or "").strip()
    when = _pubdate(item)
    if not RFC2822.match(raw) or when is None:
        yield f"pubDate {raw!r} is not an RFC 2822 date"
    elif raw[:3] != when.strftime("%a"):
        yield f"pubDate {raw!r}: the weekday does not match the date"


@rule("C9", SHOULD, "pubDate not in the future", per=each_item)
def check_c9(item: Any, ctx: Context) -> Iterator[str]:
    when = _pubdate(item)
    if when is not None and when.tzinfo is not None and when > ctx.now:
        yield f"pubDate {item.findtext('pubDate')} is in the future; AntennaPod drops it"


@rule(
    "C10",
    SHOULD,
    f"item description present, at most {DESCRIPTION_BYTES} bytes",
    per=each_item,
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
            yield f"item {label(item)}: itunes:duration {value!r} is not whole seconds"
            continue
        if path is not None and path.is_file() and ctx.mp3_info(path) is not None:
            length = float(ctx.mp3_info(path).info.length)
            if abs(int(value) - length) > 1:
                yield (
                    f"item {label(item)}: itunes:duration {value} s but the MP3 lasts "
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
            yield f"item {label(item)}: itunes:episode {value!r} is not a positive integer"
            continue
        key = (_text(item, "itunes:season"), value)
        seen[key] = seen.get(key, 0) + 1
    for (season, number), count in sorted(seen.items(), key=str):
        if count > 1:
            yield f"episode number {number} (season {season or '-'}) is used {count} times"


@rule("C13", SHOULD, "itunes:season a positive integer", per=each_item)
def check_c13(item: Any, ctx: Context) -> Iterator[str]:
    value = _text(item, "itunes:season")
    if value is not None and (not value.isdigit() or int(value) < 1):
        yield f"itunes:season {value!r} is not a positive integer"


@rule("C14", SHOULD, "itunes:episodeType full, trailer or bonus", per=each_item)
def check_c14(item: Any, ctx: Context) -> Iterator[str]:
    value = _text(item, "itunes:episodeType")
    if value is not None and value not in ("full", "trailer", "bonus"):
        yield f"itunes:episodeType {value!r}; use full, trailer or bonus"


@rule("C15", SHOULD, "item itunes:explicit true or false", per=each_item)
def check_c15(item: Any, ctx: Context) -> Iterator[str]:
    values = [e.text for e in item.findall("itunes:explicit", NS)]
    if len(values) != 1 or values[0] not in ("true", "false"):
        yield f"itunes:explicit should be true or false; found {values}"


@rule("C16", SHOULD, "item link absolute", per=each_item)
def check_c16(item: Any, ctx: Context) -> Iterator[str]:
    link = (item.findtext("link") or "").strip()
    if not _absolute(link):
        yield f"<link> {link!r} is not an absolute URL of the episode's page"


@rule("C17", SHOULD, "item itunes:image absolute .jpg/.png URL", per=each_item)
def check_c17(item: Any, ctx: Context) -> Iterator[str]:
    for image in item.findall("itunes:image", NS):
        href = image.get("href", "")
        if not _absolute(href) or not urlsplit(href).path.lower().endswith(
            (".jpg", ".jpeg", ".png")
        ):
            yield f"itunes:image {href!r} must be an absolute URL ending in .jpg or .png"


@rule("C18", MUST, "item itunes:block not set to yes", per=each_item)
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
            yield f"item {label(item)} has more than one podcast:chapters"


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
                yield f"item {label(item)}: a podcast:transcript has no url"
            if kind not in TRANSCRIPT_TYPES:
                yield f"item {label(item)}: podcast:transcript type {kind!r} is not recognised"
            if rel is not None and (
                rel != "captions"
                or kind
                not in ("text/vtt", "application/x-subrip", "application/srt", "application/json")
            ):
                yield f"item {label(item)}: podcast:transcript rel={rel!r} on a {kind} file"


@rule("D5", MUST, "podcast:chapters url and type application/json+chapters")
def check_d5(ctx: Context) -> Iterator[str]:
    for item in ctx.items:
        for element in item.findall("podcast:chapters", NS):
            if not element.get("url"):
                yield f"item {label(item)}: podcast:chapters has no url"
            if element.get("type") != "application/json+chapters":
                yield (
                    f"item {label(item)}: podcast:chapters type {element.get('type')!r}; "
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
