"""A post's HTML -> Markdown an essay can hold and a narrator can read: pure, no network.

What a listener should hear is kept: paragraphs, headings (they become
chapters), blockquotes, lists, tables, figure captions, and footnotes as
Markdown footnotes (read at the end, under "Notes") from the markup WordPress,
Ghost, Substack, Hugo and Jekyll write. What is not read goes before
conversion: scripts, iframes and embeds, forms and buttons, share and
subscribe boxes, "read more" links and the platforms' sign-off lines ("The
post ... appeared first on ...", Medium's "originally published in"). Links
and images are resolved against the post's own URL. BeautifulSoup prunes the
tree; markdownify writes the Markdown (see the commit that added it for why).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

# Elements that are never read: code runs, players and widgets, forms.
_DROP_TAGS = (
    "script", "style", "noscript", "iframe", "object", "embed", "video", "audio", "source",
    "track", "form", "button", "input", "select", "textarea", "svg", "canvas", "template",
    "nav", "dialog", "map", "link", "meta",
)  # fmt: skip
# Class and id words (split at - and _) of boxes that are not the post: sharing, sign-up,
# related posts, embeds, ads. Matched whole, so "related" never catches "unrelated".
_BOILERPLATE_WORDS = frozenset({
    "share", "shares", "sharing", "sharedaddy", "social", "subscribe", "subscription",
    "subscribers", "newsletter", "signup", "sign-up", "related", "relatedposts",
    "jp-relatedposts", "buttons", "button", "readmore", "more-link", "read-more", "cta",
    "embed", "embedded", "bookmark", "tweet", "twitter", "instagram", "tiktok", "advert",
    "advertisement", "ads", "sponsor", "sponsored", "promo", "comments", "comment-respond",
    "paywall", "jetpack", "likes", "wpl-likebox", "post-meta", "byline", "author-box",
    "hovercard",
})  # fmt: skip
# Whole lines the platforms add to every post, read as plain text.
_BOILERPLATE_LINES = [
    re.compile(p, re.I)
    for p in (
        r"^the post .{1,300} appeared first on .{1,200}$",
        r"was originally published in .{1,200} on medium, where people are continuing",
        r"^(continue reading|read more|read the rest|keep reading|read the full (post|story|article))\b.{0,120}$",  # noqa: E501
        r"^(share this|like this|related|share|subscribe now|subscribe|leave a comment|loading\W*)\s*:?$",  # noqa: E501
        r"^thanks for reading .{1,120}subscribe",
        r"^\[?(…|\.\.\.|&hellip;)\]?$",
        r"^(photo|image|illustration|cover image) (by|via|credit)\b.{0,80}\bunsplash\b",
    )
]
_READ_MORE = re.compile(
    r"^\s*(continue reading|read more|read the rest|keep reading|more)\b.*$|^\s*(»|→|…)\s*$", re.I
)
_TRAILING_ELLIPSIS = re.compile(r"\s*\[(?:…|\.\.\.|&hellip;)\]\s*$")
_FOOTNOTE_CONTAINER = re.compile(r"footnote|endnote|fn-|wp-block-footnotes", re.I)
_BACKLINK = re.compile(r"backref|reversefootnote|footnote-number|doc-backlink", re.I)
_FILE_NAME = re.compile(
    r"^[\w ,.()-]*\.(?:jpe?g|png|gif|webp|avif|svg)$|^(?:img|dsc|image)[_ -]?\d+", re.I
)
_LINE_START_NUMBER = re.compile(r"^(\s*)([0-9]{1,9})([.)])(?=\s|$)")
_LINE_START_MARK = re.compile(r"^(\s*)(#{1,6}|[-+>])(?=\s|$)")
_PLACEHOLDER = "ESSAYCASTNOTE{}X"  # letters only: survives markdownify's escaping untouched


def html_to_markdown(fragment: str, base_url: str, title: str = "") -> str:
    """A post's HTML as Markdown: what is read, with footnotes at the end as `[^n]: ...`.

    >>> html_to_markdown('<h2>Why</h2><p>See <a href="/x">this</a>.</p><script>x()</script>',
    ...                  "https://example.org/post/")
    '## Why\\n\\nSee [this](https://example.org/x).\\n'
    """
    soup = _soup(fragment)
    _prune(soup)
    notes = _take_footnotes(soup)
    _figures_and_images(soup, base_url)
    _links(soup, base_url)
    _drop_title_heading(soup, title)
    _drop_boilerplate_blocks(soup)
    body = _convert(soup)
    for number in range(len(notes), 0, -1):  # 10 before 1: no placeholder is a prefix of one
        body = body.replace(_PLACEHOLDER.format(number), f"[^{number}]")
    lines = [f"[^{n}]: {text}" for n, text in enumerate(notes, 1) if text]
    return body + ("\n" + "\n\n".join(lines) + "\n" if lines else "")


def html_to_text(fragment: str, base_url: str = "") -> str:
    """A summary's HTML as one line of plain text, without "read more" and sign-offs.

    >>> html_to_text('<p>Rain &amp; memory [&hellip;]</p>'
    ...              '<p>The post <a href="#">X</a> appeared first on Y.</p>')
    'Rain & memory'
    """
    from ..text.markup import blocks

    markdown = html_to_markdown(fragment, base_url or "http://localhost/")
    texts = [b.text for b in blocks(markdown, "markdown") if b.kind == "paragraph"]
    return _TRAILING_ELLIPSIS.sub("", " ".join(texts)).strip()


def word_count(fragment: str) -> int:
    """Words in the readable text of some HTML (tags, scripts and styles not counted)."""
    soup = _soup(fragment)
    for element in soup.find_all(("script", "style", "noscript")):
        element.decompose()
    return len(soup.get_text(" ").split())


# -- pruning -------------------------------------------------------------------------------------


def _soup(fragment: str) -> BeautifulSoup:
    from bs4 import BeautifulSoup

    return BeautifulSoup(fragment, "html.parser")


def _prune(soup: BeautifulSoup) -> None:
    from bs4 import Comment

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()  # <!-- wp:paragraph --> and friends
    for element in soup.find_all(_DROP_TAGS):
        element.decompose()
    for element in soup.find_all(_is_boilerplate_box):
        element.decompose()
    for element in soup.find_all(True, attrs={"aria-hidden": "true"}):
        if not element.find("img"):
            element.decompose()  # icons and duplicate text screen readers skip too


def _words(element: Tag) -> set[str]:
    """The class and id of an element as words: 'wp-block-buttons' -> {wp, block, buttons, ...}."""
    names = [*(element.get("class") or []), str(element.get("id") or "")]
    words: set[str] = set()
    for name in names:
        name = name.lower()
        words.add(name)
        parts = re.split(r"[-_\s]+", name)
        words.update(parts)
        words.update("-".join(parts[i : i + 2]) for i in range(len(parts) - 1))
    return words


def _is_boilerplate_box(element: Tag) -> bool:
    if element.name in ("html", "body", "article", "main"):
        return False  # a word on the page's own wrapper must not drop the whole post
    words = _words(element)
    if not words & _BOILERPLATE_WORDS:
        return False
    if _FOOTNOTE_CONTAINER.search(" ".join(words)):
        return False  # footnote markup ("footnote-anchor", "hovercard") is read as Notes
    # a box that holds most of the post is a wrapper with an unlucky name, not a widget
    return len(element.get_text(" ").split()) < 250


# -- footnotes -----------------------------------------------------------------------------------


def _take_footnotes(soup: BeautifulSoup) -> list[str]:
    """Replace each footnote reference by a placeholder; return the notes' texts in order."""
    definitions: dict[str, Tag] = {}
    for element in soup.find_all(id=True):
        if _is_footnote_definition(element):
            definitions[str(element["id"])] = element
    # Substack: <div class="footnote"><a id="footnote-1" class="footnote-number">1</a>...
    for box in soup.find_all("div", class_="footnote"):
        anchor = box.find("a", id=True)
        if anchor is not None:
            definitions[str(anchor["id"])] = box
    numbers: dict[str, int] = {}
    for anchor in soup.find_all("a", href=True):
        target = str(anchor["href"]).rpartition("#")[2] if "#" in str(anchor["href"]) else ""
        if target not in definitions or _inside(anchor, definitions.values()):
            continue
        number = numbers.setdefault(target, len(numbers) + 1)
        marker: Tag = anchor.parent if anchor.parent and anchor.parent.name == "sup" else anchor
        if marker.name == "sup" and marker.get_text(strip=True) != anchor.get_text(strip=True):
            marker = anchor
        marker.replace_with(_PLACEHOLDER.format(number))
    notes: list[str] = []
    for target, _number in sorted(numbers.items(), key=lambda item: item[1]):
        notes.append(_note_text(definitions[target]))
    # the notes' list (and the rule above it) leaves the body: it is read from `notes`
    for definition in definitions.values():
        if definition.decomposed:
            continue  # it went with the container of an earlier one
        container = _footnote_container(definition)
        if container is not None and container.parent is not None:
            container.decompose()
        elif definition.parent is not None:
            definition.decompose()
    return notes


def _is_footnote_definition(element: Tag) -> bool:
    if element.get("role") in ("doc-endnote", "doc-footnote"):
        return True
    if element.name != "li":
        return False
    return _footnote_container(element) is not None


def _footnote_container(element: Tag) -> Tag | None:
    """The <section>/<div>/<ol> that holds the footnotes, by its class, id or role."""
    if "footnote" in (element.get("class") or []):
        return element if element.name == "div" else None
    for parent in element.parents:
        if parent.name in ("body", "[document]", "article"):
            return None
        marks = " ".join([*(parent.get("class") or []), str(parent.get("id") or "")])
        if parent.get("role") == "doc-endnotes" or _FOOTNOTE_CONTAINER.search(marks):
            return parent
    return None


def _inside(element: Tag, containers) -> bool:
    return any(parent in containers for parent in element.parents)


def _note_text(definition: Tag) -> str:
    """A footnote's words as one line of Markdown, without its back-link or number."""
    from copy import copy

    note = copy(definition)
    note.name = "div"  # an <li>'s words, not a one-item list
    for anchor in note.find_all("a"):
        marks = " ".join([*(anchor.get("class") or []), str(anchor.get("role") or "")])
        if _BACKLINK.search(marks) or str(anchor.get("href", "")).startswith("#"):
            anchor.decompose()
    text = _convert(note)
    text = re.sub(r"\s*\n+\s*", " ", text).strip()
    return re.sub(r"\s*[↩⤴︎\ufe0e]+\s*$", "", text).strip()


# -- figures, images, links ------------------------------------------------------------------------


def _figures_and_images(soup: BeautifulSoup, base_url: str) -> None:
    for figure in soup.find_all("figure"):
        if figure.parent is None:
            continue
        if "pullquote" in " ".join(figure.get("class") or []):
            figure.decompose()  # a pull quote repeats a line of the post for the eye
            continue
        caption = figure.find("figcaption")
        if figure.find("img") is None:
            if caption is not None:
                caption.name = "p"
            figure.unwrap()
            continue
        images = figure.find_all("img")
        keep = [soup.new_tag("img", attrs={"src": "", "alt": ""}) for _ in images]
        for img in keep:
            _fix_image_source(img, images[keep.index(img)])
        replacement = soup.new_tag("div")
        for img in keep:
            paragraph = soup.new_tag("p")
            paragraph.append(img)  # the caption is what is read: the picture stays silent
            replacement.append(paragraph)
        if caption is not None and caption.get_text(strip=True):
            caption.name = "p"
            replacement.append(caption.extract())
        figure.replace_with(replacement)
    for img in soup.find_all("img"):
        _fix_image_source(img, img)
        src = str(img.get("src", ""))
        if not src or src.startswith("data:") or _is_pixel(img):
            img.decompose()
            continue
        img["src"] = urljoin(base_url, src)
        alt = " ".join(str(img.get("alt", "")).split())
        # alt text is read where the picture stands: only when it describes something
        img["alt"] = alt if len(alt.split()) >= 3 and not _FILE_NAME.match(alt) else ""


def _fix_image_source(target: Tag, source: Tag) -> None:
    """Lazy-loading themes keep the real address in data-src; srcset's first is a fallback."""
    src = str(source.get("src") or "")
    if not src or src.startswith("data:"):
        src = str(source.get("data-src") or source.get("data-lazy-src") or "")
    if not src and source.get("srcset"):
        src = str(source["srcset"]).split(",")[0].split()[0]
    target["src"] = src


def _is_pixel(img: Tag) -> bool:
    return str(img.get("width", "")) in ("0", "1") or str(img.get("height", "")) in ("0", "1")


def _links(soup: BeautifulSoup, base_url: str) -> None:
    for anchor in soup.find_all("a"):
        href = str(anchor.get("href") or "").strip()
        text = anchor.get_text(" ", strip=True)
        if _READ_MORE.match(text) and len(text) < 80:
            anchor.decompose()  # "Continue reading →", "Read more"
            continue
        absolute = urljoin(base_url, href) if href else ""
        if (
            not href
            or href.startswith("#")
            or urlsplit(absolute).scheme not in ("http", "https", "mailto")
        ):
            anchor.unwrap()  # an in-page jump or a script link: keep the words only
            continue
        anchor.attrs = {"href": absolute}


def _drop_title_heading(soup: BeautifulSoup, title: str) -> None:
    """A body that repeats the post's title as its first heading: the intro says it already."""
    first = soup.find(re.compile(r"^h[1-6]$"))
    if first is not None and title and _squash(first.get_text(" ")) == _squash(title):
        first.decompose()


def _drop_boilerplate_blocks(soup: BeautifulSoup) -> None:
    for element in soup.find_all(("p", "div", "li", "h2", "h3", "h4", "h5", "h6")):
        if element.parent is None:
            continue
        text = _squash(element.get_text(" "))
        if len(text) < 400 and any(p.search(text) for p in _BOILERPLATE_LINES):
            element.decompose()
    # an excerpt's trailing "[…]" (WordPress) is not part of the sentence
    for string in soup.find_all(string=_TRAILING_ELLIPSIS):
        string.replace_with(_TRAILING_ELLIPSIS.sub("", str(string)))
    # a horizontal rule left last, once the sign-off after it is gone, marks nothing
    for rule in soup.find_all("hr"):
        following = rule.find_next(string=lambda s: s.strip())
        if following is None:
            rule.decompose()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# -- conversion ----------------------------------------------------------------------------------


def _convert(soup) -> str:
    converter = _converter()
    text = converter.convert_soup(soup)
    text = text.replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n" if text else ""


_converter_class = None


def _converter():
    global _converter_class
    if _converter_class is None:
        from markdownify import MarkdownConverter

        class SpokenMarkdown(MarkdownConverter):
            """markdownify, escaping only what would change how the text is read."""

            def escape(self, text, parent_tags):
                if not text:
                    return ""
                # backslashes first, so the escapes added below are not doubled
                text = re.sub(r"([\\`\[\]])", r"\\\1", text)
                text = re.sub(r"<(?=[A-Za-z/!?])", r"\\<", text)  # "<tricky>" is no tag
                text = re.sub(r"&(?=#?\w+;)", r"\\&", text)  # "&amp;" written as text
                # a text that starts a line as "1984. ", "# ", "- " or "> " is no list,
                # heading or quote (markdownify's escape_misc would also escape every
                # "&", "+" and "=" in the prose)
                text = _LINE_START_NUMBER.sub(r"\1\2\\\3", text)
                text = _LINE_START_MARK.sub(r"\1\\\2", text)
                return super().escape(text, parent_tags)  # * and _

        _converter_class = SpokenMarkdown
    return _converter_class(
        heading_style="ATX",
        bullets="-",
        newline_style="BACKSLASH",
        strip=["span", "font", "u"],
    )
