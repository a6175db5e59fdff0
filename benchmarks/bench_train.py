"""Training-step timings: minigrad eager vs PyTorch CPU vs hand-written NumPy, one process.

    python benchmarks/bench_train.py [--repeat 50]

Steps: MLP 64-128-10 on batches of 64 (SGD momentum, cross-entropy), a matmul-bound MLP
1024-1024-1024-10 on batches of 1024, and a two-conv CNN on 8x8 digits (batch 64). Prints
median milliseconds per step and the ratios the issue asks for.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import minigrad


def _median_ms(step, repeat):
    for _ in range(5):
        step()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


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


def _framework_step(lib, model, x, y):
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def _numpy_step(sizes, x, y):
    """The same MLP step written by hand: forward, softmax cross-entropy, backward, momentum."""
    rng = np.random.default_rng(0)
    ws = [
        rng.standard_normal((a, b)).astype(np.float32) / np.sqrt(a)
        for a, b in zip(sizes[:-1], sizes[1:])
    ]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    vel = [np.zeros_like(p) for p in ws + bs]
    onehot = np.eye(sizes[-1], dtype=np.float32)[y]

    def step():
        acts = [x]
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = acts[-1] @ w + b
            acts.append(np.maximum(h, 0) if i < len(ws) - 1 else h)
        logits = acts[-1]
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g = (p - onehot) / len(x)
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


def bench(name, sizes_or_cnn, batch, in_shape, repeat, with_numpy=True):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *in_shape)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    cnn = sizes_or_cnn == "cnn"
    results = {}
    for lib in (minigrad, torch):
        model = _cnn(lib) if cnn else _mlp(lib, sizes_or_cnn)
        xt = lib.tensor(x) if lib is minigrad else torch.from_numpy(x)
        yt = lib.tensor(y) if lib is minigrad else torch.from_numpy(y)
        results[lib.__name__] = _median_ms(_framework_step(lib, model, xt, yt), repeat)
    if with_numpy and not cnn:
        results["numpy"] = _median_ms(_numpy_step(sizes_or_cnn, x, y), repeat)
    line = ", ".join(f"{k} {v:.3f} ms" for k, v in results.items())
    ratio = results["minigrad"] / results["torch"]
    best = min(v for k, v in results.items() if k != "minigrad")
    vs_best = results["minigrad"] / best
    print(f"{name}: {line}; minigrad/torch {ratio:.2f}, minigrad/best(other) {vs_best:.2f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}")
    try:
        from threadpoolctl import threadpool_info

        print("BLAS:", [(i["internal_api"], i["num_threads"]) for i in threadpool_info()])
    except ImportError:
        pass
    bench("MLP 64-128-10, batch 64", [64, 128, 10], 64, (64,), args.repeat)
    bench(
        "MLP 1024-1024-1024-10, batch 1024",
        [1024, 1024, 1024, 10],
        1024,
        (1024,),
        max(5, args.repeat // 5),
    )
    bench("CNN 2 conv on 8x8, batch 64", "cnn", 64, (1, 8, 8), max(10, args.repeat // 2))


if __name__ == "__main__":
    main()
