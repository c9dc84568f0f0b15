"""Posts -> essay files in the show's essays folder: once each, never over a hand's edit.

`import_posts` fetches the feed (or the page), reads every post it will write
(fetching the page of a post the feed gives only a summary of), and only then
writes: a feed that fails leaves every file as it was. A post is known by its
`source_id` (the feed's guid) or its `canonical` link, both kept in the essay's
front matter, so a second import writes nothing new and a moved file is still
recognised. Each written file carries, in a front-matter comment, the sha256 of
what was written: a file whose text no longer matches was edited by hand, and
`--update` leaves it alone and says so.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..fsutil import write_atomic
from ..model import ImportEvent, ImportProgress
from ..text.essays import discover_essays, slugify
from .extract import extract_article
from .feeds import FeedItem, looks_like_html, parse_feed, plain
from .fetch import Fetched, FetchError, fetch
from .html import html_to_markdown, html_to_text, word_count

HASH_LINE = re.compile(r"^# essaycast import sha256:([0-9a-f]{64})[^\n]*\n", re.M)
DESCRIPTION_CHARS = 600  # the feed cuts to its own limit; this keeps front matter readable
SHORT_CONTENT_WORDS = 150  # feed content this short that ends in "…" or "read more" is a teaser
_TEASER_END = re.compile(r"(…|\.\.\.|\[…\]|\[&hellip;\]|&hellip;)\s*(</\w+>\s*)*$")
_READ_MORE_LINK = re.compile(
    r"<a[^>]*(more-link|read-more|readmore)[^>]*>|>\s*(continue reading|read more)", re.I
)

Fetcher = Callable[[str], Fetched]
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                 "application/octet-stream")  # fmt: skip


@dataclass(frozen=True)
class ItemResult:
    """What happened to one post."""

    title: str
    action: str  # new | updated | unchanged | changed | edited | failed (dry run: would-*)
    path: str | None  # the essay file, relative to the show
    how: str  # where the text came from: "feed content", "page (trafilatura)", ...
    note: str = ""  # why it failed, or what to do

    def line(self) -> str:
        """One line for the report: action, file, where the text came from."""
        where = self.path or self.title
        tail = f"  ({self.how})" if self.how else ""
        return f"{self.action:14} {where}{tail}" + (f": {self.note}" if self.note else "")


@dataclass
class ImportReport:
    """What an import did or, with --dry-run, would do."""

    source: str
    kind: str  # the feed's format ("rss20", "atom10", "json feed 1.1") or "page, ..."
    results: list[ItemResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(r.action == "failed" for r in self.results)

    def count(self, *actions: str) -> int:
        return sum(r.action in actions for r in self.results)

    def summary(self) -> str:
        written = self.count("new", "updated", "would-write", "would-update")
        verb = "Would import" if self.dry_run else "Imported"
        noun = "post" if written == 1 else "posts"
        parts = [f"{self.count('unchanged')} already imported"]
        for action, label in (
            ("changed", "changed at the source"),
            ("edited", "edited here"),
            ("failed", "failed"),
        ):
            if self.count(action):
                parts.append(f"{self.count(action)} {label}")
        return f"{verb} {written} {noun} from {self.source} ({', '.join(parts)})"


@dataclass(frozen=True)
class _Existing:
    """An essay file already in the folder that came from a post."""

    path: Path
    source_id: str | None
    canonical: str | None
    text: str
    edited: bool  # its text no longer matches the hash written with it (or it has none)


def import_posts(
    essays_dir: Path,
    url: str,
    *,
    show_root: Path | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    update: bool = False,
    dry_run: bool = False,
    fetcher: Fetcher = fetch,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import the posts of the feed or page at `url` into `essays_dir`; FetchError if
    the feed itself cannot be read (then nothing is written). `progress` hears of
    each post as it is read, with its line for the report."""
    root = show_root or essays_dir.parent
    fetched = fetcher(url)
    if fetched.media_type.startswith(_BINARY_TYPES):
        raise FetchError(
            fetched.url,
            f"is not a feed but a {fetched.media_type} file; give the blog's RSS, Atom or "
            "JSON Feed address (often /feed, /rss.xml, /atom.xml or /feed.json) or a post's page",
        )
    text = fetched.text()
    items, kind, notes = _read_source(fetched, text, url)
    if since is not None:
        items = [i for i in items if i.published is None or i.published >= since]
    if limit is not None:
        items = items[:limit]
    existing = _existing_posts(essays_dir)
    by_id = {e.source_id: e for e in existing if e.source_id}
    by_link = {e.canonical: e for e in existing if e.canonical}
    taken = {p.stem for p in essays_dir.glob("*")} if essays_dir.is_dir() else set()

    report = ImportReport(source=url, kind=kind, notes=notes, dry_run=dry_run)
    tell = progress or (lambda event: None)
    tell(ImportEvent("start", total=len(items)))

    def record(result: ItemResult) -> None:
        report.results.append(result)
        tell(ImportEvent("post", len(report.results), len(items), result.action, result.line()))

    writes: list[tuple[Path, str]] = []
    for item in items:
        match = by_id.get(item.source_id) or (by_link.get(item.link) if item.link else None)
        shown = _relative(match.path, root) if match else None
        if match is not None and not update:
            record(ItemResult(item.title, "unchanged", shown, ""))
            continue
        try:
            body, how, item = _body(
                item, fetcher, from_page=kind if kind.startswith("page") else ""
            )
        except (FetchError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            record(ItemResult(item.title or item.link or "?", "failed", shown, "", reason))
            continue
        if not item.title:  # a micro-post: its first words name it, and its file
            item = replace(item, title=_title_from_body(body) or _link_tail(item.link))
        if match is not None:
            if match.edited:
                note = "edited since it was imported; left as it is (remove it to import again)"
                record(ItemResult(item.title, "edited", shown, how, note))
                continue
            slug = match.path.stem
            new_text = render_essay(item, body, slug)
            if _without_hash(new_text) == _without_hash(match.text):
                record(ItemResult(item.title, "unchanged", shown, how))
                continue
            writes.append((match.path, new_text))
            action = "would-update" if dry_run else "updated"
            record(ItemResult(item.title, action, shown, how))
            continue
        slug = _free_slug(item, taken)
        taken.add(slug)
        path = essays_dir / f"{slug}.md"
        _confined(path, essays_dir)
        writes.append((path, render_essay(item, body, slug)))
        # the same post twice in one feed (a reposted guid) is written once
        by_id[item.source_id] = _Existing(path, item.source_id, item.link, "", False)
        if item.link:
            by_link[item.link] = by_id[item.source_id]
        action = "would-write" if dry_run else "new"
        record(ItemResult(item.title, action, _relative(path, root), how))
    if not dry_run:
        # every post was read before the first file is written (read everything, then write)
        essays_dir.mkdir(parents=True, exist_ok=True)
        for path, file_text in writes:
            write_atomic(path, file_text.encode("utf-8"))
    return report


# -- reading the source ----------------------------------------------------------------------------


def _read_source(fetched: Fetched, text: str, url: str) -> tuple[list[FeedItem], str, list[str]]:
    """The posts at `url`: a feed's items, or a page's one article."""
    notes: list[str] = []
    try:
        if looks_like_html(text, fetched.media_type):
            article = extract_article(text, fetched.url)
            link = article.canonical or fetched.url
            item = FeedItem(
                source_id=link,
                link=link,
                title=article.title,
                published=article.published,
                author=article.author,
                summary_html="",
                content_html=article.body_html,
                image=article.image,
                base_url=fetched.url,
            )
            if article.feed_url and article.feed_url not in (url, fetched.url):
                notes.append(
                    f"This site has a feed: `essaycast import {article.feed_url}` "
                    "imports every post (and --limit N the newest N)."
                )
            if article.description:
                item = replace(item, summary_html=f"<p>{html.escape(article.description)}</p>")
            return [item], f"page, {article.method}", notes
        feed = parse_feed(text, fetched.url, fetched.media_type)
    except ValueError as exc:
        raise FetchError(fetched.url, str(exc)) from None
    if not feed.items:
        notes.append(f"{fetched.url}: the feed lists no posts yet")
    return list(feed.items), feed.kind, notes


def is_teaser(item: FeedItem) -> bool:
    """Whether the feed carries only a summary of this post, so its page must be read."""
    content = item.content_html.strip()
    if not content:
        return True
    short = word_count(content) < SHORT_CONTENT_WORDS
    return short and bool(_TEASER_END.search(content) or _READ_MORE_LINK.search(content))


def _body(item: FeedItem, fetcher: Fetcher, *, from_page: str) -> tuple[str, str, FeedItem]:
    """The post's Markdown and where it came from; the item completed from its page.

    `from_page` says how the article was found when `import` was given a page."""
    if from_page:
        return html_to_markdown(item.content_html, item.base_url, item.title), from_page, item
    if not is_teaser(item):
        return html_to_markdown(item.content_html, item.base_url, item.title), "feed content", item
    if not item.link:
        raise ValueError("the feed gives only a summary and no link to the post; nothing to read")
    try:
        page = fetcher(item.link)
    except FetchError as exc:
        raise ValueError(f"the feed gives only a summary, and its page failed: {exc}") from None
    try:
        article = extract_article(page.text(), page.url)
    except FetchError as exc:
        raise ValueError(f"the feed gives only a summary, and its page failed: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"the feed gives only a summary, and its page {page.url} {exc}") from None
    summary = item.summary_html or (
        f"<p>{html.escape(article.description)}</p>" if article.description else ""
    )
    completed = replace(
        item,
        title=item.title or article.title,
        published=item.published or article.published,
        author=item.author or article.author,
        image=item.image or article.image,
        summary_html=summary,
        base_url=page.url,
    )
    markdown = html_to_markdown(article.body_html, page.url, completed.title)
    return markdown, f"page, {article.method}", completed


# -- writing ---------------------------------------------------------------------------------------


def render_essay(item: FeedItem, body: str, slug: str) -> str:
    """The essay file for a post: front matter, a hash comment, then the Markdown body."""
    title = item.title or _title_from_body(body) or slug.replace("-", " ").capitalize()
    description = _cut(html_to_text(item.summary_html, item.base_url)) if item.summary_html else ""
    fields = {
        "title": title,
        "date": item.published.isoformat() if item.published else None,
        "author": item.author,
        "description": description or None,
        "canonical": item.link,
        "source_id": item.source_id,
        "image": item.image,
        "slug": slug,
    }
    lines = ["---"]
    for key, value in fields.items():
        if value:
            # JSON strings are YAML double-quoted scalars: any text is safe here
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines += ["---", "", body.strip(), ""]
    text = "\n".join(lines)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    marker = (
        f"# essaycast import sha256:{digest} (what was imported; once you edit this file, "
        "import --update leaves it alone)\n"
    )
    closing = text.index("\n---\n") + 1
    return text[:closing] + marker + text[closing:]


def _without_hash(text: str) -> str:
    return HASH_LINE.sub("", text, count=1)


def _recorded_hash(text: str) -> str | None:
    found = HASH_LINE.search(text)
    return found.group(1) if found else None


def _existing_posts(essays_dir: Path) -> list[_Existing]:
    """The folder's essays that name a source_id or canonical link in their front matter."""
    import yaml

    found = []
    for path in discover_essays(essays_dir):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # not ours to judge: the build reports unreadable essays
        head = re.match(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*\n", text, re.S)
        if not head:
            continue
        try:
            meta = yaml.safe_load(head.group(1))
        except yaml.YAMLError:
            continue
        if not isinstance(meta, dict):
            continue
        source_id, canonical = meta.get("source_id"), meta.get("canonical")
        if not source_id and not canonical:
            continue
        recorded = _recorded_hash(text)
        actual = hashlib.sha256(_without_hash(text).encode("utf-8")).hexdigest()
        found.append(
            _Existing(
                path=path,
                source_id=str(source_id) if source_id else None,
                canonical=str(canonical) if canonical else None,
                text=text,
                edited=recorded != actual,
            )
        )
    return found


def _free_slug(item: FeedItem, taken: set[str]) -> str:
    """A file name from the post's title not yet used in the folder: on-rain, on-rain-2..."""
    base = slugify(item.title) or slugify(_link_tail(item.link)) or "post"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _link_tail(link: str | None) -> str:
    return (link or "").rstrip("/").rsplit("/", 1)[-1]


def _confined(path: Path, essays_dir: Path) -> None:
    """A slug is [a-z0-9-] only; this makes sure no file lands outside the essays folder."""
    if path.resolve().parent != essays_dir.resolve():
        raise ValueError(f"{path} would be written outside {essays_dir}")


def _title_from_body(body: str) -> str:
    """A post without a title (a micro-post): its first words."""
    words = plain(re.sub(r"[#>*_`\[\]()!]", " ", body.split("\n\n", 1)[0])).split()
    if not words:
        return ""
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def _cut(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-–—") + "…"


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
