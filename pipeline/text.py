"""Essay -> SpeechText: chapters, paragraphs and sentences for the voice.

Placeholder for the first end-to-end path; the Markdown-aware reader and the
narrator's normalisation land with issue 3.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .model import Chapter, Essay, Paragraph, Sentence, SpeechText

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def to_speech_text(
    essay: Essay, lexicon: Mapping[str, str] | None = None, language: str = "en"
) -> SpeechText:
    """Split the essay into chapters (at headings), paragraphs and sentences."""
    chapters: list[Chapter] = []
    title, paragraphs = "", []
    for block in re.split(r"\n\s*\n", essay.body):
        block = " ".join(block.split())
        if not block:
            continue
        if block.startswith("#"):
            if paragraphs:
                chapters.append(Chapter(title, tuple(paragraphs)))
            title, paragraphs = block.lstrip("#").strip(), []
            continue
        sentences = tuple(
            Sentence(spoken=_apply_lexicon(s, lexicon or {}), written=s)
            for s in _SENTENCE_END.split(block)
        )
        paragraphs.append(Paragraph(sentences))
    if paragraphs:
        chapters.append(Chapter(title, tuple(paragraphs)))
    return SpeechText(tuple(chapters))


def render_script(speech: SpeechText) -> str:
    """What the voice will say, with chapter and pause marks."""
    lines: list[str] = []
    for chapter in speech.chapters:
        if chapter.title:
            lines.append(f"## {chapter.title}")
        for paragraph in chapter.paragraphs:
            lines.extend(s.spoken for s in paragraph.sentences)
            lines.append("[pause]")
    return "\n".join(lines) + "\n"


def _apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    for word, says in lexicon.items():
        text = re.sub(rf"\b{re.escape(word)}\b", says, text)
    return text
