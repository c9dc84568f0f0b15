"""`essaycast episode`: one essay to one MP3 with its transcripts and chapters.

No show is needed and none is touched: no feed, no manifest, no output/. The
essay is rendered by the same stage a build uses (episode.render_episode), in a
scratch folder, and its files are moved beside OUT.mp3, the MP3 last.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from .config import Show
from .errors import ConfigError
from .fsutil import atomic_path
from .model import Episode, Essay, Identity, VoiceSpec
from .publish.cover import cover_bytes
from .publish.manifest import build_time
from .text.essays import git_first_added, read_essay


def build_episode(
    path: Path, out: Path | None = None, voice: str | None = None, show: Show | None = None
) -> tuple[Episode, list[Path]]:
    """One essay to one MP3 with its transcripts and chapters; no feed, no manifest.

    `show` supplies the voice, music, lexicon and sentence cache; without one,
    the defaults are used and the spoken intro names only the title and author.
    Returns the episode and the files written (the MP3 first).
    """
    from .config import standalone_show
    from .speech import resolve_voice

    alone = show is None
    show = show or standalone_show()
    essay = read_essay(path)
    spec = resolve_voice(
        show.voice.engine, show.voice.voice, show.voice.speed, voice or essay.voice
    )
    out = out or Path(f"{essay.slug}.mp3")
    if out.suffix.lower() != ".mp3":
        raise ConfigError(f"-o: {out} must end in .mp3", source="command line")
    identity = Identity(
        f"urn:essaycast:{essay.slug}",
        essay.date or git_first_added(path) or build_time(),
        essay.episode,
    )
    return render_alone(show, essay, spec, identity, out, with_cover=not alone)


def render_alone(
    show: Show, essay: Essay, spec: VoiceSpec, identity: Identity, out: Path, with_cover: bool
) -> tuple[Episode, list[Path]]:
    """Render one essay to `out` (an .mp3) and its transcripts and chapters beside it.

    Returns the episode and the files written (the MP3 first).
    """
    from .render import RenderKit, render_episode

    # Everything happens in a scratch folder: the show's output/ stays untouched,
    # and a build starting beside us (which clears stale render folders) cannot
    # pull the floor away.
    with tempfile.TemporaryDirectory(prefix="essaycast-episode-") as scratch:
        cover = None
        if with_cover:  # inside a show the episode carries the show's cover, like its build
            cover = Path(scratch) / "cover.jpg"
            cover.write_bytes(cover_bytes(show))
        kit = RenderKit(show, cover, output_dir=Path(scratch), work_root=Path(scratch))
        kit.load_music()
        started_at = time.time()
        episode = render_episode(kit, essay, spec, identity)
        if not with_cover:  # the per-user cache; a show's is pruned by its builds, locked
            from .audio.piece_cache import PieceCache

            PieceCache(show.state_dir / "cache" / "pieces").prune(keep_since=started_at)
        written = []
        # the MP3 last: a reader that sees it also sees its transcripts
        chapters = [episode.chapters] if episode.chapters else []
        for source in [*episode.transcripts.values(), *chapters, episode.audio]:
            suffix = source.split(".", 1)[1] if "." in source else ""
            target = out.with_name(f"{out.stem}.{suffix}") if suffix != "mp3" else out
            with atomic_path(target) as tmp:
                shutil.move(Path(scratch) / source, tmp)
            written.append(target)
    return episode, [written[-1], *written[:-1]]
