"""The episode in pieces: an edit re-encodes the piece it touches, not the episode.

An episode is a row of pieces: runs of sentences (about a minute each, cut
where audio.layout puts a pause, at every chapter), the first one led by the
composed intro, and the outro. Every piece but the last ends in a pause. A
piece is rendered on its own, from its own sentences:

1. *levelled*: resampled, pre-gain, compressor, limiter (mastering.py's
   chain), to a raw 44.1 kHz PCM file whose length is a whole number of MP3
   frames, while ffmpeg's ebur128 logs the loudness of every 400 ms block;
2. *encoded*: the episode's one mastering gain, the peak limiter, LAME CBR;
   then decoded once and measured as a listener hears it (blocks, true peak).

What step 1 learnt (length, sentence positions, block loudness) is kept in a
small record, and step 2's MP3 frames with their figures by piece and gain,
both in a content-addressed cache. The episode's gain comes from all pieces'
blocks, gated together as BS.1770 gates one programme, so an unchanged piece
is never measured again, and it is re-encoded only when that gain moves a
step (GAIN_STEP_DB: a cold build must land on the same bytes). The published
MP3's loudness and true peak come the same way from its pieces' figures, and
miss the target as master_to_mp3's would: one more pass, then an error.

The splice. A fresh LAME encoder puts input sample n at decoded sample
n + 1105 (its 576 samples of delay plus the decoder's 529), so the frame j of
a piece that starts at episode sample S (a multiple of 1152) decodes exactly
episode samples [S + 1152 j - 1105, S + 1152 (j + 1) - 1105): every piece's
frames sit on the one frame grid the whole episode would have. Consecutive
pieces overlap by one frame: the last one a piece needs to flush its final
1105 samples, which the next piece's first frame covers too. Because every
piece ends in digital silence longer than the codec's memory (an MDCT
granule, the filter banks), that frame decodes to silence either way, so the
earlier piece's copy is dropped and the next piece's kept. That first frame
never borrows from the bit reservoir (main_data_begin is 0 in a fresh
encoder's first frame), and nothing before it is needed, so the joined
stream decodes as if it had been encoded at once: no gap, no click, no drift,
and every sample lands where the transcript says. One Xing/Info frame with a
LAME tag (frame count, TOC, encoder delay and padding, CRCs) is written in
front, exactly as ffmpeg's muxer would write it, so players know the exact
length.
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
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..errors import EssaycastError
from ..ffmpeg import ffmpeg, ffmpeg_command, ffmpeg_exe
from ..model import ChapterMark, Cue, SentenceAudio, SpeechText
from . import layout as shape
from . import loudness as mastering
from .pcm import to_float

if TYPE_CHECKING:
    from pydub import AudioSegment

# Bump when a piece's audio for the same inputs changes (the chain, the splice).
PIECES_VERSION = 1

RATE = 44100
FRAME = 1152  # samples per MPEG-1 Layer III frame
ENCODER_DELAY = 576  # LAME's, as the LAME tag records it
DECODER_DELAY = 529  # the decoder's filter bank, which players add to it
FIRST_SAMPLE = ENCODER_DELAY + DECODER_DELAY  # where input sample 0 decodes
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
CACHE_LIMIT_BYTES = 2 << 30  # the piece cache's bound; least recently used go first


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


# -- what a levelled piece is: its record ------------------------------------


@dataclass(frozen=True)
class PieceRecord:
    """What levelling a piece learnt: enough to place, time and measure it again."""

    samples: int  # its length at RATE, a multiple of FRAME
    marks: tuple[tuple[int, int], ...]  # each sentence's (start, end) sample in the piece
    blocks: tuple[float, ...]  # loudness (LUFS) of each 400 ms block, 100 ms apart

    def to_json(self) -> str:
        return json.dumps(
            {"samples": self.samples, "marks": self.marks, "blocks": self.blocks},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> PieceRecord:
        data = json.loads(text)
        return cls(
            int(data["samples"]),
            tuple((int(a), int(b)) for a, b in data["marks"]),
            tuple(float(x) for x in data["blocks"]),
        )


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


def padded(samples: int) -> int:
    """`samples` rounded up to whole frames: a piece's length on the frame grid.

    >>> padded(1), padded(1152), padded(1153)
    (1152, 1152, 2304)
    """
    return -(-samples // FRAME) * FRAME


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
    samples of silence at `rate`); `head` is 16-bit PCM at RATE played before
    them (the intro). Each sentence's place is counted from what was written, so
    the transcript's times are the audio's.
    """
    resample = f"aresample={RATE}" if rate != RATE else "anull"
    blocks_log = out_raw.with_suffix(".blocks")
    inputs = ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
    body = f"[0:a]{resample}"
    head_file = out_raw.with_suffix(".head")
    if head:
        head_file.write_bytes(head)
        inputs = ["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", head_file.name, *inputs]
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
            failed = proc.wait() != 0
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            # only once ffmpeg has exited: it may open its inputs after our last write
            head_file.unlink(missing_ok=True)
        if failed:
            log.seek(0)
            raise EssaycastError(f"levelling a piece failed: {log.read().decode()[-300:]}")
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
    """A position at `rate` as a sample at RATE (exact for 22,050 and 44,100 Hz)."""
    return samples if rate == RATE else (samples * RATE + rate // 2) // rate


def encode_piece(raw: Path, samples: int, gain: str, kbps: int, chain: Chain, out: Path) -> None:
    """Master and encode a levelled piece into bare MP3 frames (no tag, no Xing frame)."""
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "s16le",
        "-ar",
        str(RATE),
        "-ac",
        "1",
        "-i",
        str(raw),
        # apad+atrim: exactly `samples` reach LAME, whatever the limiter does at the end
        "-af",
        f"{chain.master(gain)},apad=whole_len={samples},atrim=end_sample={samples}",
        "-c:a",
        "libmp3lame",
        "-b:a",
        f"{kbps}k",
        "-map_metadata",
        "-1",
        "-write_xing",
        "0",
        "-id3v2_version",
        "0",
        "-f",
        "mp3",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise EssaycastError(f"encoding a piece failed: {proc.stderr.decode()[-300:]}")
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
    log = proc.stderr.decode("utf-8", "replace")
    peaks = _PEAK_LINE.findall(log)
    if proc.returncode != 0 or not peaks:
        raise EssaycastError(f"measuring a piece failed: {log[-300:]}")
    # the last summary: Debian's ffmpeg 5.1 prints one of nothing first
    peak = float(peaks[-1]) if peaks[-1] not in ("-inf", "nan") else -120.0
    return Heard(_read_blocks(blocks_log, samples), peak)


_PEAK_LINE = re.compile(r"Peak:\s*(-?[\d.]+|-inf|nan)\s*dBFS")


# -- MP3 frames ------------------------------------------------------------------

_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


@dataclass(frozen=True)
class Frame:
    offset: int
    size: int
    main_data_begin: int  # bytes of the reservoir it borrows from earlier frames


def iter_frames(data: bytes) -> Iterator[Frame]:
    """The MPEG-1 Layer III 44.1 kHz mono frames of a bare stream, in order."""
    at = 0
    while at < len(data):
        if at + 6 > len(data) or data[at] != 0xFF or data[at + 1] & 0xFE != 0xFA:
            raise EssaycastError(f"not an MPEG-1 Layer III frame at byte {at}")
        kbps = _KBPS[data[at + 2] >> 4]
        if not kbps or (data[at + 2] >> 2) & 3 != 0:
            raise EssaycastError(f"unexpected bit rate or sample rate at byte {at}")
        size = 144_000 * kbps // RATE + ((data[at + 2] >> 1) & 1)
        crc = 0 if data[at + 1] & 1 else 2  # protection bit 0: a CRC word before side info
        side = at + 4 + crc
        yield Frame(at, size, (data[side] << 1) | (data[side + 1] >> 7))
        at += size


def frames_to_keep(data: bytes, samples: int, last: bool) -> int:
    """Bytes of a piece's frames that go into the episode: all for the last piece,
    else the frames before the one that overlaps the next piece."""
    if last:
        return len(data)
    cut = samples // FRAME
    for n, frame in enumerate(iter_frames(data)):
        if n == cut:
            return frame.offset
    raise EssaycastError("a piece has fewer frames than its length needs")


# -- CRC-16 (ffmpeg's AV_CRC_16_ANSI_LE), vectorised ---------------------------


CRC_LANES = 8192  # independent registers run side by side, then folded together


@functools.cache
def _crc_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for v in range(256):
        c = v
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table[v] = c
    return table


@functools.lru_cache(maxsize=16)
def _crc_shift(length: int) -> np.ndarray:
    """The register after `length` zero bytes, for every start value."""
    table = _crc_table()
    # linear in the start: run the 256 low bytes and the 256 high bytes through,
    # then combine them for all 65,536 starts
    halves = np.concatenate([np.arange(256), np.arange(256) << 8]).astype(np.uint32)
    for _ in range(length):
        halves = table[halves & 0xFF] ^ (halves >> 8)
    every = np.arange(65536, dtype=np.uint32)
    return halves[every & 0xFF] ^ halves[256 + (every >> 8)]


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC, as ffmpeg's mp3 muxer computes the LAME tag's music CRC.

    The data is cut into CRC_LANES runs whose registers numpy steps together; a
    CRC is linear, so each run's register is then shifted past the runs after it.

    >>> hex(crc16(b"123456789"))
    '0xbb3d'
    """
    table = _crc_table()
    length = len(data) // CRC_LANES
    if length >= 64:
        whole = CRC_LANES * length
        rows = np.frombuffer(data, dtype=np.uint8, count=whole).reshape(CRC_LANES, length)
        columns = np.ascontiguousarray(rows.T)  # byte i of every run, side by side
        registers = np.zeros(CRC_LANES, dtype=np.uint32)
        registers[0] = crc
        for column in columns:
            registers = table[(registers ^ column) & 0xFF] ^ (registers >> 8)
        shift = _crc_shift(length)
        crc = int(registers[0])
        for value in registers[1:].tolist():
            crc = int(shift[crc]) ^ value
        data = data[whole:]
    lookup = table.tolist()
    for byte in data:
        crc = lookup[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def crc16_combine(first: int, second: int, length: int) -> int:
    """The CRC of A + B from the CRC of A, the CRC of B (begun at 0) and len(B).

    >>> crc16_combine(crc16(b"12345"), crc16(b"6789"), 4) == crc16(b"123456789")
    True
    """
    table = _crc_table().tolist()
    # the register after one zero byte, as the images of its 16 bits
    step = [table[(1 << i) & 0xFF] ^ ((1 << i) >> 8) for i in range(16)]

    def apply(images: list[int], value: int) -> int:
        out = 0
        for i in range(16):
            if value >> i & 1:
                out ^= images[i]
        return out

    while length:  # square-and-multiply: `first` goes through `length` zero bytes
        if length & 1:
            first = apply(step, first)
        step = [apply(step, image) for image in step]
        length >>= 1
    return first ^ second


# -- the Xing/Info frame -------------------------------------------------------

XING_OFFSET = 4 + 17  # header + MPEG-1 mono side info
XING_SIZE = 156
TOC_BAGS = 400


def info_frame(kbps: int) -> bytearray:
    """An empty Info frame for CBR `kbps` mono, as ffmpeg's mp3 muxer lays it out."""
    index = _KBPS.index(kbps)
    size = 144_000 * kbps // RATE
    if size < XING_OFFSET + XING_SIZE:
        raise EssaycastError(f"{kbps} kbps frames are too small for an Info frame")
    frame = bytearray(size)
    frame[0:4] = bytes([0xFF, 0xFB, index << 4, 0xC0])  # MPEG-1 L3, no CRC, 44.1 kHz, mono
    x = XING_OFFSET
    frame[x : x + 4] = b"Info"
    frame[x + 4 : x + 8] = (0x0F).to_bytes(4, "big")  # frames, bytes, TOC, quality
    # the encoder string ffmpeg writes without one; players read the delay
    # and padding after any of "LAME", "Lavf", "Lavc"
    frame[x + 120 : x + 129] = b"Lavf\0\0\0\0\0"
    return frame


class Splicer:
    """Writes the Info frame, then pieces' frames, then fills the Info frame in."""

    def __init__(self, out: BinaryIO, kbps: int) -> None:
        self.out = out
        self.frame = info_frame(kbps)
        self.start = out.tell()
        out.write(self.frame)
        self.frames = 0
        self.size = len(self.frame)
        self.crc = 0
        # ffmpeg's seek table: a byte count every `want` frames, halved when full
        self.bags: list[int] = []
        self.want = 1
        self.seen = 0

    def add(self, data: bytes, crc: int | None = None) -> None:
        """Append whole frames; `crc` is their CRC-16 begun at 0, if known already."""
        # frames were checked when they were encoded: only their sizes are read here
        base = 144_000 * _KBPS[data[2] >> 4] // RATE if data else 0
        at = 0
        while at < len(data):
            size = base + ((data[at + 2] >> 1) & 1)  # the padding bit
            at += size
            self.frames += 1
            self.seen += 1
            self.size += size
            if self.seen == self.want:
                self.bags.append(self.size)
                if len(self.bags) == TOC_BAGS:
                    self.bags = self.bags[1::2]
                    self.want *= 2
                self.seen = 0
        if crc is None:
            self.crc = crc16(data, self.crc)
        else:
            self.crc = crc16_combine(self.crc, crc, len(data))
        self.out.write(data)

    def finish(self, samples: int) -> None:
        """Fill in counts, TOC, delay and padding for `samples` of audio, and the CRCs."""
        padding = self.frames * FRAME - FIRST_SAMPLE - samples
        if not 0 <= padding < 4096 - DECODER_DELAY:
            raise EssaycastError(f"spliced frames do not hold {samples} samples")
        x, f = XING_OFFSET, self.frame
        f[x + 8 : x + 12] = self.frames.to_bytes(4, "big")
        f[x + 12 : x + 16] = self.size.to_bytes(4, "big")
        pos = len(self.bags)
        for i in range(1, 100):
            f[x + 16 + i] = min(256 * self.bags[i * pos // 100] // self.size, 255) if pos else 0
        f[x + 141 : x + 144] = ((ENCODER_DELAY << 12) | (padding + DECODER_DELAY)).to_bytes(
            3, "big"
        )
        f[x + XING_SIZE - 8 : x + XING_SIZE - 4] = self.size.to_bytes(4, "big")
        f[x + XING_SIZE - 4 : x + XING_SIZE - 2] = self.crc.to_bytes(2, "big")
        f[x + XING_SIZE - 2 : x + XING_SIZE] = crc16(bytes(f[:190])).to_bytes(2, "big")
        end = self.out.tell()
        self.out.seek(self.start)
        self.out.write(f)
        self.out.seek(end)


# -- the cache -----------------------------------------------------------------


@dataclass(frozen=True)
class Encoded:
    """Where a piece's frames overlap the next piece, and the CRC-16 of either side."""

    cut: int  # bytes kept unless the piece is the episode's last
    head: int  # CRC of data[:cut]
    tail: int  # CRC of data[cut:]
    heard: tuple[float, ...] = ()  # block loudness as heard (Heard.blocks), if measured
    true_peak: float | None = None  # dBTP, if measured


class PieceCache:
    """Levelled-piece records and encoded frames under `root`, by content hash.

    Bounded: `prune` drops the least recently used files beyond `limit` bytes;
    every hit refreshes a file's time, so a build's own pieces are the last to go.
    """

    def __init__(self, root: Path, limit: int = CACHE_LIMIT_BYTES) -> None:
        self.root = root
        self.limit = limit

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def record(self, key: str) -> PieceRecord | None:
        path = self._path(key, ".json")
        try:
            record = PieceRecord.from_json(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        _touch(path)
        return record

    def put_record(self, key: str, record: PieceRecord) -> None:
        self._store(self._path(key, ".json"), record.to_json().encode())

    def frames(self, key: str) -> tuple[Path, Encoded] | None:
        """The encoded frames for `key` (a piece key with its gain) and what they hold."""
        path = self._path(key, ".mp3")
        try:
            data = json.loads(self._path(key, ".frames").read_text())
            encoded = Encoded(**{**data, "heard": tuple(data.get("heard", ()))})
        except (FileNotFoundError, ValueError, TypeError):
            return None
        if not path.is_file():
            return None
        _touch(path)
        _touch(self._path(key, ".frames"))
        return path, encoded

    def put_frames(self, key: str, source: Path, encoded: Encoded) -> Path:
        path = self._path(key, ".mp3")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, path)  # a build renders beside its cache: one rename
        except OSError:  # `essaycast episode` renders in /tmp, maybe another file system
            self._store(path, source.read_bytes())
            source.unlink()
        # the description last: frames without one are not found
        self._store(self._path(key, ".frames"), json.dumps(encoded.__dict__).encode())
        return path

    def _store(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # write then rename: a killed build never leaves half a record behind
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def prune(self, keep_since: float | None = None) -> int:
        """Delete least recently used files until the cache fits; return bytes freed.

        Files used at or after `keep_since` (a time.time()) stay whatever the size.
        """
        if not self.root.is_dir():
            return 0
        files = []
        for path in self.root.glob("*/*"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        freed = 0
        for mtime, size, path in sorted(files):
            if total - freed <= self.limit:
                break
            if keep_since is not None and mtime >= keep_since:
                continue
            path.unlink(missing_ok=True)
            freed += size
        return freed


def _touch(path: Path) -> None:
    now = time.time()
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(path, (now, now))


# -- the episode: plan, level what changed, one gain, encode what moved, splice --


@dataclass(frozen=True)
class Source:
    """One piece of the episode and how to stream it when it must be levelled."""

    key: str
    piece: Piece | None = None  # body pieces: sentences and pauses
    pcm: bytes = b""  # music pieces (the outro): 16-bit PCM at RATE
    head: bytes = b""  # 16-bit PCM at RATE before a body piece's sentences (the intro)
    title: str | None = None  # the chapter mark it opens, at its first sentence

    @property
    def trailing(self) -> float:
        """The silence it ends with, seconds (music pieces: none known)."""
        return float(self.piece.items[-1]) if self.piece is not None else 0.0


@dataclass(frozen=True)
class SplicedEpisode:
    """The spliced MP3 and what the transcript and the feed need from it."""

    samples: int  # exact decoded length at RATE
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
        return self.samples / RATE


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
        if round(source.trailing * RATE) < JOIN_SILENCE:
            raise EssaycastError(
                f"a piece ends in {source.trailing:.3f} s of silence; joins need more"
            )
    records: dict[str, PieceRecord] = {}
    raws: dict[str, Path] = {}

    def level(todo: list[Source]) -> None:
        wanted = [i for s in todo if s.piece for i in s.piece.sentences]
        stream = sentence_audio(wanted) if wanted else iter(())
        for source in todo:
            raw = work_dir / f"{source.key}.raw"
            if source.piece is not None:
                chunks = _body_chunks(source.piece, stream, rate)
                record = level_piece(chunks, rate, chain, raw, head=source.head)
            else:
                record = level_piece([], RATE, chain, raw, head=source.pcm)
            cache.put_record(source.key, record)
            records[source.key], raws[source.key] = record, raw

    for source in sources:
        kept = None if force else cache.record(source.key)
        if kept is not None:
            records[source.key] = kept
    # a piece said twice (a refrain) is rendered once
    fresh = list({s.key: s for s in sources if s.key not in records}.values())
    level(fresh)
    loudness = integrated_loudness(records[s.key].blocks for s in sources)
    gain = quantise_gain(gain_for(loudness))

    framed: dict[str, tuple[Path, Encoded]] = {}
    moved: list[Source] = []
    for source in sources:
        found = None if force else cache.frames(_frames_key(source.key, gain, kbps, chain))
        if found is not None:
            framed[source.key] = found
        elif source.key not in raws:
            moved.append(source)  # levelled before, but the gain has moved a step
    moved = list({s.key: s for s in moved}.values())
    level(moved)

    def encode(source: Source) -> tuple[Path, Encoded]:
        record, raw = records[source.key], raws[source.key]
        tmp = work_dir / f"{source.key}.mp3"
        # --jobs 2 renders two episodes at once: still one encoder per core, not per job
        with _ENCODER_SLOTS:
            encode_piece(raw, record.samples, gain, kbps, chain, tmp)
            raw.unlink()
            heard = measure_piece(tmp, record.samples)
        data = tmp.read_bytes()
        cut = frames_to_keep(data, record.samples, last=False)
        encoded = Encoded(cut, crc16(data[:cut]), crc16(data[cut:]), heard.blocks, heard.true_peak)
        key = _frames_key(source.key, gain, kbps, chain)
        return cache.put_frames(key, tmp, encoded), encoded

    todo = list({s.key: s for s in sources if s.key not in framed}.values())
    # LAME is single-threaded and synthesis is over by now: one encoder per core
    with ThreadPoolExecutor(max_workers=ENCODERS) as pool:
        for source, done in zip(todo, pool.map(encode, todo), strict=True):
            framed[source.key] = done

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
    heard = integrated_loudness(framed[s.key][1].heard for s in sources)
    peak = max(framed[s.key][1].true_peak or -120.0 for s in sources)
    return SplicedEpisode(
        at,
        tuple(marks),
        tuple(chapters),
        loudness,
        gain,
        heard,
        peak,
        len(sources),
        len(fresh) + len(moved),
        len(todo),
    )


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


# -- the episode as audio.py shapes it -------------------------------------------

PRE_GAIN_STEP_DB = 0.5  # coarse: the pre-gain is in every piece's key


@dataclass(frozen=True)
class RenderedEpisode:
    """The spliced episode MP3 and its timings."""

    mp3: Path
    duration: float  # exact, in seconds: samples / RATE
    cues: tuple[Cue, ...]
    chapters: tuple[ChapterMark, ...]
    spliced: SplicedEpisode


def render_mp3(
    speech: SpeechText,
    keys: Sequence[str],
    sentence_audio: Callable[[list[int]], Iterator[SentenceAudio]],
    first: SentenceAudio,
    intro: shape.Intro | None,
    outro: AudioSegment | None,
    loudness: float,
    kbps: int,
    cache: PieceCache,
    work_dir: Path,
    out_mp3: Path,
    pacing: shape.Pacing | None = None,
    force: bool = False,
) -> RenderedEpisode:
    """Intro + the essay read aloud (+ outro), mastered to `loudness` LUFS as heard, as
    one CBR MP3 (no ID3 tag yet) spliced from cached pieces; return its timings.

    `keys` are the sentences' cache keys, in order; `sentence_audio(indices)`
    yields those sentences' audio in order (synthesising what is missing);
    `first` is the first sentence's, which sets the pre-gain and the outro's level.
    As master_to_mp3 does for a whole file, the MP3's figures (as heard) are
    checked, a miss gets one more pass with the gain and ceiling corrected, and
    a second miss is an error: nothing is published.
    """
    pacing = pacing or shape.Pacing()
    rate = first.sample_rate
    # the pre-gain sets where the compressor bites; on a coarse grid, so that an
    # edit of the first sentence seldom moves it (and with it every piece)
    pre = round(shape._pre_gain(first, loudness) / PRE_GAIN_STEP_DB) * PRE_GAIN_STEP_DB
    level = f"volume={pre:.2f}dB,{mastering.COMPRESSOR},{mastering.limiter()}"

    def audio(indices: list[int]) -> Iterator[bytes]:
        for sentence in sentence_audio(indices):
            if sentence.sample_rate != rate:
                raise EssaycastError(
                    f"the voice changed sample rate mid-episode ({sentence.sample_rate} != "
                    f"{rate} Hz)"
                )
            yield shape.trim(sentence.pcm, rate)

    head = intro.audio.raw_data if intro is not None and len(intro.audio) else b""
    steps = [
        (step.pause, step.chapter, key)
        for step, key in zip(shape.layout(speech, pacing), keys, strict=True)
    ]
    final = pacing.chapter if outro is not None and len(outro) else pacing.paragraph
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
    if outro is not None and len(outro):
        # the outro answers the voice it follows, at the intro's balance
        voice = to_float(shape.trim(first.pcm, rate))
        composed = shape.compose_outro(
            outro, shape.level_db(voice, rate) if voice.size else -20.0, pacing
        ).raw_data
        digest = hashlib.sha256(composed).hexdigest()
        sources.append(Source(piece_key("outro", digest, level), pcm=composed, title="Outro"))

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
        )
        figures = mastering.Figures(spliced.heard, spliced.true_peak)
        tolerance = mastering.RETRY_LU if attempt == 0 else mastering.TOLERANCE_LU
        problem = mastering.off_target(figures, loudness, tolerance)
        if problem is None:
            break
        adjust += loudness - spliced.heard
        ceiling -= max(0.0, spliced.true_peak - (mastering.TRUE_PEAK_MAX - 0.3))
    else:
        raise EssaycastError(f"the mastered episode measures {problem}; not published")

    written = [s.written for s in speech.sentences()]
    cues = [*intro.cues] if head and intro is not None else []
    cues += [
        Cue(a / RATE, b / RATE, text) for (a, b), text in zip(spliced.marks, written, strict=True)
    ]
    marks = [ChapterMark(0.0, 0.0, "Intro")] if head else []
    marks += [ChapterMark(at / RATE, 0.0, title) for at, title in spliced.chapters]
    return RenderedEpisode(
        out_mp3,
        spliced.duration,
        tuple(cues),
        shape._close_chapters(marks, spliced.duration),
        spliced,
    )


def _gain(measured: float, loudness: float, adjust: float) -> float:
    # the levelled pieces measure `measured`; the MP3 should be heard at `loudness`
    return mastering.master_gain(measured, loudness) + adjust


def _master(gain: str, ceiling: float) -> str:
    return mastering.mastering_filter(float(gain), ceiling)
