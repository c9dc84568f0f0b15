"""Seeded noise for ONNX voices: a model's random draws become an input we fill.

onnxruntime's RandomNormalLike kernel makes its generator once, when the
session is created, and every run draws on from where the last one stopped.
So a Piper sentence's samples depend on every sentence the process spoke
before it, and `onnxruntime.set_seed` between runs changes nothing (measured:
the same sentence after a set_seed(1234) gives new bytes every time). Making a
new session per sentence would cost 0.3 s each.

Instead each RandomNormalLike node is replaced, once at load, by a slice of a
new graph input of the same number of elements:

    Shape(x) -> ReduceProd -> Slice(noise_k, 0, count) -> Reshape(shape) -> y

and `SeededSession.run` fills `noise_k` from a generator seeded by the run's
own inputs (the phoneme ids and the scales: what is spoken and how). The draw
for element i never depends on how much noise was supplied, so the same
sentence gives the same samples in any process, in any order. The model is
edited at the protobuf wire level (field numbers from onnx.proto), so the 16 MB
`onnx` package is not needed for four nodes.

The same edit can also make an inner tensor a graph output (`outputs=`): the
voices' duration predictors (Piper's w_ceil, hibari's and Kokoro's rounded
durations) are read that way for word timings. An extra output changes no
computation: the samples stay byte for byte what they were.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

# onnx.proto field numbers (stable since ONNX 1.0)
_MODEL_GRAPH, _MODEL_OPSET = 7, 8
_OPSET_DOMAIN, _OPSET_VERSION = 1, 2
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_INPUT, _GRAPH_OUTPUT = 1, 5, 11, 12
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP, _NODE_ATTR = 1, 2, 3, 4, 5
_ATTR_NAME, _ATTR_F, _ATTR_I, _ATTR_TYPE = 1, 2, 3, 20
_ATTR_INT = 2
_TENSOR_DIMS, _TENSOR_TYPE, _TENSOR_INT64S, _TENSOR_NAME = 1, 2, 7, 8
_FLOAT, _INT64 = 1, 7
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_ZERO = "essaycast_zero"  # the int64 [0] that every Slice starts at

# Noise elements supplied per element of the largest input, to start with; it
# doubles whenever a sentence needs more (Piper: ~200 per phoneme id).
_START_FACTOR = 1024
_MAX_RETRIES = 12


@dataclass(frozen=True)
class NoiseInput:
    """A graph input that stands for one RandomNormalLike node."""

    name: str
    mean: float = 0.0
    scale: float = 1.0


def _varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def _fields(buf: bytes | memoryview) -> Iterator[tuple[int, int, Any, memoryview]]:
    """(field number, wire type, value, the field's raw bytes) for each field of a message."""
    view = memoryview(buf)
    pos = 0
    while pos < len(view):
        start = pos
        key, pos = _varint(view, pos)
        wire = key & 7
        value: Any
        if wire == _VARINT:
            value, pos = _varint(view, pos)
        elif wire == _LEN:
            size, pos = _varint(view, pos)
            value, pos = view[pos : pos + size], pos + size
        elif wire == _I64:
            value, pos = view[pos : pos + 8], pos + 8
        elif wire == _I32:
            value, pos = view[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield key >> 3, wire, value, view[start:pos]


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _len_field(field: int, payload: bytes) -> bytes:
    return _encode_varint(field << 3 | _LEN) + _encode_varint(len(payload)) + payload


def _int_field(field: int, value: int) -> bytes:
    return _encode_varint(field << 3 | _VARINT) + _encode_varint(value)


def _node(op: str, inputs: list[str], outputs: list[str], name: str, attrs: bytes = b"") -> bytes:
    body = b"".join(_len_field(_NODE_INPUT, i.encode()) for i in inputs)
    body += b"".join(_len_field(_NODE_OUTPUT, o.encode()) for o in outputs)
    return _len_field(
        _GRAPH_NODE,
        body + _len_field(_NODE_NAME, name.encode()) + _len_field(_NODE_OP, op.encode()) + attrs,
    )


def _float_input(name: str) -> bytes:
    """A graph input: a 1-D float tensor of any length."""
    dim = _len_field(1, _len_field(2, f"{name}_size".encode()))  # Dimension.dim_param
    tensor = _int_field(1, _FLOAT) + _len_field(2, dim)  # Tensor.elem_type, .shape
    return _len_field(
        _GRAPH_INPUT, _len_field(1, name.encode()) + _len_field(2, _len_field(1, tensor))
    )


def _opset(model: bytes | memoryview) -> int:
    for field, _, value, _ in _fields(model):
        if field == _MODEL_OPSET:
            parts = {f: v for f, _, v, _ in _fields(value)}
            if not bytes(parts.get(_OPSET_DOMAIN, b"")):  # the default "ai.onnx" domain
                return int(parts.get(_OPSET_VERSION, 0))
    return 0


def _parse_node(value: memoryview) -> tuple[str, list[str], list[str], dict[str, Any]]:
    op, inputs, outputs, attrs = "", [], [], {}
    for field, _, item, _ in _fields(value):
        if field == _NODE_OP:
            op = bytes(item).decode()
        elif field == _NODE_INPUT:
            inputs.append(bytes(item).decode())
        elif field == _NODE_OUTPUT:
            outputs.append(bytes(item).decode())
        elif field == _NODE_ATTR:
            parts = {f: v for f, _, v, _ in _fields(item)}
            name = bytes(parts.get(_ATTR_NAME, b"")).decode()
            if _ATTR_F in parts:
                attrs[name] = struct.unpack("<f", bytes(parts[_ATTR_F]))[0]
            elif _ATTR_I in parts:
                attrs[name] = parts[_ATTR_I]
    return op, inputs, outputs, attrs


def _seeded_nodes(name: str, x: str, y: str) -> list[bytes]:
    """Nodes that compute `y` (shaped like `x`) from the first elements of input `name`."""
    shape, count, flat = f"{name}_shape", f"{name}_count", f"{name}_flat"
    keepdims = _len_field(
        _NODE_ATTR,
        _len_field(_ATTR_NAME, b"keepdims")
        + _int_field(_ATTR_I, 1)
        + _int_field(_ATTR_TYPE, _ATTR_INT),
    )
    return [
        _node("Shape", [x], [shape], f"{name}_shape_node"),
        _node("ReduceProd", [shape], [count], f"{name}_count_node", keepdims),
        _node("Slice", [name, _ZERO, count], [flat], f"{name}_slice"),
        _node("Reshape", [flat, shape], [y], f"{name}_reshape"),
    ]


def _output(name: str) -> bytes:
    """A graph output by name alone (ValueInfoProto.name; onnxruntime infers its type)."""
    return _len_field(_GRAPH_OUTPUT, _len_field(1, name.encode()))


def _seeded_graph(
    graph: memoryview, extra: tuple[str, ...] = ()
) -> tuple[list[bytes | memoryview], list[NoiseInput]]:
    """The graph's fields, edited, as pieces that point into `graph` (nothing copied)."""
    pieces: list[bytes | memoryview] = []
    noise: list[NoiseInput] = []
    present: set[str] = set()
    for field, _, value, raw in _fields(graph):
        if field == _GRAPH_OUTPUT:
            present |= {bytes(v).decode() for f, _, v, _ in _fields(value) if f == 1}
        if field == _GRAPH_NODE:
            op, inputs, outputs, attrs = _parse_node(value)
            if op == "RandomNormalLike" and attrs.get("dtype", _FLOAT) == _FLOAT:
                spec = NoiseInput(
                    f"essaycast_noise_{len(noise)}", attrs.get("mean", 0.0), attrs.get("scale", 1.0)
                )
                noise.append(spec)
                pieces += _seeded_nodes(spec.name, inputs[0], outputs[0])
                continue
        pieces.append(raw)
    if noise:
        zero = (
            _int_field(_TENSOR_DIMS, 1)
            + _int_field(_TENSOR_TYPE, _INT64)
            + _int_field(_TENSOR_INT64S, 0)
            + _len_field(_TENSOR_NAME, _ZERO.encode())
        )
        pieces.append(_len_field(_GRAPH_INITIALIZER, zero))
        pieces += [_float_input(spec.name) for spec in noise]
    pieces += [_output(name) for name in extra if name not in present]
    return pieces, noise


def seeded_pieces(
    model: bytes, outputs: tuple[str, ...] = ()
) -> tuple[list[bytes | memoryview], tuple[NoiseInput, ...]]:
    """The edited model as pieces to write in order (views into `model`), and its noise inputs.

    Pieces rather than one bytes object: the weights are most of a voice model,
    and a second copy of them would add its size to the build's peak memory.
    `outputs` names inner tensors to make graph outputs too (after the model's own).
    A model without float RandomNormalLike nodes (or older than opset 10's
    Slice) and no outputs to add comes back as one piece, unchanged, with no inputs.
    """
    seeding = b"RandomNormalLike" in model and _opset(model) >= 10
    if not seeding and not outputs:
        return [model], ()
    parts: list[bytes | memoryview] = []
    noise: list[NoiseInput] = []
    for field, _, value, raw in _fields(model):
        if field == _MODEL_GRAPH:
            if seeding:
                pieces, noise = _seeded_graph(value, outputs)
            else:
                pieces = [*(raw for f, _, _, raw in _fields(value))]
                pieces += [_output(name) for name in outputs if name not in _outputs(value)]
            size = sum(len(piece) for piece in pieces)
            parts += [_encode_varint(_MODEL_GRAPH << 3 | _LEN) + _encode_varint(size), *pieces]
        else:
            parts.append(raw)
    if not noise and not outputs:
        return [model], ()
    return parts, tuple(noise)


def _outputs(graph: memoryview) -> set[str]:
    return {
        bytes(v).decode()
        for field, _, value, _ in _fields(graph)
        if field == _GRAPH_OUTPUT
        for f, _, v, _ in _fields(value)
        if f == 1
    }


def _graph(model: bytes | memoryview) -> memoryview:
    for field, _, value, _ in _fields(model):
        if field == _MODEL_GRAPH:
            return value
    raise ValueError("not an ONNX model: it has no graph")


def tensor_after(model: bytes | memoryview, ops: tuple[str, ...]) -> str | None:
    """The output of the last node of the first chain of nodes of these ops, each fed by
    the one before (e.g. ("Round", "Clip", "Cast"): a duration predictor's frames); or None.

    One op alone names the output of the only node of that op (None if there are several).
    """
    nodes = [
        _parse_node(value)[:3]
        for field, _, value, _ in _fields(_graph(model))
        if field == _GRAPH_NODE
    ]
    if len(ops) == 1:
        found = [outputs[0] for op, _, outputs in nodes if op == ops[0] and outputs]
        return found[0] if len(found) == 1 else None
    made_by = {}
    for op, inputs, outputs in nodes:
        for output in outputs:
            made_by[output] = (op, inputs)
    for op, inputs, outputs in nodes:
        if op != ops[-1] or not outputs:
            continue
        feed, ok = inputs, True
        for earlier in reversed(ops[:-1]):
            source = made_by.get(feed[0]) if feed else None
            if source is None or source[0] != earlier:
                ok = False
                break
            feed = source[1]
        if ok:
            return outputs[0]
    return None


def run_seed(feed: Mapping[str, np.ndarray]) -> bytes:
    """A digest of a run's inputs (what is spoken and how): the seed of its noise."""
    digest = hashlib.sha256()
    for name in sorted(feed):
        array = np.ascontiguousarray(feed[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.digest()


def noise(seed: bytes, k: int, size: int, spec: NoiseInput) -> np.ndarray:
    """`size` standard-normal draws for noise input `k`; element i is the same for any size."""
    rng = np.random.Generator(np.random.PCG64(int.from_bytes(seed[:16], "little") + k))
    draws = rng.standard_normal(size, dtype=np.float32)
    if spec.mean or spec.scale != 1.0:
        draws = draws * np.float32(spec.scale) + np.float32(spec.mean)
    return draws


class SeededSession:
    """An onnxruntime session over a seeded model: `run` fills the noise inputs itself."""

    def __init__(self, session: Any, inputs: tuple[NoiseInput, ...]) -> None:
        import onnxruntime
        from onnxruntime.capi import onnxruntime_pybind11_state as state

        self.session = session
        self.inputs = inputs
        self.factor = float(_START_FACTOR)
        self.errors = (state.Fail, state.InvalidArgument, state.RuntimeException)
        # a run that needs more noise fails by design and is retried: keep its log quiet
        # (the exception still carries every message)
        self.run_options = onnxruntime.RunOptions()
        self.run_options.log_severity_level = 4

    def run(self, output_names: Any, feed: dict[str, np.ndarray]) -> Any:
        """Like InferenceSession.run, with the noise inputs filled from `feed`'s digest."""
        if not self.inputs:
            return self.session.run(output_names, feed)
        seed = run_seed(feed)
        longest = max((np.asarray(v).size for v in feed.values()), default=1)
        for _ in range(_MAX_RETRIES):
            size = math.ceil(self.factor * max(1, longest))
            full = dict(feed)
            for k, spec in enumerate(self.inputs):
                full[spec.name] = noise(seed, k, size, spec)
            try:
                return self.session.run(output_names, full, self.run_options)
            except self.errors as exc:
                if "essaycast_noise_" not in str(exc):
                    raise
                self.factor *= 2  # this sentence needs more noise than any before it
        raise RuntimeError("the voice model needs more noise than essaycast can supply")

    def __getattr__(self, name: str) -> Any:  # get_inputs(), get_outputs(), ...
        return getattr(self.session, name)
