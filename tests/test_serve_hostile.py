"""Issue 24, case 11: `essaycast serve` answers a hostile client and never blocks on a file."""

from __future__ import annotations

import http.client
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.serve import parse_range

EPISODE = "episodes/the-long-take.mp3"


def get(base: str, path: str, **headers: str) -> tuple[int, bytes]:
    address = urlsplit(base)
    # a generous timeout: a request that hangs fails the test instead of hanging it
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=15)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "header",
    [
        "bytes=" + "9" * 4300 + "-",
        "bytes=" + "1" * 5000 + "-" + "2" * 5000,
        "bytes=0-" + "9" * 4301,
        "bytes=-" + "9" * 4400,
    ],
)
def test_a_range_with_thousands_of_digits_is_answered(
    served_output: Path, served_start: Callable[..., str], header: str
) -> None:
    base = served_start(served_output)
    size = (served_output / EPISODE).stat().st_size  # audio: sent as on disk
    status, body = get(base, f"/{EPISODE}", Range=header)
    first = header.removeprefix("bytes=").split("-")[0]
    if first and int(first[:5]) > 0:  # an offset past the end of any file
        assert status == 416
    else:  # "0-<huge>" and "-<huge>": the whole file
        assert status == 206 and len(body) == size


def test_parse_range_never_raises_on_long_numbers() -> None:
    assert parse_range("bytes=" + "9" * 4300 + "-", 10) is False
    assert parse_range("bytes=0-" + "9" * 4300, 10) == (0, 9)
    assert parse_range("bytes=-" + "9" * 4300, 10) == (0, 9)
    assert parse_range("bytes=" + "0" * 5000 + "1-2", 10) == (1, 2)


def test_a_fifo_in_output_is_not_found_and_blocks_no_thread(
    served_output: Path, served_start: Callable[..., str]
) -> None:
    fifo = served_output / "episodes" / "pipe.mp3"
    os.mkfifo(fifo)
    base = served_start(served_output)
    # answered at all: the handler did not wait for a writer (it would for good)
    assert get(base, "/episodes/pipe.mp3")[0] == 404
    assert get(base, "/episodes/pipe.mp3", Range="bytes=0-1")[0] == 404
    assert get(base, "/feed.xml")[0] == 200
