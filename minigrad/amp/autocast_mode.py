"""autocast: inside the block, the matrix products (matmul, mm, bmm, linear, conv) take their
float32 inputs as float16 and give float16 results, and the losses that PyTorch computes in
float32 (nll_loss, cross_entropy) take float16 inputs as float32.

# NOTE: it works like PyTorch's dispatcher: while a block is active, `Function.apply` hands
# each op's arguments to `_cast_args` (kept in the grad-mode state) first, which casts them
# when the op is on a list: a recorded, differentiable cast, so gradients flow back to the
# float32 parameters in float32.
"""

from __future__ import annotations

import functools
import warnings

from minigrad import cuda, dtypes
from minigrad.autograd.grad_mode import state
from minigrad.ops.selection import Cast
from minigrad.tensor import Tensor

# op names (Function.op_name) -> the dtype policy; PyTorch's CPU lists, reduced to the ops
# minigrad has as single Functions (mm, bmm, dot, mv, and the products inside conv1d,
# grouped convolutions, addmm, baddbmm and addbmm are all `matmul`)
LOWER_PRECISION_OPS = frozenset({"matmul", "linear", "conv2d"})
FLOAT32_OPS = frozenset({"nll_loss", "cross_entropy"})

_DEVICE_TYPES = ("cpu", "cuda")


def _cast_args(cls, args: tuple) -> tuple:
    name = cls.op_name
    if name in LOWER_PRECISION_OPS:
        source, target = dtypes.float32, state.autocast_dtype
    elif name in FLOAT32_OPS:
        source, target = state.autocast_dtype, dtypes.float32
    else:
        return args
    return tuple(
        Cast.apply(a, target) if isinstance(a, Tensor) and a.dtype == source else a for a in args
    )


class autocast:  # noqa: N801 - PyTorch's name
    """`torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)`: a context
    manager (or decorator) for mixed precision, float16 only.

    minigrad has no bfloat16 (NumPy has none), so `autocast("cpu")`, whose default dtype in
    PyTorch is bfloat16, raises: pass `dtype=torch.float16`. `autocast("cuda")` without CUDA
    warns and does nothing, as PyTorch. `cache_enabled` is accepted; each op casts its
    weights anew (PyTorch keeps the float16 copies of the weights for the block).
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICE_TYPES:
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}': minigrad "
                "supports 'cpu' and 'cuda'"
            )
        self.device = device_type
        self.fast_dtype = dtypes.float16 if dtype is None and device_type == "cuda" else dtype
        if self.fast_dtype is None and enabled:
            raise RuntimeError(
                "autocast('cpu') uses bfloat16 by default in PyTorch, and minigrad has no "
                "bfloat16 (NumPy has none): use torch.autocast('cpu', dtype=torch.float16)"
            )
        self._enabled = enabled
        if enabled and device_type == "cuda" and not cuda.is_available():
            warnings.warn(
                "CUDA is not available or torch_xla is imported. Disabling autocast.",
                stacklevel=2,
            )
            self._enabled = False
        if self._enabled and self.fast_dtype != dtypes.float16:
            warnings.warn(
                f"In {device_type.upper()} autocast, but the target dtype is not supported. "
                "Disabling autocast.\nminigrad's autocast supports float16 only (it has no "
                "bfloat16).",
                stacklevel=2,
            )
            self._enabled = False

    def __enter__(self):
        self._previous = (state.autocast, state.autocast_dtype, state.autocast_device)
        if self._enabled:
            state.autocast = _cast_args
            state.autocast_dtype, state.autocast_device = self.fast_dtype, self.device
        else:
            state.autocast = state.autocast_dtype = state.autocast_device = None
        return self

    def __exit__(self, *exc) -> None:
        state.autocast, state.autocast_dtype, state.autocast_device = self._previous

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return wrapper


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether an autocast block for `device_type` is active (PyTorch's default asks about
    CUDA)."""
    return state.autocast is not None and state.autocast_device == device_type
