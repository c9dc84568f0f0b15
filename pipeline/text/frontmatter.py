"""Front matter as blogs write it: YAML `---`, TOML `+++`, JSON `{…}`, and what it means.

`split` finds the front matter and the body; `parse` turns the front matter into a dict;
`interpret` maps the keys of Jekyll, Hugo, Eleventy, Astro, MkDocs and Obsidian posts
onto what an episode needs (title, dates, description, author, slug, tags, artwork,
whether it is published). Keys essaycast does not use are listed, never fatal: posts
carry their site generator's keys. A key it uses with a value of the wrong kind raises
ValueError with one line naming the key and the value. Pure: the caller gives the clock.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import PurePath
from typing import Any

import yaml

_YAML_OPEN = re.compile(r"^---[ \t]*$")
_YAML_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_TOML_FENCE = re.compile(r"^\+\+\+[ \t]*$")
# Jekyll's DATE_FILENAME_MATCHER: YYYY-MM-DD-slug.ext (Eleventy reads the same prefix)
JEKYLL_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class FrontMatter:
    """What a post's front matter (and its file name) says an episode is."""

    title: str | None = None
    date: datetime | None = None
    updated: datetime | None = None
    description: str | None = None
    author: str | None = None
    slug: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    episode: int | None = None
    season: int | None = None
    explicit: bool | None = None
    voice: str | None = None
    # an imported post (essaycast import): its original page, and the feed's id for it
    canonical: str | None = None
    source_id: str | None = None
    skip_reason: str = ""  # "" when it is to be published
    unknown: tuple[str, ...] = ()


# -- splitting and parsing -----------------------------------------------------------------------


def split(text: str) -> tuple[str, str | None, str]:
    """(format, front matter or None, body): format is "yaml", "toml", "json" or ""."""
    first, _, _ = text.partition("\n")
    first = first.rstrip("\r")
    if _YAML_OPEN.match(first):
        return "yaml", *_fenced(text, _YAML_CLOSE, "---")
    if _TOML_FENCE.match(first):
        return "toml", *_fenced(text, _TOML_FENCE, "+++")
    if first.strip() == "{":
        # Hugo's JSON front matter: one object from the first line, then the body
        try:
            _, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"front matter starts with {{ but is not valid JSON on line {exc.lineno}: {exc.msg}"
            ) from None
        return "json", text[:end], text[end:].lstrip(" \t").removeprefix("\n")
    return "", None, text


def _fenced(text: str, closing: re.Pattern[str], fence: str) -> tuple[str, str]:
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if closing.match(lines[index].rstrip("\r")):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    raise ValueError(f"front matter starts with {fence} but never ends; add a closing {fence} line")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML that leaves dates as text: we parse them ourselves, time zone included."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(kind: str, source: str) -> dict[str, Any]:
    """Front matter text in its format -> a dict (empty front matter is {})."""
    if kind == "toml":
        try:
            data: Any = tomllib.loads(source)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"front matter is not valid TOML: {exc}") from None
    elif kind == "json":
        data = json.loads(source)  # split() has parsed it once already
    else:
        data = _yaml(source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("front matter must be `key: value` lines, e.g. `title: My Essay`")
    return {str(k): v for k, v in data.items() if v is not None}  # `author:` alone = unset


def _yaml(source: str) -> Any:
    try:
        return yaml.load(source, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" on line {mark.line + 2}" if mark else ""  # +2: the opening --- and 1-based
        raise ValueError(f"front matter is not valid YAML{where}: {exc.problem or exc}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from None


# -- the keys of each generator -------------------------------------------------------------------
# Keys are matched without case, "_" or "-": publishDate, publishdate and publish_date are one.

TITLE = ("title",)
DATE = ("publishdate", "pubdate", "date", "created")  # the first found is when it came out
UPDATED = ("lastmod", "updated", "updateddate", "lastmodified", "lastmodifiedat", "modified")
EXPIRY = ("expirydate", "unpublishdate")
DESCRIPTION = ("description", "summary", "excerpt", "subtitle")
AUTHOR = ("author", "authors")
SLUG = ("slug",)
ADDRESS = ("permalink", "url")
TAGS = ("tags", "categories", "category", "keywords")
IMAGE = ("image", "cover", "featuredimage", "heroimage", "images", "thumbnail", "banner")
FLAGS = ("draft", "published", "publish", "podcast")
OWN = ("episode", "season", "explicit", "voice", "canonical", "sourceid")
USED = frozenset(
    (*TITLE, *DATE, *UPDATED, *EXPIRY, *DESCRIPTION, *AUTHOR, *SLUG, *ADDRESS, *TAGS, *IMAGE,
     *FLAGS, *OWN, "params")
)  # fmt: skip


def _norm(key: str) -> str:
    return re.sub(r"[-_\s]", "", key).lower()


def interpret(
    meta: Mapping[str, Any], file: PurePath | None = None, now: datetime | None = None
) -> FrontMatter:
    """A post's front matter (and file name) -> FrontMatter; a bad value is one ValueError."""
    now = now or datetime.now(UTC)
    keys: dict[str, tuple[str, Any]] = {}
    params = meta.get("params")
    if isinstance(params, Mapping):  # Hugo keeps a site's own fields under params
        keys.update({_norm(str(k)): (f"params.{k}", v) for k, v in params.items() if v is not None})
    keys.update({_norm(k): (k, v) for k, v in meta.items()})

    def first(names: tuple[str, ...], check: Callable[[str, Any], Any]) -> Any:
        for name in names:
            if name in keys:
                key, value = keys[name]
                checked = check(key, value)
                if checked is not None:
                    return checked
        return None

    published = first(DATE, _date_or_map)
    if published is None and file is not None:
        published = _date_from_name(file)
    updated = first(UPDATED, _updated)
    if updated is None and "date" in keys and isinstance(keys["date"][1], Mapping):
        updated = _date_map(keys["date"][0], keys["date"][1], "updated")
    expiry = first(EXPIRY, _date_or_map)
    skip = _skip_reason(keys, expiry, now)
    if not skip and "publishdate" in keys and published is not None and published > now:
        skip = f"{keys['publishdate'][0]}: {published.date().isoformat()} is still to come"
    return FrontMatter(
        title=first(TITLE, text),
        date=published,
        updated=updated,
        description=first(DESCRIPTION, text),
        author=first(AUTHOR, _author),
        slug=first(SLUG, _slug) or first(ADDRESS, _address_slug),
        tags=tuple(dict.fromkeys(t for name in TAGS if name in keys for t in _tags(*keys[name]))),
        image=first(IMAGE, _image),
        episode=first(("episode",), positive),
        season=first(("season",), positive),
        explicit=first(("explicit",), flag),
        voice=first(("voice",), text),
        canonical=first(("canonical",), _web_address),
        source_id=first(("sourceid",), text),
        skip_reason=skip,
        unknown=tuple(k for k in meta if _norm(k) not in USED),
    )


def _web_address(key: str, value: Any) -> str:
    """An absolute http(s) address (an imported post's original page)."""
    url = text(key, value)
    if not re.match(r"^https?://[^\s/]+", url) or any(c.isspace() for c in url):
        raise ValueError(f"front matter {key}: {url!r} must be a full http(s) address")
    return url


def _skip_reason(
    keys: Mapping[str, tuple[str, Any]], expiry: datetime | None, now: datetime
) -> str:
    """Why a post is not published, or ""."""
    if "draft" in keys and flag(*keys["draft"]):
        return f"{keys['draft'][0]}: true"
    for name in ("published", "publish", "podcast"):
        if name in keys:
            key, value = keys[name]
            if name == "published" and not isinstance(value, bool | str):
                continue  # a date under `published`: DATE reads it
            if name == "published" and isinstance(value, str) and value.lower() not in (
                "true", "false", "yes", "no"
            ):  # fmt: skip
                continue
            if not flag(key, value):
                return f"{key}: false"
    if "permalink" in keys and keys["permalink"][1] is False:
        return f"{keys['permalink'][0]}: false (Eleventy writes no page for it)"
    if expiry is not None and expiry <= now:
        return f"expired on {expiry.date().isoformat()}"
    return ""


# -- values --------------------------------------------------------------------------------------


def text(key: str, value: Any) -> str:
    """A text value; numbers are text too (`title: 1984`)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"front matter {key}: must be text, not {value!r}; put it in quotes")
    result = str(value).strip()
    if not result:
        raise ValueError(f"front matter {key}: is empty; remove the key or give it a value")
    return result


def positive(key: str, value: Any) -> int:
    """A whole number from 1 (episode, season)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"front matter {key}: must be a whole number from 1, not {value!r}")
    return value


def flag(key: str, value: Any) -> bool:
    """true or false (also "true"/"false" in quotes, as some front matter has them)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    if not isinstance(value, bool):
        raise ValueError(f"front matter {key}: must be true or false, not {value!r}")
    return value


_JEKYLL_TIME = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2})[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_WORDY = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y")


def to_date(key: str, value: Any) -> datetime:
    """A date as front matter writes it -> tz-aware UTC; a bare date is 00:00 UTC.

    ISO 8601, Jekyll's "2019-08-12 10:00:00 +0200", TOML dates, "12 August 2019".
    """
    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(0))
    else:
        parsed = _parse_date_text(str(value).strip()) if isinstance(value, str | int) else None
        if parsed is None:
            raise ValueError(
                f"front matter {key}: {value!r} is not an ISO 8601 date; "
                "use e.g. 2026-11-02 or 2026-11-02T09:30:00+01:00"
            )
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_date_text(value: str) -> datetime | None:
    match = _JEKYLL_TIME.match(value)
    if match:
        day, clock, zone = match.groups()
        zone = zone or ""
        if len(zone) == 5:  # +0200 -> +02:00
            zone = f"{zone[:3]}:{zone[3:]}"
        value = f"{_padded(day)}T{clock.zfill(5) if len(clock) == 4 else clock}{zone}"
    elif re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        value = _padded(value)
    try:
        return datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        pass
    for pattern in _WORDY:
        try:
            return datetime.strptime(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", value), pattern)
        except ValueError:
            continue
    return None


def _padded(day: str) -> str:
    year, month, mday = day.split("-")
    return f"{year.zfill(4)}-{month.zfill(2)}-{mday.zfill(2)}"


def _date_or_map(key: str, value: Any) -> datetime | None:
    """A date; MkDocs' blog writes `date: {created: …, updated: …}`."""
    if isinstance(value, Mapping):
        return _date_map(key, value, "created")
    if isinstance(value, str) and value.startswith(":"):
        return None  # Hugo's `:git`, `:fileModTime`: the site's own lookups, not a date
    return to_date(key, value)


def _updated(key: str, value: Any) -> datetime | None:
    return None if isinstance(value, Mapping) else _date_or_map(key, value)


def _date_map(key: str, value: Mapping[str, Any], field: str) -> datetime | None:
    inner = value.get(field)
    return None if inner is None else to_date(f"{key}.{field}", inner)


def _date_from_name(file: PurePath) -> datetime | None:
    """Jekyll's (and Eleventy's) YYYY-MM-DD-slug.md; a page bundle's folder says it for index.md."""
    for stem in (file.stem, file.parent.name if file.stem in ("index", "_index") else ""):
        match = JEKYLL_NAME.match(stem)
        if match:
            try:
                return to_date("file name", _padded(match.group(1)))
            except (ValueError, TypeError):
                return None
    return None


def _author(key: str, value: Any) -> str:
    """A name, a list of names, or maps with a name: "A", "A and B", "A, B and C"."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            item = item.get("name") or item.get("display_name") or item.get("title")
        if isinstance(item, str | int) and not isinstance(item, bool) and str(item).strip():
            names.append(str(item).strip())
        else:
            raise ValueError(
                f"front matter {key}: must be a name, a list of names or a map with a name, "
                f"not {value!r}"
            )
    if not names:
        raise ValueError(f"front matter {key}: is empty; remove the key or give it a name")
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def slugify(value: str, limit: int = 80) -> str:
    """'Café Society (1984)!' -> 'cafe-society-1984': ASCII, lower case, hyphens."""
    from unidecode import unidecode  # transliterates accents and non-Latin scripts

    slug = re.sub(r"[^a-z0-9]+", "-", unidecode(value).lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


def _slug(key: str, value: Any) -> str | None:
    """A slug as the site has it, made URL-safe if it is not ("My_Post" -> "my-post")."""
    written = text(key, value)
    return written if _SLUG.match(written) else (slugify(written) or None)


def _address_slug(key: str, value: Any) -> str | None:
    """The last part of a permalink or url (`/writing/kind-wicked/` -> kind-wicked)."""
    if not isinstance(value, str) or ":" in value or "{" in value:
        return None  # false, or a pattern such as /:year/:title/: the site's to fill in
    parts = [p for p in value.split("?")[0].split("#")[0].split("/") if p]
    if not parts:
        return None
    return slugify(re.sub(r"\.html?$", "", parts[-1])) or None


def _tags(key: str, value: Any) -> list[str]:
    """Tags as a list, or as Jekyll's space-separated text."""
    if isinstance(value, str):
        return [t for t in re.split(r"[,\s]+", value) if t]
    if isinstance(value, list):
        return [str(t).strip() for t in value if isinstance(t, str | int) and str(t).strip()]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    raise ValueError(f"front matter {key}: must be a list of words, not {value!r}")


def _image(key: str, value: Any) -> str | None:
    """Artwork as a path or URL; a list gives its first; a map its image/src/path/url."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
        if value is None:
            return None
    if isinstance(value, Mapping):
        value = next(
            (value[k] for k in ("image", "src", "path", "url", "filename") if value.get(k)), None
        )
        if value is None:
            return None  # a theme's settings for its own image (e.g. `cover: {hidden: true}`)
    if not isinstance(value, str):
        raise ValueError(f"front matter {key}: must be a path or URL to an image, not {value!r}")
    return value.strip() or None
