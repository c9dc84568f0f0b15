"""One essay -> a published Episode: speech text, voice, pieces, tags, transcripts, files.

`render_episode` is the per-essay stage build.py calls; `RenderKit` holds what
every render in one build shares (the voice engines, the music, the cover art).
It strings the stages together and owns no audio logic: the text stage gives
the SpeechText, the sentence cache the voice, audio.pieces the mastered MP3
(levelled, encoded and spliced in cached pieces, then measured as heard),
audio.tags the ID3 frames, publish.transcript the VTT, SRT, JSON transcript and
chapters. Every
file lands under output/episodes/ by atomic rename, the MP3 last.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .audio.tags import Tags, tag_mp3
from .errors import EssayError
from .fsutil import atomic_path, write_atomic
from .model import (
    EPISODES_DIR,
    BuildEvent,
    BuildProgress,
    Episode,
    Essay,
    Identity,
    SentenceAudio,
    VoiceSpec,
)

if TYPE_CHECKING:
    from pydub import AudioSegment

    from .config import Show
    from .speech import Engine


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

    def cover_art(self) -> bytes | None:
        """The cover for the APIC frame, scaled once per build."""
        from .publish.cover import embedded_cover

        with self._cover_lock:  # jobs share it: scale once
            if self._cover_art is None and self.cover is not None:
                self._cover_art = embedded_cover(self.cover)
            return self._cover_art


def render_episode(
    kit: RenderKit,
    essay: Essay,
    spec: VoiceSpec,
    identity: Identity,
    on_event: BuildProgress | None = None,
) -> Episode:
    """Speak, render in pieces, tag and publish one essay under output/episodes/.

    Every file is written by atomic rename, the MP3 last; `on_event` hears of the
    essay's start, each sentence newly spoken and each piece levelled or encoded.
    """
    from .audio.intro import compose_intro
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
    from .text.sentences import spoken_intro, to_speech_text

    show = kit.show
    speech = to_speech_text(essay, show.lexicon, show.podcast.language)
    sentences = [s.spoken for s in speech.sentences()]
    if not sentences:
        raise EssayError(show.relative(essay.path), "has no text to read aloud")
    author = essay.author or show.podcast.author
    cache = SentenceCache(show.state_dir / "cache" / "sentences")
    keys = [cache.key(spec, s) for s in sentences]
    event = on_event or _nobody
    to_speak = len({key for key in keys if key not in cache})  # a sentence said twice: once
    words = len(essay.body.split())
    event(
        BuildEvent(
            "essay", essay.slug, sentences=len(keys), cached=len(keys) - to_speak, words=words
        )
    )
    spoken = itertools.count(1)

    def said(audio: SentenceAudio) -> None:
        event(BuildEvent("sentence", essay.slug, spoken=next(spoken), audio_seconds=audio.duration))

    def piece(step: str, done: int, total: int) -> None:
        event(BuildEvent(step, essay.slug, pieces_done=done, pieces_total=total))

    def engine() -> Engine:
        return kit.engine(spec)

    def voice(indices: list[int]) -> Iterator[SentenceAudio]:
        return synthesize_cached([sentences[i] for i in indices], spec, cache, engine, said)

    intro_lines = spoken_intro(show.podcast.title, essay.title, author)
    intro_voice = list(synthesize_cached(intro_lines, spec, cache, engine))
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
        paragraphs = [len(p.sentences) for c in speech.chapters for p in c.paragraphs]
        breaks = paragraph_breaks(paragraphs, len(audio.cues))
        files = {
            f"{stem}.vtt": render_vtt(audio.cues).encode(),
            f"{stem}.srt": render_srt(audio.cues).encode(),
            f"{stem}.json": render_json(audio.cues, author or show.podcast.title, breaks).encode(),
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
