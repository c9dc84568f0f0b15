"""The Markdown block model that essays.py and text.py both read.

Markdown is parsed with markdown-it-py (CommonMark, plus footnotes and tables)
into `Block`s of plain written text: emphasis and links reduced to their words;
code, raw HTML and footnote markers dropped; footnotes last. A narrator's
choices for text written for the eye (`model.Reading`): a bare URL is said as
its site ("example.org", never its path), a note that is only a URL as "A link
to example.org."; a table row by row with its header as labels, or announced;
an image on its own is announced with its alt text unless a caption follows.
Plain .txt is split into paragraphs by blank lines (or by lines). Pure.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..model import Reading

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


TABLE_SKIPPED = "A table is shown here."
DEFAULT_READING = Reading()
_URL = re.compile(r"(?<![\w@/])(?:https?://|www\.)[^\s<>\"'`]+", re.I)
_URL_TRAIL = ".,;:!?)]}'\"’”"


def site_of(url: str) -> str:
    """'https://www.example.org/a/b?q=1' -> 'example.org': what a narrator says of a link."""
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    except ValueError:  # "http://[oops": no host to name
        host = ""
    return host.removeprefix("www.").rstrip(".") or "a web page"


def _sites(text: str, reading: Reading) -> str:
    """Each bare URL in the text said as its site, or (links = "drop") not at all."""

    def site(match: re.Match[str]) -> str:
        url = match.group(0)
        kept = url.rstrip(_URL_TRAIL)
        if url.count(")") and kept.count("(") > kept.count(")"):
            kept += ")"  # a Wikipedia-style (…) inside the URL
        tail = url[len(kept) :]
        return ("" if reading.links == "drop" else site_of(kept)) + tail

    return _URL.sub(site, text) if ("://" in text or "www." in text.lower()) else text


def _is_url(text: str) -> bool:
    stripped = text.strip().rstrip(_URL_TRAIL)
    match = _URL.fullmatch(stripped)
    return match is not None


def _inline(token: Token, reading: Reading = DEFAULT_READING, alt: bool = True) -> str:
    """An inline token -> its words: emphasis and links keep their text; markers go.

    A link whose words are its own address is said as its site; with `alt` False an
    image says nothing (its caption, next to it, says it).
    """
    out: list[str] = []
    link_start: list[tuple[int, str]] = []  # (where the link's words start in out, its href)
    for child in token.children or []:
        kind = child.type
        if kind == "text":
            out.append(_sites(child.content, reading))
        elif kind == "code_inline":
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "image":
            if alt:
                out.append(_inline(child, reading))  # the alt text, never the URL
        elif kind == "link_open":
            link_start.append((len(out), str(child.attrs.get("href", ""))))
        elif kind == "link_close" and link_start:
            start, href = link_start.pop()
            words = "".join(out[start:])
            if href and (_is_url(href) and _same_address(words, href)):
                out[start:] = ["" if reading.links == "drop" else site_of(href)]
        # footnote_ref, html_inline and the *_open/*_close markers say nothing
    return squash("".join(out))


def _same_address(words: str, href: str) -> bool:
    """Whether a link's words are just its address (an autolink, or [url](url))."""
    words = words.strip()
    bare = re.sub(r"^(?:https?://)?(?:www\.)?", "", href, flags=re.I).rstrip("/")
    return not words or _is_url(words) or words.rstrip("/").lower() in (bare.lower(), href.lower())


def _only_image(token: Token) -> Token | None:
    """The image, when an inline token is one image and nothing else."""
    children = [c for c in token.children or [] if not (c.type == "text" and not c.content.strip())]
    children = [c for c in children if c.type not in ("softbreak", "hardbreak")]
    return children[0] if len(children) == 1 and children[0].type == "image" else None


def _only_emphasis(token: Token | None) -> bool:
    """Whether an inline token is all emphasis: how blogs write a caption under an image."""
    if token is None or token.type != "inline" or not token.children:
        return False
    kinds = [c.type for c in token.children if not (c.type == "text" and not c.content.strip())]
    return bool(kinds) and kinds[0] in ("em_open", "strong_open") and kinds[-1] in (
        "em_close", "strong_close"
    )  # fmt: skip


def _captioned_image(token: Token) -> bool:
    """An image with its caption in emphasis beside it: the caption says it, not the alt."""
    children = token.children or []
    if not any(c.type == "image" for c in children):
        return False
    rest = [
        c.type
        for c in children
        if c.type not in ("image", "softbreak", "hardbreak")
        and not (c.type == "text" and not c.content.strip())
    ]
    return bool(rest) and rest[0] in ("em_open", "strong_open") and rest[-1] in (
        "em_close", "strong_close"
    )  # fmt: skip


def _only_url(token: Token) -> str | None:
    """The URL, when an inline token is a bare URL or a link to its own address."""
    children = [c for c in token.children or [] if c.type not in ("softbreak", "hardbreak")]
    text = "".join(c.content for c in children if c.type == "text").strip()
    if all(c.type == "text" for c in children) and _is_url(text):
        return text.rstrip(_URL_TRAIL)
    kinds = [c.type for c in children]
    if (
        kinds[:1] == ["link_open"]
        and kinds[-1:] == ["link_close"]
        and kinds.count("link_open") == 1
    ):
        href = str(children[0].attrs.get("href", ""))
        if _is_url(href) and _same_address(text, href):
            return href
    return None


def squash(text: str) -> str:
    """Runs of whitespace as one space, trimmed.

    >>> squash("  two   words ")
    'two words'
    """
    return re.sub(r"\s+", " ", text).strip()


def _markdown_blocks(body: str, reading: Reading) -> list[Block]:
    tokens = _markdown().parse(body)
    blocks: list[Block] = []
    notes: list[Block] = []
    items: list[str] = []
    list_depth = 0
    in_table = in_head = False
    in_notes = False
    row: list[str] = []
    header: list[str] = []
    numbers: list[str] = []  # the number of each open list item ("" when unordered)
    counters: list[int] = []  # the next number of each open ordered list
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "footnote_block_open":
            in_notes = True
        elif kind == "footnote_block_close":
            in_notes = False
        elif kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
            start = token.attrs.get("start", 1) if kind == "ordered_list_open" else 0
            counters.append(int(start) if str(start).isdigit() else 1)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            counters.pop()
            if list_depth == 0 and items:
                blocks.append(Block("paragraph", " ".join(items), items=tuple(items)))
                items = []
        elif kind == "list_item_open":
            # "1. 1. 1." in the source is a list numbered 1, 2, 3 on the page
            ordered = token.markup in (".", ")")
            numbers.append(str(counters[-1]) if ordered and counters else "")
            if ordered and counters:
                counters[-1] += 1
        elif kind == "list_item_close":
            numbers.pop()
        elif kind == "table_open":
            in_table, items, header = True, [], []
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "table_close":
            in_table = False
            rows = [r for r in items if r] or (
                [", ".join(c for c in header if c)] if any(header) else []
            )
            if rows and reading.tables == "skip":
                blocks.append(Block("paragraph", TABLE_SKIPPED))
            elif rows:
                blocks.append(Block("paragraph", " ".join(rows), items=tuple(rows)))
            items = []
        elif kind == "tr_close":
            if in_head:
                header = row
            else:
                items.append(_row(header, row))
            row = []
        elif kind == "inline":
            opener = tokens[i - 1].type if i else ""
            image = _only_image(token) if not in_table else None
            if image is not None and opener == "paragraph_open" and not list_depth:
                following = tokens[i + 3] if i + 3 < len(tokens) else None
                text = _image_block(image, reading, captioned=_only_emphasis(following))
            else:
                text = _inline(token, reading, alt=not _captioned_image(token))
            if in_notes and (url := _only_url(token)) is not None:
                text = "" if reading.links == "drop" else f"A link to {site_of(url)}."
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


def _row(header: list[str], cells: list[str]) -> str:
    """A table row read with its header as labels: "Film: Heat; Year: 1995"."""
    if not any(header):
        return ", ".join(c for c in cells if c)
    said = [
        f"{label}: {cell}" if label else cell
        for label, cell in zip(header, cells, strict=False)
        if cell
    ]
    return "; ".join(said)


def _image_block(image: Token, reading: Reading, captioned: bool) -> str:
    """An image on its own: its title as caption, else its alt text, announced; a caption
    in the next paragraph says it instead."""
    if captioned:
        return ""
    caption = str(image.attrs.get("title") or "").strip() or _inline(image, reading)
    if not caption:
        return ""
    return f"Image: {caption}" + ("" if caption[-1] in ".!?" else ".")


def _text_blocks(body: str) -> list[Block]:
    """Plain text: blank-line-separated blocks are paragraphs; with no blank line, each line."""
    lines = body.splitlines()
    if any(not line.strip() for line in lines[1:-1]):
        chunks = re.split(r"\n[ \t]*\n", body)
    else:
        chunks = lines
    return [Block("paragraph", squash(c)) for c in chunks if c.strip()]


def blocks(body: str, markup: str, reading: Reading = DEFAULT_READING) -> list[Block]:
    """An essay body -> its blocks of plain written text, in reading order (footnotes last)."""
    if markup == "markdown":
        return _markdown_blocks(body, reading)
    return [Block(b.kind, _sites(b.text, reading), b.level, b.items) for b in _text_blocks(body)]
