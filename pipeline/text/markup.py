"""The Markdown block model that essays.py and text.py both read.

Markdown is parsed with markdown-it-py (CommonMark, plus footnotes and tables)
into `Block`s of plain written text: emphasis, links and images reduced to
their words; code, raw HTML and footnote markers dropped; footnotes last.
Plain .txt is split into paragraphs by blank lines (or by lines). Pure.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@dataclass(frozen=True)
class Block:
    """One block of written text: a heading, a paragraph, or a list read as one paragraph."""

    kind: str  # "heading" | "paragraph" | "note"
    text: str  # plain written text, markup stripped
    level: int = 0  # heading level
    items: tuple[str, ...] = ()  # list items / table rows, each read as its own sentence


# The parser keeps state while it works, so each thread gets its own:
# parallel builds (--jobs) read essays from several threads.
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
    return squash("".join(out))


def squash(text: str) -> str:
    """Runs of whitespace as one space, trimmed.

    >>> squash("  two   words ")
    'two words'
    """
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
    return [Block("paragraph", squash(c)) for c in chunks if c.strip()]


def blocks(body: str, markup: str) -> list[Block]:
    """An essay body -> its blocks of plain written text, in reading order (footnotes last)."""
    return _markdown_blocks(body) if markup == "markdown" else _text_blocks(body)
