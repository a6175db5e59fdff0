"""The ops last measured slowest against PyTorch CPU, forward and forward + backward as a user
writes them: sigmoid, silu, gelu, tanh and softplus (100 values, 64x128, 512x512),
LayerNorm(128) on 64x128, `index_add_` along dim 0, and the fixed cost of small ops (`view`,
`reshape`, `t()`, `x[3]`, `cat`). minigrad vs PyTorch, and with `--against TREE` another
minigrad source tree (a `git worktree` of the base commit) in the same process: before and
after, interleaved.

    python benchmarks/bench_hotops.py [--rounds 9] [--only "gelu|view"] [--against TREE]

Process time (`time.process_time`), one BLAS and one PyTorch thread; each round runs the
contenders in a new random order (with a fixed order the one after PyTorch lost 10-25%), and
each row gives every contender's best round.

# NOTE: the other tree is a second, independent `minigrad` package in this process: its
# modules are put in `sys.modules` while its calls run, so that the imports inside its
# functions find its own modules, not this tree's.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_static import CLOCK, best_of_each, blas_line  # noqa: E402 - the sibling script

import minigrad  # noqa: E402
import minigrad.nn.functional  # noqa: E402, F401 - `lib.nn.functional` below

CASES = {}  # name -> make(lib): the call to time


def _own_modules() -> dict:
    return {k: m for k, m in sys.modules.items() if k == "minigrad" or k.startswith("minigrad.")}


def _use(modules: dict) -> None:
    for k in _own_modules():
        del sys.modules[k]
    sys.modules.update(modules)


def load_tree(path: str):
    """minigrad from another source tree, and its modules (see the NOTE above)."""
    mine = _own_modules()
    _use({})
    sys.path.insert(0, path)
    try:
        other = importlib.import_module("minigrad")
        importlib.import_module("minigrad.nn.functional")
        return other, _own_modules()
    finally:
        sys.path.remove(path)
        _use(mine)


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _activation(call, shape, backward):
    def make(lib):
        x = lib.tensor(arrays(shape)[0], requires_grad=backward)
        return (lambda: call(lib, x).sum().backward()) if backward else (lambda: call(lib, x))

    return make


_ACTIVATIONS = {
    "sigmoid": lambda lib, x: x.sigmoid(),
    "F.silu": lambda lib, x: lib.nn.functional.silu(x),
    "F.gelu": lambda lib, x: lib.nn.functional.gelu(x),
    "tanh": lambda lib, x: x.tanh(),
    "F.softplus": lambda lib, x: lib.nn.functional.softplus(x),
}
for _shape in [(100,), (64, 128), (512, 512)]:
    for _name, _call in _ACTIVATIONS.items():
        CASES[f"{_name} {_shape}"] = _activation(_call, _shape, False)
        CASES[f"{_name} {_shape} + backward"] = _activation(_call, _shape, True)


def _layer_norm(backward):
    def make(lib):
        x, layer = lib.tensor(arrays((64, 128))[0], requires_grad=backward), lib.nn.LayerNorm(128)
        return (lambda: layer(x).sum().backward()) if backward else (lambda: layer(x))

    return make


CASES["nn.LayerNorm(128) (64, 128)"] = _layer_norm(False)
CASES["nn.LayerNorm(128) (64, 128) + backward"] = _layer_norm(True)


def _index_add(lib):
    x, src = (lib.tensor(a) for a in arrays((512, 512), (512, 512)))
    rows = lib.tensor(np.random.default_rng(1).integers(0, 512, 512))
    return lambda: x.index_add_(0, rows, src)


CASES["x.index_add_(0, rows, src) 512 rows of 512"] = _index_add


def _small(call, shape):
    def make(lib):
        x = lib.tensor(arrays(shape)[0])
        return lambda: call(lib, x)

    return make


CASES["x.view(64, -1) (64, 8, 8)"] = _small(lambda lib, x: x.view(64, -1), (64, 8, 8))
CASES["x.reshape(-1) (64, 8, 8)"] = _small(lambda lib, x: x.reshape(-1), (64, 8, 8))
CASES["x.t() (64, 100)"] = _small(lambda lib, x: x.t(), (64, 100))
CASES["x.permute(1, 0) (64, 100)"] = _small(lambda lib, x: x.permute(1, 0), (64, 100))
CASES["x[3] (1000, 100)"] = _small(lambda lib, x: x[3], (1000, 100))
CASES["x[:, 1:5] (1000, 100)"] = _small(lambda lib, x: x[:, 1:5], (1000, 100))


def _cat(lib):
    parts = [lib.tensor(a) for a in arrays((64, 100), (64, 100), (64, 100))]
    return lambda: lib.cat(parts, dim=0)


CASES["cat of three (64, 100)"] = _cat


def _number(step, budget=0.02) -> int:
    """Calls a round takes about `budget` seconds for."""
    start = CLOCK[0]()
    step()
    return max(3, int(budget / max(CLOCK[0]() - start, 1e-7)))


def bench(make, libs: dict, rounds: int) -> dict:
    """Seconds per call of each lib's step: the best round, the order shuffled each round."""
    steps, numbers = {}, {}
    for name, (lib, modules) in libs.items():
        _use(modules)
        steps[name] = make(lib)
        numbers[name] = _number(steps[name])
    number = min(numbers.values())
    best = dict.fromkeys(libs, float("inf"))
    for _ in range(rounds):
        for name in random.sample(list(libs), len(libs)):
            _use(libs[name][1])
            one = best_of_each({name: steps[name]}, repeats=1, number=number)[name]
            best[name] = min(best[name], one)
    return best


def main(cases=None, doc=__doc__, rounds=9, width=44) -> dict:
    """Time `cases` (name -> make(lib); this script's own by default) as the command line
    asks, printing a row per case as it finishes; the best seconds per contender by name."""
    cases = CASES if cases is None else cases
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--only", default="", help="substrings of case names, separated by |")
    parser.add_argument("--against", help="another minigrad source tree, timed as 'base'")
    args = parser.parse_args()
    CLOCK[0] = time.process_time
    torch.set_num_threads(1)
    print(blas_line())
    mine = _own_modules()
    libs = {"minigrad": (minigrad, mine), "torch": (torch, mine)}
    if args.against:
        libs["base"] = load_tree(args.against)
    results = {}
    for name, make in cases.items():
        if args.only and not any(part in name for part in args.only.split("|")):
            continue
        best = {k: v * 1e6 for k, v in bench(make, libs, args.rounds).items()}
        line = f"{name:{width}s} minigrad {best['minigrad']:8.1f} us  torch {best['torch']:8.1f} us"
        line += f"  ratio {best['minigrad'] / best['torch']:5.2f}"
        if args.against:
            line += f"  base {best['base']:8.1f} us  ratio {best['base'] / best['torch']:5.2f}"
        print(line, flush=True)
        results[name] = best
    _use(mine)
    return results


if __name__ == "__main__":
    main()
