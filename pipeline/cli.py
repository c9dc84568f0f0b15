"""The essaycast command line: parse, make one library call, report, exit.

Heavy libraries (piper, onnxruntime, feedgen, mutagen, Pillow) are imported
inside the library calls, so `--help` and a no-change rebuild load none of them.
Exit codes: 0 all well; 1 some essays failed or the show is locked; 2 usage or
configuration error.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from pathlib import Path

import click

from .errors import EssaycastError

# Two jobs overlap one essay's mastering with the next one's synthesis; more
# only queue up behind the single voice engine.
DEFAULT_JOBS = 2


class _Group(click.Group):
    """Turns an unexpected exception into one line unless -v asked for the traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted; the previous output is intact.", err=True)
            sys.exit(130)
        except OSError as exc:  # an unwritable or missing folder: say which, and what to do
            if (ctx.obj or {}).get("verbose"):
                traceback.print_exc()
            where = f"{exc.filename}: " if exc.filename else ""
            raise EssaycastError(
                f"{where}{exc.strerror or exc}; check that the folder exists and that you "
                "may write there"
            ) from exc
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            if (ctx.obj or {}).get("verbose"):
                traceback.print_exc()
            raise EssaycastError(
                f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)"
            ) from exc


def _verbosity(func):
    func = click.option("-v", "--verbose", is_flag=True, help="Log details and tracebacks.")(func)
    return click.option("-q", "--quiet", is_flag=True, help="Print errors only.")(func)


# Options several commands share, each made once (a click.option decorator
# builds a fresh Option every time it is applied).
_show_option = click.option(
    "--show",
    "show_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The show folder (with podcast.toml).",
)
_base_url_option = click.option(
    "--base-url", help="Publish under this URL instead of podcast.toml's base_url."
)
_restore_option = click.option(
    "--restore/--no-restore",
    default=None,
    help="First bring output/ back from base_url (default: on when CI is set).",
)
_json_summary_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a machine-readable summary."
)


def _setup(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    ctx.ensure_object(dict)  # the group made it: the group's error handler sees -v too
    ctx.obj["verbose"] = verbose
    ctx.obj["quiet"] = quiet
    logging.basicConfig(
        level=logging.ERROR if quiet else logging.WARNING, format="%(levelname)s: %(message)s"
    )
    if verbose:
        # our own details; third-party debug chatter (markdown-it, PIL...) stays out
        logging.getLogger("pipeline").setLevel(logging.DEBUG)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="essaycast")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Turn a folder of essays into a narrated podcast.

    \b
    Quick start, in a show folder (podcast.toml + essays/):
      essaycast build          narrate every new or changed essay, write output/
      essaycast script FILE    read what the voice will say, before rendering
    """
    ctx.ensure_object(dict)  # shared with every command's context


@main.command()
@_show_option
@_base_url_option
@click.option("--force", is_flag=True, help="Render every essay again.")
@click.option("--only", multiple=True, metavar="SLUG", help="Build only this essay (repeatable).")
@click.option("--voice", metavar="ENGINE:VOICE", help="Use this voice for every essay.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 32),
    default=DEFAULT_JOBS,
    show_default=True,
    help="Essays rendered at once: 2 overlap encoding with synthesis; more run "
    "one shard process per core.",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Render only share K of N and leave a shard record (a CI matrix job).",
)
@_restore_option
@click.option("--dry-run", is_flag=True, help="Print the plan; render and write nothing.")
@_json_summary_option
@click.option(
    "--check",
    "then_check",
    is_flag=True,
    help="Then run `essaycast check`; exit 1 if an episode is far off.",
)
@_verbosity
@click.pass_context
def build(
    ctx,
    show_dir,
    base_url,
    force,
    only,
    voice,
    jobs,
    shard,
    restore,
    dry_run,
    as_json,
    then_check,
    verbose,
    quiet,
):
    """Narrate new and changed essays and publish output/ (MP3s, transcripts, feed).

    With --shard K/N only share K of the stale essays is rendered, and the
    feed is left for `essaycast publish` once all N output/ folders are merged.

    \b
    Examples:
      essaycast build --show ~/my-show --base-url https://me.github.io/show/
      essaycast build --shard 2/4      one job of a four-job render matrix
    """
    _setup(ctx, verbose, quiet)
    from .build import build_share, build_show, plan_show
    from .config import load_show
    from .scale.shard import parse_shard
    from .watch import BuildWatch, display_mode

    spec = parse_shard(shard) if shard else None
    show = load_show(show_dir, base_url=base_url)
    restoring = _wants_restore(restore, show)
    watch = BuildWatch(display_mode(quiet, as_json))
    if dry_run:
        report = plan_show(show, force=force, only=only, voice=voice, shard=spec)
    elif spec:
        with watch:
            report = build_share(
                show,
                spec,
                force=force,
                only=only,
                voice=voice,
                jobs=jobs,
                progress=watch,
                restore=restoring,
            )
    else:
        with watch:
            report = build_show(
                show,
                force=force,
                only=only,
                voice=voice,
                jobs=jobs,
                progress=watch,
                restore=restoring,
            )
    _print_report(report, show, watch, dry_run=dry_run, as_json=as_json, quiet=quiet)
    checked = None
    if then_check and not dry_run:
        checked = _run_check(show, only, None, as_json, quiet)
    ctx.exit(0 if report.ok and (checked is None or checked.ok) else 1)


@main.command()
@_show_option
@_base_url_option
@_restore_option
@_json_summary_option
@_verbosity
@click.pass_context
def publish(ctx, show_dir, base_url, restore, as_json, verbose, quiet):
    """Merge the shard records in output/ and write the feed and page; render nothing.

    Run it once the output/ folders of all `build --shard K/N` jobs are copied
    into one output/. An essay no shard rendered is reported (exit 1); the
    episodes published before stay in the feed.

    \b
    Example, after copying shard-1 and shard-2's output/ into output/:
      essaycast publish --base-url https://me.github.io/show/
    """
    _setup(ctx, verbose, quiet)
    from .build import publish_show
    from .config import load_show

    show = load_show(show_dir, base_url=base_url)
    report = publish_show(show, restore=_wants_restore(restore, show))
    _print_report(
        report, show, None, dry_run=False, as_json=as_json, quiet=quiet, command="publish"
    )
    ctx.exit(0 if report.ok else 1)


def _wants_restore(flag: bool | None, show) -> bool:
    """--restore/--no-restore, else on in CI (ESSAYCAST_RESTORE=off turns that off)."""
    if flag is not None:
        return flag
    if os.environ.get("ESSAYCAST_RESTORE", "").lower() in ("0", "off", "no", "false"):
        return False
    from .urls import is_local_address

    # a preview address on the runner itself has nothing published behind it
    return bool(os.environ.get("CI")) and not is_local_address(show.podcast.base_url or "")


def _print_report(
    report, show, watch, *, dry_run: bool, as_json: bool, quiet: bool, command: str = "build"
) -> None:
    """The build's report on stdout (or as JSON); its notes and failures on stderr; the
    GitHub Actions job summary when $GITHUB_STEP_SUMMARY names one."""
    from .watch import append_job_summary, build_job_summary, build_summary

    if as_json:
        click.echo(json.dumps(_report_json(report, show, watch), indent=2))
    else:
        if not quiet:
            for note in report.notes:
                click.echo(note, err=True)
        if dry_run:
            for item in report.planned:
                click.echo(f"{item.action:9}  {item.essay.slug}  ({item.voice.label})")
            for slug in report.removed:
                click.echo(f"{'removed':9}  {slug}")
        for path, reason in report.failed:  # each failure on its own line, even with -q
            click.echo(f"Error: {path}: {reason}", err=True)
        if not quiet:
            for line in build_summary(report, show, watch):
                click.echo(line)
    if not dry_run:
        append_job_summary(build_job_summary(report, show, watch, command))


@main.command()
@_show_option
@click.option("--only", multiple=True, metavar="SLUG", help="Check only this episode (repeatable).")
@click.option(
    "--try",
    "attempts",
    multiple=True,
    metavar="WORD=RESPELLING",
    help="Speak a sentence with WORD (the one the check doubted) with and "
    "without the respelling; say which is heard right.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 32),
    default=None,
    help="Sentences heard at once, one core each (default: every core).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")
@_verbosity
@click.pass_context
def check(ctx, show_dir, only, attempts, jobs, as_json, verbose, quiet):
    """Hear every built episode: words said wrong, loudness, peaks, silences.

    One line per sentence the recogniser heard differently from the essay
    (its time in the episode, for ffplay -ss), a summary per episode with its
    word error rate and audio figures, and lexicon advice for repeated misses.
    Exits 1 if an episode is far off: its word error rate above [check] max_wer,
    or its loudness, true peak, silences or clipping off target.

    \b
    Examples:
      essaycast check --only never-let-me-go
      essaycast check --try 'Ishiguro=ish-ee-GOO-roh'
    """
    _setup(ctx, verbose, quiet)
    from .config import load_show

    show = load_show(show_dir)
    if attempts:
        from .check import parse_attempt, try_respelling

        for attempt in attempts:
            for line in try_respelling(show, *parse_attempt(attempt), only=only).lines():
                click.echo(line)
        return
    report = _run_check(show, only, jobs, as_json, quiet)
    ctx.exit(0 if report.ok else 1)


def _run_check(show, only, jobs, as_json, quiet):
    from .check import check_show
    from .watch import CheckWatch, append_job_summary, check_job_summary, display_mode

    with CheckWatch(display_mode(quiet, as_json)) as watch:
        report = check_show(show, only=only, jobs=jobs, progress=watch)
    append_job_summary(check_job_summary(report))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for line in report.lines():
            if not quiet or line.startswith(("Checked", "far off")) or " far off: " in line:
                click.echo(line)
    return report


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The MP3 to write (default: <slug>.mp3 here). Transcripts go beside it.",
)
@click.option("--voice", metavar="ENGINE:VOICE", help="The voice (default: the show's, or hibari).")
@click.option(
    "--show",
    "show_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Use this show's settings (default: the show around FILE).",
)
@_verbosity
@click.pass_context
def episode(ctx, file, out, voice, show_dir, verbose, quiet):
    """Narrate one essay into one MP3 (with .vtt, .srt, .chapters.json); no feed.

    Needs no show: outside one, the default voice and music are used and the
    spoken intro names the title and author.

    \b
    Example:
      essaycast episode review.md -o review.mp3 --voice espeak:en-gb
    """
    _setup(ctx, verbose, quiet)
    from .config import find_show_root, load_show
    from .standalone import build_episode

    root = show_dir or find_show_root(file)
    show = load_show(root) if root is not None else None
    made, files = build_episode(file, out, voice=voice, show=show)
    if not quiet:
        minutes, seconds = divmod(round(made.duration), 60)
        size = files[0].stat().st_size / 1e6
        click.echo(f"Wrote {files[0]} ({minutes}:{seconds:02d}, {size:.1f} MB)")
        for extra in files[1:]:
            click.echo(f"  and {extra}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--show",
    "show_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Use this show's lexicon (default: the show around FILE).",
)
@click.option(
    "--voice",
    metavar="ENGINE:VOICE",
    help="Show what this voice receives (default: the show's voice).",
)
@click.option(
    "--phonemes",
    is_flag=True,
    help="hibari/kokoro: under each sentence, the phonemes the voice reads.",
)
def script(file, show_dir, voice, phonemes):
    """Print what the voice will say: chapters, sentences and pauses.

    Each line is what the voice receives: a lexicon entry's phonemes
    "[word](/phonemes/)" go to hibari and kokoro, other voices read the word.
    --phonemes shows hibari's reading, to copy into [lexicon] and correct.

    \b
    Example:
      essaycast script essays/never-let-me-go.md --phonemes
    """
    from .config import VoiceSettings, find_show_root, load_show
    from .speech import received, resolve_voice
    from .text.essays import read_essay
    from .text.sentences import render_script, to_speech_text

    lexicon: dict[str, str] = {}
    language = "en"
    settings = VoiceSettings()
    reading = None
    root = show_dir or find_show_root(file)
    if root is not None:
        show = load_show(root)
        lexicon, language, settings = show.lexicon, show.podcast.language, show.voice
        reading, root = show.essays.reading, show.root  # [essays]: how links, tables, maths read
    essay = read_essay(file, reading, root=root)
    spec = resolve_voice(settings.engine, settings.voice, settings.speed, voice or essay.voice)
    say = received(spec, phonemes)
    click.echo(render_script(to_speech_text(essay, lexicon, language), say), nl=False)


@main.command()
@click.argument("engine", required=False)
@click.option(
    "--check",
    is_flag=True,
    help="Speak one sentence with each installed voice (espeak: its default) "
    "and try the online engines (2 s timeout).",
)
def voices(engine, check):
    """List engines and voices, and whether each can speak here and now.

    Use one in podcast.toml ([voice] engine, voice), in an essay's front matter
    (voice: espeak:en-us+f3) or with --voice ENGINE:VOICE. Settings go after
    commas: "espeak:en-us,pitch=60", "gtts:en,tld=co.uk", "piper:NAME,volume=0.8".

    \b
    Example:
      essaycast voices espeak
    """
    import textwrap

    from .speech import ENGINES, VoiceRow, voice_table

    rows = [
        VoiceRow("ENGINE", "VOICE", "STATUS", "NOTE"),
        *voice_table(engine, check_network=check, speak=check),
    ]
    width = [max(len(getattr(r, f)) for r in rows) for f in ("engine", "voice", "status")]
    for row in rows:
        click.echo(
            f"{row.engine:{width[0]}}  {row.voice:{width[1]}}  "
            f"{row.status:{width[2]}}  {row.note}".rstrip()
        )
    for name, info in ENGINES.items():
        if engine in (None, name):
            usage = textwrap.fill(info.usage(), 78, initial_indent="  ", subsequent_indent="  ")
            click.echo(f"\n{name}: {info.summary}\n{usage}")


def _report_json(report, show, watch) -> dict:
    from .watch import built_audio, renders_json

    published = not report.dry_run and report.shard is None
    return {
        "ok": report.ok,
        "dry_run": report.dry_run,
        "built": report.built,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "failed": [{"file": f, "reason": r} for f, r in report.failed],
        "episodes": [
            {
                "slug": e.slug,
                "title": e.title,
                "audio": e.audio,
                "bytes": e.size,
                "duration": round(e.duration, 2),
            }
            for e in sorted(report.episodes, key=lambda e: e.slug)
        ],
        "seconds": round(report.seconds, 2),
        "notes": report.notes,
        "shard": report.shard.label if report.shard else None,
        # added by issue 31: the audio this build made, each render's figures, the feed
        "audio_seconds": round(built_audio(report, watch), 2),
        "renders": renders_json(watch),
        "feed": (
            {"file": str(show.output_dir / "feed.xml"), "url": show.podcast.feed_url}
            if published
            else None
        ),
    }


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The show's title (default: made from the folder's name).")
@click.option(
    "--shards",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Render on a matrix of N CI jobs, then publish in one (for long archives).",
)
@click.option(
    "--follow",
    metavar="FEED_URL",
    help="Follow a blog: a daily workflow that imports its new posts, narrates and publishes them.",
)
def init(directory, title, shards, follow):
    """Make DIRECTORY (default: here) a show: podcast.toml, essays/, output/, CI workflow.

    Existing files are never overwritten; a folder with a podcast.toml is left alone.

    \b
    Examples:
      essaycast init my-show --title "Quiet Reels"
      essaycast init archive --shards 4    a back catalogue: four render jobs
      essaycast init my-blog --follow https://example.org/feed
    """
    from .scaffold import scaffold_show

    report = scaffold_show(directory, title=title, shards=shards, follow=follow)
    here = directory == Path(".")
    prefix = "" if here else f"{directory}/"
    click.echo("Created a show here:" if here else f"Created a show in {directory}:")
    for name in report.created:
        click.echo(f"  {name}")
    for name, why in report.skipped:
        click.echo(f"  {name}: skipped, {why}")
    for name in report.updated:
        click.echo(f"  {name}: added essaycast's lines (output/, .essaycast/)")
    blog = report.blog
    if blog is not None:
        count = f"{blog.posts} file{'' if blog.posts == 1 else 's'}"
        click.echo(
            f"Found {blog.found} ({', '.join(blog.evidence)}): {count} in "
            f"{', '.join(blog.paths)}"
            + (f" (leaving out {', '.join(blog.exclude)})" if blog.exclude else "")
            + "; podcast.toml's [essays] reads them where they are."
        )
        if blog.note:
            click.echo(f"Note: {blog.note}")
    if report.outside_repo_root is not None:
        click.echo(
            f"Note: {directory} is inside the git repository {report.outside_repo_root}; "
            "GitHub runs workflows only from .github/workflows/ at a repository's root."
        )
    show = "" if here else f" --show {directory}"
    if follow:
        click.echo(
            "Next steps:\n"
            f"  1. Edit {prefix}podcast.toml (title, author, email).\n"
            f"  2. essaycast import {follow}{show}   brings the posts in now (optional).\n"
            '  3. Push to GitHub and set Settings > Pages > Source to "GitHub Actions";\n'
            "     the follow workflow imports new posts daily, narrates and publishes them."
        )
        return
    click.echo(
        "Next steps:\n"
        f"  1. Edit {prefix}podcast.toml (title, author, email); "
        + (
            "`essaycast script FILE` shows how a post will be read.\n"
            if blog
            else f"add essays to {prefix}essays/.\n"
        )
        + f"  2. essaycast build{show}   narrates them into output/.\n"
        '  3. Push to GitHub and set Settings > Pages > Source to "GitHub Actions";\n'
        f"     the workflow publishes on every push to {report.branch} and nightly."
    )


@main.command("import")
@click.argument("url")
@_show_option
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="Only posts published on or after DATE (YYYY-MM-DD).",
)
@click.option("--limit", type=click.IntRange(1), metavar="N", help="Only the newest N posts.")
@click.option(
    "--update",
    is_flag=True,
    help="Rewrite posts changed at the source (never a file edited by hand).",
)
@click.option("--dry-run", is_flag=True, help="List what would be written; write nothing.")
@_verbosity
@click.pass_context
def import_(ctx, url, show_dir, since, limit, update, dry_run, verbose, quiet):
    """Import a blog's posts from its feed (RSS, Atom, JSON Feed) or one post's page.

    Each post becomes an essay in the show's essays/ folder, with its title,
    date, author and link to the original in the front matter. A post already
    imported is never written twice. Posts are fetched only here: `build` reads files.

    \b
    Examples:
      essaycast import https://example.org/feed --since 2026-01-01
      essaycast import https://example.org/2026/03/on-rain/
    """
    _setup(ctx, verbose, quiet)
    from datetime import UTC

    from .config import load_show
    from .follow.fetch import check_url
    from .follow.importer import import_posts
    from .watch import ImportWatch, display_mode

    show = load_show(show_dir)
    # each post's line is printed as it is read (above the live count on a terminal)
    with ImportWatch(display_mode(quiet, False), verbose=verbose) as watch:
        report = import_posts(
            show.essays_dir,
            check_url(url),
            show_root=show.root,
            since=since.replace(tzinfo=UTC) if since else None,
            limit=limit,
            update=update,
            dry_run=dry_run,
            progress=watch,
        )
    if not quiet:
        for note in report.notes:
            click.echo(note, err=True)
        click.echo(report.summary())
    ctx.exit(0 if report.ok else 1)


@main.command()
@_show_option
@_base_url_option
def feed(show_dir, base_url):
    """Rewrite output/feed.xml and output/index.html from what is built (no rendering).

    \b
    Example, after editing the show's description or moving it to a new address:
      essaycast feed --show ~/my-show
    """
    from .config import load_show
    from .publish.writer import rewrite_feed

    show = load_show(show_dir, base_url=base_url)
    episodes = rewrite_feed(show)
    noun = "episode" if len(episodes) == 1 else "episodes"
    click.echo(f"Wrote feed.xml and index.html with {len(episodes)} {noun} in {show.output_dir}")


@main.command()
@click.argument("slug")
@_show_option
def embed(slug, show_dir):
    """Print the snippet that plays episode SLUG, read along, on your own site.

    For plain HTML, Jekyll, Hugo, Eleventy and Astro; the URLs are under base_url.

    \b
    Example:
      essaycast embed never-let-me-go --show ~/my-show
    """
    from .config import load_show
    from .publish.embed import embed_snippets

    click.echo(embed_snippets(load_show(show_dir), slug), nl=False)


@main.command()
@click.argument(
    "feed_file",
    metavar="[FEED]",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--show",
    "show_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Check this show's output/feed.xml (default: the current folder).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Hold a local preview feed (127.0.0.1, LAN) to the https rules too.",
)
def validate(feed_file, show_dir, publish):
    """Check the feed and its media against the podcast directories' rules.

    Prints one line per failure, `RULE-ID: error|warning: message`, then a
    summary. Exits 1 if any MUST rule fails, 0 otherwise (warnings allowed).

    \b
    Examples:
      essaycast validate                      the show in this folder
      essaycast validate --show ~/my-show --publish
      essaycast validate output/feed.xml      any feed file; media beside it
    """
    from .config import load_show
    from .validate import validate_feed

    if feed_file is not None and show_dir is not None:
        raise click.UsageError("give either FEED or --show, not both")
    if feed_file is not None:
        report = validate_feed(feed_file, publish=publish)
    else:
        show = load_show(show_dir or ".")
        target = show.output_dir / "feed.xml"
        if not target.is_file():
            raise EssaycastError(f"{target}: no feed yet; run essaycast build first")
        report = validate_feed(
            target,
            base_url=show.podcast.base_url or None,
            feed_url=show.podcast.feed_url if show.podcast.base_url else None,
            publish=publish,
        )
    for finding in report.findings:
        click.echo(finding.line())
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@main.command()
@_show_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 lets phones on your network connect.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@_verbosity
@click.pass_context
def serve(ctx, show_dir, host, port, verbose, quiet):
    """Serve output/ so podcast apps can subscribe before you publish.

    GET and HEAD, byte ranges, ETags; nothing outside output/. Feed URLs under
    base_url are rewritten to the address each app used to connect.

    \b
    Example, for a phone on the same Wi-Fi:
      essaycast serve --host 0.0.0.0
    """
    _setup(ctx, verbose, quiet)
    if verbose:
        logging.getLogger("pipeline.serve").setLevel(logging.INFO)
    from .config import load_show
    from .serve import serve_show

    serve_show(load_show(show_dir), host, port)
