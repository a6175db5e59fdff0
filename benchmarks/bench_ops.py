"""Per-op overhead: small-tensor ops in minigrad, PyTorch CPU and raw NumPy, in one process.

    .venv/bin/python benchmarks/bench_ops.py [--repeat 7] [--number 2000]

Each line times one operation on 64x128 float32 inputs (the size of a notebook MLP's
activations), prints microseconds per call for the three and the ratios minigrad/PyTorch and
minigrad/NumPy. The "chain" rows run 10 ops forward, and forward+backward. NumPy's column is
the same arithmetic written by hand on arrays (for backward: the hand-derived gradients), so
minigrad/NumPy is the price of autograd and of the Tensor wrapper.
"""

from __future__ import annotations

import argparse
import os

# NOTE: one BLAS thread for all three: small matrices gain nothing from threads, and on a busy
# machine a spinning BLAS thread pool turns the timings into noise.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import platform  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_static import blas_line  # noqa: E402 - the sibling script

import minigrad  # noqa: E402

torch.set_num_threads(1)


def _inputs(lib, requires_grad=False):
    rng = np.random.default_rng(0)
    arrays = {
        "x": rng.standard_normal((64, 128), dtype=np.float32),
        "y": rng.standard_normal((64, 128), dtype=np.float32),
        "w": rng.standard_normal((128, 128), dtype=np.float32) * 0.1,
    }
    if lib is np:
        return arrays
    return {k: lib.tensor(v, requires_grad=requires_grad) for k, v in arrays.items()}


def chain(lib, x, y, w):
    """10 ops: matmul, add, relu, mul, sub, tanh, exp... and a mean, as in a small MLP step."""
    h = x @ w
    h = h + y
    h = h.relu() if lib is not np else np.maximum(h, 0)
    h = h * y
    h = h - x
    h = h.tanh() if lib is not np else np.tanh(h)
    h = h * 0.5
    h = h.exp() if lib is not np else np.exp(h)
    h = h / 2.0
    return h.mean()


def numpy_chain_backward(x, y, w):
    """The chain's forward and its gradients for x, y and w, derived by hand."""
    h1 = x @ w
    h2 = h1 + y
    h3 = np.maximum(h2, 0)
    h4 = h3 * y
    h5 = h4 - x
    h6 = np.tanh(h5)
    h8 = np.exp(h6 * 0.5)
    loss = (h8 / 2.0).mean()
    g8 = np.full_like(h8, 0.5 / h8.size)
    g6 = g8 * h8 * 0.5
    g5 = g6 * (1 - h6 * h6)
    g3 = g5 * y
    g2 = g3 * (h2 > 0)
    gy = g2 + g5 * h3
    gx = -g5 + g2 @ w.T
    gw = x.T @ g2
    return loss, gx, gy, gw


def _backward_step(lib, t):
    for v in t.values():
        v.grad = None
    chain(lib, **t).backward()


def cases():
    n, m, p = _inputs(np), _inputs(minigrad), _inputs(torch)
    mg, pg = _inputs(minigrad, True), _inputs(torch, True)
    relu_np = lambda: np.maximum(n["x"], 0)  # noqa: E731
    return [
        ("x + y", lambda: m["x"] + m["y"], lambda: p["x"] + p["y"], lambda: n["x"] + n["y"]),
        ("x @ w", lambda: m["x"] @ m["w"], lambda: p["x"] @ p["w"], lambda: n["x"] @ n["w"]),
        ("relu(x)", lambda: m["x"].relu(), lambda: p["x"].relu(), relu_np),
        ("x + y (grad)", lambda: mg["x"] + mg["y"], lambda: pg["x"] + pg["y"], None),
        (
            "chain fwd",
            lambda: chain(minigrad, **m),
            lambda: chain(torch, **p),
            lambda: chain(np, **n),
        ),
        (
            "chain fwd+bwd",
            lambda: _backward_step(minigrad, mg),
            lambda: _backward_step(torch, pg),
            lambda: numpy_chain_backward(**n),
        ),
    ]


def interleaved_best_us(fns, repeat, number) -> list[float]:
    """Best time per call of each fn; the fns take turns so background load hits all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            if fn is not None:
                best[i] = min(best[i], timeit.timeit(fn, number=number) / number * 1e6)
    return [float("nan") if b == float("inf") else b for b in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--number", type=int, default=500)
    args = parser.parse_args()
    print(
        f"minigrad {minigrad.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(blas_line())
    print(
        f"{'op (64x128 float32)':22}{'minigrad':>10}{'torch':>10}{'numpy':>10}"
        f"{'mg/torch':>10}{'mg/numpy':>10}   (us per call, best of {args.repeat})"
    )
    for name, *fns in cases():
        t_m, t_p, t_n = interleaved_best_us(fns, args.repeat, args.number)
        print(f"{name:22}{t_m:10.1f}{t_p:10.1f}{t_n:10.1f}{t_m / t_p:10.2f}{t_m / t_n:10.2f}")


if __name__ == "__main__":
    main()
