"""LazyModuleMixin: the machinery of the lazy layers (LazyLinear, LazyConv1d/2d/3d,
LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d), which learn one
size from their first input, as PyTorch's."""

from __future__ import annotations

from minigrad.autograd.grad_mode import no_grad
from minigrad.nn.parameter import UninitializedBuffer, UninitializedParameter


class LazyModuleMixin:
    """Until the first call, the module's size attribute is 0 and its weights (and buffers)
    are UninitializedParameters (UninitializedBuffers). The first call, `initialize_parameters`
    or loading a state dict gives them their shapes in place (an optimizer built before keeps
    them) and resets them as the full layer does, then the module becomes that layer
    (`cls_to_become`). A layer defines `_input_size(input)`, `_saved_size(state_dict, prefix)`
    (None when the state dict says nothing) and `_set_size(size)`, which returns the shape of
    each lazy tensor by name.
    NOTE: PyTorch keeps the lazy class after `initialize_parameters` or a loaded state dict
    until the next call; here the module becomes the full layer at once."""

    cls_to_become = None

    def has_uninitialized_params(self) -> bool:
        tensors = (*self._parameters.values(), *self._buffers.values())
        return any(isinstance(t, (UninitializedParameter, UninitializedBuffer)) for t in tensors)

    def initialize_parameters(self, input) -> None:
        """Give the lazy tensors the shapes that `input` implies and reset them."""
        self._materialize(self._input_size(input))

    def _materialize(self, size: int) -> None:
        with no_grad():
            for name, shape in self._set_size(size).items():
                tensor = getattr(self, name)
                if isinstance(tensor, (UninitializedParameter, UninitializedBuffer)):
                    tensor.materialize(shape)
            self.__class__ = self.cls_to_become
            self.reset_parameters()

    def _load_state_dict_hook(self, state_dict, prefix: str) -> None:
        """Loading a state dict first gives the lazy tensors the saved ones' shapes."""
        size = self._saved_size(state_dict, prefix)
        if size is not None:
            self._materialize(size)

    def forward(self, input, *args, **kwargs):  # ConvTranspose's output_size
        self.initialize_parameters(input)
        # the full layer's forward, now that the class changed
        return self.forward(input, *args, **kwargs)
