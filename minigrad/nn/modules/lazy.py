"""LazyModuleMixin: the machinery of the lazy layers (LazyLinear, LazyConv1d/2d/3d,
LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d), which learn one
size from their first input, as PyTorch's."""

from __future__ import annotations

from minigrad.autograd.grad_mode import no_grad
from minigrad.nn.parameter import is_lazy


class LazyModuleMixin:
    """Until the first call, the module's size attribute is 0 and its weights (and buffers)
    are UninitializedParameters (UninitializedBuffers). `initialize_parameters(input)` gives
    them their shapes in place (an optimizer built before keeps them) and resets them as the
    full layer does; loading a state dict gives them the saved shapes. As in PyTorch, the
    module becomes the full layer (`cls_to_become`) only at its next call, which first
    initializes what is still lazy (PyTorch's `_infer_parameters`). A layer defines
    `_input_size(input)` and `_set_size(size)`, which returns the shape of each lazy tensor by
    name."""

    cls_to_become = None

    def has_uninitialized_params(self) -> bool:
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, input) -> None:
        """Give the lazy tensors the shapes that `input` implies and reset them; nothing when
        none is lazy (then the size attribute keeps its value, as PyTorch's)."""
        if not self.has_uninitialized_params():
            return
        with no_grad():
            for name, shape in self._set_size(self._input_size(input)).items():
                tensor = getattr(self, name)
                if is_lazy(tensor):
                    tensor.materialize(shape)
            self.reset_parameters()

    def _load_state_dict_hook(self, state_dict, prefix: str) -> None:
        """PyTorch's `_lazy_load_hook`: a lazy tensor takes the shape of the saved one, whose
        values are loaded next. The size attribute stays 0 (PyTorch's LazyLinear sets it at
        the next call; its other lazy layers keep 0)."""
        with no_grad():
            for name, tensor in (*self._parameters.items(), *self._buffers.items()):
                saved = state_dict.get(prefix + name)
                if is_lazy(tensor) and saved is not None and not is_lazy(saved):
                    tensor.materialize(saved.shape)

    def forward(self, input, *args, **kwargs):  # ConvTranspose's output_size
        self.initialize_parameters(input)
        if self.has_uninitialized_params():  # a state dict loaded some of them only
            raise RuntimeError(f"module {type(self).__name__} has not been fully initialized")
        self.__class__ = self.cls_to_become
        # the full layer's forward, now that the class changed
        return self.forward(input, *args, **kwargs)
