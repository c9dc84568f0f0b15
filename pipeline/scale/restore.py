"""The published site is the source of truth: bring output/ back from base_url.

A CI cache is evicted after a week unused; without this, the next build would
narrate every essay again and could give episodes new URLs. Instead, at the
start of a CI build (or `build --restore`), output/manifest.json is fetched
from `base_url`, and every published episode that output/ lacks, or holds in
an older version, is fetched back with the files the manifest names, each
checked against the sha256 the manifest carries. Nothing is fetched from any
other address: names come from the manifest, must stay under `base_url`, and
a redirect elsewhere is refused. An unreachable or empty site skips the
restore with one line; a file that fails its checksum is left out, so its
essay is rendered again rather than published corrupt.

Where the local output/ and the site disagree on an episode, the site wins:
it is what subscribers have. Episodes only output/ knows are kept.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..fsutil import atomic_path, write_atomic
from ..publish.manifest import (
    MANIFEST_NAME,
    MANIFEST_VERSION,
    Manifest,
    entry_files,
    sha256_file,
)

if TYPE_CHECKING:
    from ..config import Show

log = logging.getLogger(__name__)

TIMEOUT = 20.0  # seconds without a byte before a fetch gives up
MANIFEST_LIMIT = 64 * 2**20  # a manifest of thousands of episodes is a few MB
CHUNK = 2**20
# what a published name may look like: episodes/<slug>-<hash>.mp3, cover-<hash>.jpg, ...
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class _Unavailable(Exception):
    """The site cannot give us what we asked for; the message says why."""


# --- checksums: what the manifest carries so that a restore can be checked -----------------


# --- the restore ----------------------------------------------------------------------------


def restore_output(show: Show, *, manifest_only: bool = False) -> str:
    """Bring output/ up to what is published at base_url; return one line saying what happened.

    `manifest_only` (a shard build) takes the published manifest's episodes and
    fetches no media: a shard needs to know what is published, not to hold it.
    """
    base = show.podcast.base_url
    output_dir = show.output_dir
    try:
        raw = _fetch_bytes(base, MANIFEST_NAME, MANIFEST_LIMIT)
    except _Unavailable as exc:
        return f"Restore: skipped, {exc}"
    live = _parse_manifest(raw, show.state_dir)
    if live is None:
        return f"Restore: skipped, {base}{MANIFEST_NAME} is not a manifest this essaycast reads"
    if not live.checksums:
        return (
            f"Restore: skipped, {base}{MANIFEST_NAME} carries no checksums (an older "
            "essaycast published it); the next published build adds them"
        )
    local = Manifest.load(output_dir / MANIFEST_NAME)
    merged = copy.deepcopy(local)
    merged.show_guid = live.show_guid or merged.show_guid

    # the episodes output/ lacks, or holds in another version than the site
    taken = []
    for slug, entry in sorted(live.entries.items()):
        names = entry_files(entry)
        if not names or not all(n in live.checksums and _SAFE_NAME.match(n) for n in names):
            continue  # cannot be checked: leave it to a render
        same = local.entries.get(slug) == entry
        if same and (manifest_only or _present(output_dir, names)):
            continue
        taken.append(slug)
    site = [
        n
        for n in live.checksums
        if n not in {f for e in live.entries.values() for f in entry_files(e)}
        and _SAFE_NAME.match(n)
    ]
    site_stale = [
        n
        for n in site
        if local.checksums.get(n) != live.checksums[n] or not (output_dir / n).is_file()
    ]
    if not taken and not site_stale:
        return f"Restore: output/ already holds what {base} publishes"

    if manifest_only:
        for slug in taken:
            merged.entries[slug] = live.entries[slug]
            merged.checksums.update({n: live.checksums[n] for n in entry_files(live.entries[slug])})
        merged.save(output_dir / MANIFEST_NAME)
        return f"Restore: took {len(taken)} published episodes from {base}{MANIFEST_NAME}"

    fetched = failed = 0
    size = 0
    bad: list[str] = []
    try:
        for slug in taken:
            # the MP3 last: the build takes an episode whose MP3 is present as whole
            names = sorted(entry_files(live.entries[slug]), key=lambda n: n.endswith(".mp3"))
            ok = True
            for name in names:
                got = _ensure(base, name, live.checksums[name], output_dir)
                if got is None:
                    ok = False
                    bad.append(name)
                    break
                size += got
            # the site's identity (GUID, number, dates) is kept even when a file failed:
            # then the essay renders again under it, to the same URLs
            merged.entries[slug] = live.entries[slug]
            if ok:
                merged.checksums.update({n: live.checksums[n] for n in names})
                fetched += 1
            else:
                failed += 1
        site_ok = True
        for name in site_stale:
            got = _ensure(base, name, live.checksums[name], output_dir)
            if got is None:
                site_ok = False
                bad.append(name)
            else:
                size += got
                merged.checksums[name] = live.checksums[name]
        if site_ok and "feed.xml" in live.checksums:
            # the feed and page on disk are now the site's: so is what they were written from
            merged.feed_key = live.feed_key
    except _Unavailable as exc:
        # what came whole is kept (each file by rename); the manifest says only that
        merged.save(output_dir / MANIFEST_NAME)
        return f"Restore: stopped after {fetched} episodes, {exc}; the rest will be rendered"
    # the manifest last: it never names a file that is not complete on disk
    merged.save(output_dir / MANIFEST_NAME)
    line = f"Restore: brought back {fetched} episodes ({size / 1e6:.1f} MB) from {base}"
    if failed or bad:
        line += f"; {', '.join(bad)} did not match the manifest's checksum and will be rebuilt"
    return line


def _present(output_dir: Path, names: list[str]) -> bool:
    # existence only: hashing a whole back catalogue on every CI build would cost minutes
    return all((output_dir / name).is_file() for name in names)


def _ensure(base: str, name: str, sha: str, output_dir: Path) -> int | None:
    """Make output/<name> hold the published bytes; their size, or None if they fail."""
    import urllib.error

    target = output_dir / name
    if target.is_file() and sha256_file(target) == sha:
        return 0  # content-addressed names: usually already here from an older cache
    try:
        with atomic_path(target) as tmp:
            digest = hashlib.sha256()
            size = 0
            with _open(base, name) as response, open(tmp, "wb") as handle:
                while chunk := response.read(CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
                    size += len(chunk)
            if digest.hexdigest() != sha:
                raise _Mismatch(name)
    except _Mismatch:
        log.warning("%s%s: does not match the manifest's sha256; not restored", base, name)
        return None
    except urllib.error.HTTPError as exc:  # this file is gone: its essay is rendered again
        log.warning("%s%s: %s; not restored", base, name, exc.code)
        return None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise _Unavailable(f"{base}{name} could not be fetched ({_why(exc)})") from exc
    return size


class _Mismatch(Exception):
    pass


def _fetch_bytes(base: str, name: str, limit: int) -> bytes:
    import urllib.error  # here: a build that restores nothing never loads http or ssl

    try:
        with _open(base, name) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if exc.code in (403, 404, 410):
            raise _Unavailable(f"nothing is published at {base} yet ({exc.code})") from exc
        raise _Unavailable(f"{base} answered {exc.code}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise _Unavailable(f"{base} is not reachable ({_why(exc)})") from exc
    if len(data) > limit:
        raise _Unavailable(f"{base}{name} is larger than {limit // 2**20} MB")
    return data


def _open(base: str, name: str):
    import urllib.error
    import urllib.request

    if not _SAFE_NAME.match(name) or ".." in name.split("/"):
        raise _Unavailable(f"the manifest names {name!r}, which is not a file under {base}")

    class StayUnder(urllib.request.HTTPRedirectHandler):
        """Follow a redirect only to another address under base_url: no other host."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if not newurl.startswith(base):
                raise urllib.error.URLError(f"redirected away from base_url, to {newurl}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(StayUnder)
    request = urllib.request.Request(base + name, headers={"User-Agent": "essaycast-restore"})
    return opener.open(request, timeout=TIMEOUT)


def _parse_manifest(raw: bytes, state_dir: Path) -> Manifest | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return None
    state_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=state_dir, prefix="restore-") as scratch:
        path = Path(scratch) / MANIFEST_NAME
        write_atomic(path, raw)
        live = Manifest.load(path)
    if data.get("episodes") and not live.entries:
        return None  # Manifest.load found it malformed
    return live


def _why(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(reason) or type(exc).__name__
