"""Essay -> SpeechText: chapters, paragraphs and sentences, each sentence ready for a voice.

Markdown is parsed with markdown-it-py (CommonMark, plus footnotes and tables) into
`Block`s of plain written text; plain .txt is split into paragraphs by lines. Sentences
are found with pysbd, then normalised for the ear (normalize.py) and run through the
show's pronunciation lexicon. Nothing here reads files or the clock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import EssayError
from .model import Chapter, Essay, Paragraph, Sentence, SpeechText
from .normalize import normalize

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MAX_SENTENCE = 400  # characters; longer sentences make TTS engines drift or stall
NOTES_TITLE = "Notes"  # the chapter that reads footnotes after the essay


@dataclass(frozen=True)
class Block:
    """One block of written text: a heading, a paragraph, or a list read as one paragraph."""

    kind: str  # "heading" | "paragraph" | "note"
    text: str  # plain written text, markup stripped
    level: int = 0  # heading level
    items: tuple[str, ...] = ()  # list items / table rows, each read as its own sentence


# -- Markdown and plain text -> blocks -----------------------------------------------------------


# The parser and the segmenter keep state while they work, so each thread gets
# its own: parallel builds (--jobs) call to_speech_text from several threads.
_per_thread = threading.local()


def _markdown() -> MarkdownIt:
    parser = getattr(_per_thread, "markdown", None)
    if parser is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.footnote import footnote_plugin

        parser = MarkdownIt("commonmark").use(footnote_plugin).enable(["table", "strikethrough"])
        _per_thread.markdown = parser
    return parser


def _inline(token: Token) -> str:
    """An inline token -> its words: emphasis and links keep their text; markers go."""
    out: list[str] = []
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "image":
            out.append(_inline(child))  # the alt text, never the URL
        # footnote_ref, html_inline and the *_open/*_close markers say nothing
    return _squash("".join(out))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _markdown_blocks(body: str) -> list[Block]:
    tokens = _markdown().parse(body)
    blocks: list[Block] = []
    notes: list[Block] = []
    items: list[str] = []
    list_depth = 0
    in_table = False
    in_notes = False
    row: list[str] = []
    numbers: list[str] = []  # the number of each open list item ("" when unordered)
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "footnote_block_open":
            in_notes = True
        elif kind == "footnote_block_close":
            in_notes = False
        elif kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0 and items:
                blocks.append(Block("paragraph", " ".join(items), items=tuple(items)))
                items = []
        elif kind == "list_item_open":
            numbers.append(token.info if token.markup in (".", ")") else "")
        elif kind == "list_item_close":
            numbers.pop()
        elif kind == "table_open":
            in_table, items = True, []
        elif kind == "table_close":
            in_table = False
            rows = [r for r in items if r]
            if rows:
                blocks.append(Block("paragraph", " ".join(rows), items=tuple(rows)))
            items = []
        elif kind == "tr_close":
            items.append(", ".join(c for c in row if c))
            row = []
        elif kind == "inline":
            text = _inline(token)
            opener = tokens[i - 1].type if i else ""
            if in_table:
                row.append(text)
            elif not text:
                continue
            elif opener == "heading_open":
                blocks.append(Block("heading", text, level=int(tokens[i - 1].tag[1:])))
            elif in_notes:
                notes.append(Block("note", text))
            elif list_depth:
                number = numbers[-1] if numbers else ""
                first = i >= 2 and tokens[i - 2].type == "list_item_open"
                items.append(f"{number}. {text}" if number and first else text)
            else:
                blocks.append(Block("paragraph", text))
        # code blocks, fences, raw HTML and rules say nothing
    return blocks + notes


def _text_blocks(body: str) -> list[Block]:
    """Plain text: blank-line-separated blocks are paragraphs; with no blank line, each line."""
    lines = body.splitlines()
    if any(not line.strip() for line in lines[1:-1]):
        chunks = re.split(r"\n[ \t]*\n", body)
    else:
        chunks = lines
    return [Block("paragraph", _squash(c)) for c in chunks if c.strip()]


def blocks(body: str, markup: str) -> list[Block]:
    """An essay body -> its blocks of plain written text, in reading order (footnotes last)."""
    return _markdown_blocks(body) if markup == "markdown" else _text_blocks(body)


# -- sentences -----------------------------------------------------------------------------------

# pysbd splits after these even though a sentence rarely ends there ("approx. 3 hours")
_NEVER_FINAL = re.compile(
    r"(?:\b(?:Dr|Mr|Mrs|Ms|Mx|Prof|St|Mt|Ft|Gen|Capt|Sgt|Lt|Col|Rev|Hon|Fr|Sen|Rep|Gov|vs|v|"
    r"approx|cf|ca|c|e\.g|i\.e|viz|al|No|Nos|pp|p|vol|Vol|fig|Fig|ch|Ch|ed|Ed|dir|Jan|Feb|Mar|"
    r"Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.|\b[A-Z]\.)$"
)


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
    for piece in segmenter.segment(text):  # type: ignore[attr-defined]
        head = piece.strip()
        if not head:
            continue
        if sentences and (
            _NEVER_FINAL.search(sentences[-1].rstrip())
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
    spoken = normalize(written, language, lexicon=lexicon)
    if not re.search(r"\w", spoken):
        return None
    if final and spoken[-1] not in ".!?:;,":
        spoken += "."  # headings and list items end with a falling tone, like a sentence
    return Sentence(spoken=spoken, written=written)


def _paragraph(block: Block, lexicon: Mapping[str, str] | None, language: str) -> Paragraph | None:
    parts = block.items or (block.text,)
    end = block.kind == "heading" or bool(block.items)
    sentences = [
        s
        for part in parts
        for written in split_sentences(part, language)
        if (s := _sentence(written, lexicon, language, end)) is not None
    ]
    return Paragraph(tuple(sentences)) if sentences else None


def _same(a: str, b: str) -> bool:
    return _squash(a).casefold() == _squash(b).casefold()


def _chapters(essay: Essay, found: list[Block]) -> Iterator[tuple[str, list[Block]]]:
    """Group blocks under their headings; a heading is also spoken, as its chapter's start."""
    title, current = "", []
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
    for title, group in _chapters(essay, blocks(essay.body, essay.markup)):
        paragraphs = [p for b in group if (p := _paragraph(b, lexicon, language)) is not None]
        if paragraphs:
            chapters.append(Chapter(title=title, paragraphs=tuple(paragraphs)))
    if not chapters:
        raise EssayError(
            str(essay.path), "has nothing to read aloud (only code, HTML or markup); add some text"
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
            lines += [say(s.spoken) if say else s.spoken for s in paragraph.sentences]
    return "\n".join(lines) + "\n"
