"""The Markdown block model that essays.py and text.py both read.

Markdown is parsed with markdown-it-py (CommonMark, plus footnotes and tables)
into `Block`s of plain written text: emphasis and links reduced to their words;
code, raw HTML and footnote markers dropped; footnotes last. A narrator's
choices for text written for the eye (`model.Reading`): a bare URL is said as
its site ("example.org", never its path), a note that is only a URL as "A link
to example.org."; a table row by row with its header as labels, or announced;
an image on its own is announced with its alt text unless a caption follows.
Plain .txt is split into paragraphs by blank lines (or by lines). Pure.

Who reads a block (issue 27): a blockquote is read by the quote voice, its
transcript name "Quote", or the attribution on its last line ("— Kazuo
Ishiguro", read by the narrator after it). A named speaker's passage is a
`::: voice Name` container, a blockquote (or one of its paragraphs) opening with
`**Name:**`, or `<!-- voice: Name -->` … `<!-- /voice -->`; in plain text a
paragraph opening with `Name:` when [voices] names Name. Markup only marks
blocks; text.sentences says an unknown name is an error.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..model import QUOTE_SPEAKER, QUOTE_VOICE, Reading

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
    # who reads it: None the narrator, QUOTE_VOICE the quote voice, else a speaker's name as
    # written (text.sentences checks it against [voices])
    voice: str | None = None
    speaker: str | None = None  # its name in transcripts
    line: int = 0  # the body's line (1-based) that named its speaker, for errors


# The parser keeps state while it works, so each thread gets its own:
# parallel builds (--jobs) read essays from several threads.
_per_thread = threading.local()


def _markdown() -> MarkdownIt:
    parser = getattr(_per_thread, "markdown", None)
    if parser is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.container import container_plugin
        from mdit_py_plugins.footnote import footnote_plugin

        parser = (
            MarkdownIt("commonmark")
            .use(footnote_plugin)
            # only `::: voice Name`: other `:::` fences stay the text they were
            .use(container_plugin, "voice", validate=_is_voice_fence)
            .enable(["table", "strikethrough"])
        )
        _per_thread.markdown = parser
    return parser


def _is_voice_fence(params: str, *_: object) -> bool:
    return params.strip().split(" ", 1)[0] == "voice"


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


@dataclass(frozen=True)
class _Reader:
    """Who reads the blocks from here on, and where that began."""

    voice: str  # QUOTE_VOICE or a speaker's name
    speaker: str
    line: int  # 1-based line in the body
    kind: str  # "quote" (a blockquote), "container" or "comment"
    start: int = 0  # len(blocks) when a blockquote opened: its attribution names them


_VOICE_COMMENT = re.compile(r"^\s*<!--\s*voice\s*:\s*(.*?)\s*-->\s*$", re.S)
_END_VOICE_COMMENT = re.compile(r"^\s*<!--\s*/\s*voice\s*-->\s*$", re.S)
# "— Kazuo Ishiguro", "-- A. Critic, The Paper": a dash, then a capitalised name
_ATTRIBUTION = re.compile(r"^(?:[—―–~]|--|-(?=\s))\s*([^\W\d_a-z].*)$")
_TEXT_SPEAKER = re.compile(r"^([^\s:][^:\n]{0,60}?):[ \t]+(\S.*)$", re.S)


def _label(token: Token, speakers: Collection[str]) -> tuple[str, list[Token]] | None:
    """A paragraph that opens with `**Name:**` (or `**Name**:`): the name and the rest.

    Only a name [voices] knows, or one so close to one that it is a typo (which
    text.sentences reports); any other bold opening ("**Note:**") is just words.
    """
    children = list(token.children or [])
    while children and children[0].type == "text" and not children[0].content.strip():
        children.pop(0)  # markdown-it opens with an empty text before the bold
    if len(children) < 3 or children[0].type != "strong_open" or children[2].type != "strong_close":
        return None
    inner = children[1].content if children[1].type == "text" else ""
    rest = children[3:]
    if inner.endswith(":"):
        name = inner[:-1].strip()
    elif rest and rest[0].type == "text" and rest[0].content.startswith(":"):
        name = inner.strip()
        rest = [rest[0].copy(content=rest[0].content[1:]), *rest[1:]]
    else:
        return None
    if not name or (
        name not in speakers and not difflib.get_close_matches(name, list(speakers), 1, 0.8)
    ):
        return None
    return name, rest


def _attribution(token: Token, reading: Reading) -> tuple[str, str, str] | None:
    """A quote's last line that says who wrote it ("— Kazuo Ishiguro, in 2005"):
    (the words before it, the line as written, the name)."""
    children = list(token.children or [])
    breaks = [n for n, c in enumerate(children) if c.type in ("softbreak", "hardbreak")]
    cut = breaks[-1] + 1 if breaks else 0
    line = _inline(token.copy(children=children[cut:]), reading)
    found = _ATTRIBUTION.match(line)
    if not found:
        return None
    name = found.group(1).split(",")[0].strip().rstrip(".;:")
    if not name:
        return None
    head = _inline(token.copy(children=children[: max(0, cut - 1)]), reading) if cut else ""
    return head, line, name


def _markdown_blocks(body: str, reading: Reading, speakers: Collection[str] = ()) -> list[Block]:
    tokens = _markdown().parse(body)
    blocks: list[Block] = []
    readers: list[_Reader] = []  # innermost last
    notes: list[Block] = []
    items: list[str] = []
    list_depth = 0
    in_table = in_head = False
    in_notes = False
    row: list[str] = []
    header: list[str] = []
    numbers: list[str] = []  # the number of each open list item ("" when unordered)
    counters: list[int] = []  # the next number of each open ordered list

    def read_by(block: Block) -> Block:
        """The block as the innermost reader reads it (the narrator outside any)."""
        if not readers or block.kind != "paragraph":
            return block
        top = readers[-1]
        return replace(block, voice=top.voice, speaker=top.speaker, line=top.line)

    for i, token in enumerate(tokens):
        kind = token.type
        line = token.map[0] + 1 if token.map else 0
        if kind == "blockquote_open":
            outer = readers[-1] if readers else None
            named = outer is not None and outer.voice != QUOTE_VOICE
            voice, speaker = (
                (outer.voice, outer.speaker) if named and outer else (QUOTE_VOICE, QUOTE_SPEAKER)
            )
            readers.append(_Reader(voice, speaker, line, "quote", start=len(blocks)))
            continue
        if kind == "blockquote_close":
            if readers and readers[-1].kind == "quote":
                readers.pop()
            continue
        if kind == "container_voice_open":
            name = token.info.strip()[len("voice") :].strip()
            readers.append(_Reader(name, name, line, "container"))
            continue
        if kind == "container_voice_close":
            if readers and readers[-1].kind == "container":
                readers.pop()
            continue
        if kind == "html_block":
            if opened := _VOICE_COMMENT.match(token.content):
                name = opened.group(1).strip()
                readers.append(_Reader(name, name, line, "comment"))
            elif _END_VOICE_COMMENT.match(token.content):
                for n in range(len(readers) - 1, -1, -1):
                    if readers[n].kind == "comment":
                        del readers[n:]
                        break
            continue
        if (
            kind == "inline"
            and readers
            and readers[-1].kind == "quote"
            and not in_table
            and not list_depth
            and i
            and tokens[i - 1].type == "paragraph_open"
        ):
            top = readers[-1]
            labelled = _label(token, speakers)
            if labelled is not None:  # "**Ishiguro:** …": this speaker, to the quote's end
                name, rest = labelled
                readers[-1] = replace(top, voice=name, speaker=name, line=line)
                token = token.copy(children=rest)
            last = i + 2 < len(tokens) and tokens[i + 2].type == "blockquote_close"
            said = _attribution(token, reading) if last else None
            if said is not None and (said[0] or len(blocks) > top.start):
                head, attribution, name = said
                if head:
                    blocks.append(read_by(Block("paragraph", head)))
                if top.voice == QUOTE_VOICE:  # the quote is theirs; the narrator says whose
                    blocks[top.start :] = [
                        replace(b, speaker=name) if b.voice == QUOTE_VOICE else b
                        for b in blocks[top.start :]
                    ]
                # as an item: said with a falling tone, like a list item or a heading
                blocks.append(Block("paragraph", attribution, items=(attribution,)))
                continue
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
                blocks.append(read_by(Block("paragraph", " ".join(items), items=tuple(items))))
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
                blocks.append(read_by(Block("paragraph", TABLE_SKIPPED)))
            elif rows:
                blocks.append(read_by(Block("paragraph", " ".join(rows), items=tuple(rows))))
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
                blocks.append(read_by(Block("paragraph", text)))
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


def _text_blocks(body: str, speakers: Collection[str] = ()) -> list[Block]:
    """Plain text: blank-line-separated blocks are paragraphs; with no blank line, each line.

    A paragraph that opens with "Name: " is that speaker's when [voices] names Name
    (any other "Note: " is just words).
    """
    lines = body.splitlines()
    if any(not line.strip() for line in lines[1:-1]):
        chunks = re.split(r"\n[ \t]*\n", body)
    else:
        chunks = lines
    found = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        named = _TEXT_SPEAKER.match(chunk.strip()) if speakers else None
        if named and named.group(1).strip() in speakers:
            name = named.group(1).strip()
            found.append(Block("paragraph", squash(named.group(2)), voice=name, speaker=name))
        else:
            found.append(Block("paragraph", squash(chunk)))
    return found


def blocks(
    body: str, markup: str, reading: Reading = DEFAULT_READING, speakers: Collection[str] = ()
) -> list[Block]:
    """An essay body -> its blocks of plain written text, in reading order (footnotes last).

    `speakers` are the names [voices] knows: a `**Name:**` quote or a plain-text
    "Name:" paragraph is a speaker's only when its name is one of them.
    """
    if markup == "markdown":
        return _markdown_blocks(body, reading, speakers)
    return [replace(b, text=_sites(b.text, reading)) for b in _text_blocks(body, speakers)]
