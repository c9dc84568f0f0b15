"""The last stage: the manifest, then the feed and the page, by atomic rename; then garbage.

build.py calls `publish` once every stale essay is rendered, from the complete episode
list (a feed never names a file that is not complete); `essaycast feed` calls
`rewrite_feed`. Only after the feed stops naming a file may `collect_garbage` delete it.
The read-along player (player.js) and each episode's episodes/<slug>.json are written
with the feed and page, before them, and checksummed with them.
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
    fingerprint,
    record_checksums,
)
from .readalong import readalong_path, site_files

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

    All or nothing: the episode list is checked (no GUID or file twice) and the
    read-alongs, feed and page are rendered in memory before the first byte is
    written, so an error leaves feed, page and manifest as they were. `built` names
    the episodes rendered (or merged) just now, whose files must be hashed again;
    returns the episodes the feed lists.
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
        # the records as checked JSON, by slug: what the episodes above are made from
        [entry.episode for _, entry in sorted(manifest.entries.items()) if entry.episode],
    )
    published_files = [
        show.output_dir / name for name in (FEED_NAME, PAGE_NAME, *site_files(episodes))
    ]
    # a no-change rebuild leaves the feed alone (and never imports feedgen); an episode
    # rendered again may keep its MP3 (and so its record) with re-timed words, which
    # its read-along JSON must follow
    rendered = None
    stale = bool(built) or feed_key != manifest.feed_key
    if stale or not all(p.is_file() for p in published_files):
        rendered = render_site_files(show, episodes, show_guid, cover)
    record_site_checksums(show, manifest, cover, built_files(manifest, built))
    # manifest before feed: the feed must never name an episode the manifest forgot
    manifest.save(show.output_dir / MANIFEST_NAME)
    if rendered is not None:
        write_site_files(show, rendered)
        # recorded only once the feed is written: a build killed in between
        # writes it again next time
        manifest.feed_key = feed_key
        fresh = [FEED_NAME, PAGE_NAME, *site_files(episodes)]
        record_site_checksums(show, manifest, cover, fresh)
        manifest.save(show.output_dir / MANIFEST_NAME)
    return episodes


def record_site_checksums(show: Show, manifest: Manifest, cover: str, fresh: list[str]) -> None:
    """So the site can be restored from the manifest (scale/restore.py checks against them)."""
    extra = [cover, FEED_NAME, PAGE_NAME, *site_files(manifest.episodes())]
    record_checksums(manifest, show.output_dir, fresh, extra=extra)


def render_site_files(
    show: Show, episodes: Sequence[Episode], show_guid: str, cover: str | None = None
) -> list[tuple[str, bytes]]:
    """The player and read-alongs, feed.xml, then index.html: (name, bytes) in the order
    they are written, all rendered before any is (nothing written here)."""
    from .feed import render_feed
    from .readalong import PLAYER_NAME, load_read_along, player_script, render_read_along
    from .site import load_chapters, load_transcripts, render_site

    require_base_url(show)
    files = [(PLAYER_NAME, player_script())]
    for episode in episodes:
        document = render_read_along(load_read_along(show.output_dir, episode))
        files.append((readalong_path(episode.slug), document))
    files.append((FEED_NAME, render_feed(show, episodes, show_guid, cover)))
    page = render_site(
        show,
        episodes,
        cover,
        load_transcripts(show.output_dir, episodes),
        load_chapters(show.output_dir, episodes),
    )
    files.append((PAGE_NAME, page))
    return files


def write_site_files(show: Show, files: Sequence[tuple[str, bytes]]) -> None:
    """Write what render_site_files rendered, in its order, each by atomic rename."""
    for name, data in files:
        write_atomic(show.output_dir / name, data)


def write_feed(
    show: Show, episodes: Sequence[Episode], show_guid: str, cover: str | None = None
) -> None:
    """Write the player and read-alongs, feed.xml, then index.html, by atomic rename."""
    write_site_files(show, render_site_files(show, episodes, show_guid, cover))


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
            fresh = [FEED_NAME, PAGE_NAME, *site_files(episodes)]
            record_site_checksums(show, manifest, cover, fresh)
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
    # the read-alongs are named by slug, not content: kept while their episode is
    keep = manifest.files() | {readalong_path(e.slug) for e in manifest.episodes()}
    episodes_dir = show.output_dir / EPISODES_DIR
    if not episodes_dir.is_dir():
        return
    for path in episodes_dir.iterdir():
        if path.is_file() and f"{EPISODES_DIR}/{path.name}" not in keep:
            path.unlink(missing_ok=True)
