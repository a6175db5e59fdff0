"""Where softmax's dtype goes, as in PyTorch: F.softmax/F.log_softmax/F.softmin take
_stacklevel third (a positional third argument is not the dtype), torch.softmax and
Tensor.softmax take dtype third or by keyword."""

import torch

import minigrad


def _dtypes(lib):
    v, F = lib.ones(2, 3), lib.nn.functional
    outs = [
        lib.softmax(v, 1, lib.float64), v.softmax(1, lib.float64),
        v.log_softmax(-1, dtype=lib.float64), lib.log_softmax(v, 1, lib.float64),
        F.softmax(v, dim=1, dtype=lib.float64), F.softmax(v, 1, 3),
        F.log_softmax(v, 1, 3, lib.float64), F.softmin(v, 1, 3, lib.float64),
    ]  # fmt: skip
    return [str(o.dtype).split(".")[-1] for o in outs]


def test_softmax_dtype_arguments_as_pytorch():
    assert _dtypes(minigrad) == _dtypes(torch)
    assert _dtypes(minigrad)[5] == "float32"
