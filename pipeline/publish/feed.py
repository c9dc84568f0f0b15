"""Episode list -> feed.xml bytes (RSS 2.0 + iTunes + Podcast Namespace).

feedgen writes the RSS and the iTunes tags. Our own extension writes what
feedgen cannot: the `podcast:` tags and Apple's current `itunes:explicit`
values (true/false), which feedgen's setter refuses (FEED-RULES §1.1).
The rule IDs in comments (B2, C7, ...) are FEED-RULES.md's; validate.py checks them.

Text is written for the apps that read it. Apps render descriptions as HTML
(RSS 2.0 lets them hold entity-encoded HTML), so a description is escaped for
HTML (html_text) before XML escapes it again: "<tricky>" stays on screen
instead of being eaten as a tag. Titles and names are plain text everywhere and
keep their characters; in the bytes, "&" and "<" are written as hexadecimal
character references, as the RSS Best Practices Profile asks (the W3C
validator warns about a "<t" or an entity in plain text otherwise).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..categories import parse_category
from ..config import Show
from ..model import Episode
from ..standards import DC_NS, DESCRIPTION_BYTES, ITUNES_NS, PODCAST_NS, TITLE_CHARS

# The Podcast Namespace's own UUIDv5 namespace for podcast:guid (guid.md)
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
GENERATOR = "essaycast"
PERSON_CHARS = 128  # podcast:person text (D6)

# XML 1.0 cannot carry C0 controls (except tab/newline/CR) nor U+FFFE/U+FFFF: lxml refuses them
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def podcast_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without scheme and trailing slashes.

    >>> podcast_guid("https://podnews.net/rss")
    '9b024349-ccf0-5f69-a609-6b82873eab3c'
    """
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def clean_text(text: str) -> str:
    """Text an XML document can hold: no control characters, no outer whitespace (A7).

    >>> clean_text("  Tom & Jerry\\x07 ")
    'Tom & Jerry'
    """
    return _NOT_XML.sub("", text).strip()


def html_text(text: str) -> str:
    """Plain text as HTML that shows exactly that text: `&`, `<`, `>` as decimal references.

    Decimal, not named: gPodder (and podcastparser's remove_html_tags) turns an
    HTML description into text with a regex that decodes `&#60;` first but reads
    `&gt; 3;` as one unknown entity and drops it.

    >>> html_text("punctuation & other <tricky> bits")
    'punctuation &#38; other &#60;tricky&#62; bits'
    """
    return text.replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")


def description_html(text: str, limit: int = DESCRIPTION_BYTES) -> str:
    """A description as HTML (see html_text), cut at a word so that it fits `limit` bytes.

    >>> description_html("a & b & c", 14)
    'a &#38; b…'
    """
    if len(html_text(text).encode("utf-8")) > limit:
        text = _cut(text, lambda s: len(html_text(s).encode("utf-8")) <= limit)
    return html_text(text)


def episode_description(episode: Episode, title: str, limit: int = DESCRIPTION_BYTES) -> str:
    """The item's description as HTML; an imported post's ends with where to read it.

    The pointer to the original is kept whole: the description is cut to make room.
    """
    text = clean_text(episode.description) or title
    if not episode.link:
        return description_html(text, limit)
    tail = html_text(f" Read the original post: {episode.link}")
    return description_html(text, limit - len(tail.encode("utf-8"))) + tail


def hex_references(data: bytes) -> bytes:
    """The serialised feed with `&` and `<` as hex character references (same XML).

    >>> hex_references(b"<title>Tom &amp; Jerry &lt;3</title>")
    b'<title>Tom &#x26; Jerry &#x3C;3</title>'
    """
    return data.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")


def truncate_chars(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word break, with an ellipsis.

    >>> truncate_chars("one two three", 9)
    'one two…'
    """
    if len(text) <= limit:
        return text
    return _cut(text, lambda s: len(s) <= limit)


def _cut(text: str, fits) -> str:
    ellipsis = "…"
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if fits(text[:middle] + ellipsis):
            low = middle
        else:
            high = middle - 1
    head = text[:low]
    # back off to the last word break unless that would throw away most of the text
    space = head.rstrip().rfind(" ")
    if space > low * 0.6:
        head = head[:space]
    return head.rstrip(" ,;:.-–—") + ellipsis


def _extension_classes() -> tuple[type, type]:  # feedgen is imported only when a feed is written
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from feedgen.util import xml_elem

    class ChannelExtension(BaseExtension):
        def __init__(self) -> None:
            self.explicit: bool = False
            self.guid: str | None = None
            self.locked: str | None = None
            self.owner_email: str | None = None
            self.author: str | None = None
            self.medium: str = "podcast"
            self.dc = False  # items carry dc:creator: declare dc once, on the root

        def extend_ns(self) -> dict[str, str]:
            return {"podcast": PODCAST_NS, **({"dc": DC_NS} if self.dc else {})}

        def extend_rss(self, rss: Any) -> Any:
            channel = rss[0]
            xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = (
                "true" if self.explicit else "false"
            )
            if self.guid:
                xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.guid
            if self.locked:
                locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
                locked.text = self.locked
                if self.owner_email:
                    locked.set("owner", self.owner_email)
            xml_elem(f"{{{PODCAST_NS}}}medium", channel).text = self.medium
            if self.author:
                # the essays' writer, in the taxonomy's own words (D6)
                person = xml_elem(f"{{{PODCAST_NS}}}person", channel)
                person.set("role", "author")
                person.set("group", "writing")
                person.text = self.author
            return rss

    class EntryExtension(BaseEntryExtension):
        def __init__(self) -> None:
            self.explicit: bool = False
            self.transcripts: list[tuple[str, str]] = []
            self.chapters: str | None = None
            self.creator: str | None = None

        def extend_rss(self, item: Any) -> Any:
            if self.creator:
                # readers (newsboat, feedparser) show the item's author from here
                # when there is no e-mail for <author>; never both (W3C warns)
                xml_elem(f"{{{DC_NS}}}creator", item).text = self.creator
            xml_elem(f"{{{ITUNES_NS}}}explicit", item).text = "true" if self.explicit else "false"
            for url, mime in self.transcripts:
                element = xml_elem(f"{{{PODCAST_NS}}}transcript", item)
                element.set("url", url)
                element.set("type", mime)
                if mime == "application/x-subrip":
                    # the SRT is cut to the Podcast Namespace caption profile, 2 lines of
                    # 32 (FEED-RULES E5, which validate then holds it to); the VTT's 2 x 42
                    # (SPEC §5) and the JSON's word segments are transcripts, not captions
                    element.set("rel", "captions")
            if self.chapters:
                element = xml_elem(f"{{{PODCAST_NS}}}chapters", item)
                element.set("url", self.chapters)
                element.set("type", "application/json+chapters")
            return item

    return ChannelExtension, EntryExtension


def render_feed(
    show: Show,
    episodes: Sequence[Episode],
    show_guid: str,
    cover: str | None = None,
    episode_images: Mapping[str, str] | None = None,
) -> bytes:
    """The feed's bytes: the same episodes always give the same bytes.

    `cover` is the channel artwork's path under output/ (it must end in .jpg or
    .png); `episode_images` maps a slug to its own artwork's path under output/.
    """
    from feedgen.feed import FeedGenerator

    settings = show.podcast
    base = settings.base_url
    images = episode_images or {}
    channel_ext, entry_ext = _extension_classes()
    fg = FeedGenerator()
    fg.load_extension("podcast")
    # registered before any entry exists; "podcast" is taken by feedgen's iTunes extension
    fg.register_extension("pci", channel_ext, entry_ext)

    title = truncate_chars(clean_text(settings.title), TITLE_CHARS)
    author = truncate_chars(clean_text(settings.author), TITLE_CHARS)
    description = description_html(clean_text(settings.description) or title)
    fg.title(title)
    fg.description(description)
    # feedgen's <link> is the href of the LAST link() call (FEED-RULES §1.4): self first
    fg.link(href=settings.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=settings.website, rel="alternate")
    fg.language(settings.language)
    if settings.copyright:
        fg.copyright(clean_text(settings.copyright))
    fg.generator(GENERATOR)  # feedgen would write its own name and version
    fg.podcast.itunes_author(author or title)
    fg.podcast.itunes_summary(description)
    if settings.email:
        fg.podcast.itunes_owner(name=author or title, email=settings.email)
    parent, sub = parse_category(settings.category)
    fg.podcast.itunes_category(parent, sub)
    fg.podcast.itunes_type(settings.type)
    if cover:
        _require_image_suffix(cover)
        fg.podcast.itunes_image(base + cover)
        fg.image(url=base + cover, title=title, link=settings.website)
    fg.pci.explicit = settings.explicit
    fg.pci.guid = show_guid
    fg.pci.locked = "no"
    fg.pci.owner_email = settings.email or None
    fg.pci.author = truncate_chars(author, PERSON_CHARS) or None
    fg.pci.dc = not settings.email  # then each item names its author in dc:creator

    newest_first = sorted(episodes, key=lambda e: (e.published, e.slug), reverse=True)
    # feedgen stamps now() unless told; the newest episode's date keeps bytes stable (A12)
    fg.lastBuildDate(newest_first[0].published if newest_first else _EPOCH)
    for episode in newest_first:
        # append: feedgen prepends by default, which would reverse our order
        fe = fg.add_entry(order="append")
        episode_title = truncate_chars(clean_text(episode.title), TITLE_CHARS) or episode.slug
        fe.guid(episode.guid, permalink=False)
        fe.title(episode_title)
        fe.description(episode_description(episode, episode_title))
        # an imported post's own page; else the episode's place on index.html (at base_url)
        fe.link(href=episode.link or f"{base}#{episode.slug}")
        fe.published(episode.published)
        # exact bytes of the final, tagged file, as a string: feedgen writes None otherwise
        fe.enclosure(base + episode.audio, str(episode.size), "audio/mpeg")
        fe.podcast.itunes_duration(str(round(episode.duration)))
        episode_author = truncate_chars(clean_text(episode.author), TITLE_CHARS) or author or title
        fe.podcast.itunes_author(episode_author)
        # the item author the RSS way: "email (Name)"; without an e-mail, dc:creator
        if settings.email:
            # feedgen writes "email (name)"; a ")" in the name would end it early
            name = episode_author.replace("(", "[").replace(")", "]")
            fe.author(name=name, email=settings.email, replace=True)
        else:
            fe.pci.creator = episode_author
        fe.podcast.itunes_episode_type("full")
        if episode.number:
            fe.podcast.itunes_episode(episode.number)
        if episode.season:
            fe.podcast.itunes_season(episode.season)
        if episode.slug in images:
            _require_image_suffix(images[episode.slug])
            fe.podcast.itunes_image(base + images[episode.slug])
        fe.pci.explicit = episode.explicit
        fe.pci.transcripts = [
            (base + path, mime)
            for mime, path in sorted(episode.transcripts.items(), key=_transcript_order)
        ]
        fe.pci.chapters = base + episode.chapters if episode.chapters else None
    data: bytes = hex_references(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True))
    if cover and b"<itunes:image " not in data:
        # feedgen drops channel artwork silently on a URL it dislikes (FEED-RULES §1.2)
        raise ValueError(f"feedgen dropped the channel itunes:image for {base + cover!r}")
    return data


def _require_image_suffix(path: str) -> None:
    if not path.endswith((".jpg", ".png")):
        raise ValueError(f"artwork {path!r} must end in .jpg or .png (feedgen drops others)")


def _transcript_order(item: tuple[str, str]) -> tuple[int, str]:
    """VTT first: apps that read one transcript take the first they understand."""
    mime = item[0]
    return (0 if mime == "text/vtt" else 1, mime)


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
