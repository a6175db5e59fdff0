"""Saving a Graph and its weights, and loading it in a process without the model's code.

File format (a zip archive, version 2):
- `graph.json`: {"format": "minigrad.static.graph", "version": 2, "values": [[shape, dtype]],
  "inputs", "input_names", "outputs", "structure", "nodes": [{"op", "inputs", "outputs",
  "attrs", "saves"}], "constants": {id: {"value", "name"}}}. A node's op is a built-in
  Function's `op_name` or a graph-level op; its attributes are JSON, with tuples, slices,
  Ellipsis, dtypes, conv geometries, input references, sub-graphs and arrays tagged:
  {"tuple": [...]}, {"slice": [a, b, c]}, {"ellipsis": true}, {"dtype": "float32"},
  {"geometry": [[kh, kw], [sh, sw], [ph, pw], [dh, dw]]}, {"ref": [k, is_tensor]},
  {"graph": {...}}, {"array": "arrays/3.npy"}.
- `arrays/<k>.npy`: the constants (the weights), read with `allow_pickle=False`.

# NOTE: a file is untrusted input. Loading checks it against this schema before using any
# of it: every id is an int in range and defined before it is read, every op is a known op,
# every attribute name is a parameter of that op and every value plain data of the kinds
# above; sizes are bounded before anything is allocated (the archive's members, the JSON's
# nesting, the attributes' items, each declared shape and all of them together, each array's
# header, the result an op's attributes ask for, conv2d's columns and its gradient ops'
# temporaries, the multiply-adds of the ops that multiply matrices, the elements all nodes
# read (a call, an input or an output counting as reads too), a loop's sub-graphs
# max_iterations times; a mask's count before its getitem runs; at run time, each value's
# declared shape and dtype, and a loop's iterations: control.LOADED_LOOP_READS). Each
# argument of an op is where static.trace puts it, and a gradient node reads the residual
# of its forward node. Nothing from the file reaches generated code, pickle or an import: a
# user's Function is saved as the ordinary ops its forward was traced into, and its name is
# kept as text only; a fused program's constants reach CUDA source as the hex digits of
# their bits.
"""

from __future__ import annotations

import collections
import io
import json
import math
import reprlib
import sys
import unicodedata
import zipfile
import zlib

import numpy as np

from minigrad import dtypes
from minigrad.autograd.function import OPS
from minigrad.ops.conv import Geometry
from minigrad.serialization import (
    MAX_NDIM,
    numpy_size,
    open_regular,
    open_zip,
    read_json,
    read_member,
    read_npy,
)
from minigrad.static.control import (
    _check_predicate,
    _check_same_outputs,
    _check_state_graph,
    _signature,
    iteration_bound,
)
from minigrad.static.graph import Const, Graph, Node, Ref, ValueInfo
from minigrad.static.kernels import call_plan, parameters
from minigrad.static.trace import TracingError

FORMAT, VERSION = "minigrad.static.graph", 2
MAX_JSON_BYTES = 64 * 2**20  # graph.json, uncompressed
MAX_ARRAY_BYTES = 4 * 2**30  # all the arrays together, uncompressed
MAX_ELEMENTS = 2**31  # in any one declared value, or in conv2d's columns (a temporary)
# of all the values of all the graphs in a file together, and conv2d's columns: the replay
# keeps each value until it returns, so 10,000 values of 100 MB would hold 1 TB. As much as
# the largest value (2**31 float64s); a traced training step of the course's models, < 1 GB
MAX_TOTAL_BYTES = 2**34
# multiply-adds of all the ops that multiply matrices (matmul, linear, conv2d, einsum, the
# linalg factorizations, the RNN steps), whose time grows faster than the values they read
# and make: an svd of a (16384, 16384) value (1 GiB) would take hours. 2**42 is a minute or
# two of BLAS on a laptop; the course's models take < 2**32 a step
MAX_WORK = 2**42
# elements all the nodes of a file read from their inputs together: each value is bounded,
# but any number of nodes may read the same one (2**18 sums of a 1 GiB view: hours). Reading
# 2**38 takes NumPy a minute; a compiled CNN training step at batch 256 reads 2**27
MAX_READS = 2**38
# a node's call, and each input it is passed, also count this many reads: the executor's
# Python work for each (~0.6 us for a node of one input) is what NumPy takes to read ~2,000
# elements. A loop body of 60,000 nodes over empty values reads nothing, and a million
# iterations of it would take 10 hours
_CALL_READS = 2**10
# a factorization's multiply-adds per m n min(m, n): LAPACK's svd of 2048 x 2048 took a
# hundred times a matmul of the same size
_FACTORIZATION = 64
MAX_NESTING = 64  # JSON lists and objects inside each other
MAX_TEXT = 2**16  # characters of a name or text attribute; names of weights are ~50
MAX_GRAPH_DEPTH = 8  # sub-graphs (cond, while_loop) inside each other
MAX_KERNEL_OFFSETS = 2**16  # of a conv or pool kernel: 256 x 256, or 40 x 40 x 40
# values of all the graphs in a file (each node defines one or more: this bounds the nodes
# too); a traced Transformer's training step has a few hundred to a few thousand. Decoded, a
# value costs ~10 us and ~300 bytes, and the executor compiles a graph into one Python
# function of a line per node, ~6 KB each in CPython's compiler: a chain of 2**18 nodes (a
# 1.4 MB file) took 2.1 GB and 14 s to load and run once; of 2**16, 575 MB and 3 s
MAX_VALUES = 2**16
# items of the lists and tuples in all the attributes of a file: each is decoded, then walked
# for references, a Python call at a time (~3 us): a getitem index of 4,000,000 took 13.6 s
# to refuse. Attributes hold shapes, dims and sizes: a traced graph has a few per node.
MAX_ATTR_ITEMS = 2**18
DTYPES = {"bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"}
# graph-level ops a file may hold, with their attribute names (`python` runs a user's own
# Python code, so it never comes from a file)
GRAPH_ATTRS = {
    "detach": set(),
    "custom": {"function", "n_results"},
    "fused": {"program", "dtype"},
    "cond": {"true", "false"},
    "cond_grad": {"true", "false"},
    "while_loop": {"cond", "body", "max_iterations"},
    "while_grad": {"cond", "body", "max_iterations"},
}


# ops that broadcast their tensor arguments in a forward of their own (the ufunc ops' is
# NumPy's), the losses among them before they reduce: atan2 of inputs declared (3000, 1) and
# (1, 3000), its result (4, 4), made 36 MB before the replay refused the result
BROADCASTING = {
    *("atan2", "hypot", "fmod", "remainder", "logaddexp", "maximum", "minimum"),
    *("maximum_share", "isclose", "where", "clamp", "masked_fill", "special_zeta"),
    *("bitwise_left_shift", "bitwise_right_shift", "_standard_gamma_grad", "binomial", "normal"),
    *("mse_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy"),
    *("binary_cross_entropy_with_logits", "elu_grad", "gelu_grad", "hardsigmoid_grad"),
    *("hardswish_grad", "hardtanh_grad", "leaky_relu_grad", "relu_grad", "sigmoid_grad"),
    *("silu_grad", "softplus_grad", "tanh_grad", "softmax_grad", "log_softmax_grad"),
}


class GraphFileError(ValueError):
    """A graph file that is not what `graph.save` writes (or that asks for too much)."""


# -- save ------------------------------------------------------------------------------------
def save(graph: Graph, path) -> None:
    arrays: list = []
    doc = _encode_graph(graph, arrays)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("graph.json", json.dumps(doc, indent=1))
        for k, array in enumerate(arrays):
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            z.writestr(f"arrays/{k}.npy", buf.getvalue())


def _encode_graph(graph: Graph, arrays: list) -> dict:
    nodes = []
    for node in graph.nodes:
        if node.op == "python":
            name = node.attrs["function"].__qualname__
            raise NotImplementedError(
                f"graph.save: {name}.forward computes on raw arrays (.array), so a file cannot "
                "hold it (loading never runs code from a file). Write its forward with tensor "
                "ops: then it is saved as the ops it is made of."
            )
        attrs = {k: _encode(v, arrays) for k, v in node.attrs.items()}
        nodes.append(
            dict(
                op=node.op,
                inputs=node.inputs,
                outputs=node.outputs,
                attrs=attrs,
                saves=list(node.saves),
            )
        )
    constants = {
        str(v): dict(value=_encode(_host(c.value()), arrays), name=c.name)
        for v, c in graph.constants.items()
    }
    return dict(
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


def _host(array):
    return array if isinstance(array, np.ndarray) else array.get()


def _encode(v, arrays):
    if isinstance(v, Graph):
        return {"graph": _encode_graph(v, arrays)}
    if isinstance(v, np.ndarray):
        arrays.append(v)
        return {"array": f"arrays/{len(arrays) - 1}.npy"}
    if isinstance(v, Ref):
        return {"ref": [v.index, v.tensor]}
    if isinstance(v, tuple):
        return {"tuple": [_encode(x, arrays) for x in v]}
    if isinstance(v, list):
        return [_encode(x, arrays) for x in v]
    if isinstance(v, slice):
        return {"slice": [v.start, v.stop, v.step]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if isinstance(v, dtypes.dtype):
        return {"dtype": v.np.name}
    if isinstance(v, Geometry):
        return {"geometry": [list(v.kernel), list(v.stride), list(v.padding), list(v.dilation)]}
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise TypeError(f"graph.save: cannot store an attribute of type {type(v).__name__}")


# -- load ------------------------------------------------------------------------------------
def load(path, *, max_iterations: int | None = None) -> Graph:
    """A Graph from `graph.save`; call it like a function: `load(path)(x)`.

    Each while_loop in it runs at most the max_iterations it was saved with, or else
    `max_iterations` (default static.control.MAX_ITERATIONS), which also bounds what a file
    may ask for: a loop that would go on raises RuntimeError when the graph runs. Without
    `max_iterations`, a loop also stops (RuntimeError) after static.control.LOADED_LOOP_READS
    of the reads counted for one of its iterations.

    Raises ValueError naming the file and the problem for anything that is not a file
    `graph.save` wrote (or that declares more than the limits above); a missing path or a
    directory raises FileNotFoundError or IsADirectoryError.
    """
    bound = iteration_bound(max_iterations, "static.load")
    vouched = max_iterations is not None
    with open_regular(path, lambda problem: ValueError(f"static.load: {problem}")) as f:
        try:
            with open_zip(f, GraphFileError) as z:
                reader = _Reader(z)
                doc = reader.json()
                graph = _Decoder(reader, bound, vouched).graph(doc, depth=0)
                graph.source = str(path)
                return graph
        except (GraphFileError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ValueError(
                f"static.load: {path} is not a valid minigrad graph file: {exc}"
            ) from None


class _Reader:
    """The archive's members, each read at most once and within the size budget."""

    def __init__(self, z: zipfile.ZipFile):
        self.z, self.done = z, set()
        self.array_budget = MAX_ARRAY_BYTES

    def json(self):
        try:
            return read_json(self.z, "graph.json", MAX_JSON_BYTES, GraphFileError, MAX_NESTING)
        except GraphFileError:
            raise
        except (ValueError, UnicodeDecodeError) as exc:
            raise GraphFileError(f"graph.json is not JSON: {exc}") from None

    def _read(self, name: str, limit: int) -> bytes:
        if name in self.done:  # save writes each array once; a copy per use is a bomb
            raise GraphFileError(f"{name} is used more than once")
        self.done.add(name)
        return read_member(self.z, name, limit, GraphFileError)

    def array(self, name: str, shape: tuple, dtype: str):
        """The array in member `name`, which must have this shape and dtype."""
        nbytes = math.prod(shape) * np.dtype(dtype).itemsize
        if nbytes > self.array_budget:
            raise GraphFileError(f"{name}: the arrays need more than {MAX_ARRAY_BYTES} bytes")
        self.array_budget -= nbytes
        data = self._read(name, nbytes + 4096)  # the .npy header is at most a few hundred
        return read_npy(data, name, shape, np.dtype(dtype), GraphFileError)


class _Decoder:
    def __init__(self, reader: _Reader, max_iterations: int, vouched: bool):
        self.reader, self.max_iterations, self.vouched = reader, max_iterations, vouched
        self.values_left = MAX_VALUES
        self.attr_items_left = MAX_ATTR_ITEMS
        self.bytes_left = MAX_TOTAL_BYTES
        self.work_left = MAX_WORK
        self.reads_left = MAX_READS

    def spend(self, nbytes: int, where) -> None:
        """nbytes more of the arrays a replay holds, counted against MAX_TOTAL_BYTES."""
        self.bytes_left -= nbytes
        if self.bytes_left < 0:
            raise GraphFileError(
                f"{where}: the values of its graphs (and conv2d's columns) need more than "
                f"{MAX_TOTAL_BYTES} bytes together"
            )

    def spend_reads(self, n: int, where) -> None:
        """n more reads of elements (or calls: _CALL_READS), counted against MAX_READS."""
        self.reads_left -= n
        if self.reads_left < 0:
            raise GraphFileError(
                f"{where}: the nodes of its graphs read more than {MAX_READS} elements together"
            )

    def graph(self, doc, depth: int) -> Graph:
        if depth > MAX_GRAPH_DEPTH:
            raise GraphFileError(f"sub-graphs nested more than {MAX_GRAPH_DEPTH} deep")
        _expect(doc, dict, "the graph")
        if doc.get("format") != FORMAT:
            raise GraphFileError(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
        if doc.get("version") != VERSION:
            raise GraphFileError(
                f"version {doc.get('version')!r} is not supported (this reads {VERSION}; "
                "a file from an older minigrad: save the model again)"
            )
        graph = Graph(from_file=True)
        values = _expect(doc.get("values"), list, "values")
        self.values_left -= len(values)
        if self.values_left < 0:
            raise GraphFileError(f"its graphs hold more than {MAX_VALUES} values")
        for k, entry in enumerate(values):
            shape, dtype = _value_type(entry, f"values[{k}]")
            self.spend(math.prod(shape) * np.dtype(dtype).itemsize, f"values[{k}]")
            graph.new_value(shape, dtype)
        defined = _Ids(len(graph.values))
        graph.inputs = [
            defined.new(v, "inputs") for v in _expect(doc.get("inputs"), list, "inputs")
        ]
        if any(graph.values[v].dtype == "object" for v in graph.inputs):
            raise GraphFileError("an input cannot have dtype object")
        graph.input_names = [
            _text(n, "input_names[]") for n in _expect(doc.get("input_names"), list, "")
        ]
        if len(graph.input_names) != len(graph.inputs):
            raise GraphFileError("input_names and inputs differ in length")
        for key, c in _expect(doc.get("constants"), dict, "constants").items():
            vid = defined.new(_int_key(key), "constants")
            graph.constants[vid] = self.constant(c, graph.values[vid], f"constants[{key}]")
        forwards = {}  # the residual of each cond and while_loop: the node that makes it
        for k, node in enumerate(_expect(doc.get("nodes"), list, "nodes")):
            graph.nodes.append(self.node(node, graph, defined, depth, f"nodes[{k}]", forwards))
        graph.outputs = [
            defined.read(v, "outputs", optional=True)
            for v in _expect(doc.get("outputs"), list, "outputs")
        ]
        # a call binds each input and returns each output: a loop's body may be passed
        # 100,000 values and run no node
        ends = len(graph.inputs) + len(graph.outputs)
        self.spend_reads(_CALL_READS * ends, f"a graph of {ends} inputs and outputs")
        structure = doc.get("structure")
        if structure is not None and (type(structure) is not int or structure < 0):
            raise GraphFileError(f"structure must be null or a count, got {structure!r}")
        graph.structure = structure
        return graph

    def constant(self, c, info, where):
        _expect(c, dict, where)
        if set(c) != {"value", "name"}:
            raise GraphFileError(f"{where} must have the keys value and name")
        ref = _expect(c["value"], dict, f"{where}.value")
        name = ref.get("array")
        if set(ref) != {"array"} or not _is_array_member(name):
            raise GraphFileError(f"{where}.value must be {{'array': 'arrays/<k>.npy'}}")
        if info.dtype == "object":
            raise GraphFileError(f"{where}: a constant cannot have dtype object")
        array = self.reader.array(name, info.shape, info.dtype)
        return Const(array=array, name=_text(c["name"], f"{where}.name"))

    def node(self, doc, graph, defined, depth, where, forwards: dict) -> Node:
        _expect(doc, dict, where)
        if set(doc) != {"op", "inputs", "outputs", "attrs", "saves"}:
            raise GraphFileError(f"{where} must have the keys op, inputs, outputs, attrs, saves")
        op = doc["op"]
        if not isinstance(op, str) or not (op in OPS or op in GRAPH_ATTRS):
            raise GraphFileError(f"{where}: unknown op {op!r}")
        inputs = [
            defined.read(v, f"{where}.inputs", optional=True)
            for v in _expect(doc["inputs"], list, f"{where}.inputs")
        ]
        work, reads = self.work_left, self.reads_left  # before its sub-graphs, for a loop's
        attrs = {}
        for key, value in _expect(doc["attrs"], dict, f"{where}.attrs").items():
            _check_attr_name(op, key, where)
            attrs[key] = self.attr(value, depth, f"{where}.attrs.{key}", nesting=0)
        saves = tuple(_save_entry(s, where) for s in _expect(doc["saves"], list, f"{where}.saves"))
        outputs = [defined.new(v, f"{where}.outputs") for v in _expect(doc["outputs"], list, "")]
        node = Node(op, inputs, outputs, attrs, saves)
        self.work_left -= _check_result_size(node, graph, _check_node(node, where), where)
        if self.work_left < 0:
            raise GraphFileError(
                f"{where}: the ops of its graphs multiply more than {MAX_WORK} times together"
            )
        sizes = (0 if v is None else math.prod(graph.values[v].shape) for v in inputs)
        self.spend_reads(_CALL_READS + sum(n + _CALL_READS for n in sizes), where)
        if op in ("conv2d", "conv2d_input_grad", "conv2d_weight_grad"):
            self.spend(_conv_temporaries(node, graph, where), where)
        if op == "split":
            _check_split(node, where)
        if op == "blend_along":
            _check_blend(node, graph, where)
        if op in ("cond", "while_loop"):
            _check_regions(node, graph, where)
            forwards[node.outputs[-1]] = node
        bound = attrs.get("max_iterations", self.max_iterations)  # the file's, or the caller's
        if op in ("while_loop", "while_grad"):
            attrs["max_iterations"] = bound
            if type(bound) is not int or not 1 <= bound <= self.max_iterations:
                raise GraphFileError(
                    f"{where}: a loop of max_iterations={bound!r:.40} (at most "
                    f"{self.max_iterations}: static.load(path, max_iterations=n) allows more)"
                )
            # each iteration of a while_grad runs its body's forward, its backward, and a
            # zeros and a sum for each input: 4,000 iterations over 4,000 inputs took 24 s
            times = bound * (4 if op == "while_grad" else 1)
            once = reads - self.reads_left
            self.repeat(work - self.work_left, once, times, bound, where)
            if op == "while_loop" and not self.vouched:
                attrs["body"].iteration_reads = once
        if op in ("cond_grad", "while_grad"):
            _check_gradient(node, graph, forwards, where)
        return node

    def repeat(self, work: int, reads: int, times: int, bound: int, where) -> None:
        """Count a loop node and its sub-graphs, which spent `work` and `reads` once as
        they were decoded, `times` times more: its body runs up to `bound` times, its
        condition once more, and each is passed the state. A (4096, 4096) matmul in a body
        is 2**36 multiply-adds, within MAX_WORK; a million times over, years."""
        self.work_left -= work * times
        self.reads_left -= reads * times
        if self.work_left < 0 or self.reads_left < 0:
            raise GraphFileError(
                f"{where}: its loop's sub-graphs, run max_iterations={bound} times, multiply "
                f"more than {MAX_WORK} times or read more than {MAX_READS} elements in all "
                "(static.load(path, max_iterations=n) with a smaller n bounds a loop saved "
                "without its own max_iterations)"
            )

    def items(self, items: list, where) -> list:
        """items, counted against the file's MAX_ATTR_ITEMS before any is decoded."""
        self.attr_items_left -= len(items)
        if self.attr_items_left < 0:
            raise GraphFileError(f"{where}: its attributes hold more than {MAX_ATTR_ITEMS} items")
        return items

    def attr(self, v, depth, where, nesting):
        if nesting > MAX_NESTING:
            raise GraphFileError(f"{where}: nested more than {MAX_NESTING} deep")
        if isinstance(v, str):
            return _text(v, where)
        if v is None or isinstance(v, (bool, int, float)):
            return v
        if isinstance(v, list):
            return [self.attr(x, depth, where, nesting + 1) for x in self.items(v, where)]
        _expect(v, dict, where)
        if len(v) != 1:
            raise GraphFileError(f"{where}: unknown attribute encoding {sorted(v)!r}")
        ((tag, body),) = v.items()
        if tag == "tuple":
            items = self.items(_expect(body, list, where), where)
            return tuple(self.attr(x, depth, where, nesting + 1) for x in items)
        if tag == "slice":
            parts = _expect(body, list, where)
            if len(parts) != 3 or not all(p is None or type(p) is int for p in parts):
                raise GraphFileError(f"{where}: a slice is three ints or nulls")
            return slice(*parts)
        if tag == "ellipsis" and body is True:
            return Ellipsis
        if tag == "dtype" and isinstance(body, str) and body in DTYPES:  # a list: unhashable
            return dtypes.to_dtype(np.dtype(body))
        if tag == "geometry":
            return _geometry(body, where)
        if tag == "ref":
            ok = isinstance(body, list) and len(body) == 2
            if not ok or type(body[0]) is not int or body[0] < 0 or type(body[1]) is not bool:
                raise GraphFileError(f"{where}: a ref is [input index, is_tensor]")
            return Ref(body[0], body[1])
        if tag == "graph":
            return self.graph(body, depth + 1)
        raise GraphFileError(f"{where}: unknown attribute encoding {tag!r}")


class _Ids:
    """Value ids: each an int in range, defined once, and read only after it is defined."""

    def __init__(self, n: int):
        self.n, self.defined = n, set()

    def _check(self, v, where):
        if type(v) is not int or not 0 <= v < self.n:
            raise GraphFileError(f"{where}: {v!r} is not a value id (0 to {self.n - 1})")
        return v

    def new(self, v, where) -> int:
        if self._check(v, where) in self.defined:
            raise GraphFileError(f"{where}: value {v} is defined twice")
        self.defined.add(v)
        return v

    def read(self, v, where, optional=False):
        if v is None and optional:
            return None
        if self._check(v, where) not in self.defined:
            raise GraphFileError(f"{where}: value {v} is read before it is defined")
        return v


def _expect(v, kind, where):
    if not isinstance(v, kind) or isinstance(v, bool) and kind is not bool:
        raise GraphFileError(f"{where or 'an entry'} must be a {kind.__name__}, got {_kind(v)}")
    return v


_UNPRINTED = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format marks, surrogates, line breaks


def _text(v, where) -> str:
    """A name or text attribute: printed by print(graph) and in errors, so it holds no
    control or format character (a terminal escape, a line break, a right-to-left mark), and
    at most MAX_TEXT characters (a 60 MB name took 5-9 s, a category looked up per character).
    """
    if len(_expect(v, str, where)) > MAX_TEXT:
        raise GraphFileError(f"{where}: a text of {len(v)} characters (at most {MAX_TEXT})")
    if v.isprintable():  # checked in C: then no character is a control, format or break
        return v
    bad = next((c for c in v if unicodedata.category(c) in _UNPRINTED), None)
    if bad is not None:
        raise GraphFileError(f"{where}: {v!r:.80} holds the character U+{ord(bad):04X}")
    return v


def _kind(v) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(type(v), type(v).__name__)


def _decimal(text: str) -> bool:
    """text is a number in ASCII digits: str.isdigit() also takes '²' (which int() refuses with
    a ValueError that names no file) and other scripts' digits (which it reads)."""
    return text.isascii() and text.isdigit()


def _int_key(key: str) -> int:
    if not _decimal(key) or len(key) > 12:
        raise GraphFileError(f"constants: {key!r} is not a value id")
    return int(key)


def _value_type(entry, where) -> tuple[tuple, str]:
    if not isinstance(entry, list) or len(entry) != 2:
        raise GraphFileError(f"{where} must be [shape, dtype]")
    shape, dtype = entry
    if not isinstance(dtype, str) or dtype not in DTYPES and dtype != "object":
        raise GraphFileError(f"{where}: dtype {dtype!r} is not one minigrad uses")
    if not isinstance(shape, list) or len(shape) > MAX_NDIM:
        raise GraphFileError(f"{where}: a shape is a list of at most {MAX_NDIM} sizes")
    if not all(type(s) is int and s >= 0 for s in shape):
        raise GraphFileError(f"{where}: shape {shape!r} must hold non-negative ints")
    if numpy_size(shape) > MAX_ELEMENTS:
        raise GraphFileError(
            # NOTE: not the count itself: a product of 4,000-digit sizes is too long for str()
            f"{where}: a shape of more than {MAX_ELEMENTS} elements (a size of 0 counts as "
            "1, as NumPy counts it)"
        )
    return tuple(shape), dtype


def _is_array_member(name) -> bool:
    if not isinstance(name, str) or not name.startswith("arrays/") or not name.endswith(".npy"):
        return False
    number = name[len("arrays/") : -len(".npy")]
    return _decimal(number) and len(number) <= 9


def _geometry(body, where) -> Geometry:
    """Kernel, stride, padding and dilation as Geometry.make allows them (padding >= 0, the
    others >= 1), and at most MAX_KERNEL_OFFSETS kernel offsets: the kernels loop over them
    in Python before the replay can check a result's shape (a 1024 x 1024 kernel at dilation
    0 over a 4 x 4 input took 2 s, and time grows as the square of its side)."""
    lists = body if isinstance(body, list) and len(body) == 4 else None
    dims = len(lists[0]) if lists and isinstance(lists[0], list) else 0
    ok = dims in (1, 2, 3) and all(
        isinstance(p, list)
        and len(p) == dims
        and all(type(n) is int and least <= n < 2**20 for n in p)
        for p, least in zip(lists, (1, 1, 0, 1))
    )
    if not ok:
        raise GraphFileError(
            f"{where}: a geometry is four lists of small ints, one per spatial dim (1 to 3): "
            "kernel, stride and dilation at least 1, padding at least 0"
        )
    if math.prod(lists[0]) > MAX_KERNEL_OFFSETS:
        raise GraphFileError(
            f"{where}: a kernel of {lists[0]} has more than {MAX_KERNEL_OFFSETS} offsets"
        )
    return Geometry(*(tuple(p) for p in lists))


def _check_attr_name(op: str, key, where) -> None:
    allowed = GRAPH_ATTRS[op] if op in GRAPH_ATTRS else set(parameters(OPS[op])[0])
    if key not in allowed:
        raise GraphFileError(f"{where}: op {op} has no attribute {key!r}")


def _save_entry(s, where):
    if type(s) is int and 0 <= s < 64:
        return s
    if isinstance(s, str) and s.isidentifier() and not s.startswith("_") and len(s) <= 64:
        return s
    raise GraphFileError(f"{where}.saves: {s!r} is not a saved-value name")


def _check_node(node: Node, where) -> list | None:
    """The node's attributes fit its op: references to its inputs, counts, programs; the
    call plan of an op of the table (see kernels.call_plan), else None."""
    n_in = len(node.inputs)
    # a Ref reads a value: tracing makes one for each array or tensor inside an attribute, so
    # never for an input left out (null), which the size checks took for a value id
    if any(
        r.index >= n_in or node.inputs[r.index] is None
        for v in node.attrs.values()
        for r in _refs(v)
    ):
        raise GraphFileError(f"{where}: an attribute refers to an input the node does not have")
    if not node.outputs or len(node.saves) >= len(node.outputs):
        raise GraphFileError(f"{where}: {len(node.outputs)} outputs for {len(node.saves)} saved")
    if node.op in OPS:
        return _check_arguments(node, where)
    if node.saves:
        raise GraphFileError(f"{where}: {node.op} keeps no saved values")
    if node.op == "custom":
        n = node.attrs.get("n_results")
        if not isinstance(node.attrs.get("function"), str) or type(n) is not int:
            raise GraphFileError(f"{where}: custom needs attributes function (text), n_results")
        if not 1 <= n <= n_in or len(node.outputs) != n:
            raise GraphFileError(f"{where}: custom with n_results={n} does not fit the node")
    if node.op == "fused":
        _check_program(node, where)
    regions = GRAPH_ATTRS[node.op] - {"function", "n_results", "program", "dtype", "max_iterations"}
    if not all(isinstance(node.attrs.get(k), Graph) for k in regions):
        raise GraphFileError(f"{where}: {node.op} needs its sub-graphs")


def _check_regions(node: Node, graph: Graph, where) -> None:
    """A cond's or while_loop's sub-graphs fit it as tracing makes them (with control's
    checks): each takes the node's inputs (a cond's after its predicate), a cond's branches
    return the same types, a loop's condition a 0-d bool and its body the state it takes,
    and the node has one output more than they return (its residual). A body that returned
    nothing ran its million iterations, then failed in the executor (not enough values to
    unpack); a cond's predicate must be 0-d, as static.cond's."""
    if node.op == "cond":
        pred = node.inputs[0] if node.inputs else None
        if pred is None or graph.values[pred].shape != ():
            raise GraphFileError(f"{where}: a cond's predicate must be 0-d")
        first, second, n_in = node.attrs["true"], node.attrs["false"], len(node.inputs) - 1
    else:
        first, second, n_in = node.attrs["cond"], node.attrs["body"], len(node.inputs)
    try:
        if node.op == "cond":
            _check_same_outputs(first, second)
        else:
            _check_predicate(first)
            _check_state_graph(second)
    except TracingError as exc:
        raise GraphFileError(f"{where}: {exc}") from None
    if len(first.inputs) != n_in or len(second.inputs) != n_in:
        raise GraphFileError(
            f"{where}: {node.op} is passed {n_in} values, but its sub-graphs take "
            f"{len(first.inputs)} and {len(second.inputs)}"
        )
    if len(node.outputs) != len(second.outputs) + 1:
        raise GraphFileError(
            f"{where}: {node.op} has {len(node.outputs)} outputs for sub-graphs that return "
            f"{len(second.outputs)} (and one for its residual)"
        )


_FORWARD_OF = {"cond_grad": "cond", "while_grad": "while_loop"}


def _check_gradient(node: Node, graph: Graph, forwards: dict, where) -> None:
    """A cond_grad's or while_grad's first input is the residual of a node of its forward op
    in the same graph (the branch taken and its inputs, or the loop's trail), its others one
    gradient per value its sub-graphs return, and its sub-graphs take and return what the
    forward node's do (checked above): it returns one gradient per input the forward node
    differentiates. A while_grad's residual given as a float input of (2, k, 1) ran k
    iterations of its body, taking r[0] for the trail and r[1] for the captures."""
    forward = forwards.get(node.inputs[0] if node.inputs else None)
    if forward is None or forward.op != _FORWARD_OF[node.op]:
        raise GraphFileError(
            f"{where}: {node.op}'s first input must be the residual (last output) of a "
            f"{_FORWARD_OF[node.op]} node before it"
        )
    first, second = ("true", "false") if node.op == "cond_grad" else ("cond", "body")
    for key in (first, second):
        mine, theirs = node.attrs[key], forward.attrs[key]
        for ends in ("inputs", "outputs"):
            if _signature(mine, getattr(mine, ends)) != _signature(theirs, getattr(theirs, ends)):
                raise GraphFileError(
                    f"{where}: {node.op}'s sub-graph {key} differs in its {ends} from its "
                    "forward node's"
                )
    returned = forward.attrs[second].outputs
    passed = forward.inputs[1:] if node.op == "cond_grad" else forward.inputs
    gys = _signature(forward.attrs[second], returned)
    if None in node.inputs or None in passed:  # a gradient or a passed value left out
        fits = False
    else:  # each gradient of a passed value has its type (zeros where none flows)
        fits = _signature(graph, node.inputs[1:]) == gys
        fits = fits and _signature(graph, node.outputs) == _signature(graph, passed)
    if not fits:
        raise GraphFileError(
            f"{where}: {node.op} takes a gradient for each of the {len(returned)} values its "
            f"sub-graphs return ({', '.join(gys)}) and returns one for each of the "
            f"{len(passed)} values its forward node is passed, of the same types"
        )


# the parameters of the ops' forwards that no call passes a tensor, so that static.trace
# always makes them attributes (dims, sizes, flags, modes); where one parameter name is a
# tensor in one op and a number in another (gelu_grad's part, unique's), or either in one op
# (clamp's lo, pow's b), it is not here. A file that gave one as an input loaded where no
# check reads it (sum's dims): the op then ran on a tensor it takes for a number, or failed.
# test_hostile_files9 loads the graphs of every op of the table with these refused
NUMBER_ARGUMENTS = {
    *("dim", "dims", "dim1", "dim2", "keepdim", "dtype", "geom", "shape", "size", "sizes"),
    *("step", "stride", "offset", "repeats", "k", "m", "n", "num_classes", "num_samples"),
    *("minlength", "padded", "padding", "padding_idx", "bias_shape", "decimals"),
    *("largest", "descending", "correction", "root", "equation", "reduction", "reduce"),
    *("generator", "approximate", "UPLO", "full_matrices", "diagonal", "include_self"),
    *("include_last_offset", "ignore_index", "ignore_nan", "reverse", "right", "upper"),
    *("replacement", "scale_grad_by_freq", "zero_infinity", "equal_nan", "atol", "rtol"),
    *("nonlinearity", "mode", "norm", "kind", "op", "blank", "needs", "centred", "unique"),
    *("advanced", "density", "range", "invert", "eps", "delta", "slope", "low", "high"),
    *("beta", "threshold", "shift"),
}


def _check_arguments(node: Node, where) -> list:
    """The inputs and attributes make exactly one call of the op's forward, each argument
    where static.trace puts it: its call plan."""
    for name, v in node.attrs.items():  # static.trace makes each tensor argument an input
        if isinstance(v, Ref) and v.tensor:
            raise _misplaced(node, name, where)
    refs = sorted(r.index for v in node.attrs.values() for r in _refs(v))
    n_top = len(node.inputs) - len(refs)
    plan = call_plan(OPS[node.op], node.attrs, len(node.inputs))
    used = [k for kind, k in plan if kind == "in"]
    if n_top < 0 or used != list(range(n_top)) or refs != list(range(n_top, len(node.inputs))):
        raise GraphFileError(f"{where}: its inputs and attributes do not fit {node.op}'s arguments")
    positional = parameters(OPS[node.op])[0]
    for name, (kind, _) in zip(positional, plan):
        if kind == "in" and name in NUMBER_ARGUMENTS:
            raise _misplaced(node, name, where)
    return plan


def _check_result_size(node: Node, graph: Graph, plan, where) -> int:
    """An op whose result can outgrow its inputs (broadcasting, matmul, einsum, indexing
    with arrays, embedding, tile, one_hot, a padded conv, a shape given as an attribute)
    must declare a first output of at least the size that its inputs' declared shapes and
    its attributes make. The replay checks each result, but after the op made it: a repeat
    of (20000, 20000) declared (4, 4) took 6 GB and 27 s before that check refused it.
    Returns the op's multiply-adds (see _work)."""
    if node.op == "fused":  # a chain of elementwise ops: its inputs broadcast
        shapes = [graph.values[v].shape for v in node.inputs if v is not None]
        try:
            size = math.prod(np.broadcast_shapes(*shapes))
        except ValueError:  # shapes that do not broadcast: the replay refuses them
            return 0
        _refuse_larger(size, node, graph, where)
        return 0
    if plan is None or node.outputs[0] is None:  # not an op of the table
        return 0
    cls = OPS[node.op]
    shapes, attrs = {}, {}  # a parameter's declared shape if it is a tensor input, or its value
    positional, star = parameters(cls)
    for k, (kind, v) in enumerate(plan):
        if kind == "in" and node.inputs[v] is not None:
            if k < len(positional):
                shapes[positional[k]] = graph.values[node.inputs[v]].shape
            else:  # einsum's operands
                shapes.setdefault(star, []).append(graph.values[node.inputs[v]].shape)
        elif kind != "in":  # an index holds its Refs' declared values
            attrs[positional[k]] = _declared(v, node, graph)
    try:
        size = _result_size(cls, shapes, attrs)
    except KeyError as exc:
        raise _misplaced(node, exc.args[0], where) from None
    except GraphFileError as exc:
        raise GraphFileError(f"{where}: {exc}") from None
    except OverflowError as exc:  # an int past NumPy's range (an index of 2**63): no op takes it
        raise GraphFileError(f"{where}: {node.op}: {exc}") from None
    except (TypeError, ValueError, IndexError):  # what the op refuses as it runs
        return 0
    if size is not None:
        _refuse_larger(size, node, graph, where)
    try:
        return _work(node.op, shapes, attrs)
    except KeyError as exc:
        raise _misplaced(node, exc.args[0], where) from None
    except (TypeError, ValueError, IndexError):  # as above
        return 0


def _misplaced(node: Node, name: str, where) -> GraphFileError:
    """The refusal of a node that gives an argument elsewhere than static.trace puts it (a
    tensor argument as an input, any other as an attribute), or not at all: the checks look
    for each there, and a file that moved one passed them unchecked (matmul's a as an
    attribute: 2**44 multiply-adds; col2im's shape as a constant input: 4 TiB)."""
    return GraphFileError(
        f"{where}: {node.op} needs its argument {name!r} as static.trace writes it "
        "(a tensor as an input, anything else as an attribute)"
    )


def _refuse_larger(size: int, node: Node, graph: Graph, where) -> None:
    declared = numpy_size(graph.values[node.outputs[0]].shape)
    if size > declared:
        raise GraphFileError(
            f"{where}: {node.op} of its inputs' declared shapes and its attributes makes more "
            f"than the {declared} elements its result declares"
        )


def _columns(shape: tuple, geom) -> int:
    """The elements of the columns conv2d copies an input of this shape into, (N Ho Wo,
    C kh kw) (or their transpose, see ops/conv.py); 0 for what conv2d refuses first."""
    if not isinstance(geom, Geometry) or len(geom.kernel) != 2 or len(shape) != 4:
        return 0
    n, c, h, w = shape
    return n * c * math.prod(geom.kernel) * math.prod(max(0, k) for k in geom.out_size(h, w))


def _conv_temporaries(node: Node, graph: Graph, where) -> int:
    """The bytes of the temporaries of conv2d and its gradient ops that no declared shape
    bounds, each held to MAX_ELEMENTS: the columns of x that conv2d and conv2d_weight_grad
    copy (an input (1, 4096, 64, 64) and a 32 x 32 kernel make 4.6 billion for a result of
    1089), the latter's products per image (N, O, kh kw C), summed after, and
    conv2d_input_grad's blocks, as many as the columns of its result. The gradient ops'
    inputs, shape and geometry fit (see _result_size). NOTE: all of each, as a GPU makes
    them: NumPy takes large ones a few images at a time into one buffer."""
    geom, first, second = node.attrs.get("geom"), _input(node, graph, 0), _input(node, graph, 1)
    if node.op == "conv2d":  # x, w, b: x's dtype is the columns'
        if first is None:  # the op fails before it makes any
            return 0
        image, operands, counts = first.shape, [first], {"columns": _columns(first.shape, geom)}
    elif node.op == "conv2d_weight_grad":  # rows (N, O, Ho Wo), x (N, C, H, W)
        image, operands = second.shape, [first, second]
        products = image[0] * first.shape[1] * math.prod(geom.kernel) * image[1]
        counts = {"columns": _columns(image, geom), "products per image": products}
    else:  # conv2d_input_grad: rows (N, O, Ho Wo), w_blocks (kh kw, O, C); shape (N, C, H, W)
        image, operands = node.attrs["shape"], [first, second]
        counts = {"columns' gradient": _columns(image, geom)}
    for what, count in counts.items():
        if count > MAX_ELEMENTS:
            raise GraphFileError(
                f"{where}: {node.op} of an input {image} makes {count} elements of {what}, "
                f"a temporary (at most {MAX_ELEMENTS})"
            )
    itemsize = np.result_type(*(np.dtype(info.dtype) for info in operands)).itemsize
    return sum(counts.values()) * itemsize


def _input(node: Node, graph: Graph, k: int) -> ValueInfo | None:
    """The declared value of the node's input k; None where it has none."""
    v = node.inputs[k] if k < len(node.inputs) else None
    return None if v is None else graph.values[v]


def _conv_rows_fit(rows, image, geom) -> bool:
    """Whether conv2d's upstream gradient as rows (N, O, Ho Wo) fits an image (N, C, H, W) at
    a 2-d geometry, as its gradient ops (and their temporaries' bounds) assume: each must be
    there, the tensors as the node's inputs, shape and geometry as its attributes, where the
    tracer puts them."""
    if not (isinstance(geom, Geometry) and len(geom.kernel) == 2 and rows and image):
        return False
    if not (isinstance(image, tuple) and len(image) == 4 and all(type(n) is int for n in image)):
        return False
    out = geom.out_size(*image[2:])
    return len(rows) == 3 and rows[0] == image[0] and min(out) > 0 and rows[2] == math.prod(out)


def _check_split(node: Node, where) -> None:
    """split makes a piece per size, all of them before the replay counts them against the
    node's outputs: 3,000,000 sizes of 0 took 63 s and 460 MB to refuse."""
    sizes = node.attrs.get("sizes")
    if isinstance(sizes, (list, tuple)) and len(sizes) != node.n_results:
        raise GraphFileError(
            f"{where}: split into {len(sizes)} pieces, but the node has {node.n_results} outputs"
        )


def _check_blend(node: Node, graph: Graph, where) -> None:
    """blend_along fills a (size, n) matrix with bincount(rows * n + cols), n being x's size
    along dim, so its picks must lie in that matrix, of at most max_entries, as interpolate
    makes them: rows of 10**7 in a file made 320 MB for a result of 8 elements. interpolate's
    rows and cols are constants, so they are checked here, before anything runs."""
    x, size, dim = node.inputs[0], node.attrs.get("size"), node.attrs.get("dim")
    shape = () if x is None else graph.values[x].shape
    if type(size) is not int or type(dim) is not int or not -len(shape) <= dim < len(shape):
        raise GraphFileError(f"{where}: blend_along needs an input x, an int size and a dim of x")
    n, most = shape[dim], OPS[node.op].max_entries
    if size * n > most:
        raise GraphFileError(
            f"{where}: blend_along of a ({size}, {n}) matrix (at most {most} entries)"
        )
    for key, bound in (("rows", size), ("cols", n)):
        ref = node.attrs.get(key)
        const = graph.constants.get(node.inputs[ref.index]) if isinstance(ref, Ref) else None
        if const is None:
            raise GraphFileError(f"{where}: blend_along's {key} must be a constant of the file")
        picks = const.array
        if (
            picks.dtype.kind not in "iu"
            or picks.size
            and not 0 <= picks.min() <= picks.max() < bound
        ):
            raise GraphFileError(f"{where}: blend_along's {key} must be ints in [0, {bound})")


def _declared(v, node: Node, graph: Graph):
    """Attribute v with each Ref replaced by what it reads: a constant's array (a mask's
    count is in its values), else the ValueInfo (shape, dtype) declared."""
    if isinstance(v, Ref):
        const = graph.constants.get(node.inputs[v.index])
        return graph.values[node.inputs[v.index]] if const is None else const.array
    if isinstance(v, (tuple, list)):
        return type(v)(_declared(x, node, graph) for x in v)
    return v


_EMPTY = np.dtype([])  # elements of no bytes: an array of any shape costs nothing


def _index_size(shape: tuple, index) -> int | None:
    """The elements x[index] has, for x of this shape: NumPy indexes an array of
    zero-byte elements with each index array as one of all-ones shape (its position), and
    the sizes of the index arrays broadcast. A boolean mask is the index arrays of its
    nonzero(), one per dim it covers, as long as its count of trues. None for a mask known
    by its declared shape only (see masks_checked) or an index of another dtype."""
    index = index if isinstance(index, tuple) else (index,)
    arrays, picks = [], []
    one = np.broadcast_to(np.zeros((), np.intp), (1,))
    for i in index:
        if isinstance(i, list):
            i = np.asarray(i)
        shaped = getattr(i, "shape", None)
        if shaped is None:
            picks.append(i)
            continue
        kind = np.dtype(i.dtype).kind
        if kind == "b" and isinstance(i, ValueInfo) or kind not in "biu":
            return None
        if kind == "b" and not shaped:  # a 0-d mask: a new dim of 1 (true) or 0
            picks.append(bool(i))
        elif kind == "b":  # NOTE: np.count_nonzero counts a CuPy array on its device too
            arrays.append((int(np.count_nonzero(i)),))
            picks += [one] * len(shaped)
        else:
            arrays.append(shaped)
            picks.append(one.reshape((1,) * len(shaped)))
    picked = np.empty(shape, _EMPTY)[tuple(picks)]
    return math.prod(picked.shape) * math.prod(np.broadcast_shapes(*arrays))


def masks_checked(kernel, node: Node, graph: Graph):
    """A loaded getitem's kernel, first checking that x[index] fits the result its graph
    declares where the index holds a boolean mask computed as the graph runs (x[MASK[0]]):
    its count is in its values (static.load counted the others, a constant mask's too). A
    mask of (8000, 8000) trues, the result declared (4,), made 256 MB before the check after
    the node."""
    index, vid = node.attrs.get("index"), node.outputs[0]
    masks = [node.inputs[r.index] for r in _refs(index)]
    if not any(
        v is not None and v not in graph.constants and graph.values[v].dtype == "bool"
        for v in masks
    ):
        return kernel
    declared = graph.values[vid].shape

    def checked(*arrays):
        try:
            size = _index_size(arrays[0].shape, _with_arrays(index, arrays))
        except (IndexError, ValueError):  # what the op refuses itself, before it picks
            size = None
        if size is not None and size > math.prod(declared):
            raise ValueError(
                f"value {vid} would have {size} elements (its index's masks pick them), but "
                f"the graph declares {declared}"
            )
        return kernel(*arrays)

    return checked


def _with_arrays(v, arrays):
    """Attribute v with each Ref replaced by the array it reads."""
    if isinstance(v, Ref):
        return arrays[v.index]
    if isinstance(v, (tuple, list)):
        return type(v)(_with_arrays(x, arrays) for x in v)
    return v


def _einsum_size(equation: str, shapes: list) -> int:
    """The elements einsum(equation) makes from operands of these shapes; the dims under
    each operand's ... broadcast together."""
    terms, arrow, out = equation.replace(" ", "").partition("->")
    sizes: dict = {}
    spans = []  # the dims under each operand's ...
    for term, shape in zip(terms.split(","), shapes):
        before, dots, after = term.partition("...")
        named = before + after
        if dots:
            spans.append(shape[len(before) : len(shape) - len(after)])
        shape = shape[: len(before)] + shape[len(shape) - len(after) :] if dots else shape
        for letter, n in zip(named, shape):
            sizes[letter] = max(sizes.get(letter, 1), n)
    if not arrow:  # the letters that appear once, in order, after the ...
        counts = collections.Counter(terms)  # once: terms.count per letter is quadratic
        out = "".join(sorted(c for c in sizes if counts[c] == 1))
    keeps_dots = "..." in out if arrow else bool(spans)
    spanned = math.prod(np.broadcast_shapes(*spans)) if keeps_dots else 1
    return spanned * math.prod(sizes[c] for c in out.replace("...", ""))


def _ints(attrs: dict, key: str, most: int = MAX_NDIM, least: int | None = None) -> tuple:
    """Attribute `key` as a tuple of at most `most` ints (one int: a 1-tuple), each at least
    `least`; anything else is refused. NOTE: the op would not refuse it all: NumPy takes a
    bool as 1, a float as an int (arange(1e7)) and more reps than dims, and tile makes its
    result a rep at a time, so (3000, 3000, -1) made 9 million elements before the -1 failed."""
    v = attrs[key]
    v = (v,) if type(v) is int else v
    if (
        not isinstance(v, (tuple, list))
        or len(v) > most
        or any(type(n) is not int or least is not None and n < least for n in v)
    ):
        at_least = "" if least is None else f", each at least {least}"
        raise GraphFileError(
            f"{key} {reprlib.repr(v)} is not an int or a list of at most {most} ints{at_least}"
        )
    return tuple(v)


def _result_size(cls, shapes: dict, attrs: dict) -> int | None:
    """The elements cls's forward makes, at least, from the declared shapes of its tensor
    arguments and its attributes (by parameter name; a KeyError where one is not there,
    which the load refuses, a ValueError where they are not what the op takes); None for an
    op whose result is no larger than its inputs, or not known before it runs (nonzero,
    bincount: from the values)."""
    op = cls.op_name
    if op == "matmul":  # a vector is a row on the left, a column on the right
        a, b = shapes["a"], shapes["b"]
        a, b = (1,) + a if len(a) == 1 else a, b + (1,) if len(b) == 1 else b
        return math.prod(np.broadcast_shapes(a[:-2], b[:-2])) * a[-2] * b[-1]
    if cls.ufunc is not None:  # elementwise: the inputs broadcast
        return math.prod(np.broadcast_shapes(*shapes.values())) if shapes else None
    if op in BROADCASTING and shapes:  # a broadcast that outgrows every input is the result
        size = _spread(shapes.values())
        return size if size > max(math.prod(s) for s in shapes.values()) else None
    if op == "linear_grad":  # gy (*, out), x (*, in), w (out, in): gx as x, gw as w
        gy, x, w = shapes["gy"], shapes["x"], shapes["w"]
        _fits(op, shapes, gy[:-1] == x[:-1] and gy[-1:] + x[-1:] == w)
    if op == "normalize_grad":  # g and xhat alike, invstd broadcast over them
        g = shapes["g"]
        _fits(op, shapes, shapes["xhat"] == g and _spread([g, shapes["invstd"]]) == math.prod(g))
    if op == "cross_entropy_grad":  # probs (N, C); scale and gy () or (N,)
        probs = shapes["probs"]
        _fits(op, shapes, len(probs) == 2 and {shapes["scale"], shapes["gy"]} <= {(), probs[:1]})
    if op == "getitem":
        return _index_size(shapes["x"], attrs["index"])
    if op == "embedding":
        return math.prod(shapes["index"]) * math.prod(shapes["weight"][1:])
    if op == "einsum":
        if type(attrs["equation"]) is not str:  # else an AttributeError from the check
            raise GraphFileError(f"equation {reprlib.repr(attrs['equation'])} is not text")
        return _einsum_size(attrs["equation"], shapes["operands"])
    if op == "linear":
        return math.prod(shapes["x"][:-1]) * math.prod(shapes["w"][:-1])
    if op == "repeat":
        return math.prod(_ints(attrs, "repeats", least=0)) * math.prod(shapes["x"])
    if op == "repeat_slices":
        shape, dim = list(shapes["x"]), _ints(attrs, "dim")[0]
        repeats = _ints(attrs, "repeats", 2**31, least=0)  # an int, or one per slice
        shape[dim] = shape[dim] * repeats[0] if type(attrs["repeats"]) is int else sum(repeats)
        return math.prod(shape)
    if op == "one_hot":
        return math.prod(shapes["labels"]) * _ints(attrs, "num_classes")[0]
    if op == "bincount":  # and its values' largest + 1, checked as it runs (executor.py)
        return _ints(attrs, "minlength")[0]
    if op in ("histc", "histogram") and type(attrs.get("bins")) is int:  # else edges (a tensor)
        return attrs["bins"]
    if op == "conv2d_weight_grad":  # rows (N, O, Ho Wo) @ x's columns -> (O, kh kw C)
        rows, x, geom = shapes.get("rows"), shapes.get("x"), attrs.get("geom")
        _fits(op, {"rows": rows, "x": x}, _conv_rows_fit(rows, x, geom))
        _padded(op, x, geom, "input")
        return rows[1] * math.prod(geom.kernel) * x[1]
    if op == "conv2d_input_grad":  # col2im of the blocks rows^T @ w_blocks: as col2im
        rows, w = shapes.get("rows"), shapes.get("w_blocks")
        shape, geom = attrs.get("shape"), attrs.get("geom")
        fits = _conv_rows_fit(rows, shape, geom)
        fits = fits and w == (math.prod(geom.kernel), rows[1], shape[1])
        _fits(op, {"rows": rows, "w_blocks": w, "shape": shape}, fits)
    adds_windows = ("col2im", "planes2im", "fold_windows3d", "unfold_backward", "index_add")
    if op in (*adds_windows, "conv2d_input_grad"):
        shape, geom = _ints(attrs, "shape"), attrs.get("geom")
        if isinstance(geom, Geometry):  # the windows add into a padded plane, then cropped
            _padded(op, shape, geom, "result")
        return math.prod(shape)
    if op in ("blend_along", "fft_irfftn"):  # one dim of x resized
        blend = op == "blend_along"
        shape, dim = list(shapes["x"]), _ints(attrs, "dim" if blend else "dims")
        shape[dim[-1]] = _ints(attrs, "size" if blend else "n")[0]
        return math.prod(shape)
    if op == "lu_permutation":  # P (*, m, m) of the pivots (*, k)
        return math.prod(shapes["pivots"][:-1]) * _ints(attrs, "m", least=0)[0] ** 2
    if op == "multinomial":
        return math.prod(shapes["w"][:-1]) * _ints(attrs, "num_samples")[0]
    if op == "pool_scatter":  # the result is cut from a padded plane
        (n, c, h, w), (ph, pw) = _ints(attrs, "padded"), _ints(attrs, "padding")
        if n * c * h * w > MAX_ELEMENTS:
            raise GraphFileError(f"{op} pads its result to more than {MAX_ELEMENTS} elements")
        return n * c * (h - 2 * ph) * (w - 2 * pw)
    if op == "pool_gather":  # picks from x padded
        (n, c, h, w), (ph, pw) = shapes["x"], _ints(attrs, "padding")
        if n * c * (h + 2 * ph) * (w + 2 * pw) > MAX_ELEMENTS:
            raise GraphFileError(f"{op} pads its input to more than {MAX_ELEMENTS} elements")
        return None
    geom = next((v for v in attrs.values() if isinstance(v, Geometry)), None)
    if geom is not None and "x" in shapes:  # the padded input, an element per window and image
        dims, padded = len(geom.kernel), _padded(op, shapes["x"], geom, "input")
        reach = [d * (k - 1) + 1 for k, d in zip(geom.kernel, geom.dilation)]
        images = math.prod(shapes["x"][: -dims - 1])  # not the channels: conv2d's may shrink
        windows = (max(0, (n - r) // s + 1) for n, r, s in zip(padded, reach, geom.stride))
        return images * math.prod(windows)
    return None


def _padded(op: str, shape: tuple, geom: Geometry, what: str) -> list:
    """shape's spatial dims (the last, one per kernel dim) padded as geom pads them; refused
    where the padded array, which the op makes, would hold more than MAX_ELEMENTS."""
    dims = len(geom.kernel)
    padded = [n + 2 * p for n, p in zip(shape[-dims:], geom.padding)]
    if math.prod(shape[:-dims]) * math.prod(padded) > MAX_ELEMENTS:
        raise GraphFileError(f"{op} pads its {what} to more than {MAX_ELEMENTS} elements")
    return padded


_RNN_STEPS = {"lstm_sequence", "gru_sequence", "lstm_cell", "gru_cell", "rnn_cell"}


def _work(op: str, shapes: dict, attrs: dict) -> int:
    """The multiply-adds op does, from its inputs' declared shapes, for the ops whose time
    grows faster than what they read and make (MAX_WORK); 0 for the others. An einsum
    counts a loop over all its letters (a path may do better)."""
    if op == "matmul":
        a, b = shapes["a"], shapes["b"]
        a, b = (1,) + a if len(a) == 1 else a, b + (1,) if len(b) == 1 else b
        return math.prod(np.broadcast_shapes(a[:-2], b[:-2])) * a[-2] * a[-1] * b[-1]
    if op in ("linear", "linear_grad"):  # the grad: gx and gw, each as much as linear
        return math.prod(shapes["x"][:-1]) * math.prod(shapes["w"]) * (1 + (op != "linear"))
    if op in ("conv2d", "conv2d_weight_grad", "conv2d_input_grad"):  # columns by channels
        image = attrs["shape"] if op == "conv2d_input_grad" else shapes["x"]
        out_channels = shapes["w"][0] if op == "conv2d" else shapes["rows"][1]
        return _columns(image, attrs["geom"]) * out_channels
    if op == "einsum":
        terms = attrs["equation"].replace(" ", "").partition("->")[0]
        letters = "".join(sorted({c for c in terms if c.isalpha()}))
        every = f"{terms}->{'...' if '...' in terms else ''}{letters}"
        return _einsum_size(every, shapes["operands"])
    if op.startswith("linalg_") or op == "matrix_exp":
        *batch, m, n = shapes["A"]
        return _FACTORIZATION * math.prod(batch) * m * n * min(m, n)
    if op in _RNN_STEPS:  # a step multiplies h by weight_hh (gates, H) per row of the gates
        return math.prod(shapes["input_gates"]) * shapes["weight_hh"][-1]
    if op in ("lstm_sequence_grad", "gru_sequence_grad"):  # h's and weight_hh's gradients
        return 2 * math.prod(shapes["hs"]) * shapes["weight_hh"][0]
    return 0


def _spread(shapes) -> int:
    """The elements of the shapes broadcast, or where they do not broadcast, of the largest
    size along each dim (from the right): what a forward can make that broadcasts two of
    them before it fails on a third (gelu_grad's gy and x, then its part)."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    return math.prod(max(sizes) for sizes in zip(*padded))


def _fits(op: str, shapes: dict, fits: bool) -> None:
    """Refuse the declared shapes of a gradient op's inputs that do not fit each other: its
    forward assumes they do, and linear_grad of gy (1500, 1) and w (1, 1500) made 18 MB."""
    if not fits:
        raise GraphFileError(f"{op} of inputs declared {shapes} that do not fit one another")


def _refs(v):
    if isinstance(v, Ref):
        yield v
    elif isinstance(v, (tuple, list)):
        for x in v:
            yield from _refs(x)


def _check_program(node: Node, where) -> None:
    from minigrad.static.kernels import fusable_function

    program = node.attrs.get("program")
    if node.attrs.get("dtype") not in ("float16", "float32", "float64"):
        raise GraphFileError(f"{where}: fused dtype must be a float type")
    if not isinstance(program, tuple) or not program or len(node.outputs) != 1:
        raise GraphFileError(f"{where}: fused needs a program of steps and one output")
    # fusion gives each temporary one reader: the CPU kernel writes a step's result into the
    # buffer it read, and the CUDA kernel inlines each read, so 40 steps that each read the
    # one before twice made a source of 2**40 characters
    read = set()
    for j, step in enumerate(program):
        ok = isinstance(step, tuple) and len(step) == 2 and isinstance(step[1], tuple)
        if not ok or not isinstance(step[0], str) or fusable_function(step[0]) is None:
            raise GraphFileError(f"{where}: fused step {j} is not an elementwise op")
        for arg in step[1]:
            if not (isinstance(arg, tuple) and len(arg) == 2):
                raise GraphFileError(f"{where}: fused step {j} has a malformed argument")
            kind, v = arg
            valid = (
                (kind == "x" and type(v) is int and 0 <= v < len(node.inputs))
                or (kind == "t" and type(v) is int and 0 <= v < j)
                or (kind == "c" and type(v) is float)
                or (kind == "c" and type(v) is int and abs(v) <= sys.float_info.max)
            )
            if not valid:
                raise GraphFileError(f"{where}: fused step {j} has a bad argument {arg!r}")
            if kind == "t":
                if v in read:
                    raise GraphFileError(f"{where}: fused step {j} reads step {v}'s result again")
                read.add(v)
