"""WebVTT, SRT and Podcast Namespace JSON chapters from timings; pure formatting."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

from .model import ChapterMark, Cue

VTT_LINE = 65  # FEED-RULES E4: lines of at most 65 characters
SRT_LINE = 32  # FEED-RULES E5: at most 32 characters a line (see render_srt on line counts)


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


def wrap(text: str, width: int) -> list[str]:
    """A sentence as lines of at most `width` characters, broken between words.

    >>> wrap("The film opens at dawn and nobody speaks.", 20)
    ['The film opens at', 'dawn and nobody', 'speaks.']
    """
    # "-->" would end a cue's timing line early in both formats
    text = " ".join(text.replace("-->", "->").split())
    # a word longer than the line stays whole: a broken URL is worse than a long line
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def render_vtt(cues: Sequence[Cue], speaker: str | None = None) -> str:
    """A WebVTT transcript, one cue per sentence, lines of at most 65 characters."""
    lines = ["WEBVTT", ""]
    for cue in cues:
        voice = f"<v {speaker}>" if speaker else ""
        text = wrap(cue.text, VTT_LINE - len(voice))
        lines += [f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}", voice + text[0]]
        lines += text[1:] + [""]
    return "\n".join(lines)


def render_srt(cues: Sequence[Cue]) -> str:
    """An SRT transcript, one numbered cue per sentence, lines of at most 32 characters.

    SPEC §5 wants one cue per sentence, FEED-RULES E5 at most two lines per cue:
    a long sentence gets more lines rather than being split across cues, so that
    the SRT and the VTT keep the same cues and timings.
    """
    blocks = [
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n"
        + "\n".join(wrap(c.text, SRT_LINE)) + "\n"
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
