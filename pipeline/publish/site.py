"""output/index.html from the same Episode list as the feed.

One self-contained page: inline CSS and inline JS, no fonts, scripts or styles
from anywhere else. Every link is relative, so the page works from file:// and
from any base URL; only the feed URL it shows for subscribing is absolute.

The page listens along with the same read-along player a blog embeds
(output/player.js, from pipeline/data/; see publish/readalong.py): each episode
is an <essaycast-player> reading episodes/<slug>.json, the word being read
highlighted, a click on a word or a chapter seeks there. The markup inside the
element is the page without JS (every sentence with its time, every chapter),
and the player's source of sentences when the JSON cannot be fetched (file://).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from ..config import Show
from ..model import Episode
from .readalong import PLAYER_NAME, readalong_path
from .transcript import vtt_sentences

# (start in seconds, the sentence as written)
TranscriptLine = tuple[float, str]
# (start in seconds, the chapter's title)
ChapterLine = tuple[float, str]
# The page's dates are English in every locale (calendar.month_name follows the locale),
# and twelve words do not need the text normaliser and its num2words behind them.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_CSS = """
:root{color-scheme:light dark;--bg:#f7f5f0;--fg:#1d1c1a;--muted:#5f5a52;--card:#fff;
--line:#e3ded4;--accent:#9a5b00}
@media (prefers-color-scheme:dark){:root{--bg:#121316;--fg:#ecebe7;--muted:#a8a49c;
--card:#1b1d22;--line:#2c2f36;--accent:#f2b24a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:17px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:50rem;margin:0 auto;padding:1.25rem}
a{color:var(--accent)}
header.show{display:flex;gap:1.5rem;align-items:flex-start;margin:1rem 0 2rem}
header.show img{width:12rem;height:12rem;border-radius:.6rem;flex:none;
box-shadow:0 .4rem 1.2rem rgba(0,0,0,.25)}
header.show h1{margin:.2rem 0 .3rem;font-size:2.2rem;line-height:1.15}
.byline{margin:0;color:var(--muted)}
.subscribe{background:var(--card);border:1px solid var(--line);border-radius:.6rem;
padding:1rem;margin:0 0 2rem}
.subscribe h2{margin:0 0 .5rem;font-size:1.05rem}
.feedurl{display:flex;gap:.5rem;flex-wrap:wrap}
.feedurl input{flex:1 1 16rem;min-width:0;font:inherit;font-size:.95rem;padding:.45rem .6rem;
border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:var(--fg)}
button,.button{font:inherit;font-size:.95rem;padding:.45rem .9rem;border-radius:.4rem;
border:1px solid var(--accent);background:transparent;color:var(--accent);cursor:pointer;
text-decoration:none;display:inline-block}
.subscribe p{margin:.6rem 0 0;color:var(--muted);font-size:.92rem}
article{background:var(--card);border:1px solid var(--line);border-radius:.6rem;
padding:1rem 1.1rem;margin:0 0 1.25rem}
article h2{margin:0 0 .2rem;font-size:1.35rem;line-height:1.25}
.meta{margin:0 0 .6rem;color:var(--muted);font-size:.92rem}
audio{width:100%;margin:.6rem 0 .2rem}
.files{font-size:.9rem;color:var(--muted);margin:.2rem 0 .4rem}
details{margin-top:.4rem}
summary{cursor:pointer;color:var(--accent)}
.controls{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;font-size:.9rem;
color:var(--muted)}
.controls select{font:inherit;padding:.15rem .3rem;border-radius:.3rem;
border:1px solid var(--line);background:var(--bg);color:var(--fg)}
.chapters{list-style:none;padding:0;margin:.5rem 0}
.chapters li{margin:.1rem 0}
.chapters button{border:0;padding:.15rem .4rem;color:var(--fg);text-align:left;width:100%}
.chapters button.now{background:var(--line)}
.chapters time,.transcript time{color:var(--muted);font-size:.82rem;
font-variant-numeric:tabular-nums;margin-right:.5rem}
.lines{max-height:22rem;overflow-y:auto;padding-right:.3rem}
.transcript p{margin:.15rem 0;padding:.15rem .4rem;border-radius:.3rem}
.transcript .js p{cursor:pointer}
.transcript .js p:hover{background:var(--line)}
.transcript p.now{background:var(--accent);color:var(--bg)}
.transcript p.now time{color:inherit}
essaycast-player{display:block}
.essaycast{--essaycast-highlight-bg:var(--accent);--essaycast-highlight-fg:var(--bg);
--essaycast-accent:var(--accent);--essaycast-border:var(--line);padding:.5rem 0;border:0}
footer{color:var(--muted);font-size:.88rem;text-align:center;padding:1rem 0 2rem}
@media (max-width:40rem){header.show{flex-direction:column;align-items:center;
text-align:center}header.show img{width:70vw;height:70vw;max-width:18rem;max-height:18rem}
header.show h1{font-size:1.8rem}main{padding:.8rem}}
"""

# Progressive: without JS the copy button stays hidden and <details> still folds;
# listening along is player.js's (one player for this page and every embed).
_JS = """
(function(){
var b=document.getElementById('copy'),u=document.getElementById('feed-url');
if(b&&u){b.hidden=false;b.addEventListener('click',function(){
function done(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy';},1500);}
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(u.value).then(done);}
else{u.select();document.execCommand('copy');done();}});}
})();
"""


def render_site(
    show: Show,
    episodes: Sequence[Episode],
    cover: str | None = None,
    transcripts: Mapping[str, Sequence[TranscriptLine]] | None = None,
    chapters: Mapping[str, Sequence[ChapterLine]] | None = None,
) -> bytes:
    """index.html's bytes: show header, how to subscribe, every episode newest first."""
    settings = show.podcast
    lang = escape(settings.language)
    title = escape(settings.title)
    feed_url = settings.feed_url
    app_url = "podcast://" + feed_url.split("://", 1)[-1]
    newest_first = sorted(episodes, key=lambda e: (e.published, e.slug), reverse=True)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
    ]
    if settings.description:
        parts.append(f'<meta name="description" content="{escape(settings.description)}">')
    parts += [
        f'<link rel="alternate" type="application/rss+xml" title="{title}" href="feed.xml">',
        f"<style>{_CSS.strip()}</style>",
        "</head>",
        "<body>",
        "<main>",
        '<header class="show">',
    ]
    if cover:
        parts.append(f'<img src="{escape(cover)}" alt="Cover of {title}" width="192" height="192">')
    parts.append("<div>")
    parts.append(f'<h1 dir="auto">{title}</h1>')
    if settings.author:
        parts.append(f'<p class="byline" dir="auto">by {escape(settings.author)}</p>')
    if settings.description:
        parts.append(f'<p dir="auto">{escape(settings.description)}</p>')
    parts += [
        "</div>",
        "</header>",
        '<section class="subscribe" aria-labelledby="subscribe">',
        '<h2 id="subscribe">Subscribe</h2>',
        '<div class="feedurl">',
        f'<input id="feed-url" type="text" readonly value="{escape(feed_url)}" '
        'aria-label="Feed URL" onfocus="this.select()">',
        '<button id="copy" type="button" hidden>Copy</button>',
        f'<a class="button" href="{escape(app_url)}">Open in a podcast app</a>',
        "</div>",
        "<p>Paste the feed URL into your podcast app (Apple Podcasts: Library, "
        "Follow a Show by URL; AntennaPod and gPodder: Add podcast by URL).</p>",
        "</section>",
    ]
    lines_by_slug = transcripts or {}
    marks_by_slug = chapters or {}
    for episode in newest_first:
        parts += _episode_html(
            episode, lines_by_slug.get(episode.slug, ()), marks_by_slug.get(episode.slug, ())
        )
    if not newest_first:
        parts.append("<p>No episodes yet.</p>")
    parts += [
        "</main>",
        f'<footer><a href="feed.xml">RSS feed</a> · {len(newest_first)} '
        f"{'episode' if len(newest_first) == 1 else 'episodes'} · made with essaycast</footer>",
        f"<script>{_JS.strip()}</script>",
        f'<script src="{PLAYER_NAME}" defer></script>',
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts).encode("utf-8")


def _episode_html(
    episode: Episode, lines: Sequence[TranscriptLine], chapters: Sequence[ChapterLine] = ()
) -> list[str]:
    slug = escape(episode.slug)
    meta = [
        f'<time datetime="{episode.published.date().isoformat()}">'
        f"{format_date(episode.published)}</time>",
        f'<time datetime="PT{int(episode.duration)}S">{format_duration(episode.duration)}</time>',
    ]
    if episode.number:
        meta.insert(0, f"Episode {episode.number}")
    out = [
        f'<article id="{slug}">',
        f'<h2 dir="auto">{escape(episode.title)}</h2>',
        f'<p class="meta">{" · ".join(meta)}</p>',
    ]
    if episode.description:
        out.append(f'<p dir="auto">{escape(episode.description)}</p>')
    audio = escape(episode.audio)
    files = (
        f'<p class="files"><a href="{audio}" download>MP3, {format_size(episode.size)}</a>'
        + "".join(
            f' · <a href="{escape(path)}">{label}</a>' for label, path in _transcript_files(episode)
        )
        + "</p>"
    )
    # the player replaces what is inside it: the page as it reads without JS
    out += [
        f'<essaycast-player src="{escape(readalong_path(episode.slug))}" data-no-title>',
        f'<audio controls preload="metadata" src="{audio}"></audio>',
    ]
    if len(chapters) > 1:
        out.append("<details open>")
        out.append("<summary>Chapters</summary>")
        out.append('<ol class="chapters">')
        for start, title in chapters:
            out.append(
                f'<li><button type="button" data-start="{start:.3f}" dir="auto">'
                f"<time>{format_clock(start)}</time>{escape(title)}</button></li>"
            )
        out.append("</ol>")
        out.append("</details>")
    if lines:
        out.append('<details class="transcript" open>')
        out.append("<summary>Transcript</summary>")
        out.append('<div class="lines">')
        for start, text in lines:
            out.append(
                f'<p dir="auto" data-start="{start:.3f}"><time>{format_clock(start)}</time>'
                f"{escape(text)}</p>"
            )
        out.append("</div>")
        out.append("</details>")
    out += ["</essaycast-player>", files, "</article>"]
    return out


def _transcript_files(episode: Episode) -> list[tuple[str, str]]:
    labels = {"text/vtt": "WebVTT", "application/x-subrip": "SRT", "application/json": "JSON"}
    return [
        (labels.get(mime, mime), path)
        for mime, path in sorted(episode.transcripts.items(), key=lambda kv: kv[1])
    ]


def load_transcripts(
    output_dir: Path, episodes: Sequence[Episode]
) -> dict[str, list[TranscriptLine]]:
    """Each episode's transcript lines, read from its VTT file under output/ (if present)."""
    found: dict[str, list[TranscriptLine]] = {}
    for episode in episodes:
        path = episode.transcripts.get("text/vtt")
        if path and (output_dir / path).is_file():
            found[episode.slug] = parse_vtt((output_dir / path).read_text(encoding="utf-8"))
    return found


def load_chapters(output_dir: Path, episodes: Sequence[Episode]) -> dict[str, list[ChapterLine]]:
    """Each episode's chapters (start, title), read from its JSON chapters under output/."""
    found: dict[str, list[ChapterLine]] = {}
    for episode in episodes:
        path = output_dir / episode.chapters if episode.chapters else None
        if path is None or not path.is_file():
            continue
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            found[episode.slug] = [
                (float(c["startTime"]), str(c.get("title") or "")) for c in body["chapters"]
            ]
        except (ValueError, KeyError, TypeError):
            continue  # a page without chapters beats no page; validate names the file
    return found


def parse_vtt(text: str) -> list[TranscriptLine]:
    """WebVTT -> (start, text) per sentence (transcript.vtt_sentences).

    The parts of a sentence that transcript.py split into captions (cue ids
    "7.1", "7.2", ...) are joined again into one line that starts with the first.

    >>> parse_vtt("WEBVTT\\n\\n1\\n00:00:01.500 --> 00:00:02.000\\n<v Joe>3 &lt; 5 &amp; 6.\\n")
    [(1.5, '3 < 5 & 6.')]
    """
    return [(start, words) for start, _end, words in vtt_sentences(text)]


def format_date(when: datetime) -> str:
    """A date for people, the same in every locale.

    >>> format_date(datetime(2026, 11, 2))
    '2 November 2026'
    """
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


def format_duration(seconds: float) -> str:
    """Minutes and seconds, or hours too; whole seconds down, as audio players count.

    >>> format_duration(323.6), format_duration(3725)
    ('5 min 23 s', '1 h 02 min')
    """
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def format_clock(seconds: float) -> str:
    """M:SS or H:MM:SS.

    >>> format_clock(65.2), format_clock(3725)
    ('1:05', '1:02:05')
    """
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_size(size: int) -> str:
    """Bytes as people read them.

    >>> format_size(3887699), format_size(639077)
    ('3.7 MB', '624 KB')
    """
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{round(size / 1024)} KB"
