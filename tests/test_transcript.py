"""transcript.py: VTT, SRT and JSON chapters from timings (pure formatting)."""

from __future__ import annotations

import json

from pipeline.model import ChapterMark, Cue
from pipeline.transcript import render_chapters, render_srt, render_vtt

LONG = (
    "I've always believed there are two kinds of bleak movies: the kind that makes you "
    "want to curl up with a bucket of ice cream, and the kind that sneaks into your head."
)
CUES = [Cue(10.33, 12.5, "Never Let Me Go is in that second category."), Cue(13.0, 24.9, LONG)]


def test_vtt_has_one_cue_per_sentence_with_lines_of_at_most_65_chars() -> None:
    vtt = render_vtt(CUES)
    assert vtt.startswith("WEBVTT\n\n")
    blocks = vtt.strip().split("\n\n")[1:]
    assert len(blocks) == 2
    assert blocks[0].splitlines()[0] == "00:00:10.330 --> 00:00:12.500"
    long_lines = blocks[1].splitlines()[1:]
    assert len(long_lines) > 1 and all(len(line) <= 65 for line in long_lines)
    assert " ".join(long_lines) == LONG  # wrapped, never cut


def test_vtt_speaker_tag_counts_toward_the_line() -> None:
    first = render_vtt(CUES[1:], speaker="Narrator").split("\n")[3]
    assert first.startswith("<v Narrator>") and len(first) <= 65


def test_srt_is_numbered_with_comma_millis_and_32_char_lines() -> None:
    srt = render_srt(CUES)
    blocks = srt.strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["1", "2"]
    assert blocks[1].splitlines()[1] == "00:00:13,000 --> 00:00:24,900"
    text_lines = [line for b in blocks for line in b.splitlines()[2:]]
    assert all(len(line) <= 32 for line in text_lines)
    # one cue per sentence (SPEC §5) beats E5's two lines: the long one keeps all its words
    assert " ".join(blocks[1].splitlines()[2:]) == LONG


def test_an_arrow_in_the_text_cannot_end_the_timing_line() -> None:
    assert "-->" not in render_vtt([Cue(0, 1, "a --> b")]).split("\n", 3)[3]
    assert render_srt([Cue(0, 1, "a --> b")]).count("-->") == 1


def test_chapters_json_has_the_podcast_namespace_shape() -> None:
    marks = [ChapterMark(0.0, 9.7, "Intro"), ChapterMark(9.7, 80.2, ""),
             ChapterMark(80.2, 120.0, "The ending")]
    body = json.loads(render_chapters(marks, "Long Takes"))
    assert body["version"] == "1.2.0"
    assert body["chapters"] == [
        {"startTime": 0.0, "endTime": 9.7, "title": "Intro"},
        {"startTime": 9.7, "endTime": 80.2, "title": "Long Takes"},  # the untitled opening
        {"startTime": 80.2, "endTime": 120.0, "title": "The ending"},
    ]
