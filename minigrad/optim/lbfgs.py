"""L-BFGS (PyTorch's `torch.optim.LBFGS`): a quasi-Newton method that re-evaluates the loss
through a closure, keeps the last `history_size` steps and gradient changes, and turns the
gradient into a search direction with the two-loop recursion; a fixed step (lr) or a line
search satisfying the strong Wolfe conditions."""

from __future__ import annotations

from minigrad.autograd.grad_mode import enable_grad
from minigrad.optim.optimizer import Optimizer
from minigrad.tensor import Tensor


class LBFGS(Optimizer):
    """`optimizer.step(closure)`: the closure clears the gradients, computes the loss, calls
    backward() and returns the loss; one step runs up to max_iter iterations and max_eval
    closure calls. One parameter group only; all parameters on one device."""

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
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # -- the parameters as one flat vector ---------------------------------------------------
    def _flat_grad(self):
        xp = self._params[0].device.xp
        return xp.concatenate(
            [
                xp.zeros(p.array.size, p.array.dtype) if p._grad is None else p._grad.array.ravel()
                for p in self._params
            ]
        )

    def _add(self, step: float, direction) -> None:
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += step * direction[offset : offset + n].reshape(p.array.shape)
            p._version_counter[0] += 1
            offset += n

    def _evaluate(self, closure) -> tuple:
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    def _evaluate_at(self, closure, t: float, d) -> tuple:
        """Loss and flat gradient at x + t d; the parameters are put back to x after."""
        saved = [p.array.copy() for p in self._params]
        self._add(t, d)
        _, loss, grad = self._evaluate(closure)
        for p, x in zip(self._params, saved):
            p.array[...] = x
            p._version_counter[0] += 1
        return loss, grad

    def step(self, closure):
        if closure is None:
            raise RuntimeError("LBFGS.step() needs a closure that re-evaluates the loss")
        if self._opt_called is False:  # as Optimizer.step: for the lr scheduler's warning
            self._opt_called = True
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        xp = self._params[0].device.xp
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss, grad = self._evaluate(closure)
        evals = 1
        state["func_evals"] += 1
        if float(xp.abs(grad).max()) <= tolerance_grad:
            return orig_loss

        d, t = _array(state.get("d")), state.get("t")
        dirs, steps = _arrays(state.get("old_dirs")), _arrays(state.get("old_stps"))
        ro, h_diag = state.get("ro"), state.get("H_diag")
        prev_grad, prev_loss = _array(state.get("prev_flat_grad")), state.get("prev_loss")
        converged = False
        for n_iter in range(1, max_iter + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, dirs, steps, ro, h_diag = -grad, [], [], [], 1
            else:
                y, s = grad - prev_grad, d * t
                ys = _dot(y, s)
                if ys > 1e-10:  # keep only pairs that keep the Hessian estimate positive
                    if len(dirs) == history_size:
                        del dirs[0], steps[0], ro[0]
                    dirs.append(y)
                    steps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)
                alphas = state.setdefault("al", [None] * history_size)
                d = _two_loop(-grad, dirs, steps, ro, h_diag, alphas)
            prev_grad, prev_loss = grad.copy(), loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / _in_dtype_of(xp.abs(grad).sum(), grad)) * lr
            else:
                t = lr
            gtd = _dot(grad, d)
            if gtd > -tolerance_change:  # not a descent direction
                break
            ls_evals = 0
            if line_search_fn is not None:
                loss, grad, t, ls_evals = _strong_wolfe(
                    lambda t_, d_: self._evaluate_at(closure, t_, d_),
                    t,
                    d,
                    loss,
                    grad,
                    gtd,
                    tolerance_change=tolerance_change,
                    max_ls=max_eval - evals,
                )
                self._add(t, d)
                converged = float(xp.abs(grad).max()) <= tolerance_grad
            else:
                self._add(t, d)
                if n_iter != max_iter:  # the last iteration's loss is the next step's first
                    _, loss, grad = self._evaluate(closure)
                    converged = float(xp.abs(grad).max()) <= tolerance_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if float(xp.abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"], state["t"] = Tensor._make(d), t
        state["old_dirs"] = [Tensor._make(a) for a in dirs]
        state["old_stps"] = [Tensor._make(a) for a in steps]
        state["ro"], state["H_diag"] = ro, h_diag
        state["prev_flat_grad"], state["prev_loss"] = Tensor._make(prev_grad), prev_loss
        return orig_loss


def _in_dtype_of(value, like):
    """A scalar in the dtype of the array `like`, on the host. NOTE: PyTorch's line search and
    two-loop recursion compute with 0-d tensors of the parameters' dtype, so on float32
    parameters their arithmetic (and its comparisons) is float32; NumPy scalars do the same."""
    return like.dtype.type(float(value))


def _dot(a, b):
    return _in_dtype_of(a @ b, a)


def _array(value):
    return None if value is None else value.array


def _arrays(values):
    return None if values is None else [v.array for v in values]


def _two_loop(q, dirs, steps, ro, h_diag, alphas):
    """The L-BFGS two-loop recursion: H q for the inverse-Hessian estimate H built from the
    stored (step, gradient change) pairs, starting from h_diag times the identity. `alphas`
    is scratch space (the state's 'al', as PyTorch keeps it)."""
    for i in range(len(dirs) - 1, -1, -1):
        alphas[i] = _dot(steps[i], q) * ro[i]
        q = q - alphas[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        beta = _dot(dirs[i], r) * ro[i]
        r = r + (alphas[i] - beta) * steps[i]
    return r


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clipped
    to bounds (default: between x1 and x2); their midpoint when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = d2_square**0.5
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d with sufficient decrease (f(t) <= f + c1 t gtd) and a small slope
    (|g(t).d| <= -c2 gtd): first bracket such a step, then shrink the bracket by cubic
    interpolation (the scheme of Nocedal and Wright, Algorithm 3.5, as minFunc does it).
    Returns (loss, gradient, t, closure calls)."""
    d_norm = _in_dtype_of(abs(d).max(), d)
    f_new, g_new = evaluate(t, d)
    evals, ls_iter = 1, 0
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    # bracketing: grow t until the interval [t_prev, t] must hold a point that satisfies both
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket = [t_prev, t]
            values, grads, slopes = [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, values, grads, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket = [t_prev, t]
            values, grads, slopes = [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
            break
        t_prev, t = (
            t,
            _cubic_minimum(
                t_prev,
                f_prev,
                gtd_prev,
                t,
                f_new,
                gtd_new,
                bounds=(t + 0.01 * (t - t_prev), t * 10),
            ),
        )
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = evaluate(t, d)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, values, grads = [0, t], [f, f_new], [g, g_new]
        slopes = [gtd, gtd_new]

    # zoom: shrink the bracket, keeping the lower end at the lowest loss seen
    stalled = False
    low, high = (0, 1) if values[0] <= values[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], values[0], slopes[0], bracket[1], values[1], slopes[1])
        # stay at least a tenth of the bracket away from its ends, unless that stalled before
        top, bottom = max(bracket), min(bracket)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t, d)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= values[low]:
            bracket[high], values[high], grads[high], slopes[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if values[0] <= values[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], values[high] = bracket[low], values[low]
                grads[high], slopes[high] = grads[low], slopes[low]
            bracket[low], values[low], grads[low], slopes[low] = t, f_new, g_new, gtd_new
    return values[low], grads[low], bracket[low], evals
