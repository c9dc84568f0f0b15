"""feed.xml: a golden file, byte-identical rebuilds, and three parsers that agree with us."""

from __future__ import annotations

import html
import io
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from pipeline.config import parse_show
from pipeline.model import Episode
from pipeline.publish.feed import PODCAST_NS, podcast_guid, render_feed

GOLDEN = Path(__file__).parent / "golden" / "feed"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": PODCAST_NS,
    "atom": "http://www.w3.org/2005/Atom",
}
BASE = "https://example.org/tiny/"
FEED_URL = BASE + "feed.xml"
# Everything XML and RSS readers trip over: markup characters, quotes, emoji, Hebrew, Arabic
NASTY = "Tom & Jerry <3 \"quoted\" 'single' > 🎬🍿 שלום עולם مرحبا"


def tiny_show(**podcast: object):
    settings = {
        "title": "Tiny Show",
        "description": "A show made by the tests.",
        "author": "Test Writer",
        "email": "tests@example.org",
        "language": "en",
        "base_url": BASE,
        "category": "Arts > Books",
        "copyright": "© 2026 Test Writer",
    }
    settings.update(podcast)
    return parse_show(Path("/show"), {"podcast": settings})


def episode(slug: str, day: int, number: int, **fields: object) -> Episode:
    values: dict = {
        "slug": slug,
        "guid": f"urn:uuid:00000000-0000-5000-8000-{number:012d}",
        "title": slug.replace("-", " ").title(),
        "description": f"About {slug}.",
        "published": datetime(2026, 1, day, tzinfo=UTC),
        "audio": f"episodes/{slug}.mp3",
        "size": 100_000 + number,
        "duration": 61.4 + number,
        "author": "Test Writer",
        "explicit": False,
        "number": number,
        "transcripts": {
            "text/vtt": f"episodes/{slug}.vtt",
            "application/x-subrip": f"episodes/{slug}.srt",
            "application/json": f"episodes/{slug}.json",
        },
        "chapters": f"episodes/{slug}.chapters.json",
    }
    values.update(fields)
    return Episode(**values)


EPISODES = [episode("first-light", 5, 1), episode("second-thoughts", 10, 2, explicit=True)]


def render(episodes=EPISODES, show=None, **kwargs) -> bytes:
    show = show or tiny_show()
    return render_feed(
        show,
        episodes,
        podcast_guid(show.podcast.feed_url),
        cover=kwargs.pop("cover", "cover-12345678.jpg"),
        **kwargs,
    )


def test_golden_feed_byte_for_byte() -> None:
    data = render()
    golden = GOLDEN / "tiny.xml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(data)
    assert data == golden.read_bytes(), "run with UPDATE_GOLDEN=1 and review the diff"


def test_rendering_twice_and_in_any_order_gives_the_same_bytes() -> None:
    assert render() == render() == render(list(reversed(EPISODES)))


def test_channel_has_every_element_of_the_spec() -> None:
    channel = etree.fromstring(render()).find("channel")
    assert channel.findtext("title") == "Tiny Show"
    assert channel.findtext("link") == BASE
    assert channel.findtext("language") == "en"
    assert channel.findtext("generator") == "essaycast"
    assert channel.findtext("itunes:author", namespaces=NS) == "Test Writer"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "tests@example.org"
    assert channel.find("itunes:image", NS).get("href") == BASE + "cover-12345678.jpg"
    category = channel.find("itunes:category", NS)
    assert category.get("text") == "Arts"
    assert category.find("itunes:category", NS).get("text") == "Books"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.findtext("itunes:type", namespaces=NS) == "episodic"
    (self_link,) = channel.findall("atom:link", NS)
    assert (self_link.get("href"), self_link.get("rel")) == (FEED_URL, "self")
    assert channel.findtext("podcast:guid", namespaces=NS) == podcast_guid(FEED_URL)
    assert channel.findtext("podcast:locked", namespaces=NS) == "no"
    # lastBuildDate is the newest episode's date, never the clock
    assert channel.findtext("lastBuildDate") == "Sat, 10 Jan 2026 00:00:00 +0000"


def test_items_have_every_element_of_the_spec_newest_first() -> None:
    items = etree.fromstring(render()).findall("channel/item")
    assert [i.findtext("title") for i in items] == ["Second Thoughts", "First Light"]
    newest = items[0]
    guid = newest.find("guid")
    assert (guid.text, guid.get("isPermaLink")) == (EPISODES[1].guid, "false")
    assert newest.findtext("pubDate") == "Sat, 10 Jan 2026 00:00:00 +0000"
    enclosure = newest.find("enclosure")
    assert enclosure.attrib == {
        "url": BASE + "episodes/second-thoughts.mp3",
        "length": "100002",
        "type": "audio/mpeg",
    }
    assert newest.findtext("link") == BASE + "#second-thoughts"
    assert newest.findtext("itunes:duration", namespaces=NS) == "63"
    assert newest.findtext("itunes:episode", namespaces=NS) == "2"
    assert newest.findtext("itunes:episodeType", namespaces=NS) == "full"
    assert newest.findtext("itunes:explicit", namespaces=NS) == "true"
    transcripts = [
        (t.get("url"), t.get("type"), t.get("rel"))
        for t in newest.findall("podcast:transcript", NS)
    ]
    assert transcripts == [
        (BASE + "episodes/second-thoughts.vtt", "text/vtt", None),
        (BASE + "episodes/second-thoughts.json", "application/json", None),
        # 2 lines of 32: the Podcast Namespace's caption profile, so marked as captions
        (BASE + "episodes/second-thoughts.srt", "application/x-subrip", "captions"),
    ]
    chapters = newest.find("podcast:chapters", NS)
    assert chapters.get("type") == "application/json+chapters"


def test_podcast_guid_matches_the_namespace_test_vectors() -> None:
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert (
        podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml/")
        == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    )


def test_nasty_text_stays_valid_xml_and_reads_back_unchanged() -> None:
    show = tiny_show(title=NASTY, description=NASTY + " (the show)", author=NASTY)
    episodes = [episode("nasty", 5, 1, title=NASTY, description=NASTY + "\x07 ")]
    data = render(episodes, show)
    channel = etree.fromstring(data).find("channel")
    assert channel.findtext("title") == NASTY
    assert channel.findtext("item/title") == NASTY
    # descriptions are HTML that shows the text; control character and space gone
    assert html.unescape(channel.findtext("item/description")) == NASTY

    parsed = feedparser.parse(io.BytesIO(data))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title == NASTY
    assert parsed.entries[0].title == NASTY

    gpodder = podcastparser.parse(FEED_URL, io.BytesIO(data))
    assert gpodder["title"] == NASTY
    assert gpodder["episodes"][0]["title"] == NASTY


def test_long_descriptions_are_cut_to_4000_bytes_at_a_word() -> None:
    long = ("Ça va très bien — " * 400).strip()
    show = tiny_show(description=long)
    data = render([episode("long", 5, 1, description=long)], show)
    channel = etree.fromstring(data).find("channel")
    for text in (
        channel.findtext("description"),
        channel.findtext("item/description"),
        channel.findtext("itunes:summary", namespaces=NS),
    ):
        assert len(text.encode("utf-8")) <= 4000
        assert text.endswith("…") and not text.endswith(" …")


def test_titles_are_cut_to_255_characters() -> None:
    data = render([episode("long", 5, 1, title="word " * 80)], tiny_show(title="T" * 300))
    channel = etree.fromstring(data).find("channel")
    assert len(channel.findtext("title")) <= 255
    assert len(channel.findtext("item/title")) <= 255


def test_channel_artwork_must_end_in_jpg_or_png() -> None:
    # feedgen would drop a .jpeg silently (FEED-RULES §1.2): we refuse instead
    with pytest.raises(ValueError, match=r"\.jpg or \.png"):
        render(cover="cover.jpeg")
    assert b"<itunes:image" not in render(cover=None)


def test_an_episode_with_its_own_image_gets_an_item_itunes_image() -> None:
    data = render(episode_images={"first-light": "images/first-light.png"})
    items = etree.fromstring(data).findall("channel/item")
    assert items[0].find("itunes:image", NS) is None
    assert items[1].find("itunes:image", NS).get("href") == BASE + "images/first-light.png"


def test_feedparser_reads_every_episode_without_complaint() -> None:
    parsed = feedparser.parse(io.BytesIO(render()))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == 2
    for entry, source in zip(parsed.entries, reversed(EPISODES), strict=True):
        (enclosure,) = entry.enclosures
        assert int(enclosure.length) == source.size
        assert entry.id == source.guid
        assert entry.podcast_transcript["url"].startswith(BASE)


def test_gpodders_parser_reads_every_episode() -> None:
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(render()))
    assert parsed["cover_url"] == BASE + "cover-12345678.jpg"
    assert parsed["explicit"] is False
    assert [e["guid"] for e in parsed["episodes"]] == [e.guid for e in reversed(EPISODES)]
    for parsed_episode, source in zip(parsed["episodes"], reversed(EPISODES), strict=True):
        assert parsed_episode["total_time"] == round(source.duration)
        assert parsed_episode["published"] == int(source.published.timestamp())
        (enclosure,) = parsed_episode["enclosures"]
        assert (enclosure["file_size"], enclosure["mime_type"]) == (source.size, "audio/mpeg")


def test_gpodder_subscribes_to_the_feed(tmp_path: Path) -> None:
    """FEED-RULES K3: the real gPodder client lists every GUID (gpo from Debian's gpodder)."""
    gpo = shutil.which("gpo")
    if gpo is None:
        if os.environ.get("CI"):
            pytest.fail("gpo is missing: .ci/run installs Debian's gpodder")
        pytest.skip("gpo (Debian package gpodder) is not installed")
    feed = tmp_path / "feed.xml"
    feed.write_bytes(render())
    env = {
        **os.environ,
        "GPODDER_HOME": str(tmp_path / "home"),
        "GPODDER_DOWNLOAD_DIR": str(tmp_path / "downloads"),
    }
    url = feed.as_uri()
    subprocess.run([gpo, "subscribe", url], env=env, check=True, capture_output=True, timeout=60)
    listed = subprocess.run(
        [gpo, "episodes", "--guid", url],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    for source in EPISODES:
        assert source.guid in listed
