"""Kokoro's memory settings, without loading its 88 MB model."""

from __future__ import annotations

import pytest

onnxruntime = pytest.importorskip("onnxruntime")

from pipeline.speech import kokoro  # noqa: E402


class FakeSession:
    def __init__(self, model, sess_options, providers):
        self._model_bytes = model  # as onnxruntime's wrapper keeps it
        self.options = sess_options


def test_the_session_lets_go_of_the_model_bytes(monkeypatch):
    monkeypatch.setattr(kokoro, "read_model", lambda: b"model bytes")
    # the graph edit that exposes the durations (word timings) is tested with the voice
    monkeypatch.setattr(kokoro, "_with_durations", lambda model: model)
    monkeypatch.setattr(onnxruntime, "InferenceSession", FakeSession)
    kokoro._session.cache_clear()
    try:
        session = kokoro._session()
    finally:
        kokoro._session.cache_clear()
    assert session._model_bytes is None
    assert session.options.enable_cpu_mem_arena  # off, a long sentence peaked at 1.9 GB


def test_every_run_gives_the_arena_back():
    options = kokoro._run_options()
    assert options.get_run_config_entry("memory.enable_memory_arena_shrinkage") == "cpu:0"
