"""Who reads an essay: the narrator, the quote voice, and the speakers [voices] names.

`resolve_cast` turns podcast.toml's `[voice] quotes` (or an essay's front-matter
`quotes:`) and `[voices]` into a model.Cast of VoiceSpecs, checked like the
narrator's voice. A reader whose voice is the narrator's is left out (the narrator
reads it, exactly as before quotes had a voice). A voice that is well named but
cannot speak on this machine (its engine or model is not installed) is left out
too, with one warning: a quotation is the essay's words whoever reads them, so an
episode is never lost for want of a second voice, and the plan's fingerprint
holds the cast, so the episode is made again once that voice can speak.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import ConfigError, EssayError
from ..model import QUOTE_VOICE, Cast, VoiceSpec
from . import ENGINES, resolve_voice


def _spec(narrator: VoiceSpec, choice: str, key: str, source: str) -> VoiceSpec:
    """`choice` ("engine:voice", "engine" or a voice of the narrator's engine) as a VoiceSpec."""
    try:
        return resolve_voice(narrator.engine, narrator.voice, narrator.speed, choice)
    except ConfigError as exc:
        problems = "; ".join(exc.problems)
        # resolve_voice names the override "voice '…'": say which key held it instead
        reason = problems.split(": ", 1)[-1] if problems.startswith("voice ") else problems
        if source != "podcast.toml":
            raise EssayError(source, f"{key}: {reason}") from None
        raise ConfigError(f"{key}: {reason}", source=source) from None


def resolve_cast(
    narrator: VoiceSpec,
    quotes: str = "",
    voices: Mapping[str, str] | None = None,
    essay_quotes: str | None = None,
    essay_file: str = "",
) -> tuple[Cast, list[str]]:
    """The cast of one essay, and a warning for each voice that cannot speak here.

    `quotes` and `voices` are podcast.toml's ([voice] quotes, [voices]); an essay's
    front-matter `quotes:` (`essay_quotes`, from `essay_file`) overrides `quotes`.
    A badly named voice is an error: ConfigError for podcast.toml, EssayError for
    the essay's front matter.
    """
    wanted: list[tuple[str, VoiceSpec]] = []  # (reader, its voice)
    if essay_quotes:
        spec = _spec(narrator, essay_quotes, "quotes", essay_file or "front matter")
        wanted.append((QUOTE_VOICE, spec))
    elif quotes:
        wanted.append((QUOTE_VOICE, _spec(narrator, quotes, "voice.quotes", "podcast.toml")))
    for name, choice in (voices or {}).items():
        wanted.append((name, _spec(narrator, choice, f"voices.{name}", "podcast.toml")))
    readers: list[tuple[str, VoiceSpec]] = []
    warnings: list[str] = []
    for reader, spec in wanted:
        if spec == narrator:
            continue
        reason = ENGINES[spec.engine].unavailable_reason(spec)
        if reason:
            who = "the quotes" if reader == QUOTE_VOICE else f"{reader}'s passages"
            key = "voice.quotes" if reader == QUOTE_VOICE else f"voices.{reader}"
            warnings.append(
                f"{key}: {spec.label} cannot speak here ({reason}); the narrator reads {who}"
            )
            continue
        readers.append((reader, spec))
    return Cast(narrator, tuple(readers)), warnings


def cast_fingerprint(cast: Cast) -> list[object]:
    """What the cast adds to an essay's fingerprint: nothing when the narrator reads all,
    so that shows without quotes keep their fingerprints."""
    return [[reader, spec.engine, spec.voice, spec.speed] for reader, spec in cast.readers]
