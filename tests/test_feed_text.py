"""feed.xml text as apps show it: HTML-safe descriptions, hex references, the item author."""

from __future__ import annotations

import html
import re

import feedparser
from lxml import etree

from pipeline.publish.feed import description_html, hex_references, html_text

from .test_feed import NASTY, episode, render, tiny_show

DC = "{http://purl.org/dc/elements/1.1/}creator"


def item(data: bytes) -> etree._Element:
    return etree.fromstring(data).find("channel/item")


def test_the_item_author_is_email_and_name_the_rss_way() -> None:
    element = item(render([episode("one", 5, 1, author="Kazuo (K.) Ishiguro")]))
    # a ")" inside the name would end the comment early for readers that parse it
    assert element.findtext("author") == "tests@example.org (Kazuo [K.] Ishiguro)"
    assert element.find(DC) is None  # never both: the W3C validator warns


def test_without_an_email_the_author_is_dc_creator() -> None:
    data = render([episode("one", 5, 1, author=NASTY)], tiny_show(email=""))
    element = item(data)
    assert element.find("author") is None
    assert element.findtext(DC) == NASTY
    assert etree.fromstring(data).nsmap["dc"] == DC[1:-8]  # declared once, on the root
    assert feedparser.parse(data).entries[0].author == NASTY


def test_descriptions_are_html_of_the_text_and_titles_stay_text() -> None:
    data = render(
        [episode("one", 5, 1, title=NASTY, description=NASTY)],
        tiny_show(title=NASTY, description=NASTY),
    )
    channel = etree.fromstring(data).find("channel")
    for path in ("title", "item/title"):
        assert channel.findtext(path) == NASTY
    for path in ("description", "item/description"):
        assert channel.findtext(path) == html_text(NASTY)
        assert html.unescape(channel.findtext(path)) == NASTY
    # the RSS Best Practices Profile's way for "&" and "<" in the bytes
    assert b"&amp;" not in data and b"&lt;" not in data
    assert b"<title>Tom &#x26; Jerry &#x3C;3" in data


def test_hex_references_keep_the_document_the_same() -> None:
    data = render([episode("one", 5, 1, title="a &amp; b", description="x < y & z")])
    assert etree.tostring(etree.fromstring(data), encoding="unicode") == etree.tostring(
        etree.fromstring(data.replace(b"&#x26;", b"&amp;").replace(b"&#x3C;", b"&lt;")),
        encoding="unicode",
    )
    assert item(data).findtext("title") == "a &amp; b"  # the writer's text, even this
    assert hex_references(b"&gt;") == b"&gt;"


def test_a_long_description_fits_4000_bytes_after_escaping() -> None:
    text = "Fish & chips < 5 euros. " * 400
    cut = description_html(text)
    assert len(cut.encode("utf-8")) <= 4000 and cut.endswith("…")
    assert re.search(r"&#?\w*…$", cut) is None  # never cut inside a reference
    assert html.unescape(cut).rstrip("…") in text
