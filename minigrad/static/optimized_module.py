"""What `compile(module)` returns, as `torch.compile(model)` does: a Module."""

from __future__ import annotations

from minigrad.nn.modules.module import Module


class OptimizedModule(Module):
    """The compiled module, as PyTorch's OptimizedModule: it holds the original one as
    `_orig_mod` (so `state_dict()` keys start with `_orig_mod.`, print shows it, `train()` and
    `eval()` reach it, and it is an `nn.Module` for code that checks), and its calls replay the
    compiled graphs. Other attributes come from the compiled function (`traces`, `graph`,
    `code`, `reset()`), or else from the original module, as PyTorch's forwards them."""

    def __init__(self, mod: Module, compiled) -> None:
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled", compiled)
        # NOTE: forward is the compiled function itself (an instance attribute, not a method
        # calling it): Module.__call__ reaches it with one Python frame less in every step
        object.__setattr__(self, "forward", compiled)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            compiled = self.__dict__.get("_compiled")
            if compiled is None or name.startswith("__"):  # copy's __deepcopy__: the module's
                raise
            return getattr(compiled, name)
