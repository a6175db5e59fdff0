"""minigrad: a small, real autograd engine with PyTorch's API, on NumPy (CPU) and CuPy (GPU).

import minigrad as torch
x = torch.randn(3, requires_grad=True)
(x * x).sum().backward()
x.grad                    # 2 * x
"""

from minigrad.tensor import Size, Tensor, _numpy_axis  # noqa: I001 - Tensor first
from minigrad.ops._util import takes_out as _takes_out
from minigrad.printing import set_printoptions
from minigrad import autograd, dtypes
from minigrad.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.autograd.grad_mode import is_inference_mode_enabled
from minigrad.backend import device, get_default_device, set_default_device
from minigrad.creation import (
    arange,
    as_tensor,
    asarray,
    bartlett_window,
    blackman_window,
    empty,
    empty_like,
    empty_strided,
    eye,
    from_dlpack,
    from_numpy,
    frombuffer,
    full,
    full_like,
    hamming_window,
    hann_window,
    kaiser_window,
    linspace,
    logspace,
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
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from minigrad.creation import factory_out as _factory_out
from minigrad.creation import torch_range as range
from minigrad.dtypes import (
    can_cast,
    dtype,
    finfo,
    get_default_dtype,
    iinfo,
    promote_types,
    result_type,
    set_default_dtype,
)
from minigrad.layout import (
    TypedStorage,
    UntypedStorage,
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from minigrad.ops.arithmetic import (
    add,
    addcdiv,
    addcmul,
    arctan2,
    atan2,
    copysign,
    div,
    divide,
    float_power,
    fmod,
    hypot,
    lerp,
    logaddexp,
    logaddexp2,
    mul,
    multiply,
    neg,
    negative,
    pow,
    reciprocal,
    remainder,
    rsub,
    square,
    sub,
    subtract,
    true_divide,
    xlogy,
)
from minigrad.ops.special import digamma, i0, lgamma, mvlgamma, polygamma
from minigrad.ops.unary import (
    abs,
    absolute,
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    asin,
    asinh,
    atan,
    atanh,
    ceil,
    cos,
    cosh,
    deg2rad,
    erf,
    erfc,
    erfinv,
    exp,
    exp2,
    expm1,
    fix,
    floor,
    frac,
    frexp,
    ldexp,
    log,
    log10,
    log1p,
    log2,
    rad2deg,
    round,
    rsqrt,
    sign,
    sin,
    sinh,
    sqrt,
    tan,
    trunc,
)
from minigrad.ops.activations import (
    relu,
    sigmoid,
    tanh,
)
from minigrad.ops.selection import (
    clamp,
    clamp_max,
    clamp_min,
    clip,
    clone,
    fill,
    fmax,
    fmin,
    masked_fill,
    maximum,
    minimum,
    nan_to_num,
    nan_to_num_,
    where,
)
from minigrad.ops.nograd import (
    allclose,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_right_shift,
    bitwise_or,
    bitwise_xor,
    eq,
    equal,
    floor_divide,
    gcd,
    ge,
    gt,
    heaviside,
    isclose,
    isin,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    lcm,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    nextafter,
    signbit,
)
from minigrad.ops.indexing import (
    diag,
    diag_embed,
    diagonal,
    diagonal_scatter,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_put,
    index_reduce,
    index_select,
    masked_scatter,
    masked_select,
    narrow,
    nonzero,
    nonzero_static,
    put,
    repeat_interleave,
    roll,
    scatter,
    scatter_add,
    scatter_reduce,
    select,
    select_scatter,
    slice_scatter,
    take,
    take_along_dim,
    trace,
    tril_indices,
    triu_indices,
    unravel_index,
)
from minigrad.ops.matmul import (
    addbmm,
    addmm,
    addmv,
    addr,
    baddbmm,
    bmm,
    cdist,
    cross,
    dot,
    einsum,
    inner,
    kron,
    matmul,
    mm,
    mv,
    outer,
    tensordot,
)
from minigrad.ops.linalg import (
    chain_matmul,
    cholesky_solve,
    det,
    frobenius_norm,
    logdet,
    matrix_exp,
    matrix_power,
    nuclear_norm,
    pinverse,
    vdot,
)
from minigrad.ops.linalg import torch_cholesky as cholesky
from minigrad.ops.linalg import torch_qr as qr
from minigrad.ops.linalg import inv as inverse
from minigrad.ops.linalg import torch_slogdet as slogdet
from minigrad.ops.linalg import torch_svd as svd
from minigrad.ops.lu import lu_unpack
from minigrad.ops.nn import log_softmax, softmax
from minigrad.ops.rnn import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell
from minigrad.ops.reduce import (
    all,
    amax,
    amin,
    aminmax,
    any,
    argmax,
    argmin,
    argsort,
    bincount,
    bucketize,
    corrcoef,
    count_nonzero,
    cov,
    cummax,
    cummin,
    cumprod,
    cumsum,
    cumulative_trapezoid,
    dist,
    gradient,
    histc,
    histogram,
    histogramdd,
    kthvalue,
    logcumsumexp,
    logsumexp,
    max,
    mean,
    median,
    min,
    mode,
    nanmean,
    nanmedian,
    nanquantile,
    nansum,
    norm,
    prod,
    quantile,
    renorm,
    searchsorted,
    sort,
    std,
    std_mean,
    sum,
    topk,
    trapezoid,
    trapz,
    unique,
    unique_consecutive,
    vander,
    var,
    var_mean,
)
from minigrad.ops.sampling import _standard_gamma, bernoulli, binomial, multinomial, poisson
from minigrad.ops.shape import (
    as_strided,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    broadcast_shapes,
    broadcast_tensors,
    cartesian_prod,
    cat,
    chunk,
    column_stack,
    combinations,
    concat,
    concatenate,
    diff,
    dsplit,
    dstack,
    flatten,
    flip,
    fliplr,
    flipud,
    hsplit,
    hstack,
    meshgrid,
    permute,
    repeat,
    reshape,
    rot90,
    row_stack,
    split,
    squeeze,
    stack,
    swapaxes,
    tensor_split,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vsplit,
    vstack,
)
from minigrad.ops.shape import moveaxis as movedim
from minigrad.ops.shape import moveaxis
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
    set_default_tensor_type,
    typename,
)
from minigrad.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from minigrad import cuda  # after random: minigrad.cuda seeds the CUDA generators
from minigrad import version

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

import sys as _sys  # noqa: E402
from math import e, inf, nan, pi  # noqa: E402 - PyTorch's constants: torch.inf, torch.pi


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_storage(obj) -> bool:
    return isinstance(obj, (UntypedStorage, TypedStorage))


def is_inference(input: Tensor) -> bool:
    return input.is_inference()


def get_device(input: Tensor) -> int:
    return input.get_device()


def is_signed(input: Tensor) -> bool:
    return input.is_signed()


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return input.is_same_size(other)


def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """outer(input, vec2) (PyTorch's older name)."""
    return input.outer(vec2)


def numel(input: Tensor) -> int:
    return input.numel()


def t(input: Tensor) -> Tensor:
    return input.t()


def expand_copy(input: Tensor, size) -> Tensor:
    return input.expand(*size).clone()


def broadcast_to(input: Tensor, size) -> Tensor:
    return input.broadcast_to(size)


def adjoint(input: Tensor) -> Tensor:
    return input.adjoint()


def detach(input: Tensor) -> Tensor:
    return input.detach()


# PyTorch's other names for the same functions
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
swapdims, sgn = transpose, sign
argwhere, msort, ravel = Tensor.argwhere, Tensor.msort, Tensor.ravel
diagflat, positive, logit = Tensor.diagflat, Tensor.positive, Tensor.logit
real, imag = Tensor.real.fget, Tensor.imag.fget  # torch.real(x) is x.real
is_floating_point, is_complex, is_nonzero = (
    Tensor.is_floating_point,
    Tensor.is_complex,
    Tensor.is_nonzero,
)


clamp_ = clip_ = Tensor.clamp_  # torch.clamp_(x, min, max) is x.clamp_(min, max)
# PyTorch's in-place functions: torch.sin_(x) is x.sin_()
for _name in (
    *("abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_"),
    *("arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_max_", "clamp_min_"),
    *("cos_", "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_"),
    *("fill_", "fix_", "floor_", "frac_", "index_put_", "log10_", "log1p_", "log2_", "log_"),
    *(
        "neg_",
        "negative_",
        "rad2deg_",
        "reciprocal_",
        "relu_",
        "round_",
        "rsqrt_",
        "sigmoid_",
        "sin_",
    ),
    *("sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_"),
):
    globals()[_name] = getattr(Tensor, _name)
del _name


# PyTorch's native functions take NumPy's axis= and keepdims= too (torch.sum(x, axis=0));
# its Python-level ones (split, unique, norm) do not
for _name in (
    *("all", "amax", "amin", "aminmax", "any", "argmax", "argmin", "argsort", "cat", "chunk"),
    *("concat", "concatenate", "count_nonzero", "cross", "cummax"),
    *("cummin", "cumprod", "cumsum", "diff", "gather", "index_add", "index_copy"),
    *("index_fill", "index_select", "kthvalue", "log_softmax", "logcumsumexp", "logsumexp"),
    *("max", "mean", "median", "min", "mode", "nanmean", "nanmedian", "nanquantile"),
    *("nansum", "narrow", "prod", "quantile", "repeat_interleave", "scatter", "scatter_add"),
    *("scatter_reduce", "select", "softmax", "sort", "squeeze", "stack", "std", "std_mean"),
    *("sum", "take_along_dim", "tensor_split", "topk", "trapezoid", "trapz", "unbind"),
    *("unflatten", "unsqueeze", "var", "var_mean"),
):
    globals()[_name] = _numpy_axis(globals()[_name])
del _name


# PyTorch's torch.* functions write into out= (torch.exp(x, out=y)); its methods take none.
# Most cast their result into out's dtype; those of an integer or index result want out of
# that very dtype; the cumulative ones and prod compute in out's dtype, as their dtype= does
_CAST_INTO_OUT = (
    *("acos", "acosh", "addcdiv", "addcmul", "arccos", "arccosh", "arcsin", "arcsinh"),
    *("arctan", "arctan2", "arctanh", "asin", "asinh", "atan", "atan2", "atanh"),
    *("bitwise_and", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift"),
    *("bitwise_xor", "copysign", "cos", "cosh", "diff", "digamma", "erf", "erfc", "erfinv"),
    *("exp", "exp2", "expm1", "floor_divide", "fmax", "fmin", "fmod", "gcd", "hypot", "i0"),
    *("lcm", "ldexp", "lerp", "lgamma", "log", "log10", "log1p", "log2", "logical_and"),
    *("logical_not", "logical_or", "logical_xor", "logit", "logsumexp", "max", "maximum"),
    *("min", "minimum", "nanmean", "nansum", "nextafter", "pow", "rad2deg", "reciprocal"),
    *("deg2rad", "remainder", "rsqrt", "sigmoid", "sin", "sinh", "sqrt", "square", "std"),
    *("tan", "tanh", "var", "xlogy"),
)
_SAME_DTYPE_OUT = (
    *("abs", "absolute", "amax", "amin", "argmax", "argmin", "bitwise_not"),
    *("ceil", "cross", "cummax", "cummin", "diag"),
    *("dot", "fix", "float_power", "floor", "frac", "gather", "heaviside", "index_select"),
    *("inner", "kthvalue", "log_softmax", "logcumsumexp", "masked_select", "mode"),
    *("nan_to_num", "nanquantile", "neg", "negative", "norm", "outer"),
    *("quantile", "round", "sgn", "sign", "signbit", "softmax", "sort", "take", "topk"),
    *("tril", "triu", "trunc", "where"),
)
for _names, _rules in (
    (_CAST_INTO_OUT, {}),
    (_SAME_DTYPE_OUT, {"same_dtype": True}),
    (("cumprod", "cumsum"), {"in_out_dtype": True}),
    (("prod",), {"in_out_dtype": True, "dim_for_out": True}),
    (("median", "nanmedian"), {"same_dtype": True, "dim_for_out": True}),
    (("all", "any"), {"same_dtype": True, "mask_out": True}),
    (("column_stack", "dstack", "hstack", "vstack"), {"cast_error": TypeError}),  # as cat's
):
    for _name in _names:
        globals()[_name] = _takes_out(globals()[_name], _name, **_rules)
for _name in ("arange", "empty", "eye", "full", "linspace", "logspace", "randint"):
    globals()[_name] = _factory_out(globals()[_name], _name)
del _name, _names, _rules, _CAST_INTO_OUT, _SAME_DTYPE_OUT


# -- subpackages built on the names above: nn, optim, data, static graphs, viz ---------------
from minigrad import (  # noqa: E402
    _dynamo,  # torch._dynamo.reset(), which the torch.compile tutorial calls
    accelerator,
    amp,
    backends,
    datasets,
    distributions,
    fft,
    func,
    linalg,
    nn,
    optim,
    special,
    static,
    testing,
    utils,
    viz,
)
from minigrad.amp import autocast, is_autocast_enabled  # noqa: E402
from minigrad.amp import cuda_amp as _cuda_amp  # noqa: E402
from minigrad.autograd.anomaly import (  # noqa: E402
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
)
from minigrad.backends import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    is_warn_always_enabled,
    set_float32_matmul_precision,
    set_flush_denormal,
    set_warn_always,
    use_deterministic_algorithms,
)
from minigrad.func import vmap  # noqa: E402 - as torch.vmap
from minigrad.nn.functional import (  # noqa: E402 - torch.conv2d and the like, as in PyTorch
    adaptive_avg_pool1d,
    avg_pool1d,
    bilinear,
    celu,
    celu_,
    channel_shuffle,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    cosine_similarity,
    dropout,
    group_norm,
    hardshrink,
    layer_norm,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    pairwise_distance,
    pdist,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    rms_norm,
    selu,
    selu_,
    threshold,
    threshold_,
)
from minigrad.nn.toplevel import (  # noqa: E402 - the ATen forms: torch.kl_div(input, target, 1)
    adaptive_max_pool1d,
    alpha_dropout,
    alpha_dropout_,
    batch_norm,
    binary_cross_entropy_with_logits,
    constant_pad_nd,
    cosine_embedding_loss,
    dropout_,
    embedding,
    feature_alpha_dropout,
    feature_alpha_dropout_,
    hinge_embedding_loss,
    instance_norm,
    kl_div,
    margin_ranking_loss,
    max_pool1d_with_indices,
    poisson_nll_loss,
    triplet_margin_loss,
)
from minigrad.serialization import load, save  # noqa: E402
from minigrad.special import sinc  # noqa: E402 - as torch.sinc
from minigrad.static import compile  # noqa: E402 - as torch.compile
from minigrad.threads import (  # noqa: E402
    get_num_interop_threads,
    get_num_threads,
    set_num_interop_threads,
    set_num_threads,
)

# `torch.cuda.amp` (and `from torch.cuda.amp import GradScaler`): minigrad.cuda is a module, so
# its `amp` is registered by hand
cuda.amp = _sys.modules["minigrad.cuda.amp"] = _cuda_amp

# PyTorch names minigrad leaves out on purpose: `torch.bfloat16` or `torch.jit.script(m)` in a
# tutorial raises an AttributeError that says why and what to use instead, not a bare "no
# attribute" (hasattr stays False; called only for a missing name)
_LEFT_OUT = {
    "bfloat16": "NumPy has no bfloat16; use minigrad.float16 or minigrad.float32",
    "float8_e4m3fn": "NumPy has no 8-bit floats; use minigrad.float16 or minigrad.float32",
    "float8_e5m2": "NumPy has no 8-bit floats; use minigrad.float16 or minigrad.float32",
    "uint16": "minigrad's unsigned integer dtype is uint8, as PyTorch's CPU kernels mostly are",
    "uint32": "minigrad's unsigned integer dtype is uint8, as PyTorch's CPU kernels mostly are",
    "uint64": "minigrad's unsigned integer dtype is uint8, as PyTorch's CPU kernels mostly are",
    "complex64": "minigrad's tensors are real: there are no complex dtypes",
    "complex128": "minigrad's tensors are real: there are no complex dtypes",
    "cfloat": "minigrad's tensors are real: there are no complex dtypes",
    "cdouble": "minigrad's tensors are real: there are no complex dtypes",
    "jit": "TorchScript is not in minigrad: save model.state_dict() with minigrad.save, or "
    "export the model to ONNX with minigrad.static.export_onnx(model, example_inputs, path)",
    "onnx": "export to ONNX with minigrad.static.export_onnx(model, example_inputs, path)",
    "export": "torch.export is not in minigrad: minigrad.static.trace records a function's "
    "graph, and minigrad.static.export_onnx writes it as ONNX",
    "fx": "torch.fx is not in minigrad: minigrad.static.trace records a function's graph",
    "profiler": "there is no profiler in minigrad: time code with minigrad.utils.benchmark.Timer "
    "or time.perf_counter",
    "hub": "minigrad downloads nothing: build the model from its class and load a state_dict",
    "distributed": "minigrad trains in one process: there is no distributed training",
    "multiprocessing": "use Python's multiprocessing (DataLoader's num_workers uses threads)",
    "sparse": "there are no sparse tensors",
    "quantization": "there is no quantization",
    "ao": "there is no quantization (torch.ao)",
    "nested": "there are no nested tensors",
    "masked": "there are no masked tensors; use torch.where or masked_fill",
}


def __getattr__(name: str):
    why = _LEFT_OUT.get(name)
    if why is None and name.startswith("_foreach_"):  # EMA code (timm's) calls these
        why = (
            "PyTorch's private multi-tensor kernels are left out; apply the op to each tensor "
            "in a loop (for p, q in zip(ps, qs): p.lerp_(q, 0.1))"
        )
    if why is None:
        raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
    raise AttributeError(
        f"module 'minigrad' has no attribute {name!r}: {why} (docs/nn.md lists what minigrad "
        "leaves out)"
    )
