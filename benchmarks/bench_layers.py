"""Common layers and ops, forward + backward as a user writes them, against PyTorch CPU.

    python benchmarks/bench_layers.py [--rounds 5] [--only "LayerNorm|Conv3d"] [--against TREE]

Each row builds the layer (or op) and its input once at a typical course size and times
`y = layer(x); y.sum().backward()` in minigrad and in PyTorch (`--against TREE`: a third
contender, another minigrad source tree, as in bench_hotops.py). One BLAS and one PyTorch
thread, process time, each round in a new random order, every contender's best round. The
rows are printed as they finish, then again worst ratio first.
"""

from __future__ import annotations

# NOTE: first: the sibling script sets one BLAS and one OpenMP thread before NumPy is imported.
import bench_hotops  # isort: skip
import numpy as np
from bench_hotops import arrays

CASES = {}  # name -> make(lib): the step to time


def _layer(build, *shapes, dtype="float32"):
    """A row for `build(lib)(*inputs).sum().backward()`; float inputs require grad."""

    def make(lib):
        lib.manual_seed(0)
        layer = build(lib)
        inputs = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays(*shapes)]

        def step():
            layer(*inputs).sum().backward()

        return step

    return make


def _indices(build, shape, size, high):
    """A row whose first input is an int64 index tensor of `size` entries below `high`."""

    def make(lib):
        lib.manual_seed(0)
        layer = build(lib)
        index = lib.tensor(np.random.default_rng(1).integers(0, high, size))
        x = lib.tensor(arrays(shape)[0], requires_grad=True) if shape else None

        def step():
            layer(index, x).sum().backward()

        return step

    return make


def _recurrent_cell(cell, lstm):
    def make(lib):
        lib.manual_seed(0)
        layer = getattr(lib.nn, cell)(64, 128)
        shapes = (32, 64), (32, 128), (32, 128)
        x, h, c = (lib.tensor(a, requires_grad=True) for a in arrays(*shapes))
        state = (h, c) if lstm else h

        def step():
            out = layer(x, state)
            (out[0] if lstm else out).sum().backward()

        return step

    return make


def _embedding(lib):
    table = lib.nn.Embedding(1000, 64)
    return lambda index, _: table(index)


CASES.update(
    {
        "Linear(128, 64) (64, 128)": _layer(lambda lib: lib.nn.Linear(128, 64), (64, 128)),
        "Conv1d(16, 32, 3) (16, 16, 100)": _layer(
            lambda lib: lib.nn.Conv1d(16, 32, 3), (16, 16, 100)
        ),
        "Conv2d(16, 32, 3) (16, 16, 16, 16)": _layer(
            lambda lib: lib.nn.Conv2d(16, 32, 3), (16, 16, 16, 16)
        ),
        "Conv3d(4, 8, 3) (4, 4, 8, 8, 8)": _layer(
            lambda lib: lib.nn.Conv3d(4, 8, 3), (4, 4, 8, 8, 8)
        ),
        "MaxPool2d(2) (32, 16, 16, 16)": _layer(lambda lib: lib.nn.MaxPool2d(2), (32, 16, 16, 16)),
        "AvgPool2d(2) (32, 16, 16, 16)": _layer(lambda lib: lib.nn.AvgPool2d(2), (32, 16, 16, 16)),
        "BatchNorm1d(128) (64, 128)": _layer(lambda lib: lib.nn.BatchNorm1d(128), (64, 128)),
        "BatchNorm2d(16) (32, 16, 16, 16)": _layer(
            lambda lib: lib.nn.BatchNorm2d(16), (32, 16, 16, 16)
        ),
        "LayerNorm(128) (64, 128)": _layer(lambda lib: lib.nn.LayerNorm(128), (64, 128)),
        "GroupNorm(4, 16) (32, 16, 16, 16)": _layer(
            lambda lib: lib.nn.GroupNorm(4, 16), (32, 16, 16, 16)
        ),
        "Embedding(1000, 64) 512 indices": _indices(_embedding, None, 512, 1000),
        "LSTMCell(64, 128) batch 32": _recurrent_cell("LSTMCell", True),
        "GRUCell(64, 128) batch 32": _recurrent_cell("GRUCell", False),
        "F.softmax(dim=1) (64, 128)": _layer(
            lambda lib: lambda x: lib.softmax(x, dim=1), (64, 128)
        ),
        "F.log_softmax(dim=1) (64, 128)": _layer(
            lambda lib: lambda x: lib.log_softmax(x, dim=1), (64, 128)
        ),
        "F.cross_entropy (64, 10)": _indices(
            lambda lib: lambda t, x: lib.nn.functional.cross_entropy(x, t), (64, 10), 64, 10
        ),
        "F.mse_loss (64, 128)": _layer(
            lambda lib: lib.nn.functional.mse_loss, (64, 128), (64, 128)
        ),
        "Dropout(0.5) (64, 128)": _layer(lambda lib: lib.nn.Dropout(0.5), (64, 128)),
        "GELU (64, 128)": _layer(lambda lib: lib.nn.GELU(), (64, 128)),
        "SiLU (64, 128)": _layer(lambda lib: lib.nn.SiLU(), (64, 128)),
        "ReLU (64, 128)": _layer(lambda lib: lib.nn.ReLU(), (64, 128)),
        "tanh (64, 128)": _layer(lambda lib: lib.tanh, (64, 128)),
        "sigmoid (64, 128)": _layer(lambda lib: lib.sigmoid, (64, 128)),
        "matmul (64, 128) @ (128, 128)": _layer(lambda lib: lib.matmul, (64, 128), (128, 128)),
        "bmm (16, 32, 64) @ (16, 64, 32)": _layer(lambda lib: lib.bmm, (16, 32, 64), (16, 64, 32)),
        "sum(dim=1) (64, 128)": _layer(lambda lib: lambda x: x.sum(dim=1), (64, 128)),
        "mean(dim=0) (64, 128)": _layer(lambda lib: lambda x: x.mean(dim=0), (64, 128)),
        "var(dim=1) (64, 128)": _layer(lambda lib: lambda x: x.var(dim=1), (64, 128)),
        "gather(1, idx) (64, 128)": _indices(
            lambda lib: lambda i, x: x.gather(1, i.reshape(64, 8)), (64, 128), 512, 128
        ),
        "scatter_add(1, idx, x) (64, 128)": _indices(
            lambda lib: lambda i, x: lib.zeros(64, 128).scatter_add(1, i.reshape(64, 8), x[:, :8]),
            (64, 128),
            512,
            128,
        ),
        "x[idx] rows (512, 64)": _indices(lambda lib: lambda i, x: x[i[:128]], (512, 64), 512, 512),
        "cat of three (64, 128)": _layer(
            lambda lib: lambda a, b, c: lib.cat([a, b, c], dim=1), (64, 128), (64, 128), (64, 128)
        ),
        "stack of three (64, 128)": _layer(
            lambda lib: lambda a, b, c: lib.stack([a, b, c]), (64, 128), (64, 128), (64, 128)
        ),
    }
)

# Eighteenth session: a transformer's and an RNN's sizes (stack of time steps, gates by chunk)
CASES.update(
    {
        "LayerNorm(256) (64, 128, 256)": _layer(lambda lib: lib.nn.LayerNorm(256), (64, 128, 256)),
        "softmax(dim=-1) (64, 4, 32, 32)": _layer(
            lambda lib: lambda x: lib.softmax(x, dim=-1), (64, 4, 32, 32)
        ),
        "Embedding(1000, 256) (64, 32) indices": _indices(
            lambda lib: (lambda t: lambda i, _: t(i.reshape(64, 32)))(lib.nn.Embedding(1000, 256)),
            None,
            2048,
            1000,
        ),
        "index_select(0, idx) (512, 64)": _indices(
            lambda lib: lambda i, x: x.index_select(0, i[:128]), (512, 64), 512, 512
        ),
        "stack of 16 (64, 128), dim=1": _layer(
            lambda lib: lambda *xs: lib.stack(xs, dim=1), *[(64, 128)] * 16
        ),
        "stack of 16 (64, 128), dim=-1": _layer(
            lambda lib: lambda *xs: lib.stack(xs, dim=-1), *[(64, 128)] * 16
        ),
        "unbind(1) (64, 16, 128), stacked back": _layer(
            lambda lib: lambda x: lib.stack([t * 2 for t in x.unbind(1)]), (64, 16, 128)
        ),
        "chunk(4, dim=1) (64, 512), gates": _layer(
            lambda lib: lambda x: (lambda i, f, g, o: i * f + g * o)(*x.chunk(4, dim=1)),
            (64, 512),
        ),
        "split(64, dim=1) (64, 256), summed": _layer(
            lambda lib: lambda x: sum(p.sum() for p in x.split(64, dim=1)), (64, 256)
        ),
    }
)


def main() -> None:
    results = bench_hotops.main(CASES, __doc__, rounds=5, width=36)
    ratios = {name: best["minigrad"] / best["torch"] for name, best in results.items()}
    print("\nworst first:")
    for name in sorted(ratios, key=ratios.get, reverse=True):
        print(f"  {ratios[name]:5.2f}x  {name}")


if __name__ == "__main__":
    main()
