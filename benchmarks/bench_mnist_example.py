"""The training step of PyTorch's own MNIST example (pytorch/examples, mnist/main.py) in
minigrad and PyTorch CPU, one process, rounds alternated.

    python benchmarks/bench_mnist_example.py [--cpu-time] [--rounds 5] [--against TREE]

The model, loss and optimizer as the example writes them: two 3x3 convolutions (1 -> 32 -> 64
channels), max pooling, dropout, two linear layers, log_softmax with nll_loss, Adadelta
(lr=1.0), a batch of 64 (1, 28, 28) images. `--against TREE` times another minigrad source
tree in the same process as 'base' (bench_hotops' loader).

# NOTE: one BLAS thread and one PyTorch thread, set before NumPy is imported, as bench_train.
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
from bench_hotops import _own_modules, _use, load_tree  # noqa: E402 - the sibling scripts
from bench_static import CLOCK, best_of_each, blas_line  # noqa: E402

import minigrad  # noqa: E402


def _net(lib):
    """The example's Net, as it writes it."""
    n, F = lib.nn, lib.nn.functional

    class Net(n.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = n.Conv2d(1, 32, 3, 1), n.Conv2d(32, 64, 3, 1)
            self.dropout1, self.dropout2 = n.Dropout(0.25), n.Dropout(0.5)
            self.fc1, self.fc2 = n.Linear(9216, 128), n.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv2(F.relu(self.conv1(x))))
            x = self.dropout1(F.max_pool2d(x, 2))
            x = self.dropout2(F.relu(self.fc1(lib.flatten(x, 1))))
            return F.log_softmax(self.fc2(x), dim=1)

    return Net()


def make_step(lib, x, y):
    model = _net(lib)
    model.train()
    opt = lib.optim.Adadelta(model.parameters(), lr=1.0)
    data, target = lib.tensor(x), lib.tensor(y)

    def step():
        opt.zero_grad()
        lib.nn.functional.nll_loss(model(data), target).backward()
        opt.step()

    return step


def _in_tree(make, lib, modules, x, y):
    """make's step, run with `modules` as minigrad's (an op may import one when it runs)."""
    _use(modules)
    step = make(lib, x, y)

    def run():
        _use(modules)
        step()

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--number", type=int, default=5, help="steps per round")
    parser.add_argument("--cpu-time", action="store_true")
    parser.add_argument("--against", help="another minigrad source tree, timed as 'base'")
    args = parser.parse_args()
    if args.cpu_time:
        CLOCK[0] = time.process_time
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; {blas_line()}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    mine = _own_modules()
    libs = {"minigrad": (minigrad, mine), "torch": (torch, mine)}
    if args.against:
        libs["base"] = load_tree(args.against)
    steps = {name: _in_tree(make_step, lib, modules, x, y) for name, (lib, modules) in libs.items()}
    results = best_of_each(steps, args.rounds, args.number)
    print(", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in results.items()))
    print(f"minigrad/torch {results['minigrad'] / results['torch']:.2f}", end="")
    if "base" in results:
        print(f", minigrad/base {results['minigrad'] / results['base']:.3f}", end="")
    print()


if __name__ == "__main__":
    main()
