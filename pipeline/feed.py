"""Episode list -> feed.xml bytes (RSS 2.0 + iTunes + Podcast Namespace).

feedgen writes the RSS and the iTunes tags. Our own extension writes what
feedgen cannot: the `podcast:` tags and Apple's current `itunes:explicit`
values (true/false), which feedgen's setter refuses (FEED-RULES §1.1).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from .categories import parse_category
from .config import Show
from .model import Episode

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The Podcast Namespace's own UUIDv5 namespace for podcast:guid (guid.md)
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
GENERATOR = "essaycast"


def podcast_guid(feed_url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without scheme and trailing slashes.

    >>> podcast_guid("https://podnews.net/rss")
    '9b024349-ccf0-5f69-a609-6b82873eab3c'
    """
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def _extension_classes():  # feedgen is imported only when a feed is written
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from feedgen.util import xml_elem

    class ChannelExtension(BaseExtension):
        def __init__(self) -> None:
            self.explicit: bool = False
            self.guid: str | None = None
            self.locked: str | None = None
            self.owner_email: str | None = None

        def extend_ns(self) -> dict[str, str]:
            return {"podcast": PODCAST_NS}

        def extend_rss(self, rss):
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
            return rss

    class EntryExtension(BaseEntryExtension):
        def __init__(self) -> None:
            self.explicit: bool = False
            self.transcripts: list[tuple[str, str]] = []
            self.chapters: str | None = None

        def extend_rss(self, item):
            xml_elem(f"{{{ITUNES_NS}}}explicit", item).text = "true" if self.explicit else "false"
            for url, mime in self.transcripts:
                element = xml_elem(f"{{{PODCAST_NS}}}transcript", item)
                element.set("url", url)
                element.set("type", mime)
                if mime == "text/vtt":
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
) -> bytes:
    """The feed's bytes: the same episodes always give the same bytes."""
    from feedgen.feed import FeedGenerator

    settings = show.podcast
    base = settings.base_url
    channel_ext, entry_ext = _extension_classes()
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("pci", channel_ext, entry_ext)

    fg.title(settings.title)
    fg.description(settings.description or settings.title)
    # feedgen's <link> is the href of the LAST link() call (FEED-RULES §1.4): self first
    fg.link(href=settings.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=settings.website, rel="alternate")
    fg.language(settings.language)
    if settings.copyright:
        fg.copyright(settings.copyright)
    fg.generator(GENERATOR)
    fg.podcast.itunes_author(settings.author or settings.title)
    fg.podcast.itunes_summary(settings.description or settings.title)
    if settings.email:
        fg.podcast.itunes_owner(name=settings.author or settings.title, email=settings.email)
    parent, sub = parse_category(settings.category)
    fg.podcast.itunes_category(parent, sub)
    fg.podcast.itunes_type(settings.type)
    if cover:
        fg.podcast.itunes_image(base + cover)
        fg.image(url=base + cover, title=settings.title, link=settings.website)
    fg.pci.explicit = settings.explicit
    fg.pci.guid = show_guid
    fg.pci.locked = "no"
    fg.pci.owner_email = settings.email or None

    newest_first = sorted(episodes, key=lambda e: (e.published, e.slug), reverse=True)
    # feedgen stamps now() unless told; the newest episode's date keeps bytes stable
    fg.lastBuildDate(newest_first[0].published if newest_first else _EPOCH)
    for episode in newest_first:
        fe = fg.add_entry(order="append")
        fe.guid(episode.guid, permalink=False)
        fe.title(episode.title)
        fe.description(episode.description or episode.title)
        fe.link(href=f"{settings.website}#{episode.slug}")
        fe.published(episode.published)
        fe.enclosure(base + episode.audio, str(episode.size), "audio/mpeg")
        fe.podcast.itunes_duration(str(round(episode.duration)))
        fe.podcast.itunes_author(episode.author)
        fe.podcast.itunes_episode_type("full")
        if episode.number:
            fe.podcast.itunes_episode(episode.number)
        if episode.season:
            fe.podcast.itunes_season(episode.season)
        fe.pci.explicit = episode.explicit
        fe.pci.transcripts = [(base + path, mime) for mime, path in episode.transcripts.items()]
        fe.pci.chapters = base + episode.chapters if episode.chapters else None
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
