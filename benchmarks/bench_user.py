"""User-written code, side by side: minigrad vs PyTorch CPU vs NumPy, snippet by snippet.

    python benchmarks/bench_user.py [--cpu-time] [--rounds 5] [--only SUBSTRING]

Each row is a short snippet as a user writes it in a notebook (`torch.tensor(rows)`,
`x[mask]`, `for xb, yb in loader: ...`), run with `lib = minigrad` and `lib = torch` (the same
source text) and, where there is a natural equivalent, with NumPy. The contenders of a row are
interleaved round by round (bench_static's `best_of_each`); the table gives the best time per
call and the ratios minigrad / PyTorch and minigrad / NumPy, worst first at the end.

The rows named "step: ..." are whole training steps of typical course models (an LSTM and a
GRU language model, a Transformer encoder layer, MultiheadAttention, a BatchNorm CNN, a
LayerNorm + GELU MLP: zero_grad, forward, F.cross_entropy, backward, optimizer step), both
libraries starting from PyTorch's initial weights; with them, a no_grad CNN inference and a
shuffled DataLoader epoch over 2048 images. `--only` takes alternatives separated by `|`:

    python benchmarks/bench_user.py --cpu-time --only "step:|CNN inference|2048 images"

# NOTE: one BLAS thread and one PyTorch thread for everyone, as in the other scripts: the
# point is the per-call price of each library's Python and copies, not its threading.
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

CASES = []  # (name, make) where make(lib) returns the snippet to time, or None to skip lib


def case(name):
    def register(make):
        CASES.append((name, make))
        return make

    return register


def rows(n=100, m=10):
    return np.random.default_rng(0).standard_normal((n, m)).tolist()


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def as_lib(lib, *arrays_):
    """The arrays as tensors of lib (NumPy arrays stay arrays)."""
    out = [a if lib is np else lib.tensor(a) for a in arrays_]
    return out[0] if len(out) == 1 else out


# -- creation and conversion -------------------------------------------------------------------
@case("tensor(list of lists 100x10)")
def _(lib):
    data = rows()
    return lambda: lib.tensor(data) if lib is not np else np.array(data, dtype=np.float32)


@case("tensor(list of 64 ints)")
def _(lib):
    data = list(range(64))
    return lambda: lib.tensor(data) if lib is not np else np.array(data)


@case("tensor(python float)")
def _(lib):
    return lambda: lib.tensor(3.5) if lib is not np else np.array(3.5, dtype=np.float32)


@case("randn(1000, 1000)")
def _(lib):
    if lib is np:
        rng = np.random.default_rng(0)
        return lambda: rng.standard_normal((1000, 1000), dtype=np.float32)
    return lambda: lib.randn(1000, 1000)


@case("randn(100)")
def _(lib):
    if lib is np:
        rng = np.random.default_rng(0)
        return lambda: rng.standard_normal(100, dtype=np.float32)
    return lambda: lib.randn(100)


@case("zeros(64, 128)")
def _(lib):
    if lib is np:
        return lambda: np.zeros((64, 128), np.float32)
    return lambda: lib.zeros(64, 128)


@case("ones(1000, 1000)")
def _(lib):
    if lib is np:
        return lambda: np.ones((1000, 1000), np.float32)
    return lambda: lib.ones(1000, 1000)


@case("arange(1000)")
def _(lib):
    return lambda: lib.arange(1000)


@case("linspace(0, 1, 1000)")
def _(lib):
    if lib is np:
        return lambda: np.linspace(0, 1, 1000, dtype=np.float32)
    return lambda: lib.linspace(0, 1, 1000)


@case("zeros_like(x 64x128)")
def _(lib):
    x = as_lib(lib, *arrays((64, 128)))
    return lambda: lib.zeros_like(x)


@case("from_numpy(a)")
def _(lib):
    if lib is np:
        return None
    a = arrays((64, 128))[0]
    return lambda: lib.from_numpy(a)


@case("x.numpy()")
def _(lib):
    if lib is np:
        return None
    x = as_lib(lib, *arrays((64, 128)))
    return lambda: x.numpy()


@case("x.sum().item()")
def _(lib):
    x = as_lib(lib, *arrays((100,)))
    return lambda: x.sum().item()


@case("x.tolist() 100x10")
def _(lib):
    x = as_lib(lib, *arrays((100, 10)))
    return lambda: x.tolist()


@case("repr(x) 10x10")
def _(lib):
    x = as_lib(lib, *arrays((10, 10)))
    return lambda: repr(x)


@case("x.detach().cpu().numpy()")
def _(lib):
    if lib is np:
        return None
    x = as_lib(lib, *arrays((64, 10)))
    return lambda: x.detach().cpu().numpy()


@case("tensor(numpy 64x64)")
def _(lib):
    a = arrays((64, 64))[0]
    return (lambda: np.array(a)) if lib is np else (lambda: lib.tensor(a))


@case("x.float(); y.long() (casts)")
def _(lib):
    x, y = as_lib(lib, np.arange(64), np.ones(64, np.float32))
    if lib is np:
        return lambda: (x.astype(np.float32), y.astype(np.int64))
    return lambda: (x.float(), y.long())


@case("(out.argmax(1) == y).float().mean().item()")
def _(lib):
    out = as_lib(lib, *arrays((64, 10)))
    y = np.random.default_rng(0).integers(0, 10, 64)
    y = y if lib is np else lib.tensor(y)
    if lib is np:
        return lambda: (out.argmax(1) == y).astype(np.float32).mean().item()
    return lambda: (out.argmax(1) == y).float().mean().item()


@case("for row in x (10x100)")
def _(lib):
    x = as_lib(lib, *arrays((10, 100)))

    def loop():
        for _row in x:
            pass

    return loop


# -- elementwise -------------------------------------------------------------------------------
def _elementwise(size, snippet, numpy_snippet=None):
    def make(lib):
        x, y = as_lib(lib, *arrays(size, size))
        if lib is np:
            return None if numpy_snippet is None else (lambda: numpy_snippet(x, y))
        return lambda: snippet(lib, x, y)

    return make


_ELEMENTWISE = {
    "x + y": (lambda lib, x, y: x + y, lambda x, y: x + y),
    "x * 2.0": (lambda lib, x, y: x * 2.0, lambda x, y: x * np.float32(2.0)),
    "exp(x)": (lambda lib, x, y: lib.exp(x), lambda x, y: np.exp(x)),
    "sigmoid(x)": (lambda lib, x, y: lib.sigmoid(x), lambda x, y: 1 / (1 + np.exp(-x))),
    "relu(x)": (lambda lib, x, y: lib.relu(x), lambda x, y: np.maximum(x, 0)),
    "x > 0": (lambda lib, x, y: x > 0, lambda x, y: x > 0),
    "where(x > 0, x, y)": (
        lambda lib, x, y: lib.where(x > 0, x, y),
        lambda x, y: np.where(x > 0, x, y),
    ),
    "clamp(x, -1, 1)": (lambda lib, x, y: x.clamp(-1, 1), lambda x, y: np.clip(x, -1, 1)),
    "F.gelu(x)": (lambda lib, x, y: lib.nn.functional.gelu(x), None),
    "F.softplus(x)": (
        lambda lib, x, y: lib.nn.functional.softplus(x),
        lambda x, y: np.log1p(np.exp(x)),
    ),
    "(x * y + x).tanh() * 0.5": (
        lambda lib, x, y: (x * y + x).tanh() * 0.5,
        lambda x, y: np.tanh(x * y + x) * np.float32(0.5),
    ),
}
for _size, _label in (((100,), "100"), ((1000, 1000), "1000x1000")):
    for _name, (_snippet, _np) in _ELEMENTWISE.items():
        case(f"{_name} [{_label}]")(_elementwise(_size, _snippet, _np))


@case("x.add_(y); x.mul_(0.5) [1000x1000]")
def _(lib):
    x, y = as_lib(lib, *arrays((1000, 1000), (1000, 1000)))
    if lib is np:

        def step():
            np.add(x, y, out=x)
            np.multiply(x, np.float32(0.5), out=x)

        return step
    return lambda: x.add_(y).mul_(0.5)


@case("x.add_(y) [100]")
def _(lib):
    x, y = as_lib(lib, *arrays((100,), (100,)))
    if lib is np:
        return lambda: np.add(x, y, out=x)
    return lambda: x.add_(y)


# -- reductions --------------------------------------------------------------------------------
_REDUCTIONS = {
    "x.sum()": (lambda lib, x: x.sum(), lambda x: x.sum()),
    "x.mean(dim=1)": (lambda lib, x: x.mean(dim=1), lambda x: x.mean(axis=1)),
    "x.max(dim=1)": (lambda lib, x: x.max(dim=1), lambda x: (x.max(1), x.argmax(1))),
    "x.argmax(dim=1)": (lambda lib, x: x.argmax(dim=1), lambda x: x.argmax(1)),
    "x.std()": (lambda lib, x: x.std(), lambda x: x.std(ddof=1)),
    "softmax(x, dim=1)": (
        lambda lib, x: lib.softmax(x, dim=1),
        lambda x: (e := np.exp(x - x.max(1, keepdims=True))) / e.sum(1, keepdims=True),
    ),
    "x.logsumexp(dim=1)": (lambda lib, x: x.logsumexp(dim=1), None),
    "x.var(dim=0)": (lambda lib, x: x.var(dim=0), lambda x: x.var(axis=0, ddof=1)),
    "x.topk(5, dim=1)": (lambda lib, x: x.topk(5, dim=1), None),
}
for _shape, _label in (((64, 10), "64x10"), ((1000, 1000), "1000x1000")):
    for _name, (_snippet, _np) in _REDUCTIONS.items():

        def _make(lib, shape=_shape, snippet=_snippet, np_snippet=_np):
            x = as_lib(lib, *arrays(shape))
            if lib is np:
                return None if np_snippet is None else (lambda: np_snippet(x))
            return lambda: snippet(lib, x)

        case(f"{_name} [{_label}]")(_make)


# -- indexing ----------------------------------------------------------------------------------
def _indexed(snippet, setup=None):
    def make(lib):
        x = as_lib(lib, *arrays((1000, 100)))
        extra = setup(lib, x) if setup else ()
        return lambda: snippet(x, *extra)

    return make


def _index_list(lib, x):
    idx = np.random.default_rng(1).integers(0, 1000, 64)
    return (idx if lib is np else lib.tensor(idx),)


def _mask(lib, x):
    return (x[:, 0] > 0,)


case("x[3]")(_indexed(lambda x: x[3]))
case("x[:, 1:5]")(_indexed(lambda x: x[:, 1:5]))
case("x[3, 4] (a scalar tensor)")(_indexed(lambda x: x[3, 4]))
case("x[idx] (64 rows)")(_indexed(lambda x, idx: x[idx], _index_list))
case("x[mask] (bool rows)")(_indexed(lambda x, m: x[m], _mask))
case("x[x > 1] (bool elements)")(_indexed(lambda x: x[x > 1]))


@case("x[idx] = 0.0")
def _(lib):
    x = as_lib(lib, *arrays((1000, 100)))
    (idx,) = _index_list(lib, x)

    def step():
        x[idx] = 0.0

    return step


@case("x[:, 0] = y")
def _(lib):
    x, y = as_lib(lib, *arrays((1000, 100), (1000,)))

    def step():
        x[:, 0] = y

    return step


# -- shape -------------------------------------------------------------------------------------
@case("x.view(64, -1)")
def _(lib):
    x = as_lib(lib, *arrays((64, 8, 8)))
    return (lambda: x.reshape(64, -1)) if lib is np else (lambda: x.view(64, -1))


@case("x.reshape(-1)")
def _(lib):
    x = as_lib(lib, *arrays((64, 8, 8)))
    return lambda: x.reshape(-1)


@case("x.permute(0, 2, 1).contiguous()")
def _(lib):
    x = as_lib(lib, *arrays((64, 32, 32)))
    if lib is np:
        return lambda: np.ascontiguousarray(x.transpose(0, 2, 1))
    return lambda: x.permute(0, 2, 1).contiguous()


@case("cat([a, b, c], dim=0)")
def _(lib):
    parts = list(as_lib(lib, *arrays((64, 100), (64, 100), (64, 100))))
    return (lambda: np.concatenate(parts, 0)) if lib is np else (lambda: lib.cat(parts, dim=0))


@case("stack(64 tensors of 100)")
def _(lib):
    parts = [as_lib(lib, a) for a in arrays(*[(100,)] * 64)]
    return lambda: lib.stack(parts)


# -- matmul ------------------------------------------------------------------------------------
for _n in (64, 512, 1024):

    def _make(lib, n=_n):
        a, b = as_lib(lib, *arrays((n, n), (n, n)))
        return lambda: a @ b

    case(f"a @ b [{_n}x{_n}]")(_make)


@case("bmm (32, 64, 64)")
def _(lib):
    a, b = as_lib(lib, *arrays((32, 64, 64), (32, 64, 64)))
    return lambda: a @ b


# -- autograd and nn ---------------------------------------------------------------------------
@case("small graph forward+backward")
def _(lib):
    if lib is np:
        return None
    xa, wa = arrays((64, 32), (32, 16))
    x = lib.tensor(xa)
    w = lib.tensor(wa, requires_grad=True)

    def step():
        w.grad = None
        y = (x @ w).tanh()
        loss = (y * y).mean() + w.pow(2).sum() * 1e-3
        loss.backward()

    return step


def _mlp(lib):
    lib.manual_seed(0)
    nn = lib.nn
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


@case("no_grad MLP inference (64x64)")
def _(lib):
    if lib is np:
        return None
    model = _mlp(lib)
    x = lib.tensor(arrays((64, 64))[0])

    def step():
        with lib.no_grad():
            return model(x).argmax(dim=1)

    return step


@case("nn.Linear(128, 128) forward (64)")
def _(lib):
    if lib is np:
        return None
    lib.manual_seed(0)
    layer = lib.nn.Linear(128, 128)
    x = lib.tensor(arrays((64, 128))[0])
    return lambda: layer(x)


@case("nn.Conv2d(3, 16, 3) forward (16x3x32x32)")
def _(lib):
    if lib is np:
        return None
    lib.manual_seed(0)
    conv = lib.nn.Conv2d(3, 16, 3, padding=1)
    x = lib.tensor(arrays((16, 3, 32, 32))[0])
    return lambda: conv(x)


@case("activations forward+backward (512x512)")
def _(lib):
    if lib is np:
        return None
    x = lib.tensor(arrays((512, 512))[0], requires_grad=True)
    F = lib.nn.functional

    def step():
        x.grad = None
        (x.sigmoid() + F.silu(x) + x.tanh() + F.softplus(x)).sum().backward()

    return step


@case("nn.ConvTranspose2d(32, 16, 3) forward (16x32x32x32)")
def _(lib):
    if lib is np:
        return None
    lib.manual_seed(0)
    conv = lib.nn.ConvTranspose2d(32, 16, 3, padding=1)
    x = lib.tensor(arrays((16, 32, 32, 32))[0])
    return lambda: conv(x)


@case("nn.LSTM(32, 64) forward (seq 20, batch 16)")
def _(lib):
    if lib is np:
        return None
    lib.manual_seed(0)
    lstm = lib.nn.LSTM(32, 64, batch_first=True)
    x = lib.tensor(arrays((16, 20, 32))[0])
    return lambda: lstm(x)


@case("opt.zero_grad(); model.zero_grad()")
def _(lib):
    if lib is np:
        return None
    model = _mlp(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        model.zero_grad()

    return step


@case("F.mse_loss(pred, target) (64x10)")
def _(lib):
    if lib is np:
        return None
    pred, target = as_lib(lib, *arrays((64, 10), (64, 10)))
    return lambda: lib.nn.functional.mse_loss(pred, target)


@case("F.one_hot(y, 10) (64)")
def _(lib):
    if lib is np:
        return None
    y = lib.tensor(np.random.default_rng(0).integers(0, 10, 64))
    return lambda: lib.nn.functional.one_hot(y, 10)


@case("x.gather(1, idx) forward+backward (1000x1000, 64 a row)")
def _(lib):
    if lib is np:
        return None
    x = lib.tensor(arrays((1000, 1000))[0], requires_grad=True)
    idx = lib.tensor(np.random.default_rng(1).integers(0, 1000, (1000, 64)))
    return lambda: x.gather(1, idx).sum().backward()


@case("nn.Embedding(10000, 128) forward+backward ((64, 35) ids)")
def _(lib):
    if lib is np:
        return None
    embed = lib.nn.Embedding(10000, 128)
    ids = lib.tensor(np.random.default_rng(1).integers(0, 10000, (64, 35)))
    return lambda: embed(ids).sum().backward()


@case("x.index_add_(0, idx, src) (512x512, 512 rows)")
def _(lib):
    if lib is np:
        return None
    x, src = as_lib(lib, *arrays((512, 512), (512, 512)))
    idx = lib.tensor(np.random.default_rng(1).integers(0, 512, 512))
    return lambda: x.index_add_(0, idx, src)


@case("F.layer_norm forward+backward (64x128)")
def _(lib):
    if lib is np:
        return None
    x = lib.tensor(arrays((64, 128))[0], requires_grad=True)
    return lambda: lib.nn.functional.layer_norm(x, (128,)).sum().backward()


@case("softmax forward+backward (64x128)")
def _(lib):
    if lib is np:
        return None
    x = lib.tensor(arrays((64, 128))[0], requires_grad=True)
    return lambda: x.softmax(1).sum().backward()


@case("F.cross_entropy forward+backward (1024x1000)")
def _(lib):
    if lib is np:
        return None
    logits = lib.tensor(arrays((1024, 1000))[0], requires_grad=True)
    y = lib.tensor(np.random.default_rng(0).integers(0, 1000, 1024))
    return lambda: lib.nn.functional.cross_entropy(logits, y).backward()


@case("F.cross_entropy(logits, y) (64x10)")
def _(lib):
    if lib is np:
        return None
    logits = lib.tensor(arrays((64, 10))[0])
    y = lib.tensor(np.random.default_rng(0).integers(0, 10, 64))
    return lambda: lib.nn.functional.cross_entropy(logits, y)


# -- data loading and training -----------------------------------------------------------------
def _digits():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return (x / 16).astype(np.float32), y.astype(np.int64)


DIGITS = []  # loaded once


def digits():
    if not DIGITS:
        DIGITS.extend(_digits())
    return DIGITS


@case("DataLoader(TensorDataset, 64, shuffle) epoch")
def _(lib):
    if lib is np:
        return None
    x, y = digits()
    loader = lib.utils.data.DataLoader(
        lib.utils.data.TensorDataset(lib.tensor(x), lib.tensor(y)), batch_size=64, shuffle=True
    )

    def epoch():
        for _batch in loader:
            pass

    return epoch


def _custom_dataset(lib):
    x, y = digits()

    class Digits(lib.utils.data.Dataset):
        def __init__(self):
            self.x, self.y = lib.tensor(x), lib.tensor(y)

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return self.x[i], self.y[i]

    return Digits()


@case("DataLoader(TensorDataset 60000x784, 64, shuffle) epoch")
def _(lib):
    if lib is np:
        return None
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60000)
    loader = lib.utils.data.DataLoader(
        lib.utils.data.TensorDataset(lib.tensor(x), lib.tensor(y)), batch_size=64, shuffle=True
    )

    def epoch():
        for _batch in loader:
            pass

    return epoch


@case("DataLoader(custom Dataset, 64, shuffle) epoch")
def _(lib):
    if lib is np:
        return None
    loader = lib.utils.data.DataLoader(_custom_dataset(lib), batch_size=64, shuffle=True)

    def epoch():
        for _batch in loader:
            pass

    return epoch


@case("DataLoader(numpy-sample Dataset, 64) epoch")
def _(lib):
    if lib is np:
        return None
    x, y = digits()

    class Arrays(lib.utils.data.Dataset):
        def __len__(self):
            return len(x)

        def __getitem__(self, i):
            return x[i], int(y[i])

    loader = lib.utils.data.DataLoader(Arrays(), batch_size=64, shuffle=True)

    def epoch():
        for _batch in loader:
            pass

    return epoch


@case("digits MLP epoch (DataLoader + Adam + item)")
def _(lib):
    if lib is np:
        return None
    x, y = digits()
    loader = lib.utils.data.DataLoader(
        lib.utils.data.TensorDataset(lib.tensor(x), lib.tensor(y)), batch_size=64, shuffle=True
    )
    model = _mlp(lib)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()
    losses = []

    def epoch():
        losses.clear()
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())

    return epoch


@case("Adam step (MLP 64-128-10)")
def _(lib):
    if lib is np:
        return None
    model = _mlp(lib)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    for p in model.parameters():
        p.grad = lib.ones_like(p)
    return opt.step


# -- course training steps -----------------------------------------------------------------
# A whole step as a student writes it: model(x), F.cross_entropy, zero_grad, backward, step.
# Both libraries start from the same weights (PyTorch's, loaded into minigrad's model).
def _course_step(lib, model, opt, inputs, target, flat=False):
    F = lib.nn.functional

    def step():
        opt.zero_grad()
        out = model(inputs)
        if flat:  # a language model: one class per token
            out, target_ = out.reshape(-1, out.shape[-1]), target.reshape(-1)
        else:
            target_ = target
        F.cross_entropy(out, target_).backward()
        opt.step()

    return step


def _model(lib, build):
    """build(lib) with PyTorch's initial weights (seeded), whichever lib."""
    torch.manual_seed(0)
    reference = build(torch)
    if lib is torch:
        return reference
    model = build(lib)
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    return model


def _tokens(shape, vocab=100, seed=0):
    return np.random.default_rng(seed).integers(0, vocab, shape)


def _language_model(recurrent):
    def build(lib):
        nn = lib.nn

        class LanguageModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 32)
                self.rnn = getattr(nn, recurrent)(32, 64, batch_first=True)
                self.head = nn.Linear(64, 100)

            def forward(self, tokens):
                out, _ = self.rnn(self.embed(tokens))
                return self.head(out)

        return LanguageModel()

    def make(lib):
        if lib is np:
            return None
        model = _model(lib, build)
        tokens = _tokens((32, 21))
        x, y = lib.tensor(tokens[:, :-1]), lib.tensor(tokens[:, 1:])
        return _course_step(lib, model, lib.optim.Adam(model.parameters(), 1e-3), x, y, True)

    return make


case("step: LSTM(32, 64) LM, batch 32 x seq 20")(_language_model("LSTM"))
case("step: GRU(32, 64) LM, batch 32 x seq 20")(_language_model("GRU"))


def _transformer(lib):
    nn = lib.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(100, 64)
            self.layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
            self.head = nn.Linear(64, 2)

        def forward(self, tokens):
            return self.head(self.layer(self.embed(tokens)).mean(1))

    return Classifier()


@case("step: TransformerEncoderLayer(64, 4), 32x20")
def _(lib):
    if lib is np:
        return None
    model = _model(lib, _transformer)
    x, y = lib.tensor(_tokens((32, 20))), lib.tensor(_tokens(32, 2))
    return _course_step(lib, model, lib.optim.Adam(model.parameters(), 1e-3), x, y)


def _attention(lib):
    nn = lib.nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(100, 64)
            self.attn = nn.MultiheadAttention(64, 4, batch_first=True)
            self.head = nn.Linear(64, 2)

        def forward(self, tokens):
            x = self.embed(tokens)
            out, _ = self.attn(x, x, x)
            return self.head(out.mean(1))

    return Attention()


@case("step: MultiheadAttention(64, 4), 32x20")
def _(lib):
    if lib is np:
        return None
    model = _model(lib, _attention)
    x, y = lib.tensor(_tokens((32, 20))), lib.tensor(_tokens(32, 2))
    return _course_step(lib, model, lib.optim.Adam(model.parameters(), 1e-3), x, y)


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 10),
    )


def _images(n=32):
    return arrays((n, 3, 32, 32))[0], np.random.default_rng(1).integers(0, 10, n)


@case("step: Conv+BatchNorm+MaxPool CNN, 32x3x32x32")
def _(lib):
    if lib is np:
        return None
    model = _model(lib, _cnn)
    x, y = as_lib(lib, *_images())
    opt = lib.optim.SGD(model.parameters(), 0.01, momentum=0.9)
    return _course_step(lib, model, opt, x, y)


@case("no_grad CNN inference, eval(), 32x3x32x32")
def _(lib):
    if lib is np:
        return None
    model = _model(lib, _cnn).eval()
    x = lib.tensor(_images()[0])

    def step():
        with lib.no_grad():
            return model(x).argmax(1)

    return step


@case("step: Linear+LayerNorm+GELU MLP, 64x64")
def _(lib):
    if lib is np:
        return None

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Linear(64, 128), nn.LayerNorm(128), nn.GELU(), nn.Linear(128, 10))

    model = _model(lib, build)
    x, y = as_lib(lib, arrays((64, 64))[0], _tokens(64, 10))
    return _course_step(lib, model, lib.optim.AdamW(model.parameters(), 1e-3), x, y)


@case("DataLoader(2048 images, 64, shuffle) epoch")
def _(lib):
    if lib is np:
        return None
    x, y = as_lib(lib, arrays((2048, 3, 32, 32))[0], _tokens(2048, 10))
    loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), 64, shuffle=True)

    def epoch():
        for _batch in loader:
            pass

    return epoch


# -- running -----------------------------------------------------------------------------------
def calibrate(steps: dict, target=0.02) -> int:
    """Calls per round so that the slowest contender takes about `target` seconds a round."""
    slowest = 0.0
    for step in steps.values():
        start = time.perf_counter()
        step()
        slowest = max(slowest, time.perf_counter() - start)
    return max(1, min(2000, int(target / max(slowest, 1e-7))))


def run(rounds: int, only: str | None) -> list:
    results = []
    for name, make in CASES:
        if only and not any(part in name for part in only.split("|")):
            continue
        steps = {}
        for label, lib in (("minigrad", minigrad), ("torch", torch), ("numpy", np)):
            step = make(lib)
            if step is not None:
                steps[label] = step
        best = best_of_each(steps, rounds, calibrate(steps))
        ratio_t = best["minigrad"] / best["torch"]
        ratio_n = best["minigrad"] / best["numpy"] if "numpy" in best else None
        cells = [f"{best.get(k, float('nan')) * 1e6:10.1f}" for k in ("minigrad", "torch", "numpy")]
        rn = f"{ratio_n:7.2f}" if ratio_n is not None else "      -"
        print(f"{name:<46}{''.join(cells)} {ratio_t:7.2f} {rn}", flush=True)
        results.append((name, best, ratio_t, ratio_n))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cpu-time", action="store_true")
    parser.add_argument("--only", help="run the rows whose name contains this (a|b: either)")
    args = parser.parse_args()
    if args.cpu_time:
        CLOCK[0] = time.process_time
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, one thread; load {os.getloadavg()}; {blas_line()}")
    header = "".join(f"{k:>10}" for k in ("minigrad", "torch", "numpy"))
    print(f"{'snippet (us per call)':<46}{header} {'/torch':>7} {'/numpy':>7}")
    results = run(args.rounds, args.only)
    print("\nworst minigrad / torch:")
    for name, _, ratio_t, _ in sorted(results, key=lambda r: -r[2])[:15]:
        print(f"  {ratio_t:7.2f}  {name}")


if __name__ == "__main__":
    main()
