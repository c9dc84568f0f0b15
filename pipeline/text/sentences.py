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
from collections.abc import Callable, Iterator, Mapping

from ..errors import EssayError
from ..model import Chapter, Essay, Paragraph, Sentence, SpeechText
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
            segmenters[language] = pysbd.Segmenter(language=language, clean=False)
        except ValueError:  # pysbd knows this language no better than English
            segmenters[language] = pysbd.Segmenter(language="en", clean=False)
    return segmenters[language]


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
    return Sentence(
        spoken=" ".join(s for s in (a.spoken, b.spoken) if s),
        written=f"{a.written} {b.written}",
        skipped=a.skipped + b.skipped,
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
    return [
        s
        for part in parts
        for written in split_sentences(part, language)
        if (s := _sentence(written, lexicon, language, end)) is not None
    ]


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
    essay: Essay, lexicon: Mapping[str, str] | None = None, language: str = "en"
) -> SpeechText:
    """An essay -> what the narrator says: chapters of paragraphs of normalised sentences."""
    chapters = []
    for title, group in _chapters(essay, blocks(essay.body, essay.markup, essay.reading)):
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


def render_script(speech: SpeechText, say: Callable[[str], str] | None = None) -> str:
    """The narration script: one spoken sentence a line, with chapter and pause marks.

    `say` turns a spoken sentence into what a voice receives (speech.ENGINES' prepare).
    """
    lines: list[str] = []
    for number, chapter in enumerate(speech.chapters, 1):
        if lines:
            lines += ["", "[long pause]", ""]
        if chapter.title or number > 1:
            lines += [f"[chapter {number}: {chapter.title or '(untitled)'}]", ""]
        for index, paragraph in enumerate(chapter.paragraphs):
            if index:
                lines += ["", "[pause]", ""]
            lines += [_script_line(s, say) for s in paragraph.sentences]
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
