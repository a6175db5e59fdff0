"""Function transforms (PyTorch's `torch.func`): call a module with other weights, and turn a
function into the function that computes its gradient, Jacobian or per-sample values.

- `functional_call(model, params, args)`: model(*args) with the tensors of `params` in place of
  its parameters and buffers (by their dotted names), restored afterwards.
- `grad`, `grad_and_value`, `vjp`, `jacrev`, `hessian`: reverse-mode AD as functions, built on
  `autograd.grad`; they nest (grad(grad(f))) and work on dicts, lists and tuples of tensors.
- `vmap(f)`: f over a batch dimension. NOTE: minigrad runs f once per sample and stacks the
  results (PyTorch batches the ops themselves): the same numbers, not the batched speed.
  randomness="error" (the default) refuses random draws, "same" restores the generator's
  state before each sample, "different" lets every sample draw anew.
- `jvp`, `linearize` and `jacfwd` are forward mode in PyTorch; minigrad has no forward-mode
  AD and computes the same numbers in reverse mode (the double-backward trick; jacfwd is
  jacrev).
"""

from __future__ import annotations

import contextlib
import threading
import weakref

from minigrad import random
from minigrad.autograd import engine, function
from minigrad.autograd.grad_mode import enable_grad, state
from minigrad.ops.shape import stack
from minigrad.tensor import Tensor

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "stack_module_state",
    "vjp",
    "vmap",
]


# -- pytrees: tensors in (nested) tuples, lists and dicts -------------------------------------
def _flatten(tree) -> tuple[list, object]:
    """The leaves of tree in order, and a spec that _unflatten rebuilds the tree from."""
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = _flatten(item)
            leaves += item_leaves
            specs.append((len(item_leaves), spec))
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, spec = _flatten(list(tree.values()))
        return leaves, (dict, list(tree.keys()), spec)
    return [tree], None


def _unflatten(leaves, spec):
    if spec is None:
        return leaves[0]
    if spec[0] is dict:
        return dict(zip(spec[1], _unflatten(leaves, spec[2])))
    kind, specs = spec
    items, start = [], 0
    for count, item_spec in specs:
        items.append(_unflatten(leaves[start : start + count], item_spec))
        start += count
    return kind(items)


# -- functional_call ----------------------------------------------------------------------------
def functional_call(
    module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False
):
    """module(*args, **kwargs) with the tensors of parameter_and_buffer_dicts (a dict of dotted
    names, or several) in place of its parameters and buffers; gradients flow to those tensors.
    Tied weights given under one name are replaced under all (tie_weights); strict=True
    requires every parameter and buffer and nothing else."""
    dicts = (
        [parameter_and_buffer_dicts]
        if isinstance(parameter_and_buffer_dicts, dict)
        else list(parameter_and_buffer_dicts)
    )
    replacements: dict = {}
    for d in dicts:
        repeated = [k for k in d if k in replacements]
        if repeated:
            raise ValueError(
                f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                "ambiguous"
            )
        replacements.update(d)
    owned = dict(module.named_parameters(remove_duplicate=False))
    owned.update(module.named_buffers(remove_duplicate=False))
    if tie_weights:
        replacements = _tied(owned, replacements)
    if strict:
        _check_keys(module, owned, replacements)
    args = args if isinstance(args, tuple) else (() if args is None else (args,))
    with _swapped(module, replacements):
        return module(*args, **(kwargs or {}))


def _tied(owned: dict, replacements: dict) -> dict:
    """replacements plus every other name of a tied tensor given under one of its names."""
    names_of: dict = {}
    for name, t in owned.items():
        names_of.setdefault(id(t), []).append(name)
    result = dict(replacements)
    for name, value in replacements.items():
        if name not in owned:
            continue
        for other in names_of[id(owned[name])]:
            if other in replacements and replacements[other] is not value:
                raise ValueError(
                    f"functional_call got multiple values for keys {sorted([name, other])}, "
                    "which are tied. Consider using tie_weights=False"
                )
            result[other] = value
    return result


def _check_keys(module, owned: dict, replacements: dict) -> None:
    unexpected = [k for k in replacements if k not in owned]
    missing = [k for k in owned if k not in replacements]
    problems = []
    if unexpected:
        problems.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        problems.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if problems:
        raise RuntimeError(
            f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(problems)
        )


@contextlib.contextmanager
def _swapped(module, replacements: dict):
    """Put each tensor in its submodule's registry (or as an attribute), then restore."""
    originals = []
    try:
        for name, value in replacements.items():
            owner_path, _, attr = name.rpartition(".")
            owner = module.get_submodule(owner_path)
            originals.append((owner, attr, _put(owner, attr, value)))
        yield
    finally:
        for owner, attr, (registry, old) in reversed(originals):
            if registry is None:
                object.__delattr__(owner, attr)
            elif registry == "attribute":
                object.__setattr__(owner, attr, old)
            else:
                getattr(owner, registry)[attr] = old


def _put(owner, attr: str, value):
    """Store value under attr of owner; return where it went and what it replaced."""
    for registry in ("_parameters", "_buffers"):
        found = getattr(owner, registry)
        if attr in found:
            old, found[attr] = found[attr], value
            return registry, old
    if attr in owner.__dict__:
        old = owner.__dict__[attr]
        object.__setattr__(owner, attr, value)
        return "attribute", old
    object.__setattr__(owner, attr, value)
    return None, None


def stack_module_state(models) -> tuple[dict, dict]:
    """The parameters and buffers of same-shaped models stacked along a new first dim (one
    entry per model), for vmap over functional_call (model ensembling)."""
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) > 1:
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode."
        )
    if len({type(m) for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = {
        name: stack([dict(m.named_parameters())[name].detach() for m in models]).requires_grad_()
        for name, _ in models[0].named_parameters()
    }
    buffers = {
        name: stack([dict(m.named_buffers())[name] for m in models])
        for name, _ in models[0].named_buffers()
    }
    return params, buffers


# -- reverse-mode transforms ------------------------------------------------------------------
_depth = 0  # how many transforms are running: only the outermost detaches its results


@contextlib.contextmanager
def _transform():
    global _depth
    _depth += 1
    try:
        with enable_grad():
            yield
    finally:
        _depth -= 1


def _wrt(args: tuple, argnums, op: str) -> tuple[list, list, bool]:
    """Differentiable stand-ins for the leaves of args[argnums]: the new args, the stand-ins,
    and whether a leaf already required grad (then the results keep their graph)."""
    numbers = _numbers(argnums)
    if not numbers:
        raise RuntimeError(f"{op}: argnums must be non-empty")
    args = [*args]
    stand_ins, required = [], False
    for n in numbers:
        if not -len(args) <= n < len(args):
            raise RuntimeError(
                f"{op}: Got argnums={n}, but only {len(args)} positional inputs were given"
            )
        leaves, spec = _flatten(args[n])
        for leaf in leaves:
            if not isinstance(leaf, Tensor) or not leaf.is_floating_point():
                raise RuntimeError(
                    f"{op}: the inputs to differentiate (argnums={argnums}) must be floating "
                    f"point Tensors, got {type(leaf).__name__}"
                )
        # NOTE: a view keeps an outer transform's graph (grad(grad(f))); a fresh leaf else
        fresh = [x.view_as(x) if x.requires_grad else x.detach().requires_grad_() for x in leaves]
        required = required or any(x.requires_grad for x in leaves)
        stand_ins.append(fresh)
        args[n] = _unflatten(fresh, spec)
    return args, stand_ins, required


def _split_by(values: list, stand_ins: list) -> list:
    """values (one per stand-in, in order) split into one list per differentiated argument."""
    parts, start = [], 0
    for fresh in stand_ins:
        parts.append(values[start : start + len(fresh)])
        start += len(fresh)
    return parts


def _as_arguments(values: list, stand_ins: list, args, argnums):
    """values shaped as the differentiated arguments: one, or a tuple for tuple argnums."""
    parts = [
        _unflatten(part, _flatten(args[n])[1])
        for part, n in zip(_split_by(values, stand_ins), _numbers(argnums))
    ]
    return parts[0] if isinstance(argnums, int) else tuple(parts)


def _finish(t, keep_graph: bool):
    return t if keep_graph or t is None else t.detach()


def _finish_aux(aux, keep_graph: bool):
    """The aux value as a transform returns it: its tensors detached unless the graph is kept,
    as PyTorch unwraps them (print shows no grad_fn); PyTorch's error for any other leaf."""
    leaves, spec = _flatten(aux)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")
    return _unflatten([_finish(t, keep_graph) for t in leaves], spec)


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (the gradient of func with respect to args[argnums], func's value);
    func returns a one-element tensor (and an aux value if has_aux)."""

    def wrapper(*args, **kwargs):
        outer = _depth > 0
        with _transform():
            new_args, stand_ins, required = _wrt(args, argnums, "grad_and_value(f)(*args)")
            keep = outer or required
            output = func(*new_args, **kwargs)
            output, aux = _split_aux(output, has_aux, "grad_and_value(f)(*args)")
            if not isinstance(output, Tensor) or output.numel() != 1:
                got = (
                    f"tensor with {output.ndim} dims"
                    if isinstance(output, Tensor)
                    else type(output).__name__
                )
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                    f"{got}. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            flat = [x for fresh in stand_ins for x in fresh]
            grads = engine.grad(
                output, flat, create_graph=True, allow_unused=True, materialize_grads=True
            )
        result = _as_arguments([_finish(g, keep) for g in grads], stand_ins, args, argnums)
        value = _finish(output, keep)
        if has_aux:
            return result, (value, _finish_aux(aux, keep))
        return result, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func (a one-element tensor) with respect to
    args[argnums]: the same structure as those arguments; with has_aux, (gradient, aux)."""
    transformed = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        gradient, value = transformed(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def _numbers(argnums) -> tuple:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _split_aux(output, has_aux: bool, op: str):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(
            f"{op}: output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    return output


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn): vjp_fn(cotangents) gives the vector-Jacobian products with
    respect to every primal, as a tuple; with has_aux, (output, vjp_fn, aux)."""
    outer = _depth > 0
    with _transform():
        new_args, stand_ins, required = _wrt(
            primals, tuple(range(len(primals))), "vjp(f, *primals)"
        )
        keep = outer or required
        output = func(*new_args)
    output, aux = _split_aux(output, has_aux, "vjp(f, *primals)")
    outputs, out_spec = _flatten(output)

    def vjp_fn(cotangents):
        cotangent_leaves, spec = _flatten(cotangents)
        if len(cotangent_leaves) != len(outputs):
            raise RuntimeError(
                f"Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {spec}, primal output: {out_spec}"
            )
        with _transform():
            flat = [x for fresh in stand_ins for x in fresh]
            grads = engine.grad(
                outputs, flat, cotangent_leaves, retain_graph=True, create_graph=True,
                allow_unused=True, materialize_grads=True,
            )  # fmt: skip
        everything = tuple(range(len(primals)))
        return _as_arguments([_finish(g, keep) for g in grads], stand_ins, primals, everything)

    result = _unflatten([_finish(o, keep) for o in outputs], out_spec)
    return (result, vjp_fn, _finish_aux(aux, keep)) if has_aux else (result, vjp_fn)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """A function returning the Jacobian of func with respect to args[argnums], by reverse mode
    (one backward pass per output element): shape output.shape + input.shape."""

    def wrapper(*args, **kwargs):
        outer = _depth > 0
        with _transform():
            new_args, stand_ins, required = _wrt(args, argnums, "jacrev(f)(*args)")
            keep = outer or required
            output = func(*new_args, **kwargs)
            output, aux = _split_aux(output, has_aux, "jacrev(f)(*args)")
            if not isinstance(output, Tensor):
                raise NotImplementedError(
                    "jacrev: minigrad differentiates a function returning one Tensor, got "
                    f"{type(output).__name__}"
                )
            flat = [x for fresh in stand_ins for x in fresh]
            rows = [
                engine.grad(
                    element,
                    flat,
                    retain_graph=True,
                    create_graph=True,
                    allow_unused=True,
                    materialize_grads=True,
                )  # fmt: skip
                for element in output.reshape(-1).unbind(0)
            ]
        blocks = [
            _finish(
                stack([row[k] for row in rows]).reshape(*output.shape, *x.shape)
                if rows
                else x.new_zeros(*output.shape, *x.shape),
                keep,
            )
            for k, x in enumerate(flat)
        ]
        result = _as_arguments(blocks, stand_ins, args, argnums)
        return (result, _finish_aux(aux, keep)) if has_aux else result

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of func (a one-element output) with respect to args[argnums]: the Jacobian
    of its gradient (PyTorch: jacfwd(jacrev(f)); jacfwd is reverse mode here)."""
    return jacfwd(jacrev(func, argnums), argnums)


# -- vmap ---------------------------------------------------------------------------------------
def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func mapped over a dimension of its inputs (in_dims: an int, None for an unmapped
    argument, or one per argument, nested as the argument) and stacked along out_dims."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
            f"{randomness}"
        )

    def wrapper(*args, **kwargs):
        leaves, spec = _flatten(args)
        dims = _broadcast_dims(in_dims, args)
        sizes = {
            leaf.shape[d]
            for leaf, d in zip(leaves, dims)
            if d is not None and isinstance(leaf, Tensor)
        }
        if not sizes:
            raise ValueError(
                f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input must "
                "be a Tensor mapped over a dimension (in_dims is not None)"
            )
        if len(sizes) > 1:
            raise ValueError(
                f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Expected all tensors to "
                f"have the same size in the mapped dimension, got sizes {sorted(sizes)} for the "
                "mapped dimension"
            )
        results = []
        start = random.default_generator_states()
        for i in range(sizes.pop()):
            sample = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
            if randomness == "same":  # every sample draws what the first one drew
                random.restore_states(start)
            with _randomness(randomness), _Mapped.entered() as mapped:
                for x, d in zip(sample, dims):
                    if d is not None:
                        mapped.mark(x)
                results.append(func(*_unflatten(sample, spec), **kwargs))
        return _stack_results(results, out_dims, func)

    return wrapper


_running_lock = threading.Lock()


class _Mapped:
    """The tensors that hold one sample's values inside vmap: the mapped inputs and what ops
    compute from them. PyTorch's are batched tensors, which refuse to be read as Python
    values (`.item()`, `bool(x)`, `.tolist()`): these refuse it too, while the tensors that
    do not depend on the mapped inputs read as usual, as there."""

    _REFUSALS = {
        "item": "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap "
        "over calling .item() on a Tensor, please try to rewrite what you're doing with other "
        "operations.",
        "bool": "vmap: It looks like you're attempting to use a Tensor in some data-dependent "
        "control flow. We don't support that yet: compute both branches and pick with "
        "where().",
        "data": "Cannot access data pointer of Tensor that doesn't have storage",
    }

    def __init__(self):
        self._refs: dict[int, weakref.ref] = {}  # id -> tensor, forgotten when it dies

    @classmethod
    @contextlib.contextmanager
    def entered(cls):
        """The marks of the running vmap (a nested one shares its outer one's), as the hook
        that Function.apply hands its calls to."""
        outer = state.vmap
        state.vmap = outer or cls()
        with _running_lock:  # NOTE: vmaps in other threads count it too
            function.vmaps_running += 1
        try:
            yield state.vmap
        finally:
            with _running_lock:
                function.vmaps_running -= 1
            state.vmap = outer

    def __call__(self, op, args):
        state.vmap = None  # the op itself runs as outside vmap
        try:
            out = op.apply(*args)
        finally:
            state.vmap = self
        inputs = [b for a in args for b in (a if isinstance(a, (tuple, list)) else (a,))]
        if any(self.holds(a) for a in inputs):
            for t in out if isinstance(out, tuple) else (out,):
                self.mark(t)
        return out

    def mark(self, t) -> None:
        if isinstance(t, Tensor):
            key = id(t)
            self._refs[key] = weakref.ref(t, lambda ref: self._forget(key, ref))

    def _forget(self, key: int, ref) -> None:
        if self._refs.get(key) is ref:
            del self._refs[key]

    def holds(self, t) -> bool:
        ref = self._refs.get(id(t))
        return ref is not None and ref() is t

    def refuse(self, t, kind: str) -> None:
        """Raise PyTorch's RuntimeError where t holds a sample's values; kind: item, bool or
        data (a Python list or NumPy array of it)."""
        if self.holds(t):
            raise RuntimeError(self._REFUSALS[kind])


def _randomness(randomness: str):
    if randomness != "error":
        return contextlib.nullcontext()
    return random.refuse_draws(
        "vmap: called random operation while in randomness error mode. Please either use the "
        "'same' or 'different' randomness flags on vmap or perform the randomness operation "
        "out of vmap"
    )


def _name(func) -> str:
    return getattr(func, "__name__", type(func).__name__)


def _broadcast_dims(in_dims, args: tuple) -> list:
    """One mapped dim (or None) per leaf of args, from in_dims as PyTorch reads it."""
    if isinstance(in_dims, int) or in_dims is None:
        leaves = _flatten(args)[0]
        return [_normal_dim(in_dims, leaf) for leaf in leaves]
    if not isinstance(in_dims, tuple) or len(in_dims) != len(args):
        raise ValueError(
            f"vmap: in_dims is not compatible with the structure of `inputs`: in_dims has "
            f"structure {in_dims!r} but inputs has {len(args)} arguments"
        )
    dims = []
    for spec, arg in zip(in_dims, args):
        arg_leaves = _flatten(arg)[0]
        if isinstance(spec, int) or spec is None:
            dims += [_normal_dim(spec, leaf) for leaf in arg_leaves]
        else:
            spec_leaves = _flatten(spec)[0]
            if len(spec_leaves) != len(arg_leaves):
                raise ValueError(f"vmap: in_dims {spec!r} does not match its argument's structure")
            dims += [_normal_dim(d, leaf) for d, leaf in zip(spec_leaves, arg_leaves)]
    return dims


def _normal_dim(dim, leaf):
    if dim is None or not isinstance(leaf, Tensor):
        return None
    if not -leaf.ndim <= dim < leaf.ndim:
        raise ValueError(
            f"vmap: Got in_dim={dim} for an input but the input is of type {type(leaf).__name__} "
            f"with {leaf.ndim} dims: in_dim must be in [-{leaf.ndim}, {leaf.ndim})"
        )
    return dim % leaf.ndim


def _stack_results(results: list, out_dims, func):
    flats = [_flatten(r) for r in results]
    spec = flats[0][1]
    columns = list(zip(*(leaves for leaves, _ in flats)))
    dims = (
        [out_dims] * len(columns)
        if isinstance(out_dims, int) or out_dims is None
        else _flatten(out_dims)[0]
    )
    if len(dims) != len(columns):
        raise ValueError(
            f"vmap({_name(func)}, ..., out_dims={out_dims}): out_dims does not match the "
            f"structure of the outputs ({len(columns)} tensors)"
        )
    stacked = []
    for column, d in zip(columns, dims):
        if not all(isinstance(t, Tensor) for t in column):
            raise ValueError(
                f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                f"{type(column[0]).__name__}"
            )
        stacked.append(column[0] if d is None else stack(column, dim=d))
    return _unflatten(stacked, spec)


# -- forward mode, by reverse mode ---------------------------------------------------------------
def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J v): the Jacobian of func times the tangents. NOTE: minigrad has no
    forward-mode AD: J v is the gradient of (J^T u) . v with respect to a dummy u (two backward
    passes), the same numbers."""
    output, jvp_fn, *aux = _linearized(func, tuple(primals), has_aux, "jvp(f, primals, tangents)")
    result = jvp_fn(*tangents)
    return (output, result, *aux)


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) gives J v at primals (see jvp)."""
    return _linearized(func, primals, False, "linearize(f, *primals)")


def _linearized(func, primals: tuple, has_aux: bool, op: str):
    everything = tuple(range(len(primals)))
    outer = _depth > 0
    with _transform():
        new_args, stand_ins, required = _wrt(primals, everything, op)
        keep = outer or required
        output = func(*new_args)
        output, aux = _split_aux(output, has_aux, op)
        outputs, out_spec = _flatten(output)
        flat = [x for fresh in stand_ins for x in fresh]
        dummies = [o.detach().new_zeros(o.shape).requires_grad_() for o in outputs]
        transposed = engine.grad(
            outputs, flat, dummies, create_graph=True, allow_unused=True, materialize_grads=True
        )  # J^T u, linear in u

    def jvp_fn(*tangents):
        tangent_leaves = _flatten(tangents)[0]
        if len(tangent_leaves) != len(flat) or any(
            tuple(t.shape) != tuple(x.shape) for t, x in zip(tangent_leaves, flat)
        ):
            raise RuntimeError(
                f"{op}: Expected tangents to have the same structure and shapes as primals"
            )
        with _transform():
            products = engine.grad(
                transposed, dummies, tangent_leaves, retain_graph=True, create_graph=True,
                allow_unused=True, materialize_grads=True,
            )  # fmt: skip
        return _unflatten([_finish(p, keep) for p in products], out_spec)

    result = _unflatten([_finish(o, keep) for o in outputs], out_spec)
    return (result, jvp_fn, _finish_aux(aux, keep)) if has_aux else (result, jvp_fn)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of func with respect to args[argnums] (PyTorch computes it column by
    column in forward mode; minigrad row by row in reverse mode, as jacrev: the same values)."""
    return jacrev(func, argnums, has_aux=has_aux)
