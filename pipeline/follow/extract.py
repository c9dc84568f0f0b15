"""A post's web page -> its article: the words, title, author, date; pure, no network.

Used when a feed item carries only a summary, and when `import` is given a page.
The body is the platform's own content container when the page has one that is
known (WordPress `.entry-content`, Ghost `.gh-content`, Substack `.body.markup`,
microformats `.e-content`, schema.org `articleBody`...): that keeps footnotes and
captions, which a general extractor drops. Any other page goes through
trafilatura, the field's main-content extractor. Title, author, date,
description and image come from trafilatura's metadata reader (Open Graph,
schema.org, meta tags), with the page's own `article:published_time` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urljoin

# Content containers of the platforms, most specific first (CSS selectors).
CONTENT_SELECTORS = (
    '[itemprop="articleBody"]',
    ".available-content .body.markup",  # Substack
    ".gh-content",  # Ghost
    ".entry-content",  # WordPress
    ".post-content",  # Jekyll (minima), many Ghost and Hugo themes
    ".e-content",  # microformats: Micro.blog, IndieWeb themes
    ".post-body",
    ".article-content",
)
MIN_WORDS = 40  # a container with fewer words is a teaser or a widget, not the post
_FEED_LINK_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


@dataclass(frozen=True)
class Article:
    """A page's post: its HTML body and what the page says about it."""

    body_html: str
    method: str  # how the body was found: "the page's content container" | "trafilatura"
    title: str
    author: str | None
    published: datetime | None
    description: str
    image: str | None
    canonical: str | None  # the page's rel=canonical, absolute
    feed_url: str | None  # a feed the page advertises (rel=alternate), absolute


def extract_article(page: str, url: str) -> Article:
    """The article in a web page; ValueError when there is none to read."""
    import trafilatura
    from bs4 import BeautifulSoup

    from .html import word_count

    soup = BeautifulSoup(page, "html.parser")
    body_html, method = "", ""
    for selector in CONTENT_SELECTORS:
        found = soup.select_one(selector)
        if found is not None and word_count(str(found)) >= MIN_WORDS:
            body_html, method = found.decode_contents(), "the page's content container"
            break
    if not body_html:
        extracted = trafilatura.extract(
            page,
            url=url,
            output_format="html",
            include_comments=False,
            include_tables=True,
            include_images=True,
            include_links=True,
            include_formatting=True,
            favor_precision=True,
        )
        if extracted and word_count(extracted) >= MIN_WORDS // 2:
            body_html, method = extracted, "trafilatura"
    if not body_html:
        raise ValueError(
            "has no article to read (no post text found on the page); give the post's own "
            "page, or the blog's feed"
        )
    meta = trafilatura.extract_metadata(page, default_url=url)
    title = (meta.title if meta else None) or _text(soup.title) or url
    return Article(
        body_html=body_html,
        method=method,
        title=" ".join(title.split()),
        author=(meta.author if meta else None) or None,
        published=_published(soup, meta.date if meta else None),
        description=" ".join(((meta.description if meta else None) or "").split()),
        image=urljoin(url, meta.image) if meta and meta.image else None,
        canonical=_link(soup, url, lambda rel, _type: "canonical" in rel),
        feed_url=_link(
            soup, url, lambda rel, kind: "alternate" in rel and kind in _FEED_LINK_TYPES
        ),
    )


def _text(element) -> str:
    return element.get_text(" ", strip=True) if element is not None else ""


def _published(soup, fallback: str | None) -> datetime | None:
    """article:published_time (with its hour and zone), else trafilatura's date (a day)."""
    tag = soup.find("meta", attrs={"property": "article:published_time"}) or soup.find(
        "meta", attrs={"itemprop": "datePublished"}
    )
    for value in (tag.get("content") if tag else None, fallback):
        if not value:
            continue
        value = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return datetime.combine(date.fromisoformat(value), time(0), UTC)
            parsed = datetime.fromisoformat(value)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def _link(soup, url: str, wanted) -> str | None:
    for tag in soup.find_all("link", href=True):
        rel = [r.lower() for r in (tag.get("rel") or [])]
        kind = str(tag.get("type") or "").lower()
        if wanted(rel, kind):
            absolute = urljoin(url, str(tag["href"]))
            if absolute.startswith(("http://", "https://")):
                return absolute
    return None
