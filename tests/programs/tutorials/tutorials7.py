"""Programs as students copy them (round 7): the corners of the Tensors and Learning PyTorch
with Examples tutorials not yet run here (joining and splitting, the rounding and bitwise
ops, special functions, linear algebra, the matmul family, broadcasting, masked writes,
dtype promotion, what print shows for modules and for grad_fns), the docs' examples of
LSTM with projections, optimizers and schedulers not yet stepped, distributions, data
pipelines, checkpoints in memory, and course-notebook models. Each is a function of the
library (`torch` is PyTorch or minigrad) and of `init` (see tests/programs/conftest.py);
data come from NumPy so that both libraries see the same numbers."""

from __future__ import annotations

import numpy as np


def _randn(torch, shape, seed, scale=1.0):
    """Data from NumPy, so that both libraries see the same numbers."""
    values = np.random.default_rng(seed).normal(0.0, scale, shape).astype(np.float32)
    return torch.from_numpy(values)


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
]
