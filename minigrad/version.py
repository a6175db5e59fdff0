"""`torch.version` as environment reports print it (`torch.version.cuda`): minigrad's version,
and the CUDA runtime version of the CuPy minigrad uses on a GPU (None without one, as in
PyTorch's CPU build)."""

from __future__ import annotations


def __getattr__(name: str):
    # NOTE: looked up on use: finding CuPy imports it, which `import minigrad` never does
    if name == "__version__":
        import minigrad

        return minigrad.__version__
    if name == "cuda":
        from minigrad.backend import cuda

        cupy = cuda.probe().cupy
        if cupy is None:
            return None
        major, minor = divmod(int(cupy.cuda.runtime.runtimeGetVersion()) // 10, 100)
        return f"{major}.{minor}"
    raise AttributeError(f"module 'minigrad.version' has no attribute {name!r}")
