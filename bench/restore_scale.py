"""How a restore with nothing to fetch grows with the back catalogue (issue 24, case 6).

    python bench/restore_scale.py [500 1500 3000]

For each size N: a synthetic show of N published episodes (small stand-in files,
a manifest with every checksum), served on 127.0.0.1 by `essaycast serve`'s own
server, and a CI copy whose output/ already holds all of it. `restore_output` is
timed three times and the best is printed: the restore must find that there is
nothing to fetch in time linear in N. Run it with PYTHONPATH pointing at another
checkout to measure that one (the API it uses is unchanged since the restore
was added). Nothing here touches the network beyond loopback.

Measured 2026-12-08 on the shared 2-core box, busy with other builds (best of 3,
wall clock, so read the trend, not the digits):

    episodes   before (4648d73)   after (i24-trust)
         100             1.83 s              -
         200             8.83 s              -
         500       (issue: 6.0 s)         0.36 s
       1,500      (issue: 38.9 s)         0.41 s
       3,000     (issue: 103 s)           2.37 s

Before, every file name of the site's manifest rebuilt the set of every
episode's files (quadratic); after, one pass over each manifest, and names are
checked without compiling a regex per name.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.config import load_show
from pipeline.model import Episode
from pipeline.publish.manifest import Entry, Manifest, episode_record, record_checksums
from pipeline.scale.restore import restore_output
from pipeline.serve import make_server

TOML = '[podcast]\ntitle = "Bench"\nbase_url = "{base}"\n'


def synthetic_output(output: Path, count: int) -> None:
    """`count` episodes (tiny files, real names and checksums) and their manifest."""
    episodes = output / "episodes"
    episodes.mkdir(parents=True)
    manifest = Manifest(show_guid="a6f1a1bc-5a6b-5d40-9b6e-8ca2a5a2b2e8")
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(count):
        slug = f"essay-{i:05d}"
        audio = f"{i:05d}".encode() * 20
        stem = f"episodes/{slug}-{hashlib.sha256(audio).hexdigest()[:10]}"
        for suffix, data in ((".mp3", audio), (".vtt", b"WEBVTT\n"), (".srt", b"1\n")):
            (output / f"{stem}{suffix}").write_bytes(data)
        (output / f"{stem}.chapters.json").write_bytes(b'{"version":"1.2.0","chapters":[]}')
        published = start + timedelta(days=i)
        guid = f"urn:uuid:00000000-0000-5000-8000-{i:012d}"
        episode = Episode(
            slug=slug,
            guid=guid,
            title=f"Essay {i}",
            description="",
            published=published,
            audio=f"{stem}.mp3",
            size=len(audio),
            duration=1.0,
            author="Bench",
            explicit=False,
            number=i + 1,
            transcripts={"text/vtt": f"{stem}.vtt", "application/x-subrip": f"{stem}.srt"},
            chapters=f"{stem}.chapters.json",
        )
        manifest.entries[slug] = Entry(
            source=f"essays/{slug}.md",
            guid=guid,
            first_seen=published.isoformat(),
            fingerprint="0" * 64,
            number=i + 1,
            episode=episode_record(episode),
        )
    for name in ("feed.xml", "index.html"):
        (output / name).write_bytes(b"<placeholder/>")
    record_checksums(manifest, output, extra=["feed.xml", "index.html"])
    manifest.save(output / "manifest.json")


def measure(count: int) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        synthetic_output(site, count)
        server = make_server(site, "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            ci = Path(scratch) / "ci"
            ci.mkdir()
            (ci / "podcast.toml").write_text(TOML.format(base=base))
            shutil.copytree(site, ci / "output")
            show = load_show(ci)
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                line = restore_output(show)
                best = min(best, time.perf_counter() - started)
            assert "already holds" in line, line
            return best
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def main(sizes: list[int]) -> None:
    print(f"{'episodes':>8}  {'seconds':>8}  {'ms per episode':>14}")
    for count in sizes:
        seconds = measure(count)
        print(f"{count:>8}  {seconds:>8.2f}  {1000 * seconds / count:>14.3f}", flush=True)


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [500, 1500, 3000])
