"""The table of ops that drives every op test: one row per op (and per interesting variant).

A row says how to call the op with either library, so the same lambda runs on minigrad and on
PyTorch: `fn(lib, F, *inputs)` where `lib` is `minigrad` or `torch` and `F` holds the
functional ops (`torch.nn.functional`, or minigrad's ops with the same names). The inputs are
float arrays drawn from `low..high` with the given shapes; anything else an op needs (class
indices, masks, a fixed index) is made inside the lambda from `lib`.

`test_every_op_is_in_the_table` finds the Functions in minigrad.ops and fails for any that no
row exercises, so a new op cannot slip in untested.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace

import numpy as np

import minigrad
from minigrad.ops import activations, conv, conv3d, indexing, matmul, nn, norm


@dataclass
class Case:
    name: str
    fn: Callable
    shapes: tuple
    low: float = -2.0
    high: float = 2.0
    grad: bool = True  # backward compared with PyTorch and gradcheck
    numerical: bool = True  # gradcheck (False where float64 central differences cannot work)
    torch: bool = True  # compared with PyTorch (False for random ops: other random numbers)
    double: bool = True  # second derivatives compared with PyTorch
    binary: bool = False  # a broadcasting binary op: hypothesis draws the shapes
    rtol: float = 1e-5
    tags: set = field(default_factory=set)  # "inplace": the row changes a tensor in place


# minigrad's functional namespace, named as torch.nn.functional (nn is built on these ops)
F = SimpleNamespace(
    relu=activations.relu,
    leaky_relu=activations.leaky_relu,
    elu=activations.elu,
    gelu=activations.gelu,
    softplus=activations.softplus,
    silu=activations.silu,
    sigmoid=activations.sigmoid,
    tanh=activations.tanh,
    linear=matmul.linear,
    softmax=nn.softmax,
    log_softmax=nn.log_softmax,
    cross_entropy=nn.cross_entropy,
    nll_loss=nn.nll_loss,
    mse_loss=nn.mse_loss,
    l1_loss=nn.l1_loss,
    binary_cross_entropy=nn.binary_cross_entropy,
    binary_cross_entropy_with_logits=nn.binary_cross_entropy_with_logits,
    one_hot=indexing.one_hot,
    embedding=nn.embedding,
    embedding_bag=nn.embedding_bag,
    dropout=nn.dropout,
    conv2d=conv.conv2d,
    max_pool2d=conv.max_pool2d,
    avg_pool2d=conv.avg_pool2d,
    conv3d=conv3d.conv3d,
    max_pool3d=conv3d.max_pool3d,
    avg_pool3d=conv3d.avg_pool3d,
    batch_norm=norm.batch_norm,
    layer_norm=norm.layer_norm,
)


# The helpers below make constants on `like`'s device (both libraries take `device=`), so every
# row runs unchanged on a GPU: a CPU index for a CUDA tensor is an error, as in PyTorch.
def _targets(lib, like, n, classes, seed=1):
    t = np.random.default_rng(seed).integers(0, classes, size=n)
    return lib.tensor(t.tolist(), dtype=lib.int64, device=like.device)


def _weights(lib, like, seed=3):
    """Class weights for `like`'s classes: constants (PyTorch cannot differentiate by them)."""
    w = np.random.default_rng(seed).uniform(0.5, 2.0, size=like.shape[-1])
    return lib.tensor(w.tolist(), dtype=like.dtype, device=like.device)


def _pool_grad(lib, F, x):
    """max_pool2d's input gradient as a function of x: its backward, differentiated again."""
    x = x if x.requires_grad else x.detach().requires_grad_()
    return lib.autograd.grad((F.max_pool2d(x, 2) ** 2).sum(), x, create_graph=True)[0]


@contextmanager
def _columns_in_chunks(lib):
    """minigrad's conv2d takes its columns an image at a time whatever the batch, as it
    takes a large batch's (ops/conv.py `_chunked`), so that forward keeps none and the
    weight's gradient is ConvWeightGrad, which takes them again."""
    if lib is not minigrad:
        yield
        return
    saved = conv._CACHED_BYTES, conv._CHUNKED_BYTES
    conv._CACHED_BYTES, conv._CHUNKED_BYTES = 0, 0
    try:
        yield
    finally:
        conv._CACHED_BYTES, conv._CHUNKED_BYTES = saved


def _chunked_conv2d(lib, x, w, b):
    """conv2d (stride (2, 1), padding 1, dilation (1, 2)) with its columns in chunks."""
    with _columns_in_chunks(lib):
        return lib.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2))


def _index(lib, like, values):
    return lib.tensor(values, dtype=lib.int64, device=like.device)


def _mask(lib, like, seed=2):
    """A bool mask of `like`'s shape."""
    m = np.random.default_rng(seed).random(tuple(like.shape)) > 0.5
    return lib.tensor(m.tolist(), dtype=lib.bool, device=like.device)


def _arange(lib, like, n):
    """0, 1, ..., n-1 in `like`'s dtype and on its device (distinct weights per column)."""
    return lib.arange(float(n), dtype=like.dtype, device=like.device)


def _COORDS(lib, like):  # noqa: N802 - sample points 0, 1, 4, 9 (float32 whatever like is)
    return lib.tensor([0.0, 1.0, 4.0, 9.0], device=like.device)


def _sum_with_indices(pooled, x):
    """A max pooling's values plus its indices (as x's dtype): both compared with PyTorch."""
    values, indices = pooled
    return values + indices.to(x.dtype)


def _seeded(lib, fn, *args):
    """fn(*args) with the same random numbers each call (so central differences work)."""
    lib.manual_seed(0)
    return fn(*args)


def _unique_rows(lib, like):
    """Per row of a fixed int matrix, its distinct row's sum times how often it occurs: uses
    all three results of unique(dim=0)."""
    rows = lib.tensor([[1, 0], [0, 2], [1, 0], [0, 1]], device=like.device)
    values, inverse, counts = lib.unique(rows, dim=0, return_inverse=True, return_counts=True)
    return (values.sum(1)[inverse] * counts[inverse]).to(like.dtype)


def _bounds(lib, like):
    return lib.linspace(-1.5, 1.5, 5, dtype=like.dtype, device=like.device)


def _with_nan(lib, x):
    """x with nan where it is above 1 (a nan-ignoring reduction gives them no gradient)."""
    return lib.where(x > 1, float("nan"), x)


def _quietly(fn, *args, **kwargs):
    """fn(*args) without its UserWarning (the regression losses' warning on broadcasting)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def _product(pair):
    return pair[0] * pair[1]


def _q(lib, like):
    return lib.tensor([0.1, 0.5, 0.75], dtype=like.dtype, device=like.device)


_ROUNDED = ("lower", "higher", "nearest")

_SR_INDEX = [[0, 3, 0], [1, 1, 2], [2, 0, 2]]  # scatter_reduce's rows along dim 1: repeats


def _setitem(lib, x, v):
    y = x * 1.0  # a non-leaf, so the assignment is recorded
    y[1:, ::2] = v
    return y


def _mul_through_a_view(lib, x, v):
    y = x * 1.0
    y.t()[::2, 1:].mul_(v)  # y takes the change as its history (CopySlices)
    return y * x


B = dict(binary=True)

CASES = [
    # -- arithmetic (broadcasting) ---------------------------------------------------------
    Case("add", lambda t, F, a, b: a + b, ((3, 4), (4,)), **B),
    Case("add_alpha", lambda t, F, a, b: t.add(a, b, alpha=2.5), ((3, 4), (3, 1))),
    Case("add_scalar", lambda t, F, a: 2.5 + a, ((3, 4),)),
    Case("sub", lambda t, F, a, b: a - b, ((2, 3, 4), (3, 1)), **B),
    Case("sub_alpha", lambda t, F, a, b: t.sub(a, b, alpha=0.5), ((3, 4), (4,))),
    Case("rsub_scalar", lambda t, F, a: 1.5 - a, ((3, 4),)),
    Case("mul", lambda t, F, a, b: a * b, ((3, 1), (1, 4)), **B),
    Case("mul_scalar", lambda t, F, a: a * 3.0, ((3, 4),)),
    Case("div", lambda t, F, a, b: a / b, ((3, 4), (4,)), low=0.5, high=2.0, **B),
    Case("rdiv_scalar", lambda t, F, a: 2.0 / a, ((3, 4),), low=0.5, high=2.0),
    Case("reciprocal", lambda t, F, a: a.reciprocal(), ((3, 4),), low=0.5, high=2.0),
    Case("pow", lambda t, F, a, b: a**b, ((3, 4), (4,)), low=0.5, high=2.0, **B),
    Case("pow_scalar", lambda t, F, a: a**3, ((3, 4),)),
    Case("pow_half", lambda t, F, a: a**0.5, ((3, 4),), low=0.5, high=2.0),
    Case(
        "pow_negative",  # PyTorch's reciprocal, rsqrt and 1 / (x * x) special cases
        lambda t, F, a: a**-1 + a**-0.5 + a.pow(-2) + a**2,
        ((3, 4),),
        low=0.5,
        high=2.0,
    ),
    Case("rpow_scalar", lambda t, F, a: 2.0**a, ((3, 4),)),
    Case("neg", lambda t, F, a: -a, ((3, 4),)),
    Case("square", lambda t, F, a: t.square(a), ((3, 4),)),
    # -- unary math ------------------------------------------------------------------------
    Case("exp", lambda t, F, a: t.exp(a), ((3, 4),)),
    Case("expm1", lambda t, F, a: t.expm1(a), ((3, 4),)),
    Case("exp2", lambda t, F, a: a.exp2(), ((3, 4),)),
    Case("frexp", lambda t, F, a: t.frexp(a).mantissa * 2, ((3, 4),)),
    Case("ldexp", lambda t, F, a, b: t.ldexp(a, b), ((3, 4), (4,))),
    Case("ldexp_method", lambda t, F, a: a.ldexp(_index(t, a, [0, 1, 3, 2])), ((3, 4),)),
    Case("log", lambda t, F, a: t.log(a), ((3, 4),), low=0.5, high=3.0),
    Case("log1p", lambda t, F, a: t.log1p(a), ((3, 4),), low=-0.5, high=3.0),
    Case("sinh", lambda t, F, a: t.sinh(a) + a.sinh(), ((3, 4),)),
    Case("sqrt", lambda t, F, a: t.sqrt(a), ((3, 4),), low=0.5, high=3.0),
    Case("rsqrt", lambda t, F, a: t.rsqrt(a), ((3, 4),), low=0.5, high=3.0),
    Case("abs", lambda t, F, a: t.abs(a), ((3, 4),)),
    Case("sign", lambda t, F, a: t.sign(a) * a, ((3, 4),)),
    Case("sin", lambda t, F, a: t.sin(a), ((3, 4),)),
    Case("cos", lambda t, F, a: t.cos(a), ((3, 4),)),
    Case("tan", lambda t, F, a: t.tan(a), ((3, 4),), low=-1.2, high=1.2),
    Case("log2", lambda t, F, a: a.log2(), ((3, 4),), low=0.5, high=3.0),
    Case("log10", lambda t, F, a: t.log10(a), ((3, 4),), low=0.5, high=3.0),
    Case("erf", lambda t, F, a: t.erf(a), ((3, 4),)),
    Case("floor", lambda t, F, a: t.floor(a) + a, ((3, 4),)),
    Case("ceil", lambda t, F, a: t.ceil(a) * a, ((3, 4),)),
    Case("round", lambda t, F, a: t.round(a) * a, ((3, 4),)),
    Case("trunc", lambda t, F, a: t.trunc(a) * a, ((3, 4),), low=-3, high=3),
    Case("frac", lambda t, F, a: t.frac(a), ((3, 4),), low=-3, high=3),
    Case("atan2", lambda t, F, a, b: t.atan2(a, b), ((3, 4), (4,))),
    Case("fmod", lambda t, F, a, b: t.fmod(a * 3, b), ((3, 4), (4,)), low=0.6, high=2.0),
    Case("fmod_scalar", lambda t, F, a: a.fmod(-0.7), ((3, 4),)),
    Case(
        "remainder",
        lambda t, F, a, b: t.remainder(a * 3, b) + a.remainder(-b[:1]),
        ((3, 4), (4,)),
        low=0.6,
        high=2.0,
    ),
    Case("remainder_scalar", lambda t, F, a: a % 0.7 + (a * 2).remainder(-0.9), ((3, 4),)),
    Case("lerp", lambda t, F, a, b, w: t.lerp(a, b, w), ((3, 4), (4,), (3, 1))),
    Case("lerp_scalar", lambda t, F, a, b: a.lerp(b, 0.3), ((3, 4), (3, 4))),
    Case("cosh", lambda t, F, a: t.cosh(a) + a.cosh(), ((3, 4),)),
    Case("asin", lambda t, F, a: t.asin(a) + a.arcsin(), ((3, 4),), low=-0.9, high=0.9),
    Case("acos", lambda t, F, a: t.arccos(a) + a.acos(), ((3, 4),), low=-0.9, high=0.9),
    Case("atan", lambda t, F, a: t.atan(a) + t.arctan(a * 3), ((3, 4),)),
    Case("asinh", lambda t, F, a: t.asinh(a) + a.arcsinh(), ((3, 4),)),
    Case("acosh", lambda t, F, a: t.acosh(a) + t.arccosh(a), ((3, 4),), low=1.1, high=3.0),
    Case("atanh", lambda t, F, a: a.atanh() + t.arctanh(a), ((3, 4),), low=-0.9, high=0.9),
    Case("deg2rad", lambda t, F, a: t.deg2rad(a) * a.rad2deg(), ((3, 4),)),
    Case("erfc", lambda t, F, a: t.erfc(a) + a.erfc(), ((3, 4),), low=-3, high=5),
    Case("erfinv", lambda t, F, a: t.erfinv(a) + a.erfinv(), ((3, 4),), low=-0.95, high=0.95),
    # the gamma family, Bessel and normal-distribution functions (minigrad/ops/special.py)
    Case("lgamma", lambda t, F, a: t.lgamma(a) + a.lgamma(), ((3, 4),), low=0.2, high=6.0),
    Case("digamma", lambda t, F, a: t.digamma(a) + a.digamma(), ((3, 4),), low=0.2, high=6.0),
    Case(
        "polygamma",
        lambda t, F, a: t.polygamma(1, a) + a.polygamma(3),
        ((3, 4),),
        low=0.3,
        high=5.0,
    ),
    Case("mvlgamma", lambda t, F, a: t.mvlgamma(a, 3) + a.mvlgamma(1), ((3, 4),), low=1.2, high=5),
    Case("i0", lambda t, F, a: t.i0(a) + a.i0(), ((3, 4),), low=-3.0, high=3.0),
    Case("special_i0e", lambda t, F, a: t.special.i0e(a), ((3, 4),), low=-3.0, high=3.0),
    Case("special_i1", lambda t, F, a: t.special.i1(a), ((3, 4),), low=-3.0, high=3.0),
    Case("special_i1e", lambda t, F, a: t.special.i1e(a), ((3, 4),), low=-3.0, high=3.0),
    Case("special_zeta", lambda t, F, a: t.special.zeta(2.5, a), ((3, 4),), low=0.3, high=4.0),
    Case("special_log_ndtr", lambda t, F, a: t.special.log_ndtr(a), ((3, 4),), low=-6.0, high=3),
    Case("special_ndtri", lambda t, F, a: t.special.ndtri(a), ((3, 4),), low=0.05, high=0.95),
    Case("logit", lambda t, F, a: t.logit(a) + a.logit(eps=0.01), ((3, 4),), low=0.05, high=0.95),
    Case("special_entr", lambda t, F, a: t.special.entr(a), ((3, 4),), low=0.1, high=2.0),
    Case(
        "special_xlog1py",
        lambda t, F, a, b: t.special.xlog1py(a, b),
        ((3, 4), (4,)),
        low=0.1,
        high=2.0,
    ),
    Case("absolute", lambda t, F, a: t.absolute(a) * a.absolute(), ((3, 4),)),
    Case("hypot", lambda t, F, a, b: t.hypot(a, b), ((3, 4), (4,)), **B),
    Case("logaddexp", lambda t, F, a, b: t.logaddexp(a * 20, b), ((3, 4), (3, 1)), **B),
    Case("logaddexp2", lambda t, F, a, b: a.logaddexp2(b * 30), ((3, 4), (4,))),
    Case("copysign", lambda t, F, a, b: t.copysign(a, b), ((3, 4), (4,)), **B),
    Case("copysign_scalar", lambda t, F, a: a.copysign(-1.0) + t.copysign(a, 0.0), ((3, 4),)),
    Case("xlogy", lambda t, F, a, b: t.xlogy(a, b), ((3, 4), (4,)), low=0.1, high=2.0),
    Case("xlogy_scalar", lambda t, F, a: t.xlogy(2.0, a) + a.xlogy(3), ((3, 4),), low=0.1),
    Case("float_power", lambda t, F, a, b: t.float_power(a, b), ((3, 4), (4,)), low=0.5),
    Case("float_power_scalar", lambda t, F, a: a.float_power(2) + t.float_power(2, a), ((3,),)),
    Case(
        "nan_to_num",
        # neginf given: the default (the dtype's lowest) overflows gradcheck's weighted sum
        lambda t, F, a: t.nan_to_num(t.where(a < -1, -t.inf, _with_nan(t, a)), 0.5, neginf=-3.0),
        ((3, 4),),
    ),
    Case(
        "nan_to_num_",
        lambda t, F, a: t.where(a > 0.5, t.inf, a).nan_to_num_(posinf=3.0),
        ((3, 4),),
        tags={"inplace"},
    ),
    Case(
        "signbit_heaviside",
        # PyTorch has no derivative for heaviside (it raises), minigrad none either
        lambda t, F, a, b: a * (t.signbit(b).to(a.dtype) + t.heaviside(b.detach(), b[0].detach())),
        ((3, 4), (4,)),
    ),
    # -- activations -----------------------------------------------------------------------
    Case("sigmoid", lambda t, F, a: t.sigmoid(a), ((3, 4),), low=-8, high=8),
    Case("tanh", lambda t, F, a: t.tanh(a), ((3, 4),)),
    Case("relu", lambda t, F, a: t.relu(a), ((3, 4),)),
    Case("leaky_relu", lambda t, F, a: F.leaky_relu(a, 0.1), ((3, 4),)),
    Case("leaky_relu_steep", lambda t, F, a: F.leaky_relu(a, 2.5), ((3, 4),)),
    Case("elu", lambda t, F, a: F.elu(a, 0.7), ((3, 4),)),
    Case("gelu", lambda t, F, a: F.gelu(a), ((3, 4),), low=-3, high=3),
    Case("gelu_tanh", lambda t, F, a: F.gelu(a, approximate="tanh"), ((3, 4),)),
    Case("softplus", lambda t, F, a: F.softplus(a, beta=2.0, threshold=3.0), ((3, 4),)),
    Case("silu", lambda t, F, a: F.silu(a), ((3, 4),)),
    # -- selection -------------------------------------------------------------------------
    # ops without a gradient (comparisons, logic, counting), used as masks and counts
    Case(
        "compare_logic",
        lambda t, F, a, b: (
            a
            * t.logical_or(
                t.logical_and(a < 0.5, b != 0.1), t.logical_xor(a > b, t.logical_not(b <= 0))
            ).to(a.dtype)
        ),
        ((3, 4), (4,)),
    ),
    Case(
        "finite_checks",
        lambda t, F, a, b: (
            a
            * t.logical_and(t.isfinite(a), t.logical_not(t.logical_or(t.isnan(a), t.isinf(a))))
            * t.isclose(a, a + b * 1e-12).to(a.dtype)
        ),
        ((3, 4), (4,)),
    ),
    Case(
        "integer_division",
        lambda t, F, a, b: (
            a
            + t.floor_divide(b.detach(), 0.7)
            + t.remainder(b.detach(), 0.7)
            + t.div(b.detach(), 0.7, rounding_mode="trunc")
        ),
        ((3, 4), (4,)),
        numerical=False,  # b only reaches the result through detach()
    ),
    Case(
        "bool_reductions",
        lambda t, F, a: (
            a * t.all(a > -5, dim=1, keepdim=True).to(a.dtype)
            + a * t.any(a > 1, dim=0).to(a.dtype)
            + t.count_nonzero(a > 0, dim=1).to(a.dtype)[:, None]
        ),
        ((3, 4),),
    ),
    Case(
        "argmax_one_hot",
        lambda t, F, a: a * F.one_hot(t.argmax(a, dim=1), 4).to(a.dtype) + t.argmin(a).to(a.dtype),
        ((3, 4),),
    ),
    Case(
        "counting",
        lambda t, F, a: (
            a
            * (
                t.bincount(t.tensor([0, 1, 1, 3], device=a.device))
                + t.unique(t.tensor([3, 1, 3, 0], device=a.device), return_counts=True)[1].sum()
                + t.repeat_interleave(t.tensor([1, 0, 2], device=a.device)).sum()
                + t.nonzero(t.tensor([0, 1, 1, 0], device=a.device)).sum()
            ).to(a.dtype)
        ),
        ((4,),),
    ),
    Case("unique_dim", lambda t, F, a: a * _unique_rows(t, a), ((3, 4),)),
    Case(
        "conv3d",
        lambda t, F, x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1, dilation=(1, 1, 2)),
        ((2, 2, 4, 5, 5), (3, 2, 2, 3, 2), (3,)),
    ),
    Case(
        "conv3d_groups",
        lambda t, F, x, w, b: F.conv3d(x, w, b, padding=(1, 0, 1), groups=2),
        ((2, 4, 3, 4, 3), (4, 2, 2, 2, 3), (4,)),
    ),
    Case("max_pool3d", lambda t, F, x: F.max_pool3d(x, 2, stride=1, padding=1), ((1, 2, 3, 4, 3),)),
    Case(
        "avg_pool3d",
        lambda t, F, x: (
            F.avg_pool3d(x, 2, stride=(1, 2, 1), padding=1, count_include_pad=False)
            + F.avg_pool3d(x, 2, stride=(1, 2, 1), padding=1, divisor_override=3)
        ),
        ((1, 2, 3, 4, 3),),
    ),
    Case(
        "as_strided",  # overlapping windows: their gradients add up
        lambda t, F, a: t.as_strided(a, (3, 3), (2, 1), 1) * 2 + a.as_strided((3, 3), (4, 1)),
        ((3, 4),),
    ),
    Case(
        "view_dtype",  # float64 bits read as int32 pairs: (3, 4) -> (3, 8)
        lambda t, F, a: a * (a.detach().view(t.int32) % 5).sum(-1, keepdim=True).to(a.dtype),
        ((3, 4),),
        numerical=False,  # a step of a changes its bits: not a smooth function of a
    ),
    Case(
        "search_and_bins",
        lambda t, F, a: (
            a
            * (
                t.bucketize(a.detach(), _bounds(t, a), right=True)
                + t.searchsorted(_bounds(t, a).repeat(3, 1), a.detach(), side="left")
            ).to(a.dtype)
            + a * t.histc(a.detach(), 4, -2, 2)
        ),
        ((3, 4),),
    ),
    Case("where", lambda t, F, a, b: t.where(a > 0, a, b), ((3, 4), (4,))),
    Case("where_scalar", lambda t, F, a: t.where(a > 0, a, 0.5), ((3, 4),)),
    Case("clamp", lambda t, F, a: t.clamp(a, -1.0, 1.0), ((3, 4),)),
    Case("clamp_min", lambda t, F, a: a.clamp(min=0.5), ((3, 4),)),
    Case("clamp_max_fn", lambda t, F, a: t.clamp_max(a, 0.5) + a.clamp_min(-0.5), ((3, 4),)),
    Case("clamp_tensor", lambda t, F, a, b: t.clamp(a, min=b), ((3, 4), (4,))),
    Case("clamp_tensors", lambda t, F, a, b, c: a.clamp(b, c), ((3, 4), (4,), (3, 1))),
    Case("maximum", lambda t, F, a, b: t.maximum(a, b), ((3, 4), (4,)), **B),
    Case("minimum", lambda t, F, a, b: t.minimum(a, b), ((3, 4), (3, 1)), **B),
    Case("fmax", lambda t, F, a, b: t.fmax(a, b), ((3, 4), (4,)), **B),
    Case("fmin", lambda t, F, a, b: a.fmin(b), ((3, 4), (3, 1)), **B),
    Case("masked_fill", lambda t, F, a: a.masked_fill(_mask(t, a), -1.0), ((3, 4),)),
    Case("clone", lambda t, F, a: a.clone(), ((3, 4),)),
    Case("copy_", lambda t, F, a, b: (a * 2).copy_(b) * a, ((3, 4), (4,)), tags={"inplace"}),
    # in-place ops whose backward reads the value before the change (compiled too)
    Case("mul_", lambda t, F, a, b: (a * 2).mul_(b) * a, ((3, 4), (4,)), tags={"inplace"}),
    Case(
        "mul_view",
        lambda t, F, a, b: _mul_through_a_view(t, a, b),
        ((3, 4), (2,)),
        tags={"inplace"},
    ),
    Case("pow_", lambda t, F, a: (a * 2).pow_(3) * a, ((3, 4),), tags={"inplace"}),
    Case("fill_", lambda t, F, a: (a * 2).fill_(1.5) * a, ((3, 4),), tags={"inplace"}),
    Case("cast", lambda t, F, a: a.float().double(), ((3, 4),), rtol=1e-6, numerical=False),
    # -- reductions ------------------------------------------------------------------------
    Case("sum", lambda t, F, a: a.sum(), ((3, 4),)),
    Case("sum_dim", lambda t, F, a: a.sum(1), ((2, 3, 4),)),
    Case("sum_dims_keepdim", lambda t, F, a: a.sum((0, 2), keepdim=True), ((2, 3, 4),)),
    Case("mean", lambda t, F, a: a.mean(), ((3, 4),)),
    Case("mean_dim", lambda t, F, a: a.mean(-1, keepdim=True), ((2, 3, 4),)),
    Case("prod", lambda t, F, a: a.prod(), ((2, 3),), low=0.5, high=1.5),
    Case("prod_dim", lambda t, F, a: a.prod(1), ((2, 3, 4),), low=0.5, high=1.5),
    Case(
        "prod_zero",
        lambda t, F, a: (a * t.tensor([1.0, 0.0, 1.0], dtype=a.dtype, device=a.device)).prod(1),
        ((2, 3),),
        double=False,
    ),
    Case("max", lambda t, F, a: a.max(), ((3, 4),)),
    Case("max_dim", lambda t, F, a: a.max(1)[0], ((3, 4),)),
    Case("max_dim_keepdim", lambda t, F, a: a.max(0, keepdim=True).values, ((3, 4),)),
    Case("min", lambda t, F, a: a.min(), ((3, 4),)),
    Case("min_dim", lambda t, F, a: t.min(a, -1).values, ((2, 3, 4),)),
    Case("amax", lambda t, F, a: a.amax((0, 1)), ((2, 3, 4),)),
    Case("amin", lambda t, F, a: t.amin(a, 1, keepdim=True), ((3, 4),)),
    Case("var", lambda t, F, a: a.var(), ((3, 4),)),
    Case("var_dim", lambda t, F, a: a.var(1, keepdim=True), ((3, 4),)),
    Case("var_biased", lambda t, F, a: a.var(0, unbiased=False), ((3, 4),)),
    Case("var_correction", lambda t, F, a: t.var(a, 1, correction=0), ((3, 4),)),
    Case("std", lambda t, F, a: a.std(), ((3, 4),)),
    Case("std_dim", lambda t, F, a: a.std(-1), ((3, 4),)),
    Case("norm", lambda t, F, a: a.norm(), ((3, 4),)),
    Case("norm_dim", lambda t, F, a: a.norm(dim=1), ((3, 4),)),
    Case("norm_1", lambda t, F, a: a.norm(p=1), ((3, 4),)),
    Case("norm_inf", lambda t, F, a: a.norm(p=float("inf")), ((3, 4),)),
    Case("norm_3", lambda t, F, a: a.norm(p=3, dim=0), ((3, 4),)),
    Case("norm_nuc", lambda t, F, a: t.norm(a, p="nuc", dim=(0, 2), keepdim=True), ((3, 2, 4),)),
    Case("norm_dtype", lambda t, F, a: a.norm(p=1, dtype=t.float64), ((3, 4),)),
    Case("cumsum", lambda t, F, a: a.cumsum(1), ((3, 4),)),
    Case("cumprod", lambda t, F, a: a.cumprod(1), ((3, 4),), low=0.5, high=1.5),
    Case(
        "cumprod_zero",
        lambda t, F, a: t.cumprod(a * _arange(t, a, 4), 1),
        ((3, 4),),
        double=False,  # the zero branch (see Cumprod) is not differentiable a second time
    ),
    Case("linalg_norm", lambda t, F, a: t.linalg.norm(a), ((3, 4),)),
    Case("linalg_vector_norm", lambda t, F, a: t.linalg.vector_norm(a, 3, dim=0), ((3, 4),)),
    Case("sort", lambda t, F, a: a.sort(1, descending=True).values * 2, ((3, 4),)),
    Case("topk", lambda t, F, a: t.topk(a, 2, dim=0).values * 2, ((3, 4),)),
    Case("topk_smallest", lambda t, F, a: a.topk(1, largest=False)[0] * 2, ((3, 4),)),
    Case("logsumexp", lambda t, F, a: a.logsumexp(1), ((3, 4),), low=-50, high=50),
    Case("logcumsumexp", lambda t, F, a: a.logcumsumexp(1), ((3, 4),), low=-50, high=50),
    Case("logcumsumexp_dim0", lambda t, F, a: t.logcumsumexp(a, 0), ((4, 2),)),
    Case("nansum", lambda t, F, a: t.nansum(_with_nan(t, a), 1) + a.nansum(), ((3, 4),)),
    Case("nanmean", lambda t, F, a: _with_nan(t, a).nanmean(0, keepdim=True), ((3, 4),)),
    Case("var_mean", lambda t, F, a: _product(t.var_mean(a, 1, correction=0)), ((3, 4),)),
    Case("std_mean", lambda t, F, a: _product(t.std_mean(a, (0, 1), keepdim=True)), ((3, 4),)),
    Case("aminmax", lambda t, F, a: _product(t.aminmax(a, dim=0)), ((3, 4),)),
    Case("median", lambda t, F, a: t.median(a) * a, ((3, 4),)),
    Case("median_dim", lambda t, F, a: a.median(1).values * 2, ((3, 4),)),
    Case(
        "median_nan",
        lambda t, F, a: t.median(_with_nan(t, a), 0, True)[0] * 2,
        ((3, 4),),
        numerical=False,  # a nan median has no numerical derivative; compared with PyTorch
    ),
    Case("nanmedian", lambda t, F, a: t.nanmedian(_with_nan(t, a), 0).values * 2, ((4, 3),)),
    Case("nanmedian_all", lambda t, F, a: _with_nan(t, a).nanmedian() * a, ((3, 4),)),
    Case("kthvalue", lambda t, F, a: t.kthvalue(a, 2, 0).values * 2, ((3, 4),)),
    Case("mode", lambda t, F, a: a.mode(1, keepdim=True).values * a, ((3, 4),)),
    # ties (the rounded values): the gradient reaches the index PyTorch picks among them
    Case(
        "kthvalue_ties",
        lambda t, F, a: a.gather(1, t.kthvalue(a.detach().round(), 4, 1, True).indices) * 2,
        ((5, 9),),
        low=-1.5,
        high=1.5,
    ),
    Case(
        "mode_ties",
        lambda t, F, a: a.gather(0, a.detach().round().mode(0, True).indices) * 2,
        ((9, 4),),
        low=-1.5,
        high=1.5,
    ),
    Case("quantile", lambda t, F, a: t.quantile(a, 0.3, dim=1), ((3, 4),)),
    Case("quantile_all", lambda t, F, a: a.quantile(0.6) * a, ((3, 4),)),
    Case(
        "quantile_q_tensor",
        lambda t, F, a: a.quantile(_q(t, a), 0, keepdim=True, interpolation="midpoint"),
        ((5, 3),),
    ),
    Case(
        "quantile_lower_higher_nearest",
        lambda t, F, a: sum(t.quantile(a, _q(t, a), 1, interpolation=m) for m in _ROUNDED),
        ((3, 5),),
    ),
    Case("nanquantile", lambda t, F, a: t.nanquantile(_with_nan(t, a), _q(t, a), 1), ((3, 5),)),
    Case("trapezoid", lambda t, F, a: t.trapezoid(a) + t.trapezoid(a, dx=0.5, dim=0)[1], ((3, 4),)),
    Case("trapezoid_x", lambda t, F, a, b: t.trapezoid(a, b.cumsum(0)), ((3, 4), (4,))),
    Case("trapezoid_x_nd", lambda t, F, a, b: t.trapz(a, b, dim=0), ((3, 4), (3, 4))),
    # PyTorch cannot differentiate its vander (an in-place cumprod); test_more_ops.py compares
    # the values
    Case("vander", lambda t, F, a: t.vander(a), ((3,),), torch=False),
    Case("vander_n4", lambda t, F, a: t.vander(a, 4, increasing=True), ((3,),), torch=False),
    # -- shape -----------------------------------------------------------------------------
    Case("reshape", lambda t, F, a: a.reshape(4, -1) * 2, ((2, 3, 4),)),
    Case("view", lambda t, F, a: a.view(6, 4) * 2, ((2, 3, 4),)),
    Case("transpose", lambda t, F, a: a.transpose(0, 2) * 2, ((2, 3, 4),)),
    Case("permute", lambda t, F, a: a.permute(2, 0, 1) * 2, ((2, 3, 4),)),
    Case("T", lambda t, F, a: a.T * 2, ((3, 4),)),
    Case("mT", lambda t, F, a: a.mT * 2, ((2, 3, 4),)),
    Case("t", lambda t, F, a: a.t() * 2, ((3, 4),)),
    Case("contiguous", lambda t, F, a: a.transpose(0, 1).contiguous() * 2, ((3, 4),)),
    Case("movedim", lambda t, F, a: t.movedim(a, 0, -1) * 2, ((2, 3, 4),)),
    Case("squeeze", lambda t, F, a: a.squeeze() * 2, ((3, 1, 4, 1),)),
    Case("squeeze_dim", lambda t, F, a: a.squeeze(1) * 2, ((3, 1, 4, 1),)),
    Case("unsqueeze", lambda t, F, a: a.unsqueeze(-1) * 2, ((3, 4),)),
    Case("expand", lambda t, F, a: a.expand(2, 3, 4) * 2, ((3, 1),)),
    Case("expand_as", lambda t, F, a, b: a.expand_as(b) * b, ((1, 4), (3, 4))),
    Case("flatten", lambda t, F, a: a.flatten(1) * 2, ((2, 3, 4),)),
    Case("unflatten", lambda t, F, a: a.unflatten(1, (2, 2)) * 2, ((3, 4),)),
    Case("cat", lambda t, F, a, b: t.cat([a, b, a], 1), ((2, 3), (2, 1))),
    Case("stack", lambda t, F, a, b: t.stack([a, b], -1), ((2, 3), (2, 3))),
    Case("stack_dim1", lambda t, F, a, b: t.stack([a, b, a], 1), ((2, 3), (2, 3))),
    Case("stack_transposed", lambda t, F, a, b: t.stack((a.t(), b[:, ::2].t())), ((2, 3), (2, 6))),
    Case("stack_scalars", lambda t, F, a: t.stack([a[1, 0], a.sum(), a[0, 2]]) * 2, ((2, 3),)),
    Case("split", lambda t, F, a: a.split(2, 1)[1] * 3, ((3, 5),)),
    Case("split_sizes", lambda t, F, a: t.cat(a.split([1, 4], 1)[::-1], 1), ((3, 5),)),
    Case("chunk", lambda t, F, a: a.chunk(2, 0)[0] * 3, ((5, 3),)),
    Case("unbind", lambda t, F, a: a.unbind(1)[2] * 3, ((2, 3),)),
    Case("unbind_all", lambda t, F, a: t.stack(a.unbind(0)[::-1], 1) * 3, ((3, 2, 2),)),
    Case("repeat", lambda t, F, a: a.repeat(2, 1, 3), ((3, 2),)),
    Case("repeat_interleave", lambda t, F, a: a.repeat_interleave(2, 0), ((3, 2),)),
    Case(
        "repeat_interleave_counts",
        lambda t, F, a: t.repeat_interleave(a, _index(t, a, [2, 0, 1]), 1) * _arange(t, a, 3),
        ((2, 3),),
    ),
    Case("repeat_interleave_flat", lambda t, F, a: t.repeat_interleave(a, 2), ((2, 2),)),
    Case("vstack", lambda t, F, a, b: t.vstack([a, b]), ((3,), (2, 3))),
    Case("hstack", lambda t, F, a, b: t.hstack([a, b]), ((2, 3), (2, 1))),
    Case("hstack_1d", lambda t, F, a, b: t.hstack([a, b]), ((3,), (2,))),
    Case("flip", lambda t, F, a: a.flip((0, 1)) * _arange(t, a, 4), ((3, 4),)),
    Case("tril", lambda t, F, a: a.tril(), ((4, 4),)),
    Case(
        "meshgrid", lambda t, F, a, b: t.meshgrid(a, b, indexing="xy")[0] * b[:, None], ((3,), (2,))
    ),
    Case("triu", lambda t, F, a: t.triu(a, 1), ((2, 3, 4),)),
    Case("moveaxis", lambda t, F, a: t.moveaxis(a, (0, 1), (2, 0)) * 2, ((2, 3, 4),)),
    Case("movedim_method", lambda t, F, a: a.movedim(-1, 0) * 2, ((2, 3, 4),)),
    Case("fliplr_flipud", lambda t, F, a: t.fliplr(a) * _arange(t, a, 4) + a.flipud(), ((3, 4),)),
    Case("rot90", lambda t, F, a: t.rot90(a) * _arange(t, a, 3), ((3, 4),)),
    Case("rot90_k3", lambda t, F, a: a.rot90(3, (1, 2)) * _arange(t, a, 3), ((2, 3, 4),)),
    Case("rot90_k2", lambda t, F, a: t.rot90(a, -2, (0, 2)) * _arange(t, a, 4), ((2, 3, 4),)),
    Case("tile", lambda t, F, a: a.tile(2)[:, 1:3] + t.tile(a, (2, 1, 3)).sum(0)[:, :2], ((3, 2),)),
    Case("diff", lambda t, F, a: t.diff(a, dim=0), ((3, 4),)),
    Case("diff_n_ends", lambda t, F, a, b: a.diff(2, prepend=b, append=b * 2), ((3, 4), (3, 1))),
    Case(
        "broadcast_tensors", lambda t, F, a, b: _product(t.broadcast_tensors(a, b)), ((3, 1), (4,))
    ),
    Case("tensor_split", lambda t, F, a: t.cat(t.tensor_split(a, 3, 1)[::-1], 1) * 2, ((2, 7),)),
    Case("tensor_split_indices", lambda t, F, a: a.tensor_split((1, 5), 0)[1] * 2, ((7, 2),)),
    Case("hsplit", lambda t, F, a: t.hsplit(a, 2)[1][1:] * 2 + a.vsplit([1])[1][:, :2], ((3, 4),)),
    Case("dsplit", lambda t, F, a: t.dsplit(a, 2)[0] * 2, ((2, 2, 4),)),
    Case("block_diag", lambda t, F, a, b, c: t.block_diag(a, b, c), ((2, 3), (3,), ())),
    Case("cartesian_prod", lambda t, F, a, b: t.cartesian_prod(a, b) * 2, ((3,), (2,))),
    Case("combinations", lambda t, F, a: t.combinations(a) * _arange(t, a, 2), ((4,),)),
    Case(
        "combinations_replacement",
        lambda t, F, a: t.combinations(a, 3, with_replacement=True) * _arange(t, a, 3),
        ((3,),),
    ),
    Case("H", lambda t, F, a: a.H * 2 + a.adjoint(), ((3, 4),)),
    Case("mH", lambda t, F, a: a.mH * 2, ((2, 3, 4),)),
    # -- indexing --------------------------------------------------------------------------
    Case("getitem_basic", lambda t, F, a: a[1:, None, ::2, -1] * 2, ((3, 4, 5),)),
    Case("getitem_int", lambda t, F, a: a[1] * 2, ((3, 4),)),
    Case("getitem_ellipsis", lambda t, F, a: a[..., 1:3] * 2, ((2, 3, 4),)),
    Case("getitem_advanced", lambda t, F, a: a[_index(t, a, [0, 2, 0, 0])] * 2, ((3, 4),)),
    Case("getitem_two_lists", lambda t, F, a: a[[0, 2, 2], [1, 1, 3]] * 2, ((3, 4),)),
    Case("getitem_mask", lambda t, F, a: a[a > 0] * 2, ((3, 4),)),
    Case("masked_select", lambda t, F, a: a.masked_select(_mask(t, a)) * 2, ((3, 4),)),
    Case("gather", lambda t, F, a: a.gather(1, _index(t, a, [[0, 0], [3, 1], [2, 2]])), ((3, 4),)),
    Case("index_select", lambda t, F, a: a.index_select(1, _index(t, a, [3, 0, 3])), ((3, 4),)),
    Case(
        "masked_select_broadcast",
        lambda t, F, a: t.masked_select(a[:1], _mask(t, a)) * 2,
        ((3, 4),),
    ),
    Case("select", lambda t, F, a: t.select(a, 1, -1) * 2, ((3, 4),)),
    Case("take", lambda t, F, a: t.take(a, _index(t, a, [[0, 11], [5, 5]])) * 2, ((3, 4),)),
    Case(
        "scatter",
        lambda t, F, a, b: t.scatter(a, 1, _index(t, a, [[0, 3], [1, 2], [2, 0]]), b),
        ((3, 4), (3, 2)),
    ),
    Case(
        "scatter_value",
        lambda t, F, a: a.scatter(0, _index(t, a, [[2, 0, 1, 0]]), 0.5),
        ((3, 4),),
    ),
    Case(
        "scatter_add",
        lambda t, F, a, b: a.scatter_add(0, _index(t, a, [[2, 0, 2, 1], [2, 1, 0, 1]]), b),
        ((3, 4), (2, 4)),
    ),
    Case(
        "scatter_",
        lambda t, F, a, b: (a * 2).scatter_(1, _index(t, a, [[1], [0], [3]]), b) * a,
        ((3, 4), (3, 1)),
        tags={"inplace"},
    ),
    # a 0-d index, src or self counts as 1-d with one element (PyTorch's rule)
    Case(
        "scatter_0d_index",
        lambda t, F, a: (a * 2).scatter_(0, _index(t, a, 2), value=1.0) * a,
        ((5,),),
        tags={"inplace"},
    ),
    Case("scatter_0d_src", lambda t, F, a, b: a.scatter(-1, _index(t, a, 3), b), ((5,), ())),
    Case("scatter_0d_self", lambda t, F, a, b: a.scatter(0, _index(t, a, [0]), b), ((), (1,))),
    Case("scatter_add_0d", lambda t, F, a, b: a.scatter_add(0, _index(t, a, 1), b), ((4,), ())),
    # src larger than index: only its corner is read, the rest gets a zero gradient. PyTorch's
    # backward refuses this case (a gradient of index's shape for src), so gradcheck only;
    # tests/ops/test_scatter.py compares the values with PyTorch.
    Case(
        "scatter_src_corner",
        lambda t, F, a, b: a.scatter_add(1, _index(t, a, [[3, 0], [1, 1]]), b),
        ((3, 4), (3, 3)),
        torch=False,
    ),
    # scatter_reduce: repeated places; random floats have no ties (tests/ops/test_scatter.py
    # checks amax's and amin's shared gradient at ties, and prod's at zeros)
    Case(
        "scatter_reduce_sum",
        lambda t, F, a, b: a.scatter_reduce(
            0, _index(t, a, [[2, 0, 2, 1], [2, 1, 0, 1]]), b, "sum"
        ),
        ((3, 4), (2, 4)),
    ),
    Case(
        "scatter_reduce_prod",
        lambda t, F, a, b: t.scatter_reduce(a, 1, _index(t, a, _SR_INDEX), b, "prod"),
        ((3, 4), (3, 3)),
    ),
    Case(
        "scatter_reduce_prod_no_self",
        lambda t, F, a, b: a.scatter_reduce(
            1, _index(t, a, _SR_INDEX), b, "prod", include_self=False
        ),
        ((3, 4), (3, 3)),
    ),
    Case(
        "scatter_reduce_mean",
        lambda t, F, a, b: a.scatter_reduce(1, _index(t, a, _SR_INDEX), b, "mean"),
        ((3, 4), (3, 3)),
    ),
    Case(
        "scatter_reduce_mean_no_self",
        lambda t, F, a, b: a.scatter_reduce(
            -1, _index(t, a, _SR_INDEX), b, "mean", include_self=False
        ),
        ((3, 4), (3, 3)),
    ),
    Case(
        "index_reduce_amax",
        lambda t, F, a, b: a.index_reduce(0, _index(t, a, [2, 0, 2]), b, "amax"),
        ((3, 4), (3, 4)),
    ),
    Case(
        "index_reduce_prod_no_self",
        lambda t, F, a, b: t.index_reduce(
            a, 1, _index(t, a, [3, 0, 3]), b, "prod", include_self=False
        ),
        ((3, 4), (3, 3)),
    ),
    Case(
        "index_reduce_mean",
        lambda t, F, a, b: a.index_reduce(1, _index(t, a, [1, 1, 0]), b, "mean"),
        ((3, 4), (3, 3)),
    ),
    Case(
        "scatter_reduce_amax",
        lambda t, F, a, b: a.scatter_reduce(1, _index(t, a, _SR_INDEX), b, "amax"),
        ((3, 4), (3, 3)),
    ),
    Case(
        "scatter_reduce_amin_no_self",
        lambda t, F, a, b: a.scatter_reduce(
            1, _index(t, a, _SR_INDEX), b, "amin", include_self=False
        ),
        ((3, 4), (3, 3)),
    ),
    Case(
        "scatter_reduce_",
        lambda t, F, a, b: (
            (a * 2).scatter_reduce_(0, _index(t, a, [[1, 1, 0, 2]]), b, "amax", include_self=True)
            * a
        ),
        ((3, 4), (1, 4)),
        tags={"inplace"},
    ),
    Case(
        "scatter_reduce_0d",
        lambda t, F, a, b: a.scatter_reduce(0, _index(t, a, 2), b, "mean", include_self=False),
        ((4,), ()),
    ),
    Case("gather_0d", lambda t, F, a: a.gather(0, _index(t, a, 3)) * a, ((5,),)),
    Case(
        "index_add",
        lambda t, F, a, b: t.index_add(a, 1, _index(t, a, [3, 0, 3]), b, alpha=2),
        ((3, 4), (3, 3)),
    ),
    Case(
        "index_add_",
        lambda t, F, a, b: (a * 1).index_add_(0, _index(t, a, [1, 1]), b),
        ((3, 4), (2, 4)),
        tags={"inplace"},
    ),
    Case("index_fill", lambda t, F, a: a.index_fill(1, _index(t, a, [0, 2]), -1.0), ((3, 4),)),
    Case("setitem", lambda t, F, a, v: _setitem(t, a, v), ((3, 4), (2, 2)), tags={"inplace"}),
    Case("setitem_scalar", lambda t, F, a: _setitem(t, a, 0.5), ((3, 4),), tags={"inplace"}),
    Case("narrow", lambda t, F, a: a.narrow(1, -3, 2) * 2, ((3, 4),)),
    Case(
        "take_along_dim",
        lambda t, F, a: t.take_along_dim(a, t.argsort(a, 1), 1) * _arange(t, a, 4),
        ((3, 4),),
    ),
    Case(
        "take_along_dim_broadcast",
        lambda t, F, a: a.take_along_dim(_index(t, a, [[0, 3, 3]]), 1) * 2,
        ((3, 4),),
    ),
    Case(
        "take_along_dim_flat", lambda t, F, a: t.take_along_dim(a, _index(t, a, [5, 11])), ((3, 4),)
    ),
    Case(
        "index_copy",
        lambda t, F, a, b: t.index_copy(a, 1, _index(t, a, [3, 0]), b) * 2,
        ((3, 4), (3, 2)),
    ),
    Case(
        "index_copy_",
        lambda t, F, a, b: (a * 1).index_copy_(0, _index(t, a, [2]), b) * a,
        ((3, 4), (1, 4)),
        tags={"inplace"},
    ),
    Case(
        "index_put",
        lambda t, F, a, b: a.index_put((_index(t, a, [0, 2]), _index(t, a, [1, 3])), b) * 2,
        ((3, 4), (2,)),
    ),
    Case(
        "index_put_accumulate",
        lambda t, F, a, b: t.index_put(a, (_index(t, a, [0, 0, 2]),), b, accumulate=True),
        ((3, 4), (4,)),
    ),
    Case(
        "index_put_",
        lambda t, F, a, b: (a * 1).index_put_((_mask(t, a),), b[0]) * a,
        ((3, 4), (2,)),
        tags={"inplace"},
    ),
    Case(
        "put_",
        lambda t, F, a, b: (a * 1).put_(_index(t, a, [0, 5, 5]), b, accumulate=True) * a,
        ((3, 4), (3,)),
        tags={"inplace"},
    ),
    Case("put", lambda t, F, a, b: t.put(a, _index(t, a, [[1], [7]]), b) * 2, ((3, 4), (2, 1))),
    Case(
        "masked_scatter",
        lambda t, F, a, b: a.masked_scatter(_mask(t, a), b) * 2,
        ((3, 4), (13,)),
    ),
    Case(
        "masked_scatter_broadcast",
        lambda t, F, a, b: t.masked_scatter(a, _mask(t, a[:1]), b) * 2,
        ((3, 4), (3, 5)),
    ),
    Case(
        "masked_scatter_",
        lambda t, F, a, b: (a * 1).masked_scatter_(_mask(t, a, seed=4), b) * a,
        ((3, 4), (12,)),
        tags={"inplace"},
    ),
    # unfold: overlapping windows (their gradients add up), windows with gaps between them
    # (skipped elements get none), more offsets than windows and the reverse (the two loops of
    # its backward), a window of a window, and a 0-d tensor (PyTorch: its one element)
    Case("unfold", lambda t, F, a: a.unfold(1, 2, 1), ((3, 4),)),
    Case("unfold_gaps", lambda t, F, a: a.unfold(0, 2, 3) * 2, ((7, 2),)),
    Case("unfold_wide", lambda t, F, a: a.unfold(-1, 4, 1), ((3, 5),)),
    Case("unfold_middle", lambda t, F, a: a.unfold(-2, 3, 2).exp(), ((2, 5, 3),)),
    Case("unfold_twice", lambda t, F, a: a.unfold(0, 3, 1).unfold(1, 2, 1), ((5,),)),
    Case("unfold_0d", lambda t, F, a: a.unfold(0, 1, 1) * a, ((),)),
    Case("roll", lambda t, F, a: t.roll(a, (1, -3), (0, 1)) * _arange(t, a, 4), ((3, 4),)),
    Case("roll_flat", lambda t, F, a: a.roll(5) * _arange(t, a, 4), ((3, 4),)),
    Case("diagonal", lambda t, F, a: t.diagonal(a, 1, 2, 0) * 2, ((3, 2, 4),)),
    Case("diag_of_matrix", lambda t, F, a: t.diag(a, -1) * 2, ((3, 4),)),
    Case("diag_of_vector", lambda t, F, a: t.diag(a, 1) * 2, ((3,),)),
    Case("diag_embed", lambda t, F, a: t.diag_embed(a) * 2, ((2, 3),)),
    Case("diag_embed_dims", lambda t, F, a: a.diag_embed(-1, 2, 0) * 2, ((2, 3),)),
    Case("trace", lambda t, F, a: t.trace(a), ((3, 4),)),
    Case("renorm", lambda t, F, a: t.renorm(a, 2, 0, 1.0), ((3, 4),)),
    Case("renorm_p1", lambda t, F, a: a.renorm(1, 1, 1.5), ((3, 4),)),
    Case(
        "cumulative_trapezoid", lambda t, F, a: t.cumulative_trapezoid(a, dx=0.5, dim=0), ((3, 4),)
    ),
    Case(
        "cumulative_trapezoid_x",
        lambda t, F, a: t.cumulative_trapezoid(a, _COORDS(t, a)),
        ((3, 4),),
    ),
    Case("gradient", lambda t, F, a: t.cat(t.gradient(a, spacing=2.0)), ((3, 4),)),
    Case(
        "gradient_coords",
        lambda t, F, a: t.gradient(a, spacing=(_COORDS(t, a),), dim=1, edge_order=2)[0],
        ((3, 4),),
    ),
    Case(  # a data-dependent shape: of a constant, as the unique row (a trace refuses it)
        "unique_consecutive",
        lambda t, F, a: (
            a
            * t.unique_consecutive(
                _index(t, a, [[1, 1, 0, 0], [1, 1, 0, 1]]), return_inverse=True, dim=1
            )[1]
        ),
        ((3, 4),),
    ),
    Case(
        "histogram", lambda t, F, a: t.histogram(a, 4, range=(-2.0, 2.0))[0], ((3, 4),), grad=False
    ),
    Case("histogramdd", lambda t, F, a: t.histogramdd(a, [2, 3])[1][1], ((5, 2),), grad=False),
    Case("select_scatter", lambda t, F, a, b: t.select_scatter(a, b, 1, -1), ((3, 4), (3,))),
    Case("slice_scatter", lambda t, F, a, b: a.slice_scatter(b, 1, 1, None, 2), ((3, 5), (3, 2))),
    Case("slice_scatter_rows", lambda t, F, a, b: t.slice_scatter(a, b, end=2), ((3, 4), (2, 4))),
    Case(
        "diagonal_scatter",
        lambda t, F, a, b: t.diagonal_scatter(a, b, 1, 2, 0),
        ((3, 2, 4), (2, 2)),
    ),
    Case("diagonal_scatter_2d", lambda t, F, a, b: a.diagonal_scatter(b, -1), ((3, 4), (2,))),
    # -- convolution, pooling, normalisation -------------------------------------------------
    Case("conv2d", lambda t, F, x, w, b: F.conv2d(x, w, b), ((2, 3, 5, 5), (4, 3, 3, 3), (4,))),
    Case(
        "conv2d_geometry",
        lambda t, F, x, w: F.conv2d(x, w, stride=2, padding=1, dilation=2),
        ((2, 2, 7, 6), (3, 2, 2, 3)),
    ),
    # the columns of any batch an image at a time (narrow rows: not planes), as a large
    # batch's: its weight's gradient takes them again (ConvWeightGrad)
    Case(
        "conv2d_chunked",
        lambda t, F, x, w, b: _chunked_conv2d(t, x, w, b),
        ((3, 3, 5, 6), (4, 3, 3, 3), (4,)),
    ),
    # wide rows, few channels (Wo >= kw * C): the convolution copies planes, not windows
    Case(
        "conv2d_planes", lambda t, F, x, w, b: F.conv2d(x, w, b), ((2, 2, 4, 9), (3, 2, 3, 3), (3,))
    ),
    Case(
        "conv2d_planes_geometry",
        lambda t, F, x, w: F.conv2d(x, w, stride=(1, 2), padding=(2, 1), dilation=(1, 2)),
        ((2, 2, 5, 16), (3, 2, 3, 2)),
    ),
    Case("max_pool2d", lambda t, F, x: F.max_pool2d(x, 2), ((2, 3, 4, 6),)),
    Case(
        "max_pool2d_geometry",
        lambda t, F, x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=1),
        ((1, 2, 7, 5),),
    ),
    Case(
        "max_pool2d_indices",
        lambda t, F, x: F.max_pool2d(x, 2, return_indices=True)[1].to(x.dtype) + F.max_pool2d(x, 2),
        ((2, 3, 4, 6),),
    ),
    Case("max_pool2d_double", lambda t, F, x: _pool_grad(t, F, x), ((1, 2, 4, 4),)),
    Case(
        "max_pool3d_indices",
        lambda t, F, x: (
            F.max_pool3d(x, 2, 1, 1, return_indices=True)[1].to(x.dtype) + F.max_pool3d(x, 2, 1, 1)
        ),
        ((1, 2, 3, 4, 3),),
    ),
    Case("avg_pool2d", lambda t, F, x: F.avg_pool2d(x, 3, stride=2, padding=1), ((2, 2, 7, 6),)),
    Case(
        "max_pool2d_ceil_mode",  # the last windows run past the padded input
        lambda t, F, x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
        ((2, 2, 6, 8),),
    ),
    Case(
        "avg_pool2d_ceil_mode",
        lambda t, F, x: (
            F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)
            + F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        ),
        ((2, 2, 6, 8),),
    ),
    Case(
        "batch_norm",
        lambda t, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        ((4, 3, 5), (3,), (3,)),
    ),
    Case(
        "batch_norm_eval",
        # running statistics are buffers: PyTorch does not differentiate by them
        lambda t, F, x, m, v: F.batch_norm(x, m.detach(), v.detach().abs() + 0.5),
        ((4, 3, 2, 2), (3,), (3,)),
        numerical=False,  # m and v reach the result only through detach()
    ),
    Case("layer_norm", lambda t, F, x, w, b: F.layer_norm(x, (5,), w, b), ((4, 3, 5), (5,), (5,))),
    # -- matrix products -------------------------------------------------------------------
    Case("matmul", lambda t, F, a, b: a @ b, ((3, 4), (4, 5))),
    Case("matmul_batched", lambda t, F, a, b: t.matmul(a, b), ((2, 1, 3, 4), (3, 4, 2))),
    Case("matmul_vec_mat", lambda t, F, a, b: a @ b, ((4,), (2, 4, 3))),
    Case("matmul_mat_vec", lambda t, F, a, b: a @ b, ((2, 3, 4), (4,))),
    Case("mm", lambda t, F, a, b: t.mm(a, b), ((3, 4), (4, 2))),
    Case("bmm", lambda t, F, a, b: a.bmm(b), ((2, 3, 4), (2, 4, 2))),
    Case("dot", lambda t, F, a, b: t.dot(a, b), ((4,), (4,))),
    Case("mv", lambda t, F, a, b: t.mv(a, b), ((3, 4), (4,))),
    Case(
        "addmm", lambda t, F, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=2), ((4,), (3, 2), (2, 4))
    ),
    Case(
        "baddbmm",
        lambda t, F, c, a, b: t.baddbmm(c, a, b, beta=0.5, alpha=2) + c.baddbmm(a, b),
        ((3, 1), (2, 3, 4), (2, 4, 3)),
    ),
    Case(
        "addbmm",
        lambda t, F, c, a, b: t.addbmm(c, a, b, beta=-1, alpha=0.5) + c.addbmm(a, b),
        ((3, 2), (4, 3, 5), (4, 5, 2)),
    ),
    Case("outer", lambda t, F, a, b: t.outer(a, b), ((3,), (4,))),
    Case("addmv", lambda t, F, c, a, b: t.addmv(c, a, b, beta=0.5, alpha=2), ((3,), (3, 2), (2,))),
    Case("addr", lambda t, F, c, a, b: c.addr(a, b, alpha=3), ((3, 4), (3,), (4,))),
    Case("addmm_", lambda t, F, c, a, b: (c * 1).addmm_(a, b, beta=2), ((3, 4), (3, 2), (2, 4))),
    Case("tensordot", lambda t, F, a, b: t.tensordot(a, b, 1), ((3, 4), (4, 2))),
    Case(
        "tensordot_dims",
        lambda t, F, a, b: t.tensordot(a, b, dims=([0, 2], [2, 1])),
        ((2, 3, 4), (3, 4, 2)),
    ),
    Case("cross", lambda t, F, a, b: t.cross(a, b, dim=0), ((3, 4), (3, 4))),
    Case("cross_last", lambda t, F, a, b: a.cross(b, dim=-1), ((2, 3), (1, 3))),
    Case("inner", lambda t, F, a, b: t.inner(a, b), ((2, 3), (4, 3))),
    Case("inner_1d", lambda t, F, a, b: a.inner(b) * a, ((3,), (3,))),
    Case("kron", lambda t, F, a, b: t.kron(a, b), ((2, 3), (3,))),
    Case("kron_3d", lambda t, F, a, b: a.kron(b), ((2, 1, 2), (2, 3))),
    # PyTorch has no second derivative for cdist (minigrad's is checked by gradcheck)
    Case("cdist", lambda t, F, a, b: t.cdist(a, b), ((3, 4), (5, 4)), double=False),
    Case(
        "cdist_p1_batched",
        lambda t, F, a, b: t.cdist(a, b, p=1),
        ((2, 3, 4), (2, 5, 4)),
        double=False,
    ),
    Case("cdist_p3", lambda t, F, a, b: t.cdist(a, b, 3.0), ((3, 2), (1, 2)), double=False),
    Case(
        "cdist_inf", lambda t, F, a, b: t.cdist(a, b, float("inf")), ((3, 2), (2, 2)), double=False
    ),
    Case("einsum", lambda t, F, a, b: t.einsum("ij,jk->ik", a, b), ((3, 4), (4, 2))),
    Case("einsum_implicit", lambda t, F, a, b: t.einsum("bij,bkj", a, b), ((2, 3, 4), (2, 2, 4))),
    Case(
        "einsum_ellipsis", lambda t, F, a, b: t.einsum("...i,...i->...", a, b), ((2, 1, 3), (4, 3))
    ),
    Case("einsum_sum", lambda t, F, a: t.einsum("ijk->j", a), ((2, 3, 4),)),
    Case(
        "einsum_sublist",
        lambda t, F, a, b: t.einsum(a, [..., 0, 1], b, [..., 1, 27], [..., 0, 27]),
        ((2, 3, 4), (2, 4, 5)),
    ),
    Case("einsum_three", lambda t, F, a, b, c: t.einsum("i,ij,j", a, b, c), ((3,), (3, 4), (4,))),
    Case("renorm_dim0", lambda t, F, a: t.renorm(a, 2, 0, 1.5), ((4, 3),)),
    Case("renorm_p1_method", lambda t, F, a: a.renorm(1, 1, 2.0), ((2, 3, 4),)),
    Case("einsum_trace", lambda t, F, a: t.einsum("ii", a), ((3, 3),)),
    Case("einsum_batch_diagonal", lambda t, F, a: t.einsum("bii->bi", a), ((2, 3, 3),)),
    Case(
        "einsum_repeated_with_others",
        lambda t, F, a, b: t.einsum("iij,jk->ik", a, b),
        ((3, 3, 4), (4, 2)),
    ),
    Case("einsum_three_times", lambda t, F, a: t.einsum("iii->i", a), ((2, 2, 2),)),
    Case("linear", lambda t, F, x, w, b: F.linear(x, w, b), ((2, 3, 4), (5, 4), (5,))),
    Case("linear_no_bias", lambda t, F, x, w: F.linear(x, w), ((3, 4), (5, 4))),
    # -- softmax and losses ----------------------------------------------------------------
    Case("softmax", lambda t, F, a: t.softmax(a, 1), ((3, 4),), low=-20, high=20),
    Case("softmax_dim0", lambda t, F, a: a.softmax(0), ((2, 3, 4),)),
    Case("log_softmax", lambda t, F, a: t.log_softmax(a, -1), ((3, 4),), low=-20, high=20),
    Case("cross_entropy", lambda t, F, x: F.cross_entropy(x, _targets(t, x, 5, 4)), ((5, 4),)),
    Case(
        "cross_entropy_sum_weight",
        lambda t, F, x: F.cross_entropy(x, _targets(t, x, 5, 4), _weights(t, x), reduction="sum"),
        ((5, 4),),
    ),
    Case(
        "cross_entropy_none_ignore",
        lambda t, F, x: F.cross_entropy(
            x, _index(t, x, [0, -100, 3, 1, -100]), reduction="none", ignore_index=-100
        ),
        ((5, 4),),
    ),
    Case(
        "cross_entropy_weight_mean",
        lambda t, F, x: F.cross_entropy(x, _targets(t, x, 5, 4), _weights(t, x)),
        ((5, 4),),
    ),
    Case(
        "cross_entropy_smoothing",
        lambda t, F, x: F.cross_entropy(x, _targets(t, x, 5, 4), label_smoothing=0.2),
        ((5, 4),),
    ),
    Case(
        "cross_entropy_probs",
        lambda t, F, x, p: F.cross_entropy(x, p.softmax(1)),
        ((5, 4), (5, 4)),
    ),
    Case(
        "cross_entropy_spatial",
        lambda t, F, x: F.cross_entropy(x, _targets(t, x, (2, 3, 2), 4)),
        ((2, 4, 3, 2),),
    ),
    Case("cross_entropy_1d", lambda t, F, x: F.cross_entropy(x, _index(t, x, 2)), ((4,),)),
    Case(
        "nll_loss",
        lambda t, F, x: F.nll_loss(x.log_softmax(1), _targets(t, x, 5, 4)),
        ((5, 4),),
    ),
    Case(
        "nll_loss_none_weight",
        lambda t, F, x: F.nll_loss(x, _targets(t, x, 5, 4), _weights(t, x), reduction="none"),
        ((5, 4),),
    ),
    Case("mse_loss", lambda t, F, a, b: F.mse_loss(a, b), ((3, 4), (3, 4))),
    Case("mse_loss_sum", lambda t, F, a, b: F.mse_loss(a, b, reduction="sum"), ((3, 4), (3, 4))),
    Case(
        "mse_loss_none_broadcast",
        lambda t, F, a, b: _quietly(F.mse_loss, a, b, reduction="none"),
        ((3, 1), (1, 4)),
        **B,
    ),
    Case("l1_loss", lambda t, F, a, b: F.l1_loss(a, b, reduction="none"), ((3, 4), (3, 4))),
    Case(
        "mse_loss_weight",
        lambda t, F, a, b, w: F.mse_loss(a, b, weight=w.abs() + 0.5),
        ((3, 4), (3, 4), (3, 4)),
    ),
    Case(
        "l1_loss_weight_sum",
        lambda t, F, a, b, w: F.l1_loss(a, b, reduction="sum", weight=w),
        ((3, 4), (3, 4), (3, 4)),
    ),
    Case(
        "binary_cross_entropy",
        lambda t, F, p, y: F.binary_cross_entropy(p, y),
        ((3, 4), (3, 4)),
        low=0.05,
        high=0.95,
    ),
    Case(
        "binary_cross_entropy_none_weight",
        lambda t, F, p, y: F.binary_cross_entropy(p, y, _weights(t, p), reduction="none"),
        ((3, 4), (3, 4)),
        low=0.05,
        high=0.95,
    ),
    Case(
        "binary_cross_entropy_sum",
        lambda t, F, p, y: F.binary_cross_entropy(p, y, reduction="sum"),
        ((2, 3, 4), (2, 3, 4)),
        low=0.05,
        high=0.95,
    ),
    Case(
        "bce_with_logits",
        lambda t, F, x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid()),
        ((3, 4), (3, 4)),
    ),
    Case(
        "bce_with_logits_none_pos_weight",
        lambda t, F, x, y: F.binary_cross_entropy_with_logits(
            x, y.sigmoid(), reduction="none", pos_weight=_weights(t, x, seed=5)
        ),
        ((3, 4), (3, 4)),
        low=-30,  # large logits: the stable form neither overflows nor loses the small term
        high=30,
    ),
    Case(
        "bce_with_logits_sum_weight",
        lambda t, F, x, y: F.binary_cross_entropy_with_logits(
            x, y.sigmoid(), _weights(t, x), reduction="sum"
        ),
        ((3, 4), (3, 4)),
    ),
    Case(
        "bce_with_logits_weights",
        lambda t, F, x, y: F.binary_cross_entropy_with_logits(
            x, y.sigmoid(), _weights(t, x), pos_weight=_weights(t, x, seed=5)
        ),
        ((3, 4), (3, 4)),
    ),
    # -- layers' ops -----------------------------------------------------------------------
    Case("embedding", lambda t, F, w: F.embedding(_index(t, w, [[0, 2], [2, 3]]), w), ((4, 3),)),
    Case(
        "embedding_padding",
        lambda t, F, w: F.embedding(_index(t, w, [0, 2, 2, 1]), w, padding_idx=2),
        ((4, 3),),
        numerical=False,  # the padding row is used but gets no gradient, by definition
    ),
    Case(
        "embedding_bag_mean",  # bags [0, 2], [], [2, 1, 3]
        lambda t, F, w: F.embedding_bag(_index(t, w, [0, 2, 2, 1, 3]), w, _index(t, w, [0, 2, 2])),
        ((4, 3),),
    ),
    Case(
        "embedding_bag_sum_weights",  # per-sample weights get a gradient too
        lambda t, F, w, p: F.embedding_bag(
            _index(t, w, [1, 0, 1, 3]), w, _index(t, w, [0, 1]), mode="sum", per_sample_weights=p
        ),
        ((4, 3), (4,)),
        double=False,  # PyTorch has no second derivative for per_sample_weights
    ),
    Case(
        "embedding_bag_max",  # 2-D input: bags of 3; the padding row is left out
        lambda t, F, w: F.embedding_bag(
            _index(t, w, [[0, 2, 4], [3, 1, 1]]), w, mode="max", padding_idx=4
        ),
        ((5, 3),),
    ),
    Case(
        "embedding_bag_last_offset",  # the last offset ends the last bag
        lambda t, F, w: F.embedding_bag(
            _index(t, w, [2, 0, 1, 3]), w, _index(t, w, [0, 1, 4]), include_last_offset=True
        ),
        ((4, 3),),
    ),
    Case("dropout", lambda t, F, a: _seeded(t, F.dropout, a, 0.3), ((3, 4),), torch=False),
]

CASES_BY_NAME = {c.name: c for c in CASES}
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


def make_inputs(case: Case, seed: int = 0, shapes=None) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(case.low, case.high, size=s) for s in (shapes or case.shapes)]


def functional(lib):
    if lib is minigrad:
        return F
    return lib.nn.functional


# -- issue 16: functional ops composed of the ops above (minigrad/nn/convolution.py,
# resampling.py, attention.py, functional.py). Append-only block: rows call
# `t.nn.functional` (minigrad.nn.functional or torch.nn.functional) so F above stays as it is.
def _sdpa_mask(lib, q, s):
    """A bool SDPA mask (True = may attend) of shape (L, S), no row all False."""
    m = np.random.default_rng(5).random((q.shape[-2], s)) < 0.6
    m[:, 0] = True
    return lib.tensor(m.tolist(), dtype=lib.bool, device=q.device)


COMPOSED = [
    Case(
        "conv1d",
        lambda t, F, x, w, b: t.nn.functional.conv1d(x, w, b, stride=2, padding=1, dilation=2),
        ((2, 3, 9), (4, 3, 3), (4,)),
    ),
    Case(
        "conv1d_groups_same",
        lambda t, F, x, w: t.nn.functional.conv1d(x, w, padding="same", groups=2),
        ((2, 4, 9), (6, 2, 3)),
    ),
    Case(
        "conv2d_groups",
        lambda t, F, x, w, b: t.nn.functional.conv2d(x, w, b, (2, 1), 1, groups=2),
        ((2, 4, 6, 5), (6, 2, 3, 2), (6,)),
    ),
    Case(
        "conv2d_depthwise",
        lambda t, F, x, w: t.nn.functional.conv2d(x, w, padding=1, groups=3),
        ((2, 3, 5, 5), (3, 1, 3, 3)),
    ),
    Case(
        "conv_transpose2d",
        lambda t, F, x, w, b: t.nn.functional.conv_transpose2d(x, w, b, 2, 1, output_padding=1),
        ((2, 3, 4, 5), (3, 4, 3, 3), (4,)),
    ),
    Case(
        "conv_transpose2d_groups_dilation",
        lambda t, F, x, w: t.nn.functional.conv_transpose2d(
            x, w, stride=(1, 2), padding=(0, 1), groups=2, dilation=2
        ),
        ((2, 4, 3, 4), (4, 3, 2, 3)),
    ),
    Case(
        "conv_transpose2d_dilation",  # output_padding past the stride (allowed by dilation)
        lambda t, F, x, w, b: t.nn.functional.conv_transpose2d(
            x, w, b, (1, 2), (2, 0), (2, 1), dilation=(3, 1)
        ),
        ((2, 3, 3, 4), (3, 2, 2, 2), (2,)),
    ),
    Case(
        "conv_transpose1d_dilation",  # output_padding past the stride and the padding
        lambda t, F, x, w: t.nn.functional.conv_transpose1d(x, w, None, 1, 0, 2, 2, 3),
        ((2, 4, 5), (4, 1, 3)),
    ),
    Case(
        "conv_transpose3d",
        lambda t, F, x, w, b: t.nn.functional.conv_transpose3d(
            x, w, b, 2, 1, output_padding=1, groups=2
        ),
        ((2, 4, 3, 2, 3), (4, 3, 2, 3, 2), (6,)),
    ),
    Case(
        "conv_transpose3d_dilation",  # output_padding past the stride (allowed by dilation)
        lambda t, F, x, w: t.nn.functional.conv_transpose3d(
            x, w, None, (1, 2, 1), (2, 0, 1), (2, 1, 0), dilation=(3, 1, 2)
        ),
        ((3, 3, 2, 3), (3, 2, 2, 2, 2)),
    ),
    Case("max_pool1d", lambda t, F, x: t.nn.functional.max_pool1d(x, 3, 2, 1), ((2, 3, 9),)),
    Case(
        "avg_pool1d",
        lambda t, F, x: t.nn.functional.avg_pool1d(x, 3, 2, 1, count_include_pad=False),
        ((2, 3, 9),),
    ),
    Case(
        "pool1d_ceil_mode",
        lambda t, F, x: (
            t.nn.functional.max_pool1d(x, 2, ceil_mode=True)
            + t.nn.functional.avg_pool1d(x, 2, ceil_mode=True)
        ),
        ((2, 3, 9),),
    ),
    Case(
        "pool3d_ceil_mode",
        lambda t, F, x: (
            F.max_pool3d(x, 2, stride=(2, 1, 2), padding=1, ceil_mode=True)
            + F.avg_pool3d(x, 2, stride=(2, 1, 2), padding=1, ceil_mode=True)
        ),
        ((1, 2, 4, 3, 5),),
    ),
    Case("lp_pool1d", lambda t, F, x: t.nn.functional.lp_pool1d(x, 2, 3, 2), ((2, 3, 9),)),
    Case(
        "lp_pool2d",  # a cut last window (ceil_mode), an odd power of positive inputs
        lambda t, F, x: t.nn.functional.lp_pool2d(x, 3, (2, 3), 2, ceil_mode=True),
        ((2, 2, 5, 7),),
        low=0.5,
    ),
    Case(
        "lp_pool3d",
        lambda t, F, x: t.nn.functional.lp_pool3d(x, 1.5, 2, ceil_mode=True),
        ((1, 2, 3, 4, 5),),
        low=0.5,
    ),
    Case(
        "adaptive_avg_pool1d",
        lambda t, F, x: t.nn.functional.adaptive_avg_pool1d(x, 4),
        ((2, 3, 7),),
    ),
    Case(
        "adaptive_avg_pool2d",
        lambda t, F, x: t.nn.functional.adaptive_avg_pool2d(x, (3, None)),
        ((2, 3, 7, 5),),
    ),
    Case(
        "adaptive_avg_pool2d_equal_windows",
        lambda t, F, x: t.nn.functional.adaptive_avg_pool2d(x, (4, 2)),
        ((2, 3, 8, 6),),
    ),
    Case(
        "adaptive_avg_pool2d_global_unbatched",
        lambda t, F, x: t.nn.functional.adaptive_avg_pool2d(x, 1),
        ((3, 4, 6),),
    ),
    Case(
        "adaptive_max_pool1d",
        lambda t, F, x: t.nn.functional.adaptive_max_pool1d(x, 3),
        ((2, 3, 7),),
    ),
    Case(
        "adaptive_max_pool2d",
        lambda t, F, x: t.nn.functional.adaptive_max_pool2d(x, (3, 2)),
        ((2, 3, 7, 5),),
    ),
    Case(
        "adaptive_avg_pool3d",
        lambda t, F, x: t.nn.functional.adaptive_avg_pool3d(x, (3, None, 4)),
        ((2, 3, 7, 5, 6),),
    ),
    Case(
        "adaptive_avg_pool3d_equal_windows",
        lambda t, F, x: t.nn.functional.adaptive_avg_pool3d(x, (2, 3, 1)),
        ((2, 4, 6, 3),),
    ),
    Case(
        "adaptive_max_pool3d",
        lambda t, F, x: t.nn.functional.adaptive_max_pool3d(x, (3, 2, 4)),
        ((2, 2, 5, 4, 6),),
    ),
    Case(
        "adaptive_max_pool3d_indices",
        lambda t, F, x: _sum_with_indices(t.nn.functional.adaptive_max_pool3d(x, 2, True), x),
        ((1, 2, 3, 5, 4),),
    ),
    Case(
        "affine_grid_3d",
        lambda t, F, theta: t.nn.functional.affine_grid(theta, (2, 1, 3, 4, 2), False),
        ((2, 3, 4),),
    ),
    Case(
        "grid_sample_bicubic",
        lambda t, F, x, grid: t.nn.functional.grid_sample(x, grid, "bicubic", align_corners=False),
        ((2, 2, 4, 5), (2, 3, 2, 2)),
        low=-1.3,
        high=1.3,
    ),
    Case(
        "grid_sample_bicubic_reflection_corners",
        lambda t, F, x, grid: t.nn.functional.grid_sample(x, grid, "bicubic", "reflection", True),
        ((1, 2, 3, 4), (1, 2, 3, 2)),
        low=-1.8,
        high=1.8,
    ),
    Case(
        "grid_sample_bicubic_border",
        lambda t, F, x, grid: t.nn.functional.grid_sample(x, grid, "bicubic", "border", False),
        ((1, 2, 4, 3), (1, 3, 2, 2)),
        low=-1.5,
        high=1.5,
    ),
    Case(
        "grid_sample_3d",
        lambda t, F, x, grid: t.nn.functional.grid_sample(x, grid, align_corners=False),
        ((2, 2, 3, 4, 5), (2, 3, 2, 4, 3)),
        low=-1.2,
        high=1.2,
    ),
    Case(
        "grid_sample_3d_reflection_corners",
        lambda t, F, x, grid: t.nn.functional.grid_sample(
            x, grid, padding_mode="reflection", align_corners=True
        ),
        ((1, 2, 3, 4, 5), (1, 2, 3, 2, 3)),
        low=-1.7,
        high=1.7,
    ),
    Case(
        "grid_sample_3d_nearest_border",
        lambda t, F, x, grid: t.nn.functional.grid_sample(
            x, grid, mode="nearest", padding_mode="border", align_corners=False
        ),
        ((1, 2, 3, 4, 5), (1, 2, 3, 2, 3)),
        low=-1.3,
        high=1.3,
    ),
    Case(
        "pad_constant",
        lambda t, F, x: t.nn.functional.pad(x, (1, 2, -1, 1), value=0.5),
        ((2, 3, 4, 5),),
    ),
    Case(
        "pad_reflect",
        lambda t, F, x: t.nn.functional.pad(x, (1, 2, 3, 1), "reflect"),
        ((2, 3, 4, 5),),
    ),
    Case(
        "pad_replicate",
        lambda t, F, x: t.nn.functional.pad(x, (1, 2, 3, 1, 1, 1), "replicate"),
        ((2, 3, 4, 5),),
    ),
    Case(
        "pad_circular",
        lambda t, F, x: t.nn.functional.pad(x, (1, 2), "circular"),
        ((2, 3, 4),),
    ),
    Case(
        "interpolate_nearest",
        lambda t, F, x: t.nn.functional.interpolate(x, scale_factor=1.7),
        ((2, 3, 5),),
    ),
    Case(
        "interpolate_nearest_size",
        lambda t, F, x: t.nn.functional.interpolate(x, size=(7, 3)),
        ((2, 3, 5, 4),),
    ),
    Case(
        "interpolate_nearest_exact",
        lambda t, F, x: t.nn.functional.interpolate(x, size=(7, 3), mode="nearest-exact"),
        ((2, 3, 5, 4),),
    ),
    Case(
        "interpolate_bilinear",
        lambda t, F, x: t.nn.functional.interpolate(x, scale_factor=2, mode="bilinear"),
        ((2, 3, 5, 4),),
    ),
    Case(
        "interpolate_bilinear_corners",
        lambda t, F, x: t.nn.functional.interpolate(
            x, size=(7, 3), mode="bilinear", align_corners=True
        ),
        ((2, 3, 5, 4),),
    ),
    Case(
        "interpolate_bicubic",
        lambda t, F, x: t.nn.functional.interpolate(x, scale_factor=(1.2, 1.6), mode="bicubic"),
        ((2, 3, 2, 4),),
    ),
    Case(
        "interpolate_bicubic_corners",
        lambda t, F, x: t.nn.functional.interpolate(
            x, size=(3, 6), mode="bicubic", align_corners=True
        ),
        ((2, 3, 5, 4),),
    ),
    Case(
        "interpolate_bilinear_antialias",
        lambda t, F, x: t.nn.functional.interpolate(
            x, size=(4, 3), mode="bilinear", antialias=True
        ),
        ((2, 3, 9, 7),),
    ),
    Case(
        "interpolate_bicubic_antialias_corners",
        lambda t, F, x: t.nn.functional.interpolate(
            x, scale_factor=(0.4, 1.5), mode="bicubic", align_corners=True, antialias=True
        ),
        ((2, 3, 8, 4),),
    ),
    Case(
        "interpolate_area_3d",
        lambda t, F, x: t.nn.functional.interpolate(x, size=(2, 3, 4), mode="area"),
        ((1, 2, 5, 6, 4),),
    ),
    Case(
        "interpolate_linear",
        lambda t, F, x: t.nn.functional.interpolate(x, scale_factor=0.6, mode="linear"),
        ((2, 3, 5),),
    ),
    Case(
        "sdpa",
        lambda t, F, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v),
        ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)),
    ),
    Case(
        "sdpa_causal_scale",
        lambda t, F, q, k, v: t.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=True, scale=0.3
        ),
        ((2, 4, 5), (2, 6, 5), (2, 6, 2)),
    ),
    Case(
        "sdpa_bool_mask",
        lambda t, F, q, k, v: t.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=_sdpa_mask(t, q, 3)
        ),
        ((2, 4, 5), (2, 3, 5), (2, 3, 2)),
    ),
    Case(
        "sdpa_float_mask",
        lambda t, F, q, k, v, m: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
        ((2, 2, 5), (2, 3, 5), (2, 3, 2), (2, 3)),
    ),
    Case("normalize", lambda t, F, x: t.nn.functional.normalize(x, dim=-1), ((3, 4),)),
    Case("normalize_p1", lambda t, F, x: t.nn.functional.normalize(x, 1.0, 1), ((2, 3, 4),)),
    Case(
        "group_norm",
        lambda t, F, x, w, b: t.nn.functional.group_norm(x, 2, w, b),
        ((2, 4, 3, 3), (4,), (4,)),
    ),
    Case(
        "smooth_l1_loss",
        lambda t, F, a, b: t.nn.functional.smooth_l1_loss(a, b, beta=0.7),
        ((3, 4), (3, 4)),
    ),
    Case(
        "huber_loss",
        lambda t, F, a, b: t.nn.functional.huber_loss(a, b, reduction="sum", delta=0.7),
        ((3, 4), (3, 4)),
    ),
    Case(
        "huber_loss_none_broadcast",
        lambda t, F, a, b: _quietly(t.nn.functional.huber_loss, a, b, reduction="none"),
        ((2, 3, 4), (3, 1)),
        # not **B: PyTorch's huber_loss backward fails for float32 input, float64 target
    ),
    Case(
        "huber_loss_weight",
        lambda t, F, a, b: t.nn.functional.huber_loss(
            a, b, delta=0.5, weight=_arange(t, a, 12).reshape(3, 4)
        ),
        ((3, 4), (3, 4)),
    ),
    Case(
        "smooth_l1_loss_sum_broadcast",
        lambda t, F, a, b: _quietly(
            t.nn.functional.smooth_l1_loss, a, b, reduction="sum", beta=0.5
        ),
        ((4,), (3, 4)),
        **B,
    ),
    Case(
        "kl_div_batchmean",
        lambda t, F, a, b: t.nn.functional.kl_div(
            a.log_softmax(-1), b.softmax(-1), reduction="batchmean"
        ),
        ((3, 4), (3, 4)),
    ),
    Case(
        "kl_div_log_target",
        lambda t, F, a, b: t.nn.functional.kl_div(
            a.log_softmax(-1), b.log_softmax(-1), reduction="none", log_target=True
        ),
        ((3, 4), (3, 4)),
    ),
    Case(
        "pad_sequence",
        lambda t, F, a, b: t.nn.utils.rnn.pad_sequence([a, b[:2]], True, -1.0),
        ((3, 4), (3, 4)),
    ),
    Case(
        "cosine_similarity",
        lambda t, F, a, b: t.nn.functional.cosine_similarity(a, b),
        ((3, 4), (3, 4)),
    ),
    Case(
        "cosine_similarity_broadcast_dim",
        lambda t, F, a, b: t.nn.functional.cosine_similarity(a[:, None], b, dim=-1, eps=1e-4),
        ((3, 5), (2, 5)),
    ),
    Case(
        "cosine_similarity_norm_of_broadcast",
        lambda t, F, a, b: t.nn.functional.cosine_similarity(a, b, dim=0),
        ((4, 5), (1, 5)),
    ),
    Case(
        "pairwise_distance",
        lambda t, F, a, b: t.nn.functional.pairwise_distance(a, b),
        ((3, 4), (3, 4)),
    ),
    Case(
        "pairwise_distance_p1_keepdim",
        lambda t, F, a, b: t.nn.functional.pairwise_distance(a, b, p=1.0, keepdim=True),
        ((2, 3, 4), (4,)),
    ),
    Case(
        "pairwise_distance_p3",
        lambda t, F, a, b: t.nn.functional.pairwise_distance(a, b, 3.0, eps=1e-3),
        ((3, 4), (3, 4)),
    ),
    Case("hardtanh", lambda t, F, x: t.nn.functional.hardtanh(x, -0.5, 1.2), ((3, 4),)),
    Case("relu6", lambda t, F, x: t.nn.functional.relu6(x), ((3, 4),), low=-3.0, high=9.0),
    Case("hardswish", lambda t, F, x: t.nn.functional.hardswish(x), ((3, 4),), low=-5, high=5),
    Case(  # (PyTorch has no derivative of hardsigmoid_backward)
        "hardsigmoid",
        lambda t, F, x: t.nn.functional.hardsigmoid(x),
        ((3, 4),),
        low=-5,
        high=5,
        double=False,
    ),
    Case("logsigmoid", lambda t, F, x: t.nn.functional.logsigmoid(x), ((3, 4),)),
    Case("softmin", lambda t, F, x: t.nn.functional.softmin(x, dim=0), ((3, 4),)),
    Case("softsign", lambda t, F, x: t.nn.functional.softsign(x), ((3, 4),)),
    Case(
        "dropout2d",
        lambda t, F, a: _seeded(t, t.nn.functional.dropout2d, a, 0.4),
        ((3, 4, 2, 2),),
        torch=False,
    ),
    Case(
        "dropout1d_unbatched",
        lambda t, F, a: _seeded(t, t.nn.functional.dropout1d, a, 0.4),
        ((4, 3),),
        torch=False,
    ),
    Case("cov", lambda t, F, a: t.cov(a), ((3, 5),)),
    Case("cov_1d", lambda t, F, a: a.cov(correction=0), ((5,),)),
    Case(
        "cov_weights",
        lambda t, F, a, w: t.cov(a, fweights=(_arange(t, a, 4) + 1).long(), aweights=w.abs() + 0.5),
        ((2, 4), (4,)),
    ),
    Case("corrcoef", lambda t, F, a: t.corrcoef(a), ((3, 5),)),
    Case("addcmul", lambda t, F, a, b, c: t.addcmul(a, b, c, value=2), ((3, 4), (4,), (3, 1))),
    Case(
        "addcdiv",
        lambda t, F, a, b, c: a.addcdiv(b, c.abs() + 0.5, value=-2),
        ((3, 4), (3, 4), (4,)),
    ),
    Case("dist", lambda t, F, a, b: t.dist(a, b) + a.dist(b, 3) + a.dist(b, 1), ((3, 4), (4,))),
    # PyTorch's backward of dist with p=0 fails (an undefined gradient); forward only
    Case("dist_p0", lambda t, F, a, b: t.dist(a, b, 0) * a, ((3, 4), (3, 4)), grad=False),
    Case("vdot", lambda t, F, a, b: t.vdot(a, b), ((5,), (5,))),
    Case(
        "column_dstack",
        lambda t, F, a, b: t.column_stack([a, b[:, 0]]).sum() * t.dstack([a, a]),
        ((3, 2), (3, 4)),
    ),
    Case(
        "atleast_3d_diagflat", lambda t, F, a: t.atleast_3d(a).sum(2) + t.diagflat(a[0]), ((2, 2),)
    ),
    Case("msort", lambda t, F, a: t.msort(a) * a, ((3, 4),)),
    Case(
        "unravel_index",
        lambda t, F, a: t.stack(t.unravel_index((a.abs() * 5).long(), (3, 4))),
        ((2, 3),),
        grad=False,
    ),
    Case(
        "isin",
        lambda t, F, a, b: t.isin(a.round(), b.round(), invert=True) | t.isin(a.round(), 1.0),
        ((3, 4), (5,)),
        grad=False,
    ),
    Case("cummax", lambda t, F, a: t.cummax(a, 1).values, ((3, 4),)),
    Case("cummin_ties", lambda t, F, a: a.round().cummin(0)[0] * a, ((4, 3),)),
    # PyTorch has no second derivative for pdist (minigrad's is checked by gradcheck)
    Case("pdist", lambda t, F, a: t.nn.functional.pdist(a), ((4, 3),), double=False),
    Case(
        "pdist_equal_rows",
        lambda t, F, a: t.nn.functional.pdist(t.cat([a, a[:1]]), 3.0),
        ((3, 2),),
        double=False,
    ),
    Case(
        "pdist_inf_ties",
        lambda t, F, a: t.nn.functional.pdist(a.round(), float("inf")) * a.sum(),
        ((4, 2),),
        double=False,
    ),
]
CASES += COMPOSED
CASES_BY_NAME.update((c.name, c) for c in COMPOSED)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


# -- linear algebra (minigrad/ops/linalg.py). Inputs are made well-conditioned inside the
# lambda (A + 4 I with entries in [-1, 1]: every eigenvalue at least 1 away from 0; A A^T + 3 I
# for Cholesky); eigenvector and singular vector rows return sign-invariant functions of them,
# since each vector is only defined up to its sign.
def _eye(lib, like):
    return lib.eye(like.shape[-1], dtype=like.dtype, device=like.device)


def _well(lib, a):
    return a + 4 * _eye(lib, a)


def _spd(lib, a):
    return a @ a.mT + 3 * _eye(lib, a)


def _eigh_row(lib, a):
    w, v = lib.linalg.eigh(a + a.mT)
    return v * v[..., :1, :] + w.unsqueeze(-2)


def _svd_row(lib, a, full_matrices=False, torch_svd=False):
    if torch_svd:  # torch.svd: V, not its transpose
        u, s, v = lib.svd(a)
        vh = v.mT
    else:
        u, s, vh = lib.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    return (u[..., :k] @ vh[..., :k, :]) * s.sum(-1)[..., None, None]


def _qr_row(lib, a):
    q, r = lib.linalg.qr(a)
    return lib.cat([q, r.mT], -2) if a.shape[-2] >= a.shape[-1] else lib.cat([q, r], -1)


LIN = dict(low=-1.0, high=1.0)

LINALG = [
    Case("linalg_inv", lambda t, F, a: t.linalg.inv(_well(t, a)), ((2, 3, 3),), **LIN),
    Case("matrix_exp", lambda t, F, a: t.linalg.matrix_exp(a), ((2, 3, 3),), **LIN),
    Case("matrix_exp_large", lambda t, F, a: (a * 3).matrix_exp(), ((3, 3),), **LIN),
    Case("matrix_exp_torch_name", lambda t, F, a: t.matrix_exp(a), ((1, 1),)),
    Case("inverse_method", lambda t, F, a: _well(t, a).inverse(), ((3, 3),), **LIN),
    Case("linalg_det", lambda t, F, a: t.linalg.det(_well(t, a)), ((2, 3, 3),), **LIN),
    Case("det_method", lambda t, F, a: t.det(_well(t, a)) + _well(t, a).det(), ((3, 3),), **LIN),
    Case(
        "linalg_slogdet",
        lambda t, F, a: _product(t.linalg.slogdet(-_well(t, a))),
        ((2, 3, 3),),
        **LIN,
    ),
    Case("slogdet", lambda t, F, a: t.slogdet(_well(t, a)).logabsdet, ((3, 3),), **LIN),
    Case("logdet", lambda t, F, a: t.logdet(_spd(t, a)) + _spd(t, a).logdet(), ((2, 3, 3),)),
    Case(
        "linalg_solve",
        lambda t, F, a, b: t.linalg.solve(_well(t, a), b),
        ((2, 3, 3), (3, 2)),
        **LIN,
    ),
    Case(
        "linalg_solve_vectors",
        lambda t, F, a, b: t.linalg.solve(_well(t, a), b),
        ((2, 3, 3), (2, 3)),
        **LIN,
    ),
    Case(
        "linalg_solve_vector_1d",
        lambda t, F, a, b: t.linalg.solve(_well(t, a), b),
        ((2, 3, 3), (3,)),
        **LIN,
    ),
    Case(
        "linalg_solve_right",
        lambda t, F, a, b: t.linalg.solve(_well(t, a), b, left=False),
        ((3, 3), (2, 4, 3)),
        **LIN,
    ),
    Case("linalg_cholesky", lambda t, F, a: t.linalg.cholesky(_spd(t, a)), ((2, 3, 3),)),
    Case(
        "linalg_cholesky_upper",
        lambda t, F, a: t.linalg.cholesky(_spd(t, a), upper=True),
        ((3, 3),),
    ),
    Case(
        "linalg_solve_triangular",
        lambda t, F, a, b: t.linalg.solve_triangular(_well(t, a), b, upper=True),
        ((2, 3, 3), (3, 2)),
        **LIN,
    ),
    Case(
        "linalg_solve_triangular_right_unit",
        lambda t, F, a, b: t.linalg.solve_triangular(
            a, b, upper=False, left=False, unitriangular=True
        ),
        ((3, 3), (2, 3)),
        **LIN,
    ),
    Case(
        "cholesky_solve",
        lambda t, F, a, b: t.cholesky_solve(b, t.linalg.cholesky(_spd(t, a))),
        ((3, 3), (3, 2)),
    ),
    Case(
        "cholesky_solve_upper",
        lambda t, F, a, b: b.cholesky_solve(t.linalg.cholesky(_spd(t, a), upper=True), True),
        ((2, 3, 3), (3, 2)),
    ),
    Case("linalg_qr", lambda t, F, a: _qr_row(t, a), ((2, 4, 3),)),
    Case(
        "householder_product",
        lambda t, F, a, tau: t.linalg.householder_product(a, tau),
        ((2, 4, 3), (2, 2)),
        **LIN,
    ),
    Case("linalg_qr_wide", lambda t, F, a: _qr_row(t, a), ((3, 5),)),
    Case("linalg_eigh", lambda t, F, a: _eigh_row(t, a), ((2, 4, 4),)),
    Case(
        "linalg_eigvalsh_upper",
        lambda t, F, a: t.linalg.eigvalsh(a + a.mT, UPLO="U"),
        ((3, 3),),
    ),
    Case("linalg_svd", lambda t, F, a: _svd_row(t, a), ((2, 4, 3),)),
    Case("linalg_svd_wide", lambda t, F, a: _svd_row(t, a), ((3, 5),)),
    Case("linalg_svd_full", lambda t, F, a: _svd_row(t, a, True), ((4, 3),)),
    Case("linalg_svdvals", lambda t, F, a: t.linalg.svdvals(a), ((2, 3, 4),)),
    Case("torch_svd", lambda t, F, a: _svd_row(t, a, torch_svd=True), ((2, 4, 3),)),
    Case("linalg_pinv", lambda t, F, a: t.linalg.pinv(a), ((4, 3),)),
    Case("linalg_pinv_batched_wide", lambda t, F, a: t.linalg.pinv(a), ((2, 3, 4),)),
    Case(
        "linalg_lstsq",
        lambda t, F, a, b: t.linalg.lstsq(a, b).solution,
        ((5, 3), (5, 2)),
    ),
    Case(
        "linalg_lstsq_wide_vector",
        lambda t, F, a, b: t.linalg.lstsq(a, b).solution,
        ((2, 3, 4), (2, 3)),
    ),
    Case("pinverse_method", lambda t, F, a: a.pinverse(), ((3, 4),)),
    Case("linalg_matrix_norm", lambda t, F, a: t.linalg.matrix_norm(a), ((2, 3, 4),)),
    Case("linalg_matrix_norm_nuc", lambda t, F, a: t.linalg.matrix_norm(a, "nuc"), ((3, 4),)),
    Case(
        "linalg_tensorinv",
        lambda t, F, a: t.linalg.tensorinv(
            a + 3 * t.eye(6, dtype=a.dtype, device=a.device).reshape(2, 3, 6), 2
        ),
        ((2, 3, 6),),
    ),
    Case(
        "linalg_tensorsolve_dims",
        lambda t, F, a, b: t.linalg.tensorsolve(
            a + 3 * t.eye(6, dtype=a.dtype, device=a.device).reshape(6, 2, 3), b, dims=(0,)
        ),
        ((6, 2, 3), (2, 3)),
    ),
    Case("linalg_matrix_norm_2", lambda t, F, a: t.linalg.matrix_norm(a, 2), ((2, 3, 4),)),
    Case("linalg_matrix_norm_neg2", lambda t, F, a: t.linalg.matrix_norm(a, -2), ((4, 3),)),
    Case(
        "linalg_matrix_norm_1_dims",
        lambda t, F, a: t.linalg.matrix_norm(a, 1, dim=(0, 2), keepdim=True),
        ((3, 2, 4),),
    ),
    Case(
        "linalg_matrix_norm_inf",
        lambda t, F, a: t.linalg.matrix_norm(a, float("inf")) + t.linalg.norm(a, -1),
        ((3, 4),),
    ),
    Case("linalg_norm_nuc", lambda t, F, a: t.linalg.norm(a, "nuc"), ((3, 4),)),
    Case("linalg_matrix_power", lambda t, F, a: t.linalg.matrix_power(a, 3), ((2, 3, 3),)),
    Case(
        "matrix_power_negative",
        lambda t, F, a: t.matrix_power(_well(t, a), -2) + _well(t, a).matrix_power(5),
        ((3, 3),),
        **LIN,
    ),
    Case("linalg_vecdot", lambda t, F, a, b: t.linalg.vecdot(a, b), ((2, 3), (3,))),
    Case("linalg_vecdot_dim", lambda t, F, a, b: t.linalg.vecdot(a, b, dim=0), ((3, 2), (3, 1))),
    Case(
        "linalg_multi_dot",
        lambda t, F, a, b, c: t.linalg.multi_dot([a, b, c]),
        ((3,), (3, 4), (4, 2)),
    ),
    Case(
        "linalg_multi_dot_matrices",
        lambda t, F, a, b, c, d: t.linalg.multi_dot((a, b, c, d)),
        ((2, 3), (3, 4), (4, 5), (5,)),
    ),
    Case("linalg_cross", lambda t, F, a, b: t.linalg.cross(a, b), ((2, 3), (1, 3))),
]
CASES += LINALG
CASES_BY_NAME.update((c.name, c) for c in LINALG)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


# -- recurrent cells (minigrad/ops/rnn.py): torch.lstm_cell and its kin, each one fused op a
# step with a fused gradient op. Inputs: x (N, in), states (N, H), w_ih, w_hh, b_ih, b_hh.
def _cell_shapes(gates, inputs=3, hidden=2, states=1, bias=True):
    rows = gates * hidden
    weights = ((rows, inputs), (rows, hidden)) + ((rows,), (rows,)) * bias
    return ((2, inputs),) + ((2, hidden),) * states + weights


def _cell_grads(lib, fn, x, *args):
    """The gradients of sum(fn(...) * weights) by every input, as a function of the inputs:
    differentiating them again checks the gradient ops' own backward."""
    args = [a if a.requires_grad else a.detach().requires_grad_() for a in (x, *args)]
    out = fn(*args)
    out = lib.cat(list(out), 1) if isinstance(out, tuple) else out
    w = lib.linspace(-1.0, 1.5, out.numel(), dtype=out.dtype, device=out.device)
    grads = lib.autograd.grad((out * w.reshape(out.shape)).sum(), args, create_graph=True)
    return lib.cat([g.reshape(-1) for g in grads])


def _lstm(lib, x, h, c, *w):
    """(h', c') of lib.lstm_cell, with the states as separate arguments."""
    return lib.lstm_cell(x, (h, c), *w)


def _layer(lib, name, x, *args, bidirectional=False):
    """nn.LSTM or nn.GRU (3, 2) over x (L, N, 3) from the states (LSTM: h, c; GRU: h) with
    the given weights (LstmSequence, GruSequence: the steps of one layer and direction in
    one op): output and final states flattened into one."""
    layer = getattr(lib.nn, name)(3, 2, bidirectional=bidirectional)
    states = 2 if name == "LSTM" else 1
    hx = tuple(args[:states]) if states == 2 else args[0]
    names = [name for name, _ in layer.named_parameters()]
    out, finals = lib.func.functional_call(layer, dict(zip(names, args[states:])), (x, hx))
    finals = finals if isinstance(finals, tuple) else (finals,)
    return lib.cat([out.reshape(-1)] + [f.reshape(-1) for f in finals])


def _layer_shapes(gates, directions=1, steps=4, states=1):
    cell = _cell_shapes(gates, states=states)
    return (
        ((steps,) + cell[0],)
        + ((directions,) + cell[1],) * states
        + cell[1 + states :] * directions
    )


RECURRENT = [
    Case("rnn_tanh_cell", lambda t, F, x, h, *w: t.rnn_tanh_cell(x, h, *w), _cell_shapes(1)),
    Case("rnn_relu_cell", lambda t, F, x, h, *w: t.rnn_relu_cell(x, h, *w), _cell_shapes(1)),
    Case(
        "lstm_cell",
        lambda t, F, *a: t.cat(list(_lstm(t, *a)), 1),
        _cell_shapes(4, states=2),
    ),
    Case(
        "lstm_cell_no_bias",
        lambda t, F, *a: t.cat(list(_lstm(t, *a)), 1),
        _cell_shapes(4, states=2, bias=False),
    ),
    Case("gru_cell", lambda t, F, x, h, *w: t.gru_cell(x, h, *w), _cell_shapes(3)),
    Case(
        "lstm_cell_grads",  # second derivatives by central differences, third against PyTorch
        lambda t, F, *a: _cell_grads(t, partial(_lstm, t), *a),
        _cell_shapes(4, states=2),
    ),
    Case(
        "gru_cell_grads",
        lambda t, F, *a: _cell_grads(t, t.gru_cell, *a),
        _cell_shapes(3),
    ),
    Case(
        "rnn_tanh_cell_grads",
        lambda t, F, *a: _cell_grads(t, t.rnn_tanh_cell, *a),
        _cell_shapes(1),
    ),
    Case("lstm_layer", lambda t, F, *a: _layer(t, "LSTM", *a), _layer_shapes(4, states=2)),
    Case(
        "lstm_layer_bidirectional",
        lambda t, F, *a: _layer(t, "LSTM", *a, bidirectional=True),
        _layer_shapes(4, 2, states=2),
    ),
    Case(
        "lstm_layer_grads",
        lambda t, F, *a: _cell_grads(t, partial(_layer, t, "LSTM", bidirectional=True), *a),
        _layer_shapes(4, 2, states=2),
    ),
    Case("gru_layer", lambda t, F, *a: _layer(t, "GRU", *a), _layer_shapes(3)),
    Case(
        "gru_layer_bidirectional",
        lambda t, F, *a: _layer(t, "GRU", *a, bidirectional=True),
        _layer_shapes(3, 2),
    ),
    Case(
        "gru_layer_grads",
        lambda t, F, *a: _cell_grads(t, partial(_layer, t, "GRU", bidirectional=True), *a),
        _layer_shapes(3, 2),
    ),
]
CASES += RECURRENT
CASES_BY_NAME.update((c.name, c) for c in RECURRENT)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"

# gradients as functions of the input, for ops whose gradient is an op of its own: the
# table differentiates them again (the gradient op's backward) and checks a third derivative
GRADIENT_OPS = [
    Case("gelu_grads", lambda t, F, a: _cell_grads(t, F.gelu, a), ((3, 4),), low=-3, high=3),
    Case(
        "gelu_tanh_grads",
        lambda t, F, a: _cell_grads(t, partial(F.gelu, approximate="tanh"), a),
        ((3, 4),),
    ),
    Case("softmax_grads", lambda t, F, a: _cell_grads(t, partial(F.softmax, dim=1), a), ((3, 4),)),
    Case(
        "log_softmax_grads",
        lambda t, F, a: _cell_grads(t, partial(F.log_softmax, dim=0), a),
        ((3, 4),),
    ),
]
CASES += GRADIENT_OPS
CASES_BY_NAME.update((c.name, c) for c in GRADIENT_OPS)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


# -- bit by bit on integers (tests/ops/test_dtype_semantics.py checks the other dtypes)
def _bitwise(lib, a, b):
    x, y = (a * 8).long(), (b * 8).long()
    bits = (x & y) + (x | y) * 3 + (x ^ y) * 5 + (~x) * 7 + lib.bitwise_and(x, 6)
    # shifts by a tensor of counts, some past the width or negative (PyTorch's 0 or -1)
    counts = (y - 4) * 20
    return bits + (x << 2) * 11 + (x >> 1) * 13 + (bits << counts) + ((bits - 40) >> counts)


def _gcd_lcm(lib, a, b):
    x, y = (a * 8).long(), (b * 8).long()
    return lib.gcd(x, y) + lib.lcm(x, y + 1) * 3


BITWISE = [
    Case("bitwise", lambda t, F, a, b: _bitwise(t, a, b), ((3, 4), (4,)), grad=False),
    Case("gcd_lcm", lambda t, F, a, b: _gcd_lcm(t, a, b), ((3, 4), (4,)), grad=False),
    Case("nextafter", lambda t, F, a, b: t.nextafter(a, b) - a, ((3, 4), (4,)), grad=False),
]
CASES += BITWISE
CASES_BY_NAME.update((c.name, c) for c in BITWISE)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


# -- CTC loss (minigrad/ops/nn.py CtcLoss, CtcLossGrad): log_softmax inputs, as in training
# (PyTorch's gradient is the logits' one; see CtcLoss). No second derivative in either library.
_CTC_TARGETS = [[1, 2, 2], [3, 1, 0], [4, 4, 1]]  # item 1's padding is not read

CTC = [
    Case(
        "ctc_loss",
        lambda t, F, x: t.nn.functional.ctc_loss(
            x.log_softmax(2), _index(t, x, _CTC_TARGETS), (6, 5, 6), (3, 1, 3)
        ),
        ((6, 3, 5),),
        double=False,
    ),
    Case(
        "ctc_loss_none_concatenated_blank",
        lambda t, F, x: t.nn.functional.ctc_loss(
            x.log_softmax(-1),
            _index(t, x, [1, 2, 2, 3, 0, 0, 1]),
            _index(t, x, [6, 4, 5]),
            _index(t, x, [3, 1, 3]),
            blank=4,
            reduction="none",
        ),
        ((6, 3, 5),),
        double=False,
    ),
    Case(
        "ctc_loss_sum_zero_infinity",
        lambda t, F, x: t.nn.functional.ctc_loss(
            x.log_softmax(2),
            _index(t, x, _CTC_TARGETS),
            (6, 5, 3),  # item 2 needs 4 steps (a repeated label takes a blank between)
            (3, 0, 3),
            reduction="sum",
            zero_infinity=True,
        ),
        ((6, 3, 5),),
        double=False,
    ),
    Case(
        "ctc_loss_unbatched",
        lambda t, F, x: t.nn.CTCLoss(blank=1)(
            x.log_softmax(1), _index(t, x, [0, 2, 2]), _index(t, x, 5), _index(t, x, 3)
        ),
        ((5, 4),),
        double=False,
    ),
]
CASES += CTC
CASES_BY_NAME.update((c.name, c) for c in CTC)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


# -- torch.fft's real-to-real paths (minigrad/fft.py, minigrad/ops/fft.py): irfft of a real
# spectrum, trimmed or zero-padded by n / s, over chosen dims, in each norm; and the shifts
FFT = [
    Case("fft_irfft", lambda t, F, a: t.fft.irfft(a), ((3, 5),)),
    Case(
        "fft_irfft_n_dim_ortho",
        lambda t, F, a: t.fft.irfft(a, n=7, dim=0, norm="ortho"),
        ((3, 4),),
    ),
    Case("fft_irfft_trimmed", lambda t, F, a: t.fft.irfft(a, n=4, norm="forward"), ((2, 6),)),
    Case(
        "fft_irfft2_s_forward",
        lambda t, F, a: t.fft.irfft2(a, s=(3, 6), norm="forward"),
        ((2, 4, 3),),
    ),
    Case("fft_irfftn_dims", lambda t, F, a: t.fft.irfftn(a, dim=(2, 0)), ((3, 2, 4),)),
    Case("fft_irfftn_s", lambda t, F, a: t.fft.irfftn(a, s=(5, -1), norm="ortho"), ((4, 3),)),
    Case("fft_fftshift", lambda t, F, a: t.fft.fftshift(a), ((3, 4),)),
    Case("fft_ifftshift_dims", lambda t, F, a: t.fft.ifftshift(a, dim=(0, -1)), ((3, 5),)),
]
CASES += FFT
CASES_BY_NAME.update((c.name, c) for c in FFT)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


# -- LU (minigrad/ops/lu.py): lu_factor on raw inputs (the rows swap), square, wide and tall;
# lu and lu_unpack return P, L and U flattened side by side; lu_solve on a well-conditioned A
def _flat_cat(lib, *tensors):
    return lib.cat([t.flatten(-2) for t in tensors], -1)


def _lu_solve(lib, a, b, **kwargs):
    return lib.linalg.lu_solve(*lib.linalg.lu_factor(_well(lib, a)), b, **kwargs)


LU = [
    Case("linalg_lu_factor", lambda t, F, a: t.linalg.lu_factor(a).LU, ((2, 4, 4),), **LIN),
    Case("linalg_lu_factor_wide", lambda t, F, a: t.linalg.lu_factor(a)[0], ((3, 5),), **LIN),
    Case("linalg_lu_factor_tall", lambda t, F, a: t.linalg.lu_factor(a)[0], ((2, 5, 3),), **LIN),
    Case("linalg_lu", lambda t, F, a: _flat_cat(t, *t.linalg.lu(a)), ((2, 3, 3),), **LIN),
    Case("linalg_lu_wide", lambda t, F, a: _flat_cat(t, *t.linalg.lu(a)), ((3, 4),), **LIN),
    Case("linalg_lu_tall", lambda t, F, a: _flat_cat(t, *t.linalg.lu(a)), ((4, 2),), **LIN),
    Case(
        "lu_unpack",
        lambda t, F, a: _flat_cat(t, *t.lu_unpack(*t.linalg.lu_factor(a))),
        ((2, 4, 3),),
        **LIN,
    ),
    Case("linalg_lu_solve", lambda t, F, a, b: _lu_solve(t, a, b), ((2, 3, 3), (3, 2)), **LIN),
    Case(
        "linalg_lu_solve_adjoint",
        lambda t, F, a, b: _lu_solve(t, a, b, adjoint=True),
        ((3, 3), (2, 3, 4)),
        **LIN,
    ),
    Case(
        "linalg_lu_solve_right",
        lambda t, F, a, b: _lu_solve(t, a, b, left=False),
        ((2, 3, 3), (4, 3)),
        **LIN,
    ),
    Case(
        "linalg_lu_solve_right_adjoint",
        lambda t, F, a, b: _lu_solve(t, a, b, left=False, adjoint=True),
        ((3, 3), (2, 3)),
        **LIN,
    ),
]
CASES += LU
CASES_BY_NAME.update((c.name, c) for c in LU)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"


# -- fractional max pooling (minigrad/nn/fractional.py, a composition of gathers): fixed
# `_random_samples`, so both libraries pick the same windows
def _fractional(lib, a, kernel, **kwargs):
    planes = (a.shape[0] if a.ndim == 4 else 1, a.shape[-3] if a.ndim >= 3 else 1)
    samples = np.random.default_rng(7).random((*planes, 2))
    samples = lib.tensor(samples.tolist(), dtype=a.dtype, device=a.device)
    return lib.nn.functional.fractional_max_pool2d(a, kernel, _random_samples=samples, **kwargs)


FRACTIONAL = [
    Case(
        "fractional_max_pool2d",
        lambda t, F, a: _fractional(t, a, 2, output_size=(3, 4)),
        ((2, 3, 7, 9),),
    ),
    Case(
        "fractional_max_pool2d_ratio_unbatched",
        lambda t, F, a: _fractional(t, a, (3, 2), output_ratio=(0.5, 0.7)),
        ((2, 8, 6),),
    ),
]
CASES += FRACTIONAL
CASES_BY_NAME.update((c.name, c) for c in FRACTIONAL)
assert len(CASES_BY_NAME) == len(CASES), "two rows share a name"
