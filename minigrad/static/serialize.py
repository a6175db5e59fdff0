"""Saving a Graph and its weights, and loading it in a process without the model's code.

File format (a zip archive, version 1):
- `graph.json`: {"format": "minigrad.static.graph", "version": 1, "values": [[shape, dtype]],
  "inputs", "input_names", "outputs", "structure", "nodes": [{"op", "inputs", "outputs",
  "attrs"}], "constants": [{"value", "name", "requires_grad"}]}. Attributes are JSON, with
  tuples, slices, Ellipsis and arrays tagged: {"tuple": [...]}, {"slice": [a, b, c]},
  {"ellipsis": true}, {"array": "arrays/3.npy"}.
- `arrays/<k>.npy`: the constants (the weights) and array attributes, read with
  `allow_pickle=False`. Only ops of the registry may appear (and not the `eager` ones, which
  would need Python code): loading never runs code from the file.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from minigrad.static.graph import Const, Graph, Node
from minigrad.static.ops import OPS

FORMAT, VERSION = "minigrad.static.graph", 1
NOT_SAVABLE = {"eager", "eager_backward"}


def save(graph: Graph, path) -> None:
    arrays: list = []
    nodes = []
    for node in graph.nodes:
        if node.op in NOT_SAVABLE:
            name = node.attrs["function"].__name__
            raise NotImplementedError(
                f"graph.save: op {name} has no static rule (it runs as Python code), so it "
                "cannot be saved; the registered ops are in minigrad.static.ops.OPS"
            )
        attrs = {k: _encode(v, arrays) for k, v in node.attrs.items()}
        nodes.append(dict(op=node.op, inputs=node.inputs, outputs=node.outputs, attrs=attrs))
    constants = {
        str(v): dict(value=_encode(_host(c.value()), arrays), name=c.name)
        for v, c in graph.constants.items()
    }
    doc = dict(
        format=FORMAT,
        version=VERSION,
        values=[[list(v.shape), v.dtype] for v in graph.values],
        inputs=graph.inputs,
        input_names=graph.input_names,
        outputs=graph.outputs,
        structure=graph.structure,
        nodes=nodes,
        constants=constants,
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("graph.json", json.dumps(doc, indent=1))
        for k, array in enumerate(arrays):
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            z.writestr(f"arrays/{k}.npy", buf.getvalue())


def _host(array):
    return array if isinstance(array, np.ndarray) else array.get()


def _encode(v, arrays):
    if isinstance(v, np.ndarray):
        arrays.append(v)
        return {"array": f"arrays/{len(arrays) - 1}.npy"}
    if isinstance(v, tuple):
        return {"tuple": [_encode(x, arrays) for x in v]}
    if isinstance(v, slice):
        return {"slice": [v.start, v.stop, v.step]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise TypeError(f"graph.save: cannot store an attribute of type {type(v).__name__}")


def load(path) -> Graph:
    """A Graph from `graph.save`; call it like a function: `load(path)(x)`."""
    try:
        with zipfile.ZipFile(path) as z:
            return _decode_graph(json.loads(z.read("graph.json")), z)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise ValueError(f"static.load: {path} is not a valid minigrad graph file: {exc}") from None


def _decode_graph(doc, z) -> Graph:
    if doc.get("format") != FORMAT:
        raise ValueError(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
    if doc.get("version") != VERSION:
        raise ValueError(f"version {doc.get('version')} is not supported (this reads {VERSION})")
    graph = Graph()
    for shape, dtype in doc["values"]:
        graph.new_value(tuple(shape), np.dtype(dtype))
    graph.inputs, graph.input_names = list(doc["inputs"]), list(doc["input_names"])
    graph.outputs, graph.structure = list(doc["outputs"]), doc["structure"]
    for node in doc["nodes"]:
        if node["op"] not in OPS or node["op"] in NOT_SAVABLE:
            raise ValueError(f"unknown op {node['op']!r}")
        attrs = {k: _decode(v, z) for k, v in node["attrs"].items()}
        graph.nodes.append(Node(node["op"], node["inputs"], _outputs(graph, node), attrs))
    for vid, c in doc["constants"].items():
        graph.constants[int(vid)] = Const(array=_decode(c["value"], z), name=c["name"])
    return graph


def _outputs(graph: Graph, node: dict) -> list:
    """The node's outputs; a cross_entropy saved before it returned its log-probabilities
    (one output) gets a value for them, since its kernel now returns both."""
    outputs = list(node["outputs"])
    if node["op"] == "cross_entropy" and len(outputs) == 1:
        logits = graph.values[node["inputs"][0]]
        outputs.append(graph.new_value(logits.shape, logits.dtype))
    return outputs


def _decode(v, z):
    if isinstance(v, list):
        return [_decode(x, z) for x in v]
    if not isinstance(v, dict):
        return v
    if "array" in v:
        return np.load(io.BytesIO(z.read(v["array"])), allow_pickle=False)
    if "tuple" in v:
        return tuple(_decode(x, z) for x in v["tuple"])
    if "slice" in v:
        return slice(*v["slice"])
    if "ellipsis" in v:
        return Ellipsis
    raise ValueError(f"unknown attribute encoding {v!r}")
