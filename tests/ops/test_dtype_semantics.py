"""minigrad against PyTorch 2.13 (CPU) in the dtypes other than float32.

Each check runs the same call with both libraries and compares what PyTorch programs see: the
result's dtype exactly, its values (float16 within about two units in the last place, after
PyTorch's own float32-accumulate-then-round; integers and bools exactly), or, when either
raises, that both raise the same exception type. The calls are the rows of op_table.py in
float16, float64, int64, int32, uint8 and bool; common calls in each of those dtypes; type
promotion between tensors, 0-d tensors and Python scalars; in-place casting; integer division
with negatives; creation with dtype=; float16 calls whose float16 arithmetic would overflow or
drift; float32 modules on other inputs; losses and ops on two dtypes; integer fill bounds.

Where minigrad knowingly differs, the difference is listed here (KNOWN_...) and in docs/nn.md,
and the test asserts that it still differs, so a fix shows up as a failure to update the list.
The PERMISSIVE lists name the ops PyTorch refuses in a dtype (no CPU kernel) that minigrad
computes anyway: there the test asserts that PyTorch raises and minigrad gives a result.
"""

from __future__ import annotations

import itertools
import operator
import warnings

import numpy as np
import pytest
import torch
from op_table import CASES, functional, make_inputs

import minigrad

DTYPES = ["float16", "float64", "int64", "int32", "uint8", "bool"]

# float16 results: two units in the last place (2^-10 each), relative, plus an absolute term
# for results near zero
HALF_RTOL, HALF_ATOL = 2e-3, 1e-3


def _outcome(lib, fn):
    """fn(lib), or the exception it raised (warnings silenced: both libraries warn alike)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib)
    except Exception as exc:  # noqa: BLE001 - the exception type is what is compared
        return exc


def _leaves(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


_TOLERANCES = {"float16": (HALF_RTOL, HALF_ATOL), "float32": (1e-5, 1e-6), "float64": (1e-9, 1e-12)}


def _difference(mine, theirs, precision=None) -> str | None:
    """How minigrad's outcome differs from PyTorch's, or None when they agree. Values are
    compared to the precision of their dtype, or of `precision` (the least precise input's
    dtype, when the inputs mix dtypes: a float32 log promoted to float64 is float32-exact)."""
    if isinstance(mine, Exception) or isinstance(theirs, Exception):
        if type(mine).__name__ == type(theirs).__name__:
            return None
        what = [
            f"{type(o).__name__}: {str(o)[:120]}" if isinstance(o, Exception) else "a result"
            for o in (mine, theirs)
        ]
        return f"minigrad gives {what[0]}, PyTorch {what[1]}"
    if len(_leaves(mine)) != len(_leaves(theirs)):
        return f"{len(_leaves(mine))} outputs, PyTorch {len(_leaves(theirs))}"
    for i, (a, b) in enumerate(zip(_leaves(mine), _leaves(theirs))):
        if not isinstance(b, torch.Tensor):
            if a != b and not (a != a and b != b):  # noqa: PLR0124 - nan equals nan here
                return f"output {i}: {a!r} != {b!r}"
            continue
        name = str(b.dtype).replace("torch.", "")
        if str(a.dtype).replace("minigrad.", "") != name:
            return f"output {i}: dtype {a.dtype}, PyTorch {b.dtype}"
        x = a.detach().cpu().numpy().astype(np.float64)
        y = b.detach().numpy().astype(np.float64)
        if x.shape != y.shape:
            return f"output {i}: shape {x.shape}, PyTorch {y.shape}"
        rtol, atol = _TOLERANCES.get(precision or name, (0, 0))
        if not np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
            err = np.abs(x - y).max() if x.size else 0
            return f"output {i}: values differ by up to {err:.3g}"
    return None


def _check(name, fn, known, failures: list, permissive=(), precision=None, rounded=None) -> None:
    """Record in failures how fn differs between the libraries, unless `known` lists name
    (then it must still differ), or `permissive` does and PyTorch raises where minigrad
    computes a result (an op PyTorch has no kernel for in that dtype). `rounded(torch)` is the
    float16 call made in float32 and rounded once: a result equal to it agrees too."""
    mine, theirs = _outcome(minigrad, fn), _outcome(torch, fn)
    diff = _difference(mine, theirs, precision)
    if diff is not None and rounded is not None:
        # NOTE: PyTorch's float16 CPU kernels differ by processor (conv_transpose2d adds in
        # float32 and rounds once on an Intel Xeon with AVX-512, agreeing with minigrad there)
        diff = diff if _difference(mine, _outcome(torch, rounded), precision) else None
    if name in permissive:
        if not isinstance(theirs, Exception) or isinstance(mine, Exception):
            failures.append(f"{name}: listed as computed where PyTorch raises, but {diff}")
    elif name in known:
        if diff is None:
            failures.append(f"{name}: listed as a known difference but now agrees; update KNOWN")
    elif diff is not None:
        failures.append(f"{name}: {diff}")


def _report(failures):
    assert not failures, f"{len(failures)} differences from PyTorch:\n" + "\n".join(failures)


# -- the op table in each dtype --------------------------------------------------------------
def _table_arrays(case, dtype):
    """The row's float inputs, as values of the dtype: integers from -6 to 6 (uint8: 0 to 6),
    bools where the input is positive."""
    arrays = make_inputs(case)
    if dtype.startswith("float"):
        return arrays
    if dtype == "bool":
        return [a > 0 for a in arrays]
    ints = [np.round(a * 3) for a in arrays]
    return [np.abs(a) for a in ints] if dtype == "uint8" else ints


# rows where minigrad differs from PyTorch in a dtype, and why (docs/nn.md)
_AVG_POOL = "minigrad/ops/conv.py, conv3d.py average integers into floats; PyTorch keeps int64"
_LP_POOL = (
    "lp_pool of integers: minigrad averages the powers in floats; PyTorch's avg_pool truncates"
)
_RNN_CELLS = "integer RNN cells fail in NumPy or raise (PyTorch: a float result or a cast error)"
_HALF_LAYER = "float16 states rounded at each step round apart from PyTorch's over 4 steps"
_UINT8_BILINEAR = "PyTorch's uint8 bilinear kernel rounds its weights in fixed point"
_HISTC = "histc of uint8: NotImplementedError; PyTorch a RuntimeError on its -1 bound"
_HALF_MATRIX_EXP = "PyTorch's CPU matrix_exp in float16 overflows to inf; minigrad's is finite"
_HALF_GRADIENT = "gradient of float16 with float32 coordinates: PyTorch rounds to float16 inside"
_HISTOGRAM = "histogram of uint8: NotImplementedError; PyTorch a RuntimeError on its range"
_BOOL_INDEX = "index_add of bools promotes; PyTorch stays bool"
_BOOL_INNER = "bools fail in an inner op (RuntimeError); PyTorch NotImplementedError"
KNOWN_TABLE: dict[str, dict[str, str]] = {
    "float16": {
        "matrix_exp": _HALF_MATRIX_EXP,
        "matrix_exp_large": _HALF_MATRIX_EXP,
        "gradient_coords": _HALF_GRADIENT,
        "lstm_layer": _HALF_LAYER,
        "lstm_layer_grads": _HALF_LAYER,
        "gru_layer": _HALF_LAYER,
        "gru_layer_bidirectional": _HALF_LAYER,
        "gru_layer_grads": _HALF_LAYER,
    },
    "int64": {
        "avg_pool2d": _AVG_POOL,
        "avg_pool1d": _AVG_POOL,
        "avg_pool3d": _AVG_POOL,
        "avg_pool2d_ceil_mode": _AVG_POOL,
        "pool3d_ceil_mode": _AVG_POOL,
        "lp_pool1d": _LP_POOL,
        "lp_pool2d": _LP_POOL,
        "rnn_tanh_cell": _RNN_CELLS,
    },
    "int32": {
        "rnn_tanh_cell": _RNN_CELLS,
    },
    "uint8": {
        "search_and_bins": _HISTC,
        "histogram": _HISTOGRAM,
        "avg_pool1d": _AVG_POOL,
        "interpolate_bilinear": _UINT8_BILINEAR,
        "interpolate_bilinear_corners": _UINT8_BILINEAR,
        "rnn_tanh_cell": _RNN_CELLS,
    },
    "bool": {
        "lp_pool1d": _LP_POOL,
        "adaptive_max_pool1d": _BOOL_INNER,
        "adaptive_max_pool2d": _BOOL_INNER,
        "adaptive_max_pool3d": _BOOL_INNER,
        "adaptive_max_pool3d_indices": _BOOL_INNER,
        "index_add": _BOOL_INDEX,
        "interpolate_bilinear": _BOOL_INNER,
        "interpolate_bilinear_corners": _BOOL_INNER,
        "interpolate_linear": _BOOL_INNER,
        "logdet": _BOOL_INNER,
        "linalg_cholesky": _BOOL_INNER,
        "linalg_cholesky_upper": _BOOL_INNER,
        "cholesky_solve": _BOOL_INNER,
        "cholesky_solve_upper": _BOOL_INNER,
        "rnn_tanh_cell": _RNN_CELLS,
        "lstm_cell": _RNN_CELLS,
        "lstm_cell_no_bias": _RNN_CELLS,
        "gru_cell": _RNN_CELLS,
        "lstm_layer": _RNN_CELLS,
        "lstm_layer_bidirectional": _RNN_CELLS,
        "gru_layer": _RNN_CELLS,
        "gru_layer_bidirectional": _RNN_CELLS,
    },
}

# rows PyTorch refuses in these dtypes (no CPU kernel, or a dtype check) that minigrad computes
# anyway, in the input's dtype or the default float: accepted when PyTorch raises and
# minigrad gives a result
PERMISSIVE: dict[str, set[str]] = {
    # the special functions compute in float64 and round; conv3d and the 3-D pools copy
    # windows and reduce them, in any dtype
    "float16": {
        "special_zeta",
        "special_log_ndtr",
        "special_ndtri",
        "avg_pool3d",
        "pool3d_ceil_mode",
        "lp_pool3d",
    },
    "int64": {
        "max_pool1d",
        "pool1d_ceil_mode",
        "adaptive_avg_pool1d",
        "adaptive_avg_pool2d",
        "adaptive_avg_pool2d_equal_windows",
        "adaptive_avg_pool2d_global_unbatched",
        "adaptive_max_pool1d",
        "adaptive_max_pool2d",
        "interpolate_bilinear",
        "interpolate_bicubic",
        "interpolate_bicubic_corners",
        "interpolate_bilinear_corners",
        "interpolate_linear",
        "interpolate_nearest",
        "interpolate_nearest_exact",
        "interpolate_nearest_size",
        "adaptive_avg_pool3d",
        "adaptive_avg_pool3d_equal_windows",
        "interpolate_area_3d",
        "adaptive_max_pool3d",
        "adaptive_max_pool3d_indices",
    },
    "int32": {
        "conv3d",
        "avg_pool3d",
        "avg_pool2d_ceil_mode",
        "pool1d_ceil_mode",
        "pool3d_ceil_mode",
        "lp_pool1d",
        "lp_pool2d",
        "max_pool1d",
        "adaptive_avg_pool1d",
        "adaptive_avg_pool2d",
        "adaptive_avg_pool2d_equal_windows",
        "adaptive_avg_pool2d_global_unbatched",
        "adaptive_max_pool1d",
        "adaptive_max_pool2d",
        "avg_pool1d",
        "avg_pool2d",
        "conv1d",
        "conv2d_geometry",
        "conv2d_chunked",
        "conv2d_planes_geometry",
        "conv_transpose2d",
        "conv_transpose2d_groups_dilation",
        "conv_transpose2d_dilation",
        "conv_transpose1d_dilation",
        "interpolate_bilinear",
        "interpolate_bicubic",
        "interpolate_bicubic_corners",
        "interpolate_bilinear_corners",
        "interpolate_linear",
        "interpolate_nearest",
        "interpolate_nearest_exact",
        "interpolate_nearest_size",
        "adaptive_avg_pool3d",
        "adaptive_avg_pool3d_equal_windows",
        "interpolate_area_3d",
        "adaptive_max_pool3d",
        "adaptive_max_pool3d_indices",
        "conv_transpose3d",
        "conv_transpose3d_dilation",
    },
    "uint8": {
        "conv3d",
        "avg_pool3d",
        "avg_pool2d_ceil_mode",
        "pool1d_ceil_mode",
        "pool3d_ceil_mode",
        "lp_pool1d",
        "lp_pool2d",
        "adaptive_avg_pool1d",
        "adaptive_avg_pool2d",
        "adaptive_avg_pool2d_equal_windows",
        "adaptive_avg_pool2d_global_unbatched",
        "adaptive_max_pool1d",
        "adaptive_max_pool2d",
        "avg_pool2d",
        "conv1d",
        "conv2d_geometry",
        "conv2d_chunked",
        "conv2d_planes_geometry",
        "conv_transpose2d",
        "conv_transpose2d_groups_dilation",
        "conv_transpose2d_dilation",
        "conv_transpose1d_dilation",
        "interpolate_linear",
        "max_pool1d",
        "adaptive_avg_pool3d",
        "adaptive_avg_pool3d_equal_windows",
        "interpolate_area_3d",
        "adaptive_max_pool3d",
        "adaptive_max_pool3d_indices",
        "conv_transpose3d",
        "conv_transpose3d_dilation",
    },
    "bool": {
        "conv3d",
        "conv3d_groups",
        "max_pool2d_ceil_mode",
        "avg_pool2d_ceil_mode",
        "pool1d_ceil_mode",
        "pool3d_ceil_mode",
        "max_pool3d",
        "max_pool3d_indices",
        "avg_pool3d",
        "index_reduce_prod_no_self",
        "adaptive_avg_pool1d",
        "adaptive_avg_pool2d",
        "adaptive_avg_pool2d_equal_windows",
        "adaptive_avg_pool2d_global_unbatched",
        "addbmm",
        "addmm",
        "addmv",
        "avg_pool1d",
        "avg_pool2d",
        "baddbmm",
        "bmm",
        "conv1d",
        "conv1d_groups_same",
        "conv2d",
        "conv2d_depthwise",
        "conv2d_geometry",
        "conv2d_chunked",
        "conv2d_groups",
        "conv2d_planes",
        "conv2d_planes_geometry",
        "conv_transpose2d",
        "conv_transpose2d_groups_dilation",
        "conv_transpose2d_dilation",
        "conv_transpose1d_dilation",
        "dot",
        "einsum",
        "einsum_ellipsis",
        "einsum_implicit",
        "einsum_repeated_with_others",
        "einsum_sublist",
        "einsum_three",
        "inner",
        "inner_1d",
        "interpolate_bicubic",
        "interpolate_bicubic_corners",
        "interpolate_nearest",
        "interpolate_nearest_exact",
        "interpolate_nearest_size",
        "linalg_multi_dot",
        "linalg_multi_dot_matrices",
        "linear",
        "linear_no_bias",
        "linalg_matrix_power",
        "matmul",
        "matmul_batched",
        "matmul_mat_vec",
        "matmul_vec_mat",
        "max_pool1d",
        "max_pool2d",
        "max_pool2d_geometry",
        "max_pool2d_indices",
        "mm",
        "mv",
        "pad_reflect",
        "pad_replicate",
        "rnn_relu_cell",
        "tensordot",
        "tensordot_dims",
        "trace",
        "vdot",
        "adaptive_avg_pool3d",
        "adaptive_avg_pool3d_equal_windows",
        "interpolate_area_3d",
        "conv_transpose3d",
        "conv_transpose3d_dilation",
    },
}


@pytest.mark.parametrize("dtype", DTYPES)
def test_op_table_in_each_dtype(dtype):
    known, permissive = KNOWN_TABLE.get(dtype, {}), PERMISSIVE.get(dtype, set())
    failures: list = []
    for case in (c for c in CASES if c.torch):
        arrays = _table_arrays(case, dtype)

        def run(lib, case=case, arrays=arrays):
            xs = [lib.tensor(a, dtype=getattr(lib, dtype)) for a in arrays]
            return case.fn(lib, functional(lib), *xs)

        def rounded(lib, case=case, arrays=arrays):
            xs = [lib.tensor(a, dtype=lib.float16).float() for a in arrays]
            out = _leaves(case.fn(lib, functional(lib), *xs))
            return [o.half() if getattr(o, "dtype", None) == lib.float32 else o for o in out]

        _check(
            case.name,
            run,
            known,
            failures,
            permissive,
            rounded=rounded if dtype == "float16" and case.name not in known else None,
        )
    _report(failures)


# -- float16 where float16 arithmetic would overflow or lose the result ----------------------
_RNG = np.random.default_rng(0)
_BIG = _RNG.uniform(200, 300, size=(64, 100))  # squares near float16's max, 65504
_WIDE = _RNG.uniform(-15, 15, size=(8, 50))  # exp overflows float16 above 11
_SMALL = _RNG.uniform(-0.03, 0.03, size=(4, 100))
_LONG = _RNG.uniform(0, 1, size=(4, 4096))  # float16 sums near 1000 drift when added in float16
_TARGETS = _RNG.integers(0, 50, size=8)


def _half(lib, array):
    return lib.tensor(array, dtype=lib.float16)


def _f(lib):
    return lib.nn.functional


HALF_CALLS = {
    "sum": lambda t: _half(t, _BIG).sum(),
    "sum_dim0": lambda t: _half(t, _BIG).sum(0),
    "mean": lambda t: _half(t, _BIG).mean(),
    "mean_dim1": lambda t: _half(t, _BIG).mean(1),
    "prod": lambda t: _half(t, _WIDE[:, :5]).prod(1),
    "cumsum": lambda t: _half(t, _BIG).cumsum(1),
    "logcumsumexp of long rows": lambda t: _half(t, _LONG).logcumsumexp(1),
    "cumprod": lambda t: _half(t, _WIDE[:, :6] / 10).cumprod(1),
    "var": lambda t: _half(t, _BIG).var(),
    "std_dim1": lambda t: _half(t, _BIG).std(1),
    "norm": lambda t: _half(t, _BIG).norm(),
    "logsumexp": lambda t: _half(t, _WIDE).logsumexp(1),
    "softmax": lambda t: _f(t).softmax(_half(t, _WIDE), 1),
    "log_softmax": lambda t: _f(t).log_softmax(_half(t, _WIDE), 1),
    "cross_entropy": lambda t: _f(t).cross_entropy(_half(t, _WIDE), t.tensor(_TARGETS)),
    "cross_entropy_smoothing": lambda t: _f(t).cross_entropy(
        _half(t, _WIDE), t.tensor(_TARGETS), label_smoothing=0.1
    ),
    "mse_loss": lambda t: _f(t).mse_loss(_half(t, _BIG), _half(t, -_BIG)),
    "l1_loss": lambda t: _f(t).l1_loss(_half(t, _BIG), _half(t, -_BIG)),
    "smooth_l1_loss": lambda t: _f(t).smooth_l1_loss(_half(t, _BIG), _half(t, -_BIG)),
    "huber_loss": lambda t: _f(t).huber_loss(_half(t, _BIG), _half(t, 0 * _BIG)),
    "bce_with_logits": lambda t: _f(t).binary_cross_entropy_with_logits(
        _half(t, _WIDE), t.sigmoid(_half(t, _WIDE[::-1].copy()))
    ),
    "matmul": lambda t: _half(t, _BIG[:, :50]) @ _half(t, _BIG[:50, :]),
    "linear": lambda t: _f(t).linear(_half(t, _BIG), _half(t, _BIG[:3] / 100)),
    "layer_norm": lambda t: _f(t).layer_norm(_half(t, _BIG), (100,)),
    "batch_norm": lambda t: _f(t).batch_norm(_half(t, _BIG), None, None, training=True),
    "group_norm": lambda t: _f(t).group_norm(_half(t, _BIG.reshape(64, 10, 10)), 2),
    "instance_norm": lambda t: _f(t).instance_norm(_half(t, _BIG.reshape(4, 16, 100))),
    "rms_norm": lambda t: _f(t).rms_norm(_half(t, _BIG), (100,)),
    "rms_norm_small": lambda t: _f(t).rms_norm(_half(t, _SMALL), (100,)),
    "local_response_norm": lambda t: _f(t).local_response_norm(
        _half(t, _BIG.reshape(1, 64, 100)), 2
    ),
    "normalize": lambda t: _f(t).normalize(_half(t, _BIG)),
    "cosine_similarity": lambda t: _f(t).cosine_similarity(
        _half(t, _BIG), _half(t, _BIG[::-1].copy())
    ),
    "gelu": lambda t: _f(t).gelu(_half(t, _WIDE)),
    "gelu_tanh": lambda t: _f(t).gelu(_half(t, _WIDE), approximate="tanh"),
    "sigmoid": lambda t: t.sigmoid(_half(t, _WIDE)),
    "silu": lambda t: _f(t).silu(_half(t, _WIDE)),
    "softplus": lambda t: _f(t).softplus(_half(t, _WIDE)),
    "avg_pool2d": lambda t: _f(t).avg_pool2d(_half(t, _BIG.reshape(1, 1, 64, 100)), 4),
    "adaptive_avg_pool2d": lambda t: _f(t).adaptive_avg_pool2d(
        _half(t, _BIG.reshape(1, 1, 64, 100)), 1
    ),
    "einsum": lambda t: t.einsum("ij,ij->i", _half(t, _BIG), _half(t, _BIG)),
    "einsum of long rows": lambda t: t.einsum("ik,kj->ij", _half(t, _LONG), _half(t, _LONG.T)),
    "matmul of long rows": lambda t: _half(t, _LONG) @ _half(t, _LONG.T),
    "softmax of long rows": lambda t: _half(t, 8 * _LONG - 4).softmax(1),
    "log_softmax of long columns": lambda t: _f(t).log_softmax(_half(t, 8 * _LONG.T - 4), 0),
    "embedding_bag of 4096 rows": lambda t: _f(t).embedding_bag(
        t.arange(4096)[None], _half(t, _LONG.T), mode="sum"
    ),
    "embedding_bag mean": lambda t: _f(t).embedding_bag(
        t.arange(4096)[None], _half(t, _LONG.T), mode="mean"
    ),
    "cross_entropy of 4096 classes": lambda t: _f(t).cross_entropy(
        _half(t, 8 * _LONG - 4), t.tensor([1, 2, 3, 0])
    ),
    "sdpa": lambda t: _f(t).scaled_dot_product_attention(*[_half(t, _WIDE.reshape(2, 4, 50))] * 3),
}

# calls where minigrad's float16 differs from PyTorch's (docs/nn.md)
KNOWN_HALF = {
    "instance_norm": "computed as layer_norm in float32, nearer the exact values than PyTorch's "
    "float16 batch_norm path (up to 5e-3 apart)",
    "batch_norm": "the batch's moments kept in float32: nearer the exact values than PyTorch's "
    "(up to 4e-3 apart)",
}


def test_half_precision_accumulates_as_pytorch():
    failures: list = []
    for name, fn in HALF_CALLS.items():
        _check(name, fn, KNOWN_HALF, failures)
    _report(failures)


# -- type promotion: tensors of each dtype, 0-d tensors and Python scalars ------------------
PROMOTED = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
_VALUES = {
    "bool": [True, False, True],
    "uint8": [0, 5, 250],
    "int32": [-7, 3, 7],
    "int64": [-7, 0, 7],
    "float16": [-7.5, 0.0, 7.25],
    "float32": [-7.5, 0.0, 7.25],
    "float64": [-7.5, 0.0, 7.25],
}
BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "<": operator.lt,
    "==": operator.eq,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}
SCALARS = [True, 3, -3, 2.5, -2.5, 0]


def _tensor(lib, dtype, zero_dim=False):
    values = _VALUES[dtype]
    return lib.tensor(values[0] if zero_dim else values, dtype=getattr(lib, dtype))


def test_binary_ops_between_tensors_of_every_dtype():
    failures: list = []
    for (d1, d2), (sym, op) in itertools.product(
        itertools.product(PROMOTED, PROMOTED), BINARY.items()
    ):
        for zero_dim in (False, True):
            name = f"{d1} {sym} {'0-d ' if zero_dim else ''}{d2}"

            def run(lib, d1=d1, d2=d2, op=op, zero_dim=zero_dim):
                return op(_tensor(lib, d1), _tensor(lib, d2, zero_dim))

            _check(name, run, {}, failures)
    _report(failures)


def test_binary_ops_with_python_scalars():
    failures: list = []
    for dtype, (sym, op), s in itertools.product(PROMOTED, BINARY.items(), SCALARS):
        _check(
            f"{dtype} {sym} {s!r}",
            lambda lib, op=op, dtype=dtype, s=s: op(_tensor(lib, dtype), s),
            {},
            failures,
        )
        _check(
            f"{s!r} {sym} {dtype}",
            lambda lib, op=op, dtype=dtype, s=s: op(s, _tensor(lib, dtype)),
            {},
            failures,
        )
    _report(failures)


# -- in-place ops: the result must cast to the tensor's dtype (no float into int) -----------
INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "add_": lambda x, y: x.add_(y),
    "sub_": lambda x, y: x.sub_(y),
    "mul_": lambda x, y: x.mul_(y),
    "copy_": lambda x, y: x.copy_(y) if not isinstance(y, (int, float)) else x.fill_(y),
}
OPERANDS = {
    "1": lambda lib: 1,
    "2.5": lambda lib: 2.5,
    "True": lambda lib: True,
    "float tensor": lambda lib: lib.tensor([1.5, 2.0, 0.5]),
    "int tensor": lambda lib: lib.tensor([1, 2, 3]),
    "0-d float tensor": lambda lib: lib.tensor(2.5),
    "bool tensor": lambda lib: lib.tensor([True, False, True]),
    "float64 tensor": lambda lib: lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64),
}


def test_inplace_ops_cast_as_pytorch():
    failures: list = []
    for dtype, (sym, op), (what, operand) in itertools.product(
        ["bool", "uint8", "int32", "int64", "float16", "float32"], INPLACE.items(), OPERANDS.items()
    ):

        def run(lib, dtype=dtype, op=op, operand=operand):
            x = lib.tensor([1, 2, 3], dtype=getattr(lib, dtype))
            y = op(x, operand(lib))
            assert y is x, "an in-place op returns its tensor"
            return x

        _check(f"{dtype} {sym} {what}", run, {}, failures)
    _report(failures)


# -- integer division and remainder with negative numbers -----------------------------------
DIVISIONS = {
    "//": lambda t, a, b: a // b,
    "%": lambda t, a, b: a % b,
    "div floor": lambda t, a, b: t.div(a, b, rounding_mode="floor"),
    "div trunc": lambda t, a, b: t.div(a, b, rounding_mode="trunc"),
    "true div": lambda t, a, b: t.div(a, b),
    "fmod": lambda t, a, b: t.fmod(a, b),
    "remainder": lambda t, a, b: t.remainder(a, b),
}


def test_integer_division_with_negative_numbers():
    failures: list = []
    a = [-7, -6, -1, 0, 1, 6, 7]
    for (name, fn), dtype, b in itertools.product(
        DIVISIONS.items(), ["int64", "int32", "float64"], [2, -2, 3, -3, 2.5, -2.5]
    ):

        def run(lib, fn=fn, dtype=dtype, b=b):
            return fn(lib, lib.tensor(a, dtype=getattr(lib, dtype)), b)

        def run_tensor(lib, fn=fn, dtype=dtype, b=b):
            return fn(lib, lib.tensor(a, dtype=getattr(lib, dtype)), lib.tensor([b] * len(a)))

        _check(f"{dtype} {name} {b}", run, {}, failures)
        _check(f"{dtype} {name} tensor of {b}", run_tensor, {}, failures)
    zero = {
        "int64 // 0": lambda t: t.tensor([1, -1]) // 0,
        "int64 % 0": lambda t: t.tensor([1]) % 0,
    }
    zero["float % 0"] = lambda t: t.tensor([1.0, -1.0, 0.0]) % 0
    zero["0 % int"] = lambda t: 0 % t.tensor([0, 2])
    for name, fn in zero.items():
        _check(name, fn, {}, failures)
    _report(failures)


# -- creation with dtype=, and tensor() of Python values --------------------------------------
CREATION = {
    "arange int": lambda t: t.arange(5),
    "arange float step": lambda t: t.arange(0, 1, 0.25),
    "arange float end": lambda t: t.arange(5.0),
    "arange float16": lambda t: t.arange(5, dtype=t.float16),
    "arange uint8": lambda t: t.arange(3, dtype=t.uint8),
    "arange of a tensor": lambda t: t.arange(t.tensor(5)),
    "arange negative step": lambda t: t.arange(5, 0, -1.5),
    "linspace": lambda t: t.linspace(0, 1, 5),
    "linspace int64": lambda t: t.linspace(0, 10, 4, dtype=t.int64),
    "linspace float16": lambda t: t.linspace(-1, 1, 7, dtype=t.float16),
    "logspace": lambda t: t.logspace(0, 2, 3),
    "full int": lambda t: t.full((2,), 3),
    "full float": lambda t: t.full((2,), 3.5),
    "full bool": lambda t: t.full((2,), True),
    "full int32 of a float": lambda t: t.full((2,), 3.7, dtype=t.int32),
    "zeros int64": lambda t: t.zeros(2, 3, dtype=t.int64),
    "zeros bool": lambda t: t.zeros(2, dtype=t.bool),
    "ones float16": lambda t: t.ones((2,), dtype=t.float16),
    "eye int64": lambda t: t.eye(3, dtype=t.int64),
    "empty int32": lambda t: str(t.empty(2, dtype=t.int32).dtype).split(".")[1],
    "zeros_like float64": lambda t: t.zeros_like(t.tensor([1, 2]), dtype=t.float64),
    "full_like int": lambda t: t.full_like(t.tensor([1, 2]), 2.7),
    "ones_like float16": lambda t: t.ones_like(t.tensor([1, 2]), dtype=t.float16),
    "tensor of ints": lambda t: t.tensor([1, 2]),
    "tensor of floats": lambda t: t.tensor([1, 2.5]),
    "tensor of bools": lambda t: t.tensor([True, False]),
    "tensor of bools and ints": lambda t: t.tensor([True, 2]),
    "tensor of an int": lambda t: t.tensor(3),
    "tensor of a float": lambda t: t.tensor(3.0),
    "tensor of a bool": lambda t: t.tensor(False),
    "tensor of nothing": lambda t: t.tensor([]),
    "tensor nested": lambda t: t.tensor([[1, 2], [3, 4.0]]),
    "tensor int64 of floats": lambda t: t.tensor([1.7, -2.7], dtype=t.int64),
    "tensor of a big int": lambda t: t.tensor([2**40]),
    "tensor of float32 array": lambda t: t.tensor(np.array([1, 2], dtype=np.float32)),
    "tensor of int32 array": lambda t: t.tensor(np.array([1, 2], dtype=np.int32)),
    "tensor of a NumPy float": lambda t: t.tensor(np.float64(2.5)),
    "as_tensor float16": lambda t: t.as_tensor([1, 2], dtype=t.float16),
    "from_numpy int32": lambda t: t.from_numpy(np.arange(3, dtype=np.int32)),
    "randint": lambda t: str(t.randint(0, 5, (3,)).dtype).split(".")[1],
    "randint int32": lambda t: str(t.randint(0, 5, (3,), dtype=t.int32).dtype).split(".")[1],
    "randn float16": lambda t: str(t.randn(3, dtype=t.float16).dtype).split(".")[1],
    "rand float16 below 1": lambda t: bool((t.rand(4096, dtype=t.float16) < 1).all()),
    "rand int64": lambda t: t.rand(3, dtype=t.int64),
    "randn int64": lambda t: t.randn(3, dtype=t.int64),
    "rand_like float16": lambda t: str(t.rand_like(t.ones(2, dtype=t.float16)).dtype)[-7:],
    "rand_like int": lambda t: t.rand_like(t.tensor([1, 2])),
    "item of an int": lambda t: type(t.tensor([3])[0].item()).__name__,
    "int of a float": lambda t: int(t.tensor(3.7)),
    "float of an int": lambda t: float(t.tensor(3)),
    "double": lambda t: t.tensor([1, 2]).double(),
    "int truncates": lambda t: t.tensor([1.9, -1.9]).int(),
    "half": lambda t: t.tensor([1, 2]).half(),
    "promote_types": lambda t: str(t.promote_types(t.uint8, t.int8)).split(".")[1],
    "result_type": lambda t: str(t.result_type(t.tensor([1, 2]), 2.5)).split(".")[1],
    "can_cast float to int": lambda t: t.can_cast(t.float32, t.int32),
    "can_cast int64 to uint8": lambda t: t.can_cast(t.int64, t.uint8),
    "finfo float16": lambda t: (t.finfo(t.float16).eps, t.finfo(t.float16).max),
    "iinfo int32": lambda t: t.iinfo(t.int32).max,
    "element_size float16": lambda t: t.tensor([1], dtype=t.float16).element_size(),
}


def test_creation_with_dtype():
    failures: list = []
    for name, fn in CREATION.items():
        _check(name, fn, {}, failures)
    _report(failures)


# -- common calls in each dtype: reductions, activations, losses, comparisons, indexing ------
def _matrix(lib, dtype):
    a = np.array([[-3, 0, 5, 2], [7, -1, 2, 9]])
    a = a > 1 if dtype == "bool" else np.abs(a) if dtype == "uint8" else a
    return lib.tensor(a.tolist(), dtype=getattr(lib, dtype))


CALLS = {
    "sum": lambda t, x: x.sum(),
    "sum dim": lambda t, x: x.sum(1),
    "sum dtype": lambda t, x: x.sum(dtype=t.float32),
    "mean": lambda t, x: x.mean(),
    "mean dtype": lambda t, x: x.mean(dtype=t.float64),
    "prod": lambda t, x: x.prod(),
    "cumsum": lambda t, x: x.cumsum(1),
    "cumprod": lambda t, x: x.cumprod(0),
    "max": lambda t, x: x.max(),
    "max dim": lambda t, x: x.max(1),
    "min dim": lambda t, x: x.min(dim=0),
    "argmax": lambda t, x: x.argmax(),
    "amax": lambda t, x: x.amax(1),
    "std": lambda t, x: x.std(),
    "var dim": lambda t, x: x.var(1),
    "norm": lambda t, x: x.norm(),
    "logsumexp": lambda t, x: x.logsumexp(1),
    "abs": lambda t, x: x.abs(),
    "neg": lambda t, x: -x,
    "invert": lambda t, x: ~x,
    "sqrt": lambda t, x: x.sqrt(),
    "exp": lambda t, x: x.exp(),
    "log": lambda t, x: x.log(),
    "square": lambda t, x: x.square(),
    "x ** 2": lambda t, x: x**2,
    "x ** 0.5": lambda t, x: x**0.5,
    "2 ** x": lambda t, x: 2**x,
    "round": lambda t, x: x.round(),
    "round decimals": lambda t, x: (x / 7).round(decimals=2) + x.round(decimals=-1),
    "prod dtype": lambda t, x: x.prod(dtype=t.float64),
    "sign": lambda t, x: x.sign(),
    "sigmoid": lambda t, x: t.sigmoid(x),
    "tanh": lambda t, x: x.tanh(),
    "relu": lambda t, x: t.relu(x),
    "gelu": lambda t, x: _f(t).gelu(x),
    "leaky_relu": lambda t, x: _f(t).leaky_relu(x),
    "elu": lambda t, x: _f(t).elu(x),
    "hardtanh": lambda t, x: _f(t).hardtanh(x),
    "relu6": lambda t, x: _f(t).relu6(x),
    "softmax": lambda t, x: x.softmax(1),
    "softmax dtype": lambda t, x: t.softmax(x, 1, dtype=t.float32),
    "log_softmax": lambda t, x: _f(t).log_softmax(x, 1),
    "mse_loss": lambda t, x: _f(t).mse_loss(x, x.flip(0)),
    "l1_loss": lambda t, x: _f(t).l1_loss(x, x.flip(0)),
    "smooth_l1_loss": lambda t, x: _f(t).smooth_l1_loss(x, x.flip(0)),
    "huber_loss": lambda t, x: _f(t).huber_loss(x, x.flip(0)),
    "clamp": lambda t, x: x.clamp(0, 3),
    "clamp floats": lambda t, x: x.clamp(0.5, 3.5),
    "clamp min": lambda t, x: x.clamp(min=1),
    "where scalar": lambda t, x: t.where(x > 1, x, 0),
    "where float scalar": lambda t, x: t.where(x > 1, x, 0.5),
    "where float tensor": lambda t, x: t.where(x > 1, x, x.float()),
    "maximum": lambda t, x: t.maximum(x, x.flip(0)),
    "matmul": lambda t, x: x @ x.T,
    "dot": lambda t, x: t.dot(x[0], x[1]),
    "outer": lambda t, x: t.outer(x[0], x[1]),
    "einsum": lambda t, x: t.einsum("ij,ij->i", x, x),
    "== 2": lambda t, x: x == 2,
    "== 2.0": lambda t, x: x == 2.0,
    "> 1.5": lambda t, x: x > 1.5,
    "!= tensor": lambda t, x: x != x.flip(1),
    "isclose": lambda t, x: t.isclose(x, x),
    "equal": lambda t, x: t.equal(x, x),
    "all": lambda t, x: x.all(),
    "any dim": lambda t, x: x.any(1),
    "count_nonzero": lambda t, x: t.count_nonzero(x),
    "sort": lambda t, x: x.sort(1),
    "argsort": lambda t, x: x.argsort(1),
    "unique": lambda t, x: t.unique(x),
    "nonzero": lambda t, x: x.nonzero(),
    "mask index": lambda t, x: x[x > 1],
    "float": lambda t, x: x.float(),
    "long": lambda t, x: x.long(),
    "bool": lambda t, x: x.bool(),
    "to int32": lambda t, x: x.to(t.int32),
    "tolist": lambda t, x: x.tolist(),
    "cat with float": lambda t, x: t.cat([x, x.float()]),
    "stack with long": lambda t, x: t.stack([x, x.long()]),
    "fill_ a float": lambda t, x: x.clone().fill_(2.7),
    "masked_fill a float": lambda t, x: x.masked_fill(x > 1, 2.7),
    "full_like a float": lambda t, x: t.full_like(x, 2.7),
    "setitem a float": lambda t, x: _setitem(x.clone(), 2.7),
    "diff": lambda t, x: t.diff(x),
    "tril": lambda t, x: x.tril(),
    "isnan": lambda t, x: x.isnan(),
    "nan_to_num": lambda t, x: x.nan_to_num(),
    "floor_divide -2": lambda t, x: t.floor_divide(x, -2),
    "div trunc -2": lambda t, x: t.div(x, -2, rounding_mode="trunc"),
    "remainder -2": lambda t, x: t.remainder(x, -2),
    "fmod -2": lambda t, x: t.fmod(x, -2),
    "x / 2": lambda t, x: x / 2,
    "true_divide method": lambda t, x: x.true_divide(2),
    "floor_divide method": lambda t, x: x.floor_divide(-2),
    "bitwise_and 6": lambda t, x: t.bitwise_and(x, 6),
    "x & x": lambda t, x: x & x.flip(0),
    "x | 1": lambda t, x: x | 1,
    "x ^ True": lambda t, x: x ^ True,
}


def _setitem(x, value):
    x[0] = value
    return x


# computed by minigrad where PyTorch has no kernel (or refuses), as PERMISSIVE above
PERMISSIVE_CALLS = {"bool": {"dot", "einsum", "matmul"}}


@pytest.mark.parametrize("dtype", DTYPES)
def test_common_calls_in_each_dtype(dtype):
    permissive = PERMISSIVE_CALLS.get(dtype, set())
    failures: list = []
    for name, fn in CALLS.items():
        _check(name, lambda lib, fn=fn: fn(lib, _matrix(lib, dtype)), {}, failures, permissive)
    _report(failures)


# -- modules whose parameters keep float32 while the input is float16 or float64 -------------
def _module(lib, name):
    lib.manual_seed(0)
    m = {
        "Linear": lambda: lib.nn.Linear(8, 3),
        "LayerNorm": lambda: lib.nn.LayerNorm(8),
        "BatchNorm1d": lambda: lib.nn.BatchNorm1d(8),
        "GroupNorm": lambda: lib.nn.GroupNorm(2, 8),
        "Conv1d": lambda: lib.nn.Conv1d(8, 2, 1),
    }[name]()
    with lib.no_grad():  # the same parameters in both libraries
        for i, p in enumerate(m.parameters()):
            p.copy_(lib.tensor(np.random.default_rng(i).uniform(0.5, 1.5, tuple(p.shape))))
    return m


KNOWN_MIXED: dict[str, str] = {}


def test_float32_parameters_with_other_inputs():
    """float16 inputs to float32 norms stay float16 (PyTorch's CPU mixed type); float64 inputs
    to float32 parameters raise, as do float16 inputs to a float32 Linear."""
    failures: list = []
    x = _RNG.standard_normal((4, 8, 1))
    for name, dtype in itertools.product(
        ["Linear", "LayerNorm", "BatchNorm1d", "GroupNorm", "Conv1d"], ["float16", "float64"]
    ):

        def run(lib, name=name, dtype=dtype):
            data = x[..., 0] if name in ("Linear", "LayerNorm") else x
            return _module(lib, name)(lib.tensor(data, dtype=getattr(lib, dtype)))

        _check(f"{name} {dtype} input", run, KNOWN_MIXED, failures)
    _report(failures)


# -- losses and indexing with operands of two dtypes ----------------------------------------
_P, _Q = _RNG.uniform(0.1, 0.9, (4, 5)), _RNG.uniform(0.1, 0.9, (4, 5))
_CLASSES = _RNG.integers(0, 5, 4)
PAIRED = {
    "mse_loss": lambda t, a, b: _f(t).mse_loss(a, b),
    "l1_loss": lambda t, a, b: _f(t).l1_loss(a, b),
    "smooth_l1_loss": lambda t, a, b: _f(t).smooth_l1_loss(a, b),
    "huber_loss": lambda t, a, b: _f(t).huber_loss(a, b),
    "binary_cross_entropy": lambda t, a, b: _f(t).binary_cross_entropy(a, b),
    "bce_with_logits": lambda t, a, b: _f(t).binary_cross_entropy_with_logits(a, b),
    "kl_div": lambda t, a, b: _f(t).kl_div(a.log(), b, reduction="batchmean"),
    "cross_entropy with probabilities": lambda t, a, b: _f(t).cross_entropy(a, b),
    "cosine_similarity": lambda t, a, b: _f(t).cosine_similarity(a, b),
    "pairwise_distance": lambda t, a, b: _f(t).pairwise_distance(a, b),
    "poisson_nll_loss": lambda t, a, b: _f(t).poisson_nll_loss(a, b),
    "where": lambda t, a, b: t.where(a > 0.5, a, b),
    "cat": lambda t, a, b: t.cat([a, b]),
    "maximum": lambda t, a, b: t.maximum(a, b),
    "matmul": lambda t, a, b: a @ b.T,
    "einsum": lambda t, a, b: t.einsum("ij,kj->ik", a, b),
    "lerp": lambda t, a, b: t.lerp(a, b, 0.3),
    "atan2": lambda t, a, b: t.atan2(a, b),
    "sdpa": lambda t, a, b: _f(t).scaled_dot_product_attention(a[None], b[None], b[None]),
}
PAIRS = [
    ("float16", "float32"),
    ("float32", "float64"),
    ("float64", "float16"),
    ("float16", "float16"),
    ("float32", "int64"),
]


def test_losses_and_ops_on_two_dtypes():
    failures: list = []
    for (da, db), (name, fn) in itertools.product(PAIRS, PAIRED.items()):

        def run(lib, fn=fn, da=da, db=db):
            a, b = (lib.tensor(v, dtype=getattr(lib, d)) for v, d in ((_P, da), (_Q, db)))
            return fn(lib, a, b)

        least = next(d for d in ("float16", "float32", "float64") if d in (da, db))
        _check(f"{name}({da}, {db})", run, {}, failures, precision=least)
    targets = {
        "cross_entropy": lambda t, x, y, w: _f(t).cross_entropy(x, y, weight=w),
        "nll_loss": lambda t, x, y, w: _f(t).nll_loss(x.log_softmax(1), y, weight=w),
    }
    for (name, fn), dtype, target, weight in itertools.product(
        targets.items(), ["float16", "float64"], ["int64", "int32", "uint8"], [None, "float32"]
    ):

        def run(lib, fn=fn, dtype=dtype, target=target, weight=weight):
            x = lib.tensor(_P, dtype=getattr(lib, dtype))
            w = None if weight is None else lib.ones(5, dtype=getattr(lib, weight))
            return fn(lib, x, lib.tensor(_CLASSES, dtype=getattr(lib, target)), w)

        _check(f"{name}({dtype}, {target} target, weight {weight})", run, {}, failures)
    indexed = {
        "one_hot of int32": lambda t: _f(t).one_hot(t.tensor(_CLASSES, dtype=t.int32), 5),
        "embedding of int32": lambda t: _f(t).embedding(
            t.tensor(_CLASSES, dtype=t.int32), t.tensor(_P, dtype=t.float16)
        ),
        "x[int32 tensor]": lambda t: t.tensor(_P)[t.tensor(_CLASSES, dtype=t.int32)],
        "x[uint8 mask]": lambda t: t.tensor(_P)[t.tensor([1, 0, 1, 0], dtype=t.uint8)],
        "gather int32": lambda t: t.tensor(_P).gather(
            1, t.tensor(_CLASSES, dtype=t.int64)[:, None]
        ),
    }
    for name, fn in indexed.items():
        _check(name, fn, {}, failures)
    _report(failures)


def _filled(lib, dtype, value):
    x = lib.tensor([1, 2, 3], dtype=getattr(lib, dtype))
    return x.masked_fill(lib.tensor([True, False, True]), value)


def test_fill_values_an_integer_dtype_cannot_hold():
    """PyTorch wraps ints down to -max into unsigned dtypes and refuses what overflows."""
    failures: list = []
    cases = [("uint8", v) for v in (-1, -200, -256, 255, 256, -0.5, 255.0, 255.4, 2.7, True)]
    cases += [("int8", v) for v in (127, 128, -128, -129, 127.5)]
    cases += [("int32", v) for v in (2**31, -(2**31), 2.5e9)]
    for dtype, value in cases:
        _check(
            f"{dtype}.masked_fill({value!r})",
            lambda t, d=dtype, v=value: _filled(t, d, v),
            {},
            failures,
        )
    pairs = {
        "isclose int64, float32": lambda t: t.isclose(t.tensor([1]), t.tensor([1.0])),
        "isclose float64, float32": lambda t: t.isclose(
            t.tensor([1.0], dtype=t.float64), t.ones(1)
        ),
        "index_fill uint8 with -1.0": lambda t: t.zeros(3, dtype=t.uint8).index_fill(
            0, t.tensor([1]), -1.0
        ),
    }
    for name, fn in pairs.items():
        _check(name, fn, {}, failures)
    _report(failures)
