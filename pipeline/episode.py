"""One essay -> a published Episode: speech, assembly, mastered MP3, ID3v2.3 tags, chapters.

`render_episode` is the per-essay stage build.py calls; `RenderKit` holds what
every render in one build shares (the voice engines, the music, the cover art).

Mastering is one ffmpeg pass that streams, so a two-hour episode never sits in
memory: a fixed gain (the integrated loudness was measured while the WAV was
written, see audio.assemble) brings the episode to its target, a lookahead
limiter keeps the peaks under the true-peak ceiling, and LAME encodes CBR mono.
One linear gain keeps the voice's dynamics and costs nothing; loudnorm's
dynamic mode would resample to 192 kHz and pump. The MP3 is then measured as a
listener hears it before it may be published. The numbers live in mastering.py.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .cover import cover_for_tag
from .errors import EssaycastError, EssayError
from .ffmpeg import run_ffmpeg
from .fsutil import atomic_path, write_atomic
from .mastering import (
    MASTER_CEILING,
    RETRY_LU,
    TOLERANCE_LU,
    TRUE_PEAK_MAX,
    Figures,
    master_gain,
    mastering_filter,
    measure,
    off_target,
    plausible,
)
from .model import EPISODES_DIR, ChapterMark, Episode, Essay, Identity, SentenceAudio, VoiceSpec

if TYPE_CHECKING:
    from pydub import AudioSegment

    from .config import Show
    from .speech import Engine


@dataclass(frozen=True)
class Tags:
    """What the ID3 frames say."""

    title: str
    artist: str
    album: str
    date: datetime
    description: str = ""
    track: int | None = None


def master_to_mp3(
    wav: Path, mp3: Path, loudness: float, kbps: int, measured: float | None = None
) -> Figures:
    """Bring the episode to `loudness` LUFS as heard, limit its peaks, encode CBR mono.

    `measured` is the WAV's integrated loudness if it is known already (assemble
    measures it while writing); otherwise, or if it cannot be right, it is
    measured here in a separate pass. The MP3 is then measured as a listener
    hears it; a miss gets one more pass with the gain and ceiling corrected by
    what was measured, and a second miss is an error: the file is not published.
    Returns the MP3's figures (LUFS as heard, dBTP).
    """
    if measured is None or not plausible(Figures(measured)):
        measured = measure(wav).integrated
    gain, ceiling = master_gain(measured, loudness), MASTER_CEILING
    for attempt in range(2):
        _encode(wav, mp3, mastering_filter(gain, ceiling), kbps)
        heard = measure(mp3, heard=True, true_peak=True)
        problem = off_target(heard, loudness, RETRY_LU if attempt == 0 else TOLERANCE_LU)
        if problem is None:
            return heard
        assert heard.true_peak is not None
        gain += loudness - heard.integrated
        ceiling -= max(0.0, heard.true_peak - (TRUE_PEAK_MAX - 0.3))
    raise EssaycastError(f"the mastered episode measures {problem}; not published")


def _encode(wav: Path, mp3: Path, mastering: str, kbps: int) -> None:
    run_ffmpeg(
        [
            "-i",
            str(wav),
            "-af",
            mastering,
            "-ar",
            "44100",
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            f"{kbps}k",
            # no Xing/encoder tag noise beyond what players need; tags come from mutagen
            "-map_metadata",
            "-1",
            "-write_xing",
            "1",
            "-id3v2_version",
            "0",
            "-f",
            "mp3",
            str(mp3),
        ],
        what=mp3.name,
    )


def tag_mp3(
    mp3: Path,
    tags: Tags,
    chapters: Sequence[ChapterMark] = (),
    cover: bytes | None = None,
) -> None:
    """Write ID3v2.3 frames: text, cover art (front cover) and CHAP/CTOC chapters."""
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        ID3,
        TALB,
        TCON,
        TDAT,
        TIT2,
        TPE1,
        TRCK,
        TYER,
        CTOCFlags,
    )

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TCON(encoding=3, text="Podcast"))
    # v2.3 has no TDRC (a v2.4 frame that eyeD3 and others skip in a v2.3 tag):
    # the year is TYER, the day and month TDAT as DDMM
    id3.add(TYER(encoding=3, text=f"{tags.date.year:04d}"))
    id3.add(TDAT(encoding=3, text=f"{tags.date.day:02d}{tags.date.month:02d}"))
    if tags.track:
        id3.add(TRCK(encoding=3, text=str(tags.track)))
    if tags.description:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.description))
    if cover:
        # type 3 = front cover; pydub's cover= writes type 0 "Other" (FEED-RULES I3)
        id3.add(
            APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover_for_tag(cover))
        )
    ids = [f"chp{n}" for n in range(len(chapters))]
    for element_id, mark in zip(ids, chapters, strict=True):
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=round(mark.start * 1000),
                end_time=round(mark.end * 1000),
                sub_frames=[TIT2(encoding=3, text=mark.title or tags.title)],
            )
        )
    if ids:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=tags.title)],
            )
        )
    # v2.3 is the version every player reads (FEED-RULES I1); it also puts the tag at byte 0
    id3.save(str(mp3), v2_version=3)
    order_chapter_frames(mp3)


def order_chapter_frames(mp3: Path) -> None:
    """Rewrite the ID3v2.3 tag at the head of `mp3` with its CHAP frames in time order.

    mutagen writes frames sorted by size, and ffmpeg (and the players built on it)
    list chapters in the order their frames come. The same frames are moved, not
    changed, so the tag keeps its size and the rewrite happens in place. CTOC goes
    just before the chapters it lists.
    """
    with open(mp3, "r+b") as file:
        header = file.read(10)
        if len(header) < 10 or header[:3] != b"ID3" or header[3] != 3 or header[5] & 0xC0:
            return  # not a plain v2.3 tag (no unsynchronisation, no extended header)
        size = _syncsafe(header[6:10])
        body = file.read(size)
        frames, offset = [], 0
        while offset + 10 <= len(body) and body[offset] != 0:  # a zero byte starts the padding
            frame_size = int.from_bytes(body[offset + 4 : offset + 8], "big")
            frames.append(body[offset : offset + 10 + frame_size])
            offset += 10 + frame_size
        others = [f for f in frames if f[:4] not in (b"CHAP", b"CTOC")]
        tocs = [f for f in frames if f[:4] == b"CTOC"]
        chapters = sorted((f for f in frames if f[:4] == b"CHAP"), key=_chapter_start)
        file.seek(10)
        file.write(b"".join(others + tocs + chapters))


def _syncsafe(data: bytes) -> int:
    """An ID3 tag size: four bytes of seven bits each.

    >>> _syncsafe(bytes([0, 0, 2, 1]))
    257
    """
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def _chapter_start(frame: bytes) -> int:
    """A CHAP frame's start time in ms: after the header and the element ID's NUL."""
    at = frame.index(b"\0", 10) + 1
    return int.from_bytes(frame[at : at + 4], "big")


def mp3_duration(mp3: Path) -> float:
    """Duration in seconds as players compute it."""
    from mutagen.mp3 import MP3

    info = MP3(str(mp3)).info
    if info is None:  # mutagen found no MPEG frame: not an MP3 ffmpeg wrote
        raise EssaycastError(f"{mp3}: no MP3 audio to measure")
    return float(info.length)


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
        from .ffmpeg import ffmpeg
        from .music import load_music

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
        from .cover import embedded_cover

        with self._cover_lock:  # jobs share it: scale once
            if self._cover_art is None and self.cover is not None:
                self._cover_art = embedded_cover(self.cover)
            return self._cover_art


def render_episode(
    kit: RenderKit,
    essay: Essay,
    spec: VoiceSpec,
    identity: Identity,
    on_sentence: Callable[[int, int], None] | None = None,
) -> Episode:
    """Speak, assemble, master, tag and publish one essay under output/episodes/.

    Every file is written by atomic rename, the MP3 last; `on_sentence(done, total)`
    is called after each newly synthesised sentence.
    """
    from .audio import compose_intro
    from .pieces import PieceCache, render_mp3
    from .speech.cache import SentenceCache, synthesize_cached
    from .text import spoken_intro, to_speech_text
    from .transcript import render_chapters, render_srt, render_vtt

    show = kit.show
    speech = to_speech_text(essay, show.lexicon, show.podcast.language)
    sentences = [s.spoken for s in speech.sentences()]
    if not sentences:
        raise EssayError(show.relative(essay.path), "has no text to read aloud")
    author = essay.author or show.podcast.author
    cache = SentenceCache(show.state_dir / "cache" / "sentences")

    def engine() -> Engine:
        return kit.engine(spec)

    def voice(indices: list[int]) -> Iterator[SentenceAudio]:
        return synthesize_cached([sentences[i] for i in indices], spec, cache, engine, on_sentence)

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
            [cache.key(spec, s) for s in sentences],
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
        files = {
            f"{stem}.vtt": render_vtt(audio.cues).encode(),
            f"{stem}.srt": render_srt(audio.cues).encode(),
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
        transcripts={"text/vtt": f"{stem}.vtt", "application/x-subrip": f"{stem}.srt"},
        chapters=f"{stem}.chapters.json",
    )
