"""Programs as students copy them (round 7, 71 programs): the corners of the Tensors tutorial
and the docs' examples not yet run here (joining and splitting, rounding and bitwise ops,
special functions, linear algebra, the matmul family, broadcasting, masked and indexed writes,
dtype promotion, reductions, sorting and counting, in-place methods, scatter and gather,
NumPy habits and Python protocols, numerical edge cases), what print shows (modules,
grad_fns, wide and large tensors, optimizers, distributions), the autograd tutorial's and
nn.Module's API details, every optimizer and scheduler not yet stepped, checkpoints through
BytesIO, data loading and collation, layers, losses, activations, normalization, pooling,
convolution and interpolation options, recurrent layers, Transformer
options, distributions (a Gaussian mixture included), and course-notebook and blog models
(d2l, Zero to GANs, actor-critic, ArcFace and focal losses, capsules, a neural ODE, the LLTM
extension tutorial, metric learning, EMA of weights). Each is a function of the library
(`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py); data come
from NumPy so that both libraries see the same numbers."""

from __future__ import annotations

import io
import math

import numpy as np


def _randn(torch, shape, seed, scale=1.0):
    """Data from NumPy, so that both libraries see the same numbers."""
    values = np.random.default_rng(seed).normal(0.0, scale, shape).astype(np.float32)
    return torch.from_numpy(values)


def _shapes_values_grads(torch, outs, inputs) -> dict:
    """Each output's shape, values, and the gradients of its sum of squares with respect to the
    inputs that require grad (None where it does not use one)."""
    inputs = [t for t in inputs if t.requires_grad]
    results = {}
    for name, out in outs.items():
        grads = torch.autograd.grad((out * out).sum(), inputs, allow_unused=True)
        results[name] = [
            list(out.shape),
            out.tolist(),
            [None if g is None else g.tolist() for g in grads],
        ]
    return results


def _name(dtype) -> str:
    """A dtype without its module's name (torch.float32 / minigrad.float32)."""
    return str(dtype).split(".")[-1]


def _shown(torch, obj) -> str:
    """What print shows, with the library's name written as PyTorch's."""
    return str(obj).replace(f"{torch.__name__}.", "torch.")


def lstm_with_projections_and_packing(torch, init):
    """nn.LSTM's docs options together: proj_size (h is projected, c is not), two layers,
    bidirectional, batch_first, fed a batch packed with enforce_sorted=False and unpacked
    with total_length; the parameter names and shapes, the outputs, h_n and c_n, and the
    gradients of the projection weights."""
    nn = torch.nn
    rnn_utils = nn.utils.rnn
    lstm = init(nn.LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True, proj_size=3))
    x = _randn(torch, (3, 5, 4), 1)
    lengths = torch.tensor([2, 5, 3])
    packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, (h, c) = lstm(packed)
    padded, out_lengths = rnn_utils.pad_packed_sequence(out, batch_first=True, total_length=6)
    (padded.pow(2).sum() + h.sum() + c.sum()).backward()
    return {
        "params": [[n, list(p.shape)] for n, p in lstm.named_parameters()],
        "out": [list(padded.shape), out_lengths.tolist(), padded.tolist()],
        "h": [list(h.shape), h.tolist()],
        "c": [list(c.shape), c.tolist()],
        "grads": [lstm.weight_hr_l0.grad.tolist(), lstm.weight_hr_l1_reverse.grad.tolist()],
        "sorted_indices": packed.sorted_indices.tolist(),
    }


def joining_and_splitting_tensors(torch, init):
    """The Tensors tutorial's torch.cat, then every joiner and splitter of the docs: stack,
    hstack, vstack, dstack, column_stack, chunk of an uneven size, split by sizes,
    tensor_split by sections and by indices, unbind, narrow, movedim, flips and rolls,
    rot90, diag_embed, block_diag, tril_indices, atleast_2d; and gradients through a mix."""
    a = torch.arange(6.0).reshape(2, 3)
    b = torch.arange(6.0, 12.0).reshape(2, 3)
    v = torch.arange(7)
    x = _randn(torch, (4, 3), 2).requires_grad_()
    parts = torch.split(x, [1, 3])
    y = torch.cat([parts[1].flip(0), torch.stack(parts[0].unbind(1), 1) * 2], dim=0)
    z = torch.roll(y, shifts=(1, -1), dims=(0, 1)).rot90(1, (0, 1))
    (z * torch.arange(12.0).reshape(3, 4)).sum().backward()
    return {
        "cat": [torch.cat((a, b), 0).tolist(), torch.cat([a, b], dim=1).tolist()],
        "stack": [list(torch.stack([a, b], dim=2).shape), torch.stack([a, b]).tolist()],
        "hv": [torch.hstack([a, b]).tolist(), torch.vstack([a, b]).tolist()],
        "d": [list(torch.dstack([a, b]).shape), torch.column_stack([v[:3], v[3:6]]).tolist()],
        "chunk": [c.tolist() for c in v.chunk(3)],
        "split": [[s.tolist() for s in v.split(3)], [s.tolist() for s in v.split([2, 5])]],
        "tensor_split": [
            [s.tolist() for s in torch.tensor_split(v, 3)],
            [s.tolist() for s in v.tensor_split([1, 4])],
            [s.tolist() for s in torch.tensor_split(a, 2, dim=1)],
        ],
        "unbind": [t.tolist() for t in a.unbind(1)],
        "narrow": a.narrow(1, 1, 2).tolist(),
        "movedim": [
            list(torch.zeros(2, 3, 4).movedim(0, -1).shape),
            list(torch.zeros(2, 3, 4).movedim((0, 1), (2, 0)).shape),
        ],
        "flips": [a.fliplr().tolist(), a.flipud().tolist(), torch.roll(v, 2).tolist()],
        "rot90": [a.rot90().tolist(), torch.rot90(a, -1, [0, 1]).tolist(), a.rot90(2).tolist()],
        "diag_embed": torch.diag_embed(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), offset=1).tolist(),
        "block_diag": torch.block_diag(torch.ones(1, 2), 2 * torch.ones(2, 1)).tolist(),
        "tril_indices": torch.tril_indices(3, 3, offset=-1).tolist(),
        "atleast": [
            list(torch.atleast_2d(torch.tensor(1.0)).shape),
            list(torch.atleast_2d(v).shape),
        ],
        "grad": x.grad.tolist(),
    }


def special_functions_and_their_gradients(torch, init):
    """torch.special and the pointwise math of the docs' examples, values and gradients:
    lerp (scalar and tensor weight), logaddexp and logaddexp2, xlogy at 0, erf, erfc,
    erfinv, lgamma, digamma, polygamma(1, x), expit and logit(eps), i0, sinc, entr,
    ndtr, ndtri, log_ndtr, xlog1py, multigammaln, hypot, atan2."""
    S = torch.special
    x = torch.tensor([0.2, 0.5, 1.5, 3.0], requires_grad=True)
    y = torch.tensor([0.0, 1.0, -2.0, 0.5], requires_grad=True)
    p = torch.tensor([0.1, 0.25, 0.75, 0.9], requires_grad=True)
    outs = {
        "lerp": torch.lerp(x, y, 0.3),
        "lerp_t": torch.lerp(x, y, p),
        "logaddexp": torch.logaddexp(x, y),
        "logaddexp2": torch.logaddexp2(x, y),
        "xlogy": torch.xlogy(y, x),
        "erf": torch.erf(y),
        "erfc": torch.erfc(y),
        "erfinv": torch.erfinv(p * 2 - 1),
        "lgamma": torch.lgamma(x),
        "digamma": torch.digamma(x),
        "polygamma": torch.polygamma(1, x),
        "expit": S.expit(y),
        "logit": torch.logit(p, eps=0.2),
        "i0": torch.i0(y),
        "sinc": torch.sinc(y),
        "entr": S.entr(p),
        "ndtr": S.ndtr(y),
        "ndtri": S.ndtri(p),
        "log_ndtr": S.log_ndtr(y),
        "xlog1py": S.xlog1py(x, y),
        "multigammaln": S.multigammaln(x + 2, 2),
        "hypot": torch.hypot(x, y),
        "atan2": torch.atan2(y, x),
    }
    results = {}
    for name, out in outs.items():
        grads = torch.autograd.grad(out.sum(), [x, y, p], allow_unused=True)
        results[name] = [out.tolist()] + [None if g is None else g.tolist() for g in grads]
    return results


def rounding_remainders_and_bitwise(torch, init):
    """The docs' examples of the integer-minded ops: remainder against fmod on negative
    ints and floats, floor_divide, div with rounding modes, round to even and with
    decimals, trunc, frac, sign, copysign, heaviside, float_power, ldexp, frexp, gcd, lcm,
    bitwise and/or/xor/not, shifts, and the dtypes they return."""
    a = torch.tensor([-7, -3, 0, 3, 7])
    b = torch.tensor([2, -2, 3, -4, 5])
    f = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.125, 1.005])
    mant, expo = torch.frexp(torch.tensor([0.0, 1.0, 6.0, -0.3]))
    u = torch.tensor([12, 10, 255], dtype=torch.uint8)
    results = {
        "remainder": [
            torch.remainder(a, b).tolist(),
            torch.remainder(a, 3).tolist(),
            torch.remainder(f, 1.0).tolist(),
            (a % -3).tolist(),
        ],
        "fmod": [torch.fmod(a, b).tolist(), torch.fmod(f, 1.0).tolist()],
        "floor_divide": [torch.floor_divide(a, b).tolist(), (a // 2).tolist()],
        "div": [
            torch.div(a, b, rounding_mode="floor").tolist(),
            torch.div(a, b, rounding_mode="trunc").tolist(),
            torch.div(a, b).tolist(),
        ],
        "round": [
            torch.round(f).tolist(),
            torch.round(f, decimals=1).tolist(),
            f.round(decimals=2).tolist(),
        ],
        "trunc_frac": [f.trunc().tolist(), f.frac().tolist(), f.sign().tolist()],
        "copysign": torch.copysign(
            torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, 0.0, -0.0])
        ).tolist(),
        "heaviside": torch.heaviside(torch.tensor([-1.5, 0.0, 2.0]), torch.tensor([0.5])).tolist(),
        "float_power": [torch.float_power(a, 2).tolist(), _name(torch.float_power(a, 2).dtype)],
        "ldexp": torch.ldexp(torch.tensor([1.0, 3.0]), torch.tensor([3, -1])).tolist(),
        "frexp": [mant.tolist(), expo.tolist(), _name(expo.dtype)],
        "gcd_lcm": [torch.gcd(a, b).tolist(), torch.lcm(a, b).tolist()],
        "bitwise": [
            (a & 6).tolist(),
            (a | 1).tolist(),
            (a ^ b).tolist(),
            (~a).tolist(),
            torch.bitwise_not(u).tolist(),
            (u << 1).tolist(),
            (a >> 1).tolist(),
            torch.bitwise_left_shift(a, 2).tolist(),
        ],
        "bool": [
            (torch.tensor([True, False]) ^ torch.tensor([True, True])).tolist(),
            (~torch.tensor([True, False])).tolist(),
        ],
        "dtypes": [_name(t.dtype) for t in (a // 2, a % 2, a / 2, a.sign(), u << 1, u + 1)],
    }
    return results


def linear_algebra_recipes(torch, init):
    """torch.linalg as the docs' examples use it, with gradients where students take them:
    solve, inv, det, slogdet, cholesky, qr, eigh, svd (reconstruction and singular values),
    the norms (fro, nuc, 2, inf, vector norms over dims), matrix_power, matrix_exp,
    multi_dot, cross, lstsq, pinv, matrix_rank and solve_triangular."""
    LA = torch.linalg
    rng = np.random.default_rng(3)
    M = rng.normal(size=(3, 3)).astype(np.float64)
    A = torch.tensor(M @ M.T + 3 * np.eye(3), requires_grad=True)
    B = torch.tensor(rng.normal(size=(3, 2)))
    R = torch.tensor(rng.normal(size=(4, 3)))
    x = LA.solve(A, B)
    sign, logabsdet = LA.slogdet(A)
    L = LA.cholesky(A)
    Q, Rq = LA.qr(R)
    evals, evecs = LA.eigh(A)
    U, S, Vh = LA.svd(R, full_matrices=False)
    loss = x.sum() + LA.inv(A).trace() + LA.det(A) * 1e-2 + logabsdet + L.diagonal().sum()
    loss = loss + evals.sum() + LA.matrix_exp(A * 0.1).sum()
    (gA,) = torch.autograd.grad(loss, A)
    lst = LA.lstsq(R, torch.tensor(rng.normal(size=(4, 1))))
    low = torch.tril(A.detach())
    return {
        "solve": x.tolist(),
        "slogdet": [sign.item(), logabsdet.item()],
        "cholesky": torch.allclose(L @ L.T, A),
        "qr": [
            torch.allclose(Q @ Rq, R),
            list(Q.shape),
            torch.allclose(Q.T @ Q, torch.eye(3, dtype=torch.float64)),
        ],
        "eigh": evals.tolist(),
        "svd": [S.tolist(), torch.allclose(U @ torch.diag(S) @ Vh, R), list(U.shape)],
        "norms": [
            LA.norm(R).item(),
            LA.norm(R, "nuc").item(),
            LA.norm(R, 2).item(),
            LA.matrix_norm(R, ord=float("inf")).item(),
            LA.vector_norm(R, ord=1, dim=0).tolist(),
            LA.vector_norm(R, ord=float("inf")).item(),
            torch.norm(R, dim=1).tolist(),
        ],
        "power": LA.matrix_power(A.detach(), 3).tolist(),
        "multi_dot": LA.multi_dot([R.T, R, B]).tolist(),
        "cross": LA.cross(R[:2], R[2:]).tolist(),
        "lstsq": lst.solution.tolist(),
        "pinv": torch.allclose(LA.pinv(R) @ R, torch.eye(3, dtype=torch.float64)),
        "rank": [LA.matrix_rank(R).item(), LA.matrix_rank(torch.ones(3, 3)).item()],
        "triangular": LA.solve_triangular(low, B, upper=False).tolist(),
        "grad": gA.tolist(),
    }


def the_matmul_family(torch, init):
    """The BLAS-shaped ops of the docs with their alpha and beta: addmm, addmv, addr,
    addbmm, baddbmm, bmm, mv, dot, vdot, inner, outer, tensordot with an int and with lists,
    and matmul's broadcasting of a vector and of batches; gradients of all inputs."""
    M = _randn(torch, (2, 3), 1).requires_grad_()
    m1 = _randn(torch, (2, 4), 2).requires_grad_()
    m2 = _randn(torch, (4, 3), 3).requires_grad_()
    v = _randn(torch, (4,), 4).requires_grad_()
    w = _randn(torch, (3,), 5).requires_grad_()
    b1 = _randn(torch, (5, 2, 4), 6).requires_grad_()
    b2 = _randn(torch, (5, 4, 3), 7).requires_grad_()
    outs = [
        torch.addmm(M, m1, m2, beta=0.5, alpha=2.0),
        torch.addmv(w, m2.T, v, beta=2, alpha=0.5),
        torch.addr(M, m1[:, 0], w, alpha=3),
        torch.addbmm(M, b1, b2, beta=0.1),
        torch.baddbmm(M.expand(5, 2, 3), b1, b2, alpha=-1),
        torch.bmm(b1, b2),
        torch.mv(m1, v),
        torch.dot(v, v).reshape(1),
        torch.vdot(w, w).reshape(1),
        torch.inner(m2, w),
        torch.outer(v, w),
        torch.tensordot(b1, m2, dims=1),
        torch.tensordot(b1, b2, dims=([0, 2], [0, 1])),
        torch.matmul(b1, v),
        torch.matmul(v, b2),
        b1 @ m2,
    ]
    total = sum(o.sum() * (k + 1) for k, o in enumerate(outs))
    total.backward()
    return {
        "shapes": [list(o.shape) for o in outs],
        "values": [o.tolist() for o in outs],
        "grads": [t.grad.tolist() for t in (M, m1, m2, v, w, b1, b2)],
    }


def broadcasting_quirks(torch, init):
    """Broadcasting as the docs' semantics page explains it: broadcast_shapes,
    broadcast_tensors, broadcast_to and expand(-1), a 0-d tensor against any shape, an
    in-place op whose result would be larger raising, a mismatch raising RuntimeError,
    gradients summed back to each input's shape, and keepdim's role in mean-centering."""
    x = torch.ones(5, 1, 4, 1)
    y = torch.ones(3, 1, 1)
    a, b = torch.broadcast_tensors(torch.arange(3.0).reshape(3, 1), torch.arange(2.0))
    errors = []
    for thunk in (
        lambda: torch.ones(3, 1).add_(torch.ones(1, 4)),
        lambda: torch.ones(2, 3) + torch.ones(3, 2),
        lambda: torch.ones(3).expand(2, 4),
        lambda: torch.broadcast_shapes((2, 3), (4,)),
    ):
        try:
            thunk()
            errors.append("no error")
        except RuntimeError:
            errors.append("RuntimeError")
    p = _randn(torch, (3, 1), 1).requires_grad_()
    q = _randn(torch, (1, 4), 2).requires_grad_()
    s = torch.tensor(2.0, requires_grad=True)
    ((p * q + s) ** 2).sum().backward()
    data = _randn(torch, (4, 3), 3)
    return {
        "shapes": [
            list((x + y).shape),
            list(torch.broadcast_shapes((1, 3), (2, 1), (3,))),
            list(torch.broadcast_to(torch.arange(3), (2, 3)).shape),
            list(torch.ones(1, 3).expand(4, -1).shape),
        ],
        "tensors": [a.tolist(), b.tolist()],
        "zero_d": [
            (torch.tensor(5.0) * torch.ones(2, 2)).tolist(),
            list((torch.tensor(1.0) + torch.tensor(2.0)).shape),
        ],
        "errors": errors,
        "grads": [p.grad.tolist(), q.grad.tolist(), s.grad.item()],
        "centered": [
            (data - data.mean(dim=1, keepdim=True)).tolist(),
            (data - data.mean(dim=0)).tolist(),
        ],
    }


def masked_and_indexed_writes(torch, init):
    """Masked and indexed ops in their docs' examples: masked_fill with a broadcast mask,
    masked_select, masked_scatter_, torch.where with one argument and with scalars,
    index_copy_, index_fill_, index_put_ with accumulate over repeated indices, put_, take,
    nonzero(as_tuple=True), argwhere, count_nonzero over a dim, any and all; and gradients
    through masked_fill, where and index_put."""
    x = torch.arange(12.0).reshape(3, 4)
    mask = x % 3 == 0
    target = torch.zeros(3, 4)
    target.masked_scatter_(mask, torch.arange(100.0, 112.0))
    copied = torch.zeros(5, 3).index_copy_(0, torch.tensor([0, 4, 2]), torch.arange(9.0).view(3, 3))
    filled = x.clone().index_fill_(1, torch.tensor([0, 2]), -1.0)
    acc = torch.zeros(4).index_put_(
        (torch.tensor([0, 1, 1, 3, 1]),), torch.ones(5), accumulate=True
    )
    put = torch.zeros(2, 3).put_(torch.tensor([1, 5]), torch.tensor([9.0, 8.0]))
    w = _randn(torch, (3, 4), 7).requires_grad_()
    y = w.masked_fill(torch.tensor([True, False, False, True]), 0.0)
    z = torch.where(w > 0, w * 2, torch.zeros(()))
    idx = torch.zeros(3, 4).index_put((torch.tensor([0, 2]), torch.tensor([1, 1])), w[0, :2] * 3)
    (y.sum() + (z * z).sum() + idx.sum()).backward()
    return {
        "masked_fill": x.masked_fill(mask, -1).tolist(),
        "masked_select": torch.masked_select(x, mask).tolist(),
        "masked_scatter": target.tolist(),
        "where1": [t.tolist() for t in torch.where(mask)],
        "where_scalars": [
            torch.where(mask, 1.0, 0.0).tolist(),
            _name(torch.where(mask, 1, 0).dtype),
            torch.where(mask, x, 0.5).tolist(),
        ],
        "index_copy": copied.tolist(),
        "index_fill": filled.tolist(),
        "accumulate": acc.tolist(),
        "put": put.tolist(),
        "take": torch.take(x, torch.tensor([[0, 11], [5, 6]])).tolist(),
        "nonzero": [t.tolist() for t in mask.nonzero(as_tuple=True)],
        "argwhere": torch.argwhere(mask).tolist(),
        "counts": [
            torch.count_nonzero(mask, dim=0).tolist(),
            mask.any(1).tolist(),
            mask.all().item(),
            x.gt(5).all(dim=0).tolist(),
        ],
        "grad": w.grad.tolist(),
    }


def dtype_promotion_table(torch, init):
    """The type promotion rules of the docs' Tensor Attributes page: bool with int, uint8
    with int8 (to int16), ints of two widths, an int tensor with a Python float, float16
    with float32, a 0-d float64 with a float32 tensor (the dimensioned tensor wins), an int
    tensor with a 0-d float tensor, true division of ints, sums of bools and ints (int64),
    promote_types, can_cast, result_type, and the dtypes of the creation functions."""
    i8 = torch.tensor([1, -2], dtype=torch.int8)
    u8 = torch.tensor([3, 250], dtype=torch.uint8)
    i32 = torch.tensor([1, 2], dtype=torch.int32)
    i64 = torch.tensor([5, 6])
    f16 = torch.tensor([0.5, 1.5], dtype=torch.float16)
    f32 = torch.tensor([1.0, 2.0])
    f64_0d = torch.tensor(2.0, dtype=torch.float64)
    bools = torch.tensor([True, False])
    cases = [
        bools + bools, bools + 1, bools * 1.5, u8 + i8, i32 + i64, i32 + 2.5, i64 * 2,
        f16 + f32, f16 + 1.0, f32 * f64_0d, i64 * torch.tensor(1.5), i64 / 2, i32 / i32,
        bools.sum(), i32.sum(), u8.sum(), i32.cumsum(0), f16 * i64, u8 - 4, i64.float().mean(),
        torch.tensor(3) ** 2, i64 ** 0.5, torch.tensor([1, 2]).argmax(), i8.abs(),
        torch.ones(2, dtype=torch.int32) * torch.tensor(3, dtype=torch.int64),
    ]  # fmt: skip
    creations = [
        torch.arange(5),
        torch.arange(0.0, 1.0, 0.25),
        torch.arange(0, 1, 0.5),
        torch.full((2,), 7),
        torch.full((2,), True),
        torch.full((2,), 1.5),
        torch.tensor([1, 2.0]),
        torch.tensor([True, 1]),
        torch.zeros(2, dtype=torch.int16),
        torch.linspace(0, 1, 3),
        torch.randint(0, 5, (2,)),
        torch.randperm(3),
        torch.zeros_like(i32),
        torch.ones_like(i32, dtype=torch.float64),
        torch.eye(2),
        torch.tensor(np.array([1, 2], dtype=np.int32)),
        torch.from_numpy(np.zeros(2)),
    ]
    return {
        "results": [[_name(t.dtype), t.tolist()] for t in cases],
        "creations": [_name(t.dtype) for t in creations],
        "promote_types": [
            _name(torch.promote_types(a, b))
            for a, b in [
                (torch.uint8, torch.int8),
                (torch.int32, torch.float16),
                (torch.bool, torch.uint8),
                (torch.float16, torch.float64),
                (torch.int64, torch.float32),
            ]
        ],
        "can_cast": [
            torch.can_cast(torch.float64, torch.int32),
            torch.can_cast(torch.int32, torch.float64),
            torch.can_cast(torch.int64, torch.bool),
        ],
        "result_type": [
            _name(torch.result_type(i32, 1.0)),
            _name(torch.result_type(u8, -1)),
            _name(torch.result_type(f16, f64_0d)),
            _name(torch.result_type(2, 3.0)),
        ],
        "is_floating": [
            f16.is_floating_point(),
            i8.is_floating_point(),
            torch.float32.is_floating_point,
            torch.int64.is_signed,
            torch.uint8.is_signed,
            f32.dtype.itemsize,
            f16.element_size(),
        ],
    }


def printing_modules(torch, init):
    """What print(model) shows in the tutorials: Sequential of Conv2d (stride, padding,
    bias=False), BatchNorm2d, ReLU(inplace=True), MaxPool2d, AdaptiveAvgPool2d, Flatten,
    Dropout and Linear; repeated identical layers collapsed as "(0-2): 3 x Linear(...)";
    LSTM, GRU and Embedding with their options; LayerNorm; a custom Module nesting a
    ModuleList and a ModuleDict, with its own extra_repr; named_modules' names."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
            self.heads = nn.ModuleDict({"cls": nn.Linear(4, 2), "reg": nn.Linear(4, 1, bias=False)})
            self.act = nn.GELU(approximate="tanh")
            self.scale = 0.5

        def extra_repr(self):
            return f"scale={self.scale}"

    cnn = nn.Sequential(
        nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(16, 8, kernel_size=(3, 5), padding="same", dilation=2, groups=8),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Dropout(p=0.25),
        nn.Linear(8, 10),
        nn.LogSoftmax(dim=1),
    )
    others = [
        nn.LSTM(10, 20, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True),
        nn.GRU(5, 7),
        nn.RNN(3, 4, nonlinearity="relu"),
        nn.Embedding(100, 16, padding_idx=0),
        nn.EmbeddingBag(10, 3, mode="max"),
        nn.LayerNorm([4, 5], eps=1e-6),
        nn.GroupNorm(2, 8),
        nn.Conv1d(2, 4, 3, padding=1, padding_mode="circular"),
        nn.ConvTranspose2d(4, 2, 2, stride=2),
        nn.LeakyReLU(0.2),
        nn.Softmax(dim=-1),
        nn.MultiheadAttention(8, 2, batch_first=True),
        nn.TransformerEncoderLayer(8, 2, dim_feedforward=16),
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        nn.Identity(),
        nn.Sequential(),
        nn.PReLU(),
        nn.Hardtanh(-2.0, 2.0),
        nn.Threshold(0.1, 20),
        nn.CrossEntropyLoss(label_smoothing=0.1),
        nn.MaxPool1d(3, stride=1, padding=1),
        nn.AvgPool2d(2),
        nn.BatchNorm1d(4, affine=False, momentum=None),
    ]
    block = Block()
    return {
        "cnn": _shown(torch, cnn),
        "others": [_shown(torch, m) for m in others],
        "block": _shown(torch, block),
        "names": [name for name, _ in block.named_modules()],
        "repeat": _shown(torch, nn.Sequential(*[nn.Linear(2, 2) for _ in range(3)], nn.ReLU())),
    }


def grad_fn_names_and_printed_tensors(torch, init):
    """The autograd tutorial prints `z.grad_fn` and tensors with their grad_fn: the node
    names of common ops (Add, Mul, Sum, Mean, Pow, Addmm of a Linear, Relu, Sigmoid, Tanh,
    Softmax, LogSoftmax, NllLoss, MseLoss, View, T, Permute, Select, Slice, Index, Cat,
    Stack, Clone, Expand, Div, Sub, Neg, Exp, Log, Unsqueeze, Squeeze), next_functions of a
    small graph, and the printed tensors of the tutorials (grad_fn=, requires_grad=True,
    float64, negative and large integers, -0., a Parameter)."""
    nn, F = torch.nn, torch.nn.functional
    x = torch.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    lin = init(nn.Linear(2, 2))
    outs = [
        x + 1, x * x, x.sum(), x.mean(), x ** 2, lin(x), F.relu(x), torch.sigmoid(x),
        torch.tanh(x), F.softmax(x, 1), F.log_softmax(x, 1),
        F.nll_loss(x, torch.tensor([0, 1])), F.mse_loss(x, torch.zeros(2, 2)), x.view(4),
        x.t(), x.permute(1, 0), x[0], x[:, :1], x[torch.tensor([1, 0])], torch.cat([x, x]),
        torch.stack([x, x]), x.clone(), x[0].expand(3, 2), x / 2, x - 1, -x, x.exp(),
        x.abs().log(), x.unsqueeze(0), x.unsqueeze(0).squeeze(0), x.reshape(4), x.max(),
        x.flatten(), x @ x, x.matmul(x[0]),
    ]  # fmt: skip
    names = [o.grad_fn.name() for o in outs]
    z = (x * 3).sum()
    chain = []
    node = z.grad_fn
    while node is not None:
        chain.append(node.name().rsplit("::", 1)[-1])  # PyTorch: torch::autograd::AccumulateGrad
        nexts = [f for f, _ in node.next_functions if f is not None]
        node = nexts[0] if nexts else None
    param = nn.Parameter(torch.tensor([1.0, 2.0]))
    printed = [
        x + 1,
        (x * 2).sum(),
        x,
        torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True),
        torch.tensor([-123456789, 5, 10]),
        torch.tensor([-0.0, 0.0, 1.0]),
        torch.tensor([[1, -1], [10, 100]]),
        torch.tensor([1.0, 2.0]).mean(),
        lin(x).detach(),
        torch.tensor([1.0e-8, 1.0]),
        torch.tensor([100000.0, 1.0]),
        torch.tensor([123456.0]),
        torch.tensor([[True, False], [False, True]]),
        param,
        torch.tensor([0.1, 0.2], dtype=torch.float16),
        torch.tensor([], dtype=torch.int64),
    ]
    return {
        "names": names,
        "chain": chain,
        "printed": [_shown(torch, t) for t in printed],
        "leaf": [x.is_leaf, (x + 1).is_leaf, x.grad_fn is None, param.is_leaf],
    }


def optimizers_not_yet_stepped(torch, init):
    """Every optimizer of torch.optim with the options its docs list, six steps each on the
    same small least-squares model: SGD (nesterov, dampening, weight_decay, maximize on a
    negated loss), Adam (amsgrad, weight_decay), AdamW, NAdam (momentum_decay,
    decoupled_weight_decay), RAdam (decoupled_weight_decay), Adamax, Adagrad
    (lr_decay, initial_accumulator_value), Adadelta (rho), RMSprop (centered, momentum),
    Rprop (etas, step_sizes), ASGD; the state keys each keeps."""
    nn, optim = torch.nn, torch.optim
    X, Y = _randn(torch, (16, 3), 1), _randn(torch, (16, 2), 2)
    makers = [
        ("sgd", lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
        ("sgd_damp", lambda p: optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.3)),
        ("sgd_max", lambda p: optim.SGD(p, lr=0.05, maximize=True)),
        ("adam", lambda p: optim.Adam(p, lr=0.05, amsgrad=True, weight_decay=1e-2)),
        ("adamw", lambda p: optim.AdamW(p, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1)),
        (
            "nadam",
            lambda p: optim.NAdam(
                p, lr=0.05, momentum_decay=3e-3, weight_decay=0.1, decoupled_weight_decay=True
            ),
        ),
        ("radam", lambda p: optim.RAdam(p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
        ("adamax", lambda p: optim.Adamax(p, lr=0.05, weight_decay=1e-2)),
        (
            "adagrad",
            lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
        ),
        ("adadelta", lambda p: optim.Adadelta(p, lr=1.0, rho=0.8, weight_decay=1e-2)),
        ("rmsprop", lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True, momentum=0.5)),
        ("rprop", lambda p: optim.Rprop(p, lr=0.02, etas=(0.4, 1.3), step_sizes=(1e-4, 0.5))),
        ("asgd", lambda p: optim.ASGD(p, lr=0.05, lambd=1e-3, alpha=0.75, t0=2)),
    ]
    start = init(nn.Linear(3, 2))
    results = {}
    for name, make in makers:
        model = nn.Linear(3, 2)
        model.load_state_dict(start.state_dict())
        opt = make(model.parameters())
        losses = []
        for _ in range(6):
            opt.zero_grad()
            loss = ((model(X) - Y) ** 2).mean()
            (-loss if name == "sgd_max" else loss).backward()
            opt.step()
            losses.append(loss.item())
        state = opt.state_dict()["state"].get(0, {})
        results[name] = [losses, model.weight.tolist(), sorted(state)]
    return results


def lbfgs_curve_fit(torch, init):
    """Fitting y = a exp(-b t) + c with optim.LBFGS and a closure, as the docs' "closure"
    section writes it, with line_search_fn="strong_wolfe" and without, a history_size; the
    loss the closure returned, the fitted parameters and the optimizer's n_iter."""
    t = torch.linspace(0, 4, 40)
    y = 2.5 * torch.exp(-1.3 * t) + 0.5 + 0.01 * _randn(torch, (40,), 4)
    results = {}
    for search in (None, "strong_wolfe"):
        params = torch.tensor([1.0, 1.0, 0.0], requires_grad=True)
        opt = torch.optim.LBFGS(
            [params], lr=1 if search else 0.5, max_iter=20, history_size=5, line_search_fn=search
        )

        def closure(opt=opt, params=params):
            opt.zero_grad()
            a, b, c = params
            loss = ((a * torch.exp(-b * t) + c - y) ** 2).mean()
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(3)]
        results[str(search)] = [losses, params.tolist(), opt.state[params]["n_iter"]]
    return results


def lr_schedulers_tour(torch, init):
    """The schedulers of torch.optim.lr_scheduler as their docs step them, the learning
    rates recorded each epoch: OneCycleLR (three_phase, linear anneal, its momentum cycle),
    CosineAnnealingWarmRestarts (T_mult=2, fractional epochs), ReduceLROnPlateau
    (mode="max", threshold_mode="abs", cooldown, min_lr), LambdaLR with one lambda per
    group, MultiplicativeLR, CyclicLR (triangular2, cycling momentum), PolynomialLR,
    ConstantLR and LinearLR chained in SequentialLR; get_last_lr and state_dict."""
    nn, sched = torch.nn, torch.optim.lr_scheduler
    results = {}

    def opt(**kw):
        model = nn.Linear(2, 1)
        return torch.optim.SGD(
            [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}],
            lr=0.1,
            momentum=0.9,
            **kw,
        )

    o = opt()
    s = sched.OneCycleLR(
        o,
        max_lr=[1.0, 2.0],
        total_steps=12,
        three_phase=True,
        anneal_strategy="linear",
        pct_start=0.25,
    )
    lrs = []
    for _ in range(12):
        o.step()
        s.step()
        lrs.append([s.get_last_lr(), o.param_groups[0]["momentum"]])
    results["onecycle"] = lrs
    o = opt()
    s = sched.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2, eta_min=0.01)
    lrs, iters = [], 3
    for epoch in range(5):
        for i in range(iters):
            o.step()
            s.step(epoch + i / iters)
            lrs.append(s.get_last_lr()[0])
    results["warm_restarts"] = lrs
    o = opt()
    s = sched.ReduceLROnPlateau(
        o,
        mode="max",
        factor=0.5,
        patience=1,
        threshold=0.1,
        threshold_mode="abs",
        cooldown=1,
        min_lr=[0.02, 0.1],
    )
    lrs = []
    for metric in [0.5, 0.55, 0.58, 0.7, 0.71, 0.72, 0.73, 0.74, 0.9, 0.9, 0.9, 0.9]:
        o.step()
        s.step(metric)
        lrs.append([g["lr"] for g in o.param_groups])
    results["plateau"] = [lrs, s.num_bad_epochs, s.best]
    o = opt()
    s = sched.LambdaLR(o, lr_lambda=[lambda e: 0.9**e, lambda e: 1 / (e + 1)])
    m = sched.MultiplicativeLR(opt(), lr_lambda=lambda e: 0.95)
    lrs = []
    for _ in range(5):
        o.step()
        s.step()
        m.optimizer.step()
        m.step()
        lrs.append([s.get_last_lr(), m.get_last_lr()])
    results["lambda"] = [lrs, sorted(s.state_dict())]
    o = opt()
    s = sched.CyclicLR(
        o,
        base_lr=0.01,
        max_lr=0.1,
        step_size_up=2,
        mode="triangular2",
        base_momentum=0.8,
        max_momentum=0.9,
    )
    lrs = []
    for _ in range(10):
        o.step()
        s.step()
        lrs.append([s.get_last_lr()[0], o.param_groups[0]["momentum"]])
    results["cyclic"] = lrs
    o = opt()
    s = sched.PolynomialLR(o, total_iters=4, power=2.0)
    lrs = []
    for _ in range(6):
        o.step()
        s.step()
        lrs.append(s.get_last_lr())
    results["poly"] = lrs
    o = opt()
    s = sched.SequentialLR(
        o,
        [
            sched.ConstantLR(o, factor=0.5, total_iters=2),
            sched.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=3),
        ],
        milestones=[3],
    )
    lrs = []
    for _ in range(7):
        o.step()
        s.step()
        lrs.append(s.get_last_lr())
    results["sequential"] = lrs
    return results


def checkpoint_resume_in_memory(torch, init):
    """The save/load tutorial's general checkpoint, through an io.BytesIO: the epoch, the
    model's, the optimizer's (Adam, so moments and step) and the scheduler's state_dicts
    and the loss; a fresh model, optimizer and scheduler resume from it, and three more
    steps give the numbers of six uninterrupted ones."""
    nn = torch.nn
    X, Y = _randn(torch, (12, 4), 6), _randn(torch, (12, 1), 7)
    start = init(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)))

    def fresh():
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        model.load_state_dict(start.state_dict())
        opt = torch.optim.Adam(model.parameters(), lr=0.02)
        return model, opt, torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    def train(model, opt, sched, steps):
        losses = []
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(X), Y)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        return losses

    model, opt, sched = fresh()
    straight = train(model, opt, sched, 6)
    model, opt, sched = fresh()
    first = train(model, opt, sched, 3)
    buffer = io.BytesIO()
    torch.save(
        {
            "epoch": 3,
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "loss": first[-1],
        },
        buffer,
    )
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    state = checkpoint["optimizer_state_dict"]
    # NOTE: read before resuming: PyTorch's resumed Adam keeps (and steps) the loaded tensors
    saved = [
        sorted(state["state"][0]),
        state["param_groups"][0]["params"],
        state["state"][0]["step"].item(),
        checkpoint["scheduler"]["last_epoch"],
    ]
    model2, opt2, sched2 = fresh()
    model2.load_state_dict(checkpoint["model_state_dict"])
    opt2.load_state_dict(checkpoint["optimizer_state_dict"])
    sched2.load_state_dict(checkpoint["scheduler"])
    model2.train()
    resumed = train(model2, opt2, sched2, 3)
    return {
        "straight": straight,
        "resumed": first + resumed,
        "same": [torch.allclose(p, q) for p, q in zip(model.parameters(), model2.parameters())],
        "checkpoint": [checkpoint["epoch"], checkpoint["loss"], *saved],
        "lr": opt2.param_groups[0]["lr"],
        "weights": [p.tolist() for p in model2.parameters()],
    }


def numpy_bridge(torch, init):
    """The Tensors tutorial's "Bridge with NumPy" and what follows from it: t.numpy() and
    torch.from_numpy share memory both ways (t.add_(1), np.add(n, 1, out=n)), torch.tensor
    and np.array copy, as_tensor shares, the dtypes NumPy arrays become, numpy() of a
    tensor that requires grad raising (its message), tolist, item, float() and int() of
    one-element tensors and the error of a longer one."""
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    seen_in_n = n.tolist()
    a = np.ones(5)
    b = torch.from_numpy(a)
    np.add(a, 1, out=a)
    c = torch.tensor(a)
    a[0] = 100.0
    shared = torch.as_tensor(a)
    a[1] = -1.0
    x = torch.ones(2, requires_grad=True)
    try:
        x.numpy()
        error = "no error"
    except RuntimeError as e:
        error = str(e)
    try:
        float(torch.ones(2))
        multi = "no error"
    except (RuntimeError, ValueError, TypeError) as e:
        multi = type(e).__name__
    arrays = [
        np.zeros(2, dtype=d)
        for d in (
            np.float32,
            np.float64,
            np.int32,
            np.int64,
            np.uint8,
            np.bool_,
            np.int16,
            np.float16,
        )
    ]
    return {
        "t_to_n": seen_in_n,
        "n_to_t": [b.tolist(), _name(b.dtype), c.tolist(), shared.tolist()],
        "dtypes": [_name(torch.from_numpy(arr).dtype) for arr in arrays],
        "back": [
            str(torch.arange(3).numpy().dtype),
            str(torch.zeros(1).numpy().dtype),
            str(np.array(torch.tensor([1.5, 2.5])).dtype),
            np.asarray(torch.tensor([[1, 2]])).tolist(),
        ],
        "grad_error": error,
        "detached": x.detach().numpy().tolist(),
        "scalars": [
            torch.tensor([3.5]).item(),
            float(torch.tensor([[2.0]])),
            int(torch.tensor(7.9)),
            bool(torch.tensor([0])),
            type(torch.tensor(3).item()).__name__,
            torch.tensor([1, 2]).tolist(),
        ],
        "multi": multi,
    }


def normalization_layers_tour(torch, init):
    """The normalization layers the docs list, train and eval, with their running stats:
    BatchNorm1d with momentum=None (a cumulative average) on (N, C, L), InstanceNorm1d
    with track_running_stats and affine, GroupNorm, LocalResponseNorm, LayerNorm without
    elementwise_affine and without bias, RMSNorm with eps; gradients of the inputs."""
    nn = torch.nn
    x = _randn(torch, (4, 6, 5), 8).requires_grad_()
    layers = [
        init(nn.BatchNorm1d(6, momentum=None)),
        init(nn.InstanceNorm1d(6, affine=True, track_running_stats=True)),
        init(nn.GroupNorm(3, 6)),
        nn.LocalResponseNorm(3, alpha=1e-2, beta=0.75, k=2.0),
        nn.LayerNorm(5, elementwise_affine=False),
        init(nn.LayerNorm([6, 5], bias=False)),
        init(nn.RMSNorm(5, eps=1e-5)),
    ]
    results = []
    for layer in layers:
        outs = [layer(x * k + k) for k in (1.0, 2.0)]
        layer.eval()
        ev = layer(x)
        (gx,) = torch.autograd.grad(sum(o.pow(2).sum() for o in outs) + ev.sum(), x)
        buffers = {
            k: v.tolist()
            for k, v in layer.state_dict().items()
            if "running" in k or "num_batches" in k
        }
        results.append([outs[1].tolist(), ev.tolist(), gx.tolist(), buffers])
    return {"layers": results}


def less_common_layers(torch, init):
    """Layers the docs list that tutorials use in passing: nn.Bilinear, nn.Unflatten after
    a Linear (the decoder of a dense autoencoder), PixelShuffle and PixelUnshuffle,
    ChannelShuffle, CosineSimilarity, PairwiseDistance (keepdim), nn.Fold after
    nn.Unfold, ZeroPad2d, ConstantPad1d, ReflectionPad2d, ReplicationPad1d, CircularPad2d,
    Upsample (nearest), and F.pad's modes including circular; outputs and gradients."""
    nn, F = torch.nn, torch.nn.functional
    bil = init(nn.Bilinear(3, 4, 2))
    dec = init(nn.Sequential(nn.Linear(3, 8), nn.Unflatten(1, (2, 2, 2))))
    a, b = _randn(torch, (5, 3), 1).requires_grad_(), _randn(torch, (5, 4), 2)
    img = _randn(torch, (1, 4, 4, 4), 3).requires_grad_()
    outs = {
        "bilinear": bil(a, b),
        "unflatten": dec(a),
        "shuffle": nn.PixelShuffle(2)(img),
        "unshuffle": nn.PixelUnshuffle(2)(img),
        "channel_shuffle": nn.ChannelShuffle(2)(img),
        "cosine": nn.CosineSimilarity(dim=1, eps=1e-6)(a, a.flip(0)),
        "pairwise": nn.PairwiseDistance(p=1.5, keepdim=True)(a, a * 2),
        "fold": nn.Fold(output_size=(4, 4), kernel_size=2, stride=1)(
            nn.Unfold(kernel_size=2, stride=1)(img)
        ),
        "zero_pad": nn.ZeroPad2d((1, 0, 2, 1))(img),
        "const_pad": nn.ConstantPad1d(2, 3.5)(a.unsqueeze(0)),
        "reflect": nn.ReflectionPad2d(2)(img),
        "replicate": nn.ReplicationPad1d((3, 1))(a.unsqueeze(0)),
        "circular": nn.CircularPad2d(1)(img),
        "f_circular": F.pad(a.unsqueeze(0), (2, 2), mode="circular"),
        "f_reflect3d": F.pad(img.unsqueeze(0), (1, 1, 1, 1, 1, 1), mode="replicate"),
        "upsample": nn.Upsample(scale_factor=2, mode="nearest")(img),
    }
    return _shapes_values_grads(torch, outs, (a, img))


def losses_with_their_options(torch, init):
    """The loss functions with the options their docs describe: CrossEntropyLoss with class
    probabilities, weight and label_smoothing together, NLLLoss on (N, C, H, W) with
    ignore_index and weight, BCEWithLogitsLoss with pos_weight per class, KLDivLoss
    (batchmean, log_target), PoissonNLLLoss (log_input=False, full=True), GaussianNLLLoss
    (full, a per-sample variance), MultiLabelSoftMarginLoss, MultiMarginLoss (p=2, margin,
    weight), HingeEmbeddingLoss, SoftMarginLoss, TripletMarginLoss (swap=True),
    CosineEmbeddingLoss, MarginRankingLoss, HuberLoss(delta), SmoothL1Loss(beta), L1Loss
    with reduction="none"; values and gradients."""
    nn = torch.nn
    logits = _randn(torch, (4, 3), 1).requires_grad_()
    probs = torch.softmax(_randn(torch, (4, 3), 2), dim=1)
    labels = torch.tensor([0, 2, 1, 2])
    w3 = torch.tensor([1.0, 2.0, 0.5])
    seg = _randn(torch, (2, 3, 2, 2), 3).requires_grad_()
    seg_t = torch.tensor([[[0, 1], [2, -100]], [[1, 1], [0, 2]]])
    multi_t = torch.tensor([[1.0, 0, 1], [0, 0, 1], [1, 1, 1], [0, 1, 0]])
    pos = _randn(torch, (4, 3), 4).abs() + 0.1
    sign = torch.tensor([1.0, -1.0, 1.0, -1.0])
    x1, x2 = _randn(torch, (4, 3), 5), _randn(torch, (4, 3), 6)
    cases = {
        "ce_probs": nn.CrossEntropyLoss(weight=w3, label_smoothing=0.2)(logits, probs),
        "ce_labels": nn.CrossEntropyLoss(weight=w3, label_smoothing=0.1)(logits, labels),
        "nll_2d": nn.NLLLoss(weight=w3, ignore_index=-100)(seg.log_softmax(1), seg_t),
        "bce_pos": nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 3.0, 0.5]))(logits, multi_t),
        "kl": nn.KLDivLoss(reduction="batchmean")(logits.log_softmax(1), probs),
        "kl_log": nn.KLDivLoss(reduction="sum", log_target=True)(
            logits.log_softmax(1), probs.log()
        ),
        "poisson": nn.PoissonNLLLoss(log_input=False, full=True)(
            pos * logits.sigmoid(), multi_t * 3
        ),
        "gaussian": nn.GaussianNLLLoss(full=True)(logits, x1, pos[:, :1]),
        "multilabel": nn.MultiLabelSoftMarginLoss(weight=w3)(logits, multi_t),
        "multimargin": nn.MultiMarginLoss(p=2, margin=0.5, weight=w3)(logits, labels),
        "hinge": nn.HingeEmbeddingLoss(margin=0.5)(logits[:, 0], sign),
        "soft_margin": nn.SoftMarginLoss()(logits[:, 1], sign),
        "triplet": nn.TripletMarginLoss(margin=0.3, p=2, swap=True)(logits, x1, x2),
        "cos_embed": nn.CosineEmbeddingLoss(margin=0.1)(logits, x1, sign),
        "ranking": nn.MarginRankingLoss(margin=0.2)(logits[:, 0], logits[:, 1], sign),
        "huber": nn.HuberLoss(delta=0.5)(logits, x1),
        "smooth_l1": nn.SmoothL1Loss(beta=0.3)(logits, x1),
        "l1_none": nn.L1Loss(reduction="none")(logits, x1),
    }
    results = {}
    for name, loss in cases.items():
        inputs = [seg] if name == "nll_2d" else [logits]
        grads = torch.autograd.grad(loss.sum(), inputs)
        results[name] = [loss.tolist(), [g.tolist() for g in grads]]
    return results


def activations_tour(torch, init):
    """The activation functions of torch.nn and their functional forms, values and
    gradients at the same points: GELU(approximate="tanh"), SiLU, Mish, Hardswish,
    Hardsigmoid, Softplus(beta, threshold), ELU(alpha), SELU, CELU, GLU(dim), LogSigmoid,
    Softsign, Tanhshrink, Softshrink, Hardshrink, Threshold, ReLU6, PReLU with one weight
    per channel, Softmin, RReLU in eval mode (its mean slope), Hardtanh, LeakyReLU."""
    nn = torch.nn
    x = torch.tensor([[-3.0, -1.0, -0.25, 0.0], [0.25, 1.0, 2.5, 25.0]], requires_grad=True)
    prelu = init(nn.PReLU(num_parameters=2, init=0.1))
    layers = [
        nn.GELU(approximate="tanh"), nn.GELU(), nn.SiLU(), nn.Mish(), nn.Hardswish(),
        nn.Hardsigmoid(), nn.Softplus(beta=2.0, threshold=5.0), nn.ELU(alpha=0.5), nn.SELU(),
        nn.CELU(alpha=1.5), nn.GLU(dim=1), nn.LogSigmoid(), nn.Softsign(), nn.Tanhshrink(),
        nn.Softshrink(0.5), nn.Hardshrink(0.3), nn.Threshold(0.1, -5.0), nn.ReLU6(),
        nn.Softmin(dim=1), nn.RReLU(0.1, 0.3).eval(), nn.Hardtanh(-0.5, 0.5),
        nn.LeakyReLU(0.05), nn.Sigmoid(), nn.Tanh(), nn.Identity(),
    ]  # fmt: skip
    results = []
    for layer in layers:
        y = layer(x)
        (g,) = torch.autograd.grad((y * torch.arange(1.0, 1.0 + y.numel()).view_as(y)).sum(), x)
        results.append([_shown(torch, layer), y.tolist(), g.tolist()])
    y = prelu(x.view(2, 2, 2))
    y.sum().backward()
    results.append([y.tolist(), prelu.weight.grad.tolist()])
    return {"layers": results}


def sorting_searching_counting(torch, init):
    """The sorting, searching and counting ops of the docs with their options: sort
    (stable, descending) with ties, argsort, msort, topk (largest=False, sorted), kthvalue
    (keepdim), median (the lower of two middles) and nanmedian, mode, quantile's
    interpolations and nanquantile, unique (sorted, return_inverse, return_counts, dim=0),
    unique_consecutive, searchsorted (right, side, sorter), bucketize (right), histc,
    histogram, bincount (weights, minlength), cummax and cummin indices, logcumsumexp."""
    x = torch.tensor([[3.0, 1.0, 2.0, 1.0, 5.0], [0.0, -1.0, 4.0, 4.0, 2.0]])
    v = torch.tensor([2, 3, 3, 1, 2, 2, 5, 1])
    values, indices = x.sort(dim=1, descending=True, stable=True)
    top = x.topk(2, dim=1, largest=False)
    kth = x.kthvalue(2, dim=1, keepdim=True)
    med = x.median(dim=1)
    mode = v.mode()
    q = torch.tensor([0.1, 0.5, 0.9])
    nans = torch.tensor([1.0, float("nan"), 3.0, 2.0])
    u, inv, counts = torch.unique(v, sorted=True, return_inverse=True, return_counts=True)
    rows = torch.unique(torch.tensor([[1, 2], [0, 1], [1, 2]]), dim=0, return_counts=True)
    uc = torch.unique_consecutive(v, return_counts=True)
    boundaries = torch.tensor([1.0, 3.0, 5.0, 7.0])
    probe = torch.tensor([[0.5, 3.0, 9.0], [5.0, 1.0, 7.0]])
    unsorted = torch.tensor([5.0, 1.0, 3.0])
    hist, edges = torch.histogram(x.flatten(), bins=4)
    cmax, cmax_i = x.cummax(dim=1)
    cmin, cmin_i = torch.cummin(x, 1)
    return {
        "sort": [
            values.tolist(),
            indices.tolist(),
            x.argsort(dim=1, stable=True).tolist(),
            torch.msort(x.T).tolist(),
        ],
        "topk": [top.values.tolist(), top.indices.tolist()],
        "kth": [kth.values.tolist(), kth.indices.tolist()],
        "median": [
            med.values.tolist(),
            med.indices.tolist(),
            x.median().item(),
            nans.nanmedian().item(),
            nans.median().item() != nans.median().item(),
        ],
        "mode": [mode.values.item(), mode.indices.item()],
        "quantile": [torch.quantile(x, q, dim=1).tolist()]
        + [
            x.flatten().quantile(0.4, interpolation=i).item()
            for i in ("linear", "lower", "higher", "midpoint", "nearest")
        ]
        + [nans.nanquantile(0.5).item()],
        "unique": [
            u.tolist(),
            inv.tolist(),
            counts.tolist(),
            rows[0].tolist(),
            rows[1].tolist(),
            uc[0].tolist(),
            uc[1].tolist(),
        ],
        "search": [
            torch.searchsorted(boundaries, probe).tolist(),
            torch.searchsorted(boundaries, probe, right=True).tolist(),
            torch.searchsorted(boundaries, probe, side="right").tolist(),
            torch.searchsorted(
                unsorted, torch.tensor([2.0, 4.0]), sorter=unsorted.argsort()
            ).tolist(),
            torch.bucketize(probe, boundaries).tolist(),
            torch.bucketize(probe, boundaries, right=True).tolist(),
        ],
        "histc": [torch.histc(x, bins=4, min=-1, max=5).tolist(), hist.tolist(), edges.tolist()],
        "bincount": [
            torch.bincount(v).tolist(),
            v.bincount(minlength=8).tolist(),
            torch.bincount(v, weights=torch.linspace(0, 1, 8)).tolist(),
        ],
        "cum": [
            cmax.tolist(),
            cmax_i.tolist(),
            cmin.tolist(),
            cmin_i.tolist(),
            torch.logcumsumexp(x, dim=1).tolist(),
        ],
    }


def distributions_beyond_normal(torch, init):
    """torch.distributions beyond Normal and Categorical, as a probabilistic-programming
    notebook uses them: Beta, Gamma, Dirichlet, Poisson, Binomial, Exponential, Laplace,
    StudentT, Chi2, Uniform, Bernoulli(logits), OneHotCategorical, MultivariateNormal with
    scale_tril, Independent over a Normal; log_prob, entropy, mean, variance, cdf and icdf
    where defined, batch and event shapes, the gradient of a log-likelihood in the
    parameters, kl_divergence pairs, and rsample's shape."""
    D = torch.distributions
    a = torch.tensor([2.0, 0.5], requires_grad=True)
    b = torch.tensor([3.0, 1.5], requires_grad=True)
    dists = {
        "beta": (D.Beta(a, b), torch.tensor([0.3, 0.8])),
        "gamma": (D.Gamma(a, b), torch.tensor([0.5, 2.0])),
        "dirichlet": (D.Dirichlet(torch.stack([a, b], 1)), torch.tensor([[0.3, 0.7], [0.9, 0.1]])),
        "poisson": (D.Poisson(a), torch.tensor([1.0, 3.0])),
        "binomial": (D.Binomial(5, probs=torch.sigmoid(a)), torch.tensor([2.0, 5.0])),
        "exponential": (D.Exponential(b), torch.tensor([0.1, 2.0])),
        "laplace": (D.Laplace(a, b), torch.tensor([0.0, 1.0])),
        "student_t": (D.StudentT(b + 2, a, b), torch.tensor([0.0, 1.0])),
        "chi2": (D.Chi2(b), torch.tensor([1.0, 2.5])),
        "uniform": (D.Uniform(-a, b), torch.tensor([0.0, 1.0])),
        "bernoulli": (D.Bernoulli(logits=a - 1), torch.tensor([1.0, 0.0])),
        "onehot": (
            D.OneHotCategorical(logits=torch.stack([a, b])),
            torch.tensor([[1.0, 0.0], [0.0, 1.0]]),
        ),
        "mvn": (
            D.MultivariateNormal(
                a, scale_tril=torch.diag(b) + torch.tensor([[0.0, 0.0], [0.5, 0.0]])
            ),
            torch.tensor([1.0, 0.0]),
        ),
        "independent": (D.Independent(D.Normal(a, b), 1), torch.tensor([0.5, 0.5])),
    }
    results = {}
    for name, (d, value) in dists.items():
        lp = d.log_prob(value)
        grads = torch.autograd.grad(lp.sum(), [a, b], allow_unused=True)
        row = [
            lp.tolist(),
            [None if g is None else g.tolist() for g in grads],
            list(d.batch_shape),
            list(d.event_shape),
            d.mean.tolist(),
            d.variance.tolist(),
            list(d.sample((3,)).shape),
        ]
        try:
            row.append(d.entropy().tolist())
        except NotImplementedError:
            row.append("no entropy")
        if name in ("exponential", "laplace", "uniform"):
            row.append([d.cdf(value).tolist(), d.icdf(torch.tensor([0.25, 0.75])).tolist()])
        if d.has_rsample:
            row.append(list(d.rsample((2,)).shape))
        results[name] = row
    results["kl"] = [
        D.kl_divergence(D.Beta(a, b), D.Beta(b, a)).tolist(),
        D.kl_divergence(D.Gamma(a, b), D.Gamma(b, a)).tolist(),
        D.kl_divergence(
            D.Bernoulli(probs=torch.tensor([0.3])), D.Bernoulli(probs=torch.tensor([0.6]))
        ).tolist(),
        D.kl_divergence(D.Dirichlet(torch.stack([a, b])), D.Dirichlet(torch.ones(2, 2))).tolist(),
        D.kl_divergence(D.Exponential(a), D.Exponential(b)).tolist(),
        D.kl_divergence(D.Laplace(a, b), D.Laplace(b, a)).tolist(),
    ]
    return results


def mixed_indexing_forms(torch, init):
    """Indexing as NumPy users write it: None and Ellipsis, integer lists, two index tensors
    together (pairs), advanced indices separated by a slice (their dims go first), a
    boolean mask over the first dims, a 0-d index tensor, negative indices and steps,
    setitem with broadcasting and with an index tensor, and gradients through each."""
    x = torch.arange(60.0).reshape(3, 4, 5).requires_grad_()
    i = torch.tensor([0, 2])
    j = torch.tensor([1, 3])
    mask = torch.tensor(
        [[True, False, True, False], [False, False, True, True], [True, True, False, False]]
    )
    reads = {
        "none_ellipsis": x[None, ..., None, 1],
        "list": x[[0, 2]],
        "pairs": x[i, j],
        "pairs_last": x[..., i, j],
        "list_and_int": x[:, j, i[0]],
        "separated": x[i, :, j],
        "mask": x[mask],
        "mask_then": x[mask, 1:3],
        "zero_d": x[torch.tensor(1)],
        "negative": x[-1, -2:, ::2],
        "broadcast_pairs": x[i[:, None], j[None, :]],
        "slice_then_list": x[1:, [0, 3]],
        "bool_list": x[:, [True, False, True, False]],
    }
    results = {}
    for name, y in reads.items():
        (g,) = torch.autograd.grad((y * y).sum(), x)
        results[name] = [list(y.shape), y.tolist(), g.sum(dim=2).tolist()]
    z = torch.zeros(3, 4)
    z[1] = torch.tensor([1.0, 2.0, 3.0, 4.0])
    z[:, 0] = -1.0
    z[torch.tensor([0, 2]), torch.tensor([3, 3])] = torch.tensor([7.0, 8.0])
    z[z > 2] = 0.5
    z[..., 1:3] += 10
    z[[0, 0], [1, 1]] = torch.tensor([5.0, 6.0])
    results["writes"] = z.tolist()
    return results


def printing_wide_and_large_tensors(torch, init):
    """What print shows for what tutorials print: a wide row wrapped at 80 characters,
    a 2-D tensor summarized with "...", a 3-D float tensor, mixed magnitudes in
    scientific notation, integers of several widths aligned, float64 and float16 with
    their dtype, torch.Size, dtype and device, a slice of a Parameter (its grad_fn), a
    linspace, and the build-the-model tutorial's `param[:2]` printing."""
    nn = torch.nn
    lin = init(nn.Linear(20, 3))
    cases = [
        torch.arange(30.0) / 7,
        torch.arange(1200.0).reshape(40, 30),
        torch.arange(24.0).reshape(2, 3, 4) - 11.5,
        torch.tensor([1.0e-3, 2.0e3, 3.14159]),
        torch.tensor([[1e-5, 1.0], [2.0, 3e6]]),
        torch.tensor([[1, -20, 300], [-4000, 5, 60000]]),
        torch.tensor([0.1, 1.0 / 3], dtype=torch.float64),
        torch.tensor([[1.5, -2.25]], dtype=torch.float16),
        lin.weight[:2],
        lin.bias,
        torch.linspace(-1, 1, 7),
        torch.tensor([float("inf"), -float("inf"), 0.5]),
        torch.tensor([12345.678, 0.001]),
        torch.zeros(2, 3, dtype=torch.int8),
        torch.tensor(1e20),
        torch.tensor([1.0, 2.0, 3.0]) * 1e-10,
    ]
    return {
        "tensors": [_shown(torch, t) for t in cases],
        "meta": [
            _shown(torch, t)
            for t in (lin.weight.shape, lin.weight.dtype, lin.weight.device, torch.Size([2, 3]))
        ],
        "params": [
            f"Layer: {n} | Size: {p.size()} | Values : {p[:2]}".replace(
                f"{torch.__name__}.", "torch."
            )
            for n, p in lin.named_parameters()
        ],
    }


def d2l_rnn_from_scratch(torch, init):
    """Dive into Deep Learning's RNN from scratch: get_params with normal(0, 0.01) weights
    (NumPy's here), init_rnn_state, the rnn loop over F.one_hot(X.T, vocab).type(
    torch.float32) with torch.mm and tanh, the loss on the concatenated outputs, the
    chapter's grad_clipping by hand (`p.grad[:] *= theta / norm`), its sgd updater
    (`param -= lr * param.grad / batch_size; param.grad.zero_()` under no_grad), and the
    greedy predict_ch8 prefix continuation."""
    F = torch.nn.functional
    vocab, hidden, batch, steps = 10, 16, 3, 5
    rng = np.random.default_rng(11)

    def normal(shape):
        return torch.tensor(rng.normal(0, 0.01, shape).astype(np.float32) * 30)

    params = [
        normal((vocab, hidden)),
        normal((hidden, hidden)),
        torch.zeros(hidden),
        normal((hidden, vocab)),
        torch.zeros(vocab),
    ]
    for p in params:
        p.requires_grad_(True)

    def rnn(inputs, state):
        W_xh, W_hh, b_h, W_hq, b_q = params
        (H,) = state
        outputs = []
        for X in inputs:
            H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
            outputs.append(torch.mm(H, W_hq) + b_q)
        return torch.cat(outputs, dim=0), (H,)

    def grad_clipping(theta):
        norm = torch.sqrt(sum(torch.sum(p.grad**2) for p in params))
        if norm > theta:
            for p in params:
                p.grad[:] *= theta / norm
        return norm.item()

    def sgd(lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    corpus = torch.from_numpy(np.random.default_rng(12).integers(0, vocab, 60))
    log = []
    for epoch in range(4):
        X = corpus[epoch * 10 : epoch * 10 + batch * steps].reshape(batch, steps)
        Y = corpus[epoch * 10 + 1 : epoch * 10 + 1 + batch * steps].reshape(batch, steps)
        state = (torch.zeros((batch, hidden)),)
        y_hat, state = rnn(F.one_hot(X.T, vocab).type(torch.float32), state)
        loss = torch.nn.CrossEntropyLoss()(y_hat, Y.T.reshape(-1).long()).mean()
        loss.backward()
        norm = grad_clipping(1.0)
        sgd(lr=1.0, batch_size=1)
        log.append([loss.item(), norm])
    state = (torch.zeros((1, hidden)),)
    outputs = [3]
    with torch.no_grad():
        for _ in range(6):
            y, state = rnn(
                F.one_hot(torch.tensor([outputs[-1]]).reshape(1, 1), vocab).float(), state
            )
            outputs.append(int(y.argmax(dim=1).reshape(1)))
    return {
        "log": log,
        "predicted": outputs,
        "params": [p.tolist() for p in params],
        "leaf": [p.is_leaf and p.requires_grad for p in params],
    }


def d2l_modern_cnn_blocks(torch, init):
    """The blocks of d2l's modern CNN chapter on a tiny image: a NiN block (a conv and two
    1x1 convs with ReLUs), an Inception block (four branches joined by torch.cat on
    channels), a Residual block with use_1x1conv and BatchNorm2d, a DenseNet dense block
    (conv_block outputs concatenated in a loop) and its transition block; a forward, a
    backward and one SGD step of the whole net, in train and then eval mode."""
    nn, F = torch.nn, torch.nn.functional

    def nin_block(in_c, out_c, k, s, p):
        return nn.Sequential(
            nn.Conv2d(in_c, out_c, k, s, p),
            nn.ReLU(),
            nn.Conv2d(out_c, out_c, 1),
            nn.ReLU(),
            nn.Conv2d(out_c, out_c, 1),
            nn.ReLU(),
        )

    class Inception(nn.Module):
        def __init__(self, in_c, c1, c2, c3, c4):
            super().__init__()
            self.p1_1 = nn.Conv2d(in_c, c1, kernel_size=1)
            self.p2_1 = nn.Conv2d(in_c, c2[0], kernel_size=1)
            self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
            self.p3_1 = nn.Conv2d(in_c, c3[0], kernel_size=1)
            self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
            self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
            self.p4_2 = nn.Conv2d(in_c, c4, kernel_size=1)

        def forward(self, x):
            p1 = F.relu(self.p1_1(x))
            p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
            p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
            p4 = F.relu(self.p4_2(self.p4_1(x)))
            return torch.cat((p1, p2, p3, p4), dim=1)

    class Residual(nn.Module):
        def __init__(self, in_c, out_c, use_1x1conv=False, strides=1):
            super().__init__()
            self.conv1 = nn.Conv2d(in_c, out_c, kernel_size=3, padding=1, stride=strides)
            self.conv2 = nn.Conv2d(out_c, out_c, kernel_size=3, padding=1)
            self.conv3 = nn.Conv2d(in_c, out_c, 1, stride=strides) if use_1x1conv else None
            self.bn1, self.bn2 = nn.BatchNorm2d(out_c), nn.BatchNorm2d(out_c)

        def forward(self, X):
            Y = F.relu(self.bn1(self.conv1(X)))
            Y = self.bn2(self.conv2(Y))
            if self.conv3:
                X = self.conv3(X)
            Y += X
            return F.relu(Y)

    def conv_block(in_c, out_c):
        return nn.Sequential(
            nn.BatchNorm2d(in_c), nn.ReLU(), nn.Conv2d(in_c, out_c, kernel_size=3, padding=1)
        )

    class DenseBlock(nn.Module):
        def __init__(self, num_convs, in_c, growth):
            super().__init__()
            self.net = nn.Sequential(
                *[conv_block(in_c + i * growth, growth) for i in range(num_convs)]
            )

        def forward(self, X):
            for blk in self.net:
                X = torch.cat((X, blk(X)), dim=1)
            return X

    def transition_block(in_c, out_c):
        return nn.Sequential(
            nn.BatchNorm2d(in_c),
            nn.ReLU(),
            nn.Conv2d(in_c, out_c, 1),
            nn.AvgPool2d(kernel_size=2, stride=2),
        )

    net = init(
        nn.Sequential(
            nin_block(1, 4, 3, 1, 1),
            nn.MaxPool2d(2),
            Inception(4, 2, (2, 3), (1, 2), 2),
            Residual(9, 6, use_1x1conv=True, strides=2),
            DenseBlock(2, 6, 3),
            transition_block(12, 5),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
            nn.Linear(5, 3),
        )
    )
    X = _randn(torch, (2, 1, 12, 12), 13)
    y = torch.tensor([0, 2])
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = F.cross_entropy(net(X), y)
    loss.backward()
    grads = [p.grad.norm().item() for p in net.parameters()]
    opt.step()
    net.eval()
    return {
        "loss": loss.item(),
        "grads": grads,
        "eval": net(X).tolist(),
        "shapes": [list(blk(torch.zeros(1, 9, 6, 6)).shape) for blk in (net[3],)],
    }


def tensor_creation_tour(torch, init):
    """How tensors are made in the tutorials and in older code: the legacy constructors
    (torch.Tensor(2, 3)'s shape, torch.Tensor(list), FloatTensor, LongTensor), new_tensor,
    new_ones, new_zeros and new_full (the dtype they inherit), arange with a float step
    (its length), linspace with one step, logspace with base 2, full_like, eye(n, m),
    torch.tensor of a list of 0-d tensors, as_tensor with a dtype, empty's shape, zeros
    with size=, x.type() with and without a dtype, and the *_like functions' dtypes."""
    x = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)
    f = torch.tensor([0.5, 1.5], dtype=torch.float64)
    return {
        "legacy": [
            list(torch.Tensor(2, 3).shape),
            torch.Tensor([1, 2]).tolist(),
            _name(torch.Tensor([1, 2]).dtype),
            torch.FloatTensor([1, 2]).tolist(),
            _name(torch.LongTensor([1, 2]).dtype),
            _name(torch.DoubleTensor([1]).dtype),
            list(torch.Tensor().shape),
        ],
        "new": [
            [_name(t.dtype), t.tolist()]
            for t in (
                x.new_tensor([5, 6]),
                x.new_ones(2),
                f.new_zeros((1, 2)),
                f.new_full((2,), 7),
                x.new_full((1,), 2.5),
                f.new_tensor([1, 2]),
                x.new_ones(2, dtype=torch.float32),
            )
        ],
        "ranges": [
            torch.arange(0, 1, 0.1).tolist(),
            len(torch.arange(0, 1, 0.1)),
            torch.arange(1, 2.5, 0.5).tolist(),
            torch.arange(10, 0, -3).tolist(),
            torch.linspace(2, 3, steps=1).tolist(),
            torch.logspace(0, 3, 4, base=2).tolist(),
            torch.logspace(-1, 1, 3).tolist(),
        ],
        "like": [
            torch.full_like(x, 7).tolist(),
            _name(torch.full_like(f, 2).dtype),
            _name(torch.ones_like(x).dtype),
            _name(torch.rand_like(f).dtype),
            list(torch.empty_like(x).shape),
            _name(torch.zeros_like(x, dtype=torch.bool).dtype),
        ],
        "eye": [torch.eye(2, 3).tolist(), torch.eye(3, dtype=torch.int64).tolist()],
        "from_scalars": [
            torch.tensor([torch.tensor(1.5), torch.tensor(2.5)]).tolist(),
            torch.as_tensor([1, 2], dtype=torch.float16).tolist(),
            _name(torch.as_tensor([1, 2], dtype=torch.float16).dtype),
        ],
        "shapes": [
            list(torch.empty((2, 3)).shape),
            list(torch.zeros(size=(2,)).shape),
            list(torch.ones([]).shape),
            list(torch.empty(0, 3).shape),
        ],
        "type": [
            _shown(torch, f.type()),
            _shown(torch, x.type()),
            _name(x.type(torch.float32).dtype),
            x.type(torch.float32).tolist(),
            _shown(torch, torch.zeros(1, dtype=torch.bool).type()),
        ],
        "tril": [torch.ones(3, 3).tril().tolist(), torch.ones(2, 4).triu(diagonal=1).tolist()],
    }


def reductions_with_dims(torch, init):
    """Reductions as the docs' examples call them, values and gradients: sum with dtype,
    mean over a tuple of dims with keepdim, std(unbiased=False), var(correction=0), max
    over a dim (the named tuple's .values, .indices and [0]), min, argmax with keepdim,
    prod with a zero (its gradient), logsumexp over two dims, amax with ties (the gradient
    shared), norm with p=1, inf and -inf over a dim, var_mean, std_mean, aminmax, cumprod
    with a zero, nansum and nanmean, all and any over dims."""
    x = torch.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]], requires_grad=True)
    nan = torch.tensor([1.0, float("nan"), 2.0])
    mx = x.max(dim=1)
    var, mean = torch.var_mean(x, dim=1, correction=0)
    std, mean2 = torch.std_mean(x, dim=0)
    mm = torch.aminmax(x.detach(), dim=0)
    outs = {
        "sum_dtype": x.sum(dtype=torch.float64),
        "mean_dims": x.mean(dim=(0, 1), keepdim=True),
        "std_biased": x.std(dim=1, unbiased=False),
        "var_corr": x.var(1, correction=0),
        "max_values": mx.values,
        "max_0": mx[0],
        "min": x.min(dim=0).values,
        "prod": x.prod(dim=1),
        "prod_all": x.prod(),
        "logsumexp": torch.logsumexp(x, dim=(0, 1)),
        "amax": x.amax(dim=1),
        "norm1": x.norm(p=1, dim=1),
        "norm_inf": torch.linalg.vector_norm(x, ord=float("inf"), dim=0),
        "norm_neg_inf": torch.norm(x, p=float("-inf"), dim=1),
        "var_mean": var + mean,
        "std_mean": std * mean2,
        "cumprod": x.cumprod(dim=1),
        "cumsum": torch.cumsum(x, dim=0),
    }
    results = {}
    for name, out in outs.items():
        (g,) = torch.autograd.grad(out.sum(), x, retain_graph=True)
        results[name] = [out.tolist(), _name(out.dtype), g.tolist()]
    results["indices"] = [
        mx.indices.tolist(),
        x.argmax(dim=1, keepdim=True).tolist(),
        x.argmin().item(),
        mm.min.tolist(),
        mm.max.tolist(),
    ]
    results["nan"] = [nan.nansum().item(), nan.nanmean().item(), torch.isnan(nan.sum()).item()]
    b = x.detach() > 0
    results["logic"] = [
        b.all(dim=1).tolist(),
        b.any(dim=0).tolist(),
        b.all().item(),
        torch.any(b).item(),
        b.sum().item(),
        b.float().mean().item(),
    ]
    return results


def statistics_and_calculus_helpers(torch, init):
    """The numerical helpers of the docs: torch.cov with correction, fweights and
    aweights; corrcoef; diff (n=2, prepend, append); trapezoid with x and with dx,
    cumulative_trapezoid; torch.gradient (spacing, along a dim, edge_order); histogram
    with weights and density; cdist with p=1 and p=inf; pdist; with gradients where they
    are differentiable."""
    obs = _randn(torch, (3, 6), 21).requires_grad_()
    fw = torch.tensor([1, 2, 1, 3, 1, 1])
    aw = torch.tensor([0.5, 1.0, 1.0, 2.0, 0.1, 1.0])
    y = torch.tensor([1.0, 4.0, 9.0, 16.0, 25.0])
    xs = torch.tensor([0.0, 1.0, 2.5, 3.0, 4.5])
    grid = torch.tensor([[1.0, 2.0, 4.0, 8.0], [10.0, 20.0, 40.0, 80.0]])
    a, b = _randn(torch, (4, 3), 22).requires_grad_(), _randn(torch, (5, 3), 23)
    outs = {
        "cov": torch.cov(obs),
        "cov0": torch.cov(obs, correction=0),
        "cov_w": torch.cov(obs, fweights=fw, aweights=aw),
        "corrcoef": torch.corrcoef(obs),
        "cdist1": torch.cdist(a, b, p=1.0),
        "cdist_inf": torch.cdist(a, b, p=float("inf")),
        "cdist2": torch.cdist(a.unsqueeze(0), b.unsqueeze(0)),
        "pdist": torch.pdist(a),
    }
    results = {}
    for name, out in outs.items():
        inputs = [obs] if name in ("cov", "cov0", "cov_w", "corrcoef") else [a]
        (g,) = torch.autograd.grad((out * out).sum(), inputs)
        results[name] = [out.tolist(), g.tolist()]
    hist = torch.histogram(
        y, bins=3, range=(0.0, 30.0), weight=torch.tensor([1.0, 2.0, 1.0, 1.0, 0.5]), density=True
    )
    results["calculus"] = [
        torch.diff(y, n=2).tolist(),
        torch.diff(y, prepend=torch.tensor([0.0]), append=torch.tensor([36.0, 49.0])).tolist(),
        torch.diff(grid, dim=0).tolist(),
        torch.trapezoid(y, xs).item(),
        torch.trapezoid(y, dx=0.5).item(),
        torch.cumulative_trapezoid(y, xs).tolist(),
        [g.tolist() for g in torch.gradient(y)],
        [g.tolist() for g in torch.gradient(y, spacing=(xs,))],
        [g.tolist() for g in torch.gradient(grid, spacing=2.0, dim=1, edge_order=2)],
        [g.tolist() for g in torch.gradient(grid)],
        hist.hist.tolist(),
        hist.bin_edges.tolist(),
    ]
    return results


def autograd_api_details(torch, init):
    """The corners of the autograd tutorial and the autograd mechanics note: backward with
    inputs=, retain_graph for a second backward (gradients accumulate), retain_grad on a
    non-leaf, a tensor hook that doubles its gradient and one removed, x.grad = None,
    enable_grad inside no_grad, set_grad_enabled as a function, is_grad_enabled,
    inference_mode as a decorator, detach_, requires_grad_(False), and the errors: a
    non-scalar backward, a second backward through a freed graph, requires_grad on an
    integer tensor, grad of a tensor that does not require grad."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = x * w
    h.retain_grad()
    handle = w.register_hook(lambda g: g * 2)
    out = (h**2).sum()
    out.backward(retain_graph=True, inputs=[x])
    first = [x.grad.tolist(), w.grad is None, h.grad is None]
    out.backward(inputs=[x, w, h])
    second = [x.grad.tolist(), w.grad.tolist(), h.grad.tolist()]
    handle.remove()
    x.grad = None
    (x * w).sum().backward()
    third = [x.grad.tolist(), w.grad.tolist()]
    with torch.no_grad():
        inside = (x * 2).requires_grad
        with torch.enable_grad():
            enabled = (x * 2).requires_grad
    torch.set_grad_enabled(False)
    off = [torch.is_grad_enabled(), (x * 2).requires_grad]
    torch.set_grad_enabled(True)

    @torch.inference_mode()
    def infer(t):
        return t * 2

    y = x * 3
    y.detach_()
    z = torch.ones(2, requires_grad=True)
    z.requires_grad_(False)
    errors = []
    for thunk in (
        lambda: (x * 2).backward(),
        lambda: torch.tensor([1, 2]).requires_grad_(),
        lambda: torch.autograd.grad((x * 2).sum(), torch.ones(3)),
    ):
        try:
            thunk()
            errors.append("no error")
        except RuntimeError:
            errors.append("RuntimeError")
    freed = (x.exp() * w).sum()
    freed.backward()
    try:
        freed.backward()
        errors.append("no error")
    except RuntimeError as e:
        errors.append("second time" in str(e))
    return {
        "first": first,
        "second": second,
        "third": third,
        "modes": [inside, enabled, off, torch.is_grad_enabled(), infer(x).requires_grad],
        "detach_": [y.requires_grad, y.grad_fn is None, y.is_leaf],
        "requires_grad_": [z.requires_grad, z.is_leaf],
        "errors": errors,
    }


def module_api_details(torch, init):
    """nn.Module's API as the docs describe it: buffers (persistent=False is left out of
    the state_dict), load_state_dict(strict=False) and its missing and unexpected keys,
    get_parameter, get_submodule, add_module, Sequential's append, insert, extend, pop,
    negative index and slices, ModuleList's insert and extend, ParameterList and
    ParameterDict, module.double(), zero_grad(set_to_none=False), named_parameters with
    prefix and recurse=False, apply's order, train(False) reaching the children, and the
    count of trainable parameters."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
            self.head = nn.Linear(4, 2)
            self.register_buffer("running", torch.zeros(2))
            self.register_buffer("scratch", torch.ones(1), persistent=False)
            self.scales = nn.ParameterList([nn.Parameter(torch.ones(2)) for _ in range(2)])
            self.extra = nn.ParameterDict(
                {"b": nn.Parameter(torch.zeros(1)), "a": nn.Parameter(torch.ones(1))}
            )

        def forward(self, x):
            return self.head(self.body(x)) * self.scales[0] + self.extra["a"]

    net = init(Net())
    keys = list(net.state_dict())
    partial = {k: v for k, v in net.state_dict().items() if not k.startswith("head")}
    partial["unused.weight"] = torch.zeros(1)
    result = net.load_state_dict(partial, strict=False)
    seq = nn.Sequential(nn.Linear(2, 2))
    seq.append(nn.ReLU())
    seq.insert(0, nn.Identity())
    seq.extend([nn.Tanh(), nn.Linear(2, 1)])
    popped = seq.pop(1)
    ml = nn.ModuleList([nn.ReLU()])
    ml.insert(0, nn.Tanh())
    ml.extend([nn.Sigmoid()])
    net.add_module("tail", nn.Softmax(dim=1))
    order = []
    net.apply(lambda m: order.append(type(m).__name__))
    x = _randn(torch, (5, 3), 24)
    net(x).sum().backward()
    net.zero_grad(set_to_none=False)
    zeroed = [None if p.grad is None else p.grad.abs().sum().item() for p in net.parameters()]
    net.train(False)
    net.double()
    return {
        "keys": keys,
        "buffers": [n for n, _ in net.named_buffers()],
        "strict": [sorted(result.missing_keys), sorted(result.unexpected_keys)],
        "get": [
            list(net.get_parameter("body.0.weight").shape),
            type(net.get_submodule("body.1")).__name__,
        ],
        "sequential": [
            [type(m).__name__ for m in seq],
            type(popped).__name__,
            type(seq[-1]).__name__,
            [type(m).__name__ for m in seq[1:3]],
            type(seq[1:3]).__name__,
            len(seq),
        ],
        "modulelist": [type(m).__name__ for m in ml],
        "named": [n for n, _ in net.named_parameters(prefix="model", recurse=False)]
        + [n for n, _ in net.named_parameters()],
        "apply": order,
        "zeroed": zeroed,
        "modes": [m.training for m in net.modules()],
        "dtypes": sorted({_name(p.dtype) for p in net.state_dict().values()}),
        "count": sum(p.numel() for p in net.parameters() if p.requires_grad),
        "children": [n for n, _ in net.named_children()],
    }


def actor_critic_with_categorical(torch, init):
    """The actor-critic example of pytorch/examples (reinforcement_learning), with the
    sampled actions replaced by fixed ones: a shared body with an action head (softmax)
    and a value head, Categorical(probs) log_prob and entropy, discounted returns
    normalized with eps = np.finfo(np.float32).eps.item(), advantages with the value
    detached, smooth_l1 value loss, one Adam step per episode; then a tanh-squashed
    Normal policy's log_prob with the change-of-variables correction."""
    nn, F = torch.nn, torch.nn.functional
    Categorical, Normal = torch.distributions.Categorical, torch.distributions.Normal

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(4, 16)
            self.action_head = nn.Linear(16, 2)
            self.value_head = nn.Linear(16, 1)

        def forward(self, x):
            x = F.relu(self.affine1(x))
            return F.softmax(self.action_head(x), dim=-1), self.value_head(x)

    model = init(Policy())
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    eps = np.finfo(np.float32).eps.item()
    gamma = 0.99
    rng = np.random.default_rng(25)
    log = []
    for _ in range(3):  # episodes
        states = torch.from_numpy(rng.normal(size=(6, 4)).astype(np.float32))
        actions = torch.from_numpy(rng.integers(0, 2, 6))
        rewards = rng.uniform(0, 1, 6).tolist()
        saved = []
        for state, action in zip(states, actions):
            probs, value = model(state)
            m = Categorical(probs)
            saved.append((m.log_prob(action), value, m.entropy()))
        R, returns = 0, []
        for r in rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        policy_losses, value_losses = [], []
        for (log_prob, value, entropy), R in zip(saved, returns):
            advantage = R - value.item()
            policy_losses.append(-log_prob * advantage - 0.01 * entropy)
            value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
        optimizer.zero_grad()
        loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()
        loss.backward()
        optimizer.step()
        log.append([loss.item(), returns.tolist()])
    mu = torch.tensor([0.1, -0.3], requires_grad=True)
    std = torch.tensor([0.5, 1.2], requires_grad=True)
    dist = Normal(mu, std)
    u = torch.tensor([0.4, -1.0])
    action = torch.tanh(u)
    logp = (dist.log_prob(u) - torch.log(1 - action.pow(2) + 1e-6)).sum()
    logp.backward()
    return {
        "log": log,
        "params": [p.tolist() for p in model.parameters()],
        "squashed": [logp.item(), mu.grad.tolist(), std.grad.tolist()],
    }


def multihead_attention_options(torch, init):
    """nn.MultiheadAttention with the options its docs list: kdim and vdim different from
    embed_dim, batch_first=False, a boolean key_padding_mask, a 3-D attn_mask of one mask
    per head, need_weights with average_attn_weights=False, add_bias_kv and
    add_zero_attn; outputs, weights and gradients of the projections."""
    nn = torch.nn
    results = {}
    q = _randn(torch, (3, 2, 8), 31)
    k = _randn(torch, (4, 2, 5), 32)
    v = _randn(torch, (4, 2, 6), 33)
    pad = torch.tensor([[False, False, True, True], [False, False, False, True]])
    attn_mask = torch.from_numpy(np.random.default_rng(34).uniform(size=(4, 3, 4)) > 0.7)
    attn_mask[:, :, 0] = False
    for name, kwargs in [
        ("kv_dims", {}),
        ("bias_kv", {"add_bias_kv": True}),
        ("zero_attn", {"add_zero_attn": True}),
    ]:
        mha = init(nn.MultiheadAttention(8, 2, kdim=5, vdim=6, **kwargs))
        out, weights = mha(
            q, k, v, key_padding_mask=pad, attn_mask=attn_mask, average_attn_weights=False
        )
        out.pow(2).sum().backward()
        results[name] = [
            out.tolist(),
            list(weights.shape),
            weights.tolist(),
            [[n, p.grad.norm().item()] for n, p in mha.named_parameters()],
        ]
    mha = init(nn.MultiheadAttention(8, 2))
    out, avg = mha(q, q, q, need_weights=True)
    none_out, none_w = mha(q, q, q, need_weights=False)
    results["self"] = [
        out.tolist(),
        avg.tolist(),
        none_w is None,
        torch.allclose(out, none_out, atol=1e-6),
    ]
    return results


def embedding_options(torch, init):
    """nn.Embedding's options: from_pretrained with freeze=False and a padding_idx,
    max_norm (the looked-up rows renormalized in place in the weight), scale_grad_by_freq
    (gradients divided by each index's count in the batch), the padding row's zero
    gradient; EmbeddingBag with per_sample_weights (mode "sum") and include_last_offset."""
    nn, F = torch.nn, torch.nn.functional
    weights = torch.from_numpy(np.random.default_rng(35).normal(size=(6, 3)).astype(np.float32))
    emb = nn.Embedding.from_pretrained(weights, freeze=False, padding_idx=0)
    idx = torch.tensor([[0, 2, 2], [5, 2, 1]])
    emb(idx).pow(2).sum().backward()
    renorm = nn.Embedding.from_pretrained(weights.clone(), max_norm=1.0)
    looked = renorm(torch.tensor([1, 3, 3]))
    freq = nn.Embedding(6, 3, scale_grad_by_freq=True)
    freq.weight.data.copy_(weights)
    (freq(idx) * torch.arange(18.0).view(2, 3, 3)).sum().backward()
    bag = nn.EmbeddingBag.from_pretrained(
        weights, mode="sum", freeze=False, include_last_offset=True
    )
    flat = torch.tensor([1, 2, 4, 5, 3])
    offsets = torch.tensor([0, 2, 5])
    psw = torch.tensor([0.5, 1.0, 2.0, -1.0, 0.25])
    bagged = bag(flat, offsets, per_sample_weights=psw)
    bagged.sum().backward()
    functional = F.embedding(idx, weights, padding_idx=2)
    return {
        "grad": emb.weight.grad.tolist(),
        "requires_grad": [emb.weight.requires_grad, renorm.weight.requires_grad],
        "max_norm": [looked.tolist(), renorm.weight.tolist()],
        "freq": freq.weight.grad.tolist(),
        "bag": [bagged.tolist(), bag.weight.grad.tolist()],
        "functional": functional.tolist(),
    }


def einsum_forms(torch, init):
    """torch.einsum's forms beyond matmul: diagonal 'ii->i', trace 'ii', batch diagonal
    '...ii->...i', outer 'i,j->ij', bilinear 'bn,anm,bm->ba', a full sum 'ij->', a
    permutation 'ijk->kji', ellipses broadcasting a batch of 1 against 3, the sublist
    format, operands passed as a list, and multi-query attention written with einsum;
    values and gradients."""
    A = _randn(torch, (3, 3), 41).requires_grad_()
    B = _randn(torch, (2, 4, 4), 42).requires_grad_()
    l = _randn(torch, (2, 5), 43).requires_grad_()
    W = _randn(torch, (3, 5, 4), 44).requires_grad_()
    r = _randn(torch, (2, 4), 45).requires_grad_()
    q = _randn(torch, (2, 4, 3, 6), 46).requires_grad_()  # batch, heads, query, dim
    kv = _randn(torch, (2, 5, 6), 47).requires_grad_()  # one shared key/value head
    outs = {
        "diag": torch.einsum("ii->i", A),
        "trace": torch.einsum("ii", A),
        "batch_diag": torch.einsum("...ii->...i", B),
        "outer": torch.einsum("i,j->ij", l[0], r[0]),
        "bilinear": torch.einsum("bn,anm,bm->ba", l, W, r),
        "sum": torch.einsum("ij->", A),
        "permute": torch.einsum("ijk->kji", B),
        "ellipsis": torch.einsum("...ij,...jk->...ik", B[:1], B.transpose(1, 2)),
        "sublist": torch.einsum(l, [0, 1], W, [2, 1, 3], [0, 2, 3]),
        "list": torch.einsum("bi,bi->b", [l, l]),
        "mqa": torch.einsum("bhqd,bkd->bhqk", q, kv).softmax(-1),
    }
    mqa = torch.einsum("bhqk,bkd->bhqd", outs["mqa"], kv)
    results = {}
    for name, out in list(outs.items()) + [("mqa_out", mqa)]:
        inputs = [t for t in (A, B, l, W, r, q, kv)]
        grads = torch.autograd.grad((out * out).sum(), inputs, allow_unused=True, retain_graph=True)
        results[name] = [
            list(out.shape),
            out.tolist(),
            [None if g is None else g.tolist() for g in grads],
        ]
    return results


def where_nan_and_masked_softmax(torch, init):
    """The numerically careful idioms of blog posts: the double-where trick for a safe sqrt
    (no nan gradient), nan_to_num with nan, posinf and neginf, isnan, isinf, isfinite, a
    masked mean over padded positions, clamp with tensor bounds, maximum/minimum and
    fmax/fmin with nan, a masked softmax whose fully masked row is nan in both libraries,
    and the same with a large negative fill instead."""
    x = torch.tensor([-1.0, 0.0, 4.0, 9.0], requires_grad=True)
    safe = torch.where(x > 0, x, torch.ones_like(x))
    y = torch.where(x > 0, torch.sqrt(safe), torch.zeros_like(x))
    y.sum().backward()
    vals = torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5])
    lengths = torch.tensor([2, 4, 1])
    h = _randn(torch, (3, 4, 2), 51)
    mask = torch.arange(4)[None, :] < lengths[:, None]
    masked_mean = (h * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
    scores = _randn(torch, (3, 4), 52)
    smask = torch.tensor([[True, True, False, False], [False] * 4, [True] * 4])
    nan_rows = scores.masked_fill(~smask, float("-inf")).softmax(-1)
    filled = scores.masked_fill(~smask, -1e9).softmax(-1)
    a = torch.tensor([1.0, float("nan"), 3.0])
    b = torch.tensor([2.0, 2.0, float("nan")])
    lo, hi = torch.tensor([0.0, 1.0, 2.0, 3.0]), torch.tensor([1.0, 1.5, 3.0, 5.0])
    return {
        "safe_sqrt": [y.tolist(), x.grad.tolist()],
        "nan_to_num": [
            torch.nan_to_num(vals).tolist(),
            torch.nan_to_num(vals, nan=0.0, posinf=1e4, neginf=-1e4).tolist(),
        ],
        "checks": [
            vals.isnan().tolist(),
            vals.isinf().tolist(),
            vals.isfinite().tolist(),
            torch.isposinf(vals).tolist(),
            torch.isneginf(vals).tolist(),
        ],
        "masked_mean": masked_mean.tolist(),
        "clamp": [x.detach().clamp(lo, hi).tolist(), torch.clamp(x.detach(), min=lo).tolist()],
        "max_min": [
            torch.maximum(a, b).tolist(),
            torch.minimum(a, b).tolist(),
            torch.fmax(a, b).tolist(),
            torch.fmin(a, b).tolist(),
        ],
        "softmax": [nan_rows.tolist(), filled.tolist()],
    }


def in_place_semantics(torch, init):
    """In-place ops as the Tensors tutorial and the autograd note describe them: add_
    returns the tensor itself, a += through a view updates the base, chained in-place
    calls, out= arguments, the SGD update `w -= lr * w.grad` under no_grad keeping w a
    leaf, the .data trick, an in-place op on a leaf that requires grad (RuntimeError), and
    modifying a tensor saved for backward (RuntimeError at backward)."""
    x = torch.ones(2, 3)
    same = x.add_(1) is x
    row = x[0]
    row += 10
    col = x[:, 1]
    col.mul_(2)
    x.t_()
    chained = torch.zeros(3).add_(1).mul_(3).sub_(torch.tensor([1.0, 2.0, 3.0])).tolist()
    out = torch.empty(2)
    torch.add(torch.tensor([1.0, 2.0]), 5, out=out)
    out2 = torch.empty(3)
    torch.mul(torch.tensor([1.0, 2.0, 3.0]), 2, out=out2)
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    (w**2).sum().backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
    v = torch.tensor([3.0, 4.0], requires_grad=True)
    v.data.mul_(2)
    errors = []
    try:
        torch.ones(2, requires_grad=True).add_(1)
        errors.append("no error")
    except RuntimeError:
        errors.append("RuntimeError")
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a.exp()
    b.add_(1)
    try:
        b.sum().backward()
        errors.append(["ok", a.grad.tolist()])
    except RuntimeError:
        errors.append("RuntimeError")
    c = a * 1
    d = c.sigmoid()
    c.mul_(2)
    try:
        d.sum().backward()
        errors.append(["ok", a.grad.tolist()])
    except RuntimeError:
        errors.append("RuntimeError")
    return {
        "same": same,
        "x": x.tolist(),
        "chained": chained,
        "out": [out.tolist(), out2.tolist()],
        "sgd": [w.tolist(), w.is_leaf, w.requires_grad, w.grad.tolist()],
        "data": [v.tolist(), v.requires_grad, v.is_leaf],
        "errors": errors,
    }


def numerical_edge_cases(torch, init):
    """What students meet at the edges of floating point: float32 overflow to inf and
    exp(89), log_softmax against the naive log of softmax on large logits, logsumexp of
    -inf entries, softplus and sigmoid at extremes with their gradients, integer overflow
    wrapping in int8 and uint8, float division by zero (inf and nan), integer division
    and remainder by zero (a RuntimeError in both), and finfo/iinfo values."""
    big = torch.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    naive = torch.log(torch.softmax(big, dim=1))
    stable = torch.log_softmax(big, dim=1)
    (stable * torch.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    ext = torch.tensor([-100.0, -20.0, 0.0, 20.0, 100.0], requires_grad=True)
    sp = torch.nn.functional.softplus(ext)
    sg = torch.sigmoid(ext)
    (gsp,) = torch.autograd.grad(sp.sum(), ext, retain_graph=True)
    (gsg,) = torch.autograd.grad(sg.sum(), ext)
    errors = []
    for thunk in (lambda: torch.tensor([1, 2]) // 0, lambda: torch.tensor([5]) % torch.tensor([0])):
        try:
            thunk()
            errors.append("no error")
        except (RuntimeError, ZeroDivisionError) as e:
            errors.append(type(e).__name__)
    return {
        "overflow": [
            (torch.tensor([3e38]) * 10).tolist(),
            torch.exp(torch.tensor([89.0])).tolist(),
            torch.tensor([1e-45]).tolist(),
            (torch.tensor([1e-30]) ** 2).tolist(),
        ],
        "softmax": [naive.tolist(), stable.tolist(), big.grad.tolist()],
        "logsumexp": [
            torch.logsumexp(torch.tensor([float("-inf"), float("-inf")]), 0).item(),
            torch.logsumexp(torch.tensor([float("-inf"), 0.0]), 0).item(),
        ],
        "extremes": [sp.tolist(), sg.tolist(), gsp.tolist(), gsg.tolist()],
        "int_wrap": [
            (torch.tensor([127], dtype=torch.int8) + 1).tolist(),
            (torch.tensor([0], dtype=torch.uint8) - 1).tolist(),
            (torch.tensor([200], dtype=torch.uint8) * 2).tolist(),
        ],
        "div_zero": [
            (torch.tensor([1.0, -1.0, 0.0]) / 0).tolist(),
            (torch.tensor([1, 0]) / 0).tolist(),
        ],
        "errors": errors,
        "info": [
            torch.finfo(torch.float32).eps,
            torch.finfo(torch.float32).min,
            torch.finfo(torch.float16).max,
            torch.iinfo(torch.int32).max,
            torch.iinfo(torch.int8).min,
            torch.iinfo(torch.uint8).bits,
            torch.finfo(torch.float64).resolution,
        ],
    }


def printing_optimizers_and_distributions(torch, init):
    """print(optimizer) as the optimization tutorial shows it (one and two parameter groups,
    a blank line between groups), and print of distributions (scalar parameters by value,
    others by their size), of a loss module and of a Parameter."""
    nn, D = torch.nn, torch.distributions
    model = nn.Linear(2, 2)
    return {
        "sgd": _shown(torch, torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)),
        "groups": _shown(
            torch,
            torch.optim.Adam(
                [{"params": [model.weight]}, {"params": [model.bias], "lr": 1e-2}], lr=1e-3
            ),
        ),
        "adamw": _shown(torch, torch.optim.AdamW(model.parameters(), weight_decay=0.05)),
        "dists": [
            _shown(torch, d)
            for d in (
                D.Normal(torch.tensor(0.0), torch.tensor(1.0)),
                D.Normal(torch.zeros(2), torch.ones(2)),
                D.Categorical(probs=torch.tensor([0.5, 0.5])),
                D.Bernoulli(torch.tensor(0.3)),
                D.Uniform(0.0, 2.0),
            )
        ],
        "others": [
            _shown(torch, nn.MSELoss(reduction="sum")),
            _shown(torch, nn.Parameter(torch.tensor([1.0, 2.0]))),
            _shown(torch, nn.CrossEntropyLoss()),
        ],
    }


def transformer_encoder_options(torch, init):
    """nn.TransformerEncoderLayer and nn.TransformerEncoder with the options the docs list:
    norm_first=True, activation="gelu" and a callable activation, batch_first, a final
    LayerNorm, two layers, enable_nested_tensor=False; a causal mask from
    nn.Transformer.generate_square_subsequent_mask (its values), a key padding mask, and
    is_causal; outputs in eval mode, gradients in train mode (dropout 0)."""
    nn, F = torch.nn, torch.nn.functional
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    x = _randn(torch, (2, 4, 8), 61)
    pad = torch.zeros(2, 4).masked_fill(
        torch.tensor([[False, False, False, True], [False, False, False, False]]), -math.inf
    )
    results = {"mask": mask.tolist()}
    for name, kwargs in [
        ("post_gelu", {"activation": "gelu"}),
        ("pre_relu", {"norm_first": True}),
        ("pre_callable", {"norm_first": True, "activation": F.silu}),
    ]:
        layer = nn.TransformerEncoderLayer(
            8, 2, dim_feedforward=16, dropout=0.0, batch_first=True, **kwargs
        )
        enc = init(
            nn.TransformerEncoder(
                layer, num_layers=2, norm=nn.LayerNorm(8), enable_nested_tensor=False
            )
        )
        out = enc(x, mask=mask, src_key_padding_mask=pad)
        causal = enc(x, mask=mask, is_causal=True)
        out.sum().backward()
        enc.eval()
        with torch.no_grad():
            ev = enc(x, mask=mask)
        results[name] = [
            out.tolist(),
            causal.tolist(),
            ev.tolist(),
            [[n, p.grad.norm().item()] for n, p in enc.named_parameters()],
        ]
    return results


def recurrent_layers_and_cells(torch, init):
    """The recurrent layers beyond LSTM: a bidirectional two-layer GRU with h0 on a
    pack_sequence (enforce_sorted=False) of three sequences, pad_sequence with
    padding_value and batch_first, PackedSequence's data and batch_sizes; a two-layer
    nn.RNN with nonlinearity="relu"; RNNCell, GRUCell and LSTMCell loops; outputs, final
    states and gradients."""
    nn, U = torch.nn, torch.nn.utils.rnn
    seqs = [_randn(torch, (n, 3), 70 + n) for n in (2, 5, 3)]
    padded = U.pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    packed = U.pack_sequence(seqs, enforce_sorted=False)
    gru = init(nn.GRU(3, 4, num_layers=2, bidirectional=True))
    h0 = _randn(torch, (4, 3, 4), 75)
    out, hn = gru(packed, h0)
    unpacked, lengths = U.pad_packed_sequence(out, padding_value=0.0)
    rnn = init(nn.RNN(3, 5, num_layers=2, nonlinearity="relu", batch_first=True))
    r_out, r_h = rnn(padded)
    cells = [
        init(nn.RNNCell(3, 4, nonlinearity="tanh")),
        init(nn.GRUCell(3, 4)),
        init(nn.LSTMCell(3, 4)),
    ]
    x = _randn(torch, (5, 2, 3), 76)
    cell_outs = []
    for cell in cells:
        h = torch.zeros(2, 4)
        state = (h, torch.zeros(2, 4)) if isinstance(cell, nn.LSTMCell) else h
        steps = []
        for t in range(5):
            state = cell(x[t], state)
            steps.append(state[0] if isinstance(state, tuple) else state)
        cell_outs.append(torch.stack(steps))
    total = unpacked.sum() + hn.pow(2).sum() + r_out.mean() + sum(c.sum() for c in cell_outs)
    total.backward()
    return {
        "padded": padded.tolist(),
        "packed": [
            packed.data.tolist(),
            packed.batch_sizes.tolist(),
            packed.sorted_indices.tolist(),
            packed.unsorted_indices.tolist(),
        ],
        "gru": [unpacked.tolist(), lengths.tolist(), hn.tolist()],
        "rnn": [r_out.tolist(), r_h.tolist()],
        "cells": [c.tolist() for c in cell_outs],
        "grads": [
            gru.weight_hh_l1_reverse.grad.tolist(),
            rnn.weight_ih_l0.grad.tolist(),
            [c.weight_hh.grad.tolist() for c in cells],
        ],
    }


def dataloader_collate_semantics(torch, init):
    """What DataLoader's default collate makes of what a Dataset returns: dicts, tuples and
    namedtuples of tensors, NumPy arrays, Python floats (float64), ints (int64), bools and
    strings; batch_size=None (no batching: default_convert), a BatchSampler over a
    SequentialSampler with drop_last, a RandomSampler with a seeded generator (the order
    compared sorted), len() of loaders, TensorDataset indexing, Subset, ConcatDataset's
    cumulative_sizes, and random_split with fractions (the lengths)."""
    from collections import namedtuple

    data = torch.utils.data
    Point = namedtuple("Point", ["x", "y"])

    class Items(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {
                "image": torch.full((2,), float(i)),
                "label": i,
                "weight": i / 2,
                "flag": i % 2 == 0,
                "name": f"item{i}",
                "array": np.arange(3) * i,
                "pair": (torch.tensor(i), i * 10),
                "point": Point(i, torch.ones(1) * i),
            }

    loader = data.DataLoader(Items(), batch_size=2)
    batches = list(loader)
    first = batches[0]
    described = {
        k: (
            _shown(torch, type(v).__name__)
            if not hasattr(v, "dtype")
            else [_name(v.dtype), v.tolist()]
        )
        for k, v in first.items()
        if k not in ("pair", "point", "name")
    }
    unbatched = list(data.DataLoader(Items(), batch_size=None))[1]
    ds = data.TensorDataset(torch.arange(10.0).view(5, 2), torch.arange(5))
    sampler = data.BatchSampler(data.SequentialSampler(ds), batch_size=2, drop_last=True)
    gen = torch.Generator().manual_seed(0)
    shuffled = [
        i
        for b in data.DataLoader(ds, batch_size=2, shuffle=True, generator=gen)
        for i in b[1].tolist()
    ]
    concat = data.ConcatDataset([ds, data.Subset(ds, [4, 0])])
    parts = data.random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(1))
    return {
        "first": described,
        "names": first["name"],
        "pair": [first["pair"][0].tolist(), first["pair"][1].tolist()],
        "point": [
            type(first["point"]).__name__,
            first["point"].x.tolist(),
            first["point"].y.tolist(),
        ],
        "last": [len(batches), batches[-1]["image"].tolist()],
        "unbatched": [
            type(unbatched["label"]).__name__,
            unbatched["image"].tolist(),
            type(unbatched["array"]).__name__,
        ],
        "tensor_dataset": [[t.tolist() for t in ds[1]], len(ds), [t.tolist() for t in ds[1:3]]],
        "batch_sampler": [
            list(sampler),
            len(sampler),
            len(data.DataLoader(ds, batch_size=2)),
            len(data.DataLoader(ds, batch_size=2, drop_last=True)),
        ],
        "shuffled": sorted(shuffled),
        "concat": [len(concat), concat.cumulative_sizes, [t.tolist() for t in concat[5]]],
        "split": [len(p) for p in parts] + [sorted(list(parts[0]) + list(parts[1]))],
    }


def gradient_clipping_recipes(torch, init):
    """Gradient clipping as the docs and training scripts do it: clip_grad_norm_ with
    norm_type 2, 1 and inf (the returned total norm, the clipped grads), foreach=True,
    error_if_nonfinite=True on an inf gradient (RuntimeError), clip_grad_value_,
    get_total_norm with clip_grads_with_norm_, per-parameter clipping in a loop, and
    gradient accumulation over micro-batches with the loss divided by their count."""
    nn, U = torch.nn, torch.nn.utils
    X, Y = _randn(torch, (8, 3), 81, 5.0), _randn(torch, (8, 2), 82)
    start = init(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))

    def fresh():
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        model.load_state_dict(start.state_dict())
        nn.functional.mse_loss(model(X), Y).backward()
        return model

    results = {}
    for name, kwargs in [
        ("l2", {"max_norm": 0.5}),
        ("l1", {"max_norm": 0.5, "norm_type": 1}),
        ("inf", {"max_norm": 0.1, "norm_type": float("inf")}),
        ("foreach", {"max_norm": 0.5, "foreach": True}),
    ]:
        model = fresh()
        total = U.clip_grad_norm_(model.parameters(), **kwargs)
        results[name] = [total.item(), [p.grad.tolist() for p in model.parameters()]]
    model = fresh()
    U.clip_grad_value_(model.parameters(), clip_value=0.05)
    results["value"] = [p.grad.tolist() for p in model.parameters()]
    model = fresh()
    grads = [p.grad for p in model.parameters()]
    norm = U.get_total_norm(grads, norm_type=2.0)
    U.clip_grads_with_norm_(model.parameters(), max_norm=0.3, total_norm=norm)
    results["split_api"] = [norm.item(), [p.grad.tolist() for p in model.parameters()]]
    model = fresh()
    for p in model.parameters():
        U.clip_grad_norm_(p, 0.2)
    results["per_param"] = [p.grad.norm().item() for p in model.parameters()]
    model = fresh()
    model[0].weight.grad[0, 0] = float("inf")
    try:
        U.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
        results["nonfinite"] = "no error"
    except RuntimeError:
        results["nonfinite"] = "RuntimeError"
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    model.load_state_dict(start.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    accumulation_steps = 4
    for i, (xb, yb) in enumerate(zip(X.split(2), Y.split(2))):
        loss = nn.functional.mse_loss(model(xb), yb) / accumulation_steps
        loss.backward()
        if (i + 1) % accumulation_steps == 0:
            U.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad()
    results["accumulated"] = [p.tolist() for p in model.parameters()]
    return results


def weight_init_recipes(torch, init):
    """The weight-initialization recipes of the docs and of blog posts: calculate_gain for
    each nonlinearity, the deterministic inits (constant_, ones_, zeros_, eye_, dirac_),
    and the random ones checked by their properties (the draws differ between the
    libraries): kaiming_uniform_ and xavier_uniform_ within their bounds, kaiming_normal_
    (mode="fan_out") and xavier_normal_ standard deviations, orthogonal_ (W W^T = I),
    trunc_normal_ within [a, b], normal_ and uniform_; and `model.apply(init_weights)`
    with an isinstance check, as the tutorials write it."""
    nn, I = torch.nn, torch.nn.init
    gains = [
        I.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu")
    ] + [I.calculate_gain("leaky_relu", 0.2)]
    w = torch.empty(3, 5)
    conv = torch.empty(2, 2, 3, 3)
    det = [
        I.constant_(w, 0.3).tolist(),
        I.ones_(torch.empty(2)).tolist(),
        I.zeros_(torch.empty(2)).tolist(),
        I.eye_(torch.empty(3, 4)).tolist(),
        I.dirac_(conv).tolist(),
        I.dirac_(torch.empty(4, 2, 3), groups=2).tolist(),
    ]
    big = torch.empty(256, 512)
    ku = I.kaiming_uniform_(torch.empty(256, 512), a=math.sqrt(5))
    xu = I.xavier_uniform_(torch.empty(256, 512), gain=I.calculate_gain("tanh"))
    kn = I.kaiming_normal_(big, mode="fan_out", nonlinearity="relu")
    xn = I.xavier_normal_(torch.empty(256, 512))
    ortho = I.orthogonal_(torch.empty(4, 6))
    tn = I.trunc_normal_(torch.empty(1000), mean=0.0, std=1.0, a=-0.5, b=0.5)
    bound_ku = math.sqrt(2.0 / (1 + 5)) * math.sqrt(3.0 / 512)
    bound_xu = 5.0 / 3 * math.sqrt(6.0 / (256 + 512))
    stats = [
        bool(ku.abs().max() <= bound_ku),
        bool(ku.abs().max() > 0.9 * bound_ku),
        bool(xu.abs().max() <= bound_xu),
        abs(kn.std().item() / math.sqrt(2.0 / 256) - 1) < 0.05,
        abs(xn.std().item() / math.sqrt(2.0 / (256 + 512)) - 1) < 0.05,
        torch.allclose(ortho @ ortho.T, torch.eye(4), atol=1e-5),
        bool(tn.min() >= -0.5) and bool(tn.max() <= 0.5),
        abs(I.normal_(torch.empty(10000), 2.0, 0.5).mean().item() - 2.0) < 0.05,
        bool(I.uniform_(torch.empty(1000), -0.1, 0.1).abs().max() <= 0.1),
    ]

    def init_weights(m):
        if isinstance(m, nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.data.fill_(0.01)
        elif isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(m.bias, 0)

    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 3))
    net.apply(init_weights)
    return {
        "gains": gains,
        "deterministic": det,
        "stats": stats,
        "applied": [net[2].bias.tolist(), net[0].bias.tolist(), list(net[0].weight.shape)],
        "fans": list(I._calculate_fan_in_and_fan_out(conv)),
    }


def pooling_variants(torch, init):
    """The pooling layers' options: MaxPool2d with dilation, with ceil_mode and with
    return_indices feeding MaxUnpool2d, AvgPool2d and AvgPool1d with ceil_mode, AvgPool2d
    with count_include_pad=False and with divisor_override, LPPool2d, AdaptiveAvgPool2d to
    sizes that do not divide the input, AdaptiveMaxPool1d with return_indices, MaxPool1d and
    AvgPool1d with padding; outputs, indices and gradients."""
    nn = torch.nn
    img = _randn(torch, (1, 2, 5, 7), 91).requires_grad_()
    seq = _randn(torch, (2, 3, 9), 92).requires_grad_()
    pooled, idx = nn.MaxPool2d(2, stride=2, return_indices=True)(img)
    outs = {
        "dilated": nn.MaxPool2d(2, stride=1, dilation=2)(img),
        "unpool": nn.MaxUnpool2d(2, stride=2)(pooled, idx, output_size=img.size()),
        "avg_pad": nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)(img),
        "avg_div": nn.AvgPool2d(2, divisor_override=3)(img),
        "adaptive": nn.AdaptiveAvgPool2d((3, 4))(img),
        "adaptive_none": nn.AdaptiveAvgPool2d((None, 2))(img),
        "max1d": nn.MaxPool1d(3, stride=2, padding=1)(seq),
        "avg1d": nn.AvgPool1d(4, stride=3, padding=2)(seq),
        "adaptive_max": nn.AdaptiveMaxPool1d(4)(seq),
        "max_ceil": nn.MaxPool2d(2, stride=2, ceil_mode=True)(img),
        "avg_ceil": nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)(img),
        "avg1d_ceil": nn.AvgPool1d(2, stride=2, ceil_mode=True, count_include_pad=False)(seq),
        "lp": nn.LPPool2d(2, 2, ceil_mode=True)(img),
    }
    amax, aidx = nn.AdaptiveMaxPool1d(4, return_indices=True)(seq)
    return {
        "indices": [idx.tolist(), aidx.tolist()],
        **_shapes_values_grads(torch, outs, (img, seq)),
    }


def arcface_and_focal_losses(torch, init):
    """Two losses blog posts implement by hand: ArcFace's additive angular margin
    (F.normalize of features and class weights, the cosine clamped, acos, cos(theta + m),
    a one-hot by scatter_, the scale s, cross_entropy) and the focal loss (log-softmax,
    gather of the true class, pt = exp(logpt), alpha per class, (1 - pt) ** gamma);
    a few Adam steps of a small embedding net with each."""
    nn, F = torch.nn, torch.nn.functional
    X = _randn(torch, (10, 4), 101)
    y = torch.from_numpy(np.arange(10) % 3)

    class ArcMargin(nn.Module):
        def __init__(self, d, classes, s=8.0, m=0.3):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(classes, d))
            nn.init.xavier_uniform_(self.weight)
            self.s, self.m = s, m

        def forward(self, feats, labels):
            cosine = F.linear(F.normalize(feats), F.normalize(self.weight))
            theta = torch.acos(cosine.clamp(-1 + 1e-7, 1 - 1e-7))
            target = torch.cos(theta + self.m)
            one_hot = torch.zeros_like(cosine).scatter_(1, labels.view(-1, 1).long(), 1)
            return self.s * (one_hot * target + (1.0 - one_hot) * cosine)

    def focal_loss(logits, target, alpha, gamma=2.0):
        logpt = F.log_softmax(logits, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
        pt = logpt.exp()
        at = alpha.gather(0, target)
        return (-at * (1 - pt) ** gamma * logpt).mean()

    body = init(nn.Sequential(nn.Linear(4, 6), nn.PReLU(), nn.Linear(6, 5)))
    head = init(ArcMargin(5, 3))
    opt = torch.optim.Adam(list(body.parameters()) + list(head.parameters()), lr=0.01)
    log = []
    for _ in range(3):
        opt.zero_grad()
        loss = F.cross_entropy(head(body(X), y), y)
        loss.backward()
        opt.step()
        log.append(loss.item())
    clf = init(nn.Linear(4, 3))
    opt = torch.optim.Adam(clf.parameters(), lr=0.05)
    alpha = torch.tensor([0.25, 0.5, 0.25])
    for _ in range(3):
        opt.zero_grad()
        loss = focal_loss(clf(X), y, alpha)
        loss.backward()
        opt.step()
        log.append(loss.item())
    return {"log": log, "head": head.weight.tolist(), "clf": clf.weight.tolist()}


def neural_ode_rk4_and_hamiltonian(torch, init):
    """Two physics-flavoured notebooks: a neural ODE integrated with a hand-written RK4
    loop and trained by backpropagating through the solver; and a Hamiltonian neural
    network whose vector field is torch.autograd.grad(H.sum(), x, create_graph=True)
    rotated by the symplectic matrix, trained on a harmonic oscillator."""
    nn = torch.nn
    f = init(nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2)))
    opt = torch.optim.Adam(f.parameters(), lr=0.01)
    t = torch.linspace(0, 2, 11)
    true = torch.stack([torch.cos(t), -torch.sin(t)], dim=1)

    def rk4(func, y0, ts):
        ys = [y0]
        for t0, t1 in zip(ts[:-1], ts[1:]):
            h, y = t1 - t0, ys[-1]
            k1 = func(y)
            k2 = func(y + h * k1 / 2)
            k3 = func(y + h * k2 / 2)
            k4 = func(y + h * k3)
            ys.append(y + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6)
        return torch.stack(ys)

    log = []
    for _ in range(3):
        opt.zero_grad()
        pred = rk4(f, true[0], t)
        loss = (pred - true).pow(2).mean()
        loss.backward()
        opt.step()
        log.append(loss.item())
    H = init(nn.Sequential(nn.Linear(2, 16), nn.Softplus(), nn.Linear(16, 1)))
    opt = torch.optim.Adam(H.parameters(), lr=0.01)
    J = torch.tensor([[0.0, 1.0], [-1.0, 0.0]])
    x = _randn(torch, (32, 2), 111)
    dxdt = x @ J.T  # q' = p, p' = -q for H = (q^2 + p^2) / 2
    for _ in range(3):
        opt.zero_grad()
        xr = x.clone().requires_grad_(True)
        (dH,) = torch.autograd.grad(H(xr).sum(), xr, create_graph=True)
        field = dH @ J.T
        loss = (field - dxdt).pow(2).mean()
        loss.backward()
        opt.step()
        log.append(loss.item())
    return {
        "log": log,
        "f": [p.tolist() for p in f.parameters()],
        "H": [p.tolist() for p in H.parameters()],
    }


def d2l_softmax_regression(torch, init):
    """d2l's softmax regression from scratch next to its concise version: softmax as
    X_exp / partition, cross_entropy as -log(y_hat[range(len(y_hat)), y]), accuracy by
    argmax and type casts, the updater `d2l.sgd` under no_grad, and nn.Sequential(
    nn.Flatten(), nn.Linear) with CrossEntropyLoss(reduction="none") and
    `trainer.zero_grad(); l.mean().backward()` on the same data and start."""
    nn = torch.nn
    X = _randn(torch, (12, 1, 2, 2), 121)
    y = torch.from_numpy(np.arange(12) % 3)
    W0 = _randn(torch, (4, 3), 122, 0.01)

    def softmax(X):
        X_exp = torch.exp(X)
        partition = X_exp.sum(1, keepdim=True)
        return X_exp / partition

    W = W0.clone().requires_grad_(True)
    b = torch.zeros(3, requires_grad=True)

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[range(len(y_hat)), y])

    def accuracy(y_hat, y):
        if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
            y_hat = y_hat.argmax(axis=1)
        cmp = y_hat.type(y.dtype) == y
        return float(cmp.type(y.dtype).sum())

    log = []
    for _ in range(4):
        l = cross_entropy(net(X), y)
        l.sum().backward()
        with torch.no_grad():
            for param in [W, b]:
                param -= 0.1 * param.grad / 12
                param.grad.zero_()
        log.append([l.mean().item(), accuracy(net(X), y)])
    concise = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    with torch.no_grad():
        concise[1].weight.copy_(W0.T)
        concise[1].bias.zero_()
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(concise.parameters(), lr=0.1)
    for _ in range(4):
        l = loss(concise(X), y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        log.append([l.mean().item(), accuracy(concise(X), y)])
    return {"log": log, "W": W.tolist(), "concise": concise[1].weight.T.tolist()}


def tensor_attributes_and_reshaping(torch, init):
    """The attributes and reshaping methods of the Tensors tutorial and the docs: shape,
    ndim, numel, nelement, element_size, nbytes, itemsize, size(-1), stride, dim,
    permute, movedim, squeeze of a tuple of dims, unflatten, view_as, expand_as,
    repeat, repeat_interleave (an int, a tensor of repeats, output_size), tile,
    flatten(start, end), ravel, reshape_as, narrow_copy, and gradients of the
    copying ones."""
    x = torch.arange(24.0).reshape(2, 3, 4).requires_grad_()
    attrs = [
        list(x.shape),
        x.ndim,
        x.numel(),
        x.nelement(),
        x.element_size(),
        x.nbytes,
        x.itemsize,
        x.size(-1),
        list(x.stride()),
        x.dim(),
        x.dtype.itemsize,
    ]
    shapes = [
        list(t.shape)
        for t in (
            x.permute(2, 0, 1),
            x.movedim(-1, 0),
            x[:1, :, :1].squeeze((0, 2)),
            x.reshape(6, 4).unflatten(0, (2, 3)),
            x.flatten(1).view_as(torch.empty(6, 4)),
            x[:, :1].expand_as(x),
            x.flatten(0, 1),
            x.ravel(),
            x.reshape_as(torch.empty(4, 6)),
        )
    ]
    copies = {
        "repeat": x[0, 0].repeat(2, 2),
        "repeat_interleave": x[0, :, 0].repeat_interleave(2),
        "repeat_tensor": x[0, :, 0].repeat_interleave(torch.tensor([1, 0, 3])),
        "repeat_dim": x[0].repeat_interleave(torch.tensor([2, 1, 1]), dim=0, output_size=4),
        "tile": x[0, 0, :2].tile((2, 3)),
        "narrow_copy": x.narrow_copy(2, 1, 2),
    }
    results = {"attrs": attrs, "shapes": shapes}
    for name, out in copies.items():
        (g,) = torch.autograd.grad((out * out).sum(), x)
        results[name] = [out.tolist(), g.sum(dim=0).tolist()]
    results["plain"] = torch.repeat_interleave(torch.tensor([2, 1])).tolist()
    return results


def state_dict_tricks(torch, init):
    """What people do with state_dicts: strip the 'module.' prefix DataParallel added
    before loading, load a pretrained backbone into a larger model with strict=False,
    copy.deepcopy a model (independent parameters), state_dict tensors sharing memory
    with the parameters (an in-place change shows in the model), keep_vars=True giving the
    Parameters themselves, a buffer in the state_dict, and averaging two models'
    weights key by key (model soup)."""
    import copy

    nn = torch.nn
    src = init(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)))
    prefixed = {"module." + k: v for k, v in src.state_dict().items()}
    clean = {k.removeprefix("module."): v for k, v in prefixed.items()}
    target = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    target.load_state_dict(clean)
    bigger = nn.Sequential(
        nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2), nn.ReLU(), nn.Linear(2, 5)
    )
    report = bigger.load_state_dict(src.state_dict(), strict=False)
    twin = copy.deepcopy(src)
    with torch.no_grad():
        twin[0].weight.add_(1.0)
    sd = src.state_dict()
    sd["0.bias"].mul_(0)
    kept = src.state_dict(keep_vars=True)
    other = init(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)))
    soup_sd = {
        k: (src.state_dict()[k] + other.state_dict()[k]) / 2
        if src.state_dict()[k].is_floating_point()
        else src.state_dict()[k]
        for k in src.state_dict()
    }
    soup = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    soup.load_state_dict(soup_sd)
    return {
        "clean": [torch.equal(target[0].weight, src[0].weight), list(clean)],
        "strict_false": [
            sorted(report.missing_keys),
            sorted(report.unexpected_keys),
            torch.equal(bigger[2].weight, src[2].weight),
        ],
        "deepcopy": [
            torch.equal(twin[0].weight, src[0].weight),
            twin[0].weight is not src[0].weight,
        ],
        "shared": src[0].bias.tolist(),
        "keep_vars": [
            type(kept["0.weight"]).__name__,
            kept["0.weight"].requires_grad,
            kept["1.running_mean"].requires_grad,
            src.state_dict()["0.weight"].requires_grad,
        ],
        "buffers": [k for k in src.state_dict() if k.startswith("1.")],
        "soup": [p.tolist() for p in soup.parameters()],
        "num_batches": soup.state_dict()["1.num_batches_tracked"].tolist(),
    }


def convolution_variants(torch, init):
    """Convolution layers with the options their docs list: Conv1d with padding="same"
    and dilation, Conv2d with padding_mode "reflect", "circular" and "replicate", grouped
    and depthwise Conv2d, ConvTranspose2d with output_padding and dilation, a grouped
    ConvTranspose1d, Conv3d, and F.conv2d with a stride tuple and asymmetric padding;
    outputs and gradients of inputs and weights."""
    nn, F = torch.nn, torch.nn.functional
    x1 = _randn(torch, (2, 4, 9), 131).requires_grad_()
    x2 = _randn(torch, (1, 4, 6, 7), 132).requires_grad_()
    x3 = _randn(torch, (1, 2, 4, 5, 5), 133).requires_grad_()
    layers = {
        "same": (init(nn.Conv1d(4, 3, 3, padding="same", dilation=2)), x1),
        "reflect": (init(nn.Conv2d(4, 2, 3, padding=1, padding_mode="reflect")), x2),
        "circular": (init(nn.Conv2d(4, 2, 3, padding=(1, 2), padding_mode="circular")), x2),
        "replicate": (init(nn.Conv2d(4, 2, 3, padding=2, padding_mode="replicate")), x2),
        "groups": (init(nn.Conv2d(4, 6, 3, groups=2, stride=2)), x2),
        "depthwise": (init(nn.Conv2d(4, 4, 3, groups=4, padding=1, bias=False)), x2),
        "transpose": (
            init(nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, dilation=2)),
            x2,
        ),
        "transpose1d": (init(nn.ConvTranspose1d(4, 6, 2, stride=2, groups=2)), x1),
        "conv3d": (init(nn.Conv3d(2, 3, (2, 3, 3), stride=(1, 2, 1), padding=1)), x3),
    }
    results = {}
    for name, (layer, x) in layers.items():
        out = layer(x)
        grads = torch.autograd.grad((out * out).sum(), [x, layer.weight])
        results[name] = [list(out.shape), out.tolist(), [g.tolist() for g in grads]]
    w = _randn(torch, (3, 4, 2, 3), 134)
    out = F.conv2d(F.pad(x2, (1, 0, 2, 1)), w, stride=(2, 1))
    results["functional"] = [list(out.shape), out.tolist()]
    return results


def interpolation_modes(torch, init):
    """F.interpolate's modes as image code uses them: nearest, nearest-exact, bilinear with
    and without align_corners, bicubic, linear on 1-D signals, trilinear on volumes,
    scale_factor with recompute_scale_factor, an explicit size, and nn.Upsample; values
    and gradients."""
    F = torch.nn.functional
    img = _randn(torch, (1, 2, 4, 5), 141).requires_grad_()
    sig = _randn(torch, (2, 3, 6), 142).requires_grad_()
    vol = _randn(torch, (1, 1, 2, 3, 3), 143).requires_grad_()
    outs = {
        "nearest": F.interpolate(img, scale_factor=2, mode="nearest"),
        "nearest_exact": F.interpolate(img, size=(7, 8), mode="nearest-exact"),
        "bilinear": F.interpolate(img, size=(6, 9), mode="bilinear", align_corners=False),
        "bilinear_ac": F.interpolate(img, scale_factor=1.5, mode="bilinear", align_corners=True),
        "bicubic": F.interpolate(img, size=(5, 7), mode="bicubic", align_corners=False),
        "linear": F.interpolate(sig, scale_factor=1.7, mode="linear", recompute_scale_factor=True),
        "down": F.interpolate(img, size=(2, 3), mode="bilinear"),
        "trilinear": F.interpolate(vol, scale_factor=(2, 1.5, 1), mode="trilinear"),
        "upsample": torch.nn.Upsample(size=(8, 10), mode="bilinear")(img),
    }
    results = {}
    for name, out in outs.items():
        inputs = [sig] if name == "linear" else [vol] if name == "trilinear" else [img]
        grads = torch.autograd.grad((out * out).sum(), inputs)
        results[name] = [list(out.shape), out.tolist(), grads[0].tolist()]
    return results


def random_numbers_by_their_properties(torch, init):
    """The random functions as the reproducibility note and the docs use them, compared by
    what is the same in both libraries (the streams differ): the same seed gives the same
    numbers twice, a Generator object passed as generator=, get_rng_state/set_rng_state
    replaying a draw, randint's range and dtype, randperm is a permutation, bernoulli_
    and multinomial without replacement, normal with tensor mean and std (shapes),
    dropout's 1/(1-p) scaling in training, and rand_like's dtype."""
    torch.manual_seed(42)
    a = torch.rand(5)
    torch.manual_seed(42)
    b = torch.rand(5)
    g1 = torch.Generator().manual_seed(7)
    g2 = torch.Generator().manual_seed(7)
    state = torch.get_rng_state()
    c = torch.randn(4)
    torch.set_rng_state(state)
    d = torch.randn(4)
    ints = torch.randint(3, 10, (1000,))
    perm = torch.randperm(20)
    bern = torch.empty(1000).bernoulli_(0.3)
    picks = torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 4, replacement=False)
    normal = torch.normal(torch.zeros(3, 2), torch.ones(2))
    drop = torch.nn.functional.dropout(torch.ones(1000), p=0.25, training=True)
    return {
        "seeded": [torch.equal(a, b), bool(a.min() >= 0), bool(a.max() < 1)],
        "generator": torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2)),
        "state": torch.equal(c, d),
        "randint": [int(ints.min()), int(ints.max()), _name(ints.dtype)],
        "randperm": [sorted(perm.tolist()) == list(range(20)), _name(perm.dtype)],
        "bernoulli": [sorted(set(bern.tolist())), abs(bern.mean().item() - 0.3) < 0.06],
        "multinomial": sorted(picks.tolist()),
        "normal": list(normal.shape),
        "dropout": [
            sorted(set(drop.tolist())),
            abs((drop == 0).float().mean().item() - 0.25) < 0.06,
        ],
        "like": [
            _name(torch.rand_like(torch.zeros(2, dtype=torch.float64)).dtype),
            _name(torch.randn_like(torch.zeros(1, dtype=torch.float16)).dtype),
            _name(torch.randint_like(torch.zeros(2), 5).dtype),
        ],
    }


def capsule_squash_and_routing(torch, init):
    """Capsule networks as the blog tutorials write them: squash (the norm kept below 1,
    direction kept), predictions u_hat by a weight per capsule pair (einsum), three
    iterations of routing-by-agreement (softmax over the output capsules, weighted sums,
    agreements added to the logits with the predictions detached until the last), the
    margin loss on the output lengths; gradients of the weights."""
    F = torch.nn.functional

    def squash(s, dim=-1):
        n2 = (s**2).sum(dim=dim, keepdim=True)
        return n2 / (1 + n2) * s / torch.sqrt(n2 + 1e-8)

    B, n_in, d_in, n_out, d_out = 3, 6, 4, 3, 5
    u = squash(_randn(torch, (B, n_in, d_in), 151))
    W = (0.3 * _randn(torch, (n_in, n_out, d_out, d_in), 152)).requires_grad_()
    u_hat = torch.einsum("ijkl,bil->bijk", W, u)
    b = torch.zeros(B, n_in, n_out)
    for it in range(3):
        c = F.softmax(b, dim=2)
        preds = u_hat if it == 2 else u_hat.detach()
        s = (c.unsqueeze(-1) * preds).sum(dim=1)
        v = squash(s)
        if it < 2:
            b = b + (preds * v.unsqueeze(1)).sum(-1)
    lengths = v.norm(dim=-1)
    target = F.one_hot(torch.tensor([0, 2, 1]), n_out).float()
    loss = (
        (target * F.relu(0.9 - lengths) ** 2 + 0.5 * (1 - target) * F.relu(lengths - 0.1) ** 2)
        .sum(1)
        .mean()
    )
    loss.backward()
    return {
        "lengths": lengths.tolist(),
        "c": c.tolist(),
        "loss": loss.item(),
        "grad": W.grad.tolist(),
        "squash_norm": squash(torch.tensor([[3.0, 4.0]])).norm().item(),
    }


def batch_hard_triplet_mining(torch, init):
    """Batch-hard triplet loss as person re-identification code writes it: a pairwise
    distance matrix (cdist, and the expanded ||a||^2 - 2ab + ||b||^2 form with clamp and
    sqrt), masks of same and different labels by broadcasting ==, the hardest positive by
    a max over masked distances, the hardest negative by a min with the positives pushed
    up, a soft-margin (softplus) and a hinge version; gradients of the embeddings."""
    F = torch.nn.functional
    emb = _randn(torch, (8, 4), 161).requires_grad_()
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 0, 1])
    n2 = (emb**2).sum(1, keepdim=True)
    expanded = (n2 + n2.t() - 2 * emb @ emb.t()).clamp(min=1e-12).sqrt()
    dist = torch.cdist(emb, emb)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(8, dtype=torch.bool)
    pos_mask = same & ~eye
    hardest_pos = (dist * pos_mask.float()).max(dim=1).values
    max_d = dist.max(dim=1, keepdim=True).values
    hardest_neg = (dist + max_d * same.float()).min(dim=1).values
    soft = F.softplus(hardest_pos - hardest_neg).mean()
    hinge = F.relu(hardest_pos - hardest_neg + 0.3).mean()
    (g_soft,) = torch.autograd.grad(soft, emb, retain_graph=True)
    (g_hinge,) = torch.autograd.grad(hinge, emb)
    return {
        "expanded_vs_cdist": torch.allclose(expanded, dist, atol=1e-3),
        "pos": hardest_pos.tolist(),
        "neg": hardest_neg.tolist(),
        "losses": [soft.item(), hinge.item()],
        "grads": [g_soft.tolist(), g_hinge.tolist()],
    }


def warmup_cosine_schedule_and_ema(torch, init):
    """Two pieces of modern training scripts: the warmup-then-cosine learning rate written
    as a LambdaLR (the Hugging Face get_cosine_schedule_with_warmup formula), and an
    exponential moving average of the weights as timm's ModelEmaV2 keeps it (a deepcopy
    in eval mode; under no_grad, for every state_dict entry, `ema_v.copy_(ema_v * decay +
    (1 - decay) * model_v)` for floats and a plain copy for the integer counters)."""
    import copy

    nn = torch.nn
    # NOTE: the BatchNorm after the ReLU: right after a Linear it would cancel that Linear's
    # bias, whose gradient would be rounding noise (AdamW follows its sign)
    model = init(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 1)))
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    warmup, total = 3, 10

    def lr_lambda(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    ema = copy.deepcopy(model).eval()
    decay = 0.9
    X, Y = _randn(torch, (16, 3), 171), _randn(torch, (16, 1), 172)
    lrs, losses = [], []
    for _ in range(total):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            for ema_v, model_v in zip(ema.state_dict().values(), model.state_dict().values()):
                if ema_v.dtype.is_floating_point:
                    ema_v.copy_(ema_v * decay + (1.0 - decay) * model_v)
                else:
                    ema_v.copy_(model_v)
        lrs.append(sched.get_last_lr()[0])
        losses.append(loss.item())
    with torch.no_grad():
        ema_out = ema(X)
    return {
        "lrs": lrs,
        "losses": losses,
        "ema": [v.tolist() for v in ema.state_dict().values()],
        "ema_out": ema_out.tolist(),
        "counter": ema.state_dict()["2.num_batches_tracked"].item(),
    }


def polynomial_fit_with_vander(torch, init):
    """Least-squares polynomial fitting as NumPy users port it: torch.vander (decreasing
    and increasing powers) and torch.linalg.vander, torch.linalg.lstsq on the Vandermonde
    matrix, the normal equations with torch.linalg.solve, the condition number with
    torch.linalg.cond, eigvalsh and svdvals; the fits agree and predict the same values."""
    LA = torch.linalg
    x = torch.linspace(-1, 1, 9, dtype=torch.float64)
    y = (
        1.0
        - 2.0 * x
        + 0.5 * x**3
        + 0.01 * torch.from_numpy(np.random.default_rng(181).normal(size=9))
    )
    V = torch.vander(x, N=4)
    Vi = torch.vander(x, N=4, increasing=True)
    Vl = LA.vander(x, N=4)
    coef = LA.lstsq(V, y.unsqueeze(1)).solution.squeeze(1)
    normal = LA.solve(Vi.T @ Vi, Vi.T @ y)
    return {
        "vander": [V.tolist(), torch.equal(Vi, Vl), torch.equal(Vi.flip(1), V)],
        "coef": [coef.tolist(), normal.tolist(), torch.allclose(coef.flip(0), normal)],
        "cond": [
            LA.cond(Vi).item(),
            LA.cond(Vi.T @ Vi).item(),
            LA.cond(Vi.T @ Vi, "fro").item(),
            LA.cond(Vi.T @ Vi, float("inf")).item(),
            LA.cond(Vi.T @ Vi, -2).item(),
        ],
        "eig": [LA.eigvalsh(Vi.T @ Vi).tolist(), LA.svdvals(Vi).tolist()],
        "pred": (Vi @ normal).tolist(),
    }


def zero_to_gans_training_loop(torch, init):
    """The course-notebook style of "Deep Learning with PyTorch: Zero to GANs": an
    ImageClassificationBase with training_step, validation_step, validation_epoch_end
    (torch.stack of the batch losses and accuracies, .mean()), accuracy via
    `torch.max(outputs, dim=1)` and `torch.sum(preds == labels).item() / len(preds)`, a
    DeviceDataLoader wrapping a DataLoader with a recursive to_device, an `evaluate`
    decorated with @torch.no_grad(), and `fit` keeping a history of dicts."""
    nn, F = torch.nn, torch.nn.functional
    data = torch.utils.data

    def accuracy(outputs, labels):
        _, preds = torch.max(outputs, dim=1)
        return torch.tensor(torch.sum(preds == labels).item() / len(preds))

    class ImageClassificationBase(nn.Module):
        def training_step(self, batch):
            images, labels = batch
            return F.cross_entropy(self(images), labels)

        def validation_step(self, batch):
            images, labels = batch
            out = self(images)
            return {
                "val_loss": F.cross_entropy(out, labels).detach(),
                "val_acc": accuracy(out, labels),
            }

        def validation_epoch_end(self, outputs):
            batch_losses = [x["val_loss"] for x in outputs]
            batch_accs = [x["val_acc"] for x in outputs]
            return {
                "val_loss": torch.stack(batch_losses).mean().item(),
                "val_acc": torch.stack(batch_accs).mean().item(),
            }

    class Model(ImageClassificationBase):
        def __init__(self):
            super().__init__()
            self.network = nn.Sequential(
                nn.Flatten(), nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 3)
            )

        def forward(self, xb):
            return self.network(xb)

    def to_device(data, device):
        if isinstance(data, (list, tuple)):
            return [to_device(x, device) for x in data]
        return data.to(device, non_blocking=True)

    class DeviceDataLoader:
        def __init__(self, dl, device):
            self.dl, self.device = dl, device

        def __iter__(self):
            for b in self.dl:
                yield to_device(b, self.device)

        def __len__(self):
            return len(self.dl)

    @torch.no_grad()
    def evaluate(model, val_loader):
        model.eval()
        return model.validation_epoch_end([model.validation_step(b) for b in val_loader])

    def fit(epochs, lr, model, train_loader, val_loader, opt_func=torch.optim.SGD):
        history = []
        optimizer = opt_func(model.parameters(), lr)
        for _ in range(epochs):
            model.train()
            train_losses = []
            for batch in train_loader:
                loss = model.training_step(batch)
                train_losses.append(loss)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
            result = evaluate(model, val_loader)
            result["train_loss"] = torch.stack(train_losses).mean().item()
            history.append(result)
        return history

    device = torch.device("cpu")
    X = _randn(torch, (30, 1, 4, 4), 191)
    y = torch.from_numpy((np.arange(30) * 7) % 3)
    ds = data.TensorDataset(X, y)
    train_dl = DeviceDataLoader(data.DataLoader(data.Subset(ds, range(24)), batch_size=8), device)
    val_dl = DeviceDataLoader(data.DataLoader(data.Subset(ds, range(24, 30)), batch_size=4), device)
    model = init(Model())
    history = [evaluate(model, val_dl)] + fit(3, 0.1, model, train_dl, val_dl)
    return {"history": history, "len": [len(train_dl), len(val_dl)], "training": model.training}


def python_protocols_on_tensors(torch, init):
    """What Python itself does with tensors in notebooks: f-strings with a format spec on
    a 0-d tensor (f"{loss:.4f}", f"{loss:>7f}"), %-formatting, round() and math
    functions of 0-d tensors, int() and float(), a 0-d integer tensor as a list index and
    in range(), len() and iteration over rows, `in`, bool() of one element, the builtins
    sum, max and sorted over lists of 0-d tensors, abs, divmod-free floor division by a
    float, reflected operators (2 ** t, 1 - t, 3 / t), and str of a shape."""
    loss = torch.tensor(0.123456)
    idx = torch.tensor(2)
    t = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    values = [torch.tensor(3.0), torch.tensor(-1.0), torch.tensor(2.5)]
    letters = ["a", "b", "c", "d"]
    return {
        "format": [
            f"{loss:.4f}",
            f"{loss:>10f}",
            "%.3f" % loss,  # noqa: UP031 - the old style calls __float__
            f"{loss.item():.2e}",
            "{:.1f}".format(torch.tensor(2.25)),  # noqa: UP032 - str.format calls __format__
            f"{idx:03d}",
        ],
        "math": [
            round(float(loss), 3),
            math.sqrt(torch.tensor(16.0)),
            math.exp(torch.tensor(0.5)),
            int(torch.tensor(3.7)),
            float(torch.tensor([2])),
            math.floor(torch.tensor(2.7)),
            round(torch.tensor(2.567).item(), 1),
        ],
        "index": [
            letters[idx],
            list(range(idx)),
            letters[torch.tensor(-1)],
            [1, 2, 3][torch.tensor([1])[0]],
        ],
        "iterate": [len(t), [row.tolist() for row in t], 3.0 in t, 5 in t, bool(torch.tensor([1]))],
        "builtins": [
            float(sum(values)),
            float(max(values)),
            [float(v) for v in sorted(values)],
            abs(torch.tensor([-1.5, 2.0])).tolist(),
        ],
        "reflected": [
            (2**t).tolist(),
            (1 - t).tolist(),
            (3 / t).tolist(),
            (t // 1.5).tolist(),
            (-t % 3).tolist(),
            (2.0 * t @ t).tolist(),
        ],
        "shape": [
            str(t.shape).replace(torch.__name__, "torch"),
            t.shape == (2, 2),
            list(t.shape) == [2, 2],
            t.shape[0] * t.shape[1],
            tuple(t.shape),
        ],
    }


def numpy_style_aliases_and_overloads(torch, init):
    """NumPy habits PyTorch accepts: axis= and keepdims-free axis keywords on reductions
    (sum, mean, std, max, argmax, cumsum), torch.concatenate and concat with axis=,
    swapaxes, torch.absolute, torch.clip, torch.multiply/divide/subtract; and the overloads
    of torch.max/min: over everything, over a dim (values and indices), with keepdim, and
    elementwise between two tensors, the last as torch.max(a, b) and torch.maximum."""
    x = torch.tensor([[1.0, -5.0, 3.0], [4.0, 2.0, -6.0]])
    y = torch.tensor([[0.0, 0.0, 9.0], [1.0, 8.0, -7.0]])
    m = torch.max(x, 1, keepdim=True)
    return {
        "axis": [
            torch.sum(x, axis=0).tolist(),
            x.mean(axis=1).tolist(),
            x.std(axis=0).tolist(),
            x.max(axis=1).values.tolist(),
            x.argmax(axis=1).tolist(),
            torch.cumsum(x, axis=1).tolist(),
            x.sum(axis=(0, 1)).item(),
            torch.amax(x, axis=0).tolist(),
        ],
        "joins": [
            torch.concatenate([x, y], axis=1).tolist(),
            torch.concat((x, y), 0).tolist(),
            x.swapaxes(0, 1).tolist(),
            torch.swapdims(x, 0, 1).shape[0],
        ],
        "aliases": [
            torch.absolute(x).tolist(),
            torch.clip(x, -1, 2).tolist(),
            torch.multiply(x, 2).tolist(),
            torch.divide(x, y + 10).tolist(),
            torch.subtract(x, y, alpha=2).tolist(),
            torch.negative(x).tolist(),
            torch.true_divide(x, 4).tolist(),
            torch.greater(x, y).tolist(),
            torch.less_equal(x, 2).tolist(),
            torch.not_equal(x, y).tolist(),
        ],
        "max": [
            torch.max(x).item(),
            torch.min(x).item(),
            m.values.tolist(),
            m.indices.tolist(),
            torch.max(x, y).tolist(),
            torch.min(x, dim=0).indices.tolist(),
            torch.maximum(x, y).tolist(),
            torch.max(x, dim=-1)[1].tolist(),
        ],
    }


def autograd_grad_options(torch, init):
    """torch.autograd.grad's and backward's options in their docs' uses: grad_outputs as a
    tuple for two outputs, allow_unused with materialize_grads, is_grads_batched (the
    rows of a Jacobian from the identity's rows), create_graph for a Hessian-vector
    product, torch.autograd.backward with grad_tensors for several roots, and
    retain_graph for two grads of one graph."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = torch.tensor([0.5], requires_grad=True)
    y1 = x**2
    y2 = (x * z).sum()
    g1, g2 = torch.autograd.grad(
        (y1, y2), (x, z), grad_outputs=(torch.ones(3), torch.tensor(2.0)), retain_graph=True
    )
    unused = torch.tensor([1.0], requires_grad=True)
    gm = torch.autograd.grad(
        y2, [x, unused], allow_unused=True, materialize_grads=True, retain_graph=True
    )
    (jac,) = torch.autograd.grad(
        y1, x, grad_outputs=torch.eye(3), is_grads_batched=True, retain_graph=True
    )
    f = (x**3).sum() * z.sum()
    (gx,) = torch.autograd.grad(f, x, create_graph=True)
    v = torch.tensor([1.0, 0.0, -1.0])
    (hvp,) = torch.autograd.grad(gx, x, grad_outputs=v)
    a = torch.tensor([1.0, -1.0], requires_grad=True)
    torch.autograd.backward(
        [a * 3, (a**2).sum()], grad_tensors=[torch.tensor([1.0, 2.0]), torch.tensor(0.5)]
    )
    return {
        "tuple": [g1.tolist(), g2.tolist()],
        "materialized": [g.tolist() for g in gm],
        "jacobian": jac.tolist(),
        "hvp": hvp.tolist(),
        "backward": a.grad.tolist(),
    }


def comparisons_and_membership(torch, init):
    """Comparison ops as the docs list them: eq, ne, lt, le, gt, ge with broadcasting and
    scalars, torch.equal, allclose and isclose with rtol, atol and equal_nan, isin (with
    invert, a scalar test element), logical ops on non-bool tensors, any and all of float
    tensors, clamp of integer tensors, sort of booleans, and argsort of ties (stable)."""
    a = torch.tensor([[1.0, 2.0, float("nan")], [4.0, 5.0, 6.0]])
    b = torch.tensor([1.0, 2.5, float("nan")])
    ints = torch.tensor([5, -3, 7, 0])
    return {
        "compare": [
            torch.eq(a, b).tolist(),
            (a != b).tolist(),
            (a < 3).tolist(),
            a.le(b).tolist(),
            torch.gt(a, 2.0).tolist(),
            (a >= b).tolist(),
        ],
        "equal": [
            torch.equal(a, a),
            torch.equal(b[:2], torch.tensor([1.0, 2.5])),
            torch.equal(torch.tensor([1, 2]), torch.tensor([1.0, 2.0])),
        ],
        "close": [
            torch.allclose(b, b),
            torch.allclose(b, b, equal_nan=True),
            torch.isclose(a, b, rtol=0.3, atol=0.0).tolist(),
            torch.isclose(a[0], b, equal_nan=True).tolist(),
            torch.allclose(torch.tensor([1.0, 1e-9]), torch.tensor([1.0001, 0.0])),
        ],
        "isin": [
            torch.isin(ints, torch.tensor([0, 7])).tolist(),
            torch.isin(ints, torch.tensor([0, 7]), invert=True).tolist(),
            torch.isin(ints, 5).tolist(),
        ],
        "logical": [
            torch.logical_and(a, b).tolist(),
            torch.logical_not(ints).tolist(),
            torch.logical_xor(ints, torch.tensor([1, 0, 0, 1])).tolist(),
            torch.logical_or(ints > 0, ints < -1).tolist(),
        ],
        "any_all": [
            torch.tensor([0.0, 0.5]).any().item(),
            torch.tensor([0.0, 0.5]).all().item(),
            a.any(dim=1).tolist(),
        ],
        "int_clamp": [
            ints.clamp(-1, 5).tolist(),
            _name(ints.clamp(-1, 5).dtype),
            ints.clamp(min=0.5).tolist(),
            _name(ints.clamp(min=0.5).dtype),
        ],
        "bool_sort": [
            torch.tensor([True, False, True]).sort().values.tolist(),
            torch.tensor([2, 1, 2, 1, 2]).argsort(stable=True).tolist(),
            torch.tensor([2, 1, 2, 1, 2]).argsort(descending=True, stable=True).tolist(),
        ],
    }


def lltm_python_reference(torch, init):
    """The "Custom C++ and CUDA Extensions" tutorial's Python LLTM: the module with its
    forward (torch.cat of input and old h, addmm, chunk(3, dim=1), sigmoid, F.elu,
    tanh), and the same cell as an autograd.Function with the tutorial's hand-written
    backward (d_sigmoid, d_tanh, d_elu, the gates' gradients, weights.t() mm); both give
    the same outputs and gradients, and gradcheck passes in float64."""
    F = torch.nn.functional

    def d_sigmoid(z):
        s = torch.sigmoid(z)
        return (1 - s) * s

    def d_tanh(z):
        t = torch.tanh(z)
        return 1 - (t * t)

    def d_elu(z, alpha=1.0):
        e = z.exp()
        mask = (alpha * (e - 1)) < 0
        return (z > 0).type_as(z) + mask.type_as(z) * (alpha * e)

    class LLTMFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input, weights, bias, old_h, old_cell):
            X = torch.cat([old_h, input], dim=1)
            gate_weights = F.linear(X, weights, bias)
            gates = gate_weights.chunk(3, dim=1)
            input_gate = torch.sigmoid(gates[0])
            output_gate = torch.sigmoid(gates[1])
            candidate_cell = F.elu(gates[2])
            new_cell = old_cell + candidate_cell * input_gate
            new_h = torch.tanh(new_cell) * output_gate
            ctx.save_for_backward(
                X,
                weights,
                input_gate,
                output_gate,
                old_cell,
                new_cell,
                candidate_cell,
                gate_weights,
            )
            return new_h, new_cell

        @staticmethod
        def backward(ctx, grad_h, grad_cell):
            (
                X,
                weights,
                input_gate,
                output_gate,
                old_cell,
                new_cell,
                candidate_cell,
                gate_weights,
            ) = ctx.saved_tensors
            d_output_gate = torch.tanh(new_cell) * grad_h
            d_tanh_new_cell = output_gate * grad_h
            d_new_cell = d_tanh(new_cell) * d_tanh_new_cell + grad_cell
            d_old_cell = d_new_cell
            d_candidate_cell = input_gate * d_new_cell
            d_input_gate = candidate_cell * d_new_cell
            gates = gate_weights.chunk(3, dim=1)
            d_input_gate *= d_sigmoid(gates[0])
            d_output_gate *= d_sigmoid(gates[1])
            d_candidate_cell *= d_elu(gates[2])
            d_gates = torch.cat([d_input_gate, d_output_gate, d_candidate_cell], dim=1)
            d_weights = d_gates.t().mm(X)
            d_bias = d_gates.sum(dim=0, keepdim=True).squeeze(0)
            d_X = d_gates.mm(weights)
            state_size = grad_h.shape[1]
            d_old_h, d_input = d_X[:, :state_size], d_X[:, state_size:]
            return d_input, d_weights, d_bias, d_old_h, d_old_cell

    class LLTM(torch.nn.Module):
        def __init__(self, input_features, state_size):
            super().__init__()
            self.input_features, self.state_size = input_features, state_size
            self.weights = torch.nn.Parameter(
                torch.empty(3 * state_size, input_features + state_size)
            )
            self.bias = torch.nn.Parameter(torch.empty(3 * state_size))
            stdv = 1.0 / math.sqrt(self.state_size)
            for weight in self.parameters():
                weight.data.uniform_(-stdv, +stdv)

        def forward(self, input, state):
            old_h, old_cell = state
            X = torch.cat([old_h, input], dim=1)
            gate_weights = torch.addmm(self.bias, X, self.weights.t())
            gates = gate_weights.chunk(3, dim=1)
            input_gate = torch.sigmoid(gates[0])
            output_gate = torch.sigmoid(gates[1])
            candidate_cell = F.elu(gates[2])
            new_cell = old_cell + candidate_cell * input_gate
            new_h = torch.tanh(new_cell) * output_gate
            return new_h, new_cell

    rnn = init(LLTM(3, 4))
    x = _randn(torch, (2, 3), 201)
    h, c = _randn(torch, (2, 4), 202), _randn(torch, (2, 4), 203)
    new_h, new_c = rnn(x, (h, c))
    (new_h.sum() + (new_c**2).sum()).backward()
    module_grads = [rnn.weights.grad.clone(), rnn.bias.grad.clone()]
    rnn.zero_grad()
    fh, fc = LLTMFunction.apply(x, rnn.weights, rnn.bias, h, c)
    (fh.sum() + (fc**2).sum()).backward()
    args = [t.double().requires_grad_() for t in (x, rnn.weights.detach(), rnn.bias.detach(), h, c)]
    ok = torch.autograd.gradcheck(LLTMFunction.apply, args, eps=1e-6, atol=1e-4)
    return {
        "module": [new_h.tolist(), new_c.tolist(), [g.tolist() for g in module_grads]],
        "function": [fh.tolist(), fc.tolist(), rnn.weights.grad.tolist(), rnn.bias.grad.tolist()],
        "same": [
            torch.allclose(fh, new_h),
            torch.allclose(rnn.weights.grad, module_grads[0], atol=1e-6),
        ],
        "gradcheck": ok,
        "names": [fh.grad_fn.name(), new_h.grad_fn.name()],
    }


def pseudo_labeling_round(torch, init):
    """A semi-supervised round as FixMatch-style blog code writes it: a supervised loss on
    labeled data, softmax probabilities of the unlabeled batch under no_grad,
    `max_probs, targets_u = torch.max(probs, dim=-1)`, a confidence mask
    `max_probs.ge(threshold).float()`, the masked cross_entropy(reduction="none") mean,
    both losses summed, and an SGD step with nesterov momentum."""
    nn, F = torch.nn, torch.nn.functional
    model = init(nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    x_l = _randn(torch, (6, 5), 211)
    y_l = torch.tensor([0, 1, 2, 0, 1, 2])
    x_u = _randn(torch, (10, 5), 212, 2.0)
    log = []
    for step in range(3):
        logits_l = model(x_l)
        loss_l = F.cross_entropy(logits_l, y_l)
        with torch.no_grad():
            probs = torch.softmax(model(x_u), dim=-1)
        max_probs, targets_u = torch.max(probs, dim=-1)
        mask = max_probs.ge(0.5).float()
        noisy = x_u + 0.1 * _randn(torch, (10, 5), 220 + step)
        loss_u = (F.cross_entropy(model(noisy), targets_u, reduction="none") * mask).mean()
        loss = loss_l + 1.0 * loss_u
        opt.zero_grad()
        loss.backward()
        opt.step()
        log.append([loss_l.item(), loss_u.item(), mask.sum().item(), targets_u.tolist()])
    return {"log": log, "params": [p.tolist() for p in model.parameters()]}


def in_place_method_zoo(torch, init):
    """The in-place methods of the Tensor docs, each on a fresh copy, the results and the
    dtypes: clamp_ with tensor bounds, lerp_, addcmul_ and addcdiv_ with value=, scatter_
    with a value and with reduce="add", scatter_add_, index_add_ with alpha,
    fill_diagonal_ with wrap, div_ with rounding_mode, floor_divide_, fmod_, remainder_,
    the unary ones (abs_, sqrt_, square_, reciprocal_, exp_, log1p_, sigmoid_, tanh_,
    relu_, neg_, sign_, round_ with decimals, trunc_, frac_, clamp_min_, clamp_max_),
    shape ones (squeeze_, unsqueeze_, t_, transpose_), a masked_fill_ through a view (no
    gradient); and gradients through a chain of them on a clone of a leaf."""
    base = torch.tensor([[0.25, -1.5, 2.0], [3.5, -0.75, 1.0]])
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    idx = torch.tensor([[2, 0], [1, 1]])
    calls = {
        "clamp_": lambda x: x.clamp_(torch.tensor([0.0, -1.0, 0.5]), torch.tensor([1.0, 0.0, 3.0])),
        "lerp_": lambda x: x.lerp_(a, 0.3),
        "addcmul_": lambda x: x.addcmul_(a, a, value=0.5),
        "addcdiv_": lambda x: x.addcdiv_(a, a + 1, value=2),
        "scatter_value": lambda x: x.scatter_(1, idx, 9.0),
        "scatter_add_reduce": lambda x: x.scatter_(1, idx, a[:, :2], reduce="add"),
        "scatter_add_": lambda x: x.scatter_add_(1, idx, a[:, :2]),
        "index_add_": lambda x: x.index_add_(1, torch.tensor([0, 2, 0]), a, alpha=2),
        "fill_diagonal_": lambda x: torch.zeros(5, 2).fill_diagonal_(7.0, wrap=True),
        "div_floor": lambda x: x.div_(0.7, rounding_mode="floor"),
        "div_trunc": lambda x: x.div_(torch.tensor([2.0, -2.0, 0.5]), rounding_mode="trunc"),
        "floor_divide_": lambda x: x.floor_divide_(0.5),
        "fmod_": lambda x: x.fmod_(1.25),
        "remainder_": lambda x: x.remainder_(1.25),
        "abs_": lambda x: x.abs_(),
        "sqrt_": lambda x: x.abs_().sqrt_(),
        "square_": lambda x: x.square_(),
        "reciprocal_": lambda x: x.reciprocal_(),
        "exp_": lambda x: x.exp_(),
        "log1p_": lambda x: x.abs_().log1p_(),
        "sigmoid_": lambda x: x.sigmoid_(),
        "tanh_": lambda x: x.tanh_(),
        "relu_": lambda x: x.relu_(),
        "neg_": lambda x: x.neg_(),
        "sign_": lambda x: x.sign_(),
        "round_": lambda x: x.mul_(1.234).round_(decimals=1),
        "trunc_": lambda x: x.trunc_(),
        "frac_": lambda x: x.frac_(),
        "clamp_min_": lambda x: x.clamp_min_(0.0),
        "clamp_max_": lambda x: x.clamp_max_(1.0),
        "squeeze_": lambda x: x[:1].clone().squeeze_(),
        "unsqueeze_": lambda x: x.unsqueeze_(1),
        "t_": lambda x: x.t_(),
        "transpose_": lambda x: x.unsqueeze(0).transpose_(0, 2),
        "view_masked": lambda x: (x[:, 1:].masked_fill_(x[:, 1:] < 0, 100.0), x)[1],
        "int_ops": lambda x: torch.tensor([7, -7, 5]).bitwise_and_(6).add_(1).mul_(3),
    }
    results = {}
    for name, call in calls.items():
        x = base.clone()
        out = call(x)
        results[name] = [out.tolist(), _name(out.dtype), list(out.shape), out is x]
    w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    y = w.clone()
    y.mul_(2).add_(1).clamp_(0, 3).pow_(2)
    # NOTE: not through a view (y[0].sub_(w[1])): minigrad records that on the view only, so
    # a backward through y misses it (docs/autograd.md lists this difference)
    y.sub_(w.flip(0))
    y.sum().backward()
    results["grad"] = [y.tolist(), w.grad.tolist(), y.grad_fn.name()]
    return results


def scatter_gather_zoo(torch, init):
    """Gather- and scatter-shaped ops with gradients: gather with a negative dim,
    take_along_dim with argsort (sorting rows by a key), index_select, scatter with
    src and reduce "multiply", scatter_reduce with sum, prod, mean, amax and amin with and
    without include_self, diagonal_scatter, select_scatter and slice_scatter, and
    index_reduce; values and the gradients of src and self."""
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    src = torch.tensor([[0.5, 2.0, -1.0], [3.0, 0.25, 4.0]], requires_grad=True)
    idx = torch.tensor([[0, 0, 1], [2, 2, 2]])
    key = torch.tensor([[3.0, 1.0, 2.0], [0.0, 2.0, 1.0]])
    outs = {
        "gather": x.gather(-1, torch.tensor([[2, 0], [1, 1]])),
        "take_along": torch.take_along_dim(x, key.argsort(dim=1), dim=1),
        "index_select": x.index_select(1, torch.tensor([2, 0, 2])),
        "scatter_src": x.scatter(1, idx, src),
        "diag_scatter": torch.diagonal_scatter(x, src[0, :2], offset=1),
        "select_scatter": torch.select_scatter(x, src[1], 0, 0),
        "slice_scatter": torch.slice_scatter(x, src[:, :2], dim=1, start=1),
    }
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            outs[f"{reduce}_{include_self}"] = x.scatter_reduce(
                1, idx, src, reduce=reduce, include_self=include_self
            )
    outs["index_reduce"] = x.index_reduce(
        1, torch.tensor([0, 2, 0]), src, "prod", include_self=False
    )
    results = {}
    for name, out in outs.items():
        grads = torch.autograd.grad((out * out).sum(), [x, src], allow_unused=True)
        results[name] = [out.tolist(), [None if g is None else g.tolist() for g in grads]]
    results["multiply"] = x.detach().scatter(1, idx, src.detach(), reduce="multiply").tolist()
    return results


def gaussian_mixture_by_gradient_descent(torch, init):
    """Fitting a Gaussian mixture model with torch.distributions, as blog posts do: learnable
    mixture logits, means and softplus-ed scales, MixtureSameFamily(Categorical(logits),
    Independent(Normal(means, scales), 1)), Adam on the mean negative log-likelihood;
    then the responsibilities (the components' log_prob of x.unsqueeze(1) plus
    log_softmax of the logits, normalized with logsumexp), the hard assignments, the
    mixture's mean and variance, and the shapes of its samples."""
    D, F = torch.distributions, torch.nn.functional
    rng = np.random.default_rng(231)
    X = torch.from_numpy(
        np.concatenate(
            [rng.normal([-2.0, 0.0], 0.5, (20, 2)), rng.normal([2.0, 1.0], 0.7, (20, 2))]
        ).astype(np.float32)
    )
    logits = torch.zeros(2, requires_grad=True)
    means = torch.tensor([[-1.0, 0.0], [1.0, 0.0]], requires_grad=True)
    raw_scales = torch.zeros(2, 2, requires_grad=True)
    opt = torch.optim.Adam([logits, means, raw_scales], lr=0.1)

    def model():
        comp = D.Independent(D.Normal(means, F.softplus(raw_scales)), 1)
        return D.MixtureSameFamily(D.Categorical(logits=logits), comp)

    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = -model().log_prob(X).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    gmm = model()
    with torch.no_grad():
        log_joint = gmm.component_distribution.log_prob(X.unsqueeze(1)) + torch.log_softmax(
            logits, dim=-1
        )
        resp = (log_joint - torch.logsumexp(log_joint, dim=1, keepdim=True)).exp()
    return {
        "losses": losses,
        "params": [logits.tolist(), means.tolist(), F.softplus(raw_scales).tolist()],
        "resp": resp.tolist(),
        "assign": resp.argmax(1).tolist(),
        "moments": [gmm.mean.tolist(), gmm.variance.tolist()],
        "shapes": [list(gmm.sample((3,)).shape), list(gmm.batch_shape), list(gmm.event_shape)],
    }


def metric_learning_with_distance_functions(torch, init):
    """Metric learning as the TripletMarginWithDistanceLoss docs show it: an embedding net,
    triplets from fixed indices, the loss with the default pairwise distance, with a
    cosine distance (`1 - F.cosine_similarity`), with nn.PairwiseDistance(p=1) and swap,
    three SGD steps with each; then a nearest-neighbour check of the embeddings with
    torch.cdist and topk(largest=False)."""
    nn, F = torch.nn, torch.nn.functional
    X = _randn(torch, (12, 6), 241)
    labels = torch.from_numpy(np.arange(12) % 3)
    a_idx = torch.tensor([0, 1, 2, 3, 4, 5])
    p_idx = torch.tensor([3, 4, 5, 6, 7, 8])
    n_idx = torch.tensor([1, 2, 0, 4, 5, 3])
    losses = {
        "default": nn.TripletMarginWithDistanceLoss(),
        "cosine": nn.TripletMarginWithDistanceLoss(
            distance_function=lambda x, y: 1.0 - F.cosine_similarity(x, y), margin=0.5
        ),
        "l1_swap": nn.TripletMarginWithDistanceLoss(
            distance_function=nn.PairwiseDistance(p=1), swap=True, margin=2.0
        ),
    }
    start = init(nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)))
    results = {"printed": [_shown(torch, fn) for fn in losses.values()]}
    for name, loss_fn in losses.items():
        net = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
        net.load_state_dict(start.state_dict())
        # NOTE: SGD: Adam would scale up gradients that are rounding noise (dead ReLUs)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        log = []
        for _ in range(3):
            emb = net(X)
            loss = loss_fn(emb[a_idx], emb[p_idx], emb[n_idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            log.append(loss.item())
        with torch.no_grad():
            emb = net(X)
            d = torch.cdist(emb, emb) + torch.eye(12) * 1e6
            nearest = d.topk(1, dim=1, largest=False).indices.squeeze(1)
        results[name] = [log, nearest.tolist(), (labels[nearest] == labels).float().mean().item()]
    return results


def weight_tying_and_shared_modules(torch, init):
    """Sharing parameters as language models and Siamese nets do: an RNN language model
    with tied weights (`self.decoder.weight = self.encoder.weight`; parameters() lists the
    tensor once, state_dict keeps both keys), a Siamese encoder called twice (gradients
    add up), named_parameters with remove_duplicate=False, a learning rate changed by hand
    in param_groups between steps, and loading the state_dict back into a tied model."""
    nn, F = torch.nn, torch.nn.functional

    class RNNModel(nn.Module):
        def __init__(self, ntoken, ninp):
            super().__init__()
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.GRU(ninp, ninp, batch_first=True)
            self.decoder = nn.Linear(ninp, ntoken)
            self.decoder.weight = self.encoder.weight

        def forward(self, x, h=None):
            out, h = self.rnn(self.encoder(x), h)
            return self.decoder(out), h

    lm = init(RNNModel(7, 4))
    tokens = torch.tensor([[1, 3, 2, 6, 0], [4, 4, 5, 1, 2]])
    opt = torch.optim.SGD(lm.parameters(), lr=0.5)
    losses, lrs = [], []
    for _ in range(3):
        logits, _ = lm(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 7), tokens[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        for g in opt.param_groups:
            g["lr"] *= 0.5
        losses.append(loss.item())
        lrs.append(opt.param_groups[0]["lr"])
    twin = RNNModel(7, 4)
    twin.load_state_dict(lm.state_dict())
    encoder = init(nn.Sequential(nn.Linear(3, 4), nn.Tanh()))
    a, b = _randn(torch, (5, 3), 251), _randn(torch, (5, 3), 252)
    dist = F.pairwise_distance(encoder(a), encoder(b))
    dist.sum().backward()
    return {
        "losses": losses,
        "lrs": lrs,
        "tied": [
            lm.decoder.weight is lm.encoder.weight,
            len(list(lm.parameters())),
            sum(p.numel() for p in lm.parameters()),
            list(lm.state_dict()),
            [n for n, _ in lm.named_parameters(remove_duplicate=False)],
        ],
        "twin": [
            twin.decoder.weight is twin.encoder.weight,
            torch.equal(twin.decoder.weight, lm.encoder.weight),
        ],
        "weights": lm.encoder.weight.tolist(),
        "siamese": [dist.tolist(), [p.grad.tolist() for p in encoder.parameters()]],
    }


def legacy_code_idioms(torch, init):
    """What 2017-2019 tutorials and blog posts still in circulation write, as PyTorch still
    runs it (with its deprecation warnings, silenced here): Variable(x, requires_grad=True),
    losses with size_average=False and reduce=False, nn.init.xavier_uniform and
    nn.init.constant without the underscore in a weights_init, F.upsample and
    F.upsample_bilinear, nn.utils.clip_grad_norm, F.softmax without dim, x.data updates in
    a hand-written SGD step, and loss.data.item()."""
    import warnings

    nn, F = torch.nn, torch.nn.functional
    Variable = torch.autograd.Variable
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        def weights_init(m):
            if isinstance(m, nn.Linear):
                nn.init.constant(m.bias, 0.1)

        net = init(nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3)))
        net.apply(weights_init)
        nn.init.xavier_uniform(torch.empty(3, 3))  # random: only that it runs
        x = Variable(_randn(torch, (6, 4), 261), requires_grad=True)
        y = Variable(torch.from_numpy(np.arange(6) % 3))
        crit_sum = nn.CrossEntropyLoss(size_average=False)
        crit_none = nn.MSELoss(reduce=False)
        log = []
        for _ in range(3):
            out = net(x)
            loss = crit_sum(out, y) + crit_none(F.softmax(out), F.one_hot(y, 3).float()).sum()
            net.zero_grad()
            loss.backward()
            total = nn.utils.clip_grad_norm(net.parameters(), 1.0)
            for p in net.parameters():
                p.data.add_(-0.1 * p.grad.data)
            log.append([loss.data.item(), float(total)])
        img = torch.arange(8.0).view(1, 2, 2, 2)
        ups = [
            F.upsample(img, scale_factor=2, mode="nearest").tolist(),
            F.upsample_bilinear(img, size=(3, 3)).tolist(),
        ]
        legacy = [
            F.mse_loss(x, torch.zeros(6, 4), size_average=False).item(),
            F.nll_loss(F.log_softmax(net(x), dim=1), y, reduce=False).tolist(),
        ]
    return {
        "log": log,
        "ups": ups,
        "legacy": legacy,
        "x_grad": x.grad.tolist(),
        "params": [p.tolist() for p in net.parameters()],
    }


PROGRAMS = [
    lstm_with_projections_and_packing,
    joining_and_splitting_tensors,
    special_functions_and_their_gradients,
    rounding_remainders_and_bitwise,
    linear_algebra_recipes,
    the_matmul_family,
    broadcasting_quirks,
    masked_and_indexed_writes,
    dtype_promotion_table,
    printing_modules,
    grad_fn_names_and_printed_tensors,
    optimizers_not_yet_stepped,
    lbfgs_curve_fit,
    lr_schedulers_tour,
    checkpoint_resume_in_memory,
    numpy_bridge,
    normalization_layers_tour,
    less_common_layers,
    losses_with_their_options,
    activations_tour,
    sorting_searching_counting,
    distributions_beyond_normal,
    mixed_indexing_forms,
    printing_wide_and_large_tensors,
    d2l_rnn_from_scratch,
    d2l_modern_cnn_blocks,
    tensor_creation_tour,
    reductions_with_dims,
    statistics_and_calculus_helpers,
    autograd_api_details,
    module_api_details,
    actor_critic_with_categorical,
    multihead_attention_options,
    embedding_options,
    einsum_forms,
    where_nan_and_masked_softmax,
    in_place_semantics,
    numerical_edge_cases,
    printing_optimizers_and_distributions,
    transformer_encoder_options,
    recurrent_layers_and_cells,
    dataloader_collate_semantics,
    gradient_clipping_recipes,
    weight_init_recipes,
    pooling_variants,
    arcface_and_focal_losses,
    neural_ode_rk4_and_hamiltonian,
    d2l_softmax_regression,
    tensor_attributes_and_reshaping,
    state_dict_tricks,
    convolution_variants,
    interpolation_modes,
    random_numbers_by_their_properties,
    capsule_squash_and_routing,
    batch_hard_triplet_mining,
    warmup_cosine_schedule_and_ema,
    polynomial_fit_with_vander,
    zero_to_gans_training_loop,
    python_protocols_on_tensors,
    numpy_style_aliases_and_overloads,
    autograd_grad_options,
    comparisons_and_membership,
    lltm_python_reference,
    pseudo_labeling_round,
    in_place_method_zoo,
    scatter_gather_zoo,
    gaussian_mixture_by_gradient_descent,
    metric_learning_with_distance_functions,
    weight_tying_and_shared_modules,
    legacy_code_idioms,
]
