"""The episode in pieces: an edit re-encodes the piece it touches, not the episode.

The path from sentences to the published MP3 is: layout -> pieces (render,
splice). audio.layout says, from the text alone, which sentence comes next and
the pause before it; the episode is cut there into pieces, runs of sentences
(about a minute each, cut at a pause and at every chapter), the first one led
by the intro (audio.intro), the outro a piece of its own. Every piece but the
last ends in a pause. A piece is rendered on its own, from its own sentences,
in one ffmpeg pass (`render_piece`), while the voice speaks the next piece:
resampled once to 44.1 kHz, *levelled* (pre-gain, compressor, limiter:
audio.loudness's chain), *mastered* at the episode's one gain, *encoded* by
LAME CBR into bare frames of exactly its length (a whole number of MP3
frames), and *measured*: ebur128 logs the loudness of every 400 ms block and
the true peak of what LAME was fed, which audio.loudness turns into the
figures as heard. Nothing is decoded again.

What a render learnt (length, sentence positions, levelled block loudness) is
kept in a small record, and its frames with their figures by piece and gain,
both in the piece cache (audio.piece_cache). The episode's gain follows one
rule (`master_episode`): kept while the episode stays on target, the nominal
gain otherwise, corrected once if that misses; a cold build's gain depends on
the content alone, so cold builds reproduce. The published MP3's loudness and
true peak come from its pieces' figures, blocks gated together as BS.1770
gates one programme. The frames are joined by audio.mp3's Splicer, on the one
frame grid the whole episode would have, so the joined stream decodes as if it
had been encoded at once: no gap, no click, no drift, and every sample lands
where the transcript says. Every ffmpeg failure is one line with ffmpeg's own
reason.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import EssaycastError
from ..ffmpeg import (
    Figures,
    failure_reason,
    ffmpeg,
    ffmpeg_command,
    mp3_output,
    pcm_input,
    read_ebur128,
    run_ffmpeg,
)
from ..model import ChapterMark, Cue, SentenceAudio, SpeechText, Word
from ..standards import EPISODE_RATE
from . import loudness as mastering
from .intro import Intro, compose_outro
from .layout import (
    TRIM_LEAD,
    TRIM_TAIL,
    TRIM_THRESHOLD,
    Pacing,
    close_chapters,
    layout,
    level_db,
    pre_gain,
    trim,
    trim_words,
    written_words,
)
from .mp3 import (
    FRAME,
    Splicer,
    crc16,
    crc16_combine,
    frames_to_keep,
    iter_frames,
    padded,
)
from .pcm import to_float
from .piece_cache import Encoded, PieceCache, PieceRecord

if TYPE_CHECKING:
    from pydub import AudioSegment

log = logging.getLogger(__name__)

# Bump when a piece's audio for the same inputs changes (the chain, the splice).
# 2: one pass (level, master, encode, measure); no master limiter where it has no work.
PIECES_VERSION = 2

# Silence a piece must end with for the overlapping frame to decode the same
# from either side: the 1105 samples it covers, two granules of MDCT overlap
# and the polyphase filter bank's memory, with room to spare. A sentence pause
# (0.45 s, 19,845 samples) is four times this.
JOIN_SILENCE = 4608

# Piece boundaries are chosen by content, like a chunking backup tool's: after
# a sentence whose cache key ends in a chosen residue, so that inserting a
# sentence moves no boundary but its own piece's. Chapter ends always cut.
MIN_SENTENCES = 6
CUT_ONE_IN = 8  # pieces of about MIN + CUT_ONE_IN sentences (about a minute)
MAX_SENTENCES = 32

# The mastering gain's grid. Coarse: an edit seldom moves the gain a cold build
# picks, so a cold build of an edited essay mostly lands on the gain a warm build
# kept; fine enough that the first piece's gain lands the episode inside KEEP_LU.
GAIN_STEP_DB = 0.25
BLOCK = 4410  # 100 ms: the step between BS.1770's 400 ms gating blocks
LEAD_BLOCKS = 3  # blocks that start before a piece does
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0

ENCODERS = 2  # pieces rendered at once, by all the episodes a build renders together
_ENCODER_SLOTS = threading.BoundedSemaphore(ENCODERS)
# on_piece(step, k, n): piece k of n handed to its encoder to be levelled ("levelled"), or
# levelled, mastered and encoded ("encoded")
PieceProgress = Callable[[str, int, int], None]


# -- the plan: which sentences and pauses make each piece ----------------------


@dataclass(frozen=True)
class Piece:
    """A run of the episode that starts and ends in its own silence.

    `items` lists, in order, sentence indices (ints, into the essay's flat list
    of sentences) and pauses (floats, seconds). The last item is always the
    pause that follows the piece, so the join falls in silence.
    """

    items: tuple[int | float, ...]
    chapter: str | None = None  # the title of the chapter this piece opens

    @property
    def sentences(self) -> list[int]:
        return [i for i in self.items if isinstance(i, int)]


def plan_pieces(steps: Sequence[tuple[float, str | None, str]], final_pause: float) -> list[Piece]:
    """Cut the essay into pieces.

    `steps` gives, for each sentence in order, the pause before it, the title of
    the chapter it opens (or None) and its cache key, as audio.layout lays the
    body out; `final_pause` follows the last sentence. A piece ends before every
    chapter, and otherwise after a sentence whose key picks it (MIN_SENTENCES to
    MAX_SENTENCES apart): a boundary depends only on the sentences just before it.

    >>> steps = [(0.0, "", "a0"), (0.5, None, "b0"), (1.0, None, "c0"), (2.0, "Two", "d0")]
    >>> [(p.items, p.chapter) for p in plan_pieces(steps, 1.0)]
    [((0, 0.5, 1, 1.0, 2, 2.0), ''), ((3, 1.0), 'Two')]
    """
    pieces: list[Piece] = []
    items: list[int | float] = []
    opens: str | None = None
    for index, (pause, chapter, _) in enumerate(steps):
        if items:
            count = len(items) // 2 + 1
            key = steps[index - 1][2]
            if (
                chapter is not None
                or count >= MAX_SENTENCES
                or (count >= MIN_SENTENCES and int(key[-8:], 16) % CUT_ONE_IN == 0)
            ):
                pieces.append(Piece((*items, pause), opens))
                items, opens = [], None
            else:
                items.append(pause)
        if not items:
            opens = chapter
        items.append(index)
    if items:
        pieces.append(Piece((*items, final_pause), opens))
    return pieces


def integrated_loudness(pieces: Iterable[Sequence[float]]) -> float:
    """BS.1770 integrated loudness of pieces played in a row, from their block loudness.

    The gates apply across all blocks at once, as for one programme; blocks that
    would straddle a join are missing, but joins are silent, and silent blocks
    fall under the absolute gate anyway.

    >>> round(integrated_loudness([[-20.0, -20.0], [-35.0], [-90.0]]), 2)
    -20.0
    >>> round(integrated_loudness([[-20.0], [-23.0]]), 2)
    -21.25
    """
    loud = np.concatenate([np.asarray(p, dtype=np.float64) for p in pieces] or [np.zeros(0)])
    energy = 10 ** ((loud + 0.691) / 10)
    energy = energy[loud > ABSOLUTE_GATE]
    if energy.size == 0:
        return -70.0
    gate = -0.691 + 10 * math.log10(energy.mean()) + RELATIVE_GATE
    kept = energy[-0.691 + 10 * np.log10(energy) > gate]
    return float(-0.691 + 10 * math.log10(kept.mean()))


def quantise_gain(gain_db: float) -> str:
    """The mastering gain on its GAIN_STEP_DB grid, as ffmpeg and the cache key spell it.

    >>> quantise_gain(1.2345), quantise_gain(-0.01), quantise_gain(-0.76)
    ('1.25', '0.00', '-0.75')
    """
    steps = round(gain_db / GAIN_STEP_DB)
    text = f"{steps * GAIN_STEP_DB:.2f}"
    return "0.00" if text == "-0.00" else text


def nominal_gain(first_piece: float, loudness: float) -> str:
    """The gain a cold build tries: the one that takes the first levelled piece to target.

    >>> nominal_gain(-17.45, -16.0), nominal_gain(-18.6, -16.0)
    ('-1.25', '0.00')
    """
    return quantise_gain(mastering.master_gain(first_piece, loudness))


def ffmpeg_identity() -> str:
    """The ffmpeg in use: part of every piece key, as its filters and LAME are."""
    found = ffmpeg()  # checked once per choice; ESSAYCAST_FFMPEG may name another
    return f"{found.version} {found.path}"


def piece_key(*parts: object) -> str:
    """A content hash of everything that makes a piece sound the way it does."""
    payload = json.dumps([PIECES_VERSION, ffmpeg_identity(), *parts], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- rendering one piece: level, master, encode and measure in one ffmpeg pass --

_BLOCK_LINE = re.compile(rb"^lavfi\.r128\.M=(-?[\d.]+|-?inf|nan)", re.M)


@dataclass(frozen=True)
class Chain:
    """The ffmpeg filters a piece goes through: levelling, then mastering."""

    level: str  # e.g. "volume=3.00dB,acompressor=...,alimiter=..."
    master: Callable[[str], str]  # gain ("1.25") -> e.g. "volume=1.25dB,alimiter=..." or "anull"


@dataclass(frozen=True)
class PieceAudio:
    """A piece's sound, whole in memory (a minute of speech is ~3 MB), ready for one pass."""

    body: bytes  # 16-bit PCM at `rate`: sentences and the silences between them
    rate: int
    head: bytes  # 16-bit PCM at EPISODE_RATE before the body (the intro, the outro's music)
    marks: tuple[tuple[int, int], ...]  # each sentence's (start, end) sample at EPISODE_RATE
    samples: int  # its length at EPISODE_RATE, on the MP3 frame grid


def gather_piece(chunks: Iterable[bytes | int], rate: int, head: bytes = b"") -> PieceAudio:
    """Collect a piece's sentences (bytes) and silences (int samples at `rate`).

    Each sentence's place is counted from what is written, so the transcript's
    times are the audio's; the length is known before ffmpeg starts, so the
    encoder can be given exactly that many samples.
    """
    offset = len(head) // 2
    parts: list[bytes] = []
    marks: list[tuple[int, int]] = []
    written = 0  # samples at `rate`
    for chunk in chunks:
        data = bytes(2 * chunk) if isinstance(chunk, int) else chunk
        start = written
        parts.append(data)
        written += len(data) // 2
        if not isinstance(chunk, int):
            marks.append((offset + _at_rate(start, rate), offset + _at_rate(written, rate)))
    samples = padded(offset + _at_rate(written, rate))
    return PieceAudio(b"".join(parts), rate, head, tuple(marks), samples)


def render_piece(
    audio: PieceAudio, chain: Chain, gain: str, kbps: int, out: Path
) -> tuple[PieceRecord, Encoded]:
    """Level, master at `gain`, encode to bare MP3 frames in `out`, and measure: one pass.

    The voice is resampled once, on its way in; the levelled, mastered signal is
    split between LAME and ebur128, which logs every 400 ms block's loudness and
    the true peak of exactly what LAME was fed. What the MP3 sounds like as heard
    is that, less what the encoder takes (audio.loudness.as_heard): no decode.
    """
    blocks_log = out.with_suffix(".blocks")
    head_file = out.with_suffix(".head")
    inputs, body = _piece_inputs(audio, head_file)
    samples = audio.samples
    graph = (
        f"{body},{chain.level},{chain.master(gain)},"
        # exactly `samples` reach LAME, whatever the resampler and limiters do at the end
        f"apad=whole_len={samples},atrim=end_sample={samples},asplit=2[out][m];"
        # the measurement starts 300 ms early, in silence, so that the blocks that
        # straddle the start are measured as they would be after the previous
        # piece's silent end (ebur128 reports nothing before 400 ms)
        f"[m]adelay={LEAD_BLOCKS * BLOCK}S,asetnsamples=n={BLOCK}:p=0,"
        "ebur128=metadata=1:peak=true,"
        f"ametadata=mode=print:key=lavfi.r128.M:file={blocks_log.name},anullsink"
    )
    cmd = ffmpeg_command(
        [*inputs, "-filter_complex", graph, "-map", "[out]", *mp3_output(out.name, kbps)],
        "info",
    )
    try:
        # cwd: file names in a filtergraph string need no escaping when they are bare
        proc = subprocess.run(cmd, input=audio.body, capture_output=True, cwd=out.parent)
    finally:
        head_file.unlink(missing_ok=True)
    # Debian's ffmpeg 5.1 exits 0 after a failed write: the log says so, not the code
    _raise_on_failure("rendering a piece", proc.stderr, proc.returncode)
    figures = read_ebur128(proc.stderr.decode("utf-8", "replace"))
    if figures is None or figures.true_peak is None:
        raise EssaycastError("rendering a piece: ffmpeg's ebur128 gave no true peak")
    blocks = _read_blocks(blocks_log, samples)
    data = out.read_bytes()
    frames = list(iter_frames(data))
    if len(frames) < samples // FRAME + 1 or frames[0].main_data_begin != 0:
        raise EssaycastError(f"encoding a piece gave unexpected frames ({len(frames)})")
    cut = frames_to_keep(data, samples, last=False)
    heard = mastering.as_heard(blocks)
    encoded = Encoded(
        cut, crc16(data[:cut]), crc16(data[cut:]), heard, mastering.encoded_peak(figures.true_peak)
    )
    # what levelling alone gives: the mastering gain taken off again
    levelled = tuple(round(b - float(gain), 2) for b in blocks)
    return PieceRecord(samples, audio.marks, levelled), encoded


def _piece_inputs(audio: PieceAudio, head_file: Path) -> tuple[list[str], str]:
    """ffmpeg's inputs for a piece (its head, if any, from `head_file`; the voice from our
    pipe) and the filter graph's start: the voice resampled once, the head before it."""
    resample = f"aresample={EPISODE_RATE}" if audio.rate != EPISODE_RATE else "anull"
    inputs = pcm_input("pipe:0", audio.rate)
    body = f"[0:a]{resample}"
    if audio.head:
        head_file.write_bytes(audio.head)
        inputs = [*pcm_input(head_file.name, EPISODE_RATE), *inputs]
        body = f"[1:a]{resample}[body];[0:a][body]concat=n=2:v=0:a=1"
    return inputs, body


def levelled_loudness(audio: PieceAudio, level: str, work_dir: Path) -> float:
    """Integrated loudness (LUFS, plain) of a piece through the levelling chain alone."""
    head_file = work_dir / "probe.head"
    inputs, body = _piece_inputs(audio, head_file)
    cmd = ffmpeg_command(
        [*inputs, "-filter_complex", f"{body},{level},ebur128", "-f", "null", "-"], "info"
    )
    try:
        proc = subprocess.run(cmd, input=audio.body, capture_output=True, cwd=work_dir)
    finally:
        head_file.unlink(missing_ok=True)
    _raise_on_failure("measuring the first piece", proc.stderr, proc.returncode)
    figures = read_ebur128(proc.stderr.decode("utf-8", "replace"))
    if figures is None:
        raise EssaycastError("measuring the first piece: ffmpeg's ebur128 gave no loudness")
    return figures.integrated


def _read_blocks(path: Path, samples: int) -> tuple[float, ...]:
    """The block loudness ametadata logged: one line per 100 ms, LEAD_BLOCKS early."""
    found = _BLOCK_LINE.findall(path.read_bytes())
    path.unlink()
    found = found[LEAD_BLOCKS : LEAD_BLOCKS + samples // BLOCK]
    return tuple(max(float(x), -120.0) if x != b"nan" else -120.0 for x in found)


def _at_rate(samples: int, rate: int) -> int:
    """A position at `rate` as a sample at EPISODE_RATE (exact for 22,050 and 44,100 Hz)."""
    if rate == EPISODE_RATE:
        return samples
    return (samples * EPISODE_RATE + rate // 2) // rate


def _raise_on_failure(what: str, log: bytes, returncode: int) -> None:
    """One line naming `what` and ffmpeg's own reason, if its run failed."""
    reason = failure_reason(log.decode("utf-8", "replace"), returncode)
    if reason:
        raise EssaycastError(f"{what}: ffmpeg failed: {reason}")


# -- the episode: plan, render what is missing at the episode's gain, splice ------------


@dataclass(frozen=True)
class Source:
    """One piece of the episode and how to stream it when it must be rendered."""

    key: str
    piece: Piece | None = None  # body pieces: sentences and pauses
    pcm: bytes = b""  # music pieces (the outro): 16-bit PCM at EPISODE_RATE
    head: bytes = b""  # 16-bit PCM at EPISODE_RATE before a body piece (the intro)
    title: str | None = None  # the chapter mark it opens, at its first sentence

    @property
    def trailing(self) -> float:
        """The silence it ends with, seconds (music pieces: none known)."""
        return float(self.piece.items[-1]) if self.piece is not None else 0.0


@dataclass(frozen=True)
class SplicedEpisode:
    """The spliced MP3 and what the transcript and the feed need from it."""

    samples: int  # exact decoded length at EPISODE_RATE
    marks: tuple[tuple[int, int], ...]  # each sentence's (start, end) sample in the episode
    chapters: tuple[tuple[int, str], ...]  # (start sample, title) of each mark
    loudness: float  # integrated loudness of the levelled pieces, LUFS, plain
    gain: str  # the mastering gain every piece was encoded with, dB
    heard: float  # integrated loudness of the MP3 as heard (dual-mono), LUFS
    true_peak: float  # of the MP3, dBTP
    pieces: int
    levelled: int  # pieces rendered (levelled and encoded) by this build
    encoded: int  # the same: one pass does both

    @property
    def duration(self) -> float:
        return self.samples / EPISODE_RATE


def splice_episode(
    sources: Sequence[Source],
    sentence_audio: Callable[[list[int]], Iterator[bytes]],
    rate: int,
    chain: Chain,
    gain: str,
    kbps: int,
    cache: PieceCache,
    work_dir: Path,
    out_mp3: Path,
    force: bool = False,
    on_piece: PieceProgress | None = None,
) -> SplicedEpisode:
    """Render the pieces not cached at `gain` and splice all of them into `out_mp3`.

    `sentence_audio(indices)` yields the trimmed PCM (16-bit at `rate`) of those
    sentences, in order, one at a time; it is asked only for pieces that must be
    rendered, and each piece is rendered while the voice speaks the next. With
    `force`, nothing cached is used (and all is stored anew). The episode's
    figures combine the pieces', so the published file needs no pass of its own.
    """
    for source in sources[:-1]:
        if round(source.trailing * EPISODE_RATE) < JOIN_SILENCE:
            raise EssaycastError(
                f"a piece ends in {source.trailing:.3f} s of silence; joins need more"
            )
    found = {} if force else _cached(sources, gain, kbps, chain, cache)
    todo = _unique(s for s in sources if s.key not in found)
    found.update(
        render_missing(todo, sentence_audio, rate, chain, gain, kbps, cache, work_dir, on_piece)
    )
    records = {key: record for key, (record, _, _) in found.items()}
    framed = {key: (path, encoded) for key, (_, path, encoded) in found.items()}
    samples, marks, chapters = write_spliced(sources, records, framed, kbps, out_mp3)
    return SplicedEpisode(
        samples=samples,
        marks=marks,
        chapters=chapters,
        loudness=integrated_loudness(records[s.key].blocks for s in sources),
        gain=gain,
        heard=integrated_loudness(framed[s.key][1].heard for s in sources),
        true_peak=max(framed[s.key][1].true_peak or -120.0 for s in sources),
        pieces=len(sources),
        levelled=len(todo),
        encoded=len(todo),
    )


def _unique(sources: Iterable[Source]) -> list[Source]:
    """Each key once, in order: a piece said twice (a refrain) is rendered once."""
    return list({s.key: s for s in sources}.values())


Rendered = tuple[PieceRecord, Path, Encoded]


def _cached(
    sources: Sequence[Source], gain: str, kbps: int, chain: Chain, cache: PieceCache
) -> dict[str, Rendered]:
    """The pieces rendered before at this gain (record and frames), by key."""
    found = {}
    for source in sources:
        record = cache.record(source.key)
        frames = cache.frames(_frames_key(source.key, gain, kbps, chain)) if record else None
        if record is not None and frames is not None:
            found[source.key] = (record, *frames)
    return found


def render_missing(
    todo: Sequence[Source],
    sentence_audio: Callable[[list[int]], Iterator[bytes]],
    rate: int,
    chain: Chain,
    gain: str,
    kbps: int,
    cache: PieceCache,
    work_dir: Path,
    on_piece: PieceProgress | None = None,
) -> dict[str, Rendered]:
    """Render `todo` at `gain` and cache each piece, by key; `on_piece` hears of each.

    The voice speaks in this thread, one piece at a time; each piece, once
    spoken, goes to an ffmpeg of its own in a worker, so that the voice and the
    encoder overlap across pieces. At most ENCODERS pieces wait or render at
    once, which bounds memory to a few minutes of PCM.
    """
    wanted = [i for s in todo if s.piece for i in s.piece.sentences]
    stream = sentence_audio(wanted) if wanted else iter(())
    render = functools.partial(
        _render_one, chain=chain, gain=gain, kbps=kbps, cache=cache, work_dir=work_dir
    )
    pending = threading.BoundedSemaphore(ENCODERS)
    with ThreadPoolExecutor(max_workers=ENCODERS) as pool:
        futures = {}
        try:
            for source in todo:
                audio = _piece_audio(source, stream, rate)
                pending.acquire()  # backpressure: the voice waits for a free encoder
                future = pool.submit(render, source.key, audio)
                future.add_done_callback(lambda _: pending.release())
                futures[source.key] = future
                if on_piece:  # spoken and handed to its encoder: being levelled now
                    on_piece("levelled", len(futures), len(todo))
            rendered = {}
            for key, future in futures.items():  # in order, in this thread
                rendered[key] = future.result()
                if on_piece:
                    on_piece("encoded", len(rendered), len(futures))
            return rendered
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise


def _piece_audio(source: Source, stream: Iterator[bytes], rate: int) -> PieceAudio:
    """A source's sound, its sentences taken from `stream` in order."""
    if source.piece is None:  # music (the outro): no sentence marks
        pcm = source.pcm
        return PieceAudio(pcm, EPISODE_RATE, b"", (), padded(len(pcm) // 2))
    return gather_piece(_body_chunks(source.piece, stream, rate), rate, head=source.head)


def _render_one(
    key: str,
    audio: PieceAudio,
    chain: Chain,
    gain: str,
    kbps: int,
    cache: PieceCache,
    work_dir: Path,
) -> Rendered:
    tmp = work_dir / f"{key}.mp3"
    # --jobs 2 renders two episodes at once: still one encoder per core, not per job
    with _ENCODER_SLOTS:
        record, encoded = render_piece(audio, chain, gain, kbps, tmp)
    cache.put_record(key, record)
    path = cache.put_frames(_frames_key(key, gain, kbps, chain), tmp, encoded)
    return record, path, encoded


def write_spliced(
    sources: Sequence[Source],
    records: dict[str, PieceRecord],
    framed: dict[str, tuple[Path, Encoded]],
    kbps: int,
    out_mp3: Path,
) -> tuple[int, tuple[tuple[int, int], ...], tuple[tuple[int, str], ...]]:
    """Join the pieces' frames into `out_mp3`; its samples, sentence marks and chapters."""
    marks: list[tuple[int, int]] = []
    chapters: list[tuple[int, str]] = []
    at = 0
    with open(out_mp3, "wb") as out:
        splicer = Splicer(out, kbps)
        for n, source in enumerate(sources):
            record = records[source.key]
            if source.title is not None:  # a chapter starts with its first sentence
                chapters.append((at + (record.marks[0][0] if source.piece else 0), source.title))
            if source.piece is not None:  # the outro's music has no cues
                marks.extend((at + a, at + b) for a, b in record.marks)
            path, encoded = framed[source.key]
            data = path.read_bytes()
            if n < len(sources) - 1:
                splicer.add(data[: encoded.cut], encoded.head)
            else:  # the last piece keeps the frames that flush the encoder
                whole = crc16_combine(encoded.head, encoded.tail, len(data) - encoded.cut)
                splicer.add(data, whole)
            at += record.samples
        splicer.finish(at)
    return at, tuple(marks), tuple(chapters)


def _frames_key(key: str, gain: str, kbps: int, chain: Chain) -> str:
    return piece_key("frames", key, gain, kbps, chain.master(gain))


def _body_chunks(piece: Piece, stream: Iterator[bytes], rate: int) -> Iterator[bytes | int]:
    """A body piece as PCM and silences, its sentences taken from `stream` in order."""
    for item in piece.items:
        if isinstance(item, int):
            pcm = next(stream, None)
            if pcm is None:
                raise EssaycastError("the voice returned fewer sentences than the essay has")
            yield pcm
        else:
            yield round(item * rate)


# -- the episode as audio.layout lays it out ------------------------------------

PRE_GAIN_STEP_DB = 0.5  # coarse: the pre-gain is in every piece's key


@dataclass(frozen=True)
class RenderedEpisode:
    """The spliced episode MP3 and its timings."""

    mp3: Path
    duration: float  # exact, in seconds: samples / EPISODE_RATE
    cues: tuple[Cue, ...]
    chapters: tuple[ChapterMark, ...]
    spliced: SplicedEpisode


def render_mp3(
    speech: SpeechText,
    keys: Sequence[str],
    sentence_audio: Callable[[list[int]], Iterator[SentenceAudio]],
    first: SentenceAudio,
    intro: Intro | None,
    outro: AudioSegment | None,
    loudness: float,
    kbps: int,
    cache: PieceCache,
    work_dir: Path,
    out_mp3: Path,
    pacing: Pacing | None = None,
    force: bool = False,
    on_piece: PieceProgress | None = None,
) -> RenderedEpisode:
    """Intro + the essay read aloud (+ outro), mastered to `loudness` LUFS as heard, as
    one CBR MP3 (no ID3 tag yet) spliced from cached pieces; return its timings.

    `keys` are the sentences' cache keys, in order; `sentence_audio(indices)`
    yields those sentences' audio in order (synthesising what is missing);
    `first` is the first sentence's, which sets the pre-gain and the outro's level.
    The MP3's figures (as heard) are checked: a miss gets one more pass with the
    gain and ceiling corrected, and a second miss is an error: nothing is published.
    `on_piece(step, k, n)` hears of each piece levelled or encoded (step "levelled" or
    "encoded", piece k of the n that pass renders).
    """
    pacing = pacing or Pacing()
    rate = first.sample_rate
    # the pre-gain sets where the compressor bites; on a coarse grid, so that an
    # edit of the first sentence seldom moves it (and with it every piece)
    pre = round(pre_gain(first, loudness) / PRE_GAIN_STEP_DB) * PRE_GAIN_STEP_DB
    level = f"volume={pre:.2f}dB,{mastering.COMPRESSOR},{mastering.limiter()}"

    def audio(indices: list[int]) -> Iterator[bytes]:
        for sentence in sentence_audio(indices):
            if sentence.sample_rate != rate:
                raise EssaycastError(
                    f"the voice changed sample rate mid-episode ({sentence.sample_rate} != "
                    f"{rate} Hz)"
                )
            yield trim(sentence.pcm, rate)

    head = intro.audio.raw_data if intro is not None and len(intro.audio) else b""
    has_outro = outro is not None and len(outro) > 0
    sources = _sources(speech, keys, rate, level, head, pacing, has_outro)
    if outro is not None and has_outro:
        composed = _outro_pcm(outro, first, pacing)
        digest = hashlib.sha256(composed).hexdigest()
        sources.append(Source(piece_key("outro", digest, level), pcm=composed, title="Outro"))
    spliced = master_episode(
        sources, audio, rate, level, loudness, kbps, cache, work_dir, out_mp3, force, on_piece
    )

    written = [s.written for s in speech.sentences()]
    cues = [*intro.cues] if head and intro is not None else []
    # every sentence's words, timed in its trimmed audio, then placed where its piece put it
    timed = _timed_words(sources, len(written), sentence_audio, cache, force)
    cues += [
        Cue(a / EPISODE_RATE, b / EPISODE_RATE, text, _words(words, text, a, b))
        for (a, b), text, words in zip(spliced.marks, written, timed, strict=True)
    ]
    marks = [ChapterMark(0.0, 0.0, "Intro")] if head else []
    marks += [ChapterMark(at / EPISODE_RATE, 0.0, title) for at, title in spliced.chapters]
    return RenderedEpisode(
        out_mp3,
        spliced.duration,
        tuple(cues),
        close_chapters(marks, spliced.duration),
        spliced,
    )


def _timed_words(
    sources: Sequence[Source],
    count: int,
    sentence_audio: Callable[[list[int]], Iterator[SentenceAudio]],
    cache: PieceCache,
    force: bool = False,
) -> list[tuple[Word, ...]]:
    """Each sentence's words timed in its trimmed audio (trim_words), kept by piece.

    Timing needs the sentence's samples (where trim cuts), so without the kept lists an
    edit would read back every sentence of the episode: for the long essay, 100 MB of
    WAV to retime 28 pieces that did not change. A piece's key names its sentences'
    audio, so its words are kept under it; only pieces not kept are timed from the voice
    (with `force`, every piece, and kept anew).
    """
    timed: list[tuple[Word, ...] | None] = [None] * count
    todo: dict[str, list[int]] = {}
    for source in sources:
        if source.piece is None:
            continue
        indices = source.piece.sentences
        key = piece_key("words", source.key, TRIM_THRESHOLD, TRIM_LEAD, TRIM_TAIL)
        kept = None if force else cache.words(key)
        if kept is not None and len(kept) == len(indices):
            for i, words in zip(indices, kept, strict=True):
                timed[i] = words
        else:
            todo[key] = indices
    missing = [i for i, words in enumerate(timed) if words is None]
    if missing:
        for i, audio in zip(missing, sentence_audio(missing), strict=True):
            timed[i] = trim_words(audio)
        for key, indices in todo.items():
            cache.put_words(key, [timed[i] or () for i in indices])
    return [words or () for words in timed]


def _words(words: tuple[Word, ...], written: str, a: int, b: int) -> tuple[Word, ...]:
    """A sentence's words as written, in the episode: it starts at sample `a`, ends at `b`."""
    return written_words(words, written, a / EPISODE_RATE, b / EPISODE_RATE)


def _sources(
    speech: SpeechText,
    keys: Sequence[str],
    rate: int,
    level: str,
    head: bytes,
    pacing: Pacing,
    has_outro: bool,
) -> list[Source]:
    """The body's pieces as layout and plan_pieces cut it, each keyed by its content."""
    steps = [
        (step.pause, step.chapter, key)
        for step, key in zip(layout(speech, pacing), keys, strict=True)
    ]
    final = pacing.chapter if has_outro else pacing.paragraph
    sources: list[Source] = []
    for n, piece in enumerate(plan_pieces(steps, final)):
        items = [keys[i] if isinstance(i, int) else i for i in piece.items]
        # the intro ends in the music's faint tail, not in silence: it is the first
        # piece's head, not a piece of its own
        lead = hashlib.sha256(head).hexdigest() if head and n == 0 else None
        sources.append(
            Source(
                piece_key("body", rate, level, items, lead),
                piece=piece,
                head=head if n == 0 else b"",
                title=piece.chapter,
            )
        )
    return sources


def _outro_pcm(outro: AudioSegment, first: SentenceAudio, pacing: Pacing) -> bytes:
    """The outro, composed to answer the voice it follows at the intro's balance."""
    voice = to_float(trim(first.pcm, first.sample_rate))
    level = level_db(voice, first.sample_rate) if voice.size else -20.0
    return bytes(compose_outro(outro, level, pacing).raw_data)


def master_episode(
    sources: Sequence[Source],
    audio: Callable[[list[int]], Iterator[bytes]],
    rate: int,
    level: str,
    loudness: float,
    kbps: int,
    cache: PieceCache,
    work_dir: Path,
    out_mp3: Path,
    force: bool,
    on_piece: PieceProgress | None = None,
) -> SplicedEpisode:
    """Splice at the episode's gain, chosen by the rule below; re-level only off target.

    The rule, so that cold builds reproduce and an edit re-encodes one piece:

    1. A warm build keeps the gain (and ceiling) its unchanged pieces were
       encoded at, while the episode is heard within KEEP_LU of the target and
       under the true-peak limit: no mastering engineer re-masters an episode
       for one changed sentence.
    2. Otherwise, as a cold build does: the nominal gain, the one that takes
       the first piece, levelled, to the target (`nominal_gain`: one short
       level-only pass). If the episode misses by more than KEEP_LU, once more
       at the correction, on the GAIN_STEP_DB grid, with the ceiling lowered by
       any true-peak excess; a miss then of more than the tolerance is an
       error, and nothing is published.

    A cold build's gain depends on the content alone, so two cold builds give
    the same bytes; a warm build that leaves the band lands where a cold build
    lands. The two differ only while a warm build keeps a gain that an earlier
    version of the essay needed and this one would not: both are on target.
    """

    def splice(setting: tuple[str, float]) -> SplicedEpisode:
        gain, ceiling = setting
        chain = Chain(level, master=functools.partial(_master, ceiling=ceiling))
        spliced = splice_episode(
            sources,
            audio,
            rate,
            chain,
            gain,
            kbps,
            cache,
            work_dir,
            out_mp3,
            force=force,
            on_piece=on_piece,
        )
        for source in _unique(sources):  # what the next build keeps, if it can
            cache.put_setting(source.key, gain, ceiling)
        log.debug(
            "mastered at %s dB (ceiling %s): levelled %.2f LUFS, heard %.2f LUFS, %.2f dBTP; "
            "%d of %d pieces rendered",
            gain,
            ceiling,
            spliced.loudness,
            spliced.heard,
            spliced.true_peak,
            spliced.encoded,
            spliced.pieces,
        )
        return spliced

    def miss(spliced: SplicedEpisode, tolerance: float) -> str | None:
        figures = Figures(spliced.heard, spliced.true_peak)
        if spliced.true_peak > mastering.TRUE_PEAK_MAX:
            # the estimate (what LAME was fed, plus its usual overshoot) is a bound, not a
            # reading: near the limit, the spliced MP3 itself decides, decoded once
            figures = Figures(spliced.heard, measure_true_peak(out_mp3))
        return mastering.off_target(figures, loudness, tolerance)

    def nominal() -> tuple[str, float]:
        # the first piece, levelled: a pure function of the content, known before the rest
        first = sources[0]
        spoken = audio(first.piece.sentences) if first.piece is not None else iter(())
        measured = levelled_loudness(_piece_audio(first, spoken, rate), level, work_dir)
        return nominal_gain(measured, loudness), mastering.MASTER_CEILING

    kept = None if force else _kept_setting(sources, cache)
    if kept is not None:
        spliced = splice(kept)
        if miss(spliced, mastering.KEEP_LU) is None:
            return spliced
    cold = nominal()
    if cold != kept:  # (if it is, it has just missed: correct it)
        spliced = splice(cold)
        if miss(spliced, mastering.KEEP_LU) is None:
            return spliced
    # the nominal gain missed: once more, corrected; the result must be on target
    excess = max(0.0, spliced.true_peak - (mastering.TRUE_PEAK_MAX - 0.3))
    corrected = (
        quantise_gain(float(cold[0]) + loudness - spliced.heard),
        round(mastering.MASTER_CEILING - excess, 2),
    )
    spliced = splice(corrected)
    problem = miss(spliced, mastering.TOLERANCE_LU)
    if problem is not None:
        raise EssaycastError(f"the mastered episode measures {problem}; not published")
    return spliced


def _kept_setting(sources: Sequence[Source], cache: PieceCache) -> tuple[str, float] | None:
    """The gain and ceiling most of this episode's cached pieces were last encoded at."""
    votes: dict[tuple[str, float], int] = {}
    for source in _unique(sources):
        setting = cache.setting(source.key)
        if setting is not None:
            votes[setting] = votes.get(setting, 0) + 1
    if not votes:
        return None
    # a tie goes to the lower gain: the same answer on every machine
    return max(votes, key=lambda s: (votes[s], -float(s[0]), -s[1]))


def _master(gain: str, ceiling: float) -> str:
    return mastering.mastering_filter(float(gain), ceiling)


def measure_true_peak(mp3: Path) -> float:
    """The true peak (dBTP) of an MP3 as a listener's decoder gives it: ebur128, one decode."""
    proc = run_ffmpeg(
        ["-i", str(mp3), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        what=f"measuring {mp3.name}",
        loglevel="info",
    )
    figures = read_ebur128(proc.stderr.decode("utf-8", "replace"))
    if figures is None or figures.true_peak is None:
        raise EssaycastError(f"measuring {mp3.name}: ffmpeg gave no true peak")
    return figures.true_peak
