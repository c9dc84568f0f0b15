"""A local Google Translate TTS endpoint that speaks gTTS's real wire protocol.

gTTS POSTs `f.req=<url-quoted JSON>` to .../_/TranslateWebserverUi/data/batchexecute
and reads a batchexecute answer whose "jQ1olc" line holds the MP3 in base64.
This stub answers the same way with real MP3 bytes (a tone as long as the text
would take to say), made by the ffmpeg essaycast uses. Point essaycast at it
with ESSAYCAST_GTTS_URL=stub.url; the first path segment records the tld.
"""

from __future__ import annotations

import base64
import functools
import json
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from pipeline.ffmpeg import ffmpeg_exe


@dataclass(frozen=True)
class StubRequest:
    """What gTTS asked for."""

    tld: str
    text: str
    lang: str
    slow: bool


@functools.cache
def tone_mp3(seconds: float) -> bytes:
    """A 24 kHz mono MP3 like gTTS's, `seconds` long."""
    proc = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=330:sample_rate=24000:duration={seconds}",
            "-ac",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "32k",
            "-f",
            "mp3",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return proc.stdout


def batchexecute_answer(mp3: bytes) -> bytes:
    """Google's batchexecute framing around one jQ1olc result."""
    payload = json.dumps([base64.b64encode(mp3).decode("ascii")])
    result = json.dumps(
        [
            ["wrb.fr", "jQ1olc", payload, None, None, None, "generic"],
            ["di", 42],
            ["af.httprm", 41, "-4155432457468383010", 7],
        ],
        separators=(",", ":"),
    )
    tail = json.dumps([["e", 4, None, None, len(result) + 60]], separators=(",", ":"))
    return f")]}}'\n\n{len(result)}\n{result}\n{len(tail)}\n{tail}\n".encode()


class GttsStub:
    """Serves gTTS on 127.0.0.1; answers `statuses` first (e.g. 429, 429), then audio."""

    def __init__(self, statuses: Iterable[int] = ()) -> None:
        self.statuses = list(statuses)
        self.requests: list[StubRequest] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                (rpc,) = parse_qs(body)["f.req"]
                text, lang, slow, _ = json.loads(json.loads(rpc)[0][0][1])
                tld = self.path.strip("/").split("/")[0]
                stub.requests.append(StubRequest(tld, text, lang, bool(slow)))
                status = stub.statuses.pop(0) if stub.statuses else 200
                data = (
                    batchexecute_answer(tone_mp3(round(0.3 + 0.05 * len(text), 1)))
                    if status == 200
                    else b"Too Many Requests"
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass  # quiet test output

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The endpoint for ESSAYCAST_GTTS_URL; "{tld}" becomes the first path segment."""
        port = self.server.server_address[1]
        return f"http://127.0.0.1:{port}/{{tld}}/_/TranslateWebserverUi/data/batchexecute"

    def __enter__(self) -> GttsStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()
