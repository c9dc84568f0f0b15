"""Site-generator syntax in a post's body -> plain Markdown that says only what a reader reads.

Blogs write more than Markdown: Liquid (Jekyll) and Nunjucks (Eleventy) tags and
output, Hugo shortcodes, MDX imports and components (Astro), Obsidian wikilinks,
embeds and callouts, kramdown attribute lists, and HTML for footnotes, standfirsts
and `<details>`. `to_markdown` turns each into what the page shows a reader, or
nothing: `highlight`/`raw` blocks become code (not read), `{{ page.title }}` its
value from the front matter, a figure its caption, a wikilink its words. Maths is
turned into words here too (text/maths.py), before Markdown could mistake `\\(` for
an escaped bracket. Fenced code is left as it is. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .maths import speak

# -- blocks that are code ------------------------------------------------------------------------

_LIQUID_OPEN = r"\{%-?\s*"
_LIQUID_CLOSE = r"\s*-?%\}"
_HIGHLIGHT = re.compile(
    rf"{_LIQUID_OPEN}highlight\b[^%]*?{_LIQUID_CLOSE}(.*?){_LIQUID_OPEN}endhighlight{_LIQUID_CLOSE}",
    re.S,
)
_RAW = re.compile(
    rf"{_LIQUID_OPEN}raw{_LIQUID_CLOSE}(.*?){_LIQUID_OPEN}endraw{_LIQUID_CLOSE}", re.S
)
_COMMENT = re.compile(
    rf"{_LIQUID_OPEN}comment{_LIQUID_CLOSE}.*?{_LIQUID_OPEN}endcomment{_LIQUID_CLOSE}", re.S
)
_NUNJUCKS_COMMENT = re.compile(r"\{#(?:(?!\n[ \t]*\n).)*?#\}", re.S)
_HUGO_CODE = re.compile(
    r"\{\{([<%])-?\s*(highlight|code|codeblock)\b.*?[>%]\}\}(.*?)\{\{[<%]-?\s*/\s*\2\s*-?[>%]\}\}",
    re.S,
)
_HUGO_ESCAPED = re.compile(r"\{\{[<%]/\*.*?\*/[>%]\}\}", re.S)  # {{</* x */>}} shows syntax
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


def _as_code(content: str) -> str:
    return f"\n\n```\n{content.strip(chr(10))}\n```\n\n"


def _code_blocks(text: str) -> str:
    """Liquid highlight/raw and Hugo highlight blocks become fenced code; comments go."""
    text = _COMMENT.sub("", text)
    text = _HUGO_ESCAPED.sub("", text)
    text = _HIGHLIGHT.sub(lambda m: _as_code(m.group(1)), text)
    # raw inline (`{% raw %}{{ x }}{% endraw %}` in a sentence) is template syntax shown as
    # an example: nothing to say; raw over lines is a code listing
    text = _RAW.sub(lambda m: _as_code(m.group(1)) if "\n" in m.group(1) else "", text)
    return _HUGO_CODE.sub(lambda m: _as_code(m.group(3)), text)


def _split_fences(text: str) -> list[tuple[bool, str]]:
    """The text as (is fenced code, chunk) pieces, in order; an open fence runs to the end."""
    pieces: list[tuple[bool, str]] = []
    current: list[str] = []
    fence = ""
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if not fence and match:
            pieces.append((False, "\n".join(current)))
            current, fence = [line], match.group(1)
        elif (
            fence and match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence)
        ):
            current.append(line)
            pieces.append((True, "\n".join(current)))
            current, fence = [], ""
        else:
            current.append(line)
    pieces.append((bool(fence), "\n".join(current)))
    return pieces


# -- Hugo shortcodes -----------------------------------------------------------------------------

_ARG = r"\"(?:[^\"\\]|\\.)*\"|`[^`]*`"
_SHORTCODE = re.compile(
    r"\{\{([<%])-?\s*(/?)\s*([A-Za-z0-9_./-]+)"
    rf"((?:{_ARG}|(?!\s*/?\s*-?[>%]\}}\}})[^\"`])*)"
    r"\s*/?\s*-?[>%]\}\}",
    re.S,
)
_NAMED = re.compile(rf"([A-Za-z_][\w-]*)\s*=\s*({_ARG}|[^\s\"`]+)")
_EMBEDS = {
    "youtube", "vimeo", "tweet", "twitter", "x", "gist", "instagram", "bluesky", "mastodon",
    "toot", "speakerdeck", "slideshare", "video", "audio", "embed", "iframe", "spotify",
    "codepen", "asciinema", "mermaid", "toc", "ref", "relref", "anchor",
}  # fmt: skip
_FIGURES = {"figure", "image", "img", "imgproc", "picture", "photo", "fig"}


def _unquote(value: str) -> str:
    if value[:1] in '"`' and value[-1:] == value[:1] and len(value) >= 2:
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner
    return value


def _shortcode_args(args: str) -> tuple[dict[str, str], list[str]]:
    named = {m.group(1).lower(): _unquote(m.group(2)) for m in _NAMED.finditer(args)}
    rest = _NAMED.sub("", args)
    positional = [_unquote(m.group(0)) for m in re.finditer(rf"{_ARG}|[^\s\"`]+", rest)]
    return named, positional


def _shortcode(match: re.Match[str], meta: Mapping[str, Any]) -> str:
    closing, name, args = match.group(2), match.group(3).lower(), match.group(4)
    if closing:
        return ""
    named, positional = _shortcode_args(args)
    if name in _FIGURES:
        caption = named.get("caption") or named.get("title") or ""
        return f"\n\n{caption}\n\n" if caption.strip() else ""
    if name == "param" and positional:
        return _value(meta, positional[0].split("."))
    if name == "details" and named.get("summary"):
        return f"\n\n{named['summary']}\n\n"
    # embeds and links say nothing; an unknown paired shortcode keeps its inner text, as the
    # tags around it are taken out one by one
    return ""


# -- Liquid and Nunjucks -------------------------------------------------------------------------

_LIQUID_TAG = re.compile(r"\{%-?(?:\"[^\"]*\"|'[^']*'|[^%\"']|%(?!\}))*?-?%\}", re.S)
_LIQUID_OUT = re.compile(r"\{\{-?((?:(?!\n[ \t]*\n)[^}]|\}(?!\}))*?)-?\}\}", re.S)
_LEFTOVER = re.compile(r"\{\{[<%]?|[>%]?\}\}|\{%|%\}|\{#|#\}")  # halves of tags: never read
_PATH = re.compile(r"^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*$")
_SCOPES = ("page", "post", "layout", "include", "frontmatter", "data", "eleventy")


def _value(meta: Mapping[str, Any], path: list[str]) -> str:
    """A front matter value by dotted path, as text; "" when there is none or it is not text."""
    value: Any = meta
    for part in path:
        if not isinstance(value, Mapping):
            return ""
        value = value.get(part, value.get(part.lower()))
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        # a value is words, never more syntax to expand (`title: "{{ page.title }}"`)
        return _LEFTOVER.sub("", _LIQUID_OUT.sub("", _LIQUID_TAG.sub("", str(value))))
    return ""


def _liquid_output(match: re.Match[str], meta: Mapping[str, Any]) -> str:
    """`{{ page.title }}` -> the title; `{{ site.url }}`, filters on paths, anything else -> ""."""
    expression, _, filters = match.group(1).strip().partition("|")
    expression = expression.strip()
    literal = re.fullmatch(r"\"([^\"]*)\"|'([^']*)'", expression)
    if literal:
        return "" if filters else (literal.group(1) or literal.group(2) or "")
    if not _PATH.match(expression):
        return ""
    path = re.sub(r"\[\d+\]", "", expression).split(".")
    if path[0] in _SCOPES and len(path) > 1:
        path = path[1:]
    elif path[0] == "site" or len(path) > 1:
        return ""  # the site's own settings: not this post's words
    return _value(meta, path)


def _liquid_tag(match: re.Match[str]) -> str:
    """`{% include figure.html caption="…" %}` -> its caption; every other tag -> ""."""
    tag = match.group(0)
    caption = re.search(r"\bcaption\s*=\s*(\"[^\"]*\"|'[^']*')", tag)
    if caption and re.match(r"\{%-?\s*include", tag):
        return f"\n\n{caption.group(1)[1:-1]}\n\n"
    return ""


# -- MDX -----------------------------------------------------------------------------------------

_IMPORT = re.compile(
    r"^import\s+(?:[\w*{}\s,]+?\s+from\s+)?[\"'][^\"'\n]+[\"'];?[ \t]*$", re.M | re.S
)
_EXPORT_START = re.compile(r"^export\s+(?:const|let|var|function|default|async|class)\b")
_JSX_ATTRS = r"(?:\s(?:[^<>\"'{}]|\"[^\"]*\"|'[^']*'|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})*)?"
_JSX_TAG = re.compile(rf"</?[A-Z][\w.]*{_JSX_ATTRS}/?>|<>|</>")
_MDX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.S)
_MDX_EXPRESSION = re.compile(r"\{([^{}\n]*)\}")


def _jsx_tags(text: str) -> str:
    """Components (`<Chart />`, `<Aside>…</Aside>`) go; the words between them stay."""
    if "<" not in text:
        return text
    # a component on a line of its own is a block: a blank line keeps its children apart
    text = re.sub(rf"^[ \t]*(?:{_JSX_TAG.pattern}[ \t]*)+$", "\n", text, flags=re.M)
    return _JSX_TAG.sub("", text)


def _mdx(text: str, meta: Mapping[str, Any]) -> str:
    """MDX: import/export lines go, components go (their children stay), {expressions} resolve."""
    text = _IMPORT.sub("", text)
    lines: list[str] = []
    depth = 0
    for line in text.split("\n"):
        if depth or _EXPORT_START.match(line):
            depth = max(0, depth + line.count("{") + line.count("(") + line.count("[")
                        - line.count("}") - line.count(")") - line.count("]"))  # fmt: skip
            continue
        lines.append(line)
    text = "\n".join(lines)
    text = _jsx_tags(_MDX_COMMENT.sub("", text))

    def expression(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner.startswith(":") or inner.startswith("#"):
            return match.group(0)  # kramdown and heading attributes: handled by their own rule
        path = inner.split(".")
        if path[0] in ("frontmatter", "props", "data") and len(path) > 1:
            path = path[1:]
        return _value(meta, path) if _PATH.match(inner) else ""

    return _MDX_EXPRESSION.sub(expression, text)


# -- Obsidian, kramdown, HTML --------------------------------------------------------------------

_OBSIDIAN_COMMENT = re.compile(r"%%.*?%%", re.S)
_EMBED = re.compile(r"!\[\[[^\]\n]*\]\]")
_WIKILINK = re.compile(r"\[\[([^\]|\n]*)(?:\|([^\]\n]*))?\]\]")
_CALLOUT = re.compile(r"^([ \t]*>[ \t>]*)\[![\w-]+\][+-]?[ \t]*(.*)$", re.M)
_HIGHLIGHT_MARK = re.compile(r"==(?=\S)([^=\n]+?)(?<=\S)==")
_KRAMDOWN_TOC = re.compile(
    r"^[ \t]*(?:[*+-]|1\.)[ \t]+[^\n]*\n[ \t]*\{:\s*\.?toc\s*\}[ \t]*$", re.M
)
_KRAMDOWN = re.compile(r"\{::(\w+)[^}]*\}.*?\{:/\1?\}|\{::\w+[^}]*/\}", re.S)
_IAL = re.compile(r"\{:[^}\n]*\}")
_HEADING_ATTRS = re.compile(r"[ \t]*\{[#.][^}\n]*\}[ \t]*$", re.M)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_STANDFIRST = re.compile(r"<p(?:\s[^>]*)?>(.*?)</p>", re.S | re.I)
_SUMMARY = re.compile(r"<summary(?:\s[^>]*)?>(.*?)</summary>", re.S | re.I)
_DETAILS = re.compile(r"</?details(?:\s[^>]*)?>", re.I)
_FIGCAPTION = re.compile(r"<figcaption(?:\s[^>]*)?>(.*?)</figcaption>", re.S | re.I)
_SUP_REF = re.compile(
    r"<sup(?:\s[^>]*)?>\s*(?:"
    r"\[\[?(?P<md>[^\]\n]{1,8})\]?\]\(#(?P<mdid>[^)\s]+)\)"
    r"|<a\s[^>]*?href=[\"']#(?P<aid>[^\"']+)[\"'][^>]*>\s*\[?(?P<a>[^<\]\n]{1,8})\]?\s*</a>"
    r"|\[?(?P<bare>\d{1,3}|\*{1,3})\]?"
    r")\s*</sup>",
    re.I,
)
_TAGS = re.compile(r"</?[A-Za-z][^<>]*>")
_COMPONENT_TAGS = re.compile(r"</?[A-Z][\w.]*(?:\s[^<>]*)?/?>")  # JSX: capitalised names


def _wikilink(match: re.Match[str]) -> str:
    target, alias = match.group(1), match.group(2)
    if alias and alias.strip():
        return alias.strip()
    page, _, heading = target.partition("#")
    page = page.rsplit("/", 1)[-1].removesuffix(".md").strip()
    heading = heading.lstrip("^").strip() if not heading.startswith("^") else ""
    return page or heading


def _html_footnotes(text: str) -> str:
    """`<sup>[1](#foot1)</sup>` refs and their `<a name="foot1">` notes -> Markdown footnotes."""
    targets: dict[str, str] = {}  # the anchor each reference points at -> its footnote label

    def reference(match: re.Match[str]) -> str:
        target = match.group("mdid") or match.group("aid")
        if not target:
            return ""  # a bare <sup>1</sup>: a marker with nothing to point at
        label = targets.setdefault(target, re.sub(r"[^\w-]", "", target) or f"n{len(targets)}")
        return f"[^{label}]"

    text = _SUP_REF.sub(reference, text)
    notes: list[str] = []
    for target, label in targets.items():
        anchor = re.compile(
            r"^(?!.*<sup)[^\n]*<(?:a|span|li|p|div)\s[^>\n]*?(?:name|id)=[\"']"
            rf"{re.escape(target)}[\"'][^\n]*$",
            re.M,
        )
        found = anchor.search(text)
        note = _note_text(found.group(0)) if found else ""
        if found:
            text = text[: found.start()] + text[found.end() :]
        # a reference whose note is missing says nothing, like any footnote marker
        notes.append(f"[^{label}]: {note}" if note else "")
        if not note:
            text = text.replace(f"[^{label}]", "")
    notes = [n for n in notes if n]
    if not notes:
        return text
    # the heading over the notes that moved is left with nothing under it
    text = re.sub(
        r"(?:^|\n)#{1,6}[ \t]+(?:Foot ?notes|Notes|References)[ \t]*#*\s*$", "\n", text, flags=re.I
    )
    return text.rstrip() + "\n\n" + "\n".join(notes) + "\n"


def _note_text(line: str) -> str:
    """A note's own words: no list marker, number, anchors, or link back to the text."""
    note = re.sub(r"\[[^\]]*\]\(#[^)]*\)", "", line)  # [↩](#ref1): the way back
    note = _TAGS.sub("", note)
    note = re.sub(r"^\s*(?:[*+-]|\d+[.)])\s+", "", note)
    note = re.sub(r"^\s*\[?\d{1,3}\]?\s*[.:)]?\s+", "", note)
    return note.replace("↩", "").replace("︎", "").strip()


# -- maths ---------------------------------------------------------------------------------------

_DISPLAY = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|\\\[(.+?)\\\]", re.S)
_INLINE = re.compile(r"\\\((.+?)\\\)|(?<![\\$\w])\$(?=[^\s$\d])([^$\n]+?)(?<=[^\s\\$])\$(?![\w$])")
FORMULA_SHOWN = "A formula is shown here."
FORMULA_INLINE = "a formula"


def _maths(text: str, read_display: bool) -> str:
    def display(match: re.Match[str]) -> str:
        tex = match.group(1) or match.group(2) or ""
        before = match.string[: match.start()].rsplit("\n", 1)[-1]
        after = match.string[match.end() :].split("\n", 1)[0]
        whole_line = not before.strip() and not after.strip()  # a paragraph of its own
        said = speak(tex) if read_display or not whole_line else None
        if not whole_line:
            return said or FORMULA_INLINE
        return f"\n\n{said[0].upper() + said[1:]}.\n\n" if said else f"\n\n{FORMULA_SHOWN}\n\n"

    def inline(match: re.Match[str]) -> str:
        return speak(match.group(1) or match.group(2) or "") or FORMULA_INLINE

    return _INLINE.sub(inline, _DISPLAY.sub(display, text))


# -- the whole body ------------------------------------------------------------------------------


def to_markdown(
    body: str, meta: Mapping[str, Any] | None = None, *, mdx: bool = False, read_maths: bool = False
) -> str:
    """A post's body -> Markdown with no site-generator syntax left in what is read."""
    meta = meta or {}
    # footnotes first, over the whole text: a reference and its note may be far apart
    text = _html_footnotes(_code_blocks(body))
    return "\n".join(
        chunk if code else _prose(chunk, meta, mdx, read_maths)
        for code, chunk in _split_fences(text)
    )


def _prose(text: str, meta: Mapping[str, Any], mdx: bool, read_maths: bool) -> str:
    text = _HTML_COMMENT.sub("", text)
    text = _NUNJUCKS_COMMENT.sub("", text)
    text = _SHORTCODE.sub(lambda m: _shortcode(m, meta), text)
    text = _LIQUID_TAG.sub(_liquid_tag, text)
    text = _LIQUID_OUT.sub(lambda m: _liquid_output(m, meta), text)
    text = _KRAMDOWN_TOC.sub("", text)
    text = _KRAMDOWN.sub("", text)
    text = _IAL.sub("", text)
    text = _HEADING_ATTRS.sub("", text)
    # MDX's imports and {expressions} only in .mdx; a component tag is never words anywhere
    text = _mdx(text, meta) if mdx else _jsx_tags(text)
    text = _OBSIDIAN_COMMENT.sub("", text)
    text = _EMBED.sub("", text)
    text = _WIKILINK.sub(_wikilink, text)
    text = _CALLOUT.sub(lambda m: f"{m.group(1)}{m.group(2)}\n{m.group(1).rstrip()}", text)
    text = _HIGHLIGHT_MARK.sub(r"\1", text)
    text = _DETAILS.sub("\n\n", text)
    text = _SUMMARY.sub(lambda m: f"\n\n{m.group(1).strip()}\n\n", text)
    text = _FIGCAPTION.sub(lambda m: f"\n\n{m.group(1).strip()}\n\n", text)
    text = _STANDFIRST.sub(lambda m: f"\n\n{m.group(1).strip()}\n\n", text)
    return _maths(text, read_maths)


def plain_inline(text: str, meta: Mapping[str, Any] | None = None) -> str:
    """A title or description with template syntax resolved or gone, on one line."""
    if not any(mark in text for mark in ("{", "[[", "<", "$", "\\(", "==", "%%")):
        return text
    cleaned = _prose(_code_blocks(text), meta or {}, mdx=True, read_maths=False)
    # only components (<Chart />) go: "<tricky>" or "<b>" in a title are the writer's own
    # characters, shown as written (the feed and the page escape them)
    cleaned = _LEFTOVER.sub("", _COMPONENT_TAGS.sub("", cleaned))
    return re.sub(r"\s+", " ", cleaned).strip()
