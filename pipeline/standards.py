"""Facts the podcast world fixes, stated once: XML namespaces, the directories' limits, the rate.

feed.py writes within them, cover.py makes and checks artwork against them,
validate.py holds a feed to them (FEED-RULES.md names the rules in brackets),
and every episode's audio is made at EPISODE_RATE.
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

# SPEC section 5: an episode is MP3, 44.1 kHz, mono, constant bit rate. The music,
# the intro and every piece are made at this rate, so nothing is resampled twice.
EPISODE_RATE = 44100
