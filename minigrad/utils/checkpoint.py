"""Activation checkpointing (`torch.utils.checkpoint`): a segment of the forward pass runs
without recording its graph, so its intermediate tensors are freed at once; backward runs the
segment again, with recording on, and differentiates that copy.

Both of PyTorch's variants (`use_reentrant=True` or `False`) are one mechanism here: a
Function whose backward recomputes the segment and runs the engine's backward on it, which
adds into `.grad` of the parameters the segment uses and returns the gradients of its inputs.
Under `autograd.grad` it computes the inputs' gradients only and touches no `.grad`.
"""

from __future__ import annotations

import warnings

from minigrad import random
from minigrad.autograd import engine
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, state
from minigrad.backend import cpu
from minigrad.nn import Sequential
from minigrad.tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Checkpoint(Function):
    """forward: run(*args) with recording off; backward: run it again, recording, from the
    same random state, and backpropagate the incoming gradients through it."""

    @staticmethod
    def forward(ctx, run, preserve_rng_state, anchor, *args):
        # the inputs are what a checkpoint keeps: saved, so an in-place change is detected
        ctx.run, ctx.args = run, tuple(None if isinstance(a, Tensor) else a for a in args)
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        ctx.rng_state = random.get_rng_state() if preserve_rng_state else None
        with no_grad():
            out = run(*args)
        ctx.single = isinstance(out, Tensor)
        outs = (out,) if ctx.single else tuple(out)
        if not all(isinstance(o, Tensor) for o in outs):
            raise TypeError("checkpoint: the function must return a Tensor or a tuple of Tensors")
        return outs[0].array if ctx.single else tuple(o.array for o in outs)

    @staticmethod
    def backward(ctx, *grads):
        saved = iter(ctx.saved_tensors)
        inputs = [a if a is not None else next(saved) for a in ctx.args]
        inputs = [
            a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
            for a in inputs
        ]
        current = random.get_rng_state() if ctx.rng_state is not None else None
        if current is not None:
            random.set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                out = ctx.run(*inputs)
        finally:
            if current is not None:
                random.set_rng_state(current)
        outs = (out,) if ctx.single else tuple(out)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad and g is not None]
        wanted = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
        found = {}
        if pairs and state.capturing:
            # under autograd.grad: the inputs' gradients only, no parameter's .grad touched
            outs, grads = [o for o, _ in pairs], [g for _, g in pairs]
            if wanted:
                found = dict(
                    zip(map(id, wanted), engine.grad(outs, wanted, grads, allow_unused=True))
                )
        elif pairs:
            engine.backward([o for o, _ in pairs], [g for _, g in pairs])
            found = {id(a): a.grad for a in wanted}
        return (None, None, None) + tuple(
            found.get(id(a)) if isinstance(a, Tensor) else None for a in inputs
        )


def checkpoint(
    function,
    *args,
    use_reentrant: bool | None = None,
    context_fn=None,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs,
):
    """`function(*args, **kwargs)`, keeping only its inputs for backward: its intermediate
    tensors are not stored but recomputed during backward, from the same random state
    (`preserve_rng_state=True`, the default), so dropout draws the same masks. The gradients
    equal those without checkpointing."""
    preserve_rng_state = kwargs.pop("preserve_rng_state", True)
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "use_reentrant=False is recommended (in minigrad both variants recompute the same "
            "way).",
            stacklevel=2,
        )
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if context_fn is not None or debug:
        raise NotImplementedError("checkpoint: context_fn and debug are not supported by minigrad")
    if preserve_rng_state and any(isinstance(a, Tensor) and a.device != cpu for a in args):
        raise NotImplementedError(
            "checkpoint: minigrad cannot save a GPU generator's state to replay it in backward. "
            "Pass preserve_rng_state=False if the function draws no random numbers (no dropout)."
        )
    run = (lambda *a: function(*a, **kwargs)) if kwargs else function
    if not is_grad_enabled():
        return run(*args)
    if use_reentrant:
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2
            )
        anchor = None
    else:
        # NOTE: a tensor that needs a gradient makes the node be recorded even when no input
        # needs one, so that the parameters used inside still get theirs (PyTorch's
        # non-reentrant variant does the same).
        device = next((a.device for a in args if isinstance(a, Tensor)), cpu)
        anchor = Tensor._make(device.xp.zeros(()), True)
    return _Checkpoint.apply(run, preserve_rng_state, anchor, *args)


def checkpoint_sequential(functions, segments: int, input, use_reentrant=None, **kwargs):
    """Run a Sequential (or a list of modules) in `segments` parts, checkpointing every part
    but the last, as PyTorch's `checkpoint_sequential`."""
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. use_reentrant=False is recommended.",
            stacklevel=2,
        )
        use_reentrant = True
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    size = len(functions) // segments

    def run_part(start, end):
        def forward(x):
            for f in functions[start : end + 1]:
                x = f(x)
            return x

        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(
            run_part(start, end),
            input,
            use_reentrant=use_reentrant,
            preserve_rng_state=preserve,
        )
    return run_part(end + 1, len(functions) - 1)(input)
