"""The episode in pieces: an edit re-encodes the piece it touches, not the episode.

The path from sentences to the published MP3 is: layout -> pieces (level,
encode, splice) -> measure as heard. audio.layout says, from the text alone,
which sentence comes next and the pause before it; the episode is cut there
into pieces, runs of sentences (about a minute each, cut at a pause and at
every chapter), the first one led by the intro (audio.intro), the outro a piece
of its own. Every piece but the last ends in a pause. A piece is rendered on
its own, from its own sentences:

1. *levelled*: resampled, pre-gain, compressor, limiter (audio.loudness's
   chain), to a raw 44.1 kHz PCM file whose length is a whole number of MP3
   frames, while ffmpeg's ebur128 logs the loudness of every 400 ms block;
2. *encoded*: the episode's one mastering gain, the peak limiter, LAME CBR;
   then decoded once and *measured as heard* (dual-mono blocks, true peak).

What step 1 learnt (length, sentence positions, block loudness) is kept in a
small record, and step 2's MP3 frames with their figures by piece and gain,
both in the piece cache (audio.piece_cache). The episode's gain comes from all
pieces' blocks, gated together as BS.1770 gates one programme, so an unchanged
piece is never measured again, and it is re-encoded only when that gain moves
a step (GAIN_STEP_DB: a cold build must land on the same bytes). The published
MP3's loudness and true peak come the same way from its pieces' figures; a
miss gets one more pass with the gain and ceiling corrected, and a second miss
is an error. The frames are joined by audio.mp3's Splicer, on the one frame
grid the whole episode would have, so the joined stream decodes as if it had
been encoded at once: no gap, no click, no drift, and every sample lands where
the transcript says. Every ffmpeg failure is one line with ffmpeg's own reason.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import re
import subprocess
import tempfile
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
)
from ..model import ChapterMark, Cue, SentenceAudio, SpeechText, Word
from ..standards import EPISODE_RATE
from . import loudness as mastering
from .intro import Intro, compose_outro
from .layout import (
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
    FIRST_SAMPLE,
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

# Bump when a piece's audio for the same inputs changes (the chain, the splice).
PIECES_VERSION = 1

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

# The mastering gain is quantised, so that a cold build reproduces the bytes of
# an incremental one; a piece is re-encoded only when its step moves.
GAIN_STEP_DB = 0.05
BLOCK = 4410  # 100 ms: the step between BS.1770's 400 ms gating blocks
LEAD_BLOCKS = 3  # blocks that start before a piece does
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0

ENCODERS = 2  # pieces encoded at once, by all the episodes a build renders together
_ENCODER_SLOTS = threading.BoundedSemaphore(ENCODERS)
# on_piece(step, k, n): piece k of the n a pass levels ("levelled") or encodes ("encoded")
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

    >>> quantise_gain(1.2345), quantise_gain(-0.01), quantise_gain(0.976)
    ('1.25', '0.00', '1.00')
    """
    steps = round(gain_db / GAIN_STEP_DB)
    text = f"{steps * GAIN_STEP_DB:.2f}"
    return "0.00" if text == "-0.00" else text


def ffmpeg_identity() -> str:
    """The ffmpeg in use: part of every piece key, as its filters and LAME are."""
    found = ffmpeg()  # checked once per choice; ESSAYCAST_FFMPEG may name another
    return f"{found.version} {found.path}"


def piece_key(*parts: object) -> str:
    """A content hash of everything that makes a piece sound the way it does."""
    payload = json.dumps([PIECES_VERSION, ffmpeg_identity(), *parts], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# -- rendering one piece -------------------------------------------------------

_BLOCK_LINE = re.compile(rb"^lavfi\.r128\.M=(-?[\d.]+|-?inf|nan)", re.M)


@dataclass(frozen=True)
class Chain:
    """The ffmpeg filters a piece goes through: levelling, then mastering."""

    level: str  # e.g. "volume=3.00dB,acompressor=...,alimiter=..."
    master: Callable[[str], str]  # gain ("1.25") -> e.g. "volume=1.25dB,alimiter=..."


def level_piece(
    chunks: Iterable[bytes | int],
    rate: int,
    chain: Chain,
    out_raw: Path,
    head: bytes = b"",
) -> PieceRecord:
    """Stream a piece through the levelling chain into `out_raw`; return its record.

    `chunks` yields 16-bit PCM at `rate` (a sentence) or an int (that many
    samples of silence at `rate`); `head` is 16-bit PCM at EPISODE_RATE played before
    them (the intro). Each sentence's place is counted from what was written, so
    the transcript's times are the audio's.
    """
    resample = f"aresample={EPISODE_RATE}" if rate != EPISODE_RATE else "anull"
    blocks_log = out_raw.with_suffix(".blocks")
    inputs = pcm_input("pipe:0", rate)
    body = f"[0:a]{resample}"
    head_file = out_raw.with_suffix(".head")
    if head:
        head_file.write_bytes(head)
        inputs = [*pcm_input(head_file.name, EPISODE_RATE), *inputs]
        body = f"[1:a]{resample}[body];[0:a][body]concat=n=2:v=0:a=1"
    graph = (
        f"{body},{chain.level},asplit=2[out][m];"
        # the measurement starts 300 ms early, in silence, so that the blocks that
        # straddle the start are measured as they would be after the previous
        # piece's silent end (ebur128 reports nothing before 400 ms)
        f"[m]adelay={LEAD_BLOCKS * BLOCK}S,asetnsamples=n={BLOCK}:p=0,ebur128=metadata=1,"
        f"ametadata=mode=print:key=lavfi.r128.M:file={blocks_log.name},anullsink"
    )
    cmd = ffmpeg_command(
        [
            *inputs,
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-f",
            "s16le",
            out_raw.name,
        ]
    )
    offset = len(head) // 2
    marks: list[tuple[int, int]] = []
    written = 0  # samples at `rate`
    with tempfile.TemporaryFile() as log:
        # cwd: file names in a filtergraph string need no escaping when they are bare
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=log, cwd=out_raw.parent)
        assert proc.stdin is not None
        try:
            for chunk in chunks:
                data = bytes(2 * chunk) if isinstance(chunk, int) else chunk
                start = written
                try:
                    proc.stdin.write(data)
                except BrokenPipeError:
                    break  # ffmpeg's exit code and log say why
                written += len(data) // 2
                if not isinstance(chunk, int):
                    marks.append((offset + _at_rate(start, rate), offset + _at_rate(written, rate)))
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            # only once ffmpeg has exited: it may open its inputs after our last write
            head_file.unlink(missing_ok=True)
        log.seek(0)
        # Debian's ffmpeg 5.1 exits 0 after a failed write: the log says so, not the code
        _raise_on_failure("levelling a piece", log.read(), returncode)
    samples = padded(offset + _at_rate(written, rate))
    # the resampler's output may differ from the exact ratio by a sample or two,
    # all in the trailing silence: cut or pad it to the frame grid (zeros)
    os.truncate(out_raw, 2 * samples)
    return PieceRecord(samples, tuple(marks), _read_blocks(blocks_log, samples))


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


def encode_piece(raw: Path, samples: int, gain: str, kbps: int, chain: Chain, out: Path) -> None:
    """Master and encode a levelled piece into bare MP3 frames (no tag, no Xing frame)."""
    cmd = ffmpeg_command(
        [
            *pcm_input(raw, EPISODE_RATE),
            # apad+atrim: exactly `samples` reach LAME, whatever the limiter does at the end
            "-af",
            f"{chain.master(gain)},apad=whole_len={samples},atrim=end_sample={samples}",
            *mp3_output(out, kbps),
        ]
    )
    proc = subprocess.run(cmd, capture_output=True)
    _raise_on_failure("encoding a piece", proc.stderr, proc.returncode)
    frames = list(iter_frames(out.read_bytes()))
    if len(frames) < samples // FRAME + 1 or frames[0].main_data_begin != 0:
        raise EssaycastError(f"encoding a piece gave unexpected frames ({len(frames)})")


@dataclass(frozen=True)
class Heard:
    """An encoded piece decoded and measured as a listener hears it (dual-mono)."""

    blocks: tuple[float, ...]  # LUFS of each 400 ms block, 100 ms apart, as level_piece's
    true_peak: float  # dBTP


def measure_piece(mp3: Path, samples: int) -> Heard:
    """Decode a piece's frames and measure its `samples`: block loudness and true peak."""
    blocks_log = mp3.with_suffix(".heard")
    graph = (
        f"atrim=start_sample={FIRST_SAMPLE}:end_sample={FIRST_SAMPLE + samples},"
        f"adelay={LEAD_BLOCKS * BLOCK}S,asetnsamples=n={BLOCK}:p=0,"
        "ebur128=metadata=1:dualmono=true:peak=true:framelog=verbose,"
        f"ametadata=mode=print:key=lavfi.r128.M:file={blocks_log.name}"
    )
    cmd = ffmpeg_command(
        [
            "-f",
            "mp3",
            "-i",
            mp3.name,
            "-af",
            graph,
            "-f",
            "null",
            "-",
        ],
        "info",
    )
    proc = subprocess.run(cmd, capture_output=True, cwd=mp3.parent)
    _raise_on_failure("measuring a piece", proc.stderr, proc.returncode)
    figures = read_ebur128(proc.stderr.decode("utf-8", "replace"))
    if figures is None or figures.true_peak is None:
        raise EssaycastError("measuring a piece: ffmpeg's ebur128 gave no true peak")
    return Heard(_read_blocks(blocks_log, samples), figures.true_peak)


# -- the episode: plan, level what changed, one gain, encode what moved, splice --


@dataclass(frozen=True)
class Source:
    """One piece of the episode and how to stream it when it must be levelled."""

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
    levelled: int  # pieces levelled by this build
    encoded: int  # pieces encoded by this build

    @property
    def duration(self) -> float:
        return self.samples / EPISODE_RATE


def splice_episode(
    sources: Sequence[Source],
    sentence_audio: Callable[[list[int]], Iterator[bytes]],
    rate: int,
    chain: Chain,
    gain_for: Callable[[float], float],
    kbps: int,
    cache: PieceCache,
    work_dir: Path,
    out_mp3: Path,
    force: bool = False,
    on_piece: PieceProgress | None = None,
) -> SplicedEpisode:
    """Render what changed, encode what moved, and splice all pieces into `out_mp3`.

    `sentence_audio(indices)` yields the trimmed PCM (16-bit at `rate`) of those
    sentences, in order, one at a time; it is asked only for pieces that must
    be levelled. With `force`, nothing cached is used (and all is stored anew).
    Every piece encoded is also decoded and measured as heard, once; the
    episode's figures combine those, so the published file is measured without
    a pass over all of it.
    """
    for source in sources[:-1]:
        if round(source.trailing * EPISODE_RATE) < JOIN_SILENCE:
            raise EssaycastError(
                f"a piece ends in {source.trailing:.3f} s of silence; joins need more"
            )
    level = functools.partial(
        level_missing,
        sentence_audio=sentence_audio,
        rate=rate,
        chain=chain,
        cache=cache,
        work_dir=work_dir,
        on_piece=on_piece,
    )
    records = {} if force else _cached_records(sources, cache)
    fresh = level(_unique(s for s in sources if s.key not in records))
    records.update({key: record for key, (record, _) in fresh.items()})
    loudness = integrated_loudness(records[s.key].blocks for s in sources)
    gain = quantise_gain(gain_for(loudness))

    framed = {} if force else _cached_frames(sources, gain, kbps, chain, cache)
    # levelled before, but the gain has moved a step: level again for the encoder
    moved = level(_unique(s for s in sources if s.key not in framed and s.key not in fresh))
    records.update({key: record for key, (record, _) in moved.items()})
    raws = {key: raw for key, (_, raw) in (fresh | moved).items()}
    todo = _unique(s for s in sources if s.key not in framed)
    framed.update(encode_missing(todo, records, raws, gain, kbps, chain, cache, work_dir, on_piece))

    samples, marks, chapters = write_spliced(sources, records, framed, kbps, out_mp3)
    return SplicedEpisode(
        samples=samples,
        marks=marks,
        chapters=chapters,
        loudness=loudness,
        gain=gain,
        heard=integrated_loudness(framed[s.key][1].heard for s in sources),
        true_peak=max(framed[s.key][1].true_peak or -120.0 for s in sources),
        pieces=len(sources),
        levelled=len(fresh) + len(moved),
        encoded=len(todo),
    )


def _unique(sources: Iterable[Source]) -> list[Source]:
    """Each key once, in order: a piece said twice (a refrain) is rendered once."""
    return list({s.key: s for s in sources}.values())


def _cached_records(sources: Sequence[Source], cache: PieceCache) -> dict[str, PieceRecord]:
    """The records of the pieces levelled before, by key."""
    found = {}
    for source in sources:
        record = cache.record(source.key)
        if record is not None:
            found[source.key] = record
    return found


def _cached_frames(
    sources: Sequence[Source], gain: str, kbps: int, chain: Chain, cache: PieceCache
) -> dict[str, tuple[Path, Encoded]]:
    """The frames of the pieces encoded before at this gain, by key."""
    found = {}
    for source in sources:
        frames = cache.frames(_frames_key(source.key, gain, kbps, chain))
        if frames is not None:
            found[source.key] = frames
    return found


def level_missing(
    todo: Sequence[Source],
    sentence_audio: Callable[[list[int]], Iterator[bytes]],
    rate: int,
    chain: Chain,
    cache: PieceCache,
    work_dir: Path,
    on_piece: PieceProgress | None = None,
) -> dict[str, tuple[PieceRecord, Path]]:
    """Level `todo` into raw files in `work_dir` and cache their records; both, by key."""
    wanted = [i for s in todo if s.piece for i in s.piece.sentences]
    stream = sentence_audio(wanted) if wanted else iter(())
    done = {}
    for source in todo:
        raw = work_dir / f"{source.key}.raw"
        if source.piece is not None:
            chunks = _body_chunks(source.piece, stream, rate)
            record = level_piece(chunks, rate, chain, raw, head=source.head)
        else:
            record = level_piece([], EPISODE_RATE, chain, raw, head=source.pcm)
        cache.put_record(source.key, record)
        done[source.key] = (record, raw)
        if on_piece:
            on_piece("levelled", len(done), len(todo))
    return done


def encode_missing(
    todo: Sequence[Source],
    records: dict[str, PieceRecord],
    raws: dict[str, Path],
    gain: str,
    kbps: int,
    chain: Chain,
    cache: PieceCache,
    work_dir: Path,
    on_piece: PieceProgress | None = None,
) -> dict[str, tuple[Path, Encoded]]:
    """Encode and measure `todo`'s levelled pieces at `gain` and cache their frames, by key."""
    encode = functools.partial(
        _encode_one, gain=gain, kbps=kbps, chain=chain, cache=cache, work_dir=work_dir
    )
    # LAME is single-threaded and synthesis is over by now: one encoder per core
    found = {}
    with ThreadPoolExecutor(max_workers=ENCODERS) as pool:
        done = pool.map(lambda s: encode(s.key, records[s.key], raws[s.key]), todo)
        for source, framed in zip(todo, done, strict=True):
            found[source.key] = framed
            if on_piece:
                on_piece("encoded", len(found), len(todo))
    return found


def _encode_one(
    key: str,
    record: PieceRecord,
    raw: Path,
    gain: str,
    kbps: int,
    chain: Chain,
    cache: PieceCache,
    work_dir: Path,
) -> tuple[Path, Encoded]:
    tmp = work_dir / f"{key}.mp3"
    # --jobs 2 renders two episodes at once: still one encoder per core, not per job
    with _ENCODER_SLOTS:
        encode_piece(raw, record.samples, gain, kbps, chain, tmp)
        raw.unlink()
        heard = measure_piece(tmp, record.samples)
    data = tmp.read_bytes()
    cut = frames_to_keep(data, record.samples, last=False)
    encoded = Encoded(cut, crc16(data[:cut]), crc16(data[cut:]), heard.blocks, heard.true_peak)
    return cache.put_frames(_frames_key(key, gain, kbps, chain), tmp, encoded), encoded


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
    spliced = _master_with_retry(
        sources, audio, rate, level, loudness, kbps, cache, work_dir, out_mp3, force, on_piece
    )

    written = [s.written for s in speech.sentences()]
    cues = [*intro.cues] if head and intro is not None else []
    # every sentence's words, from the sentence cache (the pieces' records hold none):
    # timed in its trimmed audio, then placed where its piece put it
    timed = (trim_words(s) for s in sentence_audio(list(range(len(written)))))
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


def _master_with_retry(
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
    """Splice at the gain the levelled pieces ask for; on a miss once more, corrected."""
    adjust, ceiling = 0.0, mastering.MASTER_CEILING
    for attempt in range(2):
        chain = Chain(level, master=functools.partial(_master, ceiling=ceiling))
        spliced = splice_episode(
            sources,
            audio,
            rate,
            chain,
            functools.partial(_gain, loudness=loudness, adjust=adjust),
            kbps,
            cache,
            work_dir,
            out_mp3,
            force=force,
            on_piece=on_piece,
        )
        figures = Figures(spliced.heard, spliced.true_peak)
        tolerance = mastering.RETRY_LU if attempt == 0 else mastering.TOLERANCE_LU
        problem = mastering.off_target(figures, loudness, tolerance)
        if problem is None:
            return spliced
        adjust += loudness - spliced.heard
        ceiling -= max(0.0, spliced.true_peak - (mastering.TRUE_PEAK_MAX - 0.3))
    raise EssaycastError(f"the mastered episode measures {problem}; not published")


def _gain(measured: float, loudness: float, adjust: float) -> float:
    # the levelled pieces measure `measured`; the MP3 should be heard at `loudness`
    return mastering.master_gain(measured, loudness) + adjust


def _master(gain: str, ceiling: float) -> str:
    return mastering.mastering_filter(float(gain), ceiling)
