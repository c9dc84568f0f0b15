"""A feed's text -> its posts as `FeedItem`s, whatever the format: pure, no network.

RSS 0.9x/1.0/2.0 and Atom are read by feedparser (with its own sanitising and
URL resolution turned off: html.py decides what is read and resolves links
against each post's own URL). JSON Feed, which feedparser does not read, is
parsed here into the same shape. A document that is not a feed, or XML that is
not well-formed, raises ValueError with a line that says what to do.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

JSON_FEED_TYPES = ("application/feed+json", "application/json")
HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
# what feedparser reports on a feed it read anyway: not a reason to refuse it
_HARMLESS_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")


@dataclass(frozen=True)
class FeedItem:
    """One post as a feed (or a page) gives it."""

    source_id: str  # the guid / id; the link when the feed gives none
    link: str | None  # the post's own page, absolute http(s)
    title: str
    published: datetime | None  # tz-aware UTC
    author: str | None
    summary_html: str  # the excerpt or description ("" when none)
    content_html: str  # the full post ("" when the feed carries only a summary)
    image: str | None  # absolute URL of the post's lead image
    base_url: str  # what relative links in its HTML are resolved against


@dataclass(frozen=True)
class Feed:
    """A feed's own name and its items, newest first."""

    kind: str  # "rss20", "atom10", "json feed 1.1", ...
    title: str
    link: str | None
    items: tuple[FeedItem, ...]


def looks_like_html(text: str, media_type: str) -> bool:
    """Whether an answer is a web page rather than a feed.

    >>> looks_like_html("<!DOCTYPE html><html><body>hi</body></html>", "")
    True
    >>> looks_like_html("<?xml version='1.0'?><rss/>", "text/html")
    False
    """
    if text.lstrip().startswith(("<?xml", "<rss", "<feed", "<rdf:RDF")):
        return False
    return media_type in HTML_TYPES or bool(_HTML_START.match(text))


def parse_feed(text: str, url: str, media_type: str = "") -> Feed:
    """The feed in `text` (fetched from `url`); ValueError if it is none, or broken."""
    if media_type in JSON_FEED_TYPES or text.lstrip().startswith("{"):
        return parse_json_feed(text, url)
    import feedparser  # only `essaycast import` needs it

    parsed = feedparser.parse(
        text,
        response_headers={"content-location": url},
        sanitize_html=False,  # html.py drops what is not read; class names guide it
        resolve_relative_uris=False,  # html.py resolves against each post's URL
    )
    problem = parsed.get("bozo_exception")
    if parsed.bozo and type(problem).__name__ not in _HARMLESS_BOZO:
        if not parsed.version and not parsed.entries:
            raise ValueError(_not_a_feed(text))
        where = ""
        line = getattr(problem, "getLineNumber", None)
        if callable(line):
            where = f" (line {line()}: {getattr(problem, 'getMessage', lambda: problem)()})"
        raise ValueError(
            f"is not well-formed XML{where}; the feed is broken at the source: tell the "
            "site's owner, or import each post by its page URL"
        )
    if not parsed.version:
        raise ValueError(_not_a_feed(text))
    channel = parsed.feed
    items = tuple(_rss_item(entry, url) for entry in parsed.entries)
    return Feed(
        kind=parsed.version,
        title=plain(channel.get("title", "")),
        link=_absolute(channel.get("link"), url),
        items=_newest_first(items),
    )


def _not_a_feed(text: str) -> str:
    start = text.lstrip()[:40].replace("\n", " ")
    return (
        f"is not a feed (it starts {start!r}); give the blog's RSS, Atom or JSON Feed "
        "address (often /feed, /rss.xml, /atom.xml or /feed.json) or a post's page"
    )


def _rss_item(entry: Any, feed_url: str) -> FeedItem:
    link = _absolute(entry.get("link"), feed_url)
    contents = [
        c
        for c in entry.get("content", [])
        if c.get("type") in ("text/html", "application/xhtml+xml", "text/plain")
    ]
    best = max(contents, key=lambda c: len(c.get("value", "")), default=None)
    content_html = _as_html(best.get("value", ""), best.get("type", "")) if best else ""
    summary = entry.get("summary", "")
    summary_type = (entry.get("summary_detail") or {}).get("type", "text/html")
    summary_html = _as_html(summary, summary_type) if summary else ""
    if content_html and summary_html and _same_text(content_html, summary_html):
        summary_html = ""  # RSS readers copy one into the other: it is no separate excerpt
    base = (best or {}).get("base") or link or feed_url
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    author = (entry.get("author_detail") or {}).get("name") or entry.get("author")
    return FeedItem(
        source_id=str(entry.get("id") or link or entry.get("title", "")).strip(),
        link=link,
        title=plain(entry.get("title", "")),
        published=datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None,
        author=plain(author) if author else None,
        summary_html=summary_html,
        content_html=content_html,
        image=_rss_image(entry, link or feed_url),
        base_url=_absolute(base, feed_url) or feed_url,
    )


def _rss_image(entry: Any, base: str) -> str | None:
    for key in ("media_content", "media_thumbnail"):
        for media in entry.get(key, []):
            url = media.get("url")
            if url and (media.get("medium") in (None, "image") or key == "media_thumbnail"):
                return _absolute(url, base)
    for enclosure in entry.get("enclosures", []):
        if str(enclosure.get("type", "")).startswith("image/"):
            return _absolute(enclosure.get("href"), base)
    image = entry.get("image")
    if isinstance(image, dict) and image.get("href"):
        return _absolute(image["href"], base)
    return None


def parse_json_feed(text: str, url: str) -> Feed:
    """A JSON Feed (1.0 or 1.1) into the same shape feedparser gives RSS and Atom."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"is not valid JSON (line {exc.lineno}: {exc.msg}); the feed is broken at the "
            "source: tell the site's owner"
        ) from None
    version = str(data.get("version", "")) if isinstance(data, dict) else ""
    if "jsonfeed.org/version/" not in version:
        raise ValueError(
            "is JSON but not a JSON Feed (no jsonfeed.org version); give the blog's RSS, "
            "Atom or JSON Feed address"
        )
    items = []
    for raw in data.get("items") or []:
        if not isinstance(raw, dict):
            continue
        link = _absolute(raw.get("url") or raw.get("external_url"), url)
        if raw.get("content_html"):
            content = str(raw["content_html"])
        elif raw.get("content_text"):
            content = _as_html(str(raw["content_text"]), "text/plain")
        else:
            content = ""
        authors = raw.get("authors") or ([raw["author"]] if raw.get("author") else [])
        names = [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]
        items.append(
            FeedItem(
                source_id=str(raw.get("id") or link or raw.get("title", "")).strip(),
                link=link,
                title=plain(str(raw.get("title") or "")),
                published=_iso_date(raw.get("date_published") or raw.get("date_modified")),
                author=", ".join(names) or None,
                summary_html=_as_html(str(raw["summary"]), "text/plain")
                if raw.get("summary")
                else "",
                content_html=content,
                image=_absolute(raw.get("image") or raw.get("banner_image"), link or url),
                base_url=link or url,
            )
        )
    return Feed(
        kind=f"json feed {version.rsplit('/', 1)[-1]}",
        title=plain(str(data.get("title") or "")),
        link=_absolute(data.get("home_page_url"), url),
        items=_newest_first(tuple(items)),
    )


# -- small helpers -------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Feed text (maybe with tags or entities) as one line of plain text.

    >>> plain("Tom &amp; <b>Jerry</b>\\n ")
    'Tom & Jerry'
    """
    without_tags = re.sub(r"<[^>]*>", "", text)
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def _as_html(value: str, media_type: str) -> str:
    """A feed's text as HTML: plain text becomes escaped paragraphs."""
    if media_type in ("text/html", "application/xhtml+xml"):
        return value
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _same_text(first: str, second: str) -> bool:
    return plain(first) == plain(second)


def _absolute(url: Any, base: str) -> str | None:
    """An absolute http(s) URL, or None (javascript:, mailto:, a bare guid...)."""
    if not url or not isinstance(url, str):
        return None
    joined = urljoin(base, url.strip())
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if (
        parts.query
    ):  # campaign tags (utm_*, Medium's source=rss-...) are no part of a post's address
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        kept = [
            (key, value)
            for key, value in pairs
            if not key.startswith("utm_") and not (key == "source" and value.startswith("rss"))
        ]
        if len(kept) != len(pairs):
            joined = urlunsplit(parts._replace(query=urlencode(kept)))
    return joined


def _iso_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _newest_first(items: tuple[FeedItem, ...]) -> tuple[FeedItem, ...]:
    # undated items keep their place at the end; Python's sort is stable
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return tuple(sorted(items, key=lambda item: item.published or epoch, reverse=True))
