"""Static vs eager, side by side in one process: the digits MLP training step (64-128-10,
batch 64, forward + backward + SGD) compiled with minigrad.static, eager minigrad, PyTorch CPU
eager and hand-written NumPy (the floor); on CUDA, a 10-op elementwise chain fused vs not.

    python benchmarks/bench_static.py [--cpu-time]

`--cpu-time` times with `time.process_time` (CPU time of this process) instead of the wall
clock: on a loaded shared machine, time spent waiting for a core is then not counted.

# NOTE: one BLAS thread for every contender (NumPy and PyTorch alike): with these small
# matrices threads cost more than they give, and on a shared machine they make noise.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

import minigrad  # noqa: E402
from minigrad import static  # noqa: E402
from minigrad.ops import matmul as M  # noqa: E402
from minigrad.ops import nn as N  # noqa: E402

BATCH, D_IN, HIDDEN, CLASSES, LR = 64, 64, 128, 10, 0.1
CLOCK = [time.perf_counter]  # or time.process_time (--cpu-time)


def blas_line() -> str:
    """NumPy's BLAS, the kernel it runs and its threads, for the header of every benchmark.

    # NOTE: OPENBLAS_CORETYPE forces OpenBLAS's kernel. Some machines set it (with
    # OPENBLAS_L2_SIZE) for older builds; forced to Haswell on an AVX-512 CPU, every matmul that
    # NumPy, and so minigrad, runs is 1.8x slower, while PyTorch's own kernels are untouched.
    """
    from threadpoolctl import threadpool_info

    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    line = f"numpy {np.__version__}" + "".join(
        f" on {b['internal_api']} {b['version']}, kernel {b.get('architecture')}, "
        f"{b['num_threads']} thread(s)"
        for b in blas[:1]
    )
    forced = os.environ.get("OPENBLAS_CORETYPE")
    if forced:
        line += (
            f"\nNOTE: OPENBLAS_CORETYPE={forced} forces this kernel. To time NumPy as installed, "
            "run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`."
        )
    return line


def best_of(step, repeats=7, number=200) -> float:
    """Seconds per call: the best mean over `repeats` runs of `number` calls."""
    step()
    clock = CLOCK[0]
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        for _ in range(number):
            step()
        best = min(best, (clock() - start) / number)
    return best


def best_of_each(steps: dict, repeats=15, number=100) -> dict:
    """`best_of` for several steps, interleaved round by round, so that a burst of load on a
    shared machine hits every contender alike."""
    clock = CLOCK[0]
    best = dict.fromkeys(steps, float("inf"))
    for step in steps.values():
        step()
    for _ in range(repeats):
        for name, step in steps.items():
            start = clock()
            for _ in range(number):
                step()
            best[name] = min(best[name], (clock() - start) / number)
    return best


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, D_IN)).astype(np.float32)
    y = rng.integers(0, CLASSES, size=BATCH)
    w1 = (rng.normal(size=(HIDDEN, D_IN)) * 0.1).astype(np.float32)
    w2 = (rng.normal(size=(CLASSES, HIDDEN)) * 0.1).astype(np.float32)
    return x, y, [w1, np.zeros(HIDDEN, np.float32), w2, np.zeros(CLASSES, np.float32)]


def minigrad_step(compiled: bool):
    x, y, arrays = data()
    params = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    x, y = minigrad.tensor(x), minigrad.tensor(y)

    def loss_fn(x, y):
        h = M.linear(x, params[0], params[1]).relu()
        return N.cross_entropy(M.linear(h, params[2], params[3]), y)

    loss_fn = static.compile(loss_fn) if compiled else loss_fn

    def step():
        loss_fn(x, y).backward()
        for p in params:
            p.array -= LR * p._grad.array
            p._grad = None

    return step


def torch_step():
    import torch

    torch.set_num_threads(1)
    x, y, arrays = data()
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    x, y = torch.tensor(x), torch.tensor(y)
    F = torch.nn.functional

    def step():
        h = F.linear(x, params[0], params[1]).relu()
        F.cross_entropy(F.linear(h, params[2], params[3]), y).backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None

    return step


def numpy_step():
    x, y, (w1, b1, w2, b2) = data()
    rows = np.arange(BATCH)

    def step():
        h = x @ w1.T + b1
        a = np.maximum(h, 0)
        z = a @ w2.T + b2
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        p[rows, y] -= 1
        gz = p / BATCH
        gw2, gb2 = gz.T @ a, gz.sum(0)
        ga = (gz @ w2) * (h > 0)
        gw1, gb1 = ga.T @ x, ga.sum(0)
        for w, g in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
            w -= LR * g

    return step


def user_step(lib, compiled: bool = False):
    """The step as a user writes it: nn.Sequential (compiled for minigrad if asked),
    F.cross_entropy, optim.SGD with momentum, zero_grad / backward / step."""
    x, y, (w1, b1, w2, b2) = data()
    model = lib.nn.Sequential(
        lib.nn.Linear(D_IN, HIDDEN), lib.nn.ReLU(), lib.nn.Linear(HIDDEN, CLASSES)
    )
    for p, a in zip(model.parameters(), (w1, b1, w2, b2)):
        p.data.copy_(lib.tensor(a))
    forward = minigrad.compile(model) if compiled else model
    opt = lib.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    x, y = lib.tensor(x), lib.tensor(y)
    F = lib.nn.functional

    def step():
        opt.zero_grad()
        F.cross_entropy(forward(x), y).backward()
        opt.step()

    return step


def numpy_momentum_step(with_loss=False):
    """The same math by hand, momentum included (the floor for `user_step`). `with_loss` also
    computes the loss value, as the user's step does (it returns the loss; the floor skips it):
    the NumPy work minigrad cannot avoid."""
    x, y, params = data()
    velocity = [np.zeros_like(p) for p in params]
    w1, b1, w2, b2 = params
    rows = np.arange(BATCH)

    def step():
        h = x @ w1.T + b1
        a = np.maximum(h, 0)
        z = a @ w2.T + b2
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = (np.log(total[:, 0]) - shifted[rows, y]).mean() if with_loss else None
        p = e / total
        p[rows, y] -= 1
        gz = p / BATCH
        ga = (gz @ w2) * (h > 0)
        grads = (ga.T @ x, ga.sum(0), gz.T @ a, gz.sum(0))
        for w, v, g in zip(params, velocity, grads):
            v *= 0.9
            v += g
            w -= LR * v
        return loss

    return step


def fusion_chain(n=10_000_000):
    """10 elementwise ops on n float32 values on the GPU: fused (one kernel) vs unfused."""
    x = minigrad.randn(n, device="cuda")

    def chain(x):
        y = x
        for k in range(5):
            y = (y * 0.5 + 0.1 * k).tanh() if k % 2 else y * 1.01 - 0.2
        return y

    fused = static.compile(chain)
    unfused = static.compile(chain, passes=())
    sync = x.device.xp.cuda.Device().synchronize

    def timed(f):
        return best_of(lambda: (f(x), sync()), repeats=5, number=20)

    return timed(fused), timed(unfused), len(fused.graph.nodes), len(unfused.graph.nodes)


def main() -> dict:
    print(blas_line())
    results = best_of_each(
        {
            "static": minigrad_step(True),
            "eager": minigrad_step(False),
            "torch": torch_step(),
            "numpy": numpy_step(),
        }
    )
    for name, sec in results.items():
        print(f"digits MLP step, {name:<7} {sec * 1e6:8.1f} us")
    print(f"static / torch eager: {results['static'] / results['torch']:.2f}x (target <= 0.8)")
    print(f"static / numpy:       {results['static'] / results['numpy']:.2f}x (target <= 1.5)")
    print(f"static / eager:       {results['static'] / results['eager']:.2f}x")
    import torch

    torch.set_num_threads(1)
    user = best_of_each(
        {
            "compiled": user_step(minigrad, compiled=True),
            "eager": user_step(minigrad),
            "torch": user_step(torch),
            "numpy": numpy_momentum_step(),
            "numpy+loss": numpy_momentum_step(with_loss=True),
        }
    )
    for name, sec in user.items():
        print(f"user-written MLP step (Sequential, SGD momentum), {name:<8} {sec * 1e6:8.1f} us")
    print(f"compiled / numpy: {user['compiled'] / user['numpy']:.2f}x (target <= 1.3)")
    print(f"compiled / numpy computing the loss too: {user['compiled'] / user['numpy+loss']:.2f}x")
    print(f"eager / torch:    {user['eager'] / user['torch']:.2f}x (target <= 0.8)")
    if minigrad.cuda.is_available() if hasattr(minigrad, "cuda") else False:
        fused, unfused, nf, nu = fusion_chain()
        print(
            f"10-op chain, 10M floats: fused {fused * 1e3:.2f} ms ({nf} nodes), unfused "
            f"{unfused * 1e3:.2f} ms ({nu} nodes): {unfused / fused:.2f}x (target >= 2)"
        )
    return results


if __name__ == "__main__":
    import sys

    if "--cpu-time" in sys.argv[1:]:
        CLOCK[0] = time.process_time
    main()
