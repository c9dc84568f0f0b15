"""`essaycast import` against a blog host on 127.0.0.1 (tests/feedsite.py), never the internet.

Each platform's feed is imported twice and written once; what the voice would say
holds no HTML, no template text and no sign-off; every way a fetch goes wrong
ends in one line and leaves the essays as they were; an imported show builds
(tone voice) into a feed whose items link to the original posts.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.follow.fetch import FetchError, fetch
from pipeline.follow.importer import import_posts
from pipeline.text.essays import read_essay
from pipeline.text.sentences import to_speech_text

from .conftest import TINY_TOML, make_show
from .feedsite import BIG_BYTES, FEEDS, POSTS, FeedSite, InternetRefused, refuse_the_internet


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connect in these tests must go to the loopback address, or the test fails."""
    refuse_the_internet(monkeypatch)


@pytest.fixture(scope="module")
def site() -> Iterator[FeedSite]:
    served = FeedSite()
    yield served
    served.close()


@pytest.fixture
def show(tmp_path: Path) -> Path:
    return make_show(tmp_path / "show", essays={})


def _import(show: Path, *args: str):
    return CliRunner().invoke(main, ["import", *args, "--show", str(show)])


def _files(show: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((show / "essays").glob("*"))}


def _spoken(path: Path) -> str:
    speech = to_speech_text(read_essay(path), {}, "en")
    return "\n".join(s.spoken for s in speech.sentences())


# -- the guard ----------


def test_the_guard_refuses_any_address_off_this_machine() -> None:
    with pytest.raises(InternetRefused):
        fetch("http://203.0.113.7/feed", timeout=1)  # TEST-NET-3: never routed anyway


# -- every platform's feed ----------


@pytest.mark.parametrize("platform", sorted(FEEDS))
def test_each_feed_imported_twice_writes_each_post_once(
    site: FeedSite, show: Path, platform: str
) -> None:
    first = _import(show, site[platform])
    assert first.exit_code == 0, first.output
    written = _files(show)
    assert len(written) == POSTS[platform]
    second = _import(show, site[platform])
    assert second.exit_code == 0, second.output
    assert _files(show) == written
    assert f"Imported 0 posts from {site[platform]} ({POSTS[platform]} already imported)" in (
        second.output
    )


_NOT_READ = re.compile(
    r"<|>|https?:|www\.|appeared first|originally published|subscribe|share|sign up|"
    r"continue reading|read more|thanks for reading|load\(|schedule =|↩|\[\^|\bfn\b|"
    r"related|mastodon|expand|join the list|\bhtml\b|\bimg\b",
    re.I,
)


@pytest.mark.parametrize("platform", sorted(FEEDS))
def test_what_the_voice_says_has_no_html_template_text_or_boilerplate(
    site: FeedSite, show: Path, platform: str
) -> None:
    assert _import(show, site[platform]).exit_code == 0
    for path in sorted((show / "essays").glob("*.md")):
        spoken = _spoken(path)
        assert len(spoken.split()) >= 15, f"{path.name} lost its text:\n{spoken}"
        found = _NOT_READ.findall(spoken)
        assert not found, f"{path.name} reads {found}:\n{spoken}"
        essay = read_essay(path)
        assert essay.canonical and essay.canonical.startswith(site.url)
        assert essay.source_id
        assert essay.date is not None


def test_wordpress_post_keeps_its_identity_chapters_captions_and_notes(
    site: FeedSite, show: Path
) -> None:
    assert _import(show, site["wordpress"]).exit_code == 0
    path = show / "essays" / "rain-ferries-the-long-take.md"
    essay = read_essay(path)
    assert essay.title == "Rain, Ferries & the Long Take"
    assert essay.author == "Mara Quill"
    assert essay.date is not None and essay.date.isoformat() == "2026-03-02T09:30:00+00:00"
    assert essay.canonical == f"{site.url}/wp/2026/03/rain-ferries/"
    assert essay.source_id == f"{site.url}/wp/?p=101"
    assert essay.description == "A ferry crossing is the longest take a town can offer"
    speech = to_speech_text(essay, {}, "en")
    titles = [c.title for c in speech.chapters]
    assert titles == ["", "What the deck hears", "Notes"]
    spoken = _spoken(path)
    assert "The lower deck before the morning crossing." in spoken  # the figure's caption
    assert "A harbour is a clock that runs on weather." in spoken  # the blockquote
    notes = " ".join(s.written for p in speech.chapters[-1].paragraphs for s in p.sentences)
    assert "Except in fog, when it never arrives at all." in notes
    text = path.read_text(encoding="utf-8")
    # relative links and images made absolute against the post's address
    assert f"({site.url}/wp/2026/02/engines/)" in text
    assert f"({site.url}/wp/wp-content/uploads/2026/03/deck.jpg)" in text


@pytest.mark.parametrize(
    ("platform", "note"),
    [
        ("ghost", "Or a question everybody forgot."),
        ("substack", "Damp salt weighs more and sells for less."),
        ("jekyll", "It said very little, slowly."),
    ],
)
def test_footnotes_of_each_platform_are_read_as_notes(
    site: FeedSite, show: Path, platform: str, note: str
) -> None:
    assert _import(show, site[platform]).exit_code == 0
    (path,) = sorted((show / "essays").glob("*.md"))
    speech = to_speech_text(read_essay(path), {}, "en")
    assert speech.chapters[-1].title == "Notes"
    assert note in " ".join(s.written for p in speech.chapters[-1].paragraphs for s in p.sentences)


def test_summary_only_items_are_read_from_their_pages_and_say_so(
    site: FeedSite, show: Path
) -> None:
    result = _import(show, site["hugo"])
    assert result.exit_code == 0, result.output
    assert "dry-stone-wet-winter.md  (page, the page's content container)" in result.output
    assert "through-stones.md  (page, trafilatura)" in result.output
    spoken = _spoken(show / "essays" / "dry-stone-wet-winter.md")
    assert "the neighbour's wall, built a century earlier, lost nothing at all." in spoken.lower()
    assert "minute read" not in spoken and "Home" not in spoken
    through = _spoken(show / "essays" / "through-stones.md")
    assert "hazel stick" in through and "Tags" not in through and "Previous post" not in through


def test_json_feed_items_and_an_untitled_micro_post(site: FeedSite, show: Path) -> None:
    assert _import(show, site["jsonfeed"]).exit_code == 0
    names = sorted(_files(show))
    assert names == ["heard-the-first-curlew-of-the-year-over.md", "mending-nets.md"]
    nets = read_essay(show / "essays" / "mending-nets.md")
    assert nets.source_id == "tag:micro,2026:mending"
    assert nets.description == "On mending nets by feel."
    assert "knots remember his hands" in nets.body


def test_a_page_url_becomes_one_essay_and_points_at_the_sites_feed(
    site: FeedSite, show: Path
) -> None:
    result = _import(show, site["/pages/tide-tables/"])
    assert result.exit_code == 0, result.output
    essay = read_essay(show / "essays" / "on-tide-tables.md")
    assert essay.canonical == f"{site.url}/pages/tide-tables/"
    assert essay.author == "Sel Marrow"
    assert "Continue reading" not in essay.body
    assert f"essaycast import {site.url}/pages/atom.xml" in result.output


def test_medium_campaign_tags_leave_the_canonical_link(site: FeedSite, show: Path) -> None:
    assert _import(show, site["medium"]).exit_code == 0
    essay = read_essay(show / "essays" / "counting-lighthouses.md")
    assert essay.canonical == f"{site.url}/medium/@pellarun/counting-lighthouses-4f2a"


# -- changes, hand edits, dry runs, limits ----------


def test_update_rewrites_a_changed_post_but_never_a_hand_edited_one(
    site: FeedSite, show: Path
) -> None:
    assert _import(show, site["wordpress"]).exit_code == 0
    booth = show / "essays" / "the-ticket-booth.md"
    ferries = show / "essays" / "rain-ferries-the-long-take.md"
    edited_by_hand = ferries.read_text(encoding="utf-8").replace("Gulls", "Herring gulls")
    ferries.write_text(edited_by_hand, encoding="utf-8")
    route = site.routes[FEEDS["wordpress"]]
    original = route.body
    assert isinstance(original, bytes)
    changed = original.replace(b"eleven years", b"twelve years").replace(
        b"the engine&#8217;s hum", b"the engine&#8217;s low hum"
    )
    try:
        route.body = changed
        quiet = _import(show, site["wordpress"])
        assert quiet.exit_code == 0
        assert "eleven years" in booth.read_text(encoding="utf-8")  # no --update: untouched
        result = _import(show, site["wordpress"], "--update")
    finally:
        route.body = original
    assert result.exit_code == 0, result.output
    assert "twelve years" in booth.read_text(encoding="utf-8")
    assert "updated        essays/the-ticket-booth.md" in result.output
    assert ferries.read_text(encoding="utf-8") == edited_by_hand
    assert "essays/rain-ferries-the-long-take.md  (feed content): edited since" in result.output


def test_dry_run_lists_and_writes_nothing(site: FeedSite, show: Path) -> None:
    result = _import(show, site["wordpress"], "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would-write    essays/rain-ferries-the-long-take.md" in result.output
    assert _files(show) == {}


def test_limit_and_since_choose_the_newest_posts(site: FeedSite, show: Path) -> None:
    assert _import(show, site["wordpress"], "--limit", "1").exit_code == 0
    assert sorted(_files(show)) == ["rain-ferries-the-long-take.md"]
    assert _import(show, site["hugo"], "--since", "2026-03-01").exit_code == 0
    assert "through-stones.md" not in _files(show)
    assert "dry-stone-wet-winter.md" in _files(show)


# -- what goes wrong: one line, nothing touched ----------


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/gone/feed.xml", "answered HTTP 404"),
        ("/notes.txt", "is not a feed"),
        ("/cover.png", "is not a feed"),
        ("/broken/feed.xml", "is not well-formed XML (line 3"),
        ("/gz-corrupt/feed/", "compressed answer that does not unpack"),
        ("/charset/wrong.xml", "is not utf-8 as declared"),
        ("/loop/a", "redirects more than 5 times"),
        ("/to-file", "which is not http(s); refused"),
        ("/big/feed.xml", "is larger than 20 MB; refused"),
    ],
)
def test_a_bad_source_ends_in_one_line_and_touches_nothing(
    site: FeedSite, show: Path, path: str, says: str
) -> None:
    assert _import(show, site["wordpress"]).exit_code == 0
    before = _files(show)
    result = _import(show, site[path])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert says in errors[0] and site.url in errors[0]
    assert "Traceback" not in result.output
    assert _files(show) == before


def test_an_address_that_is_not_http_is_a_usage_error(show: Path) -> None:
    result = _import(show, "ftp://example.org/feed")
    assert result.exit_code == 2
    assert "is not an http(s) address" in result.output


def test_a_post_whose_page_fails_is_reported_and_the_others_imported(
    site: FeedSite, show: Path
) -> None:
    route = site.routes.pop("/hugo/posts/through-stones/")
    try:
        result = _import(show, site["hugo"])
    finally:
        site.routes["/hugo/posts/through-stones/"] = route
    assert result.exit_code == 1
    assert sorted(_files(show)) == ["dry-stone-wet-winter.md"]
    assert "failed" in result.output and "answered HTTP 404" in result.output


# -- fetching ----------


@pytest.mark.parametrize(
    "path", ["/gz/feed/", "/deflate/feed/", "/gz-file/feed.xml.gz", "/moved-twice"]
)
def test_compressed_and_redirected_feeds_arrive_whole(
    site: FeedSite, tmp_path: Path, path: str
) -> None:
    report = import_posts(tmp_path / "essays", site[path], dry_run=True)
    assert [r.title for r in report.results] == [
        "Rain, Ferries & the Long Take",
        "The Ticket Booth",
    ]


@pytest.mark.parametrize(
    "path", ["/charset/declared.xml", "/charset/latin1-header.xml", "/charset/utf16.xml"]
)
def test_charsets_from_the_document_the_header_or_a_bom(
    site: FeedSite, tmp_path: Path, path: str
) -> None:
    report = import_posts(tmp_path / "essays", site[path], dry_run=True)
    assert [r.title for r in report.results] == ["Crème brûlée at the café"]


@pytest.mark.parametrize("path", ["/big/feed.xml", "/big-declared/feed.xml"])
def test_a_50_mb_answer_is_refused_at_the_cap_without_being_read(site: FeedSite, path: str) -> None:
    answer = site.answers(path) + 1
    with pytest.raises(FetchError, match="is larger than 1 MB; refused"):
        fetch(site[path], max_bytes=1_000_000)
    # the client hung up early: the server could not send the whole answer (it streams
    # until the socket closes, so only what the kernel's buffers took was sent)
    assert site.sent_in_answer(path, answer) < BIG_BYTES / 2


def test_a_slow_answer_is_bounded_by_the_deadline(site: FeedSite) -> None:
    with pytest.raises(FetchError, match="took longer than 0.5 s"):
        fetch(site["/slow/feed.xml"], deadline=0.5)


# -- the episode keeps the post's identity ----------


def test_an_imported_show_builds_items_that_link_to_the_original_posts(
    site: FeedSite, tmp_path: Path, tone_voice
) -> None:
    show = make_show(tmp_path / "show", essays={}, toml=TINY_TOML + '\n[voice]\nengine = "piper"\n')
    assert _import(show, site["wordpress"]).exit_code == 0
    result = CliRunner().invoke(main, ["build", "--show", str(show)])
    assert result.exit_code == 0, result.output
    channel = ET.parse(show / "output" / "feed.xml").getroot().find("channel")
    assert channel is not None
    items = {item.findtext("title"): item for item in channel.findall("item")}
    ferries = items["Rain, Ferries & the Long Take"]
    link = f"{site.url}/wp/2026/03/rain-ferries/"
    assert ferries.findtext("link") == link
    assert (ferries.findtext("description") or "").endswith(f"Read the original post: {link}")
    assert items["The Ticket Booth"].findtext("link") == f"{site.url}/wp/2026/02/ticket-booth/"
    assert "Mara Quill" not in {s for s in tone_voice.sentences if "http" in s}
    assert not [s for s in tone_voice.sentences if "http" in s or "<" in s]


def test_an_essay_with_a_canonical_that_is_no_web_address_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("---\ntitle: X\ncanonical: not a url\n---\nWords.\n", encoding="utf-8")
    from pipeline.errors import EssayError

    with pytest.raises(EssayError, match="canonical: 'not a url' must be a full http"):
        read_essay(path)


def test_hashes_in_files_are_of_what_was_written(site: FeedSite, show: Path) -> None:
    assert _import(show, site["ghost"]).exit_code == 0
    text = (show / "essays" / "lamps-in-daylight.md").read_text(encoding="utf-8")
    recorded = re.search(r"sha256:([0-9a-f]{64})", text)
    assert recorded is not None
    without = re.sub(r"^# essaycast import sha256:.*\n", "", text, flags=re.M)
    assert hashlib.sha256(without.encode()).hexdigest() == recorded.group(1)
