"""Building a Graph node by node. Each new node is also run once on example arrays, so its
output shape and dtype are known exactly (shape inference by evaluation) and every kernel is
checked the moment it enters a graph."""

from __future__ import annotations

import numpy as np

from minigrad.backend import device_of
from minigrad.static.graph import Const, Graph, Node
from minigrad.static.ops import MULTI_OUTPUT, OPS


def array_module(array):
    """NumPy or CuPy: the module of an array (through minigrad's backend, never imported)."""
    if isinstance(array, (np.ndarray, np.generic)):
        return np
    return device_of(array).xp


class Builder:
    def __init__(self, graph: Graph, examples: dict, xp):
        self.graph, self.examples, self.xp = graph, examples, xp

    def shape(self, vid) -> tuple:
        return self.graph.values[vid].shape

    def dtype(self, vid) -> str:
        return self.graph.values[vid].dtype

    def emit(self, op: str, *inputs, n_out: int = 1, **attrs):
        """Append `op(*inputs, **attrs)`; return its output value id (a tuple if n_out > 1)."""
        kernel = OPS[op].kernel(self.xp, **attrs)
        result = kernel(*(None if v is None else self.examples[v] for v in inputs))
        results = result if type(result) is tuple else (result,)
        outs = []
        for r in results:
            # an eager op's saved context is a Python object: shape (), dtype object
            shape, dtype = (r.shape, r.dtype) if hasattr(r, "dtype") else ((), np.dtype(object))
            vid = self.graph.new_value(shape, dtype)
            self.examples[vid] = r
            outs.append(vid)
        self.graph.nodes.append(Node(op, list(inputs), outs, attrs))
        return tuple(outs) if op in MULTI_OUTPUT or n_out > 1 else outs[0]

    def scalar(self, value, like) -> int:
        """A frozen 0-d constant with the dtype PyTorch gives `like op value`."""
        dtype = self.dtype(like)
        if np.dtype(dtype).kind not in "fc" and isinstance(value, float):
            dtype = "float32"
        elif np.dtype(dtype).kind == "b":
            dtype = "int64" if isinstance(value, int) and not isinstance(value, bool) else dtype
        array = self.xp.asarray(value, dtype=dtype)
        vid = self.graph.add_const(Const(array=array), (), dtype)
        self.examples[vid] = array
        return vid

    def reshape(self, vid, shape):
        shape = tuple(shape)
        if -1 in shape:
            known = int(np.prod([s for s in shape if s != -1]))
            size = int(np.prod(self.shape(vid)))
            shape = tuple(size // max(known, 1) if s == -1 else s for s in shape)
        return vid if shape == self.shape(vid) else self.emit("reshape", vid, shape=shape)

    def sum_to(self, vid, shape):
        from minigrad.static.ops import sum_to_axes

        shape = tuple(shape)
        if vid is None or self.shape(vid) == shape:
            return vid
        return self.emit("sum_to", vid, shape=shape, axes=sum_to_axes(self.shape(vid), shape))
