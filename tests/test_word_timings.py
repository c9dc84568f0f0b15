"""Word timings: from the voices, through the sentence cache, trimming and pieces, to Cue.words.

The real voices are marked slow and say one short sentence each; the plumbing is
checked with the tone engine and words it makes up. No test asserts how long
anything takes: only where words fall, which is arithmetic on the samples.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio.layout import trim_bounds, trim_words, written_words
from pipeline.model import Chapter, Paragraph, Sentence, SentenceAudio, SpeechText, VoiceSpec, Word
from pipeline.speech import ENGINES
from pipeline.speech.cache import WORDS, SentenceCache, synthesize_cached, words_json
from pipeline.speech.words import fit_groups, text_words, timed_tokens, to_words, voiced_words
from tests.fakes import TONE_RATE, ToneEngine

SENTENCE = "The quiet film stays with you for days, long after it ends."


def assert_well_formed(audio: SentenceAudio, spoken: str) -> None:
    """In order, not overlapping, inside the sentence's audio, one per spoken word."""
    words = audio.words
    assert [w.text.strip(".,") for w in words] == [w.strip(".,") for w in text_words(spoken)]
    for earlier, later in zip(words, words[1:], strict=False):
        assert earlier.end <= later.start
    for word in words:
        assert 0.0 <= word.start < word.end <= audio.duration


# -- the voices ------------------------------------------------------------------


def _speak(engine: str, voice: str, text: str = SENTENCE) -> SentenceAudio:
    spec = VoiceSpec(engine, voice)
    problem = ENGINES[engine].unavailable_reason(spec)
    if problem:
        pytest.skip(problem)
    (audio,) = ENGINES[engine].create(spec).synthesize([ENGINES[engine].prepare(text)])
    return audio


@pytest.mark.slow
@pytest.mark.parametrize(
    ("engine", "voice"),
    [("hibari", "heart"), ("kokoro", "af_heart"), ("piper", "en_US-joe-medium")],
)
def test_neural_voices_time_every_word_from_their_durations(engine: str, voice: str) -> None:
    audio = _speak(engine, voice)
    assert_well_formed(audio, SENTENCE)
    # the words are where the voice is: the loudest 100 ms of each word is speech
    values = np.abs(np.frombuffer(audio.pcm, "<i2").astype(np.int32))
    for word in audio.words:
        inside = values[int(word.start * audio.sample_rate) : int(word.end * audio.sample_rate)]
        assert inside.max() > 1000, word


@pytest.mark.slow
def test_hibari_words_follow_speed_and_lexicon_phonemes() -> None:
    spec = VoiceSpec("hibari", "heart", speed=1.5)
    if ENGINES["hibari"].unavailable_reason(spec):
        pytest.skip("hibari is not installed")
    text = "Kazuo [Ishiguro](/ˌɪʃɪɡˈʊɹO/) wrote it. Then he rested."
    (fast,) = ENGINES["hibari"].create(spec).synthesize([text])
    (normal,) = ENGINES["hibari"].create(VoiceSpec("hibari", "heart")).synthesize([text])
    assert [w.text for w in fast.words] == [
        "Kazuo",
        "Ishiguro",
        "wrote",
        "it",
        "Then",
        "he",
        "rested",
    ]
    assert fast.words[-1].end < normal.words[-1].end  # faster speech, earlier last word
    assert fast.words[-1].end <= fast.duration


@pytest.mark.slow
def test_hibari_first_word_starts_where_its_sound_does() -> None:
    audio = _speak("hibari", "heart", "Patience is what the film asks of us.")
    values = np.abs(np.frombuffer(audio.pcm, "<i2").astype(np.int32))
    # the first 5 ms window within 40 dB of the loudest: where speech is first heard
    window = audio.sample_rate // 200
    count = values.size // window
    power = (values[: count * window].astype(np.float64).reshape(count, window) ** 2).mean(1)
    onset = int(np.flatnonzero(power > power.max() * 1e-4)[0]) * window / audio.sample_rate
    # before SOUND_LEAD the first word started 25-45 ms after its sound (sample show)
    assert abs(audio.words[0].start - onset) < 0.015, (audio.words[0].start, onset)


def test_frames_of_pauses_belong_to_no_word_and_the_sound_lead_moves_every_word() -> None:
    # pad, "on" (3 + 2 frames), space (1), ",", a 6-frame pause, "it" (4), pad; 100 samples a frame
    frames = [5, 3, 2, 1, 6, 4, 2]
    owners = [None, 0, 0, None, None, 1, None]
    assert timed_tokens(frames, owners, 100) == {0: (500, 1000), 1: (1700, 2100)}
    # the lead is applied once, to start and end alike; the pause stays a gap
    assert timed_tokens(frames, owners, 100, lead=60) == {0: (440, 940), 1: (1640, 2040)}
    # never before the sentence's first sample
    assert timed_tokens([1, 2], [0, 1], 100, lead=60) == {0: (0, 40), 1: (40, 240)}
    words = to_words(timed_tokens(frames, owners, 100, lead=60), ["On", "it."], 1000)
    assert [(w.start, w.end, w.text) for w in words] == [(0.44, 0.94, "On"), (1.64, 2.04, "it.")]


def test_a_word_after_a_separator_takes_its_last_frame_and_never_more() -> None:
    # pad (5), "on" (3 + 2), space (1), "it" (4), pad (2); 100 samples a frame
    frames = [5, 3, 2, 1, 4, 2]
    owners = [None, 0, 0, None, 1, None]
    # the first word follows the start pad (silence): it takes nothing from it
    assert timed_tokens(frames, owners, 100, from_separator=100) == {
        0: (500, 1000),
        1: (1000, 1500),
    }
    # a one-frame space gives at most its one frame, however much is asked
    assert timed_tokens(frames, owners, 100, from_separator=250)[1] == (1000, 1500)
    # after a long pause only the pause's last frame: the rest stays a gap
    paused = [5, 3, 2, 6, 4, 2]
    assert timed_tokens(paused, owners, 100, lead=60, from_separator=100) == {
        0: (440, 940),
        1: (1440, 1940),
    }


def test_espeak_words_come_from_its_word_events() -> None:
    audio = _speak("espeak", "en-us")
    assert_well_formed(audio, SENTENCE)
    # the events are espeak's own: two runs give the same times
    again = _speak("espeak", "en-us")
    assert again.words == audio.words


def test_espeak_events_mapped_to_written_words() -> None:
    from pipeline.speech.espeak import event_words

    text = "Café au lait, naïve 1948."
    # one event per word; "1948" gets two (espeak reads it as words) and keeps the first
    events = [(0.1, 0), (0.5, 5), (0.7, 8), (1.0, 14), (1.4, 20), (1.6, 20)]
    words = event_words(text, events, 2.0)
    assert [(w.start, w.end, w.text) for w in words] == [
        (0.1, 0.5, "Café"),
        (0.5, 0.7, "au"),
        (0.7, 1.0, "lait,"),
        (1.0, 1.4, "naïve"),
        (1.4, 2.0, "1948."),
    ]


def test_voiced_words_put_each_word_on_its_own_burst() -> None:
    """gTTS's method: energy finds the voiced stretches, the words are shared out over them."""
    rate = 24_000
    bursts = [(0.25, 0.55), (0.8, 1.3), (1.55, 1.75)]
    t = np.arange(int(2.0 * rate)) / rate
    signal = 0.3 * np.sin(2 * np.pi * 180 * t)
    signal[~np.any([(t >= a) & (t < b) for a, b in bursts], axis=0)] = 0.0
    pcm = (signal * 32767).astype("<i2").tobytes()
    words = voiced_words(pcm, rate, "One splendid day.")
    assert [w.text for w in words] == ["One", "splendid", "day."]
    for word, (a, b) in zip(words, bursts, strict=True):
        assert abs(word.start - a) <= 0.011 and abs(word.end - b) <= 0.011


def test_fit_groups_when_the_engine_counts_words_differently() -> None:
    three = [(0.0, 0.4, 6), (0.5, 0.8, 5), (0.9, 1.2, 5)]  # "nineteen forty eight"
    (year,) = fit_groups(three, ["1948"])
    assert (year.start, year.end) == (0.0, 1.2)
    one_for_two = fit_groups([(0.0, 1.0, 8)], ["ab", "cdef"])  # two words run together
    third = pytest.approx(1 / 3, abs=1e-3)
    assert [(w.start, w.end) for w in one_for_two] == [(0.0, third), (third, 1.0)]
    same = fit_groups([(0.0, 0.3, 2), (0.4, 0.6, 3)], ["a", "b"])
    assert [w.text for w in same] == ["a", "b"]


def test_written_words_map_spoken_tokens_to_what_the_essay_says() -> None:
    spoken = [
        Word(0.1, 0.3, "Shot"),
        Word(0.35, 0.5, "in"),
        Word(0.55, 0.9, "nineteen"),
        Word(0.95, 1.5, "forty-eight"),
        Word(1.6, 1.9, "you're"),
    ]
    words = written_words(spoken, "Shot in 1948 — you’re “sure”", 10.0, 12.0)
    assert [w.text for w in words] == ["Shot", "in", "1948", "—", "you’re", "“sure”"]
    assert (words[2].start, words[2].end) == (10.55, 11.5)
    assert words[3].start == words[3].end == 11.5  # a dash takes no time
    assert words[-1].start == words[-1].end <= 12.0  # nothing spoken for it
    starts = [w.start for w in words]
    assert starts == sorted(starts)


def test_trim_words_shifts_by_the_trimmed_lead_and_clips_at_the_tail() -> None:
    rate = 22050
    lead = np.zeros(rate // 2, dtype="<i2")
    voice = (np.sin(np.arange(rate) / 5) * 8000).astype("<i2")
    pcm = np.concatenate([lead, voice, lead]).tobytes()
    words = (Word(0.5, 1.0, "a"), Word(1.0, 1.5, "b"), Word(1.5, 1.9, "c"))
    start, end = trim_bounds(pcm, rate)
    shifted = trim_words(SentenceAudio("a b c", pcm, rate, words))
    assert shifted[0].start == pytest.approx(0.5 - start / rate)
    assert shifted[-1].end == pytest.approx((end - start) / rate)  # clipped to what is kept


# -- the sentence cache --------------------------------------------------------------


def test_cache_keeps_words_beside_the_wav(tmp_path: Path) -> None:
    cache = SentenceCache(tmp_path)
    spec = VoiceSpec("hibari", "heart")
    key = cache.key(spec, "Hello there.")
    words = (Word(0.1, 0.35, "Hello"), Word(0.4, 0.7, "there."))
    cache.put(key, SentenceAudio("Hello there.", b"\1\0" * 100, 24_000, words))
    assert cache.get(key, "Hello there.") == SentenceAudio(
        "Hello there.", b"\1\0" * 100, 24_000, words
    )
    assert cache.store.read(key, WORDS) == words_json(words)
    # an entry from before word timings (a WAV alone) is not a hit: it is spoken again
    cache.store.path(key, WORDS).unlink()
    assert key not in cache
    # nor is one whose words are an older version's: the new words need the voice again
    cache.store.write(key, ".words.json", words_json(words))
    assert WORDS != ".words.json" and key not in cache


class WordyTone(ToneEngine):
    """The tone with 0.2 s of silence before it and made-up words, evenly spread."""

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        for audio in super().synthesize(sentences):
            lead = b"\0\0" * int(0.2 * TONE_RATE)
            names = text_words(audio.text)
            step = audio.duration / max(1, len(names))
            words = tuple(
                Word(round(0.2 + n * step, 4), round(0.2 + (n + 0.9) * step, 4), name)
                for n, name in enumerate(names)
            )
            yield SentenceAudio(audio.text, lead + audio.pcm, TONE_RATE, words)


def test_warm_cache_needs_no_engine_and_gives_the_same_words(tmp_path: Path) -> None:
    cache = SentenceCache(tmp_path)
    spec = VoiceSpec("piper", "en_US-joe-medium")
    made: list[int] = []

    def engine() -> WordyTone:
        made.append(1)
        return WordyTone()

    cold = list(synthesize_cached(["One two.", "Three four five."], spec, cache, engine))
    warm = list(synthesize_cached(["One two.", "Three four five."], spec, cache, engine))
    assert len(made) == 1
    assert [a.words for a in warm] == [a.words for a in cold]
    assert [w.text for w in warm[1].words] == ["Three", "four", "five."]


def test_older_word_sidecars_are_carried_forward_unless_the_engine_was_retimed(
    tmp_path: Path,
) -> None:
    cache = SentenceCache(tmp_path)
    made: list[str] = []

    def engine() -> WordyTone:
        made.append("spoken")
        return WordyTone()

    old_words = (Word(0.25, 0.5, "One"), Word(0.5, 0.75, "two."))
    for name in ("piper", "hibari"):
        spec = VoiceSpec(name, "en_US-joe-medium" if name == "piper" else "heart")
        key = cache.key(spec, "One two.")
        list(synthesize_cached(["One two."], spec, cache, engine))
        cache.store.path(key, WORDS).unlink()  # as a cache from before version 2 was
        cache.store.write(key, ".words.json", words_json(old_words))
        made.clear()
        (audio,) = synthesize_cached(["One two."], spec, cache, engine)
        if name == "piper":  # its times did not change: kept, nothing spoken
            assert made == [] and audio.words == old_words
        else:  # hibari's did: spoken again for its new words
            assert made == ["spoken"] and audio.words != old_words


# -- through layout and pieces ---------------------------------------------------------


def test_cue_words_are_the_sentence_words_shifted_to_its_place(tmp_path: Path) -> None:
    from pipeline.audio.piece_cache import PieceCache
    from pipeline.audio.pieces import render_mp3

    texts = [
        ["First words here.", "A second one, longer than the first."],
        ["Then a new paragraph.", "And its end."],
    ]
    speech = SpeechText(
        (
            Chapter(
                "",
                tuple(Paragraph(tuple(Sentence(t, t) for t in paragraph)) for paragraph in texts),
            ),
        )
    )
    flat = [t for paragraph in texts for t in paragraph]
    said = {a.text: a for a in WordyTone().synthesize(flat)}

    def sentence_audio(indices: list[int]) -> Iterator[SentenceAudio]:
        for i in indices:
            yield said[flat[i]]

    def render(out: str) -> list:
        return list(
            render_mp3(
                speech,
                [f"{i:08x}" for i in range(len(flat))],
                sentence_audio,
                said[flat[0]],
                intro=None,
                outro=None,
                loudness=-16.0,
                kbps=64,
                cache=PieceCache(tmp_path / "pieces"),
                work_dir=tmp_path,
                out_mp3=tmp_path / out,
            ).cues
        )

    cues = render("a.mp3")
    for cue, text in zip(cues, flat, strict=True):
        audio = said[text]
        start, _ = trim_bounds(audio.pcm, audio.sample_rate)
        lead = start / audio.sample_rate
        assert [w.text for w in cue.words] == text.split()
        for word, made in zip(cue.words, audio.words, strict=True):
            assert word.start == pytest.approx(cue.start + made.start - lead, abs=0.0011)
            assert cue.start <= word.start <= word.end <= cue.end
    # the pieces now come from their cache: the words do not depend on it
    assert render("b.mp3") == cues
