"""Recurrent cells, fused: one op per time step of an RNN, LSTM or GRU, and one op for the
LSTM's and the GRU's gradient (as PyTorch's fused cells). (N, G*H) gates -> (N, H) states.
LstmSequence and GruSequence run every step of a layer in one op, forward and backward
(as PyTorch's fused layers): the steps are loops over arrays, with no op call per step.

# NOTE: written with tensor ops, an LSTM step is about 40 ops forward and backward (1,200 in a
# training step over 32 steps): Python's overhead per op, not the arithmetic, set the time.
# Each cell takes the input's share of the gates, x W_ih^T + b_ih, which a layer computes for
# all time steps in one matmul; only h W_hh^T has to wait for the previous step. A cell
# returns what its backward reads (the activated gates) as one more output, so a second
# backward reaches the cell through it: the gradient ops below have backwards of their own.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import FirstOrderGrad, Function
from minigrad.autograd.grad_mode import state
from minigrad.creation import zeros_like
from minigrad.ops._util import sum_array
from minigrad.ops.activations import ReluGrad, tanh
from minigrad.ops.matmul import MatMul, linear
from minigrad.ops.shape import cat, stack
from minigrad.tensor import Tensor


def _gates(input_gates, h, weight_hh, bias_hh):
    """input_gates + h W_hh^T + b_hh, as a new array."""
    gates = h.array @ weight_hh.array.T
    gates += input_gates.array
    if bias_hh is not None:
        gates += bias_hh.array
    return gates


def _sigmoid_(xp, a):
    """sigmoid(a) in place, as (1 + tanh(a / 2)) / 2.

    # NOTE: no exp to overflow and no `where`: NumPy's tanh is fast (float32 (32, 512), one
    # thread: 6 us, against 10 for 1 / (1 + exp(-a)), Sigmoid's form); the error stays within
    # half an ulp of 1 (a gate of 1e-9 may come out 0)."""
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _step_product(xp, w, rows: int):
    """A function (h, out=None) -> h @ w (into `out` if given) for h of `rows` rows, w (H,
    G*H) contiguous, the same w at every step of a sequence.

    # NOTE: OpenBLAS (NumPy's) multiplies products of up to 10^6 multiply-adds (rows * H *
    # columns) with its small-matrix kernels, which skip packing w; a larger step product
    # repacks all of w at every step. Column blocks of w that fit under that size, each a
    # contiguous copy made once, are faster: one thread, float32, a step of 32 rows, H 256:
    # 281 -> 176 us; 16 rows, H 512: 806 -> 368; 32 rows, H 128: 54 -> 43; up to 10^6 as
    # one product (H 64) or with blocks narrower than 32 columns (128 rows, H 128) no faster.
    """
    size, width = w.shape
    columns = width
    while rows * size * columns > 10**6 and columns % 2 == 0 and columns > 32:
        columns //= 2
    if xp is not np or columns == width:
        return lambda h, out=None: xp.matmul(h, w, out=out)
    blocks = [(slice(k, k + columns), xp.ascontiguousarray(w[:, k : k + columns]))
              for k in range(0, width, columns)]  # fmt: skip

    def product(h, out=None):
        if out is None:
            out = xp.empty((len(h), width), xp.result_type(h, w))
        for cols, block in blocks:
            xp.matmul(h, block, out=out[:, cols])
        return out

    return product


def _lstm_scale(xp, size, dtype):
    """The scale and shift around the one tanh of an LSTM step's four gates: 0.5 and 0.5 on
    i, f and o, 1 and 0 on the cell gate g (sigmoid(x) = (1 + tanh(x / 2)) / 2)."""
    scale = xp.full(4 * size, 0.5, dtype)
    scale[2 * size : 3 * size] = 1
    return scale, 1 - scale


def _lstm_step(xp, a, c, scale, c_new, h_new):
    """Activate the gates a (N, 4H) in place, to (i, f, g, o), from their pre-activations
    times scale[0]; c' = f c + i g into c_new and h' = o tanh(c') into h_new. scale:
    _lstm_scale's pair."""
    xp.tanh(a, out=a)
    a *= scale[0]
    a += scale[1]
    size = c.shape[-1]
    i, f, g, o = (a[:, k * size : (k + 1) * size] for k in range(4))
    xp.multiply(f, c, out=c_new)
    c_new += i * g
    xp.tanh(c_new, out=h_new)
    h_new *= o


def _lstm_step_grad(xp, a, c, c_new, dh, dc, d_gates):
    """The gradients of an LSTM step's gate pre-activations and of c (arrays), from its
    activated gates a, c, c' and the gradients of h', c' and a (any may be None); see
    LstmCellGrad."""
    size = c.shape[-1]
    i, f, g, o = (a[:, k * size : (k + 1) * size] for k in range(4))
    t = xp.tanh(c_new)
    if dh is None:
        dct = xp.zeros_like(t) if dc is None else dc
        d_o = xp.zeros_like(t)
    else:
        d_o = dh * t
        dct = 1 - t * t
        dct *= o
        dct *= dh
        if dc is not None:
            dct += dc
    # NOTE: contiguous pieces joined once (ufuncs into column slices were slower)
    grads = xp.concatenate([dct * g, dct * c, dct * i, d_o], 1)
    if d_gates is not None:
        grads += d_gates
    slope = 1 - a
    slope *= a
    slope[:, 2 * size : 3 * size] = 1 - g * g
    grads *= slope
    return grads, dct * f


def _cell_backward(ctx, d_gates, h, weight_hh, *positions):
    """The gradients of h, W_hh and b_hh (the cell's arguments at `positions`; b_hh may be
    left out) from the gradient of the hidden gates h W_hh^T + b_hh."""
    needs = ctx.needs_input_grad
    at_h, at_w, at_b = positions
    g_h = MatMul.apply(d_gates, weight_hh) if needs[at_h] else None
    g_w = MatMul.apply(d_gates.mT, h) if needs[at_w] else None
    g_b = d_gates.sum(0) if len(needs) > at_b and needs[at_b] else None
    return g_h, g_w, g_b


class RnnCell(Function):
    """h' = tanh or relu(input_gates + h W_hh^T + b_hh); saves h'.
    (N, H), (N, H), (H, H), (H,) -> (N, H)"""

    op_name = "rnn_cell"

    @staticmethod
    def forward(ctx, input_gates, h, weight_hh, bias_hh=None, nonlinearity="tanh"):
        xp = h.device.xp
        y = _gates(input_gates, h, weight_hh, bias_hh)
        if nonlinearity == "tanh":
            xp.tanh(y, out=y)
        else:
            xp.maximum(y, xp.zeros(y.shape, y.dtype), out=y)
        ctx.nonlinearity = nonlinearity
        y = Tensor._make(y)
        ctx.save_for_backward(h, weight_hh, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        h, weight_hh, y = ctx.saved_tensors
        d_gates = gy * (1 - y * y) if ctx.nonlinearity == "tanh" else ReluGrad.apply(gy, y)
        return (d_gates, *_cell_backward(ctx, d_gates, h, weight_hh, 1, 2, 3), None)


class LstmCell(Function):
    """One LSTM step: gates = input_gates + h W_hh^T + b_hh in the order input, forget, cell,
    output; i, f, o = sigmoid, g = tanh; c' = f c + i g; h' = o tanh(c').
    (N, 4H), (N, P), (N, H), (4H, P), (4H,) -> h' (N, H), c' (N, H), gates (N, 4H): the
    activated gates (i, f, g, o), which backward reads."""

    op_name = "lstm_cell"

    @staticmethod
    def forward(ctx, input_gates, h, c, weight_hh, bias_hh=None):
        xp = h.device.xp
        a = _gates(input_gates, h, weight_hh, bias_hh)
        c_new, h_new = xp.empty_like(c.array), xp.empty_like(c.array)
        scale = _lstm_scale(xp, c.array.shape[-1], a.dtype)
        a *= scale[0]
        _lstm_step(xp, a, c.array, scale, c_new, h_new)
        gates, c_new = Tensor._make(a), Tensor._make(c_new)
        ctx.save_for_backward(h, c, weight_hh, gates, c_new)
        ctx.set_materialize_grads(False)
        return h_new, c_new, gates

    @staticmethod
    def backward(ctx, dh, dc, d_gates_out):
        h, c, weight_hh, gates, c_new = ctx.saved_tensors
        d_gates, d_c = LstmCellGrad.apply(gates, c, c_new, dh, dc, d_gates_out)
        g_h, g_w, g_b = _cell_backward(ctx, d_gates, h, weight_hh, 1, 3, 4)
        return d_gates, g_h, d_c if ctx.needs_input_grad[2] else None, g_w, g_b


class LstmCellGrad(Function):
    """The LSTM cell's backward as one op: the gradients of the gates' pre-activations and of
    c, from the activated gates (i, f, g, o), c, c' and the gradients of h', c' and the
    activated gates (any may be None). (N, 4H), (N, H), (N, H), (N, H), (N, H), (N, 4H) ->
    (N, 4H), (N, H)

    With t = tanh(c'): dc' = dc + dh o (1 - t^2); the gates' gradients A = (dc' g, dc' c,
    dc' i, dh t) + d_gates, times their derivatives s = (i(1-i), f(1-f), 1-g^2, o(1-o));
    the gradient of c is dc' f."""

    op_name = "lstm_cell_grad"

    @staticmethod
    def forward(ctx, gates, c, c_new, dh, dc, d_gates):
        ctx.save_for_backward(gates, c, c_new, dh, dc, d_gates)
        return _lstm_step_grad(
            c.device.xp,
            *(None if t is None else t.array for t in (gates, c, c_new, dh, dc, d_gates)),
        )

    @staticmethod
    def backward(ctx, g_pre, g_c_prev):
        gates, c, c_new, dh, dc, d_gates = ctx.saved_tensors
        needs = ctx.needs_input_grad
        i, f, g, o = gates.chunk(4, 1)
        dh = zeros_like(c) if dh is None else dh
        t = tanh(c_new)
        u = 1 - t * t
        dct = dh * o * u if dc is None else dc + dh * o * u
        slope = cat([i * (1 - i), f * (1 - f), 1 - g * g, o * (1 - o)], 1)
        curve = cat([1 - 2 * i, 1 - 2 * f, -2 * g, 1 - 2 * o], 1)  # the slopes' derivatives
        grads = cat([dct * g, dct * c, dct * i, dh * t], 1)
        if d_gates is not None:
            grads = grads + d_gates
        g_grads = g_pre * slope  # the gradient of the gates' gradients A
        ga_i, ga_f, ga_g, ga_o = g_grads.chunk(4, 1)
        g_dct = ga_i * g + ga_f * c + ga_g * i + g_c_prev * f
        g_t = ga_o * dh - 2 * t * (g_dct * dh * o)
        g_gates = g_pre * grads * curve + cat(
            [ga_g * dct, g_c_prev * dct, ga_i * dct, g_dct * dh * u], 1
        )
        return (
            g_gates if needs[0] else None,
            ga_f * dct if needs[1] else None,
            g_t * u if needs[2] else None,
            ga_o * t + g_dct * o * u if needs[3] else None,
            g_dct if needs[4] else None,
            g_grads if needs[5] else None,
        )


class LstmSequence(Function):
    """The LSTM steps of one layer and direction over a whole sequence as one op (as PyTorch's
    fused layer): the input's gates (L, N, 4H) (x W_ih^T + b_ih + b_hh for every step), h0 and
    c0 (N, H), W_hh (4H, H); from the last step to the first if `reverse`. -> hs (L, N, H),
    cs (L, N, H) (h' and c' of each step) and the activated gates (L, N, 4H), which backward
    reads.

    # NOTE: LstmCell a step costs two op calls forward and six backward (the cell's gradient,
    # two matmuls, the sums of W_hh's and h's gradients over the steps); here the steps are a
    # loop over arrays, and W_hh's gradient is one (4H, L*N) @ (L*N, H) product. A backward
    # that builds a graph (create_graph) runs the steps as LstmCellGrad and MatMul ops instead,
    # which have backwards of their own."""

    op_name = "lstm_sequence"

    @staticmethod
    def forward(ctx, input_gates, h0, c0, weight_hh, reverse=False):
        xp = h0.device.xp
        x = input_gates.array
        # NOTE: the promoted dtype (autocast gives float16 input gates, float32 states)
        dtype = xp.result_type(x, h0.array, weight_hh.array)
        gates = xp.empty(x.shape, dtype)
        hs = xp.empty(x.shape[:2] + c0.array.shape[-1:], dtype)
        cs = xp.empty_like(hs)
        # NOTE: W_hh^T as a contiguous copy (OpenBLAS multiplies (N, H) rows by a transposed
        # view about 2x slower: N = 32, H = 64, 11.3 -> 5.9 us a step), and it and the input's
        # gates scaled once for all steps (a power of 2: the products are exactly as scaled)
        scale = _lstm_scale(xp, hs.shape[-1], dtype)
        w = xp.ascontiguousarray(weight_hh.array.T) * scale[0]
        x = x * scale[0]
        product = _step_product(xp, w, hs.shape[1])
        h, c = h0.array, c0.array
        for t in _steps(len(x), reverse):
            a = gates[t]
            product(h, a)
            a += x[t]
            _lstm_step(xp, a, c, scale, cs[t], hs[t])
            h, c = hs[t], cs[t]
        hs, cs, gates = Tensor._make(hs), Tensor._make(cs), Tensor._make(gates)
        ctx.save_for_backward(h0, c0, weight_hh, hs, cs, gates)
        ctx.reverse = reverse
        ctx.set_materialize_grads(False)
        return hs, cs, gates

    @staticmethod
    def backward(ctx, d_hs, d_cs, d_gates):
        saved, needs = ctx.saved_tensors, ctx.needs_input_grad
        if state.enabled:  # create_graph: a backward that can be differentiated in turn
            return _lstm_sequence_graph(ctx, *saved, d_hs, d_cs, d_gates)
        grads = LstmSequenceGrad.apply(*saved, d_hs, d_cs, d_gates, ctx.reverse, needs[1:4])
        grads = iter(grads if type(grads) is tuple else (grads,))
        return (next(grads), *(next(grads) if need else None for need in needs[1:4]), None)


class LstmSequenceGrad(FirstOrderGrad):
    """LstmSequence's backward as one op, from what it saved and the gradients of hs, cs and
    the gates (any may be None): the gradient of the input's gates, then those of h0, c0 and
    W_hh that `needs` asks for (the input's gates' alone: not in a tuple).

    # NOTE: not differentiable: a backward with create_graph=True runs LstmSequence's steps
    # as LstmCellGrad and MatMul ops instead (_lstm_sequence_graph)."""

    op_name = "lstm_sequence_grad"
    twice = "an LSTM"

    @staticmethod
    def forward(ctx, h0, c0, weight_hh, hs, cs, gates, d_hs, d_cs, d_gates, reverse, needs):
        xp = h0.device.xp
        h0, c0, w, hs, cs, a = (t.array for t in (h0, c0, weight_hh, hs, cs, gates))
        d_hs, d_cs, d_gates = (None if g is None else g.array for g in (d_hs, d_cs, d_gates))
        steps, n, size = hs.shape
        # NOTE: what does not wait for the next step's gradient is computed for all steps at
        # once (LstmCellGrad's formula, regrouped): coef holds each gate's derivative times
        # what multiplies dc' in its gradient (g, c, i) or dh (tanh c' for o)
        i, f, g, o = (a[..., k * size : (k + 1) * size] for k in range(4))
        t = xp.tanh(cs)
        slope = 1 - a
        slope *= a
        slope[..., 2 * size : 3 * size] = 1 - g * g
        coef = xp.concatenate([g, _previous(xp, cs, c0, reverse), i, t], -1)
        coef *= slope
        coef = coef.reshape(steps, n, 4, size)
        through_h = 1 - t * t  # dc' from dh: o (1 - tanh(c')^2)
        through_h *= o
        extra = None if d_gates is None else d_gates * slope
        d_pre = xp.empty_like(a)
        blocks = d_pre.reshape(steps, n, 4, size)
        dh, dc = xp.zeros((n, size), a.dtype), xp.zeros((n, size), a.dtype)
        order = list(_steps(steps, reverse))
        for k in reversed(range(steps)):
            s = order[k]
            if d_hs is not None:
                dh = dh + d_hs[s]
            dct = dh * through_h[s]
            dct += dc
            if d_cs is not None:
                dct += d_cs[s]
            xp.multiply(dct[:, None], coef[s, :, :3], out=blocks[s, :, :3])
            xp.multiply(dh, coef[s, :, 3], out=blocks[s, :, 3])
            if extra is not None:
                d_pre[s] += extra[s]
            dc = dct * f[s]
            if k or needs[0]:
                dh = d_pre[s] @ w
        out = [d_pre] + [dh] * needs[0] + [dc] * needs[1]
        if needs[2]:  # the sum over the steps of d_pre[t]^T h_{t-1}: one product
            h_prev = _previous(xp, hs, h0, reverse).reshape(-1, size)
            out.append(d_pre.reshape(-1, 4 * size).T @ h_prev)
        return tuple(out) if len(out) > 1 else out[0]


def _steps(count, reverse):
    return range(count - 1, -1, -1) if reverse else range(count)


def _previous(xp, states, first, reverse):
    """The state before each step's, (L, N, H): `first` before the first step."""
    out = xp.empty_like(states)
    if reverse:
        out[-1], out[:-1] = first, states[1:]
    else:
        out[0], out[1:] = first, states[:-1]
    return out


def _plus(a, b):
    """a + b, where None is zero."""
    return b if a is None else a if b is None else a + b


def _lstm_sequence_graph(ctx, h0, c0, weight_hh, hs, cs, gates, d_hs, d_cs, d_gates):
    """LstmSequence's backward as ops, step by step, so that it can be differentiated."""
    needs = ctx.needs_input_grad
    steps = list(_steps(len(gates), ctx.reverse))
    d_pre, dh, dc, g_w = [None] * len(steps), None, None, None
    for k in reversed(range(len(steps))):
        t = steps[k]
        h, c = (hs[steps[k - 1]], cs[steps[k - 1]]) if k else (h0, c0)
        dh = _plus(None if d_hs is None else d_hs[t], dh)
        dc = _plus(None if d_cs is None else d_cs[t], dc)
        g = None if d_gates is None else d_gates[t]
        d_pre[t], dc = LstmCellGrad.apply(gates[t], c, cs[t], dh, dc, g)
        dh = MatMul.apply(d_pre[t], weight_hh)
        if needs[3]:
            g_w = _plus(g_w, MatMul.apply(d_pre[t].mT, h))
    return (
        stack(d_pre),
        dh if needs[1] else None,
        dc if needs[2] else None,
        g_w,
        None,
    )


def _gru_step(xp, x, hidden, h, h_new, work=None):
    """One GRU step from the input's gates x (N, 3H) and the hidden ones h W_hh^T + b_hh:
    h' into h_new; returns the workspace (r, z, n, h_n) (N, 4H) (into `work` if given).

    # NOTE: contiguous temporaries joined at the end: ufuncs on column slices of the
    # workspace were 1.7x slower than the copy"""
    size = h.shape[-1]
    rz = _sigmoid_(xp, x[:, : 2 * size] + hidden[:, : 2 * size])
    h_n = hidden[:, 2 * size :]
    n = rz[:, :size] * h_n
    n += x[:, 2 * size :]
    xp.tanh(n, out=n)
    xp.subtract(h, n, out=h_new)
    h_new *= rz[:, size:]
    h_new += n
    return xp.concatenate([rz, n, h_n], 1, out=work)


class GruCell(Function):
    """One GRU step: (x_r, x_z, x_n) = input_gates, (h_r, h_z, h_n) = h W_hh^T + b_hh;
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z); n = tanh(x_n + r h_n); h' = n + z (h - n)
    (as PyTorch's kernel). (N, 3H), (N, H), (3H, H), (3H,) -> h' (N, H), workspace (N, 4H):
    r, z, n and h_n, which backward reads."""

    op_name = "gru_cell"

    @staticmethod
    def forward(ctx, input_gates, h, weight_hh, bias_hh=None):
        xp = h.device.xp
        hidden = h.array @ weight_hh.array.T
        if bias_hh is not None:
            hidden += bias_hh.array
        h_new = xp.empty_like(h.array)
        work = Tensor._make(_gru_step(xp, input_gates.array, hidden, h.array, h_new))
        ctx.save_for_backward(h, weight_hh, work)
        ctx.set_materialize_grads(False)
        return h_new, work

    @staticmethod
    def backward(ctx, dh, d_work):
        h, weight_hh, work = ctx.saved_tensors
        d_input, d_hidden, d_h = GruCellGrad.apply(work, h, dh, d_work)
        g_h, g_w, g_b = _cell_backward(ctx, d_hidden, h, weight_hh, 1, 2, 3)
        if ctx.needs_input_grad[1]:
            g_h = g_h + d_h
        return d_input, g_h, g_w, g_b


class GruCellGrad(Function):
    """The GRU cell's backward as one op: from the workspace (r, z, n, h_n), h and the
    gradients of h' and of the workspace (either may be None), the gradients of the input's
    gates, of the hidden gates h W_hh^T + b_hh, and of h where it enters h' directly.
    (N, 4H), (N, H), (N, H), (N, 4H) -> (N, 3H), (N, 3H), (N, H)

    dn = dh (1 - z), dz = dh (h - n), dh_direct = dh z; dn_pre = dn (1 - n^2) (the input's
    and r's share); dr = dn_pre h_n, dh_n = dn_pre r; dr_pre = dr r (1 - r), dz_pre = dz z (1 - z).
    The workspace's gradients add to dr, dz, dn, dh_n."""

    op_name = "gru_cell_grad"

    @staticmethod
    def forward(ctx, work, h, dh, d_work):
        xp = h.device.xp
        ctx.save_for_backward(work, h, dh, d_work)
        w, size = work.array, h.array.shape[-1]
        r, z, n, h_n = (w[:, k * size : (k + 1) * size] for k in range(4))
        if dh is None:
            d_n, d_z, d_h = xp.zeros_like(n), xp.zeros_like(n), xp.zeros_like(n)
        else:
            d_n = (1 - z) * dh.array
            d_z = (h.array - n) * dh.array
            d_h = dh.array * z
        d_r = d_hn = 0
        if d_work is not None:
            d_r, d_z_w, d_n_w, d_hn = (d_work.array[:, k * size : (k + 1) * size] for k in range(4))
            d_n += d_n_w
            d_z += d_z_w
        d_n *= 1 - n * n  # now the gradient of n's pre-activation
        d_r = d_n * h_n + d_r
        d_hn = d_n * r + d_hn
        d_r *= r * (1 - r)
        d_z *= z * (1 - z)
        return (
            xp.concatenate([d_r, d_z, d_n], 1),
            xp.concatenate([d_r, d_z, d_hn], 1),
            d_h,
        )

    @staticmethod
    def backward(ctx, g_input, g_hidden, g_h_direct):
        work, h, dh, d_work = ctx.saved_tensors
        needs = ctx.needs_input_grad
        r, z, n, hn = work.chunk(4, 1)
        dh = zeros_like(h) if dh is None else dh
        dw_r, dw_z, dw_n, dw_hn = (None,) * 4 if d_work is None else d_work.chunk(4, 1)
        dn = dh * (1 - z) if dw_n is None else dh * (1 - z) + dw_n
        dz = dh * (h - n) if dw_z is None else dh * (h - n) + dw_z
        dn_pre = dn * (1 - n * n)
        dr = dn_pre * hn if dw_r is None else dn_pre * hn + dw_r
        gi_r, gi_z, gi_n = g_input.chunk(3, 1)
        gh_r, gh_z, gh_hn = g_hidden.chunk(3, 1)
        g_dr_pre, g_dz_pre = gi_r + gh_r, gi_z + gh_z
        g_dz = g_dz_pre * z * (1 - z)
        g_dr = g_dr_pre * r * (1 - r)
        g_dn_pre = gi_n + gh_hn * r + g_dr * hn
        g_dn = g_dn_pre * (1 - n * n)
        g_r = g_dr_pre * dr * (1 - 2 * r) + gh_hn * dn_pre
        g_z = g_dz_pre * dz * (1 - 2 * z) + g_h_direct * dh - g_dn * dh
        g_n = -2 * n * g_dn_pre * dn - g_dz * dh
        g_dh = g_h_direct * z + g_dz * (h - n) + g_dn * (1 - z)
        return (
            cat([g_r, g_z, g_n, g_dr * dn_pre], 1) if needs[0] else None,
            g_dz * dh if needs[1] else None,
            g_dh if needs[2] else None,
            cat([g_dr, g_dz, g_dn, gh_hn], 1) if needs[3] else None,
        )


class GruSequence(Function):
    """The GRU steps of one layer and direction over a whole sequence as one op (see
    LstmSequence): the input's gates (L, N, 3H) (x W_ih^T + b_ih for every step), h0 (N, H),
    W_hh (3H, H), b_hh (3H,) or None; from the last step to the first if `reverse`.
    -> hs (L, N, H) and the workspaces (L, N, 4H) (GruCell's), which backward reads."""

    op_name = "gru_sequence"

    @staticmethod
    def forward(ctx, input_gates, h0, weight_hh, bias_hh=None, reverse=False):
        xp = h0.device.xp
        x = input_gates.array
        dtype = xp.result_type(x, h0.array, weight_hh.array)  # NOTE: see LstmSequence
        hs = xp.empty(x.shape[:2] + h0.array.shape[-1:], dtype)
        work = xp.empty(x.shape[:2] + (4 * hs.shape[-1],), dtype)
        w, h = xp.ascontiguousarray(weight_hh.array.T), h0.array  # NOTE: see LstmSequence
        product = _step_product(xp, w, hs.shape[1])
        for t in _steps(len(x), reverse):
            hidden = product(h)
            if bias_hh is not None:
                hidden += bias_hh.array
            _gru_step(xp, x[t], hidden, h, hs[t], work[t])
            h = hs[t]
        hs, work = Tensor._make(hs), Tensor._make(work)
        ctx.save_for_backward(h0, weight_hh, hs, work)
        ctx.reverse = reverse
        ctx.set_materialize_grads(False)
        return hs, work

    @staticmethod
    def backward(ctx, d_hs, d_work):
        saved, needs = ctx.saved_tensors, ctx.needs_input_grad
        if state.enabled:  # create_graph: a backward that can be differentiated in turn
            return _gru_sequence_graph(ctx, *saved, d_hs, d_work)
        grads = GruSequenceGrad.apply(*saved, d_hs, d_work, ctx.reverse, needs[1:4])
        grads = iter(grads if type(grads) is tuple else (grads,))
        return (next(grads), *(next(grads) if need else None for need in needs[1:4]), None)


class GruSequenceGrad(FirstOrderGrad):
    """GruSequence's backward as one op, from what it saved and the gradients of hs and the
    workspaces (either may be None): the gradient of the input's gates, then those of h0,
    W_hh and b_hh that `needs` asks for (the input's gates' alone: not in a tuple).

    # NOTE: GruCellGrad's formula, regrouped: the factors that do not wait for the next
    # step's gradient are computed for all steps at once. Not differentiable: a backward with
    # create_graph=True runs the steps as GruCellGrad and MatMul ops (_gru_sequence_graph)."""

    op_name = "gru_sequence_grad"
    twice = "a GRU"

    @staticmethod
    def forward(ctx, h0, weight_hh, hs, work, d_hs, d_work, reverse, needs):
        xp = h0.device.xp
        h0, w, hs, work = (t.array for t in (h0, weight_hh, hs, work))
        d_hs, d_work = (None if g is None else g.array for g in (d_hs, d_work))
        steps, n, size = hs.shape
        r, z, new, h_n = (work[..., k * size : (k + 1) * size] for k in range(4))
        h_prev = _previous(xp, hs, h0, reverse)
        tanh_slope = 1 - new * new
        r_slope, z_slope = r * (1 - r), z * (1 - z)
        to_new = (1 - z) * tanh_slope  # dh -> the new gate's pre-activation
        to_r = h_n * r_slope  # that -> r's pre-activation
        to_z = (h_prev - new) * z_slope  # dh -> z's pre-activation
        if d_work is not None:  # the workspace's own gradients, through the same slopes
            dw_r, dw_z, dw_n, dw_hn = (d_work[..., k * size : (k + 1) * size] for k in range(4))
            extra_new = dw_n * tanh_slope
            extra_r, extra_z = dw_r * r_slope, dw_z * z_slope
        d_hidden = xp.empty((steps, n, 3 * size), hs.dtype)
        d_input = xp.empty_like(d_hidden)
        dh = xp.zeros((n, size), hs.dtype)
        order = list(_steps(steps, reverse))
        for k in reversed(range(steps)):
            s = order[k]
            if d_hs is not None:
                dh = dh + d_hs[s]
            d_new, hid = d_input[s, :, 2 * size :], d_hidden[s]
            xp.multiply(dh, to_new[s], out=d_new)
            if d_work is not None:
                d_new += extra_new[s]
            xp.multiply(d_new, to_r[s], out=hid[:, :size])
            xp.multiply(dh, to_z[s], out=hid[:, size : 2 * size])
            xp.multiply(d_new, r[s], out=hid[:, 2 * size :])
            if d_work is not None:
                hid[:, :size] += extra_r[s]
                hid[:, size : 2 * size] += extra_z[s]
                hid[:, 2 * size :] += dw_hn[s]
            if k or needs[0]:
                direct = dh * z[s]
                dh = hid @ w
                dh += direct
        d_input[..., : 2 * size] = d_hidden[..., : 2 * size]
        out = [d_input] + [dh] * needs[0]
        rows = d_hidden.reshape(-1, 3 * size)
        if needs[1]:  # the sums over the steps: one product each
            out.append(rows.T @ h_prev.reshape(-1, size))
        if needs[2]:
            out.append(sum_array(xp, rows, (0,)))
        return tuple(out) if len(out) > 1 else out[0]


def _gru_sequence_graph(ctx, h0, weight_hh, hs, work, d_hs, d_work):
    """GruSequence's backward as ops, step by step, so that it can be differentiated."""
    needs = ctx.needs_input_grad
    steps = list(_steps(len(work), ctx.reverse))
    d_input, dh, g_w, g_b = [None] * len(steps), None, None, None
    for k in reversed(range(len(steps))):
        t = steps[k]
        h = hs[steps[k - 1]] if k else h0
        dh = _plus(None if d_hs is None else d_hs[t], dh)
        d_w = None if d_work is None else d_work[t]
        d_input[t], d_hidden, d_direct = GruCellGrad.apply(work[t], h, dh, d_w)
        dh = MatMul.apply(d_hidden, weight_hh) + d_direct
        if needs[2]:
            g_w = _plus(g_w, MatMul.apply(d_hidden.mT, h))
        if needs[3]:
            g_b = _plus(g_b, d_hidden.sum(0))
    return stack(d_input), dh if needs[1] else None, g_w, g_b, None


def _check_cell(op, input, hx, w_ih, w_hh, gates, *biases):
    """RuntimeError naming the op and the shapes (or dtypes) unless they fit: (N, in) input,
    (N, H) states, w_ih (gates*H, in), w_hh (gates*H, H), biases (gates*H,), all of one
    floating dtype."""
    states = hx if isinstance(hx, tuple) else (hx,)
    biases = tuple(b for b in biases if b is not None)
    size = states[0].shape[-1]
    if (
        input.ndim != 2
        or any(s.ndim != 2 or s.shape[0] != input.shape[0] for s in states)
        or tuple(w_ih.shape) != (gates * size, input.shape[1])
        or tuple(w_hh.shape) != (gates * size, size)
        or any(tuple(b.shape) != (gates * size,) for b in biases)
    ):
        shapes = ", ".join(str(tuple(t.shape)) for t in (input, *states, w_ih, w_hh, *biases))
        raise RuntimeError(
            f"{op}: expected input (N, in), states (N, H), weight_ih ({gates}*H, in), "
            f"weight_hh ({gates}*H, H) and biases ({gates}*H,), got {shapes}"
        )
    if any(t.dtype != input.dtype for t in (*states, w_ih, w_hh, *biases)):
        dtypes = ", ".join(str(t.dtype) for t in (input, *states, w_ih, w_hh, *biases))
        raise RuntimeError(
            f"{op}: expected input, states, weights and biases of one dtype, got {dtypes} "
            "(convert one with .to(dtype))"
        )
    if gates > 1 and not input.dtype.is_floating_point:  # as PyTorch's (its Elman cells take
        # integers): NumPy would fail in the gates' sigmoid
        raise RuntimeError(f"{op}: expected floating point tensors, got {input.dtype}")


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step, h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), as torch.rnn_tanh_cell."""
    _check_cell("rnn_tanh_cell", input, hx, w_ih, w_hh, 1, b_ih, b_hh)
    return RnnCell.apply(linear(input, w_ih, b_ih), hx, w_hh, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """rnn_tanh_cell with relu, as torch.rnn_relu_cell."""
    _check_cell("rnn_relu_cell", input, hx, w_ih, w_hh, 1, b_ih, b_hh)
    return RnnCell.apply(linear(input, w_ih, b_ih), hx, w_hh, b_hh, "relu")


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step from hx = (h, c): (h', c'), as torch.lstm_cell."""
    _check_cell("lstm_cell", input, hx, w_ih, w_hh, 4, b_ih, b_hh)
    h, c, _ = LstmCell.apply(linear(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh)
    return h, c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: h', as torch.gru_cell."""
    _check_cell("gru_cell", input, hx, w_ih, w_hh, 3, b_ih, b_hh)
    return GruCell.apply(linear(input, w_ih, b_ih), hx, w_hh, b_hh)[0]
