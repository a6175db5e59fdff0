"""L-BFGS: quasi-Newton steps from the last `history_size` gradient differences (the two-loop
recursion), as PyTorch's LBFGS, for full-batch problems such as neural style transfer.

`step(closure)` runs up to `max_iter` iterations, each calling the closure once. All
parameters are one flat vector; the arithmetic stays in their dtype (float32 scalars too), in
PyTorch's order, so that a run follows PyTorch's numbers.
"""

from __future__ import annotations

from minigrad.autograd.grad_mode import enable_grad
from minigrad.optim.optimizer import Optimizer
from minigrad.tensor import Tensor


class LBFGS(Optimizer):
    """Fixed-step L-BFGS (step lr, the first one scaled by 1 / |g|_1 when that is below 1);
    stops at max_iter, max_eval closure calls, max|g| <= tolerance_grad, or a change in the
    parameters or the loss below tolerance_change."""

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if line_search_fn is not None:
            raise NotImplementedError(
                f"LBFGS: line_search_fn={line_search_fn!r} is not supported by minigrad (only "
                "the fixed step, line_search_fn=None)"
            )
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_iter * 5 // 4 if max_eval is None else max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        xp, parts = self._params[0].device.xp, []
        for p in self._params:
            g = p._grad
            parts.append(xp.zeros(p.array.size, p.array.dtype) if g is None else g.array.ravel())
        return xp.concatenate(parts)

    def _add_to_params(self, step, direction) -> None:
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += step * direction[offset : offset + n].reshape(p.array.shape)
            p._version_counter[0] += 1
            offset += n

    def step(self, closure):
        """Up to max_iter L-BFGS iterations; `closure()` clears the gradients, computes the
        loss, calls backward and returns the loss. Returns the first loss."""
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], {"func_evals": 0, "n_iter": 0})
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        xp, real = self._params[0].device.xp, flat_grad.dtype.type  # real: float32 scalars
        if float(abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss
        d, t = _array(state.get("d")), state.get("t")
        old_dirs = [_array(v) for v in state.get("old_dirs", [])]
        old_stps = [_array(v) for v in state.get("old_stps", [])]
        ro, h_diag = state.get("ro", []), state.get("H_diag")
        prev_flat_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], real(1)
            else:
                d, h_diag = self._direction(
                    flat_grad, prev_flat_grad, d, t, old_dirs, old_stps, ro, h_diag
                )
            prev_flat_grad, prev_loss = flat_grad.copy(), loss
            if state["n_iter"] == 1:
                t = real(min(real(1) / real(float(abs(flat_grad).sum())), 1.0)) * real(lr)
            else:
                t = real(lr)
            if float(xp.dot(flat_grad, d)) > -tolerance_change:  # not a descent direction
                break
            self._add_to_params(t, d)
            opt_cond = False
            if n_iter != max_iter:
                with enable_grad():
                    loss = float(closure())
                flat_grad = self._flat_grad()
                opt_cond = float(abs(flat_grad).max()) <= tolerance_grad
                current_evals += 1
                state["func_evals"] += 1
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break
        state.update(
            d=Tensor._make(d),
            t=t,
            old_dirs=[Tensor._make(v) for v in old_dirs],
            old_stps=[Tensor._make(v) for v in old_stps],
            ro=ro,
            H_diag=h_diag,
            prev_flat_grad=Tensor._make(prev_flat_grad),
            prev_loss=prev_loss,
        )
        return orig_loss

    def _direction(self, flat_grad, prev_flat_grad, d, t, old_dirs, old_stps, ro, h_diag):
        """The two-loop recursion: (-H g, H's diagonal scale), H the L-BFGS inverse Hessian
        after adding the last pair (s, y) = (t d, g - g_prev) when its curvature y.s > 0."""
        xp, real = self._params[0].device.xp, flat_grad.dtype.type

        def dot(a, b):  # a host scalar of the parameters' dtype (a GPU array is copied out)
            return real(float(xp.dot(a, b)))

        y, s = flat_grad - prev_flat_grad, d * t
        ys = dot(y, s)
        if ys > 1e-10:
            if len(old_dirs) == self.param_groups[0]["history_size"]:
                old_dirs.pop(0)
                old_stps.pop(0)
                ro.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(real(1) / ys)
            h_diag = ys / dot(y, y)
        al = [None] * len(old_dirs)
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = dot(old_stps[i], q) * ro[i]
            q = q - al[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = dot(old_dirs[i], r) * ro[i]
            r = r + (al[i] - be_i) * old_stps[i]
        return r, h_diag


def _array(value):
    return value.array if isinstance(value, Tensor) else value
