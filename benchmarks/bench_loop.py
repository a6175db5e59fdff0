"""The pieces of a training loop around the model, as a user writes them: minigrad vs PyTorch
CPU, side by side in one process.

    python benchmarks/bench_loop.py [--cpu-time] [--rounds 7] [--only NAME]

Cases (float32, one BLAS and one PyTorch thread; `--only adam` runs the cases whose name
contains "adam"):
  - optimizer steps (`opt.step()` alone, gradients set once): Adam, AdamW, RMSprop, Adagrad,
    SGD with Nesterov momentum and weight decay, on a 4-layer MLP of width 256 (8 parameters,
    263k numbers) and on a model of 20 small parameters (10 Linear(8, 8));
  - `scheduler.step()` of StepLR, CosineAnnealingLR, OneCycleLR; `clip_grad_norm_` on the MLP;
  - one DataLoader epoch over a TensorDataset (1024 x 64 floats and int64 labels, batch 64,
    shuffle, drop_last) and over a map-style Dataset returning (tensor, int) pairs through the
    default collate (num_workers=0);
  - nn.LSTM / GRU / RNN forward + backward: sequence 35, batch 20, input and hidden 200, two
    layers (and batch_first);
  - nn.Embedding(10000, 200) on (35, 20) indices, forward + backward;
  - LayerNorm / BatchNorm1d on (64, 256), BatchNorm2d / GroupNorm(4) on (32, 16, 16, 16),
    forward + backward; Dropout(0.5) in train mode on (64, 256), forward + backward.

Prints, per case, the best mean time per call of interleaved rounds and the ratio minigrad /
PyTorch.

# NOTE: one BLAS thread and one PyTorch thread for every contender, as the other scripts.
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
from bench_static import CLOCK, blas_line  # noqa: E402 - the sibling script

import minigrad  # noqa: E402


def _same_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _models(lib, which):
    n = lib.nn
    if which == "mlp":
        return n.Sequential(*[m for _ in range(4) for m in (n.Linear(256, 256), n.ReLU())])
    return n.Sequential(*[n.Linear(8, 8) for _ in range(10)])


def _with_grads(lib, which):
    """A model whose every parameter has a gradient (the same values in both libraries)."""
    torch.manual_seed(0)
    model = _models(lib, which)
    rng = np.random.default_rng(1)
    for p in model.parameters():
        p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    return model


OPTIMIZERS = {
    "Adam": lambda o, ps: o.Adam(ps, lr=1e-3),
    "AdamW": lambda o, ps: o.AdamW(ps, lr=1e-3),
    "RMSprop": lambda o, ps: o.RMSprop(ps, lr=1e-3),
    "Adagrad": lambda o, ps: o.Adagrad(ps, lr=1e-2),
    "SGD nesterov wd": lambda o, ps: o.SGD(
        ps, lr=1e-2, momentum=0.9, nesterov=True, weight_decay=1e-4
    ),
}


def _optimizer_case(name, which):
    def make(lib):
        model = _with_grads(lib, which)
        opt = OPTIMIZERS[name](lib.optim, model.parameters())
        return opt.step

    return make


SCHEDULERS = {
    "StepLR": lambda s, opt: s.StepLR(opt, 30, gamma=0.1),
    "CosineAnnealingLR": lambda s, opt: s.CosineAnnealingLR(opt, T_max=100),
    "OneCycleLR": lambda s, opt: s.OneCycleLR(opt, max_lr=0.1, total_steps=10**9),
}


def _scheduler_case(name):
    def make(lib):
        model = _with_grads(lib, "small")
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = SCHEDULERS[name](lib.optim.lr_scheduler, opt)
        opt.step()  # the order PyTorch expects, so that it does not warn
        return sched.step

    return make


def _clip_case(lib):
    params = list(_with_grads(lib, "mlp").parameters())
    clip = lib.nn.utils.clip_grad_norm_
    return lambda: clip(params, 1.0)


def _loader_case(kind):
    def make(lib):
        rng = np.random.default_rng(0)
        x = rng.standard_normal((1024, 64)).astype(np.float32)
        y = rng.integers(0, 10, 1024)
        data = lib.utils.data
        if kind == "tensor":
            dataset = data.TensorDataset(lib.tensor(x), lib.tensor(y))
        else:
            rows = [lib.tensor(r) for r in x]
            labels = [int(v) for v in y]

            class Pairs(data.Dataset):
                def __len__(self):
                    return len(rows)

                def __getitem__(self, i):
                    return rows[i], labels[i]

            dataset = Pairs()
        loader = data.DataLoader(dataset, batch_size=64, shuffle=True, drop_last=True)

        def epoch():
            for _batch in loader:
                pass

        return epoch

    return make


def _rnn_case(layer, batch_first):
    def make(lib):
        torch.manual_seed(0)
        rnn = getattr(lib.nn, layer)(200, 200, num_layers=2, batch_first=batch_first)
        if lib is minigrad:
            _same_weights(rnn, getattr(torch.nn, layer)(200, 200, 2, batch_first=batch_first))
        shape = (20, 35, 200) if batch_first else (35, 20, 200)
        x = lib.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32))

        def step():
            rnn.zero_grad()
            out, _ = rnn(x)
            out.sum().backward()

        return step

    return make


def _embedding_case(lib):
    emb = lib.nn.Embedding(10000, 200)
    idx = lib.tensor(np.random.default_rng(0).integers(0, 10000, (35, 20)))

    def step():
        emb.zero_grad()
        emb(idx).sum().backward()

    return step


def _layer_case(make_layer, shape):
    def make(lib):
        layer = make_layer(lib.nn)
        x = lib.tensor(
            np.random.default_rng(0).standard_normal(shape).astype(np.float32),
            requires_grad=True,
        )
        layer.train()

        def step():
            x.grad = None
            layer.zero_grad()
            layer(x).sum().backward()

        return step

    return make


CASES = {
    **{
        f"{name} step, {label}": _optimizer_case(name, which)
        for which, label in (("mlp", "MLP 4x256"), ("small", "20 small params"))
        for name in OPTIMIZERS
    },
    **{f"{name}.step()": _scheduler_case(name) for name in SCHEDULERS},
    "clip_grad_norm_, MLP 4x256": _clip_case,
    "DataLoader epoch, TensorDataset 1024x64": _loader_case("tensor"),
    "DataLoader epoch, (tensor, int) Dataset": _loader_case("pairs"),
    **{
        f"{layer} fwd+bwd L35 N20 H200 x2{', batch_first' if bf else ''}": _rnn_case(layer, bf)
        for layer in ("LSTM", "GRU", "RNN")
        for bf in (False, True)
    },
    "Embedding(10000, 200) fwd+bwd (35, 20)": _embedding_case,
    "LayerNorm(256) fwd+bwd (64, 256)": _layer_case(lambda n: n.LayerNorm(256), (64, 256)),
    "BatchNorm1d(256) fwd+bwd (64, 256)": _layer_case(lambda n: n.BatchNorm1d(256), (64, 256)),
    "BatchNorm2d(16) fwd+bwd (32, 16, 16, 16)": _layer_case(
        lambda n: n.BatchNorm2d(16), (32, 16, 16, 16)
    ),
    "GroupNorm(4, 16) fwd+bwd (32, 16, 16, 16)": _layer_case(
        lambda n: n.GroupNorm(4, 16), (32, 16, 16, 16)
    ),
    "Dropout(0.5) train fwd+bwd (64, 256)": _layer_case(lambda n: n.Dropout(0.5), (64, 256)),
}


def _number(step, budget=0.02) -> int:
    """Calls per round: about `budget` seconds of them."""
    step()
    start = time.perf_counter()
    step()
    return max(1, min(2000, int(budget / max(time.perf_counter() - start, 1e-7))))


def bench(name, make, rounds) -> float:
    steps = {"minigrad": make(minigrad), "torch": make(torch)}
    number = {k: _number(s) for k, s in steps.items()}
    clock = CLOCK[0]
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(rounds):
        for key, step in steps.items():
            start = clock()
            for _ in range(number[key]):
                step()
            best[key] = min(best[key], (clock() - start) / number[key])
    ratio = best["minigrad"] / best["torch"]
    print(
        f"{name:<52} minigrad {best['minigrad'] * 1e6:9.1f} us  torch "
        f"{best['torch'] * 1e6:9.1f} us  ratio {ratio:5.2f}",
        flush=True,
    )
    return ratio


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", default="", help="the cases whose name contains this")
    parser.add_argument("--cpu-time", action="store_true", help="time.process_time")
    args = parser.parse_args()
    if args.cpu_time:
        CLOCK[0] = time.process_time
    torch.set_num_threads(1)
    print(f"minigrad from {os.path.dirname(minigrad.__file__)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; {blas_line()}")
    return {
        name: bench(name, make, args.rounds)
        for name, make in CASES.items()
        if args.only.lower() in name.lower()
    }


if __name__ == "__main__":
    main()
