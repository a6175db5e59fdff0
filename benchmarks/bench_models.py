"""Model-level timings of issue 16's layers: minigrad eager vs PyTorch CPU, one process.

    python benchmarks/bench_models.py [--repeat 20] [--threads 1] [--only GRU]

Steps (float32, the same initial weights in both libraries, rounds interleaved so background
load hits both alike; median milliseconds):
  - Transformer encoder layer, forward + backward: d_model 128, 4 heads, feed-forward 512,
    dropout 0.1, batch 32 x 64 tokens (batch_first).
  - GRU training step: nn.GRU(64, 128) over 32 steps x batch 32, a linear head on the last
    state, cross-entropy, backward and Adam.
  - LSTM training step: the same with nn.LSTM(64, 128).
  - Packed bidirectional LSTM training step: nn.LSTM(64, 128, bidirectional=True) on a
    PackedSequence of 32 sequences of random lengths 1 to 32 (unsorted), both final states to
    the head.
  - GRUCell step, forward + backward: batch 64, input 128, hidden 256 (a decoder's inner loop).

Figures (2026-11-30, the 2-CPU VM shared with seven other developers, load average 6 to 12;
Python 3.11, NumPy 2.4, PyTorch 2.13.0 CPU; `--threads 1`, several runs, minigrad / PyTorch):
Transformer encoder layer 0.61 to 0.82; GRU training step 0.75 to 1.84 (most runs 1.5 to
1.7); GRUCell step 0.86 to 1.59. With the default 2 threads per library the machine was too
oversubscribed to time anything (steps 10x slower for both, ratios 1.3 to 2.5 from run to run).
The recurrent steps since the fused cells (minigrad/ops/rnn.py): see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

import numpy as np
import torch
from bench_static import blas_line  # the sibling script

import minigrad


def _same_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours


def _encoder_layer(lib, rng):
    layer = lib.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.1, batch_first=True)
    x = lib.tensor(rng.standard_normal((32, 64, 128)).astype(np.float32), requires_grad=True)

    def step():
        layer.zero_grad()
        layer(x).square().mean().backward()

    return layer, step


def _recurrent_training(layer, lib, rng):
    class Model(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(lib.nn, layer)(64, 128)
            self.head = lib.nn.Linear(128, 10)

        def forward(self, x):
            _, state = self.rnn(x)
            h_n = state[0] if isinstance(state, tuple) else state  # LSTM's is (h_n, c_n)
            return self.head(h_n[0])

    model = Model()
    x = lib.tensor(rng.standard_normal((32, 32, 64)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 32))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return model, step


def _packed_lstm_training(lib, rng):
    class Model(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = lib.nn.LSTM(64, 128, bidirectional=True)
            self.head = lib.nn.Linear(256, 10)

        def forward(self, packed):
            _, (h_n, _) = self.rnn(packed)
            return self.head(lib.cat([h_n[0], h_n[1]], 1))

    model = Model()
    x = lib.tensor(rng.standard_normal((32, 32, 64)).astype(np.float32))
    lengths = lib.tensor(rng.integers(1, 33, 32))
    y = lib.tensor(rng.integers(0, 10, 32))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    pack = lib.nn.utils.rnn.pack_padded_sequence

    def step():
        opt.zero_grad()
        logits = model(pack(x, lengths, enforce_sorted=False))
        lib.nn.functional.cross_entropy(logits, y).backward()
        opt.step()

    return model, step


def _gru_cell(lib, rng):
    cell = lib.nn.GRUCell(128, 256)
    x = lib.tensor(rng.standard_normal((64, 128)).astype(np.float32))
    h = lib.tensor(rng.standard_normal((64, 256)).astype(np.float32), requires_grad=True)

    def step():
        cell.zero_grad()
        cell(x, h).sum().backward()

    return cell, step


CASES = [
    ("Transformer encoder layer fwd+bwd (32x64x128)", _encoder_layer),
    ("GRU training step (L32 N32, 64->128) + Adam", partial(_recurrent_training, "GRU")),
    ("LSTM training step (L32 N32, 64->128) + Adam", partial(_recurrent_training, "LSTM")),
    ("packed bidirectional LSTM training step (L<=32 N32)", _packed_lstm_training),
    ("GRUCell step fwd+bwd (N64, 128->256)", _gru_cell),
]


def bench(name, make, repeat):
    torch.manual_seed(0)
    theirs, torch_step = make(torch, np.random.default_rng(0))
    ours, minigrad_step = make(minigrad, np.random.default_rng(0))
    _same_weights(ours, theirs)
    steps = {"minigrad": minigrad_step, "torch": torch_step}
    times = {k: [] for k in steps}
    for step in steps.values():  # warm up
        step()
    # NOTE: blocks of 5 steps per library, alternated: switching library every step lets
    # one library's idle BLAS/OpenMP threads (spin-waiting) slow the other's next step
    for _ in range(max(1, repeat // 5)):
        for key, step in steps.items():
            step()
            for _ in range(5):
                start = time.perf_counter()
                step()
                times[key].append(time.perf_counter() - start)
    ms = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    ratio = ms["minigrad"] / ms["torch"]
    print(
        f"{name}: minigrad {ms['minigrad']:.2f} ms, torch {ms['torch']:.2f} ms, ratio {ratio:.2f}"
    )
    return ratio


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="", help="run the steps whose name contains this")
    parser.add_argument("--threads", type=int, default=0, help="BLAS/torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}")
    print(blas_line())
    for name, make in CASES:
        if args.only in name:
            bench(name, make, args.repeat)


if __name__ == "__main__":
    main()
