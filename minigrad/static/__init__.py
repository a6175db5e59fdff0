"""Static graphs: trace a function once, optimise the graph, replay it, save it, export it.

g = static.trace(fn, x)            # a Graph: print(g), viz.draw(g)
step = static.compile(model)       # trace on the first call, replay afterwards
g.save("model.mgraph"); static.load("model.mgraph")(x)
static.cond(pred, true_fn, false_fn, operands); static.while_loop(cond_fn, body_fn, init)
"""

from minigrad.static.compile import CompiledFunction, compile
from minigrad.static.control import cond, while_loop
from minigrad.static.graph import Graph
from minigrad.static.onnx_export import export_onnx
from minigrad.static.serialize import load
from minigrad.static.trace import TracingError, trace

__all__ = [
    "CompiledFunction",
    "Graph",
    "TracingError",
    "compile",
    "export_onnx",
    "cond",
    "load",
    "trace",
    "while_loop",
]
