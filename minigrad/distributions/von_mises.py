"""The von Mises distribution, a normal distribution on the circle: density
exp(kappa cos(x - loc)) / (2 pi I0(kappa))."""

from __future__ import annotations

import math

import minigrad
from minigrad.distributions import constraints
from minigrad.distributions.distribution import Distribution
from minigrad.distributions.utils import broadcast_all
from minigrad.special import i0e, i1e
from minigrad.tensor import Size, Tensor


def _log_i0(x: Tensor) -> Tensor:
    """log I0(x) for x > 0, through the scaled i0e (I0 itself overflows past x = 700)."""
    return i0e(x).log() + x


def _proposal_r(kappa: Tensor) -> Tensor:
    """Best and Fisher's envelope parameter; its Taylor form for tiny kappa (the closed form
    cancels there)."""
    tau = 1 + (1 + 4 * kappa**2).sqrt()
    rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
    return minigrad.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho**2) / (2 * rho))


class VonMises(Distribution):
    """VonMises(loc, concentration), with values in [-pi, pi). Draws use Best and Fisher's
    rejection sampler in float64 (as PyTorch's); no rsample. log I0 is computed exactly
    (PyTorch uses a polynomial fit of relative error about 1e-7)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        shape = Size(batch_shape)
        params = {"loc": self.loc.expand(shape), "concentration": self.concentration.expand(shape)}
        return self._new_expanded(shape, params)

    @property
    def mean(self) -> Tensor:
        """The circular mean: loc."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The circular variance 1 - I1(kappa) / I0(kappa)."""
        kappa = self.concentration
        return 1 - i1e(kappa) / i0e(kappa)

    def log_prob(self, value) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        kappa = self.concentration
        return kappa * (value - self.loc).cos() - math.log(2 * math.pi) - _log_i0(kappa)

    def sample(self, sample_shape=()) -> Tensor:
        """Rejection sampling; each round proposes for every element and keeps the first
        accepted proposal, until all are accepted (acceptance is above 65% for every kappa)."""
        shape = self._extended_shape(sample_shape)
        with minigrad.no_grad():
            loc = self.loc.double().expand(shape)
            kappa = self.concentration.double().expand(shape)
            r = _proposal_r(kappa)
            device = self.loc.device
            x = minigrad.zeros(shape, dtype=minigrad.float64, device=device)
            done = minigrad.zeros(shape, dtype=minigrad.bool, device=device)
            while not bool(done.all()):
                u1, u2, u3 = minigrad.rand((3, *shape), dtype=minigrad.float64, device=device)
                z = (math.pi * u1).cos()
                f = (1 + r * z) / (r + z)
                c = kappa * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
                accept = accept & ~done
                x = minigrad.where(accept, (u3 - 0.5).sign() * f.acos(), x)
                done = done | accept
            wrapped = (x + math.pi + loc) % (2 * math.pi) - math.pi
            return wrapped.to(self.loc.dtype)
