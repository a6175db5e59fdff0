"""Random numbers: one seeded generator per device, and `Generator` objects for DataLoader.

minigrad draws from NumPy's PCG64 (CuPy's on a GPU), so the same seed gives the same numbers
run after run, but not the numbers PyTorch would give.
"""

from __future__ import annotations

import numpy as np

from minigrad import dtypes
from minigrad.backend import device as _device
from minigrad.backend import get_device

_DEFAULT_SEED = 67280421310721


class Generator:
    """A seeded source of random numbers on one device (PyTorch's `torch.Generator`)."""

    def __init__(self, device="cpu"):
        self.device = get_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self._rng = self.device.xp.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        return self.manual_seed(int(np.random.SeedSequence().entropy) % 2**63)._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, new_state) -> Generator:
        self._rng.bit_generator.state = new_state
        return self


default_generator = Generator()
_cuda_generators: dict = {}


def manual_seed(seed: int) -> Generator:
    """Seed every device's default generator (as `torch.manual_seed`)."""
    default_generator.manual_seed(seed)
    for gen in _cuda_generators.values():
        gen.manual_seed(seed)
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


def generator_for(device, generator: Generator | None = None) -> Generator:
    """The generator to draw from on `device`: the one given, or the device's default."""
    if generator is not None:
        if generator.device is not device:
            raise RuntimeError(
                f"generator is on {generator.device} but the tensor is on {device}; use a "
                "Generator of the same device"
            )
        return generator
    if device.type == "cpu":
        return default_generator
    gen = _cuda_generators.get(device.index)
    if gen is None:
        gen = _cuda_generators[device.index] = Generator(device)
        gen.manual_seed(default_generator.initial_seed())
    return gen


def _float_dtype(dtype):
    return (dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)).np


def normal_array(shape, device, mean=0.0, std=1.0, generator=None, dtype=None):
    rng = generator_for(_device(device), generator)._rng
    out = rng.standard_normal(size=tuple(shape), dtype=_float_dtype(dtype))
    if std != 1.0:
        out *= std
    if mean != 0.0:
        out += mean
    return out


def uniform_array(shape, device, low=0.0, high=1.0, generator=None, dtype=None):
    rng = generator_for(_device(device), generator)._rng
    out = rng.random(size=tuple(shape), dtype=_float_dtype(dtype))
    if (low, high) != (0.0, 1.0):
        out *= high - low
        out += low
    return out


def integers_array(low, high, shape, device, generator=None):
    rng = generator_for(_device(device), generator)._rng
    return rng.integers(low, high, size=tuple(shape), dtype=np.int64)


def permutation_array(n, device, generator=None):
    return generator_for(_device(device), generator)._rng.permutation(n).astype(np.int64)
