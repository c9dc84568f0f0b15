# ruff: noqa: E501 - the fixtures are feeds and pages as the platforms write them, long lines and all
"""A blog host on 127.0.0.1 for the `essaycast import` tests: feeds and pages written here.

Every feed is in the shape one platform writes (WordPress, Ghost, Substack,
Medium, jekyll-feed, Hugo, a JSON Feed from a micro-blog) and every word in
them is the tests' own. Beside them: the ways a fetch goes wrong (a 404, a
page that is no feed, malformed XML, gzip, wrong charsets, redirects, a 50 MB
answer, a slow one). `FeedSite.routes` can be changed while it runs, to play a
post edited at the source.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RSS_NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:atom="http://www.w3.org/2005/Atom"'
)

# -- WordPress: content:encoded in CDATA, Gutenberg footnotes, Jetpack sharing, Yoast's sign-off --

WORDPRESS_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" {RSS_NS}>
<channel>
  <title>Harbour Notes</title>
  <link>@@/wp/</link>
  <description>Essays about small towns &amp; slow films</description>
  <item>
    <title>Rain, Ferries &amp; the Long Take</title>
    <link>@@/wp/2026/03/rain-ferries/</link>
    <dc:creator><![CDATA[Mara Quill]]></dc:creator>
    <pubDate>Mon, 02 Mar 2026 09:30:00 +0000</pubDate>
    <guid isPermaLink="false">@@/wp/?p=101</guid>
    <description><![CDATA[<p>A ferry crossing is the longest take a town can offer [&hellip;]</p>
<p>The post <a href="@@/wp/2026/03/rain-ferries/">Rain, Ferries &#038; the Long Take</a> appeared first on <a href="@@/wp">Harbour Notes</a>.</p>]]></description>
    <content:encoded><![CDATA[<!-- wp:paragraph -->
<p>A ferry crossing is the longest take a town can offer. Nobody cuts away; the shore simply arrives<sup data-fn="f1a" class="fn"><a href="#f1a" id="f1a-link">1</a></sup>.</p>
<!-- /wp:paragraph -->
<h2 class="wp-block-heading">What the deck hears</h2>
<p>Gulls, the engine&#8217;s hum and a radio in the wheelhouse. See <a href="/wp/2026/02/engines/">the engines post</a> for more.</p>
<figure class="wp-block-image size-large"><img decoding="async" src="/wp/wp-content/uploads/2026/03/deck.jpg" alt="" class="wp-image-55"/><figcaption class="wp-element-caption">The lower deck before the morning crossing.</figcaption></figure>
<blockquote class="wp-block-quote"><p>A harbour is a clock that runs on weather.</p></blockquote>
<ul><li>the ticket booth</li><li>the waiting room</li></ul>
<pre class="wp-block-code"><code>schedule = load("ferries.csv")</code></pre>
<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper"><iframe title="deck video" src="https://video.invalid/embed/1"></iframe></div></figure>
<script>trackReader();</script>
<ol class="wp-block-footnotes"><li id="f1a">Except in fog, when it never arrives at all. <a href="#f1a-link" aria-label="Jump to footnote reference 1">&#8617;&#65038;</a></li></ol>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3><ul><li><a href="@@/wp/2026/03/rain-ferries/?share=mastodon">Mastodon</a></li></ul></div></div>
<p>The post <a href="@@/wp/2026/03/rain-ferries/">Rain, Ferries &#038; the Long Take</a> appeared first on <a href="@@/wp">Harbour Notes</a>.</p>
]]></content:encoded>
  </item>
  <item>
    <title>The Ticket Booth</title>
    <link>@@/wp/2026/02/ticket-booth/</link>
    <dc:creator><![CDATA[Mara Quill]]></dc:creator>
    <pubDate>Sun, 15 Feb 2026 18:00:00 +0000</pubDate>
    <guid isPermaLink="false">@@/wp/?p=88</guid>
    <description><![CDATA[The booth opens at six.]]></description>
    <content:encoded><![CDATA[<p>The booth opens at six, and the clerk has sold the same four tickets for eleven years. She knows who is late by the sound of their shoes.</p>
<p>In winter the glass fogs and she writes the departures on it with one finger.</p>
<p class="jp-relatedposts-headline"><em>Related</em></p>]]></content:encoded>
  </item>
</channel>
</rss>
"""

# -- Ghost: cards, markdown-it footnotes, a sign-up card, media:content --------------------------

GHOST_FEED = f"""<?xml version="1.0" encoding="UTF-8"?><rss {RSS_NS} version="2.0"><channel><title><![CDATA[Lantern Quarterly]]></title><description><![CDATA[Notes on light.]]></description><link>@@/ghost/</link><generator>Ghost 5.80</generator><lastBuildDate>Tue, 10 Mar 2026 08:00:00 GMT</lastBuildDate><atom:link href="@@/ghost/rss/" rel="self" type="application/rss+xml"/><ttl>60</ttl>
<item><title><![CDATA[Lamps in Daylight]]></title><description><![CDATA[Why a lamp left on at noon looks like a question.]]></description><link>@@/ghost/lamps-in-daylight/</link><guid isPermaLink="false">65f0c0ffee0000000000a001</guid><category><![CDATA[Light]]></category><dc:creator><![CDATA[Idris Fen]]></dc:creator><pubDate>Tue, 10 Mar 2026 07:45:00 GMT</pubDate><media:content url="/ghost/content/images/2026/03/lamp.jpg" medium="image"/><content:encoded><![CDATA[<p>A lamp left on at noon looks like a question nobody asked<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>. It is not wasteful so much as hopeful.</p><figure class="kg-card kg-image-card kg-card-hascaption"><img src="/ghost/content/images/2026/03/lamp.jpg" class="kg-image" alt="" loading="lazy" width="1200" height="800"><figcaption><span style="white-space: pre-wrap;">A brass lamp on a sunny sill.</span></figcaption></figure><h2 id="the-switch">The switch</h2><p>Every switch is a small decision &amp; every decision is a small story.</p><div class="kg-card kg-signup-card kg-width-regular"><h2 class="kg-signup-card-heading">Sign up for Lantern Quarterly</h2><p class="kg-signup-card-subheading">Four letters a year, no more.</p><form><input type="email"><button>Subscribe</button></form></div><div class="kg-card kg-button-card kg-align-center"><a href="@@/ghost/#/portal/signup" class="kg-btn kg-btn-accent">Join the list</a></div><hr class="footnotes-sep"><section class="footnotes"><ol class="footnotes-list"><li id="fn1" class="footnote-item"><p>Or a question everybody forgot. <a href="#fnref1" class="footnote-backref">↩︎</a></p></li></ol></section>]]></content:encoded></item>
</channel></rss>
"""

# -- Substack: footnote anchors, captioned images, the subscribe widget, button wrappers --------

SUBSTACK_FEED = f"""<?xml version="1.0" encoding="UTF-8"?><rss {RSS_NS} version="2.0"><channel><title><![CDATA[Tidewater Letters]]></title><description><![CDATA[A letter about the coast, most Sundays.]]></description><link>@@/substack</link><generator>Substack</generator>
<item><title><![CDATA[The Salt Road]]></title><description><![CDATA[Walking the old route the carters took.]]></description><link>@@/substack/p/the-salt-road</link><guid isPermaLink="false">@@/substack/p/the-salt-road</guid><dc:creator><![CDATA[Oona Wick]]></dc:creator><pubDate>Sun, 08 Mar 2026 12:00:00 GMT</pubDate><enclosure url="@@/substack/img/road.jpeg" length="0" type="image/jpeg"/><content:encoded><![CDATA[<p>The carters left before dawn so the salt stayed dry<a class="footnote-anchor" data-component-name="FootnoteAnchorToDOM" id="footnote-anchor-1" href="#footnote-1" target="_self">1</a>, and the road still bends where their ponies rested.</p><div class="captioned-image-container"><figure><a class="image-link image2 is-viewable-img" target="_blank" href="@@/substack/img/road.jpeg" data-component-name="Image2ToDOM"><div class="image2-inset"><picture><source type="image/webp" srcset="@@/substack/img/road.webp 424w"><img src="@@/substack/img/road.jpeg" width="1456" height="970" alt="" loading="lazy"></picture><div class="image-link-expand"><button tabindex="0" type="button" class="pencraft">expand</button></div></div></a><figcaption class="image-caption">The bend above the mill, in March.</figcaption></figure></div><div class="subscription-widget-wrap-editor" data-attrs="{{}}" data-component-name="SubscribeWidgetToDOM"><div class="subscription-widget show-subscribe"><div class="preamble"><p class="cta-caption">Thanks for reading Tidewater Letters! Subscribe for free to receive new posts and support my work.</p></div><form class="subscription-widget-subscribe"><input type="email" class="email-input" name="email" placeholder="Type your email…" tabindex="-1"><input type="submit" class="button primary" value="Subscribe"></form></div></div><h3>At the mill</h3><p>The miller&#8217;s grandson keeps a ledger of every walker who asks the way.</p><p class="button-wrapper" data-attrs="{{}}" data-component-name="ButtonCreateButton"><a class="button primary" href="@@/substack/p/the-salt-road?utm_source=substack&amp;utm_medium=email&amp;action=share"><span>Share</span></a></p><div class="footnote" data-component-name="FootnoteToDOM"><a id="footnote-1" href="#footnote-anchor-1" class="footnote-number" contenteditable="false" target="_self">1</a><div class="footnote-content"><p>Damp salt weighs more and sells for less.</p></div></div>]]></content:encoded></item>
</channel></rss>
"""

# -- Medium: figures, a tracking pixel, the "originally published" sign-off ---------------------

MEDIUM_FEED = """<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0" xmlns:cc="http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html"><channel><title><![CDATA[Stories by Pell Arun on Medium]]></title><description><![CDATA[Stories by Pell Arun on Medium]]></description><link>@@/medium/@pellarun?source=rss</link><generator>Medium</generator>
<item><title><![CDATA[Counting Lighthouses]]></title><link>@@/medium/@pellarun/counting-lighthouses-4f2a?source=rss-abc</link><guid isPermaLink="false">@@/medium/p/4f2a</guid><category><![CDATA[travel]]></category><dc:creator><![CDATA[Pell Arun]]></dc:creator><pubDate>Thu, 05 Mar 2026 16:20:11 GMT</pubDate><atom:updated>2026-03-05T16:20:11.402Z</atom:updated><content:encoded><![CDATA[<p>I counted nine lighthouses between the two capes, though the chart shows eight.</p><figure><img alt="" src="@@/medium/max/1024/1*lighthouse.jpeg" /><figcaption>The ninth light, unmarked on any chart.</figcaption></figure><h3>The keeper’s answer</h3><p>The keeper said the ninth is a reflection that learned to stay.</p><img src="@@/medium/_/stat?event=post.clientViewed&amp;referrerSource=full_rss&amp;postId=4f2a" width="1" height="1" alt=""><hr><p><a href="@@/medium/@pellarun/counting-lighthouses-4f2a">Counting Lighthouses</a> was originally published in <a href="@@/medium/coast">Coast Stories</a> on Medium, where people are continuing the conversation by highlighting and responding to this story.</p>]]></content:encoded></item>
</channel></rss>
"""

# -- jekyll-feed: Atom, escaped HTML content with xml:base, kramdown footnotes, a summary -------

JEKYLL_FEED = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" ><generator uri="https://jekyllrb.com/" version="4.3.3">Jekyll</generator><link href="@@/jekyll/feed.xml" rel="self" type="application/atom+xml" /><link href="@@/jekyll/" rel="alternate" type="text/html" /><updated>2026-03-04T10:00:00+00:00</updated><id>@@/jekyll/feed.xml</id><title type="html">Orchard Field Notes</title><author><name>Tam Ellery</name></author>
<entry><title type="html">Grafting in the &amp;quot;wrong&amp;quot; season</title><link href="@@/jekyll/2026/03/04/grafting.html" rel="alternate" type="text/html" title="Grafting in the &amp;quot;wrong&amp;quot; season" /><published>2026-03-04T10:00:00+00:00</published><updated>2026-03-04T10:00:00+00:00</updated><id>@@/jekyll/2026/03/04/grafting</id><content type="html" xml:base="@@/jekyll/2026/03/04/grafting.html">&lt;p&gt;Every manual says to graft in spring, so I grafted in autumn to see what the tree would say.&lt;sup id=&quot;fnref:1&quot; role=&quot;doc-noteref&quot;&gt;&lt;a href=&quot;#fn:1&quot; class=&quot;footnote&quot; rel=&quot;footnote&quot;&gt;1&lt;/a&gt;&lt;/sup&gt;&lt;/p&gt;

&lt;h2 id=&quot;what-took&quot;&gt;What took&lt;/h2&gt;

&lt;p&gt;Three of five scions took. The photos are &lt;a href=&quot;photos/&quot;&gt;on a page of their own&lt;/a&gt;.&lt;/p&gt;

&lt;p&gt;&lt;img src=&quot;../../../assets/graft.png&quot; alt=&quot;A grafted branch wrapped in green tape&quot; /&gt;&lt;/p&gt;

&lt;div class=&quot;footnotes&quot; role=&quot;doc-endnotes&quot;&gt;
  &lt;ol&gt;
    &lt;li id=&quot;fn:1&quot; role=&quot;doc-endnote&quot;&gt;
      &lt;p&gt;It said very little, slowly. &lt;a href=&quot;#fnref:1&quot; class=&quot;reversefootnote&quot; role=&quot;doc-backlink&quot;&gt;&amp;#8617;&lt;/a&gt;&lt;/p&gt;
    &lt;/li&gt;
  &lt;/ol&gt;
&lt;/div&gt;</content><author><name>Tam Ellery</name></author><summary type="html">Every manual says to graft in spring, so I grafted in autumn.</summary></entry>
</feed>
"""

# -- Hugo: RSS with only a summary in <description>; the posts' pages are fetched ---------------

HUGO_FEED = """<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Stone Walls on Stone Walls</title>
    <link>@@/hugo/</link>
    <description>Recent content on Stone Walls</description>
    <generator>Hugo</generator>
    <language>en-gb</language>
    <atom:link href="@@/hugo/index.xml" rel="self" type="application/rss+xml" />
    <item>
      <title>Dry Stone, Wet Winter</title>
      <link>@@/hugo/posts/dry-stone/</link>
      <pubDate>Wed, 04 Mar 2026 00:00:00 +0000</pubDate>
      <guid>@@/hugo/posts/dry-stone/</guid>
      <description>&lt;p&gt;A dry stone wall stands because every stone leans on two others &amp;hellip;&lt;/p&gt;</description>
    </item>
    <item>
      <title>Through-stones</title>
      <link>@@/hugo/posts/through-stones/</link>
      <pubDate>Sat, 28 Feb 2026 00:00:00 +0000</pubDate>
      <guid>@@/hugo/posts/through-stones/</guid>
      <description>Long stones that cross the wall &amp;hellip;</description>
    </item>
  </channel>
</rss>
"""

HUGO_DRY_STONE_PAGE = """<!DOCTYPE html>
<html lang="en-gb"><head><meta charset="utf-8"><title>Dry Stone, Wet Winter | Stone Walls</title>
<meta property="og:title" content="Dry Stone, Wet Winter"><meta name="author" content="Bryn Hallow">
<meta property="article:published_time" content="2026-03-04T00:00:00+00:00">
<link rel="alternate" type="application/rss+xml" href="/hugo/index.xml" title="Stone Walls">
</head><body>
<header><nav><a href="/hugo/">Home</a> <a href="/hugo/about/">About</a> <a href="/hugo/index.xml">RSS</a></nav></header>
<main><article class="post">
<h1 class="post-title">Dry Stone, Wet Winter</h1>
<div class="post-meta"><time datetime="2026-03-04">4 March 2026</time> · 3 minute read</div>
<div class="post-content">
<p>A dry stone wall stands because every stone leans on two others, and the whole wall leans on nothing at all. There is no mortar to crack when the frost comes, only gaps that let the water leave.</p>
<h2>After the thaw</h2>
<p>In March I walk the wall with a bucket of hearting stones and fill whatever the winter opened. Most years that is a few handfuls; this year it was a barrow.</p>
<p><img src="wall.jpg" alt="wall.jpg"></p>
<p>The neighbour's wall, built a century earlier, lost nothing at all.</p>
</div>
<div class="share-buttons"><a href="https://share.invalid/?u=x">Share on Mastodon</a></div>
</article></main>
<footer><p>© 2026 Bryn Hallow · <a href="/hugo/index.xml">Subscribe by RSS</a></p></footer>
</body></html>
"""

# no known content container: trafilatura finds the article
HUGO_THROUGH_STONES_PAGE = """<!DOCTYPE html>
<html lang="en-gb"><head><meta charset="utf-8"><title>Through-stones | Stone Walls</title>
<meta property="og:title" content="Through-stones"><meta name="description" content="Long stones that cross the wall.">
</head><body>
<div id="top"><a href="/hugo/">Stone Walls</a> | <a href="/hugo/tags/">Tags</a></div>
<div id="page">
<h1>Through-stones</h1>
<p>A through-stone is a long stone laid across the whole width of the wall, tying its two faces together so they cannot part. Builders place one every yard or so, at knee height and again higher up.</p>
<p>Without them a wall becomes two thin walls standing politely side by side, and the first hard winter pushes them apart. With them the wall is one thing, and it behaves like one.</p>
<p>Finding stones long enough is the slow part. I keep a pile of candidates by the gate and measure each against a hazel stick cut to the wall's width.</p>
</div>
<div id="bottom">Tags: walls, stone · <a href="/hugo/posts/dry-stone/">Previous post</a></div>
</body></html>
"""

# -- JSON Feed 1.1 from a micro-blog: content_html, content_text, an untitled post ---------------

JSON_FEED = """{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Wren's Microblog",
  "home_page_url": "@@/micro/",
  "feed_url": "@@/micro/feed.json",
  "items": [
    {
      "id": "@@/micro/2026/03/06/morning.html",
      "url": "@@/micro/2026/03/06/morning.html",
      "content_html": "<p>Heard the first curlew of the year over the marsh this morning. It sounded like a question being asked very slowly, twice.</p>",
      "date_published": "2026-03-06T07:12:00+00:00",
      "authors": [{"name": "Wren Adair"}]
    },
    {
      "id": "tag:micro,2026:mending",
      "url": "@@/micro/2026/03/01/mending.html",
      "title": "Mending nets",
      "content_text": "My uncle mends nets by feel, in the dark, while talking about football.\\n\\nHe says the knots remember his hands better than he remembers them.",
      "summary": "On mending nets by feel.",
      "date_published": "2026-03-01T20:00:00Z",
      "author": {"name": "Wren Adair"}
    }
  ]
}
"""

STANDALONE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>On Tide Tables</title>
<meta property="og:title" content="On Tide Tables"><meta name="author" content="Sel Marrow">
<meta property="article:published_time" content="2026-01-20T08:00:00+00:00">
<link rel="canonical" href="@@/pages/tide-tables/">
<link rel="alternate" type="application/atom+xml" href="/pages/atom.xml">
</head><body><nav><a href="/pages/">Home</a></nav>
<article><div class="entry-content">
<p>A tide table is a promise printed a year in advance, and the sea keeps it better than most of us keep ours. I pin a new one by the door every January.</p>
<p>The numbers are small and the consequences are large: a misread hour and the causeway is a river. Everyone in the village has a story about the year they misread it.</p>
<p class="more-link-wrap"><a class="more-link" href="/pages/more/">Continue reading <span class="screen-reader-text">On Tide Tables</span></a></p>
</div></article></body></html>
"""

BROKEN_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Broken</title>
<item><title>Unclosed <b>tag</title><link>@@/broken/1</link><description>text</description></item>
</channel></rss>
"""

# header says UTF-8, bytes are Windows-1252, nothing in the document says otherwise
CP1252_FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Café Stories</title><link>@@/cp/</link><description>d</description>
<item><title>Crème brûlée at the café</title><link>@@/cp/creme/</link><guid>@@/cp/creme/</guid>
<description>summary</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>The café on the pier serves crème brûlée that tastes of the sea air, and the owner – who never smiles – insists it is the sugar.</p>]]></content:encoded></item>
</channel></rss>
"""

FEEDS = {
    "wordpress": "/wp/feed/",
    "ghost": "/ghost/rss/",
    "substack": "/substack/feed",
    "medium": "/medium/feed/@pellarun",
    "jekyll": "/jekyll/feed.xml",
    "hugo": "/hugo/index.xml",
    "jsonfeed": "/micro/feed.json",
}
# the posts each feed holds (and which of them are read from their pages)
POSTS = {
    "wordpress": 2,
    "ghost": 1,
    "substack": 1,
    "medium": 1,
    "jekyll": 1,
    "hugo": 2,
    "jsonfeed": 2,
}

BIG_BYTES = 50_000_000  # the "50 MB answer"


@dataclass
class Route:
    """One answer: status, headers and a body (bytes, or chunks made as they are sent)."""

    body: bytes | Callable[[], Iterator[bytes]] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _drip() -> Iterator[bytes]:
    """A feed sent a byte at a time, slowly: only a deadline ends the wait."""
    yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
    for _ in range(600):  # at most a minute, so a broken client cannot keep a thread forever
        time.sleep(0.1)
        yield b" "


def _big() -> Iterator[bytes]:
    block = b"<!-- " + b"x" * (1024 * 1024 - 9) + b" -->"
    for _ in range(BIG_BYTES // len(block)):
        yield block


class FeedSite:
    """The fixtures above served on 127.0.0.1 at a free port, until `close()`."""

    def __init__(self) -> None:
        # path -> bytes the server managed to send, one number per finished answer
        self.sent: dict[str, list[int]] = {}
        self._answered = threading.Condition()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                route = site.routes.get(self.path)
                if route is None:
                    route = Route(b"<h1>Not found</h1>", 404, {"Content-Type": "text/html"})
                self.send_response(route.status)
                streamed = callable(route.body)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if not streamed:
                    self.send_header("Content-Length", str(len(route.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                chunks = route.body() if callable(route.body) else [route.body]
                sent = 0
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up: what a refused answer looks like from here
                with site._answered:
                    site.sent.setdefault(self.path, []).append(sent)
                    site._answered.notify_all()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.routes: dict[str, Route] = self._routes()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __getitem__(self, name: str) -> str:
        """The full URL of a fixture feed by its platform's name, or of a path."""
        return self.url + FEEDS.get(name, name)

    def text(self, template: str) -> str:
        return template.replace("@@", self.url)

    def _routes(self) -> dict[str, Route]:
        rss = {"Content-Type": "application/rss+xml; charset=UTF-8"}
        html = {"Content-Type": "text/html; charset=utf-8"}
        wordpress = self.text(WORDPRESS_FEED).encode()
        routes = {
            FEEDS["wordpress"]: Route(wordpress, headers=rss),
            FEEDS["ghost"]: Route(self.text(GHOST_FEED).encode(), headers=rss),
            FEEDS["substack"]: Route(
                self.text(SUBSTACK_FEED).encode(), headers={"Content-Type": "application/xml"}
            ),
            FEEDS["medium"]: Route(
                self.text(MEDIUM_FEED).encode(), headers={"Content-Type": "text/xml; charset=UTF-8"}
            ),
            FEEDS["jekyll"]: Route(
                self.text(JEKYLL_FEED).encode(), headers={"Content-Type": "application/atom+xml"}
            ),
            FEEDS["hugo"]: Route(
                self.text(HUGO_FEED).encode(), headers={"Content-Type": "application/rss+xml"}
            ),
            "/hugo/posts/dry-stone/": Route(self.text(HUGO_DRY_STONE_PAGE).encode(), headers=html),
            "/hugo/posts/through-stones/": Route(
                self.text(HUGO_THROUGH_STONES_PAGE).encode(), headers=html
            ),
            FEEDS["jsonfeed"]: Route(
                self.text(JSON_FEED).encode(), headers={"Content-Type": "application/feed+json"}
            ),
            "/pages/tide-tables/": Route(self.text(STANDALONE_PAGE).encode(), headers=html),
            # the ways a fetch goes wrong
            "/broken/feed.xml": Route(self.text(BROKEN_FEED).encode(), headers=rss),
            "/gone/feed.xml": Route(b"<h1>Not found</h1>", 404, {"Content-Type": "text/html"}),
            "/notes.txt": Route(
                b"just some notes, not a feed\n", headers={"Content-Type": "text/plain"}
            ),
            "/cover.png": Route(
                b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, headers={"Content-Type": "image/png"}
            ),
            "/gz/feed/": Route(
                gzip.compress(wordpress),
                headers={**rss, "Content-Encoding": "gzip"},
            ),
            "/deflate/feed/": Route(
                zlib.compress(wordpress), headers={**rss, "Content-Encoding": "deflate"}
            ),
            "/gz-corrupt/feed/": Route(
                gzip.compress(wordpress)[:200] + b"garbage" * 20,
                headers={**rss, "Content-Encoding": "gzip"},
            ),
            "/gz-file/feed.xml.gz": Route(
                gzip.compress(wordpress), headers={"Content-Type": "application/x-gzip"}
            ),
            "/charset/wrong.xml": Route(
                self.text(CP1252_FEED).encode("cp1252"),
                headers={"Content-Type": "application/rss+xml; charset=utf-8"},
            ),
            "/charset/declared.xml": Route(
                self.text(CP1252_FEED)
                .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="windows-1252"?>')
                .encode("cp1252"),
                headers={"Content-Type": "application/rss+xml"},
            ),
            "/charset/latin1-header.xml": Route(
                self.text(CP1252_FEED).encode("utf-8"),
                headers={"Content-Type": "text/xml; charset=ISO-8859-1"},
            ),
            "/charset/utf16.xml": Route(
                self.text(CP1252_FEED)
                .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>')
                .encode("utf-16"),
                headers={"Content-Type": "application/xml"},
            ),
            "/moved/feed": Route(status=301, headers={"Location": FEEDS["wordpress"]}),
            "/moved-twice": Route(status=302, headers={"Location": "/moved/feed"}),
            "/loop/a": Route(status=302, headers={"Location": "/loop/b"}),
            "/loop/b": Route(status=302, headers={"Location": "/loop/a"}),
            "/to-file": Route(status=302, headers={"Location": "file:///etc/passwd"}),
            "/big/feed.xml": Route(_big, headers=rss),
            "/big-declared/feed.xml": Route(
                _big, headers={**rss, "Content-Length": str(BIG_BYTES)}
            ),
            "/slow/feed.xml": Route(_drip, headers=rss),
        }
        return routes

    def answers(self, path: str) -> int:
        """How many answers to `path` have finished."""
        with self._answered:
            return len(self.sent.get(path, []))

    def sent_in_answer(self, path: str, number: int) -> int:
        """The bytes sent in answer `number` (from 1) to `path`, once that answer has ended."""
        with self._answered:
            self._answered.wait_for(lambda: len(self.sent.get(path, [])) >= number, timeout=60)
            return self.sent[path][number - 1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class InternetRefused(Exception):
    """A test tried to open a connection that does not stay on this machine."""


def refuse_the_internet(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """From now on in this test, every connect off the loopback address fails it."""
    import socket

    real_connect = socket.socket.connect

    def connect(self: socket.socket, address) -> None:  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1"):
            raise InternetRefused(f"a test tried to connect to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
