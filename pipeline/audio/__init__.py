"""Stages 4-5: sentence audio to a tagged, mastered MP3 and its timings; knows nothing of essays."""
