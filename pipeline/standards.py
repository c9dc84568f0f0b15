"""Facts the podcast world fixes, stated once: XML namespaces and the directories' limits.

feed.py writes within them, cover.py makes and checks artwork against them, and
validate.py holds a feed to them (FEED-RULES.md names the rules in brackets).
"""

from __future__ import annotations

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"

TITLE_CHARS = 255  # Apple: titles and names (A8, B1, C1)
DESCRIPTION_BYTES = 4000  # Apple: channel and item descriptions, in UTF-8 bytes (B2, C10)
ARTWORK_MIN_PX, ARTWORK_MAX_PX = 1400, 3000  # Apple: square artwork, a side (F1)
ARTWORK_MAX_BYTES = 512 * 1024  # Apple's advice for artwork files (F4)
