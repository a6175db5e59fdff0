"""`gradcheck`: compare backward with central differences, and blame the op that is wrong.

# NOTE: float64 throughout. With eps = 1e-6, a float32 difference f(x+eps) - f(x-eps) keeps
# only a digit or two (float32 resolves about 7 significant digits), so a correct backward
# would fail. The upstream gradient is random, not ones: a backward that sums where it should
# weight (a classic bug) passes with ones but not with random weights.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import engine
from minigrad.autograd.grad_mode import state
from minigrad.tensor import Tensor
from minigrad.testing.close import close_mask, to_numpy


class GradcheckError(RuntimeError):
    """Raised by gradcheck when backward disagrees with the numerical derivative."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable(outputs) -> list:
    return [o for o in outputs if isinstance(o, Tensor) and o.requires_grad]


def _to_float64(inputs) -> tuple:
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x.array.dtype.kind == "f":
            x = Tensor._make(x.array.astype(np.float64)).requires_grad_()
        out.append(x)
    return tuple(out)


def _weighted_sum(outputs, weights) -> float:
    total = 0.0
    for i, (o, w) in enumerate(zip(outputs, weights)):
        total += (_values(o, f"output {i}") * w).sum()
    return float(total)


def _values(t, what: str) -> np.ndarray:
    """A float64 NumPy copy of a tensor that func or backward returned (exact types only: the
    function under test may be a student's, returning an object that lies about its values)."""
    return to_numpy(t, f"gradcheck: {what}").astype(np.float64)


def _jacobian_vector(func, inputs, wrt, weights, eps):
    """Numerical d(sum(w * f)) / d(input) for each input in wrt, by central differences."""
    # NOTE: recording stays on: func may itself take gradients (see gradgradcheck)
    grads = []
    for i in wrt:
        array = inputs[i].array
        g = np.zeros(array.shape, dtype=np.float64)
        flat = array.reshape(-1)  # a view: changing it changes the input
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = _weighted_sum(_differentiable_like(func(*inputs)), weights)
            flat[j] = orig - eps
            minus = _weighted_sum(_differentiable_like(func(*inputs)), weights)
            flat[j] = orig
            g.reshape(-1)[j] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def _differentiable_like(outputs):
    return [o for o in _as_tuple(outputs) if isinstance(o, Tensor) and o.array.dtype.kind == "f"]


def _changed_inputs(inputs, before: dict, who: str) -> str | None:
    """A description of the first input that `who` changed in place, or None.

    # NOTE: a forward or backward that overwrites its inputs (with zeros, say) makes the
    # numerical derivative, computed afterwards from those inputs, agree with a wrong gradient.
    """
    for i, old in before.items():
        now = _values(inputs[i], f"input {i}")
        same = (now == old) | ((now != now) & (old != old))
        if now.shape != old.shape or not same.all():
            return f"{who} changed input {i} in place; it must leave its inputs as they were"
    return None


def _compare(func, inputs, eps, atol, rtol, seed):
    """None if backward matches central differences, else a description of the mismatch."""
    __tracebackhide__ = True  # as the engine's frames (minigrad.autograd.engine.backward)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad; pass tensors with requires_grad=True")
    before = {i: _values(inputs[i], f"input {i}") for i in wrt}
    outputs = _differentiable(_as_tuple(func(*inputs)))
    if not outputs:
        raise GradcheckError("gradcheck: no output requires grad, so there is nothing to check")
    changed = _changed_inputs(inputs, before, "the function")
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.array.shape) for o in outputs]
    upstream = [
        Tensor._make(o._device.xp.asarray(w.astype(o.array.dtype)))
        for o, w in zip(outputs, weights)
    ]
    analytical = engine.grad(outputs, [inputs[i] for i in wrt], upstream, allow_unused=True)
    changed = changed or _changed_inputs(inputs, before, "backward")
    if changed:
        return changed
    numerical = _jacobian_vector(func, inputs, wrt, [w for w in weights], eps)
    for i, a, n in zip(wrt, analytical, numerical):
        a = np.zeros_like(n) if a is None else _values(a, f"the gradient of input {i}")
        if a.shape != n.shape:
            return f"input {i}: the gradient has shape {a.shape}, the input has {n.shape}"
        close = close_mask(a, n, rtol, atol)
        if not close.all():
            worst = np.unravel_index(np.argmax(np.abs(a - n) * ~close), a.shape)
            return (
                f"input {i} (shape {tuple(n.shape)}): backward gives {a[worst]:.6g} but the "
                f"numerical derivative is {n[worst]:.6g} at index {tuple(int(k) for k in worst)} "
                f"({int((~close).sum())} of {close.size} elements differ)"
            )
    return None


def _blame(func, inputs, eps, atol, rtol, seed) -> str:
    """Re-run func, recording each op, and check each op on its own: name the first bad one."""
    tape: list = []
    state.tape = tape
    try:
        func(*inputs)
    finally:
        state.tape = None
    for cls, args in tape:
        local = _to_float64(
            Tensor._make(a.array.copy()).requires_grad_(a.requires_grad)
            if isinstance(a, Tensor)
            else a
            for a in args
        )
        try:
            problem = _compare(lambda *xs, c=cls: c.apply(*xs), local, eps, atol, rtol, seed)
        except (GradcheckError, ValueError):
            continue
        except Exception as exc:  # a backward that crashes is the one to blame too
            problem = f"backward raised {type(exc).__name__}: {exc}"
        if problem:
            shapes = ", ".join(
                str(tuple(a.shape)) if isinstance(a, Tensor) else repr(a) for a in args
            )
            return (
                f"The first op whose gradient is wrong is {cls.__name__} (inputs: {shapes}): "
                f"{problem}"
            )
    return (
        "Every op passes its own check, so the mistake is in how the ops are combined "
        "(or a value was computed outside minigrad, e.g. with NumPy, and lost its gradient)."
    )


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked=None,
    seed: int = 0,
) -> bool:
    """Check `func`'s backward against central differences, in float64.

    Inputs that require grad are copied to float64. For each, the gradient of
    sum(w * func(inputs)) with a random w is computed by backward and numerically. On a
    mismatch, raises GradcheckError (or returns False) with a message that names the first op
    whose own backward is wrong and its input shapes.

    PyTorch's keywords are accepted: `fast_mode=True` still runs the full check (a stricter
    one), `nondet_tol`, `check_undefined_grad`, `check_grad_dtypes` and `masked` change
    nothing here (minigrad does not run those extra checks), and the checks that need
    forward-mode AD or vmap raise NotImplementedError.

        >>> x = minigrad.randn(3, 4, dtype=minigrad.float64, requires_grad=True)
        >>> gradcheck(lambda x: (x * x).sum(1), (x,))
        True
    """
    _refuse(
        "gradcheck",
        check_batched_grad=check_batched_grad,
        check_batched_forward_grad=check_batched_forward_grad,
        check_forward_ad=check_forward_ad,
        check_backward_ad=not check_backward_ad,
    )
    inputs = _to_float64(_as_tuple(inputs))
    problem = _compare(func, inputs, eps, atol, rtol, seed)
    if problem is None:
        return True
    message = f"gradcheck failed: {problem}.\n{_blame(func, inputs, eps, atol, rtol, seed)}"
    if raise_exception:
        raise GradcheckError(message)
    return False


def _refuse(name: str, **flags) -> None:
    """NotImplementedError naming the first PyTorch check asked for that minigrad lacks."""
    for flag, asked in flags.items():
        if asked:
            wanted = "False" if flag == "check_backward_ad" else "True"
            raise NotImplementedError(
                f"{name}: {flag}={wanted} is not supported by minigrad (it has neither "
                "forward-mode AD nor vmap); only the reverse-mode check runs"
            )


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of the (create_graph) gradient of func, taken with
    the upstream gradients grad_outputs (random ones when None). PyTorch's other keywords as
    in gradcheck."""
    _refuse(
        "gradgradcheck",
        check_batched_grad=check_batched_grad,
        check_fwd_over_rev=check_fwd_over_rev,
        check_backward_ad=not check_rev_over_rev,
    )
    inputs = _to_float64(_as_tuple(inputs))
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    rng = np.random.default_rng(seed + 1)
    weights: list = []
    if grad_outputs is not None:
        weights.extend(_values(g, "grad_outputs") for g in _as_tuple(grad_outputs))

    def first_grads(*xs):
        outputs = _differentiable(_as_tuple(func(*xs)))
        if not weights:
            weights.extend(rng.standard_normal(o.array.shape) for o in outputs)
        upstream = [Tensor._make(o._device.xp.asarray(w)) for o, w in zip(outputs, weights)]
        grads = engine.grad(
            outputs, [xs[i] for i in wrt], upstream, create_graph=True, allow_unused=True
        )
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(
        first_grads,
        inputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        seed=seed,
    )
