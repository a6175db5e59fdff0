"""PyTorch's switches for its compute libraries (`torch.backends`), as far as they apply here.

minigrad computes with NumPy's BLAS on the CPU and with CuPy (cuBLAS) on NVIDIA GPUs. It has
no cuDNN autotuner, no nondeterministic kernels to turn off and no Apple-GPU backend, so the
flags that tutorials set in their first lines (`cudnn.benchmark = True`,
`cudnn.deterministic = True`) are accepted and change nothing, and the `is_available()`
questions answer False.
"""

import warnings
from types import SimpleNamespace

cudnn = SimpleNamespace(
    enabled=True, benchmark=False, deterministic=False, is_available=lambda: False
)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)

_settings = {
    "matmul_precision": "highest",
    "deterministic": False,
    "warn_only": False,
    "warn_always": False,
}


def set_float32_matmul_precision(precision: str) -> None:
    """Record the precision PyTorch would use inside float32 matmuls ("highest", "high",
    "medium"; another string warns and changes nothing, as PyTorch). minigrad always computes
    float32 matmuls in full float32 (NumPy's BLAS, cuBLAS without TF32), whatever is set:
    `get_float32_matmul_precision()` returns the setting, not a faster mode."""
    if not isinstance(precision, str):
        raise RuntimeError(
            f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}"
        )
    if precision not in ("highest", "high", "medium"):
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "setFloat32MatmulPrecision call has no effect.",
            stacklevel=2,
        )
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _settings["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the flag (`are_deterministic_algorithms_enabled()` reads it back). Every op of
    minigrad is already deterministic on the CPU: the same inputs and seed give the same bits,
    so there is nothing to switch. On the GPU, gradients that scatter-add into repeated
    indices (index_add, embedding) may sum in a different order from run to run, and the flag
    does not change that either."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise TypeError(
                f"use_deterministic_algorithms(): argument '{name}' must be bool, "
                f"not {type(value).__name__}"
            )
    _settings["deterministic"], _settings["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _settings["warn_only"]


def set_warn_always(b: bool) -> None:
    """Store PyTorch's "warn every time" flag. minigrad warns with Python's `warnings`, whose
    filters decide how often a warning shows (`warnings.simplefilter("always")`): the flag
    changes none of minigrad's warnings."""
    _settings["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    return _settings["warn_always"]


def set_flush_denormal(mode: bool) -> bool:
    """False, PyTorch's answer where flushing denormals is not supported: NumPy gives no
    control of the CPU's flush-to-zero mode, so denormals are always kept."""
    return False
