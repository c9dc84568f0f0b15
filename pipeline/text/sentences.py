"""Essay -> SpeechText: chapters, paragraphs and sentences, each sentence ready for a voice.

The essay's body arrives as `markup.Block`s of plain written text (markdown-it-py
for Markdown, paragraphs by lines for plain .txt). Sentences
are found with pysbd, then normalised for the ear (normalize.py) and run through the
show's pronunciation lexicon. Nothing here reads files or the clock.

Text the voice cannot speak (another script) stays in each sentence's `written` text for
the transcript and is listed in `skipped`; a sentence that is nothing else is joined to
its neighbour, so the transcript loses no word and the voice is never given nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace
from typing import Any

from ..errors import EssayError
from ..model import QUOTE_VOICE, Chapter, Essay, Paragraph, Sentence, SpeechText
from .markup import Block, blocks
from .markup import squash as _squash
from .normalize import continues, read_aloud, split_at_abbreviations

MAX_SENTENCE = 400  # characters; longer sentences make TTS engines drift or stall
NOTES_TITLE = "Notes"  # the chapter that reads footnotes after the essay


# The segmenter keeps state while it works, so each thread gets its own:
# parallel builds (--jobs) call to_speech_text from several threads.
_per_thread = threading.local()


# -- sentences -----------------------------------------------------------------------------------


def _segmenter(language: str) -> object:
    segmenters = _per_thread.__dict__.setdefault("segmenters", {})
    if language not in segmenters:
        import pysbd

        try:
            segmenters[language] = _Spans.make(pysbd.Segmenter)(language=language, clean=False)
        except ValueError:  # pysbd knows this language no better than English
            segmenters[language] = _Spans.make(pysbd.Segmenter)(language="en", clean=False)
    return segmenters[language]


class _Spans:
    """pysbd's Segmenter, finding each sentence back in the text by str.find.

    pysbd finds each sentence it cut with a regex made of that sentence: one compile
    per sentence, which also pushes pysbd's own patterns out of `re`'s cache, so they
    are compiled again for every paragraph (a fifth of to_speech_text's time). The
    same search, as pysbd's: the first match (text, then any whitespace) that ends
    after the previous one.
    """

    made: dict[type, type] = {}

    @classmethod
    def make(cls, base: type) -> type:
        if base not in cls.made:
            from pysbd.utils import TextSpan

            def sentences_with_char_spans(self: Any, sentences: list[str]) -> list[Any]:
                if not all(sentences):  # an empty one matches anywhere: pysbd's own search
                    return base.sentences_with_char_spans(self, sentences)  # type: ignore[no-any-return, attr-defined]
                text: str = self.original_text
                spans = []
                prior = 0
                for sent in sentences:
                    at = text.find(sent)
                    while at >= 0:
                        end = at + len(sent)
                        while end < len(text) and text[end].isspace():  # regex \s*
                            end += 1
                        if end > prior:
                            spans.append(TextSpan(text[at:end], at, end))
                            prior = end
                            break
                        at = text.find(sent, end)
                return spans

            cls.made[base] = type(
                "Segmenter", (base,), {"sentences_with_char_spans": sentences_with_char_spans}
            )
        return cls.made[base]


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Plain text -> sentences; never split at "e.g.", "Dr.", "U.S.", initials or decimals."""
    text = _squash(text)
    if not text:
        return []
    segmenter = _segmenter(language.split("-")[0])
    # pysbd (clean=False) returns pieces that add up to the text; gluing them back by
    # concatenation keeps a URL's "?" or a "...and" exactly as written
    sentences: list[str] = []
    pieces = segmenter.segment(text)  # type: ignore[attr-defined]
    # pysbd keeps "Baker St. The house" whole; normalize knows where such a stop ends one
    for piece in [p for whole in pieces for p in split_at_abbreviations(whole, language)]:
        head = piece.strip()
        if not head:
            continue
        # pysbd splits after abbreviations that rarely end a sentence ("approx. 3 hours");
        # normalize's table of abbreviations says which (one table for both stages)
        if sentences and (
            continues(sentences[-1], language)
            or head[0].islower()
            or head[0] in ",;:)]}’”'\""
            or not re.search(r"\w", head)
        ):
            sentences[-1] += piece
        else:
            sentences.append(piece)
    sentences = [_squash(s) for s in sentences]
    return [s for part in sentences for s in _shorten(part)]


# clause boundaries, best first: a semicolon, a dash, a colon, then a comma
_CLAUSES = (r"(?<=;)\s+", r"\s*(?:—|–|--)\s*", r"(?<=:)\s+", r"(?<=,)\s+")


def _shorten(sentence: str) -> list[str]:
    """Split an over-long sentence at the clause boundary nearest its middle."""
    if len(sentence) <= MAX_SENTENCE:
        return [sentence]
    middle = len(sentence) / 2
    for boundary in _CLAUSES:
        cuts = [m for m in re.finditer(boundary, sentence) if 20 < m.start() < len(sentence) - 20]
        if cuts:
            cut = min(cuts, key=lambda m: abs(m.start() - middle))
            head = sentence[: cut.start()].rstrip()
            if head and head[-1] not in ".,;:!?":
                head += ","  # a dash at the cut becomes the pause it was
            return _shorten(head) + _shorten(sentence[cut.end() :].lstrip())
    # no clause boundary at all: cut at the space nearest the middle
    space = sentence.rfind(" ", 0, int(middle) + 1)
    if space <= 0:
        return [sentence]
    return _shorten(sentence[:space]) + _shorten(sentence[space + 1 :])


def _sentence(
    written: str, lexicon: Mapping[str, str] | None, language: str, final: bool
) -> Sentence | None:
    """One written sentence -> a Sentence; one with nothing to say has spoken == ""."""
    reading = read_aloud(written, language, lexicon=lexicon)
    spoken = reading.spoken
    if not re.search(r"\w", spoken):
        # nothing to say: kept (as silent) only if it holds text for the transcript
        return Sentence("", written, reading.skipped) if reading.skipped else None
    if final and spoken[-1] not in ".!?:;,":
        spoken += "."  # headings and list items end with a falling tone, like a sentence
    return Sentence(spoken=spoken, written=written, skipped=reading.skipped)


def _join(a: Sentence, b: Sentence) -> Sentence:
    """Two sentences as one cue: the written words of both, what either says, both skips."""
    reader = a if a.spoken or not b.spoken else b  # whoever has something to say reads it
    return Sentence(
        spoken=" ".join(s for s in (a.spoken, b.spoken) if s),
        written=f"{a.written} {b.written}",
        skipped=a.skipped + b.skipped,
        voice=reader.voice,
        speaker=reader.speaker,
    )


def _attach_silent(paragraphs: list[list[Sentence]]) -> list[list[Sentence]]:
    """A sentence wholly in another script joins the one before it (or after it)."""
    out: list[list[Sentence]] = []
    pending: Sentence | None = None  # silent text still looking for a sentence to join
    for sentences in paragraphs:
        kept: list[Sentence] = []
        for sentence in sentences:
            if pending is not None:
                sentence, pending = _join(pending, sentence), None
            if sentence.spoken:
                kept.append(sentence)
            elif kept:
                kept[-1] = _join(kept[-1], sentence)
            elif out:
                out[-1][-1] = _join(out[-1][-1], sentence)
            else:
                pending = sentence
        if kept:
            out.append(kept)
    return out


def _paragraph_sentences(
    block: Block, lexicon: Mapping[str, str] | None, language: str
) -> list[Sentence]:
    parts = block.items or (block.text,)
    end = block.kind == "heading" or bool(block.items)
    found = [
        s
        for part in parts
        for written in split_sentences(part, language)
        if (s := _sentence(written, lexicon, language, end)) is not None
    ]
    if block.voice is None:
        return found
    return [replace(s, voice=block.voice, speaker=block.speaker) for s in found]


def _check_speakers(essay: Essay, found: list[Block], speakers: Collection[str]) -> None:
    """One line for the first passage marked for a speaker [voices] does not name."""
    for block in found:
        if block.voice is None or block.voice == QUOTE_VOICE or block.voice in speakers:
            continue
        line = essay.body_line + block.line - 1
        who = f"unknown speaker {block.voice!r}" if block.voice else "a voice with no name"
        known = (
            f"[voices] in podcast.toml names {', '.join(sorted(speakers))}"
            if speakers
            else 'podcast.toml has no [voices]; add e.g. Name = "kokoro:bm_george" under [voices]'
        )
        raise EssayError(str(essay.path), f"line {line}: {who}; {known}")


def _same(a: str, b: str) -> bool:
    return _squash(a).casefold() == _squash(b).casefold()


def _chapters(essay: Essay, found: list[Block]) -> Iterator[tuple[str, list[Block]]]:
    """Group blocks under their headings; a heading is also spoken, as its chapter's start."""
    title, current = "", list[Block]()
    for block in found:
        if block.kind == "heading" and block.level == 1 and _same(block.text, essay.title):
            continue  # the essay's own title: the spoken intro already says it
        if block.kind == "note" and title != NOTES_TITLE:
            block_heading = Block("heading", NOTES_TITLE, level=2)
            yield title, current
            title, current = NOTES_TITLE, [block_heading]
        elif block.kind == "heading":
            yield title, current
            title, current = block.text, []
        current.append(block)
    yield title, current


def to_speech_text(
    essay: Essay,
    lexicon: Mapping[str, str] | None = None,
    language: str = "en",
    speakers: Collection[str] = (),
) -> SpeechText:
    """An essay -> what the narrator says: chapters of paragraphs of normalised sentences.

    Each sentence says who reads it (Sentence.voice): blockquotes the quote voice, marked
    passages the speaker `speakers` ([voices]) names; a name it does not know is an error.
    """
    found_blocks = blocks(essay.body, essay.markup, essay.reading, speakers)
    _check_speakers(essay, found_blocks, speakers)
    chapters = []
    for title, group in _chapters(essay, found_blocks):
        found = [_paragraph_sentences(b, lexicon, language) for b in group]
        paragraphs = [Paragraph(tuple(p)) for p in _attach_silent([p for p in found if p])]
        if paragraphs:
            chapters.append(Chapter(title=title, paragraphs=tuple(paragraphs)))
    if not chapters:
        raise EssayError(
            str(essay.path),
            "has nothing to read aloud (only code, HTML, markup or a script the voice cannot "
            "speak); add some text",
        )
    return SpeechText(chapters=tuple(chapters))


def cast_speech(speech: SpeechText, voices: Collection[str]) -> SpeechText:
    """The speech with only `voices` (the readers whose voice is not the narrator's) marked:
    every other sentence is the narrator's, with no speaker, as before there were quotes."""
    if all(s.voice is None or s.voice in voices for s in speech.sentences()):
        return speech

    def narrated(sentence: Sentence) -> Sentence:
        if sentence.voice is None or sentence.voice in voices:
            return sentence
        return replace(sentence, voice=None, speaker=None)

    return SpeechText(
        tuple(
            replace(
                chapter,
                paragraphs=tuple(
                    Paragraph(tuple(narrated(s) for s in p.sentences)) for p in chapter.paragraphs
                ),
            )
            for chapter in speech.chapters
        )
    )


def render_script(
    speech: SpeechText,
    say: Callable[[str], str] | None = None,
    readers: Mapping[str, tuple[str, Callable[[str], str]]] | None = None,
    narrator: str = "narrator",
) -> str:
    """The narration script: one spoken sentence a line, with chapter and pause marks.

    `say` turns a spoken sentence into what a voice receives (speech.ENGINES' prepare).
    `readers` maps each other reader (Sentence.voice) to its voice's label and its `say`;
    when a sentence is theirs, every line opens with who reads it: "[Quote: kokoro:bm_george]",
    the narrator's with "[`narrator`]".
    """
    mixed = bool(readers) and any(s.voice is not None for s in speech.sentences())
    lines: list[str] = []
    for number, chapter in enumerate(speech.chapters, 1):
        if lines:
            lines += ["", "[long pause]", ""]
        if chapter.title or number > 1:
            lines += [f"[chapter {number}: {chapter.title or '(untitled)'}]", ""]
        for index, paragraph in enumerate(chapter.paragraphs):
            if index:
                lines += ["", "[pause]", ""]
            for sentence in paragraph.sentences:
                if not mixed or readers is None:
                    lines.append(_script_line(sentence, say))
                elif sentence.voice is None or sentence.voice not in readers:
                    lines.append(f"[{narrator}] " + _script_line(sentence, say))
                else:
                    label, said = readers[sentence.voice]
                    who = sentence.speaker or sentence.voice
                    lines.append(f"[{who}: {label}] " + _script_line(sentence, said))
    return "\n".join(lines) + "\n"


def spoken_intro(show_title: str, title: str, author: str | None) -> list[str]:
    """What the voice says before the essay: "<Show>. <Title>, by <Author>.", a line each.

    A lone episode (`essaycast episode`) has no show to name:

    >>> spoken_intro("Quiet Reels", "The Long Take", "A. Writer")
    ['Quiet Reels.', 'The Long Take, by A. Writer.']
    >>> spoken_intro("", "The Long Take", None)
    ['The Long Take.']
    """
    lines = [f"{show_title}."] if show_title else []
    lines.append(f"{title}, by {author}." if author else f"{title}.")
    return lines


def _script_line(sentence: Sentence, say: Callable[[str], str] | None = None) -> str:
    """What the voice receives (`say` shows one voice's view of the spoken text); text the
    voice skips is marked so the writer can add a respelling."""
    marks = "".join(f" [not spoken: {run}]" for run in sentence.skipped)
    return (say(sentence.spoken) if say else sentence.spoken) + marks
