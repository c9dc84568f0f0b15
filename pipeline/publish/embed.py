"""`essaycast embed SLUG`: the snippet that puts an episode's read-along player on a blog.

Every snippet loads output/player.js and points an <essaycast-player> at the
episode's stable episodes/<slug>.json, both by absolute URL under base_url, so
it works pasted into a page on any other site (serve and Pages send CORS).
"""

from __future__ import annotations

from ..config import Show
from ..errors import ConfigError
from .manifest import MANIFEST_NAME, Manifest
from .readalong import PLAYER_NAME, readalong_path


def embed_snippets(show: Show, slug: str) -> str:
    """The snippets for plain HTML, Jekyll, Hugo, Eleventy and Astro, for the published `slug`."""
    base = show.podcast.base_url
    if not base:
        raise ConfigError(
            "podcast.base_url: required for an embed snippet (the player is fetched from it); "
            'set it to where output/ is served, e.g. "https://you.github.io/show/"'
        )
    published = {e.slug for e in Manifest.load(show.output_dir / MANIFEST_NAME).episodes()}
    if slug not in published:
        known = ", ".join(sorted(published)) or "none yet; run essaycast build first"
        raise ConfigError(f"embed: no published episode has the slug {slug!r} (published: {known})")
    return render_snippets(base, slug)


def render_snippets(base: str, slug: str) -> str:
    """The text `essaycast embed` prints: one snippet per site generator."""
    player = base + PLAYER_NAME
    episode = base + readalong_path(slug)
    episodes = base + readalong_path("")[: -len(".json")]  # ".../episodes/"
    return f"""\
Plain HTML (paste where the player goes):

<script src="{player}" defer></script>
<essaycast-player src="{episode}"></essaycast-player>

  Where a page may not hold custom elements:
  <div data-essaycast-player="{episode}"></div>

Jekyll: save as _includes/essaycast.html

<script src="{player}" defer></script>
<essaycast-player src="{episodes}{{{{ include.slug }}}}.json"></essaycast-player>

  then in a post: {{% include essaycast.html slug="{slug}" %}}

Hugo: save as layouts/shortcodes/essaycast.html

<script src="{player}" defer></script>
<essaycast-player src="{episodes}{{{{ .Get "slug" }}}}.json"></essaycast-player>

  then in a page: {{{{< essaycast slug="{slug}" >}}}}

Eleventy: add to eleventy.config.js (or .eleventy.js)

eleventyConfig.addShortcode("essaycast", (slug) =>
  `<script src="{player}" defer></script>` +
  `<essaycast-player src="{episodes}${{slug}}.json"></essaycast-player>`);

  then in a template: {{% essaycast "{slug}" %}}

Astro: save as src/components/Essaycast.astro

---
const {{ slug }} = Astro.props;
---
<script is:inline src="{player}" defer></script>
<essaycast-player src={{`{episodes}${{slug}}.json`}}></essaycast-player>

  then in a page: <Essaycast slug="{slug}" />
"""
