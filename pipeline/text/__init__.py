"""Stages 1-2, pure: essay files to Essay to SpeechText (what the voice is given)."""
