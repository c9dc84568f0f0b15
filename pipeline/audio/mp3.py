"""The MP3 bitstream, without ffmpeg: frames, CRC-16, the Info frame, the splice.

An episode's pieces are encoded by LAME one by one (audio.pieces); this module
reads their MPEG-1 Layer III frames (44.1 kHz mono, CBR) and joins them. A
fresh LAME encoder puts input sample n at decoded sample n + FIRST_SAMPLE (its
576 samples of delay plus the decoder's 529), so frame j of a piece that starts
at episode sample S (a multiple of FRAME) decodes exactly episode samples
[S + 1152 j - 1105, S + 1152 (j + 1) - 1105): every piece's frames sit on the
one frame grid the whole episode would have. Consecutive pieces overlap by one
frame, the one a piece needs to flush its last 1105 samples; `frames_to_keep`
drops the earlier piece's copy (both decode to silence, since every piece ends
in more silence than the codec remembers). `Splicer` writes one Xing/Info frame
with a LAME tag (frame count, TOC, encoder delay and padding, CRCs) in front,
byte for byte as ffmpeg's muxer would, so players know the exact length.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..errors import EssaycastError
from ..standards import EPISODE_RATE

FRAME = 1152  # samples per MPEG-1 Layer III frame
ENCODER_DELAY = 576  # LAME's, as the LAME tag records it
DECODER_DELAY = 529  # the decoder's filter bank, which players add to it
FIRST_SAMPLE = ENCODER_DELAY + DECODER_DELAY  # where input sample 0 decodes


def padded(samples: int) -> int:
    """`samples` rounded up to whole frames: a piece's length on the frame grid.

    >>> padded(1), padded(1152), padded(1153)
    (1152, 1152, 2304)
    """
    return -(-samples // FRAME) * FRAME


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
        size = 144_000 * kbps // EPISODE_RATE + ((data[at + 2] >> 1) & 1)
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
    size = 144_000 * kbps // EPISODE_RATE
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
        base = 144_000 * _KBPS[data[2] >> 4] // EPISODE_RATE if data else 0
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
