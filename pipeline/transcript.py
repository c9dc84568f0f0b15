"""WebVTT, SRT and Podcast Namespace JSON chapters from timings; pure formatting."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .model import ChapterMark, Cue


def _clock(seconds: float, separator: str) -> str:
    """HH:MM:SS.mmm (VTT) or HH:MM:SS,mmm (SRT).

    >>> _clock(3725.5, ".")
    '01:02:05.500'
    """
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def render_vtt(cues: Sequence[Cue], speaker: str | None = None) -> str:
    """A WebVTT transcript, one cue per sentence."""
    lines = ["WEBVTT", ""]
    for cue in cues:
        text = cue.text.replace("-->", "->")
        lines += [
            f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}",
            f"<v {speaker}>{text}" if speaker else text,
            "",
        ]
    return "\n".join(lines)


def render_srt(cues: Sequence[Cue]) -> str:
    """An SRT transcript, one numbered cue per sentence."""
    blocks = [
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text.replace('-->', '->')}\n"
        for n, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def render_chapters(chapters: Sequence[ChapterMark], title: str) -> str:
    """Podcast Namespace JSON chapters (version 1.2.0)."""
    body = {
        "version": "1.2.0",
        "chapters": [
            {
                "startTime": round(mark.start, 3),
                "endTime": round(mark.end, 3),
                "title": mark.title or title,
            }
            for mark in chapters
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
