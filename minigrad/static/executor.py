"""The executor: a Graph becomes one generated Python function over array kernels.

    def run(v0, v1):
        v4 = k0(v0, C2.array, C3.array)     # linear
        v5 = k1(v4)                         # relu
        return (v5,)

No Tensor, no Function and no autograd bookkeeping at replay: each step is one call of a
precomputed closure (see `ops.py`), so the overhead per node is a fraction of a microsecond.
`Runner.code` shows the generated source.
"""

from __future__ import annotations

from minigrad.static.graph import Graph
from minigrad.static.ops import MULTI_OUTPUT, OPS


class Runner:
    def __init__(self, graph: Graph, xp):
        self.graph = graph
        self.code, env = _generate(graph, xp)
        exec(compile(self.code, "<minigrad.static graph>", "exec"), env)
        self.run = env["run"]

    def __call__(self, *arrays) -> tuple:
        return self.run(*arrays)


def _generate(graph: Graph, xp) -> tuple[str, dict]:
    env: dict = {}
    args = ", ".join(f"v{v}" for v in graph.inputs)
    lines = [f"def run({args}):"]
    used = {v for n in graph.nodes for v in n.inputs} | set(graph.outputs)
    for vid, const in graph.constants.items():
        if vid not in used:
            continue
        if const.frozen:
            env[f"v{vid}"] = const.array  # a global: frozen arrays never change
        else:
            env[f"C{vid}"] = const.tensor  # read at each run: in-place updates are seen
            lines.append(f"    v{vid} = C{vid}.array")
    for k, node in enumerate(graph.nodes):
        env[f"k{k}"] = OPS[node.op].kernel(xp, **node.attrs)
        ins = ", ".join("None" if v is None else f"v{v}" for v in node.inputs)
        outs = ", ".join(f"v{v}" for v in node.outputs)
        if node.op in MULTI_OUTPUT:
            outs += ","
        lines.append(f"    {outs} = k{k}({ins})  # {node.op}")
    rets = "".join(("None" if v is None else f"v{v}") + ", " for v in graph.outputs)
    lines.append(f"    return ({rets})")
    return "\n".join(lines) + "\n", env
