"""Model-level timings of issue 16's layers: minigrad eager vs PyTorch CPU, one process.

    python benchmarks/bench_models.py [--repeat 20] [--threads 1] [--only GRU] [--cpu-time] [--best]

Steps (float32, the same initial weights in both libraries, rounds interleaved so background
load hits both alike; median milliseconds, or the minimum with --best; wall time, or this
process's CPU time with --cpu-time):
  - Transformer encoder layer, forward + backward: d_model 128, 4 heads, feed-forward 512,
    dropout 0.1, batch 32 x 64 tokens (batch_first).
  - GRU training step: nn.GRU(64, 128) over 32 steps x batch 32, a linear head on the last
    state, cross-entropy, backward and Adam.
  - LSTM training step: the same with nn.LSTM(64, 128).
  - Packed bidirectional LSTM training step: nn.LSTM(64, 128, bidirectional=True) on a
    PackedSequence of 32 sequences of random lengths 1 to 32 (unsorted), both final states to
    the head.
  - GRUCell step, forward + backward: batch 64, input 128, hidden 256 (a decoder's inner loop).
  - The steps users time side by side with PyTorch (see CASES): long LSTM/GRU layers, small
    CNNs, a convolution whose input needs its gradient, transposed convolutions, a BatchNorm2d
    CNN with average pools, unfold and interpolate, an Embedding bag of words, attention.

Figures (2026-11-30, the 2-CPU VM shared with seven other developers, load average 6 to 12;
Python 3.11, NumPy 2.4, PyTorch 2.13.0 CPU; `--threads 1`, several runs, minigrad / PyTorch):
Transformer encoder layer 0.61 to 0.82; GRU training step 0.75 to 1.84 (most runs 1.5 to
1.7); GRUCell step 0.86 to 1.59. With the default 2 threads per library the machine was too
oversubscribed to time anything (steps 10x slower for both, ratios 1.3 to 2.5 from run to run).
The recurrent steps since the fused cells (minigrad/ops/rnn.py): see benchmarks/README.md.

2026-12-01 (load average 9 to 13; `--threads 1 --cpu-time --best`, NumPy's own kernel, the
code before and after the fastmodels branch alternated in fresh processes, minigrad / PyTorch):
LSTM fwd+bwd 64->256 over 50 steps 1.42-1.51 -> 1.29-1.30 (the step's product in column
blocks); causal SDPA 0.99-1.17 -> 0.83-0.86 (one fill of the scores); BatchNorm2d CNN
1.32-1.63 -> 1.21-1.32 and conv_transpose2d on 16x32x32x32 2.03 -> 1.88-1.89 (per-image
blocks for col2im). Left above 1.3x: conv2d with its input's gradient (1.8-2.3 before and
after: three (N Ho Wo)-row products on which OpenBLAS reaches about 40 GFLOPS, at about 2.7
of PyTorch's 3 ms), conv_transpose2d on 8x8 images (1.4-1.9), unfold + interpolate (2.5-3.4:
interpolate's backward, index_select's in minigrad/nn/resampling.py).
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

import numpy as np
import torch
from bench_static import CLOCK, blas_line  # the sibling script

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


def _small_cnn(lib, rng, size=28):
    """conv2d 3x3 + relu + max_pool2d + linear, SGD: the course's first CNN."""
    n = lib.nn
    model = n.Sequential(
        n.Conv2d(1, 8, 3, padding=1),
        n.ReLU(),
        n.MaxPool2d(2),
        n.Conv2d(8, 16, 3, padding=1),
        n.ReLU(),
        n.MaxPool2d(2),
        n.Flatten(),
        n.Linear(16 * (size // 4) ** 2, 10),
    )
    x = lib.tensor(rng.standard_normal((64, 1, size, size)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return model, step


def _conv_input_grad(lib, rng):
    """A middle layer's conv2d, the input needing its gradient: (32, 16, 16, 16) -> 32, 3x3."""
    conv = lib.nn.Conv2d(16, 32, 3, padding=1)
    x = lib.tensor(rng.standard_normal((32, 16, 16, 16)).astype(np.float32), requires_grad=True)
    gy = lib.tensor(rng.standard_normal((32, 32, 16, 16)).astype(np.float32))

    def step():
        x.grad = None
        conv.zero_grad()
        conv(x).backward(gy)

    return conv, step


def _conv_transpose(lib, rng, shape=(32, 32, 8, 8), kernel=4, stride=2):
    """nn.ConvTranspose2d(C, 16, kernel, stride, padding=1) on `shape`, fwd+bwd."""
    conv = lib.nn.ConvTranspose2d(shape[1], 16, kernel, stride=stride, padding=1)
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

    def step():
        x.grad = None
        conv.zero_grad()
        conv(x).square().mean().backward()

    return conv, step


def _batch_norm_cnn(lib, rng):
    """Conv2d + BatchNorm2d (train mode) + relu + adaptive_avg_pool2d + linear, fwd+bwd."""
    n = lib.nn
    model = n.Sequential(
        n.Conv2d(3, 16, 3, padding=1),
        n.BatchNorm2d(16),
        n.ReLU(),
        n.AvgPool2d(2),
        n.Conv2d(16, 32, 3, padding=1),
        n.BatchNorm2d(32),
        n.ReLU(),
        n.AdaptiveAvgPool2d(1),
        n.Flatten(),
        n.Linear(32, 10),
    )
    x = lib.tensor(rng.standard_normal((32, 3, 32, 32)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 32))

    def step():
        model.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()

    return model, step


def _unfold_interpolate(lib, rng):
    """F.unfold (3x3 patches) and F.interpolate (nearest and bilinear x2), fwd+bwd."""
    F = lib.nn.functional
    x = lib.tensor(rng.standard_normal((16, 8, 16, 16)).astype(np.float32), requires_grad=True)

    def step():
        x.grad = None
        patches = F.unfold(x, 3, padding=1)
        near = F.interpolate(x, scale_factor=2, mode="nearest")
        bilinear = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        (patches.square().mean() + near.square().mean() + bilinear.square().mean()).backward()

    return lib.nn.Identity(), step


def _embedding_bag_of_words(lib, rng):
    """nn.Embedding(5000, 64) + mean over 40 tokens + linear, batch 32, Adam."""

    class Model(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = lib.nn.Embedding(5000, 64)
            self.head = lib.nn.Linear(64, 4)

        def forward(self, tokens):
            return self.head(self.emb(tokens).mean(1))

    model = Model()
    tokens = lib.tensor(rng.integers(0, 5000, (32, 40)))
    y = lib.tensor(rng.integers(0, 4, 32))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        lib.nn.functional.cross_entropy(model(tokens), y).backward()
        opt.step()

    return model, step


def _multihead_attention(lib, rng):
    """nn.MultiheadAttention(128, 4) self-attention, batch 32 x 50 tokens, fwd+bwd."""
    attn = lib.nn.MultiheadAttention(128, 4, batch_first=True)
    x = lib.tensor(rng.standard_normal((32, 50, 128)).astype(np.float32), requires_grad=True)

    def step():
        x.grad = None
        attn.zero_grad()
        out, _ = attn(x, x, x, need_weights=False)
        out.square().mean().backward()

    return attn, step


def _sdpa(lib, rng):
    """F.scaled_dot_product_attention on (32, 4, 50, 32), causal, fwd+bwd."""
    q, k, v = (
        lib.tensor(rng.standard_normal((32, 4, 50, 32)).astype(np.float32), requires_grad=True)
        for _ in range(3)
    )

    def step():
        for t in (q, k, v):
            t.grad = None
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        out.square().mean().backward()

    return lib.nn.Identity(), step


def _long_recurrent(layer, lib, rng):
    """nn.LSTM / nn.GRU(64, 256) over 50 steps x batch 32, every output to the loss, fwd+bwd."""
    rnn = getattr(lib.nn, layer)(64, 256, batch_first=True)
    x = lib.tensor(rng.standard_normal((32, 50, 64)).astype(np.float32))

    def step():
        rnn.zero_grad()
        out, _ = rnn(x)
        out.square().mean().backward()

    return rnn, step


CASES = [
    ("Transformer encoder layer fwd+bwd (32x64x128)", _encoder_layer),
    ("GRU training step (L32 N32, 64->128) + Adam", partial(_recurrent_training, "GRU")),
    ("LSTM training step (L32 N32, 64->128) + Adam", partial(_recurrent_training, "LSTM")),
    ("packed bidirectional LSTM training step (L<=32 N32)", _packed_lstm_training),
    ("GRUCell step fwd+bwd (N64, 128->256)", _gru_cell),
    ("LSTM fwd+bwd (N32 L50, 64->256, every output)", partial(_long_recurrent, "LSTM")),
    ("GRU fwd+bwd (N32 L50, 64->256, every output)", partial(_long_recurrent, "GRU")),
    ("small CNN step on 28x28 (conv-relu-pool x2, linear) + SGD", _small_cnn),
    ("small CNN step on 8x8 (conv-relu-pool x2, linear) + SGD", partial(_small_cnn, size=8)),
    ("conv2d fwd+bwd, input grad (32x16x16x16 -> 32, 3x3)", _conv_input_grad),
    ("conv_transpose2d fwd+bwd (32x32x8x8 -> 16, 4x4 s2)", _conv_transpose),
    (
        "conv_transpose2d fwd+bwd (16x32x32x32 -> 16, 3x3)",
        partial(_conv_transpose, shape=(16, 32, 32, 32), kernel=3, stride=1),
    ),
    ("BatchNorm2d CNN fwd+bwd (train, avg/adaptive pools)", _batch_norm_cnn),
    ("unfold + interpolate fwd+bwd (16x8x16x16)", _unfold_interpolate),
    ("Embedding + mean pooling step (32x40 of 5000, 64) + Adam", _embedding_bag_of_words),
    ("MultiheadAttention fwd+bwd (32x50x128, 4 heads)", _multihead_attention),
    ("scaled_dot_product_attention fwd+bwd (32x4x50x32, causal)", _sdpa),
]


def bench(name, make, repeat, best=False):
    torch.manual_seed(0)
    theirs, torch_step = make(torch, np.random.default_rng(0))
    ours, minigrad_step = make(minigrad, np.random.default_rng(0))
    _same_weights(ours, theirs)
    steps = {"minigrad": minigrad_step, "torch": torch_step}
    times = {k: [] for k in steps}
    for step in steps.values():  # warm up
        step()
    clock = CLOCK[0]
    # NOTE: blocks of 5 steps per library, alternated: switching library every step lets
    # one library's idle BLAS/OpenMP threads (spin-waiting) slow the other's next step
    for _ in range(max(1, repeat // 5)):
        for key, step in steps.items():
            step()
            for _ in range(5):
                start = clock()
                step()
                times[key].append(clock() - start)
    summary = min if best else statistics.median
    ms = {k: 1e3 * summary(v) for k, v in times.items()}
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
    parser.add_argument("--cpu-time", action="store_true", help="time.process_time, not wall")
    parser.add_argument("--best", action="store_true", help="the minimum, not the median")
    args = parser.parse_args()
    if args.cpu_time:
        CLOCK[0] = time.process_time
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}")
    print(blas_line())
    for name, make in CASES:
        if args.only in name:
            bench(name, make, args.repeat, args.best)


if __name__ == "__main__":
    main()
