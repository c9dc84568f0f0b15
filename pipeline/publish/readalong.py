"""output/episodes/<slug>.json, what the read-along player reads, and output/player.js.

The name is the slug's and never changes: an embed snippet pasted into a blog
post today still plays the episode after the essay is edited and rebuilt (the
content-addressed files change names; this one is rewritten). The publish stage
writes it from the manifest's episodes, out of the files each episode already
publishes, so restore, shards and `essaycast feed` need nothing else:

- the JSON transcript: a segment per word (or per sentence, for a voice that
  timed no words); a segment whose body ends in "\\n" ends a paragraph;
- the VTT: which words make a sentence (its cue ids number sentences);
- the JSON chapters.

An episode built before JSON transcripts gets its sentences from the VTT, a
paragraph per chapter. The audio URL is relative to the JSON, so the same file
works from the show's own site and embedded on any other (serve sends CORS).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..model import EPISODES_DIR, Episode
from .transcript import vtt_sentences

PLAYER_NAME = "player.js"  # under output/, beside index.html
READ_ALONG_VERSION = 1

# (start, end, text) in seconds
Timed = tuple[float, float, str]

_SAME = 0.001  # times written to the millisecond: closer than this is the same moment


def readalong_path(slug: str) -> str:
    """Where the episode's read-along JSON lives under output/."""
    return f"{EPISODES_DIR}/{slug}.json"


def player_script() -> bytes:
    """The player's bytes, as shipped in pipeline/data/."""
    return files("pipeline").joinpath("data", PLAYER_NAME).read_bytes()


def site_files(episodes: Sequence[Episode]) -> list[str]:
    """The player and every episode's read-along JSON: what writer.render_site_files writes."""
    return [PLAYER_NAME, *(readalong_path(e.slug) for e in episodes)]


def read_along(
    episode: Episode,
    segments: Sequence[Timed] | None,
    sentences: Sequence[Timed],
    chapters: Sequence[Timed],
) -> dict[str, Any]:
    """The read-along document for one episode, from its transcripts' timings.

    `segments` are the JSON transcript's (None when the episode has none),
    `sentences` the VTT's, one per sentence; `chapters` the JSON chapters'.
    """
    paragraphs: list[list[dict[str, Any]]]
    timing = "sentence"
    if segments and not _one_per_sentence(segments, sentences):
        timing = "word"
        paragraphs = _words_into_sentences(segments, sentences)
    elif segments:
        paragraphs = _split_at(segments, [s[2].endswith("\n") for s in segments])
    else:
        starts = [c[0] for c in chapters[1:]]
        paragraphs = _split_at(
            sentences,
            [
                any(now[0] < at - _SAME <= after[0] for at in starts)
                for now, after in _pairs(sentences)
            ],
        )
    return {
        "version": READ_ALONG_VERSION,
        "slug": episode.slug,
        "title": episode.title,
        "author": episode.author,
        "published": episode.published.date().isoformat(),
        "audio": posixpath.relpath(episode.audio, EPISODES_DIR),
        "duration": round(episode.duration, 3),
        "timing": timing,
        "chapters": [{"start": s, "end": e, "title": t} for s, e, t in chapters],
        "paragraphs": paragraphs,
    }


def _pairs(items: Sequence[Timed]) -> list[tuple[Timed, Timed]]:
    """Each item with the next (the last with itself, which never breaks)."""
    return list(zip(items, [*items[1:], items[-1]], strict=True)) if items else []


def _sentence(start: float, end: float, text: str) -> dict[str, Any]:
    return {"start": round(start, 3), "end": round(end, 3), "text": " ".join(text.split())}


def _split_at(items: Sequence[Timed], breaks: Sequence[bool]) -> list[list[dict[str, Any]]]:
    """Sentences as paragraphs, a new one after each item whose break is True."""
    paragraphs: list[list[dict[str, Any]]] = [[]]
    for (start, end, text), ends in zip(items, breaks, strict=True):
        paragraphs[-1].append(_sentence(start, end, text))
        if ends:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _one_per_sentence(segments: Sequence[Timed], sentences: Sequence[Timed]) -> bool:
    """Whether the JSON transcript times whole sentences (a voice without word timings)."""
    if not sentences:
        return True  # nothing says which words make a sentence: keep its segments whole
    return len(segments) == len(sentences) and all(
        " ".join(a[2].split()) == " ".join(b[2].split())
        for a, b in zip(segments, sentences, strict=True)
    )


def _words_into_sentences(
    words: Sequence[Timed], sentences: Sequence[Timed]
) -> list[list[dict[str, Any]]]:
    """Word segments grouped into the VTT's sentences (by time), and those into paragraphs."""
    paragraphs: list[list[dict[str, Any]]] = [[]]
    at = -1
    current: dict[str, Any] | None = None
    for start, end, body in words:
        # the last sentence that has started by this word's start
        while at + 1 < len(sentences) and sentences[at + 1][0] <= start + _SAME:
            at += 1
            current = None
        if current is None:
            s_start, s_end, s_text = sentences[max(at, 0)]
            current = _sentence(s_start, s_end, s_text) | {"words": []}
            paragraphs[-1].append(current)
        current["words"].append([round(start, 3), round(end, 3), " ".join(body.split())])
        if body.endswith("\n"):
            paragraphs.append([])
            current = None
    return [p for p in paragraphs if p]


# -- reading the episode's files ------------------------------------------------------


def _json_segments(path: Path) -> list[Timed] | None:
    body = json.loads(path.read_text(encoding="utf-8"))
    return [
        (float(s["startTime"]), float(s.get("endTime", s["startTime"])), str(s.get("body", "")))
        for s in body["segments"]
    ]


def _json_chapters(path: Path, duration: float) -> list[Timed]:
    body = json.loads(path.read_text(encoding="utf-8"))
    starts = [float(c["startTime"]) for c in body["chapters"]]
    out: list[Timed] = []
    for i, chapter in enumerate(body["chapters"]):
        end = chapter.get("endTime")
        if end is None:  # ours always carry one; another's runs to the next chapter
            end = starts[i + 1] if i + 1 < len(starts) else duration
        out.append((starts[i], float(end), str(chapter.get("title") or "")))
    return out


def load_read_along(output_dir: Path, episode: Episode) -> dict[str, Any]:
    """The read-along document for `episode`, from its files under output/.

    A file that is missing or unreadable leaves its part out (no chapters, or
    sentences from the VTT): a player with less beats no player; validate names the file.
    """

    def read(path: str | None, reader: Any, *args: Any) -> Any:
        if not path or not (output_dir / path).is_file():
            return None
        try:
            return reader(output_dir / path, *args)
        except (ValueError, KeyError, TypeError, OSError):
            return None

    vtt = episode.transcripts.get("text/vtt")
    sentences = read(vtt, lambda p: vtt_sentences(p.read_text(encoding="utf-8"))) or []
    segments = read(episode.transcripts.get("application/json"), _json_segments)
    chapters = read(episode.chapters, _json_chapters, episode.duration) or []
    return read_along(episode, segments, sentences, chapters)


def render_read_along(document: dict[str, Any]) -> bytes:
    """The read-along JSON's bytes: compact (a word list is long), stable key order."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
