"""Activation layers: thin modules over the ops in minigrad.nn.functional."""

from __future__ import annotations

from minigrad.creation import full
from minigrad.nn import functional as F
from minigrad.nn import init as nn_init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter


class ReLU(Module):
    """y = max(x, 0). (*) -> (*)"""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope * x. (*) -> (*)"""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class RReLU(Module):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training
    (minigrad's generator: not PyTorch's numbers) and is (lower + upper) / 2 in eval.
    (*) -> (*)"""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (
            ", inplace=True" if self.inplace else ""
        )


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x)). (*) -> (*)"""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """y = tanh(x). (*) -> (*)"""

    def forward(self, input):
        return F.tanh(input)


class SiLU(Module):
    """y = x * sigmoid(x). (*) -> (*)"""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """y = x * Phi(x) ('none') or its tanh approximation ('tanh'). (*) -> (*)"""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """y = log(1 + exp(beta x)) / beta. (*) -> (*)"""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """y = exp(x) / sum(exp(x)) along dim. (*) -> (*)"""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """y = x - logsumexp(x) along dim. (*) -> (*)"""

    def forward(self, input):
        return F.log_softmax(input, self.dim)


class Hardtanh(Module):
    """y = clamp(x, min_val, max_val). (*) -> (*)"""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if min_val > max_val:  # AssertionError: PyTorch's type here (F.hardtanh: ValueError)
            raise AssertionError(
                f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})"
            )
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class ReLU6(Hardtanh):
    """y = min(max(x, 0), 6). (*) -> (*)"""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """y = x if x > 0 else alpha * (exp(x) - 1). (*) -> (*)"""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class LogSigmoid(Module):
    """y = log(sigmoid(x)). (*) -> (*)"""

    def forward(self, input):
        return F.logsigmoid(input)


class Softmin(Softmax):
    """y = softmax(-x) along dim. (*) -> (*)"""

    def forward(self, input):
        return F.softmin(input, self.dim)


class Softsign(Module):
    """y = x / (1 + |x|). (*) -> (*)"""

    def forward(self, input):
        return F.softsign(input)


class PReLU(Module):
    """y = x if x > 0 else a * x with a learnable slope a: one for all channels, or one per
    channel (dim 1) when num_parameters = C. (*) -> (*)"""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(full((num_parameters,), init, device=device, dtype=dtype))

    def reset_parameters(self) -> None:
        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Hardswish(Module):
    """y = x * relu6(x + 3) / 6. (*) -> (*)"""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Hardsigmoid(Hardswish):
    """y = relu6(x + 3) / 6. (*) -> (*)"""

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Mish(Hardswish):
    """y = x * tanh(softplus(x)). (*) -> (*)"""

    def forward(self, input):
        return F.mish(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""  # Hardswish prints none, Mish does


class GLU(Module):
    """y = a * sigmoid(b) for the halves a, b of the input along dim. (*, 2n, *) -> (*, n, *)"""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class CELU(ELU):
    """y = x if x > 0 else alpha * (exp(x / alpha) - 1). (*) -> (*)"""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class Hardshrink(Module):
    """y = x where |x| > lambd, else 0. (*) -> (*)"""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """y = x - lambd above lambd, x + lambd below -lambd, else 0. (*) -> (*)"""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Tanhshrink(Module):
    """y = x - tanh(x). (*) -> (*)"""

    def forward(self, input):
        return F.tanhshrink(input)


class Threshold(Module):
    """y = x where x > threshold, else value. (*) -> (*)"""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"


class SELU(Module):
    """y = scale * elu(x, alpha), the self-normalising activation. (*) -> (*)"""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softmax2d(Module):
    """Softmax over the channels of each position: (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3)
