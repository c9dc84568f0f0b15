"""Sentence cache: a warm rebuild synthesises nothing, an edit only what changed.

A counting fake engine, registered like any other, proves it through the real build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.build import build_show
from pipeline.config import load_show
from pipeline.model import VoiceSpec
from pipeline.speech import ENGINES, EngineInfo, VoiceInfo
from pipeline.speech.cache import SentenceCache, synthesize_cached
from tests.conftest import make_show
from tests.fakes import Counter, ToneEngine


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> Counter:
    seen = Counter()
    monkeypatch.setitem(
        ENGINES,
        "tone",
        EngineInfo(
            name="tone",
            summary="test tones",
            default_voice="a4",
            voices=lambda: [VoiceInfo("a4")],
            unavailable_reason=lambda spec: None,
            create=lambda spec: ToneEngine(spec, seen),
            check_voice=lambda voice: None,
            revision=lambda spec: "tone 1",
        ),
    )
    return seen


def test_rebuild_synthesises_nothing_and_an_edit_only_the_changed_sentence(
    tmp_path: Path, counter: Counter
) -> None:
    root = make_show(tmp_path / "show")
    first = build_show(load_show(root), voice="tone")
    assert first.ok and sorted(first.built) == ["first-light", "second-thoughts"]
    assert "Nobody speaks." in counter.sentences and counter.engines == 1

    counter.sentences.clear()
    assert build_show(load_show(root), voice="tone").unchanged
    forced = build_show(load_show(root), voice="tone", force=True)
    assert sorted(forced.built) == ["first-light", "second-thoughts"]
    # all audio came from the cache: the engine was not even built
    assert (counter.sentences, counter.engines) == ([], 1)

    essay = root / "essays" / "first.md"
    essay.write_text(essay.read_text().replace("Nobody speaks.", "Somebody sings."))
    edited = build_show(load_show(root), voice="tone")
    assert edited.built == ["first-light"]
    assert counter.sentences == ["Somebody sings."]


def _key(
    cache: SentenceCache, text: str, voice: str = "a4", speed: float = 1.0, engine: str = "tone"
) -> str:
    return cache.key(VoiceSpec(engine, voice, speed), text)


def test_cache_key_follows_everything_that_changes_the_sound(tmp_path, counter, monkeypatch):
    cache = SentenceCache(tmp_path)
    base = _key(cache, "Nobody speaks.")
    assert _key(cache, "  Nobody   speaks. ") == base  # same words, same sound
    assert _key(cache, "Nobody speaks!") != base
    assert _key(cache, "Nobody speaks.", voice="b4") != base
    assert _key(cache, "Nobody speaks.", speed=1.25) != base
    assert _key(cache, "Nobody speaks.", engine="espeak", voice="en-us") != base
    info = ENGINES["tone"]
    monkeypatch.setitem(
        ENGINES, "tone", EngineInfo(**{**info.__dict__, "revision": lambda spec: "tone 2"})
    )
    assert _key(SentenceCache(tmp_path), "Nobody speaks.") != base  # an engine upgrade


def test_engine_is_built_only_on_a_miss_and_duplicates_are_spoken_once(tmp_path, counter):
    cache = SentenceCache(tmp_path)
    spec = VoiceSpec("tone", "a4")
    built: list[int] = []

    def factory() -> ToneEngine:
        built.append(1)
        return ToneEngine(spec, counter)

    said = [a.text for a in synthesize_cached(["Yes.", "No.", "Yes."], spec, cache, factory)]
    assert said == ["Yes.", "No.", "Yes."]
    assert counter.sentences == ["Yes.", "No."]
    assert [a.text for a in synthesize_cached(["No.", "Yes."], spec, cache, factory)] == [
        "No.",
        "Yes.",
    ]
    assert len(built) == 1


def test_an_unreadable_cached_sentence_is_spoken_again(tmp_path: Path) -> None:
    """A power cut can leave a renamed but empty WAV (the sentence cache skips fsync)."""
    from pipeline.model import SentenceAudio, VoiceSpec
    from pipeline.speech.cache import SentenceCache, synthesize_cached

    class Echo:
        calls: list[list[str]] = []

        def synthesize(self, sentences):
            self.calls.append(list(sentences))
            for text in sentences:
                yield SentenceAudio(text, b"\x01\x00" * len(text), 16000)

    spec = VoiceSpec("echo-engine", "v", 1.0)
    cache = SentenceCache(tmp_path)
    engine = Echo()
    list(synthesize_cached(["One.", "Two."], spec, cache, lambda: engine))
    cache.store.path(cache.key(spec, "Two."), ".wav").write_bytes(b"")  # torn entry
    again = list(synthesize_cached(["One.", "Two."], spec, cache, lambda: engine))
    assert [a.text for a in again] == ["One.", "Two."]
    assert engine.calls == [["One.", "Two."], ["Two."]]
    assert cache.get(cache.key(spec, "Two."), "Two.") is not None
