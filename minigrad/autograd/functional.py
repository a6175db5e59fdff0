"""Derivatives of whole functions (PyTorch's `torch.autograd.functional`): `jacobian`,
`hessian`, and the products `vjp` (v^T J), `jvp` (J v), `vhp` (v^T H) and `hvp` (H v).

`func` takes the inputs (one Tensor or a tuple of them) and returns one Tensor or a tuple.
Results follow the shapes of the arguments: a Jacobian block has shape
`output.shape + input.shape`, nested as tuple[output][input] when both are tuples.

Everything is built on reverse mode (`autograd.grad`). `jvp` and `hvp` use the double-backward
trick: the gradient with respect to a dummy `u` of (J^T u) . v is J v, so they cost two
backward passes. `vectorize=True` gives the same results by the same loop (minigrad has no
vmap); the forward-mode strategies build the Jacobian a column at a time from such products.
"""

from __future__ import annotations

from minigrad.autograd.engine import grad
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from minigrad.creation import zeros_like
from minigrad.ops.shape import stack
from minigrad.tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass. v may be left
    out when func returns a single one-element Tensor."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(
            func(*inputs), "outputs of the user-provided function", "vjp"
        )
        _check_requires_grad(outputs, "outputs", strict)
        if v is None:
            _v_may_be_none(outputs, "user-provided function returns")
        else:
            v = _prepare(_as_tuple(v, "v", "vjp")[1], create_graph, need_graph=False)
            _check_v(v, outputs, outputs_tuple)
    with set_grad_enabled(bool(create_graph) or is_grad_enabled()):
        result = _grads(outputs, inputs, v, create_graph)
        result = _zeros_for_none(result, inputs, strict, create_graph, "back")
    return (
        _unpack(_finish(outputs, create_graph), outputs_tuple),
        _unpack(_finish(result, create_graph), inputs_tuple),
    )


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-backward trick. v may
    be left out when the input is a single one-element Tensor."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is None:
            _v_may_be_none(inputs, "input to the user-provided function is")
        else:
            v = _prepare(_as_tuple(v, "v", "jvp")[1], create_graph, need_graph=False)
            _check_v(v, inputs, inputs_tuple)
        outputs_tuple, outputs = _as_tuple(
            func(*inputs), "outputs of the user-provided function", "jvp"
        )
        _check_requires_grad(outputs, "outputs", strict)
        dummies = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        transposed = _grads(outputs, inputs, dummies, create_graph=True)  # J^T u, linear in u
        _check_requires_grad(transposed, "grad_inputs", strict)
    with set_grad_enabled(bool(create_graph) or is_grad_enabled()):
        result = _grads(transposed, dummies, v, create_graph)
        result = _zeros_for_none(result, outputs, strict, create_graph, "back_trick")
    return (
        _unpack(_finish(outputs, create_graph), outputs_tuple),
        _unpack(_finish(result, create_graph), outputs_tuple),
    )


def jacobian(
    func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"
):
    """The Jacobian of func at inputs, one backward pass per output element: a Tensor of
    shape output.shape + input.shape, or tuples of them as the inputs and outputs are.
    strategy="forward-mode" builds it a column (an input element) at a time instead."""
    _check_strategy(strategy)
    if strategy == "forward-mode":
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only "
                "implemented for `vectorize=True`."
            )
        if create_graph:
            raise NotImplementedError(
                "minigrad.autograd.functional.jacobian: `create_graph=True` and `strategy="
                '"forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.'
            )
        return _jacobian_by_columns(func, inputs, strict)
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(
            func(*inputs), "outputs of the user-provided function", "jacobian"
        )
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError(
                "minigrad.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                "not supported together. Please either set `strict=False` or `vectorize=False`."
            )
        blocks = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]  # d out.flatten()[k] / d input, for each k
            flat = out.reshape(-1)
            for k in range(out.nelement()):
                row = _grads((flat[k],), inputs, None, create_graph, retain_graph=True)
                for j, (g, inp) in enumerate(zip(row, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {j}. This is not allowed in strict mode."
                            )
                        g = zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            "The jacobian of the user-provided function is independent of "
                            f"input {i}. This is not allowed in strict mode when "
                            "create_graph=True."
                        )
                    rows[j].append(g)
            blocks.append(
                tuple(
                    _stack(r, inp).reshape(tuple(out.shape) + tuple(inp.shape))
                    for r, inp in zip(rows, inputs)
                )
            )
        blocks = tuple(_finish(b, create_graph) for b in blocks)
        return _unpack(blocks, outputs_tuple, inputs_tuple)


def _jacobian_by_columns(func, inputs, strict):
    """strategy="forward-mode": a Jacobian-vector product per input element, each a column of
    the Jacobian, by jvp's double-backward trick (minigrad has no forward-mode rules)."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    columns = [[] for _ in inputs]  # columns[j][k]: the outputs' tangents for input j, elem k
    outputs_tuple, outputs = None, None
    for j, inp in enumerate(inputs):
        for k in range(inp.nelement()):
            v = [zeros_like(x) for x in inputs]
            v[j].view(-1)[k] = 1
            outs, tangents = jvp(func, inputs, tuple(v), strict=strict)
            outputs_tuple = isinstance(outs, tuple)
            outputs = outs if outputs_tuple else (outs,)
            columns[j].append(tangents if outputs_tuple else (tangents,))
    if outputs is None:  # no input has an element: the function still says what it returns
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                           "function", "jacobian")  # fmt: skip
    blocks = tuple(
        tuple(
            (stack([col[i] for col in columns[j]], -1) if columns[j] else
             zeros_like(out).reshape(*out.shape, 0)).reshape(tuple(out.shape) + tuple(inp.shape))
            for j, inp in enumerate(inputs)
        )
        for i, out in enumerate(outputs)
    )  # fmt: skip
    return _unpack(blocks, outputs_tuple, inputs_tuple)


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
):
    """The Hessian of a function with a one-element output: the Jacobian of its gradient,
    shape input.shape + input.shape (tuple[i][j] blocks for tuple inputs)."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    _check_strategy(outer_jacobian_strategy)

    def scalar_func(*xs):
        out = func(*xs)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single "
                "element"
            )
        return out.squeeze()

    def gradient(*xs):
        g = jacobian(scalar_func, xs, create_graph=True)
        _check_requires_grad(g, "jacobian", strict)
        return g

    result = jacobian(gradient, inputs, create_graph, strict, vectorize, outer_jacobian_strategy)
    return _unpack(result, inputs_tuple, inputs_tuple)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function with a one-element output: two backward passes."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function with a one-element output, by the double-backward
    trick (the same numbers as vhp for a twice continuously differentiable function, whose
    Hessian is symmetric)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is None:
            _v_may_be_none(inputs, "input to the user-provided function is")
        else:
            v = _prepare(_as_tuple(v, "v", name)[1], create_graph, need_graph=False)
            _check_v(v, inputs, inputs_tuple)
        out = func(*inputs)
        out_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", name)
        _check_requires_grad(outputs, "outputs", strict)
        if out_tuple:
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError(
                f"The Tensor returned by the function given to {name} should contain a single "
                "element"
            )
        gradient = _grads(outputs, inputs, None, create_graph=True)
        _check_requires_grad(gradient, "jacobian", strict)
        if name == "hvp":  # H^T u as a function of a dummy u; its gradient in u along v is H v
            dummies = tuple(zeros_like(x, requires_grad=True) for x in inputs)
            first = _grads(gradient, inputs, dummies, create_graph=True)
            _check_requires_grad(first, "hessian", strict)
            second_of, wrt, stage = first, dummies, "double_back_trick"
        else:
            second_of, wrt, stage = gradient, inputs, "double_back"
    with set_grad_enabled(bool(create_graph) or is_grad_enabled()):
        result = _grads(second_of, wrt, v, create_graph)
        result = _zeros_for_none(result, inputs, strict, create_graph, stage)
    return (
        _unpack(_finish(outputs, create_graph), False),
        _unpack(_finish(result, create_graph), inputs_tuple),
    )


# -- helpers ---------------------------------------------------------------------------------
def _as_tuple(value, arg_name: str, fn_name: str) -> tuple:
    """(was it a tuple, the Tensors as a tuple); TypeError for anything but Tensors."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, el in enumerate(values):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but the {where} has type {type(el)}."
            )
    return is_tuple, values


def _unpack(result, outer_tuple: bool, inner_tuple: bool | None = None):
    """Undo _as_tuple on a result: one level, or two (outputs x inputs) for Jacobians."""
    if inner_tuple is not None and not inner_tuple:
        result = tuple(el[0] for el in result)
    return result if outer_tuple else result[0]


def _prepare(tensors, create_graph: bool, need_graph: bool) -> tuple:
    """Inputs the function may differentiate: cut from the caller's graph, unless create_graph
    asks for results that are differentiable back to the caller's tensors (then a view)."""
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
        for t in tensors
    )


def _finish(tensors, create_graph: bool) -> tuple:
    if create_graph:
        return tuple(tensors)
    return tuple(t.detach() if isinstance(t, Tensor) else _finish(t, False) for t in tensors)


def _stack(rows: list, like: Tensor) -> Tensor:
    return stack(rows, 0) if rows else zeros_like(like).reshape(0, *like.shape)


def _grads(outputs, inputs, grad_outputs, create_graph, retain_graph=None) -> tuple:
    """autograd.grad over the outputs that require grad (None for inputs they do not reach)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    return grad(
        list(outs),
        list(inputs),
        list(gouts),
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


def _v_may_be_none(tensors, who: str) -> None:
    if len(tensors) != 1 or tensors[0].nelement() != 1:
        raise RuntimeError(
            f"The vector v can only be None if the {who} a single Tensor with a single element."
        )


def _check_v(v, other, other_is_tuple: bool) -> None:
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            where = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(
                f"{where}v has invalid size: should be {b.size()} but got {a.size()}."
            )


def _check_strategy(strategy: str) -> None:
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')


_NOT_REQUIRING_GRAD = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs "
    "must be computed in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
    "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
    "function with respect to input {i} is independent of the input. This is not allowed in "
    "strict mode. You should ensure that your function is twice differentiable and that the "
    "jacobian depends on the inputs (this would be violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
    "independent of the input. This is not allowed in strict mode. You should ensure that your "
    "function is thrice differentiable and that the hessian depends on the inputs.",
}


def _check_requires_grad(tensors, kind: str, strict: bool) -> None:
    """strict mode: every tensor must exist and depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode."
            )
        if not t.requires_grad:
            raise RuntimeError(_NOT_REQUIRING_GRAD[kind].format(i=i))


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
    "grad_outputs when using the double backward trick to compute forward mode gradients. This "
    "is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
    "in the grad_jacobian. This is not allowed in strict mode as it prevents from using the "
    "double backward trick to replace forward mode AD.",
}


def _zeros_for_none(grads, refs, strict: bool, create_graph: bool, stage: str) -> tuple:
    """Zeros where an input did not reach the output (an error in strict mode)."""
    result = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode when create_graph=True."
            )
        result.append(g)
    return tuple(result)
