"""`essaycast serve`: the HTTP rules of FEED-RULES §J over a fake output/, on loopback only."""

from __future__ import annotations

import doctest
import http.client
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import podcastparser
import pytest

import pipeline.serve
from pipeline.config import parse_show
from pipeline.errors import EssaycastError
from pipeline.serve import serve_show

from .conftest import SERVED_BASE_URL, SERVED_EPISODES

Response = tuple[int, http.client.HTTPMessage, bytes]
EPISODE = "episodes/the-long-take.mp3"


def _ctrl_c_works() -> None:
    """In a server's child process before exec: SIGINT back to its default.

    A shell starts a background job (`make test &`, nohup, some CI runners) with
    SIGINT ignored, children inherit that, and Python then installs no Ctrl-C
    handler: the server would never see the test's SIGINT.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def fetch(base: str, path: str, method: str = "GET", **headers: str) -> Response:
    """One request with the raw path as given (no client-side normalisation of ../)."""
    address = urlsplit(base)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        conn.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


@pytest.fixture
def served(served_output: Path, served_start: Callable[..., str]) -> str:
    """The base URL of a server over the fake output/ (base_url is example.org)."""
    return served_start(served_output)


# -- GET, HEAD, Content-Type, Content-Length ------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/" + EPISODE, "audio/mpeg"),
        ("/episodes/the-long-take.vtt", "text/vtt; charset=utf-8"),
        ("/episodes/the-long-take.srt", "application/x-subrip"),
        ("/episodes/the-long-take.chapters.json", "application/json+chapters"),
        ("/manifest.json", "application/json"),
        ("/cover.jpg", "image/jpeg"),
        ("/cover.png", "image/png"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_get_and_head_answer_every_file_we_write(served: str, path: str, content_type: str) -> None:
    status, headers, body = fetch(served, path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert int(headers["Content-Length"]) == len(body) > 0
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"].startswith('"') and headers["Last-Modified"].endswith("GMT")
    assert "Content-Encoding" not in headers

    head_status, head_headers, head_body = fetch(served, path, "HEAD")
    assert (head_status, head_body) == (200, b"")
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Accept-Ranges"):
        assert head_headers[name] == headers[name]


def test_media_head_length_matches_the_enclosure(served: str, served_output: Path) -> None:
    """FEED-RULES J4: HEAD on the enclosure gives its exact byte length and audio/mpeg."""
    _, _, feed = fetch(served, "/feed.xml")
    parsed = podcastparser.parse(served + "feed.xml", io.BytesIO(feed))
    assert len(parsed["episodes"]) == len(SERVED_EPISODES)
    for episode in parsed["episodes"]:
        enclosure = episode["enclosures"][0]
        path = "/" + enclosure["url"].removeprefix(served)
        status, headers, _ = fetch(served, path, "HEAD")
        assert status == 200
        assert headers["Content-Type"] == "audio/mpeg"
        assert int(headers["Content-Length"]) == enclosure["file_size"]
        assert enclosure["file_size"] == (served_output / path.lstrip("/")).stat().st_size


def test_audio_is_never_compressed(served: str) -> None:
    """FEED-RULES J6: ranges must address identity bytes, whatever the client accepts."""
    status, headers, _ = fetch(served, "/" + EPISODE, Range="bytes=0-9", Accept_Encoding="gzip, br")
    assert status == 206
    assert "Content-Encoding" not in headers


def test_transcripts_and_chapters_allow_any_origin(served: str) -> None:
    """FEED-RULES E6: browser players fetch transcripts and chapters cross-origin."""
    for path in ("/episodes/on-rewatching.vtt", "/episodes/on-rewatching.srt",
                 "/episodes/on-rewatching.chapters.json"):  # fmt: skip
        assert fetch(served, path)[1]["Access-Control-Allow-Origin"] == "*"
    assert fetch(served, "/" + EPISODE, "HEAD")[1]["Access-Control-Allow-Origin"] == "*"


# -- byte ranges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [
        ("bytes=0-1", 0, 1),  # FEED-RULES J5
        ("bytes=100-", 100, None),  # open-ended
        ("bytes=-500", -500, None),  # suffix: the last 500 bytes
        ("bytes=-100000000", 0, None),  # a suffix longer than the file: all of it
        ("bytes=10-100000000", 10, None),  # last-pos past the end is clamped
        ("bytes=7-7", 7, 7),
        ("bytes= 0-1", 0, 1),  # whitespace is tolerated
    ],
)
def test_single_range_is_206_with_content_range(
    served: str, served_mp3s: dict[str, bytes], spec: str, first: int, last: int | None
) -> None:
    data = served_mp3s["the-long-take"]
    size = len(data)
    start = first if first >= 0 else size + first
    end = size - 1 if last is None else last
    status, headers, body = fetch(served, "/" + EPISODE, Range=spec)
    assert status == 206
    assert headers["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert int(headers["Content-Length"]) == end - start + 1
    assert headers["Content-Type"] == "audio/mpeg"
    assert body == data[start : end + 1]


@pytest.mark.parametrize("spec", ["bytes=100000000-", "bytes=-0", "bytes=SIZE-", "bytes=SIZE-SIZE"])
def test_unsatisfiable_range_is_416(served: str, served_mp3s: dict[str, bytes], spec: str) -> None:
    size = len(served_mp3s["the-long-take"])
    status, headers, body = fetch(served, "/" + EPISODE, Range=spec.replace("SIZE", str(size)))
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{size}"
    assert body == b""


@pytest.mark.parametrize(
    "spec", ["bytes=5-2", "bytes=abc", "bytes=-", "items=0-1", "bytes=0-1,4-5", "0-1"]
)
def test_invalid_or_multiple_ranges_are_ignored(
    served: str, served_mp3s: dict[str, bytes], spec: str
) -> None:
    """RFC 9110 §14.2: a server may ignore a Range it does not take; then it sends it all."""
    status, headers, body = fetch(served, "/" + EPISODE, Range=spec)
    assert status == 200
    assert "Content-Range" not in headers
    assert body == served_mp3s["the-long-take"]


def test_range_of_a_rewritten_feed_addresses_the_rewritten_bytes(served: str) -> None:
    _, _, whole = fetch(served, "/feed.xml")
    status, headers, body = fetch(served, "/feed.xml", Range="bytes=-200")
    assert status == 206
    assert body == whole[-200:]
    assert headers["Content-Range"] == f"bytes {len(whole) - 200}-{len(whole) - 1}/{len(whole)}"


def test_head_with_range_sends_the_206_headers(served: str) -> None:
    status, headers, body = fetch(served, "/" + EPISODE, "HEAD", Range="bytes=0-1")
    assert (status, body, headers["Content-Length"]) == (206, b"", "2")


def test_parse_range_doctests() -> None:
    assert doctest.testmod(pipeline.serve).failed == 0


# -- validators: ETag, Last-Modified, 304, If-Range ------------------------------


@pytest.mark.parametrize("path", ["/feed.xml", "/" + EPISODE, "/cover.jpg"])
def test_conditional_get_answers_304(served: str, path: str) -> None:
    _, headers, _ = fetch(served, path)
    etag, modified = headers["ETag"], headers["Last-Modified"]

    for conditions in (
        {"If_None_Match": etag},
        {"If_None_Match": f'"nope", W/{etag}'},  # weak comparison, in a list
        {"If_None_Match": "*"},
        {"If_Modified_Since": modified},
    ):
        status, answer, body = fetch(served, path, **conditions)
        assert (status, body) == (304, b""), conditions
        assert answer["ETag"] == etag
        assert answer["Last-Modified"] == modified
        assert fetch(served, path, "HEAD", **conditions)[0] == 304

    for conditions in (
        {"If_None_Match": '"something-else"'},
        {"If_Modified_Since": "Thu, 01 Jan 1998 00:00:00 GMT"},
        {"If_Modified_Since": "not a date"},
        # If-None-Match takes precedence over a matching If-Modified-Since (RFC 9110 §13.2.2).
        {"If_None_Match": '"something-else"', "If_Modified_Since": modified},
    ):
        assert fetch(served, path, **conditions)[0] == 200, conditions


def test_validators_change_when_the_file_changes(served: str, served_output: Path) -> None:
    _, before, _ = fetch(served, "/cover.png")
    target = served_output / "cover.png"
    target.write_bytes(target.read_bytes() + b"\0")
    os.utime(target, (time.time() + 5, time.time() + 5))
    status, after, _ = fetch(served, "/cover.png", If_None_Match=before["ETag"])
    assert status == 200
    assert after["ETag"] != before["ETag"]
    assert after["Last-Modified"] != before["Last-Modified"]


def test_if_range(served: str, served_mp3s: dict[str, bytes]) -> None:
    """A resumed download gets the rest only if its copy is still current; else all of it."""
    _, headers, _ = fetch(served, "/" + EPISODE, "HEAD")
    data = served_mp3s["the-long-take"]
    for current in (headers["ETag"], headers["Last-Modified"]):
        status, _, body = fetch(served, "/" + EPISODE, Range="bytes=10-", If_Range=current)
        assert (status, body) == (206, data[10:])
    for stale in ('"stale"', "W/" + headers["ETag"], "Thu, 01 Jan 1998 00:00:00 GMT"):
        status, _, body = fetch(served, "/" + EPISODE, Range="bytes=10-", If_Range=stale)
        assert (status, body) == (200, data)


# -- 404, no listings, nothing outside output/ -----------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/missing.mp3",
        "/episodes/missing.mp3",
        "/nowhere/",
        "/episodes/",  # a folder without index.html: no listing
        "/.gitkeep",  # dot-files are build temporaries, never published
    ],
)
def test_missing_is_404(served: str, path: str) -> None:
    status, headers, body = fetch(served, path)
    assert status == 404
    assert int(headers["Content-Length"]) == len(body)
    assert b"the-long-take" not in body


def test_folder_without_slash_redirects(served: str) -> None:
    status, headers, _ = fetch(served, "/episodes")
    assert (status, headers["Location"]) == (301, "/episodes/")


@pytest.mark.parametrize(
    "path",
    [
        "/../podcast.toml",
        "/%2e%2e/podcast.toml",
        "/%2E%2E/podcast.toml",
        "/..%2fpodcast.toml",
        "/%2e%2e%2fpodcast.toml",
        "/episodes/../../podcast.toml",
        "/episodes/%2e%2e/%2e%2e/podcast.toml",
        "/..%5cpodcast.toml",
        "//../podcast.toml",
        "/%252e%252e/podcast.toml",  # decoded once: a file literally named "%2e%2e"
        "/feed.xml%00.mp3",
        "/escape/podcast.toml",  # a symlinked folder that leads out
        "/secret.toml",  # a symlinked file that leads out
        "http://127.0.0.1/../podcast.toml",  # absolute-form request target
    ],
)
def test_nothing_outside_output_is_served(served: str, served_output: Path, path: str) -> None:
    show = served_output.parent
    (show / "podcast.toml").write_text('[podcast]\ntitle = "TOP SECRET"\n', "utf-8")
    (served_output / "escape").symlink_to(show, target_is_directory=True)
    (served_output / "secret.toml").symlink_to(show / "podcast.toml")
    status, _, body = fetch(served, path)
    assert status in (400, 404)
    assert b"TOP SECRET" not in body


def test_symlink_that_stays_inside_is_served(served: str, served_output: Path) -> None:
    (served_output / "latest.mp3").symlink_to(served_output / EPISODE)
    status, _, body = fetch(served, "/latest.mp3")
    assert (status, body) == (200, (served_output / EPISODE).read_bytes())


def test_other_methods_are_refused(served: str, served_output: Path) -> None:
    for method in ("POST", "PUT", "DELETE"):
        assert fetch(served, "/feed.xml", method)[0] == 501
    assert (served_output / "feed.xml").is_file()


# -- URLs follow the address the client used -------------------------------------


def test_feed_served_on_another_port_points_at_this_server(
    served: str, served_output: Path
) -> None:
    status, headers, body = fetch(served, "/feed.xml")
    parsed = podcastparser.parse(served + "feed.xml", io.BytesIO(body))
    urls = [episode["enclosures"][0]["url"] for episode in parsed["episodes"]]
    assert urls == [f"{served}episodes/{slug}.mp3" for slug, *_ in SERVED_EPISODES]
    assert SERVED_BASE_URL.encode() not in body
    assert f'<atom:link href="{served}feed.xml"'.encode() in body
    assert int(headers["Content-Length"]) == len(body)
    assert "Host" in headers["Vary"].split(", ")
    # Only the served copy changes: the built feed is what will be published.
    on_disk = (served_output / "feed.xml").read_bytes()
    assert body == on_disk.replace(SERVED_BASE_URL.encode(), served.encode())


def test_urls_follow_the_host_header(served: str) -> None:
    """A phone on the LAN reaches us as 192.168.x.y: it must get URLs it can reach."""
    lan = "192.168.1.50:8000"  # only ever a Host header: nothing connects there
    lan_url = urlunsplit(("http", lan, "/", "", ""))
    _, _, body = fetch(served, "/feed.xml", Host=lan)
    assert f'url="{lan_url}episodes/the-long-take.mp3"'.encode() in body
    _, _, page = fetch(served, "/index.html", Host=lan)
    assert f"{lan_url}feed.xml".encode() in page
    _, _, chapters = fetch(served, "/episodes/on-rewatching.chapters.json", Host=lan)
    assert json.loads(chapters)["chapters"][0]["url"].startswith(lan_url)


def test_a_strange_host_header_is_not_echoed(served: str) -> None:
    _, _, body = fetch(served, "/feed.xml", Host='evil"><script>')
    assert b"evil" not in body
    assert f'url="{served}episodes/'.encode() in body


def test_etag_follows_the_rewritten_bytes(served: str) -> None:
    _, local, _ = fetch(served, "/feed.xml")
    _, lan, _ = fetch(served, "/feed.xml", Host="192.168.1.50:8000")
    assert local["ETag"] != lan["ETag"]
    assert fetch(served, "/feed.xml", If_None_Match=local["ETag"])[0] == 304
    stale = fetch(served, "/feed.xml", Host="192.168.1.50:8000", If_None_Match=local["ETag"])
    assert stale[0] == 200


def test_binary_and_unrelated_files_are_never_rewritten(served: str, served_output: Path) -> None:
    for path in (EPISODE, "cover.jpg", "episodes/the-long-take.vtt"):
        assert fetch(served, "/" + path)[2] == (served_output / path).read_bytes()


def test_served_at_base_url_sends_the_files_as_built(
    served_output: Path, served_start: Callable[..., str]
) -> None:
    base = served_start(served_output, base_url="http://127.0.0.1:8000/")
    _, _, body = fetch(base, "/feed.xml", Host="127.0.0.1:8000")
    # The feed names example.org, not this base_url, so nothing matches to rewrite.
    assert body == (served_output / "feed.xml").read_bytes()

    unrewritten = served_start(served_output, base_url=None)
    assert fetch(unrewritten, "/feed.xml")[2] == (served_output / "feed.xml").read_bytes()


# -- many clients at once ---------------------------------------------------------


def test_twenty_clients_doing_ranges_all_get_correct_bytes(
    served: str, served_mp3s: dict[str, bytes]
) -> None:
    """20 keep-alive clients at once, 15 range requests each: a fixed amount of work.

    No clock: a client that a busy machine starts late still makes all its requests.
    """
    data = served_mp3s["the-long-take"]
    size = len(data)
    address = urlsplit(served)
    start = threading.Barrier(20)
    errors: list[str] = []
    counts: list[int] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        done = 0
        start.wait()
        try:
            while done < 15:
                kind = rng.choice(("closed", "open", "suffix", "head", "whole"))
                first = rng.randrange(size)
                last = rng.randrange(first, size)
                if kind == "closed":
                    spec, want = f"bytes={first}-{last}", (first, last)
                elif kind == "open":
                    spec, want = f"bytes={first}-", (first, size - 1)
                elif kind == "suffix":
                    n = rng.randrange(1, size + 1)
                    spec, want = f"bytes=-{n}", (size - n, size - 1)
                else:
                    spec, want = "", (0, size - 1)
                headers = {"Range": spec} if spec else {}
                conn.request("HEAD" if kind == "head" else "GET", "/" + EPISODE, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                expected = b"" if kind == "head" else data[want[0] : want[1] + 1]
                status = 206 if spec else 200
                content_range = f"bytes {want[0]}-{want[1]}/{size}" if spec else None
                problem = (
                    resp.status != status
                    or body != expected
                    or int(resp.headers["Content-Length"]) != want[1] - want[0] + 1
                    or resp.headers["Content-Range"] != content_range
                )
                if problem:
                    errors.append(f"client {seed}: {kind} {spec!r} -> {resp.status}, {len(body)} B")
                done += 1
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"client {seed}: {exc!r}")
        finally:
            conn.close()
            counts.append(done)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)  # a bound on a hang, not a timing
    assert not errors, errors[:5]
    assert counts == [15] * 20


# -- serve_show: the command's body ---------------------------------------------------


def _show(tmp_path: Path, base_url: str = SERVED_BASE_URL) -> Path:
    show = tmp_path / "show"
    show.mkdir(exist_ok=True)
    (show / "podcast.toml").write_text(
        f'[podcast]\ntitle = "Quiet Reels"\nbase_url = "{base_url}"\n', "utf-8"
    )
    return show


def test_serve_show_prints_the_feed_url_and_stops_cleanly_on_ctrl_c(
    served_output: Path,
) -> None:
    show = _show(served_output.parent.parent)
    code = (
        "import sys; from pipeline.config import load_show; from pipeline.serve import serve_show;"
        "serve_show(load_show(sys.argv[1]), '127.0.0.1', 0)"
    )
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(show)],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_ctrl_c_works,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            line = proc.stdout.readline()
            assert line, f"serve_show exited early: {proc.stderr.read() if proc.stderr else ''}"
            lines.append(line.strip())
        feed_url = next(ln.split(": ", 1)[1] for ln in lines if ln.startswith("Subscribe to:"))
        assert feed_url.startswith("http://127.0.0.1:") and feed_url.endswith("/feed.xml")
        base = feed_url.removesuffix("feed.xml")
        status, _, body = fetch(base, "/feed.xml")
        assert status == 200 and f'url="{base}episodes/'.encode() in body
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)  # a bound on a hang
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_serve_show_names_a_busy_port(served_output: Path) -> None:
    show = parse_show(_show(served_output.parent.parent), {"podcast": {"title": "Quiet Reels"}})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EssaycastError, match=f"127.0.0.1:{port}.*--port"):
            serve_show(show, "127.0.0.1", port)


def test_serve_show_without_output_is_one_line_error(tmp_path: Path) -> None:
    show = parse_show(tmp_path, {"podcast": {"title": "Quiet Reels"}})
    with pytest.raises(EssaycastError, match="essaycast build"):
        serve_show(show, "127.0.0.1", 0)


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_the_serve_command_prints_the_feed_url_serves_it_and_stops_cleanly(
    built_tone_show: Path, stop: str
) -> None:
    import signal
    import sys
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--show", str(built_tone_show), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ctrl_c_works,
    )
    try:
        feed_url = ""
        for line in proc.stdout:
            if line.startswith("Subscribe to: "):
                feed_url = line.removeprefix("Subscribe to: ").strip()
                break
        assert feed_url.startswith("http://127.0.0.1:") and feed_url.endswith("/feed.xml")
        with urllib.request.urlopen(feed_url, timeout=300) as response:
            body = response.read()
        served_base = feed_url.removesuffix("feed.xml")
        assert f'url="{served_base}episodes/'.encode() in body  # rewritten to where we are
    finally:
        proc.send_signal(getattr(signal, stop))
        out, err = proc.communicate(timeout=300)  # a bound on a hang
    assert proc.returncode == 0, err
    assert "Stopped." in out and "Traceback" not in err
