"""Hooks on the tensors autograd saves for backward (PyTorch's `torch.autograd.graph`),
`Node`, the type of the graph's nodes (`y.grad_fn`), and `register_multi_grad_hook`.

Inside `saved_tensors_hooks(pack_hook, unpack_hook)`, each tensor that an op saves with
`ctx.save_for_backward` is replaced by `pack_hook(tensor)`, and backward reads
`unpack_hook(packed)` instead (each time it reads it): to keep saved activations elsewhere
(on the CPU, on disk, compressed) or to watch what is saved. `save_on_cpu()` is such a pair.

NOTE: minigrad's built-in ops keep some of what backward needs as arrays of their own (a
relu's mask, a max's indices), outside save_for_backward, and save what they need: the
number and order of pack and unpack calls can differ from PyTorch's (not for `a * b`). The
gradients are the same.
"""

from __future__ import annotations

import abc
import weakref

from minigrad.autograd.function import AccumulateGrad, Function
from minigrad.autograd.grad_mode import state

__all__ = [
    "Node",
    "disable_saved_tensors_hooks",
    "register_multi_grad_hook",
    "save_on_cpu",
    "saved_tensors_hooks",
]


class Node(abc.ABC):
    """The type of autograd's graph nodes, for `isinstance(t.grad_fn, Node)` and type hints.

    A node is an op's Function instance (its ctx) or a leaf's AccumulateGrad (see
    minigrad/autograd/function.py): both are registered here. NOTE: so `issubclass(Function,
    Node)` is True here (False in PyTorch, whose nodes are separate C++ objects)."""

    @abc.abstractmethod
    def name(self) -> str:
        """The node's name, as PyTorch's: MulBackward0, AccumulateGrad."""

    @property
    @abc.abstractmethod
    def next_functions(self) -> tuple:
        """(node, output_nr) for each input: where this node sends gradients."""

    @abc.abstractmethod
    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after the node's backward."""

    @abc.abstractmethod
    def register_prehook(self, fn):
        """fn(grad_outputs) before the node's backward."""


Node.register(Function)
Node.register(AccumulateGrad)


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Within the block, saved tensors go through pack_hook(tensor) -> anything and come back
    through unpack_hook(anything) -> tensor (the same shape, dtype and values, or backward
    computes with what it returns). Blocks nest: the innermost pair applies."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        if state.saved_hooks_error is not None:
            raise RuntimeError(state.saved_hooks_error)
        state.saved_hooks = (*state.saved_hooks, (self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc) -> None:
        state.saved_hooks = state.saved_hooks[:-1]


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Saved tensors move to the CPU in forward and back to their device in backward: GPU
    memory for activations traded for copies. (pin_memory: PyTorch's page-locked copies; minigrad
    makes ordinary ones.)"""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        def pack(tensor):
            return tensor.device, tensor.cpu()

        def unpack(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Within the block, entering saved_tensors_hooks raises RuntimeError(error_message) (for
    code that cannot work with them)."""

    def __init__(self, error_message: str):
        self.error_message = error_message

    def __enter__(self):
        self._previous = state.saved_hooks_error
        state.saved_hooks_error = self.error_message
        return self

    def __exit__(self, *exc) -> None:
        state.saved_hooks_error = self._previous


def register_multi_grad_hook(tensors, fn, *, mode: str = "all"):
    """Call `fn` once per backward pass over several tensors' gradients.

    mode="all": `fn(grads)` when every tensor of `tensors` that the pass reaches has its
    gradient, with None for the others (a tensor outside the graph, or not on the way to the
    `inputs` of `backward`/`autograd.grad`). mode="any": `fn(grad)` with the first of their
    gradients the pass computes. Returns a handle whose `remove()` takes the hook off.
    """
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    if mode == "all":
        from minigrad.autograd.engine import _root_edge  # the engine imports this package

        nodes = [_root_edge(t)[0] for t in tensors]
        # NOTE: per pass, keyed weakly: a pass that ends early (an error) leaves nothing behind
        collected: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

        def hook_of(i: int):
            def hook(grad):
                task = _current_task()
                entry = collected.get(task)
                if entry is None:
                    expected = sum(map(task.will_execute, nodes))
                    entry = collected[task] = [[None] * len(tensors), expected]
                grads = entry[0]
                grads[i] = grad
                entry[1] -= 1
                if entry[1] == 0:
                    del collected[task]
                    fn(grads)

            return hook

        handles = [t.register_hook(hook_of(i)) for i, t in enumerate(tensors)]
    else:
        fired: weakref.WeakSet = weakref.WeakSet()

        def first(grad):
            task = _current_task()
            if task not in fired:
                fired.add(task)
                fn(grad)

        handles = [t.register_hook(first) for t in tensors if t.requires_grad]
    return _Handles(handles)


def _current_task():
    task = state.graph_task
    if task is None:
        raise RuntimeError("register_multi_grad_hook: its hook ran outside a backward pass")
    return task


class _Handles:
    """The handles of the tensors' hooks, removed together (as PyTorch's handle)."""

    def __init__(self, handles):
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
