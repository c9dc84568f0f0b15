"""The published site is the source of truth: bring output/ back from base_url.

A CI cache is evicted after a week unused; without this, the next build would
narrate every essay again and could give episodes new URLs. Instead, at the
start of a CI build (or `build --restore`), output/manifest.json is fetched
from `base_url`, and every published episode that output/ lacks, or holds in
an older version, is fetched back with the files the manifest names, each
checked against the sha256 the manifest carries.

The site is not trusted (SECURITY.md). Its manifest is checked against the one
schema (publish/manifest.py) and every value that is not essaycast's is refused
before anything is saved; names must be essaycast's own (`episodes/<slug>-<hash>.mp3`,
`cover-<hash>.jpg`, ...), so nothing is fetched from, or written to, any other
place; a redirect that leaves base_url is refused; each download stops at the
size the manifest declares, and the whole restore at `[restore] deadline`
seconds. Any failure of the site (an HTTP error, a garbled answer, a slow drip,
the deadline) ends the restore with one line and the build goes on: what did
not come back is rendered.

Where the local output/ and the site disagree on an episode, the site wins: it
is what subscribers have. But a file output/ holds as the local manifest says is
never replaced (names are content-addressed: the site cannot mean other bytes
under the same name), and episodes only output/ knows are kept.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ..fsutil import atomic_path
from ..publish.manifest import (
    MANIFEST_NAME,
    Entry,
    Manifest,
    entry_files,
    parse_manifest,
    published_name,
    sha256_file,
)
from ..publish.readalong import readalong_path

if TYPE_CHECKING:
    import http.client

    from ..config import Show

log = logging.getLogger(__name__)

TIMEOUT = 20.0  # seconds without a byte before a fetch gives up
MANIFEST_LIMIT = 64 * 2**20  # a manifest of thousands of episodes is a few MB
# a transcript, chapters, the feed, the page, a cover: the manifest gives no size for them
SITE_FILE_LIMIT = 16 * 2**20
CHUNK = 2**16
MAX_REDIRECTS = 5


class _Unavailable(Exception):
    """The site cannot give us what we asked for; the message says why."""


class _Refused(Exception):
    """One file the site answered wrongly (a status, too many bytes, the wrong bytes)."""


# --- the restore ----------------------------------------------------------------------------


def restore_output(show: Show, *, manifest_only: bool = False) -> str:
    """Bring output/ up to what is published at base_url; return one line saying what happened.

    `manifest_only` (a shard build) takes the published manifest's episodes and
    fetches no media: a shard needs to know what is published, not to hold it.
    """
    site = _Site(show.podcast.base_url, time.monotonic() + show.restore.deadline)
    try:
        return _restore(show, site, manifest_only)
    except _Unavailable as exc:
        return f"Restore: skipped, {exc}"


def _restore(show: Show, site: _Site, manifest_only: bool) -> str:
    base, output_dir = site.base, show.output_dir
    raw = site.fetch_bytes(MANIFEST_NAME, MANIFEST_LIMIT, first=True)
    live, problems = parse_manifest(raw, lenient=False)
    if problems and not live.entries and not live.checksums:
        return f"Restore: skipped, {base}{MANIFEST_NAME} is not a manifest this essaycast reads"
    if live.show_guid is None and live.entries:
        return f"Restore: skipped, {base}{MANIFEST_NAME} has no valid show GUID"
    if not live.checksums:
        return (
            f"Restore: skipped, {base}{MANIFEST_NAME} carries no checksums (an older "
            "essaycast published it); the next published build adds them"
        )
    refused = [f"refused {p}" for p in problems]
    local = Manifest.load(output_dir / MANIFEST_NAME)
    plan = _Plan(local, live, output_dir, manifest_only)
    refused += plan.refused
    if not plan.taken and not plan.site_stale:
        line = f"Restore: output/ already holds what {base} publishes"
        return _with(line, refused)

    merged = copy.deepcopy(local)
    merged.show_guid = live.show_guid or merged.show_guid
    if manifest_only:
        for slug in plan.taken:
            merged.entries[slug] = live.entries[slug]
            merged.checksums.update({n: live.checksums[n] for n in entry_files(live.entries[slug])})
        merged.save(output_dir / MANIFEST_NAME)
        line = f"Restore: took {len(plan.taken)} published episodes from {base}{MANIFEST_NAME}"
        return _with(line, refused)

    fetched = size = 0
    bad: list[str] = []
    stopped = None
    done: set[str] = set()
    try:
        for slug in plan.taken:
            entry = live.entries[slug]
            # the MP3 last: the build takes an episode whose MP3 is present as whole
            names = sorted(entry_files(entry), key=lambda n: n.endswith(".mp3"))
            sizes = {entry.episode["audio"]: entry.episode["size"]} if entry.episode else {}
            ok = True
            for name in names:
                got = site.ensure(name, live.checksums[name], output_dir, sizes.get(name))
                if got is None:
                    ok = False
                    bad.append(name)
                    break
                size += got
            # the site's identity (GUID, number, dates) is kept even when a file failed:
            # then the essay renders again under it, to the same URLs
            merged.entries[slug] = entry
            done.add(slug)
            if ok:
                merged.checksums.update({n: live.checksums[n] for n in names})
                fetched += 1
        site_ok = True
        for name in plan.site_stale:
            got = site.ensure(name, live.checksums[name], output_dir, None)
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
        stopped = str(exc)
        # essays new to this machine keep the site's identities, so they render again
        # under the same numbers and dates; what came whole is kept (each file by rename)
        for slug in plan.taken:
            if slug not in done and slug not in local.entries:
                merged.entries[slug] = live.entries[slug]
    # the manifest last: it never names a file that is not complete on disk
    merged.save(output_dir / MANIFEST_NAME)
    if stopped:
        line = f"Restore: stopped after {fetched} episodes, {stopped}; the rest will be rendered"
    else:
        line = f"Restore: brought back {fetched} episodes ({size / 1e6:.1f} MB) from {base}"
    if bad:
        line += f"; {', '.join(bad)} did not match the manifest's checksum and will be rebuilt"
    return _with(line, refused)


def _with(line: str, refused: list[str]) -> str:
    if not refused:
        return line
    more = f" and {len(refused) - 2} more" if len(refused) > 2 else ""
    return f"{line}; {'; '.join(refused[:2])}{more} (not essaycast's: left out)"


class _Plan:
    """Which published episodes and site files output/ must take, decided in one pass
    over the manifests (linear in their size: nothing is hashed that is not in doubt)."""

    def __init__(self, local: Manifest, live: Manifest, output_dir: Path, manifest_only: bool):
        self.taken: list[str] = []
        self.site_stale: list[str] = []
        self.refused: list[str] = []
        # who holds each GUID and file once the site's episodes are taken
        guid_owner = {e.guid: slug for slug, e in local.entries.items()}
        file_owner = {n: slug for slug, e in local.entries.items() for n in entry_files(e)}
        episode_files: set[str] = set()
        for slug, entry in sorted(live.entries.items()):
            names = entry_files(entry)
            episode_files.update(names)
            if not names or not all(n in live.checksums for n in names):
                continue  # cannot be checked: leave it to a render
            if local.entries.get(slug) == entry and (manifest_only or _present(output_dir, entry)):
                continue
            clash = self._clash(slug, entry, local, output_dir, live, guid_owner, file_owner)
            if clash:
                self.refused.append(f"refused {slug} ({clash})")
                continue
            self.taken.append(slug)
            guid_owner[entry.guid] = slug
            file_owner.update(dict.fromkeys(names, slug))
        readalongs = {readalong_path(slug) for slug in live.entries}
        for name, sha in live.checksums.items():
            if name in episode_files or (name.startswith("episodes/") and name not in readalongs):
                continue  # an episode file no episode names is nobody's: not fetched
            if local.checksums.get(name) != sha or not (output_dir / name).is_file():
                self.site_stale.append(name)

    @staticmethod
    def _clash(
        slug: str,
        entry: Entry,
        local: Manifest,
        output_dir: Path,
        live: Manifest,
        guid_owner: dict[str, str],
        file_owner: dict[str, str],
    ) -> str | None:
        """Why the site's version of `slug` cannot be taken without losing local work."""
        if guid_owner.get(entry.guid, slug) != slug:
            return f"its GUID is {guid_owner[entry.guid]}'s here"
        for name in entry_files(entry):
            owner = file_owner.get(name, slug)
            if owner != slug and owner in local.entries:
                return f"{name} is {owner}'s here"
            mine = local.checksums.get(name)
            # content-addressed names: other bytes under a name output/ holds as its
            # manifest says are not a newer version but a different file; keep ours
            if (
                mine
                and mine != live.checksums[name]
                and (output_dir / name).is_file()
                and sha256_file(output_dir / name) == mine
            ):
                return f"it would replace {name}, which output/ holds as its manifest says"
        return None


def _present(output_dir: Path, entry: Entry) -> bool:
    # existence and the MP3's size only: hashing a whole back catalogue on every CI build
    # would cost minutes
    episode = entry.episode or {}
    for name in entry_files(entry):
        path = output_dir / name
        if not path.is_file():
            return False
    mp3 = output_dir / episode.get("audio", "")
    return mp3.stat().st_size == episode.get("size")


# --- HTTP: one site, one deadline ------------------------------------------------------------


class _Site:
    """GETs under one base_url, with a per-read timeout and one deadline for them all."""

    def __init__(self, base: str, deadline: float) -> None:
        self.base = base
        self.deadline = deadline

    def fetch_bytes(self, name: str, limit: int, *, first: bool = False) -> bytes:
        """The whole body of base_url + name, at most `limit` bytes."""
        chunks = []
        total = 0
        try:
            with self._get(name, first=first) as response:
                for chunk in self._body(response, name, limit):
                    total += len(chunk)
                    chunks.append(chunk)
        except _Refused as exc:
            raise _Unavailable(str(exc)) from None
        return b"".join(chunks)

    def ensure(
        self, name: str, sha: str, output_dir: Path, size: int | None, limit: int = SITE_FILE_LIMIT
    ) -> int | None:
        """Make output/<name> hold the published bytes; their size, or None if they fail."""
        target = output_dir / name
        if target.is_file() and not target.is_symlink() and sha256_file(target) == sha:
            return 0  # content-addressed names: usually already here from an older cache
        try:
            with atomic_path(target) as tmp:
                digest = hashlib.sha256()
                written = 0
                with self._get(name) as response, open(tmp, "wb") as handle:
                    for chunk in self._body(response, name, size if size is not None else limit):
                        digest.update(chunk)
                        handle.write(chunk)
                        written += len(chunk)
                if size is not None and written != size:
                    raise _Refused(f"{self.base}{name}: {written} bytes, not {size}")
                if digest.hexdigest() != sha:
                    raise _Refused(f"{self.base}{name}: does not match the manifest's sha256")
        except _Refused as exc:
            log.warning("%s; not restored", exc)
            return None
        except OSError as exc:  # our own disk, not the site
            raise _Unavailable(f"output/{name} could not be written ({exc})") from None
        return written

    def _body(self, response: http.client.HTTPResponse, name: str, limit: int) -> Iterator[bytes]:
        """The response's bytes as they come, stopping past `limit` or the deadline."""
        declared = response.getheader("Content-Length")
        if limit and declared and declared.strip().isdigit() and int(declared) > limit:
            raise _Refused(f"{self.base}{name}: {declared} bytes, more than the {limit} expected")
        total = 0
        while True:
            self._check_deadline()
            try:
                chunk = response.read1(CHUNK)
            except Exception as exc:  # noqa: BLE001 - any garbled answer is the site's fault
                self._check_deadline()  # the watchdog cut it: say so, not "garbled"
                raise _Unavailable(f"{self.base} answered garbled bytes ({_why(exc)})") from None
            if not chunk:
                return
            total += len(chunk)
            if limit and total > limit:
                raise _Refused(f"{self.base}{name}: more than the {limit} bytes expected")
            yield chunk

    def _check_deadline(self) -> None:
        if time.monotonic() >= self.deadline:
            raise _Unavailable(f"the restore deadline passed ([restore] deadline) at {self.base}")

    @contextmanager
    def _get(self, name: str, *, first: bool = False) -> Iterator[http.client.HTTPResponse]:
        """An open 200 response for base_url + name, following redirects under base_url."""
        if not published_name(name) and name != MANIFEST_NAME:
            raise _Refused(f"the manifest names {name!r}, which is not a file under {self.base}")
        url = self.base + name
        for _ in range(MAX_REDIRECTS + 1):
            self._check_deadline()
            connection = self._connect(url)
            # the deadline holds even while a server drips its headers a byte at a time
            watchdog = threading.Timer(
                max(0.0, self.deadline - time.monotonic()), _cut, [connection]
            )
            watchdog.daemon = True
            watchdog.start()
            try:
                try:
                    connection.request(
                        "GET",
                        _target(url),
                        headers={"User-Agent": "essaycast-restore", "Accept-Encoding": "identity"},
                    )
                    response = connection.getresponse()
                except Exception as exc:  # noqa: BLE001 - refused, reset, garbled: all one line
                    if time.monotonic() >= self.deadline:
                        self._check_deadline()
                    if first:
                        raise _Unavailable(f"{self.base} is not reachable ({_why(exc)})") from None
                    raise _Unavailable(f"{url} could not be fetched ({_why(exc)})") from None
                if response.status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location") or ""
                    url = urljoin(url, location)
                    if not _under(url, self.base):
                        reason = f"redirected away from base_url, to {url}"
                        if first:
                            raise _Unavailable(f"{self.base} is not reachable ({reason})")
                        raise _Unavailable(f"{self.base}{name} {reason}")
                    continue
                if response.status != 200:
                    if first and response.status in (403, 404, 410):
                        raise _Unavailable(
                            f"nothing is published at {self.base} yet ({response.status})"
                        )
                    if first:
                        raise _Unavailable(f"{self.base} answered {response.status}")
                    raise _Refused(f"{url}: {response.status}")
                yield response
                return
            finally:
                watchdog.cancel()
                connection.close()
        raise _Unavailable(f"{self.base}{name}: more than {MAX_REDIRECTS} redirects")

    def _connect(self, url: str) -> http.client.HTTPConnection:
        import http.client

        parts = urlsplit(url)
        timeout = max(0.1, min(TIMEOUT, self.deadline - time.monotonic()))
        if parts.scheme == "https":
            return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout)
        return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)


def _cut(connection: http.client.HTTPConnection) -> None:
    """The deadline passed mid-answer: shut the socket so the blocked read returns."""
    import socket

    sock = connection.sock
    if sock is not None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _under(url: str, base: str) -> bool:
    """Whether `url` is an address under `base` (same scheme, host and port; path below)."""
    try:
        here, there = urlsplit(url), urlsplit(base)
        return (
            here.scheme == there.scheme
            and here.hostname == there.hostname
            and here.port == there.port
            and here.path.startswith(there.path)
            and "@" not in here.netloc
        )
    except ValueError:
        return False


def _why(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason).splitlines()[0][:200] if str(reason) else ""
    return text or type(exc).__name__
