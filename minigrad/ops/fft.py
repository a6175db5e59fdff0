"""The real-to-real discrete Fourier transforms behind `minigrad.fft`: the inverse real FFT of
a real spectrum, and the real part of the forward real FFT, which are each other's adjoints.

For a real x, irfftn(x) = t C x and Re(rfftn(g)) = s D g, with D the matrix of cosines
cos(2 pi (k . j / n)) and C = D^T diag(c): c is 2 for the bins of the last dim whose
mirror image the Hermitian spectrum leaves out, 1 for the zero bin (and the n/2 bin for an
even n). t and s are the `norm` scales (1/N, 1/sqrt(N) or 1). So the gradient of one op is the
other op, and both are differentiable to any order.

# NOTE: minigrad has no complex dtypes: these are the only FFT paths whose input and result
# are both real (see minigrad/fft.py).
"""

from __future__ import annotations

from minigrad.autograd.function import Function
from minigrad.tensor import Tensor

# the norm whose scale is the transpose's: an inverse with 1/N is a forward with 1/N
_DUAL_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _last_dim_weights(xp, dtype, ndim: int, dim: int, n: int):
    """c along `dim` (n // 2 + 1 bins for n output points), shaped to broadcast over ndim."""
    bins = n // 2 + 1
    c = xp.full(bins, 2.0, dtype=dtype)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0  # the n/2 bin is its own mirror image
    shape = [1] * ndim
    shape[dim] = bins
    return c.reshape(shape)


class Irfftn(Function):
    """y = irfftn(x) over dims (the last one real, n points), for a real x sized s[:-1] along
    the leading dims and n // 2 + 1 along the last. gx = c * Re(rfftn(gy)), dual norm."""

    op_name = "fft_irfftn"

    @staticmethod
    def forward(ctx, x, n, dims, norm):
        xp = x.device.xp
        array = x.array
        sizes = tuple(array.shape[d] for d in dims[:-1]) + (n,)
        y = xp.fft.irfftn(array, s=sizes, axes=dims, norm=norm)
        ctx.dims, ctx.norm = dims, norm
        ctx.weights = _last_dim_weights(xp, array.dtype, array.ndim, dims[-1], n)
        return xp.ascontiguousarray(y, dtype=array.dtype)

    @staticmethod
    def backward(ctx, gy):
        gx = RfftnReal.apply(gy, ctx.dims, _DUAL_NORM[ctx.norm]) * Tensor._make(ctx.weights)
        return gx, None, None, None


class RfftnReal(Function):
    """u = Re(rfftn(g)) over dims: n // 2 + 1 bins along the last one (n = its size).
    gg = irfftn(gu / c), n points, dual norm."""

    op_name = "fft_rfftn_real"

    @staticmethod
    def forward(ctx, g, dims, norm):
        xp = g.device.xp
        array = g.array
        u = xp.fft.rfftn(array, axes=dims, norm=norm).real
        ctx.n, ctx.dims, ctx.norm = array.shape[dims[-1]], dims, norm
        ctx.weights = _last_dim_weights(xp, array.dtype, array.ndim, dims[-1], ctx.n)
        return xp.ascontiguousarray(u, dtype=array.dtype)

    @staticmethod
    def backward(ctx, gu):
        gg = Irfftn.apply(gu / Tensor._make(ctx.weights), ctx.n, ctx.dims, _DUAL_NORM[ctx.norm])
        return gg, None, None
