"""Training steps: minigrad eager vs PyTorch CPU vs hand-written NumPy, side by side in one process.

    python benchmarks/bench_train.py [--cpu-time] [--rounds 7]

Steps: the digits MLP 64-128-10 (batch 64), a matmul-bound MLP 1024-1024-1024-10 (batch
1024), a two-conv CNN on 8x8 digits (batch 64) and LeNet-5 on 1x28x28 (batch 64), each with
SGD momentum and cross-entropy, written as a user writes them. Prints the best mean time per
step of interleaved rounds and the ratios issue 15 asks for. `--only cnn` runs the steps whose
name contains "cnn" (alone in a fresh process).

# NOTE: one BLAS thread and one PyTorch thread for every contender: the issue's ratios are
# per-thread ("on the same BLAS"), and on a shared 2-core machine threads only add noise.
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


def _mlp(lib, sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [lib.nn.Linear(a, b), lib.nn.ReLU()]
    return lib.nn.Sequential(*layers[:-1])


def _cnn(lib):
    n = lib.nn
    return n.Sequential(
        n.Conv2d(1, 16, 3, padding=1),
        n.ReLU(),
        n.Conv2d(16, 32, 3, padding=1),
        n.ReLU(),
        n.MaxPool2d(2),
        n.Flatten(),
        n.Linear(32 * 16, 10),
    )


def _lenet(lib):
    """LeNet-5 as PyTorch's "Neural Networks" tutorial writes it, for 28x28 digits."""
    n, F = lib.nn, lib.nn.functional

    class LeNet(n.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = n.Conv2d(1, 6, 5), n.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = n.Linear(256, 120), n.Linear(120, 84), n.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(x.size(0), -1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    return LeNet()


def _framework_step(lib, model, x, y):
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def _numpy_step(sizes, x, y):
    """The same MLP step by hand in float32: forward, softmax cross-entropy, backward, momentum."""
    rng = np.random.default_rng(0)
    ws = [
        (rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    vel = [np.zeros_like(p) for p in ws + bs]
    rows = np.arange(len(x))

    def step():
        acts = [x]
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = acts[-1] @ w + b
            acts.append(np.maximum(h, 0) if i < len(ws) - 1 else h)
        logits = acts[-1]
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        p[rows, y] -= 1
        g = p / np.float32(len(x))
        grads_w, grads_b = [], []
        for i in range(len(ws) - 1, -1, -1):
            grads_w.append(acts[i].T @ g)
            grads_b.append(g.sum(0))
            if i:
                g = (g @ ws[i].T) * (acts[i] > 0)
        for p_, v, gr in zip(ws + bs, vel, grads_w[::-1] + grads_b[::-1]):
            v *= 0.9
            v += gr
            p_ -= 0.01 * v

    return step


def bench(name, sizes_or_cnn, batch, in_shape, rounds, number, target):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *in_shape)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    cnn = sizes_or_cnn in ("cnn", "lenet")
    steps = {}
    for lib in (minigrad, torch):
        if cnn:
            model = _cnn(lib) if sizes_or_cnn == "cnn" else _lenet(lib)
        else:
            model = _mlp(lib, sizes_or_cnn)
        xt = lib.tensor(x) if lib is minigrad else torch.from_numpy(x)
        yt = lib.tensor(y) if lib is minigrad else torch.from_numpy(y)
        steps[lib.__name__] = _framework_step(lib, model, xt, yt)
    if not cnn:
        steps["numpy"] = _numpy_step(sizes_or_cnn, x, y)
    results = best_of_each(steps, rounds, number)
    line = ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in results.items())
    ratios = [f"minigrad/torch {results['minigrad'] / results['torch']:.2f}"]
    if "numpy" in results:
        ratios.append(f"minigrad/numpy {results['minigrad'] / results['numpy']:.2f}")
    print(f"{name}: {line}; {', '.join(ratios)} (target: {target})")
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cpu-time", action="store_true")
    parser.add_argument("--only", default="", help="run the steps whose name contains this")
    args = parser.parse_args()
    if args.cpu_time:
        CLOCK[0] = time.process_time
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; {blas_line()}")
    cases = [
        ("MLP 64-128-10, batch 64", [64, 128, 10], 64, (64,), 200, "eager/torch <= 0.8"),
        (
            "MLP 1024-1024-1024-10, batch 1024",
            [1024, 1024, 1024, 10],
            1024,
            (1024,),
            3,
            "minigrad/numpy <= 1.05",
        ),
        ("CNN 2 conv on 8x8, batch 64", "cnn", 64, (1, 8, 8), 20, "minigrad/torch <= 1.2"),
        ("LeNet-5 CNN on 28x28, batch 64", "lenet", 64, (1, 28, 28), 10, "none"),
    ]
    for name, model, batch, in_shape, number, target in cases:
        if args.only.lower() in name.lower():
            bench(name, model, batch, in_shape, args.rounds, number, target)


if __name__ == "__main__":
    main()
