"""Appending graph-level nodes (detach, cond, while_loop, their gradients) to a Graph. Each
new node is also run once on example arrays, so its output shapes and dtypes are known
exactly (shape inference by evaluation) and every kernel is checked the moment it enters a
graph. (Function nodes need none of this: the tracer runs their forward itself.)"""

from __future__ import annotations

import numpy as np

from minigrad.static.graph import Const, Graph, Node
from minigrad.static.kernels import GRAPH_OPS


class Builder:
    def __init__(self, graph: Graph, examples: dict, xp):
        self.graph, self.examples, self.xp = graph, examples, xp

    def shape(self, vid) -> tuple:
        return self.graph.values[vid].shape

    def dtype(self, vid) -> str:
        return self.graph.values[vid].dtype

    def emit(self, op: str, *inputs, n_out: int = 1, **attrs):
        """Append `op(*inputs, **attrs)`; return its output value id (a tuple if n_out > 1)."""
        kernel = GRAPH_OPS[op].kernel(self.xp, **attrs)
        result = kernel(*(None if v is None else self.examples[v] for v in inputs))
        results = result if type(result) is tuple else (result,)
        outs = []
        for r in results:
            # a control-flow node's residual is a Python object: shape (), dtype object
            shape, dtype = (r.shape, r.dtype) if hasattr(r, "dtype") else ((), np.dtype(object))
            vid = self.graph.new_value(shape, dtype)
            self.examples[vid] = r
            outs.append(vid)
        self.graph.nodes.append(Node(op, list(inputs), outs, attrs))
        return tuple(outs) if n_out > 1 or GRAPH_OPS[op].multi else outs[0]

    def const(self, array) -> int:
        """A frozen constant (zeros for a gradient that is known to be zero)."""
        vid = self.graph.add_const(Const(array=array), array.shape, array.dtype)
        self.examples[vid] = array
        return vid
