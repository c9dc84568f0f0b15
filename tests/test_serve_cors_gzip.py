"""`essaycast serve` for browser-based apps: CORS on every answer, preflight, gzip for text."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from .test_serve import EPISODE, fetch


@pytest.fixture
def served(served_output: Path, served_start: Callable[..., str]) -> str:
    return served_start(served_output)


def test_a_cors_preflight_is_answered(served: str) -> None:
    status, headers, body = fetch(
        served,
        "/feed.xml",
        "OPTIONS",
        Origin="https://app.example",
        Access_Control_Request_Method="GET",
        Access_Control_Request_Headers="range",
    )
    assert (status, body) == (204, b"")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert set(headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "range" in headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in headers  # no cookies, no auth


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("path", ["/feed.xml", "/index.html", "/" + EPISODE, "/missing.xml"])
def test_every_answer_allows_any_origin(served: str, method: str, path: str) -> None:
    headers = fetch(served, path, method, Origin="https://app.example")[1]
    assert headers["Access-Control-Allow-Origin"] == "*"
    if not path.startswith("/missing"):
        exposed = headers["Access-Control-Expose-Headers"]
        assert "Content-Range" in exposed and "ETag" in exposed


def test_ranges_and_304s_carry_cors_too(served: str) -> None:
    status, headers, _ = fetch(served, "/" + EPISODE, Range="bytes=0-1")
    assert status == 206 and headers["Access-Control-Allow-Origin"] == "*"
    etag = headers["ETag"]
    status, headers, _ = fetch(served, "/" + EPISODE, If_None_Match=etag)
    assert status == 304 and headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/feed.xml", "/index.html"])
def test_feed_and_page_are_gzipped_when_asked(served: str, path: str) -> None:
    plain_status, plain_headers, plain = fetch(served, path)
    assert plain_status == 200 and "Content-Encoding" not in plain_headers
    status, headers, body = fetch(served, path, Accept_Encoding="br;q=1, gzip;q=0.8")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert int(headers["Content-Length"]) == len(body) < len(plain)
    assert gzip.decompress(body) == plain
    assert "Accept-Encoding" in headers["Vary"]
    # its own validator: a cache never mixes the gzipped and the plain bytes
    assert headers["ETag"] != plain_headers["ETag"]
    assert fetch(served, path, Accept_Encoding="gzip", If_None_Match=headers["ETag"])[0] == 304
    assert fetch(served, path, If_None_Match=headers["ETag"])[0] == 200


@pytest.mark.parametrize("accept", ["gzip;q=0", "identity", "br", ""])
def test_no_gzip_unless_it_is_acceptable(served: str, accept: str) -> None:
    assert "Content-Encoding" not in fetch(served, "/feed.xml", Accept_Encoding=accept)[1]


def test_a_range_on_text_addresses_the_identity_bytes(served: str) -> None:
    plain = fetch(served, "/feed.xml")[2]
    status, headers, body = fetch(served, "/feed.xml", Range="bytes=0-9", Accept_Encoding="gzip")
    assert (status, body) == (206, plain[:10]) and "Content-Encoding" not in headers


def test_episodes_are_never_gzipped_and_keep_their_etag(served: str) -> None:
    _, plain, _ = fetch(served, "/" + EPISODE, "HEAD")
    _, asked, _ = fetch(served, "/" + EPISODE, "HEAD", Accept_Encoding="gzip")
    assert "Content-Encoding" not in asked and asked["ETag"] == plain["ETag"]
    assert "Accept-Encoding" not in asked.get("Vary", "")
