"""PyTorch's switches for its compute libraries (`torch.backends`), as far as they apply here.

minigrad computes with NumPy's BLAS on the CPU and with CuPy (cuBLAS) on NVIDIA GPUs. It has
no cuDNN autotuner, no nondeterministic kernels to turn off and no Apple-GPU backend, so the
flags that tutorials set in their first lines (`cudnn.benchmark = True`,
`cudnn.deterministic = True`) are accepted and change nothing, and the `is_available()`
questions answer False.
"""

from types import SimpleNamespace

cudnn = SimpleNamespace(
    enabled=True, benchmark=False, deterministic=False, is_available=lambda: False
)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
