"""publish/readalong.py and publish/embed.py: the player's JSON from an episode's timings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.errors import ConfigError
from pipeline.model import Episode
from pipeline.publish.embed import embed_snippets, render_snippets
from pipeline.publish.readalong import read_along

EPISODE = Episode(
    slug="take",
    guid="urn:uuid:x",
    title="Take",
    description="",
    published=datetime(2026, 1, 5, tzinfo=UTC),
    audio="episodes/take-0123456789.mp3",
    size=1,
    duration=9.0,
    author="A. Writer",
    explicit=False,
)
SENTENCES = [(0.5, 1.5, "Show."), (2.0, 3.0, "One two."), (3.5, 4.0, "Three."), (5.0, 6.0, "Four.")]
CHAPTERS = [(0.0, 2.0, "Intro"), (2.0, 9.0, "Take")]


def test_words_are_grouped_into_the_vtts_sentences_and_paragraphs() -> None:
    words = [
        (0.5, 1.5, "Show.\n"),
        (2.0, 2.4, "One"),
        (2.5, 3.0, "two."),
        (3.5, 4.0, "Three.\n"),
        (5.0, 6.0, "Four."),
    ]
    doc = read_along(EPISODE, words, SENTENCES, CHAPTERS)
    assert doc["timing"] == "word" and doc["audio"] == "take-0123456789.mp3"
    assert [[s["text"] for s in p] for p in doc["paragraphs"]] == [
        ["Show."],
        ["One two.", "Three."],
        ["Four."],
    ]
    assert doc["paragraphs"][1][0]["words"] == [[2.0, 2.4, "One"], [2.5, 3.0, "two."]]
    assert doc["chapters"][1] == {"start": 2.0, "end": 9.0, "title": "Take"}


def test_sentence_segments_and_an_episode_without_a_json_transcript() -> None:
    segments = [(s, e, t + ("\n" if t == "Show." else "")) for s, e, t in SENTENCES]
    doc = read_along(EPISODE, segments, SENTENCES, CHAPTERS)
    assert doc["timing"] == "sentence"
    assert [len(p) for p in doc["paragraphs"]] == [1, 3]
    assert "words" not in doc["paragraphs"][1][0]
    # built before JSON transcripts: the VTT's sentences, a paragraph per chapter
    old = read_along(EPISODE, None, SENTENCES, CHAPTERS)
    assert old["timing"] == "sentence" and [len(p) for p in old["paragraphs"]] == [1, 3]


def test_embed_names_the_published_slugs_when_one_is_unknown(built_tone_show) -> None:  # type: ignore[no-untyped-def]
    from pipeline.config import load_show

    show = load_show(built_tone_show)
    with pytest.raises(ConfigError) as info:
        embed_snippets(show, "nope")
    assert "first-light" in str(info.value) and "nope" in str(info.value)
    text = embed_snippets(show, "first-light")
    assert text == render_snippets(show.podcast.base_url, "first-light")
    assert f'src="{show.podcast.base_url}episodes/first-light.json"' in text
    assert (built_tone_show / "output" / "episodes" / "first-light.json").is_file()
    assert (built_tone_show / "output" / "player.js").is_file()


def test_an_episode_rendered_again_rewrites_its_read_along_though_the_feed_is_the_same(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    # re-timed words (a new word sidecar version) re-render an episode to the same MP3:
    # the feed's key is unchanged, but the player's JSON must follow the new transcript
    import json

    from pipeline.config import load_show
    from pipeline.publish.manifest import MANIFEST_NAME, Manifest
    from pipeline.publish.writer import publish
    from tests.conftest import make_show, tone_build

    root = make_show(tmp_path / "show")
    tone_build(root)
    show = load_show(root)
    manifest = Manifest.load(show.output_dir / MANIFEST_NAME)
    episode = manifest.episodes()[0]
    transcript = show.output_dir / episode.audio.replace(".mp3", ".json")
    data = json.loads(transcript.read_text(encoding="utf-8"))
    data["segments"][-1]["startTime"] = round(data["segments"][-1]["startTime"] - 0.025, 3)
    transcript.write_text(json.dumps(data), encoding="utf-8")
    (cover,) = (p.name for p in show.output_dir.glob("cover-*"))
    publish(show, manifest, manifest.show_guid, cover, [])
    player = show.output_dir / "episodes" / f"{episode.slug}.json"
    assert str(data["segments"][-1]["startTime"]) not in player.read_text(encoding="utf-8")
    publish(show, manifest, manifest.show_guid, cover, [episode.slug])
    assert str(data["segments"][-1]["startTime"]) in player.read_text(encoding="utf-8")
