"""minigrad.nn: Module, Parameter, layers, losses, `functional`, `init` and `utils`,
with PyTorch's names and behaviour (`import minigrad as torch; torch.nn.Linear(4, 2)`);
`grad`: the input and weight gradients of convolutions."""

from minigrad.nn import functional, grad, init, utils
from minigrad.nn.modules import *  # noqa: F403
from minigrad.nn.parameter import Buffer, Parameter, UninitializedParameter
