"""One essay -> a published Episode: speech text, voice, pieces, tags, transcripts, files.

`render_episode` is the per-essay stage build.py calls; `RenderKit` holds what
every render in one build shares (the voice engines, the music, the cover art).
It strings the stages together and owns no audio logic: the text stage gives
the SpeechText, the sentence cache the voice, audio.pieces the mastered MP3
(levelled, encoded and spliced in cached pieces, then measured as heard),
audio.tags the ID3 frames, publish.transcript the VTT, SRT, JSON transcript and
chapters. Every
file lands under output/episodes/ by atomic rename, the MP3 last.

An essay with quotations or named speakers (issue 27) is read by its Cast: each
sentence by its reader's voice, from the one sentence cache (keyed by voice), every
other voice brought to the narrator's loudness and rate (audio.layout.match_voice)
before the pieces level the whole; the cues name who speaks. An essay that only the
narrator reads goes the way it always went, to the same bytes.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .audio.tags import Tags, tag_mp3
from .errors import EssayError
from .fsutil import atomic_path, write_atomic
from .model import (
    EPISODES_DIR,
    BuildEvent,
    BuildProgress,
    Cast,
    Cue,
    Episode,
    Essay,
    Identity,
    Sentence,
    SentenceAudio,
    VoiceSpec,
)

if TYPE_CHECKING:
    from pydub import AudioSegment

    from .config import Show
    from .speech import Engine
    from .speech.cache import SentenceCache

log = logging.getLogger(__name__)

# What every voice of a many-voiced episode reads once, to be measured by: ordinary prose,
# the same for each, so that their loudness is compared on the same words. Cached like any
# sentence; changing it changes every voice's gain (and so every quote's pieces).
LEVEL_PASSAGE = (
    "The light came slowly over the hills, and the town began to wake.",
    "A woman crossed the square with a basket of bread under her arm.",
    "Somewhere a radio was playing an old song about the sea.",
    "By nine o'clock the market was full of voices, and nobody was in a hurry.",
)
NARRATOR = "Narrator"  # the narrator's name in transcripts when the show names no author


class RenderKit:
    """What the renders of one build share, each loaded once: engines, music, cover art."""

    def __init__(
        self,
        show: Show,
        cover: Path | None = None,
        output_dir: Path | None = None,
        work_root: Path | None = None,
        force: bool = False,
    ) -> None:
        self.show = show
        self.force = force  # --force: no cached piece of an episode is used
        self.output_dir = output_dir or show.output_dir
        self.work_root = work_root or show.state_dir  # where render-* scratch folders go
        self.cover = cover
        self._cover_art: bytes | None = None
        self._cover_lock = threading.Lock()
        self.engines: dict[VoiceSpec, Engine] = {}
        self._engines_lock = threading.Lock()
        self._loudness: dict[VoiceSpec, float] = {}  # each voice's, measured once per build
        self._loudness_lock = threading.Lock()
        self.music: AudioSegment | None = None
        self.outro: AudioSegment | None = None

    def load_music(self) -> None:
        """Decode the intro and outro once per build; a bad file is a ConfigError."""
        from .audio.music import load_music
        from .ffmpeg import ffmpeg

        ffmpeg()  # a bad ESSAYCAST_FFMPEG is the machine's error (exit 2), before any essay

        self.music = load_music(self.show.music.intro, self.show.root, key="music.intro")
        self.outro = load_music(self.show.music.outro, self.show.root, key="music.outro")

    def engine(self, spec: VoiceSpec) -> Engine:
        """The engine for `spec`, loaded on first use and shared by every job."""
        with self._engines_lock:
            if spec not in self.engines:
                from .speech import ENGINES

                # engines serialise their own native calls (speech.NATIVE_LOCK)
                self.engines[spec] = ENGINES[spec.engine].create(spec)
            return self.engines[spec]

    def voice_loudness(self, spec: VoiceSpec, cache: SentenceCache) -> float:
        """A voice's speech loudness (LUFS) on LEVEL_PASSAGE, measured once per build."""
        from .audio.layout import speech_loudness
        from .speech.cache import synthesize_cached

        with self._loudness_lock:
            if spec not in self._loudness:
                spoken = synthesize_cached(LEVEL_PASSAGE, spec, cache, lambda: self.engine(spec))
                self._loudness[spec] = speech_loudness(spoken)
            return self._loudness[spec]

    def cover_art(self) -> bytes | None:
        """The cover for the APIC frame, scaled once per build."""
        from .publish.cover import embedded_cover

        with self._cover_lock:  # jobs share it: scale once
            if self._cover_art is None and self.cover is not None:
                covers = self.show.state_dir / "cache" / "covers"
                self._cover_art = embedded_cover(self.cover, covers)
            return self._cover_art


def render_episode(
    kit: RenderKit,
    essay: Essay,
    spec: VoiceSpec,
    identity: Identity,
    on_event: BuildProgress | None = None,
    cast: Cast | None = None,
) -> Episode:
    """Speak, render in pieces, tag and publish one essay under output/episodes/.

    Every file is written by atomic rename, the MP3 last; `on_event` hears of the
    essay's start, each sentence newly spoken and each piece levelled or encoded.
    `cast` says who reads the quotes and named passages (the plan's); None: resolved here.
    """
    from .audio.intro import compose_intro
    from .audio.layout import match_voice
    from .audio.piece_cache import PieceCache
    from .audio.pieces import render_mp3
    from .publish.transcript import (
        paragraph_breaks,
        render_chapters,
        render_json,
        render_srt,
        render_vtt,
    )
    from .speech.cache import SentenceCache, synthesize_cached
    from .speech.cast import resolve_cast
    from .text.sentences import cast_speech, spoken_intro, to_speech_text

    show = kit.show
    if cast is None:
        cast, warnings = resolve_cast(
            spec, show.voice.quotes, show.voices, essay.quotes, show.relative(essay.path)
        )
        for warning in warnings:
            log.warning("%s", warning)
    speech = to_speech_text(essay, show.lexicon, show.podcast.language, show.voices)
    speech = cast_speech(speech, cast.voices)  # what the narrator reads is unmarked
    said = list(speech.sentences())
    sentences = [s.spoken for s in said]
    readers = [s.voice for s in said]  # None: the narrator
    if not sentences:
        raise EssayError(show.relative(essay.path), "has no text to read aloud")
    author = essay.author or show.podcast.author
    cache = SentenceCache(show.state_dir / "cache" / "sentences")
    event = on_event or _nobody
    voiced = [
        cache.key(spec if reader is None else cast.spec(reader), text)
        for text, reader in zip(sentences, readers, strict=True)
    ]
    to_speak = len({key for key in voiced if key not in cache})  # a sentence said twice: once
    words = len(essay.body.split())
    event(
        BuildEvent(
            "essay", essay.slug, sentences=len(voiced), cached=len(voiced) - to_speak, words=words
        )
    )
    spoken = itertools.count(1)

    def on_spoken(audio: SentenceAudio) -> None:
        event(BuildEvent("sentence", essay.slug, spoken=next(spoken), audio_seconds=audio.duration))

    def piece(step: str, done: int, total: int) -> None:
        event(BuildEvent(step, essay.slug, pieces_done=done, pieces_total=total))

    def engine() -> Engine:
        return kit.engine(spec)

    intro_lines = spoken_intro(show.podcast.title, essay.title, author)
    intro_voice = list(synthesize_cached(intro_lines, spec, cache, engine))
    rate = intro_voice[0].sample_rate  # the narrator's: every other voice is brought to it
    gains = _voice_gains(kit, cast, sentences, readers, cache, on_spoken)
    keys = [
        cache.key(spec, text)
        if reader is None
        else _matched_key(cache.key(cast.spec(reader), text), gains[reader], rate)
        for text, reader in zip(sentences, readers, strict=True)
    ]

    def voice(indices: list[int]) -> Iterator[SentenceAudio]:
        narrated = [sentences[i] for i in indices if readers[i] is None]
        stream = synthesize_cached(narrated, spec, cache, engine, on_spoken)
        for i in indices:
            reader = readers[i]
            if reader is None:
                yield next(stream)
                continue
            other = cast.spec(reader)
            (audio,) = synthesize_cached(
                [sentences[i]], other, cache, _loader(kit, other), on_spoken
            )
            yield match_voice(audio, gains[reader], rate)

    (kit.output_dir / EPISODES_DIR).mkdir(parents=True, exist_ok=True)
    kit.work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=kit.work_root, prefix="render-") as work:
        work_dir = Path(work)
        mp3 = work_dir / "episode.mp3"
        # the episode in pieces: only those whose sentences changed are rendered again
        audio = render_mp3(
            speech,
            keys,
            voice,
            next(voice([0])),
            intro=compose_intro(kit.music, intro_voice),
            outro=kit.outro,
            loudness=show.audio.loudness,
            kbps=show.audio.kbps,
            cache=PieceCache(show.state_dir / "cache" / "pieces"),
            work_dir=work_dir,
            out_mp3=mp3,
            force=kit.force,
            on_piece=piece,
        )
        tag_mp3(
            mp3,
            Tags(
                essay.title,
                author,
                show.podcast.title or essay.title,
                identity.published,
                essay.description,
                identity.number,
            ),
            audio.chapters,
            cover=kit.cover_art(),
        )
        duration = audio.duration  # exact: the samples the pieces hold
        size = mp3.stat().st_size
        # Content-addressed names: a changed episode gets new URLs, so the feed
        # on disk never names a file whose bytes changed under it (and apps
        # see new audio as new), even if this build is killed right here.
        digest = hashlib.sha256(mp3.read_bytes()).hexdigest()[:10]
        stem = f"{EPISODES_DIR}/{essay.slug}-{digest}"
        cues = _speakers(audio.cues, said)
        narrator = (show.podcast.author or author or NARRATOR) if gains else None
        paragraphs = [len(p.sentences) for c in speech.chapters for p in c.paragraphs]
        breaks = paragraph_breaks(paragraphs, len(cues))
        files = {
            f"{stem}.vtt": render_vtt(cues, speaker=narrator).encode(),
            f"{stem}.srt": render_srt(cues, speaker=narrator).encode(),
            f"{stem}.json": render_json(cues, author or show.podcast.title, breaks).encode(),
            f"{stem}.chapters.json": render_chapters(audio.chapters, essay.title).encode(),
        }
        for name, data in files.items():
            write_atomic(kit.output_dir / name, data)
        with atomic_path(kit.output_dir / f"{stem}.mp3") as tmp:
            shutil.move(mp3, tmp)
    return Episode(
        slug=essay.slug,
        guid=identity.guid,
        title=essay.title,
        description=essay.description,
        published=identity.published,
        audio=f"{stem}.mp3",
        size=size,
        duration=duration,
        author=author or show.podcast.title,
        explicit=essay.explicit if essay.explicit is not None else show.podcast.explicit,
        number=identity.number,
        season=essay.season,
        transcripts={
            "text/vtt": f"{stem}.vtt",
            "application/x-subrip": f"{stem}.srt",
            "application/json": f"{stem}.json",
        },
        chapters=f"{stem}.chapters.json",
        link=essay.canonical,
    )


def _nobody(event: BuildEvent) -> None:
    """The event callback when nobody is watching."""


def _voice_gains(
    kit: RenderKit,
    cast: Cast,
    sentences: Sequence[str],
    readers: Sequence[str | None],
    cache: SentenceCache,
    on_spoken: Callable[[SentenceAudio], None] | None = None,
) -> dict[str, float]:
    """The gain (dB) of each other reader who speaks here, to the narrator's loudness.

    Each voice's sentences are synthesised first, in one batch per voice, so the pieces
    then find them in the cache; nothing when the narrator reads every word.
    """
    from .audio.layout import voice_gain
    from .speech.cache import synthesize_cached

    used = sorted({r for r in readers if r is not None})
    if not used:
        return {}
    narrator = kit.voice_loudness(cast.narrator, cache)
    gains = {}
    for reader in used:
        spec = cast.spec(reader)
        theirs = [s for s, r in zip(sentences, readers, strict=True) if r == reader]
        missing = [s for s in dict.fromkeys(theirs) if cache.key(spec, s) not in cache]
        for _ in synthesize_cached(missing, spec, cache, _loader(kit, spec), on_spoken):
            pass  # stored; read back one at a time as the pieces ask
        gains[reader] = voice_gain(narrator, kit.voice_loudness(spec, cache))
    return gains


def _loader(kit: RenderKit, spec: VoiceSpec) -> Callable[[], Engine]:
    """What builds `spec`'s engine when the cache misses (the kit's, shared)."""
    return functools.partial(kit.engine, spec)


def _matched_key(key: str, gain: float, rate: int) -> str:
    """A sentence of another voice, as the pieces receive it: its cache key, gain and rate."""
    payload = json.dumps([key, f"{gain:.1f}", rate])
    return hashlib.sha256(payload.encode()).hexdigest()


def _speakers(cues: Sequence[Cue], said: Sequence[Sentence]) -> list[Cue]:
    """The episode's cues with each sentence's speaker (the intro's, first, are the narrator's)."""
    intro = len(cues) - len(said)
    named = [
        dataclasses.replace(cue, speaker=sentence.speaker) if sentence.speaker else cue
        for cue, sentence in zip(cues[intro:], said, strict=True)
    ]
    return [*cues[:intro], *named]
