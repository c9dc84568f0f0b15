"""Stage 6: the episodes to what listeners fetch: manifest, feed, page, transcripts, cover."""
