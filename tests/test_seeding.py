"""Reproducible synthesis (SPEC section 3): the same sentence gives the same samples anywhere."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from pipeline.model import VoiceSpec
from pipeline.speech import onnx_noise
from pipeline.speech.onnx_noise import (
    _FLOAT,
    SeededSession,
    _int_field,
    _len_field,
    _node,
    seeded_pieces,
)


def seed_random_ops(model: bytes) -> tuple[bytes, tuple[onnx_noise.NoiseInput, ...]]:
    """The seeded model as one bytes object (piper.py writes the same pieces to a file)."""
    pieces, noise = seeded_pieces(model)
    return b"".join(pieces), noise


def _value_info(field: int, name: str) -> bytes:
    dim = _len_field(1, _len_field(2, b"n"))
    tensor = _int_field(1, _FLOAT) + _len_field(2, dim)
    return _len_field(field, _len_field(1, name.encode()) + _len_field(2, _len_field(1, tensor)))


def tiny_random_model() -> bytes:
    """x -> RandomNormalLike(x) + x: the smallest model with a voice's kind of randomness."""
    nodes = _node("RandomNormalLike", ["x"], ["r"], "noise")
    nodes += _node("Add", ["r", "x"], ["y"], "add")
    graph = nodes + _len_field(2, b"tiny") + _value_info(11, "x") + _value_info(12, "y")
    opset = _len_field(8, _len_field(1, b"") + _int_field(2, 15))
    return _int_field(1, 8) + opset + _len_field(7, graph)


def test_random_normal_like_becomes_a_seeded_input_whatever_the_order() -> None:
    import onnxruntime

    model, noise = seed_random_ops(tiny_random_model())
    assert [n.name for n in noise] == ["essaycast_noise_0"]
    assert b"RandomNormalLike" not in model
    session = SeededSession(onnxruntime.InferenceSession(model), noise)
    one = np.zeros(50, np.float32)
    two = np.ones(80, np.float32)
    first = session.run(None, {"x": one})[0]
    session.run(None, {"x": two})
    assert np.array_equal(session.run(None, {"x": one})[0], first)  # no memory of the past
    assert not np.array_equal(session.run(None, {"x": one + 1})[0] - 1, first)  # seeded by x
    assert abs(float(first.std()) - 1.0) < 0.35  # still standard-normal noise


def test_noise_for_an_element_does_not_depend_on_how_much_is_drawn() -> None:
    spec = onnx_noise.NoiseInput("n")
    seed = b"\1" * 32
    assert np.array_equal(
        onnx_noise.noise(seed, 0, 100, spec), onnx_noise.noise(seed, 0, 5000, spec)[:100]
    )


def test_a_sentence_longer_than_any_before_gets_more_noise_not_an_error() -> None:
    import onnxruntime

    model, noise = seed_random_ops(tiny_random_model())
    session = SeededSession(onnxruntime.InferenceSession(model), noise)
    session.factor = 0.25  # as if every sentence so far had needed less noise
    x = np.zeros(300, np.float32)
    out = session.run(None, {"x": x})[0]
    assert out.shape == (300,) and session.factor >= 1
    fresh = SeededSession(onnxruntime.InferenceSession(model), noise)
    assert np.array_equal(fresh.run(None, {"x": x})[0], out)


def test_a_model_without_randomness_is_left_alone() -> None:
    model = b"\x08\x08"  # ir_version only
    assert seed_random_ops(model) == (model, ())


def test_espeak_speaks_a_sentence_the_same_however_often_and_after_whatever() -> None:
    from pipeline.speech.espeak import EspeakEngine

    engine = EspeakEngine(VoiceSpec("espeak", "en-us", 1.0))
    a1, b, a2, a3 = engine.synthesize(
        [
            "Hello there, how are you?",
            "Fine.",
            "Hello there, how are you?",
            "Hello there, how are you?",
        ]
    )
    assert a1.pcm == a2.pcm == a3.pcm and b.pcm != a1.pcm


_SPEAK = """
import hashlib, json, sys
from pipeline.model import VoiceSpec
from pipeline.speech.piper import PiperEngine
engine = PiperEngine(VoiceSpec("piper", "en_US-joe-medium", 1.0))
made = engine.synthesize(sys.argv[1:])
print(json.dumps({a.text: hashlib.sha256(a.pcm).hexdigest() for a in made}))
"""


@pytest.mark.slow
def test_piper_gives_the_same_samples_in_two_processes_in_any_order() -> None:
    sentences = ["The camera waits.", "Nobody cuts away.", "It simply stops."]

    def speak(order: list[str]) -> dict[str, str]:
        out = subprocess.run(
            [sys.executable, "-c", _SPEAK, *order], capture_output=True, text=True, check=True
        ).stdout
        return json.loads(out)

    forward = speak(sentences)
    backward = speak(sentences[::-1])
    assert forward == backward
    assert len(set(forward.values())) == 3
