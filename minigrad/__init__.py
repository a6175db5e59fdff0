"""minigrad: a small, real autograd engine with PyTorch's API, on NumPy (CPU) and CuPy (GPU).

import minigrad as torch
x = torch.randn(3, requires_grad=True)
(x * x).sum().backward()
x.grad                    # 2 * x
"""

from minigrad.tensor import Size, Tensor  # noqa: I001 - Tensor first: everything needs it
from minigrad import autograd, dtypes
from minigrad.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.backend import device
from minigrad.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from minigrad.dtypes import (
    dtype,
    finfo,
    get_default_dtype,
    iinfo,
    promote_types,
    set_default_dtype,
)
from minigrad.ops.elementwise import (
    abs,
    add,
    allclose,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    clone,
    cos,
    div,
    divide,
    eq,
    equal,
    erf,
    exp,
    floor,
    floor_divide,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    masked_fill,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    negative,
    pow,
    relu,
    remainder,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    where,
)
from minigrad.ops.indexing import (
    diag,
    diagonal,
    gather,
    index_select,
    narrow,
    nonzero,
    roll,
    trace,
)
from minigrad.ops.matmul import addmm, bmm, dot, einsum, matmul, mm, mv, outer
from minigrad.ops.nn import log_softmax, softmax
from minigrad.ops.reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    count_nonzero,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    sort,
    std,
    sum,
    topk,
    var,
)
from minigrad.ops.shape import (
    cat,
    chunk,
    concat,
    concatenate,
    flatten,
    flip,
    meshgrid,
    movedim,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
)
from minigrad.legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from minigrad.random import Generator, initial_seed, manual_seed, seed
from minigrad import cuda  # after random: minigrad.cuda seeds the CUDA generators

float32 = float = dtypes.float32
float64 = double = dtypes.float64
float16 = half = dtypes.float16
int64 = long = dtypes.int64
int32 = int = dtypes.int32
int16 = short = dtypes.int16
int8 = dtypes.int8
uint8 = dtypes.uint8
bool = dtypes.bool_

__version__ = "0.1.0"

from math import e, inf, nan, pi  # noqa: E402 - PyTorch's constants: torch.inf, torch.pi


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def t(input: Tensor) -> Tensor:
    return input.t()


def expand_copy(input: Tensor, size) -> Tensor:
    return input.expand(*size).clone()


# -- subpackages built on the names above: nn, optim, data, static graphs, viz ---------------
from minigrad import datasets, linalg, nn, optim, static, utils, viz  # noqa: E402
from minigrad.serialization import load, save  # noqa: E402
