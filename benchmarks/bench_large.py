"""Ops on large tensors, minigrad vs PyTorch CPU: forward alone, and forward and backward.

    python benchmarks/bench_large.py [--cpu-time] [--size 512] [--repeats 5] [--only NAME ...]

Where `bench_ops.py` times the per-call overhead on small tensors, this times the arithmetic:
each row runs one op on 512x512 float32 tensors (--size 64 for small ones; images of
16x16x32x32 for the convolution and pooling rows, volumes of 4x8x16x16x16 for the 3-d pools,
(1024, 1000) logits for the second cross-entropy row, maps of 16x32x64x64 for
the interpolate rows, (32, 64, 512) tokens for the second LayerNorm row; the module rows
reuse one module per library, as a model does), the same source for both libraries,
and prints the time per call and the ratio minigrad / PyTorch, flagging rows
over 2.5x. It is how slow kernels were found (the gradient of `x[idx]` on np.add.at, `topk`
through a full sort and then through argpartition, `einsum` without BLAS, NumPy's serial
cumsum, its transposing copy on power-of-two rows, a matmul on the stride-0 gradient of
`y.sum()`, gather and scatter_add on NumPy's indexing with one array a dim and add.at, the
power with exponent 1 in the gradient of `a ** 2`, NumPy's per-element pow() for `a ** 3`
on negative float32 bases, hardswish and relu6 as chains of `where`,
lgamma's float64 series for float32 inputs); benchmarks/README.md has the figures.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_static import CLOCK, best_of_each, blas_line  # noqa: E402 - the sibling script

import minigrad  # noqa: E402

RNG = np.random.default_rng(0)
A = B = ROWS = COLUMNS = None  # set by resize(): the two square operands and their indices
IMAGES = RNG.standard_normal((16, 16, 32, 32), dtype=np.float32)
KERNELS = RNG.standard_normal((32, 16, 3, 3), dtype=np.float32)
PHOTOS = RNG.standard_normal((8, 3, 64, 64), dtype=np.float32)
VOLUMES = RNG.standard_normal((4, 8, 16, 16, 16), dtype=np.float32)
MAPS = RNG.standard_normal((16, 32, 64, 64), dtype=np.float32)
LOGITS = RNG.standard_normal((1024, 1000), dtype=np.float32)
TOKENS = RNG.standard_normal((32, 64, 512), dtype=np.float32)  # (batch, sequence, features)
CLASSES = RNG.integers(0, 1000, 1024)


def resize(n: int) -> None:
    """The square operands a and b become n x n (512 by default; 64 times small-tensor costs)."""
    global A, B, ROWS, COLUMNS
    A, B = (RNG.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    ROWS = RNG.integers(0, n, 8 * n)
    COLUMNS = RNG.integers(0, n, (n, n // 8))


resize(512)

MODULES = {}  # (lib, kind, size) -> the module a row reuses, as a model holds its layers


def layer_norm_module(lib, size):
    key = (lib.__name__, "LayerNorm", size)
    if key not in MODULES:
        MODULES[key] = lib.nn.LayerNorm(size)
    return MODULES[key]


def batch_norm_module(lib, training):
    key = (lib.__name__, "BatchNorm2d", training)
    if key not in MODULES:
        MODULES[key] = lib.nn.BatchNorm2d(IMAGES.shape[1]).train(training)
    return MODULES[key]


def group_norm_module(lib):
    key = (lib.__name__, "GroupNorm", IMAGES.shape[1])
    if key not in MODULES:
        MODULES[key] = lib.nn.GroupNorm(4, IMAGES.shape[1])
    return MODULES[key]


# name -> op(lib, a, b), a and b the two 512x512 tensors
OPS = {
    "a + b": lambda L, a, b: a + b,
    "a * b": lambda L, a, b: a * b,
    "a.exp()": lambda L, a, b: a.exp(),
    "a.tanh()": lambda L, a, b: a.tanh(),
    "a.sigmoid()": lambda L, a, b: a.sigmoid(),
    "a.relu()": lambda L, a, b: a.relu(),
    "F.gelu(a)": lambda L, a, b: L.nn.functional.gelu(a),
    "F.silu(a)": lambda L, a, b: L.nn.functional.silu(a),
    "F.softplus(a)": lambda L, a, b: L.nn.functional.softplus(a),
    "a ** 2": lambda L, a, b: a**2,
    "a * b + a - b": lambda L, a, b: a * b + a - b,
    "a.clamp(-1, 1)": lambda L, a, b: a.clamp(-1, 1),
    "a.masked_fill(a > 0, 0)": lambda L, a, b: a.masked_fill(a > 0, 0.0),
    "a.sum()": lambda L, a, b: a.sum(),
    "a.sum(1)": lambda L, a, b: a.sum(1),
    "a.max(1)": lambda L, a, b: a.max(1).values,
    "a.var(1)": lambda L, a, b: a.var(1),
    "a.std(1)": lambda L, a, b: a.std(1),
    "a.argmax(1)": lambda L, a, b: a.argmax(1),
    "a.norm(dim=1)": lambda L, a, b: a.norm(dim=1),
    "a + b[0] (broadcast)": lambda L, a, b: a + b[0],
    "a / b[:, :1] (broadcast)": lambda L, a, b: a / b[:, :1],
    "torch.erf(a)": lambda L, a, b: L.erf(a),
    "torch.erfinv(tanh a)": lambda L, a, b: L.erfinv(a.tanh() * 0.99),
    "torch.lgamma(a)": lambda L, a, b: L.lgamma(a),
    "torch.digamma(a)": lambda L, a, b: L.digamma(a),
    "torch.i0(a)": lambda L, a, b: L.i0(a),
    "torch.special.i1(a)": lambda L, a, b: L.special.i1(a),
    "torch.special.ndtri": lambda L, a, b: L.special.ndtri(a.sigmoid()),
    "F.gelu(a, tanh)": lambda L, a, b: L.nn.functional.gelu(a, approximate="tanh"),
    "F.elu(a)": lambda L, a, b: L.nn.functional.elu(a),
    "F.leaky_relu(a)": lambda L, a, b: L.nn.functional.leaky_relu(a),
    "F.mish(a)": lambda L, a, b: L.nn.functional.mish(a),
    "F.logsigmoid(a)": lambda L, a, b: L.nn.functional.logsigmoid(a),
    "F.hardswish(a)": lambda L, a, b: L.nn.functional.hardswish(a),
    "F.hardsigmoid(a)": lambda L, a, b: L.nn.functional.hardsigmoid(a),
    "F.relu6(a)": lambda L, a, b: L.nn.functional.relu6(a),
    "F.selu(a)": lambda L, a, b: L.nn.functional.selu(a),
    "F.softsign(a)": lambda L, a, b: L.nn.functional.softsign(a),
    "a ** 3": lambda L, a, b: a**3,
    "a.abs() ** 0.5": lambda L, a, b: a.abs() ** 0.5,
    "a.abs() ** -0.5": lambda L, a, b: a.abs() ** -0.5,
    "a ** -1": lambda L, a, b: a**-1,
    "a ** -2": lambda L, a, b: a**-2,
    "a ** 4": lambda L, a, b: a**4,
    "a.pow(2.5) (of |a|)": lambda L, a, b: a.abs().pow(2.5),
    "a.clamp(min=0)": lambda L, a, b: a.clamp(min=0),
    "a.abs()": lambda L, a, b: a.abs(),
    "a.sqrt() (of |a|)": lambda L, a, b: (a.abs() + 1).sqrt(),
    "a.log() (of |a|)": lambda L, a, b: (a.abs() + 1).log(),
    "maximum(a, b)": lambda L, a, b: L.maximum(a, b),
    "a.mean(0)": lambda L, a, b: a.mean(0),
    "a.max(0)": lambda L, a, b: a.max(0).values,
    "a.var(0)": lambda L, a, b: a.var(0),
    "a.norm()": lambda L, a, b: a.norm(),
    "a.softmax(1)": lambda L, a, b: a.softmax(1),
    "a.log_softmax(1)": lambda L, a, b: a.log_softmax(1),
    "a.logsumexp(1)": lambda L, a, b: a.logsumexp(1),
    "a.softmax(0)": lambda L, a, b: a.softmax(0),
    "a.log_softmax(0)": lambda L, a, b: a.log_softmax(0),
    "a.logsumexp(0)": lambda L, a, b: a.logsumexp(0),
    "a.std(0)": lambda L, a, b: a.std(0),
    "a @ b": lambda L, a, b: a @ b,
    "einsum ij,jk->ik": lambda L, a, b: L.einsum("ij,jk->ik", a, b),
    "a.T.contiguous()": lambda L, a, b: a.T.contiguous(),
    "cat([a, b])": lambda L, a, b: L.cat([a, b]),
    "stack([a, b], 1)": lambda L, a, b: L.stack([a, b], 1),
    "a.gather(1, idx)": lambda L, a, b: a.gather(1, L.tensor(COLUMNS)),
    "a.scatter_add(1, idx, b)": lambda L, a, b: a.scatter_add(
        1, L.tensor(COLUMNS), b[:, : COLUMNS.shape[1]]
    ),
    "a.scatter(1, idx, b)": lambda L, a, b: a.scatter(
        1, L.tensor(COLUMNS), b[:, : COLUMNS.shape[1]]
    ),
    "a.scatter_reduce(1, idx, b, amax)": lambda L, a, b: a.scatter_reduce(
        1, L.tensor(COLUMNS), b[:, : COLUMNS.shape[1]], "amax"
    ),
    "a.index_put((rows, cols), v, accumulate=True)": lambda L, a, b: a.index_put(
        (L.tensor(ROWS), L.tensor(ROWS[::-1].copy())), b.reshape(-1)[: len(ROWS)], accumulate=True
    ),
    "a[rows]": lambda L, a, b: a[L.tensor(ROWS)],
    "a.index_select(0, rows)": lambda L, a, b: a.index_select(0, L.tensor(ROWS)),
    "a.index_select(1, rows)": lambda L, a, b: a.index_select(1, L.tensor(ROWS)),
    "a.index_add(0, rows, b)": lambda L, a, b: a.index_add(0, L.tensor(ROWS[: len(A)]), b),
    "torch.take(a, idx)": lambda L, a, b: L.take(a, L.tensor(COLUMNS)),
    "F.embedding": lambda L, a, b: L.nn.functional.embedding(L.tensor(ROWS), a),
    "a[a > 0]": lambda L, a, b: a[a > 0],
    "where(a > 0, a, b)": lambda L, a, b: L.where(a > 0, a, b),
    "a.cumsum(1)": lambda L, a, b: a.cumsum(1),
    "a.cumsum(0)": lambda L, a, b: a.cumsum(0),
    "a.sort(1)": lambda L, a, b: a.sort(1).values,
    "a.topk(5, 1)": lambda L, a, b: a.topk(5, 1).values,
    "a.unbind(0)": lambda L, a, b: L.stack(a.unbind(0)[::2]),
    "F.layer_norm": lambda L, a, b: L.nn.functional.layer_norm(a, a.shape[1:]),
    "F.cross_entropy": lambda L, a, b: L.nn.functional.cross_entropy(a, L.tensor(ROWS[: len(A)])),
    "F.cross_entropy 1024x1000": lambda L, a, b: L.nn.functional.cross_entropy(
        L.tensor(LOGITS, requires_grad=True), L.tensor(CLASSES)
    ),
    "nn.LayerNorm(n)": lambda L, a, b: layer_norm_module(L, a.shape[1])(a),
    "F.group_norm(a4, 4)": lambda L, a, b: L.nn.functional.group_norm(
        L.tensor(IMAGES, requires_grad=True), 4
    ),
    "nn.GroupNorm(4, 16)": lambda L, a, b: group_norm_module(L)(
        L.tensor(IMAGES, requires_grad=True)
    ),
    "F.batch_norm": lambda L, a, b: L.nn.functional.batch_norm(a, None, None, training=True),
    "nn.LayerNorm (32, 64, 512)": lambda L, a, b: layer_norm_module(L, 512)(
        L.tensor(TOKENS, requires_grad=True)
    ),
    "nn.BatchNorm2d train": lambda L, a, b: batch_norm_module(L, True)(
        L.tensor(IMAGES, requires_grad=True)
    ),
    "nn.BatchNorm2d eval": lambda L, a, b: batch_norm_module(L, False)(
        L.tensor(IMAGES, requires_grad=True)
    ),
    "F.conv2d": lambda L, a, b: L.nn.functional.conv2d(
        L.tensor(IMAGES, requires_grad=True), L.tensor(KERNELS), padding=1
    ),
    "F.conv_transpose2d": lambda L, a, b: L.nn.functional.conv_transpose2d(
        L.tensor(IMAGES, requires_grad=True), L.tensor(KERNELS.swapaxes(0, 1).copy()), padding=1
    ),
    "F.conv2d 8x3x64x64": lambda L, a, b: L.nn.functional.conv2d(
        L.tensor(PHOTOS, requires_grad=True), L.tensor(KERNELS[:, :3]), padding=1
    ),
    "F.conv2d stride 2": lambda L, a, b: L.nn.functional.conv2d(
        L.tensor(IMAGES, requires_grad=True), L.tensor(KERNELS), stride=2, padding=1
    ),
    "F.max_pool2d": lambda L, a, b: L.nn.functional.max_pool2d(
        L.tensor(IMAGES, requires_grad=True), 2
    ),
    "F.max_pool2d 3, s2": lambda L, a, b: L.nn.functional.max_pool2d(
        L.tensor(IMAGES, requires_grad=True), 3, 2, 1
    ),
    "F.max_pool3d": lambda L, a, b: L.nn.functional.max_pool3d(
        L.tensor(VOLUMES, requires_grad=True), 2
    ),
    "F.avg_pool3d": lambda L, a, b: L.nn.functional.avg_pool3d(
        L.tensor(VOLUMES, requires_grad=True), 2
    ),
    "F.adaptive_avg_pool2d": lambda L, a, b: L.nn.functional.adaptive_avg_pool2d(
        L.tensor(IMAGES, requires_grad=True), 1
    ),
    "F.avg_pool2d": lambda L, a, b: L.nn.functional.avg_pool2d(
        L.tensor(IMAGES, requires_grad=True), 2
    ),
    "interpolate nearest x2": lambda L, a, b: L.nn.functional.interpolate(
        L.tensor(MAPS, requires_grad=True), scale_factor=2
    ),
    "interpolate bilinear x2": lambda L, a, b: L.nn.functional.interpolate(
        L.tensor(MAPS, requires_grad=True), scale_factor=2, mode="bilinear"
    ),
}


def timings(op, number, repeats) -> dict:
    calls = {}
    for lib in (minigrad, torch):
        a = lib.tensor(A, requires_grad=True)
        b = lib.tensor(B, requires_grad=True)

        def forward(lib=lib, a=a, b=b):
            with lib.no_grad():
                op(lib, a, b)

        def both(lib=lib, a=a, b=b):
            out = op(lib, a, b)
            if out.requires_grad:
                out.sum().backward()
            a.grad = b.grad = None

        calls[(lib.__name__, "forward")] = forward
        calls[(lib.__name__, "both")] = both
    return best_of_each(calls, repeats=repeats, number=number)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-time", action="store_true", help="process time, not wall time")
    parser.add_argument("--only", nargs="*", help="row names to run (default: all)")
    parser.add_argument("--number", type=int, default=10, help="calls per timing")
    parser.add_argument("--repeats", type=int, default=5, help="rounds; each keeps its best")
    parser.add_argument("--size", type=int, default=512, help="a and b are size x size")
    args = parser.parse_args()
    resize(args.size)
    if args.cpu_time:
        CLOCK[0] = time.process_time
    torch.set_num_threads(1)
    print(blas_line())
    print(f"{'op':20s} {'forward (us) minigrad / torch':>34s}   {'with backward':>30s}")
    for name in args.only or OPS:
        t = timings(OPS[name], args.number, args.repeats)
        fwd = [t[(lib, "forward")] * 1e6 for lib in ("minigrad", "torch")]
        both = [t[(lib, "both")] * 1e6 for lib in ("minigrad", "torch")]
        worst = max(fwd[0] / fwd[1], both[0] / both[1])
        print(
            f"{name:20s} {fwd[0]:9.1f} / {fwd[1]:9.1f} = {fwd[0] / fwd[1]:5.2f}x   "
            f"{both[0]:9.1f} / {both[1]:9.1f} = {both[0] / both[1]:5.2f}x"
            + ("  <-- over 2.5x" if worst > 2.5 else ""),
            flush=True,
        )


if __name__ == "__main__":
    main()
