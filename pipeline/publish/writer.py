"""The last stage: the manifest, then the feed and the page, by atomic rename; then garbage.

build.py calls `publish` once every stale essay is rendered, from the complete episode
list (a feed never names a file that is not complete); `essaycast feed` calls
`rewrite_feed`. Only after the feed stops naming a file may `collect_garbage` delete it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from importlib.metadata import version

from ..config import Show
from ..errors import ConfigError, EssaycastError
from ..fsutil import write_atomic
from ..lock import show_lock
from ..model import EPISODES_DIR, Episode
from .cover import prune_covers, publish_cover
from .manifest import (
    MANIFEST_NAME,
    Invalid,
    Manifest,
    built_files,
    check_unique,
    episode_record,
    fingerprint,
    record_checksums,
)

FEED_NAME = "feed.xml"
PAGE_NAME = "index.html"


def publish(
    show: Show,
    manifest: Manifest,
    show_guid: str,
    cover: str,
    built: Sequence[str],
) -> list[Episode]:
    """The manifest, then the feed and the page (unless nothing they show changed).

    All or nothing: the episode list is checked (no GUID or file twice) and the feed
    and page are rendered in memory before the first byte is written, so an error
    leaves feed, page and manifest as they were. `built` names the episodes rendered
    (or merged) just now, whose files must be hashed again; returns the episodes the
    feed lists.
    """
    try:
        check_unique(manifest)
    except Invalid as exc:
        raise EssaycastError(f"{show.output_dir}: {exc}; nothing was published") from None
    episodes = manifest.episodes()
    feed_key = fingerprint(
        # the installed version, read here and not from the package face (no import cycle)
        version("essaycast"),
        asdict(show.podcast),
        show_guid,
        cover,
        sorted((episode_record(e) for e in episodes), key=lambda r: r["slug"]),
    )
    published_files = (show.output_dir / FEED_NAME, show.output_dir / PAGE_NAME)
    # a no-change rebuild leaves the feed alone (and never imports feedgen)
    rendered = None
    if feed_key != manifest.feed_key or not all(p.is_file() for p in published_files):
        rendered = render_feed_and_page(show, episodes, show_guid, cover)
    record_site_checksums(show, manifest, cover, built_files(manifest, built))
    # manifest before feed: the feed must never name an episode the manifest forgot
    manifest.save(show.output_dir / MANIFEST_NAME)
    if rendered is not None:
        write_atomic(show.output_dir / FEED_NAME, rendered[0])
        write_atomic(show.output_dir / PAGE_NAME, rendered[1])
        # recorded only once the feed is written: a build killed in between
        # writes it again next time
        manifest.feed_key = feed_key
        record_site_checksums(show, manifest, cover, [FEED_NAME, PAGE_NAME])
        manifest.save(show.output_dir / MANIFEST_NAME)
    return episodes


def record_site_checksums(show: Show, manifest: Manifest, cover: str, fresh: list[str]) -> None:
    """So the site can be restored from the manifest (scale/restore.py checks against them)."""
    record_checksums(manifest, show.output_dir, fresh, extra=[cover, FEED_NAME, PAGE_NAME])


def render_feed_and_page(
    show: Show, episodes: Sequence[Episode], show_guid: str, cover: str | None = None
) -> tuple[bytes, bytes]:
    """feed.xml's and index.html's bytes, from the complete episode list (nothing written)."""
    from .feed import render_feed
    from .site import load_chapters, load_transcripts, render_site

    require_base_url(show)
    feed = render_feed(show, episodes, show_guid, cover)
    page = render_site(
        show,
        episodes,
        cover,
        load_transcripts(show.output_dir, episodes),
        load_chapters(show.output_dir, episodes),
    )
    return feed, page


def write_feed(
    show: Show, episodes: Sequence[Episode], show_guid: str, cover: str | None = None
) -> None:
    """Write feed.xml, then index.html, from the complete episode list, by atomic rename."""
    feed, page = render_feed_and_page(show, episodes, show_guid, cover)
    write_atomic(show.output_dir / FEED_NAME, feed)
    write_atomic(show.output_dir / PAGE_NAME, page)


def rewrite_feed(show: Show) -> list[Episode]:
    """`essaycast feed`: feed.xml and index.html again from the manifest; nothing rendered."""
    from .feed import podcast_guid

    require_base_url(show)
    with show_lock(show.state_dir):
        manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
        show_guid = manifest.show_guid or podcast_guid(show.podcast.feed_url)
        episodes = manifest.episodes()
        cover = publish_cover(show)
        write_feed(show, episodes, show_guid, cover)
        if manifest.entries:  # keep the checksums a restore checks against true
            record_site_checksums(show, manifest, cover, [FEED_NAME, PAGE_NAME])
            manifest.save(show.output_dir / MANIFEST_NAME)
        prune_covers(show.output_dir, keep=cover)
    return episodes


def require_base_url(show: Show) -> None:
    if not show.podcast.base_url:
        raise ConfigError(
            "podcast.base_url: required to publish a feed; set it to where output/ is served, "
            'e.g. "https://you.github.io/show/", or pass --base-url'
        )


def collect_garbage(show: Show, manifest: Manifest) -> None:
    """Delete episode files no manifest entry names: old versions, removed essays,
    and temporary files a killed build left behind."""
    keep = manifest.files()
    episodes_dir = show.output_dir / EPISODES_DIR
    if not episodes_dir.is_dir():
        return
    for path in episodes_dir.iterdir():
        if path.is_file() and f"{EPISODES_DIR}/{path.name}" not in keep:
            path.unlink(missing_ok=True)
