"""podcast.toml -> frozen dataclasses.

Every key but `[podcast] title` has a default and unknown keys are errors.
All problems are collected and reported together, each as
`section.key: what is wrong; what to do`, so a user fixes them in one pass.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .model import Reading
from .urls import base_url_problem

CONFIG_NAME = "podcast.toml"


@dataclass(frozen=True)
class PodcastSettings:
    title: str
    description: str = ""
    author: str = ""
    email: str = ""
    language: str = "en"
    base_url: str = ""
    category: str = "Society & Culture"
    explicit: bool = False
    image: str = ""
    link: str = ""
    copyright: str = ""
    type: str = "episodic"

    @property
    def website(self) -> str:
        return self.link or self.base_url

    @property
    def feed_url(self) -> str:
        return self.base_url + "feed.xml"


@dataclass(frozen=True)
class VoiceSettings:
    engine: str = "hibari"  # the best measured voice (bench/RESULTS.md)
    voice: str = "heart"  # "" means the engine's own default voice
    speed: float = 1.0
    quotes: str = ""  # who reads blockquotes: "engine:voice" (as --voice); "": the narrator


# The voice a show speaks with when its [voice] names neither engine nor voice, by the
# show's language: the most natural one that speaks it (bench/RESULTS.md). German has no
# neural voice to be had offline, so espeak-ng's; any other language keeps VoiceSettings'.
LANGUAGE_VOICES = {
    "fr": ("kokoro", "ff_siwis"),
    "es": ("kokoro", "ef_dora"),
    "it": ("kokoro", "if_sara"),
    "pt": ("kokoro", "pf_dora"),
    "de": ("espeak", "de"),
}


def default_voice(language: str) -> VoiceSettings:
    """The voice settings of a show in `language` whose podcast.toml names no voice."""
    engine_voice = LANGUAGE_VOICES.get(language.replace("_", "-").split("-")[0].lower())
    if engine_voice is None:
        return VoiceSettings()
    return VoiceSettings(engine=engine_voice[0], voice=engine_voice[1])


@dataclass(frozen=True)
class MusicSettings:
    intro: str = "default"
    outro: str = "none"


@dataclass(frozen=True)
class AudioSettings:
    bitrate: str = "96k"
    loudness: float = -16.0  # LUFS as heard on two ears

    @property
    def kbps(self) -> int:
        return int(self.bitrate.rstrip("k"))


@dataclass(frozen=True)
class CheckSettings:
    max_wer: float = 5.0  # percent: `build --check` and `check` exit 1 above it


@dataclass(frozen=True)
class RestoreSettings:
    # seconds a whole restore from base_url may take before the build goes on without the rest
    deadline: float = 900.0


@dataclass(frozen=True)
class EssaysSettings:
    """[essays]: where the posts are, what to leave out, and how text for the eye is read."""

    paths: tuple[str, ...] = ("essays",)  # folders or globs relative to the show
    exclude: tuple[str, ...] = ()  # globs (or folders) relative to the show
    links: str = "site"
    tables: str = "read"
    maths: str = "announce"

    @property
    def reading(self) -> Reading:
        return Reading(links=self.links, tables=self.tables, maths=self.maths)


# each [essays] choice and its values, the first the default
ESSAYS_CHOICES: dict[str, tuple[str, ...]] = {
    "links": ("site", "drop"),
    "tables": ("read", "skip"),
    "maths": ("announce", "read"),
}


@dataclass(frozen=True)
class Show:
    """A show folder and its settings."""

    root: Path
    podcast: PodcastSettings
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    music: MusicSettings = field(default_factory=MusicSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    restore: RestoreSettings = field(default_factory=RestoreSettings)
    lexicon: dict[str, str] = field(default_factory=dict)
    essays: EssaysSettings = field(default_factory=EssaysSettings)
    voices: dict[str, str] = field(default_factory=dict)  # [voices]: speaker name -> voice

    @property
    def essays_dir(self) -> Path:
        return self.root / "essays"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def state_dir(self) -> Path:
        """Working state that is not published: sentence cache, lock."""
        return self.root / ".essaycast"

    def relative(self, path: Path) -> str:
        """`path` as the show's reports name it: relative to the show, else as given."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)


_SECTIONS: dict[str, type] = {
    "podcast": PodcastSettings,
    "voice": VoiceSettings,
    "music": MusicSettings,
    "audio": AudioSettings,
    "check": CheckSettings,
    "restore": RestoreSettings,
}

# a [voices] name as an essay writes it after `::: voice` or `**…:**`: words, not markup
SPEAKER_NAME = re.compile(r"^[^\W_][\w .'’-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BITRATE = re.compile(r"^(\d{2,3})k$")


def find_show_root(path: Path) -> Path | None:
    """The show folder around `path` (the nearest parent with a podcast.toml), if any."""
    return next((p for p in path.resolve().parents if (p / CONFIG_NAME).is_file()), None)


def standalone_show() -> Show:
    """Settings for an essay outside any show: defaults, a per-user sentence cache."""
    import os

    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Show(root=cache_home / "essaycast", podcast=PodcastSettings(title=""))


def load_show(root: Path | str = ".", base_url: str | None = None) -> Show:
    """Read `<root>/podcast.toml`; raise one ConfigError listing every problem."""
    root = Path(root).resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"not found in {root}; run `essaycast init {root}` to make a show there",
            source=CONFIG_NAME,
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text; save it as UTF-8", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML: {exc}", source=str(path)) from None
    return parse_show(root, data, base_url=base_url, source=str(path))


def parse_show(
    root: Path, data: dict[str, Any], base_url: str | None = None, source: str = CONFIG_NAME
) -> Show:
    """Validate a parsed podcast.toml; pure, so tests can feed it dicts."""
    problems: list[str] = []
    sections: dict[str, Any] = {}

    for name in data:
        if name not in _SECTIONS and name not in ("lexicon", "essays", "voices"):
            problems.append(
                f"[{name}]: unknown section; the sections are "
                + ", ".join(f"[{s}]" for s in [*_SECTIONS, "essays", "voices", "lexicon"])
            )

    for name, cls in _SECTIONS.items():
        table = data.get(name, {})
        if not isinstance(table, dict):
            problems.append(f"{name}: must be a table [{name}]")
            table = {}
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in known:
                problems.append(
                    f"{name}.{key}: unknown key; the keys of [{name}] are {', '.join(known)}"
                )
                continue
            expected = _expected_type(cls, key)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            is_bool = isinstance(value, bool)
            if not isinstance(value, expected) or (expected is not bool and is_bool):
                problems.append(f"{name}.{key}: must be a {expected.__name__}, not {value!r}")
                continue
            values[key] = value
        sections[name] = values

    if base_url is not None:
        problem = base_url_problem(base_url)
        if problem:
            raise ConfigError(f"--base-url: {problem}", source="command line")
        sections["podcast"]["base_url"] = base_url
    podcast = sections["podcast"]
    if not str(podcast.get("title", "")).strip():
        problems.append('podcast.title: required; add title = "Your Show" under [podcast]')
        podcast["title"] = "untitled"
    problems += _check_values(sections)

    lexicon = data.get("lexicon", {})
    if not isinstance(lexicon, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in lexicon.items()
    ):
        problems.append('lexicon: each entry must be word = "respelling"')
        lexicon = {}

    essays = _essays_settings(data.get("essays", {}), problems)
    voices = _voices_table(data.get("voices", {}), problems)

    if problems:
        raise ConfigError(problems, source=source)

    if podcast.get("base_url") and not podcast["base_url"].endswith("/"):
        podcast["base_url"] += "/"
    voice = sections["voice"]
    if "engine" not in voice and "voice" not in voice:
        language_default = default_voice(podcast.get("language", "en"))
        voice |= {"engine": language_default.engine, "voice": language_default.voice}
    elif "engine" in voice and "voice" not in voice:
        voice["voice"] = ""  # an engine named alone speaks with its own default voice
    if str(voice.get("voice", "")).split(",")[0].endswith(".onnx"):
        # a Piper voice file is relative to the show, like music and images
        name, comma, options = voice["voice"].partition(",")
        if not Path(name).expanduser().is_absolute():
            voice["voice"] = str(root / name) + comma + options
    if voice.get("quotes"):
        voice["quotes"] = _in_show(voice["quotes"], root)
    voices = {name: _in_show(choice, root) for name, choice in voices.items()}
    return Show(
        root=root,
        podcast=PodcastSettings(**podcast),
        voice=VoiceSettings(**sections["voice"]),
        music=MusicSettings(**sections["music"]),
        audio=AudioSettings(**sections["audio"]),
        check=CheckSettings(**sections["check"]),
        restore=RestoreSettings(**sections["restore"]),
        lexicon=dict(lexicon),
        essays=essays,
        voices=voices,
    )


def _in_show(choice: str, root: Path) -> str:
    """ "piper:voices/x.onnx" with the Piper voice file relative to the show made absolute."""
    engine, colon, name = choice.rpartition(":") if ".onnx" in choice else ("", "", choice)
    path, comma, options = name.partition(",")
    if not path.endswith(".onnx") or Path(path).expanduser().is_absolute():
        return choice
    return f"{engine}{colon}{root / path}{comma}{options}"


def _voices_table(table: Any, problems: list[str]) -> dict[str, str]:
    """[voices] -> {speaker name: "engine:voice"}; each problem appended as one line.

    The voices themselves are checked where engines are known (speech.cast).
    """
    if not isinstance(table, dict):
        problems.append('voices: must be a table [voices] of Name = "engine:voice"')
        return {}
    voices: dict[str, str] = {}
    for name, value in table.items():
        if not SPEAKER_NAME.match(name.strip()):
            problems.append(
                f"voices.{name!r}: a speaker's name is words (letters, digits, spaces, . ' -); "
                'e.g. Ishiguro = "kokoro:bm_george"'
            )
        elif not isinstance(value, str) or not value.strip():
            problems.append(
                f'voices.{name}: must be a voice, e.g. "kokoro:bm_george", not {value!r}'
            )
        else:
            voices[name.strip()] = value.strip()
    return voices


def _essays_settings(table: Any, problems: list[str]) -> EssaysSettings:
    """[essays] -> EssaysSettings; each problem is appended as one line."""
    if not isinstance(table, dict):
        problems.append("essays: must be a table [essays]")
        return EssaysSettings()
    known = [f.name for f in fields(EssaysSettings)]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            problems.append(
                f"essays.{key}: unknown key; the keys of [essays] are {', '.join(known)}"
            )
        elif key in ("paths", "exclude"):
            patterns = [value] if isinstance(value, str) else value
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                problems.append(
                    f'essays.{key}: must be a list of folders or globs, e.g. ["_posts"], '
                    f"not {value!r}"
                )
                continue
            bad = [p for p in patterns if not _inside_show(p)]
            if bad:
                problems.append(
                    f"essays.{key}: {bad[0]!r} is outside the show; "
                    'give a folder or glob relative to it, e.g. "content/posts/**/*.md"'
                )
                continue
            if key == "paths" and not [p for p in patterns if p.strip()]:
                problems.append('essays.paths: is empty; name at least one folder, e.g. ["_posts"]')
                continue
            values[key] = tuple(p.strip() for p in patterns if p.strip())
        else:
            choices = ESSAYS_CHOICES[key]
            if value not in choices:
                problems.append(
                    f"essays.{key}: {value!r}; the choices are {', '.join(map(repr, choices))}"
                )
                continue
            values[key] = value
    return EssaysSettings(**values)


def _inside_show(pattern: str) -> bool:
    """A path pattern that stays inside the show: relative, with no `..` part."""
    from pathlib import PurePosixPath, PureWindowsPath

    posix = PurePosixPath(pattern.replace("\\", "/"))
    return not (
        posix.is_absolute() or PureWindowsPath(pattern).is_absolute() or ".." in posix.parts
    )


def _expected_type(cls: type, key: str) -> type:
    # annotations are strings under `from __future__ import annotations`
    annotation = next(f.type for f in fields(cls) if f.name == key)
    return {"str": str, "bool": bool, "float": float}[str(annotation)]


def _check_values(sections: dict[str, dict[str, Any]]) -> list[str]:
    """Range and format checks on values that have the right type."""
    from .categories import parse_category  # local: a small table, only needed here

    problems: list[str] = []
    podcast, voice, audio = sections["podcast"], sections["voice"], sections["audio"]

    if "language" in podcast and not _LANGUAGE.match(podcast["language"]):
        problems.append(
            f"podcast.language: {podcast['language']!r} is not a BCP 47 code; "
            'use e.g. "en" or "en-GB"'
        )
    if podcast.get("email") and not EMAIL.match(podcast["email"]):
        problems.append(f"podcast.email: {podcast['email']!r} is not an e-mail address")
    if podcast.get("base_url"):
        # strictest of all: every enclosure URL is base_url + a file name, and it is published
        problem = base_url_problem(podcast["base_url"])
        if problem:
            problems.append(f"podcast.base_url: {problem}")
    if podcast.get("link"):
        link = podcast["link"]
        try:
            parts = urlsplit(link)
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(
                f"podcast.link: {link!r} is not an absolute http(s) URL; "
                'use e.g. "https://example.org/show/"'
            )
    if "category" in podcast:
        try:
            parse_category(podcast["category"])
        except ValueError as exc:
            problems.append(f"podcast.category: {exc}")
    if podcast.get("type", "episodic") not in ("episodic", "serial"):
        problems.append(f"podcast.type: {podcast['type']!r}; the choices are episodic, serial")
    image = podcast.get("image", "")
    if image and not image.lower().endswith((".jpg", ".jpeg", ".png")):
        problems.append(f"podcast.image: {image!r} must be a .jpg or .png file")

    speed = voice.get("speed", 1.0)
    if not 0.5 <= speed <= 2.0:
        problems.append(f"voice.speed: {speed} is out of range; use 0.5 to 2.0")

    bitrate = audio.get("bitrate", "96k")
    match = _BITRATE.match(bitrate)
    if not match or not 64 <= int(match.group(1)) <= 128:
        problems.append(f'audio.bitrate: {bitrate!r}; use a constant rate from "64k" to "128k"')
    loudness = audio.get("loudness", -16.0)
    if not -24.0 <= loudness <= -14.0:
        problems.append(
            f"audio.loudness: {loudness} LUFS is out of range; use -24 to -14 (podcasts: -16)"
        )
    deadline = sections["restore"].get("deadline", 900.0)
    if not 1.0 <= deadline <= 86400.0:
        problems.append(f"restore.deadline: {deadline} s is out of range; use 1 to 86400 (a day)")
    max_wer = sections["check"].get("max_wer", 5.0)
    if not 0.0 <= max_wer <= 100.0:
        problems.append(
            f"check.max_wer: {max_wer} is out of range; it is a percentage of words, 0 to 100"
        )
    return problems
