"""The piece cache through the real build: an edit re-renders one piece, and the
episode it splices is the episode a cold build makes, byte for byte."""

from __future__ import annotations

import json
import math
import struct
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

import pipeline.audio.pieces as pieces
from pipeline.audio.mp3 import FRAME
from pipeline.build import build_show
from pipeline.config import load_show
from pipeline.ffmpeg import ffmpeg_exe
from pipeline.model import SentenceAudio
from pipeline.speech import ENGINES, EngineInfo, VoiceInfo
from pipeline.standards import EPISODE_RATE
from tests.conftest import make_show

WORDS = [
    "camera",
    "corridor",
    "window",
    "silence",
    "ending",
    "actor",
    "frame",
    "light",
    "city",
    "river",
]


class Tones:
    """A 'voice' that says each sentence as a tone whose pitch and length follow its text."""

    def __init__(self, spec: object) -> None:
        pass

    def synthesize(self, sentences: Sequence[str]) -> Iterator[SentenceAudio]:
        for sentence in sentences:
            step = 0.05 + (sum(map(ord, sentence)) % 40) / 400
            n = 4410 + 60 * len(sentence)
            samples = [int(6000 * math.sin(i * step)) for i in range(n)]
            yield SentenceAudio(sentence, struct.pack(f"<{n}h", *samples), 22050)


@pytest.fixture
def tones(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setitem(
        ENGINES,
        "tones",
        EngineInfo(
            name="tones",
            summary="test tones",
            default_voice="a4",
            voices=lambda: [VoiceInfo("a4")],
            unavailable_reason=lambda spec: None,
            create=Tones,
            check_voice=lambda voice: None,
            revision=lambda spec: "tones 1",
        ),
    )
    counts = {"rendered": 0}
    render = pieces.render_piece

    def counting_render(*args, **kwargs):
        counts["rendered"] += 1  # one pass levels, encodes and measures a piece
        return render(*args, **kwargs)

    monkeypatch.setattr(pieces, "render_piece", counting_render)
    return counts


def _essay() -> str:
    paragraphs = []
    for p in range(24):
        sentences = [
            f"{WORDS[(p + s) % 10].title()} {p} and {WORDS[(3 * p + s) % 10]} {s} stay here."
            for s in range(4)
        ]
        paragraphs.append(" ".join(sentences))
        if p == 12:
            paragraphs.append("## The middle")
    return "---\ntitle: Pieces\ndate: 2026-01-05\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def _episode(root: Path) -> dict:
    return json.loads((root / "output" / "manifest.json").read_text())["episodes"]["pieces"][
        "episode"
    ]


def test_one_edited_sentence_renders_one_piece_and_the_bytes_of_a_cold_build(
    tmp_path: Path, tones: dict[str, int]
) -> None:
    root = make_show(tmp_path / "show", {"pieces.md": _essay()})
    assert build_show(load_show(root), voice="tones").ok
    count = tones["rendered"]
    assert count >= 5  # intro, body pieces (no outro)

    essay = root / "essays" / "pieces.md"
    text = essay.read_text()
    assert "City 6 and camera 2 stay here." in text
    # a word of the same length: the loudness barely moves, so the mastering gain
    # stays on its step (a step would re-encode every piece, correctly)
    sentence = "City 6 and camera 2 stay here."
    essay.write_text(text.replace(sentence, sentence.replace("here", "hers")))
    tones.update(rendered=0)
    assert build_show(load_show(root), voice="tones").built == ["pieces"]
    assert tones == {"rendered": 1}
    edited = _episode(root)
    mp3 = (root / "output" / edited["audio"]).read_bytes()
    vtt = (root / "output" / edited["transcripts"]["text/vtt"]).read_bytes()

    tones.update(rendered=0)
    assert build_show(load_show(root), voice="tones", force=True).built == ["pieces"]
    assert tones == {"rendered": count}  # --force: from scratch
    forced = _episode(root)
    assert forced == edited
    assert (root / "output" / forced["audio"]).read_bytes() == mp3
    assert (root / "output" / forced["transcripts"]["text/vtt"]).read_bytes() == vtt


def test_cues_and_duration_are_where_the_samples_are(tmp_path: Path, tones) -> None:
    root = make_show(tmp_path / "show", {"pieces.md": _essay()})
    assert build_show(load_show(root), voice="tones").ok
    episode = _episode(root)
    mp3 = root / "output" / episode["audio"]
    pcm = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    ).stdout
    decoded = np.abs(np.frombuffer(pcm, "<i2").astype(np.float64))
    # ffmpeg skips the encoder delay; it may keep the last frame's padding
    assert 0 <= decoded.size - round(episode["duration"] * EPISODE_RATE) < FRAME
    vtt = (root / "output" / episode["transcripts"]["text/vtt"]).read_text()
    starts = [_seconds(line.split(" --> ")[0]) for line in vtt.splitlines() if " --> " in line]
    assert len(starts) > 90
    ms = EPISODE_RATE // 1000
    for start in starts[2:]:  # the spoken intro's cues come first
        at = round(start * EPISODE_RATE)
        before, after = decoded[at - 40 * ms : at - 3 * ms], decoded[at + 3 * ms : at + 40 * ms]
        assert before.max() < 300 < after.max(), start


def _seconds(stamp: str) -> float:
    h, m, s = stamp.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_words_are_kept_by_piece_and_match_those_timed_from_the_voice(tmp_path: Path) -> None:
    """An edit retimes only the pieces not kept: the words a kept piece gives back are
    exactly those trim_words takes from the sentence's samples; --force times them all."""
    from pipeline.audio.layout import trim_words
    from pipeline.audio.piece_cache import PieceCache
    from pipeline.model import Word

    rate = 22050
    silence, tone = b"\0\0" * 2205, struct.pack("<h", 9000) * 4410

    def sentence(n: int) -> SentenceAudio:
        words = (Word(0.1, 0.2 + n / 100, f"w{n}"), Word(0.25, 0.29, "end"))
        return SentenceAudio(f"s{n}", silence * (n % 3 + 1) + tone + silence, rate, words)

    asked: list[list[int]] = []

    def sentence_audio(indices: list[int]) -> Iterator[SentenceAudio]:
        asked.append(list(indices))
        return (sentence(i) for i in indices)

    sources = [
        pieces.Source("a", pieces.Piece((0, 0.5, 1, 0.7))),
        pieces.Source("b", pieces.Piece((2, 3, 0.7))),
        pieces.Source("outro", pcm=b"\0\0" * 10),
    ]
    expected = [trim_words(sentence(i)) for i in range(4)]
    cache = PieceCache(tmp_path / "pieces")
    assert pieces._timed_words(sources, 4, sentence_audio, cache) == expected
    assert asked == [[0, 1, 2, 3]]
    edited = [sources[0], pieces.Source("b2", pieces.Piece((2, 3, 0.7)))]
    assert pieces._timed_words(edited, 4, sentence_audio, cache) == expected
    assert asked[1:] == [[2, 3]]  # piece "a" kept: its sentences not read again
    assert pieces._timed_words(edited, 4, sentence_audio, cache, force=True) == expected
    assert asked[2:] == [[0, 1, 2, 3]]
